"""What an operator running this in production worries about, checked on the wire.

Secrets stay secret, the host application's logging and OpenTelemetry globals are left
alone, a healthy pipeline is silent, events after shutdown are counted (not sent, not
raised), and a process that simply exits still delivers its events, without hanging
when the collector does not answer.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from wire.wirekit import (
    ENVIRON,
    TOKEN,
    TRANSPORTS,
    Transport,
    emit_catalog,
    exporter_table,
    metadata,
    otel_toml,
    start_receiver,
)

from codex_otel.generated import events
from receivers import OtlpHttpReceiver
from receivers.fixtures import ReceiverFactory
from support.telemetry import TelemetryFactory

pytestmark = pytest.mark.wire

#: Threads the pipeline starts: the SDK's batch worker and our flush/shutdown helpers.
PIPELINE_THREADS = ("OtelBatch", "codex-otel")


def pipeline_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(PIPELINE_THREADS)]


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of every logger, DEBUG included (the SDK's and urllib3's too)."""
    with caplog.at_level(logging.DEBUG):
        yield caplog


def formatted(caplog: pytest.LogCaptureFixture) -> str:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    return "\n".join(handler.format(record) for record in caplog.records)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_header_secret_reaches_the_collector_and_nothing_else(
    transport: Transport,
    otlp_receivers: ReceiverFactory,
    start_telemetry: TelemetryFactory,
    all_logs: pytest.LogCaptureFixture,
) -> None:
    receiver = start_receiver(otlp_receivers, transport)
    # A failing collector as well, so that every error path logs what it logs.
    if isinstance(receiver, OtlpHttpReceiver):
        receiver.fail_next(2, 503, retry_after=0)
    else:
        receiver.fail_next(2, "UNAVAILABLE", retry_delay=0)
    telemetry = start_telemetry(otel_toml(exporter_table(transport, receiver.endpoint)))
    emitted = emit_catalog(telemetry, "secret")
    assert telemetry.force_flush()
    assert telemetry.shutdown()

    assert receiver.record_count() == emitted.count
    assert receiver.requests[-1].headers["x-otlp-api-key"] == TOKEN  # it was used
    assert all_logs.records, "nothing was logged: the check below would prove nothing"
    assert TOKEN not in formatted(all_logs)
    for shown in (telemetry, telemetry.config, telemetry.config.exporter, telemetry.stats):
        assert TOKEN not in repr(shown)
        assert TOKEN not in str(shown)


