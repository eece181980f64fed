"""The spans `EventManager` opens: a turn, each request attempt, each tool call and the
wait for its approval, nested as the catalog says, with what the manager knows on them
(never content), and the events recorded inside them carrying their ids."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from codex_otel.instrument import EventManager
from codex_otel.runtime import CapturedSpan, OtelConfig, SpanParentError, Telemetry
from support.instrument import FakeClock

from .conftest import METADATA


@dataclass
class Response:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def spans(telemetry: Telemetry) -> Iterator[list[CapturedSpan]]:
    with telemetry.capture_spans() as spans:
        yield spans


def by_id(spans: list[CapturedSpan]) -> dict[str, CapturedSpan]:
    return {span.definition: span for span in spans}


def test_a_traced_turn_nests_requests_tool_calls_and_approvals_as_the_catalog_says(
    manager: EventManager, spans: list[CapturedSpan], clock: FakeClock
) -> None:
    with manager.turn():
        manager.log_request(1, lambda: Response(200))
        with manager.tool_call("shell", "call_1", '{"command": ["ls"]}'):
            with manager.awaiting_approval("shell", "call_1"):
                manager.tool_decision("shell", "call_1", "approved", "user")
            manager.log_tool_result("shell", "call_1", '{"command": ["ls"]}', lambda: "a\nb\n")

    assert [span.definition for span in spans] == [
        "codex.api_request",
        "codex.tool_approval",
        "codex.tool_call",
        "codex.turn",
    ]
    found = by_id(spans)
    turn = found["codex.turn"]
    assert turn.parent is None and turn.parent_span_id is None
    assert turn.name == "invoke_agent codex"
    assert turn.attributes["gen_ai.conversation.id"] == "conv-1"
    assert turn.attributes["gen_ai.request.model"] == "gpt-5-codex"
    assert turn.attributes["gen_ai.provider.name"] == "openai"
    for child in ("codex.api_request", "codex.tool_call"):
        assert found[child].parent == "codex.turn"
        assert found[child].parent_span_id == turn.span_id
        assert found[child].trace_id == turn.trace_id
    assert found["codex.tool_approval"].parent == "codex.tool_call"

    request = found["codex.api_request"]
    assert request.kind == "client"
    assert request.name == "chat gpt-5-codex"
    assert request.attributes["http.response.status_code"] == 200
    assert request.attributes["attempt"] == 1
    assert request.status == "unset"

    approval = found["codex.tool_approval"]
    assert approval.attributes["decision"] == "approved"
    assert approval.attributes["source"] == "user"

    call = found["codex.tool_call"]
    assert call.name == "execute_tool shell"
    assert call.attributes["gen_ai.tool.call.id"] == "call_1"
    # Sizes, never the arguments or the output themselves.
    assert call.attributes["arguments_length"] == len('{"command": ["ls"]}')
    assert call.attributes["output_length"] == len("a\nb\n")
    assert call.attributes["output_line_count"] == 2
    values = [str(value) for span in spans for value in span.attributes.values()]
    assert not any("command" in value or "a\nb" in value for value in values)


def test_log_tool_result_outside_a_tool_call_block_opens_its_own_span(
    manager: EventManager, spans: list[CapturedSpan]
) -> None:
    with manager.turn():
        manager.log_tool_result("shell", "call_9", "{}", lambda: "done")
    assert [span.definition for span in spans] == ["codex.tool_call", "codex.turn"]
    assert spans[0].parent == "codex.turn"


def test_an_error_status_and_a_raising_tool_end_their_spans_failed(
    manager: EventManager, spans: list[CapturedSpan]
) -> None:
    def broken() -> str:
        raise ValueError("tool broke")

    with manager.turn():
        manager.log_request(1, lambda: Response(503))
        with pytest.raises(ValueError, match="tool broke"):
            manager.log_tool_result("shell", "call_2", "{}", broken)

    found = by_id(spans)
    request = found["codex.api_request"]
    assert request.status == "error"
    assert request.attributes["error.type"] == "503"
    call = found["codex.tool_call"]
    assert call.status == "error"
    assert call.attributes["error.type"] == "ValueError"
    assert "exception" in call.events
    assert found["codex.turn"].status == "unset"  # the host handled the tool's failure


def test_token_usage_reaches_the_request_and_is_summed_on_the_turn(
    manager: EventManager, spans: list[CapturedSpan]
) -> None:
    with manager.turn():
        with manager.request(1) as attempt:
            attempt.response = Response(200)
            manager.sse_event_completed(100, 20, 40, 5)
        with manager.request(2) as attempt:
            attempt.response = Response(200)
            manager.sse_event_completed(10, 2)

    requests = [span for span in spans if span.definition == "codex.api_request"]
    assert [r.attributes["gen_ai.usage.input_tokens"] for r in requests] == [100, 10]
    assert requests[0].attributes["gen_ai.usage.cache_read.input_tokens"] == 40
    assert "gen_ai.usage.cache_read.input_tokens" not in requests[1].attributes
    turn = by_id(spans)["codex.turn"]
    assert turn.attributes["gen_ai.usage.input_tokens"] == 110
    assert turn.attributes["gen_ai.usage.output_tokens"] == 22
    assert turn.attributes["gen_ai.usage.cache_read.input_tokens"] == 40
    assert turn.attributes["gen_ai.usage.reasoning.output_tokens"] == 5


def test_events_and_metrics_recorded_inside_a_span_are_its_own(
    telemetry: Telemetry, manager: EventManager
) -> None:
    """The events the manager emits inside a span are emitted while the span is current:
    each captured event's time lies inside its span (the wire test checks the ids)."""
    with telemetry.capture() as captured, telemetry.capture_spans() as spans, manager.turn():
        manager.log_request(1, lambda: Response(200))
    request = by_id(spans)["codex.api_request"]
    event = next(e for e in captured if e.name == "codex.api_request")
    assert request.start_ns <= event.timestamp_ns <= request.end_ns


