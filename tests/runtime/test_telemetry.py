"""`Telemetry` and `Conversation`: redaction, truncation, shutdown and the interpreter-exit
hook, subscribers, `recording`, argument errors, the host's global state, OTEL_SDK_DISABLED
and what gets imported.

Tests marked `no_otel` also pass without the `otel` extra; nothing at module level imports
OpenTelemetry (the tests that need it import it themselves).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from codex_otel.generated import events
from codex_otel.runtime import (
    CapturedEvent,
    Conversation,
    OtelConfig,
    Telemetry,
    TelemetryStats,
    load_config,
)
from codex_otel.runtime._truncation import TRUNCATION_MARKER, truncate
from support.metadata import make_metadata

#: How long the interpreter may take past `shutdown_timeout` to exit (thread hand-over,
#: exporter abort, interpreter teardown).
MARGIN = 0.75

METADATA = make_metadata(
    conversation_id="c-1",
    app_version="9.9.9",
    auth_mode="ApiKey",
    terminal_type="xterm-256color",
    model="gpt-5-codex",
    slug="gpt-5-codex",
)

#: The marker with its count as a regular expression: group 1 is the number dropped.
MARKER = re.compile(re.escape(TRUNCATION_MARKER).replace(r"\{dropped\}", r"(\d+)") + r"\Z")


# --- helpers -----------------------------------------------------------------------------


def file_config(path: Path, extra: str = "", environ: dict[str, str] | None = None) -> OtelConfig:
    """A config exporting OTLP/JSON lines to `path`; `extra` adds lines to the table."""
    return load_config(
        text=f"[otel]\n{extra}exporter = {{ file = {{ path = {json.dumps(str(path))} }} }}\n",
        environ={} if environ is None else environ,
    )


def exported(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(event name, attributes) of every record in an OTLP/JSON lines file."""
    found = []
    for line in path.read_text().splitlines():
        for resource_logs in json.loads(line)["resourceLogs"]:
            for scope_logs in resource_logs["scopeLogs"]:
                for record in scope_logs["logRecords"]:
                    attributes = {}
                    for item in record["attributes"]:
                        ((kind, raw),) = item["value"].items()
                        attributes[item["key"]] = int(raw) if kind == "intValue" else raw
                    found.append((record["eventName"], attributes))
    return found


def run_python(
    code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter of this environment, without OTEL_* variables."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environ,
        check=False,
    )


def codex_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "codex_otel" and record.levelno >= logging.WARNING
    ]


def dead_port() -> int:
    """A loopback port nothing listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


def telemetry_from(text: str) -> Telemetry:
    return Telemetry(load_config(text=text, environ={}), service_version="9.9.9")


#: The events `emit_all` emits, in order: one of each kind Codex's reference manager had
#: (every catalog event's wire form is tested in test_capture_events and tests/wire).
EMITTED = (
    "codex.conversation_starts",
    "codex.api_request",
    "codex.sse_event",
    "codex.user_prompt",
    "codex.tool_decision",
    "codex.tool_result",
)


def emit_all(conversation: Conversation[events.Metadata]) -> None:
    """One event of each kind in `EMITTED`, with valid arguments."""
    events.conversation_starts(
        conversation,
        provider_name="openai",
        reasoning_summary="auto",
        approval_policy="never",
        sandbox_policy="read-only",
        mcp_servers="",
    )
    events.api_request(conversation, attempt=1, duration_ms=2)
    events.sse_event(conversation, event_kind="response.output_text.delta", duration_ms=1)
    events.user_prompt(conversation, prompt_length=2, prompt="hi")
    events.tool_decision(
        conversation, tool_name="shell", call_id="1", decision="approved", source="user"
    )
    events.tool_result(conversation, tool_name="shell", duration_ms=3, success="true", output="ok")


#: What the scripts run in subprocesses share: the generated module and `emit_all`.
PRELUDE = """
import json, sys, time
from codex_otel.generated import events
from codex_otel.runtime import FileExporter, OtelConfig, Telemetry, load_config

