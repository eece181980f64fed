"""Without the `otel` extra, importing and calling the generated emitters works and does nothing.

Run for real: a fresh virtual environment with no site-packages but the two sub-packages
the emitters need (`codex_otel.runtime` and `codex_otel.generated`), so opentelemetry,
grpc, protobuf, requests and even the generator's jinja2/yaml/jsonschema are all absent.

The module imports no OpenTelemetry, so it also runs in a test environment where the extra
is not installed (`pytest -m no_otel`).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, _startup, load_config
from codex_otel.runtime._truncation import TRUNCATION_MARKER

pytestmark = pytest.mark.no_otel

#: (emitter, keyword arguments, the event's own wire attributes), for both checks below.
CALLS: list[tuple[str, dict[str, object], dict[str, object]]] = [
    (
        "conversation_starts",
        {
            "provider_name": "openai",
            "reasoning_effort": "high",
            "reasoning_summary": "auto",
            "context_window": 272000,
            "approval_policy": "on-request",
            "sandbox_policy": "workspace-write",
            "mcp_servers": "github",
        },
        {
            "provider_name": "openai",
            "reasoning_effort": "high",
            "reasoning_summary": "auto",
            "context_window": 272000,
            "approval_policy": "on-request",
            "sandbox_policy": "workspace-write",
            "mcp_servers": "github",
        },
    ),
    (
        "api_request",
        {"attempt": 1, "duration_ms": 412, "http_response_status_code": 200},
        {"attempt": 1, "duration_ms": 412, "http.response.status_code": 200},
    ),
    (
        "sse_event",
        {
            "event_kind": "response.completed",
            "input_token_count": 10,
            "output_token_count": 2,
            "tool_token_count": 0,
        },
        {
            "event.kind": "response.completed",
            "input_token_count": 10,
            "output_token_count": 2,
            "tool_token_count": 0,
        },
    ),
    (
        "user_prompt",
        {"prompt_length": 5, "prompt": "hello"},
        {"prompt_length": 5, "prompt": "[REDACTED]"},
    ),
    (
        "tool_decision",
        {"tool_name": "shell", "call_id": "c1", "decision": "denied", "source": "config"},
        {"tool_name": "shell", "call_id": "c1", "decision": "denied", "source": "config"},
    ),
    (
        "tool_result",
        {
            "tool_name": "shell",
            "call_id": "c1",
            "arguments": "{}",
            "duration_ms": 3,
            "success": "false",
            "output": "x" * 20000,
        },
        {
            "tool_name": "shell",
            "call_id": "c1",
            "arguments": "{}",
            "duration_ms": 3,
            "success": "false",
            "output": "x" * 16361 + TRUNCATION_MARKER.format(dropped=3639),
        },
    ),
]

METADATA = {
    "conversation_id": "c-1",
    "app_version": "1.2.3",
    "user_account_id": "",
    "terminal_type": "dumb",
    "model": "gpt-5-codex",
    "slug": "gpt-5",
}
WIRE_METADATA = {
    "conversation.id": "c-1",
    "app.version": "1.2.3",
    "terminal.type": "dumb",
    "model": "gpt-5-codex",
    "slug": "gpt-5",
}

SCRIPT = r"""
import importlib.util, json, logging, re, sys

# The environment really has none of it.
for name in ("opentelemetry", "grpc", "google", "requests", "jinja2", "yaml", "jsonschema"):
    assert importlib.util.find_spec(name) is None, name

calls, metadata, wire_metadata = json.loads(sys.argv[1])

warnings = []
class Collect(logging.Handler):
    def emit(self, record):
        warnings.append(record)
logging.getLogger("codex_otel").addHandler(Collect(logging.DEBUG))

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config
assert events.__file__.startswith(sys.prefix), (events.__file__, sys.prefix)

telemetry = Telemetry(load_config(text='[otel]\nexporter = "otlp-http"\n', environ={}),
                      service_version="1.2.3")
# Warned once that the configured exporter cannot run, naming the fix.
assert len(warnings) == 1, [w.getMessage() for w in warnings]
assert warnings[0].levelno == logging.WARNING
assert "codex-otel[otel]" in warnings[0].getMessage(), warnings[0].getMessage()
assert "otlp-http" in warnings[0].getMessage(), warnings[0].getMessage()

