"""metric_disabled_ratio: a measurement nobody would see (`metrics_exporter = "none"`, no
measurement subscriber) against the same measurement with metrics exported.

The disabled recorder must return at its first line (`conversation.metrics_recording` is
False), so it is timed over many more calls per round than the exporting one.
"""

from __future__ import annotations

from harness import Context, Loop, Metric, Target, paired_loops
from metric_workload import METADATA, metrics_telemetry, recorder_loop

NAME = "metric_disabled_ratio"
UNIT = "x"
TARGET = Target("<=", 0.05)


def run(context: Context) -> Metric:
    calls = context.pick(full=5_000, quick=1_000)
    disabled_calls = 10 * calls
    rounds = context.pick(full=30, quick=10)
    disabled = metrics_telemetry(exporting=False)
    enabled = metrics_telemetry()
    problems = []
    if disabled.conversation(METADATA).metrics_recording:
        problems.append("the telemetry with metrics_exporter none is recording metrics")
    if not enabled.exporting_metrics:
        problems.append("the metrics pipeline did not start")
    try:
        paired = paired_loops(
            ("disabled", Loop(recorder_loop(disabled.conversation(METADATA)), disabled_calls)),
            ("enabled", Loop(recorder_loop(enabled.conversation(METADATA)), calls)),
            rounds,
        )
    finally:
        disabled.shutdown()
        enabled.shutdown(timeout=5)
    return paired.metric(NAME, UNIT, TARGET, problems=problems)
