"""no_otel_emit_us: an emit where the `otel` extra is not installed at all.

The package is built into a wheel (from a copy of the sources, so the checkout is not
touched) and installed into a temporary folder; a child interpreter started with `-S`
(no site-packages) and only that folder on its path emits with `exporter = "none"` and
no subscriber. The child checks that OpenTelemetry cannot be found there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from harness import REPO, Context, Metric, Target, median, rounded

NAME = "no_otel_emit_us"
UNIT = "us"
TARGET = Target("<=", 1.0)

#: What the wheel is built from: pyproject.toml, the README it names, and the folders its
#: `[tool.setuptools.package-dir]` maps into `codex_otel` (read from it, so a new stage
#: folder is never left out of the copy).
_PACKAGE_DIR = re.compile(r'^"codex_otel[.\w]*"\s*=\s*"([\w]+)', re.MULTILINE)


def _sources() -> tuple[str, ...]:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    table = pyproject.split("[tool.setuptools.package-dir]", 1)[1].split("\n[", 1)[0]
    folders = sorted(set(_PACKAGE_DIR.findall(table)))
    return ("pyproject.toml", "README.md", *folders)


_CHILD = Path(__file__).resolve().parent.parent / "children" / "no_otel_emit.py"


def install_wheel(into: Path) -> Path:
    """Build the package's wheel and install it (no dependencies) under `into`/site."""
    source = into / "src"
    source.mkdir()
    for name in _sources():
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    dist, site = into / "dist", into / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    _check([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)])
    (wheel,) = dist.glob("codex_otel-*.whl")
    _check([*pip, "install", "--no-deps", "--target", str(site), str(wheel)])
    return site


def _check(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[3:5])} failed:\n{result.stdout}{result.stderr}")


def run(context: Context) -> Metric:
    rounds = context.pick(full=41, quick=11)
    calls = context.pick(full=100_000, quick=20_000)
    folder = context.scratch / "no_otel"
    folder.mkdir()
    site = install_wheel(folder)
    result = subprocess.run(
        [sys.executable, "-S", str(_CHILD), str(rounds), str(calls)],
        capture_output=True,
        text=True,
        check=False,
        env=context.child_environment(PYTHONPATH=str(site)),
    )
    if result.returncode != 0:
        raise RuntimeError(f"the child failed:\n{result.stderr}")
    found = json.loads(result.stdout)
    problems = []
    if found["otel_found"] or found["otel_imported"]:
        problems.append("OpenTelemetry was importable in the child: the extra was not absent")
    if not str(found["runtime_file"]).startswith(str(site)):
        problems.append(f"the runtime came from {found['runtime_file']}, not the wheel")
    if any(found["recording"].values()):
        problems.append(f"a telemetry without exporter was recording: {found['recording']}")
    none_us = median(found["exporter_none"]) / 1000
    return Metric.of(
        NAME,
        none_us,
        UNIT,
        TARGET,
        details={
            "otlp_configured_us": rounded(median(found["otlp_configured"]) / 1000),
            "empty_loop_us": rounded(median(found["empty_loop"]) / 1000),
            "calls_per_round": calls,
            "rounds": rounds,
        },
        problems=problems,
    )
