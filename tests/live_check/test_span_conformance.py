"""The in-process helper on spans: `otel_capture.spans` holds the catalog spans a test's
code ended (through the runtime's span API, as generated helpers call it), and
`assert_conforms()` holds them against the catalog as live-check holds received ones."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from codex_otel.generator import bundled_catalog_path, load_catalog
from codex_otel.generator.model import Span
from codex_otel.livecheck.conformance import assert_conforms, check_events
from codex_otel.livecheck.pytest_plugin import OtelCapture
from codex_otel.runtime import CapturedSpan, Conversation
from codex_otel.runtime.spans import SpanDefinition, SpanHandle, SpanScope
from support.metadata import CODEX_METADATA

CATALOG = load_catalog(bundled_catalog_path())
SPANS = {span.id: span for span in CATALOG.spans}
METADATA = dataclasses.replace(CODEX_METADATA, auth_mode=None, user_account_id=None)


def definition(span: Span) -> SpanDefinition:
    return SpanDefinition(
        span.id, span.name, span.kind, frozenset(span.parents), span.root, span.name_keys
    )


def start_attributes(span: Span) -> dict[str, Any]:
    """What a generated helper passes: the fixed values and an example of each attribute
    known at start."""
    out: dict[str, Any] = {}
    for attribute in span.attributes:
        if attribute.fixed is not None:
            out[attribute.key] = attribute.fixed
        elif attribute.known == "start":
            out[attribute.key] = attribute.examples[0]
    return out


def start(conversation: Conversation[Any], span_id: str, **extra: Any) -> SpanScope[SpanHandle]:
    span = SPANS[span_id]
    attributes = {**start_attributes(span), **extra}
    return conversation.start_span(definition(span), attributes, SpanHandle)


def test_the_catalog_span_tree_conforms_in_process(otel_capture: OtelCapture) -> None:
    conversation = otel_capture.telemetry.conversation(METADATA)
    with start(conversation, "codex.turn"):
        with start(conversation, "codex.api_request"):
            pass
        with start(conversation, "codex.tool_call"), start(conversation, "codex.tool_approval"):
            pass
    # Children end first.
    assert [span.definition for span in otel_capture.spans] == [
        "codex.api_request",
        "codex.tool_approval",
        "codex.tool_call",
        "codex.turn",
    ]
    report = otel_capture.assert_conforms()
    assert report.spans == 4 and report.findings == []
    assert report.coverage["spans"]["unseen"] == []


def test_a_failed_tool_call_conforms_its_error_type_being_the_catalogs(
    otel_capture: OtelCapture,
) -> None:
    conversation = otel_capture.telemetry.conversation(METADATA)
    turn, tool_call = start(conversation, "codex.turn"), start(conversation, "codex.tool_call")
    with turn, pytest.raises(TimeoutError), tool_call:
        raise TimeoutError
    [tool, _] = otel_capture.spans
    assert tool.status == "error" and tool.events == ("exception",)
    assert tool.attributes["error.type"] == "TimeoutError"
    otel_capture.assert_conforms()


def test_spans_that_drift_fail_naming_each_finding(otel_capture: OtelCapture) -> None:
    conversation = otel_capture.telemetry.conversation(METADATA)
    # An approval straight under the turn (the runtime counts it and starts it), with the
    # prompt on it.
    approval = start(conversation, "codex.tool_approval", prompt="delete everything")
    with start(conversation, "codex.turn"), approval:
        pass
    assert otel_capture.telemetry.stats.span_parent_errors == 1
    with pytest.raises(AssertionError) as failure:
        otel_capture.assert_conforms()
    message = str(failure.value)
    assert "span_parent span codex.tool_approval" in message
    assert "must start under codex.tool_call" in message
    assert "string 'codex.turn'" in message  # the parent it had
    assert "span_content span codex.tool_approval prompt" in message
    assert "delete everything" not in message


def captured(name: str, kind: str, span_id: str, parent: str | None, **attributes: Any) -> Any:
    return CapturedSpan(
        "codex.api_request", name, kind, attributes, "a" * 32, span_id,
        parent, None, "unset", (), 0, 1,
    )  # fmt: skip


def test_hand_built_captured_spans_are_checked_by_name_kind_and_parent() -> None:
    request = start_attributes(SPANS["codex.api_request"])
    turn = start_attributes(SPANS["codex.turn"])
    spans = [
        captured("chat gpt-5-codex", "internal", "1" * 16, "2" * 16, **request),
        captured("invoke_agent codex", "internal", "2" * 16, None, **turn),
    ]
    report = check_events([], spans=spans)
    assert [(f.kind, f.span) for f in report.findings] == [
        ("span_kind_mismatch", "codex.api_request")
    ]
    spans[0] = spans[0]._replace(kind="client")
    assert assert_conforms([], spans=spans).spans == 2
    # Under no parent at all, the request may not start.
    with pytest.raises(AssertionError, match=re.escape("must start under codex.turn")):
        assert_conforms([], spans=spans[:1])
