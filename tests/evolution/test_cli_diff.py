"""`codex-otel diff` as a command: its outputs (snapshots), bad input, and git `REV:PATH`
in a real temporary repository; `generate --baseline` renders the same diff."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pytest_snapshot.plugin import Snapshot

from codex_otel.cli.main import main

HERE = Path(__file__).resolve().parent
SHOP = HERE / "fixtures" / "shop.yaml"
SHOP_NEXT = HERE / "fixtures" / "shop-next.yaml"
Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("output_format", "file"),
    [("text", "diff.txt"), ("markdown", "diff.md"), ("json", "diff.json")],
)
def test_output_formats_match_their_snapshots(
    capsys: Capture, snapshot: Snapshot, output_format: str, file: str
) -> None:
    snapshot.snapshot_dir = HERE / "snapshots"
    status, out, err = run(capsys, "diff", str(SHOP), str(SHOP_NEXT), "--format", output_format)
    assert (status, err) == (1, "")  # 1.0.0 -> 1.1.0 is too small for the breaking changes
    snapshot.assert_match(out, file)


def test_json_has_exactly_the_documented_shape(capsys: Capture) -> None:
    _, out, _ = run(capsys, "diff", str(SHOP), str(SHOP_NEXT), "--format", "json")
    report = json.loads(out)
    assert list(report) == [
        "old_version",
        "new_version",
        "required_bump",
        "declared_bump",
        "ok",
        "changes",
    ]
    assert (report["required_bump"], report["declared_bump"], report["ok"]) == (
        "major",
        "minor",
        False,
    )
    for change in report["changes"]:
        assert list(change) == ["kind", "path", "severity", "audiences", "old", "new", "message"]


def test_a_catalog_compared_with_itself_passes_with_no_change(capsys: Capture) -> None:
    status, out, _ = run(capsys, "diff", str(SHOP), str(SHOP))
    assert status == 0
    assert out.startswith("Catalog 1.0.0 -> 1.0.0: 0 changes.\n")
    assert out.endswith("OK: no change, so any version will do (1.0.0 -> 1.0.0).\n")


def test_an_invalid_catalog_is_reported_exactly_as_validate_reports_it(
    capsys: Capture, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SHOP.read_text().replace("type: double", "type: float"), encoding="utf-8")
    validate = run(capsys, "validate", str(bad))
    assert validate[0] == 2
    assert run(capsys, "diff", str(SHOP), str(bad)) == (2, "", validate[2])
    # Both sides are checked before stopping: two bad catalogs, two reports.
    assert run(capsys, "diff", str(bad), str(bad)) == (2, "", validate[2] * 2)


def test_a_missing_file_exits_2_naming_it(capsys: Capture, tmp_path: Path) -> None:
    status, out, err = run(capsys, "diff", str(tmp_path / "gone.yaml"), str(SHOP))
    assert (status, out) == (2, "")
    assert f"{tmp_path / 'gone.yaml'}:1:1: error: (document): cannot read the file" in err
    assert "Traceback" not in err


# --- git REV:PATH -----------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with two commits of `schema/catalog.yaml`: shop, then shop-next."""
    if shutil.which("git") is None:
        pytest.fail("git is needed for the REV:PATH tests")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.name", "Test")
    git("config", "user.email", "test@example.com")
    (tmp_path / "schema").mkdir()
    catalog = tmp_path / "schema" / "catalog.yaml"
    catalog.write_text(SHOP.read_text(encoding="utf-8"), encoding="utf-8")
    git("add", ".")
    git("commit", "-q", "-m", "shop 1.0.0")
    git("tag", "v1.0.0")
    catalog.write_text(SHOP_NEXT.read_text(encoding="utf-8"), encoding="utf-8")
    git("commit", "-q", "-am", "shop 1.1.0")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_rev_path_reads_catalogs_from_git(
    repo: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_git = run(capsys, "diff", "v1.0.0:schema/catalog.yaml", "HEAD:schema/catalog.yaml")
    by_file = run(capsys, "diff", str(SHOP), str(SHOP_NEXT))
    assert by_git == by_file
    assert run(capsys, "diff", "HEAD:schema/catalog.yaml", "main:schema/catalog.yaml")[0] == 0
    # A path and a git object mix; `REV:./PATH` is relative to the current directory.
    monkeypatch.chdir(repo / "schema")
    assert run(capsys, "diff", "HEAD~1:./catalog.yaml", "catalog.yaml") == by_file


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "nope:schema/catalog.yaml",
            "cannot read nope:schema/catalog.yaml from git: invalid object name 'nope'",
        ),
        (
            "HEAD:missing.yaml",
            "cannot read HEAD:missing.yaml from git: path 'missing.yaml' does not exist in 'HEAD'",
        ),
    ],
)
def test_an_unknown_revision_or_path_exits_2_naming_it(
    repo: Path, capsys: Capture, spec: str, message: str
) -> None:
    status, out, err = run(capsys, "diff", spec, "HEAD:schema/catalog.yaml")
    assert (status, out) == (2, "")
    assert err.startswith(f"codex-otel: error: {message}")
    assert "Traceback" not in err


