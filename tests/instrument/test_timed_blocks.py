"""The instruments for what Codex times beyond requests and tools: a turn (time to first
token and message, end to end, tool calls), the websocket transport, startup phases,
sandbox outcomes and thread starts. Events and measurements are captured together; the
clock is a FakeClock that the code under test advances."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from codex_otel.instrument import EventManager
from codex_otel.runtime import CapturedEvent, CapturedMeasurement, Telemetry
from support.instrument import FakeClock
from support.metadata import make_metadata

METADATA = make_metadata(
    conversation_id="conv-t",
    app_version="0.42.0",
    model="gpt-5-codex",
    auth_mode="ApiKey",
    originator="codex_cli_rs",
    session_source="exec",
)
#: What every measurement of METADATA's conversation carries besides its own tags.
METRIC_TAGS = {
    "model": "gpt-5-codex",
    "app.version": "0.42.0",
    "auth_mode": "ApiKey",
    "originator": "codex_cli_rs",
    "session_source": "exec",
}
Point = tuple[str, int | float, dict[str, Any]]


@dataclass
class Seen:
    events: list[CapturedEvent]
    measurements: list[CapturedMeasurement]

    def named(self) -> list[tuple[str, dict[str, Any]]]:
        """The events as (name, own attributes): the metadata and timestamp left out."""
        common = {*METADATA.to_attributes(), "event.timestamp", "event.name"}
        return [
            (e.name, {k: v for k, v in e.attributes.items() if k not in common})
            for e in self.events
        ]

    def points(self) -> list[Point]:
        points: list[Point] = []
        for measurement in self.measurements:
            tags = dict(measurement.attributes)
            for key, value in METRIC_TAGS.items():
                assert tags.pop(key) == value, (measurement.name, key)
            points.append((measurement.name, measurement.value, tags))
        return points


@pytest.fixture
def manager(telemetry: Telemetry, clock: FakeClock) -> EventManager:
    return EventManager(telemetry.conversation(METADATA), clock=clock)


@pytest.fixture
def seen(telemetry: Telemetry) -> Iterator[Seen]:
    with telemetry.capture() as captured, telemetry.capture_measurements() as measurements:
        yield Seen(captured, measurements)


class Handshake:
    def __init__(self, status: int) -> None:
        self.status_code = status


class Refused(Exception):
    status_code = 403


# --- turns --------------------------------------------------------------------------------


def test_a_turn_times_first_token_first_message_and_end(
    manager: EventManager, clock: FakeClock, seen: Seen
) -> None:
    with manager.turn() as turn:
        clock.advance(640.7)
        turn.first_token()
        clock.advance(100)
        turn.first_token()  # a turn has one first token: later calls record nothing
        turn.first_message()
        turn.tool_call()
        turn.tool_call()
        clock.advance(259.5)
        turn.first_message()
    assert seen.named() == [("codex.turn_ttft", {"duration_ms": 640})]
    assert seen.points() == [
        ("codex.turn.ttft.duration_ms", 640, {}),
        ("codex.turn.ttfm.duration_ms", 740, {}),
        ("codex.turn.e2e_duration_ms", 1000, {}),
        ("codex.turn.tool.call", 2, {}),
    ]


def test_a_turn_that_fails_still_ended(manager: EventManager, clock: FakeClock, seen: Seen) -> None:
    def turn() -> None:
        with manager.turn():
            clock.advance(12)
            raise RuntimeError("model refused")

    with pytest.raises(RuntimeError, match="model refused"):
        turn()
    assert seen.named() == []
    assert seen.points() == [
        ("codex.turn.e2e_duration_ms", 12, {}),
        ("codex.turn.tool.call", 0, {}),
    ]


def test_an_interrupted_turn_records_nothing_more(
    manager: EventManager, clock: FakeClock, seen: Seen
) -> None:
    def interrupted() -> None:
        with manager.turn() as turn:
            clock.advance(5)
            turn.first_token()
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert [name for name, _, _ in seen.points()] == ["codex.turn.ttft.duration_ms"]


def test_time_to_first_token_measured_elsewhere(manager: EventManager, seen: Seen) -> None:
    manager.turn_ttft(timedelta(milliseconds=812, microseconds=900))
    assert seen.named() == [("codex.turn_ttft", {"duration_ms": 812})]
    assert seen.points() == [("codex.turn.ttft.duration_ms", 812, {})]
    with pytest.raises(ValueError, match="must not be negative"):
        manager.turn_ttft(-1)


# --- websockets ---------------------------------------------------------------------------


def test_a_websocket_connect_that_opens(
    manager: EventManager, clock: FakeClock, seen: Seen
) -> None:
    with manager.websocket_connect(endpoint="/v1/responses", connection_reused=False) as connect:
        clock.advance(88)
        connect.response = Handshake(101)
    assert seen.named() == [
        (
            "codex.websocket_connect",
            {
                "duration_ms": 88,
                "success": "true",
                "http.response.status_code": 101,
                "endpoint": "/v1/responses",
                "auth.connection_reused": False,
            },
        )
    ]
    assert seen.points() == []  # Codex records no metric for the connection itself


def test_a_websocket_connect_that_is_refused(
    manager: EventManager, clock: FakeClock, seen: Seen
) -> None:
    def connect() -> None:
        with manager.websocket_connect():
            clock.advance(40)
            raise Refused("handshake refused: 403")

    with pytest.raises(Refused):
        connect()
    assert seen.named() == [
        (
            "codex.websocket_connect",
            {
                "duration_ms": 40,
                "success": "false",
                "http.response.status_code": 403,
                "error.message": "handshake refused: 403",
            },
        )
    ]


def test_websocket_requests(manager: EventManager, clock: FakeClock, seen: Seen) -> None:
    with manager.websocket_request(connection_reused=True):
        clock.advance(1500)

    def reset() -> None:
        with manager.websocket_request():
            clock.advance(3)
            raise ConnectionResetError("connection reset by peer")

    with pytest.raises(ConnectionResetError):
        reset()
    assert seen.named() == [
        (
            "codex.websocket_request",
            {"duration_ms": 1500, "success": "true", "auth.connection_reused": True},
        ),
        (
            "codex.websocket_request",
            {"duration_ms": 3, "success": "false", "error.message": "connection reset by peer"},
        ),
    ]
    assert seen.points() == [
        ("codex.websocket.request", 1, {"success": "true"}),
        ("codex.websocket.request.duration_ms", 1500, {"success": "true"}),
        ("codex.websocket.request", 1, {"success": "false"}),
        ("codex.websocket.request.duration_ms", 3, {"success": "false"}),
    ]


def test_an_async_websocket_request(manager: EventManager, clock: FakeClock, seen: Seen) -> None:
    async def send() -> None:
        async with manager.websocket_request():
            await asyncio.sleep(0)
            clock.advance(21)

    asyncio.run(send())
    assert seen.points() == [
        ("codex.websocket.request", 1, {"success": "true"}),
        ("codex.websocket.request.duration_ms", 21, {"success": "true"}),
    ]


def test_websocket_events(manager: EventManager, seen: Seen) -> None:
    manager.websocket_event("response.output_text.delta", 0.0025)
    manager.websocket_event(None, timedelta(milliseconds=7))
    manager.websocket_event("parse_error", 0, failed=True)
    assert seen.named() == []  # metrics only, as in Codex
    assert seen.points() == [
        ("codex.websocket.event", 1, {"kind": "response.output_text.delta", "success": "true"}),
        (
            "codex.websocket.event.duration_ms",
            2,
            {"kind": "response.output_text.delta", "success": "true"},
        ),
        ("codex.websocket.event", 1, {"kind": "unknown", "success": "true"}),
        ("codex.websocket.event.duration_ms", 7, {"kind": "unknown", "success": "true"}),
        ("codex.websocket.event", 1, {"kind": "parse_error", "success": "false"}),
        ("codex.websocket.event.duration_ms", 0, {"kind": "parse_error", "success": "false"}),
    ]


# --- startup, sandbox, threads ----------------------------------------------------------------


def test_startup_phases(manager: EventManager, clock: FakeClock, seen: Seen) -> None:
    with manager.startup_phase("thread_start_create_thread"):
        clock.advance(31)
    with manager.startup_phase("startup_prewarm_build_tools") as phase:
        clock.advance(9)
        phase.status = "ok"

    def total() -> None:
        with manager.startup_phase("thread_start_total"):
            clock.advance(44)
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        total()
    assert seen.named() == [
        ("codex.startup_phase", {"startup.phase": "thread_start_create_thread", "duration_ms": 31}),
        (
            "codex.startup_phase",
            {
                "startup.phase": "startup_prewarm_build_tools",
                "startup.status": "ok",
                "duration_ms": 9,
            },
        ),
        ("codex.startup_phase", {"startup.phase": "thread_start_total", "duration_ms": 44}),
    ]
    assert seen.points() == [
        ("codex.startup.phase.duration_ms", 31, {"phase": "thread_start_create_thread"}),
        # The status goes on the metric too, as Codex tags it.
        (
            "codex.startup.phase.duration_ms",
            9,
            {"phase": "startup_prewarm_build_tools", "status": "ok"},
        ),
        ("codex.startup.phase.duration_ms", 44, {"phase": "thread_start_total"}),
    ]


def test_a_startup_phase_name_is_checked_before_the_phase_runs(manager: EventManager) -> None:
    ran = []

    def phase() -> None:
        with manager.startup_phase(42):  # type: ignore[arg-type]
            ran.append(True)

    with pytest.raises(TypeError, match=r"codex\.startup_phase.*'phase'"):
        phase()
    assert ran == []


def test_wrong_block_arguments_raise_before_the_block_runs(manager: EventManager) -> None:
    with pytest.raises(TypeError, match=r"codex\.websocket_connect.*'endpoint'"):
        manager.websocket_connect(endpoint=b"/v1/responses")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"codex\.websocket_request.*'connection_reused'"):
        manager.websocket_request(connection_reused=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"codex\.startup_phase.*'status'"):
        manager.startup_phase("thread_start_total", status=0)  # type: ignore[arg-type]


def test_sandbox_outcomes(manager: EventManager, seen: Seen) -> None:
    manager.sandbox_outcome("shell", "call_1", "success", 0.3509)
    manager.sandbox_outcome("shell", "call_2", "escalated", timedelta(seconds=1), 2.0001)
    assert seen.named() == [
        (
            "codex.sandbox_outcome",
            {"tool_name": "shell", "call_id": "call_1", "outcome": "success",
             "initial_duration_ms": 350},
        ),
        (
            "codex.sandbox_outcome",
            {"tool_name": "shell", "call_id": "call_2", "outcome": "escalated",
             "initial_duration_ms": 1000, "escalated_duration_ms": 2000},
        ),
    ]  # fmt: skip
    with pytest.raises(ValueError, match="'escalated_duration' must not be negative"):
        manager.sandbox_outcome("shell", "call_3", "escalated", 1, -2)


def test_threads_started(manager: EventManager, seen: Seen) -> None:
    manager.thread_started(is_git=True)
    manager.thread_started(is_git=False)
    assert seen.points() == [
        ("codex.thread.started", 1, {"is_git": "true"}),
        ("codex.thread.started", 1, {"is_git": "false"}),
    ]
    with pytest.raises(TypeError, match="is_git"):
        manager.thread_started(is_git="yes")  # type: ignore[arg-type]


def test_the_completed_summary_carries_what_the_caller_knows(
    manager: EventManager, seen: Seen
) -> None:
    manager.sse_event_completed(
        1520,
        310,
        1024,
        128,
        1830,
        cache_write_token_count=256,
        ttft_ms=640,
        service_tier="flex",
        model_reasoning_effort="high",
    )
    [(name, attributes)] = seen.named()
    assert name == "codex.sse_event"
    assert {k: attributes[k] for k in ("cache_write_token_count", "ttft_ms")} == {
        "cache_write_token_count": 256,
        "ttft_ms": 640,
    }
    assert (attributes["service_tier"], attributes["model_reasoning_effort"]) == ("flex", "high")


def test_a_failing_clock_never_reaches_the_host(telemetry: Telemetry, seen: Seen) -> None:
    readings = iter([1])

    def clock() -> int:
        return next(readings)  # the first reading, then StopIteration (an Exception)

    manager = EventManager(telemetry.conversation(METADATA), clock=clock)
    with manager.turn() as turn, manager.websocket_request():
        turn.first_token()
    assert seen.events == [] and seen.measurements == []
    assert telemetry.stats.emit_errors > 0


def test_nothing_is_built_when_nobody_listens(telemetry: Telemetry, clock: FakeClock) -> None:
    manager = EventManager(telemetry.conversation(METADATA), clock=clock)
    with manager.turn() as turn, manager.startup_phase("thread_start_total"):
        turn.first_token()
    manager.websocket_event("x", 1)
    assert telemetry.stats.emit_errors == 0
