"""`codex.tool_result`: wrapped tool calls (sync and async), the explicit form, failures."""

from __future__ import annotations

import asyncio
import gc
import traceback
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from codex_otel.generated import events
from codex_otel.instrument import EventManager, format_output
from codex_otel.runtime import Telemetry

if TYPE_CHECKING:
    from support.instrument import FakeClock, Recorded

ARGS = '{"command": ["ls", "-la"]}'


class ToolFailed(Exception):
    pass


def test_a_successful_call(manager: EventManager, clock: FakeClock, recorded: Recorded) -> None:
    def shell(command: list[str], *, cwd: str) -> str:
        clock.advance(1234.99)
        return f"ran {command} in {cwd}"

    output = manager.log_tool_result("shell", "call_1", ARGS, shell, ["ls"], cwd="/tmp")
    assert output == "ran ['ls'] in /tmp"
    assert recorded() == [
        (
            "codex.tool_result",
            {
                "tool_name": "shell",
                "call_id": "call_1",
                "arguments": ARGS,
                "duration_ms": 1234,
                "success": "true",
                "output": "ran ['ls'] in /tmp",
            },
        )
    ]


def test_a_failing_call_reraises_the_same_exception(
    manager: EventManager, clock: FakeClock, recorded: Recorded
) -> None:
    error = ToolFailed("exit code 2: no such file")

    def broken_tool() -> str:
        clock.advance(8)
        raise error

    with pytest.raises(ToolFailed) as info:
        manager.log_tool_result("shell", "call_2", ARGS, broken_tool)
    assert info.value is error
    assert traceback.extract_tb(error.__traceback__)[-1].name == "broken_tool"
    assert recorded() == [
        (
            "codex.tool_result",
            {
                "tool_name": "shell",
                "call_id": "call_2",
                "arguments": ARGS,
                "duration_ms": 8,
                "success": "false",
                "output": "exit code 2: no such file",
            },
        )
    ]


def test_async_calls(manager: EventManager, clock: FakeClock, recorded: Recorded) -> None:
    async def fetch(url: str) -> dict[str, Any]:
        await asyncio.sleep(0)
        clock.advance(20)
        return {"url": url, "ok": True}

    async def broken() -> str:
        clock.advance(3)
        raise ToolFailed("timeout after 3ms")

    async def main() -> None:
        assert await manager.log_tool_result_async("fetch", "c1", "{}", fetch, "https://x") == {
            "url": "https://x",
            "ok": True,
        }
        assert await manager.log_tool_result_async("fetch", "c2", "{}", fetch("https://y"))
        with pytest.raises(ToolFailed):
            await manager.log_tool_result_async("mcp", "c3", "{}", broken)

    asyncio.run(main())
    assert [(a["call_id"], a["duration_ms"], a["success"], a["output"]) for _, a in recorded()] == [
        ("c1", 20, "true", '{"url":"https://x","ok":true}'),
        ("c2", 20, "true", '{"url":"https://y","ok":true}'),
        ("c3", 3, "false", "timeout after 3ms"),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain text", "plain text"),
        (None, ""),
        (b"caf\xc3\xa9 \xff", "café \ufffd"),
        ({"b": 1, "a": ["é"]}, '{"b":1,"a":["é"]}'),
        ([1, 2.5, None], "[1,2.5,null]"),
        (42, "42"),
        (timedelta(seconds=1), "0:00:01"),
        ({1j}, "{1j}"),
    ],
)
def test_format_output(value: object, text: str) -> None:
    assert format_output(value) == text


def test_an_unprintable_result_is_still_recorded(manager: EventManager, recorded: Recorded) -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no")

    result = Unprintable()
    assert manager.log_tool_result("t", "c", "{}", lambda: result) is result
    assert recorded()[0][1]["output"] == "<Unprintable object>"


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("tool_name", (None, "c", "{}")),
        ("call_id", ("t", 1, "{}")),
        ("arguments", ("t", "c", {"a": 1})),
    ],
)
def test_wrong_arguments_raise_before_the_tool_runs(
    manager: EventManager, recorded: Recorded, field: str, call: tuple[Any, Any, Any]
) -> None:
    ran: list[int] = []
    with pytest.raises(TypeError, match=rf"codex\.tool_result: argument '{field}' must be str"):
        manager.log_tool_result(*call, lambda: ran.append(1))

    async def tool() -> None:
        ran.append(2)

    coroutine = tool()
    with pytest.raises(TypeError):
        asyncio.run(manager.log_tool_result_async(*call, coroutine))
    assert coroutine.cr_frame is None  # type: ignore[attr-defined]  # closed, never run
    assert ran == []
    assert recorded() == []


