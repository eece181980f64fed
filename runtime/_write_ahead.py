"""Write ahead: each batch is on disk before its first export attempt, and gone once the
collector acknowledged it.

Without it, a batch reached the spool only after its export had failed (its retries
included), so a SIGKILL or a crash lost every batch being exported or retried. With it
(`[otel.spool] write_ahead`, on by default with the spool and an OTLP exporter), the
exporter (`GuardedExporter.export`) calls `before` with each batch it is about to send:
the batch is written as a file claimed by this process (`Spool.write_ahead`: no other
process delivers it meanwhile). Then `after`: delivered, the file is deleted (a later run
never delivers it again); failed, the batch is handed to the spool hook (`keeper`), which
turns the claimed file into a pending one instead of writing it a second time. A process
killed in between leaves a claim whose owner is dead: the next run takes it back and
delivers it (at least once: the collector may have taken it just before the kill).

What only memory holds is the batch queue, at most `window_ms` of events (default 1000:
1 s). With a healthy collector the batch processor exports every `schedule_delay_ms`,
which a quarter of `window_ms` caps, and as soon as `max_export_batch_size` events are
queued. With the collector down the worker is busy retrying one batch (up to the export
timeout) while the queue fills: `QueueDrainer` then moves what is queued to the spool
every quarter of `window_ms`. A SIGKILL loses at most the last `window_ms` of events
(1.5 `window_ms` during the first export of an outage; never more than
`max_queue_size`). SIGTERM and Ctrl-C lose nothing (`_signals.py`).

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

from ._spool import Spool
from ._spool_bridge import batches_from_records, deliver_spool

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import ReadableLogRecord

logger = logging.getLogger("codex_otel")

#: A batch's files: (the pending name, or None when it could not be written; its events).
_Files = list[tuple[str | None, int]]


class WriteAhead:
    """The write-ahead files of the batches being exported, by batch."""

    def __init__(
        self,
        spool: Spool,
        batch_size: int,
        keep: Callable[[Sequence[ReadableLogRecord]], bool],
    ) -> None:
        self._spool = spool
        self._batch_size = batch_size
        #: What keeps a failed batch that has no files here (`_spool_bridge.keeper`).
        self._keep = keep
        self._lock = threading.Lock()
        #: By `id` of the batch being exported; the batch is held, so its id stays its own.
        self._files: dict[int, tuple[Sequence[ReadableLogRecord], _Files]] = {}
        #: Called after each delivered batch (`QueueDrainer.collector_back`).
        self.on_delivery: Callable[[], None] | None = None

    def before(self, records: Sequence[ReadableLogRecord]) -> None:
        """Write `records` to disk, before their export."""
        files: _Files = [
            (self._spool.write_ahead(batch), len(batch.events))
            for batch in batches_from_records(records, self._batch_size)
        ]
        with self._lock:
            self._files[id(records)] = (records, files)

    def delivered(self, records: Sequence[ReadableLogRecord]) -> None:
        """The collector took `records`: their files go."""
        for name, events in self._take(records) or []:
            if name is not None:
                self._spool.settle_ahead(name, events, delivered=True)
        on_delivery = self.on_delivery
        if on_delivery is not None:
            on_delivery()

    def keeper(self, records: Sequence[ReadableLogRecord]) -> bool:
        """The pipeline's `undelivered` hook: a batch written ahead becomes pending (no
        second write); any other (or a part that could not be written ahead) is written
        now. True when all of it is on disk."""
        files = self._take(records)
        if files is None:
            return self._keep(records)
        if self._spool.interrupted and self._keep(records):
            # A signal ends the run (`_signals.py`): the batch is written again, its header
            # marked as an interrupted run's (the run that delivers it says so), and the
            # files written ahead go. A kill between the two leaves both: at least once.
            for name, events in files:
                if name is not None:
                    self._spool.settle_ahead(name, events, delivered=True)  # deleted
            return True
        kept = True
        for name, events in files:
            settled = name is not None and self._spool.settle_ahead(name, events, delivered=False)
            kept = kept and settled
        if not kept:
            # Some part is not on disk: write the whole batch the old way (a part that
            # was settled may then be spooled twice: at least once, never lost).
            return self._keep(records)
        return True

    def _take(self, records: Sequence[ReadableLogRecord]) -> _Files | None:
        with self._lock:
            entry = self._files.pop(id(records), None)
        return None if entry is None else entry[1]


class _Draining(Protocol):
    """What `QueueDrainer` asks of the pipeline (`Pipeline`)."""

    @property
    def closed(self) -> bool: ...

    def stuck_export_s(self) -> float: ...

    @property
    def collector_failing(self) -> bool: ...

    def take_queued(self) -> list[ReadableLogRecord]: ...

    def deliver_spooled(self, records: Sequence[ReadableLogRecord]) -> bool: ...


class QueueDrainer:
    """Bounds what only memory holds while the collector is away.

    The batch worker exports one batch at a time; with the collector down, one export
    retries for up to the export timeout while the queue fills. Every `window_s`, when the
    export in flight has been running longer than that, what is queued is taken out of
    the queue and written to the spool as pending files (delivered later, oldest first,
    like any spooled batch: never exported twice, since it left the queue). With a healthy
    collector an export takes milliseconds and nothing is ever taken. Once an export
    succeeds again (`collector_back`), what was moved is delivered from the spool at once,
    on a thread, rather than at exit or by the next run. A daemon thread, one per
    pipeline, ending with it."""

    def __init__(
        self,
        pipeline: _Draining,
        spool: Spool,
        keep: Callable[[Sequence[ReadableLogRecord]], bool],
        window_s: float,
    ) -> None:
        self._pipeline = pipeline
        self._spool = spool
        self._keep = keep
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
        # Checked every quarter window; drained once an export is stuck for a quarter
        # after a failed one (the collector is away), or for a whole window in any case (a
        # first export to a collector that is down, or silent; a healthy collector that
        # slow on a loaded machine only has its events delivered from the spool instead).
        # With the first export at most a quarter window after an event was queued (the
        # start caps `schedule_delay_ms` at a quarter of `window_ms`), no event stays in
        # memory only for longer than the window once an export failed, nor longer than
        # one and a half windows at the very start of an outage.
        quarter = self._window_s / 4
        while not self._stop.wait(quarter):
            try:
                pipeline = self._pipeline
                if pipeline.closed:
                    return
                stuck = pipeline.stuck_export_s()
                if stuck >= 4 * quarter or (stuck >= quarter and pipeline.collector_failing):
                    began = time.time_ns()
                    records = self._pipeline.take_queued()
                    if records:
                        if not self._moved_since_ns:
                            self._moved_since_ns = began
                        self._keep(records)
                        self.drained += len(records)
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
