"""`codex.api_request`: the three forms of one HTTP attempt, with httpx, requests and duck types."""

from __future__ import annotations

import asyncio
import gc
import traceback
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from codex_otel.generated import events
from codex_otel.instrument import EventManager, RequestAttempt
from codex_otel.runtime import Telemetry

if TYPE_CHECKING:
    from support.instrument import FakeClock, Recorded


class StatusError(Exception):
    """A library-agnostic error carrying a status, like the OpenAI SDK's APIStatusError."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class Resp:
    """A minimal response: aiohttp-style `.status` and a plain (case-sensitive) dict."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.headers = headers or {}


def failing(error: BaseException, clock: FakeClock, ms: float) -> Callable[[], Any]:
    def failing_request() -> Any:
        clock.advance(ms)
        raise error

    return failing_request


def returning(value: Any, clock: FakeClock, ms: float) -> Callable[..., Any]:
    def request(*args: Any, **kwargs: Any) -> Any:
        clock.advance(ms)
        return value

    return request


# --- the callable form ----------------------------------------------------------------------


def test_success_records_status_duration_and_no_error(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    response = Resp(200)
    assert manager.log_request(1, returning(response, clock, 412.9)) is response
    assert recorded() == [
        ("codex.api_request", {"attempt": 1, "duration_ms": 412, "http.response.status_code": 200})
    ]


def test_arguments_are_forwarded(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    seen: list[Any] = []

    def post(url: str, *, json: dict[str, int]) -> Resp:
        seen.append((url, json))
        return Resp(201)

    manager.log_request(2, post, "https://api.test/v1/responses", json={"a": 1})
    assert seen == [("https://api.test/v1/responses", {"a": 1})]
    assert recorded()[0][1]["attempt"] == 2


def test_failure_reraises_the_same_exception_with_its_traceback(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    error = StatusError("rate limited", 429)
    with pytest.raises(StatusError) as info:
        manager.log_request(3, failing(error, clock, 5))
    assert info.value is error
    assert traceback.extract_tb(error.__traceback__)[-1].name == "failing_request"
    assert recorded() == [
        (
            "codex.api_request",
            {
                "attempt": 3,
                "duration_ms": 5,
                "http.response.status_code": 429,
                "error.message": "rate limited",
            },
        )
    ]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        pytest.param(StatusError("x", 503), 503, id="status_code"),
        pytest.param(type("E", (Exception,), {"status": 502})("x"), 502, id="status"),
        pytest.param(type("E", (Exception,), {"response": Resp(418)})("x"), 418, id="response"),
        pytest.param(type("E", (Exception,), {"status": "bad"})("x"), None, id="not-an-int"),
        pytest.param(type("E", (Exception,), {"status": True})("x"), None, id="bool"),
        pytest.param(OSError("connection reset"), None, id="transport"),
    ],
)
def test_status_carried_by_generic_errors(
    manager: EventManager,
    clock: FakeClock,
    recorded: Recorded,
    error: Exception,
    status: int | None,
) -> None:
    with pytest.raises(type(error)):
        manager.log_request(1, failing(error, clock, 0))
    attributes = recorded()[0][1]
    assert attributes.get("http.response.status_code") == status
    assert attributes["error.message"] == str(error)


def test_an_error_without_text_is_named_by_its_class(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    with pytest.raises(TimeoutError):
        manager.log_request(1, failing(TimeoutError(), clock, 1))
    assert recorded()[0][1]["error.message"] == "TimeoutError"


def test_cf_ray_from_a_plain_dict_is_found_case_insensitively(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    manager.log_request(1, returning(Resp(200, {"CF-Ray": "8f1e-SJC"}), clock, 0))
    manager.log_request(2, returning(Resp(200, {"cf-ray": ""}), clock, 0))
    manager.log_request(3, returning("not a response", clock, 0))
    assert [attributes for _, attributes in recorded()] == [
        {"attempt": 1, "duration_ms": 0, "http.response.status_code": 200, "cf_ray": "8f1e-SJC"},
        {"attempt": 2, "duration_ms": 0, "http.response.status_code": 200},
        {"attempt": 3, "duration_ms": 0},
    ]


def test_a_response_whose_attributes_raise_is_recorded_without_them(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    class Broken:
        @property
        def status_code(self) -> int:
            raise RuntimeError("no status")

        @property
        def headers(self) -> dict[str, str]:
            raise RuntimeError("no headers")

    response = Broken()
    assert manager.log_request(1, returning(response, clock, 2)) is response
    assert recorded() == [("codex.api_request", {"attempt": 1, "duration_ms": 2})]


@pytest.mark.parametrize("attempt", ["1", True, 1.0, None])
def test_a_wrong_attempt_raises_before_the_request_runs(
    manager: EventManager, attempt: Any, recorded: Recorded
) -> None:
    calls: list[int] = []
    with pytest.raises(TypeError, match=r"codex\.api_request: argument 'attempt' must be int"):
        manager.log_request(attempt, lambda: calls.append(1))
    with pytest.raises(TypeError):
        manager.request(attempt)
    assert calls == []
    assert recorded() == []


@pytest.mark.parametrize("attempt", [-1, 2**63])
def test_an_attempt_out_of_the_catalog_bounds_raises_before_the_request_runs(
    manager: EventManager, attempt: int, recorded: Recorded
) -> None:
    # The message is the emitter's own (the same bounds, checked before the request).
    bounds = (
        r"^codex\.api_request: argument 'attempt' must be between 0 and 9223372036854775807; "
        rf"got {attempt}$"
    )
    with pytest.raises(ValueError, match=bounds) as from_emitter:
        events.api_request(manager.conversation, attempt=attempt, duration_ms=0)
    calls: list[int] = []
    with pytest.raises(ValueError, match=bounds) as early:
        manager.log_request(attempt, lambda: calls.append(1))
    assert str(early.value) == str(from_emitter.value)
    with pytest.raises(ValueError, match=bounds):
        manager.request(attempt)
    assert calls == []
    assert recorded() == []


def test_an_interruption_is_not_recorded(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    interrupt = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt) as info:
        manager.log_request(1, failing(interrupt, clock, 3))
    assert info.value is interrupt
    assert recorded() == []


def test_nothing_is_measured_or_emitted_when_nobody_listens(
    manager: EventManager, clock: FakeClock, telemetry: Telemetry
) -> None:
    assert not telemetry.recording
    response = Resp(200)
    assert manager.log_request(1, returning(response, clock, 9)) is response
    with pytest.raises(StatusError):
        manager.log_request(1, failing(StatusError("x", 500), clock, 9))
    assert telemetry.stats.emit_errors == 0


def test_a_failing_clock_never_reaches_the_caller(
    telemetry: Telemetry, metadata: events.Metadata, recorded: Recorded
) -> None:
    readings = iter([1])

    def broken_clock() -> int:  # fine when the manager is built, broken afterwards
        return next(readings)

    manager = EventManager(telemetry.conversation(metadata), clock=broken_clock)
    response = Resp(200)
    assert manager.log_request(1, lambda: response) is response
    assert recorded() == []
    assert telemetry.stats.emit_errors == 2


# --- the awaitable form ---------------------------------------------------------------------


def test_async_coroutine_function_with_arguments(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    async def post(url: str, *, body: str) -> Resp:
        clock.advance(30)
        await asyncio.sleep(0)
        return Resp(200, {"cf-ray": f"{url}|{body}"})

    response = asyncio.run(manager.log_request_async(1, post, "u", body="b"))
    assert response.status == 200
    assert recorded() == [
        (
            "codex.api_request",
            {"attempt": 1, "duration_ms": 30, "http.response.status_code": 200, "cf_ray": "u|b"},
        )
    ]


def test_async_awaitable_and_failure(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    error = StatusError("server error", 500)

    async def fail() -> Resp:
        clock.advance(7)
        raise error

    async def ok() -> Resp:
        clock.advance(1)
        return Resp(204)

    async def main() -> None:
        assert (await manager.log_request_async(1, ok())).status == 204
        with pytest.raises(StatusError) as info:
            await manager.log_request_async(2, fail())
        assert info.value is error
        with pytest.raises(StatusError):
            await manager.log_request_async(3, fail)

    asyncio.run(main())
    assert [attributes for _, attributes in recorded()] == [
        {"attempt": 1, "duration_ms": 1, "http.response.status_code": 204},
        {
            "attempt": 2,
            "duration_ms": 7,
            "http.response.status_code": 500,
            "error.message": "server error",
        },
        {
            "attempt": 3,
            "duration_ms": 7,
            "http.response.status_code": 500,
            "error.message": "server error",
        },
    ]


def test_async_wrong_attempt_closes_the_coroutine(manager: EventManager) -> None:
    async def request() -> Resp:
        return Resp(200)

    coroutine = request()
    with pytest.raises(TypeError):
        asyncio.run(manager.log_request_async("1", coroutine))  # type: ignore[call-overload]
    assert coroutine.cr_frame is None  # type: ignore[attr-defined]  # closed: no "never awaited" warning


def test_async_cancellation_is_not_recorded(manager: EventManager, recorded: Recorded) -> None:
    async def hang() -> Resp:
        await asyncio.Event().wait()
        raise AssertionError

    async def main() -> None:
        task = asyncio.ensure_future(manager.log_request_async(1, hang))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert recorded() == []


# --- the block form -------------------------------------------------------------------------


def test_block_with_response(manager: EventManager, clock: FakeClock, recorded: Recorded) -> None:
    with manager.request(1) as request:
        assert isinstance(request, RequestAttempt)
        assert repr(request) == "RequestAttempt(attempt=1, response=None)"
        clock.advance(12)
        request.response = Resp(200, {"cf-ray": "ray"})
    with manager.request(2):
        clock.advance(1)
    assert [attributes for _, attributes in recorded()] == [
        {"attempt": 1, "duration_ms": 12, "http.response.status_code": 200, "cf_ray": "ray"},
        {"attempt": 2, "duration_ms": 1},
    ]


def test_block_with_exception(manager: EventManager, clock: FakeClock, recorded: Recorded) -> None:
    error = ValueError("bad json")

    def decode_after_response() -> None:
        with manager.request(1) as request:
            request.response = Resp(200, {"cf-ray": "ray"})
            clock.advance(4)
            raise error

    def fail_with_status() -> None:
        with manager.request(2) as request:
            request.response = Resp(200)
            raise StatusError("unavailable", 503)

    with pytest.raises(ValueError, match="bad json") as info:
        decode_after_response()
    assert info.value is error
    with pytest.raises(StatusError):
        fail_with_status()
    assert [attributes for _, attributes in recorded()] == [
        # the exception carries no status: the response's, and its cf-ray
        {
            "attempt": 1,
            "duration_ms": 4,
            "http.response.status_code": 200,
            "error.message": "bad json",
            "cf_ray": "ray",
        },
        # the exception's own status wins
        {
            "attempt": 2,
            "duration_ms": 0,
            "http.response.status_code": 503,
            "error.message": "unavailable",
        },
    ]


def test_async_block(manager: EventManager, clock: FakeClock, recorded: Recorded) -> None:
    async def main() -> None:
        async with manager.request(1) as request:
            clock.advance(8)
            await asyncio.sleep(0)
            request.response = Resp(429)
        with pytest.raises(StatusError):
            await fail()

    async def fail() -> None:
        async with manager.request(2):
            clock.advance(2)
            raise StatusError("boom", 500)

    asyncio.run(main())
    assert [attributes for _, attributes in recorded()] == [
        {"attempt": 1, "duration_ms": 8, "http.response.status_code": 429},
        {
            "attempt": 2,
            "duration_ms": 2,
            "http.response.status_code": 500,
            "error.message": "boom",
        },
    ]


def test_block_interrupted_is_not_recorded(manager: EventManager, recorded: Recorded) -> None:
    def interrupted() -> None:
        with manager.request(1):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert recorded() == []


# --- real httpx objects ---------------------------------------------------------------------


def test_httpx_client_success_and_error_status(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    httpx = pytest.importorskip("httpx")

    def handler(request: Any) -> Any:
        clock.advance(250)
        status = 200 if request.url.path == "/ok" else 500
        return httpx.Response(status, headers={"CF-RAY": "8f1e2d3c4b5a6978-SJC"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        ok = manager.log_request(1, client.post, "https://api.test/ok", json={"x": 1})
        server_error = manager.log_request(2, client.get, "https://api.test/fail")
    assert ok.status_code == 200
    assert server_error.status_code == 500  # returned, not raised: recorded without an error
    assert [attributes for _, attributes in recorded()] == [
        {
            "attempt": 1,
            "duration_ms": 250,
            "http.response.status_code": 200,
            "cf_ray": "8f1e2d3c4b5a6978-SJC",
        },
        {
            "attempt": 2,
            "duration_ms": 250,
            "http.response.status_code": 500,
            "cf_ray": "8f1e2d3c4b5a6978-SJC",
        },
    ]


def test_httpx_response_and_errors(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    httpx = pytest.importorskip("httpx")
    request = httpx.Request("POST", "https://x")
    response = httpx.Response(200, headers={"cf-ray": "abc"}, request=request)
    failed = httpx.Response(502, headers={"cf-ray": "def"}, request=request)
    status_error = httpx.HTTPStatusError("Bad Gateway", request=request, response=failed)
    timeout = httpx.ReadTimeout("timed out", request=request)
    refused = httpx.ConnectError("[Errno 111] Connection refused")

    assert manager.log_request(1, returning(response, clock, 1)) is response
    for attempt, error in enumerate((status_error, timeout, refused), start=2):
        with pytest.raises(httpx.HTTPError) as info:
            manager.log_request(attempt, failing(error, clock, 10))
        assert info.value is error
    assert [attributes for _, attributes in recorded()] == [
        {"attempt": 1, "duration_ms": 1, "http.response.status_code": 200, "cf_ray": "abc"},
        {
            "attempt": 2,
            "duration_ms": 10,
            "http.response.status_code": 502,
            "error.message": "Bad Gateway",
            "cf_ray": "def",
        },
        {"attempt": 3, "duration_ms": 10, "error.message": "timed out"},
        {"attempt": 4, "duration_ms": 10, "error.message": "[Errno 111] Connection refused"},
    ]


def test_httpx_raise_for_status_in_a_block(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    httpx = pytest.importorskip("httpx")
    request = httpx.Request("POST", "https://api.test/v1/responses")

    def send() -> None:
        with manager.request(1) as attempt:
            response = attempt.response = httpx.Response(429, request=request)
            clock.advance(3)
            response.raise_for_status()

    with pytest.raises(httpx.HTTPStatusError) as info:
        send()
    assert recorded() == [
        (
            "codex.api_request",
            {
                "attempt": 1,
                "duration_ms": 3,
                "http.response.status_code": 429,
                "error.message": str(info.value),
            },
        )
    ]


# --- real requests objects ------------------------------------------------------------------


def _requests_response(requests: Any, status: int, headers: dict[str, str]) -> Any:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers)
    response.reason = "Service Unavailable" if status == 503 else "OK"
    response.url = "https://api.test/v1/responses"
    return response


def test_requests_response_and_errors(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    requests = pytest.importorskip("requests")
    ok = _requests_response(requests, 200, {"CF-RAY": "r1"})
    unavailable = _requests_response(requests, 503, {"Cf-Ray": "r2"})
    http_error = requests.HTTPError("503 Server Error", response=unavailable)
    timeout = requests.Timeout("Read timed out. (read timeout=30)")
    refused = requests.ConnectionError("Max retries exceeded")

    assert manager.log_request(1, returning(ok, clock, 100)) is ok
    for attempt, error in enumerate((http_error, timeout, refused), start=2):
        with pytest.raises(requests.RequestException) as info:
            manager.log_request(attempt, failing(error, clock, 20))
        assert info.value is error
    assert [attributes for _, attributes in recorded()] == [
        {"attempt": 1, "duration_ms": 100, "http.response.status_code": 200, "cf_ray": "r1"},
        {
            "attempt": 2,
            "duration_ms": 20,
            "http.response.status_code": 503,
            "error.message": "503 Server Error",
            "cf_ray": "r2",
        },
        {"attempt": 3, "duration_ms": 20, "error.message": "Read timed out. (read timeout=30)"},
        {"attempt": 4, "duration_ms": 20, "error.message": "Max retries exceeded"},
    ]


def test_requests_raise_for_status(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    requests = pytest.importorskip("requests")
    unavailable = _requests_response(requests, 503, {})

    def post() -> Any:
        clock.advance(2)
        unavailable.raise_for_status()
        return unavailable

    with pytest.raises(requests.HTTPError):
        manager.log_request(1, post)
    assert recorded() == [
        (
            "codex.api_request",
            {
                "attempt": 1,
                "duration_ms": 2,
                "http.response.status_code": 503,
                "error.message": "503 Server Error: Service Unavailable "
                "for url: https://api.test/v1/responses",
            },
        )
    ]


def test_an_async_function_given_to_the_sync_form_is_refused_not_recorded(
    manager: EventManager, recorded: Recorded
) -> None:
    async def get(url: str) -> Resp:  # what `AsyncClient().get` is
        raise AssertionError("never awaited, never run")

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine ... was never awaited" would fail here
        with pytest.raises(TypeError, match="use log_request_async"):
            # It raises before any coroutine exists: what the test is about.
            manager.log_request(1, get, "https://example.com")  # type: ignore[unused-coroutine]
        gc.collect()
    assert recorded() == []  # not a 0 ms success
