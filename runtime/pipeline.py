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
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import sys
import threading
import weakref
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from .config import (
    ConfigError,
    ExporterConfig,
    FileExporter,
    NoExporter,
    OtelConfig,
    OtlpGrpcExporter,
    OtlpHttpExporter,
    TlsConfig,
    url_without_secrets,
)
from .sdk_logs import SDK_LOGS, worker_of
from .types import AttributeValue

if TYPE_CHECKING:
    import requests
    from opentelemetry._logs import SeverityNumber
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
    from opentelemetry.sdk._logs.export import (
        BatchLogRecordProcessor,
        LogRecordExporter,
        LogRecordExportResult,
    )
    from opentelemetry.sdk._shared_internal._processor_metrics import ProcessorMetricsT
    from opentelemetry.sdk.resources import Resource
    from requests.sessions import _Settings

    from .sdk_logs import _Claim

__all__ = ["AttributeValue", "OtelUnavailable", "Pipeline", "start_pipeline"]

logger = logging.getLogger("codex_otel")

#: The instrumentation scope of every record.
SCOPE_NAME = "codex_otel"

# What the SDK logs below a frame of this module is this module's (see sdk_logs).
SDK_LOGS.owner_modules = frozenset({__name__})

#: Lower bound of the exporter's timeout. A very short `shutdown_timeout` means "do not
#: wait long at exit", not "give every export no time at all"; shutdown stays bounded by
#: the join and the abort either way.
_MIN_EXPORT_TIMEOUT = 1.0


class OtelUnavailable(RuntimeError):
    """The `otel` extra (opentelemetry-sdk and the OTLP exporters) is not installed."""


