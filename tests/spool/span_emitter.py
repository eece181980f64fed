"""Child process of the span spool tests: a run that traces, then waits for a signal.

    python span_emitter.py ENDPOINT COUNT TAG

Starts the trace pipeline (OTLP/HTTP protobuf to ENDPOINT, a traces URL), ends COUNT
spans named `TAG-<n>` (each a child of a root `TAG-root`, which ends last), prints
`ended` and sleeps until a signal ends it. The spool folder comes from XDG_STATE_HOME.
A long batch delay keeps every span in memory (the queue) until the signal.
"""

from __future__ import annotations

import sys
import time

from codex_otel.runtime._traces_pipeline import start_traces
from codex_otel.runtime.config import BatchConfig, OtelConfig, OtlpHttpExporter


def main() -> None:
    endpoint, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    config = OtelConfig(
        trace_exporter=OtlpHttpExporter(endpoint, timeout=1.0),
        batch=BatchConfig(schedule_delay_ms=600_000),
        service_name="span-emitter",
    )
    pipeline = start_traces(
        config, "1", lambda kind, message: print(kind, message, file=sys.stderr)
    )
    assert pipeline is not None
    with pipeline.tracer.start_as_current_span(f"{tag}-root"):
        for number in range(count):
            with pipeline.tracer.start_as_current_span(f"{tag}-{number}"):
                pass
    print("ended", flush=True)
    while True:
        time.sleep(0.1)


if __name__ == "__main__":
    main()
