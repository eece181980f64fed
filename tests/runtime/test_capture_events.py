"""Every catalog event through `Telemetry.capture()`: the exact attributes that go on the wire.

Nothing here needs the `otel` extra: the telemetry exports nothing (`exporter = "none"`)
and subscribers see the events, so the module is marked `no_otel`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from codex_otel.generated import events
from codex_otel.livecheck.pytest_plugin import OtelCapture
from codex_otel.runtime import (
    AttributeValue,
    CapturedEvent,
    Conversation,
    Telemetry,
    load_config,
)
from codex_otel.runtime import telemetry as telemetry_module
from support.metadata import CODEX_METADATA

pytestmark = pytest.mark.no_otel

STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")

#: The metadata every event of these tests carries: a Codex session's, in another terminal.
METADATA = dataclasses.replace(CODEX_METADATA, terminal_type="iTerm.app/3.5.0")

#: The same metadata on the wire (the timestamp is checked on its own).
WIRE_METADATA: dict[str, AttributeValue] = {
    "conversation.id": "0199a213-81c0-7800-8aa1-bbab2a035a53",
    "app.version": "0.42.0",
    "auth_mode": "ChatGPT",
    "user.account_id": "acct_123",
    "terminal.type": "iTerm.app/3.5.0",
    "model": "gpt-5-codex",
    "slug": "gpt-5-codex",
}


class Case(NamedTuple):
    """One call of a generated emitter and the event attributes it must produce."""

    event: str
    emitter: Callable[..., None]
    kwargs: dict[str, Any]
    expected: dict[str, AttributeValue]


CASES: dict[str, Case] = {
    "conversation_starts-all": Case(
        "codex.conversation_starts",
        events.conversation_starts,
        {
            "provider_name": "openai",
            "reasoning_effort": "medium",
            "reasoning_summary": "auto",
            "context_window": 272000,
            "max_output_tokens": 128000,
            "auto_compact_token_limit": 200000,
            "approval_policy": "on-request",
            "sandbox_policy": "workspace-write",
            "mcp_servers": "github, filesystem",
            "active_profile": "work",
        },
        {
            "provider_name": "openai",
            "reasoning_effort": "medium",
            "reasoning_summary": "auto",
            "context_window": 272000,
            "max_output_tokens": 128000,
            "auto_compact_token_limit": 200000,
            "approval_policy": "on-request",
            "sandbox_policy": "workspace-write",
            "mcp_servers": "github, filesystem",
            "active_profile": "work",
        },
    ),
    "conversation_starts-required": Case(
        "codex.conversation_starts",
        events.conversation_starts,
        {
            "provider_name": "openai",
            "reasoning_summary": "auto",
            "approval_policy": "never",
            "sandbox_policy": "read-only",
            "mcp_servers": "",
        },
        {
            "provider_name": "openai",
            "reasoning_summary": "auto",
            "approval_policy": "never",
            "sandbox_policy": "read-only",
            "mcp_servers": "",
        },
    ),
    "api_request-all": Case(
        "codex.api_request",
        events.api_request,
        {
            "attempt": 2,
            "duration_ms": 412,
            "http_response_status_code": 429,
            "error_message": "429 Too Many Requests",
            "cf_ray": "8f1e2d3c4b5a6978-SJC",
        },
        {
            "attempt": 2,
            "duration_ms": 412,
            "http.response.status_code": 429,
            "error.message": "429 Too Many Requests",
            "cf_ray": "8f1e2d3c4b5a6978-SJC",
        },
    ),
    "api_request-required": Case(
        "codex.api_request",
        events.api_request,
        {"attempt": 1, "duration_ms": 0},
        {"attempt": 1, "duration_ms": 0},
    ),
    "sse_event-all": Case(
        "codex.sse_event",
        events.sse_event,
        {
            "event_kind": "response.completed",
            "duration_ms": 7,
            "error_message": "stream closed",
            "input_token_count": 1520,
            "output_token_count": 310,
            "cached_token_count": 1024,
            "reasoning_token_count": 128,
            "tool_token_count": 0,
        },
        {
            "event.kind": "response.completed",
            "duration_ms": 7,
            "error.message": "stream closed",
            "input_token_count": 1520,
            "output_token_count": 310,
            "cached_token_count": 1024,
            "reasoning_token_count": 128,
            "tool_token_count": 0,
        },
    ),
    # Every attribute of codex.sse_event is conditional: an idle timeout has none of them.
    "sse_event-required": Case("codex.sse_event", events.sse_event, {}, {}),
    "user_prompt-all": Case(
        "codex.user_prompt",
        events.user_prompt,
        {"prompt_length": 7, "prompt": "héllo 🌍"},
        {"prompt_length": 7, "prompt": "[REDACTED]"},  # log_user_prompt is off by default
    ),
    "tool_decision-all": Case(
        "codex.tool_decision",
        events.tool_decision,
        {
            "tool_name": "shell",
            "call_id": "call_Xf3kq9",
            "decision": events.Decision.APPROVED_FOR_SESSION,
            "source": events.Source.USER,
        },
        {
            "tool_name": "shell",
            "call_id": "call_Xf3kq9",
            "decision": "approved_for_session",
            "source": "user",
        },
    ),
    "tool_decision-strings": Case(
        "codex.tool_decision",
        events.tool_decision,
        {"tool_name": "apply_patch", "call_id": "c1", "decision": "abort", "source": "config"},
        {"tool_name": "apply_patch", "call_id": "c1", "decision": "abort", "source": "config"},
    ),
    "tool_result-all": Case(
        "codex.tool_result",
        events.tool_result,
        {
            "tool_name": "shell",
            "call_id": "call_Xf3kq9",
            "arguments": '{"command": ["ls", "-la"]}',
            "duration_ms": 12,
            "success": events.Success.TRUE,
            "output": "total 8\ndrwxr-xr-x  4 user staff 128 .",
        },
        {
            "tool_name": "shell",
            "call_id": "call_Xf3kq9",
            "arguments": '{"command": ["ls", "-la"]}',
            "duration_ms": 12,
            "success": "true",
            "output": "total 8\ndrwxr-xr-x  4 user staff 128 .",
        },
    ),
    # The seed's log_tool_failed: the tool failed before it ran.
    "tool_result-required": Case(
        "codex.tool_result",
        events.tool_result,
        {"tool_name": "shell", "duration_ms": 0, "success": "false", "output": "no such tool"},
        {"tool_name": "shell", "duration_ms": 0, "success": "false", "output": "no such tool"},
    ),
}

#: The argument of a wire key whose catalog `python_name` is not the key with dots as
#: underscores.
RENAMED = {"auth.env_refresh_token_url_override_present": "refresh_url_override_present"}


def same_on_the_wire(event: str, emitter: Callable[..., None], wire: dict[str, Any]) -> Case:
    """A case whose arguments are sent as given (no redaction, no cap reached)."""
    kwargs = {RENAMED.get(key, key.replace(".", "_")): value for key, value in wire.items()}
    return Case(event, emitter, kwargs, wire)


AUTH_ENV = {
    "auth.env_openai_api_key_present": True,
    "auth.env_codex_api_key_present": False,
    "auth.env_codex_api_key_enabled": False,
    "auth.env_provider_key_name": "OPENAI_API_KEY",
    "auth.env_provider_key_present": True,
    "auth.env_refresh_token_url_override_present": False,
}
AUTH_DIAGNOSTICS = {
    "auth.request_id": "req_8f1e",
    "auth.cf_ray": "8f1e2d3c4b5a6978-SJC",
    "auth.error": "token expired",
    "auth.error_code": "token_expired",
}
AUTH_HEADER = {
    "auth.header_attached": True,
    "auth.header_name": "authorization",
    "auth.retry_after_unauthorized": True,
    "auth.recovery_mode": "managed",
    "auth.recovery_phase": "refresh_token",
}
PLUGIN = {
    "plugin_install.tool_type": "mcp",
    "plugin_install.tool_id": "linear",
    "plugin_install.tool_name": "Linear",
}
CASES.update(
    {
        "conversation_starts-auth": same_on_the_wire(
            "codex.conversation_starts",
            events.conversation_starts,
            {
                "provider_name": "openai",
                "reasoning_summary": "auto",
                "approval_policy": "never",
                "sandbox_policy": "read-only",
                "mcp_servers": "",
                **AUTH_ENV,
            },
        ),
        "api_request-auth": same_on_the_wire(
            "codex.api_request",
            events.api_request,
            {
                "attempt": 2,
                "duration_ms": 38,
                "http.response.status_code": 401,
                "endpoint": "/v1/responses",
                **AUTH_HEADER,
                **AUTH_ENV,
                **AUTH_DIAGNOSTICS,
                "auth.agent_id": "agent_1",
                "auth.task_id": "task_1",
            },
        ),
        "websocket_connect-all": same_on_the_wire(
            "codex.websocket_connect",
            events.websocket_connect,
            {
                "duration_ms": 88,
                "success": "false",
                "http.response.status_code": 403,
                "error.message": "handshake refused",
                "endpoint": "/v1/responses",
                "auth.connection_reused": False,
                **AUTH_HEADER,
                **AUTH_ENV,
                **AUTH_DIAGNOSTICS,
                "auth.agent_id": "agent_1",
                "auth.task_id": "task_1",
            },
        ),
        "websocket_connect-required": same_on_the_wire(
            "codex.websocket_connect",
            events.websocket_connect,
            {"duration_ms": 0, "success": "true"},
        ),
        "websocket_request-all": same_on_the_wire(
            "codex.websocket_request",
            events.websocket_request,
            {
                "duration_ms": 1500,
                "success": "false",
                "error.message": "connection reset",
                "auth.connection_reused": True,
                **AUTH_ENV,
                "auth.agent_id": "agent_1",
                "auth.task_id": "task_1",
            },
        ),
        "auth_recovery-all": same_on_the_wire(
            "codex.auth_recovery",
            events.auth_recovery,
            {
                "auth.mode": "chatgpt",
                "auth.step": "refresh_token",
                "auth.outcome": "recovered",
                "auth.recovery_reason": "unauthorized",
                "auth.state_changed": True,
                **AUTH_DIAGNOSTICS,
            },
        ),
        "sse_event-completed-details": same_on_the_wire(
            "codex.sse_event",
            events.sse_event,
            {
                "event.kind": "response.completed",
                "input_token_count": 1520,
                "output_token_count": 310,
                "tool_token_count": 1830,
                "cache_write_token_count": 256,
                "ttft_ms": 640,
                "service_tier": "flex",
                "model_reasoning_effort": "high",
            },
        ),
        "tool_result-mcp": same_on_the_wire(
            "codex.tool_result",
            events.tool_result,
            {
                "tool_name": "create_issue",
                "duration_ms": 300,
                "success": "true",
                "output": "created",
                "mcp_server": "linear",
                "mcp_server_origin": "config",
            },
        ),
        "tool_decision-automated": same_on_the_wire(
            "codex.tool_decision",
            events.tool_decision,
            {
                "tool_name": "shell",
                "call_id": "c2",
                "decision": "denied",
                "source": "automated_reviewer",
            },
        ),
        "sandbox_outcome-all": same_on_the_wire(
            "codex.sandbox_outcome",
            events.sandbox_outcome,
            {
                "tool_name": "shell",
                "call_id": "c3",
                "outcome": "escalated",
                "initial_duration_ms": 350,
                "escalated_duration_ms": 1200,
            },
        ),
        "startup_phase-all": same_on_the_wire(
            "codex.startup_phase",
            events.startup_phase,
            {"startup.phase": "thread_start_total", "startup.status": "ok", "duration_ms": 31},
        ),
        "turn_ttft-all": same_on_the_wire(
            "codex.turn_ttft", events.turn_ttft, {"duration_ms": 640}
        ),
        "plugin_install_elicitation_sent-all": same_on_the_wire(
            "codex.plugin_install_elicitation_sent", events.plugin_install_elicitation_sent, PLUGIN
        ),
        "plugin_install_suggestion-all": same_on_the_wire(
            "codex.plugin_install_suggestion",
            events.plugin_install_suggestion,
            {
                **PLUGIN,
                "plugin_install.response_action": "decline",
                "plugin_install.user_confirmed": False,
                "plugin_install.completed": False,
            },
        ),
    }
)


def expected_stamp(timestamp_ns: int) -> str:
    """`event.timestamp` for a time, computed with datetime (the runtime uses time.gmtime)."""
    moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(
        microseconds=timestamp_ns // 1000
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def assert_wire(
    event: CapturedEvent, name: str, expected: Mapping[str, AttributeValue], before: int, after: int
) -> None:
    """`event` is `name` with exactly `expected` plus the timestamp, and each value's exact type."""
    assert event.name == name
    assert before <= event.timestamp_ns <= after
    attributes = dict(event.attributes)
    stamp = attributes.pop("event.timestamp")
    # The event name is an attribute too, as Codex sends it.
    assert attributes.pop("event.name") == name
    assert isinstance(stamp, str)
    assert STAMP.fullmatch(stamp), stamp
    assert stamp == expected_stamp(event.timestamp_ns)
    assert attributes == expected
    # `==` would let True pass for 1 and 1.0 for 1: the types must be the catalog's.
    assert {key: type(value) for key, value in attributes.items()} == {
        key: type(value) for key, value in expected.items()
    }


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    telemetry = Telemetry(load_config(text="[otel]\n", environ={}), service_version="test")
    yield telemetry
    telemetry.shutdown()


