"""The OpenTelemetry SDK's own log messages: kept off the host, counted, reported once.

Real pipelines (file exporter, or OTLP/HTTP to a port nobody listens on), the real SDK
loggers, the real `logging` module: what a host application's handlers and stderr get.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config
from codex_otel.runtime._sdk_logs import SDK_LOGS
from receivers import unused_port
from support.metadata import make_metadata


def file_telemetry(path: Path) -> Telemetry:
    text = f'[otel]\nexporter = {{ file = {{ path = "{path.as_posix()}" }} }}\n'
    return started(Telemetry(load_config(text=text, environ={}), service_version="t"))


def started(telemetry: Telemetry) -> Telemetry:
    """The SDK is built in the background; these tests need it running (the default wait,
    shutdown_timeout, is shorter than its import on a loaded machine)."""
    assert telemetry.wait_until_started(30)
    return telemetry


def dead_telemetry() -> Telemetry:
    endpoint = f"http://127.0.0.1:{unused_port()}/v1/logs"
    # No spool: a failed export is then lost, and the SDK's messages about it are news
    # (with the spool on, they are counted and not reported: see test_startup).
    text = (
        "[otel]\nshutdown_timeout = 1.0\n"
        f'exporter = {{ otlp-http = {{ endpoint = "{endpoint}", timeout = 1.0 }} }}\n'
        "[otel.spool]\nenabled = false\n"
    )
    return started(Telemetry(load_config(text=text, environ={}), service_version="t"))


@pytest.fixture(autouse=True)
def no_pipeline_left_behind() -> Iterator[None]:
    claims_before = len(SDK_LOGS._claims)
    yield
    assert len(SDK_LOGS._claims) == claims_before, "a test left a pipeline's claim behind"


TAKE_OVER = textwrap.dedent(
    """
    import logging, sys
    from codex_otel.runtime import Telemetry, load_config

    def telemetry(name):
        text = '[otel]\\nexporter = { file = { path = "' + sys.argv[1] + name + '" } }\\n'
        telemetry = Telemetry(load_config(text=text, environ={}), service_version="t")
        # The SDK is built in the background; the default wait (shutdown_timeout, 0.25 s)
        # is shorter than its import on a loaded machine.
        assert telemetry.wait_until_started(30)
        return telemetry

    sdk = logging.getLogger("opentelemetry")
    handlers = list(sdk.handlers)
    assert sdk.propagate is True
    first, second = telemetry("a"), telemetry("b")
    assert sdk.propagate is False
    assert len(sdk.handlers) == len(handlers) + 1  # one handler, however many pipelines
    assert first.shutdown()
    assert sdk.propagate is False  # the second pipeline still runs
    assert second.shutdown()
    assert sdk.propagate is True and sdk.handlers == handlers

    sdk.propagate = False  # the host's own choice is what comes back
    third = telemetry("c")
    assert third.shutdown()
    assert sdk.propagate is False and sdk.handlers == handlers
    print("ok")
    """
)


def test_the_logger_is_taken_over_while_pipelines_run_and_given_back(tmp_path: Path) -> None:
    # A fresh interpreter: nothing else has touched the `opentelemetry` logger there.
    result = subprocess.run(
        [sys.executable, "-c", TAKE_OVER, f"{tmp_path.as_posix()}/"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", "")


def test_the_hosts_own_sdk_messages_still_reach_its_handlers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The host's OpenTelemetry setup logs through the same SDK loggers: while a pipeline
    runs, those messages propagate to the root handlers exactly as before."""
    telemetry = file_telemetry(tmp_path / "a.jsonl")
    try:
        with caplog.at_level(logging.WARNING):
            logging.getLogger("opentelemetry.sdk._shared_internal").warning("host's own warning")
            thread = threading.Thread(
                target=logging.getLogger("opentelemetry.exporter.x").error, args=("host thread",)
            )
            thread.start()
            thread.join()
    finally:
        assert telemetry.shutdown()
    messages = [(r.name, r.getMessage()) for r in caplog.records]
    assert ("opentelemetry.sdk._shared_internal", "host's own warning") in messages
    assert ("opentelemetry.exporter.x", "host thread") in messages
    assert telemetry.stats.sdk_messages == 0


def forget_recent_sdk_messages() -> None:
    """The SDK's `DuplicateFilter` drops a message logged from the same template within
    20 s, process-wide: another test's dead collector would hide this test's messages."""
    for name, logger in logging.Logger.manager.loggerDict.items():
        if name.startswith("opentelemetry") and isinstance(logger, logging.Logger):
            for log_filter in logger.filters:
                if hasattr(log_filter, "last_log"):
                    del log_filter.last_log


