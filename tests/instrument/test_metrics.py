"""The metrics the EventManager records beside its events, as Codex does: names, values,
units, tags (the outcome's and the metadata's), exactly once per event, failure paths."""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from codex_otel.generated import events
from codex_otel.instrument import EventManager, SSEIdleTimeout, no_tool_tokens
from codex_otel.runtime import CapturedEvent, CapturedMeasurement, Telemetry
from support.metadata import make_metadata

if TYPE_CHECKING:
    from support.instrument import FakeClock

METADATA = make_metadata(
    conversation_id="conv-1",
    app_version="0.42.0",
    terminal_type="xterm-256color",
    model="gpt-5-codex",
    slug="gpt-5-codex",
    auth_mode="ChatGPT",
    user_account_id="acct_1",
    originator="codex_cli_rs",
    session_source="cli",
)

#: The metadata every metric carries (the catalog's METRIC_KEYS); conversation.id,
#: slug, terminal.type and user.account_id never go on a metric.
METRIC_METADATA = {
    "model": "gpt-5-codex",
    "app.version": "0.42.0",
    "auth_mode": "ChatGPT",
    "originator": "codex_cli_rs",
    "session_source": "cli",
}

#: Each metric's instrument, unit and value type, as the catalog declares them.
DEFINITIONS = {
    "codex.api_request": ("counter", "{request}"),
    "codex.api_request.duration_ms": ("histogram", "ms"),
    "codex.tool.call": ("counter", "{call}"),
    "codex.tool.call.duration_ms": ("histogram", "ms"),
    "codex.sse_event": ("counter", "{event}"),
    "codex.sse_event.duration_ms": ("histogram", "ms"),
    "codex.turn.token_usage": ("histogram", "{token}"),
    "codex.websocket.request": ("counter", "{request}"),
    "codex.websocket.request.duration_ms": ("histogram", "ms"),
    "codex.websocket.event": ("counter", "{event}"),
    "codex.websocket.event.duration_ms": ("histogram", "ms"),
    "codex.turn.e2e_duration_ms": ("histogram", "ms"),
    "codex.turn.ttft.duration_ms": ("histogram", "ms"),
    "codex.turn.ttfm.duration_ms": ("histogram", "ms"),
    "codex.turn.tool.call": ("histogram", "{call}"),
    "codex.startup.phase.duration_ms": ("histogram", "ms"),
    "codex.thread.started": ("counter", "{thread}"),
}

Point = tuple[str, int | float, dict[str, Any]]


@dataclass
class Captured:
    """What one test recorded: the events and the measurements, both captured at once."""

    events: list[CapturedEvent]
    measurements: list[CapturedMeasurement]

    def points(self) -> list[Point]:
        """The measurements as (name, value, own tags), each checked against its
        definition and for exactly the metadata tags a metric carries."""
        points: list[Point] = []
        for measurement in self.measurements:
            instrument, unit = DEFINITIONS[measurement.name]
            assert measurement.metric.instrument == instrument, measurement.name
            assert measurement.metric.unit == unit, measurement.name
            assert measurement.metric.value_type == "int", measurement.name
            assert type(measurement.value) is int, measurement.name
            tags = dict(measurement.attributes)
            for key, value in METRIC_METADATA.items():
                assert tags.pop(key) == value, (measurement.name, key)
            points.append((measurement.name, measurement.value, tags))
        return points

    def event_names(self) -> list[str]:
        return [event.name for event in self.events]


@pytest.fixture
def metered(telemetry: Telemetry, clock: FakeClock) -> EventManager:
    return EventManager(telemetry.conversation(METADATA), clock=clock)


@pytest.fixture
def both(telemetry: Telemetry) -> Iterator[Captured]:
    with telemetry.capture() as captured, telemetry.capture_measurements() as measurements:
        yield Captured(captured, measurements)


def api(status: str, success: str, ms: int) -> list[Point]:
    tags = {"status": status, "success": success}
    return [
        ("codex.api_request", 1, tags),
        ("codex.api_request.duration_ms", ms, tags),
    ]


def tool(name: str, success: str, ms: int) -> list[Point]:
    tags = {"tool": name, "success": success}
    return [("codex.tool.call", 1, tags), ("codex.tool.call.duration_ms", ms, tags)]


def sse(kind: str, success: str, ms: int) -> list[Point]:
    tags = {"kind": kind, "success": success}
    return [("codex.sse_event", 1, tags), ("codex.sse_event.duration_ms", ms, tags)]


