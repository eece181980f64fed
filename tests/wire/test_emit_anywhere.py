"""Emitting is safe anywhere: from a signal handler, and across a fork at any moment of
the parent's first export.

Each case runs a real process (signals and forks do not belong in the pytest process)
exporting to a real receiver over loopback, and fails by the process hanging or by its
events never arriving.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from wire.wirekit import TRANSPORTS, Transport, exporter_table, otel_toml, start_receiver

from receivers.fixtures import ReceiverFactory

pytestmark = pytest.mark.wire

TESTS = str(Path(__file__).resolve().parents[1])

#: The OTEL_ variables of the environment running the tests stay out of the children.
ENVIRON = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}


def run(script: str, *args: str, timeout: float) -> dict[str, object]:
    """Run `script` in a fresh interpreter; its last line of output, as JSON."""
    try:
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(script), TESTS, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=ENVIRON,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"the process hung (killed after {timeout} s): {error.stderr!r}")
    assert result.returncode == 0, result.stderr
    outcome: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return outcome


# --- a signal handler that emits ----------------------------------------------------------

SIGNAL_SCRIPT = """
import json, signal, sys, time
from dataclasses import replace
sys.path.insert(0, sys.argv[1])
from support.metadata import CODEX_METADATA
from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config

toml, seconds = sys.argv[2], float(sys.argv[3])
handled = 0

def on_alarm(signum, frame):
    global handled
    events.api_request(in_handler, attempt=handled, duration_ms=0)
    handled += 1

# The alarm starts before `Telemetry`: its handler interrupts the background start as
# well as the running pipeline.
in_handler = None
signal.signal(signal.SIGALRM, lambda signum, frame: None)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
telemetry = Telemetry(load_config(text=toml, environ={}), service_version="signal")
in_main = telemetry.conversation(replace(CODEX_METADATA, conversation_id="main"))
in_handler = telemetry.conversation(replace(CODEX_METADATA, conversation_id="handler"))
signal.signal(signal.SIGALRM, on_alarm)
emitted = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    events.api_request(in_main, attempt=emitted, duration_ms=0)
    emitted += 1
    if emitted % 20 == 0:
        time.sleep(0.0005)  # a busy host, not a flood: nothing should need dropping
signal.setitimer(signal.ITIMER_REAL, 0)
delivered = telemetry.shutdown(10)
stats = telemetry.stats
print(json.dumps({"main": emitted, "handler": handled, "delivered": delivered,
                  "dropped": stats.dropped_queue_full, "failures": stats.export_failures}))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="setitimer is POSIX-only")
@pytest.mark.parametrize("transport", ["http-binary", "grpc"])
def test_emitting_from_a_signal_handler_never_blocks(
    transport: Transport, otlp_receivers: ReceiverFactory
) -> None:
    receiver = start_receiver(otlp_receivers, transport)
    toml = otel_toml(
        exporter_table(transport, receiver.endpoint, timeout=5, headers=None),
        shutdown_timeout=10,
        max_queue_size=65536,
        max_export_batch_size=512,
    )
    # SIGALRM every millisecond for 1.5 s: the handler interrupts the start, emits, and
    # the batch processor's own wake-up, hundreds of times.
    outcome = run(SIGNAL_SCRIPT, toml, "1.5", timeout=60)
    assert outcome["delivered"] is True and outcome["failures"] == 0, outcome
    assert isinstance(outcome["handler"], int) and outcome["handler"] > 100, outcome

    received = collections.Counter(
        str(record.attributes["conversation.id"]) for record in receiver.received_records()
    )
    # Every event of the main thread arrived; the handler's arrived, or (when it
    # interrupted an emit) were dropped and counted: none is lost silently.
    assert received["main"] == outcome["main"], (received, outcome)
    dropped = outcome["dropped"]
    assert isinstance(dropped, int)
    assert received["handler"] + dropped == outcome["handler"], (received, outcome)
    assert received["handler"] > 0, (received, outcome)


# --- a fork during the parent's first export ----------------------------------------------

