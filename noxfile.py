"""Sessions: `nox -s ci` is what CI runs (lint, typecheck, check, gate, tests, no_otel,
browser).

Run one with `nox -s NAME`; pass pytest arguments after `--`, e.g. `nox -s tests -- -m wire`.

Slow tests (marker `slow`: more than about 3 s each on Python 3.11) and the wire tests
(real receivers, child processes) run in CI on the oldest and the newest installed
Python of PYTHONS; the Pythons between run everything else, the Rotel tests included
(`-m "not browser and not slow and (not wire or rotel)"`), which keeps CI within half an
hour on two cores (see `ci`). Locally: `nox -s tests-3.12 -- -m "not slow"`. Two
suites run on one Python, on purpose: `browser` (the newest installed; it drives Chromium
and tests the built site, no Python feature) and `no_otel` (the Python running nox; it
proves the package and its no_otel tests work without the otel extra, which does not
depend on the Python version).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


def _expose_pyenv_pythons() -> None:
    """Let pyenv's shims answer `python3.X` for every installed 3.10-3.13, not just one.

    A shim runs only the versions pyenv has activated (one, the global, by default) and
    fails for the rest, so nox would see them as missing. Activating them all, the
    global first so plain `python3` keeps its meaning, is what `pyenv global A B C` does.
    """
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    if "PYENV_VERSION" in os.environ or not (root / "versions").is_dir():
        return
    wanted = re.compile(r"3\.(1[0-3])\.\d+")
    installed = sorted(p.name for p in (root / "versions").iterdir() if wanted.fullmatch(p.name))
    global_file = root / "version"
    active = global_file.read_text().split() if global_file.is_file() else []
    versions = active + [v for v in installed if v not in active]
    if versions:
        os.environ["PYENV_VERSION"] = ":".join(versions)


_expose_pyenv_pythons()


def _runs(interpreter: str) -> bool:
    try:
        return (
            subprocess.run([interpreter, "-c", ""], check=False, capture_output=True).returncode
            == 0
        )
    except OSError:
        return False


CODE = ["runtime", "generator", "livecheck", "generated", "instrument", "cli"]

# Test on every supported Python that is installed; skip the absent ones, even on CI
# (nox would otherwise fail there when an interpreter is missing).
nox.options.error_on_missing_interpreters = False
nox.options.sessions = ["ci"]
nox.options.reuse_existing_virtualenvs = True


#: Pins for ruff, mypy and the other tools whose output CI compares (see the file).
CONSTRAINTS = ("-c", "constraints.txt")


def install_project(session: nox.Session, extras: str) -> None:
    # "strict" editable mode links the files into one folder that mypy can follow;
    # the default mode uses an import hook that mypy cannot see.
    session.install("-e", f".[{extras}]", "--config-settings", "editable_mode=strict", *CONSTRAINTS)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole test suite, with the otel extra."""
    install_project(session, "otel,dev")
    session.run("pytest", *session.posargs)


