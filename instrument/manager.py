"""`EventManager`: Codex's reference `OtelEventManager`, on top of the generated emitters.

One per conversation (and model): it times calls and classifies their outcomes, then
emits through the generated, catalog-checked emitters of `codex_otel.generated.events`
and, beside each API request, server-sent event, tool result and completed response,
records Codex's metrics through the generated recorders (`measurements`).

    telemetry = Telemetry(config, service_version="0.42.0")
    manager = EventManager(telemetry.conversation(events.Metadata(...)))

    response = manager.log_request(attempt, client.post, url, json=body)
    for sse in manager.log_sse_stream(event_source.iter_sse()):
        ...
    output = manager.log_tool_result("shell", call.id, call.arguments, run_shell, command)

Telemetry never breaks the host: the wrappers return the wrapped call's result, or re-raise
its exception object unchanged, and an error while classifying or emitting is counted in
`Telemetry.stats.emit_errors` instead of raised. What may raise is a wrong argument given to
the manager itself: the wrappers check theirs before running anything, the direct emitting
methods raise as the generated emitters do (before any metric is recorded).
"""

from __future__ import annotations

import enum
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Sequence,
)
from contextlib import AbstractContextManager
from typing import Any, Literal, ParamSpec, TypeVar, overload

from codex_otel.generated import events
from codex_otel.runtime import Conversation
from codex_otel.runtime._contract import INT64_MAX, out_of_range, wrong_type

from . import completion, http_attempts, measurements, prompts, spans, sse, tools, turns
from .completion import ResponseDetails, TokenUsage, ToolTokenCounter, total_tokens
from .outcomes import error_text
from .recorder import Clock, Duration, Recorder, duration_ms
from .sse import DEFAULT_IDLE_TIMEOUT, E, OutputItemValidator, StreamOptions, is_response_item
from .startup import StartupPhase
from .tools import SuccessLike
from .turns import Turn
from .websockets import WebsocketConnect, WebsocketRequest, websocket_event

P = ParamSpec("P")
R = TypeVar("R")


def _text(error: str | BaseException) -> str:
    return error if isinstance(error, str) else error_text(error)


