"""The span API over the real trace pipeline (`trace_exporter`, `start_traces`): spans and
the log records inside them reach a real OTLP/HTTP receiver with matching ids; the
config's `span_parents = "raise"` and `span_attributes`; a span left open is delivered at
shutdown with an error status; the stats count what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_otel.generated import events
from codex_otel.runtime import (
    OtelConfig,
    SpanDefinition,
    SpanHandle,
    SpanParentError,
    Telemetry,
    load_config,
)
from codex_otel.runtime.spans import SHUTDOWN_ERROR_TYPE
from receivers import OtlpHttpReceiver
from support.metadata import make_metadata

pytestmark = pytest.mark.wire

TURN = SpanDefinition("codex.turn", "invoke_agent", "internal", frozenset(), True)
TOOL = SpanDefinition(
    "codex.tool_call",
    "execute_tool {gen_ai.tool.name}",
    "internal",
    frozenset({"codex.turn"}),
    False,
    ("gen_ai.tool.name",),
)


def traces_config(receiver: OtlpHttpReceiver, extra: str = "") -> OtelConfig:
    return load_config(
        text=(
            "[otel]\n"
            f'exporter = {{ otlp-http = {{ endpoint = "{receiver.endpoint}" }} }}\n'
            f'trace_exporter = {{ otlp-http = {{ endpoint = "{receiver.traces_endpoint}" }} }}\n'
            f"{extra}"
        ),
        environ={},
    )


def test_spans_and_the_events_inside_them_reach_the_collector_with_matching_ids(
    http_receiver: OtlpHttpReceiver,
) -> None:
    telemetry = Telemetry(traces_config(http_receiver), service_version="1")
    assert telemetry.exporting_traces
    conversation = telemetry.conversation(make_metadata())
    with conversation.start_span(TURN, {}, SpanHandle):
        events.api_request(conversation, attempt=1, duration_ms=3)
        with conversation.start_span(TOOL, {"gen_ai.tool.name": "shell"}, SpanHandle):
            events.api_request(conversation, attempt=2, duration_ms=3)
    assert telemetry.shutdown(10)
    spans = {span.name: span for span in http_receiver.received_spans()}
    assert set(spans) == {"invoke_agent", "execute_tool shell"}
    turn, tool = spans["invoke_agent"], spans["execute_tool shell"]
    assert tool.parent_span_id == turn.span_id and turn.parent_span_id == ""
    assert tool.trace_id == turn.trace_id
    assert tool.attributes["gen_ai.tool.name"] == "shell"
    records = {int(str(r.attributes["attempt"])): r for r in http_receiver.received_records()}
    assert (records[1].trace_id, records[1].span_id) == (turn.trace_id, turn.span_id)
    assert (records[2].trace_id, records[2].span_id) == (tool.trace_id, tool.span_id)
    stats = telemetry.stats
    assert (stats.spans_dropped, stats.span_export_failures, stats.spans_pending) == (0, 0, 0)


def test_span_parents_raise_refuses_a_parent_the_catalog_does_not_allow(
    http_receiver: OtlpHttpReceiver,
) -> None:
    telemetry = Telemetry(
        traces_config(http_receiver, 'span_parents = "raise"\n'), service_version="1"
    )
    conversation = telemetry.conversation(make_metadata())
    ran = False
    with (
        pytest.raises(SpanParentError) as raised,
        conversation.start_span(TOOL, {"gen_ai.tool.name": "shell"}, SpanHandle),
    ):
        ran = True  # never: entering raised
    assert not ran
    assert str(raised.value) == (
        "span codex.tool_call started with no catalog span as parent; the catalog allows "
        "parents: codex.turn"
    )
    with (
        pytest.raises(SpanParentError, match=r"span codex\.turn started under codex\.turn"),
        conversation.start_span(TURN, {}, SpanHandle),
        conversation.start_span(TURN, {}, SpanHandle),
    ):
        pass
    assert telemetry.stats.span_parent_errors == 2
    assert telemetry.shutdown(10)
    # Neither refused span was started; the outer turn was, and ended with the error.
    [turn] = http_receiver.received_spans()
    assert turn.name == "invoke_agent" and turn.status == "error"
    assert turn.attributes["error.type"] == "codex_otel.runtime.spans.SpanParentError"


def test_span_attributes_of_the_config_are_on_every_span(http_receiver: OtlpHttpReceiver) -> None:
    extra = 'span_attributes = { "deployment" = "ci", "gen_ai.tool.name" = "constant" }\n'
    telemetry = Telemetry(traces_config(http_receiver, extra), service_version="1")
    conversation = telemetry.conversation(make_metadata())
    with (
        telemetry.capture_spans() as captured,
        conversation.start_span(TURN, {}, SpanHandle),
        conversation.start_span(TOOL, {"gen_ai.tool.name": "shell"}, SpanHandle),
    ):
        pass
    assert telemetry.shutdown(10)
    received = {span.name: span.attributes for span in http_receiver.received_spans()}
    assert [attributes["deployment"] for attributes in received.values()] == ["ci", "ci"]
    assert [span.attributes["deployment"] for span in captured] == ["ci", "ci"]
    # A constant wins over the span's own value (as Codex's processor sets it), the name
    # keeps the span's own.
    assert received["execute_tool shell"]["gen_ai.tool.name"] == "constant"


def test_span_attributes_also_reach_subscribers_with_no_trace_exporter() -> None:
    config = load_config(
        text='[otel]\nspan_attributes = { "deployment" = "ci", "gen_ai.tool.name" = "constant" }\n',
        environ={},
    )
    telemetry = Telemetry(config, service_version="1")
    conversation = telemetry.conversation(make_metadata())
    with (
        telemetry.capture_spans() as captured,
        conversation.start_span(TOOL, {"gen_ai.tool.name": "shell"}, SpanHandle),
    ):
        pass
    telemetry.shutdown(1.0)
    assert [span.name for span in captured] == ["execute_tool shell"]
    assert [dict(span.attributes) for span in captured] == [
        {"gen_ai.tool.name": "constant", "deployment": "ci"}
    ]


def test_a_span_left_open_is_delivered_at_shutdown_with_an_error(
    http_receiver: OtlpHttpReceiver,
) -> None:
    telemetry = Telemetry(traces_config(http_receiver), service_version="1")
    conversation = telemetry.conversation(make_metadata())
    scope = conversation.start_span(TURN, {}, SpanHandle)
    scope.__enter__()  # a turn whose block never ends (a crashed tool call's)
    try:
        assert telemetry.shutdown(10)
    finally:
        scope.__exit__(None, None, None)  # the test's context back as it was
    [turn] = http_receiver.received_spans()
    assert turn.status == "error"
    assert turn.attributes["error.type"] == SHUTDOWN_ERROR_TYPE
    assert telemetry.stats.spans_ended_at_shutdown == 1


def test_what_the_sdk_logs_while_a_span_ends_is_counted_not_printed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    config = load_config(
        text=(
            "[otel]\n"
            f'trace_exporter = {{ file = {{ path = "{tmp_path}/spans.jsonl" }} }}\n'
            "[otel.batch]\nmax_queue_size = 2\nmax_export_batch_size = 1\n"
            "schedule_delay_ms = 60000\n"
        ),
        environ={},
    )
    telemetry = Telemetry(config, service_version="1")
    conversation = telemetry.conversation(make_metadata())
    for _ in range(50):  # the queue holds 2: the SDK says "Queue full" on this thread
        with conversation.start_span(TURN, {}, SpanHandle):
            pass
    stats = telemetry.stats
    telemetry.shutdown(5)
    assert stats.spans_dropped > 0
    assert stats.sdk_messages > 0
    assert "Queue full" not in capfd.readouterr().err
