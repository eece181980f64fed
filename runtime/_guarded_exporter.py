"""The configured exporter inside a pipeline: counts failed exports, can be aborted at
shutdown, and says whose the SDK's messages are while it runs (`ExportGuard`, for every
signal); for events and spans, also hands undelivered batches to the spool hook
(`GuardedExporter`);
for metrics, has the SDK's `MetricExporter` type the periodic reader needs
(`guarded_metric_exporter`). No OpenTelemetry import at import time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._fork import at_fork, fresh_connection_pools
from ._health import Health
from ._sdk_logs import SDK_LOGS

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import ReadableLogRecord
    from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    from ._metrics_spool import MetricSpooling
    from ._sdk_logs import _Claim
    from ._write_ahead import WriteAhead

logger = logging.getLogger("codex_otel")


class ExportGuard:
    """What every signal's exporter wrapper does around the SDK's exporter `inner`: an
    export that raises is a failed one (logged at debug level, not with the traceback a
    reader or processor would print), the SDK's messages meanwhile are the pipeline's,
    `abort` stops it for good, and it is shut down once."""

    def __init__(
        self,
        inner: Any,
        health: Health,
        *,
        success: Any,
        failure: Any,
        sdk_logs: _Claim | None,
        what: str,
    ) -> None:
        self._inner = inner
        self._health = health
        self._success = success
        self._failure = failure
        #: What the SDK logs while this exporter runs is this pipeline's (see sdk_logs).
        self._sdk_logs = sdk_logs
        self._what = what
        self._lock = threading.Lock()
        self._closed = False
        #: Set when shutdown ran out of time: later exports fail at once, without I/O.
        self.aborted = False

    def _call_inner(self, export: Callable[[], Any]) -> Any:
        """`export()`'s result; the failure result when it raised."""
        try:
            with SDK_LOGS.calling_for(self._sdk_logs):
                return export()
        except Exception:
            # The SDK's exporters report failures by result; an exception is a bug or an
            # encoding problem, that the SDK would log with a traceback.
            logger.debug("codex-otel: the %s raised", self._what, exc_info=True)
            return self._failure

    def abort(self) -> bool:
        """Stop now: no more retries, a gRPC call in flight is cancelled, no new exports.

        An HTTP request already on the wire ends at its own timeout (the exporter's
        timeout, at most `shutdown_timeout`), on the daemon worker thread. Returns False
        when the exporter was already aborted.
        """
        with self._lock:
            if self.aborted:
                return False
            self.aborted = True
        self._close()
        return True

    def _close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        with SDK_LOGS.calling_for(self._sdk_logs):
            shut_down_inner(self._inner, self._what)