@pytest.fixture
def conversation(telemetry: Telemetry) -> Conversation[events.Metadata]:
    return telemetry.conversation(METADATA)


# --- every event, every field ---------------------------------------------------------------


def test_the_cases_cover_every_catalog_event() -> None:
    assert {case.event for case in CASES.values()} == set(events.EVENT_NAMES)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_wire_attributes(
    telemetry: Telemetry, conversation: Conversation[events.Metadata], case: Case
) -> None:
    with telemetry.capture() as captured:
        before = time.time_ns()
        case.emitter(conversation, **case.kwargs)
        after = time.time_ns()
    assert len(captured) == 1
    assert_wire(captured[0], case.event, {**WIRE_METADATA, **case.expected}, before, after)


def test_every_event_in_one_capture_in_order(
    telemetry: Telemetry, conversation: Conversation[events.Metadata]
) -> None:
    before = time.time_ns()
    with telemetry.capture() as captured:
        for case in CASES.values():
            case.emitter(conversation, **case.kwargs)
    after = time.time_ns()
    assert [event.name for event in captured] == [case.event for case in CASES.values()]
    for event, case in zip(captured, CASES.values(), strict=True):
        assert_wire(event, case.event, {**WIRE_METADATA, **case.expected}, before, after)


# --- common metadata --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth_mode", "user_account_id", "present"),
    [
        ("ApiKey", "acct_9", {"auth_mode": "ApiKey", "user.account_id": "acct_9"}),
        (None, None, {}),
        ("", "", {}),
        ("ChatGPT", None, {"auth_mode": "ChatGPT"}),
        (None, "acct_9", {"user.account_id": "acct_9"}),
        ("", "acct_9", {"user.account_id": "acct_9"}),
    ],
)
def test_auth_mode_and_account_only_when_known(
    telemetry: Telemetry,
    auth_mode: str | None,
    user_account_id: str | None,
    present: dict[str, str],
) -> None:
    metadata = dataclasses.replace(METADATA, auth_mode=auth_mode, user_account_id=user_account_id)
    conversation = telemetry.conversation(metadata)
    with telemetry.capture() as captured:
        events.api_request(conversation, attempt=1, duration_ms=3)
    (event,) = captured
    attributes = dict(event.attributes)
    assert {key: attributes.get(key) for key in ("auth_mode", "user.account_id")} == {
        "auth_mode": present.get("auth_mode"),
        "user.account_id": present.get("user.account_id"),
    }
    assert "" not in attributes.values()
    assert set(attributes) == {
        "event.name",
        "event.timestamp",
        "conversation.id",
        "app.version",
        "terminal.type",
        "model",
        "slug",
        "attempt",
        "duration_ms",
        *present,
    }


