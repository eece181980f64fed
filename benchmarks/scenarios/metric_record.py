"""metric_record_ratio: a measurement through the generated recorder
`events.record_api_request` against the hand-written SDK `Counter.add` with the same five
attributes.

Both sides record into their own `MeterProvider`, each with a periodic reader that never
fires while timed (see metric_workload), so the ratio is what the runtime adds: the
recorder's argument checks, the metadata merge, the dispatch and the instrument lookup.
"""

from __future__ import annotations

from harness import Context, Loop, Metric, Target, paired_loops
from metric_workload import (
    METADATA,
    hand_written_counter,
    hand_written_loop,
    metrics_telemetry,
    recorder_loop,
)

NAME = "metric_record_ratio"
UNIT = "x"
TARGET = Target("<=", 1.05)


def run(context: Context) -> Metric:
    calls = context.pick(full=5_000, quick=1_000)
    rounds = context.pick(full=60, quick=10)
    telemetry = metrics_telemetry()
    provider, counter = hand_written_counter()
    problems = [] if telemetry.exporting_metrics else ["the metrics pipeline did not start"]
    try:
        paired = paired_loops(
            ("record", Loop(recorder_loop(telemetry.conversation(METADATA)), calls)),
            ("hand_written", Loop(hand_written_loop(counter), calls)),
            rounds,
        )
        stats = telemetry.stats
    finally:
        telemetry.shutdown(timeout=5)
        provider.shutdown()
    if stats.emit_errors or stats.dropped_measurements:
        problems.append(
            f"{stats.emit_errors} emit errors, {stats.dropped_measurements} measurements dropped"
        )
    return paired.metric(NAME, UNIT, TARGET, problems=problems)