def test_interruptions_are_not_recorded(manager: EventManager, recorded: Recorded) -> None:
    def interrupted() -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        manager.log_tool_result("t", "c", "{}", interrupted)
    assert recorded() == []


def test_tool_details_are_redacted_by_the_emitter(
    private_telemetry: Telemetry, metadata: events.Metadata, clock: FakeClock
) -> None:
    manager = EventManager(private_telemetry.conversation(metadata), clock=clock)
    with private_telemetry.capture() as captured:
        manager.log_tool_result("shell", "c", ARGS, lambda: "secret output")
        manager.log_tool_failed("shell", "secret error")
    assert [(e.attributes.get("arguments"), e.attributes["output"]) for e in captured] == [
        ("[REDACTED]", "[REDACTED]"),
        (None, "[REDACTED]"),
    ]


def test_nothing_is_formatted_when_nobody_listens(
    manager: EventManager, telemetry: Telemetry
) -> None:
    class Costly:
        def __str__(self) -> str:
            raise AssertionError("formatted although nobody listens")

    result = Costly()
    assert manager.log_tool_result("t", "c", "{}", lambda: result) is result
    assert telemetry.stats.emit_errors == 0


# --- the explicit forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "ms"),
    [
        (timedelta(milliseconds=1500, microseconds=999), 1500),
        (1.005, 1005),
        (2, 2000),
        (0.0009, 0),
        (timedelta(0), 0),
    ],
)
@pytest.mark.parametrize(
    "success_wire",
    [(True, "true"), (False, "false"), (events.Success.TRUE, "true"), ("false", "false")],
)
def test_tool_result_with_a_measured_duration(
    manager: EventManager, recorded: Recorded, duration: Any, ms: int, success_wire: Any
) -> None:
    success, wire = success_wire
    manager.tool_result("apply_patch", "call_9", "{}", duration, success, "done")
    assert recorded() == [
        (
            "codex.tool_result",
            {
                "tool_name": "apply_patch",
                "call_id": "call_9",
                "arguments": "{}",
                "duration_ms": ms,
                "success": wire,
                "output": "done",
            },
        )
    ]


@pytest.mark.parametrize(
    ("duration", "error"),
    [
        (timedelta(seconds=-1), ValueError),
        (-0.5, ValueError),
        (float("nan"), ValueError),
        ("1s", TypeError),
        (True, TypeError),
    ],
)
def test_tool_result_refuses_bad_durations(
    manager: EventManager, duration: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match=r"codex\.tool_result: argument 'duration'"):
        manager.tool_result("t", "c", "{}", duration, True, "")


def test_tool_result_refuses_a_bad_success_while_recording(
    manager: EventManager, recorded: Recorded
) -> None:
    with pytest.raises(ValueError, match="success"):
        manager.tool_result("t", "c", "{}", 1, "yes", "")  # type: ignore[arg-type]


def test_log_tool_failed(manager: EventManager, recorded: Recorded) -> None:
    manager.log_tool_failed("unknown_tool", "unsupported call: unknown_tool")
    manager.log_tool_failed("shell", ToolFailed("sandbox denied"))
    assert recorded() == [
        (
            "codex.tool_result",
            {
                "tool_name": "unknown_tool",
                "duration_ms": 0,
                "success": "false",
                "output": "unsupported call: unknown_tool",
            },
        ),
        (
            "codex.tool_result",
            {
                "tool_name": "shell",
                "duration_ms": 0,
                "success": "false",
                "output": "sandbox denied",
            },
        ),
    ]


def test_an_async_tool_given_to_the_sync_form_is_refused_not_recorded(
    manager: EventManager, recorded: Recorded
) -> None:
    async def tool() -> str:
        raise AssertionError("never awaited, never run")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError, match="use log_tool_result_async"):
            # It raises before any coroutine exists: what the test is about.
            manager.log_tool_result("shell", "call_1", "{}", tool)  # type: ignore[unused-coroutine]
        gc.collect()
    assert recorded() == []
