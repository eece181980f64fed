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

Idle timeout: `idle_timeout` seconds to wait for each item, after which the wrapper records
`idle timeout waiting for SSE` and raises `SSEIdleTimeout`, a `TimeoutError`. The async form
enforces it in the caller's own task (default 300 s, Codex's `stream_idle_timeout_ms`; None
disables it), so a source that holds a cancel scope or sets context variables keeps working;
on expiry the pending read is cancelled. The sync form has no limit by default (None), since
a blocking read cannot be interrupted: with a number, each item is read on a helper thread
(in a copy of the caller's context) that the caller stops waiting for at the deadline; the
read itself goes on until the source returns, so set the HTTP client's read timeout too
(e.g. `httpx.Timeout(..., read=300)`). In both forms a timeout raised by the underlying
iterator (`TimeoutError`, `socket.timeout`, `httpx.ReadTimeout`, `requests.Timeout`, ...:
see `outcomes.is_timeout`) is recorded as the idle timeout and re-raised unchanged, so the
caller's own error handling keeps working.

An interruption (`KeyboardInterrupt`, `asyncio.CancelledError`) emits nothing. Closing the
wrapper early closes the underlying iterator, as `yield from` would.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import math
import queue
import sys
import threading
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
    parse_usage,
    total_tokens,
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
    tool_tokens: ToolTokenCounter = total_tokens


class _Unparsed:
    """The data was `[DONE]` or not JSON: there is no parsed value."""


_UNPARSED: Final = _Unparsed()


def compact_json(value: object) -> str:
    """JSON text as serde_json's `Display` writes a `Value`: compact, keys sorted (its
    default map is ordered), non-ASCII characters kept as they are."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _refuse_constant(name: str) -> float:
    # Python's json accepts NaN and Infinity; JSON (and serde_json, the seed's parser) does not.
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


def _record_pulled(
    recorder: Recorder,
    pulled: _Item[E] | _End | _Failure | None,
    start: int | None,
    options: StreamOptions,
) -> _Item[E] | None:
    """Record what one read gave (None: the idle timeout expired), for both stream forms.

    Returns the item to pass on, or None at the end of the stream; raises the timeout or
    the source's own exception object, not a wrapper.
    """
    if pulled is None:
        record_stream_error(recorder, start, SSEIdleTimeout(IDLE_TIMEOUT_MESSAGE))
        raise SSEIdleTimeout(IDLE_TIMEOUT_MESSAGE)
    if isinstance(pulled, _End):
        return None
    if isinstance(pulled, _Failure):
        record_stream_error(recorder, start, pulled.error)
        raise pulled.error
    record_item(recorder, pulled.value, start, options)
    return pulled


def _pull_sync(iterator: Iterator[E]) -> _Item[E] | _End | _Failure:
    try:
        return _Item(next(iterator))
    except StopIteration:
        return _END
    except Exception as error:
        return _Failure(error)


class _ThreadedReader(Generic[E]):
    """Reads one item at a time on a helper thread, so that the caller can stop waiting.

    The thread reads only when asked (the source is never read ahead of the consumer) and
    runs in a copy of the caller's context. After a timeout it is left to finish the read
    it is blocked in, then exits; it is a daemon, so it never holds the interpreter open.
    """

    def __init__(self, iterator: Iterator[E], timeout: float) -> None:
        self._iterator = iterator
        self._timeout = timeout
        self._asks: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._answers: queue.SimpleQueue[_Item[E] | _End | _Failure] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        #: True while the thread is inside the source: it must not be closed then.
        self.busy = False

    def _run(self) -> None:
        while self._asks.get():
            answer = _pull_sync(self._iterator)
            self._answers.put(answer)
            if not isinstance(answer, _Item):
                return

    def pull(self) -> _Item[E] | _End | _Failure | None:
        if self._thread is None:
            context = contextvars.copy_context()
            self._thread = threading.Thread(
                target=context.run, args=(self._run,), name="codex-otel-sse-reader", daemon=True
            )
            self._thread.start()
        self.busy = True
        self._asks.put(True)
        try:
            answer = self._answers.get(timeout=self._timeout)
        except queue.Empty:
            return None  # still busy: the read goes on without us
        self.busy = False
        return answer

    def stop(self) -> None:
        """Let the thread exit: now if it is idle, after its read if it is blocked in one."""
        if self._thread is not None:
            self._asks.put(False)


def stream(
    recorder: Recorder,
    source: Iterable[E],
    options: StreamOptions,
    idle_timeout: float | None = None,
) -> Generator[E, None, None]:
    """Iterate `source`, recording every item; see the module documentation."""
    check_idle_timeout(idle_timeout)
    return _stream(recorder, iter(source), options, idle_timeout)


def _stream(
    recorder: Recorder,
    iterator: Iterator[E],
    options: StreamOptions,
    idle_timeout: float | None,
) -> Generator[E, None, None]:
    reader = None if idle_timeout is None else _ThreadedReader(iterator, idle_timeout)
    try:
        while True:
            start = recorder.now()
            pulled = _pull_sync(iterator) if reader is None else reader.pull()
            item = _record_pulled(recorder, pulled, start, options)
            if item is None:
                return
            yield item.value
    except GeneratorExit:
        close = getattr(iterator, "close", None)
        if callable(close) and (reader is None or not reader.busy):
            close()
        raise
    finally:
        if reader is not None:
            reader.stop()


async def _pull(iterator: AsyncIterator[E]) -> _Item[E] | _End | _Failure:
    # Outcomes of the source come back as values, so that the only TimeoutError
    # `_pull_within` sees around this is the idle timeout's own.
    try:
        return _Item(await iterator.__anext__())
    except StopAsyncIteration:
        return _END
    except Exception as error:
        return _Failure(error)


async def _pull_within(
    iterator: AsyncIterator[E], seconds: float
) -> _Item[E] | _End | _Failure | None:
    """`_pull` in the caller's own task, cancelled after `seconds` (then None).

    Not `asyncio.wait_for`: before Python 3.12 it runs the read in a task of its own, which
    breaks sources that hold a cancel scope (anyio, trio-style) or set context variables.
    """
    if sys.version_info >= (3, 11):
        try:
            async with asyncio.timeout(seconds):
                return await _pull(iterator)
        except TimeoutError:
            return None  # `_pull` turns the source's own TimeoutError into a _Failure
    task = asyncio.current_task()
    assert task is not None  # an async generator always runs in a task
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    deadline = asyncio.get_running_loop().call_later(seconds, expire)
    try:
        return await _pull(iterator)
    except asyncio.CancelledError:
        if expired:
            return None
        raise
    finally:
        deadline.cancel()


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
                pulled = await _pull_within(iterator, idle_timeout)
            item = _record_pulled(recorder, pulled, start, options)
            if item is None:
                return
            yield item.value
    except GeneratorExit:
        aclose = getattr(iterator, "aclose", None)
        if callable(aclose):
            await aclose()
        raise
