"""In a project laid out like this one (`schema/catalog.yaml` in the current directory),
the commands default to that catalog and to its `generated/` folder, whatever the install.

Regression: with a plain (non-editable) `pip install '.[otel]'` in a checkout, `generate`
regenerated from the catalog bundled in site-packages (ignoring the user's edit), the
`--check`s compared site-packages with itself, `diff REV:PATH` compared with the bundled
catalog and `diff --against-merge-base` refused it as outside the git repository. The
package is copied here as pip lays it out, and the commands run from a temp project.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from support.generation import REPO
from support.installed import installed_copy, snapshot
from support.installed import run_installed as cli

EDIT = ("  log_tool_details:\n    default: true", "  log_tool_details:\n    default: false")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git project holding the bundled catalog on main and an edit of it on a branch."""
    root = tmp_path / "project"
    (root / "schema").mkdir(parents=True)
    catalog = root / "schema" / "catalog.yaml"
    catalog.write_text((REPO / "schema" / "catalog.yaml").read_text(encoding="utf-8"))
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.com")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "catalog")
    git(root, "checkout", "-q", "-b", "edit")
    text = catalog.read_text(encoding="utf-8")
    assert EDIT[0] in text
    catalog.write_text(text.replace(*EDIT), encoding="utf-8")
    git(root, "commit", "-q", "-am", "log_tool_details off")
    return root


def test_generate_reads_the_projects_catalog_and_writes_its_generated_folder(
    tmp_path: Path, project: Path
) -> None:
    site = installed_copy(tmp_path)
    installed = snapshot(site / "codex_otel")
    (project / "generated").mkdir()

    written = cli(site, project, "generate")
    assert written.returncode == 0, written.stderr
    assert "catalog: schema/catalog.yaml" in written.stdout
    assert "generated/events.py" in written.stdout
    events_py = (project / "generated" / "events.py").read_text(encoding="utf-8")
    assert '"log_tool_details": False' in events_py  # the edit, not the bundled default
    assert snapshot(site / "codex_otel") == installed  # site-packages untouched

    check = cli(site, project, "generate", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "generated is up to date with schema/catalog.yaml" in check.stdout
    catalog = project / "schema" / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace(EDIT[1], EDIT[0]))
    stale = cli(site, project, "generate", "--check")
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "out of date with schema/catalog.yaml" in stale.stderr


def test_without_a_generated_folder_the_hint_names_the_projects_paths(
    tmp_path: Path, project: Path
) -> None:
    site = installed_copy(tmp_path)
    result = cli(site, project, "generate")
    assert result.returncode == 2
    assert "--schema schema/catalog.yaml --out generated/" in result.stderr
    assert not (project / "generated").exists()
    # Following the hint writes from the project's catalog.
    followed = cli(
        site, project, "generate", "--schema", "schema/catalog.yaml", "--out", "generated/"
    )
    assert followed.returncode == 0, followed.stderr
    assert '"log_tool_details": False' in (project / "generated" / "events.py").read_text()


def test_diff_and_the_gate_compare_with_the_projects_catalog(tmp_path: Path, project: Path) -> None:
    site = installed_copy(tmp_path)
    diff = cli(site, project, "diff", "main:schema/catalog.yaml")
    assert diff.returncode == 1, diff.stdout + diff.stderr  # the edit breaks: bump too small
    assert "toggle log_tool_details now defaults off" in diff.stdout
    assert "NEW is schema/catalog.yaml" in diff.stderr

    gate = cli(site, project, "diff", "--against-merge-base", "main")
    assert gate.returncode == 1, gate.stdout + gate.stderr
    assert "comparing schema/catalog.yaml with the merge base" in gate.stderr
    assert "toggle log_tool_details now defaults off" in gate.stdout


def test_validate_docs_and_live_check_default_to_the_projects_catalog(
    tmp_path: Path, project: Path
) -> None:
    site = installed_copy(tmp_path)
    validate = cli(site, project, "validate")
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout.startswith("schema/catalog.yaml: valid")

    docs = cli(site, project, "docs", "--out", "site", "--history")
    assert docs.returncode == 0, docs.stderr
    assert "files from schema/catalog.yaml" in docs.stdout
    assert cli(site, project, "docs", "--out", "site", "--history", "--check").returncode == 0

    # A broken project catalog is what live-check reports, not the bundled one it ignored.
    catalog = project / "schema" / "catalog.yaml"
    catalog.write_text("catalog_version: nope\n", encoding="utf-8")
    (project / "events.jsonl").write_text("", encoding="utf-8")
    live = cli(site, project, "live-check", "--input", "events.jsonl")
    assert live.returncode == 2
    assert "schema/catalog.yaml" in live.stderr
    assert "Traceback" not in live.stderr


def test_outside_a_project_the_bundled_catalog_is_the_default(tmp_path: Path) -> None:
    site = installed_copy(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    validate = cli(site, elsewhere, "validate")
    assert validate.returncode == 0, validate.stderr
    bundled = site / "codex_otel" / "schema" / "catalog.yaml"
    assert validate.stdout.startswith(f"{bundled.resolve()}: valid")
