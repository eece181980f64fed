"""The span checker's core without a socket: decoding OTLP/JSON spans (ids in hex, enums by
number or name), the bounded parent bookkeeping, findings folded past the key limit, and
the report's formats naming spans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codex_otel.generator import bundled_catalog_path, load_catalog
from codex_otel.livecheck import InvalidRequest, LiveChecker, build_report, decode_json_line, render
from codex_otel.livecheck.records import LiveSpan, ResourceSpans
from codex_otel.livecheck.session import Session
from codex_otel.livecheck.span_tree import NOT_IN_CATALOG, NOT_RECEIVED, ROOT, SpanTree

CATALOG = load_catalog(bundled_catalog_path())
TURN: dict[str, Any] = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "codex"}
TOOL: dict[str, Any] = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "shell"}


def traces(*spans: dict[str, object]) -> str:
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "codex"}}]}
    return json.dumps(
        {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": list(spans)}]}]}
    )


def json_span(name: str, span_id: str, **fields: object) -> dict[str, object]:
    return {"traceId": "AB" * 16, "spanId": span_id, "name": name, **fields}


def test_json_spans_decode_ids_in_hex_and_enums_by_number_or_name() -> None:
    [batch] = decode_json_line(
        traces(
            json_span("a", "01" * 8, kind=3, status={"code": 2}, parentSpanId="02" * 8),
            json_span("b", "02" * 8, kind="SPAN_KIND_SERVER", status={"code": "STATUS_CODE_OK"}),
            json_span("c", "03" * 8, kind=9, events=[{"name": "exception"}]),
        )
    )
    assert isinstance(batch, ResourceSpans)
    a, b, c = batch.spans
    assert (a.kind, a.status, a.trace_id, a.parent_span_id) == (
        "client",
        "error",
        "ab" * 16,
        "02" * 8,
    )
    assert (b.kind, b.status, b.parent_span_id) == ("server", "ok", "")
    # An unknown kind is kept as sent (it then matches no catalog span's), never dropped.
    assert (c.kind, c.status, c.events) == ("kind 9", "unset", (("exception", {}),))


@pytest.mark.parametrize(
    ("span", "problem"),
    [
        (
            json_span("a", "xyz"),
            "resourceSpans[0].scopeSpans[0].spans[0].spanId: expected a hex string",
        ),
        (json_span("a", "01", kind="CLIENT"), "spans[0].kind: not a kind: 'CLIENT'"),
        (json_span("a", "01", status=[]), "spans[0].status: expected an object"),
        (json_span("a", "01", events=[{"name": 3}]), "spans[0].events[0].name: expected a string"),
        (json_span(7, "01"), "spans[0].name: expected a string"),  # type: ignore[arg-type]
    ],
)
def test_a_malformed_json_span_is_an_invalid_request_naming_where(
    span: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidRequest) as error:
        decode_json_line(traces(span), "traces")
    assert problem in str(error.value)


def test_the_span_tree_resolves_parents_in_any_order_and_stays_bounded() -> None:
    tree: SpanTree[str] = SpanTree(limit=2)
    assert tree.received("t", "c", "p", "codex.tool_call", "child") == []  # waits
    assert tree.received("t", "p", "", "codex.turn", "parent") == [
        ("child", "codex.turn", "codex.turn"),
        ("parent", None, ROOT),
    ]
    assert tree.received("t", "x", "u", None, None) == []  # unknown, nothing to check
    assert tree.received("t", "y", "x", "codex.tool_call", "under unknown") == [
        ("under unknown", None, NOT_IN_CATALOG)
    ]
    # Past the limit the oldest waiting span gives up: checked as having no catalog parent.
    tree.received("t", "w1", "gone1", "s", "w1")
    tree.received("t", "w2", "gone2", "s", "w2")
    assert tree.received("t", "w3", "gone3", "s", "w3") == [("w1", None, NOT_RECEIVED)]
    assert tree.finish() == [("w2", None, NOT_RECEIVED), ("w3", None, NOT_RECEIVED)]
    assert tree.finish() == []
    assert len(tree._received) <= 2


def span(name: str, span_id: str, parent: str = "", **attributes: object) -> LiveSpan:
    kind = "client" if name.startswith("chat") else "internal"
    return LiveSpan(name, kind, "t" * 32, span_id, parent, dict(attributes))


def test_unknown_span_names_fold_past_the_key_limit_and_the_formats_name_spans() -> None:
    checker = LiveChecker(CATALOG, max_keys=3)
    for number in range(10):
        checker.check_span(span(f"probe {number}", f"{number:016x}"), f"line {number}")
    checker.check_span(span("execute_tool shell", "a" * 16, **{**TOOL, "prompt": "hi"}), "x")
    report = build_report(checker)
    unknown = [f for f in report.findings if f.kind == "unknown_span"]
    # Three names kept, the other seven in one entry (the most frequent: first).
    assert [(f.span, f.count) for f in unknown] == [
        ("(other)", 7), ("probe 0", 1), ("probe 1", 1), ("probe 2", 1),
    ]  # fmt: skip
    text = render(report, "text")
    assert "live-check: 0 records and 11 spans in 0 requests" in text
    assert "spans 1/4 (25%)" in text
    assert "spans never seen: codex.turn, codex.api_request, codex.tool_approval" in text
    markdown = render(report, "markdown")
    assert "| span probe 0 |" in markdown
    # Past the limit too, content on a span is its own finding, its value never shown.
    content = next(f for f in report.findings if f.kind == "span_content")
    assert (content.span, content.attribute) == ("(other)", "(other)")
    assert content.examples[0].redacted and content.examples[0].value is None


def test_max_records_counts_spans_and_stops_exactly_there() -> None:
    session = Session(LiveChecker(CATALOG), max_records=2)
    session.check_line(
        traces(
            json_span("execute_tool shell", "01" * 8, attributes=[]),
            json_span("probe", "02" * 8),
            json_span("probe", "03" * 8),
        ),
        "in:1",
    )
    assert session.stopped.is_set()
    report = session.report("error")
    assert report.spans == 2


def test_a_name_of_a_templates_shape_that_its_attributes_do_not_give_names_the_template() -> None:
    checker = LiveChecker(CATALOG)
    checker.check_span(span("invoke_agent claude", "1" * 16, **TURN), "here")
    [finding] = build_report(checker).findings
    assert finding.kind == "unknown_span"
    assert finding.message == (
        "no catalog span is named 'invoke_agent claude': it has the shape of 'codex.turn' "
        "('invoke_agent {gen_ai.agent.name}'), but the span's 'gen_ai.agent.name' do not "
        "fill it so"
    )


def test_keys_of_the_senders_span_attributes_are_accepted_as_strings_when_named() -> None:
    region: dict[str, Any] = {**TOOL, "deployment.region": "eu-west-1"}
    plain = LiveChecker(CATALOG)
    plain.check_span(span("execute_tool shell", "1" * 16, **region), "here")
    # (A tool call alone has no turn above it: span_parent, either way.)
    kinds = {(f.kind, f.attribute) for f in build_report(plain).findings}
    assert kinds == {("span_parent", None), ("unknown_attribute", "deployment.region")}
    told = LiveChecker(CATALOG, span_attributes=["deployment.region"])
    told.check_span(span("execute_tool shell", "1" * 16, **region), "here")
    told.check_span(span("execute_tool shell", "2" * 16, **{**TOOL, "deployment.region": 3}), "x")
    kinds = {(f.kind, f.attribute) for f in build_report(told).findings}
    assert kinds == {("span_parent", None), ("type_mismatch", "deployment.region")}


#: mini.yaml (no namespace, unlike Codex's catalog) with spans of its own: a build that may
#: nest in itself, a step under it with a fixed name, and a deprecated step.
SPANNED = (
    (Path(__file__).parents[1] / "generator" / "fixtures" / "mini.yaml").read_text(encoding="utf-8")
    + """
