"""startup_ratio: from importing the generated emitters to the first emit returning, with
an OTLP/HTTP exporter configured (a healthy collector), against `exporter = "none"`.

Fresh child interpreters, side by side (none, otlp, otlp, none, ...); each child times
only its own statements (`children/cli_run.py`), so the interpreter's start-up, the same
for both, is left out. With an exporter the SDK is imported and built on a background
thread, so the caller should pay next to nothing for it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness import Context, Metric, Target, interleaved, median, paired_ratio, rounded

NAME = "startup_ratio"
UNIT = "x"
TARGET = Target("<=", 1.2)

CHILD = Path(__file__).resolve().parent.parent / "children" / "cli_run.py"


def run(context: Context) -> Metric:
    rounds = context.pick(full=30, quick=6)
    state = context.scratch / "startup-state"
    environment = context.child_environment(XDG_STATE_HOME=str(state))
    endpoint = context.receiver.endpoint("startup")

    def probe(exporter: str) -> float:
        result = subprocess.run(
            [sys.executable, str(CHILD), exporter, "1"],
            capture_output=True,
            text=True,
            check=False,
            env=environment,
            timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"cli_run {exporter!r} failed:\n{result.stderr}")
        return float(json.loads(result.stdout.splitlines()[0])["startup_ns"]) / 1e6

    samples = interleaved({"otlp": lambda: probe(endpoint), "none": lambda: probe("none")}, rounds)
    # Each child exits right after its first event: if its start is not over within
    # shutdown_timeout then, the event is spooled (and the next child's start, cut short
    # the same way, may deliver it). Either way none may be lost.
    delivered = context.receiver.count("startup")
    spooled = sum(
        len(path.read_text(encoding="ascii").splitlines()) - 1
        for path in state.glob("codex-otel/*/*.jsonl*")
    )
    expected = rounds + 1  # the warm-up round's event too
    problems = []
    if delivered + spooled < expected:
        problems.append(f"{expected - delivered - spooled} of {expected} first events lost")
    return Metric.of(
        NAME,
        paired_ratio(samples["otlp"], samples["none"]),
        UNIT,
        TARGET,
        details={
            "otlp_ms": rounded(median(samples["otlp"])),
            "none_ms": rounded(median(samples["none"])),
            "delivered_at_exit": delivered,
            "spooled": spooled,
            "rounds": rounds,
        },
        problems=problems,
    )