METADATA = events.Metadata(
    conversation_id="c-1", app_version="9.9.9", terminal_type="t", model="m", slug="s")

def emit_all(conversation):
    events.conversation_starts(conversation, provider_name="openai", reasoning_summary="auto",
        approval_policy="never", sandbox_policy="read-only", mcp_servers="")
    events.api_request(conversation, attempt=1, duration_ms=2)
    events.sse_event(conversation, event_kind="response.completed", input_token_count=1,
        output_token_count=2, tool_token_count=0)
    events.user_prompt(conversation, prompt_length=2, prompt="hi")
    events.tool_decision(conversation, tool_name="shell", call_id="1", decision="approved",
        source="user")
    events.tool_result(conversation, tool_name="shell", duration_ms=3, success="true",
        output="ok")
"""


# --- redaction ---------------------------------------------------------------------------


PROMPT = "fix the failing test in tests/test_cli.py, s'il vous plaît 🙏"


@pytest.mark.no_otel
@pytest.mark.parametrize(
    ("table", "shown"),
    [
        ("", False),
        ("log_user_prompt = false\n", False),
        ("log_user_prompt = true\n", True),
        ("log_user_prompt = true\nlog_tool_details = false\n", True),
    ],
)
def test_prompt_is_redacted_unless_log_user_prompt(table: str, shown: bool) -> None:
    telemetry = telemetry_from(f"[otel]\n{table}")
    conversation = telemetry.conversation(METADATA)
    with telemetry.capture() as captured:
        events.user_prompt(conversation, prompt_length=len(PROMPT), prompt=PROMPT)
        # The count is the caller's (taken before redaction), passed through as given.
        events.user_prompt(conversation, prompt_length=100_000, prompt="x" * 100_000)
    first, second = (dict(event.attributes) for event in captured)
    assert first["prompt"] == (PROMPT if shown else "[REDACTED]")
    assert first["prompt_length"] == len(PROMPT)
    assert second["prompt_length"] == 100_000
    if shown:
        assert second["prompt"] == truncate("x" * 100_000, 16384)
        assert len(second["prompt"]) == 16384
    else:
        assert second["prompt"] == "[REDACTED]"
    telemetry.shutdown()


@pytest.mark.no_otel
@pytest.mark.parametrize(
    ("table", "shown"),
    [
        ("", True),
        ("log_tool_details = true\n", True),
        ("log_tool_details = false\n", False),
        ("log_tool_details = false\nlog_user_prompt = true\n", False),
    ],
)
def test_tool_details_are_shown_unless_log_tool_details_is_off(table: str, shown: bool) -> None:
    telemetry = telemetry_from(f"[otel]\n{table}")
    conversation = telemetry.conversation(METADATA)
    with telemetry.capture() as captured:
        events.tool_result(
            conversation,
            tool_name="shell",
            call_id="call_1",
            arguments='{"command": ["cat", ".env"]}',
            duration_ms=4,
            success="false",
            output="TOKEN=abc",
        )
        # Failed before it ran: no arguments, and redaction does not invent a placeholder.
        events.tool_result(
            conversation, tool_name="shell", duration_ms=0, success="false", output="no tool"
        )
    ran, failed = (dict(event.attributes) for event in captured)
    assert ran["arguments"] == ('{"command": ["cat", ".env"]}' if shown else "[REDACTED]")
    assert ran["output"] == ("TOKEN=abc" if shown else "[REDACTED]")
    assert (ran["tool_name"], ran["call_id"], ran["success"]) == ("shell", "call_1", "false")
    assert "arguments" not in failed
    assert failed["output"] == ("no tool" if shown else "[REDACTED]")
    telemetry.shutdown()


@pytest.mark.no_otel
def test_unknown_toggles_redact() -> None:
    # A config that does not know a toggle (built for another catalog) must not leak.
    telemetry = Telemetry(OtelConfig(toggles={}), service_version="1")
    conversation = telemetry.conversation(METADATA)
    with telemetry.capture() as captured:
        events.user_prompt(conversation, prompt_length=2, prompt="hi")
        events.tool_result(conversation, tool_name="t", duration_ms=0, success="true", output="o")
    assert [
        event.attributes.get("prompt", event.attributes.get("output")) for event in captured
    ] == [
        "[REDACTED]",
        "[REDACTED]",
    ]


# --- truncation --------------------------------------------------------------------------


def long_text(length: int) -> str:
    """Text with multi-byte characters, so a cut by bytes would show."""
    return ("ab€🌍0123456789" * (length // 14 + 1))[:length]


def assert_cut(original: str, sent: str, cap: int) -> None:
    if len(original) <= cap:
        assert sent == original
        return
    match = MARKER.search(sent)
    assert match is not None, sent[-60:]
    kept = sent[: match.start()]
    assert original.startswith(kept)
    assert len(kept) + int(match.group(1)) == len(original)
    assert len(sent) == cap


def emit_prompt(conversation: Conversation[events.Metadata], value: str) -> None:
    events.user_prompt(conversation, prompt_length=len(value), prompt=value)


def emit_arguments(conversation: Conversation[events.Metadata], value: str) -> None:
    events.tool_result(
        conversation,
        tool_name="t",
        call_id="c",
        arguments=value,
        duration_ms=1,
        success="true",
        output="",
    )


def emit_output(conversation: Conversation[events.Metadata], value: str) -> None:
    events.tool_result(conversation, tool_name="t", duration_ms=1, success="false", output=value)


def emit_api_error(conversation: Conversation[events.Metadata], value: str) -> None:
    events.api_request(conversation, attempt=3, duration_ms=1, error_message=value)


def emit_sse_error(conversation: Conversation[events.Metadata], value: str) -> None:
    events.sse_event(conversation, duration_ms=1, error_message=value)


@pytest.mark.no_otel
@pytest.mark.parametrize(
    ("emit", "key", "cap"),
    [
        (emit_prompt, "prompt", 16384),
        (emit_arguments, "arguments", 16384),
        (emit_output, "output", 16384),
        (emit_api_error, "error.message", 4096),
        (emit_sse_error, "error.message", 4096),
    ],
    ids=["prompt", "arguments", "output", "api_request-error", "sse_event-error"],
)
def test_large_values_are_cut_to_the_catalog_cap_silently(
    emit: Callable[[Conversation[events.Metadata], str], None],
    key: str,
    cap: int,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    telemetry = telemetry_from("[otel]\nlog_user_prompt = true\n")
    conversation = telemetry.conversation(METADATA)
    lengths = [cap - 1, cap, cap + 1, cap + 30, 3 * cap + 7, 1_000_000]
    with caplog.at_level(logging.DEBUG), telemetry.capture() as captured:
        for length in lengths:
            emit(conversation, long_text(length))
    assert len(captured) == len(lengths)
    for length, event in zip(lengths, captured, strict=True):
        sent = event.attributes[key]
        assert isinstance(sent, str)
        assert_cut(long_text(length), sent, cap)
    # Cutting is expected, not an incident: nothing is logged or printed per event.
    assert caplog.records == []
    assert capsys.readouterr() == ("", "")
    telemetry.shutdown()


@pytest.mark.no_otel
def test_truncate_never_exceeds_its_limit() -> None:
    # The marker's count can gain a digit once the marker's own room is counted as
    # dropped (1 -> 21 chars); the result must still fit the cap exactly.
    for limit in (40, 200):
        for length in range(limit + 1, limit + 2500):
            assert_cut(long_text(length), truncate(long_text(length), limit), limit)
    for length in [*range(16385, 16500), *range(26300, 26420), *range(116300, 116420)]:
        assert_cut(long_text(length), truncate(long_text(length), 16384), 16384)


@pytest.mark.no_otel
def test_truncate_keeps_the_marker_when_the_limit_is_tiny() -> None:
    # A silent cut is worse than a long one: the marker stays even past the limit.
    assert truncate("x" * 50, 5) == TRUNCATION_MARKER.format(dropped=50)
    assert truncate("short", 5) == "short"


# --- shutdown ----------------------------------------------------------------------------


def test_events_after_shutdown_are_dropped_counted_and_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "events.jsonl"
    telemetry = Telemetry(file_config(path), service_version="9.9.9")
    conversation = telemetry.conversation(METADATA)
    events.api_request(conversation, attempt=1, duration_ms=1)
    events.api_request(conversation, attempt=2, duration_ms=1)
    assert telemetry.shutdown()
    with caplog.at_level(logging.DEBUG, logger="codex_otel"):
        emit_all(conversation)  # never raises
    assert telemetry.stats.dropped_after_shutdown == 6
    warnings = codex_warnings(caplog)
    assert len(warnings) == 1
    assert "shut down" in warnings[0]
    assert [name for name, _ in exported(path)] == ["codex.api_request"] * 2
    stats = telemetry.stats
    assert (stats.subscriber_errors, stats.emit_errors, stats.export_failures) == (0, 0, 0)


@pytest.mark.no_otel
def test_subscribers_see_nothing_after_shutdown(caplog: pytest.LogCaptureFixture) -> None:
    telemetry = telemetry_from("[otel]\n")
    conversation = telemetry.conversation(METADATA)
    with caplog.at_level(logging.WARNING, logger="codex_otel"), telemetry.capture() as captured:
        events.api_request(conversation, attempt=1, duration_ms=1)
        assert telemetry.shutdown()
        events.api_request(conversation, attempt=2, duration_ms=1)
        events.api_request(conversation, attempt=3, duration_ms=1)
    assert [event.attributes["attempt"] for event in captured] == [1]
    assert telemetry.stats.dropped_after_shutdown == 2
    assert len(codex_warnings(caplog)) == 1


def test_shutdown_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    with Telemetry(file_config(path), service_version="9.9.9") as telemetry:
        emit_all(telemetry.conversation(METADATA))
    assert "shut down" in repr(telemetry)
    assert len(exported(path)) == 6
    began = time.monotonic()
    assert telemetry.shutdown()
    assert telemetry.shutdown(timeout=0)
    assert time.monotonic() - began < 0.1
    assert telemetry.force_flush()
    assert len(exported(path)) == 6


SHUTDOWN_AT_EXIT = (
    PRELUDE
    + """
