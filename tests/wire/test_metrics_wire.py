"""Metrics on the wire: every instrument kind, with its unit and attributes, through each
transport (OTLP/HTTP protobuf and JSON, OTLP/gRPC, the OTLP/JSON lines file) to the in-repo
receivers and to Rotel; temporality as configured; and the faults logs are tested for
(collector down at start and mid-run, unresponsive at shutdown), always bounded, never a
line on stderr. What a dead collector never got is counted (and spooled:
tests/spool/test_metric_spool.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
from wire.wirekit import ENVIRON, HEADERS_ON_THE_WIRE, q

from codex_otel.runtime import Attributes, MetricDefinition, Telemetry
from receivers import (
    OtlpGrpcReceiver,
    OtlpHttpReceiver,
    ReceivedPoint,
    Recorder,
    decode_metrics_request,
    flatten_metrics_request,
    unused_port,
)
from receivers.fixtures import ReceiverFactory
from receivers.rotel import RotelFactory
from support.telemetry import TelemetryFactory

pytestmark = pytest.mark.wire

REQUESTS = MetricDefinition("codex.api_request", "counter", "{request}", "API requests.", "int")
DURATION = MetricDefinition(
    "codex.api_request.duration_ms", "histogram", "ms", "API request durations.", "double",
    (50.0, 250.0, 1000.0),
)  # fmt: skip
IN_FLIGHT = MetricDefinition(
    "codex.requests.in_flight", "updowncounter", "{request}", "In flight.", "int"
)
CONTEXT = MetricDefinition("codex.context.used", "gauge", "1", "Context window used.", "double")
TOKENS = MetricDefinition("codex.turn.token_usage", "counter", "{token}", "Tokens.", "int")
ALL = (REQUESTS, DURATION, IN_FLIGHT, CONTEXT, TOKENS)
#: As in test_faults: shutdown may take this much longer than `shutdown_timeout`.
SHUTDOWN_TIMEOUT = 0.5
MARGIN = 1.5
KINDS = {"counter": "sum", "updowncounter": "sum", "histogram": "histogram", "gauge": "gauge"}
TRANSPORTS = ["http-binary", "http-json", "grpc"]


@dataclass(frozen=True)
class Meta:
    COMPUTED: ClassVar[Mapping[str, str]] = {}
    METRIC_KEYS: ClassVar[tuple[str, ...]] = ("model", "app.version", "auth_mode")

    def to_attributes(self) -> Attributes:
        return {
            "model": "gpt-5-codex",
            "app.version": "0.46.0",
            "auth_mode": "chatgpt",
            "conversation.id": "never-on-a-metric",
        }


METADATA = {"model": "gpt-5-codex", "app.version": "0.46.0", "auth_mode": "chatgpt"}


def metrics_table(
    transport: str, endpoint: str, *, temporality: str = "cumulative", timeout: float = 2.0
) -> str:
    """An `[otel]` table with metrics only, as a user writes it."""
    kind = "otlp-grpc" if transport == "grpc" else "otlp-http"
    lines = [
        "[otel]",
        'environment = "ci"',
        "shutdown_timeout = 2.0",
        "[otel.metrics]",
        "export_interval_ms = 3600000",  # only flushes and the shutdown export
        f"temporality = {q(temporality)}",
        f"[otel.metrics_exporter.{kind}]",
        f"endpoint = {q(endpoint)}",
        f"timeout = {timeout}",
    ]
    if kind == "otlp-http":
        lines.append(f"protocol = {q('json' if transport == 'http-json' else 'binary')}")
    lines += [
        f"[otel.metrics_exporter.{kind}.headers]",
        '"x-otlp-api-key" = "${OTLP_TOKEN}"',
        '"X-Tenant" = "acme"',
    ]
    return "\n".join(lines) + "\n"


def record_every_kind(telemetry: Telemetry) -> None:
    conversation = telemetry.conversation(Meta())
    conversation.record(REQUESTS, 1, {"status": "200", "success": "true"})
    conversation.record(REQUESTS, 1, {"status": "200", "success": "true"})
    conversation.record(REQUESTS, 1, {"status": "429", "success": "false"})
    conversation.record(DURATION, 120.5, {"status": "200", "success": "true"})
    conversation.record(DURATION, 900, {"status": "200", "success": "true"})
    conversation.record(IN_FLIGHT, 3, {})
    conversation.record(IN_FLIGHT, -1, {})
    conversation.record(CONTEXT, 0.42, {})
    conversation.record(TOKENS, 1200, {"token.type": "input"})
    conversation.record(TOKENS, 300, {"token.type": "output"})


def by_series(
    points: list[ReceivedPoint],
) -> dict[tuple[str, tuple[tuple[str, object], ...]], ReceivedPoint]:
    """The last point of each (metric, attributes) series."""
    found: dict[tuple[str, tuple[tuple[str, object], ...]], ReceivedPoint] = {}
    for point in points:
        found[(point.name, tuple(sorted(point.attributes.items())))] = point
    return found


def check_every_kind(points: list[ReceivedPoint]) -> None:
    for definition in ALL:
        named = [p for p in points if p.name == definition.name]
        assert named, f"{definition.name} was not received"
        for point in named:
            assert point.unit == definition.unit
            assert point.description == definition.description
            assert point.kind == KINDS[definition.instrument]
            assert point.scope_name == "codex_otel"
            assert point.resource["service.version"] == "0.42.0-wire"
            assert point.resource["deployment.environment.name"] == "ci"
            # The metadata's metric keys and nothing else of it.
            assert {k: point.attributes[k] for k in METADATA} == METADATA
            assert "conversation.id" not in point.attributes
    series = by_series(points)

    def one(name: str, **attributes: str) -> ReceivedPoint:
        return series[(name, tuple(sorted({**METADATA, **attributes}.items())))]

    ok = one(REQUESTS.name, status="200", success="true")
    assert (ok.value, type(ok.value), ok.monotonic, ok.temporality) == (2, int, True, 2)
    assert one(REQUESTS.name, status="429", success="false").value == 1
    duration = one(DURATION.name, status="200", success="true")
    assert (duration.count, duration.value) == (2, 1020.5)
    assert duration.explicit_bounds == (50.0, 250.0, 1000.0)
    assert duration.bucket_counts == (0, 1, 1, 0)
    in_flight = one(IN_FLIGHT.name)
    assert (in_flight.value, in_flight.monotonic) == (2, False)
    context = one(CONTEXT.name)
    assert (context.value, type(context.value)) == (0.42, float)
    assert one(TOKENS.name, **{"token.type": "input"}).value == 1200
    assert one(TOKENS.name, **{"token.type": "output"}).value == 300


def start(
    receivers: ReceiverFactory, transport: str, port: int = 0
) -> OtlpHttpReceiver | OtlpGrpcReceiver:
    return receivers.grpc(port=port) if transport == "grpc" else receivers.http(port=port)


def endpoint_of(receiver: OtlpHttpReceiver | OtlpGrpcReceiver) -> str:
    return receiver.endpoint if isinstance(receiver, OtlpGrpcReceiver) else receiver.base_url


@pytest.fixture
def quiet(capfd: pytest.CaptureFixture[str]) -> Iterator[None]:
    """Nothing a test does may reach the process's stderr (or stdout)."""
    capfd.readouterr()
    yield
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_instrument_reaches_the_receiver(
    transport: str, otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory, quiet: None
) -> None:
    receiver = start(otlp_receivers, transport)
    telemetry = start_telemetry(metrics_table(transport, endpoint_of(receiver)), environ=ENVIRON)
    assert telemetry.exporting_metrics and not telemetry.exporting
    record_every_kind(telemetry)
    assert telemetry.shutdown()
    check_every_kind(receiver.received_points())
    [request] = [r for r in receiver.requests if r.points]
    assert {k: request.headers[k] for k in HEADERS_ON_THE_WIRE} == HEADERS_ON_THE_WIRE
    if transport != "grpc":
        assert request.path == "/v1/metrics"
        json_body = transport == "http-json"
        assert request.content_type == (
            "application/json" if json_body else "application/x-protobuf"
        )
    assert telemetry.stats.metric_export_failures == 0


