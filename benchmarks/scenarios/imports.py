"""import_ratio: importing the generated module and starting the runtime with
`exporter = "none"`, against `import opentelemetry._logs`, each in fresh interpreters.

Children alternate (codex, otel, otel, codex, ...); each times only its import inside the
interpreter. The codex side must load no exporter machinery: grpc, protobuf and requests
are forbidden (a problem, whatever the ratio), other heavy modules are reported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness import Context, Metric, Target, interleaved, median, paired_ratio, rounded

NAME = "import_ratio"
UNIT = "x"
TARGET = Target("<=", 1.5)

_CHILD = Path(__file__).resolve().parent.parent / "children" / "import_probe.py"
#: Loaded on the codex side, any of these is a problem.
FORBIDDEN = ("grpc", "google.protobuf", "requests")
#: Worth knowing about when the codex side loads them.
NOTEWORTHY = ("opentelemetry", "urllib3", "jinja2", "yaml", "jsonschema", "asyncio", "ssl", "email")


def _loaded(modules: list[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(
        {root for root in roots for m in modules if m == root or m.startswith(root + ".")}
    )


def run(context: Context) -> Metric:
    rounds = context.pick(full=30, quick=8)
    environment = context.child_environment()
    modules: dict[str, list[str]] = {}

    def probe(mode: str) -> float:
        result = subprocess.run(
            [sys.executable, str(_CHILD), mode],
            capture_output=True,
            text=True,
            check=False,
            env=environment,
        )
        if result.returncode != 0:
            raise RuntimeError(f"import probe {mode!r} failed:\n{result.stderr}")
        found = json.loads(result.stdout)
        modules[mode] = found["modules"]
        return float(found["ns"]) / 1e6

    samples = interleaved({"codex": lambda: probe("codex"), "otel": lambda: probe("otel")}, rounds)
    forbidden = _loaded(modules["codex"], FORBIDDEN)
    problems = [f"loaded with exporter none: {', '.join(forbidden)}"] if forbidden else []
    return Metric.of(
        NAME,
        paired_ratio(samples["codex"], samples["otel"]),
        UNIT,
        TARGET,
        details={
            "codex_ms": rounded(median(samples["codex"])),
            "otel_logs_ms": rounded(median(samples["otel"])),
            "codex_modules": len(modules["codex"]),
            "otel_logs_modules": len(modules["otel"]),
            "codex_loaded_noteworthy": _loaded(modules["codex"], NOTEWORTHY),
            "forbidden_loaded": forbidden,
            "rounds": rounds,
        },
        problems=problems,
    )
