"""The span API (`Conversation.start_span`, `SpanScope`, `SpanHandle`) against real SDK
spans: a private `TracerProvider` with the SDK's `InMemorySpanExporter`, handed to
`Telemetry` through its tracer seam, and span subscribers."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from codex_otel.generated.events import Metadata
from codex_otel.runtime import (
    Attributes,
    CapturedSpan,
    Conversation,
    OtelConfig,
    SpanDefinition,
    SpanHandle,
    SpanScope,
    Telemetry,
)
from codex_otel.runtime.spans import SHUTDOWN_ERROR_TYPE
from support.metadata import make_metadata

TURN = SpanDefinition(
    "codex.turn",
    "invoke_agent {gen_ai.agent.name}",
    "internal",
    frozenset(),
    True,
    ("gen_ai.agent.name",),
)
TOOL = SpanDefinition(
    "codex.tool_call",
    "execute_tool {gen_ai.tool.name}",
    "internal",
    frozenset({"codex.turn"}),
    False,
    ("gen_ai.tool.name",),
)
REQUEST = SpanDefinition(
    "codex.api_request",
    "{gen_ai.operation.name} {gen_ai.request.model}",
    "client",
    frozenset({"codex.turn"}),
    False,
    ("gen_ai.operation.name", "gen_ai.request.model"),
)


class ToolCallSpan(SpanHandle):
    """A handle as the generator writes one: typed setters over `_set`."""

    __slots__ = ()

    def set_error_type(self, value: str) -> None:
        self._set("error.type", value)


class Traced:
    """A running `Telemetry` whose spans go to an in-memory exporter."""

    def __init__(self, config: OtelConfig | None = None) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(shutdown_on_exit=False)
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.telemetry = Telemetry(config, service_version="1")
        self.telemetry._use_tracer(self.provider.get_tracer("codex_otel"))
        self.conversation: Conversation[Metadata] = self.telemetry.conversation(make_metadata())

    def finished(self) -> dict[str, ReadableSpan]:
        return {span.name: span for span in self.exporter.get_finished_spans()}

    def turn(self) -> SpanScope[SpanHandle]:
        return self.conversation.start_span(TURN, {"gen_ai.agent.name": "codex"}, SpanHandle)

    def tool(self, name: str = "shell") -> SpanScope[ToolCallSpan]:
        return self.conversation.start_span(TOOL, {"gen_ai.tool.name": name}, ToolCallSpan)


@pytest.fixture
def traced() -> Iterator[Traced]:
    traced = Traced()
    yield traced
    traced.telemetry.shutdown(1.0)


def test_nested_spans_carry_their_parent_kind_and_attributes(traced: Traced) -> None:
    with traced.turn() as turn, traced.tool() as tool:
        assert turn.recording and tool.recording
    with traced.turn():
        request_attributes: Attributes = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-5",
        }
        with traced.conversation.start_span(REQUEST, request_attributes, SpanHandle):
            pass
    spans = traced.finished()
    assert set(spans) == {"invoke_agent codex", "execute_tool shell", "chat gpt-5"}
    tool_span = spans["execute_tool shell"]
    assert tool_span.parent is not None
    assert tool_span.parent.span_id == traced.exporter.get_finished_spans()[1].context.span_id
    assert dict(tool_span.attributes or {}) == {"gen_ai.tool.name": "shell"}
    assert spans["chat gpt-5"].kind is SpanKind.CLIENT
    assert spans["chat gpt-5"].parent is not None
    assert tool_span.status.status_code is StatusCode.UNSET
    assert traced.telemetry.stats.span_parent_errors == 0


def test_an_exception_sets_error_status_and_type_is_recorded_and_propagates(
    traced: Traced,
) -> None:
    error = ConnectionResetError("peer went away")
    with pytest.raises(ConnectionResetError) as raised, traced.turn(), traced.tool():
        raise error
    assert raised.value is error  # unchanged, never swallowed
    spans = traced.finished()
    for name in ("execute_tool shell", "invoke_agent codex"):
        span = spans[name]
        assert span.status.status_code is StatusCode.ERROR
        assert (span.attributes or {})["error.type"] == "ConnectionResetError"
        assert [event.name for event in span.events] == ["exception"]


def test_the_exception_event_has_its_message_only_with_error_details_on() -> None:
    messages = []
    for details in (True, False):
        config = OtelConfig(toggles={**OtelConfig().toggles, "log_error_details": details})
        traced = Traced(config)
        with pytest.raises(ValueError, match="secret path"), traced.turn():
            raise ValueError("secret path /home/me")
        traced.telemetry.shutdown(1.0)
        [event] = traced.finished()["invoke_agent codex"].events
        assert event.name == "exception"
        assert (event.attributes or {})["exception.type"] == "ValueError"
        messages.append((event.attributes or {}).get("exception.message"))
    assert messages == ["secret path /home/me", None]


def test_a_span_subscriber_that_raises_is_counted_and_the_others_still_see_the_span() -> None:
    telemetry = Telemetry(service_version="1")
    conversation = telemetry.conversation(make_metadata())

    def broken(span: CapturedSpan) -> None:
        raise RuntimeError("subscriber bug")

    unsubscribe = telemetry.subscribe_spans(broken)
    with telemetry.capture_spans() as captured, conversation.start_span(TURN, {}, SpanHandle):
        pass
    unsubscribe()
    assert [span.definition for span in captured] == ["codex.turn"]
    assert telemetry.stats.subscriber_errors == 1
    telemetry.shutdown(1.0)


def test_error_type_set_through_the_handle_wins_over_the_exception(traced: Traced) -> None:
    class ToolTimeout(Exception):
        pass

    def fail_with_type() -> None:
        with traced.turn(), traced.tool() as tool:
            tool.set_error_type("timeout")
            raise ToolTimeout

    with pytest.raises(ToolTimeout):
        fail_with_type()
    assert (traced.finished()["execute_tool shell"].attributes or {})["error.type"] == "timeout"
    with pytest.raises(ToolTimeout), traced.turn(), traced.tool("grep"):
        raise ToolTimeout
    error_type = (traced.finished()["execute_tool grep"].attributes or {})["error.type"]
    assert error_type == f"{__name__}.{ToolTimeout.__qualname__}"


def test_fail_marks_an_error_without_an_exception(traced: Traced) -> None:
    with traced.turn(), traced.tool() as tool:
        tool.fail("exit_status", "exited 2")
    span = traced.finished()["execute_tool shell"]
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "exited 2"
    assert (span.attributes or {})["error.type"] == "exit_status"
    assert not span.events


def test_attributes_after_the_end_are_ignored_and_counted(traced: Traced) -> None:
    with traced.turn(), traced.tool() as tool:
        pass
    assert not tool.recording
    tool.set_error_type("late")
    tool.fail("late")
    assert "error.type" not in (traced.finished()["execute_tool shell"].attributes or {})
    assert traced.telemetry.stats.span_attributes_after_end == 2


def test_a_missing_name_placeholder_is_dropped_with_its_space() -> None:
    assert TOOL.span_name({}) == "execute_tool"
    assert REQUEST.span_name({"gen_ai.request.model": "gpt-5"}) == "gpt-5"
    assert REQUEST.span_name({"gen_ai.operation.name": "chat"}) == "chat"
    assert TOOL.span_name({"gen_ai.tool.name": "apply_patch"}) == "execute_tool apply_patch"


def test_a_parent_the_catalog_refuses_is_counted_reported_once_and_started(
    traced: Traced, caplog: pytest.LogCaptureFixture
) -> None:
    with traced.tool("a"), traced.tool("b"):  # no turn, then a tool under a tool
        pass
    assert traced.telemetry.stats.span_parent_errors == 2
    assert set(traced.finished()) == {"execute_tool a", "execute_tool b"}
    warnings = [r.getMessage() for r in caplog.records if "span codex.tool_call" in r.getMessage()]
    assert warnings == [
        "codex-otel: span codex.tool_call started with no catalog span as parent; the "
        "catalog allows parents: codex.turn (counted; later ones only counted)"
    ]


def test_host_spans_nest_under_catalog_spans_and_keep_the_parent_rule(traced: Traced) -> None:
    host = traced.provider.get_tracer("host")
    with traced.turn(), host.start_as_current_span("host work"), traced.tool():
        pass
    spans = traced.finished()
    assert spans["host work"].parent is not None
    assert spans["host work"].parent.span_id == spans["invoke_agent codex"].context.span_id
    assert spans["execute_tool shell"].parent is not None
    assert spans["execute_tool shell"].parent.span_id == spans["host work"].context.span_id
    assert traced.telemetry.stats.span_parent_errors == 0  # the turn is the catalog parent


def test_async_with_and_tasks_keep_their_own_context(traced: Traced) -> None:
    async def tool_call(name: str) -> None:
        async with traced.tool(name):
            await asyncio.sleep(0.01)

    async def main() -> None:
        async with traced.turn():
            await asyncio.gather(tool_call("a"), tool_call("b"))

    asyncio.run(main())
    spans = traced.finished()
    turn_id = spans["invoke_agent codex"].context.span_id
    # Both overlap in time; each is the turn's child, neither the other's.
    for name in ("execute_tool a", "execute_tool b"):
        parent = spans[name].parent
        assert parent is not None
        assert parent.span_id == turn_id


def test_the_handle_gives_w3c_headers_of_its_span(traced: Traced) -> None:
    with traced.turn(), traced.tool() as tool:
        headers = tool.headers()
    span = traced.finished()["execute_tool shell"]
    trace_id, span_id = format(span.context.trace_id, "032x"), format(span.context.span_id, "016x")
    assert headers["traceparent"].split("-")[1:3] == [trace_id, span_id]


def test_nothing_recording_spans_gives_one_shared_scope_that_does_nothing() -> None:
    telemetry = Telemetry(service_version="1")
    conversation = telemetry.conversation(make_metadata())
    first = conversation.start_span(TOOL, {"gen_ai.tool.name": "a"}, ToolCallSpan)
    second = conversation.start_span(TOOL, {"gen_ai.tool.name": "b"}, ToolCallSpan)
    assert first is second
    with first as handle:
        assert isinstance(handle, ToolCallSpan)
        assert not handle.recording
        handle.set_error_type("x")
        assert handle.headers() == {}
    with pytest.raises(KeyError), second:
        raise KeyError("the no-op scope never swallows either")
    assert telemetry.stats.span_attributes_after_end == 0
    telemetry.shutdown(1.0)


def test_span_subscribers_record_spans_with_no_trace_exporter() -> None:
    telemetry = Telemetry(service_version="1")
    conversation = telemetry.conversation(make_metadata())
    with (
        telemetry.capture_spans() as captured,
        conversation.start_span(TURN, {}, SpanHandle) as turn,
        conversation.start_span(TOOL, {"gen_ai.tool.name": "shell"}, ToolCallSpan),
    ):
        assert turn.recording
    assert [span.definition for span in captured] == ["codex.tool_call", "codex.turn"]
    tool, turn_span = captured
    assert isinstance(tool, CapturedSpan)
    assert tool.parent == "codex.turn"
    assert tool.parent_span_id == turn_span.span_id
    assert tool.trace_id == turn_span.trace_id
    assert len(tool.trace_id) == 32 and len(tool.span_id) == 16
    assert turn_span.name == "invoke_agent"
    assert turn_span.parent is None and turn_span.parent_span_id is None
    assert tool.status == "unset" and tool.start_ns <= tool.end_ns
    # Unsubscribed: back to the no-op path.
    with conversation.start_span(TURN, {}, SpanHandle) as after:
        assert not after.recording
    telemetry.shutdown(1.0)


def test_spans_open_at_shutdown_are_ended_with_an_error_and_counted(traced: Traced) -> None:
    scope = traced.turn()
    handle = scope.__enter__()  # a turn whose block never ends (a crashed thread's)
    assert handle.recording
    try:
        traced.telemetry.shutdown(1.0)
    finally:
        scope.__exit__(None, None, None)  # the late exit ends nothing twice
    span = traced.finished()["invoke_agent codex"]
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == SHUTDOWN_ERROR_TYPE
    assert traced.telemetry.stats.spans_ended_at_shutdown == 1
    assert len(traced.exporter.get_finished_spans()) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_child_does_not_end_the_parents_spans(traced: Traced) -> None:
    scope = traced.turn()
    scope.__enter__()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its exit and its shutdown leave the parent's span alone
        try:
            scope.__exit__(None, None, None)
            traced.telemetry.shutdown(1.0)
            stats = traced.telemetry.stats
            ended = len(traced.exporter.get_finished_spans())
            os.write(write_end, f"{ended} {stats.spans_ended_at_shutdown}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert os.read(read_end, 100).decode() == "0 0"
    os.close(read_end)
    scope.__exit__(None, None, None)  # the parent ends it, once, as an ordinary span
    [span] = traced.exporter.get_finished_spans()
    assert span.status.status_code is StatusCode.UNSET


def test_a_span_started_after_shutdown_is_dropped_and_counted(traced: Traced) -> None:
    traced.telemetry.shutdown(1.0)
    with traced.turn() as turn:
        assert not turn.recording
    assert traced.exporter.get_finished_spans() == ()
    assert traced.telemetry.stats.dropped_after_shutdown == 1


def test_nothing_is_counted_after_shutdown_where_nothing_recorded_spans() -> None:
    telemetry = Telemetry(service_version="1")
    telemetry.shutdown(1.0)
    with telemetry.conversation(make_metadata()).start_span(TURN, {}, SpanHandle):
        pass
    assert telemetry.stats.dropped_after_shutdown == 0
