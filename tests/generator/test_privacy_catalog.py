"""Privacy by class in the catalog: `sensitivity` on attributes, `mode` in a policy, what
the generator refuses (each at file:line:col), the computed `<key>.length` companion, and
the keys a generated package registers for the runtime to scan."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codex_otel.generator import (
    CatalogError,
    load_catalog,
    load_catalog_text,
    render,
    write_outputs,
)
from codex_otel.runtime import OtelConfig, Telemetry, _catalogs
from support.generation import GenerateFn

BUNDLED = Path(__file__).resolve().parents[2] / "schema" / "catalog.yaml"

BASE = """\
catalog_version: 1.0.0
toggles:
  log_text:
    default: false
    description: Export text.
attributes:
  - key: session.id
    type: string
    sensitivity: identifier
    description: Session.
  - key: text
    type: string
    sensitivity: content
    max_length: 100
    description: Some text.
    redact: {toggle: log_text, placeholder: "[REDACTED]", mode: hash}
  - key: size
    type: int
    minimum: 0
    maximum: 10
    description: Size.
common:
  attributes:
    - {ref: session.id, requirement: required}
events:
  - name: app.said
    description: Said.
    attributes:
      - {ref: text, requirement: required}
      - {ref: size, requirement: optional}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(text, "cat.yaml")
    return [str(d) for d in caught.value.diagnostics]


def only_error(text: str) -> str:
    errors = errors_of(text)
    assert len(errors) == 1, errors
    return errors[0]


def test_the_base_catalog_is_valid_and_keeps_class_and_mode() -> None:
    catalog = load_catalog_text(BASE, "cat.yaml")
    text = catalog.events[0].attributes[0]
    assert (text.sensitivity, text.redact and text.redact.mode) == ("content", "hash")
    assert catalog.common[0].sensitivity == "identifier"
    assert catalog.events[0].attributes[1].sensitivity == "metadata"  # the default


def test_a_content_attribute_without_a_policy_is_refused() -> None:
    text = BASE.replace(
        '    redact: {toggle: log_text, placeholder: "[REDACTED]", mode: hash}\n', ""
    )
    error = only_error(text)
    assert error.startswith("cat.yaml:13:18: error: attributes[1].sensitivity: ")
    assert "attribute 'text' is content, but has no `redact` policy" in error


def test_keep_is_no_mode_a_catalog_may_choose() -> None:
    error = only_error(BASE.replace("mode: hash}", "mode: keep}"))
    assert error.startswith(
        "cat.yaml:16:65: error: attributes[1].redact.mode: 'keep' is not one of"
    )
    assert "`keep` is what a policy's toggle does when it is on" in error


def test_a_mode_not_one_of_the_four_is_refused() -> None:
    error = only_error(BASE.replace("mode: hash}", "mode: mask}"))
    assert error.startswith(
        "cat.yaml:16:65: error: attributes[1].redact.mode: 'mask' is not one of"
    )
    assert "['redact', 'length', 'hash', 'drop']" in error
    assert "hint: use one of the allowed values" in error


def test_an_unknown_class_is_refused() -> None:
    error = only_error(BASE.replace("sensitivity: identifier", "sensitivity: secret"))
    assert error.startswith("cat.yaml:9:18: error: attributes[0].sensitivity: 'secret' is not one")


def test_a_policy_attribute_on_a_metric_is_refused() -> None:
    text = BASE + (
        "metrics:\n"
        "  - name: app.texts\n"
        "    instrument: counter\n"
        "    unit: '1'\n"
        "    description: Texts.\n"
        "    attributes:\n"
        "      - {ref: text, requirement: required}\n"
    )
    error = only_error(text)
    assert error.startswith("cat.yaml:37:15: error: metrics[0].attributes[0].ref: ")
    assert "attribute 'text' is redacted, and metrics carry no redacted values" in error


def test_a_key_that_clashes_with_a_length_companion_is_refused() -> None:
    text = BASE.replace(
        "  - key: size\n",
        "  - key: text.length\n    type: int\n    description: Clash.\n  - key: size\n",
    )
    error = only_error(text)
    assert error.startswith("cat.yaml:29:11: error: events[0].name: ")
    assert "whose `length` mode sends 'text.length', which is also a defined attribute" in error


def test_the_length_companion_is_computed_optional_and_no_argument() -> None:
    event = load_catalog_text(BASE, "cat.yaml").events[0]
    assert [a.key for a in event.attributes] == ["text", "size", "text.length"]
    companion = event.attributes[-1]
    assert (companion.computed, companion.length_of, companion.is_required) == (
        "length",
        "text",
        False,
    )
    assert [a.key for a in event.argument_attributes] == ["text", "size"]
    files = {f.path: f.text for f in render(load_catalog_text(BASE, "cat.yaml"))}
    schema = json.loads(files["schemas/app.said.json"])
    length = schema["properties"]["text.length"]
    assert (length["type"], length["minimum"], length["x-length-of"]) == ("integer", 0, "text")
    # A policy attribute may be absent (length and drop modes), and a hash is 64 characters.
    assert "text" not in schema["required"]
    assert schema["properties"]["text"]["maxLength"] == 100
    assert schema["properties"]["text"]["x-off-mode"] == "hash"
    assert schema["properties"]["text"]["x-sensitivity"] == "content"
    emitter = next(
        node
        for node in ast.walk(ast.parse(files["events.py"]))
        if isinstance(node, ast.FunctionDef) and node.name == "app_said"
    )
    assert [a.arg for a in emitter.args.kwonlyargs] == ["text", "size"]


