"""emit_overhead_ratio: the generated emitter against the hand-written `Logger.emit` it replaces.

Both sides emit `codex.tool_result` (13 attributes) through the same `LoggerProvider`,
`BatchLogRecordProcessor` and exporter (one that discards), so the ratio is what the
generated layer adds: argument checks, redaction and truncation, the metadata merge and
the runtime's dispatch. The queue is large enough for a whole round and is flushed
between rounds (outside the timing), so nothing is dropped.
"""

from __future__ import annotations

import functools

from harness import Context, Metric, Target, interleaved, median, paired_ratio, rounded
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
    try:
        problems = same_record_problems(telemetry)
        loops = {
            "generated": generated_loop(conversation(telemetry)),
            "hand_written": hand_written_loop(sdk_logger),
        }

        def per_call(name: str) -> float:
            elapsed = loops[name](calls)
            telemetry.force_flush(timeout=30)  # an empty queue for the next round, untimed
            return elapsed / calls / 1000

        samples = interleaved({name: functools.partial(per_call, name) for name in loops}, rounds)
        stats = telemetry.stats
    finally:
        telemetry.shutdown(timeout=5)
    if stats.dropped_queue_full or stats.emit_errors:
        problems.append(
            f"{stats.dropped_queue_full} events dropped, {stats.emit_errors} emit errors"
        )
    generated, by_hand = median(samples["generated"]), median(samples["hand_written"])
    return Metric.of(
        NAME,
        paired_ratio(samples["generated"], samples["hand_written"]),
        UNIT,
        TARGET,
        details={
            "generated_us": rounded(generated),
            "hand_written_us": rounded(by_hand),
            "difference_us": rounded(generated - by_hand),
            "calls_per_round": calls,
            "rounds": rounds,
            "exported": discarding.records,
        },
        problems=problems,
    )
