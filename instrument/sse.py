"""`codex.sse_event`: one event per server-sent event read from a streamed response.

`stream` (iterators) and `stream_async` (async iterators) pass every item through
unchanged and emit, for each one, the time spent waiting for it (`duration_ms`) and its
classification, the seed's `log_sse_event`:

- data `[DONE]` (surrounding whitespace ignored): success;
- `response.failed` with JSON data: failure, `error.message` = the data as compact JSON;
- `response.output_item.done` whose data the validator rejects: failure,
  `error.message` = `failed to parse response.output_item.done`;
- any other JSON data: success;
- data that is not JSON: failure, `error.message` = the JSON parser's message;
- an exception raised by the iterator (the stream failed): failure without `event.kind`,
  `error.message` = its text; then re-raised unchanged;
- a timeout (see below): failure without `event.kind`,
  `error.message` = `idle timeout waiting for SSE`;
- the end of the stream: no event.

Successes and failures of an event carry its `event.kind` (the SSE event type).

A `response.completed` event with JSON data also emits the `response.completed` summary
(`completion.py`) right after its own event, so the token counts are recorded even when
the consumer stops reading at that event.

Idle timeout. The async form enforces it itself (`idle_timeout` seconds per item, default
300 as Codex's `stream_idle_timeout_ms`; None disables it) and raises `SSEIdleTimeout`, a
`TimeoutError`, when it expires. The sync form cannot interrupt a blocking read: set the
HTTP client's read timeout (e.g. `httpx.Timeout(..., read=300)`) instead. In both forms a
timeout raised by the underlying iterator (`TimeoutError`, `socket.timeout`,
`httpx.ReadTimeout`, `requests.Timeout`, ...: see `outcomes.is_timeout`) is recorded as the
idle timeout and re-raised unchanged, so the caller's own error handling keeps working.

An interruption (`KeyboardInterrupt`, `asyncio.CancelledError`) emits nothing. Closing the
wrapper early closes the underlying iterator, as `yield from` would.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Mapping,
)
from dataclasses import dataclass
from typing import Any, Final, Generic, Protocol, TypeAlias, TypeVar

from codex_otel.generated import events
from codex_otel.runtime import Conversation

from .completion import (
    COMPLETED_KIND,
    TokenUsage,
    ToolTokenCounter,
    emit_completed,
    emit_completed_failed,
    no_tool_tokens,
    parse_usage,
)
from .outcomes import error_text, is_timeout
from .recorder import Recorder

#: Codex's default `stream_idle_timeout_ms`, in seconds.
DEFAULT_IDLE_TIMEOUT: Final = 300.0
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


E = TypeVar("E", bound=ServerSentEventLike)

#: Decides whether the parsed data of a `response.output_item.done` event is valid.
OutputItemValidator: TypeAlias = Callable[[Any], bool]


class SSEIdleTimeout(TimeoutError):
    """No server-sent event arrived within the idle timeout of `stream_async`."""


def is_response_item(data: Any) -> bool:
    """The default `OutputItemValidator`: a JSON object with a string `type`.

    This is what the seed's check amounts to: it deserializes the event's whole data into
    Codex's `ResponseItem`, an enum tagged by `type` with a catch-all variant, which accepts
    any object with a string `type` (the data's own `"type": "response.output_item.done"`).
    Pass a stricter validator to check the item itself, e.g. `data["item"]`.
    """
    return isinstance(data, Mapping) and isinstance(data.get("type"), str)


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """How a stream's events are classified."""

    output_item_validator: OutputItemValidator = is_response_item
    tool_tokens: ToolTokenCounter = no_tool_tokens


class _Unparsed:
    """The data was `[DONE]` or not JSON: there is no parsed value."""


_UNPARSED: Final = _Unparsed()


def compact_json(value: object) -> str:
    """JSON text as serde_json's `Display` writes a `Value`: compact, keys sorted (its
    default map is ordered), non-ASCII characters kept as they are."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def classify(kind: str, data: str, validator: OutputItemValidator = is_response_item) -> str | None:
    """The `error.message` of an event of type `kind` with `data`, or None when it is a success."""
    return _classify(kind, data, validator)[0]


def _classify(kind: str, data: str, validator: OutputItemValidator) -> tuple[str | None, object]:
    # (the failure's message or None, the parsed data or _UNPARSED for [DONE] and non-JSON)
    if data.strip() == _DONE:
        return None, _UNPARSED
    try:
        value = json.loads(data)
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
    """One `codex.sse_event` for one item (kind None: the stream itself failed)."""
    events.sse_event(
        conversation, event_kind=kind, duration_ms=duration_ms, error_message=error_message
    )


def record_item(
    recorder: Recorder, item: ServerSentEventLike, start_ns: int | None, options: StreamOptions
) -> None:
    """Classify and emit one item read after waiting since `start_ns`. Never raises."""
    duration = recorder.elapsed_ms(start_ns)
    if duration is None or not recorder.recording:
        return
    with recorder.guard:
        kind = _text(item.event, "message")  # the SSE default event type
        message, value = _classify(kind, _text(item.data, ""), options.output_item_validator)
        emit_item(recorder.conversation, kind, duration, message)
        if kind == COMPLETED_KIND and value is not _UNPARSED:
            usage = parse_usage(value, options.tool_tokens)
            if isinstance(usage, TokenUsage):
                emit_completed(recorder.conversation, usage)
            else:
                emit_completed_failed(recorder.conversation, usage)


def record_stream_error(recorder: Recorder, start_ns: int | None, error: BaseException) -> None:
    """Emit the failure of the stream itself (no kind). Never raises."""
    duration = recorder.elapsed_ms(start_ns)
    if duration is None or not recorder.recording:
        return
    with recorder.guard:
        message = IDLE_TIMEOUT_MESSAGE if is_timeout(error) else error_text(error)
        emit_item(recorder.conversation, None, duration, message)


def check_idle_timeout(idle_timeout: float | None) -> None:
    if idle_timeout is None:
        return
    if (
        not isinstance(idle_timeout, (int, float))
        or isinstance(idle_timeout, bool)
        or not math.isfinite(idle_timeout)
        or idle_timeout <= 0
    ):
        raise ValueError(
            f"idle_timeout must be a positive number of seconds or None, not {idle_timeout!r}"
        )


def stream(
    recorder: Recorder, source: Iterable[E], options: StreamOptions
) -> Generator[E, None, None]:
    """Iterate `source`, recording every item; see the module documentation."""
    return _stream(recorder, iter(source), options)


def _stream(
    recorder: Recorder, iterator: Iterator[E], options: StreamOptions
) -> Generator[E, None, None]:
    try:
        while True:
            start = recorder.now()
            try:
                item = next(iterator)
            except StopIteration:
                return
            except Exception as error:
                record_stream_error(recorder, start, error)
                raise
            record_item(recorder, item, start, options)
            yield item
    except GeneratorExit:
        close = getattr(iterator, "close", None)
        if callable(close):
            close()
        raise


class _End:
    """The source is exhausted."""


class _Failure:
    """The source raised `error`."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class _Item(Generic[E]):
    __slots__ = ("value",)

    def __init__(self, value: E) -> None:
        self.value = value


_END: Final = _End()


async def _pull(iterator: AsyncIterator[E]) -> _Item[E] | _End | _Failure:
    # Outcomes of the source come back as values, so that the only TimeoutError
    # `wait_for` can raise around this is the idle timeout's own.
    try:
        return _Item(await iterator.__anext__())
    except StopAsyncIteration:
        return _END
    except Exception as error:
        return _Failure(error)


def stream_async(
    recorder: Recorder,
    source: AsyncIterable[E],
    idle_timeout: float | None,
    options: StreamOptions,
) -> AsyncGenerator[E, None]:
    """Iterate `source` asynchronously, recording every item; see the module documentation."""
    check_idle_timeout(idle_timeout)
    return _stream_async(recorder, source.__aiter__(), idle_timeout, options)


async def _stream_async(
    recorder: Recorder,
    iterator: AsyncIterator[E],
    idle_timeout: float | None,
    options: StreamOptions,
) -> AsyncGenerator[E, None]:
    try:
        while True:
            start = recorder.now()
            pulled: _Item[E] | _End | _Failure | None
            if idle_timeout is None:
                pulled = await _pull(iterator)
            else:
                try:
                    pulled = await asyncio.wait_for(_pull(iterator), idle_timeout)
                except asyncio.TimeoutError:
                    pulled = None
            if pulled is None:
                record_stream_error(recorder, start, SSEIdleTimeout(IDLE_TIMEOUT_MESSAGE))
                raise SSEIdleTimeout(IDLE_TIMEOUT_MESSAGE)
            if isinstance(pulled, _End):
                return
            if isinstance(pulled, _Failure):
                record_stream_error(recorder, start, pulled.error)
                raise pulled.error  # the source's own exception object, not a wrapper
            record_item(recorder, pulled.value, start, options)
            yield pulled.value
    except GeneratorExit:
        aclose = getattr(iterator, "aclose", None)
        if callable(aclose):
            await aclose()
        raise
