"""`codex.sse_event`: per-event classification, stream failures, idle timeouts, completion."""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
import traceback
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from codex_otel.instrument import (
    IDLE_TIMEOUT_MESSAGE,
    OUTPUT_ITEM_ERROR,
    EventManager,
    SSEIdleTimeout,
    classify,
    is_response_item,
    no_tool_tokens,
)
from codex_otel.runtime import Telemetry

if TYPE_CHECKING:
    from support.instrument import FakeClock, Recorded


@dataclass(frozen=True)
class Sse:
    """A server-sent event as httpx-sse yields it."""

    event: str
    data: str


Step = tuple[float, "Sse | BaseException"]


def source(clock: FakeClock, steps: list[Step]) -> Iterator[Sse]:
    """Yield each item after `ms` of (fake) waiting, or raise it."""
    for ms, item in steps:
        clock.advance(ms)
        if isinstance(item, BaseException):
            raise item
        yield item


async def async_source(clock: FakeClock, steps: list[Step]) -> AsyncIterator[Sse]:
    for ms, item in steps:
        await asyncio.sleep(0)
        clock.advance(ms)
        if isinstance(item, BaseException):
            raise item
        yield item


def read_all(
    manager: EventManager, steps: list[Step], clock: FakeClock, **options: Any
) -> list[Sse]:
    return list(manager.log_sse_stream(source(clock, steps), **options))


def read_all_async(
    manager: EventManager, steps: list[Step], clock: FakeClock, **options: Any
) -> list[Sse]:
    async def main() -> list[Sse]:
        stream = manager.log_sse_stream_async(async_source(clock, steps), **options)
        return [item async for item in stream]

    return asyncio.run(main())


COMPLETED_DATA = {
    "type": "response.completed",
    "response": {
        "id": "resp_1",
        "usage": {
            "input_tokens": 1520,
            "input_tokens_details": {"cached_tokens": 1024},
            "output_tokens": 310,
            "output_tokens_details": {"reasoning_tokens": 128},
            "total_tokens": 1830,
        },
    },
}
FAILED_DATA = {
    "type": "response.failed",
    "response": {"status": "failed", "error": {"code": "server_error", "message": "Über"}},
}
OUTPUT_ITEM = {
    "type": "response.output_item.done",
    "output_index": 0,
    "item": {"type": "message", "role": "assistant", "content": []},
}

STREAM: list[Step] = [
    (3.7, Sse("response.created", json.dumps({"type": "response.created"}))),
    (1, Sse("response.output_text.delta", '{"type":"response.output_text.delta","delta":"hi"}')),
    (2, Sse("response.output_item.done", json.dumps(OUTPUT_ITEM))),
    (4, Sse("response.output_item.done", "[1, 2]")),
    (5, Sse("response.failed", json.dumps(FAILED_DATA))),
    (6, Sse("response.in_progress", "{not json")),
    (7, Sse("message", "  [DONE]\n")),
]

EXPECTED = [
    {"event.kind": "response.created", "duration_ms": 3},
    {"event.kind": "response.output_text.delta", "duration_ms": 1},
    {"event.kind": "response.output_item.done", "duration_ms": 2},
    {
        "event.kind": "response.output_item.done",
        "duration_ms": 4,
        "error.message": OUTPUT_ITEM_ERROR,
    },
    {
        "event.kind": "response.failed",
        "duration_ms": 5,
        "error.message": '{"response":{"error":{"code":"server_error","message":"Über"},'
        '"status":"failed"},"type":"response.failed"}',
    },
    {
        "event.kind": "response.in_progress",
        "duration_ms": 6,
        "error.message": "Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
    },
    {"event.kind": "message", "duration_ms": 7},
]


