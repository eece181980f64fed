"""One failure test per class of error in a catalog's spans, each at file:line:col, and the
bundled catalog's span tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_otel.generator import CatalogError, load_catalog, load_catalog_text
from codex_otel.generator.model import Span

BUNDLED = Path(__file__).resolve().parents[2] / "schema" / "catalog.yaml"

VALID = """\
catalog_version: 1.0.0
namespace: app
toggles:
  log_text:
    default: false
    description: Export text.
attributes:
  - key: op.name
    type:
      members:
        - {value: run, description: Run.}
        - {value: call, description: Call.}
    description: Operation.
  - key: tool.name
    type: string
    description: Tool.
  - key: tokens
    type: int
    minimum: 0
    description: Tokens.
  - key: error.type
    type: string
    description: Error class.
  - key: prompt
    type: string
    sensitivity: content
    description: Prompt.
    redact: {toggle: log_text, placeholder: "[REDACTED]"}
  - key: status
    type: string
    cardinality: low
    description: Status.
events:
  - name: app.started
    description: Started.
    attributes:
      - {ref: prompt, requirement: optional}
metrics:
  - name: app.calls
    instrument: counter
    unit: "{call}"
    description: Calls.
    attributes:
      - {ref: status, requirement: required}
spans:
  - id: app.run
    name: "run {op.name}"
    kind: internal
    description: A run.
    events: [app.started]
    attributes:
      - {ref: op.name, requirement: required, value: run}
      - ref: tokens
        requirement: {conditional: when counted}
        known: end
  - id: app.tool_call
    name: "call {tool.name}"
    kind: client
    description: A call.
    parents: [app.run]
    metrics: [app.calls]
    attributes:
      - {ref: tool.name, requirement: required}
      - {ref: error.type, requirement: optional, known: end}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(text, "cat.yaml")
    return [str(d) for d in caught.value.diagnostics]


def only_error(text: str) -> str:
    errors = errors_of(text)
    assert len(errors) == 1, errors
    return errors[0]


def replaced(old: str, new: str, text: str = VALID) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_the_base_catalog_resolves_its_spans() -> None:
    catalog = load_catalog_text(VALID, "cat.yaml")
    run, call = catalog.spans
    assert (run.id, run.function_name, run.handle_name, run.constant_name) == (
        "app.run",
        "run_span",
        "RunSpan",
        "RUN_SPAN",
    )
    assert (run.root, run.parents, run.events, run.metrics) == (True, (), ("app.started",), ())
    assert (call.root, call.parents, call.metrics, call.kind) == (
        False,
        ("app.run",),
        ("app.calls",),
        "client",
    )
    assert run.name_keys == ("op.name",) and call.name_keys == ("tool.name",)
    op, tokens = run.attributes
    assert (op.known, op.fixed, op.computed) == ("start", "run", "fixed")
    assert (tokens.known, tokens.fixed, tokens.requirement) == ("end", None, "conditional")
    # The fixed value is no argument; the end attribute is a setter, not an argument.
    assert run.start_attributes == () and run.end_attributes == (tokens,)
    assert [a.key for a in call.start_attributes] == ["tool.name"]
    assert catalog.children("app.run") == (call,)
    assert catalog.span("app.tool_call") is call


def test_a_span_that_lists_itself_may_nest_in_itself() -> None:
    catalog = load_catalog_text(replaced("parents: [app.run]", "parents: [app.run, app.tool_call]"))
    assert catalog.span("app.tool_call").parents == ("app.run", "app.tool_call")
    assert not catalog.span("app.tool_call").root


def test_root_true_with_parents() -> None:
    catalog = load_catalog_text(
        replaced("parents: [app.run]", "parents: [app.run]\n    root: true")
    )
    assert catalog.span("app.tool_call").root


# --- structure -------------------------------------------------------------------------


def test_unknown_span_key_with_suggestion() -> None:
    error = only_error(replaced("parents: [app.run]", "parent: [app.run]"))
    assert error.startswith("cat.yaml:60:5: error: spans[1].parent: unknown key 'parent'")
    assert "did you mean 'parents'?" in error


def test_unknown_span_kind() -> None:
    error = only_error(replaced("kind: client", "kind: rpc"))
    assert error.startswith("cat.yaml:58:11: error: spans[1].kind: 'rpc' is not one of")


def test_unknown_known() -> None:
    error = only_error(replaced("known: end}", "known: later}"))
    assert error.startswith("cat.yaml:64:57: error: spans[1].attributes[1].known: 'later' is not")