def tokens(**counts: int) -> list[Point]:
    return [
        ("codex.turn.token_usage", count, {"token_type": token_type})
        for token_type, count in counts.items()
    ]


def test_the_metadata_tags_exclude_unbounded_keys() -> None:
    # What `Captured.points` relies on: the catalog puts exactly these keys on metrics.
    assert set(events.Metadata.METRIC_KEYS) == set(METRIC_METADATA)
    assert set(DEFINITIONS) == set(events.METRIC_NAMES)


# --- codex.api_request ----------------------------------------------------------------------


class Resp:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers = {"cf-ray": "ray-1"}


class StatusError(Exception):
    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


def test_a_successful_request(metered: EventManager, clock: FakeClock, both: Captured) -> None:
    def request() -> Resp:
        clock.advance(120.9)
        return Resp(200)

    metered.log_request(1, request)
    assert both.event_names() == ["codex.api_request"]
    assert both.points() == api("200", "true", 120)


@pytest.mark.parametrize(
    ("status", "ms"),
    [(500, 30), (302, 31)],  # a response is no error, but only 2xx is a success
)
def test_responses_that_are_no_success(
    metered: EventManager, clock: FakeClock, both: Captured, status: int, ms: int
) -> None:
    def request() -> Resp:
        clock.advance(ms)
        return Resp(status)

    metered.log_request(2, request)
    assert both.event_names() == ["codex.api_request"]
    assert both.points() == api(str(status), "false", ms)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (StatusError("rate limited", 429), "429"),  # an error carrying a status
        (ConnectionError("refused"), "none"),  # no response at all
        (TimeoutError("timed out"), "none"),
    ],
)
def test_failed_requests(
    metered: EventManager, clock: FakeClock, both: Captured, error: Exception, status: str
) -> None:
    def request() -> Resp:
        clock.advance(33)
        raise error

    with pytest.raises(type(error)):
        metered.log_request(2, request)
    assert both.event_names() == ["codex.api_request"]
    assert both.points() == api(status, "false", 33)


def test_an_error_after_a_2xx_response_is_a_failure(
    metered: EventManager, clock: FakeClock, both: Captured
) -> None:
    def attempt() -> None:
        with metered.request(1) as block:
            clock.advance(5)
            block.response = Resp(200)
            raise ValueError("bad body")

    with pytest.raises(ValueError, match="bad body"):
        attempt()
    assert both.points() == api("200", "false", 5)


def test_async_requests(metered: EventManager, clock: FakeClock, both: Captured) -> None:
    async def request(status: int) -> Resp:
        await asyncio.sleep(0)
        clock.advance(7)
        return Resp(status)

    async def failing() -> Resp:
        clock.advance(8)
        raise StatusError("unavailable", 503)

    async def main() -> None:
        await metered.log_request_async(1, request, 201)
        await metered.log_request_async(2, request(204))
        with pytest.raises(StatusError):
            await metered.log_request_async(3, failing)
        async with metered.request(4) as attempt:
            clock.advance(9)
            attempt.response = Resp(200)

    asyncio.run(main())
    assert both.event_names() == ["codex.api_request"] * 4
    assert both.points() == [
        *api("201", "true", 7),
        *api("204", "true", 7),
        *api("503", "false", 8),
        *api("200", "true", 9),
    ]


def test_an_interrupted_request_records_nothing(
    metered: EventManager, clock: FakeClock, both: Captured
) -> None:
    def interrupted() -> Resp:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        metered.log_request(1, interrupted)
    assert both.events == [] and both.measurements == []


# --- codex.tool.call ------------------------------------------------------------------------


class ToolFailed(Exception):
    pass


def test_tool_calls(metered: EventManager, clock: FakeClock, both: Captured) -> None:
    def shell(command: str) -> str:
        clock.advance(1234.5)
        return f"ran {command}"

    def broken() -> str:
        clock.advance(8)
        raise ToolFailed("exit 2")

    metered.log_tool_result("shell", "call_1", "{}", shell, "ls")
    with pytest.raises(ToolFailed):
        metered.log_tool_result("apply_patch", "call_2", "{}", broken)
    assert both.event_names() == ["codex.tool_result"] * 2
    assert both.points() == [*tool("shell", "true", 1234), *tool("apply_patch", "false", 8)]


