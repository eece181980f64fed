"""The `response.completed` summary: token usage read from a Responses API event.

The summary is a `codex.sse_event` with `event.kind = "response.completed"`, the token
counts, and no `duration_ms` (it describes the response, not the wait for one event).

Reading `{"type": "response.completed", "response": {..., "usage": {...}}}`:

- `input_token_count` / `output_token_count`: `usage.input_tokens` / `usage.output_tokens`,
  required non-negative ints;
- `cached_token_count`: `usage.input_tokens_details.cached_tokens`, omitted when absent;
- `reasoning_token_count`: `usage.output_tokens_details.reasoning_tokens`, omitted when absent;
- `tool_token_count`: `usage.total_tokens`, as Codex sends it (the Responses API has no
  count of tool tokens; Codex puts the total in this slot). `total_tokens` is a required
  non-negative int, as in Codex's parser. A caller may pass `tool_tokens`, a function of
  the `usage` object, to count otherwise (`no_tool_tokens` sends 0).

Failures, emitted as the failed summary (`error.message`, no counts), as Codex does:
`"missing token usage"` when `response.usage` is absent or null, and
`"failed to parse ResponseCompleted: ..."` when `response` or `usage` has the wrong shape.

A successful summary also records `codex.turn.token_usage`, one measurement per token type
it knows: `input`, `cached_input`, `output`, `reasoning_output` and `total`
(`usage.total_tokens`, whatever `tool_tokens` counts); a failed one records no metric.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from codex_otel.generated import events
from codex_otel.runtime import Conversation

from . import measurements

#: The `event.kind` of the summary.
COMPLETED_KIND: Final = "response.completed"
#: `error.message` of the failed summary when the response reports no usage.
MISSING_USAGE: Final = "missing token usage"

#: Computes `tool_token_count` from the `usage` object of a completed response.
ToolTokenCounter: TypeAlias = Callable[[Mapping[str, Any]], int]


def total_tokens(usage: Mapping[str, Any]) -> int:
    """The default `ToolTokenCounter`, Codex's: the usage's `total_tokens`.

    `parse_usage` has checked that it is a count before this is called."""
    count: int = usage["total_tokens"]
    return count


def no_tool_tokens(usage: Mapping[str, Any]) -> int:
    """A `ToolTokenCounter` that sends 0: the Responses API reports no tool tokens as such."""
    return 0


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """The counts of a successful `response.completed` summary."""

    input_token_count: int
    output_token_count: int
    cached_token_count: int | None = None
    reasoning_token_count: int | None = None
    tool_token_count: int = 0
    #: The usage's `total_tokens`: not on the event (Codex sends it as `tool_token_count`),
    #: recorded as the `total` of `codex.turn.token_usage`; None when not known.
    total_token_count: int | None = None
    #: Input tokens written to the prompt cache, when the caller knows them (the event's
    #: `cache_write_token_count`; the Responses API usage read here does not say).
    cache_write_token_count: int | None = None


@dataclass(frozen=True, slots=True)
class ResponseDetails:
    """What else the summary may carry about the response, when the caller knows it."""

    ttft_ms: int | None = None
    service_tier: str | None = None
    model_reasoning_effort: str | None = None


def _count(value: object) -> int | None:
    if type(value) is int and value >= 0:
        return value
    return None


def _detail(usage: Mapping[str, Any], details: str, field: str) -> int | None:
    container = usage.get(details)
    if isinstance(container, Mapping):
        return _count(container.get(field))
    return None


def _not_a_count(name: str) -> str:
    return f"failed to parse ResponseCompleted: `response.usage.{name}` is not a count"


def parse_usage(data: object, tool_tokens: ToolTokenCounter = total_tokens) -> TokenUsage | str:
    """The usage of a parsed `response.completed` event's data, or the failure's message."""
    response = data.get("response") if isinstance(data, Mapping) else None
    if not isinstance(response, Mapping):
        return "failed to parse ResponseCompleted: missing object `response`"
    usage = response.get("usage")
    if usage is None:
        return MISSING_USAGE
    if not isinstance(usage, Mapping):
        return "failed to parse ResponseCompleted: `response.usage` is not an object"
    input_tokens = _count(usage.get("input_tokens"))
    if input_tokens is None:
        return _not_a_count("input_tokens")
    output_tokens = _count(usage.get("output_tokens"))
    if output_tokens is None:
        return _not_a_count("output_tokens")
    total = _count(usage.get("total_tokens"))
    if total is None:
        return _not_a_count("total_tokens")
    return TokenUsage(
        input_token_count=input_tokens,
        output_token_count=output_tokens,
        cached_token_count=_detail(usage, "input_tokens_details", "cached_tokens"),
        reasoning_token_count=_detail(usage, "output_tokens_details", "reasoning_tokens"),
        tool_token_count=tool_tokens(usage),
        total_token_count=total,
    )


def emit_completed(
    conversation: Conversation[events.Metadata],
    usage: TokenUsage,
    details: ResponseDetails = ResponseDetails(),
) -> None:
    """The successful summary: kind `response.completed` and the counts, no duration; and
    `codex.turn.token_usage` per known token type."""
    events.sse_event(
        conversation,
        event_kind=COMPLETED_KIND,
        input_token_count=usage.input_token_count,
        output_token_count=usage.output_token_count,
        cached_token_count=usage.cached_token_count,
        reasoning_token_count=usage.reasoning_token_count,
        tool_token_count=usage.tool_token_count,
        cache_write_token_count=usage.cache_write_token_count,
        ttft_ms=details.ttft_ms,
        service_tier=details.service_tier,
        model_reasoning_effort=details.model_reasoning_effort,
    )
    measurements.token_usage(conversation, usage)


def emit_completed_failed(conversation: Conversation[events.Metadata], message: str) -> None:
    """The failed summary: kind `response.completed` and `error.message`, no counts."""
    events.sse_event(conversation, event_kind=COMPLETED_KIND, error_message=message)
