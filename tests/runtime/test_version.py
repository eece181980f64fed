"""`codex_otel.__version__`, `codex_otel.runtime.__version__` and `codex-otel --version`: the
installed distribution's version, looked up lazily so that importing costs nothing more."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

import codex_otel
import codex_otel.runtime
from codex_otel.cli.main import main


def test_runtime_version_is_the_installed_distributions() -> None:
    assert codex_otel.runtime.__version__ == importlib.metadata.version("codex-otel")


def test_package_version_is_the_installed_distributions() -> None:
    assert codex_otel.__version__ == importlib.metadata.version("codex-otel")
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        codex_otel.missing  # noqa: B018 - the module's __getattr__ refuses other names


def test_importing_a_stage_loads_neither_the_runtime_nor_the_version() -> None:
    code = (
        "import sys, codex_otel.generator, codex_otel; "
        "loaded = sorted(m for m in ('codex_otel.runtime', 'importlib.metadata') "
        "if m in sys.modules); "
        "print(loaded or 'none', codex_otel.__version__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["none", importlib.metadata.version("codex-otel")]


def test_importing_the_runtime_does_not_look_the_version_up() -> None:
    code = (
        "import sys, codex_otel.runtime as r; "
        "before = 'importlib.metadata' in sys.modules; "
        "print(before, r.__version__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["False", importlib.metadata.version("codex-otel")]


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"codex-otel {importlib.metadata.version('codex-otel')}\n"
