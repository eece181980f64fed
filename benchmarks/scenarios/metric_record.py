"""metric_record_ratio: a measurement through the generated recorder
`events.record_api_request` against the hand-written SDK `Counter.add` with the same five
attributes.

Both sides record into their own `MeterProvider`, each with a periodic reader that never
fires while timed (see metric_workload), so the ratio is what the runtime adds: the
recorder's argument checks, the metadata merge, the dispatch and the instrument lookup.
"""

from __future__ import annotations

import functools

from harness import Context, Metric, Target, interleaved, median, paired_ratio, rounded
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
        loops = {
            "record": recorder_loop(telemetry.conversation(METADATA)),
            "hand_written": hand_written_loop(counter),
        }

        def per_call(name: str) -> float:
            return loops[name](calls) / calls / 1000

        samples = interleaved({name: functools.partial(per_call, name) for name in loops}, rounds)
        stats = telemetry.stats
    finally:
        telemetry.shutdown(timeout=5)
        provider.shutdown()
    if stats.emit_errors or stats.dropped_measurements:
        problems.append(
            f"{stats.emit_errors} emit errors, {stats.dropped_measurements} measurements dropped"
        )
    recorded, by_hand = median(samples["record"]), median(samples["hand_written"])
    return Metric.of(
        NAME,
        paired_ratio(samples["record"], samples["hand_written"]),
        UNIT,
        TARGET,
        details={
            "record_us": rounded(recorded),
            "hand_written_us": rounded(by_hand),
            "difference_us": rounded(recorded - by_hand),
            "calls_per_round": calls,
            "rounds": rounds,
        },
        problems=problems,
    )
