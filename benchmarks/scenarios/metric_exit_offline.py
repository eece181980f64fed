"""metric_exit_offline_extra_ms: how much later a CLI run that recorded metrics exits with
its metrics collector down (the port refuses connections), its last collection going to
the spool, than with `metrics_exporter = "none"`.

Fresh child interpreters side by side (`children/metric_cli_run.py`); the parent times
from the child's last line ("exiting") to its end, so only the exit counts: the exit
hook's bounded shutdown, the last collection's failed export and its spooling, the
interpreter's teardown. The value is the median of the per-round differences. The
children's spool is this run's scratch folder; the detail `spooled_files` shows that the
offline side really spooled its points. A run shorter than the background start (as
here) waits for the start at exit when measurements wait for it: only the SDK turns
them into points.
"""

from __future__ import annotations

from pathlib import Path

import suite  # noqa: F401  (tests/ on the path, for `receivers`)
from harness import Context, Metric, Target, interleaved, median, rounded

from receivers import RefusingPort
from scenarios.exit_offline import exit_ms

NAME = "metric_exit_offline_extra_ms"
UNIT = "ms"
#: The start (the SDK's import and build: the points need its aggregation) and then the
#: shutdown's bound (`shutdown_timeout`, 0.25 s), on top of what the `none` side costs.
TARGET = Target("<=", 750)

CHILD = Path(__file__).resolve().parent.parent / "children" / "metric_cli_run.py"
POINTS = 50


def run(context: Context) -> Metric:
    rounds = context.pick(full=20, quick=4)
    state = context.scratch / "metric-exit-state"
    environment = context.child_environment(XDG_STATE_HOME=str(state))
    refusing = RefusingPort()
    try:
        endpoint = refusing.endpoint.replace("/v1/logs", "/v1/metrics")
        samples = interleaved(
            {
                "offline": lambda: exit_ms(endpoint, environment, CHILD, POINTS),
                "none": lambda: exit_ms("none", environment, CHILD, POINTS),
            },
            rounds,
        )
    finally:
        refusing.close()
    spooled = len(list(state.glob("codex-otel/*/*.jsonl")))
    problems = [] if spooled >= rounds else [f"the offline side spooled {spooled} files"]
    extra = [a - b for a, b in zip(samples["offline"], samples["none"], strict=True)]
    return Metric.of(
        NAME,
        median(extra),
        UNIT,
        TARGET,
        details={
            "offline_exit_ms": rounded(median(samples["offline"])),
            "none_exit_ms": rounded(median(samples["none"])),
            "worst_extra_ms": rounded(max(extra)),
            "spooled_files": spooled,
            "rounds": rounds,
        },
        problems=problems,
    )
