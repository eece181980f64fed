"""disabled_ratio: an emit nobody would see (`exporter = "none"`, no subscriber) against the
same emit with export on.

The disabled emitter must return at its first line (`conversation.recording` is False),
so it is timed over many more calls per round than the exporting one.
"""

from __future__ import annotations

from harness import Context, Loop, Metric, Target, paired_loops
from workload import SERVICE_VERSION, conversation, discarding_telemetry, generated_loop

from codex_otel.runtime import BatchConfig, OtelConfig, Telemetry

NAME = "disabled_ratio"
UNIT = "x"
TARGET = Target("<=", 0.05)


def run(context: Context) -> Metric:
    calls = context.pick(full=2_000, quick=1_000)
    disabled_calls = 10 * calls
    rounds = context.pick(full=30, quick=10)
    disabled = Telemetry(OtelConfig(), service_version=SERVICE_VERSION)
    enabled, _, hand_wired = discarding_telemetry(
        BatchConfig(max_queue_size=2 * calls, max_export_batch_size=512)
    )
    hand_wired.shutdown()  # only the runtime's side is measured here
    problems = []
    if disabled.recording:
        problems.append("the telemetry with exporter none is recording")

    def enabled_flush() -> None:
        enabled.force_flush(timeout=30)  # an empty queue for the next round, untimed

    try:
        paired = paired_loops(
            ("disabled", Loop(generated_loop(conversation(disabled)), disabled_calls)),
            ("enabled", Loop(generated_loop(conversation(enabled)), calls, enabled_flush)),
            rounds,
        )
    finally:
        disabled.shutdown()
        enabled.shutdown(timeout=5)
    return paired.metric(NAME, UNIT, TARGET, problems=problems)
