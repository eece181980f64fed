"""The spool end to end: real CLI-like child processes (`emitter.py`), a real OTLP/HTTP
receiver on loopback, and the spool folder on disk (XDG_STATE_HOME of a temporary folder).

- A run with the collector down (refusing, or accepting and never answering) exits, and
  the next run with the collector up delivers every spooled event, once.
- Two processes at once neither lose nor corrupt anything, nor deliver a batch twice.
- SIGKILL loses what was in that process's memory and nothing already spooled, even a
  file it was delivering when killed.
- The cap, corrupt and unknown files, permissions and secrets, other destinations.
"""

from __future__ import annotations

import collections
import functools
import json
import os
import signal
import stat
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_otel.runtime import load_config
from codex_otel.runtime._spool import Batch, Event, Spool
from codex_otel.runtime._startup import spool_for
from receivers import OtlpHttpReceiver, Recorder, unused_port
from receivers.fixtures import ReceiverFactory

pytestmark = [pytest.mark.wire, pytest.mark.slow, pytest.mark.timeout(90)]

EMITTER = Path(__file__).with_name("emitter.py")
#: The header secret the emitter sends (`${OTLP_TOKEN}`): never on disk.
TOKEN = "spool-secret-token-4e1d"


def endpoint_at(port: int) -> str:
    return f"http://127.0.0.1:{port}/v1/logs"


def emitter_spool(endpoint: str) -> Spool:
    """The spool `emitter.py` uses for `endpoint`: its headers are part of the destination."""
    spool = spool_for(
        load_config(
            text=(
                f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{endpoint}", '
                'headers = { "x-otlp-api-key" = "${OTLP_TOKEN}" } } }\n'
            ),
            environ={"OTLP_TOKEN": TOKEN},
        )
    )
    assert spool is not None
    return spool


#: The exit with the collector down may take `EXIT_BOUND_S` longer than with `exporter =
#: "none"` (the issue's bound: `shutdown_timeout`, 0.25 s, plus the start's and the
#: spool's share), plus this margin for the scheduling noise of a loaded machine: on a
#: 2-core machine at load 3.4, 12 runs of 50 events exited 0.31 to 0.42 s later than
#: `none` (median 0.35 s). The benchmark (`exit_offline_extra_ms`) measures it precisely.
EXIT_BOUND_S = 0.5
EXIT_MARGIN_S = 0.5


@functools.cache
def exit_baseline() -> float:
    """The median exit time of a run with `exporter = "none"` (after its last statement)."""
    return statistics.median(exit_time("none", "baseline", 50)[0] for _ in range(3))


def run_offline(
    endpoint: str, tag: str, count: int, extra: str = "", *, quiet: bool = False
) -> float:
    """One run that emits and exits; returns its exit time (after its last statement),
    checked against the exit bound beyond the `none` baseline. `quiet`: everything was
    spooled, nothing lost, so the run prints nothing at all."""
    elapsed, stderr = exit_time(endpoint, tag, count, extra)
    if quiet:
        assert stderr == "", stderr
    baseline = exit_baseline()
    assert elapsed <= baseline + EXIT_BOUND_S + EXIT_MARGIN_S, (elapsed, baseline)
    return elapsed


