"""Child process of the metrics spool tests: a CLI run that records metrics.

    python metrics_emitter.py TRANSPORT ENDPOINT TEMPORALITY INTERVALS TAG [hang|quick]

TRANSPORT is `http-binary`, `http-json` or `grpc`; ENDPOINT the collector's (its base
URL: `/v1/metrics` is added for HTTP). Each of INTERVALS intervals records
`codex.api_request` (1 + the interval's number, attributes `status` and `run` = TAG) and
one `codex.api_request.duration_ms` (the interval's number times 10), then forces a
collection and its export. It prints one JSON line per interval: the wall-clock times
around the export (`before`, `after`, ns) and the size of its metrics spool folder then
(`spool_bytes`); then `exiting`, and ends (the exit hook shuts telemetry down: one more
collection and export). With `hang`, it records one more `codex.api_request` (1000), prints
`recorded` and sleeps until a signal ends it. With `quick`, it neither waits for the
background start nor forces anything: it records one point of each metric, prints
`exiting` and ends with the default `shutdown_timeout` (a run shorter than its start).
The spool folder comes from XDG_STATE_HOME.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from codex_otel.runtime import Attributes, MetricDefinition, OtelConfig, Telemetry, load_config
from codex_otel.runtime._metrics_spool import metric_spool_for

REQUESTS = MetricDefinition("codex.api_request", "counter", "{request}", "API requests.", "int")
DURATION = MetricDefinition(
    "codex.api_request.duration_ms", "histogram", "ms", "API request durations.", "double",
    (50.0, 250.0, 1000.0),
)  # fmt: skip


@dataclass(frozen=True)
class Meta:
    COMPUTED: ClassVar[Mapping[str, str]] = {}
    METRIC_KEYS: ClassVar[tuple[str, ...]] = ("model",)

    def to_attributes(self) -> Attributes:
        return {"model": "gpt-5-codex"}


def config_text(
    transport: str, endpoint: str, temporality: str, *, shutdown_timeout: bool = True
) -> str:
    kind = "otlp-grpc" if transport == "grpc" else "otlp-http"
    url = endpoint if transport == "grpc" else f"{endpoint}/v1/metrics"
    lines = [
        "[otel]",
        "shutdown_timeout = 3.0" if shutdown_timeout else "",
        "[otel.metrics]",
        "export_interval_ms = 3600000",  # collections are forced, one per interval
        f'temporality = "{temporality}"',
        f"[otel.metrics_exporter.{kind}]",
        f'endpoint = "{url}"',
        "timeout = 0.5",
    ]
    if kind == "otlp-http":
        lines.append(f'protocol = "{"json" if transport == "http-json" else "binary"}"')
    return "\n".join(lines) + "\n"


def spool_bytes(config: OtelConfig) -> int:
    spool = metric_spool_for(config)
    if spool is None or not spool.directory.is_dir():
        return 0
    total = 0
    for path in spool.directory.iterdir():
        with contextlib.suppress(FileNotFoundError):  # claimed or delivered meanwhile
            total += path.stat().st_size
    return total


def main() -> None:
    transport, endpoint, temporality = sys.argv[1], sys.argv[2], sys.argv[3]
    intervals, tag = int(sys.argv[4]), sys.argv[5]
    quick = sys.argv[6:] == ["quick"]
    text = config_text(transport, endpoint, temporality, shutdown_timeout=not quick)
    telemetry = Telemetry(load_config(text=text, environ={}), service_version="0.0.1-metrics-spool")
    conversation = telemetry.conversation(Meta())
    if quick:
        conversation.record(REQUESTS, 7, {"status": "200", "run": tag})
        conversation.record(DURATION, 70.0, {"status": "200", "run": tag})
        print("exiting", flush=True)
        return
    telemetry.wait_until_started()
    config = telemetry.config
    for interval in range(intervals):
        conversation.record(REQUESTS, 1 + interval, {"status": "200", "run": tag})
        conversation.record(DURATION, 10.0 * interval, {"status": "200", "run": tag})
        before = time.time_ns()
        telemetry.force_flush(5.0)
        after = time.time_ns()
        line = {"before": before, "after": after, "spool_bytes": spool_bytes(config)}
        print(json.dumps(line), flush=True)
    if sys.argv[6:] == ["hang"]:
        conversation.record(REQUESTS, 1000, {"status": "200", "run": tag})
        print("recorded", flush=True)
        while True:
            time.sleep(1)
    telemetry.shutdown()
    print(json.dumps({"stats": telemetry.stats.__dict__, "pid": os.getpid()}), flush=True)
    print("exiting", flush=True)


if __name__ == "__main__":
    main()
