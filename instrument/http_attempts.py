"""`codex.api_request`: time one HTTP attempt and record how it ended, event and metrics.

Three shapes of the same measurement: call a function (`run_request`), await one
(`run_request_async`), or wrap a block (`RequestAttempt`, for `with` and `async with`).
The result or the exception reaches the caller unchanged; the event is emitted before.

Outcome rules (Codex's `log_request`, plus `cf_ray`):

- returned response: its status, whatever it is (a 500 response is not an error: no
  `raise_for_status` semantics), and its `cf-ray` header;
- raised exception: `error.message` = its text, the status and `cf-ray` it carries when it
  carries a response (`httpx.HTTPStatusError`, `requests.HTTPError`), none for transport errors;
- interrupted (`KeyboardInterrupt`, `asyncio.CancelledError`, ...: not an `Exception`): no
  event, as Codex drops a cancelled future without recording it.

Beside the event, as Codex does: `codex.api_request` +1 and `codex.api_request.duration_ms`,
tagged `status` (the code as text, `none` without one) and `success` (`true` for a 2xx
status and no exception); see `measurements`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, TypeVar

from codex_otel.generated import events
from codex_otel.runtime._contract import INT64_MAX, out_of_range, wrong_type

from . import measurements, spans
from .outcomes import (
    ResponseLike,
    cf_ray,
    error_response,
    error_status,
    error_text,
    response_status,
)
from .recorded_calls import RecordOutcome, call_recorded, call_recorded_async, check_before_await
from .recorder import Recorder

R = TypeVar("R")

_EVENT = "codex.api_request"


def check_attempt(attempt: int) -> None:
    """Reject a wrong `attempt` before the request runs, never after it succeeded.

    The same checks as the emitter's (type, then the catalog's bounds), made early."""
    if type(attempt) is not int:
        wrong_type(_EVENT, "attempt", "int", attempt)
    if not 0 <= attempt <= INT64_MAX:  # the catalog's minimum, and 64 bits
        out_of_range(_EVENT, "attempt", f"between 0 and {INT64_MAX}", attempt)


def attempt_status(response: object, error: BaseException | None) -> int | None:
    """The attempt's HTTP status: the response's, or the one its error carries."""
    if error is None:
        return response_status(response)
    status = error_status(error)
    return response_status(response) if status is None else status


def record_attempt(  # noqa: PLR0917 (the attempt, its outcome and its span)
    recorder: Recorder,
    attempt: int,
    start_ns: int | None,
    response: object,
    error: BaseException | None,
    span: events.ApiRequestSpan | None = None,
) -> None:
    """Emit `codex.api_request` and record its metrics for an attempt that started at
    `start_ns`, and put its status on its span. Never raises."""
    if span is not None and span.recording:
        with recorder.guard:
            spans.request_ended(recorder, span, attempt_status(response, error))
    duration = recorder.elapsed_ms(start_ns)
    if duration is None or not recorder.observed:
        return
    with recorder.guard:
        conversation = recorder.conversation
        status = attempt_status(response, error)
        if recorder.recording:  # `cf-ray` and the error's text are the event's alone
            if error is None:
                ray = cf_ray(response)
                message = None
            else:
                ray = cf_ray(error_response(error)) or cf_ray(response)
                message = error_text(error)
            events.api_request(
                conversation,
                attempt=attempt,
                duration_ms=duration,
                http_response_status_code=status,
                error_message=message,
                cf_ray=ray,
            )
        measurements.api_request(conversation, duration, status, failed=error is not None)


def run_request(
    recorder: Recorder,
    attempt: int,
    request: Callable[..., R],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
) -> R:
    """Call `request(*args, **kwargs)`, record the attempt, return or re-raise its outcome."""
    check_attempt(attempt)
    with spans.request_span(recorder, attempt) as span:
        record = _recorder_of(recorder, attempt, span)
        return call_recorded(recorder, request, args, kwargs, record, wrapper="log_request")


async def run_request_async(
    recorder: Recorder,
    attempt: int,
    request: Awaitable[R] | Callable[..., Awaitable[R]],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
) -> R:
    """Await `request` (an awaitable, or a coroutine function called with the arguments)."""
    check_before_await(lambda: check_attempt(attempt), request)
    with spans.request_span(recorder, attempt) as span:
        record = _recorder_of(recorder, attempt, span)
        return await call_recorded_async(recorder, request, args, kwargs, record)


def _recorder_of(
    recorder: Recorder, attempt: int, span: events.ApiRequestSpan | None
) -> RecordOutcome:
    def record(start_ns: int | None, response: object, error: BaseException | None) -> None:
        record_attempt(recorder, attempt, start_ns, response, error, span)

    return record


class RequestAttempt:
    """One attempt as a block: `with manager.request(1) as req: req.response = client.post(...)`.

    Also `async with`. Timing starts when the block is entered and stops when it is left.
    Set `response` inside the block to record its status and `cf-ray`; an exception leaving
    the block is recorded (with the status its response carries, else `response`'s) and
    propagates unchanged: the block never swallows it.
    """

    __slots__ = ("_block", "_recorder", "_span", "_start", "attempt", "response")

    def __init__(self, recorder: Recorder, attempt: int) -> None:
        check_attempt(attempt)
        self._recorder = recorder
        self._start: int | None = None
        self._block: AbstractContextManager[events.ApiRequestSpan | None] | None = None
        self._span: events.ApiRequestSpan | None = None
        self.attempt = attempt
        #: The response of the attempt, when it produced one.
        self.response: ResponseLike | None = None

    @property
    def span(self) -> events.ApiRequestSpan | None:
        """The attempt's `codex.api_request` span (None when spans are not recorded)."""
        return self._span

    def __enter__(self) -> RequestAttempt:
        block = spans.request_span(self._recorder, self.attempt)
        self._span = block.__enter__()
        self._block = block
        self._start = self._recorder.now()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._finish(exc)
        finally:
            block, self._block = self._block, None
            if block is not None:
                block.__exit__(exc_type, exc, tb)

    async def __aenter__(self) -> RequestAttempt:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def _finish(self, error: BaseException | None) -> None:
        if error is not None and not isinstance(error, Exception):
            return  # interrupted or cancelled: not an outcome of the request
        record_attempt(self._recorder, self.attempt, self._start, self.response, error, self._span)

    def __repr__(self) -> str:
        return f"RequestAttempt(attempt={self.attempt}, response={self.response!r})"