def test_messages_on_a_pipelines_behalf_are_counted_and_reported_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    forget_recent_sdk_messages()
    telemetry = dead_telemetry()
    conversation = telemetry.conversation(make_metadata())
    with caplog.at_level(logging.DEBUG):
        for attempt in range(3):
            events.api_request(conversation, attempt=attempt, duration_ms=1)
            telemetry.force_flush(3.0)
        telemetry.shutdown(1.0)
    sdk = [r for r in caplog.records if r.name.startswith("opentelemetry")]
    assert sdk == [], [(r.name, r.getMessage()) for r in sdk]
    assert telemetry.stats.sdk_messages >= 1
    reports = [
        r.getMessage() for r in caplog.records if "OpenTelemetry SDK logged" in r.getMessage()
    ]
    assert len(reports) == 1, reports
    assert "Telemetry.stats.sdk_messages" in reports[0]


def test_a_record_logged_while_emitting_is_the_pipelines(tmp_path: Path) -> None:
    """The SDK logs on the emitting thread too (a full queue): the pipeline's frame on the
    stack is what attributes it."""
    telemetry = file_telemetry(tmp_path / "a.jsonl")
    assert telemetry._pipeline is not None
    pipeline = telemetry._pipeline._pipeline  # the running pipeline behind the start
    assert pipeline is not None
    sdk_logger = logging.getLogger("opentelemetry.sdk._shared_internal")

    def emit_and_log(**_: object) -> None:
        sdk_logger.warning("Queue full, dropping logs.")

    original = pipeline._emit
    pipeline._emit = emit_and_log
    try:
        events.api_request(telemetry.conversation(make_metadata()), attempt=1, duration_ms=1)
    finally:
        pipeline._emit = original
        telemetry.shutdown()
    assert telemetry.stats.sdk_messages == 1


HOST = textwrap.dedent(
    """
    import sys
    from codex_otel.generated import events
    from codex_otel.runtime import Telemetry, load_config

    endpoint = sys.argv[1]
    telemetry = Telemetry(load_config(text=(
        "[otel]\\nshutdown_timeout = 1.0\\n"
        'exporter = { otlp-http = { endpoint = "' + endpoint + '", timeout = 1.0 } }\\n'
        "[otel.spool]\\nenabled = false\\n"  # lost, not spooled: worth reporting
    ), environ={}), service_version="host")
    conversation = telemetry.conversation(events.Metadata(
        conversation_id="c", app_version="1", terminal_type="t", model="m", slug="s"))
    for i in range(5):
        events.api_request(conversation, attempt=i, duration_ms=1)
        telemetry.force_flush(2.0)
    telemetry.shutdown(1.0)
    print(telemetry.stats.sdk_messages)
    """
)


def test_a_plain_host_sees_only_codex_otels_own_lines() -> None:
    """Collector down, no logging configured: the SDK's retry warnings and export errors
    would each print on stderr; only codex-otel's reports (once per kind) do."""
    endpoint = f"http://user:hunter2@127.0.0.1:{unused_port()}/v1/logs"
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", HOST, endpoint],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines, "the failure was not reported at all"
    assert all(line.startswith("codex-otel: ") for line in lines), lines
    assert len(lines) == len(set(lines)) <= 4, lines
    assert "hunter2" not in result.stderr
    assert int(result.stdout) >= 1
    assert time.monotonic() - began < 60


@pytest.mark.background_start
def test_a_record_logged_while_handing_over_waiting_events_is_the_pipelines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Events emitted before the start is over are handed to the SDK on the start thread:
    what the SDK logs then (here, about an attribute value it cannot export) is the
    pipeline's too, counted and kept from the host's handlers."""
    text = f'[otel]\nexporter = {{ file = {{ path = "{(tmp_path / "a.jsonl").as_posix()}" }} }}\n'
    telemetry = Telemetry(load_config(text=text, environ={}), service_version="t")
    with caplog.at_level(logging.DEBUG):
        # Straight to the pipeline (generated emitters refuse such a value): waits for the
        # start, which imports the SDK for far longer than this takes.
        telemetry._dispatch("codex.test", {"bad": object()}, time.time_ns())  # type: ignore[dict-item]
        assert telemetry._pipeline is not None and not telemetry._pipeline.ready
        assert telemetry.wait_until_started(30)
        telemetry.shutdown()
    sdk = [r for r in caplog.records if r.name.startswith("opentelemetry")]
    assert sdk == [], [(r.name, r.getMessage()) for r in sdk]
    assert telemetry.stats.sdk_messages >= 1