def exit_time(endpoint: str, tag: str, count: int, extra: str = "") -> tuple[float, str]:
    process = subprocess.Popen(
        [sys.executable, str(EMITTER), endpoint, tag, str(count), "exit", extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        exiting = time.monotonic()
        process.wait(timeout=30)
        elapsed = time.monotonic() - exiting
    finally:
        process.kill()
        _, stderr = process.communicate()
    assert line == "exiting\n", stderr
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    return elapsed, stderr


class Lingering:
    """A run that stays up (its telemetry running) until `finish()`."""

    def __init__(self, endpoint: str, tag: str, count: int, mode: str = "linger") -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(EMITTER), endpoint, tag, str(count), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.first_line = self.process.stdout.readline()
        #: What it printed after its first line (`finish()`): "maxrss N".
        self.output = ""

    def finish(self) -> str:
        """Close its input: it exits normally (exit hook included). Returns its stderr."""
        self.output, stderr = self.process.communicate(timeout=30)
        assert self.first_line == "emitted\n", stderr
        assert self.process.returncode == 0, stderr
        assert "Traceback" not in stderr, stderr
        return stderr

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate(timeout=30)


@pytest.fixture
def lingering() -> Iterator[list[Lingering]]:
    started: list[Lingering] = []
    yield started
    for run in started:
        run.kill()


def spooled(root: Path) -> collections.Counter[tuple[str, int]]:
    """(conversation, attempt) of every event in the spool's pending files."""
    found: collections.Counter[tuple[str, int]] = collections.Counter()
    for path in root.glob("*/*.jsonl"):
        lines = path.read_text(encoding="ascii").splitlines()
        assert json.loads(lines[0])["count"] == len(lines) - 1
        for line in lines[1:]:
            attributes = json.loads(line)["attributes"]
            found[(attributes["conversation.id"], attributes["attempt"])] += 1
    return found


def leftovers(root: Path) -> list[str]:
    return sorted(path.name for path in root.glob("*/*") if ".corrupt" not in path.name)


def wait_until_delivered(root: Path, timeout: float = 10.0) -> None:
    """A delivered file goes once the collector's answer is back: a moment after the
    receiver counted its records."""
    deadline = time.monotonic() + timeout
    while leftovers(root) and time.monotonic() < deadline:
        time.sleep(0.02)


def arrivals(receiver: Recorder) -> collections.Counter[tuple[str, int]]:
    return collections.Counter(
        (str(r.attributes["conversation.id"]), int(str(r.attributes["attempt"])))
        for r in receiver.received_records()
    )


def ids(tag: str, count: int) -> set[tuple[str, int]]:
    return {(tag, attempt) for attempt in range(count)}


# --- offline, then online ---------------------------------------------------------------------


def test_an_offline_run_exits_and_the_next_run_delivers_every_spooled_event(
    otlp_receivers: ReceiverFactory, lingering: list[Lingering], spool_in_tmp: Path
) -> None:
    port = unused_port()  # the collector is down: connections are refused
    elapsed = run_offline(endpoint_at(port), "offline", 50, quiet=True)
    print(f"exit with the collector refusing: {elapsed:.2f}s after the last statement")
    assert spooled(spool_in_tmp) == collections.Counter(ids("offline", 50))

    receiver = otlp_receivers.http(port=port)  # the collector is back
    run = Lingering(endpoint_at(port), "online", 5)
    lingering.append(run)
    assert receiver.wait_for(55, timeout=20)
    wait_until_delivered(spool_in_tmp)
    run.finish()

    got = arrivals(receiver)
    assert set(got) == ids("offline", 50) | ids("online", 5)
    assert max(got.values()) == 1
    assert leftovers(spool_in_tmp) == []  # delivered files are removed
    # Spooled events keep the resource they were emitted with (their own process).
    instances = {
        str(r.attributes["conversation.id"]): r.resource["service.instance.id"]
        for r in receiver.received_records()
    }
    assert instances["offline"] != instances["online"]
    assert {r.resource["service.version"] for r in receiver.received_records()} == {"0.0.1-spool"}


def test_a_short_run_with_the_collector_back_delivers_the_spool_at_exit(
    otlp_receivers: ReceiverFactory, spool_in_tmp: Path
) -> None:
    """A run that exits right after emitting, before its background start would deliver
    the spool on its own: its shutdown, seeing its own events reach the collector,
    delivers every spooled event within `shutdown_timeout`, and the folder is empty."""
    port = unused_port()
    run_offline(endpoint_at(port), "offline", 40, quiet=True)
    run_offline(endpoint_at(port), "offline-2", 20, quiet=True)
    assert spooled(spool_in_tmp) == collections.Counter(ids("offline", 40) | ids("offline-2", 20))
    files_before = len(leftovers(spool_in_tmp))
    assert files_before >= 2

    receiver = otlp_receivers.http(port=port)  # the collector is back
    started = time.monotonic()
    elapsed, stderr = exit_time(endpoint_at(port), "short", 17, "shutdown_timeout = 5.0")
    took = time.monotonic() - started
    assert "Traceback" not in stderr, stderr
    # Everything arrived by the time the process was gone: delivered at exit, not by a
    # background thread that outlived it.
    got = arrivals(receiver)
    assert set(got) == ids("offline", 40) | ids("offline-2", 20) | ids("short", 17)
    assert max(got.values()) == 1
    assert leftovers(spool_in_tmp) == []  # every delivered file removed, no claim left
    assert elapsed < 5.0 + EXIT_MARGIN_S, (elapsed, took)  # within shutdown_timeout


def test_the_delivery_at_exit_stops_within_shutdown_timeout(
    otlp_receivers: ReceiverFactory, spool_in_tmp: Path
) -> None:
    """A slow collector: the delivery at exit delivers what fits in `shutdown_timeout`,
    the exit keeps its bound, and what was not delivered stays pending (a file in flight
    at the end is put back, not left claimed): nothing is lost."""
    receiver = otlp_receivers.http()
    spool = emitter_spool(receiver.endpoint)
    for number in range(8):
        event = Event(
            "codex.api_request",
            time.time_ns(),
            time.time_ns(),
            {"conversation.id": "old", "attempt": number},
        )
        spool.write(Batch({"service.name": "old-run"}, "codex_otel", None, (event,)))
    receiver.slow(0.4)  # every answer: 8 files take 3.2 s, more than the run has
    elapsed, _ = exit_time(receiver.endpoint, "short", 3, "shutdown_timeout = 1.5")
    assert elapsed < 1.5 + EXIT_MARGIN_S, elapsed
    got = arrivals(receiver)
    assert ids("short", 3) <= set(got)
    pending = spooled(spool_in_tmp)
    assert pending, "the time did not allow delivering every file"
    assert not any(".claimed-" in name for name in leftovers(spool_in_tmp))
    # At least once: every old event arrived or still waits (the one in flight may be both).
    assert ids("old", 8) <= set(got) | set(pending)
    assert max(pending.values()) == 1


def test_a_collector_that_never_answers_is_spooled_too(
    otlp_receivers: ReceiverFactory, lingering: list[Lingering], spool_in_tmp: Path
) -> None:
    receiver = otlp_receivers.http()
    receiver.blackhole(stage="accept")  # accepts the connection, never reads nor answers
    elapsed = run_offline(receiver.endpoint, "silent", 30, quiet=True)
    print(f"exit with the collector silent: {elapsed:.2f}s after the last statement")
    assert spooled(spool_in_tmp) == collections.Counter(ids("silent", 30))

    receiver.heal()
    run = Lingering(receiver.endpoint, "healed", 3)
    lingering.append(run)
    assert receiver.wait_for(33, timeout=20)
    run.finish()
    got = arrivals(receiver)
    assert set(got) == ids("silent", 30) | ids("healed", 3)
    assert max(got.values()) == 1


# --- several processes ------------------------------------------------------------------------


def test_two_processes_at_once_neither_corrupt_nor_deliver_twice(
    otlp_receivers: ReceiverFactory, lingering: list[Lingering], spool_in_tmp: Path
) -> None:
    port = unused_port()
    endpoint = endpoint_at(port)
    # Two offline runs write at once; then 30 more files, to give the claims work.
    writers = [
        subprocess.Popen([sys.executable, str(EMITTER), endpoint, tag, "40", "exit"])
        for tag in ("writer-a", "writer-b")
    ]
    for writer in writers:
        assert writer.wait(timeout=30) == 0
    spool = emitter_spool(endpoint)
    for number in range(30):
        event = Event(
            "codex.api_request",
            time.time_ns(),
            time.time_ns(),
            {"conversation.id": "bulk", "attempt": number},
        )
        spool.write(Batch({"service.name": "bulk-writer"}, "codex_otel", None, (event,)))
    expected = ids("writer-a", 40) | ids("writer-b", 40) | ids("bulk", 30)
    assert spooled(spool_in_tmp) == collections.Counter(expected)

    receiver = otlp_receivers.http(port=port)
    runs = [Lingering(endpoint, tag, 0) for tag in ("reader-a", "reader-b")]
    lingering.extend(runs)
    assert receiver.wait_for(110, timeout=30)
    time.sleep(1.0)  # a second delivery of some batch would arrive by now
    wait_until_delivered(spool_in_tmp)
    for run in runs:
        run.finish()
    got = arrivals(receiver)
    assert set(got) == expected
    assert max(got.values()) == 1, [key for key, count in got.items() if count > 1]
    assert leftovers(spool_in_tmp) == []


def test_sigkill_loses_only_what_was_in_memory(
    otlp_receivers: ReceiverFactory, lingering: list[Lingering], spool_in_tmp: Path
) -> None:
    port = unused_port()
    run_offline(endpoint_at(port), "spooled", 20)
    receiver = otlp_receivers.http(port=port)
    receiver.blackhole(stage="request")  # reads the delivery, never answers: it stays claimed
    victim = Lingering(endpoint_at(port), "in-memory", 10, mode="hang")
    lingering.append(victim)
    assert victim.first_line == "emitted\n"
    assert receiver.wait_for_requests(1, timeout=20)
    assert any(".claimed-" in name for name in leftovers(spool_in_tmp))
    victim.process.send_signal(signal.SIGKILL)
    victim.kill()

    receiver.heal()
    run = Lingering(endpoint_at(port), "after", 2)
    lingering.append(run)
    assert receiver.wait_for(22, timeout=20)
    wait_until_delivered(spool_in_tmp)
    run.finish()
    got = arrivals(receiver)
    # The spooled file the killed process had claimed is taken back and delivered.
    assert ids("spooled", 20) <= set(got)
    # The 10 events the killed process held in memory (batch queue) are lost: SIGKILL
    # runs no code. That is the documented bound.
    assert not ids("in-memory", 10) & set(got)
    assert leftovers(spool_in_tmp) == []


def test_a_run_that_exits_while_delivering_puts_its_claim_back(
    otlp_receivers: ReceiverFactory, lingering: list[Lingering], spool_in_tmp: Path
) -> None:
    port = unused_port()
    run_offline(endpoint_at(port), "spooled", 20)
    receiver = otlp_receivers.http(port=port)
    receiver.blackhole(stage="request")  # reads the delivery, never answers
    run = Lingering(endpoint_at(port), "exiting", 0)
    lingering.append(run)
    assert receiver.wait_for_requests(1, timeout=20)
    assert any(".claimed-" in name for name in leftovers(spool_in_tmp))
    run.finish()  # a normal exit in the middle of the delivery
    # The file is pending again at once, not left for a later run to find its owner dead.
    assert not any(".claimed-" in name for name in leftovers(spool_in_tmp))
    assert spooled(spool_in_tmp) == collections.Counter(ids("spooled", 20))


# --- the cap, bad files, permissions, destinations ----------------------------------------


def test_the_cap_drops_the_oldest_events(spool_in_tmp: Path) -> None:
    port = unused_port()
    cap = 12_000  # room for about 40 events of this size
    for tag in ("first", "second", "third"):
        run_offline(endpoint_at(port), tag, 25, f"[otel.spool]\nmax_bytes = {cap}")
    files = list(spool_in_tmp.glob("*/*.jsonl"))
    assert sum(path.stat().st_size for path in files) <= cap
    kept = spooled(spool_in_tmp)
    assert ids("third", 25) <= set(kept)  # the newest whole
    assert not ids("first", 25) & set(kept)  # the oldest dropped first
    assert max(kept.values()) == 1


def test_corrupt_truncated_and_unknown_files_are_skipped_and_reported_once(
    otlp_receivers: ReceiverFactory, lingering: list[Lingering], spool_in_tmp: Path
) -> None:
    receiver = otlp_receivers.http()
    spool = emitter_spool(receiver.endpoint)
    good = [
        Event("codex.api_request", 1, 1, {"conversation.id": "good", "attempt": number})
        for number in range(5)
    ]
    spool.write(Batch({"service.name": "x"}, "codex_otel", None, tuple(good)))
    [valid] = spool.pending_files()
    folder = spool.directory
    truncated = folder / "00000000000000000001-1-1.jsonl"
    truncated.write_bytes(valid.read_bytes()[:-40])
    garbage = folder / "00000000000000000002-1-1.jsonl"
    garbage.write_bytes(b"\x00\xffnot json at all\n")
    newer = folder / "00000000000000000003-1-1.jsonl"
    newer_bytes = valid.read_bytes().replace(b'"version":1', b'"version":99')
    newer.write_bytes(newer_bytes)
    foreign = folder / "notes.txt"
    foreign.write_text("mine")

    run = Lingering(receiver.endpoint, "live", 1)
    lingering.append(run)
    assert receiver.wait_for(6, timeout=20)
    stderr = run.finish()
    assert set(arrivals(receiver)) == ids("good", 5) | ids("live", 1)
    assert stderr.count("skipping spool file") == 1, stderr  # reported once, not per file
    assert "notes.txt" not in stderr  # not a name the spool writes: none of its business
    assert (folder / f"{truncated.name}.corrupt").exists()
    assert (folder / f"{garbage.name}.corrupt").exists()
    # Another version's file is set aside, as it was, for that version to pick up.
    assert (folder / f"{newer.name}.v99").read_bytes() == newer_bytes
    assert foreign.read_text() == "mine"

    # Reported once for all: the next process finds nothing to say about them.
    again = Lingering(receiver.endpoint, "again", 1)
    lingering.append(again)
    assert receiver.wait_for(7, timeout=20)
    stderr = again.finish()
    assert "spool" not in stderr, stderr


def test_permissions_and_no_secrets_on_disk(spool_in_tmp: Path) -> None:
    port = unused_port()
    endpoint = f"http://user:pw-in-url@127.0.0.1:{port}/v1/logs?token=query-secret"
    process = subprocess.run(
        [sys.executable, str(EMITTER), endpoint, "private", "10", "exit"],
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=lambda: os.umask(0),  # the loosest umask: modes must not depend on it
        check=False,
    )
    assert process.returncode == 0, process.stderr
    [folder] = list(spool_in_tmp.iterdir())
    assert stat.S_IMODE(spool_in_tmp.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert files and all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)
    assert sum(spooled(spool_in_tmp).values()) == 10
    for path in [folder, *files]:
        text = path.name + (path.read_text(encoding="ascii") if path.is_file() else "")
        for secret in (TOKEN, "query-secret", "pw-in-url", "x-otlp-api-key", "127.0.0.1"):
            assert secret not in text


def test_a_spool_for_another_endpoint_is_left_alone(
    otlp_receivers: ReceiverFactory, lingering: list[Lingering], spool_in_tmp: Path
) -> None:
    elsewhere = endpoint_at(unused_port())
    run_offline(elsewhere, "elsewhere", 15)
    before = {path: path.read_bytes() for path in spool_in_tmp.glob("*/*")}
    assert len(before) == 1

    receiver: OtlpHttpReceiver = otlp_receivers.http()
    run = Lingering(receiver.endpoint, "here", 3)
    lingering.append(run)
    assert receiver.wait_for(3, timeout=20)
    time.sleep(1.0)  # anything spooled for this endpoint would have been delivered by now
    run.finish()
    assert set(arrivals(receiver)) == ids("here", 3)
    assert {path: path.read_bytes() for path in spool_in_tmp.glob("*/*")} == before