def test_timestamp_is_rfc3339_utc_milliseconds_across_seconds(
    telemetry: Telemetry,
    conversation: Conversation[events.Metadata],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The formatter caches the seconds part; the clock moves forward, then back.
    clock = iter(
        [
            1759251731_493_999_999,  # the catalog's example, 2025-09-30T17:02:11.493Z
            1759251731_999_999_999,
            1759251732_000_000_000,
            1759251732_005_000_000,
            946684799_000_000_001,
        ]
    )

    class FakeTime:
        """The wall clock replaced; the monotonic one (shutdown's deadlines) kept."""

        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def time_ns() -> int:
            return next(clock)

    monkeypatch.setattr(telemetry_module, "time", FakeTime)
    with telemetry.capture() as captured:
        for _ in range(5):
            events.sse_event(conversation, event_kind="response.created", duration_ms=1)
    assert [event.attributes["event.timestamp"] for event in captured] == [
        "2025-09-30T17:02:11.493Z",
        "2025-09-30T17:02:11.999Z",
        "2025-09-30T17:02:12.000Z",
        "2025-09-30T17:02:12.005Z",
        "1999-12-31T23:59:59.000Z",
    ]
    assert [event.timestamp_ns for event in captured] == [
        1759251731_493_999_999,
        1759251731_999_999_999,
        1759251732_000_000_000,
        1759251732_005_000_000,
        946684799_000_000_001,
    ]


# --- enums ------------------------------------------------------------------------------------


@pytest.mark.parametrize("member", list(events.Decision), ids=lambda m: m.value)
@pytest.mark.parametrize("as_string", [False, True], ids=["member", "string"])
def test_decision_accepts_member_or_value_and_sends_the_value(
    telemetry: Telemetry,
    conversation: Conversation[events.Metadata],
    member: events.Decision,
    as_string: bool,
) -> None:
    with telemetry.capture() as captured:
        events.tool_decision(
            conversation,
            tool_name="shell",
            call_id="c",
            decision=member.value if as_string else member,
            source=events.Source.CONFIG,
        )
    value = captured[0].attributes["decision"]
    assert type(value) is str
    assert value == member.value


@pytest.mark.parametrize("member", list(events.Source), ids=lambda m: m.value)
@pytest.mark.parametrize("as_string", [False, True], ids=["member", "string"])
def test_source_accepts_member_or_value_and_sends_the_value(
    telemetry: Telemetry,
    conversation: Conversation[events.Metadata],
    member: events.Source,
    as_string: bool,
) -> None:
    with telemetry.capture() as captured:
        events.tool_decision(
            conversation,
            tool_name="shell",
            call_id="c",
            decision="denied",
            source=member.value if as_string else member,
        )
    value = captured[0].attributes["source"]
    assert type(value) is str
    assert value == member.value


@pytest.mark.parametrize(
    ("success", "wire"),
    [
        (events.Success.TRUE, "true"),
        (events.Success.FALSE, "false"),
        ("true", "true"),
        ("false", "false"),
    ],
)
def test_success_is_the_string_true_or_false(
    telemetry: Telemetry,
    conversation: Conversation[events.Metadata],
    success: events.Success | str,
    wire: str,
) -> None:
    with telemetry.capture() as captured:
        events.tool_result(
            conversation,
            tool_name="shell",
            duration_ms=1,
            success=success,  # type: ignore[arg-type]
            output="",
        )
    value = captured[0].attributes["success"]
    assert type(value) is str
    assert value == wire


# --- with_metadata (the seed's with_model) ----------------------------------------------------


def test_with_metadata_returns_a_copy_with_the_new_model(
    telemetry: Telemetry, conversation: Conversation[events.Metadata]
) -> None:
    switched = conversation.with_metadata(model="o3", slug="o3-2025")
    assert switched is not conversation
    assert switched.telemetry is telemetry
    assert (switched.metadata.model, switched.metadata.slug) == ("o3", "o3-2025")
    assert (conversation.metadata.model, conversation.metadata.slug) == (
        "gpt-5-codex",
        "gpt-5-codex",
    )

    with telemetry.capture() as captured:
        events.api_request(switched, attempt=1, duration_ms=5)
        events.api_request(conversation, attempt=2, duration_ms=6)
    new, old = (dict(event.attributes) for event in captured)
    for attributes in (new, old):
        del attributes["event.timestamp"]
        assert attributes.pop("event.name") == "codex.api_request"
    assert new == {
        **WIRE_METADATA,
        "model": "o3",
        "slug": "o3-2025",
        "attempt": 1,
        "duration_ms": 5,
    }
    assert old == {**WIRE_METADATA, "attempt": 2, "duration_ms": 6}


def test_with_metadata_checks_the_new_values(conversation: Conversation[events.Metadata]) -> None:
    with pytest.raises(TypeError, match="model"):
        conversation.with_metadata(model=5)
    with pytest.raises(TypeError):
        conversation.with_metadata(no_such_field="x")
    assert conversation.metadata.model == "gpt-5-codex"


# --- the otel_capture fixture -----------------------------------------------------------------


def test_otel_capture_fixture(otel_capture: OtelCapture, request: pytest.FixtureRequest) -> None:
    # Offered by the installed package's pytest11 entry point, not by a conftest.
    assert request.config.pluginmanager.hasplugin("codex_otel")
    assert otel_capture.telemetry.config.exporter.kind == "none"
    assert otel_capture.telemetry.recording
    assert otel_capture.events == []

    conversation = otel_capture.telemetry.conversation(METADATA)
    events.user_prompt(conversation, prompt_length=2, prompt="hi")
    events.tool_decision(
        conversation, tool_name="shell", call_id="c", decision="denied", source="user"
    )
    events.user_prompt(conversation, prompt_length=3, prompt="bye")

    assert otel_capture.names() == ["codex.user_prompt", "codex.tool_decision", "codex.user_prompt"]
    assert [
        event.attributes["prompt_length"] for event in otel_capture.of("codex.user_prompt")
    ] == [
        2,
        3,
    ]
    (decision,) = otel_capture.of("codex.tool_decision")
    assert decision.attributes["decision"] == "denied"
    assert otel_capture.of("codex.api_request") == []
    assert all(isinstance(event, CapturedEvent) for event in otel_capture.events)


APPLICATION_TESTS = """
from codex_otel.generated import events

seen = []


def test_uses_the_fixture(otel_capture):
    seen.append(otel_capture.telemetry)
    conversation = otel_capture.telemetry.conversation(events.Metadata(
        conversation_id="c", app_version="1", terminal_type="t", model="m", slug="s"))
    events.api_request(conversation, attempt=1, duration_ms=2)
    assert otel_capture.names() == ["codex.api_request"]


def test_the_fixture_shut_its_telemetry_down():
    (telemetry,) = seen
    assert "shut down" in repr(telemetry)
    assert not telemetry.recording
"""


def test_otel_capture_reaches_applications_through_the_entry_point(tmp_path: Path) -> None:
    # An application's own test suite: no conftest, no pytest_plugins, only the package.
    (tmp_path / "test_app.py").write_text(textwrap.dedent(APPLICATION_TESTS))
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OTEL_", "PYTEST_")) and key != "PYTHONPATH"
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
