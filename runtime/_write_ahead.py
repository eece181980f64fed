"""Write ahead: each event is on disk before its first export, and gone once the
collector acknowledged it.

Without it, a batch reached the spool only after its export had failed (its retries
included), so a SIGKILL or a crash lost every batch being exported or retried. With it
(`[otel.spool] write_ahead`, on by default with the spool and an OTLP exporter), events
are written as files claimed by this process (`Spool.write_ahead`: no other process
delivers them meanwhile) in two places: every quarter of `window_ms`, what is queued is
written and stays queued (`WriteAhead.sweep`, on `QueueDrainer`'s thread); and the
exporter (`GuardedExporter.export`) calls `before` with each batch it is about to send,
which writes the part of it no sweep covered yet. Then `delivered`: once no event of a
file is left to export, it is deleted (a later run never delivers it again); or the
spool hook (`keeper`): a failed event stays in its file, which becomes pending instead of
being written a second time. A process killed in between leaves claims whose owner is
dead: the next run takes them back and delivers them (at least once: the collector may
have taken the batch in flight just before the kill). A file never holds an event that
was delivered: the sweep cuts its files where the worker will cut its batches, and when
an export settles only part of a file anyway, the rest is written anew first.

What only memory holds is what was queued since the last sweep: a quarter of
`window_ms` of events (default 1000: 1 s), plus the time a sweep takes, whether the
collector keeps up or not (a collector that answers, but slower than events come, no
longer lets the queue grow in memory only). With the collector down the worker is busy
retrying one batch (up to the export timeout) while the queue fills: `QueueDrainer` then
moves what is queued to the spool every quarter of `window_ms` (pending files, delivered
once an export succeeds again). A SIGKILL loses at most the last `window_ms` of events,
never more than `max_queue_size`. SIGTERM and Ctrl-C lose nothing (`_signals.py`).

A batch the spool cannot write (a full disk, a read-only folder: reported once) is
exported all the same, and kept the old way if its export fails. Never raises.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from ._fork import at_fork
from ._spool import Spool
from ._spool_bridge import batches_from_records, deliver_spool

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import ReadableLogRecord

logger = logging.getLogger("codex_otel")

#: How often the drainer looks at the queue's length between its quarter-window rounds
#: (a `len` of the SDK's deque: a burst is written ahead within this, not a quarter).
SIZE_CHECK_S = 0.05


class _File:
    """One write-ahead file (claimed by this process) and what became of its events."""

    __slots__ = ("events", "failed", "gone", "name", "outstanding")

    def __init__(self, name: str, records: Sequence[ReadableLogRecord]) -> None:
        self.name = name
        self.events = len(records)
        #: Events not yet settled, by `id` (held here: the ids stay their own).
        self.outstanding: dict[int, ReadableLogRecord] = {id(r): r for r in records}
        #: Events whose export failed: this file is their only copy on disk.
        self.failed: list[ReadableLogRecord] = []
        #: Events delivered, or written again elsewhere: never to be delivered from here.
        self.gone = 0


class WriteAhead:
    """The write-ahead files of the events queued or being exported, by event.

    An event is covered by exactly one file from the moment it is written (by `sweep`,
    still queued, or by `before`, taken for export) until it is settled: delivered, or
    failed and kept. A file holds only events that were never delivered: once part of
    it is delivered, the rest is written anew (rare: `sweep` cuts its files where the
    worker will cut its batches), so a later run that takes the file of a killed one
    back delivers again only the events whose export was in flight at the kill."""

    def __init__(
        self,
        spool: Spool,
        batch_size: int,
        keep: Callable[[Sequence[ReadableLogRecord]], bool],
    ) -> None:
        self._spool = spool
        #: The export batch size: files are cut at its boundaries (read by the drainer).
        self.batch_size = batch_size
        #: What keeps a failed batch that has no files here (`_spool_bridge.keeper`).
        self._keep = keep
        self._lock = threading.Lock()
        #: The file covering each queued or exported event, by the event's `id`.
        self._covering: dict[int, _File] = {}
        #: Called after each delivered batch (`QueueDrainer.collector_back`).
        self.on_delivery: Callable[[], None] | None = None
        at_fork(after_in_child=self._reinit_after_fork)

    def _reinit_after_fork(self) -> None:
        # The parent's drain thread may have held the lock at the fork (a sweep): the
        # child would wait for it for ever. The files covering the queue at the fork are
        # the parent's (claimed under its pid; it exports and settles them), and the
        # child starts with an empty queue of its own.
        self._lock = threading.Lock()
        self._covering = {}

    # --- covering ----------------------------------------------------------------------

    def sweep(self, queue: Callable[[], Sequence[ReadableLogRecord]]) -> int:
        """Write the events of the queue (`queue()`, oldest first) that no file covers
        yet, leaving them queued; returns how many. The queue is first in, first out and
        each sweep covers everything queued, so the uncovered events are its newest.

        Files are cut where the worker will cut its batches (every `batch_size` events
        from the oldest queued one), so that one export settles whole files."""
        with self._lock:
            # Read under the lock: an event read earlier may be exported and settled
            # meanwhile, and would then look uncovered (written again, for nothing).
            queued = queue()
            covering = self._covering
            first = len(queued)
            while first > 0 and id(queued[first - 1]) not in covering:
                first -= 1
            size = self.batch_size
            start = first
            while start < len(queued):
                end = min(len(queued), (start // size + 1) * size)
                self._cover(queued[start:end])
                start = end
            return len(queued) - first

    def before(self, records: Sequence[ReadableLogRecord]) -> None:
        """Write the part of `records` no sweep covered yet, before their export."""
        with self._lock:
            covering = self._covering
            uncovered = [record for record in records if id(record) not in covering]
            if uncovered:
                self._cover(uncovered)

    def _cover(self, records: Sequence[ReadableLogRecord]) -> None:
        """Write `records` ahead, claimed (under the lock). A part the spool cannot write
        stays uncovered: exported all the same, kept the old way if that fails."""
        index = 0
        for batch in batches_from_records(records, self.batch_size):
            part = records[index : index + len(batch.events)]
            index += len(batch.events)
            name = self._spool.write_ahead(batch)
            if name is not None:
                file = _File(name, part)
                for record in part:
                    self._covering[id(record)] = file

    def first_written_ns(self, records: Sequence[ReadableLogRecord], now_ns: int) -> int:
        """When the oldest file covering any of `records` was written (its name begins with
        that time); `now_ns` when none does. What `QueueDrainer` moves keeps its file, so
        the redelivery must look that far back."""
        with self._lock:
            names = {file.name for r in records if (file := self._covering.get(id(r)))}
        return min([now_ns, *(int(name[:20]) for name in names)])

    # --- settling ----------------------------------------------------------------------

    def delivered(self, records: Sequence[ReadableLogRecord]) -> None:
        """The collector took `records`: their files go."""
        with self._lock:
            touched = self._settle(records, failed=False)
            for file in touched:
                self._resolve(file)
        on_delivery = self.on_delivery
        if on_delivery is not None:
            on_delivery()

    def keeper(self, records: Sequence[ReadableLogRecord]) -> bool:
        """The pipeline's `undelivered` hook: an event written ahead stays in its file,
        which becomes pending (no second write); any other is written now. True when all
        of it is on disk."""
        with self._lock:
            uncovered = [record for record in records if id(record) not in self._covering]
            if self._spool.interrupted and self._keep(records):
                # A signal ends the run (`_signals.py`): the events are written again,
                # the header marked as an interrupted run's (the run that delivers them
                # says so), and the files written ahead go. A kill between the two leaves
                # both: at least once.
                for file in self._settle(records, failed=False):
                    self._resolve(file)
                return True
            kept = True
            for file in self._settle(records, failed=True):
                kept = self._resolve(file) and kept
        if uncovered:
            kept = self._keep(uncovered) and kept
        return kept

    def close(self) -> None:
        """The run's own exports are over: events still covered (dropped from a full
        queue, or never exported) are kept as pending files, not left claimed."""
        with self._lock:
            files = {id(file): file for file in self._covering.values()}
            for file in files.values():
                self._settle(list(file.outstanding.values()), failed=True)
                self._resolve(file)

    def _settle(self, records: Sequence[ReadableLogRecord], *, failed: bool) -> list[_File]:
        touched: dict[int, _File] = {}
        covering = self._covering
        for record in records:
            file = covering.pop(id(record), None)
            if file is None:
                continue
            del file.outstanding[id(record)]
            if failed:
                file.failed.append(record)
            else:
                file.gone += 1
            touched[id(file)] = file
        return list(touched.values())

    def _resolve(self, file: _File) -> bool:
        """Settle `file` on disk once what became of its events allows it: deleted when
        none must stay, pending when all of it must, rewritten when only part of it may
        be delivered again. False when failed events are not on disk."""
        spool = self._spool
        if file.gone and (file.outstanding or file.failed):
            # Some of its events were delivered: the file must not be delivered again,
            # whatever happens next. What must stay is written anew, then it goes.
            kept = not file.failed or self._keep(file.failed)
            rest = list(file.outstanding.values())
            if rest:
                covering = self._covering
                for record in rest:
                    del covering[id(record)]
                self._cover(rest)
                left = [record for record in rest if id(record) not in covering]
                if left:
                    # Not rewritten (a disk error): the old file stays as their cover.
                    file.outstanding = {id(record): record for record in left}
                    for record in left:
                        covering[id(record)] = file
                    file.failed = []
                    return kept
            spool.settle_ahead(file.name, file.events, delivered=True)
            return kept
        if file.outstanding:
            return True  # some of its events are still queued or exported: later
        if not file.failed:
            spool.settle_ahead(file.name, file.events, delivered=True)
            return True
        if spool.settle_ahead(file.name, file.events, delivered=False):
            return True
        return self._keep(file.failed)


class _Draining(Protocol):
    """What `QueueDrainer` asks of the pipeline (`Pipeline`)."""

    @property
    def closed(self) -> bool: ...

    def stuck_export_s(self) -> float: ...

    @property
    def collector_failing(self) -> bool: ...

    def take_queued(self) -> list[ReadableLogRecord]: ...

    def queued(self) -> list[ReadableLogRecord]: ...

    def queue_length(self) -> int: ...

    def deliver_spooled(self, records: Sequence[ReadableLogRecord]) -> bool: ...


class QueueDrainer:
    """Bounds what only memory holds, whether the collector keeps up or not.

    Every quarter of the window: while the collector answers (however slowly), what is
    queued is written ahead and stays queued (`WriteAhead.sweep`: its export settles
    that same file). While the collector is away (the worker exports one batch at a
    time; one export retries for up to the export timeout while the queue fills), what is
    queued is taken out of the queue and written to the spool as pending files (delivered
    later, oldest first, like any spooled batch: never exported twice, since it left the
    queue). Once an export succeeds again (`collector_back`), what was moved is
    delivered from the spool at once, on a thread, rather than at exit or by the next
    run. A daemon thread, one per pipeline, ending with it."""

    def __init__(
        self,
        pipeline: _Draining,
        spool: Spool,
        write_ahead: WriteAhead,
        window_s: float,
    ) -> None:
        self._pipeline = pipeline
        self._spool = spool
        self._write_ahead = write_ahead
        self._keep = write_ahead.keeper
        self._window_s = window_s
        self._stop = threading.Event()
        self.drained = 0
        #: When the first move of this outage began (its files are named from then on);
        #: 0: nothing moved since the last delivery.
        self._moved_since_ns = 0
        self._delivering = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="codex-otel-drain", daemon=True)
        # No thread (at interpreter exit): the window is then the queue's.
        with contextlib.suppress(RuntimeError):
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        # Every quarter window, one of two: drained once an export is stuck for a quarter
        # after a failed one (the collector is away), or for a whole window in any case (a
        # first export to a collector that is down, or silent; a healthy collector that
        # slow on a loaded machine only has its events delivered from the spool instead);
        # else swept (written ahead, left queued). Either way no event stays in memory
        # only for longer than a quarter window and the time one write takes.
        # Between those, every `SIZE_CHECK_S`: a queue grown by half a batch since the
        # last sweep is swept at once (a burst is on disk before the timer comes round).
        quarter = self._window_s / 4
        size = self._write_ahead.batch_size
        swept_length = 0
        next_quarter = time.monotonic() + quarter
        while not self._stop.wait(min(quarter, SIZE_CHECK_S)):
            try:
                pipeline = self._pipeline
                if pipeline.closed:
                    return
                if time.monotonic() < next_quarter:
                    length = pipeline.queue_length()
                    if length >= size and length - swept_length >= size // 2:
                        self._write_ahead.sweep(pipeline.queued)
                        swept_length = pipeline.queue_length()
                    else:
                        swept_length = min(swept_length, length)
                    continue
                next_quarter = time.monotonic() + quarter
                stuck = pipeline.stuck_export_s()
                if stuck >= 4 * quarter or (stuck >= quarter and pipeline.collector_failing):
                    began = time.time_ns()
                    records = self._pipeline.take_queued()
                    if records:
                        # Events written ahead keep their file, named when it was written.
                        began = self._write_ahead.first_written_ns(records, began)
                        since = self._moved_since_ns
                        self._moved_since_ns = min(since, began) if since else began
                        self._keep(records)
                        self.drained += len(records)
                else:
                    # The collector answers, maybe slower than events come: what is
                    # queued is written ahead and stays queued, its export settles it.
                    self._write_ahead.sweep(pipeline.queued)
                    swept_length = pipeline.queue_length()
            except Exception:  # nothing may escape a thread: it would print a traceback
                logger.debug("codex-otel: draining the queue failed", exc_info=True)

    def collector_back(self) -> None:
        """An export succeeded: deliver what this outage moved to the spool, on a thread
        (one at a time; the exporter's worker must not wait for it)."""
        since = self._moved_since_ns
        if not since or self._pipeline.closed or not self._delivering.acquire(blocking=False):
            return
        self._moved_since_ns = 0
        thread = threading.Thread(
            target=self._deliver, args=(since,), name="codex-otel-redeliver", daemon=True
        )
        try:
            thread.start()
        except RuntimeError:
            self._delivering.release()

    def wait_idle(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) for a delivery of moved events to end: the
        exit's delivery must list the spool after it put back what it had claimed."""
        if self._delivering.acquire(timeout=max(timeout, 0.0)):
            self._delivering.release()

    def _deliver(self, since_ns: int) -> None:
        try:
            deliver_spool(
                self._spool,
                self._pipeline,  # type: ignore[arg-type]
                lambda: self._pipeline.closed,
                written_since_ns=since_ns,
            )
        except Exception:
            logger.debug("codex-otel: delivering the moved queue failed", exc_info=True)
        finally:
            self._delivering.release()