conversation = telemetry.conversation(events.Metadata(**metadata))
assert not telemetry.recording  # nothing to export, nobody listening: the no-cost path
for name, kwargs, _ in calls:
    assert getattr(events, name)(conversation, **kwargs) is None

with telemetry.capture() as captured:
    for name, kwargs, _ in calls:
        getattr(events, name)(conversation, **kwargs)
assert [event.name for event in captured] == ["codex." + name for name, _, _ in calls]
for event, (name, _, expected) in zip(captured, calls):
    attributes = dict(event.attributes)
    stamp = attributes.pop("event.timestamp")
    assert attributes.pop("event.name") == event.name
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp), stamp
    assert attributes == {**wire_metadata, **expected}, (name, attributes)
    assert all(type(attributes[k]) is type(v) for k, v in expected.items()), name

with telemetry.capture() as captured:
    try:
        events.tool_decision(conversation, tool_name="t", call_id="c", decision="maybe",
                             source="user")
    except ValueError as error:
        assert "codex.tool_decision" in str(error) and "'decision'" in str(error), error
    else:
        raise AssertionError("no ValueError while recording")
assert captured == []

assert telemetry.shutdown()
assert telemetry.stats.dropped_after_shutdown == 0
assert len(warnings) == 1, [w.getMessage() for w in warnings]  # still only the one

# Metrics: a configured metrics exporter warns once in the same way (the install hint was
# given once in this process already); the recorders check their arguments, return, and
# measurement subscribers still see every measurement.
warnings.clear()
metered = Telemetry(load_config(text='[otel]\nmetrics_exporter = "otlp-grpc"\n', environ={}),
                    service_version="1.2.3")
assert [w.levelno for w in warnings] == [logging.WARNING], [w.getMessage() for w in warnings]
assert "not installed" in warnings[0].getMessage(), warnings[0].getMessage()
assert "codex-otel[otel]" not in warnings[0].getMessage(), warnings[0].getMessage()
assert "otlp-grpc" in warnings[0].getMessage(), warnings[0].getMessage()
conversation = metered.conversation(events.Metadata(**metadata))
assert not conversation.metrics_recording
assert events.record_api_request(conversation, status="200", success="true") is None
with metered.capture_measurements() as measured:
    events.record_api_request(conversation, status="none", success="false")
    events.record_turn_token_usage(conversation, 1520, token_type="input")
    try:
        events.record_tool_call(conversation, tool="shell", success="maybe")
    except ValueError as error:
        assert "codex.tool.call" in str(error) and "'success'" in str(error), error
    else:
        raise AssertionError("no ValueError while recording")
assert [(m.name, m.value) for m in measured] == [
    ("codex.api_request", 1), ("codex.turn.token_usage", 1520)]
assert dict(measured[0].attributes) == {
    "model": wire_metadata["model"], "app.version": wire_metadata["app.version"],
    **({"auth_mode": wire_metadata["auth_mode"]} if "auth_mode" in wire_metadata else {}),
    "status": "none", "success": "false"}
assert metered.shutdown() and len(warnings) == 1

# Nothing outside the standard library was imported (but tomli, tomllib's backport and a
# core dependency on Python 3.10).
outside = sorted({m.split(".")[0] for m in sys.modules} - set(sys.stdlib_module_names)
                 - {"codex_otel", "__main__", "tomli"})
