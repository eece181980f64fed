"""span_disabled_ratio: a span nobody would see (no trace exporter, no span subscriber)
against the same span written by hand against the SDK's tracer, exported.

The disabled helper gets one shared scope that does nothing, so it is timed over many more
calls per round than the hand-written span. Skipped when this checkout has no span API.
"""

from __future__ import annotations

from harness import Context, Loop, Metric, Target, paired_loops

from codex_otel.runtime import BatchConfig

from . import span_overhead

NAME = "span_disabled_ratio"
UNIT = "x"
TARGET = Target("<=", 0.05)


def run(context: Context) -> Metric:
    if span_overhead.spans_missing():
        return Metric.skip(NAME, UNIT, TARGET, span_overhead.NO_SPANS)
    from span_workload import (
        SharedTracing,
        disabled_telemetry,
        generated_loop,
        hand_written_loop,
    )
    from workload import METADATA

    calls = context.pick(full=2_000, quick=500)
    disabled_calls = 10 * calls
    rounds = context.pick(full=30, quick=10)
    disabled, problems = disabled_telemetry()
    tracing = SharedTracing(BatchConfig(max_queue_size=2 * calls, max_export_batch_size=512))
    try:
        paired = paired_loops(
            ("disabled", Loop(generated_loop(disabled.conversation(METADATA)), disabled_calls)),
            ("hand_written", Loop(hand_written_loop(tracing.tracer), calls, tracing.flush)),
            rounds,
        )
    finally:
        disabled.shutdown()
        tracing.close()
    return paired.metric(
        NAME,
        UNIT,
        TARGET,
        problems=problems,
    )