FORK_SCRIPT = """
import importlib._bootstrap, json, os, sys, threading, time
from dataclasses import replace
sys.path.insert(0, sys.argv[1])
from support.metadata import CODEX_METADATA
from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config


class SlowImports:
    # Any import another thread makes from now on takes 200 ms, with its module lock held:
    # the window in which a fork leaves the child that lock, held by a thread it lacks.
    def __init__(self):
        self.importing = threading.Event()
        self.names = []

    def find_spec(self, name, path=None, target=None):
        if threading.current_thread() is not threading.main_thread():
            self.names.append(name)
            self.importing.set()
            time.sleep(0.2)
        return None


def module_locks_held():
    # CPython's per-module import locks (importlib._bootstrap), held in this process.
    held = []
    for name, ref in list(importlib._bootstrap._module_locks.items()):
        lock = ref()
        if lock is not None and getattr(lock, "count", 0):
            held.append(name)
    return held


toml = sys.argv[2]
telemetry = Telemetry(load_config(text=toml, environ={}), service_version="fork")
parent = telemetry.conversation(replace(CODEX_METADATA, conversation_id="parent"))
assert telemetry.wait_until_started(10)
slow = SlowImports()
sys.meta_path.insert(0, slow)
events.api_request(parent, attempt=0, duration_ms=0)
flush = threading.Thread(target=telemetry.force_flush, args=(5,))
flush.start()  # the parent's first export begins now
slow.importing.wait(1.0)  # the export is importing now, if it imports anything
pid = os.fork()
if pid == 0:
    sys.meta_path.remove(slow)
    held = module_locks_held()
    child = telemetry.conversation(replace(CODEX_METADATA, conversation_id="child"))
    for attempt in range(5):
        events.api_request(child, attempt=attempt, duration_ms=0)
    ok = telemetry.shutdown(3) and telemetry.stats.export_failures == 0
    print(json.dumps({"held": held, "ok": ok}), flush=True)
    os._exit(0)
_, status = os.waitpid(pid, 0)
flush.join()
print(json.dumps({"child": os.waitstatus_to_exitcode(status), "parent": telemetry.shutdown(5),
                  "imported_by_export": slow.names}))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_fork_during_the_first_export_leaves_a_child_that_exports(
    transport: Transport, otlp_receivers: ReceiverFactory
) -> None:
    receiver = start_receiver(otlp_receivers, transport)
    toml = otel_toml(
        exporter_table(transport, receiver.endpoint, timeout=5, headers=None),
        shutdown_timeout=5,
        schedule_delay_ms=5000,  # the flush below is the first export
    )
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(FORK_SCRIPT), TESTS, toml],
            capture_output=True,
            text=True,
            timeout=60,
            env=ENVIRON,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        child, parent = (json.loads(line) for line in result.stdout.splitlines()[-2:])
        # The export imported nothing: everything it needs was imported by the start,
        # which a fork waits for. So the child inherits no import lock held by a thread
        # of the parent (its own first export would wait for it for ever).
        assert parent["imported_by_export"] == [], parent
        assert child == {"held": [], "ok": True}, (child, result.stderr)
        assert parent["child"] == 0 and parent["parent"] is True, parent

    received = collections.Counter(
        str(record.attributes["conversation.id"]) for record in receiver.received_records()
    )
    assert received == {"parent": 3, "child": 15}, received


METRICS_SCRIPT = """
import json, sys, threading
from dataclasses import replace
sys.path.insert(0, sys.argv[1])
from support.metadata import CODEX_METADATA
from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config


class ImportLog:
    # Records the imports other threads make: the metric reader's export, here.
    def __init__(self):
        self.names = []

    def find_spec(self, name, path=None, target=None):
        if threading.current_thread() is not threading.main_thread():
            self.names.append(name)
        return None


telemetry = Telemetry(load_config(text=sys.argv[2], environ={}), service_version="fork")
conversation = telemetry.conversation(replace(CODEX_METADATA, conversation_id="m"))
assert telemetry.wait_until_started(10)
log = ImportLog()
sys.meta_path.insert(0, log)
events.record_api_request(conversation, status="200", success="true")
flushed = telemetry.force_flush(5)
print(json.dumps({"flushed": flushed, "imported_by_export": log.names}))
"""


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_first_metrics_export_imports_nothing(
    transport: Transport, otlp_receivers: ReceiverFactory
) -> None:
    # As for events (above): a fork waits for the start, so what the export needs is
    # imported by the start.
    receiver = start_receiver(otlp_receivers, transport)
    kind = "otlp-grpc" if transport == "grpc" else "otlp-http"
    endpoint = receiver.endpoint.replace("/v1/logs", "/v1/metrics")
    protocol = "" if transport == "grpc" else f'protocol = "{transport[5:]}"\n'
    toml = (
        "[otel]\nshutdown_timeout = 2.0\n[otel.metrics]\nexport_interval_ms = 3600000\n"
        f'[otel.metrics_exporter.{kind}]\nendpoint = "{endpoint}"\n{protocol}'
    )
    outcome = run(METRICS_SCRIPT, toml, timeout=60)
    assert outcome == {"flushed": True, "imported_by_export": []}, outcome
    assert receiver.requests, "the receiver got no metrics"
