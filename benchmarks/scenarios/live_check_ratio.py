"""live_check_ratio: the live-check rate over the rate of merely reading the same file line
by line and parsing each line with `json.loads`; 0.5 means checking costs no more than
reading. See live_check_traffic."""

from __future__ import annotations

from harness import Context, Metric, Target

from .live_check_traffic import details, measure

NAME = "live_check_ratio"
UNIT = "x"
TARGET = Target(">=", 0.5)


def run(context: Context) -> Metric:
    result = measure(context)
    return Metric.of(
        NAME, result.check_per_s / result.parse_per_s, UNIT, TARGET, details=details(result)
    )