class Pipeline:
    """One running exporter pipeline. Built by `start_pipeline`; not constructed directly."""

    def __init__(
        self,
        *,
        provider: LoggerProvider,
        processor: BatchLogRecordProcessor,
        exporter: _GuardedExporter,
        health: _Health,
        emit: Callable[..., None],
        severity: SeverityNumber,
        description: str,
        sdk_logs: _Claim,
    ) -> None:
        self._provider = provider
        #: Held while the SDK may still log on this pipeline's behalf (see sdk_logs).
        self._sdk_logs = sdk_logs
        self._processor = processor
        self._exporter = exporter
        self._health = health
        # The logger's bound `emit` and the severity are looked up once here, not per event.
        self._emit = emit
        self._severity = severity
        self._description = description
        self._lock = threading.Lock()
        #: Read on every `emit`; a plain attribute keeps the check cheap.
        self._closed = False
        self._flush_thread: threading.Thread | None = None
        self._flush_ok = False
        self._shutdown_ok = False
        self._shutdown_requested = threading.Event()
        self._shutdown_thread = self._standby_shutdown_thread()
        _after_fork_in_child(self._reinit_after_fork)

    # --- the hot path ----------------------------------------------------------------

    def emit(
        self, event_name: str, attributes: Mapping[str, AttributeValue], timestamp_ns: int
    ) -> bool:
        """Queue one event for export; False when shut down (the caller counts the drop).

        Never raises."""
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

    def force_flush(self, timeout: float) -> bool:
        """Export what is queued. Returns within `timeout` seconds; True if all was sent."""
        with self._lock:
            if self._closed:
                # Shutdown already flushed (or gave up); nothing is queued any more.
                return self._shutdown_ok
            thread = self._flush_thread
            # One flush at a time: a second caller joins the running flush instead of
            # piling up another thread behind the SDK's export lock.
            if thread is None or not thread.is_alive():
                thread = threading.Thread(
                    target=self._run_flush, name="codex-otel-flush", daemon=True
                )
                if not _start(thread):
                    return False
                self._flush_thread = thread
        thread.join(max(timeout, 0.0))
        return not thread.is_alive() and self._flush_ok

    def shutdown(self, timeout: float) -> bool:
        """Flush and stop, within `timeout` seconds (plus a few milliseconds). Idempotent.

        Returns True when every queued event was exported. When the time runs out, the
        exporter is aborted and what is still queued is discarded. The first shutdown of
        a pipeline that lost events logs the totals once.
        """
        delivered = self._shutdown(timeout)
        self._health.report_totals()
        return delivered

    def _shutdown(self, timeout: float) -> bool:
        with self._lock:
            self._closed = True
            if self._exporter.aborted:
                return False  # an earlier shutdown ran out of time and discarded the queue
            thread = self._shutdown_thread
            if thread is None:
                # The standby thread could not start. An inline SDK shutdown could block
                # for 30 s or more, so give up on the queue rather than on the bound.
                self._abort(timeout)
                self._sdk_logs.release()
                return False
            self._shutdown_requested.set()
        thread.join(max(timeout, 0.0))
        if thread.is_alive():
            self._abort(timeout)
            return False
        return self._shutdown_ok

    def _run_flush(self) -> None:
        failures_before = self._health.export_failures
        try:
            # The SDK ignores this timeout (#4568); the join in `force_flush` bounds it.
            flushed = self._processor.force_flush()
        except Exception:
            logger.debug("codex-otel: force_flush failed", exc_info=True)
            flushed = False
        self._flush_ok = flushed and self._health.export_failures == failures_before

    def _standby_shutdown_thread(self) -> threading.Thread | None:
        """The thread that will run the SDK's shutdown, started now and waiting.

        Started with the pipeline, not at shutdown: shutdown runs most often from the
        interpreter-exit hook, and Python 3.12 refuses new threads there ("can't create
        new thread at interpreter shutdown"). The thread is what bounds shutdown: the
        caller waits for it at most `timeout` seconds, then aborts the exporter.
        """
        thread = threading.Thread(
            target=self._shutdown_when_asked, name="codex-otel-shutdown", daemon=True
        )
        return thread if _start(thread) else None

    def _shutdown_when_asked(self) -> None:
        self._shutdown_requested.wait()
        self._run_shutdown()

    def _run_shutdown(self) -> None:
        failures_before = self._health.export_failures
        try:
            # The worker exports everything queued, then the exporter is shut down.
            self._provider.shutdown()
            finished = True
        except Exception:
            logger.debug("codex-otel: SDK shutdown failed", exc_info=True)
            finished = False
        finally:
            # The worker has been joined and the exporter closed: the SDK logs no more
            # for this pipeline (after an abort, only now).
            self._sdk_logs.release()
        self._shutdown_ok = (
            finished
            and not self._exporter.aborted
            and self._health.export_failures == failures_before
        )

    def _abort(self, timeout: float) -> None:
        if not self._exporter.abort():
            return  # a concurrent shutdown call got here first and said so
        logger.warning(
            "codex-otel: shutdown gave up after %.1fs; events not yet exported to %s are "
            "dropped (collector unreachable or slow)",
            timeout,
            self._description,
        )

    def _reinit_after_fork(self) -> None:
        # A lock held by another thread at fork time would stay locked in the child, and
        # the parent's threads do not exist there.
        self._lock = threading.Lock()
        self._flush_thread = None
        self._shutdown_requested = threading.Event()
        self._shutdown_thread = None if self._closed else self._standby_shutdown_thread()

    def __repr__(self) -> str:
        state = "shut down" if self._closed else "running"
        return f"Pipeline({self._description}, {state})"


