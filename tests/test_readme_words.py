"""The README speaks to users about what the project does now: no issue numbers, no
history (CHANGELOG.md has it), no dated measurements (benchmarks/README.md has them), and
no catalog version it does not check."""

from __future__ import annotations

import re

from codex_otel.generator import load_catalog
from support.generation import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
VERSION = re.compile(r"\bv?(\d+\.\d+\.\d+)\b")


def test_the_readme_has_no_issue_numbers_or_history() -> None:
    assert re.findall(r"\bissues? #?\d+|\(#\d+\)|\w+/\w+#\d+", README, re.IGNORECASE) == []
    assert "What changed in" not in README


def test_every_catalog_version_the_readme_names_is_the_catalogs() -> None:
    current = load_catalog(REPO / "schema" / "catalog.yaml").version
    named = [
        match.group(1)
        for match in VERSION.finditer(README)
        if "catalog" in README[max(0, match.start() - 60) : match.start()].lower()
        and "--history" not in README[max(0, match.start() - 60) : match.start()]
    ]
    assert [version for version in named if version != current] == []


def test_the_dated_benchmark_run_lives_beside_the_benchmarks() -> None:
    assert "| metric | measured |" not in README
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", README) is None  # no dated run or result
    assert "benchmarks/README.md#results" in README
    benchmarks = (REPO / "benchmarks" / "README.md").read_text(encoding="utf-8")
    results = benchmarks.split("## Results", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"full run, of 20\d\d-\d\d-\d\d", results)
    assert "| metric | measured | target | met |" in results