def test_an_invalid_catalog_in_git_names_the_revision_in_its_diagnostics(
    repo: Path, capsys: Capture
) -> None:
    catalog = repo / "schema" / "catalog.yaml"
    catalog.write_text(SHOP.read_text().replace("type: double", "type: float"), encoding="utf-8")
    subprocess.run(["git", "commit", "-q", "-am", "broken"], cwd=repo, check=True)
    status, _, err = run(capsys, "diff", "HEAD~1:schema/catalog.yaml", "HEAD:schema/catalog.yaml")
    assert status == 2
    assert err.startswith("HEAD:schema/catalog.yaml:")
    assert ": error: attributes[2].type: " in err


def test_outside_a_repository_rev_path_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    status, _, err = run(capsys, "diff", "HEAD:catalog.yaml", str(SHOP))
    assert status == 2
    assert err.startswith(
        "codex-otel: error: cannot read HEAD:catalog.yaml from git: not a git repository"
    )


def test_generate_baseline_adds_changes_since_to_the_docs(repo: Path, capsys: Capture) -> None:
    out = repo / "out"
    args = ["generate", "--schema", "schema/catalog.yaml", "--out", str(out), "--quiet"]
    assert run(capsys, *args, "--baseline", "v1.0.0:schema/catalog.yaml")[0] == 0
    docs = (out / "EVENTS.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Changes since 1.0.0") :]
    assert "the changes need a **major** version bump" in section
    assert (
        "| note is no longer redacted: its content is exported (privacy regression) | `events[shop.paid].attributes[note].redact` | privacy |"
        in section
    )
    assert (
        section.index("### Breaking")
        < section.index("### Compatible")
        < section.index("### Information only")
    )
    assert "**Renamed:** `coupon` is now `promo`." in docs
    # Without a baseline there is no such section; with a bad one, exit 2 naming it.
    assert run(capsys, *args)[0] == 0
    assert "Changes since" not in (out / "EVENTS.md").read_text(encoding="utf-8")
    status, _, err = run(capsys, *args, "--baseline", "v9:schema/catalog.yaml")
    assert status == 2
    assert "cannot read v9:schema/catalog.yaml from git" in err


# --- hostile and odd specs ------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["--output={out}:x", "-p:schema/catalog.yaml"])
def test_a_revision_starting_with_a_dash_is_never_a_git_option(
    repo: Path, capsys: Capture, tmp_path_factory: pytest.TempPathFactory, spec: str
) -> None:
    out = tmp_path_factory.mktemp("hostile") / "x.txt"
    hostile = spec.format(out=out)
    status, stdout, err = run(capsys, "diff", "--", hostile, "HEAD:schema/catalog.yaml")
    assert (status, stdout) == (2, "")
    assert err == (
        f"codex-otel: error: cannot read {hostile} from git: a revision cannot start with '-'\n"
    )
    assert not out.exists()  # git never saw it as `--output=FILE`


