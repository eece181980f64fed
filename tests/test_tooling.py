"""The pinned tools: one version of ruff for CI, nox and the pre-commit hooks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support.generation import REPO


def _applies(marker: str) -> bool:
    """Whether an environment marker of the form `python_version OP "X.Y"` holds here."""
    match = re.fullmatch(r'\s*python_version\s*(<|>=)\s*"(\d+)\.(\d+)"\s*', marker)
    assert match is not None, f"constraints.txt: unsupported marker {marker!r}"
    version = (int(match.group(2)), int(match.group(3)))
    here = sys.version_info[:2]
    return here < version if match.group(1) == "<" else here >= version


def pins() -> dict[str, str]:
    """`name==version` lines of constraints.txt, comments and blanks skipped."""
    found = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        # A pin may hold for some Pythons only (`name==1.2; python_version < "3.11"`).
        requirement, _, marker = line.split("#", 1)[0].partition(";")
        requirement = requirement.strip()
        if requirement and (not marker or _applies(marker)):
            name, _, version = requirement.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            found[name.strip().lower()] = version.strip()
    return found


def test_every_tool_ci_compares_is_pinned() -> None:
    assert {"ruff", "mypy", "pytest-snapshot", "hypothesis"} <= pins().keys()


def test_pre_commit_hooks_use_the_pinned_ruff() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    versions = {
        dependency.partition("==")[2]
        for hook in hooks
        for dependency in hook.get("additional_dependencies", [])
        if dependency.startswith("ruff==")
    }
    assert versions == {pins()["ruff"]}


def test_the_installed_ruff_is_the_pinned_one() -> None:
    # The functional tests compare generated code with what this ruff accepts.
    ruff = Path(sys.executable).parent / "ruff"
    output = subprocess.run(
        [str(ruff), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"\d+\.\d+\.\d+", output)
    assert match is not None, output
    assert match.group() == pins()["ruff"], "install with -c constraints.txt (CONTRIBUTING.md)"


@pytest.mark.slow  # collects the whole suite in a child pytest
def test_no_otel_module_list_matches_the_markers() -> None:
    # The no_otel session collects only the listed modules: one holding a `no_otel` test
    # that is missing from the list would silently not run there.
    listed = {
        line
        for line in (REPO / "tests" / "no_otel_modules.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-m",
            "no_otel",
            "-p",
            "no:randomly",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    marked = {line.split("::", 1)[0] for line in collected.splitlines() if "::" in line}
    assert marked == listed


def _collected(*args: str) -> set[str]:
    """The test ids pytest collects with `args` (in a child: its own collection)."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return {line for line in result.stdout.splitlines() if "::" in line}


def test_ci_runs_the_rotel_tests_on_the_pythons_between() -> None:
    """`nox -s ci` runs a marker selection on the Pythons between the oldest and the
    newest; every test that starts Rotel (whether marked `wire` or not) is in it."""
    match = re.search(r'between = \["-m", "([^"]+)"\]', (REPO / "noxfile.py").read_text())
    assert match is not None, "noxfile.py: the ci session's selection for the middle Pythons"
    every = _collected("tests/wire/test_rotel.py")  # each of them starts Rotel
    assert len(every) >= 10
    assert _collected("-m", "rotel", "tests/wire/test_rotel.py") == every
    assert _collected("-m", match.group(1), "tests/wire/test_rotel.py") == every
