"""A wrapped call, timed and recorded: the one implementation behind the sync and async
wrappers of `http_attempts` (`run_request`, `run_request_async`) and `tools` (`run_tool`,
`run_tool_async`), so that a fix to how an outcome is taken is made once.

The call's result is returned, or its exception re-raised unchanged (same object, same
traceback), after `record(start_ns, result, error)` saw it. An interruption
(`KeyboardInterrupt`, `asyncio.CancelledError`) records nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias, TypeVar

from .outcomes import discard_coroutine, refuse_awaitable
from .recorder import Recorder

R = TypeVar("R")

#: Records one finished call that started at `start_ns`: its result, or its error (the
#: result is then None). Never raises.
RecordOutcome: TypeAlias = Callable[[int | None, Any, BaseException | None], None]


def call_recorded(
    recorder: Recorder,
    call: Callable[..., R],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    record: RecordOutcome,
    *,
    wrapper: str,
) -> R:
    """Call `call(*args, **kwargs)` and record it; `wrapper` names the manager's method
    in the error for a callable that returns an awaitable."""
    start = recorder.now()
    try:
        result = call(*args, **kwargs)
    except Exception as error:
        record(start, None, error)
        raise
    refuse_awaitable(result, wrapper)
    record(start, result, None)
    return result


def check_before_await(check: Callable[[], None], call: object) -> None:
    """Run the wrapper's argument check before anything is awaited; when it refuses, close
    the coroutine the caller passed (it will never be awaited) and re-raise."""
    try:
        check()
    except TypeError:
        discard_coroutine(call)
        raise


async def call_recorded_async(
    recorder: Recorder,
    call: Awaitable[R] | Callable[..., Awaitable[R]],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    record: RecordOutcome,
) -> R:
    """Await `call` (an awaitable, or a coroutine function called with the arguments) and
    record it."""
    start = recorder.now()
    try:
        if inspect.isawaitable(call):
            result = await call
        else:
            result = await call(*args, **kwargs)
    except Exception as error:
        record(start, None, error)
        raise
    record(start, result, None)
    return result