path = sys.argv[1]
config = load_config(text=f'[otel]\\nexporter = {{ file = {{ path = {json.dumps(path)} }} }}\\n',
                     environ={})
telemetry = Telemetry(config, service_version="9.9.9")
emit_all(telemetry.conversation(METADATA))
# No shutdown: the interpreter-exit hook must flush.
"""
)


def test_shutdown_runs_at_interpreter_exit(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    result = run_python(SHUTDOWN_AT_EXIT, str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert [name for name, _ in exported(path)] == list(EMITTED)


HOOK = """
import sys
from codex_otel.runtime import Telemetry
telemetry = Telemetry(service_version="1")
if sys.argv[1] == "shutdown":
    telemetry.shutdown()
# The hook calls `telemetry.shutdown()`: this one reports whether the hook ran.
telemetry.shutdown = lambda timeout=None: print("hook ran", flush=True)
"""


@pytest.mark.no_otel
@pytest.mark.parametrize(("mode", "hook_runs"), [("shutdown", False), ("no-shutdown", True)])
def test_shutdown_unregisters_the_exit_hook(mode: str, hook_runs: bool) -> None:
    result = run_python(HOOK, mode)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("hook ran") == (1 if hook_runs else 0)


EXIT_WITH_UNREACHABLE_COLLECTOR = (
    PRELUDE
    + """
