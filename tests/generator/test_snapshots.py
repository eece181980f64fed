"""Golden files: the generated module, docs and wire schemas, byte for byte.

The real catalog's golden files are generated/ itself (so a stale generated/ fails
here as well as in `codex-otel generate --check`); the fixture catalog's live in
snapshots/mini/ and snapshots/spans/. Update with `pytest --snapshot-update` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_snapshot.plugin import Snapshot

from codex_otel.generator import load_catalog, render

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


@pytest.mark.parametrize(
    ("catalog", "golden"),
    [
        (REPO / "schema" / "catalog.yaml", REPO / "generated"),
        (HERE / "fixtures" / "mini.yaml", HERE / "snapshots" / "mini"),
        (HERE / "fixtures" / "spans.yaml", HERE / "snapshots" / "spans"),
    ],
    ids=["codex", "mini", "spans"],
)
def test_generated_files_match_golden(snapshot: Snapshot, catalog: Path, golden: Path) -> None:
    outputs = render(load_catalog(catalog))
    snapshot.snapshot_dir = golden
    for output in outputs:
        snapshot.assert_match(output.text, output.path)
    # No golden schema may outlive its event.
    on_disk = {f"schemas/{p.name}" for p in (golden / "schemas").glob("*.json")}
    assert on_disk == {o.path for o in outputs if o.path.startswith("schemas/")}