def test_async_blocks_keep_each_task_s_spans_apart(
    manager: EventManager, spans: list[CapturedSpan]
) -> None:
    async def call(call_id: str) -> str:
        async def tool() -> str:
            await asyncio.sleep(0.01)
            return call_id

        return await manager.log_tool_result_async("shell", call_id, "{}", tool)

    async def turn() -> None:
        async with manager.turn():
            await asyncio.gather(call("a"), call("b"))

    asyncio.run(turn())
    found = [span for span in spans if span.definition == "codex.tool_call"]
    turn_span = by_id(spans)["codex.turn"]
    assert sorted(str(span.attributes["gen_ai.tool.call.id"]) for span in found) == ["a", "b"]
    assert all(span.parent_span_id == turn_span.span_id for span in found)


def test_a_tool_call_outside_a_turn_is_counted_or_raised_as_configured(
    clock: FakeClock,
) -> None:
    counting = Telemetry(service_version="test")
    try:
        with counting.capture_spans() as spans:
            manager = EventManager(counting.conversation(METADATA), clock=clock)
            manager.log_tool_result("shell", "call_1", "{}", lambda: "ok")
        assert [span.definition for span in spans] == ["codex.tool_call"]
        assert counting.stats.span_parent_errors == 1
    finally:
        counting.shutdown()

    strict = Telemetry(OtelConfig(span_parents="raise"), service_version="test")
    try:
        with strict.capture_spans():
            manager = EventManager(strict.conversation(METADATA), clock=clock)
            with pytest.raises(SpanParentError, match=r"codex\.tool_call"):
                manager.log_tool_result("shell", "call_1", "{}", lambda: "ok")
    finally:
        strict.shutdown()


def test_without_span_recording_the_manager_s_blocks_give_no_handle(
    manager: EventManager,
) -> None:
    with manager.turn() as turn, manager.tool_call("shell", "call_1") as call:
        assert turn.span is None or not turn.span.recording
        assert call is None or not call.recording


def test_the_manager_refuses_wrong_span_names_before_anything_runs(
    telemetry: Telemetry, clock: FakeClock
) -> None:
    with pytest.raises(TypeError, match="provider_name"):
        EventManager(telemetry.conversation(METADATA), clock=clock, provider=7)  # type: ignore[arg-type]
    manager = EventManager(telemetry.conversation(METADATA), clock=clock)
    with pytest.raises(TypeError, match="call_id"):
        manager.tool_call("shell", 1)  # type: ignore[arg-type]
