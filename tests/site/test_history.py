"""The site's changes page from real catalog versions: `--history REV:PATH`, the git tags
that hold the catalog, and bad specs. The diff itself is tested in tests/evolution."""

from __future__ import annotations

import itertools
import os
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


def git(repo: Path, *args: str, date: str | None = None) -> None:
    """Run git in `repo`; `date` (ISO 8601) is the commit's and an annotated tag's date."""
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else None
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


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
    assert f"{added.severity} {added.path}: {added.message} (breaks nobody)" in items, items


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


def test_tags_are_ordered_by_version_not_by_when_they_were_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """v1.1.0 was tagged first; v1.0.0 was tagged a day later, on the older commit. The
    history still goes 1.0.0, then 1.1.0, then the catalog being built."""
    repo = tmp_path / "repo"
    (repo / "schema").mkdir(parents=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    catalog = repo / "schema" / "catalog.yaml"
    catalog.write_text(older("1.0.0", drop_last_event=True), encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "1.0.0", date="2024-01-01T10:00:00Z")
    first = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()
    catalog.write_text(older("1.1.0", drop_last_event=False), encoding="utf-8")
    git(repo, "commit", "-qam", "1.1.0", date="2024-02-01T10:00:00Z")
    git(repo, "tag", "-a", "v1.1.0", "-m", "1.1.0", date="2024-03-01T10:00:00Z")
    git(repo, "tag", "-a", "v1.0.0", "-m", "1.0.0", first, date="2024-03-02T10:00:00Z")
    catalog.write_text(BUNDLED.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(repo)
    out = repo / "site"
    assert main(["docs", "--schema", "schema/catalog.yaml", "--out", str(out)]) == 0
    current = load_catalog(BUNDLED).version
    assert releases_on(out / "changes.html") == [f"1.1.0 to {current}", "1.0.0 to 1.1.0"]


def test_tags_not_merged_into_head_are_not_used(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tag on a branch HEAD does not contain (here with a catalog that does not even
    load) is not part of HEAD's history."""
    catalog = repo / "schema" / "catalog.yaml"
    git(repo, "checkout", "-qb", "experiment")
    catalog.write_text("catalog_version: [broken\n", encoding="utf-8")
    git(repo, "commit", "-qam", "experiment")
    git(repo, "tag", "v9.0.0")
    git(repo, "checkout", "-q", "-")
    catalog.write_text(BUNDLED.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(repo)
    out = repo / "site"
    assert main(["docs", "--schema", "schema/catalog.yaml", "--out", str(out)]) == 0
    current = load_catalog(BUNDLED).version
    assert releases_on(out / "changes.html") == [f"1.1.0 to {current}", "1.0.0 to 1.1.0"]


def test_a_default_tag_whose_catalog_does_not_load_is_named_with_the_way_out(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = repo / "schema" / "catalog.yaml"
    catalog.write_text("catalog_version: [broken\n", encoding="utf-8")
    git(repo, "commit", "-qam", "broken")
    git(repo, "tag", "v1.2.0-bad")
    catalog.write_text(BUNDLED.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(repo)
    code = main(["docs", "--schema", "schema/catalog.yaml", "--out", str(repo / "site")])
    assert code == 2
    error = capsys.readouterr().err
    assert "tag v1.2.0-bad" in error, error
    assert "v1.2.0-bad:schema/catalog.yaml" in error, error  # the loader's own diagnostic
    assert "by default" in error, error
    assert "--history REV:PATH" in error and "`--history` alone" in error, error
    assert "Traceback" not in error
    assert not (repo / "site").exists()
    # The way out works: an explicit history, or none.
    assert main(["docs", "--out", str(repo / "site"), "--history"]) == 0


def test_the_tags_are_read_from_the_catalogs_repository_not_the_current_directory(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = elsewhere / "site"
    assert main(["docs", "--schema", str(repo / "schema" / "catalog.yaml"), "--out", str(out)]) == 0
    current = load_catalog(BUNDLED).version
    assert releases_on(out / "changes.html") == [f"1.1.0 to {current}", "1.0.0 to 1.1.0"]


def test_changes_since_the_last_tag_without_a_new_version_are_unreleased(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catalog being built has the last tag's version and one event fewer."""
    catalog = repo / "schema" / "catalog.yaml"
    catalog.write_text(older("1.1.0", drop_last_event=True), encoding="utf-8")
    monkeypatch.chdir(repo)
    out = repo / "site"
    assert main(["docs", "--schema", "schema/catalog.yaml", "--out", str(out)]) == 0
    assert releases_on(out / "changes.html") == ["1.1.0 (unreleased changes)", "1.0.0 to 1.1.0"]


def _version(version: str, events: list[dict[str, object]] | None = None) -> str:
    document = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    document["catalog_version"] = version
    if events is not None:
        document["events"] = events
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def test_the_changes_page_classifies_each_step_as_diff_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same changes, same order (breaking first), whom each breaks, and the gate's verdict
    on each version step: a bump smaller than the changes need is flagged, as `diff`
    fails it, and a downgrade is said to be one."""
    bundled = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    gone: dict[str, object] = {
        "name": "codex.gone",
        "description": "An event 1.1.0 removes.",
        "attributes": [],
    }
    files = {
        "0.2.0": _version("0.2.0", [*bundled["events"][:-1], gone]),
        "0.1.0": _version("0.1.0", [*bundled["events"][:-1], gone]),  # a downgrade, same events
        "1.0.0": _version("1.0.0", [*bundled["events"][:-1], gone]),
        "1.1.0": _version("1.1.0"),  # removes codex.gone (breaking), adds an event: FAIL
    }
    paths = []
    for version, text_ in files.items():
        path = tmp_path / f"{version}.yaml"
        path.write_text(text_, encoding="utf-8")
        paths.append(path)
    catalogs = [load_catalog(path) for path in paths]
    site = tmp_path / "site"
    history = [f"{path}" for path in paths[:-1]]
    assert (
        main(["docs", "--schema", str(paths[-1]), "--out", str(site), "--history", *history]) == 0
    )
    page = parse(site / "changes.html")
    sections = {text(s.find("h2")): s for s in page.iterfind(".//main/section")}
    assert list(sections) == ["1.0.0 to 1.1.0", "0.1.0 to 1.0.0", "0.2.0 to 0.1.0"]
    for old, new in itertools.pairwise(paths):
        old_catalog, new_catalog = load_catalog(old), load_catalog(new)
        section = sections[f"{old_catalog.version} to {new_catalog.version}"]
        code = main(["diff", str(old), str(new)])
        said = capsys.readouterr().out.strip().splitlines()
        verdict = section.find("p[@class]")
        assert verdict is not None
        assert text(verdict) == said[-1]  # the same verdict, worded the same
        assert verdict.attrib["class"] == ("verdict ok" if code == 0 else "verdict fail")
        # Headings and their order as diff prints them ("Breaking (1):").
        headings = [text(h) for h in section.iterfind("h3")]
        assert headings == [line.rstrip(":") for line in said if line.endswith("):")]
        shown = [text(li) for li in section.iterfind(".//li")]
        changes = sorted(
            diff_catalogs(old_catalog, new_catalog),
            key=lambda c: ("breaking", "compatible", "info").index(c.severity),
        )
        assert len(shown) == len(changes)
        for item, change in zip(shown, changes, strict=True):
            breaks = ", ".join(change.audiences) or "nobody"
            assert item.startswith(f"{change.severity} {change.path}:"), (item, change)
            assert item.endswith(f"(breaks {breaks})"), item
    assert text(sections["1.0.0 to 1.1.0"].find("p[@class]")).startswith("FAIL: ")
    assert "downgrade" in text(sections["0.2.0 to 0.1.0"].find("p[@class]"))
    assert [c.version for c in catalogs] == list(files)