kind, endpoint = sys.argv[1], sys.argv[2]
config = load_config(
    text=f'[otel]\\nshutdown_timeout = 1\\nexporter = {{ {kind} = {{ endpoint = "{endpoint}" }} }}\\n',
    environ={},
)
telemetry = Telemetry(config, service_version="9.9.9")
assert telemetry.recording
conversation = telemetry.conversation(METADATA)
for _ in range(20):
    emit_all(conversation)
print("exiting", flush=True)
"""
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "collector"),
    [("otlp-http", "dead"), ("otlp-grpc", "dead"), ("otlp-http", "blackhole")],
)
def test_exit_is_bounded_by_shutdown_timeout(
    kind: str, collector: str, request: pytest.FixtureRequest, spool_in_tmp: Path
) -> None:
    port = request.getfixturevalue("blackhole") if collector == "blackhole" else dead_port()
    endpoint = f"http://127.0.0.1:{port}" + ("/v1/logs" if kind == "otlp-http" else "")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    process = subprocess.Popen(
        [sys.executable, "-c", EXIT_WITH_UNREACHABLE_COLLECTOR, kind, endpoint],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the script's last line: only the exit is left
        exiting = time.monotonic()
        process.wait(timeout=30)
        elapsed = time.monotonic() - exiting
    finally:
        process.kill()
        _, stderr = process.communicate()
    assert line == "exiting\n", stderr
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert elapsed < 1.0 + MARGIN, elapsed
    if collector == "blackhole":
        # The hook did run: it waited for the collector until its timeout, then gave up
        # and spooled the events (quietly: nothing is lost).
        assert elapsed > 0.8, elapsed
        assert "shutdown gave up" not in stderr
    spooled = list(spool_in_tmp.glob("*/*.jsonl"))
    assert spooled, f"the undelivered events were not spooled; stderr: {stderr}"
    assert all(path.read_text().count("\n") > 1 for path in spooled)


# --- subscribers and `recording` --------------------------------------------------------


def test_a_raising_subscriber_breaks_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "events.jsonl"
    telemetry = Telemetry(file_config(path), service_version="9.9.9")
    conversation = telemetry.conversation(METADATA)
    calls: list[str] = []

    def broken(event: CapturedEvent) -> None:
        calls.append(event.name)
        raise RuntimeError("subscriber bug")

    telemetry.subscribe(broken)
    with caplog.at_level(logging.WARNING, logger="codex_otel"), telemetry.capture() as captured:
        emit_all(conversation)  # never raises
    assert calls == list(EMITTED)
    # Subscribers after the broken one and the exporter still get every event.
    assert [event.name for event in captured] == list(EMITTED)
    assert telemetry.stats.subscriber_errors == 6
    assert len(codex_warnings(caplog)) == 1
    assert telemetry.shutdown()
    assert [name for name, _ in exported(path)] == list(EMITTED)


@pytest.mark.no_otel
def test_a_subscriber_cannot_change_what_others_and_the_exporter_get() -> None:
    telemetry = Telemetry(service_version="9.9.9")
    conversation = telemetry.conversation(METADATA)
    tampered: list[str] = []

    def tamper(event: CapturedEvent) -> None:
        try:
            event.attributes["prompt"] = "un-redacted"  # type: ignore[index]
        except TypeError:
            tampered.append("refused")

    telemetry.subscribe(tamper)
    with telemetry.capture() as captured:
        events.user_prompt(conversation, prompt_length=6, prompt="secret")
    assert tampered == ["refused"]
    assert captured[0].attributes["prompt"] == "[REDACTED]"
    telemetry.shutdown()


@pytest.mark.no_otel
def test_recording_follows_exporter_and_subscribers() -> None:
    telemetry = telemetry_from('[otel]\nexporter = "none"\n')
    conversation = telemetry.conversation(METADATA)
    assert not telemetry.recording
    assert not conversation.recording

    seen: list[CapturedEvent] = []
    unsubscribe = telemetry.subscribe(seen.append)
    assert telemetry.recording and conversation.recording
    unsubscribe()
    assert not telemetry.recording and not conversation.recording

    with telemetry.capture() as outer:
        with telemetry.capture() as inner:
            events.api_request(conversation, attempt=1, duration_ms=1)
        assert telemetry.recording
        events.api_request(conversation, attempt=2, duration_ms=1)
    assert not telemetry.recording
    assert [len(outer), len(inner)] == [2, 1]

    # An unsubscribe called twice must not remove another subscription of the same callable.
    first = telemetry.subscribe(seen.append)
    telemetry.subscribe(seen.append)
    first()
    first()
    assert telemetry.recording
    events.api_request(conversation, attempt=3, duration_ms=1)
    assert [event.attributes["attempt"] for event in seen] == [3]


def test_recording_with_an_exporter(tmp_path: Path) -> None:
    telemetry = Telemetry(file_config(tmp_path / "events.jsonl"), service_version="9.9.9")
    assert telemetry.recording
    unsubscribe = telemetry.subscribe(lambda event: None)
    unsubscribe()
    assert telemetry.recording
    assert telemetry.shutdown()


# --- argument errors ---------------------------------------------------------------------

STARTS = {
    "provider_name": "openai",
    "reasoning_summary": "auto",
    "approval_policy": "never",
    "sandbox_policy": "read-only",
    "mcp_servers": "",
}
DECISION = {"tool_name": "shell", "call_id": "c", "decision": "approved", "source": "user"}
RESULT = {"tool_name": "shell", "duration_ms": 1, "success": "true", "output": "ok"}

BAD_ARGUMENTS: list[tuple[Callable[..., None], dict[str, Any], type[Exception], str, str]] = [
    (events.api_request, {"attempt": "s3cret", "duration_ms": 1}, TypeError, "attempt", "str"),
    (events.api_request, {"attempt": True, "duration_ms": 1}, TypeError, "attempt", "bool"),
    (events.api_request, {"attempt": 1, "duration_ms": 1.5}, TypeError, "duration_ms", "float"),
    (
        events.api_request,
        {"attempt": 1, "duration_ms": 1, "http_response_status_code": "200"},
        TypeError,
        "http_response_status_code",
        "str",
    ),
    (
        events.api_request,
        {"attempt": 1, "duration_ms": 1, "error_message": 5},
        TypeError,
        "error_message",
        "int",
    ),
    (events.sse_event, {"input_token_count": 3.0}, TypeError, "input_token_count", "float"),
    (events.sse_event, {"event_kind": b"s3cret"}, TypeError, "event_kind", "bytes"),
    (events.conversation_starts, {**STARTS, "provider_name": 7}, TypeError, "provider_name", "int"),
    (
        events.conversation_starts,
        {**STARTS, "context_window": "s3cret"},
        TypeError,
        "context_window",
        "str",
    ),
    (
        events.conversation_starts,
        {**STARTS, "mcp_servers": ["a", "b"]},
        TypeError,
        "mcp_servers",
        "list",
    ),
    (events.user_prompt, {"prompt_length": 1, "prompt": b"s3cret"}, TypeError, "prompt", "bytes"),
    (
        events.user_prompt,
        {"prompt_length": "s3cret", "prompt": "x"},
        TypeError,
        "prompt_length",
        "str",
    ),
    (events.tool_decision, {**DECISION, "decision": "s3cret"}, ValueError, "decision", ""),
    (events.tool_decision, {**DECISION, "decision": "Approved"}, ValueError, "decision", ""),
    (events.tool_decision, {**DECISION, "source": "s3cret"}, ValueError, "source", ""),
    (
        events.tool_decision,
        {**DECISION, "decision": events.Source.USER},
        TypeError,
        "decision",
        "Source",
    ),
    (events.tool_decision, {**DECISION, "decision": None}, TypeError, "decision", "NoneType"),
    (events.tool_result, {**RESULT, "success": True}, TypeError, "success", "bool"),
    (events.tool_result, {**RESULT, "success": "sucess"}, ValueError, "success", ""),
    (events.tool_result, {**RESULT, "output": None}, TypeError, "output", "NoneType"),
    (events.tool_result, {**RESULT, "arguments": 5}, TypeError, "arguments", "int"),
]


@pytest.mark.no_otel
@pytest.mark.parametrize(
    ("emitter", "kwargs", "error", "field", "type_name"),
    BAD_ARGUMENTS,
    ids=[f"{case[0].__name__}-{case[3]}-{i}" for i, case in enumerate(BAD_ARGUMENTS)],
)
def test_emitters_reject_bad_arguments_naming_event_and_field(
    emitter: Callable[..., None],
    kwargs: dict[str, Any],
    error: type[Exception],
    field: str,
    type_name: str,
) -> None:
    telemetry = telemetry_from("[otel]\n")
    conversation = telemetry.conversation(METADATA)
    with telemetry.capture() as captured, pytest.raises(error) as raised:
        emitter(conversation, **kwargs)
    assert type(raised.value) is error  # a ValueError is not a TypeError, nor the reverse
    message = str(raised.value)
    assert f"codex.{emitter.__name__}" in message
    assert repr(field) in message
    if type_name:
        # A value of the wrong type is named by its type only, never shown.
        assert message.endswith(f"not {type_name}")
    else:
        # A value of the right type the catalog refuses is shown, to say what was wrong
        # (redacted attributes are plain strings: no such check can show one).
        assert message.endswith(f"got {kwargs[field]!r}")
    assert captured == []


# --- the host's global state -------------------------------------------------------------


def test_host_logging_and_global_opentelemetry_are_untouched(tmp_path: Path) -> None:
    from opentelemetry import _logs, metrics, trace

    root = logging.getLogger()
    codex_logger = logging.getLogger("codex_otel")
    before = (
        list(root.handlers),
        root.level,
        list(codex_logger.handlers),
        codex_logger.level,
        codex_logger.propagate,
        _logs.get_logger_provider(),
        metrics.get_meter_provider(),
        trace.get_tracer_provider(),
    )
    path = tmp_path / "events.jsonl"
    telemetry = Telemetry(file_config(path), service_version="9.9.9")
    emit_all(telemetry.conversation(METADATA))
    during = (
        list(root.handlers),
        root.level,
        list(codex_logger.handlers),
        codex_logger.level,
        codex_logger.propagate,
        _logs.get_logger_provider(),
        metrics.get_meter_provider(),
        trace.get_tracer_provider(),
    )
    assert telemetry.shutdown()
    after = (
        list(root.handlers),
        root.level,
        list(codex_logger.handlers),
        codex_logger.level,
        codex_logger.propagate,
        _logs.get_logger_provider(),
        metrics.get_meter_provider(),
        trace.get_tracer_provider(),
    )
    assert len(before) == len(during) == len(after)
    for was, now, later in zip(before, during, after, strict=True):
        assert was == now == later
        if not isinstance(was, (list, int, bool)):
            assert was is now is later
    assert len(exported(path)) == 6  # the pipeline did run


# --- OTEL_SDK_DISABLED -------------------------------------------------------------------


@pytest.mark.no_otel
def test_sdk_disabled_through_the_config_environ(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "events.jsonl"
    config = file_config(path, environ={"OTEL_SDK_DISABLED": "true"})
    assert config.sdk_disabled
    with caplog.at_level(logging.DEBUG):
        telemetry = Telemetry(config, service_version="9.9.9")
        conversation = telemetry.conversation(METADATA)
        assert not telemetry.recording
        emit_all(conversation)
        # In-process subscribers still work: only exporting is off.
        with telemetry.capture() as captured:
            emit_all(conversation)
        assert telemetry.shutdown()
    assert [event.name for event in captured] == list(EMITTED)
    assert not path.exists()
    assert telemetry.stats == TelemetryStats(0, 0, 0, 0, 0)
    assert caplog.records == []


SDK_DISABLED = (
    PRELUDE
    + """