@pytest.mark.parametrize("name", ['"call {tool.name"', '"call }"', '"call {Tool}"', '""'])
def test_malformed_span_name(name: str) -> None:
    error = only_error(replaced('name: "call {tool.name}"', f"name: {name}"))
    assert error.startswith("cat.yaml:57:11: error: spans[1].name: ")
    assert "hint: a span name is text with {attribute.key} placeholders" in error


def test_missing_span_kind() -> None:
    error = only_error(replaced("    kind: client\n", ""))
    assert error.startswith("cat.yaml:56:5: error: spans[1]: 'kind' is a required property")


def test_a_broken_span_does_not_hide_a_meaning_error_elsewhere() -> None:
    """The span with a structural error is cut; the other span's checks still run, and a
    reference to the cut span is not called undefined."""
    text = replaced("kind: internal", "kind: inner")
    text = replaced("metrics: [app.calls]", "metrics: [app.call]", text)
    assert [e.split(": error: ")[0] for e in errors_of(text)] == [
        "cat.yaml:48:11",
        "cat.yaml:61:15",
    ]
    assert "metric 'app.call' is not defined" in errors_of(text)[1]


# --- meaning ---------------------------------------------------------------------------


def test_duplicate_span_id() -> None:
    error = only_error(replaced("id: app.tool_call", "id: app.run"))
    assert error.startswith(
        "cat.yaml:56:9: error: spans[1].id: span 'app.run' is defined twice (first on line 46)"
    )


def test_undefined_parent_with_suggestion() -> None:
    error = only_error(replaced("parents: [app.run]", "parents: [app.runs]"))
    assert error.startswith(
        "cat.yaml:60:15: error: spans[1].parents[0]: parent span 'app.runs' is not defined"
    )
    assert "hint: did you mean 'app.run'?" in error


def test_parent_listed_twice() -> None:
    error = only_error(replaced("parents: [app.run]", "parents: [app.run, app.run]"))
    assert error.startswith(
        "cat.yaml:60:24: error: spans[1].parents[1]: parent span 'app.run' is listed twice"
    )


def test_undefined_event_with_suggestion() -> None:
    error = only_error(replaced("events: [app.started]", "events: [app.start]"))
    assert error.startswith(
        "cat.yaml:50:14: error: spans[0].events[0]: event 'app.start' is not defined"
    )
    assert "hint: did you mean 'app.started'?" in error


def test_undefined_metric() -> None:
    error = only_error(replaced("metrics: [app.calls]", "metrics: [app.requests]"))
    assert error.startswith(
        "cat.yaml:61:15: error: spans[1].metrics[0]: metric 'app.requests' is not defined"
    )
    assert "hint: name one defined under `metrics:`" in error


def test_an_event_name_is_no_metric() -> None:
    error = only_error(replaced("metrics: [app.calls]", "metrics: [app.started]"))
    assert "metric 'app.started' is not defined" in error


def test_placeholder_that_is_no_attribute() -> None:
    error = only_error(replaced('name: "call {tool.name}"', 'name: "call {tool.nam}"'))
    assert error.startswith(
        "cat.yaml:57:11: error: spans[1].name: the name's placeholder {tool.nam} is not an "
        "attribute of span 'app.tool_call'"
    )
    assert "hint: did you mean 'tool.name'?" in error


def test_placeholder_of_a_defined_attribute_the_span_does_not_use() -> None:
    error = only_error(replaced('name: "call {tool.name}"', 'name: "call {tool.name} {status}"'))
    assert "the name's placeholder {status} is not an attribute of span" in error
    assert "hint: add `- {ref: status, requirement: required}` to the span's attributes" in error


def test_placeholder_known_only_at_end() -> None:
    error = only_error(replaced('name: "call {tool.name}"', 'name: "call {error.type}"'))
    assert error.startswith(
        "cat.yaml:57:11: error: spans[1].name: the name's placeholder {error.type} is known "
        "only at the span's end, but the name is set when it starts"
    )
    assert "hint: make 'error.type' `known: start`, or take it out of the name" in error


def test_content_on_a_span() -> None:
    error = only_error(
        replaced(
            "      - {ref: tool.name, requirement: required}\n",
            "      - {ref: tool.name, requirement: required}\n"
            "      - {ref: prompt, requirement: optional}\n",
        )
    )
    assert error.startswith(
        "cat.yaml:64:15: error: spans[1].attributes[1].ref: span 'app.tool_call' carries "
        "attribute 'prompt', which is content: spans carry sizes and counts, never content"
    )
    assert "hint: leave the value to the events" in error


