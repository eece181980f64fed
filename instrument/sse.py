"""`codex.sse_event`: one event per server-sent event read from a streamed response.

`stream` (iterators) and `stream_async` (async iterators) pass every item through
unchanged and emit, for each one, the time spent waiting for it (`duration_ms`) and its
classification, Codex's `log_sse_event`, by the rules of `sse_rules` (this module only
reads the stream), with the metrics Codex records beside it (`codex.sse_event` and its
duration, tagged `kind` and `success`). An exception raised by the iterator is recorded as
the stream's failure, then re-raised unchanged; the end of the stream emits nothing.

Both entry points take the same arguments in the same order:
`stream(recorder, source, options, idle_timeout=None)` and
`stream_async(recorder, source, options, idle_timeout=DEFAULT_IDLE_TIMEOUT)`.

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
import math
import queue
import sys
import threading
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Generator,
    Iterable,
    Iterator,
)
from typing import Final, Generic, TypeVar

from .recorder import Recorder
from .sse_rules import (
    IDLE_TIMEOUT_MESSAGE,
    OUTPUT_ITEM_ERROR,
    OutputItemValidator,
    ServerSentEventLike,
    StreamOptions,
    classify,
    compact_json,
    emit_item,
    is_response_item,
    record_item,
    record_stream_error,
)

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "IDLE_TIMEOUT_MESSAGE",
    "OUTPUT_ITEM_ERROR",
    "E",
    "OutputItemValidator",
    "SSEIdleTimeout",
    "ServerSentEventLike",
    "StreamOptions",
    "check_idle_timeout",
    "classify",
    "compact_json",
    "emit_item",
    "is_response_item",
    "record_item",
    "record_stream_error",
    "stream",
    "stream_async",
]

#: Codex's default `stream_idle_timeout_ms`, in seconds.
DEFAULT_IDLE_TIMEOUT: Final = 300.0

E = TypeVar("E", bound=ServerSentEventLike)


class SSEIdleTimeout(TimeoutError):
    """No server-sent event arrived within the idle timeout of `stream_async`."""


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
    options: StreamOptions,
    idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
) -> AsyncGenerator[E, None]:
    """Iterate `source` asynchronously, recording every item; see the module documentation."""
    check_idle_timeout(idle_timeout)
    return _stream_async(recorder, source.__aiter__(), options, idle_timeout)


async def _stream_async(
    recorder: Recorder,
    iterator: AsyncIterator[E],
    options: StreamOptions,
    idle_timeout: float | None,
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