spans:
  - id: build
    name: "build {build.id}"
    kind: server
    description: One build.
    parents: [build]
    root: true
    attributes:
      - {ref: build.id, requirement: required}
  - id: build.step
    name: step
    kind: internal
    description: One step.
    parents: [build]
    attributes:
      - {ref: step.name, requirement: required}
      - {ref: step.ratio, requirement: optional, known: end}
  - id: build.step_old
    name: old step
    kind: internal
    description: One step, as it was.
    deprecated: {note: Use build.step., replacement: build.step}
    parents: [build]
"""
)


def test_an_application_catalogs_spans_fixed_names_self_nesting_bounds_and_deprecation(
    tmp_path: Path,
) -> None:
    path = tmp_path / "spanned.yaml"
    path.write_text(SPANNED, encoding="utf-8")
    checker = LiveChecker(load_catalog(path))
    outer = LiveSpan("build 7", "server", "t" * 32, "1" * 16, "", {"build.id": 7})
    inner = LiveSpan("build 8", "server", "t" * 32, "2" * 16, "1" * 16, {"build.id": 8})
    step = LiveSpan("step", "internal", "t" * 32, "3" * 16, "2" * 16, {"step.name": "test"})
    bad = step._replace(span_id="4" * 16, attributes={"step.name": "x", "step.ratio": 2.0})
    old = LiveSpan("old step", "internal", "t" * 32, "5" * 16, "1" * 16, {})
    for each in (step, bad, old, inner, outer):  # children first, as exporters send them
        checker.check_span(each, "here")
    report = build_report(checker)
    kinds = {(f.kind, f.span, f.attribute) for f in report.findings}
    assert kinds == {
        ("out_of_bounds", "build.step", "step.ratio"),
        ("deprecated", "build.step_old", None),
    }
    assert report.coverage["spans"]["unseen"] == []
    # The step alone: its parent build never came, and a step may not be a root.
    alone = LiveChecker(load_catalog(path))
    alone.check_span(step, "here")
    [parent] = build_report(alone).findings
    assert (parent.kind, parent.message) == (
        "span_parent",
        "span 'build.step' must start under build",
    )
