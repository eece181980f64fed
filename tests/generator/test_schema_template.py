"""The wire-schema template receives the schema as data, so an override can change it."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from codex_otel.generator import load_catalog, render
from support.generation import REPO

MINI = Path(__file__).resolve().parent / "fixtures" / "mini.yaml"
#: The bundled catalog and every catalog the tests keep as files.
CATALOGS = (
    REPO / "schema" / "catalog.yaml",
    *sorted((REPO / "tests" / "generator" / "fixtures").glob("*.yaml")),
    *sorted((REPO / "tests" / "evolution" / "fixtures").glob("*.yaml")),
)


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


def _examples_against_their_schema(document: dict[str, object]) -> list[str]:
    """Each example of each property, validated against the whole document as an object
    that holds the example (other properties absent), so `const`, `enum`, bounds and
    lengths all apply; the failures, worded."""
    properties = document["properties"]
    assert isinstance(properties, dict)
    validator = Draft202012Validator({**document, "required": []})
    failures = []
    for key, schema in properties.items():
        for example in schema.get("examples", []):
            for error in validator.iter_errors({key: example}):
                failures.append(f"{document['$id']} {key}={example!r}: {error.message}")
    return failures


def test_every_example_of_every_schema_is_valid_against_it() -> None:
    checked = 0
    for path in CATALOGS:
        for output in render(load_catalog(path)):
            if output.path.startswith("schemas/"):
                document = json.loads(output.text)
                assert _examples_against_their_schema(document) == []
                checked += sum(len(p.get("examples", [])) for p in document["properties"].values())
    assert checked > 0


def test_the_checker_of_examples_finds_a_contradiction() -> None:
    document = {
        "$id": "x.json",
        "type": "object",
        "properties": {"event.name": {"type": "string", "const": "a", "examples": ["b"]}},
        "additionalProperties": False,
    }
    assert len(_examples_against_their_schema(document)) == 1
