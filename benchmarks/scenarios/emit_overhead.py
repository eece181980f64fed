"""emit_overhead_ratio: the generated emitter against the hand-written `Logger.emit` it replaces.

Both sides emit `codex.tool_result` (13 attributes) through the same `LoggerProvider`,
`BatchLogRecordProcessor` and exporter (one that discards), so the ratio is what the
generated layer adds: argument checks, redaction and truncation, the metadata merge and
the runtime's dispatch. The queue is large enough for a whole round and is flushed
between rounds (outside the timing), so nothing is dropped.
"""

from __future__ import annotations

from harness import Context, Loop, Metric, Target, paired_loops
from workload import (
    conversation,
    discarding_telemetry,
    generated_loop,
    hand_written_loop,
    same_record_problems,
)

from codex_otel.runtime import BatchConfig

NAME = "emit_overhead_ratio"
UNIT = "x"
TARGET = Target("<=", 1.05)


def run(context: Context) -> Metric:
    calls = context.pick(full=2_000, quick=1_000)
    rounds = context.pick(full=60, quick=10)
    batch = BatchConfig(max_queue_size=2 * calls, max_export_batch_size=512)
    telemetry, discarding, sdk_logger = discarding_telemetry(batch)

    def empty_queue() -> None:
        telemetry.force_flush(timeout=30)  # an empty queue for the next round, untimed

    try:
        problems = same_record_problems(telemetry)
        paired = paired_loops(
            ("generated", Loop(generated_loop(conversation(telemetry)), calls, empty_queue)),
            ("hand_written", Loop(hand_written_loop(sdk_logger), calls, empty_queue)),
            rounds,
        )
        stats = telemetry.stats
    finally:
        telemetry.shutdown(timeout=5)
    if stats.dropped_queue_full or stats.emit_errors:
        problems.append(
            f"{stats.dropped_queue_full} events dropped, {stats.emit_errors} emit errors"
        )
    return paired.metric(
        NAME, UNIT, TARGET, details={"exported": discarding.records}, problems=problems
    )
