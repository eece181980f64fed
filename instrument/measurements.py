"""The metrics Codex records beside its events, as its `SessionTelemetry` tags them.

Each function records one outcome's measurements through the generated recorders; the
instruments call it where they emit the outcome's event, right after the event (whose
checks have then passed, so a value the event refuses records no metric either):

- `api_request`: `codex.api_request` +1 and `codex.api_request.duration_ms`, tagged `status`
  (the HTTP status code as text, `none` without a response) and `success` (`true` for a
  2xx status without an error);
- `tool_call`: `codex.tool.call` +1 and `codex.tool.call.duration_ms`, tagged `tool` and
  `success` (the event's), and `sandbox` and `sandbox_policy` when known
  (`EventManager.with_sandbox`);
- `sse_event`: `codex.sse_event` +1 and `codex.sse_event.duration_ms`, tagged `kind` (the SSE
  event type; `none` when the stream itself failed or timed out, as the catalog's `kind`
  says, where Codex writes `unknown`) and `success`;
- `token_usage`: `codex.turn.token_usage` once per token type the usage knows (`input`,
  `cached_input`, `cache_write_input`, `output`, `reasoning_output`, `total`), from a
  successful `response.completed` summary.

Each returns at once when no metrics pipeline and no measurement subscriber would see a
measurement (`Conversation.metrics_recording`), before building any tag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal, TypeAlias

from codex_otel.generated import events
from codex_otel.runtime import Conversation

if TYPE_CHECKING:
    from .completion import TokenUsage
    from .recorder import SandboxTags

#: Codex's tags for what is not known: `status` of a request with no response, `kind`
#: of a stream that failed before an SSE event arrived.
NO_STATUS_TAG: Final = "none"
UNKNOWN_KIND_TAG: Final = "unknown"

#: The `success` tag, as the event carries it.
SuccessTag: TypeAlias = events.Success | Literal["true", "false"]


def api_request(
    conversation: Conversation[events.Metadata],
    duration_ms: int,
    status: int | None,
    failed: bool,
) -> None:
    """One API request attempt that took `duration_ms`, ended with `status` (None: no
    response) and raised (`failed`) or not."""
    if not conversation.metrics_recording:
        return
    succeeded = not failed and status is not None and 200 <= status <= 299
    success: SuccessTag = "true" if succeeded else "false"
    status_tag = NO_STATUS_TAG if status is None else str(status)
    events.record_api_request(conversation, status=status_tag, success=success)
    events.record_api_request_duration_ms(
        conversation, duration_ms, status=status_tag, success=success
    )


def tool_call(
    conversation: Conversation[events.Metadata],
    tool: str,
    duration_ms: int,
    success: SuccessTag,
    sandbox_tags: SandboxTags = (None, None),
) -> None:
    """One tool call of `tool` that ran for `duration_ms` (0 when it failed before it ran),
    in the sandbox `sandbox_tags` names (`sandbox`, `sandbox_policy`; None: untagged)."""
    if not conversation.metrics_recording:
        return
    sandbox, policy = sandbox_tags
    events.record_tool_call(
        conversation, tool=tool, success=success, sandbox=sandbox, sandbox_policy=policy
    )
    events.record_tool_call_duration_ms(
        conversation,
        duration_ms,
        tool=tool,
        success=success,
        sandbox=sandbox,
        sandbox_policy=policy,
    )


def sse_event(
    conversation: Conversation[events.Metadata],
    kind: str | None,
    duration_ms: int,
    succeeded: bool,
) -> None:
    """One server-sent event of type `kind` (None: the stream itself failed) that took
    `duration_ms` to arrive."""
    if not conversation.metrics_recording:
        return
    kind_tag = UNKNOWN_KIND_TAG if kind is None else kind
    success: SuccessTag = "true" if succeeded else "false"
    events.record_sse_event(conversation, kind=kind_tag, success=success)
    events.record_sse_event_duration_ms(conversation, duration_ms, kind=kind_tag, success=success)


def token_usage(conversation: Conversation[events.Metadata], usage: TokenUsage) -> None:
    """The token counts of a completed response, one measurement per known token type."""
    if not conversation.metrics_recording:
        return
    record = events.record_turn_token_usage
    record(conversation, usage.input_token_count, token_type="input")
    if usage.cached_token_count is not None:
        record(conversation, usage.cached_token_count, token_type="cached_input")
    if usage.cache_write_token_count is not None:
        record(conversation, usage.cache_write_token_count, token_type="cache_write_input")
    record(conversation, usage.output_token_count, token_type="output")
    if usage.reasoning_token_count is not None:
        record(conversation, usage.reasoning_token_count, token_type="reasoning_output")
    if usage.total_token_count is not None:
        record(conversation, usage.total_token_count, token_type="total")


def websocket_request(
    conversation: Conversation[events.Metadata], duration_ms: int, succeeded: bool
) -> None:
    """One request over the websocket connection that took `duration_ms`."""
    if not conversation.metrics_recording:
        return
    success: SuccessTag = "true" if succeeded else "false"
    events.record_websocket_request(conversation, success=success)
    events.record_websocket_request_duration_ms(conversation, duration_ms, success=success)


def websocket_event(
    conversation: Conversation[events.Metadata],
    kind: str | None,
    duration_ms: int,
    succeeded: bool,
) -> None:
    """One websocket message of type `kind` (None: it had none, tagged `unknown` as Codex
    tags it) that took `duration_ms` to arrive."""
    if not conversation.metrics_recording:
        return
    kind_tag = UNKNOWN_KIND_TAG if kind is None else kind
    success: SuccessTag = "true" if succeeded else "false"
    events.record_websocket_event(conversation, kind=kind_tag, success=success)
    events.record_websocket_event_duration_ms(
        conversation, duration_ms, kind=kind_tag, success=success
    )


def turn_ttft(conversation: Conversation[events.Metadata], duration_ms: int) -> None:
    """`codex.turn.ttft.duration_ms`: the time from a turn's start to its first token."""
    if conversation.metrics_recording:
        events.record_turn_ttft_duration_ms(conversation, duration_ms)


def turn_ttfm(conversation: Conversation[events.Metadata], duration_ms: int) -> None:
    """`codex.turn.ttfm.duration_ms`: the time from a turn's start to its first message."""
    if conversation.metrics_recording:
        events.record_turn_ttfm_duration_ms(conversation, duration_ms)


def turn_ended(
    conversation: Conversation[events.Metadata], duration_ms: int, tool_calls: int | None
) -> None:
    """`codex.turn.e2e_duration_ms` of a turn that ended, and `codex.turn.tool.call`, its
    number of tool calls, when counted."""
    if not conversation.metrics_recording:
        return
    events.record_turn_e2e_duration_ms(conversation, duration_ms)
    if tool_calls is not None:
        events.record_turn_tool_call(conversation, tool_calls)


def startup_phase(
    conversation: Conversation[events.Metadata],
    phase: str,
    duration_ms: int,
    status: str | None = None,
) -> None:
    """`codex.startup.phase.duration_ms` of one startup phase, tagged `status` when the
    phase reports how it ended."""
    if conversation.metrics_recording:
        events.record_startup_phase_duration_ms(
            conversation, duration_ms, phase=phase, status=status
        )


def thread_started(conversation: Conversation[events.Metadata], is_git: bool) -> None:
    """`codex.thread.started` +1, tagged whether the working directory is a git repository."""
    if conversation.metrics_recording:
        events.record_thread_started(conversation, is_git="true" if is_git else "false")