def start_pipeline(config: OtelConfig, *, service_version: str) -> Pipeline | None:
    """Build and start the exporter pipeline `config` asks for.

    Returns None when nothing is exported: `exporter = "none"`, or the SDK is disabled
    (`sdk_disabled`, or OTEL_SDK_DISABLED=true seen by the SDK itself). Raises
    `OtelUnavailable` when the `otel` extra is not installed, and `ConfigError` when the
    exporter cannot be set up (an unreadable certificate, a file that cannot be opened).
    """
    if isinstance(config.exporter, NoExporter) or config.sdk_disabled:
        return None
    try:
        import opentelemetry._logs
        import opentelemetry.sdk._logs  # noqa: F401 (checked here: the extra is installed)
    except ImportError as error:
        raise _unavailable(error) from error

    health = _Health(description=_describe(config.exporter))
    # From here on, what the SDK logs is this pipeline's: counted, not printed.
    sdk_logs = SDK_LOGS.claim(health)
    try:
        with SDK_LOGS.building(sdk_logs):
            pipeline = _build_pipeline(config, service_version, health, sdk_logs)
    except BaseException:
        sdk_logs.release()
        raise
    if pipeline is None:
        sdk_logs.release()
    return pipeline


def _build_pipeline(
    config: OtelConfig, service_version: str, health: _Health, sdk_logs: _Claim
) -> Pipeline | None:
    from opentelemetry._logs import NoOpLogger
    from opentelemetry.metrics import NoOpMeterProvider
    from opentelemetry.sdk._logs import LoggerProvider

    # The SDK's self-metrics (OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED) would otherwise
    # register instruments on the host's global MeterProvider.
    meter_provider = NoOpMeterProvider()
    provider = LoggerProvider(
        resource=_resource(config, service_version),
        # `Telemetry` registers its own, bounded, atexit hook; the SDK's is unbounded.
        shutdown_on_exit=False,
        meter_provider=meter_provider,
    )
    otel_logger = provider.get_logger(SCOPE_NAME, _package_version())
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
    )


