"""Several runs of one CLI at once on one spool folder (several terminals), with the
write-ahead spool on: real child processes (`shared_emitter.py`), a real OTLP/HTTP
receiver that counts every record by its unique (conversation, attempt), real SIGKILL.

- Four runs spool at once with the collector down; then four more run at once with it
  up, each writing its own batches ahead while all four claim the older files: every
  event arrives, none twice, and each spooled event is delivered by exactly one run.
- A run SIGKILLed in the middle of an export while another delivers: nothing spooled is
  lost, the dead run's claimed files are taken back and delivered (reported as events
  from an interrupted run), at most the batches it had in flight arrive twice.
"""

from __future__ import annotations

import collections
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from receivers import OtlpHttpReceiver, unused_port

pytestmark = [pytest.mark.wire, pytest.mark.slow, pytest.mark.timeout(300)]

SHARED = Path(__file__).with_name("shared_emitter.py")
#: `shared_emitter.BATCH_SIZE`: at most this many events per file and per export.
BATCH_SIZE = 8

Key = tuple[str, int]


class SlowReceiver(OtlpHttpReceiver):
    """A receiver that takes `delay` seconds per request before it reads it: exports
    last long enough for the runs' claims and exports to overlap (and for a kill to land
    in the middle of one)."""

    def __init__(self, port: int, delay: float) -> None:
        self.delay = delay
        super().__init__(port=port)

    def _handle_post(self, handler: Any) -> None:
        time.sleep(self.delay)
        super()._handle_post(handler)


