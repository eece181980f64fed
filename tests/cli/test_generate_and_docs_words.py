"""What `generate` and `docs` say and refuse: the full command to rebuild, an `--out`
that is a file, a folder holding someone else's site; and each command's `--help`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codex_otel.cli.main import main

SHOP = Path(__file__).resolve().parents[1] / "evolution" / "fixtures" / "shop.yaml"
Capture = pytest.CaptureFixture[str]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(SHOP, tmp_path / "shop.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    return tmp_path


def test_generate_check_suggests_the_command_that_was_checked(work: Path, capsys: Capture) -> None:
    assert main(["generate", "--schema", "shop.yaml", "--out", "my events"]) == 0
    (work / "my events" / "EVENTS.md").write_text("stale\n", encoding="utf-8")
    capsys.readouterr()
    status = main(["generate", "--check", "--schema", "shop.yaml", "--out", "my events"])
    err = capsys.readouterr().err
    assert status == 1
    # The options given, quoted for a shell: `codex-otel generate` alone would fail here.
    assert "run `codex-otel generate --schema shop.yaml --out 'my events'` and commit" in err
    # Following the suggestion makes the check pass.
    assert main(["generate", "--schema", "shop.yaml", "--out", "my events"]) == 0
    assert main(["generate", "--check", "--schema", "shop.yaml", "--out", "my events"]) == 0


def test_generate_into_a_file_says_it_is_not_a_directory(work: Path, capsys: Capture) -> None:
    (work / "app.py").write_text("print('mine')\n", encoding="utf-8")
    status = main(["generate", "--schema", "shop.yaml", "--out", "app.py"])
    err = capsys.readouterr().err
    assert status == 2
    assert "--out app.py is not a directory" in err
    assert "File exists" not in err
    assert (work / "app.py").read_text(encoding="utf-8") == "print('mine')\n"


def test_docs_into_a_file_says_it_is_not_a_directory(work: Path, capsys: Capture) -> None:
    (work / "site").write_text("a file\n", encoding="utf-8")
    status = main(["docs", "--schema", "shop.yaml", "--out", "site", "--history"])
    assert status == 2
    assert "--out site is not a directory" in capsys.readouterr().err


def test_docs_refuses_to_overwrite_a_site_it_did_not_build(work: Path, capsys: Capture) -> None:
    site = work / "site"
    site.mkdir()
    theirs = "<html><body>Our product's home page</body></html>\n"
    (site / "index.html").write_text(theirs, encoding="utf-8")
    (site / "CNAME").write_text("docs.example.com\n", encoding="utf-8")
    build = ["docs", "--schema", "shop.yaml", "--out", "site", "--history"]

    status = main(build)
    err = capsys.readouterr().err
    assert status == 2
    assert f"{Path('site') / 'index.html'}" in err
    assert "--force" in err
    assert (site / "index.html").read_text(encoding="utf-8") == theirs  # untouched
    assert sorted(p.name for p in site.iterdir()) == ["CNAME", "index.html"]

    assert main([*build, "--force"]) == 0
    assert 'content="codex-otel docs"' in (site / "index.html").read_text(encoding="utf-8")
    # Its own site it rebuilds without --force; a file it never writes stays.
    (work / "shop.yaml").write_text(
        (work / "shop.yaml").read_text(encoding="utf-8").replace("An order", "One order"),
        encoding="utf-8",
    )
    assert main(build) == 0
    assert (site / "CNAME").read_text(encoding="utf-8") == "docs.example.com\n"


def test_docs_into_a_folder_of_other_files_leaves_them_and_builds(
    work: Path, capsys: Capture
) -> None:
    site = work / "docs"
    site.mkdir()
    (site / "CNAME").write_text("docs.example.com\n", encoding="utf-8")
    assert main(["docs", "--schema", "shop.yaml", "--out", "docs", "--history"]) == 0
    assert (site / "index.html").is_file()
    assert (site / "CNAME").read_text(encoding="utf-8") == "docs.example.com\n"


@pytest.mark.parametrize("command", ["generate", "docs", "demo", "diff", "live-check"])
def test_each_command_describes_itself_and_its_exit_codes(command: str, capsys: Capture) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    usage, _, rest = text.partition("options:")
    # A description between the usage line and the options, and the exit codes after.
    assert len(usage.split(f"codex-otel {command}", 1)[1]) > 80, usage
    assert "exit" in rest.lower() and " 0 " in rest and " 2 " in rest
