"""`codex-otel generate` without `--out` never writes into an installed package.

Regression: from an installed package, `generate` rewrote the files inside
site-packages. The package is copied here as pip lays it out (`codex_otel/<sub-package>`
folders, no checkout around them) and the command runs from that copy.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from support.generation import REPO
from support.installed import installed_copy, run_installed, snapshot


def run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_installed(site, cwd, "generate", *args)


def test_outside_a_checkout_generate_requires_out(tmp_path: Path) -> None:
    site = installed_copy(tmp_path)
    generated = site / "codex_otel" / "generated"
    # Make the installed files stale, so a write would show.
    (generated / "EVENTS.md").write_text("stale\n", encoding="utf-8")
    before = snapshot(generated)
    work = tmp_path / "work"
    work.mkdir()

    result = run(site, work)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--out is required outside a checkout" in result.stderr
    assert str(generated.resolve()) in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(generated) == before  # not one byte written

    # With --out it writes where it is told, and --check still reads the installed copy.
    written = run(site, work, "--out", "my_events")
    assert written.returncode == 0, written.stderr
    assert (work / "my_events" / "events.py").is_file()
    assert run(site, work, "--check").returncode == 1  # stale, reported, not rewritten
    assert snapshot(generated) == before


def test_in_a_checkout_the_default_is_the_checkouts_generated_folder() -> None:
    from codex_otel.cli.main import default_output, in_checkout

    assert in_checkout(default_output())
    assert default_output().resolve() == (REPO / "generated").resolve()