def _assemble(
    config: OtelConfig,
    *,
    provider: LoggerProvider,
    meter_provider: MeterProvider,
    otel_logger: Any,
    health: _Health,
    sdk_logs: _Claim,
) -> Pipeline:
    """The exporter, the batch processor and the `Pipeline` around them."""
    from opentelemetry._logs import SeverityNumber
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExportResult

    export_timeout = _export_timeout(config)
    try:
        inner = _build_exporter(config.exporter, export_timeout, meter_provider)
    except ImportError as error:
        raise _unavailable(error) from error
    exporter = _GuardedExporter(
        inner,
        health,
        success=LogRecordExportResult.SUCCESS,
        failure=LogRecordExportResult.FAILURE,
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
    if not _install_drop_counter(processor, health):
        logger.debug("codex-otel: this SDK version hides queue drops; `dropped` stays 0")
    sdk_logs.worker = worker_of(processor)
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


# --- failure accounting ------------------------------------------------------------------


class _Health:
    """Loss counters shared by emitting threads, the batch worker and the pipeline.

    Each kind of loss is logged once (a warning on `codex_otel`) and counted after that:
    under a collector outage the per-event alternative would flood the host's logs.
    """

    def __init__(self, *, description: str) -> None:
        self.description = description
        self.dropped = 0
        self.export_failures = 0
        self.emit_errors = 0
        #: WARNING and worse messages the SDK logged for this pipeline (see sdk_logs).
        self.sdk_messages = 0
        self._reported: set[str] = set()
        self._lock = threading.Lock()
        _after_fork_in_child(self._reinit_after_fork)

    def add_dropped(self, count: int) -> None:
        with self._lock:
            self.dropped += count
            first = self._first("dropped")
        if first:
            logger.warning(
                "codex-otel: the export queue is full and events are being dropped: "
                "exporting to %s cannot keep up (collector down or slow?); further drops "
                "are counted, not logged",
                self.description,
            )

    def add_export_failure(self, *, report: bool = True) -> None:
        with self._lock:
            self.export_failures += 1
            first = report and self._first("export")
        if first:
            logger.warning(
                "codex-otel: exporting events to %s failed; further failures are counted, "
                "not logged",
                self.description,
            )

    def report_totals(self) -> None:
        """At shutdown, once: how much was lost over the pipeline's life.

        The first drop and the first failure were logged when they happened, without a
        count (it was 1 then); this is where the operator learns how many followed."""
        with self._lock:
            dropped, failures, errors = self.dropped, self.export_failures, self.emit_errors
            messages = self.sdk_messages
            first = (dropped or failures or errors or messages) and self._first("totals")
        if first:
            logger.warning(
                "codex-otel: totals at shutdown for %s: %d events dropped (export queue "
                "full), %d export batches failed, %d events refused by the SDK, %d SDK "
                "warnings",
                self.description,
                dropped,
                failures,
                errors,
                messages,
            )

    def add_sdk_message(self, record: logging.LogRecord) -> None:
        """A WARNING or worse the SDK logged for this pipeline: counted, the first one
        reported by its logger's name and level. Not by its text: the SDK quotes the
        endpoint as configured, credentials in the URL included."""
        with self._lock:
            self.sdk_messages += 1
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
        self._lock = threading.Lock()


class _DropCounter:
    """The batch processor's metrics recorder, wrapped to count queue-full drops.

    SDK 1.45's `BatchProcessor.emit` calls `metrics.drop_items(1)` exactly when the queue
    is full and it evicts the oldest record; that is the only place the drop is visible.
    Hooking it costs nothing on the normal path (no queue-length check per event).
    """

    def __init__(self, inner: ProcessorMetricsT, health: _Health) -> None:
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


def _install_drop_counter(processor: BatchLogRecordProcessor, health: _Health) -> bool:
    # Private SDK attributes (1.45: `_batch_processor._metrics`); checked, not assumed,
    # so a future SDK that moves them costs the counter, not the pipeline.
    batch_processor = getattr(processor, "_batch_processor", None)
    metrics = getattr(batch_processor, "_metrics", None)
    if batch_processor is None or not callable(getattr(metrics, "drop_items", None)):
        return False
    batch_processor._metrics = _DropCounter(cast("ProcessorMetricsT", metrics), health)
    return True


class _GuardedExporter:
    """The configured exporter, counting failed batches and abortable at shutdown.

    It has `LogRecordExporter`'s interface (`export`, `shutdown`, `force_flush`) without
    subclassing it: this module imports no OpenTelemetry at import time, and the batch
    processor only calls these methods.
    """

    def __init__(
        self,
        inner: LogRecordExporter,
        health: _Health,
        *,
        success: LogRecordExportResult,
        failure: LogRecordExportResult,
    ) -> None:
        self._inner = inner
        self._health = health
        self._success = success
        self._failure = failure
        self._lock = threading.Lock()
        self._closed = False
        #: Set when shutdown ran out of time: later batches fail at once, without I/O.
        self.aborted = False
        self._inherited_pools: list[object] = []
        _after_fork_in_child(self._reinit_after_fork)

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        if self.aborted:
            return self._failure
        try:
            result = self._inner.export(batch)
        except Exception:
            # The SDK's exporters report failures by result; an exception is a bug or an
            # encoding problem, and the batch processor would only log it with a traceback.
            logger.debug("codex-otel: the exporter raised", exc_info=True)
            result = self._failure
        if result is not self._success:
            # A batch cut off by an abort is already covered by shutdown's own warning.
            self._health.add_export_failure(report=not self.aborted)
        return result

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self._inner.force_flush(timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000) -> None:
        self._close()

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

    def _reinit_after_fork(self) -> None:
        self._lock = threading.Lock()
        # Kept alive, never closed: see `_fresh_connection_pools`.
        self._inherited_pools = _fresh_connection_pools(self._inner)

    def _close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            # HTTP: sets the event the retry backoff waits on, closes the session.
            # gRPC: the same, and closing the channel cancels the call in flight.
            self._inner.shutdown()  # type: ignore[no-untyped-call]
        except Exception:
            logger.debug("codex-otel: exporter shutdown failed", exc_info=True)


def _fresh_connection_pools(exporter: object) -> list[object]:
    """In a forked child, give an OTLP/HTTP exporter new, empty connection pools.

    The pools hold the parent's keep-alive connections. A child that reused one would
    share a TCP stream with its parent: requests interleaved (answered 400), answers
    read by the wrong process, batches sent twice or lost. The inherited pools are
    returned for the caller to keep: closing them, even by the garbage collector, takes
    locks that a thread of the parent may have held at fork time, and would only close
    the child's copies of the sockets. (gRPC handles fork itself.)

    SDK-private attributes (1.45: requests `_client._transport._session` for protobuf,
    urllib3 `_client._transport._pool` for JSON), looked up, not assumed.
    """
    transport = getattr(getattr(exporter, "_client", None), "_transport", None)
    adapters = getattr(getattr(transport, "_session", None), "adapters", None)
    holders = [(transport, "_pool")]
    if isinstance(adapters, Mapping):
        holders += [(adapter, "poolmanager") for adapter in adapters.values()]
    inherited: list[object] = []
    for holder, attribute in holders:
        pool = getattr(holder, attribute, None)
        settings = getattr(pool, "connection_pool_kw", None)
        if pool is None or not isinstance(settings, dict):
            continue
        try:
            setattr(holder, attribute, type(pool)(headers=pool.headers, **settings))
        except Exception:
            logger.debug("codex-otel: cannot renew connections after fork", exc_info=True)
            continue
        inherited.append(pool)
        proxies = getattr(holder, "proxy_manager", None)
        if isinstance(proxies, dict) and proxies:  # requests recreates these on demand
            inherited.append(dict(proxies))
            proxies.clear()
    return inherited


# --- building the pieces -------------------------------------------------------------------


def _resource_attributes(config: OtelConfig, service_version: str) -> dict[str, str]:
    """The resource's attributes, lowest precedence first; the runtime's own keys win."""
    from opentelemetry.sdk import resources

    attributes: dict[str, str] = {
        resources.TELEMETRY_SDK_LANGUAGE: "python",
        resources.TELEMETRY_SDK_NAME: "opentelemetry",
        resources.TELEMETRY_SDK_VERSION: _sdk_version(),
    }
    # `Resource.create` would add service.instance.id, but it also reads
    # OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME from the process environment, which
    # would bypass the config's precedence. The SDK replaces this id in a forked child.
    detector = getattr(resources, "ServiceInstanceIdResourceDetector", None)
    if detector is not None:
        for key, value in detector().detect().attributes.items():
            attributes[key] = str(value)
    attributes.update(config.resource_attributes)
    attributes[resources.SERVICE_NAME] = config.service_name
    attributes[resources.SERVICE_VERSION] = service_version
    attributes["env"] = config.environment
    return attributes


def _resource(config: OtelConfig, service_version: str) -> Resource:
    from opentelemetry.sdk.resources import Resource

    return Resource(_resource_attributes(config, service_version))


def _build_exporter(
    config: ExporterConfig, timeout: float, meter_provider: MeterProvider
) -> LogRecordExporter:
    if isinstance(config, OtlpHttpExporter):
        return _http_exporter(config, timeout, meter_provider)
    if isinstance(config, OtlpGrpcExporter):
        return _grpc_exporter(config, timeout, meter_provider)
    if isinstance(config, FileExporter):
        return _file_exporter(config)
    raise ConfigError(f"otel.exporter: cannot export with {config!r}")


def _export_timeout(config: OtelConfig) -> float:
    """Seconds one `export()` call may take, all retries included.

    The OTLP exporters (1.45) treat `timeout` as the deadline of a whole export: up to 6
    attempts, backing off 2**n seconds (+-20% jitter; 1, 2, 4 s ...), a retry skipped when
    its backoff would pass the deadline; HTTP retries 429/502/503/504 and connection
    errors (honouring Retry-After), gRPC retries UNAVAILABLE, DEADLINE_EXCEEDED and the
    like. Capping it at the shutdown timeout means an export that is in flight when
    shutdown starts cannot outlive the shutdown by much, even on a daemon thread.
    """
    bound = max(_MIN_EXPORT_TIMEOUT, config.shutdown_timeout)
    exporter = config.exporter
    if isinstance(exporter, OtlpHttpExporter | OtlpGrpcExporter):
        return min(exporter.timeout, bound)
    return bound


def _http_exporter(
    config: OtlpHttpExporter, timeout: float, meter_provider: MeterProvider
) -> LogRecordExporter:
    tls = _tls_files(config.tls, config.endpoint, "otlp-http")
    # The exporters also merge OTEL_EXPORTER_OTLP_[LOGS_]HEADERS beneath these headers
    # (and read the certificate variables when no file is given); `load_config` has
    # already applied the same variables with the same precedence, so that adds nothing.
    # Endpoint, timeout and compression are always passed, so those variables are not
    # read again (the SDK would read OTEL_EXPORTER_OTLP_TIMEOUT as seconds).
    headers = dict(config.headers)
    if config.protocol == "json":
        from opentelemetry.exporter.otlp.common.http import Compression as JsonCompression

        from .otlp_json import json_http_exporter

        # The JSON exporter (0.66b1) supports TLS, mTLS, headers and gzip like the
        # protobuf one; it only lacks `meter_provider` (it records no self-metrics).
        # Its encoder writes an empty body object that strict receivers refuse; the
        # wrapper's does not (see otlp_json).
        return json_http_exporter(
            endpoint=config.endpoint,
            certificate_file=tls.ca,
            client_key_file=tls.key,
            client_certificate_file=tls.certificate,
            headers=headers,
            timeout=timeout,
            compression=(
                JsonCompression.GZIP if config.compression == "gzip" else JsonCompression.NONE
            ),
        )
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

    return OTLPLogExporter(
        # Used as written: the config's endpoint already ends in /v1/logs.
        endpoint=config.endpoint,
        session=_session_trusting(tls.ca) if tls.ca is not None else None,
        certificate_file=tls.ca,
        client_key_file=tls.key,
        client_certificate_file=tls.certificate,
        headers=headers,
        timeout=timeout,
        compression=Compression.Gzip if config.compression == "gzip" else Compression.NoCompression,
        meter_provider=meter_provider,
    )


def _session_trusting(ca: str) -> requests.Session:
    """A requests session that verifies the collector against the configured CA.

    requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in the environment override a
    session's own `verify` (psf/requests#3829), so the CA the config names would be
    silently replaced by the system bundle wherever those are set (many corporate and
    container images). Without a configured CA the environment keeps its say.
    """
    import requests

    class ConfiguredTrustSession(requests.Session):
        def merge_environment_settings(
            self,
            url: str | bytes | None,
            proxies: MutableMapping[str, str] | None,
            stream: bool | None,
            verify: Any,
            cert: Any,
        ) -> _Settings:
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if isinstance(self.verify, str):
                settings["verify"] = self.verify
            return settings

    session = ConfiguredTrustSession()
    session.verify = ca
    return session


def _grpc_exporter(
    config: OtlpGrpcExporter, timeout: float, meter_provider: MeterProvider
) -> LogRecordExporter:
    import grpc
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

    tls = _tls_files(config.tls, config.endpoint, "otlp-grpc")
    credentials = None
    if config.tls is not None:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=tls.ca_pem,
            private_key=tls.key_pem,
            certificate_chain=tls.certificate_pem,
        )
    return OTLPLogExporter(
        endpoint=config.endpoint,
        # Plaintext only for an explicit http:// endpoint; https:// and bare host:port
        # use TLS (the system's roots unless the config names a CA).
        insecure=config.endpoint.lower().startswith("http://"),
        credentials=credentials,
        # gRPC rejects metadata keys with upper-case letters.
        headers={name.lower(): value for name, value in config.headers.items()} or None,
        timeout=timeout,
        compression=(
            grpc.Compression.Gzip
            if config.compression == "gzip"
            else grpc.Compression.NoCompression
        ),
        meter_provider=meter_provider,
    )


