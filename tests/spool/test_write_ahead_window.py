"""The write-ahead window holds with a collector that answers, but slower than events
come: real child processes (`shared_emitter.py`: batches of 8, an event every
millisecond or so), a real OTLP/HTTP receiver taking 20 ms per request (at most 400
events/s: the queue grows), real SIGKILL.

Written ahead only when taken for export, the queue grew in memory and a kill lost far
more than the window. Now what is queued is written ahead on a timer while it stays
queued, and its export settles that same file.

- Killed at several moments: what the run emitted more than the window (plus the
  margin of a loaded machine) before the kill arrives, counted by unique ids, once the
  next run delivered the dead run's files; nothing arrives twice but what the dead run
  had in flight.
- Not killed: everything arrives once, and the run leaves no file in the spool.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from spool.test_shared_spool import BATCH_SIZE, Run, SlowReceiver, arrivals, endpoint_at, files

from receivers import unused_port

pytestmark = [pytest.mark.wire, pytest.mark.slow, pytest.mark.timeout(300)]

#: `[otel.spool] window_ms`'s default, and the margin of a loaded machine (the delay
#: between the child's print and the parent's read, the kill's own).
WINDOW_S = 1.0
MARGIN_S = 0.8


@pytest.mark.parametrize("emitting_s", [2.5, 4.0, 5.5])
def test_a_kill_loses_at_most_the_window_with_a_slow_collector(
    spool_in_tmp: Path, emitting_s: float
) -> None:
    port = unused_port()
    receiver = SlowReceiver(port, delay=0.02)
    try:
        victim = Run(endpoint_at(port), "victim", 0, 30.0)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.01)
            seen = list(victim.seen.values())
            if seen and time.monotonic() - min(seen) >= emitting_s:
                break
        emitted_before_kill = len(victim.seen)
        killed = victim.kill()
        delivered_before = sum(1 for key in arrivals(receiver) if key[0] == "victim")
        # The collector was slower than the emits: much was still queued at the kill.
        assert emitted_before_kill - delivered_before > 200, (
            emitted_before_kill,
            delivered_before,
        )
        # One more run with the collector up delivers what the dead run left claimed.
        after = Run(endpoint_at(port), "after", 5, 60.0)
        after.finish()
        got = arrivals(receiver)
    finally:
        receiver.stop()

    old = {
        ("victim", attempt)
        for attempt, when in victim.seen.items()
        if when < killed - WINDOW_S - MARGIN_S
    }
    assert old, "the victim was killed before it emitted for long: nothing measured"
    lost = old - set(got)
    assert not lost, (len(lost), len(old), sorted(lost)[:10])
    # At least once only for the batch in flight at the kill (one export, its file).
    twice = sorted(key for key, times in got.items() if times > 1)
    assert len(twice) <= BATCH_SIZE, twice
    assert after.stats["spool_delivered_interrupted"] > 0, after.stats
    assert files(spool_in_tmp) == []


def test_a_run_not_killed_delivers_everything_once_and_leaves_no_file(
    spool_in_tmp: Path,
) -> None:
    port = unused_port()
    receiver = SlowReceiver(port, delay=0.02)
    try:
        run = Run(endpoint_at(port), "whole", 1500, 60.0)
        # Mid-run, the queue is covered on disk by claimed files (it outgrew the exports).
        claimed_mid_run = 0
        while run.process.poll() is None:
            time.sleep(0.05)
            claimed_mid_run = max(
                claimed_mid_run, sum(1 for name in files(spool_in_tmp) if ".claimed-" in name)
            )
        run.finish()
        got = arrivals(receiver)
    finally:
        receiver.stop()
    assert set(got) == run.emitted(), sorted(run.emitted() - set(got))[:10]
    assert [key for key, times in got.items() if times > 1] == []
    assert claimed_mid_run > 5, claimed_mid_run
    assert run.stats["spool_delivered"] == 0, run.stats
    assert files(spool_in_tmp) == []


def test_the_exit_delivers_what_an_outage_moved_while_it_was_being_redelivered(
    spool_in_tmp: Path,
) -> None:
    """The collector is down while the run starts: the queue is moved to the spool (many
    files of 8 events). It comes back, slow (50 ms a request): the run redelivers those
    files on a thread, one at a time, and its exit comes in the middle of that. The
    redelivery puts back the file it holds; the exit's delivery must list the spool
    after that, or the file waits for the next run."""
    port = unused_port()
    run = Run(endpoint_at(port), "outage", 2500, 60.0)
    receiver = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(run.seen) < 1200:
            time.sleep(0.01)
        moved = [name for name in files(spool_in_tmp) if name.endswith(".jsonl")]
        assert len(moved) > 20, files(spool_in_tmp)
        receiver = SlowReceiver(port, delay=0.05)
        # Not `finish`: the export retried through the outage warns once on the
        # `codex_otel` logger (Python's last resort prints it), as it should.
        assert run.process.wait(timeout=120) == 0
        read_by = time.monotonic() + 10
        while len(run.seen) < 2500 and time.monotonic() < read_by:
            time.sleep(0.01)
        got = arrivals(receiver)
    finally:
        if receiver is not None:
            receiver.stop()
    assert set(got) == run.emitted(), sorted(run.emitted() - set(got))[:10]
    assert files(spool_in_tmp) == []
    assert [key for key, times in got.items() if times > 1] == []