first, second = sys.argv[1], sys.argv[2]
from_table = load_config(
    text=f'[otel]\\nexporter = {{ file = {{ path = {json.dumps(first)} }} }}\\n')
assert from_table.sdk_disabled, from_table
by_hand = OtelConfig(exporter=FileExporter(path=second))  # the SDK reads the variable itself
for config in (from_table, by_hand):
    telemetry = Telemetry(config, service_version="9.9.9")
    conversation = telemetry.conversation(METADATA)
    emit_all(conversation)
    with telemetry.capture() as captured:
        emit_all(conversation)
    assert len(captured) == 6, captured
    assert telemetry.shutdown()
    assert telemetry.stats.dropped_queue_full == telemetry.stats.export_failures == 0
print("done")
"""
)


def test_sdk_disabled_through_the_process_environment(tmp_path: Path) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    result = run_python(SDK_DISABLED, str(first), str(second), env={"OTEL_SDK_DISABLED": "true"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "done\n"
    assert result.stderr == ""
    assert not first.exists()
    assert not second.exists()


# --- imports -----------------------------------------------------------------------------

NONE_EXPORTER_IMPORTS = (
    PRELUDE
    + """
telemetry = Telemetry(load_config(text='[otel]\\nexporter = "none"\\n', environ={}),
                      service_version="9.9.9")