class EventManager:
    """Times and classifies what a coding agent does, and emits the catalog's events.

    `clock` is a monotonic clock in integer nanoseconds (default `time.perf_counter_ns`);
    durations are whole milliseconds, truncated. `provider` (`gen_ai.provider.name`, the
    GenAI conventions' name of the model provider) and `agent_name` (`gen_ai.agent.name`)
    go on the spans the manager opens (see `spans`): a turn, each request attempt, each
    tool call and its approval.
    """

    __slots__ = ("_recorder",)

    def __init__(
        self,
        conversation: Conversation[events.Metadata],
        *,
        clock: Clock = time.perf_counter_ns,
        provider: str = "openai",
        agent_name: str = "codex",
    ) -> None:
        if not isinstance(provider, str):
            wrong_type("codex.api_request", "provider_name", "str", provider)
        if not isinstance(agent_name, str):
            wrong_type("codex.turn", "agent_name", "str", agent_name)
        reading = clock()
        if type(reading) is not int:  # e.g. time.perf_counter: seconds, not nanoseconds
            raise TypeError(
                "EventManager: clock must return integer nanoseconds like time.perf_counter_ns, "
                f"not {type(reading).__name__}"
            )
        self._recorder = Recorder(conversation, clock, provider=provider, agent_name=agent_name)

    @property
    def conversation(self) -> Conversation[events.Metadata]:
        return self._recorder.conversation

    @property
    def clock(self) -> Clock:
        return self._recorder.clock

    def with_model(self, model: str, slug: str) -> EventManager:
        """A copy whose events carry `model` and `slug`; this manager is unchanged."""
        copy = EventManager.__new__(EventManager)
        copy._recorder = self._recorder.copy(
            conversation=self.conversation.with_metadata(model=model, slug=slug)
        )
        return copy

    def with_sandbox(
        self, sandbox: str | None, sandbox_policy: str | enum.Enum | None
    ) -> EventManager:
        """A copy whose tool call metrics (`codex.tool.call`, `codex.tool.call.duration_ms`)
        are tagged `sandbox` (the sandbox a call runs in: `seatbelt`, `seccomp`, `none`,
        ...) and `sandbox_policy` (the turn's policy: `read-only`, `workspace-write`, ...),
        as Codex tags them from the turn's policy; None leaves a tag off. This manager is
        unchanged. Values are held to the tag characters when recorded."""
        if sandbox is not None and not isinstance(sandbox, str):
            wrong_type("codex.tool.call", "sandbox", "str", sandbox)
        policy = _enum_value(sandbox_policy)
        if policy is not None and not isinstance(policy, str):
            wrong_type("codex.tool.call", "sandbox_policy", "str", policy)
        copy = EventManager.__new__(EventManager)
        copy._recorder = self._recorder.copy(sandbox_tags=(sandbox, policy))
        return copy

    def __repr__(self) -> str:
        return f"EventManager({self.conversation!r})"

    # --- codex.conversation_starts ---------------------------------------------------

    def conversation_starts(  # noqa: PLR0917 - Codex's parameter list; keywords welcome
        self,
        provider_name: str,
        reasoning_effort: str | enum.Enum | None,
        reasoning_summary: str | enum.Enum,
        context_window: int | None,
        max_output_tokens: int | None,
        auto_compact_token_limit: int | None,
        approval_policy: str | enum.Enum,
        sandbox_policy: str | enum.Enum,
        mcp_servers: Sequence[str],
        active_profile: str | None = None,
    ) -> None:
        """The conversation started. `mcp_servers` are joined with ", " (a single string is
        taken as already joined). None values are omitted from the event. An application's
        own enum members stand for their values, as Codex writes its enums with
        `to_string()`."""
        servers = mcp_servers if isinstance(mcp_servers, str) else ", ".join(mcp_servers)
        events.conversation_starts(
            self.conversation,
            provider_name=provider_name,
            reasoning_effort=_enum_value(reasoning_effort),
            reasoning_summary=_enum_value(reasoning_summary),
            context_window=context_window,
            max_output_tokens=max_output_tokens,
            auto_compact_token_limit=auto_compact_token_limit,
            approval_policy=_enum_value(approval_policy),
            sandbox_policy=_enum_value(sandbox_policy),
            mcp_servers=servers,
            active_profile=active_profile,
        )

    # --- codex.api_request -----------------------------------------------------------

    def log_request(
        self, attempt: int, request: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Call `request(*args, **kwargs)` as attempt `attempt` (from 1) and record it.

        Returns the response, or re-raises the exception, unchanged. See `http_attempts`
        for what is recorded from either.
        """
        return http_attempts.run_request(self._recorder, attempt, request, args, kwargs)

    @overload
    async def log_request_async(self, attempt: int, request: Awaitable[R], /) -> R: ...

    @overload
    async def log_request_async(
        self,
        attempt: int,
        request: Callable[P, Awaitable[R]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R: ...

    async def log_request_async(
        self,
        attempt: int,
        request: Awaitable[R] | Callable[..., Awaitable[R]],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> R:
        """`log_request` for async clients: await `request`, an awaitable or a coroutine
        function called with `args` and `kwargs`."""
        return await http_attempts.run_request_async(self._recorder, attempt, request, args, kwargs)

    def request(self, attempt: int) -> http_attempts.RequestAttempt:
        """Attempt `attempt` as a block, for `with` or `async with`; set `.response`."""
        return http_attempts.RequestAttempt(self._recorder, attempt)

    # --- codex.sse_event -------------------------------------------------------------

    def log_sse_stream(
        self,
        source: Iterable[E],
        *,
        idle_timeout: float | None = None,
        output_item_validator: OutputItemValidator = is_response_item,
        tool_tokens: ToolTokenCounter = total_tokens,
    ) -> Generator[E, None, None]:
        """Pass `source`'s server-sent events through, recording each one.

        With `idle_timeout` (seconds), raise `SSEIdleTimeout` when no event arrives in
        time; the read is then abandoned on a helper thread, so set the HTTP client's read
        timeout as well. A timeout the client raises is recorded as the idle timeout too.
        See `sse` for the classification.
        """
        options = StreamOptions(output_item_validator, tool_tokens)
        return sse.stream(self._recorder, source, options, idle_timeout)

    def log_sse_stream_async(
        self,
        source: AsyncIterable[E],
        *,
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
        output_item_validator: OutputItemValidator = is_response_item,
        tool_tokens: ToolTokenCounter = total_tokens,
    ) -> AsyncGenerator[E, None]:
        """Pass `source`'s server-sent events through, recording each one; raise
        `SSEIdleTimeout` when none arrives within `idle_timeout` seconds (None: no limit)."""
        options = StreamOptions(output_item_validator, tool_tokens)
        return sse.stream_async(self._recorder, source, options, idle_timeout)

    def sse_event(self, kind: str, duration: Duration) -> None:
        """One server-sent event of kind `kind` that took `duration` to arrive."""
        ms = duration_ms(duration, event="codex.sse_event")
        sse.emit_item(self.conversation, kind, ms)

    def sse_event_failed(
        self, kind: str | None, duration: Duration, error: str | BaseException
    ) -> None:
        """A server-sent event that failed (`kind` None: the stream itself failed)."""
        ms = duration_ms(duration, event="codex.sse_event")
        sse.emit_item(self.conversation, kind, ms, _text(error))

    def sse_event_completed(
        self,
        input_token_count: int,
        output_token_count: int,
        cached_token_count: int | None = None,
        reasoning_token_count: int | None = None,
        tool_token_count: int = 0,
        *,
        total_token_count: int | None = None,
        cache_write_token_count: int | None = None,
        ttft_ms: int | None = None,
        service_tier: str | None = None,
        model_reasoning_effort: str | None = None,
    ) -> None:
        """The `response.completed` summary with its token counts (no duration).

        `codex.turn.token_usage` is recorded per count given; `total_token_count` (the
        usage's `total_tokens`, which the event does not carry) only for that metric. The
        keywords after it go on the event only, when given."""
        if total_token_count is not None:
            _check_count("total_token_count", total_token_count)
        usage = TokenUsage(
            input_token_count,
            output_token_count,
            cached_token_count,
            reasoning_token_count,
            tool_token_count,
            total_token_count,
            cache_write_token_count,
        )
        details = ResponseDetails(ttft_ms, service_tier, model_reasoning_effort)
        completion.emit_completed(self.conversation, usage, details)
        spans.usage_reported(self._recorder, usage)

    def sse_event_completed_failed(self, error: str | BaseException) -> None:
        """The `response.completed` summary of a completion that could not be read."""
        completion.emit_completed_failed(self.conversation, _text(error))

    # --- codex.user_prompt -----------------------------------------------------------

    def user_prompt(self, items: str | prompts.InputItem | Iterable[prompts.InputItem]) -> None:
        """The user's prompt: the text items of `items`, concatenated (see `prompts`).

        `prompt_length` counts characters (code points). The prompt text is redacted by
        the emitter unless the `log_user_prompt` toggle is on.
        """
        if not self.conversation.recording:
            return
        prompt = prompts.prompt_text(items)
        events.user_prompt(self.conversation, prompt_length=len(prompt), prompt=prompt)

    # --- codex.tool_decision ---------------------------------------------------------

    def tool_decision(
        self,
        tool_name: str,
        call_id: str,
        decision: events.Decision | Literal["approved", "approved_for_session", "denied", "abort"],
        source: events.Source | Literal["config", "user"],
    ) -> None:
        """A tool call was approved or denied, by the configuration or by the user.

        Inside `awaiting_approval` for the same call, the decision goes on its span too."""
        events.tool_decision(
            self.conversation,
            tool_name=tool_name,
            call_id=call_id,
            decision=decision,
            source=source,
        )
        spans.decided(self._recorder, call_id, decision, source)

    # --- codex.tool_call and codex.tool_approval spans ---------------------------------

    def tool_call(
        self, tool_name: str, call_id: str, arguments: str | None = None
    ) -> AbstractContextManager[events.ToolCallSpan | None]:
        """A tool call as a block (`with` or `async with`), for the `codex.tool_call` span
        around all of it: the wait for its approval (`awaiting_approval`) and its run
        (`log_tool_result` inside it adds no second span). Gives the span's handle, or
        None when spans are not recorded; only the arguments' length goes on the span."""
        tools.check_text("tool_name", tool_name)
        tools.check_text("call_id", call_id)
        if arguments is not None:
            tools.check_text("arguments", arguments)
        return spans.tool_call_span(self._recorder, tool_name, call_id, arguments)

    def awaiting_approval(
        self, tool_name: str, call_id: str
    ) -> AbstractContextManager[events.ToolApprovalSpan | None]:
        """The time a tool call is blocked on its approval, as a block (inside
        `tool_call`): the `codex.tool_approval` span. Call `tool_decision` for the same call
        inside it, and the decision goes on the span as well as on the event."""
        tools.check_text("tool_name", tool_name)
        tools.check_text("call_id", call_id)
        return spans.approval_span(self._recorder, tool_name, call_id)

    # --- codex.tool_result -----------------------------------------------------------

    def log_tool_result(
        self,
        tool_name: str,
        call_id: str,
        arguments: str,
        tool: Callable[P, R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Call `tool(*args, **kwargs)` and record it; return or re-raise its outcome.

        `arguments` are the call's arguments as the model sent them. See `tools` for how
        the result becomes `output`.
        """
        return tools.run_tool(
            self._recorder,
            tool,
            args,
            kwargs,
            tool_name=tool_name,
            call_id=call_id,
            arguments=arguments,
        )

    @overload
    async def log_tool_result_async(
        self, tool_name: str, call_id: str, arguments: str, tool: Awaitable[R], /
    ) -> R: ...

    @overload
    async def log_tool_result_async(
        self,
        tool_name: str,
        call_id: str,
        arguments: str,
        tool: Callable[P, Awaitable[R]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R: ...

    async def log_tool_result_async(
        self,
        tool_name: str,
        call_id: str,
        arguments: str,
        tool: Awaitable[R] | Callable[..., Awaitable[R]],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> R:
        """`log_tool_result` for async tools: an awaitable, or a coroutine function."""
        return await tools.run_tool_async(
            self._recorder,
            tool,
            args,
            kwargs,
            tool_name=tool_name,
            call_id=call_id,
            arguments=arguments,
        )

    def tool_result(  # noqa: PLR0917 - Codex's parameter list; keywords welcome
        self,
        tool_name: str,
        call_id: str,
        arguments: str,
        duration: Duration,
        success: SuccessLike,
        output: str,
    ) -> None:
        """A tool call that ran for `duration` (timedelta, or seconds), measured elsewhere."""
        ms = duration_ms(duration, event="codex.tool_result")
        tools.emit_result(
            self.conversation,
            tool_name,
            ms,
            success,
            output,
            call_id,
            arguments,
            self._recorder.sandbox_tags,
        )

    def log_tool_failed(self, tool_name: str, error: str | BaseException) -> None:
        """A tool call that failed before it ran: no call id or arguments, duration 0."""
        tools.emit_result(
            self.conversation,
            tool_name,
            0,
            "false",
            _text(error),
            sandbox_tags=self._recorder.sandbox_tags,
        )

    # --- codex.sandbox_outcome -------------------------------------------------------

    def sandbox_outcome(
        self,
        tool_name: str,
        call_id: str,
        outcome: str,
        initial_duration: Duration,
        escalated_duration: Duration | None = None,
    ) -> None:
        """How a sandboxed command ended: `initial_duration` of its run in the sandbox,
        `escalated_duration` of its rerun with escalated permissions when there was one
        (timedelta, or seconds)."""
        event = "codex.sandbox_outcome"
        initial = duration_ms(initial_duration, event=event, field="initial_duration")
        escalated = (
            None
            if escalated_duration is None
            else duration_ms(escalated_duration, event=event, field="escalated_duration")
        )
        events.sandbox_outcome(
            self.conversation,
            tool_name=tool_name,
            call_id=call_id,
            outcome=outcome,
            initial_duration_ms=initial,
            escalated_duration_ms=escalated,
        )

    # --- turns: codex.turn_ttft and the codex.turn.* metrics --------------------------

    def turn(self) -> Turn:
        """A turn as a block, timed from its start: `first_token()`, `first_message()`,
        `tool_call()` inside it; the end-to-end duration when it is left (see `turns`)."""
        return Turn(self._recorder)

    def turn_ttft(self, duration: Duration) -> None:
        """The first token of a turn arrived `duration` after the turn started, measured
        elsewhere: `codex.turn_ttft` and `codex.turn.ttft.duration_ms`."""
        turns.emit_ttft(self.conversation, duration_ms(duration, event="codex.turn_ttft"))

    # --- the websocket transport -------------------------------------------------------

    def websocket_connect(
        self, *, endpoint: str | None = None, connection_reused: bool | None = None
    ) -> WebsocketConnect:
        """Opening the websocket connection, as a block (`with` or `async with`); set
        `.response` to the handshake's response for its status (see `websockets`)."""
        return WebsocketConnect(self._recorder, endpoint, connection_reused)

    def websocket_request(self, *, connection_reused: bool | None = None) -> WebsocketRequest:
        """One request over the websocket connection, until its response ended, as a
        block: `codex.websocket_request` and the `codex.websocket.request` metrics."""
        return WebsocketRequest(self._recorder, connection_reused)

    def websocket_event(
        self, kind: str | None, duration: Duration, *, failed: bool = False
    ) -> None:
        """One message read from the websocket connection, of type `kind` (None: it had
        none), that took `duration` to arrive: the `codex.websocket.event` metrics."""
        ms = duration_ms(duration, event="codex.websocket.event")
        websocket_event(self.conversation, kind, ms, failed)

    # --- startup ------------------------------------------------------------------------

    def startup_phase(self, phase: str, status: str | None = None) -> StartupPhase:
        """A startup phase as a block: `codex.startup_phase` and
        `codex.startup.phase.duration_ms` when it is left (see `startup`)."""
        return StartupPhase(self._recorder, phase, status)

    def thread_started(self, *, is_git: bool) -> None:
        """A thread (conversation) started: `codex.thread.started`."""
        if type(is_git) is not bool:
            wrong_type("codex.thread.started", "is_git", "bool", is_git)
        measurements.thread_started(self.conversation, is_git)


def _check_count(field: str, value: object) -> None:
    """A count only a metric carries, checked before the event is emitted, as the
    generated recorder would check it, naming the metric and the manager's argument."""
    if type(value) is not int:
        wrong_type("codex.turn.token_usage", field, "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("codex.turn.token_usage", field, f"between 0 and {INT64_MAX}", value)


@overload
def _enum_value(value: str | enum.Enum) -> str: ...
@overload
def _enum_value(value: str | enum.Enum | None) -> str | None: ...
def _enum_value(value: str | enum.Enum | None) -> str | None:
    """An enum member's value (`ReasoningEffort.HIGH` -> "high"); a string or None as it is."""
    return str(value.value) if isinstance(value, enum.Enum) else value