@pytest.mark.parametrize("temporality", ["cumulative", "delta"])
def test_temporality_on_the_wire(
    temporality: str, otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory
) -> None:
    receiver = otlp_receivers.http()
    toml = metrics_table("http-binary", receiver.base_url, temporality=temporality)
    telemetry = start_telemetry(toml, environ=ENVIRON)
    conversation = telemetry.conversation(Meta())
    conversation.record(REQUESTS, 2, {"status": "200"})
    conversation.record(IN_FLIGHT, 2, {})
    assert telemetry.force_flush(5)
    conversation.record(REQUESTS, 3, {"status": "200"})
    conversation.record(IN_FLIGHT, 1, {})
    assert telemetry.shutdown()
    requests = [p.value for p in receiver.received_points(REQUESTS.name)]
    in_flight = [p.value for p in receiver.received_points(IN_FLIGHT.name)]
    temporalities = {p.temporality for p in receiver.received_points(REQUESTS.name)}
    if temporality == "cumulative":
        assert (requests, temporalities) == ([2, 5], {2})
    else:
        assert (requests, temporalities) == ([2, 3], {1})
    assert in_flight == [2, 3]  # an up-down counter stays cumulative either way


def test_the_file_exporter_writes_export_metrics_requests(
    tmp_path: Path, start_telemetry: TelemetryFactory
) -> None:
    path = tmp_path / "metrics.jsonl"
    toml = f"[otel]\nmetrics_exporter = {{ file = {{ path = {q(str(path))} }} }}\n"
    telemetry = start_telemetry(toml, environ=ENVIRON)
    record_every_kind(telemetry)
    assert telemetry.shutdown()
    points: list[ReceivedPoint] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        document = json.loads(line)
        assert set(document) == {"resourceMetrics"}
        # The same decoder as the receivers' OTLP/JSON path: what a Collector would read.
        points += flatten_metrics_request(decode_metrics_request(line.encode(), json=True), "file")
    check_every_kind(points)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_rotel_receives_every_instrument(
    transport: str, rotel_collectors: RotelFactory, start_telemetry: TelemetryFactory, quiet: None
) -> None:
    # Rotel decodes, re-encodes and forwards to an in-repo gRPC receiver, which decodes
    # exactly what Rotel understood.
    with OtlpGrpcReceiver() as downstream:
        rotel = rotel_collectors(forward_to=downstream.endpoint)
        endpoint = (
            rotel.grpc_endpoint if transport == "grpc" else f"http://127.0.0.1:{rotel.http_port}"
        )
        telemetry = start_telemetry(metrics_table(transport, endpoint), environ=ENVIRON)
        record_every_kind(telemetry)
        assert telemetry.shutdown()
        names = {d.name for d in ALL}
        assert downstream.wait_for_points(
            lambda points: names <= {p.name for p in points}, timeout=15
        ), rotel.errors()
        points = downstream.received_points()
    assert rotel.errors() == []
    check_every_kind(points)
    assert telemetry.stats.metric_export_failures == 0


