"""The differences from a reference implementation, and the computed event name.

A catalog of our own (not Codex's): the "Differences from ..." section of EVENTS.md is
rendered from its `differences` notes and from tables the generator derives from the
attributes; `computed: event_name` puts the event's name on every event and into the
wire JSON Schemas as a constant.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from codex_otel.generator import CatalogError, load_catalog, load_catalog_text, render
from codex_otel.generator.model import Catalog
from codex_otel.runtime import OtelConfig, Telemetry
from support.generation import REPO, GenerateFn

CATALOG = """\
catalog_version: 1.0.0
namespace: app
attributes:
  - {key: event.name, type: string, description: The event's name.}
  - {key: took_ms, type: int, minimum: 0, reference_type: string, description: Time taken.}
  - {key: size, type: int, description: Size.}
  - {key: note, type: string, max_length: 40, description: A note.}
  - key: level
    type: {members: [{value: low, description: Low.}, {value: high, description: High.}]}
    description: Level.
common:
  attributes:
    - {ref: event.name, requirement: required, computed: event_name}
events:
  - name: app.first
    description: First.
    attributes:
      - {ref: took_ms, requirement: required}
      - {ref: note, requirement: optional}
  - name: app.second
    description: Second.
    attributes:
      - {ref: took_ms, requirement: required}
      - {ref: size, requirement: optional}
      - {ref: level, requirement: optional}
differences:
  name: Oldtool
  reference: the old tool's logger, version 2
  notes:
    - {topic: Timing | units, reference: "Seconds, as `text`.", here: Milliseconds.}
"""


def outputs_of(catalog: Catalog) -> dict[str, str]:
    return {output.path: output.text for output in render(catalog)}


def section(markdown: str, heading: str) -> str:
    return markdown.split(heading, 1)[1].split("\n## ", 1)[0]


def rows(table_text: str) -> list[list[str]]:
    lines = [line for line in table_text.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]


def test_the_section_is_derived_from_the_catalog() -> None:
    outputs = outputs_of(load_catalog_text(CATALOG, "app.yaml"))
    markdown = outputs["EVENTS.md"]
    assert "[Differences from Oldtool](#differences-from-oldtool)" in markdown
    differences = section(markdown, "## Differences from Oldtool\n")
    assert "Oldtool here is the old tool's logger, version 2." in differences
    assert "| Timing \\| units | Seconds, as `text`. | Milliseconds. |" in differences
    types = section(differences, "### Types")
    assert rows(types.split("###")[0]) == [
        ["`took_ms`", "`app.first`, `app.second`", "string", "int"]
    ]
    caps = differences.split("### Truncation caps", 1)[1].split("###")[0]
    assert rows(caps) == [["`note`", "`app.first`", "40"]]
    checks = differences.split("### Argument checks", 1)[1]
    assert rows(checks) == [
        ["`took_ms`", "`app.first`, `app.second`", "between 0 and 9223372036854775807"],
        ["`size`", "`app.second`", "a 64-bit integer"],
        ["`level`", "`app.second`", "one of `low`, `high` (or the enum's members)"],
    ]


def test_no_differences_no_section() -> None:
    plain = CATALOG.split("differences:", 1)[0]
    markdown = outputs_of(load_catalog_text(plain, "app.yaml"))["EVENTS.md"]
    assert "Differences from" not in markdown


def test_the_event_name_is_computed_into_every_event(
    generate_module: GenerateFn, tmp_path: Path
) -> None:
    module = generate_module(CATALOG)
    telemetry = Telemetry(OtelConfig(), service_version="t")
    conversation = telemetry.conversation(module.Metadata())
    with telemetry.capture() as captured:
        module.first(conversation, took_ms=1)
        module.second(conversation, took_ms=2, level="high")
    assert [dict(e.attributes) for e in captured] == [
        {"event.name": "app.first", "took_ms": 1},
        {"event.name": "app.second", "took_ms": 2, "level": "high"},
    ]
    outputs = outputs_of(load_catalog_text(CATALOG, "app.yaml"))
    for event in captured:
        schema = json.loads(outputs[f"schemas/{event.name}.json"])
        assert schema["properties"]["event.name"]["const"] == event.name
        jsonschema.validate(dict(event.attributes), schema)
        wrong = {**event.attributes, "event.name": "app.other"}
        assert not jsonschema.Draft202012Validator(schema).is_valid(wrong)


def test_a_computed_event_name_must_be_a_string() -> None:
    bad = CATALOG.replace(
        "{key: event.name, type: string, description: The event's name.}",
        "{key: event.name, type: int, description: The event's name.}",
    )
    with pytest.raises(CatalogError, match="a computed event name must be a string attribute"):
        load_catalog_text(bad, "app.yaml")


def test_the_bundled_differences_list_every_retyped_and_capped_attribute() -> None:
    """Codex's catalog: the tables name exactly the attributes the YAML marks."""
    document = yaml.safe_load((REPO / "schema" / "catalog.yaml").read_text(encoding="utf-8"))
    retyped = {a["key"] for a in document["attributes"] if "reference_type" in a}
    capped = {a["key"] for a in document["attributes"] if "max_length" in a}
    assert retyped == {
        "duration_ms",
        "input_token_count",
        "output_token_count",
        "tool_token_count",
        "prompt_length",
    }
    markdown = outputs_of(load_catalog(REPO / "schema" / "catalog.yaml"))["EVENTS.md"]
    differences = section(markdown, "## Differences from Codex\n")
    types = differences.split("### Types", 1)[1].split("###")[0]
    caps = differences.split("### Truncation caps", 1)[1].split("###")[0]
    assert {row[0].strip("`") for row in rows(types)} == retyped
    assert {row[0].strip("`") for row in rows(caps)} == capped
    assert (REPO / "generated" / "EVENTS.md").read_text(encoding="utf-8") == markdown
