"""The exporter pipeline: an own OpenTelemetry `LoggerProvider`, batch worker and OTLP exporter.

`start_pipeline(config, service_version=...)` builds, from an `OtelConfig`:

    Pipeline.emit ──▶ Logger ("codex_otel" scope) ──▶ BatchLogRecordProcessor ──▶ exporter
                                                       (queue + worker thread)     (OTLP/HTTP
                                                                                    protobuf or
                                                                                    JSON, gRPC,
                                                                                    JSON lines)

What this module guarantees on top of the SDK (opentelemetry-sdk 1.45):

- Nothing global. The provider is private to the pipeline: no `set_logger_provider`, no
  logging handler, no atexit hook (`Telemetry` registers its own, bounded one), and the
  SDK's self-metrics go to a no-op meter provider instead of the host's global one. The
  host application's logging and OpenTelemetry setup stay as they were.
- Cheap imports. Importing this module imports no OpenTelemetry module at all;
  `start_pipeline` imports the SDK and only the exporter that is configured (gRPC only
  for `otlp-grpc`).
- `emit` never raises.
- `force_flush` and `shutdown` return within their timeout. The SDK does not bound them
  (its `force_flush` ignores its timeout, its `shutdown` joins the worker for up to 30 s
  and one export may retry for the exporter's whole timeout), so they run on a daemon
  helper thread that is joined with the caller's timeout. When shutdown runs out of
  time the exporter is aborted: retries stop, gRPC cancels the call in flight, and the
  batches still queued are discarded without network I/O.
- Loss is counted, not hidden: `dropped` (queue full) and `export_failures` (batches the
  exporter failed), each reported once on the `codex_otel` logger.
- Undelivered batches can be kept: given an `undelivered` hook, every batch the exporter
  failed, the batch in flight when shutdown gives up and everything still queued then are
  handed to it (the spool, `runtime/_spool.py`) instead of being discarded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from ._exporters import build_exporter, describe, export_timeout_of
from ._guarded_exporter import GuardedExporter
from ._health import Health, install_drop_counter
from ._lifecycle import BoundedLifecycle
from ._privacy import Privacy
from ._resource import distribution_version, sdk_resource
from ._sdk_compat import queue_length, queued, take_queued, worker_ident, worker_thread
from ._sdk_logs import SDK_LOGS
from ._signal import LOGS
from .config import ConfigError, NoExporter, OtelConfig
from .types import AttributeValue

if TYPE_CHECKING:
    from opentelemetry._logs import SeverityNumber
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter

    from ._sdk_logs import _Claim
    from ._write_ahead import WriteAhead

__all__ = ["AttributeValue", "OtelUnavailable", "Pipeline", "start_pipeline"]

logger = logging.getLogger("codex_otel")


#: After an abort, how long shutdown waits for the batch worker to hand over (and so
#: spool) a batch it had already taken from the queue.
_SET_ASIDE_WAIT = 0.05


class OtelUnavailable(RuntimeError):
    """The `otel` extra (opentelemetry-sdk and the OTLP exporters) is not installed."""


class Pipeline(BoundedLifecycle):
    """One running exporter pipeline. Built by `start_pipeline`; not constructed directly.

    `force_flush` and the bounded shutdown thread come from `BoundedLifecycle`."""

    _thread_prefix = "codex-otel"
    _message_prefix = "codex-otel: "

    def __init__(
        self,
        *,
        provider: LoggerProvider,
        processor: BatchLogRecordProcessor,
        exporter: GuardedExporter,
        health: Health,
        emit: Callable[..., None],
        severity: SeverityNumber,
        description: str,
        sdk_logs: _Claim,
    ) -> None:
        self._provider = provider
        self._sdk_logs = sdk_logs
        #: The same, read on every emit (`BackgroundPipeline.emit` names it in `CALLING`).
        self.sdk_logs = sdk_logs
        self._processor = processor
        self._exporter = exporter
        self._health = health
        # The logger's bound `emit` and the severity are looked up once here, not per event.
        self._emit = emit
        self._severity = severity
        self._description = description
        #: Run by the shutdown thread after the pipeline's own events were delivered
        #: (`shutdown(then=...)`: the spool's delivery at exit), and whether it runs.
        self._then: Callable[[], object] | None = None
        self._delivering_at_exit = False
        #: Set once the SDK's shutdown is over (what was queued is settled).
        self._own_settled = threading.Event()
        self._start_lifecycle()

    # --- the hot path ----------------------------------------------------------------

    def emit(
        self,
        event_name: str,
        attributes: Mapping[str, AttributeValue],
        timestamp_ns: int,
        context: Any = None,
    ) -> bool:
        """Queue one event for export; False when shut down (the caller counts the drop).

        The record carries the trace and span id of `context`'s span (an event emitted
        before the pipeline ran, replayed on the start thread), by default of the
        caller's current span (the SDK reads the caller's context). Never raises."""
        if self._closed:
            return False
        try:
            # No body: the event name travels in the record's own `event_name` field
            # (OTLP LogRecord field 12), and a body would repeat it on every record.
            # The observed time is the event's time: the caller takes it right before
            # handing the event over, so a second clock read would add nothing.
            self._emit(
                timestamp=timestamp_ns,
                observed_timestamp=timestamp_ns,
                severity_number=self._severity,
                severity_text="INFO",
                attributes=attributes,
                event_name=event_name,
                context=context,
            )
        except Exception:
            # Telemetry must never break the host application.
            self._health.add_emit_error()
        return True

    # --- counters --------------------------------------------------------------------

    @property
    def dropped(self) -> int:
        """Events the batch queue dropped because it was full (a slow or dead collector)."""
        return self._health.dropped

    @property
    def export_failures(self) -> int:
        """Batches the exporter failed to deliver (after its own retries)."""
        return self._health.export_failures

    @property
    def emit_errors(self) -> int:
        """Events the SDK refused with an exception (invalid attribute values, say)."""
        return self._health.emit_errors

    @property
    def sdk_messages(self) -> int:
        """Warnings and errors the SDK logged for this pipeline (kept off the host's logs)."""
        return self._health.sdk_messages

    # --- lifecycle -------------------------------------------------------------------

    def shutdown(self, timeout: float, *, then: Callable[[], object] | None = None) -> bool:
        """Flush and stop, within `timeout` seconds (plus a few milliseconds). Idempotent.

        Returns True when every queued event was exported. When the time runs out, the
        exporter is aborted and what is still queued is discarded. The first shutdown of
        a pipeline that lost events logs the totals once.

        `then` (the spool's delivery at exit) runs on the shutdown thread after every
        queued event was exported and the latest export reached the collector, with the
        exporter still open (`deliver_spooled` works); never when the collector failed.
        It gets what is left of `timeout` (its own deadline is its business); when the
        time runs out the exporter is closed under it and this returns anyway.
        """
        delivered = self._shutdown(timeout, then)
        self._health.report_totals()
        return delivered

    def _shutdown(self, timeout: float, then: Callable[[], object] | None = None) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closed = True
            if self._exporter.aborted:
                return False  # an earlier shutdown ran out of time and discarded the queue
            thread = self._shutdown_thread
            if thread is None:
                self._give_up(timeout)
                return False
            if then is not None and not self._shutdown_requested.is_set():
                self._then = then
                self._exporter.hold_open()  # closed by the shutdown thread after `then`
            self._shutdown_requested.set()
        if self._then is None:
            return self._join_shutdown(thread, timeout) and self._shutdown_ok
        if not self._own_settled.wait(max(timeout, 0.0)):
            # The pipeline's own events ran out of time: as without `then` (which the
            # shutdown thread now skips: the exporter is aborted).
            self._abort(timeout)
            return False
        delivered = self._shutdown_ok
        thread.join(max(deadline - time.monotonic(), 0.0))
        if thread.is_alive():
            # The delivery of the spool ran out of time: its export in flight is cut off
            # (the caller puts its file back). The pipeline's own events are delivered.
            self._exporter.abort()
        return delivered

    def _after_shutdown(self, delivered: bool) -> None:
        write_ahead = self._exporter.write_ahead
        if delivered and write_ahead is not None:
            # Every event was exported: what a file still covers (dropped from a full
            # queue) becomes pending instead of staying claimed by a process gone soon.
            try:
                write_ahead.close()
            except Exception:  # never let the spool's bookkeeping hold the exit up
                logger.debug("codex-otel: settling the write-ahead files failed", exc_info=True)
        self._own_settled.set()
        then = self._then
        if then is None:
            return
        try:
            if delivered and self._exporter.last_export_ok and not self._exporter.aborted:
                self._delivering_at_exit = True
                then()
        except Exception:  # never let the delivery of old events hurt the host
            logger.debug("codex-otel: delivering the spool at exit failed", exc_info=True)
        finally:
            self._delivering_at_exit = False
            self._exporter.close_held()

    def _flush_provider(self, timeout: float) -> bool:
        # The SDK ignores a timeout here (#4568); the join in `force_flush` bounds it.
        return self._processor.force_flush()

    @property
    def _exporter_aborted(self) -> bool:
        return self._exporter.aborted

    def _abort(self, timeout: float) -> None:
        with SDK_LOGS.calling_for(self._sdk_logs):
            aborted = self._exporter.abort()
        if not aborted:
            return  # a concurrent shutdown call got here first and said so
        if self._exporter.keeps_undelivered:
            # Expected whenever the collector is away at exit, and nothing is lost.
            logger.info(
                "codex-otel: shutdown gave up after %.1fs; events not yet exported to %s are "
                "spooled for the next run",
                timeout,
                self._description,
            )
            self._set_aside_all()
            return
        logger.warning(
            "codex-otel: shutdown gave up after %.1fs; events not yet exported to %s are "
            "dropped (collector unreachable or slow)",
            timeout,
            self._description,
        )

    def write_ahead_with(self, write_ahead: WriteAhead) -> None:
        """Write each batch to disk before its export (`_write_ahead.py`); set by the start
        before the first event is queued."""
        self._exporter.write_ahead = write_ahead

    @property
    def closed(self) -> bool:
        return self._closed

    def stuck_export_s(self) -> float:
        """How long the export in flight has been running (0: none, or shut down)."""
        exporter = self._exporter
        if self._closed or not exporter.exporting:
            return 0.0
        return time.monotonic() - exporter.in_flight_since

    @property
    def collector_failing(self) -> bool:
        """The latest export failed (`_write_ahead.QueueDrainer`)."""
        return not self._exporter.last_export_ok and self._health.export_failures > 0

    def take_queued(self) -> list[ReadableLogRecord]:
        """Empty the batch queue, oldest first (`_write_ahead.py`: a stuck export), each
        record cleaned (`_privacy.py`): it goes to the spool without an export."""
        records = take_queued(self._processor)
        self._exporter.clean(records)
        return records

    def queue_length(self) -> int:
        """How many records the batch queue holds (`_write_ahead.QueueDrainer`)."""
        return queue_length(self._processor)

    def queued(self) -> list[ReadableLogRecord]:
        """What the batch queue holds, oldest first, left in it (`_write_ahead.py`: each
        record cleaned, as the write-ahead file and the export see it)."""
        records = queued(self._processor)
        self._exporter.clean(records)
        return records

    def spool_now(self) -> None:
        """A signal ends the process (`_signals.py`): no more exports; the batch in flight
        and what is queued go to the spool now. Never raises."""
        self._closed = True
        if not (self._exporter.keeps_undelivered and self._exporter.abort()):
            return  # nothing to keep, or an earlier abort kept it already
        self._set_aside_all()

    def _set_aside_all(self) -> None:
        """After an abort: the batch in flight, then the queue, to the spool."""
        self._exporter.set_aside_in_flight_and(take_queued(self._processor))
        worker = worker_thread(self._processor)
        if worker is not None and not self._exporter.exporting:
            # The worker may hold a batch it took from the queue just before the abort
            # and not yet handed to the exporter: the exporter now fails it at once and
            # spools it, on the worker's (daemon) thread. Wait for that, briefly.
            worker.join(_SET_ASIDE_WAIT)

    def deliver_spooled(self, records: Sequence[ReadableLogRecord]) -> bool:
        """Export records read back from the spool, now, bypassing the queue; True if the
        collector took them. Failures are the caller's to keep (they are never re-spooled)."""
        if self._closed and not self._delivering_at_exit:
            return False
        return self._exporter.export_unspooled(records)

    def __repr__(self) -> str:
        state = "shut down" if self._closed else "running"
        return f"Pipeline({self._description}, {state})"


def start_pipeline(
    config: OtelConfig,
    *,
    service_version: str,
    undelivered: Callable[[Sequence[ReadableLogRecord]], bool] | None = None,
    spool_location: str | None = None,
    privacy: Privacy | None = None,
) -> Pipeline | None:
    """Build and start the exporter pipeline `config` asks for.

    Returns None when nothing is exported: `exporter = "none"`, or the SDK is disabled
    (`sdk_disabled`, or OTEL_SDK_DISABLED=true seen by the SDK itself). Raises
    `OtelUnavailable` when the `otel` extra is not installed, and `ConfigError` when the
    exporter cannot be set up (an unreadable certificate, a file that cannot be opened).
    `undelivered` receives the batches that could not be delivered (see the module doc),
    and returns whether it kept them all; `spool_location` says where, in the totals.
    `privacy` cleans each record before the write-ahead file, the spool and the exporter
    see it (`_privacy.py`); by default one made from `config`.
    """
    if isinstance(config.exporter, NoExporter) or config.sdk_disabled:
        return None
    try:
        import opentelemetry._logs
        import opentelemetry.sdk._logs  # noqa: F401 (checked here: the extra is installed)
    except ImportError as error:
        raise _unavailable(error) from error

    health = Health(description=describe(config.exporter))
    health.spooling = undelivered is not None
    health.spool_location = spool_location
    privacy = privacy if privacy is not None else Privacy(config)
    privacy.import_the_scrubber()
    clean = privacy.clean_records
    # From here on, what the SDK logs is this pipeline's: counted, not printed.
    return SDK_LOGS.build_claimed(
        health,
        lambda sdk_logs: _build_pipeline(
            config, service_version, health, sdk_logs, undelivered, clean=clean
        ),
    )


def _build_pipeline(
    config: OtelConfig,
    service_version: str,
    health: Health,
    sdk_logs: _Claim,
    undelivered: Callable[[Sequence[ReadableLogRecord]], bool] | None,
    *,
    clean: Callable[[Sequence[ReadableLogRecord]], None],
) -> Pipeline | None:
    from opentelemetry._logs import NoOpLogger
    from opentelemetry.metrics import NoOpMeterProvider
    from opentelemetry.sdk._logs import LoggerProvider

    # The SDK's self-metrics (OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED) would otherwise
    # register instruments on the host's global MeterProvider.
    meter_provider = NoOpMeterProvider()
    provider = LoggerProvider(
        resource=sdk_resource(config, service_version),
        # `Telemetry` registers its own, bounded, atexit hook; the SDK's is unbounded.
        shutdown_on_exit=False,
        meter_provider=meter_provider,
    )
    otel_logger = provider.get_logger(config.scope_name, distribution_version("codex-otel"))
    if isinstance(otel_logger, NoOpLogger):
        # OTEL_SDK_DISABLED=true in the process environment: the SDK would drop
        # everything, so report "nothing to export" instead of running a worker.
        logger.debug("codex-otel: OTEL_SDK_DISABLED is set; not exporting")
        return None
    return _assemble(
        config,
        provider=provider,
        meter_provider=meter_provider,
        otel_logger=otel_logger,
        health=health,
        sdk_logs=sdk_logs,
        undelivered=undelivered,
        clean=clean,
    )


def _assemble(
    config: OtelConfig,
    *,
    provider: LoggerProvider,
    meter_provider: MeterProvider,
    otel_logger: Any,
    health: Health,
    sdk_logs: _Claim,
    undelivered: Callable[[Sequence[ReadableLogRecord]], bool] | None,
    clean: Callable[[Sequence[ReadableLogRecord]], None],
) -> Pipeline:
    """The exporter, the batch processor and the `Pipeline` around them."""
    from opentelemetry._logs import SeverityNumber
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExportResult

    export_timeout = export_timeout_of(config)
    try:
        inner = cast("LogRecordExporter", build_exporter(LOGS, config.exporter, export_timeout))
    except ImportError as error:
        raise _unavailable(error) from error
    exporter = GuardedExporter(
        inner,
        health,
        success=LogRecordExportResult.SUCCESS,
        failure=LogRecordExportResult.FAILURE,
        undelivered=undelivered,
        sdk_logs=sdk_logs,
        clean=clean,
    )
    batch = config.batch
    try:
        processor = BatchLogRecordProcessor(
            # The wrapper has the exporter's interface without subclassing it, because
            # this module may not import the SDK at import time.
            cast("LogRecordExporter", exporter),
            schedule_delay_millis=batch.schedule_delay_ms,
            max_export_batch_size=batch.max_export_batch_size,
            max_queue_size=batch.max_queue_size,
            # Unused by SDK 1.45 (#4555); passed so the intent is on record.
            export_timeout_millis=export_timeout * 1000,
            meter_provider=meter_provider,
        )
    except ValueError as error:
        exporter.abort()
        raise ConfigError(
            f"otel.batch: {error} (schedule_delay_ms={batch.schedule_delay_ms}, "
            f"max_queue_size={batch.max_queue_size}, "
            f"max_export_batch_size={batch.max_export_batch_size})"
        ) from error
    if not install_drop_counter(processor, health):
        logger.debug("codex-otel: this SDK version hides queue drops; `dropped` stays 0")
    sdk_logs.worker = worker_ident(processor)
    provider.add_log_record_processor(processor)
    return Pipeline(
        provider=provider,
        processor=processor,
        exporter=exporter,
        health=health,
        emit=otel_logger.emit,
        severity=SeverityNumber.INFO,
        description=health.description,
        sdk_logs=sdk_logs,
    )


def _unavailable(error: ImportError) -> OtelUnavailable:
    return OtelUnavailable(
        f"the OpenTelemetry SDK or exporter is not installed ({error}); install codex-otel[otel]"
    )