def test_async_tool_calls(metered: EventManager, clock: FakeClock, both: Captured) -> None:
    async def fetch(url: str) -> dict[str, str]:
        await asyncio.sleep(0)
        clock.advance(40)
        return {"url": url}

    async def broken() -> str:
        clock.advance(3)
        raise ToolFailed("no network")

    async def main() -> None:
        await metered.log_tool_result_async("web_fetch", "c1", "{}", fetch, "https://x")
        with pytest.raises(ToolFailed):
            await metered.log_tool_result_async("web_fetch", "c2", "{}", broken())

    asyncio.run(main())
    assert both.event_names() == ["codex.tool_result"] * 2
    assert both.points() == [*tool("web_fetch", "true", 40), *tool("web_fetch", "false", 3)]


def test_tool_results_measured_elsewhere(metered: EventManager, both: Captured) -> None:
    metered.tool_result("shell", "c1", "{}", timedelta(seconds=1.5), True, "ok")
    metered.tool_result("shell", "c2", "{}", 0.25, events.Success.FALSE, "exit 1")
    metered.tool_result("read_file", "c3", "{}", 2, "true", "text")
    assert both.event_names() == ["codex.tool_result"] * 3
    assert both.points() == [
        *tool("shell", "true", 1500),
        *tool("shell", "false", 250),
        *tool("read_file", "true", 2000),
    ]


def test_a_tool_that_failed_before_it_ran(metered: EventManager, both: Captured) -> None:
    metered.log_tool_failed("unknown_tool", ValueError("no such tool"))
    [event] = both.events
    assert event.attributes["success"] == "false" and event.attributes["duration_ms"] == 0
    assert both.points() == tool("unknown_tool", "false", 0)


def test_tool_calls_carry_the_sandbox_of_with_sandbox(
    metered: EventManager, clock: FakeClock, both: Captured
) -> None:
    """Codex tags its tool call metrics `sandbox` and `sandbox_policy` from the turn's
    policy; a manager made by `with_sandbox` does, and the original does not."""

    class Policy(enum.Enum):
        WORKSPACE_WRITE = "workspace-write"

    sandboxed = metered.with_sandbox("seatbelt", Policy.WORKSPACE_WRITE)

    def shell() -> str:
        clock.advance(5)
        return "ok"

    sandboxed.log_tool_result("shell", "c1", "{}", shell)
    sandboxed.tool_result("shell", "c2", "{}", 0.002, True, "ok")
    sandboxed.log_tool_failed("unknown_tool", "no such tool")
    sandboxed.with_model("gpt-5", "gpt-5").tool_result("shell", "c3", "{}", 0, True, "ok")
    metered.tool_result("shell", "c4", "{}", 0.001, True, "ok")
    metered.with_sandbox(None, "read-only").tool_result("shell", "c5", "{}", 0, True, "ok")
    tags = {"sandbox": "seatbelt", "sandbox_policy": "workspace-write"}
    # Read directly: `with_model` changes the metadata `Captured.points` checks.
    points = [(m.name, m.value, dict(m.attributes)) for m in both.measurements]
    own = [{k: v for k, v in p[2].items() if k in {"tool", "success", *tags}} for p in points]
    assert own == [
        *[{"tool": "shell", "success": "true", **tags}] * 2,
        *[{"tool": "shell", "success": "true", **tags}] * 2,
        *[{"tool": "unknown_tool", "success": "false", **tags}] * 2,
        *[{"tool": "shell", "success": "true", **tags}] * 2,
        *[{"tool": "shell", "success": "true"}] * 2,
        *[{"tool": "shell", "success": "true", "sandbox_policy": "read-only"}] * 2,
    ]
    assert [p[1] for p in points][::2] == [1] * 6
    assert [p[1] for p in points][1::2] == [5, 2, 0, 0, 1, 0]
    with pytest.raises(TypeError, match="'sandbox'"):
        metered.with_sandbox(3, None)  # type: ignore[arg-type]


def test_cache_write_tokens_are_a_token_type(metered: EventManager, both: Captured) -> None:
    metered.sse_event_completed(
        100, 50, cached_token_count=25, total_token_count=150, cache_write_token_count=40
    )
    assert both.points() == tokens(
        input=100, cached_input=25, cache_write_input=40, output=50, total=150
    )


def test_a_wrong_argument_raises_before_any_metric(metered: EventManager, both: Captured) -> None:
    with pytest.raises(ValueError, match="success"):
        metered.tool_result("shell", "c1", "{}", 1, "maybe", "ok")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="tool_name"):
        metered.log_tool_failed(3, "error")  # type: ignore[arg-type]
    assert both.events == [] and both.measurements == []