# --- faults -------------------------------------------------------------------------------


@pytest.mark.faults
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_collector_down_at_start_then_up(
    transport: str, otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory, quiet: None
) -> None:
    port = unused_port()
    endpoint = f"http://127.0.0.1:{port}"
    telemetry = start_telemetry(metrics_table(transport, endpoint, timeout=1.0), environ=ENVIRON)
    conversation = telemetry.conversation(Meta())
    conversation.record(REQUESTS, 1, {"status": "200"})
    assert not telemetry.force_flush(0.5)  # nothing listens
    receiver = start(otlp_receivers, transport, port=port)
    conversation.record(REQUESTS, 1, {"status": "200"})
    assert telemetry.force_flush(10)
    assert telemetry.shutdown()
    # Cumulative: the total includes what was recorded while the collector was down (the
    # export that found it down may also arrive, retried: with the total of its time).
    assert [p.value for p in receiver.received_points(REQUESTS.name)][-1] == 2


@pytest.mark.faults
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_collector_killed_mid_run_then_restarted(
    transport: str, otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory
) -> None:
    # Not `quiet`: the in-process gRPC receiver's stop makes gRPC's C core (shared by the
    # receiver and the exporter here) log a GOAWAY line on fd 2, which is neither's doing.
    receiver = start(otlp_receivers, transport)
    telemetry = start_telemetry(
        metrics_table(transport, endpoint_of(receiver), timeout=1.0), environ=ENVIRON
    )
    conversation = telemetry.conversation(Meta())
    conversation.record(REQUESTS, 1, {"status": "200"})
    assert telemetry.force_flush(10)
    receiver.stop()
    conversation.record(REQUESTS, 1, {"status": "200"})
    assert not telemetry.force_flush(0.5)
    receiver.start()
    conversation.record(REQUESTS, 1, {"status": "200"})
    assert telemetry.shutdown()
    # The export that found the collector down may arrive later, retried (then with 2).
    values = [p.value for p in receiver.received_points(REQUESTS.name)]
    assert values in ([1, 3], [1, 2, 3]), values


