"""emit_overhead_ratio: the generated emitter against the hand-written `Logger.emit` it replaces.

Both sides emit `codex.tool_result` (13 attributes) into a `BatchLogRecordProcessor` with
the same settings and the same exporter (OTLP/JSON lines to `os.devnull`): the runtime's,
and one wired by hand. So the ratio is what the generated layer adds: argument checks,
redaction and truncation, the metadata merge and the runtime's dispatch. The queue is
large enough for a whole round and is exported only when flushed, between rounds
(outside the timing), so nothing is dropped and no export runs during a timed loop.
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
    telemetry, sdk_logger, provider = discarding_telemetry(batch)

    def empty_queue() -> None:
        # Empty queues for the next round, untimed.
        telemetry.force_flush(timeout=30)
        provider.force_flush()

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
        provider.shutdown()
    if stats.dropped_queue_full or stats.emit_errors:
        problems.append(
            f"{stats.dropped_queue_full} events dropped, {stats.emit_errors} emit errors"
        )
    return paired.metric(NAME, UNIT, TARGET, problems=problems)
