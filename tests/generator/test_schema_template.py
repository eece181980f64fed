"""The wire-schema template receives the schema as data, so an override can change it."""

from __future__ import annotations

import json
from pathlib import Path

from codex_otel.generator import load_catalog, render

MINI = Path(__file__).resolve().parent / "fixtures" / "mini.yaml"


def test_the_packaged_template_writes_the_whole_document() -> None:
    for output in render(load_catalog(MINI)):
        if output.path.startswith("schemas/"):
            document = json.loads(output.text)
            assert document["$id"] == output.path.removeprefix("schemas/")
            assert output.text.endswith("}\n")


def test_an_override_can_use_the_documents_parts(tmp_path: Path) -> None:
    (tmp_path / "event.schema.json.jinja").write_text(
        '{"event": {{ event.name | tojson }}, "keys": {{ schema.required | tojson }}}\n'
    )
    catalog = load_catalog(MINI)
    overridden = {o.path: o.text for o in render(catalog, tmp_path)}
    packaged = {o.path: json.loads(o.text) for o in render(catalog) if o.path.endswith(".json")}
    for event in catalog.events:
        path = f"schemas/{event.name}.json"
        assert json.loads(overridden[path]) == {
            "event": event.name,
            "keys": packaged[path]["required"],
        }