# --- codex.sse_event and codex.turn.token_usage ---------------------------------------------


@dataclass(frozen=True)
class Sse:
    event: str
    data: str


USAGE = {
    "input_tokens": 1520,
    "input_tokens_details": {"cached_tokens": 1024},
    "output_tokens": 310,
    "output_tokens_details": {"reasoning_tokens": 128},
    "total_tokens": 1830,
}


def completed(usage: object) -> Sse:
    return Sse(
        "response.completed",
        json.dumps({"type": "response.completed", "response": {"usage": usage}}),
    )


STREAM = [
    (3, Sse("response.created", '{"type": "response.created"}')),
    (4, Sse("response.failed", '{"type": "response.failed"}')),
    (5, Sse("response.output_item.done", "[1]")),  # the validator rejects it
    (6, Sse("response.in_progress", "{not json")),
    (7, completed(USAGE)),
    (8, Sse("message", "[DONE]")),
]

STREAM_POINTS = [
    *sse("response.created", "true", 3),
    *sse("response.failed", "false", 4),
    *sse("response.output_item.done", "false", 5),
    *sse("response.in_progress", "false", 6),
    *sse("response.completed", "true", 7),
    *tokens(input=1520, cached_input=1024, output=310, reasoning_output=128, total=1830),
    *sse("message", "true", 8),
]


def source(clock: FakeClock, steps: list[tuple[int, Sse | BaseException]]) -> Iterator[Sse]:
    for ms, item in steps:
        clock.advance(ms)
        if isinstance(item, BaseException):
            raise item
        yield item


async def async_source(
    clock: FakeClock, steps: list[tuple[int, Sse | BaseException]]
) -> AsyncIterator[Sse]:
    for ms, item in steps:
        await asyncio.sleep(0)
        clock.advance(ms)
        if isinstance(item, BaseException):
            raise item
        yield item


def sse_events_with_duration(captured: Captured) -> int:
    """The per-item `codex.sse_event`s (the summary has no duration and no sse metric)."""
    return sum(1 for e in captured.events if "duration_ms" in e.attributes)


def test_a_stream(metered: EventManager, clock: FakeClock, both: Captured) -> None:
    list(metered.log_sse_stream(source(clock, list(STREAM))))
    assert both.points() == STREAM_POINTS
    counted = [p for p in both.points() if p[0] == "codex.sse_event"]
    assert len(counted) == sse_events_with_duration(both) == len(STREAM)


def test_an_async_stream(metered: EventManager, clock: FakeClock, both: Captured) -> None:
    async def main() -> None:
        async for _ in metered.log_sse_stream_async(async_source(clock, list(STREAM))):
            pass

    asyncio.run(main())
    assert both.points() == STREAM_POINTS


@pytest.mark.parametrize("form", ["sync", "async"])
@pytest.mark.parametrize(
    "error", [ConnectionResetError("reset by peer"), TimeoutError("read timed out")]
)
def test_a_failed_stream_is_tagged_none(
    metered: EventManager, clock: FakeClock, both: Captured, form: str, error: Exception
) -> None:
    steps: list[tuple[int, Sse | BaseException]] = [
        (2, Sse("response.created", "{}")),
        (9, error),
    ]

    async def read_async() -> None:
        async for _ in metered.log_sse_stream_async(async_source(clock, steps)):
            pass

    def read() -> None:
        if form == "sync":
            list(metered.log_sse_stream(source(clock, steps)))
        else:
            asyncio.run(read_async())

    with pytest.raises(type(error)):
        read()
    [_, failure] = both.events
    assert "event.kind" not in failure.attributes  # the event has no kind; the metric says none
    assert both.points() == [*sse("response.created", "true", 2), *sse("unknown", "false", 9)]


def test_the_idle_timeout_is_tagged_none(
    metered: EventManager, clock: FakeClock, both: Captured
) -> None:
    async def stuck() -> AsyncIterator[Sse]:
        clock.advance(12)
        await asyncio.Event().wait()
        yield Sse("never", "{}")

    async def main() -> None:
        async for _ in metered.log_sse_stream_async(stuck(), idle_timeout=0.01):
            pass

    with pytest.raises(SSEIdleTimeout):
        asyncio.run(main())
    assert both.points() == sse("unknown", "false", 12)