conversation = telemetry.conversation(METADATA)
emit_all(conversation)
with telemetry.capture() as captured:
    emit_all(conversation)
assert len(captured) == 6
telemetry.shutdown()
print(json.dumps(sorted(sys.modules)))
"""
)


@pytest.mark.no_otel
def test_none_exporter_imports_no_opentelemetry() -> None:
    result = run_python(NONE_EXPORTER_IMPORTS)
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout)
    assert "codex_otel.generated.events" in modules
    unwanted = ("opentelemetry", "grpc", "google.protobuf", "requests", "urllib3")
    assert [
        m for m in modules if m.startswith(unwanted) or m.startswith("codex_otel.runtime._pipeline")
    ] == []


OTLP_HTTP_IMPORTS = (
    PRELUDE
    + """
protocol, endpoint = sys.argv[1], sys.argv[2]
config = load_config(
    text=f'[otel]\\nexporter = {{ otlp-http = {{ endpoint = "{endpoint}", protocol = "{protocol}" }} }}\\n',
    environ={},
)
telemetry = Telemetry(config, service_version="9.9.9")
assert telemetry.recording
emit_all(telemetry.conversation(METADATA))
telemetry.shutdown(0.5)
print(json.dumps(sorted(sys.modules)))
"""
)


@pytest.mark.parametrize(
    ("protocol", "exporter_module"),
    [
        ("binary", "opentelemetry.exporter.otlp.proto.http"),
        ("json", "opentelemetry.exporter.otlp.json.http"),
    ],
)
def test_otlp_http_imports_no_grpc(protocol: str, exporter_module: str) -> None:
    endpoint = f"http://127.0.0.1:{dead_port()}/v1/logs"
    result = run_python(OTLP_HTTP_IMPORTS, protocol, endpoint)
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout.splitlines()[-1])
    assert exporter_module in modules  # the pipeline did start, with that exporter
    assert [m for m in modules if m.split(".")[0] in ("grpc", "_grpc") or ".grpc" in m] == []