def test_every_event_is_classified_and_passed_through(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    items = read_all(manager, STREAM, clock)
    assert items == [item for _, item in STREAM]
    assert all(got is want for got, (_, want) in zip(items, STREAM, strict=True))
    assert recorded() == [("codex.sse_event", attributes) for attributes in EXPECTED]


def test_async_stream_classifies_the_same(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    items = read_all_async(manager, STREAM, clock)
    assert items == [item for _, item in STREAM]
    assert recorded() == [("codex.sse_event", attributes) for attributes in EXPECTED]


def test_the_end_of_the_stream_emits_nothing(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    assert read_all(manager, [], clock) == []
    assert read_all_async(manager, [], clock) == []
    assert recorded() == []


# --- stream failures and timeouts -----------------------------------------------------------


class StreamBroken(Exception):
    pass


def test_a_stream_error_is_recorded_without_kind_and_reraised(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    error = StreamBroken("error decoding response body")
    steps: list[Step] = [(1, Sse("response.created", "{}")), (9, error)]
    received: list[Sse] = []
    with pytest.raises(StreamBroken) as info:
        received.extend(manager.log_sse_stream(source(clock, steps)))
    assert info.value is error
    assert traceback.extract_tb(error.__traceback__)[-1].name == "source"
    assert len(received) == 1
    assert recorded() == [
        ("codex.sse_event", {"event.kind": "response.created", "duration_ms": 1}),
        ("codex.sse_event", {"duration_ms": 9, "error.message": "error decoding response body"}),
    ]


def test_async_stream_error_is_the_same_object(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    error = StreamBroken("connection reset")
    with pytest.raises(StreamBroken) as info:
        read_all_async(manager, [(2, error)], clock)
    assert info.value is error
    assert traceback.extract_tb(error.__traceback__)[-1].name == "async_source"
    assert recorded() == [
        ("codex.sse_event", {"duration_ms": 2, "error.message": "connection reset"})
    ]


@pytest.mark.parametrize(
    "make_error",
    [
        pytest.param(lambda: TimeoutError("read timed out"), id="TimeoutError"),
        pytest.param(
            lambda: pytest.importorskip("httpx").ReadTimeout("The read operation timed out"),
            id="httpx.ReadTimeout",
        ),
        pytest.param(
            lambda: pytest.importorskip("requests").exceptions.ReadTimeout("Read timed out."),
            id="requests.ReadTimeout",
        ),
        pytest.param(lambda: type("ServerTimeoutError", (OSError,), {})("x"), id="aiohttp-like"),
    ],
)
def test_a_timeout_of_the_source_is_the_idle_timeout(
    manager: EventManager, clock: FakeClock, recorded: Recorded, make_error: Any
) -> None:
    error = make_error()
    with pytest.raises(type(error)) as info:
        read_all(manager, [(300_000, error)], clock)
    assert info.value is error  # re-raised as it is, so the caller's handling still applies
    with pytest.raises(type(error)) as info:
        read_all_async(manager, [(1, error)], clock, idle_timeout=None)
    assert info.value is error
    assert recorded() == [
        ("codex.sse_event", {"duration_ms": 300_000, "error.message": IDLE_TIMEOUT_MESSAGE}),
        ("codex.sse_event", {"duration_ms": 1, "error.message": IDLE_TIMEOUT_MESSAGE}),
    ]


def test_async_idle_timeout_is_enforced(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    closed: list[bool] = []

    async def stuck() -> AsyncIterator[Sse]:
        yield Sse("response.created", "{}")
        clock.advance(40)
        try:
            await asyncio.Event().wait()  # never set: the server went quiet
        finally:
            closed.append(True)
        yield Sse("never", "{}")

    received: list[Sse] = []

    async def consume() -> None:
        async for item in manager.log_sse_stream_async(stuck(), idle_timeout=0.01):
            received.append(item)

    async def main() -> None:
        with pytest.raises(SSEIdleTimeout, match=r"^idle timeout waiting for SSE$") as info:
            await consume()
        assert isinstance(info.value, TimeoutError)

    asyncio.run(main())
    assert len(received) == 1
    assert closed == [True]  # the pending read was cancelled
    assert recorded() == [
        ("codex.sse_event", {"event.kind": "response.created", "duration_ms": 0}),
        ("codex.sse_event", {"duration_ms": 40, "error.message": IDLE_TIMEOUT_MESSAGE}),
    ]


def test_the_sync_idle_timeout_stops_waiting_for_a_blocked_read(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    released = threading.Event()
    reading_threads: list[str] = []

    def stuck() -> Iterator[Sse]:
        reading_threads.append(threading.current_thread().name)
        yield Sse("response.created", "{}")
        clock.advance(40)
        released.wait(timeout=30)  # the server went quiet; the test lets it go at the end
        yield Sse("late", "{}")

    received: list[Sse] = []
    with pytest.raises(SSEIdleTimeout, match=r"^idle timeout waiting for SSE$") as info:
        received.extend(manager.log_sse_stream(stuck(), idle_timeout=0.05))
    assert isinstance(info.value, TimeoutError)
    assert [item.event for item in received] == ["response.created"]
    assert reading_threads == ["codex-otel-sse-reader"]  # read off the caller's thread
    assert recorded() == [
        ("codex.sse_event", {"event.kind": "response.created", "duration_ms": 0}),
        ("codex.sse_event", {"duration_ms": 40, "error.message": IDLE_TIMEOUT_MESSAGE}),
    ]
    released.set()
    for thread in threading.enumerate():
        if thread.name == "codex-otel-sse-reader":
            thread.join(timeout=5)
            assert not thread.is_alive()  # it finished its read and left


def test_the_sync_idle_timeout_reads_in_step_and_in_the_callers_context(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")
    request_id.set("req-7")
    pulled: list[int] = []

    def counted() -> Iterator[Sse]:
        for index in range(3):
            pulled.append(index)
            clock.advance(5)
            yield Sse("response.output_text.delta", json.dumps({"id": request_id.get()}))

    stream = manager.log_sse_stream(counted(), idle_timeout=30)
    first = next(stream)
    assert json.loads(first.data) == {"id": "req-7"}
    assert pulled == [0]  # never read ahead of the consumer
    rest = list(stream)
    assert len(rest) == 2 and pulled == [0, 1, 2]
    assert [attributes["duration_ms"] for _, attributes in recorded()] == [5, 5, 5]


def test_closing_a_sync_stream_with_an_idle_timeout_closes_the_source(
    manager: EventManager,
) -> None:
    closed: list[bool] = []

    def endless() -> Iterator[Sse]:
        try:
            while True:
                yield Sse("response.output_text.delta", "{}")
        finally:
            closed.append(True)

    stream = manager.log_sse_stream(endless(), idle_timeout=30)
    next(stream)
    stream.close()
    assert closed == [True]


def test_the_async_idle_timeout_reads_in_the_consumers_task(
    manager: EventManager, recorded: Recorded
) -> None:
    # Sources that hold a cancel scope across yields (anyio, as httpx does) or set context
    # variables break when each read runs in a task of its own (wait_for before 3.12).
    anyio = pytest.importorskip("anyio")
    seen: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="unset")

    async def scoped() -> AsyncIterator[Sse]:
        with anyio.fail_after(30):
            seen.set("set-in-source")
            for _ in range(2):
                await asyncio.sleep(0)
                yield Sse("response.output_text.delta", json.dumps({"seen": seen.get()}))

    async def main() -> list[str]:
        stream = manager.log_sse_stream_async(scoped(), idle_timeout=30)
        return [json.loads(item.data)["seen"] async for item in stream]

    assert asyncio.run(main()) == ["set-in-source", "set-in-source"]
    assert all("error.message" not in attributes for _, attributes in recorded())
    assert len(recorded()) == 2


def test_a_timeout_error_of_the_source_is_not_mistaken_for_the_idle_timeout(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    error = TimeoutError("upstream")
    with pytest.raises(TimeoutError) as info:
        read_all_async(manager, [(1, error)], clock, idle_timeout=60)
    assert info.value is error
    assert not isinstance(info.value, SSEIdleTimeout)
    assert recorded() == [
        ("codex.sse_event", {"duration_ms": 1, "error.message": IDLE_TIMEOUT_MESSAGE})
    ]


@pytest.mark.parametrize("idle_timeout", [0, -1, float("nan"), float("inf"), True, "5"])
def test_a_bad_idle_timeout_is_refused_before_reading(
    manager: EventManager, idle_timeout: Any
) -> None:
    async def empty() -> AsyncIterator[Sse]:
        raise AssertionError("must not be read")
        yield  # pragma: no cover

    with pytest.raises(ValueError, match="idle_timeout must be a positive number"):
        manager.log_sse_stream_async(empty(), idle_timeout=idle_timeout)


def test_interruptions_emit_nothing(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    with pytest.raises(KeyboardInterrupt):
        read_all(manager, [(1, KeyboardInterrupt())], clock)

    async def main() -> None:
        async def hang() -> AsyncIterator[Sse]:
            await asyncio.Event().wait()
            yield Sse("never", "{}")

        async def consume() -> None:
            async for _ in manager.log_sse_stream_async(hang()):
                pass

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert recorded() == []


def test_closing_early_closes_the_source(manager: EventManager, clock: FakeClock) -> None:
    closed: list[str] = []

    def endless() -> Iterator[Sse]:
        try:
            while True:
                yield Sse("response.output_text.delta", "{}")
        finally:
            closed.append("sync")

    async def endless_async() -> AsyncIterator[Sse]:
        try:
            while True:
                yield Sse("response.output_text.delta", "{}")
        finally:
            closed.append("async")

    stream = manager.log_sse_stream(endless())
    next(stream)
    stream.close()

    async def main() -> None:
        stream = manager.log_sse_stream_async(endless_async())
        await stream.__anext__()
        await stream.aclose()

    asyncio.run(main())
    assert closed == ["sync", "async"]


# --- the completion summary -----------------------------------------------------------------


def completed(data: object) -> list[Step]:
    return [(11, Sse("response.completed", json.dumps(data)))]


def test_response_completed_emits_the_summary_after_its_event(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    read_all(manager, completed(COMPLETED_DATA), clock)
    assert recorded() == [
        ("codex.sse_event", {"event.kind": "response.completed", "duration_ms": 11}),
        (
            "codex.sse_event",
            {
                "event.kind": "response.completed",
                "input_token_count": 1520,
                "output_token_count": 310,
                "cached_token_count": 1024,
                "reasoning_token_count": 128,
                # Codex's choice, followed: the usage's total_tokens, not a count of its own.
                "tool_token_count": 1830,
            },
        ),
    ]


def test_tool_tokens_can_be_computed_by_the_caller(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    usage = {"input_tokens": 5, "output_tokens": 6, "total_tokens": 11}
    data = {"type": "response.completed", "response": {"usage": usage}}
    read_all_async(manager, completed(data), clock, tool_tokens=lambda u: u["total_tokens"])
    assert recorded()[1] == (
        "codex.sse_event",
        {
            "event.kind": "response.completed",
            "input_token_count": 5,
            "output_token_count": 6,
            "tool_token_count": 11,
        },
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"type": "response.completed", "response": {"id": "r", "usage": None}},
            "missing token usage",
            id="usage-null",
        ),
        pytest.param(
            {"type": "response.completed", "response": {"id": "r"}},
            "missing token usage",
            id="usage-absent",
        ),
        pytest.param(
            {"type": "response.completed"},
            "failed to parse ResponseCompleted: missing object `response`",
            id="no-response",
        ),
        pytest.param(
            [1],
            "failed to parse ResponseCompleted: missing object `response`",
            id="not-an-object",
        ),
        pytest.param(
            {"response": {"usage": [1]}},
            "failed to parse ResponseCompleted: `response.usage` is not an object",
            id="usage-not-an-object",
        ),
        pytest.param(
            {"response": {"usage": {"input_tokens": "5", "output_tokens": 1}}},
            "failed to parse ResponseCompleted: `response.usage.input_tokens` is not a count",
            id="input-not-a-count",
        ),
        pytest.param(
            {"response": {"usage": {"input_tokens": 5, "output_tokens": -1}}},
            "failed to parse ResponseCompleted: `response.usage.output_tokens` is not a count",
            id="output-negative",
        ),
        pytest.param(
            # Required by Codex's parser too (`total_tokens: u64`, no default).
            {"response": {"usage": {"input_tokens": 5, "output_tokens": 1}}},
            "failed to parse ResponseCompleted: `response.usage.total_tokens` is not a count",
            id="no-total",
        ),
    ],
)
def test_an_unreadable_completion_emits_the_failed_summary(
    manager: EventManager, clock: FakeClock, recorded: Recorded, data: object, message: str
) -> None:
    read_all(manager, completed(data), clock)
    assert recorded() == [
        ("codex.sse_event", {"event.kind": "response.completed", "duration_ms": 11}),
        ("codex.sse_event", {"event.kind": "response.completed", "error.message": message}),
    ]


def test_malformed_usage_details_are_omitted(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    usage = {
        "input_tokens": 1,
        "output_tokens": 2,
        "input_tokens_details": {"cached_tokens": "many"},
        "output_tokens_details": None,
        "total_tokens": 3,
    }
    read_all(manager, completed({"response": {"usage": usage}}), clock)
    assert recorded()[1][1] == {
        "event.kind": "response.completed",
        "input_token_count": 1,
        "output_token_count": 2,
        "tool_token_count": 3,
    }


def test_no_tool_tokens_sends_zero_instead_of_the_total(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    usage = {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    read_all(manager, completed({"response": {"usage": usage}}), clock, tool_tokens=no_tool_tokens)
    assert recorded()[1][1]["tool_token_count"] == 0


def test_a_completion_that_is_not_json_is_only_a_failed_event(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    read_all(manager, [(1, Sse("response.completed", "oops")), (1, Sse("x", "[DONE]"))], clock)
    assert recorded() == [
        (
            "codex.sse_event",
            {
                "event.kind": "response.completed",
                "duration_ms": 1,
                "error.message": "Expecting value: line 1 column 1 (char 0)",
            },
        ),
        ("codex.sse_event", {"event.kind": "x", "duration_ms": 1}),
    ]


# --- validators, odd items, robustness ------------------------------------------------------


def test_a_custom_output_item_validator(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    def has_message_item(data: Any) -> bool:
        return bool(data["item"]["type"] == "message")

    bad = {**OUTPUT_ITEM, "item": {"type": "reasoning"}}
    steps: list[Step] = [
        (1, Sse("response.output_item.done", json.dumps(OUTPUT_ITEM))),
        (1, Sse("response.output_item.done", json.dumps(bad))),
        (1, Sse("response.output_item.done", "{}")),  # the validator raises KeyError: rejected
    ]
    read_all(manager, steps, clock, output_item_validator=has_message_item)
    assert [attributes.get("error.message") for _, attributes in recorded()] == [
        None,
        OUTPUT_ITEM_ERROR,
        OUTPUT_ITEM_ERROR,
    ]


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        (OUTPUT_ITEM, True),
        ({"type": "message"}, True),
        ({"type": 1}, False),
        ({}, False),
        ([], False),
        ("text", False),
        (None, False),
    ],
)
def test_default_output_item_validator(data: object, valid: bool) -> None:
    assert is_response_item(data) is valid


def test_classify_directly() -> None:
    assert classify("k", "[DONE]") is None
    assert classify("k", "\t[DONE] \n") is None
    assert classify("k", '{"a": 1}') is None
    assert classify("k", "null") is None
    assert classify("response.failed", '{"b": [1, 2.5], "a": "é"}') == '{"a":"é","b":[1,2.5]}'
    assert classify("response.output_item.done", "{}") == OUTPUT_ITEM_ERROR
    assert classify("response.output_item.done", "{}", lambda data: True) is None
    assert classify("k", "[" * 100_000)  # too deep for the parser: a failure, not a crash


def test_odd_items_are_normalised(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    @dataclass
    class Loose:
        event: Any
        data: Any

    steps: list[Any] = [
        (1, Loose(None, b'{"type": "x"}')),
        (1, Loose("", None)),
        (1, Loose(7, "[DONE]")),
    ]
    read_all(manager, steps, clock)
    assert recorded() == [
        ("codex.sse_event", {"event.kind": "message", "duration_ms": 1}),
        (
            "codex.sse_event",
            {
                "event.kind": "message",
                "duration_ms": 1,
                "error.message": "Expecting value: line 1 column 1 (char 0)",
            },
        ),
        ("codex.sse_event", {"event.kind": "7", "duration_ms": 1}),
    ]


def test_telemetry_errors_never_reach_the_stream(
    manager: EventManager, clock: FakeClock, recorded: Recorded, telemetry: Telemetry
) -> None:
    def bad_tool_tokens(usage: Any) -> int:
        raise RuntimeError("bug in the caller's hook")

    class Unreadable:
        @property
        def event(self) -> str:
            raise RuntimeError("broken item")

        data = "{}"

    item = Unreadable()
    steps: list[Any] = [(1, item), *completed(COMPLETED_DATA)]
    items: list[Any] = read_all(manager, steps, clock, tool_tokens=bad_tool_tokens)
    assert items[0] is item
    assert recorded() == [
        ("codex.sse_event", {"event.kind": "response.completed", "duration_ms": 11})
    ]
    assert telemetry.stats.emit_errors == 2


def test_nothing_is_parsed_when_nobody_listens(
    manager: EventManager, clock: FakeClock, telemetry: Telemetry
) -> None:
    calls: list[object] = []

    def validator(data: Any) -> bool:
        calls.append(data)
        return True

    assert not telemetry.recording
    steps: list[Step] = [(1, Sse("response.output_item.done", json.dumps(OUTPUT_ITEM)))]
    assert len(read_all(manager, steps, clock, output_item_validator=validator)) == 1
    assert len(read_all_async(manager, steps, clock, output_item_validator=validator)) == 1
    with pytest.raises(StreamBroken):
        read_all(manager, [(1, StreamBroken())], clock)
    assert calls == []
    assert telemetry.stats.emit_errors == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("NaN", "NaN is not valid JSON"),
        ('{"a": Infinity}', "Infinity is not valid JSON"),
        ('{"a": -Infinity}', "-Infinity is not valid JSON"),
        ('{"a": 1e400}', "number out of range: 1e400"),
    ],
)
def test_what_json_does_not_allow_is_not_json(data: str, message: str) -> None:
    # Python's parser accepts these; JSON and the seed's serde_json do not.
    assert classify("response.output_text.delta", data) == message
    assert classify("response.failed", data) == message  # never "Infinity" in a message
