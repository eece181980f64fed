"""The classification rules of `codex.sse_event` (Codex's `log_sse_event`): which
fields one server-sent event, or the failure of the stream, puts on its event.

- data `[DONE]` (surrounding whitespace ignored): success;
- `response.failed` with JSON data: failure, `error.message` = the data as compact JSON;
- `response.output_item.done` whose data the validator rejects: failure,
  `error.message` = `failed to parse response.output_item.done`;
- any other JSON data: success;
- data that is not JSON: failure, `error.message` = the JSON parser's message;
- an exception raised by the iterator (the stream failed): failure without `event.kind`,
  `error.message` = its text (a timeout of any kind: `idle timeout waiting for SSE`).

Successes and failures of an event carry its `event.kind` (the SSE event type).
A `response.completed` event with JSON data also emits the `response.completed` summary
(`completion.py`) right after its own event, so the token counts are recorded even when
the consumer stops reading at that event.

Beside each event, as Codex does: `codex.sse_event` +1 and `codex.sse_event.duration_ms`,
tagged `kind` (the event type, `none` for a failure of the stream) and `success`; the
summary records no `codex.sse_event` but, when it succeeds, `codex.turn.token_usage`
(see `measurements`).

How the events are read (iterators, idle timeouts, sync and async) is `sse.py`'s job.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeAlias

from codex_otel.generated import events
from codex_otel.runtime import Conversation

from . import measurements, spans
from .completion import (
    COMPLETED_KIND,
    TokenUsage,
    ToolTokenCounter,
    emit_completed,
    emit_completed_failed,
    parse_usage,
    total_tokens,
)
from .outcomes import error_text, is_timeout
from .recorder import Recorder

#: `error.message` of an idle timeout.
IDLE_TIMEOUT_MESSAGE: Final = "idle timeout waiting for SSE"
#: `error.message` of a `response.output_item.done` the validator rejects.
OUTPUT_ITEM_ERROR: Final = "failed to parse response.output_item.done"

_DONE: Final = "[DONE]"
_FAILED_KIND: Final = "response.failed"
_OUTPUT_ITEM_KIND: Final = "response.output_item.done"


class ServerSentEventLike(Protocol):
    """A server-sent event: httpx-sse's `ServerSentEvent`, or anything with these two."""

    @property
    def event(self) -> str: ...

    @property
    def data(self) -> str: ...


#: Decides whether the parsed data of a `response.output_item.done` event is valid.
OutputItemValidator: TypeAlias = Callable[[Any], bool]


def is_response_item(data: Any) -> bool:
    """The default `OutputItemValidator`: a JSON object with a string `type`.

    This is what Codex's check amounts to: it deserializes the event's whole data into
    Codex's `ResponseItem`, an enum tagged by `type` with a catch-all variant, which accepts
    any object with a string `type` (the data's own `"type": "response.output_item.done"`).
    Pass a stricter validator to check the item itself, e.g. `data["item"]`.
    """
    return isinstance(data, Mapping) and isinstance(data.get("type"), str)


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """How a stream's events are classified."""

    output_item_validator: OutputItemValidator = is_response_item
    tool_tokens: ToolTokenCounter = total_tokens


class _Unparsed:
    """The data was `[DONE]` or not JSON: there is no parsed value."""


_UNPARSED: Final = _Unparsed()


def compact_json(value: object) -> str:
    """JSON text as serde_json's `Display` writes a `Value`: compact, keys sorted (its
    default map is ordered), non-ASCII characters kept as they are."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _refuse_constant(name: str) -> float:
    # Python's json accepts NaN and Infinity; JSON (and serde_json, Codex's parser) does not.
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400: serde_json's "number out of range"
        raise ValueError(f"number out of range: {text}")
    return value


def classify(kind: str, data: str, validator: OutputItemValidator = is_response_item) -> str | None:
    """The `error.message` of an event of type `kind` with `data`, or None when it is a success."""
    return _classify(kind, data, validator)[0]


def _classify(kind: str, data: str, validator: OutputItemValidator) -> tuple[str | None, object]:
    # (the failure's message or None, the parsed data or _UNPARSED for [DONE] and non-JSON)
    if data.strip() == _DONE:
        return None, _UNPARSED
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as error:
        return error_text(error), _UNPARSED
    if kind == _FAILED_KIND:
        return compact_json(value), value
    if kind == _OUTPUT_ITEM_KIND:
        try:
            valid = bool(validator(value))
        except Exception:  # a validator that raises rejects the item
            valid = False
        if not valid:
            return OUTPUT_ITEM_ERROR, value
    return None, value


def _text(value: object, default: str) -> str:
    if isinstance(value, str):
        return value or default
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace") or default
    return default if value is None else str(value)


def emit_item(
    conversation: Conversation[events.Metadata],
    kind: str | None,
    duration_ms: int,
    error_message: str | None = None,
) -> None:
    """One `codex.sse_event` for one item (kind None: the stream itself failed), and its
    metrics: the one place both the stream and `EventManager.sse_event[_failed]` record."""
    events.sse_event(
        conversation, event_kind=kind, duration_ms=duration_ms, error_message=error_message
    )
    measurements.sse_event(conversation, kind, duration_ms, succeeded=error_message is None)


def record_item(
    recorder: Recorder, item: ServerSentEventLike, start_ns: int | None, options: StreamOptions
) -> None:
    """Classify and emit one item read after waiting since `start_ns`. Never raises."""
    duration = recorder.elapsed_ms(start_ns)
    if duration is None or not recorder.observed:
        return
    with recorder.guard:
        kind = _text(item.event, "message")  # the SSE default event type
        message, value = _classify(kind, _text(item.data, ""), options.output_item_validator)
        emit_item(recorder.conversation, kind, duration, message)
        if kind == COMPLETED_KIND and value is not _UNPARSED:
            usage = parse_usage(value, options.tool_tokens)
            if isinstance(usage, TokenUsage):
                emit_completed(recorder.conversation, usage)
                spans.usage_reported(recorder, usage)
            else:
                emit_completed_failed(recorder.conversation, usage)


def record_stream_error(recorder: Recorder, start_ns: int | None, error: BaseException) -> None:
    """Emit the failure of the stream itself (no kind). Never raises."""
    duration = recorder.elapsed_ms(start_ns)
    if duration is None or not recorder.observed:
        return
    with recorder.guard:
        message = IDLE_TIMEOUT_MESSAGE if is_timeout(error) else error_text(error)
        emit_item(recorder.conversation, None, duration, message)