def test_a_redacted_attribute_on_a_span() -> None:
    text = replaced("    sensitivity: content\n", "    sensitivity: identifier\n")
    text = replaced(
        "      - {ref: tool.name, requirement: required}\n",
        "      - {ref: tool.name, requirement: required}\n      - {ref: prompt, requirement: optional}\n",
        text,
    )
    error = only_error(text)
    assert "carries attribute 'prompt', which is under a privacy policy" in error


def test_undefined_attribute_on_a_span() -> None:
    placeholder, error = errors_of(
        replaced(
            "{ref: tool.name, requirement: required}", "{ref: tool.nme, requirement: required}"
        )
    )
    assert error.startswith(
        "cat.yaml:63:15: error: spans[1].attributes[0].ref: attribute 'tool.nme' is not defined"
    )
    assert "did you mean 'tool.name'?" in error
    # The name's placeholder now names an attribute the span does not use.
    assert "spans[1].name: the name's placeholder {tool.name} is not an attribute" in placeholder


def test_attribute_used_twice_on_a_span() -> None:
    error = only_error(
        replaced(
            "      - {ref: error.type, requirement: optional, known: end}\n",
            "      - {ref: error.type, requirement: optional, known: end}\n"
            "      - {ref: tool.name, requirement: optional}\n",
        )
    )
    assert error.startswith(
        "cat.yaml:65:15: error: spans[1].attributes[2].ref: span 'app.tool_call' uses attribute "
        "'tool.name' twice"
    )


def test_root_false_without_parents() -> None:
    error = only_error(
        replaced("    events: [app.started]\n", "    events: [app.started]\n    root: false\n")
    )
    assert error.startswith(
        "cat.yaml:51:11: error: spans[0].root: span 'app.run' has no parents and is no root, "
        "so nothing may start it"
    )
    assert "hint: list the spans it starts under in `parents`, or remove `root: false`" in error


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("walk", "value 'walk' is not an enum (string)"),
        ("1", "value 1 is not an enum (string)"),
    ],
)
def test_fixed_value_of_the_wrong_type(value: str, message: str) -> None:
    error = only_error(replaced("value: run}", f"value: {value}}}"))
    assert error.startswith(f"cat.yaml:52:54: error: spans[0].attributes[0].value: {message}")


def test_fixed_value_outside_the_bounds() -> None:
    text = replaced(
        "        known: end\n  - id: app.tool_call",
        "        value: -1\n  - id: app.tool_call",
    )
    requirement, value = errors_of(text)
    assert value.startswith(
        "cat.yaml:55:16: error: spans[0].attributes[1].value: value -1 is outside the bounds "
        "of 'tokens' (at least 0)"
    )
    # ... and a fixed value is always sent, so it is required.
    assert requirement.startswith(
        "cat.yaml:54:22: error: spans[0].attributes[1].requirement: a fixed value is always sent"
    )


def test_fixed_value_known_only_at_end() -> None:
    error = only_error(replaced("value: run}", "value: run, known: end}"))
    assert error.startswith(
        "cat.yaml:52:66: error: spans[0].attributes[0].known: a fixed value is known when the "
        "span starts"
    )


def test_helper_name_of_an_emitter() -> None:
    error = only_error(
        replaced("  - name: app.started\n", "  - name: app.started\n    python_name: run_span\n")
    )
    assert error.startswith(
        "cat.yaml:47:9: error: spans[0].id: span 'app.run' gives the helper name 'run_span', "
        "which is also the emitter of 'app.started'"
    )
    assert "hint: set `python_name` on the span" in error


def test_two_spans_giving_one_helper_name() -> None:
    error = only_error(replaced("id: app.tool_call", "id: app.tool_call\n    python_name: run"))
    assert error.startswith(
        "cat.yaml:56:9: error: spans[1].id: span 'app.tool_call' gives the helper name "
        "'run_span', which is also the helper of span 'app.run'"
    )


def test_handle_class_of_an_enum() -> None:
    text = replaced("  - key: op.name\n", "  - key: op.name\n    python_name: run_span\n")
    error = only_error(text)
    assert "gives the handle class 'RunSpan', which is also an enum class" in error


def test_replacement_span_not_defined() -> None:
    error = only_error(
        replaced(
            "    parents: [app.run]\n",
            "    parents: [app.run]\n    deprecated: {note: Old., replacement: app.runn}\n",
        )
    )
    assert error.startswith(
        "cat.yaml:61:43: error: spans[1].deprecated.replacement: replacement span 'app.runn' "
        "is not defined"
    )
    assert "did you mean 'app.run'?" in error


# --- the bundled catalog ---------------------------------------------------------------


