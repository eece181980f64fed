"""The site's changes page from real catalog versions: `--history REV:PATH`, the git tags
that hold the catalog, and bad specs. The diff itself is tested in tests/evolution."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from codex_otel.cli.main import main
from codex_otel.generator import load_catalog
from codex_otel.generator.diff import diff_catalogs
from codex_otel.generator.revision import load_catalog_spec
from support.site import parse, text

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "schema" / "catalog.yaml"


def older(version: str, drop_last_event: bool) -> str:
    """The bundled catalog as an earlier version: another version number, and without its
    last event when asked."""
    document = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    document["catalog_version"] = version
    if drop_last_event:
        document["events"] = document["events"][:-1]
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose catalog went 1.0.0 (tag v1.0.0) -> 1.1.0 (tag v1.1.0, the
    last event added) -> the bundled catalog (uncommitted), with an untagged commit
    between that changed nothing in the catalog."""
    repo = tmp_path / "repo"
    (repo / "schema").mkdir(parents=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    catalog = repo / "schema" / "catalog.yaml"
    catalog.write_text(older("1.0.0", drop_last_event=True), encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "1.0.0")
    git(repo, "tag", "v1.0.0")
    catalog.write_text(older("1.1.0", drop_last_event=False), encoding="utf-8")
    git(repo, "commit", "-qam", "1.1.0")
    git(repo, "tag", "v1.1.0")
    (repo / "README").write_text("unrelated", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "no catalog change")
    catalog.write_text(BUNDLED.read_text(encoding="utf-8"), encoding="utf-8")
    return repo


def releases_on(page: Path) -> list[str]:
    return [text(h2) for h2 in parse(page).iterfind(".//main//h2")]


def test_the_tags_that_hold_the_catalog_make_the_history(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    out = repo / "site"
    assert main(["docs", "--schema", "schema/catalog.yaml", "--out", str(out)]) == 0
    current = load_catalog(BUNDLED).version
    assert releases_on(out / "changes.html") == [f"1.1.0 to {current}", "1.0.0 to 1.1.0"]
    # The older release lists the diff's own change for the event 1.1.0 added, under its
    # severity, as `codex-otel diff` classifies it.
    at_1_0 = load_catalog_spec("v1.0.0:schema/catalog.yaml", cwd=repo)
    at_1_1 = load_catalog_spec("v1.1.0:schema/catalog.yaml", cwd=repo)
    [added] = [c for c in diff_catalogs(at_1_0, at_1_1) if c.kind == "event.added"]
    items = [text(li) for li in parse(out / "changes.html").iterfind(".//main//section[2]//li")]
    assert f"{added.severity} {added.path}: {added.message}" in items, items


def test_history_given_explicitly_and_none_at_all(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    out = repo / "site"
    args = ["docs", "--schema", "schema/catalog.yaml", "--out", str(out)]
    assert main([*args, "--history", "v1.0.0:schema/catalog.yaml"]) == 0
    current = load_catalog(BUNDLED).version
    assert releases_on(out / "changes.html") == [f"1.0.0 to {current}"]
    # `--history` with no value: no changes page, and a rebuild removes the old one.
    assert main([*args, "--history"]) == 0
    assert not (out / "changes.html").exists()
    assert "Changes" not in text(parse(out / "index.html").find(".//nav"))


def test_outside_git_or_without_tags_there_is_no_changes_page(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(BUNDLED.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["docs", "--schema", str(catalog), "--out", str(tmp_path / "site")]) == 0
    assert not (tmp_path / "site" / "changes.html").exists()


def test_an_unknown_revision_is_bad_input_naming_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    code = main(["docs", "--out", str(repo / "site"), "--history", "v9.9.9:schema/catalog.yaml"])
    assert code == 2
    error = capsys.readouterr().err
    assert "v9.9.9:schema/catalog.yaml" in error
    assert "Traceback" not in error
    assert not (repo / "site").exists()