def _file_exporter(config: FileExporter) -> LogRecordExporter:
    from .otlp_json import json_file_exporter

    if config.path == "-":
        # The stream as it is now (a test's capture, a redirected stdout); not owned, so
        # shutdown flushes it but never closes it.
        return json_file_exporter(stream=sys.stdout)
    try:
        return json_file_exporter(path=config.path)
    except OSError as error:
        raise ConfigError(
            f"otel.exporter.file.path: cannot open {config.path!r} for appending: "
            f"{error.strerror or error}"
        ) from error


class _TlsFiles(NamedTuple):
    """The configured TLS files: paths (for the HTTP exporters) and contents (for gRPC)."""

    ca: str | None = None
    certificate: str | None = None
    key: str | None = None
    ca_pem: bytes | None = None
    certificate_pem: bytes | None = None
    key_pem: bytes | None = None


def _tls_files(tls: TlsConfig | None, endpoint: str, kind: str) -> _TlsFiles:
    """Check the TLS settings and read their files now.

    A bad path fails at startup with the key and the path named, not at every export.
    """
    if tls is None:
        return _TlsFiles()
    if endpoint.lower().startswith("http://"):
        raise ConfigError(
            f"otel.exporter.{kind}.tls: TLS settings are given but the endpoint "
            f"{endpoint!r} is plain http://; use an https:// endpoint"
        )
    ca, certificate, key = tls.ca_certificate, tls.client_certificate, tls.client_private_key
    if (certificate is None) != (key is None):
        given = "client-certificate" if key is None else "client-private-key"
        raise ConfigError(
            f"otel.exporter.{kind}.tls.{given}: is set alone; client-certificate and "
            "client-private-key come as a pair (give both or neither)"
        )
    return _TlsFiles(
        ca=_path(ca),
        certificate=_path(certificate),
        key=_path(key),
        ca_pem=_read(ca, f"otel.exporter.{kind}.tls.ca-certificate"),
        certificate_pem=_read(certificate, f"otel.exporter.{kind}.tls.client-certificate"),
        key_pem=_read(key, f"otel.exporter.{kind}.tls.client-private-key"),
    )


