"""Loss accounting of one exporter pipeline: what was dropped, failed or refused, each
kind logged once when it first happens and totalled at shutdown.

`Health` holds the counters; `install_drop_counter` hooks the batch processor so that
queue-full drops reach them. No OpenTelemetry import at import time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from . import _sdk_compat
from ._fork import at_fork

if TYPE_CHECKING:
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

    from ._sdk_compat import ProcessorMetricsT

logger = logging.getLogger("codex_otel")


class Health:
    """Loss counters shared by emitting threads, the batch worker and the pipeline.

    Each kind of loss is logged once (a warning on `codex_otel`) and counted after that:
    under a collector outage the per-event alternative would flood the host's logs.
    """

    def __init__(self, *, description: str, items: str = "events") -> None:
        self.description = description
        #: What the pipeline exports, for messages: "events", "spans".
        self.items = items
        self.dropped = 0
        self.export_failures = 0
        self.emit_errors = 0
        #: WARNING and worse messages the SDK logged for this pipeline (see sdk_logs).
        self.sdk_messages = 0
        #: Failed batches go to the spool (set by `start_pipeline`), in this folder.
        self.spooling = False
        self.spool_location: str | None = None
        #: Of `export_failures`, the batches that went to the spool: delayed, not lost.
        self.spooled_failures = 0
        #: Of `sdk_messages`, those logged during an export whose batch then went to the
        #: spool (the exporter saying the collector is away): counted, never reported.
        self.excused_messages = 0
        #: Of `sdk_messages`, those held by an export still running (see `report_totals`).
        self._held_messages = 0
        #: Per thread: the SDK messages of the export running there, until its outcome
        #: says whether they are about a spooled batch (`hold_sdk_messages`).
        self._exporting = threading.local()
        self._reported: set[str] = set()
        # Re-entrant: a signal handler's emit may count a drop while its thread holds the
        # lock (reading totals, say); a plain lock would wait for ever.
        self._lock = threading.RLock()
        at_fork(after_in_child=self._reinit_after_fork)

    def add_dropped(self, count: int) -> None:
        with self._lock:
            self.dropped += count
            first = self._first("dropped")
        if first:
            logger.warning(
                "codex-otel: the export queue is full and %s are being dropped: "
                "exporting to %s cannot keep up (collector down or slow?); further drops "
                "are counted, not logged",
                self.items,
                self.description,
            )

    def add_export_failure(self, *, report: bool = True, spooled: bool = False) -> None:
        with self._lock:
            self.export_failures += 1
            if spooled:
                self.spooled_failures += 1
            first = report and not spooled and self._first("export")
        if first:
            logger.warning(
                "codex-otel: exporting %s to %s failed; further failures are counted, not logged",
                self.items,
                self.description,
            )

    def report_totals(self) -> None:
        """At shutdown, once: how much was lost over the pipeline's life.

        The first drop and the first failure were logged when they happened, without a
        count (it was 1 then); this is where the operator learns how many followed.
        Batches that went to the spool are delayed, not lost, and so are the SDK's
        messages about them: alone, they make an INFO line saying where they wait."""
        with self._lock:
            dropped, failures, errors = self.dropped, self.export_failures, self.emit_errors
            messages = self.sdk_messages
            spooled = self.spooled_failures
            lost = failures - spooled
            # An export still running at shutdown (cut off by the bounded exit, its batch
            # set aside for the spool) has not said yet that its messages are excused.
            unexplained = messages - self.excused_messages - self._held_messages
            warn = bool(dropped or lost or errors or unexplained)
            first = (warn or spooled) and self._first("totals")
        if not first:
            return
        where = self.spool_location or "the spool"
        if warn:
            logger.warning(
                "codex-otel: totals at shutdown for %s: %d %s dropped (export queue "
                "full), %d export batches failed%s, %d %s refused by the SDK, %d SDK "
                "warnings",
                self.description,
                dropped,
                self.items,
                lost,
                f" (and {spooled} more spooled at {where} for the next run)" if spooled else "",
                errors,
                self.items,
                messages,
            )
        else:
            logger.info(
                "codex-otel: totals at shutdown for %s: nothing lost; %d export batches "
                "could not be delivered and are spooled at %s, for the next run with the "
                "collector up to deliver",
                self.description,
                spooled,
                where,
            )

    def hold_sdk_messages(self) -> None:
        """An export begins on this thread: what the SDK logs until `end_export` waits
        for its outcome (a failure about a spooled batch is no news to the host)."""
        self._exporting.held = []

    def end_export(self, *, spooled: bool) -> None:
        """The export `hold_sdk_messages` began is over: its SDK messages are excused
        when its batch went to the spool, else handled as any other."""
        held: list[logging.LogRecord] | None = getattr(self._exporting, "held", None)
        self._exporting.held = None
        if not held:
            return
        with self._lock:
            self._held_messages -= len(held)
            if spooled:
                self.excused_messages += len(held)
        if not spooled:
            self._report_sdk_message(held[0])

    def add_sdk_message(self, record: logging.LogRecord) -> None:
        """A WARNING or worse the SDK logged for this pipeline: counted, the first one
        reported by its logger's name and level. Not by its text: the SDK quotes the
        endpoint as configured, credentials in the URL included."""
        held: list[logging.LogRecord] | None = getattr(self._exporting, "held", None)
        with self._lock:
            self.sdk_messages += 1
            if held is not None:
                self._held_messages += 1
        if held is not None:
            held.append(record)  # reported, or not, when the export's outcome is known
            return
        self._report_sdk_message(record)

    def _report_sdk_message(self, record: logging.LogRecord) -> None:
        with self._lock:
            first = self._first("sdk")
        if first:
            error = record.exc_info[1] if record.exc_info else None
            logger.warning(
                "codex-otel: the OpenTelemetry SDK logged a message at level %s%s (%s) "
                "while exporting to %s; SDK messages are kept out of the application's logs "
                "and counted in Telemetry.stats.sdk_messages",
                record.levelname,
                f" with {type(error).__name__}" if error is not None else "",
                record.name,
                self.description,
            )

    def add_emit_error(self) -> None:
        with self._lock:
            self.emit_errors += 1
            first = self._first("emit")
        if first:
            logger.warning("codex-otel: an event could not be handed to the SDK", exc_info=True)

    def _first(self, kind: str) -> bool:
        if kind in self._reported:
            return False
        self._reported.add(kind)
        return True

    def _reinit_after_fork(self) -> None:
        self._lock = threading.RLock()
        self._exporting = threading.local()
        self._held_messages = 0  # held by the parent's export threads, absent here


class DropCounter:
    """The batch processor's metrics recorder, wrapped to count queue-full drops.

    SDK 1.45's `BatchProcessor.emit` calls `metrics.drop_items(1)` exactly when the queue
    is full and it evicts the oldest record; that is the only place the drop is visible.
    Hooking it costs nothing on the normal path (no queue-length check per event).
    """

    def __init__(self, inner: ProcessorMetricsT, health: Health) -> None:
        self._inner = inner
        self._health = health

    def register_queue_size(self, get_queue_size: Callable[[], int]) -> None:
        self._inner.register_queue_size(get_queue_size)

    def drop_items(self, count: int, error_type: str = "queue_full") -> None:
        self._inner.drop_items(count, error_type)
        if error_type == "queue_full":
            self._health.add_dropped(count)

    def finish_items(self, count: int) -> None:
        self._inner.finish_items(count)


def install_drop_counter(processor: BatchLogRecordProcessor, health: Health) -> bool:
    """Count `processor`'s queue-full drops in `health` (False: this SDK hides them)."""

    def wrap(metrics: ProcessorMetricsT) -> ProcessorMetricsT:
        return cast("ProcessorMetricsT", DropCounter(metrics, health))

    return _sdk_compat.wrap_processor_metrics(processor, wrap)