@pytest.mark.faults
@pytest.mark.parametrize("fault", ["down", "unresponsive"])
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_shutdown_is_bounded_when_the_collector_is_away(
    transport: str,
    fault: str,
    otlp_receivers: ReceiverFactory,
    start_telemetry: TelemetryFactory,
    quiet: None,
) -> None:
    receiver: Recorder | None = None
    if fault == "down":
        endpoint = f"http://127.0.0.1:{unused_port()}"
    else:
        started = start(otlp_receivers, transport)
        if isinstance(started, OtlpGrpcReceiver):
            started.hang()
        else:
            started.blackhole()
        receiver, endpoint = started, endpoint_of(started)
    # Logs and metrics both export to the dead collector: one bound for both.
    kind = "otlp-grpc" if transport == "grpc" else "otlp-http"
    toml = (
        metrics_table(transport, endpoint, timeout=10.0).replace(
            "shutdown_timeout = 2.0", f"shutdown_timeout = {SHUTDOWN_TIMEOUT}"
        )
        + f"[otel.exporter.{kind}]\nendpoint = {q(endpoint)}\n[otel.spool]\nenabled = false\n"
    )
    telemetry = start_telemetry(toml, environ=ENVIRON)
    assert telemetry.exporting and telemetry.exporting_metrics
    record_every_kind(telemetry)
    began = time.monotonic()
    assert not telemetry.shutdown()
    took = time.monotonic() - began
    # An unbounded shutdown would wait for the exporters' 10 s timeout.
    assert took < SHUTDOWN_TIMEOUT + MARGIN, took
    assert telemetry.stats.metric_export_failures >= 1
    if receiver is not None:
        receiver.heal()


EXIT_CHILD = """
import sys
from dataclasses import dataclass
from codex_otel.runtime import MetricDefinition, Telemetry, load_config

class Meta:
    COMPUTED = {}
    METRIC_KEYS = ("model",)
    def to_attributes(self):
        return {"model": "m"}

telemetry = Telemetry(load_config(text=sys.argv[1], environ={}), service_version="1")
counter = MetricDefinition("codex.api_request", "counter", "{request}", "Requests.", "int")
telemetry.conversation(Meta()).record(counter, 1, {"status": "200"})
# No shutdown: the interpreter-exit hook flushes logs and metrics, within the bound.
"""


@pytest.mark.faults
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_exit_is_bounded_and_silent_with_an_unresponsive_collector(
    transport: str, otlp_receivers: ReceiverFactory
) -> None:
    import subprocess
    import sys

    receiver = start(otlp_receivers, transport)
    if isinstance(receiver, OtlpGrpcReceiver):
        receiver.hang()
    else:
        receiver.blackhole()
    toml = (
        metrics_table(transport, endpoint_of(receiver), timeout=10.0)
        .replace("shutdown_timeout = 2.0", f"shutdown_timeout = {SHUTDOWN_TIMEOUT}")
        .replace('"${OTLP_TOKEN}"', '"t"')
    )
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", EXIT_CHILD, toml],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    took = time.monotonic() - began
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    # The interpreter's own start and the SDK's import come on top of the bound.
    assert took < SHUTDOWN_TIMEOUT + MARGIN + 3.0, took
    assert receiver.wait_for_requests(1)  # the export was attempted, and held
    receiver.heal()