def test_emitters_store_a_policy_attribute_with_one_protect_call() -> None:
    source = {f.path: f.text for f in render(load_catalog_text(BASE, "cat.yaml"))}["events.py"]
    calls = [
        ast.unparse(node)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "conversation.protect"
    ]
    assert calls == [
        "conversation.protect(_attributes, 'text', text, 'log_text', '[REDACTED]', 'hash', 100)"
    ]
    assert "conversation.allows" not in source


def test_the_package_registers_the_scanned_keys_with_their_caps(tmp_path: Path) -> None:
    write_outputs(render(load_catalog_text(BASE, "cat.yaml")), tmp_path / "said_package")
    # In a child process: a registration lasts as long as the process does.
    script = (
        "import json, said_package\n"
        "from codex_otel.runtime._catalogs import catalog_defaults\n"
        "print(json.dumps(dict(catalog_defaults().scanned)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == {"session.id": None, "text": 100}


def test_scanned_keys_merge_across_catalogs_keeping_the_larger_cap() -> None:
    first = _catalogs.CatalogDefaults(scanned={"a": 10, "b": None}, catalogs=1)
    second = _catalogs.CatalogDefaults(scanned={"a": 20, "b": 5, "c": 3}, catalogs=1)
    merged = _catalogs._merge([first, second])
    assert dict(merged.scanned) == {"a": 20, "b": None, "c": 3}


def test_the_bundled_catalog_classes_text_and_identifiers() -> None:
    catalog = load_catalog(BUNDLED)
    by_key = {a.key: a for _, a in catalog.policy_attributes}
    for key in ("prompt", "output", "arguments", "error.message", "auth.error"):
        assert by_key[key].sensitivity == "content", key
        assert by_key[key].redact is not None, key
    for key in ("call_id", "conversation.id", "user.account_id", "user.email"):
        assert by_key[key].sensitivity == "identifier", key
    # Spans carry no content, but their identifiers are scanned for secrets as the events' are.
    span_identifiers = {a.key for s in catalog.spans for a in s.attributes if a.is_scanned}
    assert span_identifiers == {"gen_ai.conversation.id", "gen_ai.tool.call.id"}
    assert all(a.sensitivity != "content" for s in catalog.spans for a in s.attributes)
    assert set(catalog.scanned) == set(by_key) | span_identifiers


def test_generated_emitters_run_through_protect(
    generate_module: GenerateFn, tmp_path: Path
) -> None:
    catalog = tmp_path / "cat.yaml"
    catalog.write_text(BASE.replace("app.said", "run.said"), encoding="utf-8")
    events = generate_module(str(catalog))
    # On: the text. Off: the catalog's off-mode, `hash` (BASE): 64 hex digits, the same for
    # the same text (it correlates), never the text or the placeholder.
    sent: dict[bool, list[object]] = {}
    for allowed in (True, False):
        tel = Telemetry(OtelConfig(toggles={"log_text": allowed}), service_version="t")
        conversation = tel.conversation(events.Metadata(session_id="s"))
        with tel.capture() as captured:
            events.run_said(conversation, text="x" * 5, size=1)
            events.run_said(conversation, text="x" * 5, size=1)
            events.run_said(conversation, text="y" * 5, size=1)
        sent[allowed] = [event.attributes["text"] for event in captured]
        assert [event.attributes["size"] for event in captured] == [1, 1, 1]
        tel.shutdown()
    assert sent[True] == ["x" * 5, "x" * 5, "y" * 5]
    same, again, other = (str(value) for value in sent[False])
    assert re.fullmatch("[0-9a-f]{64}", same), same
    assert same == again and other != same


def test_events_md_lists_each_class_and_policy_with_what_each_mode_sends() -> None:
    catalog = load_catalog(BUNDLED)
    docs = {f.path: f.text for f in render(catalog)}["EVENTS.md"]
    section = docs.split("## Attributes by sensitivity", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split(" | ")[0].strip("| `"): line.split(" | ")
        for line in section.splitlines()
        if line.startswith("| `")
    }
    toggles = {t.name: t for t in catalog.toggles}
    assert set(rows) == {a.key for _, a in catalog.policy_attributes}
    for _, attribute in catalog.policy_attributes:
        cells = rows[attribute.key]
        assert cells[2] == attribute.sensitivity
        if attribute.redact is None:
            assert cells[3:6] == ["none", "-", "-"]
            continue
        toggle = toggles[attribute.redact.toggle]
        assert cells[3:6] == [
            f"`{toggle.name}`",
            f"`{str(toggle.default).lower()}`",
            f"`{attribute.redact.mode}`",
        ]
        first = "keep" if toggle.default else attribute.redact.mode
        assert cells[6].startswith(f"`{first}`: ")
        for mode in ("keep", "redact", "length", "hash", "drop"):
            assert f"`{mode}`: " in cells[6]
        assert f"`{attribute.key}.length`" in cells[6]
        assert f"`{attribute.redact.placeholder}`" in cells[6]
