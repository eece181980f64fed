"""The metrics pipeline: an own OpenTelemetry `MeterProvider`, a periodic reader and the
configured OTLP metric exporter, which `Telemetry` hands measurements to.

    Telemetry.dispatch_measurement ──▶ BackgroundMetrics.record ──▶ MetricsPipeline.record
        ──▶ instrument (made once per MetricDefinition) ──▶ PeriodicExportingMetricReader
        ──▶ exporter (OTLP/HTTP protobuf or JSON, gRPC, OTLP/JSON lines)

As for logs (`pipeline.py`, `_startup.py`):

- Nothing global: the provider is private (never `set_meter_provider`), its atexit hook
  is off (`Telemetry` shuts it down within `shutdown_timeout`, together with the logs),
  and what the SDK logs for it is counted, not printed (`sdk_logs`).
- Cheap: importing this module imports no OpenTelemetry. The SDK is imported and the
  provider built on a daemon thread; measurements recorded meanwhile wait in a bounded
  queue (the oldest dropped and counted when full) and are recorded, in order, once the
  provider is ready (the same start as the logs': `_background.BackgroundStart`).
- Bounded: `force_flush` and `shutdown` run the SDK's (unbounded) calls on daemon threads
  and wait at most their timeout (`_lifecycle.BoundedLifecycle`, as `Pipeline`); at the
  end of a shutdown the exporter is aborted (retries stop, a gRPC call is cancelled).

With the spool on (`[otel.spool]`) and an OTLP metrics exporter, the points of a failed
export go to the spool and are delivered later with their original timestamps (delta
points all, cumulative ones the newest per stream: `_metrics_spool.py`). Without it, a
failed export is counted and lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from ._background import START_WAIT, BackgroundStart
from ._guarded_exporter import ExportGuard, guarded_metric_exporter
from ._health import Health
from ._lifecycle import BoundedLifecycle
from ._sdk_logs import CALLING, SDK_LOGS
from ._signal import METRICS
from .config import ConfigError, OtelConfig, OtlpGrpcExporter, OtlpHttpExporter
from .metrics import MetricDefinition
from .types import AttributeValue

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import (
        AggregationTemporality,
        MetricExporter,
        MetricReader,
    )

    from ._metrics_spool import MetricSpooling
    from ._sdk_logs import _Claim
    from .config import Temporality

logger = logging.getLogger("codex_otel")

#: How many measurements may wait for the provider to start; the oldest go first.
WAITING_LIMIT = 4096
#: After an abort at the shutdown's bound, how long the shutdown waits for the aborted
#: export to hand its points to the spool.
_SPOOL_AFTER_ABORT_S = 0.1
#: At a signal: the collection's own bound (the signal's is `_signals.SIGNAL_BOUND_S`).
_SIGNAL_COLLECT_MS = 1500

Recorder = Callable[..., None]
#: An instrument ready to record: its bound add/record/set, the value's Python type (int
#: or float), and its definition.
InstrumentEntry = tuple[Recorder, type, MetricDefinition]
Measurement = tuple[MetricDefinition, "int | float", "Mapping[str, AttributeValue]"]


def temporality_preference(preference: Temporality) -> dict[type, AggregationTemporality]:
    """The temporality of every instrument kind for a preference, as the spec defines
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: `delta` is delta for counters,
    histograms and gauges, cumulative for up-down counters (a running total is what they
    mean); `lowmemory` is delta only for synchronous counters and histograms."""
    from opentelemetry.sdk.metrics import (
        Counter,
        Histogram,
        ObservableCounter,
        ObservableGauge,
        ObservableUpDownCounter,
        UpDownCounter,
    )
    from opentelemetry.sdk.metrics.export import AggregationTemporality

    from ._sdk_compat import gauge_class

    gauge = gauge_class()

    cumulative, delta = AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA
    deltas: tuple[type, ...] = {
        "cumulative": (),
        "delta": (Counter, Histogram, gauge, ObservableCounter, ObservableGauge),
        "lowmemory": (Counter, Histogram),
    }[preference]
    kinds = (
        Counter,
        UpDownCounter,
        Histogram,
        gauge,
        ObservableCounter,
        ObservableUpDownCounter,
        ObservableGauge,
    )
    return {kind: delta if kind in deltas else cumulative for kind in kinds}


def check_metrics_now(config: OtelConfig) -> None:
    """What would make the background start fail, checked on the caller's thread (no
    OpenTelemetry import, no file read). Raises `ConfigError` naming the key."""
    from ._exporters import check_exporter_now

    check_exporter_now(METRICS, config.metrics_exporter)
    if config.metrics.export_interval_ms <= 0:
        raise ConfigError(
            f"otel.metrics.export_interval_ms: must be positive, got "
            f"{config.metrics.export_interval_ms}"
        )


# --- the running pipeline ---------------------------------------------------------------


class MetricsPipeline(BoundedLifecycle):
    """One running provider. Built by `build_metrics_pipeline`; not constructed directly.

    `force_flush` and the bounded shutdown thread come from `BoundedLifecycle`."""

    _thread_prefix = "codex-otel-metrics"
    _message_prefix = "codex-otel: metrics "

    def __init__(
        self,
        *,
        provider: MeterProvider,
        meter: Any,
        health: Health,
        sdk_logs: _Claim,
        abort: Callable[[], object],
        spooling: MetricSpooling | None = None,
    ) -> None:
        self._provider = provider
        #: The spool of failed exports' points (None: the spool is off, or not OTLP).
        self.spooling = spooling
        self._meter = meter
        self._health = health
        self._sdk_logs = sdk_logs
        self._abort_exporter = abort
        #: id(definition) -> (the instrument's bound add/record/set, the value's type,
        #: the definition: kept alive so that its id stays its own). Read without the
        #: lock (one dict operation is atomic), by `record` and, to save a call per
        #: measurement, by `Conversation.record` (through `Telemetry`).
        self.instruments: dict[int, InstrumentEntry] = {}
        self._start_lifecycle()

    # --- the hot path ----------------------------------------------------------------

    def record(
        self, metric: MetricDefinition, value: int | float, attributes: Mapping[str, Any]
    ) -> bool:
        """Record one measurement; False when shut down. Never raises, never waits for
        another record: one that re-enters a call on its thread (from a signal handler)
        is dropped and counted (see `sdk_logs.CALLING`)."""
        if self._closed:
            return False
        calling = CALLING.calling
        if calling.claim is not None:
            self._health.add_dropped(1)
            return True
        calling.claim = self._sdk_logs
        try:
            entry = self.instruments.get(id(metric))
            if entry is None:
                entry = self._instrument(metric)
            add, kind, _ = entry
            # An int for an int metric, a float for a double one: the point's type on
            # the wire (asInt / asDouble) follows the value's.
            add(value if type(value) is kind else kind(value), attributes)
        except Exception:
            self._health.add_emit_error()
        finally:
            calling.claim = None
        return True

    def _instrument(self, metric: MetricDefinition) -> InstrumentEntry:
        with self._lock:
            entry = self.instruments.get(id(metric))
            if entry is not None:
                return entry
            meter = self._meter
            name, unit, description = metric.name, metric.unit, metric.description
            if metric.instrument == "counter":
                add = meter.create_counter(name, unit=unit, description=description).add
            elif metric.instrument == "updowncounter":
                add = meter.create_up_down_counter(name, unit=unit, description=description).add
            elif metric.instrument == "gauge":
                add = meter.create_gauge(name, unit=unit, description=description).set
            elif metric.instrument == "histogram":
                boundaries = list(metric.boundaries) if metric.boundaries is not None else None
                add = meter.create_histogram(
                    name,
                    unit=unit,
                    description=description,
                    explicit_bucket_boundaries_advisory=boundaries,
                ).record
            else:
                raise ValueError(f"metric {name!r}: unknown instrument {metric.instrument!r}")
            entry = (add, int if metric.value_type == "int" else float, metric)
            self.instruments[id(metric)] = entry
            return entry

    # --- counters --------------------------------------------------------------------

    @property
    def export_failures(self) -> int:
        return self._health.export_failures

    @property
    def sdk_messages(self) -> int:
        return self._health.sdk_messages

    # --- lifecycle -------------------------------------------------------------------

    def _flush_provider(self, timeout: float) -> bool:
        return bool(self._provider.force_flush(timeout_millis=max(timeout, 0.001) * 1000))

    def spool_now(self) -> None:
        """A signal ends the process (`_signals.py`): the exporter is aborted (no network
        attempt), then what was recorded since the last collection is collected: its
        export fails at once and its points go to the spool. Without a spool, nothing.
        Waits for an export in flight (the SDK's export lock); the caller bounds that."""
        if self.spooling is None or self._closed:
            return
        self._closed = True
        with SDK_LOGS.calling_for(self._sdk_logs):
            self._abort_exporter()
            self._provider.force_flush(timeout_millis=_SIGNAL_COLLECT_MS)
        self.spooling.close()  # this run's cumulative points: pending for the next run

    def request_shutdown(self) -> None:
        """Start the shutdown (the last collection and its export) without waiting, so
        that it runs while the logs shut down. `shutdown` waits for it."""
        self._closed = True
        self._shutdown_requested.set()

    def shutdown(self, timeout: float) -> bool:
        """Collect, export and stop, within `timeout` seconds. Idempotent. True when the
        last collection was delivered; else the exporter is aborted (nothing is kept)."""
        self.request_shutdown()
        thread = self._shutdown_thread
        if thread is None:
            self._give_up(timeout)
            return False
        if not self._join_shutdown(thread, timeout):
            return False
        self._health.report_totals()
        return self._shutdown_ok

    def _abort(self, timeout: float) -> None:
        with SDK_LOGS.calling_for(self._sdk_logs):
            self._abort_exporter()
        if self.spooling is not None:
            # The aborted export fails at once and its points go to the spool, on the
            # shutdown thread: let it (an HTTP request already on the wire is not cut off
            # and keeps its points with it past the exit: lost, or delivered late).
            thread = self._shutdown_thread
            if thread is not None:
                thread.join(_SPOOL_AFTER_ABORT_S)
            if self.spooling.last_export_ok:
                # The last collection was delivered; the time ran out in the spool's
                # delivery, whose file in flight goes back (`BackgroundMetrics.shutdown`).
                logger.debug("codex-otel: the metrics spool's delivery at exit was cut off")
                return
            self._health.add_export_failure(report=False, spooled=True)
            logger.info(
                "codex-otel: metrics shutdown gave up after %.1fs; the last metrics for %s "
                "are spooled for the next run",
                timeout,
                self._health.description,
            )
            return
        # The last collection is lost (an export still on the wire may yet arrive).
        self._health.add_export_failure(report=False)
        logger.info(
            "codex-otel: metrics shutdown gave up after %.1fs; the last metrics for %s are "
            "dropped (the spool is off)",
            timeout,
            self._health.description,
        )


def build_metrics_pipeline(
    config: OtelConfig,
    *,
    service_version: str,
    reader: MetricReader | None = None,
) -> MetricsPipeline | None:
    """Build the provider `config.metrics_exporter` asks for (imports the SDK).

    `reader` replaces the periodic reader and its exporter (tests pass an in-memory
    reader). Returns None when the SDK turns out disabled. Raises `ImportError` without
    the `otel` extra, `ConfigError` when the exporter cannot be set up.
    """
    from ._exporters import describe

    health = Health(description=f"{describe(config.metrics_exporter)} (metrics)")
    return SDK_LOGS.build_claimed(
        health, lambda sdk_logs: _build(config, service_version, health, sdk_logs, reader)
    )


def _build(
    config: OtelConfig,
    service_version: str,
    health: Health,
    sdk_logs: _Claim,
    reader: MetricReader | None,
) -> MetricsPipeline | None:
    from opentelemetry.metrics import NoOpMeter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    from ._exporters import build_exporter, export_timeout_of
    from ._resource import distribution_version, sdk_resource
    from ._sdk_compat import reader_ident

    guarded: ExportGuard | None = None
    spooling = None
    if reader is None:
        inner = build_exporter(
            METRICS,
            config.metrics_exporter,
            export_timeout_of(config, config.metrics_exporter),
            preferred_temporality=temporality_preference(config.metrics.temporality),
        )
        guarded = guarded_metric_exporter(inner, health, sdk_logs)
        spooling = _spooling(config, guarded)
        if spooling is not None:
            health.spooling = True
            health.spool_location = str(spooling.spool.directory)
        reader = PeriodicExportingMetricReader(
            cast("MetricExporter", guarded),
            export_interval_millis=config.metrics.export_interval_ms,
            export_timeout_millis=export_timeout_of(config, config.metrics_exporter) * 1000,
        )
        # The reader's thread runs the periodic exports: what the SDK logs there is ours.
        sdk_logs.worker = reader_ident(reader)
    provider = MeterProvider(
        resource=sdk_resource(config, service_version),
        metric_readers=[reader],
        # `Telemetry` registers its own, bounded, atexit hook; the SDK's is unbounded.
        shutdown_on_exit=False,
    )
    meter = provider.get_meter(config.scope_name, distribution_version("codex-otel"))
    if isinstance(meter, NoOpMeter):
        # OTEL_SDK_DISABLED=true in the process environment.
        provider.shutdown()
        sdk_logs.release()
        return None
    return MetricsPipeline(
        provider=provider,
        meter=meter,
        health=health,
        sdk_logs=sdk_logs,
        abort=guarded.abort if guarded is not None else lambda: False,
        spooling=spooling,
    )


def _spooling(config: OtelConfig, guarded: Any) -> MetricSpooling | None:
    """The spool of `guarded`'s failed exports, hooked to it; None when the spool is off
    or the metrics exporter is not an OTLP one."""
    from ._metrics_spool import MetricSpooling, metric_spool_for

    spool = metric_spool_for(config)
    if spool is None:
        return None
    # Gauges follow the preference's temporality: a delta one's samples are all kept.
    spooling = MetricSpooling(spool, gauges_cumulative=config.metrics.temporality != "delta")
    spooling.send = guarded.export_unspooled
    spooling.stopped = lambda: bool(guarded.aborted)
    guarded.spooling = spooling
    return spooling


# --- the background start -----------------------------------------------------------------


class BackgroundMetrics(BackgroundStart[MetricsPipeline, Measurement]):
    """Where `Telemetry` hands measurements: the pipeline, being started on a daemon
    thread or running (the start, its waiting queue, exit and fork hooks:
    `BackgroundStart`)."""

    _start_thread_name = "codex-otel-metrics"
    # A forked child is no exiting interpreter: its start always gets a thread.
    _background_in_child = True

    def __init__(
        self,
        config: OtelConfig,
        *,
        service_version: str,
        on_ready: Callable[[], None] = lambda: None,
    ) -> None:
        self._on_ready = on_ready
        self._service_version = service_version
        #: The points of failed exports go to the spool (`_metrics_spool.py`).
        self._spools = config.spool.enabled and isinstance(
            config.metrics_exporter, OtlpHttpExporter | OtlpGrpcExporter
        )
        #: The running pipeline's instruments (see `MetricsPipeline.instruments`).
        self.instruments: Mapping[int, InstrumentEntry] = {}
        super().__init__(
            config, exporter_kind=config.metrics_exporter.kind, waiting_limit=WAITING_LIMIT
        )
        if self._spools:
            from ._signals import GUARD

            GUARD.watch(self)  # SIGTERM spools what was recorded since the last collection

    def spool_now(self) -> None:
        """A signal ends the process: see `MetricsPipeline.spool_now`. Measurements still
        waiting for the start (not yet aggregated) are lost. Never raises."""
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.spool_now()

    # --- the hot path ----------------------------------------------------------------

    def record(
        self, metric: MetricDefinition, value: int | float, attributes: Mapping[str, Any]
    ) -> bool:
        """Record one measurement; False once shut down (the caller counts the drop). Never
        raises."""
        pipeline = self._pipeline
        if pipeline is None:
            held = self._running_or_wait((metric, value, attributes))
            if isinstance(held, bool):
                return held
            pipeline = held
        return pipeline.record(metric, value, attributes)

    # --- lifecycle -------------------------------------------------------------------

    def request_shutdown(self) -> None:
        """Let a running pipeline begin its last export now (see `shutdown`)."""
        self._closing = True
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.request_shutdown()

    def shutdown(self, timeout: float) -> bool:
        """Deliver the last collection within `timeout` seconds, else drop it."""
        timeout = self._begin_shutdown(timeout)
        deadline = time.monotonic() + timeout
        if not self._started.wait(max(timeout, 0.0)) and self._spools and self._waiting:
            # Measurements wait for the start: see `_exit_wait`. The shutdown still gets
            # its whole timeout after it.
            self._started.wait(START_WAIT)
            deadline = time.monotonic() + timeout
        pipeline, waiting = self._close()
        if pipeline is not None:
            delivered = pipeline.shutdown(max(deadline - time.monotonic(), 0.0))
            if pipeline.spooling is not None:
                # A delivery of spooled points cut off by the exit: its file goes back.
                pipeline.spooling.close()
            return delivered
        if waiting:
            logger.info(
                "codex-otel: the metrics exporter was not ready within the shutdown "
                "timeout; %d measurements are dropped (not yet aggregated, nothing to spool)",
                len(waiting),
            )
            return False
        return True

    # --- counters --------------------------------------------------------------------

    def _spooling(self) -> MetricSpooling | None:
        pipeline = self._pipeline
        return pipeline.spooling if pipeline is not None else None

    @property
    def points_spooled(self) -> int:
        spooling = self._spooling()
        return spooling.spooled if spooling is not None else 0

    @property
    def points_delivered(self) -> int:
        spooling = self._spooling()
        return spooling.delivered if spooling is not None else 0

    def points_pending(self) -> int:
        """Points waiting in the metrics spool (reads the folder)."""
        spooling = self._spooling()
        return spooling.pending() if spooling is not None else 0

    def _start_here(self, *, thread_refused: bool) -> None:
        self._start()

    def _start(self) -> None:
        try:
            pipeline = build_metrics_pipeline(self._config, service_version=self._service_version)
        except Exception as error:
            pipeline = None
            if not self._closing:
                logger.warning(
                    "codex-otel: metrics exporter %r cannot start (%s: %s). Metrics are "
                    "not exported.",
                    self._config.metrics_exporter.kind,
                    type(error).__name__,
                    error,
                )
        abandoned = None
        with self._lock:
            if self._closed:
                abandoned, pipeline = pipeline, None
            elif pipeline is not None:
                self._replay_waiting(pipeline.record)
                self._pipeline = pipeline
                # From now on `record` is the pipeline's own, one call less per measurement.
                self.record = pipeline.record  # type: ignore[method-assign]
                self.instruments = pipeline.instruments
            self._waiting.clear()
            self._started.set()
        if abandoned is not None:
            abandoned.shutdown(0.0)
        elif pipeline is not None:
            if pipeline.spooling is not None:
                pipeline.spooling.deliver_in_background()  # earlier runs' points
            try:
                self._on_ready()
            except Exception:  # never let the owner's hook break the start thread
                logger.debug("codex-otel: the metrics ready hook failed", exc_info=True)

    def _exit_wait(self) -> tuple[float, bool]:
        # At interpreter exit, let the start finish before the thread pools close (the
        # SDK's import needs one); counted against the shutdown's bound, unless
        # measurements wait for it and the spool could keep them: they are not yet
        # aggregated, only the pipeline can turn them into points. The start is our own
        # import, not a collector: it ends (as the logs wait without a spool).
        if self._spools and self._waiting:
            return max(self._config.shutdown_timeout, START_WAIT), False
        return min(self._config.shutdown_timeout, START_WAIT), True
