"""disabled_ratio: an emit nobody would see (`exporter = "none"`, no subscriber) against the
same emit with export on.

The disabled emitter must return at its first line (`conversation.recording` is False),
so it is timed over many more calls per round than the exporting one.
"""

from __future__ import annotations

from harness import Context, Metric, Target, interleaved, median, paired_ratio, rounded
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
    enabled, _, _ = discarding_telemetry(
        BatchConfig(max_queue_size=2 * calls, max_export_batch_size=512)
    )
    problems = []
    if disabled.recording:
        problems.append("the telemetry with exporter none is recording")
    try:
        disabled_loop = generated_loop(conversation(disabled))
        enabled_loop = generated_loop(conversation(enabled))

        def disabled_sample() -> float:
            return disabled_loop(disabled_calls) / disabled_calls / 1000

        def enabled_sample() -> float:
            elapsed = enabled_loop(calls)
            enabled.force_flush(timeout=30)
            return elapsed / calls / 1000

        samples = interleaved({"disabled": disabled_sample, "enabled": enabled_sample}, rounds)
    finally:
        disabled.shutdown()
        enabled.shutdown(timeout=5)
    return Metric.of(
        NAME,
        paired_ratio(samples["disabled"], samples["enabled"]),
        UNIT,
        TARGET,
        details={
            "disabled_us": rounded(median(samples["disabled"])),
            "enabled_us": rounded(median(samples["enabled"])),
            "rounds": rounds,
        },
        problems=problems,
    )
