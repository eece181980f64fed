"""A run ended by a signal leaves a spool that the next run reports as "N events from an
interrupted run delivered": real child processes (`steady_emitter.py`) with the collector
down, real SIGTERM and Ctrl-C (SIGINT), then a real receiver.

The files the signal path writes (`runtime/_signals.py`: the queue, the batch in flight,
the events waiting for the start) carry `"interrupted": true` in their header; the run
that delivers them counts them in `TelemetryStats.spool_delivered_interrupted`, says so
in one INFO line on the `codex_otel` logger, and `codex-otel demo` prints it. (A SIGKILL's
claimed files: `test_shared_spool.py`.)
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from spool.signal_trials import endpoint_at, read_until, start

from codex_otel.runtime import Telemetry, load_config
from codex_otel.runtime._spool import Batch, Event, Spool
from receivers import OtlpHttpReceiver, unused_port

pytestmark = [pytest.mark.wire, pytest.mark.slow, pytest.mark.timeout(120)]

MESSAGE = "events from an interrupted run delivered"


def counts(root: Path) -> tuple[int, int]:
    """Events in the pending files marked as an interrupted run's, and in the others."""
    marked = unmarked = 0
    for path in root.glob("*/*.jsonl"):
        header = json.loads(path.read_text(encoding="ascii").splitlines()[0])
        if header.get("interrupted") is True:
            marked += header["count"]
        else:
            unmarked += header["count"]
    return marked, unmarked


def sigterm_mid_run(port: int) -> None:
    """A run emitting at a steady rate, SIGTERMed mid-run: the handler spools and ends it."""
    process = start(endpoint_at(port), "terminated", 0, "exit")
    read_until(process, "150")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGTERM, err
    assert err == "", err


def ctrl_c_during_shutdown(port: int) -> None:
    """Ctrl-C while `telemetry.shutdown()` waits for the collector that is down."""
    process = start(endpoint_at(port), "ctrl-c", 120, "explicit")
    read_until(process, "exiting")
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGINT, err
    assert "interrupted" in out


@pytest.mark.parametrize("interrupt", [sigterm_mid_run, ctrl_c_during_shutdown])
def test_the_next_run_reports_the_events_a_signal_spooled(
    interrupt: object, spool_in_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = unused_port()  # the collector is down
    assert callable(interrupt)
    interrupt(port)
    marked, unmarked = counts(spool_in_tmp)
    assert marked > 0, (marked, unmarked)  # the signal path wrote files, marked

    caplog.set_level(logging.INFO, logger="codex_otel")
    with OtlpHttpReceiver(port=port) as receiver:
        config = load_config(
            text=f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{endpoint_at(port)}" }} }}\n',
            environ={},
        )
        telemetry = Telemetry(config, service_version="0.0.1-next")
        assert telemetry.wait_until_started(30)
        deadline = time.monotonic() + 30
        while telemetry.stats.spool_delivered < marked + unmarked and time.monotonic() < deadline:
            time.sleep(0.02)
        telemetry.shutdown()
        assert len(receiver.received_records()) == marked + unmarked
    stats = telemetry.stats
    assert stats.spool_delivered == marked + unmarked
    assert stats.spool_delivered_interrupted == marked
    lines = [r for r in caplog.records if MESSAGE in r.getMessage()]
    assert [(r.name, r.levelno, r.getMessage()) for r in lines] == [
        ("codex_otel", logging.INFO, f"codex-otel: {marked} {MESSAGE}")
    ]


def test_the_demo_says_how_many_events_of_an_interrupted_run_it_delivered(
    tmp_path: Path, spool_in_tmp: Path
) -> None:
    """Where a user sees it: on the demo's output; the INFO line is never printed on the
    host's stderr (no logging configured: nothing below WARNING shows)."""
    port = unused_port()
    sigterm_mid_run(port)
    marked, unmarked = counts(spool_in_tmp)
    assert marked > 0
    config = tmp_path / "otel.toml"
    config.write_text(
        f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{endpoint_at(port)}" }} }}\n'
        "shutdown_timeout = 10.0\n"
    )
    with OtlpHttpReceiver(port=port):
        result = subprocess.run(
            [sys.executable, "-m", "codex_otel.cli", "demo", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert f"{marked} {MESSAGE}." in result.stdout
    assert f"{marked + unmarked} earlier events delivered from the spool" in result.stdout
    assert f"0 spooled, {marked + unmarked} delivered, 0 still waiting" in result.stdout
    assert MESSAGE not in result.stderr and "codex" not in result.stderr, result.stderr


def test_only_the_files_written_after_the_signal_count_as_interrupted(tmp_path: Path) -> None:
    """The mark is the header's, file by file: a file written before the signal is an
    earlier run's, one written after it an interrupted run's."""
    spool = Spool(tmp_path, "destination", 1 << 20)

    def batch(attempt: int) -> Batch:
        event = Event("codex.api_request", 1, 1, {"conversation.id": "c", "attempt": attempt})
        return Batch({"service.name": "s"}, "codex_otel", None, (event, event))

    assert spool.write(batch(0)) == 2
    spool.interrupted = True
    assert spool.write(batch(1)) == 2
    reader = Spool(tmp_path, "destination", 1 << 20)
    marks = []
    for claim in reader.claims():
        assert claim.done()
        marks.append(reader.note_delivered(len(claim.batch.events), claim.name))
    assert marks == [False, True]
    assert (reader.delivered, reader.delivered_interrupted) == (4, 2)
