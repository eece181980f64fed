"""`codex-otel diff` in a folder that is not laid out like this repository (no
./schema/catalog.yaml): the bundled Codex catalog is never compared with a user's file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codex_otel.cli.main import main

SHOP = Path(__file__).resolve().parents[1] / "evolution" / "fixtures" / "shop.yaml"
Capture = pytest.CaptureFixture[str]


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(SHOP, tmp_path / "v1.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    return tmp_path


def test_diff_with_one_catalog_outside_a_checkout_requires_new(
    elsewhere: Path, capsys: Capture
) -> None:
    status = main(["diff", "v1.yaml"])
    out, err = capsys.readouterr()
    assert status == 2
    assert "NEW is required here" in err
    assert "codex-otel diff v1.yaml catalog.yaml" in err  # the hint: the command to run
    assert out == ""  # no verdict: nothing was compared
    assert "codex." not in err  # nothing of the bundled catalog


def test_the_gate_outside_a_checkout_requires_the_catalog(elsewhere: Path, capsys: Capture) -> None:
    status = main(["diff", "--against-merge-base", "main"])
    out, err = capsys.readouterr()
    assert status == 2
    assert "no catalog given" in err
    assert "codex-otel diff --against-merge-base main path/to/catalog.yaml" in err
    assert out == ""


def test_diff_with_both_catalogs_outside_a_checkout_compares_them(
    elsewhere: Path, capsys: Capture
) -> None:
    shutil.copy(elsewhere / "v1.yaml", elsewhere / "v2.yaml")
    status = main(["diff", "v1.yaml", "v2.yaml"])
    out, _ = capsys.readouterr()
    assert status == 0
    assert "OK" in out