class GuardedExporter(ExportGuard):
    """The configured exporter, counting failed batches and abortable at shutdown.

    It has `LogRecordExporter`'s interface (`export`, `shutdown`, `force_flush`) without
    subclassing it: this module imports no OpenTelemetry at import time, and the batch
    processor only calls these methods. `SpanExporter`'s interface is the same: the trace
    pipeline wraps its span exporter in this class too (a batch is then of spans, and
    `success`/`failure` are `SpanExportResult`'s).
    """

    def __init__(
        self,
        inner: LogRecordExporter | SpanExporter,
        health: Health,
        *,
        success: LogRecordExportResult | SpanExportResult,
        failure: LogRecordExportResult | SpanExportResult,
        undelivered: Callable[[Sequence[Any]], bool] | None = None,
        sdk_logs: _Claim | None = None,
        clean: Callable[[Sequence[ReadableLogRecord]], None] | None = None,
    ) -> None:
        super().__init__(
            inner, health, success=success, failure=failure, sdk_logs=sdk_logs, what="exporter"
        )
        self._undelivered = undelivered
        #: Cleans each record once, before the write-ahead file, the spool and the
        #: exporter see it (`_privacy.Privacy.clean_records`: secrets scrubbed, the cut).
        self._clean = clean
        #: The batch being exported, and the one shutdown set aside while it was.
        self._in_flight: Sequence[ReadableLogRecord] | None = None
        self._set_aside: Sequence[ReadableLogRecord] | None = None
        #: The SDK's shutdown leaves the exporter open (`hold_open`): the spool is
        #: delivered through it at exit, then `close_held` closes it.
        self._held_open = False
        #: Whether the latest export (own or spooled) reached the collector.
        self.last_export_ok = False
        #: Writes each batch to disk before its export (`_write_ahead.py`); set by the start.
        self.write_ahead: WriteAhead | None = None
        #: When the export in flight began (`time.monotonic`): a stuck one drains the queue.
        self.in_flight_since = 0.0
        #: Called after each successful export (the span spool: the collector is back).
        self.exported: Callable[[], None] | None = None
        self._inherited_pools: list[object] = []
        at_fork(after_in_child=self._reinit_after_fork)

    @property
    def exporting(self) -> bool:
        """A batch is in the exporter's hands right now."""
        return self._in_flight is not None

    @property
    def keeps_undelivered(self) -> bool:
        return self._undelivered is not None

    def clean(self, records: Sequence[ReadableLogRecord]) -> None:
        """Clean `records` in place, once each (`_privacy.py`); never raises."""
        if self._clean is not None:
            self._clean(records)

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        self.clean(batch)  # on the export thread, before anything is written
        if self.aborted:
            self._keep(batch)
            failure: LogRecordExportResult = self._failure
            return failure
        with self._lock:
            self._in_flight = batch
            self.in_flight_since = time.monotonic()
        write_ahead = self.write_ahead
        if write_ahead is not None:
            write_ahead.before(batch)  # on disk before the first attempt
        if self.keeps_undelivered:
            # What the SDK logs during this export ("failed to export, retrying") is no
            # news when the batch ends up in the spool: held until the outcome is known.
            self._health.hold_sdk_messages()
        spooled = False
        try:
            result: LogRecordExportResult = self._call_inner(lambda: self._inner.export(batch))
            with self._lock:
                self._in_flight = None
                already_kept = batch is self._set_aside
            self.last_export_ok = result is self._success
            if write_ahead is not None and self.last_export_ok:
                write_ahead.delivered(batch)  # its file goes: never delivered again
            if self.last_export_ok and self.exported is not None:
                self._call_exported(self.exported)
            if result is not self._success:
                # Shutdown set the batch aside when it aborted (and spooled it), or it goes
                # to the spool now: delayed, not lost (the spool reports its own trouble).
                spooled = already_kept or self._keep(batch)
                # A batch cut off by an abort is covered by shutdown's own message.
                self._health.add_export_failure(report=not self.aborted, spooled=spooled)
        finally:
            if self.keeps_undelivered:
                self._health.end_export(spooled=spooled)
        return result

    def _call_exported(self, hook: Callable[[], None]) -> None:
        try:
            hook()
        except Exception:  # the hook never raises by contract; a bug must not spread
            logger.debug("codex-otel: the exported hook failed", exc_info=True)

    def export_unspooled(self, batch: Sequence[ReadableLogRecord]) -> bool:
        """Export without the failure accounting and without keeping a failed batch: a
        spooled batch stays in the spool when this fails, so what the SDK logs about the
        failure is excused (counted, not reported) as for a batch that is spooled now."""
        if self.aborted or self._closed:
            return False
        self._health.hold_sdk_messages()
        ok = False
        try:
            ok = self._call_inner(lambda: self._inner.export(batch)) is self._success
        finally:
            self._health.end_export(spooled=not ok)
        self.last_export_ok = ok
        return ok

    def set_aside_in_flight_and(self, queued: Sequence[ReadableLogRecord]) -> None:
        """At an abort: keep the batch still in flight (it may yet arrive: at least once)
        and then `queued`, in that order, oldest first."""
        with self._lock:
            in_flight = self._in_flight
            if in_flight is not None:
                self._set_aside = in_flight
        if in_flight is not None:
            self._keep(in_flight)
        self._keep(queued)

    def _keep(self, batch: Sequence[ReadableLogRecord]) -> bool:
        """Hand `batch` to the spool hook; True when all of it was kept."""
        hook = self._undelivered
        if hook is None or not batch:
            return False
        try:
            self.clean(batch)  # a batch taken from the queue was never exported
            return hook(batch)
        except Exception:  # the hook never raises by contract; a bug must not spread
            logger.debug("codex-otel: keeping an undelivered batch failed", exc_info=True)
            return False

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return bool(self._inner.force_flush(timeout_millis))

    def shutdown(self, timeout_millis: float = 30_000) -> None:
        if self._held_open:
            return  # `close_held` closes it, after the spool's delivery at exit
        self._close()

    def hold_open(self) -> None:
        """Let the coming SDK shutdown leave the exporter open (see `close_held`)."""
        self._held_open = True

    def close_held(self) -> None:
        """Close the exporter `hold_open` kept open (idempotent)."""
        self._held_open = False
        self._close()

    def _reinit_after_fork(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = self._set_aside = None
        # Kept alive, never closed: see `fresh_connection_pools`.
        self._inherited_pools = fresh_connection_pools(self._inner)


def guarded_metric_exporter(inner: Any, health: Health, sdk_logs: _Claim | None) -> Any:
    """`inner` (the SDK's metric exporter) guarded: a `MetricExporter` with its
    preferences, every failed export counted, abortable. With `spooling` set (by the
    start, `_metrics_spool.MetricSpooling`), a failed export's points go to the spool."""
    from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult

    from ._sdk_compat import exporter_preferences

    class GuardedMetricExporter(ExportGuard, MetricExporter):
        def __init__(self) -> None:
            MetricExporter.__init__(self, **exporter_preferences(inner))
            ExportGuard.__init__(
                self,
                inner,
                health,
                success=MetricExportResult.SUCCESS,
                failure=MetricExportResult.FAILURE,
                sdk_logs=sdk_logs,
                what="metric exporter",
            )
            self.spooling: MetricSpooling | None = None

        def export(
            self, metrics_data: Any, timeout_millis: float = 10_000, **kwargs: Any
        ) -> MetricExportResult:
            spooling = self.spooling
            if self.aborted:
                spooled = spooling is not None and spooling.keep(metrics_data)
                health.add_export_failure(report=False, spooled=spooled)
                return MetricExportResult.FAILURE
            if spooling is not None:
                # What the SDK logs about a failure whose points are spooled is no news.
                health.hold_sdk_messages()
            spooled = False
            try:
                result: MetricExportResult = self._call_inner(
                    lambda: inner.export(metrics_data, timeout_millis=timeout_millis)
                )
                if result is not MetricExportResult.SUCCESS:
                    spooled = spooling is not None and spooling.keep(metrics_data)
                    health.add_export_failure(report=not self.aborted, spooled=spooled)
                elif spooling is not None:
                    spooling.exported()
            finally:
                if spooling is not None:
                    health.end_export(spooled=spooled)
            return result

        def export_unspooled(self, metrics_data: Any) -> bool:
            """Export points read back from the spool: no failure accounting, nothing
            kept (a failed file stays in the spool)."""
            if self.aborted or self._closed:
                return False
            health.hold_sdk_messages()
            ok = False
            try:
                ok = self._call_inner(lambda: inner.export(metrics_data)) is self._success
            finally:
                health.end_export(spooled=not ok)  # a failed file stays in the spool
            return ok

        def force_flush(self, timeout_millis: float = 10_000) -> bool:
            return bool(inner.force_flush(timeout_millis=timeout_millis))

        def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
            spooling = self.spooling
            if spooling is not None and not self.aborted:
                # The last collection is exported: the spool's delivery gets the exporter
                # until it is over (an abort at the shutdown's bound cuts it off).
                spooling.before_close()
            self._close()

    return GuardedMetricExporter()


def shut_down_inner(inner: object, what: str) -> None:
    """Shut the wrapped SDK exporter down (once: the caller holds the flag). HTTP: ends the
    retry backoff and closes the session; gRPC: closes the channel, which cancels the call
    in flight. A failure is logged at debug level, never raised."""
    try:
        inner.shutdown()  # type: ignore[attr-defined]
    except Exception:
        logger.debug("codex-otel: %s shutdown failed", what, exc_info=True)
