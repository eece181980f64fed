"""The package copied as pip lays it out (non-editable), to run the command from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .generation import REPO

SUB_PACKAGES = ("schema", "generator", "livecheck", "generated", "runtime", "instrument", "cli")


def installed_copy(root: Path) -> Path:
    """`root/site-packages` holding `codex_otel/<sub-package>` folders, no checkout around."""
    site = root / "site-packages"
    for sub in SUB_PACKAGES:
        shutil.copytree(
            REPO / sub, site / "codex_otel" / sub, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO / "runtime" / "_package_root" / "__init__.py", site / "codex_otel")
    return site


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`codex-otel ARGS` run from the installed copy `site`, in `cwd`."""
    environ = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "codex_otel.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ,
        timeout=120,
        check=False,
    )
