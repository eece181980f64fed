"""The trace pipeline: an own OpenTelemetry `TracerProvider`, batch worker and OTLP span
exporter, which the span API (`Conversation.start_span`) starts spans on.

    pipeline.tracer.start_as_current_span ──▶ TracerProvider (sampler, span_attributes)
        ──▶ BatchSpanProcessor (queue + worker) ──▶ GuardedExporter ──▶ span exporter
                                                                        (OTLP/HTTP protobuf
                                                                         or JSON, gRPC, file)

A thin module over what the logs and metrics share (`_signal.TRACES` names the
exporters and the JSON encoder):

- Nothing global: the provider is private (never `trace.set_tracer_provider`: the host's
  own tracing is untouched), its atexit hook is off (`Telemetry` shuts it down within
  `shutdown_timeout`), its self-metrics go to a no-op meter provider, and what the SDK
  logs for it is counted, not printed (`_sdk_logs`).
- Usable at once: `start_traces` builds the provider, the sampler and the batch
  processor on the caller's thread, so `tracer` works when it returns; the exporter (the
  import of the OTLP transport, the TLS files read) is built on a daemon thread. A batch
  ready before it is waits for it in the worker, and the spans ended meanwhile wait in the
  batch queue. With `trace_exporter = "none"` nothing is imported at all.
- Bounded: `force_flush` and `shutdown` run the SDK's (unbounded) calls on daemon threads
  and wait at most their timeout (`_lifecycle.BoundedLifecycle`); when the time is up the
  exporter is aborted (retries stop, a gRPC call is cancelled).
- Spooled: with the spool on and an OTLP exporter, the spans of a failed export, and at
  an abort the batch in flight and everything still queued, go to the span spool
  (`_traces_spool.py`), delivered at the next start and as soon as an export succeeds
  again. A SIGTERM (where the application left its default) and a Ctrl-C during
  `Telemetry.shutdown()` spool what is in memory (`spool_now`, `_signals.py`).
- Fork-safe as the other pipelines: the batch worker restarts in a child (the SDK), the
  exporter's locks and connection pools are renewed (`GuardedExporter`), and a fork waits
  for the exporter's start (a fork during an import would leave the child its lock).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from ._background import START_WAIT
from ._fork import at_fork, fresh_connection_pools
from ._guarded_exporter import GuardedExporter
from ._health import Health, install_drop_counter
from ._lifecycle import BoundedLifecycle, start_thread
from ._sdk_compat import take_queued, worker_ident, worker_thread
from ._sdk_logs import SDK_LOGS
from ._signal import TRACES
from .config import ConfigError, NoExporter, OtelConfig, OtlpGrpcExporter, OtlpHttpExporter

if TYPE_CHECKING:
    import opentelemetry.trace
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
    from opentelemetry.sdk.trace.sampling import Sampler

    from ._sdk_logs import _Claim
    from ._traces_spool import SpanSpooling

__all__ = ["TracesPipeline", "start_traces"]

logger = logging.getLogger("codex_otel")

#: After an abort, how long shutdown waits for the batch worker to hand over (and so
#: spool) a batch it had already taken from the queue.
_SET_ASIDE_WAIT = 0.05


def start_traces(
    config: OtelConfig, service_version: str, health_report: Callable[[str, str], None]
) -> TracesPipeline | None:
    """The trace pipeline `config.trace_exporter` asks for, its tracer usable at once.

    None when nothing is exported: `trace_exporter = "none"` (nothing is imported then),
    the SDK is disabled (`sdk_disabled`, or OTEL_SDK_DISABLED seen by the SDK itself), or
    the SDK is not installed (reported through `health_report(kind, message)`, which
    reports each kind once). Raises `ConfigError` for what is wrong with the config on
    the caller's thread (TLS files that cannot be read or do not pair, an export file
    that cannot be opened, bad batch sizes, a sampler ratio outside [0, 1]); an exporter
    that fails to start later is reported through `health_report`, and its spans are not
    exported.
    """
    if isinstance(config.trace_exporter, NoExporter) or config.sdk_disabled:
        return None
    from ._exporters import check_exporter_now

    check_exporter_now(TRACES, config.trace_exporter)
    batch = config.batch
    if min(batch.schedule_delay_ms, batch.max_queue_size, batch.max_export_batch_size) <= 0 or (
        batch.max_export_batch_size > batch.max_queue_size
    ):
        # The logs check the same (`_startup.check_now`); a config built in code may be
        # checked here first, and the SDK would raise a bare ValueError.
        raise ConfigError(
            f"otel.batch: every setting must be positive and max_export_batch_size at most "
            f"max_queue_size (schedule_delay_ms={batch.schedule_delay_ms}, "
            f"max_queue_size={batch.max_queue_size}, "
            f"max_export_batch_size={batch.max_export_batch_size})"
        )
    if not 0.0 <= config.traces_sampler_arg <= 1.0:
        raise ConfigError(
            f"otel.traces_sampler_arg: expected a number from 0 to 1, got "
            f"{config.traces_sampler_arg!r}"
        )
    try:
        import opentelemetry.sdk.trace  # noqa: F401 (checked here: the extra is installed)
    except ImportError as error:
        health_report(
            "traces-unavailable",
            f"codex-otel: trace_exporter {config.trace_exporter.kind!r} is configured but the "
            f"OpenTelemetry SDK cannot be imported ({error}); install codex-otel[otel]. "
            "Spans are not exported.",
        )
        return None
    from ._exporters import describe

    health = Health(description=f"{describe(config.trace_exporter)} (traces)", items="spans")
    return SDK_LOGS.build_claimed(
        health, lambda sdk_logs: _build(config, service_version, health, sdk_logs, health_report)
    )


def sampler_of(config: OtelConfig) -> Sampler:
    """The SDK sampler `traces_sampler` and `traces_sampler_arg` name."""
    from opentelemetry.sdk.trace import sampling

    ratio = config.traces_sampler_arg
    samplers: dict[str, Callable[[], Sampler]] = {
        "always_on": lambda: sampling.ALWAYS_ON,
        "always_off": lambda: sampling.ALWAYS_OFF,
        "traceidratio": lambda: sampling.TraceIdRatioBased(ratio),
        "parentbased_always_on": lambda: sampling.ParentBased(sampling.ALWAYS_ON),
        "parentbased_always_off": lambda: sampling.ParentBased(sampling.ALWAYS_OFF),
        "parentbased_traceidratio": lambda: sampling.ParentBased(sampling.TraceIdRatioBased(ratio)),
    }
    return samplers[config.traces_sampler]()


def _build(
    config: OtelConfig,
    service_version: str,
    health: Health,
    sdk_logs: _Claim,
    health_report: Callable[[str, str], None],
) -> TracesPipeline | None:
    from opentelemetry.metrics import NoOpMeterProvider
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult
    from opentelemetry.trace import NoOpTracer

    from ._exporters import export_timeout_of
    from ._resource import distribution_version, sdk_resource

    meter_provider = NoOpMeterProvider()
    provider = TracerProvider(
        sampler=sampler_of(config),
        resource=sdk_resource(config, service_version),
        # `Telemetry` registers its own, bounded, atexit hook; the SDK's is unbounded.
        shutdown_on_exit=False,
        meter_provider=meter_provider,
    )
    tracer = provider.get_tracer(config.scope_name, distribution_version("codex-otel"))
    if isinstance(tracer, NoOpTracer):
        # OTEL_SDK_DISABLED=true in the process environment: nothing would be recorded.
        logger.debug("codex-otel: OTEL_SDK_DISABLED is set; not tracing")
        return None
    if config.span_attributes:
        provider.add_span_processor(_constant_attributes(dict(config.span_attributes)))
    export_timeout = export_timeout_of(config, config.trace_exporter)
    deferred = _DeferredExporter(SpanExportResult.FAILURE, wait=START_WAIT)
    spooling = _spooling(config)
    exporter = GuardedExporter(
        cast("SpanExporter", deferred),
        health,
        success=SpanExportResult.SUCCESS,
        failure=SpanExportResult.FAILURE,
        undelivered=spooling.keep if spooling is not None else None,
        sdk_logs=sdk_logs,
    )
    batch = config.batch
    processor = BatchSpanProcessor(
        cast("SpanExporter", exporter),
        schedule_delay_millis=batch.schedule_delay_ms,
        max_export_batch_size=batch.max_export_batch_size,
        max_queue_size=batch.max_queue_size,
        export_timeout_millis=export_timeout * 1000,
    )
    if not install_drop_counter(cast(Any, processor), health):
        logger.debug("codex-otel: this SDK version hides queue drops; `spans_dropped` misses them")
    sdk_logs.worker = worker_ident(processor)
    provider.add_span_processor(processor)
    if spooling is not None:
        health.spooling = True
        health.spool_location = str(spooling.spool.directory)
        spooling.send = lambda spans: exporter.export_unspooled(cast(Any, spans))
        spooling.stopped = lambda: exporter.aborted
        exporter.exported = spooling.exported
    pipeline = TracesPipeline(
        provider=provider,
        processor=processor,
        exporter=exporter,
        tracer=tracer,
        health=health,
        sdk_logs=sdk_logs,
        spooling=spooling,
    )
    pipeline.start_exporter(
        lambda: _built_exporter(config, export_timeout), deferred, health_report
    )
    if spooling is not None:
        from ._signals import GUARD

        GUARD.watch(pipeline)  # SIGTERM spools what is in memory
    return pipeline


def _built_exporter(config: OtelConfig, export_timeout: float) -> Any:
    from ._exporters import build_exporter

    return build_exporter(TRACES, config.trace_exporter, export_timeout)


def _spooling(config: OtelConfig) -> SpanSpooling | None:
    """The span spool's hooks, or None: the spool is off, or the exporter never fails for
    an outage (the file exporter)."""
    if not (
        config.spool.enabled
        and isinstance(config.trace_exporter, OtlpHttpExporter | OtlpGrpcExporter)
    ):
        return None
    from ._traces_spool import SpanSpooling, span_spool_for

    spool = span_spool_for(config)
    return SpanSpooling(spool) if spool is not None else None


def _constant_attributes(attributes: dict[str, str]) -> Any:
    """A span processor that sets `span_attributes` on every span when it starts, as
    Codex's `SpanAttributesProcessor` does: per-span metadata, where the resource's
    attributes describe the process."""
    from opentelemetry.sdk.trace import SpanProcessor

    class ConstantAttributes(SpanProcessor):
        def on_start(self, span: Any, parent_context: Any = None) -> None:
            span.set_attributes(attributes)

    return ConstantAttributes()


class _DeferredExporter:
    """The SDK's span exporter, built on a daemon thread after the pipeline started: an
    export waits for it (the worker thread waits; the spans ended meanwhile wait in the
    queue), and fails when the exporter could not be built or was shut down first."""

    def __init__(self, failure: Any, *, wait: float) -> None:
        self._failure = failure
        self._wait = wait
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._inner: Any = None
        self._closed = False
        self._inherited_pools: list[object] = []
        at_fork(after_in_child=self._reinit_after_fork)

    def _reinit_after_fork(self) -> None:
        # A lock held at the fork stays held in the child; the HTTP exporter's connection
        # pools are the parent's sockets (kept alive, never closed: see `_fork`).
        self._lock = threading.Lock()
        if self._inner is not None:
            self._inherited_pools = fresh_connection_pools(self._inner)

    def set(self, inner: Any) -> None:
        with self._lock:
            closed = self._closed
            if not closed:
                self._inner = inner
        self._ready.set()
        if closed:  # shut down while it was being built
            inner.shutdown()

    def failed(self) -> None:
        self._ready.set()

    def export(self, spans: Sequence[ReadableSpan]) -> Any:
        self._ready.wait(self._wait)
        inner = self._inner
        if inner is None or self._closed:
            return self._failure
        return inner.export(spans)

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        inner = self._inner
        return True if inner is None else bool(inner.force_flush(timeout_millis))

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            inner = self._inner
        self._ready.set()  # an export waiting for the start fails now
        if inner is not None:
            inner.shutdown()


class TracesPipeline(BoundedLifecycle):
    """One running trace pipeline. Built by `start_traces`; not constructed directly.

    `force_flush` and the bounded shutdown thread come from `BoundedLifecycle`."""

    _thread_prefix = "codex-otel-traces"
    _message_prefix = "codex-otel: traces "

    def __init__(
        self,
        *,
        provider: TracerProvider,
        processor: BatchSpanProcessor,
        exporter: GuardedExporter,
        tracer: opentelemetry.trace.Tracer,
        health: Health,
        sdk_logs: _Claim,
        spooling: SpanSpooling | None,
    ) -> None:
        self._provider = provider
        self._processor = processor
        self._exporter = exporter
        self._health = health
        self._sdk_logs = sdk_logs
        #: Where the undelivered spans go (None: the spool is off, or a file exporter).
        self.spooling = spooling
        #: The SDK tracer of the private provider: spans started on it are exported here.
        self.tracer = tracer
        self._exporter_start: threading.Thread | None = None
        #: Set once the SDK's shutdown is over (the run's own spans settled); the spool's
        #: delivery at exit runs after it, on the shutdown thread.
        self._own_settled = threading.Event()
        self._start_lifecycle()
        at_fork(before=self._wait_for_exporter, after_in_child=self._exporter_start_gone)

    # --- the exporter's start -------------------------------------------------------------

    def start_exporter(
        self,
        build: Callable[[], Any],
        deferred: _DeferredExporter,
        health_report: Callable[[str, str], None],
    ) -> None:
        """Build the exporter on a daemon thread (here, when no thread can start)."""

        def run() -> None:
            try:
                with SDK_LOGS.calling_for(self._sdk_logs):
                    deferred.set(build())
            except Exception as error:
                deferred.failed()
                if self.spooling is not None:
                    self.spooling.lost_for_good = True  # nothing to deliver them with
                health_report(
                    "trace-exporter-start",
                    f"codex-otel: trace exporter {self._health.description} cannot start "
                    f"({type(error).__name__}: {error}). Spans are not exported.",
                )
                return
            if self.spooling is not None:
                self.spooling.deliver_in_background()  # what earlier runs spooled

        thread = threading.Thread(target=run, name="codex-otel-traces-start", daemon=True)
        if start_thread(thread):
            self._exporter_start = thread
        else:
            run()

    def _wait_for_exporter(self) -> None:
        # A fork waits for the start: a fork during its import would leave the child the
        # import's lock, held by a thread the child does not have.
        thread = self._exporter_start
        if thread is not None:
            thread.join(START_WAIT)

    def _exporter_start_gone(self) -> None:
        self._exporter_start = None

    # --- counters -------------------------------------------------------------------------

    @property
    def spans_dropped(self) -> int:
        """Spans lost: the batch queue was full, or the spool could not keep them."""
        spooling = self.spooling
        return self._health.dropped + (spooling.dropped if spooling is not None else 0)

    @property
    def spans_spooled(self) -> int:
        """Spans written to the spool (failed exports, an abort, a signal)."""
        return self.spooling.spooled if self.spooling is not None else 0

    @property
    def spans_delivered(self) -> int:
        """Spans this process delivered from the spool (earlier runs' and its own)."""
        return self.spooling.delivered if self.spooling is not None else 0

    @property
    def spans_pending(self) -> int:
        """Spans waiting in the spool now (reads the folder)."""
        return self.spooling.pending() if self.spooling is not None else 0

    @property
    def span_export_failures(self) -> int:
        """Batches of spans the exporter failed to deliver (after its own retries)."""
        return self._health.export_failures

    @property
    def sdk_messages(self) -> int:
        """Warnings and errors the SDK logged for this pipeline (kept off the host's logs)."""
        return self._health.sdk_messages

    # --- lifecycle ------------------------------------------------------------------------

    def _flush_provider(self, timeout: float) -> bool:
        return bool(self._processor.force_flush(int(max(timeout, 0.001) * 1000)))

    def request_shutdown(self) -> None:
        """Start the shutdown (the last export of what is queued) without waiting, so
        that it runs while the other signals shut down; `shutdown` waits for it."""
        with self._lock:
            self._request_shutdown()

    def _request_shutdown(self) -> None:
        """The caller holds `_lock`."""
        self._closed = True
        if self._shutdown_requested.is_set() or self._shutdown_thread is None:
            return
        if self.spooling is not None:
            # The spool is delivered at exit through the exporter (`_after_shutdown`): the
            # SDK's shutdown leaves it open, the shutdown thread closes it.
            self._exporter.hold_open()
        self._shutdown_requested.set()

    def shutdown(self, timeout: float) -> bool:
        """Export what is queued and stop, within `timeout` seconds (plus a few
        milliseconds). Idempotent. True when every span was exported; when the time runs
        out, the exporter is aborted and what is left goes to the spool (when on)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closed = True
            if self._exporter.aborted:
                return False  # an earlier shutdown ran out of time (or a signal came)
            thread = self._shutdown_thread
            if thread is None:
                self._give_up(timeout)
                return False
            self._request_shutdown()
        if not self._own_settled.wait(max(timeout, 0.0)):
            self._abort(timeout)  # the run's own spans ran out of time: to the spool
            delivered = False
        else:
            delivered = self._shutdown_ok
            thread.join(max(deadline - time.monotonic(), 0.0))
            if thread.is_alive():
                # The spool's delivery at exit ran out of time: its export in flight is
                # cut off (its file goes back below). The run's own spans are delivered.
                self._exporter.abort()
        if self.spooling is not None:
            self.spooling.close()  # a delivery of spooled spans cut off: its file goes back
        self._health.report_totals()
        return delivered

    def _after_shutdown(self, delivered: bool) -> None:
        # On the shutdown thread, the SDK's shutdown over: the run's own spans are settled.
        self._own_settled.set()
        spooling = self.spooling
        if spooling is None:
            return
        exporter = self._exporter
        try:
            spooling.finish_delivery(
                lambda: delivered and exporter.last_export_ok and not exporter.aborted
            )
        except Exception:  # never let the delivery of old spans hurt the host
            logger.debug("codex-otel: delivering the span spool at exit failed", exc_info=True)
        finally:
            self._exporter.close_held()

    @property
    def _exporter_aborted(self) -> bool:
        return self._exporter.aborted

    def _abort(self, timeout: float) -> None:
        with SDK_LOGS.calling_for(self._sdk_logs):
            aborted = self._exporter.abort()
        if not aborted:
            return
        if self._exporter.keeps_undelivered:
            logger.info(
                "codex-otel: traces shutdown gave up after %.1fs; spans not yet exported to %s "
                "are spooled for the next run",
                timeout,
                self._health.description,
            )
            self._set_aside_all()
            return
        logger.warning(
            "codex-otel: traces shutdown gave up after %.1fs; spans not yet exported to %s are "
            "dropped (collector unreachable or slow)",
            timeout,
            self._health.description,
        )

    def spool_now(self) -> None:
        """A signal ends the process (`_signals.py`): no more exports; the batch in flight
        and what is queued go to the spool now. Never raises."""
        self._closed = True
        spooling = self.spooling
        if spooling is None:
            return
        spooling.spool.interrupted = True  # the run that delivers them says so
        if not self._exporter.abort():
            return  # an earlier abort kept them already
        self._set_aside_all()
        spooling.close()

    def _set_aside_all(self) -> None:
        """After an abort: the batch in flight, then the queue, to the spool."""
        self._exporter.set_aside_in_flight_and(take_queued(self._processor))
        worker = worker_thread(self._processor)
        if worker is not None and not self._exporter.exporting:
            # The worker may hold a batch it took from the queue just before the abort and
            # not yet handed to the exporter: the exporter fails it at once and spools it,
            # on the worker's (daemon) thread. Wait for that, briefly.
            worker.join(_SET_ASIDE_WAIT)

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self) -> str:
        state = "shut down" if self._closed else "running"
        return f"TracesPipeline({self._health.description}, {state})"
