"""The CI gate (`codex-otel diff --against-merge-base REF`, what `nox -s gate` runs) in a
temporary git repository: a main branch and a feature branch off it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from codex_otel.cli.main import main

HERE = Path(__file__).resolve().parent
SHOP = (HERE / "fixtures" / "shop.yaml").read_text(encoding="utf-8")
CATALOG = "schema/catalog.yaml"
Capture = pytest.CaptureFixture[str]

#: A breaking edit (the `shop.refunded` event removed) and the version it declares.
BREAKING = SHOP.replace(
    """  - name: shop.refunded
    description: An order was refunded.
    attributes:
      - {ref: amount, requirement: required}
""",
    "",
)


def gate(capsys: Capture, *refs: str) -> tuple[int, str]:
    arguments = [
        arg for ref in refs or ("origin/main", "main") for arg in ("--against-merge-base", ref)
    ]
    status = main(["diff", *arguments, CATALOG])
    out, err = capsys.readouterr()
    return status, err + out


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is needed for the gate tests")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    return tmp_path


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def commit(repo: Path, text: str, message: str) -> None:
    catalog = repo / CATALOG
    catalog.parent.mkdir(exist_ok=True)
    catalog.write_text(text, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", message)


def init(repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test")
    git(repo, "config", "user.email", "test@example.com")


def test_a_feature_branch_with_a_breaking_change_needs_a_major_bump(
    repo: Path, capsys: Capture
) -> None:
    init(repo)
    commit(repo, SHOP, "shop 1.0.0")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "switch", "-q", "-c", "feature")
    commit(repo, BREAKING, "remove shop.refunded, no bump")
    status, said = gate(capsys)
    assert status == 1
    assert f"codex-otel: gate: comparing {CATALOG} with the merge base {base[:12]} of main" in said
    assert "FAIL: the changes need a major bump, but 1.0.0 -> 1.0.0 is a none bump." in said

    commit(repo, BREAKING.replace("catalog_version: 1.0.0", "catalog_version: 2.0.0"), "bump")
    status, said = gate(capsys)
    assert status == 0
    assert "OK: the changes need a major bump; 1.0.0 -> 2.0.0 is a major bump." in said


def test_on_main_itself_the_gate_compares_with_the_previous_commit(
    repo: Path, capsys: Capture
) -> None:
    init(repo)
    commit(repo, SHOP, "shop 1.0.0")
    first = git(repo, "rev-parse", "HEAD")
    # The first commit has nothing before it: passing, and saying so.
    status, said = gate(capsys)
    assert status == 0
    assert "HEAD is main itself and has no previous commit to compare with; passing." in said
    commit(repo, BREAKING, "remove shop.refunded on main, no bump")
    status, said = gate(capsys)
    assert status == 1  # not 0, as comparing the catalog with itself would say
    assert f"the previous commit {first[:12]} (HEAD^: HEAD is the merge base with main" in said


def test_the_first_main_ref_git_knows_wins(repo: Path, capsys: Capture) -> None:
    init(repo)
    commit(repo, SHOP, "shop 1.0.0")
    git(repo, "switch", "-q", "-c", "feature")
    commit(repo, BREAKING, "remove shop.refunded, no bump")
    status, said = gate(capsys, "origin/main", "main")  # no remote: falls back to main
    assert status == 1
    assert "of main\n" in said


@pytest.mark.parametrize("history", ["no commit", "no catalog at the base"])
def test_with_no_history_to_compare_with_the_gate_says_so_and_passes(
    repo: Path, capsys: Capture, history: str
) -> None:
    expected = {
        "no commit": "codex-otel: gate: the git repository has no commit yet: no history to "
        "compare with; passing.",
        "no catalog at the base": f"codex-otel: gate: {CATALOG} does not exist at the merge base",
    }[history]
    if history == "no catalog at the base":
        init(repo)
        (repo / "README").write_text("shop\n", encoding="utf-8")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", "readme")
        git(repo, "switch", "-q", "-c", "feature")
        commit(repo, BREAKING, "the catalog")
    else:
        init(repo)
        (repo / "schema").mkdir()
        (repo / CATALOG).write_text(BREAKING, encoding="utf-8")
    status, said = gate(capsys)
    assert status == 0
    assert said.startswith(expected)
    assert "Catalog" not in said  # no diff ran


@pytest.mark.parametrize("refs", [("nosuch",), ("origin/main", "main")])
def test_a_main_ref_git_does_not_know_is_bad_input_naming_it(
    repo: Path, capsys: Capture, refs: tuple[str, ...]
) -> None:
    # A typo (`nosuch`), or a branch absent from this clone: the gate cannot compare, and
    # passing would be a false green in CI.
    init(repo)
    git(repo, "switch", "-q", "-c", "feature")
    commit(repo, SHOP, "shop 1.0.0")
    commit(repo, BREAKING, "remove shop.refunded, no bump")
    status, said = gate(capsys, *refs)
    assert status == 2
    assert f"git knows no commit named {', '.join(refs)}" in said
    assert "passing" not in said


def test_a_main_ref_with_no_common_history_is_bad_input(repo: Path, capsys: Capture) -> None:
    init(repo)
    commit(repo, SHOP, "shop 1.0.0 on main")
    git(repo, "switch", "-q", "--orphan", "elsewhere")
    commit(repo, BREAKING, "an unrelated history")
    status, said = gate(capsys, "main")
    assert status == 2
    assert "HEAD and main have no common history" in said


def test_outside_a_git_repository_the_gate_is_bad_input(repo: Path, capsys: Capture) -> None:
    # A source archive or a CI job without the clone: the history is not here to look at.
    (repo / "schema").mkdir()
    (repo / CATALOG).write_text(BREAKING, encoding="utf-8")
    status, said = gate(capsys)
    assert status == 2
    assert f"{CATALOG} is not in a git repository" in said
    assert "passing" not in said


def test_the_gate_takes_one_catalog(repo: Path, capsys: Capture) -> None:
    status = main(["diff", "--against-merge-base", "main", CATALOG, CATALOG])
    assert status == 2
    assert "with --against-merge-base give one catalog, not two" in capsys.readouterr().err


def test_a_downgrade_is_named_in_the_verdict() -> None:
    from codex_otel.generator.diff_rules import change
    from codex_otel.generator.semver import gate

    added = change("event.added", "events[x]", None, "x", "event x added")
    assert gate("0.2.0", "0.1.0", [added]).verdict == (
        "FAIL: the changes need a minor bump, but 0.2.0 -> 0.1.0 is a downgrade, which "
        "allows no change."
    )
    assert gate("0.2.0", "0.1.0", []).verdict.endswith("(0.2.0 -> 0.1.0, a downgrade).")
    assert gate("0.1.0", "0.2.0", [added]).verdict.startswith("OK: ")