def test_git_reads_a_dash_spec_as_a_revision_even_without_the_check(repo: Path) -> None:
    """The second guard: `--end-of-options` keeps git from reading any spec as an option."""
    from codex_otel.generator.revision import _git

    out = repo / "x.txt"
    result = _git(["show", "--no-textconv", "--end-of-options", f"--output={out}:x"], "spec", repo)
    assert result.returncode != 0
    assert not out.exists()


def test_a_folder_in_git_is_named_a_folder(repo: Path, capsys: Capture) -> None:
    status, out, err = run(capsys, "diff", "HEAD:schema", "HEAD:schema/catalog.yaml")
    assert (status, out) == (2, "")
    assert err == (
        "codex-otel: error: cannot read HEAD:schema from git: "
        "'schema' is a folder (a git tree), not a catalog file\n"
    )


def test_from_a_subfolder_git_says_why_and_how(
    repo: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "schema")
    status, _, err = run(capsys, "diff", "HEAD:catalog.yaml", "catalog.yaml")
    assert status == 2
    assert err == (
        "codex-otel: error: cannot read HEAD:catalog.yaml from git: "
        "path 'schema/catalog.yaml' exists, but not 'catalog.yaml' "
        "(hint: Did you mean 'HEAD:schema/catalog.yaml' aka 'HEAD:./catalog.yaml'?)\n"
    )


def test_an_empty_path_is_called_empty(capsys: Capture) -> None:
    status, out, err = run(capsys, "diff", "", str(SHOP))
    assert (status, out) == (2, "")
    assert err == ("codex-otel: error: the catalog path is empty (''): name a file or REV:PATH\n")


def test_generate_baseline_with_no_change_says_no_changes(repo: Path, capsys: Capture) -> None:
    out = repo / "out"
    args = ["generate", "--schema", "schema/catalog.yaml", "--out", str(out), "--quiet"]
    assert run(capsys, *args, "--baseline", "HEAD:schema/catalog.yaml")[0] == 0
    docs = (out / "EVENTS.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Changes since 1.1.0") :]
    assert "From catalog version 1.1.0 to 1.1.0, `codex-otel diff` finds no changes." in section
    assert "**none**" not in section


def test_diff_help_describes_the_command_and_its_exit_codes(capsys: Capture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["diff", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Classify every change from catalog OLD to catalog NEW" in text
    assert (
        "exit codes: 0 the declared bump allows the changes; 1 the declared bump is smaller "
        "than the changes need; 2 bad input" in text
    )


def test_a_span_removed_from_the_bundled_catalog_needs_a_major_bump(
    capsys: Capture, tmp_path: Path
) -> None:
    """The failing case end to end: the approval span removed with a minor bump fails the
    gate (exit 1) naming the span and its helper; a major bump passes."""
    import yaml

    bundled = HERE.parents[1] / "schema" / "catalog.yaml"
    document = yaml.safe_load(bundled.read_text(encoding="utf-8"))
    major, minor, _ = (int(part) for part in document["catalog_version"].split("."))
    document["spans"] = [s for s in document["spans"] if s["id"] != "codex.tool_approval"]
    outcomes = []
    for version in (f"{major}.{minor + 1}.0", f"{major + 1}.0.0"):
        document["catalog_version"] = version
        new = tmp_path / f"{version}.yaml"
        new.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        status, out, err = run(capsys, "diff", str(bundled), str(new))
        outcomes.append(status)
        assert err == ""
        assert "spans[codex.tool_approval]" in out
        assert "span codex.tool_approval removed: calls to tool_approval_span fail" in out
        assert "[span.removed; breaks api, wire]" in out
    assert outcomes == [1, 0]
