"""The spans the manager opens around what it times, through the generated span helpers:
a turn (`codex.turn`), each API request attempt (`codex.api_request`), each tool call
(`codex.tool_call`) and the time a tool call waits for its approval (`codex.tool_approval`).

An application that already uses `EventManager` gets traces by configuring a
`trace_exporter`: the events and metrics the manager records inside these blocks carry the
span's trace and span ids. What a span is told comes from what the manager already knows
(the conversation's metadata, the attempt's outcome, a response's token usage), never
content: spans carry names, sizes and counts.

The innermost open request span, tool call span and turn's token totals are kept in
context variables (each thread and asyncio task has its own), so that the token usage of
a `response.completed` summary reaches the request and the turn it belongs to, and a
`log_tool_result` inside a `tool_call` block adds no second tool call span.

Starting or ending a span never raises into the host (a failure is counted as the
runtime counts its own), except `SpanParentError` when the application asked for it
(`span_parents = "raise"`): a span started where the catalog does not allow it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal, TypeVar

from codex_otel.generated import events
from codex_otel.runtime import SpanParentError
from codex_otel.runtime.spans import SpanHandle, SpanScope

from .completion import TokenUsage
from .recorder import Recorder

H = TypeVar("H", bound=SpanHandle)


@dataclass(slots=True)
class TurnTotals:
    """The token usage of a turn's requests, summed; set on the turn's span at its end."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    reported: bool = False

    def add(self, usage: TokenUsage) -> None:
        self.reported = True
        self.input_tokens += usage.input_token_count
        self.output_tokens += usage.output_token_count
        if usage.cached_token_count is not None:
            self.cached_tokens = (self.cached_tokens or 0) + usage.cached_token_count
        if usage.reasoning_token_count is not None:
            self.reasoning_tokens = (self.reasoning_tokens or 0) + usage.reasoning_token_count


_TURN: ContextVar[TurnTotals | None] = ContextVar("codex_otel_instrument_turn", default=None)
_REQUEST: ContextVar[events.ApiRequestSpan | None] = ContextVar(
    "codex_otel_instrument_request", default=None
)
_TOOL_CALL: ContextVar[tuple[str, events.ToolCallSpan] | None] = ContextVar(
    "codex_otel_instrument_tool_call", default=None
)
_APPROVAL: ContextVar[tuple[str, events.ToolApprovalSpan] | None] = ContextVar(
    "codex_otel_instrument_approval", default=None
)


@contextlib.contextmanager
def _entered(recorder: Recorder, start: SpanScope[H] | None) -> Iterator[H | None]:
    """Enter `start` (None: no span), yield its handle, leave it with the block's
    exception, which propagates unchanged. A failure of the span itself is counted."""
    if start is None:
        yield None
        return
    try:
        handle = start.__enter__()
    except SpanParentError:
        raise
    except Exception:
        recorder.failed()
        yield None
        return
    try:
        yield handle
    except BaseException as error:
        _leave(recorder, start, error)
        raise
    _leave(recorder, start, None)


def _leave(recorder: Recorder, scope: SpanScope[H], error: BaseException | None) -> None:
    try:
        scope.__exit__(type(error) if error is not None else None, error, None)
    except Exception:
        recorder.failed()


# --- codex.turn ----------------------------------------------------------------------


@contextlib.contextmanager
def turn_span(recorder: Recorder) -> Iterator[events.TurnSpan | None]:
    """The turn's span; the token usage reported inside it is summed onto it at its end."""
    totals = TurnTotals()
    with _entered(recorder, _start(recorder, _turn_scope)) as span:
        token = _TURN.set(totals)
        try:
            yield span
        finally:
            _TURN.reset(token)
            if span is not None and totals.reported:
                _set_turn_usage(recorder, span, totals)


def _turn_scope(recorder: Recorder) -> SpanScope[events.TurnSpan]:
    metadata = recorder.conversation.metadata
    return events.turn_span(
        recorder.conversation,
        agent_name=recorder.agent_name,
        provider_name=recorder.provider,
        request_model=metadata.model,
        conversation_id=metadata.conversation_id,
    )


def _set_turn_usage(recorder: Recorder, span: events.TurnSpan, totals: TurnTotals) -> None:
    with recorder.guard:
        span.set_input_tokens(totals.input_tokens)
        span.set_output_tokens(totals.output_tokens)
        if totals.cached_tokens is not None:
            span.set_cache_read_input_tokens(totals.cached_tokens)
        if totals.reasoning_tokens is not None:
            span.set_reasoning_output_tokens(totals.reasoning_tokens)


# --- codex.api_request ---------------------------------------------------------------


