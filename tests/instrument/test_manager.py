"""`EventManager`: construction, `with_model`, and the events it emits without wrapping a call."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from codex_otel.generated import events
from codex_otel.instrument import EventManager
from codex_otel.runtime import Telemetry
from support.metadata import make_metadata

if TYPE_CHECKING:
    from collections.abc import Callable

    from support.instrument import FakeClock, Recorded


def test_defaults_and_repr(telemetry: Telemetry, metadata: events.Metadata) -> None:
    conversation = telemetry.conversation(metadata)
    manager = EventManager(conversation)
    assert manager.conversation is conversation
    assert manager.clock is time.perf_counter_ns
    assert repr(manager).startswith("EventManager(Conversation(Metadata(conversation_id='conv-1'")


def test_a_clock_must_count_nanoseconds(telemetry: Telemetry, metadata: events.Metadata) -> None:
    with pytest.raises(
        TypeError, match=r"integer nanoseconds like time\.perf_counter_ns, not float"
    ):
        EventManager(telemetry.conversation(metadata), clock=time.perf_counter)  # type: ignore[arg-type]


def test_with_model_returns_a_copy(
    manager: EventManager,
    clock: FakeClock,
    telemetry: Telemetry,
    own: Callable[..., dict[str, Any]],
    common: dict[str, str],
) -> None:
    mini = manager.with_model("gpt-5-mini", "gpt-5")
    assert mini.clock is clock
    assert mini.conversation.telemetry is telemetry
    with telemetry.capture() as captured:
        mini.log_tool_failed("t", "x")
        manager.log_tool_failed("t", "x")
    own(captured[0], {**common, "model": "gpt-5-mini", "slug": "gpt-5"})
    own(captured[1], common)


def test_metadata_reaches_every_event(
    telemetry: Telemetry, clock: FakeClock, recorded: Recorded
) -> None:
    conversation_metadata = make_metadata(
        auth_mode="ApiKey", user_account_id="acct_1", terminal_type="vscode/1.95.0"
    )
    manager = EventManager(telemetry.conversation(conversation_metadata), clock=clock)
    with telemetry.capture() as captured:
        manager.sse_event("k", 0)
    assert dict(captured[0].attributes) == {
        "event.name": "codex.sse_event",
        "event.timestamp": captured[0].attributes["event.timestamp"],
        "conversation.id": "c",
        "app.version": "1",
        "auth_mode": "ApiKey",
        "user.account_id": "acct_1",
        "terminal.type": "vscode/1.95.0",
        "model": "m",
        "slug": "s",
        "event.kind": "k",
        "duration_ms": 0,
    }


# --- codex.conversation_starts --------------------------------------------------------------


def test_conversation_starts(manager: EventManager, recorded: Recorded) -> None:
    manager.conversation_starts(
        "openai",
        "medium",
        "auto",
        272_000,
        128_000,
        200_000,
        "on-request",
        "workspace-write",
        ["github", "filesystem"],
        "work",
    )
    manager.conversation_starts(
        provider_name="ollama",
        reasoning_effort=None,
        reasoning_summary="none",
        context_window=None,
        max_output_tokens=None,
        auto_compact_token_limit=None,
        approval_policy="never",
        sandbox_policy="read-only",
        mcp_servers=[],
    )
    manager.conversation_starts(
        "openai", None, "auto", None, None, None, "never", "danger-full-access", "a, b"
    )
    assert recorded() == [
        (
            "codex.conversation_starts",
            {
                "provider_name": "openai",
                "reasoning_effort": "medium",
                "reasoning_summary": "auto",
                "context_window": 272_000,
                "max_output_tokens": 128_000,
                "auto_compact_token_limit": 200_000,
                "approval_policy": "on-request",
                "sandbox_policy": "workspace-write",
                "mcp_servers": "github, filesystem",
                "active_profile": "work",
            },
        ),
        (
            "codex.conversation_starts",
            {
                "provider_name": "ollama",
                "reasoning_summary": "none",
                "approval_policy": "never",
                "sandbox_policy": "read-only",
                "mcp_servers": "",
            },
        ),
        (
            "codex.conversation_starts",
            {
                "provider_name": "openai",
                "reasoning_summary": "auto",
                "approval_policy": "never",
                "sandbox_policy": "danger-full-access",
                "mcp_servers": "a, b",
            },
        ),
    ]


# --- codex.user_prompt ----------------------------------------------------------------------


class Kind(enum.Enum):
    TEXT = "text"
    IMAGE = "image"


@dataclass
class TextItem:
    text: str
    type: Any = "text"


@dataclass
class ImageItem:
    image_url: str
    type: str = "image"


ITEMS: list[Any] = [
    {"type": "text", "text": "fix the "},
    {"type": "image", "image_url": "data:image/png;base64,AAAA"},
    {"type": "input_text", "text": "failing "},
    {"type": "local_image", "path": "/tmp/a.png"},
    TextItem("test "),
    ImageItem("https://x/y.png"),
    TextItem("in tests/ ", type=Kind.TEXT),
    TextItem("ignored", type=Kind.IMAGE),
    {"type": "text", "text": None},
    {"text": "no type"},
    "héllo 🎉",
]


def test_user_prompt_is_redacted_by_default(manager: EventManager, recorded: Recorded) -> None:
    # 31 characters of text items, then "héllo 🎉": 7 code points (8 in UTF-16, 11 in UTF-8)
    manager.user_prompt(ITEMS)
    assert recorded() == [
        ("codex.user_prompt", {"prompt_length": 38, "prompt": "[REDACTED]"}),
    ]


def test_user_prompt_text_when_allowed(
    prompt_telemetry: Telemetry, metadata: events.Metadata, own: Callable[..., dict[str, Any]]
) -> None:
    manager = EventManager(prompt_telemetry.conversation(metadata))
    with prompt_telemetry.capture() as captured:
        manager.user_prompt(ITEMS)
        manager.user_prompt("just a string")
        manager.user_prompt([])
    assert [own(event) for event in captured] == [
        {"prompt_length": 38, "prompt": "fix the failing test in tests/ héllo 🎉"},
        {"prompt_length": 13, "prompt": "just a string"},
        {"prompt_length": 0, "prompt": ""},
    ]


def test_user_prompt_costs_nothing_when_nobody_listens(manager: EventManager) -> None:
    def items() -> Any:
        raise AssertionError("read although nobody listens")
        yield  # pragma: no cover

    manager.user_prompt(items())


# --- codex.tool_decision --------------------------------------------------------------------


def test_tool_decision(manager: EventManager, recorded: Recorded) -> None:
    manager.tool_decision("shell", "call_1", events.Decision.APPROVED_FOR_SESSION, "user")
    manager.tool_decision("shell", "call_2", "abort", events.Source.CONFIG)
    manager.tool_decision("apply_patch", "call_3", "denied", "user")
    manager.tool_decision("shell", "call_4", events.Decision.APPROVED, events.Source.USER)
    assert [attributes for _, attributes in recorded()] == [
        {
            "tool_name": "shell",
            "call_id": "call_1",
            "decision": "approved_for_session",
            "source": "user",
        },
        {"tool_name": "shell", "call_id": "call_2", "decision": "abort", "source": "config"},
        {"tool_name": "apply_patch", "call_id": "call_3", "decision": "denied", "source": "user"},
        {"tool_name": "shell", "call_id": "call_4", "decision": "approved", "source": "user"},
    ]


def test_tool_decision_refuses_unknown_members(manager: EventManager, recorded: Recorded) -> None:
    with pytest.raises(ValueError, match="decision"):
        manager.tool_decision("shell", "c", "Approved", "user")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="source"):
        manager.tool_decision("shell", "c", "denied", "model")  # type: ignore[arg-type]


# --- codex.sse_event, explicit forms --------------------------------------------------------


def test_explicit_sse_events(manager: EventManager, recorded: Recorded) -> None:
    manager.sse_event("response.output_text.delta", timedelta(microseconds=2999))
    manager.sse_event_failed("response.failed", 0.25, "rate limited")
    manager.sse_event_failed(None, 1, TimeoutError("idle timeout waiting for SSE"))
    manager.sse_event_completed(100, 20)
    manager.sse_event_completed(100, 20, 64, 8, tool_token_count=3)
    manager.sse_event_completed_failed("missing token usage")
    manager.sse_event_completed_failed(ValueError("bad usage"))
    assert [attributes for _, attributes in recorded()] == [
        {"event.kind": "response.output_text.delta", "duration_ms": 2},
        {"event.kind": "response.failed", "duration_ms": 250, "error.message": "rate limited"},
        {"duration_ms": 1000, "error.message": "idle timeout waiting for SSE"},
        {
            "event.kind": "response.completed",
            "input_token_count": 100,
            "output_token_count": 20,
            "tool_token_count": 0,
        },
        {
            "event.kind": "response.completed",
            "input_token_count": 100,
            "output_token_count": 20,
            "cached_token_count": 64,
            "reasoning_token_count": 8,
            "tool_token_count": 3,
        },
        {"event.kind": "response.completed", "error.message": "missing token usage"},
        {"event.kind": "response.completed", "error.message": "bad usage"},
    ]


def test_long_error_messages_are_cut_by_the_emitter(
    manager: EventManager, recorded: Recorded
) -> None:
    manager.sse_event_failed("k", 0, "x" * 5000)
    message = recorded()[0][1]["error.message"]
    assert len(message) == 4096
    assert message.startswith("xxx")
    assert message.endswith("chars]")


def test_token_counts_are_checked_while_recording(
    manager: EventManager, recorded: Recorded
) -> None:
    with pytest.raises(TypeError, match="input_token_count"):
        manager.sse_event_completed("100", 20)  # type: ignore[arg-type]


def test_a_single_input_item_is_one_item_not_its_keys(
    prompt_telemetry: Telemetry, metadata: events.Metadata, own: Callable[..., dict[str, Any]]
) -> None:
    manager = EventManager(prompt_telemetry.conversation(metadata))
    with prompt_telemetry.capture() as captured:
        manager.user_prompt({"type": "text", "text": "hi"})
        manager.user_prompt({"type": "image", "image_url": "data:"})
    assert [own(event) for event in captured] == [
        {"prompt_length": 2, "prompt": "hi"},
        {"prompt_length": 0, "prompt": ""},
    ]


def test_conversation_starts_takes_an_applications_enum_members(
    manager: EventManager, recorded: Recorded
) -> None:
    class Effort(enum.Enum):
        HIGH = "high"

    class Policy(str, enum.Enum):
        ON_REQUEST = "on-request"

    manager.conversation_starts(
        provider_name="openai",
        reasoning_effort=Effort.HIGH,
        reasoning_summary="auto",
        context_window=None,
        max_output_tokens=None,
        auto_compact_token_limit=None,
        approval_policy=Policy.ON_REQUEST,
        sandbox_policy="read-only",
        mcp_servers=["a", "b"],
    )
    [(_, attributes)] = recorded()
    assert attributes["reasoning_effort"] == "high"
    assert attributes["approval_policy"] == "on-request"
    assert type(attributes["approval_policy"]) is str  # the value, not the member
    assert attributes["mcp_servers"] == "a, b"
