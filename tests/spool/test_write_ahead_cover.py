"""`WriteAhead`'s bookkeeping on a real spool folder, with the SDK's own records: what is
queued is written ahead and stays queued, an export settles the files that cover it, and
a file on disk never holds an event that was delivered (so a later run that takes a dead
run's file back never delivers one twice)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("opentelemetry.sdk")

from codex_otel.runtime._spool import Batch, Event, Spool
from codex_otel.runtime._spool_bridge import keeper, records_from_batch
from codex_otel.runtime._write_ahead import WriteAhead

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import ReadableLogRecord

BATCH_SIZE = 8


def records(count: int) -> list[ReadableLogRecord]:
    events = tuple(Event(f"e{n}", n + 1, n + 1, {"n": n}) for n in range(count))
    return records_from_batch(Batch({"service.name": "cover"}, "scope", None, events))


def on_disk(spool: Spool) -> dict[str, list[int]]:
    """Each file of the destination folder: its events' `n`."""
    found: dict[str, list[int]] = {}
    for path in sorted(spool.directory.iterdir()):
        lines = path.read_text(encoding="ascii").splitlines()[1:]
        found[path.name] = [json.loads(line)["attributes"]["n"] for line in lines]
    return found


def claimed(spool: Spool) -> list[int]:
    mine = f".claimed-{os.getpid()}"
    return sorted(n for name, ns in on_disk(spool).items() if name.endswith(mine) for n in ns)


def pending(spool: Spool) -> list[int]:
    return sorted(n for name, ns in on_disk(spool).items() if name.endswith(".jsonl") for n in ns)


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    return Spool(tmp_path, "destination", 10_000_000)


def write_ahead(spool: Spool) -> WriteAhead:
    return WriteAhead(spool, BATCH_SIZE, keeper(spool, BATCH_SIZE))


def test_a_sweep_covers_the_queue_once_cut_where_the_batches_will_be(spool: Spool) -> None:
    ahead = write_ahead(spool)
    queue = records(12)
    assert ahead.sweep(lambda: queue[:10]) == 10
    assert sorted(on_disk(spool).values()) == [list(range(8)), [8, 9]]
    assert ahead.sweep(lambda: queue) == 2  # only what came since
    assert sorted(on_disk(spool).values()) == [list(range(8)), [8, 9], [10, 11]]
    # The worker's batches: the sweep's files, nothing written again; each goes once
    # its export is acknowledged.
    ahead.before(queue[:8])
    assert len(on_disk(spool)) == 3
    ahead.delivered(queue[:8])
    assert claimed(spool) == [8, 9, 10, 11]
    ahead.before(queue[8:])
    ahead.delivered(queue[8:])
    assert on_disk(spool) == {}


def test_a_file_partly_delivered_is_written_anew_without_what_was_delivered(
    spool: Spool,
) -> None:
    ahead = write_ahead(spool)
    queue = records(8)
    ahead.sweep(lambda: queue)
    # A batch cut elsewhere than the sweep guessed (a race with the worker).
    ahead.before(queue[:5])
    ahead.delivered(queue[:5])
    assert claimed(spool) == [5, 6, 7]  # the delivered ones are on disk no more
    assert pending(spool) == []
    # The rest fails: it becomes pending, written once.
    assert ahead.keeper(queue[5:])
    assert claimed(spool) == []
    assert pending(spool) == [5, 6, 7]


def test_a_failed_export_turns_its_files_pending_and_close_keeps_the_dropped(
    spool: Spool,
) -> None:
    ahead = write_ahead(spool)
    queue = records(12)
    ahead.sweep(lambda: queue)
    assert ahead.keeper(queue[:8])  # failed: the file is renamed, not written again
    assert pending(spool) == list(range(8))
    assert claimed(spool) == [8, 9, 10, 11]
    # Events 8..11 left the queue without an export (a full queue dropped them): the
    # end of the run keeps them as pending, not claimed by a process about to be gone.
    ahead.close()
    assert claimed(spool) == []
    assert pending(spool) == list(range(12))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
def test_a_fork_while_a_sweep_holds_the_lock_leaves_a_child_that_writes_ahead(
    spool: Spool,
) -> None:
    """The drain thread sweeps every 50 ms under the write-ahead lock: a fork at that
    moment left the child a lock nobody would release, and its first export waited for
    ever. The child starts with a lock (and a cover) of its own."""
    import threading

    writer = write_ahead(spool)
    held = threading.Event()
    release = threading.Event()

    def sweep_in_progress() -> None:
        with writer._lock:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=sweep_in_progress)
    thread.start()
    assert held.wait(10)
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                import signal

                signal.alarm(5)  # a child that waits for the parent's lock dies of it
                writer.before(records(3))
                code = 0 if claimed(spool) else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
    finally:
        release.set()
        thread.join(10)
    assert os.waitstatus_to_exitcode(status) == 0
