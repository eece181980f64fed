"""span_overhead_ratio: a span through the generated helper against the same span written by
hand against the SDK's tracer.

Both sides start `codex.turn` with 6 attributes (5 at start, 1 set before the end) on
tracers of one `TracerProvider` with one `BatchSpanProcessor` (see span_workload), whose
queue holds a whole round and is exported only when flushed between rounds, untimed. So
the ratio is what the generated layer and the runtime add to a span.

Skipped when this checkout has no span API (`codex_otel.runtime.spans`).
"""

from __future__ import annotations

import importlib.util

from harness import Context, Loop, Metric, Target, paired_loops

from codex_otel.runtime import BatchConfig

NAME = "span_overhead_ratio"
UNIT = "x"
TARGET = Target("<=", 1.05)
#: Why the span scenarios measure nothing in a checkout without the span API.
NO_SPANS = "codex_otel.runtime.spans does not exist in this checkout (no span API to measure)"


def spans_missing() -> bool:
    return importlib.util.find_spec("codex_otel.runtime.spans") is None


def run(context: Context) -> Metric:
    if spans_missing():
        return Metric.skip(NAME, UNIT, TARGET, NO_SPANS)
    from span_workload import SharedTracing, generated_loop, hand_written_loop

    calls = context.pick(full=2_000, quick=500)
    rounds = context.pick(full=60, quick=10)
    tracing = SharedTracing(BatchConfig(max_queue_size=2 * calls, max_export_batch_size=512))
    try:
        paired = paired_loops(
            ("generated", Loop(generated_loop(tracing.conversation), calls, tracing.flush)),
            ("hand_written", Loop(hand_written_loop(tracing.tracer), calls, tracing.flush)),
            rounds,
        )
        problems = tracing.problems(expected_each=calls * rounds)
        stats = tracing.telemetry.stats
    finally:
        tracing.close()
    if stats.emit_errors:
        problems.append(f"{stats.emit_errors} emit errors")
    return paired.metric(
        NAME,
        UNIT,
        TARGET,
        problems=problems,
    )
