"""A timed block for `with` and `async with`: the base of the block-shaped instruments
(`websockets`, `turns`, `startup`) that time something the caller does in the block.

Timing starts when the block is entered and stops when it is left. An exception leaving
the block is handed to `_finish` and propagates unchanged (the block never swallows it);
an interruption (`KeyboardInterrupt`, `asyncio.CancelledError`: not an `Exception`)
records nothing, as for the wrapped calls of `recorded_calls`.
"""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

from .recorder import Recorder

B = TypeVar("B", bound="TimedBlock")


class TimedBlock:
    """Enter to start the clock; leave to record. Subclasses implement `_finish`."""

    __slots__ = ("_recorder", "_start")

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self._start: int | None = None

    def __enter__(self: B) -> B:
        self._start = self._recorder.now()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._leave(exc)

    async def __aenter__(self: B) -> B:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def _leave(self, error: BaseException | None) -> None:
        if error is not None and not isinstance(error, Exception):
            return  # interrupted or cancelled: not an outcome of what the block did
        duration = self._recorder.elapsed_ms(self._start)
        if duration is None or not self._recorder.observed:
            return
        with self._recorder.guard:
            self._finish(duration, error)

    def _elapsed_since_start(self) -> int | None:
        """Milliseconds since the block was entered, for marks inside it (None when the
        block was not entered or a clock reading failed)."""
        return self._recorder.elapsed_ms(self._start) if self._start is not None else None

    def _finish(self, duration_ms: int, error: Exception | None) -> None:
        raise NotImplementedError