def test_token_usage_records_only_the_known_counts(
    metered: EventManager, clock: FakeClock, both: Captured
) -> None:
    usage = {"input_tokens": 10, "output_tokens": 20, "total_tokens": 30}
    list(metered.log_sse_stream(source(clock, [(1, completed(usage))]), tool_tokens=no_tool_tokens))
    [_, summary] = both.events
    assert summary.attributes["tool_token_count"] == 0
    # `total` is the usage's total_tokens, whatever `tool_tokens` counts.
    assert both.points() == [
        *sse("response.completed", "true", 1),
        *tokens(input=10, output=20, total=30),
    ]


def test_a_failed_summary_records_no_token_usage(
    metered: EventManager, clock: FakeClock, both: Captured
) -> None:
    steps: list[tuple[int, Sse | BaseException]] = [
        (1, completed(None)),  # missing token usage
        (2, completed({"input_tokens": "many"})),
    ]
    list(metered.log_sse_stream(source(clock, steps)))
    assert [e.attributes.get("error.message") is not None for e in both.events] == [
        False,
        True,
        False,
        True,
    ]
    assert both.points() == [
        *sse("response.completed", "true", 1),
        *sse("response.completed", "true", 2),
    ]


def test_sse_events_measured_elsewhere(metered: EventManager, both: Captured) -> None:
    metered.sse_event("response.output_text.delta", 0.004)
    metered.sse_event_failed("response.failed", timedelta(milliseconds=5), "server error")
    metered.sse_event_failed(None, 0.006, TimeoutError("idle"))
    metered.sse_event_completed(100, 50, cached_token_count=25, total_token_count=150)
    metered.sse_event_completed(1, 2)  # no total known: none recorded
    metered.sse_event_completed_failed("missing token usage")
    assert len(both.events) == 6
    assert both.points() == [
        *sse("response.output_text.delta", "true", 4),
        *sse("response.failed", "false", 5),
        *sse("unknown", "false", 6),
        *tokens(input=100, cached_input=25, output=50, total=150),
        *tokens(input=1, output=2),
    ]


@pytest.mark.parametrize(
    ("total", "error", "message"),
    [
        ("150", TypeError, "'total_token_count' must be int, not str"),
        (-1, ValueError, "'total_token_count' must be between 0 and"),
    ],
)
def test_a_wrong_total_raises_before_the_event(
    metered: EventManager, both: Captured, total: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^codex.turn.token_usage: argument {message}"):
        metered.sse_event_completed(1, 2, total_token_count=total)
    assert both.events == [] and both.measurements == []


# --- who is listening -----------------------------------------------------------------------


def test_metrics_alone_skip_the_events_work(
    telemetry: Telemetry, metered: EventManager, clock: FakeClock
) -> None:
    """With only measurements captured, the event's own work (the output's text, the
    `cf-ray` header) is skipped, and the metrics are still recorded."""
    read: list[str] = []

    class Output:
        def __str__(self) -> str:
            read.append("output")
            return "output"

    class Headers(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:
            read.append("headers")
            return super().get(key, default)

    class Response:
        status_code = 200
        headers = Headers()

    assert not telemetry.recording
    with telemetry.capture_measurements() as measurements:
        metered.log_tool_result("shell", "c1", "{}", Output)
        metered.log_request(1, Response)
        list(metered.log_sse_stream(source(clock, [(1, completed(USAGE))])))
    assert read == []
    assert [m.name for m in measurements] == [
        "codex.tool.call",
        "codex.tool.call.duration_ms",
        "codex.api_request",
        "codex.api_request.duration_ms",
        "codex.sse_event",
        "codex.sse_event.duration_ms",
        *["codex.turn.token_usage"] * 5,
    ]


def test_events_alone_record_no_metric(
    telemetry: Telemetry, metered: EventManager, clock: FakeClock
) -> None:
    with telemetry.capture() as captured:
        assert not telemetry.metrics_recording
        metered.log_request(1, lambda: Resp(200))
        list(metered.log_sse_stream(source(clock, [(1, completed(USAGE))])))
    assert [e.name for e in captured] == ["codex.api_request", "codex.sse_event", "codex.sse_event"]
    with telemetry.capture_measurements() as late:
        pass
    assert late == []


def test_a_failing_recorder_never_reaches_the_host(
    telemetry: Telemetry,
    metered: EventManager,
    clock: FakeClock,
    both: Captured,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("recorder bug")

    monkeypatch.setattr(events, "record_tool_call", broken)
    assert metered.log_tool_result("shell", "c1", "{}", lambda: "ok") == "ok"
    assert both.event_names() == ["codex.tool_result"]
    assert both.measurements == []
    assert telemetry.stats.emit_errors == 1
