"""The loader refuses a malformed snapshot with the file and the item, and follows renames."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from codex_otel.generator.semconv import SemconvError, load_semconv_file, snapshot_dir

Edit = Callable[[dict[str, Any]], None]


def shipped() -> dict[str, Any]:
    newest = sorted(snapshot_dir().glob("gen_ai-*.yaml"))[-1]
    document: dict[str, Any] = yaml.safe_load(newest.read_text(encoding="utf-8"))
    return document


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "gen_ai-1.2.3.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def set_in(*keys: str | int, value: object) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        node: Any = document
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return edit


def drop_attribute(name: str) -> Edit:
    return lambda document: document["attributes"].pop(name)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (set_in("format", value=2), "format: expected 1, found 2"),
        (
            set_in("attributes", "gen_ai.request.model", "type", value="str"),
            "attributes.gen_ai.request.model: unknown type 'str'",
        ),
        (
            set_in("attributes", "gen_ai.token.type", "members", 0, "value", value=1),
            "attributes.gen_ai.token.type.members[0]: value 1 is not of the enum's type string",
        ),
        (
            set_in("metrics", "gen_ai.client.token.usage", "instrument", value="timer"),
            "metrics.gen_ai.client.token.usage: unknown instrument 'timer'",
        ),
        (
            set_in(
                "metrics", "gen_ai.client.operation.duration", "bucket_boundaries", value=[1, 0.5]
            ),
            "metrics.gen_ai.client.operation.duration: bucket_boundaries must increase",
        ),
        (
            set_in(
                "spans",
                "span.gen_ai.execute_tool.internal",
                "attributes",
                "gen_ai.tool.name",
                "requirement",
                value="must",
            ),
            "spans.span.gen_ai.execute_tool.internal.attributes.gen_ai.tool.name: unknown requirement 'must'",
        ),
        (
            drop_attribute("gen_ai.token.type"),
            "metrics.gen_ai.client.token.usage: attribute gen_ai.token.type is not in the snapshot",
        ),
        (
            set_in("attributes", "gen_ai.prompt", "deprecated", value={"note": "gone"}),
            "attributes.gen_ai.prompt.deprecated: reason must be a string",
        ),
        (set_in("events", value=[]), "events: expected a mapping, found list"),
    ],
)
def test_a_malformed_snapshot_names_file_and_item(tmp_path: Path, edit: Edit, message: str) -> None:
    document = copy.deepcopy(shipped())
    edit(document)
    path = write(tmp_path, document)
    with pytest.raises(SemconvError) as raised:
        load_semconv_file(path)
    assert str(raised.value).startswith(f"{path}: {message}")


def test_not_yaml_or_missing_is_an_error_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "gen_ai-1.0.0.yaml"
    broken.write_text("attributes: [", encoding="utf-8")
    with pytest.raises(SemconvError, match=f"^{broken}: cannot read the snapshot"):
        load_semconv_file(broken)
    with pytest.raises(SemconvError, match="cannot read the snapshot"):
        load_semconv_file(tmp_path / "absent.yaml")


def test_renames_are_followed_and_a_cycle_is_an_error(tmp_path: Path) -> None:
    document = shipped()
    attributes = document["attributes"]
    attributes["x.old"] = {
        "type": "int",
        "brief": "",
        "defined_in": "t",
        "deprecated": {"reason": "renamed", "renamed_to": "x.mid"},
    }
    attributes["x.mid"] = {
        "type": "int",
        "brief": "",
        "defined_in": "t",
        "deprecated": {"reason": "renamed", "renamed_to": "gen_ai.usage.input_tokens"},
    }
    attributes["x.a"] = {
        "type": "int",
        "brief": "",
        "defined_in": "t",
        "deprecated": {"reason": "renamed", "renamed_to": "x.b"},
    }
    attributes["x.b"] = {
        "type": "int",
        "brief": "",
        "defined_in": "t",
        "deprecated": {"reason": "renamed", "renamed_to": "x.a"},
    }
    registry = load_semconv_file(write(tmp_path, document))
    assert registry.current_name("x.old") == "gen_ai.usage.input_tokens"
    assert registry.current_name("gen_ai.usage.input_tokens") == "gen_ai.usage.input_tokens"
    with pytest.raises(SemconvError, match=r"rename cycle x\.a -> x\.b"):
        registry.current_name("x.a")


def test_lookups_by_type_unit_and_deprecation() -> None:
    document = shipped()
    registry = load_semconv_file(sorted(snapshot_dir().glob("gen_ai-*.yaml"))[-1])
    ints = {name for name, data in document["attributes"].items() if data["type"] == "int"}
    assert {a.id for a in registry.attributes_of_type("int")} == ints
    seconds = {name for name, data in document["metrics"].items() if data["unit"] == "s"}
    assert {m.name for m in registry.metrics_with_unit("s")} == seconds
    deprecated = {name for name, data in document["attributes"].items() if "deprecated" in data}
    assert {a.id for a in registry.deprecated_attributes()} == deprecated
    assert registry.attribute("gen_ai.provider.name").is_enum
    assert not registry.attribute("gen_ai.request.model").is_enum