@nox.session(python=False, name="ci")
def ci(session: nox.Session) -> None:
    """Everything CI checks, in order of cost: lint, typecheck, check, gate, tests, no_otel,
    browser.

    The site's browser tests run on one Python: they are slow and test no Python feature.
    The whole suite runs on the oldest and the newest Python installed; those between run
    all but the `slow` tests and the `wire` tests other than Rotel's (real collectors, child
    processes: two thirds of the time of a run), which keeps CI within about half an hour
    on a 2-core machine. The `rotel` tests (a third-party collector decoding what we send)
    run on every Python."""
    # Skipping absent Pythons must not become skipping every test.
    installed = [version for version in PYTHONS if _runs(f"python{version}")]
    if not installed:
        session.error(f"no Python among {', '.join(PYTHONS)} is installed to test on")
    for name in ["lint", "typecheck", "check", "gate"]:
        session.notify(name, posargs=session.posargs)
    # `notify("tests")` would queue only the first Python's session: name each one.
    for version in PYTHONS:
        whole = version in (installed[0], installed[-1])
        # A later -m replaces the one in pyproject's addopts, so it says `not browser` too.
        between = ["-m", "not browser and not slow and (not wire or rotel)"]
        session.notify(f"tests-{version}", posargs=[*session.posargs, *([] if whole else between)])
    session.notify("no_otel", posargs=session.posargs)
    session.notify(f"browser-{installed[-1]}")  # the newest Python installed


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole tree."""
    session.install("ruff", *CONSTRAINTS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the runtime, the generator, the generated code and the helpers, and
    on the tests and the benchmarks (pyproject's mypy_path finds their own modules)."""
    install_project(session, "otel,dev")
    session.run("mypy", "--strict", *CODE, "tests", "benchmarks")


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from schema/catalog.yaml."""
    install_project(session, "dev")
    session.run("codex-otel", "generate")


@nox.session
def check(session: nox.Session) -> None:
    """Fail when generated/ is stale."""
    install_project(session, "dev")
    session.run("codex-otel", "generate", "--check")


#: Where the main branch may be, in order: a clone's remote branch, then a local one.
MAIN_REFS = ["origin/main", "main"]
CATALOG = "schema/catalog.yaml"


@nox.session
def gate(session: nox.Session) -> None:
    """The semver gate: the catalog's changes since the merge base with main (on main
    itself: since the previous commit) must not need a bigger version bump than
    `catalog_version` declares. The logic is `codex-otel diff --against-merge-base`
    (cli/diff_command.merge_base_gate, tested in tests/evolution/test_gate.py); it says
    what it compares with, and passes when there is no history to compare with."""
    install_project(session, "dev")
    refs = [arg for ref in MAIN_REFS for arg in ("--against-merge-base", ref)]
    session.run("codex-otel", "diff", *refs, CATALOG)


@nox.session
def no_otel(session: nox.Session) -> None:
    """The suite's relevant part without the otel extra: no opentelemetry package at all."""
    session.install("-e", ".", "--config-settings", "editable_mode=strict", *CONSTRAINTS)
    session.install(
        *CONSTRAINTS,
        "pytest>=8",
        "pytest-snapshot>=0.9",
        "pytest-timeout>=2.3",
        "hypothesis>=6.100",
        "setuptools>=77",
        "wheel",
    )
    absent = "import importlib.util as u, sys; sys.exit(u.find_spec('opentelemetry') is not None)"
    session.run("python", "-c", absent)  # the point of the session: prove it is absent
    modules = [
        line
        for line in Path("tests/no_otel_modules.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    session.run("pytest", "-m", "no_otel", *modules, *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """Run the demo: every event of the catalog, printed to standard output."""
    install_project(session, "otel")
    session.run("codex-otel", "demo", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmarks (not timed tests): prints a table and writes bench-results.json."""
    install_project(session, "otel,dev")
    session.run("python", "benchmarks/run.py", "--json", "bench-results.json", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site into .artifacts/site (or the folder given first after
    --; any further arguments are passed to `codex-otel docs`)."""
    install_project(session, "dev")
    out = session.posargs[0] if session.posargs else ".artifacts/site"
    # The rest goes to `codex-otel docs`: `nox -s docs -- DIR --check`, `-- DIR --history`.
    session.run("codex-otel", "docs", "--out", out, *session.posargs[1:])
    session.log(f"open {Path(out, 'index.html').resolve().as_uri()}, or publish the folder")


#: Debian's Chromium, installed by the browser session when absent.
DEBIAN_CHROMIUM = "/usr/bin/chromium"
#: The Chromium the browser tests drive (Playwright downloads no browser): $CHROMIUM, or
#: else Debian's.
CHROMIUM = os.environ.get("CHROMIUM", DEBIAN_CHROMIUM)
#: axe-core's rules change between releases: pinned like the tools in constraints.txt.
AXE_CORE = "4.14.1"


@nox.session(python=PYTHONS)
def browser(session: nox.Session) -> None:
    """The documentation site's tests in a real browser (Chromium, Playwright, axe-core).

    Debian's chromium is installed with apt-get when absent (a binary $CHROMIUM names
    instead must exist); Playwright drives it and downloads no browser; axe-core comes from
    the npm registry."""
    if not Path(CHROMIUM).is_file():
        if CHROMIUM != DEBIAN_CHROMIUM:
            session.error(f"no {CHROMIUM}, which $CHROMIUM names")
        if os.geteuid() != 0:
            session.error(f"no {CHROMIUM}: run `sudo apt-get install -y chromium` first")
        quiet = {"DEBIAN_FRONTEND": "noninteractive"}  # CI has no terminal to answer on
        session.run("apt-get", "update", "-q", external=True, env=quiet)
        session.run("apt-get", "install", "-y", "-q", "chromium", external=True, env=quiet)
    install_project(session, "otel,dev")
    session.install("playwright", *CONSTRAINTS)
    # axe-core into nox's cache folder (git-ignored with .nox/), not into the tree.
    axe = Path(session.cache_dir) / "axe-core"
    session.run(
        "npm",
        "install",
        "--prefix",
        str(axe),
        "--no-audit",
        "--no-fund",
        f"axe-core@{AXE_CORE}",
        external=True,
    )
    session.run(
        "pytest",
        "-m",
        "browser",
        *(session.posargs or ["tests/site"]),
        env={
            "CHROMIUM": CHROMIUM,
            "AXE_CORE_JS": str(axe / "node_modules" / "axe-core" / "axe.min.js"),
            "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        },
    )