class Run:
    """One `shared_emitter.py` child, its printed attempts read as they come (with the
    parent's clock when each was read)."""

    def __init__(
        self, endpoint: str, tag: str, count: int, shutdown_timeout: float, pause: float = 0.001
    ) -> None:
        self.tag = tag
        arguments = [endpoint, tag, str(count), str(shutdown_timeout), str(pause)]
        self.process = subprocess.Popen(
            [sys.executable, str(SHARED), *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.seen: dict[int, float] = {}
        self.stats: dict[str, int] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip().isdigit():
                self.seen[int(line)] = time.monotonic()
            elif line.startswith("stats "):
                self.stats = json.loads(line[len("stats ") :])

    def finish(self, timeout: float = 120) -> None:
        """Wait for a normal end: status 0, nothing on stderr."""
        self.process.wait(timeout=timeout)
        self._reader.join(10)
        assert self.process.stderr is not None
        err = self.process.stderr.read()
        assert self.process.returncode == 0, err
        assert err == "", err  # telemetry never prints into the host

    def kill(self) -> float:
        """SIGKILL; returns when it was sent."""
        killed = time.monotonic()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(10)
        return killed

    def emitted(self) -> set[Key]:
        return {(self.tag, attempt) for attempt in self.seen}


def endpoint_at(port: int) -> str:
    return f"http://127.0.0.1:{port}/v1/logs"


def spooled(root: Path) -> collections.Counter[Key]:
    """(conversation, attempt) of every event in the pending files under `root`."""
    found: collections.Counter[Key] = collections.Counter()
    for path in root.glob("*/*.jsonl"):
        for line in path.read_text(encoding="ascii").splitlines()[1:]:
            attributes = json.loads(line)["attributes"]
            found[(attributes["conversation.id"], attributes["attempt"])] += 1
    return found


def on_disk(root: Path) -> collections.Counter[Key]:
    """`spooled`, and the events of files still claimed by a process that has ended (a
    run whose bounded exit ended while an export was settling leaves its claim; the
    next run takes it back from the dead process)."""
    found = spooled(root)
    for path in root.glob("*/*.jsonl.claimed-*"):
        for line in path.read_text(encoding="ascii").splitlines()[1:]:
            attributes = json.loads(line)["attributes"]
            found[(attributes["conversation.id"], attributes["attempt"])] += 1
    return found


def files(root: Path) -> list[str]:
    """Every entry of the spool's destination folders: pending, claimed, temporary."""
    return sorted(path.name for path in root.glob("*/*"))


def arrivals(receiver: OtlpHttpReceiver) -> collections.Counter[Key]:
    return collections.Counter(
        (str(r.attributes["conversation.id"]), int(str(r.attributes["attempt"])))
        for r in receiver.received_records()
    )


def spool_offline(port: int, tags: list[str], count: int) -> set[Key]:
    """Runs at once, the collector down: each spools its events. Returns them all."""
    runs = [Run(endpoint_at(port), tag, count, 0.5) for tag in tags]
    for run in runs:
        run.finish()
    emitted: set[Key] = set().union(*(run.emitted() for run in runs))
    assert len(emitted) == count * len(tags)
    return emitted


def test_four_runs_at_once_share_one_spool_without_loss_or_double_delivery(
    spool_in_tmp: Path,
) -> None:
    port = unused_port()  # the collector is down
    offline = spool_offline(port, [f"offline-{n}" for n in range(4)], 150)
    # Each event once on disk, in many small files: the claims below have work.
    assert on_disk(spool_in_tmp) == collections.Counter(offline), files(spool_in_tmp)
    assert len(files(spool_in_tmp)) >= 40, files(spool_in_tmp)

    receiver = SlowReceiver(port, delay=0.02)
    try:
        runs = [Run(endpoint_at(port), f"online-{n}", 300, 30.0) for n in range(4)]
        for run in runs:
            run.finish()
        got = arrivals(receiver)
    finally:
        receiver.stop()
    online: set[Key] = set().union(*(run.emitted() for run in runs))
    assert len(online) == 4 * 300
    assert set(got) == offline | online, sorted((offline | online) - set(got))[:10]
    twice = sorted(key for key, times in got.items() if times > 1)
    assert twice == [], twice[:10]
    # Each spooled event delivered by exactly one run, and the runs claimed at once:
    # several of them delivered part of the spool.
    delivered = [run.stats["spool_delivered"] for run in runs]
    assert sum(delivered) == len(offline), delivered
    assert sum(1 for count in delivered if count) >= 2, delivered
    assert files(spool_in_tmp) == []  # no claim, no temporary file left behind


def test_a_run_killed_mid_export_while_another_delivers(spool_in_tmp: Path) -> None:
    port = unused_port()
    offline = spool_offline(port, ["offline-a", "offline-b"], 150)

    # Exports of 8 events take 20 ms: the victim emits slower than that (200 events/s),
    # so that its queue does not grow beyond the window with the collector up.
    receiver = SlowReceiver(port, delay=0.02)
    try:
        victim = Run(endpoint_at(port), "victim", 0, 30.0, pause=0.005)
        deliverer = Run(endpoint_at(port), "deliverer", 400, 30.0)
        # Killed after emitting for a while (longer than the window it may lose), at a
        # moment it holds a claimed file (a batch of its own written ahead, or a spooled
        # one it delivers) and the collector is taking the runs' exports.
        mine = f".claimed-{victim.process.pid}"
        deadline = time.monotonic() + 60
        claimed_at_kill: list[str] = []
        while time.monotonic() < deadline and not claimed_at_kill:
            time.sleep(0.01)
            seen = list(victim.seen.values())
            if not seen or time.monotonic() - min(seen) < 2.5 or not receiver.received_records():
                continue
            claimed_at_kill = [name for name in files(spool_in_tmp) if mine in name]
        if not claimed_at_kill:
            pytest.fail(f"the victim never held a claim: {files(spool_in_tmp)}")
        killed = victim.kill()
        deliverer.finish()
        # One more run with the collector up delivers what the dead run left claimed.
        after = Run(endpoint_at(port), "after", 5, 30.0)
        after.finish()
        got = arrivals(receiver)
    finally:
        receiver.stop()

    lost = (offline | deliverer.emitted() | after.emitted()) - set(got)
    assert not lost, sorted(lost)[:10]
    # The victim loses at most what memory alone held: its last window (1 s by default,
    # 1.5 s while an outage's first export retries; the margin: a loaded machine's delay
    # between the child's print and the parent's read, and the kill's).
    old = {("victim", attempt) for attempt, when in victim.seen.items() if when < killed - 1.8}
    assert old <= set(got), sorted(old - set(got))[:10]
    assert old, "the victim was killed before it emitted for long: nothing measured"
    # At least once: the batches it had in flight may have reached the collector before
    # the kill cut off their files' removal; nothing else arrives twice.
    twice = sum(times - 1 for times in got.values() if times > 1)
    assert twice <= BATCH_SIZE * max(len(claimed_at_kill), 1) * 2, (twice, claimed_at_kill)
    # The dead run's claims were taken back by the runs after it and counted as events
    # from an interrupted run.
    interrupted = deliverer.stats["spool_delivered_interrupted"]
    interrupted += after.stats["spool_delivered_interrupted"]
    assert interrupted > 0, (deliverer.stats, after.stats, claimed_at_kill)
    assert files(spool_in_tmp) == []