def _tree(spans: tuple[Span, ...], parent: str | None) -> dict[str, object]:
    return {
        s.id: _tree(spans, s.id)
        for s in spans
        if (parent in s.parents if parent else s.root) and s.id != parent
    }


def test_the_bundled_spans_form_the_turn_tree() -> None:
    catalog = load_catalog(BUNDLED)
    assert _tree(catalog.spans, None) == {
        "codex.turn": {
            "codex.api_request": {},
            "codex.tool_call": {"codex.tool_approval": {}},
        }
    }
    names = {s.id: (s.name, s.kind) for s in catalog.spans}
    assert names == {
        "codex.turn": ("invoke_agent {gen_ai.agent.name}", "internal"),
        "codex.api_request": ("{gen_ai.operation.name} {gen_ai.request.model}", "client"),
        "codex.tool_call": ("execute_tool {gen_ai.tool.name}", "internal"),
        "codex.tool_approval": ("tool_approval {gen_ai.tool.name}", "internal"),
    }


def test_the_bundled_spans_carry_sizes_and_counts_never_content() -> None:
    catalog = load_catalog(BUNDLED)
    for span in catalog.spans:
        for attribute in span.attributes:
            assert attribute.sensitivity != "content" and attribute.redact is None, attribute.key
    ends = {s.id: {a.key for a in s.end_attributes} for s in catalog.spans}
    usage = {
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.reasoning.output_tokens",
    }
    assert usage | {"gen_ai.response.model", "error.type"} <= ends["codex.api_request"]
    assert usage | {"error.type"} <= ends["codex.turn"]
    fixed = {s.id: {a.key: a.fixed for a in s.fixed_attributes} for s in catalog.spans}
    assert fixed["codex.api_request"] == {"gen_ai.operation.name": "chat"}
    assert fixed["codex.tool_call"] == {"gen_ai.operation.name": "execute_tool"}
    assert fixed["codex.turn"] == {"gen_ai.operation.name": "invoke_agent"}


def test_a_span_naming_a_metric_of_a_broken_metrics_section_is_not_called_undefined() -> None:
    error = only_error(replaced("instrument: counter", "instrument: meter"))
    assert error.startswith("cat.yaml:40:17: error: metrics[0].instrument: 'meter' is not one of")


def test_format_md_documents_every_key_of_a_span() -> None:
    """FORMAT.md's spans section names every key the JSON Schema allows on a span and on a
    span's attribute reference, and every span kind."""
    from codex_otel.generator.structure import format_schema

    text = (BUNDLED.parent / "FORMAT.md").read_text(encoding="utf-8")
    section = text[text.index("## Spans") : text.index("## Deprecations and renames")]
    definitions = format_schema()["$defs"]
    keys = set(definitions["span"]["properties"]) | set(
        definitions["span_attribute_ref"]["properties"]
    )
    assert len(keys) > 12  # the check is not vacuous
    assert sorted(k for k in keys if f"`{k}`" not in section) == []
    kinds = definitions["span"]["properties"]["kind"]["enum"]
    assert all(kind in section for kind in kinds)


def test_the_bundled_spans_follow_the_pinned_genai_conventions() -> None:
    """Every `gen_ai.*` and `error.type` attribute of a bundled span is one of the pinned
    conventions' attributes, of the same type (an enum's members among theirs), and the
    request and tool spans are named and kinded as the conventions' spans are."""
    from codex_otel.generator.semconv import load_semconv

    registry = load_semconv()
    catalog = load_catalog(BUNDLED)
    checked = 0
    for span in catalog.spans:
        for attribute in span.attributes:
            if not attribute.key.startswith(("gen_ai.", "error.")):
                continue
            convention = registry.attribute(attribute.key)
            assert convention.deprecation is None, attribute.key
            assert convention.type == attribute.type.base, attribute.key
            for member in attribute.type.members:
                assert convention.member(member.value) is not None, (attribute.key, member)
            checked += 1
    assert checked > 20
    inference = registry.span("span.gen_ai.inference.client")
    tool = registry.span("span.gen_ai.execute_tool.internal")
    agent = registry.span("span.gen_ai.invoke_agent.internal")
    pairs = (("codex.api_request", inference), ("codex.tool_call", tool), ("codex.turn", agent))
    for span_id, theirs in pairs:
        ours = catalog.span(span_id)
        assert (ours.name, ours.kind) == (theirs.name, theirs.kind), span_id
    # The conventions' required attributes of the request and tool spans are on ours.
    for span_id, theirs in pairs[:2]:
        keys = {a.key for a in catalog.span(span_id).attributes}
        required = {u.id for u in theirs.attributes if u.requirement == "required"}
        assert required <= keys, (span_id, required - keys)