@contextlib.contextmanager
def request_span(recorder: Recorder, attempt: int) -> Iterator[events.ApiRequestSpan | None]:
    """One attempt's span (CLIENT); the block's outcome goes on it through `request_ended`."""

    def scope(recorder: Recorder) -> SpanScope[events.ApiRequestSpan]:
        metadata = recorder.conversation.metadata
        return events.api_request_span(
            recorder.conversation,
            request_model=metadata.model,
            provider_name=recorder.provider,
            conversation_id=metadata.conversation_id,
            attempt=attempt,
        )

    with _entered(recorder, _start(recorder, scope)) as span:
        token = _REQUEST.set(span)
        try:
            yield span
        finally:
            _REQUEST.reset(token)


def request_ended(
    recorder: Recorder, span: events.ApiRequestSpan | None, status: int | None
) -> None:
    """The attempt's status on its span; a status of 400 or more fails it, with the
    status as `error.type` (the HTTP conventions' rule). Never raises."""
    if span is None or status is None or not span.recording:
        return
    with recorder.guard:
        span.set_http_response_status_code(status)
        if status >= 400:
            span.fail(str(status))


def usage_reported(recorder: Recorder, usage: TokenUsage) -> None:
    """A `response.completed` summary's token usage: on the open request's span, and
    added to the turn's totals. Never raises."""
    totals = _TURN.get()
    if totals is not None:
        totals.add(usage)
    span = _REQUEST.get()
    if span is None or not span.recording:
        return
    with recorder.guard:
        span.set_input_tokens(usage.input_token_count)
        span.set_output_tokens(usage.output_token_count)
        if usage.cached_token_count is not None:
            span.set_cache_read_input_tokens(usage.cached_token_count)
        if usage.reasoning_token_count is not None:
            span.set_reasoning_output_tokens(usage.reasoning_token_count)


# --- codex.tool_call and codex.tool_approval -----------------------------------------


@contextlib.contextmanager
def tool_call_span(
    recorder: Recorder, tool_name: str, call_id: str, arguments: str | None
) -> Iterator[events.ToolCallSpan | None]:
    """A tool call's span, unless a `tool_call` block of the same call is already open
    (then its span is the one: `log_tool_result` inside `manager.tool_call(...)`)."""
    current = _TOOL_CALL.get()
    if current is not None and current[0] == call_id:
        yield current[1]
        return

    def scope(recorder: Recorder) -> SpanScope[events.ToolCallSpan]:
        return events.tool_call_span(
            recorder.conversation,
            tool_name=tool_name,
            tool_call_id=call_id,
            arguments_length=None if arguments is None else len(arguments),
        )

    with _entered(recorder, _start(recorder, scope)) as span:
        token = _TOOL_CALL.set(None if span is None else (call_id, span))
        try:
            yield span
        finally:
            _TOOL_CALL.reset(token)


def tool_output(recorder: Recorder, span: events.ToolCallSpan | None, output: str) -> None:
    """The size of a tool's output on its span (never the output). Never raises."""
    if span is None or not span.recording:
        return
    with recorder.guard:
        span.set_output_length(len(output))
        span.set_output_line_count(len(output.splitlines()))


@contextlib.contextmanager
def approval_span(
    recorder: Recorder, tool_name: str, call_id: str
) -> Iterator[events.ToolApprovalSpan | None]:
    """The time a tool call waits for its approval; a `tool_decision` for the same call
    inside it puts the decision and its source on the span."""

    def scope(recorder: Recorder) -> SpanScope[events.ToolApprovalSpan]:
        return events.tool_approval_span(
            recorder.conversation, tool_name=tool_name, tool_call_id=call_id
        )

    with _entered(recorder, _start(recorder, scope)) as span:
        token = _APPROVAL.set(None if span is None else (call_id, span))
        try:
            yield span
        finally:
            _APPROVAL.reset(token)


def decided(
    recorder: Recorder,
    call_id: str,
    decision: events.Decision | Literal["approved", "approved_for_session", "denied", "abort"],
    source: events.Source | Literal["config", "user"],
) -> None:
    """A decision on the call whose approval is being waited for: on that span. Never
    raises (the event's emitter checked the values first)."""
    current = _APPROVAL.get()
    if current is None or current[0] != call_id or not current[1].recording:
        return
    with recorder.guard:
        current[1].set_decision(decision)
        current[1].set_source(source)


def _start(recorder: Recorder, make: Callable[[Recorder], SpanScope[H]]) -> SpanScope[H] | None:
    """The scope `make` builds; None (counted) when building it failed, say on metadata
    of the wrong type the generated helper refuses."""
    try:
        return make(recorder)
    except Exception:
        recorder.failed()
        return None
