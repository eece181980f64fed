"""The background start (`runtime/_startup.py`): config errors still raise on the caller's
thread, subscribers see events at once, events emitted before the pipeline is ready reach
the collector in order (or are dropped oldest first and counted past the bound), and an
exit during the start spools them without crashing or printing."""

from __future__ import annotations

import collections
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_otel.generated import events
from codex_otel.runtime import (
    ConfigError,
    OtelConfig,
    OtlpHttpExporter,
    Telemetry,
    TlsConfig,
    _startup,
    load_config,
)
from receivers import OtlpHttpReceiver
from support.metadata import make_metadata

pytestmark = pytest.mark.wire

METADATA = make_metadata(conversation_id="start")


def otlp(endpoint: str, extra: str = "") -> str:
    return f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{endpoint}" }} }}\n{extra}\n'


@pytest.fixture
def slow_start(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Hold every background start until the returned event is set (then it proceeds)."""
    gate = threading.Event()
    original = _startup.BackgroundPipeline._start_now

    def held(self: _startup.BackgroundPipeline, *args: bool) -> None:
        gate.wait(20)
        original(self, *args)

    monkeypatch.setattr(_startup.BackgroundPipeline, "_start_now", held)
    yield gate
    gate.set()


def test_config_errors_raise_on_the_callers_thread(tmp_path: Path) -> None:
    # Built by hand: `load_config` would already refuse a missing file.
    broken = OtelConfig(
        exporter=OtlpHttpExporter(
            "https://127.0.0.1:1/v1/logs", tls=TlsConfig(ca_certificate=tmp_path / "no-ca.pem")
        )
    )
    with pytest.raises(ConfigError, match=r"otel\.exporter\.otlp-http\.tls\.ca-certificate"):
        Telemetry(broken, service_version="1")
    file_config = load_config(
        text=f'[otel]\nexporter = {{ file = {{ path = "{tmp_path}/no/such/dir/e.jsonl" }} }}\n',
        environ={},
    )
    with pytest.raises(ConfigError, match=r"otel\.exporter\.file\.path"):
        Telemetry(file_config, service_version="1")


@pytest.mark.background_start
def test_events_before_ready_reach_subscribers_at_once_and_the_collector_in_order(
    http_receiver: OtlpHttpReceiver, slow_start: threading.Event
) -> None:
    telemetry = Telemetry(
        load_config(text=otlp(http_receiver.endpoint), environ={}), service_version="1"
    )
    try:
        conversation = telemetry.conversation(METADATA)
        with telemetry.capture() as captured:
            for attempt in range(300):
                events.api_request(conversation, attempt=attempt, duration_ms=0)
                if attempt == 0:
                    assert len(captured) == 1  # synchronously, while the start is held
        assert not telemetry._pipeline.ready  # type: ignore[union-attr]
        slow_start.set()
        for attempt in range(300, 310):
            events.api_request(conversation, attempt=attempt, duration_ms=0)
        assert telemetry.shutdown(10)
    finally:
        telemetry.shutdown(0.2)
    assert len(captured) == 300
    attempts = [int(str(r.attributes["attempt"])) for r in http_receiver.received_records()]
    assert attempts == list(range(310))  # in order: the waiting ones first
    assert telemetry.stats.dropped_queue_full == 0


@pytest.mark.background_start
def test_the_wait_before_ready_is_bounded_and_drops_the_oldest(
    http_receiver: OtlpHttpReceiver, slow_start: threading.Event
) -> None:
    toml = otlp(
        http_receiver.endpoint, "[otel.batch]\nmax_queue_size = 16\nmax_export_batch_size = 8"
    )
    telemetry = Telemetry(load_config(text=toml, environ={}), service_version="1")
    try:
        conversation = telemetry.conversation(METADATA)
        for attempt in range(100):
            events.api_request(conversation, attempt=attempt, duration_ms=0)
        assert telemetry.stats.dropped_queue_full == 84
        slow_start.set()
        assert telemetry.shutdown(10)
    finally:
        telemetry.shutdown(0.2)
    attempts = [int(str(r.attributes["attempt"])) for r in http_receiver.received_records()]
    assert attempts == list(range(84, 100))


EXIT_DURING_START = textwrap.dedent(
    """
    import sys, threading
    from codex_otel.generated import events
    from codex_otel.runtime import Telemetry, load_config
    from codex_otel.runtime import _startup
    never = threading.Event()
    original = _startup.BackgroundPipeline._start_now
    _startup.BackgroundPipeline._start_now = lambda self, *a: (never.wait(), original(self, *a))
    toml = '[otel]\\nexporter = { otlp-http = { endpoint = "%s" } }\\n' % sys.argv[1]
    telemetry = Telemetry(load_config(text=toml, environ={}), service_version="1")
    conversation = telemetry.conversation(events.Metadata(
        conversation_id="early", app_version="1", terminal_type="t", model="m", slug="s"))
    for attempt in range(25):
        events.api_request(conversation, attempt=attempt, duration_ms=0)
    """
)


@pytest.mark.background_start
def test_an_exit_during_the_start_spools_the_waiting_events(
    http_receiver: OtlpHttpReceiver, spool_in_tmp: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", EXIT_DURING_START, http_receiver.endpoint],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # quiet: nothing is lost
    [file] = spool_in_tmp.glob("*/*.jsonl")
    lines = file.read_text(encoding="ascii").splitlines()
    header = json.loads(lines[0])
    assert header["count"] == 25
    assert header["resource"]["service.version"] == "1"
    assert [json.loads(line)["attributes"]["attempt"] for line in lines[1:]] == list(range(25))

    # The next process delivers them, with the resource of the process that emitted them.
    telemetry = Telemetry(
        load_config(text=otlp(http_receiver.endpoint), environ={}), service_version="2"
    )
    try:
        assert http_receiver.wait_for(25, timeout=15)
        # The file goes once the answer is back (a moment after the receiver counted).
        deadline = time.monotonic() + 10
        while list(spool_in_tmp.glob("*/*")) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        telemetry.shutdown(2)
    received = http_receiver.received_records()
    assert [int(str(r.attributes["attempt"])) for r in received] == list(range(25))
    assert {r.resource["service.version"] for r in received} == {"1"}
    assert list(spool_in_tmp.glob("*/*")) == []


FORK_DURING_START = textwrap.dedent(
    """
    import os, sys, time
    from codex_otel.generated import events
    from codex_otel.runtime import Telemetry, load_config
    toml = '[otel]\\nexporter = { otlp-http = { endpoint = "%s" } }\\n' % sys.argv[1]
    telemetry = Telemetry(load_config(text=toml, environ={}), service_version="1")
    def emit(tag, count):
        conversation = telemetry.conversation(events.Metadata(
            conversation_id=tag, app_version="1", terminal_type="t", model="m", slug="s"))
        for attempt in range(count):
            events.api_request(conversation, attempt=attempt, duration_ms=0)
    emit("before-fork", 5)  # waiting for the start, in the parent
    time.sleep(0.01)  # the start thread is importing the SDK now: the fork waits for it
    pid = os.fork()
    if pid == 0:
        emit("child", 7)
        ok = telemetry.shutdown(10)
        os._exit(0 if ok else 3)
    emit("parent", 3)
    _, status = os.waitpid(pid, 0)
    assert telemetry.shutdown(10)
    sys.exit(os.waitstatus_to_exitcode(status))
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_fork_during_the_start_delivers_each_event_once(http_receiver: OtlpHttpReceiver) -> None:
    result = subprocess.run(
        [sys.executable, "-c", FORK_DURING_START, http_receiver.endpoint],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    got = collections.Counter(
        (str(r.attributes["conversation.id"]), int(str(r.attributes["attempt"])))
        for r in http_receiver.received_records()
    )
    expected = {("before-fork", n) for n in range(5)} | {("parent", n) for n in range(3)}
    expected |= {("child", n) for n in range(7)}
    assert set(got) == expected  # the parent's waiting events are the parent's alone
    assert max(got.values()) == 1


def test_a_batch_the_collector_keeps_refusing_is_dropped_and_does_not_block_others(
    http_receiver: OtlpHttpReceiver, spool_in_tmp: Path
) -> None:
    from codex_otel.runtime._spool import MAX_REJECTIONS, Batch, Event

    config = load_config(text=otlp(http_receiver.endpoint), environ={})
    spool = _startup.spool_for(config)
    assert spool is not None

    def spooled(tag: str) -> None:
        spool.write(
            Batch(
                {"service.name": "s"},
                "codex_otel",
                None,
                (Event("codex.api_request", 1, 1, {"conversation.id": tag, "attempt": 0}),),
            )
        )

    spooled("poison")  # the oldest: the collector answers 400 to it, every run
    for run in range(MAX_REJECTIONS):
        spooled(f"good-{run}")
        http_receiver.respond_with_status(400, times=1)
        telemetry = Telemetry(config, service_version="1")
        try:
            assert http_receiver.wait_for(run + 1, timeout=15)
            deadline = time.monotonic() + 10  # until the delivery is over: no claim left
            while list(spool.directory.glob("*.claimed-*")) and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            telemetry.shutdown(2)
    delivered = [str(r.attributes["conversation.id"]) for r in http_receiver.received_records()]
    assert delivered == [f"good-{run}" for run in range(MAX_REJECTIONS)]
    assert spool.pending_files() == []  # the refused batch is gone after MAX_REJECTIONS runs
    refused = [r for r in http_receiver.requests if not r.accepted]
    assert len(refused) == MAX_REJECTIONS


def test_a_failed_batch_that_is_spooled_warns_nothing_and_says_where_it_waits(
    spool_in_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from receivers import unused_port

    refused = f"http://127.0.0.1:{unused_port()}/v1/logs"  # the collector is down
    config = load_config(text=otlp(refused).replace(" }", ", timeout = 0.5 }", 1), environ={})
    with caplog.at_level(logging.INFO, logger="codex_otel"):
        telemetry = Telemetry(config, service_version="1")
        assert telemetry.wait_until_started(30)
        conversation = telemetry.conversation(METADATA)
        for attempt in range(5):
            events.api_request(conversation, attempt=attempt, duration_ms=1)
        assert not telemetry.force_flush(10)  # the export fails: the batch goes to the spool
        telemetry.shutdown(2)
    stats = telemetry.stats
    assert stats.export_failures >= 1 and stats.sdk_messages >= 1  # counted ...
    assert stats.spooled == 5
    # ... but nothing is lost, so nothing is a warning: not the SDK's retry messages, not
    # the failed export, not the totals.
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []
    spool = _startup.spool_for(config)
    assert spool is not None
    totals = [r.getMessage() for r in caplog.records if "totals at shutdown" in r.getMessage()]
    assert len(totals) == 1 and "nothing lost" in totals[0]
    assert str(spool.directory) in totals[0]


@pytest.mark.background_start
def test_a_start_that_ends_after_shutdown_began_delivers_the_spool_at_exit(
    http_receiver: OtlpHttpReceiver, slow_start: threading.Event
) -> None:
    from codex_otel.runtime._spool import Batch, Event

    config = load_config(text=otlp(http_receiver.endpoint, "shutdown_timeout = 10.0"), environ={})
    spool = _startup.spool_for(config)
    assert spool is not None
    old = Event("codex.api_request", 1, 1, {"conversation.id": "old", "attempt": 0})
    spool.write(Batch({"service.name": "s"}, "codex_otel", None, (old,)))
    telemetry = Telemetry(config, service_version="1")
    events.api_request(telemetry.conversation(METADATA), attempt=1, duration_ms=0)
    # The run ends while its start is still importing (a short run on a loaded machine).
    ending = threading.Thread(target=telemetry.shutdown)
    ending.start()
    deadline = time.monotonic() + 10
    while not telemetry._pipeline._closing and time.monotonic() < deadline:  # type: ignore[union-attr]
        time.sleep(0.005)
    slow_start.set()
    ending.join(20)
    assert not ending.is_alive()
    # No delivery in the background once shutdown has begun; the shutdown delivers its
    # own event, and then, the collector being up, the spooled one within its bound.
    got = [r.attributes["conversation.id"] for r in http_receiver.received_records()]
    assert got == ["start", "old"]
    assert spool.pending_files() == []
    assert list(spool.directory.glob("*.claimed-*")) == []
    assert telemetry.stats.spool_delivered == 1
    assert telemetry.stats.spool_pending == 0


def test_shutdown_lets_the_spool_export_in_flight_finish_rather_than_put_it_back(
    http_receiver: OtlpHttpReceiver,
) -> None:
    from codex_otel.runtime._spool import Batch, Event

    config = load_config(text=otlp(http_receiver.endpoint, "shutdown_timeout = 10.0"), environ={})
    spool = _startup.spool_for(config)
    assert spool is not None
    old = Event("codex.api_request", 1, 1, {"conversation.id": "old", "attempt": 0})
    spool.write(Batch({"service.name": "s"}, "codex_otel", None, (old,)))
    http_receiver.slow(1.0, times=1)  # the collector takes the delivery, answers late
    telemetry = Telemetry(config, service_version="1")
    deadline = time.monotonic() + 20
    while not list(spool.directory.glob("*.claimed-*")) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert list(spool.directory.glob("*.claimed-*")), "the delivery never began"
    telemetry.shutdown()  # while the delivery's export is in flight
    assert http_receiver.wait_for(1, timeout=10)
    time.sleep(0.5)  # a late `done()` of a claim put back would leave the file: look
    # Delivered once: the file is gone, not put back for the next run to send again.
    assert spool.pending_files() == []
    assert list(spool.directory.iterdir()) == []


def test_a_batch_spooled_mid_run_is_delivered_at_exit_once_the_collector_is_back(
    http_receiver: OtlpHttpReceiver, spool_in_tmp: Path
) -> None:
    """The start-up delivery has swept the spool (nothing older waits); then one export
    fails and its batch is spooled; the collector takes the next one. At exit the batch
    spooled mid-run goes too, rather than wait for the next run."""
    config = load_config(text=otlp(http_receiver.endpoint, "shutdown_timeout = 10.0"), environ={})
    telemetry = Telemetry(config, service_version="1")
    assert telemetry.wait_until_started(30)
    deadline = time.monotonic() + 10  # the start-up delivery (of an empty spool) is over
    while not telemetry._pipeline._delivered.is_set() and time.monotonic() < deadline:  # type: ignore[union-attr]
        time.sleep(0.01)
    conversation = telemetry.conversation(METADATA)
    http_receiver.respond_with_status(400, times=1)
    events.api_request(conversation, attempt=1, duration_ms=0)  # refused: spooled
    assert not telemetry.force_flush(10)
    spool = _startup.spool_for(config)
    assert spool is not None
    assert len(spool.pending_files()) == 1
    events.api_request(conversation, attempt=2, duration_ms=0)  # the collector takes it
    telemetry.shutdown()
    got = [r.attributes["attempt"] for r in http_receiver.received_records()]
    assert got == [2, 1]
    assert spool.pending_files() == []
    assert telemetry.stats.spool_delivered == 1
