"""Shared test helpers: generate a catalog into a temp folder and import the result."""

from __future__ import annotations

import itertools
import os
from collections.abc import Generator
from pathlib import Path
from types import ModuleType

import pytest

from codex_otel.generator import load_catalog, load_catalog_text, render, write_outputs
from support.generation import GenerateFn, import_generated

_counter = itertools.count()

#: Real OTLP receivers (HTTP, gRPC, TLS) as fixtures, for the wire tests.
pytest_plugins = ["receivers.fixtures"]

# --- in CI, a skip is a failure --------------------------------------------------------------
#
# `importorskip` (receivers.fixtures, the wire modules) keeps the suite usable where an
# optional package is missing, but in CI a missing grpcio or trustme is a broken install,
# not a reason to go green. With CI set (CI runs with CI=true), every skipped test, and
# every module skipped at import, is reported as failed, with the skip's reason.
# Deselection (`-m no_otel`) produces no report at all and is not affected; the no_otel
# session collects only the modules of tests/no_otel_modules.txt, which import without
# the otel extra.


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, line, reason = longrepr
        return f"{reason} ({path}:{line})"
    return str(longrepr)


def _fail_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    report.outcome = "failed"
    report.longrepr = (
        f"skipped, and CI is set ({os.environ['CI']!r}): a skip in CI hides a failure. "
        f"{_skip_reason(report)}"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if _ci() and report.skipped and not hasattr(report, "wasxfail"):
        _fail_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    if _ci() and report.skipped:
        _fail_skip(report)
    return report


@pytest.fixture(autouse=True)
def spool_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's spool (`runtime/_spool.py`) lives in a fresh folder, never in the real
    `~/.local/state`; child processes inherit it through the environment."""
    state = tmp_path_factory.mktemp("xdg-state")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    return state / "codex-otel"


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `rotel` every test that starts Rotel (the `rotel_collectors` fixture, which
    `rotel_collector` uses too), so that CI can run them on every Python (`nox -s ci`).

    Deselect (not skip) the tests of a background start where the runtime has none:
    on CPython 3.12.0-3.12.2 it starts the SDK on the caller's thread (see
    `runtime/_startup.py`, BACKGROUND_START), so nothing waits for a start there."""
    for item in items:
        if "rotel_collectors" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.rotel)

    from codex_otel.runtime._startup import BACKGROUND_START

    if BACKGROUND_START:
        return
    deselected = [item for item in items if item.get_closest_marker("background_start")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


@pytest.fixture
def generate_module(tmp_path: Path) -> GenerateFn:
    """Generate catalog text (or a path) into a temp folder and import the emitters."""

    def generate(catalog: str) -> ModuleType:
        out = tmp_path / f"out{next(_counter)}"
        if catalog.endswith((".yaml", ".yml")) and "\n" not in catalog:
            loaded = load_catalog(catalog)
        else:
            loaded = load_catalog_text(catalog, "test.yaml")
        write_outputs(render(loaded), out)
        return import_generated(out)

    return generate