assert outside == [], outside
print("no-otel ok")
"""


def package_dir(name: str) -> Path:
    """Where the installed `name` package lives, found without importing it."""
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations, name
    return Path(next(iter(spec.submodule_search_locations)))


def bare_environment(root: Path) -> Path:
    """A new venv holding only `codex_otel.runtime` and `codex_otel.generated` (plus tomli
    where tomllib is missing); returns its interpreter."""
    venv.EnvBuilder(system_site_packages=False, with_pip=False, symlinks=os.name != "nt").create(
        root
    )
    python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    site = Path(purelib)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for sub in ("runtime", "generated"):
        # An editable install is a tree of symlinks: copy what they point to.
        shutil.copytree(package_dir(f"codex_otel.{sub}"), site / "codex_otel" / sub, ignore=ignore)
    shutil.copy(importlib.util.find_spec("codex_otel").origin or "", site / "codex_otel")  # type: ignore[union-attr]
    if sys.version_info < (3, 11):  # a dependency of the runtime there (tomllib's backport)
        shutil.copytree(package_dir("tomli"), site / "tomli", ignore=ignore)
    return python


def test_generated_emitters_work_without_any_opentelemetry(tmp_path: Path) -> None:
    python = bare_environment(tmp_path / "venv")
    environ = {"PATH": os.environ.get("PATH", ""), "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        [str(python), "-I", "-c", SCRIPT, json.dumps([CALLS, METADATA, WIRE_METADATA])],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environ,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "no-otel ok\n"


def test_missing_extra_in_this_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The install hint is given once per process: this test wants to see it.
    monkeypatch.setattr(_startup, "_hints_given", set())
    # Whether or not the extra is installed here, make every OpenTelemetry import fail.
    for name in [m for m in sys.modules if m == "opentelemetry" or m.startswith("opentelemetry.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "opentelemetry", None)

    with caplog.at_level(logging.DEBUG, logger="codex_otel"):
        telemetry = Telemetry(
            load_config(text='[otel]\nexporter = "otlp-http"\n', environ={}),
            service_version="1.2.3",
        )
        conversation = telemetry.conversation(events.Metadata(**METADATA))
        assert not telemetry.recording
        with telemetry.capture() as captured:
            for name, kwargs, _ in CALLS:
                getattr(events, name)(conversation, **kwargs)
        for name, kwargs, _ in CALLS:  # not recording again: does nothing
            getattr(events, name)(conversation, **kwargs)
        assert telemetry.shutdown()
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(messages) == 1, messages
    assert "codex-otel[otel]" in messages[0]
    for event, (name, _, expected) in zip(captured, CALLS, strict=True):
        attributes = dict(event.attributes)
        del attributes["event.timestamp"]
        assert attributes.pop("event.name") == event.name == f"codex.{name}"
        assert attributes == {**WIRE_METADATA, **expected}
    assert len(captured) == len(CALLS)


@pytest.mark.parametrize(
    "module", ["test_no_otel.py", "test_capture_events.py", "test_telemetry.py"]
)
def test_modules_with_no_otel_tests_import_no_opentelemetry(module: str) -> None:
    # So that they load where the extra is not installed: checked in a fresh interpreter,
    # with tests/ on the path as pytest puts it (pyproject's `pythonpath`).
    code = textwrap.dedent(
        f"""
        import importlib.util, sys
        sys.path.append({str(Path(__file__).parent.parent)!r})
        spec = importlib.util.spec_from_file_location("probe", {str(Path(__file__).with_name(module))!r})
        probe = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(probe)
        assert any(name.startswith("test_") for name in vars(probe))
        loaded = [m for m in sys.modules if m.startswith(("opentelemetry", "grpc", "google.protobuf"))]
        assert not loaded, loaded
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


SPAN_SCRIPT = textwrap.dedent(
    """
    import sys
    from codex_otel.runtime import SpanDefinition, SpanHandle, Telemetry, trace_headers, traced_environ

    TURN = SpanDefinition("codex.turn", "invoke_agent", "internal", frozenset(), True)
    telemetry = Telemetry(service_version="1")
    conversation = telemetry.conversation(
        type("M", (), {"COMPUTED": {}, "to_attributes": lambda self: {}})()
    )
    with conversation.start_span(TURN, {}, SpanHandle) as handle:
        assert not handle.recording and handle.headers() == {}
        assert trace_headers() == {}
        assert traced_environ({"A": "1"}) == {"A": "1"}
    with telemetry.capture_spans() as captured, conversation.start_span(TURN, {}, SpanHandle):
        pass
    assert captured == []  # nothing records spans without the SDK: reported once
    telemetry.shutdown()
    loaded = [m for m in sys.modules if m.startswith("opentelemetry")]
    assert not loaded, loaded
    print("spans no-otel ok")
    """
)


def test_the_span_api_works_and_imports_nothing_without_opentelemetry(tmp_path: Path) -> None:
    python = bare_environment(tmp_path / "venv")
    environ = {"PATH": os.environ.get("PATH", ""), "TRACEPARENT": "00-garbage"}
    result = subprocess.run(
        [str(python), "-I", "-c", SPAN_SCRIPT],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "spans no-otel ok\n"
    assert "codex-otel[otel]" in result.stderr  # the one report that spans are not recorded
    assert result.stderr.count("codex-otel:") == 1