def _path(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _read(path: Path | None, key: str) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{key}: cannot read {str(path)!r}: {error.strerror or error}") from error


def _describe(config: ExporterConfig) -> str:
    """The destination for messages; never the headers (they may hold credentials)."""
    if isinstance(config, OtlpHttpExporter | OtlpGrpcExporter):
        return f"{config.kind} {url_without_secrets(config.endpoint)}"
    if isinstance(config, FileExporter):
        return "standard output" if config.path == "-" else f"file {config.path}"
    return config.kind


def _package_version() -> str | None:
    try:
        return importlib.metadata.version("codex-otel")
    except importlib.metadata.PackageNotFoundError:
        return None


def _sdk_version() -> str:
    from opentelemetry.sdk.version import __version__

    return str(__version__)


def _unavailable(error: ImportError) -> OtelUnavailable:
    return OtelUnavailable(
        f"the OpenTelemetry SDK or exporter is not installed ({error}); install codex-otel[otel]"
    )


def _start(thread: threading.Thread) -> bool:
    try:
        thread.start()
    except RuntimeError:
        # "can't create new thread at interpreter shutdown", or out of threads.
        logger.debug("codex-otel: cannot start %s", thread.name, exc_info=True)
        return False
    return True


def _after_fork_in_child(method: Callable[[], None]) -> None:
    """Call the bound `method` in a forked child, without keeping its object alive."""
    if not hasattr(os, "register_at_fork"):
        return
    ref = weakref.WeakMethod(method)

    def hook() -> None:
        alive = ref()
        if alive is not None:
            alive()

    os.register_at_fork(after_in_child=hook)
