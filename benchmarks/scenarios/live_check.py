"""live_check_records_per_s: records per second `codex-otel live-check` checks in a
100,000-record OTLP/JSON file, read line by line as the command reads it (reading and
parsing included). See live_check_traffic."""

from __future__ import annotations

from harness import Context, Metric, Target

from .live_check_traffic import details, measure

NAME = "live_check_records_per_s"
UNIT = "records/s"
#: Ten times OpenTelemetry Weaver's published live-check rate (75,354 entities in 37 s).
TARGET = Target(">=", 20_000)


def run(context: Context) -> Metric:
    result = measure(context)
    problems = [f"{result.errors} error finding(s) in the demo's traffic"] if result.errors else []
    return Metric.of(
        NAME, result.check_per_s, UNIT, TARGET, details=details(result), problems=problems
    )