def global_state() -> dict[str, Any]:
    from opentelemetry import _logs, metrics, trace

    loggers = {
        name: (list(logger.handlers), logger.level, logger.propagate, list(logger.filters))
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and not name.startswith("opentelemetry")
    }
    return {
        "root": (list(logging.root.handlers), logging.root.level, list(logging.root.filters)),
        "codex_otel": (list(logging.getLogger("codex_otel").handlers),
                       logging.getLogger("codex_otel").level),
        "loggers": loggers,
        "logger_provider": _logs.get_logger_provider(),
        "meter_provider": metrics.get_meter_provider(),
        "tracer_provider": trace.get_tracer_provider(),
        "excepthook": (sys.excepthook, threading.excepthook),
        "signals": {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)},
        "environ": dict(os.environ),
    }  # fmt: skip


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_host_logging_and_opentelemetry_globals_are_untouched(
    transport: Transport,
    otlp_receivers: ReceiverFactory,
    start_telemetry: TelemetryFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from opentelemetry.sdk._logs import LoggerProvider

    receiver = start_receiver(otlp_receivers, transport)
    # Another test's pipeline may still be winding down: only this one's threads count.
    threads_before = set(pipeline_threads())
    with caplog.at_level(logging.INFO):
        before = global_state()
        telemetry = start_telemetry(otel_toml(exporter_table(transport, receiver.endpoint)))
        running = global_state()
        emitted = emit_catalog(telemetry, "globals")
        assert telemetry.shutdown()
        after = global_state()

    assert receiver.record_count() == emitted.count
    # Loggers created while running (the SDK's, urllib3's, ...) are new, not changed ones.
    for state in (running, after):
        assert {k: v for k, v in state.items() if k != "loggers"} == {
            k: v for k, v in before.items() if k != "loggers"
        }
        assert {k: state["loggers"][k] for k in before["loggers"]} == before["loggers"]
    assert not isinstance(before["logger_provider"], LoggerProvider)
    # A healthy pipeline is silent: nothing at INFO or above, from any logger.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []
    # And it leaves no thread behind.
    started = [t for t in pipeline_threads() if t not in threads_before]
    for thread in started:
        thread.join(timeout=2)
    assert [t for t in started if t.is_alive()] == []


def test_events_after_shutdown_are_dropped_counted_and_reported_once(
    otlp_receivers: ReceiverFactory,
    start_telemetry: TelemetryFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = otlp_receivers.http()
    with start_telemetry(otel_toml(exporter_table("http-binary", receiver.endpoint))) as telemetry:
        emitted = emit_catalog(telemetry, "before")  # `with` shuts down at the end
    assert receiver.record_count() == emitted.count

    late = telemetry.conversation(metadata("late"))
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        began = time.monotonic()
        for attempt in range(1000):
            events.api_request(late, attempt=attempt, duration_ms=0)
        assert telemetry.force_flush()
        assert telemetry.shutdown()  # idempotent
        took = time.monotonic() - began
    assert took < 1.0
    assert telemetry.stats.dropped_after_shutdown == 1000
    assert telemetry.stats.emit_errors == 0
    shut = [r for r in caplog.records if r.name == "codex_otel" and "shut down" in r.getMessage()]
    assert len(shut) == 1
    assert receiver.record_count() == emitted.count
    assert {r.attributes["conversation.id"] for r in receiver.received_records()} == {
        "before-full",
        "before-minimal",
    }


EXIT_SCRIPT = """
import json, sys
from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config

toml, environ = sys.argv[1], json.loads(sys.argv[2])
telemetry = Telemetry(load_config(text=toml, environ=environ), service_version="exit")
conversation = telemetry.conversation(events.Metadata(
    conversation_id="exit", app_version="1", terminal_type="t", model="m", slug="s"))
for attempt in range(100):
    events.api_request(conversation, attempt=attempt, duration_ms=0)
print("emitted", flush=True)
# No shutdown() call: the CLI just returns, and the interpreter-exit hook must flush.
"""


def run_until_exit(toml: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(EXIT_SCRIPT), toml, json.dumps(ENVIRON)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
        check=False,
    )
    return time.monotonic() - began, result


@pytest.mark.parametrize("transport", ["http-binary", "grpc"])
def test_a_process_that_just_exits_delivers_and_never_hangs(
    transport: Transport, otlp_receivers: ReceiverFactory
) -> None:
    shutdown_timeout = 1.0

    def toml(endpoint: str) -> str:
        # A schedule delay longer than the process lives: only the exit hook sends them.
        return otel_toml(
            exporter_table(transport, endpoint),
            shutdown_timeout=shutdown_timeout,
            schedule_delay_ms=60_000,
        )

    receiver = start_receiver(otlp_receivers, transport)
    healthy_took, healthy = run_until_exit(toml(receiver.endpoint))
    assert healthy.returncode == 0, healthy.stderr
    assert receiver.record_count() == 100
    assert "Traceback" not in healthy.stderr

    silent = start_receiver(otlp_receivers, transport)
    if isinstance(silent, OtlpHttpReceiver):
        silent.blackhole(stage="accept")
    else:
        silent.hang()
    stuck_took, stuck = run_until_exit(toml(silent.endpoint))
    print(f"{transport}: exit took {healthy_took:.2f}s healthy, {stuck_took:.2f}s blackholed")
    assert stuck.returncode == 0, stuck.stderr
    assert stuck.stdout.strip() == "emitted"
    assert "Traceback" not in stuck.stderr
    assert silent.record_count() == 0
    # Bounded by shutdown_timeout: the exit costs at most that much more than a healthy one.
    assert stuck_took < healthy_took + shutdown_timeout + 1.5
