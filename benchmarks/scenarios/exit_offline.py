"""exit_offline_extra_ms: how much later a CLI run that emitted 50 events exits with its
collector down (the port refuses connections) than with `exporter = "none"`.

Fresh child interpreters side by side (`children/cli_run.py`); the parent times from the
child's last line ("exiting") to its end, so only the exit counts: the exit hook's
bounded shutdown, the spooling of what was not delivered, the interpreter's teardown.
The value is the median of the per-round differences. The children's spool is this
run's scratch folder; the detail `spooled_files` shows the offline side really spooled.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import suite  # noqa: F401  (tests/ on the path, for `receivers`)
from harness import Context, Metric, Target, interleaved, median, rounded

from receivers import RefusingPort

NAME = "exit_offline_extra_ms"
UNIT = "ms"
TARGET = Target("<=", 500)

CHILD = Path(__file__).resolve().parent.parent / "children" / "cli_run.py"
EVENTS = 50


def exit_ms(
    exporter: str, environment: dict[str, str], child: Path = CHILD, count: int = EVENTS
) -> float:
    """Milliseconds from `child`'s "exiting" line to its end (it emits or records `count`
    times first); shared with `metric_exit_offline`."""
    process = subprocess.Popen(
        [sys.executable, str(child), exporter, str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line == "exiting\n":
                break
        exiting = time.perf_counter()
        process.wait(timeout=60)
        elapsed = (time.perf_counter() - exiting) * 1000
    finally:
        if process.poll() is None:
            process.kill()
        _, stderr = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{child.name} {exporter!r} failed:\n{stderr}")
    return elapsed


def run(context: Context) -> Metric:
    rounds = context.pick(full=20, quick=4)
    state = context.scratch / "exit-state"
    environment = context.child_environment(XDG_STATE_HOME=str(state))
    refusing = RefusingPort()
    try:
        samples = interleaved(
            {
                "offline": lambda: exit_ms(refusing.endpoint, environment),
                "none": lambda: exit_ms("none", environment),
            },
            rounds,
        )
    finally:
        refusing.close()
    spooled = len(list(state.glob("codex-otel/*/*.jsonl")))
    problems = [] if spooled else ["the offline side spooled nothing"]
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
