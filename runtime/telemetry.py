"""`Telemetry` (one per process: config, exporter pipeline, subscribers, shutdown) and
`Conversation` (one per conversation: the common metadata every event carries).

Generated emitters call `Conversation.recording`, `Conversation.protect` (a policy
attribute, as its privacy toggle's mode says: `_privacy.py`), `Conversation.allows` and
`Conversation.emit`; generated metric recorders read `Conversation.metrics_recording` and
`Conversation.metric_attributes`, build the finished point and call
`Conversation.record_point` (the contract: `_contract.CONVERSATION_MEMBERS`).
Hand-written callers use `Conversation.record`, which merges and cleans the point itself.
Generated span helpers call `Conversation.start_span` (`spans.py`; the machinery of a
recorded span is `_span_context.py`, loaded only when something records spans).
Nothing here knows any particular catalog.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from ._metric_tags import is_tag_key
from ._metric_tags import metric_attribute_value as _tag
from ._privacy import Mask, Privacy
from ._timestamps import TimestampFormatter
from ._wire_strings import wire_attributes, wire_string, wire_value
from .config import OtelConfig
from .metrics import CapturedMeasurement, MeasurementSubscriber, MetricDefinition
from .spans import (
    _NOOP_SCOPES,
    CapturedSpan,
    H,
    SpanDefinition,
    SpanScope,
    SpanSubscriber,
    noop_scope,
)
from .types import Attributes, AttributeValue, MetadataLike

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

    from ._metrics_pipeline import BackgroundMetrics
    from ._span_context import SpanCounters, Spans
    from ._startup import BackgroundPipeline
    from ._traces_pipeline import TracesPipeline

logger = logging.getLogger("codex_otel")

M = TypeVar("M", bound=MetadataLike)


class CapturedEvent(NamedTuple):
    """One event as subscribers see it: exactly the attributes that go on the wire."""

    name: str
    attributes: Mapping[str, AttributeValue]
    timestamp_ns: int


Subscriber = Callable[[CapturedEvent], None]


@dataclasses.dataclass(frozen=True)
class TelemetryStats:
    """Counters of what did not reach the exporter, for health checks and tests."""

    dropped_after_shutdown: int
    dropped_queue_full: int
    export_failures: int
    subscriber_errors: int
    emit_errors: int
    #: Warnings and errors the OpenTelemetry SDK logged while exporting (not printed).
    sdk_messages: int = 0
    #: Events written to the on-disk spool for a later process to deliver.
    spooled: int = 0
    #: Events the spool dropped because it was full (the oldest go first).
    dropped_spool_full: int = 0
    #: Events the spool could not write (a full disk, a folder it must not use): lost.
    spool_failures: int = 0
    #: Events earlier runs spooled that this one delivered (their files removed).
    spool_delivered: int = 0
    #: Of `spool_delivered`, events a run killed mid-export or mid-delivery left (taken
    #: back from its claim: `runtime/_write_ahead.py`).
    spool_delivered_interrupted: int = 0
    #: After shutdown: events still waiting in this destination's spool for a later run
    #: (this run's and older ones). 0 before shutdown.
    spool_pending: int = 0
    #: Metric exports that failed (their points spooled when the spool is on).
    metric_export_failures: int = 0
    #: Measurements dropped while the metrics pipeline started (its wait queue was full).
    dropped_measurements: int = 0
    #: Metric data points written to the spool by failed exports (a cumulative point
    #: replaced by a newer one of its stream counts once).
    metric_points_spooled: int = 0
    #: Metric data points earlier runs (or this one, before the collector came back)
    #: spooled that this run delivered (their files removed).
    metric_points_delivered: int = 0
    #: After shutdown: metric data points still waiting in the spool. 0 before shutdown.
    metric_points_pending: int = 0
    #: Catalog spans started under a parent the catalog does not allow (`span_parents`).
    span_parent_errors: int = 0
    #: Span attributes (or `fail`) set through a handle after its span ended: ignored.
    span_attributes_after_end: int = 0
    #: Spans still open at shutdown, ended then with an ERROR status and `error.type`
    #: `codex_otel.shutdown` (`spans.SHUTDOWN_ERROR_TYPE`).
    spans_ended_at_shutdown: int = 0
    #: Spans the trace pipeline's batch queue dropped because it was full.
    spans_dropped: int = 0
    #: Spans written to the span spool by failed exports (or at an exit that ran out of time).
    spans_spooled: int = 0
    #: Spans earlier runs (or this one, before the collector came back) spooled that this
    #: run delivered.
    spans_delivered: int = 0
    #: After shutdown: spans still waiting in the span spool. 0 before shutdown.
    spans_pending: int = 0
    #: Span exports that failed (their spans spooled when the spool is on).
    span_export_failures: int = 0


class Telemetry:
    """The process's telemetry: an own exporter pipeline plus in-process subscribers.

    With `exporter = "none"` (the default) nothing is written anywhere, but subscribers
    (see `capture`) still see every event. When nobody would see an event at all,
    `recording` is False and generated emitters return before doing any work.
    """

    def __init__(self, config: OtelConfig | None = None, *, service_version: str) -> None:
        self.config = config if config is not None else OtelConfig()
        self.service_version = service_version
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()
        self._measurement_subscribers: tuple[MeasurementSubscriber, ...] = ()
        self._span_subscribers: tuple[SpanSubscriber, ...] = ()
        #: The tracer spans are exported through (the trace pipeline's); None: none runs.
        self._tracer: Tracer | None = None
        #: The span machinery while something records spans (`_update_recording`), else
        #: None: `Conversation.start_span` returns the shared no-op scope then.
        self._spans: Spans | _SpansAfterShutdown | None = None
        self._span_counters: SpanCounters | None = None
        #: The W3C context the run was started in: the parent of its root spans.
        self._incoming_environ = {
            key: os.environ[key] for key in ("TRACEPARENT", "TRACESTATE") if key in os.environ
        }
        self._closed = False
        self._dropped_after_shutdown = 0
        self._subscriber_errors = 0
        self._emit_errors = 0
        self._reported: set[str] = set()
        #: The toggles' modes, the hash key, the scrubber and the mask (`_privacy.py`).
        self._privacy = Privacy(self.config)
        self._pipeline: BackgroundPipeline | None = self._start_pipeline()
        #: Read by every emitter first; kept as a plain attribute so the check is cheap.
        self.recording = self._pipeline is not None
        #: Where measurements are exported; None when metrics are not exported.
        self._metrics: BackgroundMetrics | None = self._start_metrics()
        #: Read by every metric recorder first, as `recording` by emitters.
        self.metrics_recording = self._metrics is not None
        #: Where spans are exported (`trace_exporter`); None when they are not. Its tracer
        #: is usable at once (the exporter starts in the background).
        self._traces: TracesPipeline | None = self._start_traces()
        self._tracer = self._traces.tracer if self._traces is not None else None
        #: What `Conversation.record` calls: `_dispatch_measurement`, or, while nobody but
        #: the pipeline sees measurements, the sink's own `record` (no subscriber branch,
        #: no shutdown check: shutdown puts `_dispatch_measurement` back first).
        self._measure: Callable[[MetricDefinition, int | float, Attributes], object] = (
            self._dispatch_measurement
        )
        #: In the same case, the running pipeline's instruments by `id(definition)`, which
        #: `Conversation.record` calls itself (one call less per measurement); else empty.
        self._instruments: Mapping[int, tuple[Callable[..., None], type, MetricDefinition]] = {}
        with self._lock:
            self._update_recording()
        atexit.register(self._shutdown_at_exit)

    def _start_pipeline(self) -> BackgroundPipeline | None:
        if self.config.exporter.kind == "none" or self.config.sdk_disabled:
            return None  # nothing exporter-related is imported in this case
        from ._startup import start_in_background

        # Config errors raise here; the SDK is imported and built on a daemon thread.
        return start_in_background(
            self.config, service_version=self.service_version, privacy=self._privacy
        )

    def _start_metrics(self) -> BackgroundMetrics | None:
        if self.config.metrics_exporter.kind == "none" or self.config.sdk_disabled:
            return None  # nothing metrics-related is imported in this case
        from ._metrics_pipeline import BackgroundMetrics, check_metrics_now
        from ._startup import sdk_installed, warn_sdk_missing

        check_metrics_now(self.config)  # config errors raise here, as for logs
        if not sdk_installed():
            warn_sdk_missing(
                "metrics exporter", self.config.metrics_exporter.kind, "Metrics are not exported."
            )
            return None
        return BackgroundMetrics(
            self.config, service_version=self.service_version, on_ready=self._metrics_ready
        )

    def _start_traces(self) -> TracesPipeline | None:
        if self.config.trace_exporter.kind == "none" or self.config.sdk_disabled:
            return None  # nothing trace-related is imported in this case
        from ._traces_pipeline import start_traces

        # Config errors raise here, as for logs and metrics.
        traces = start_traces(self.config, self.service_version, self._report_once)
        if traces is not None:
            # A signal that spools the traces ends the spans still open first (ERROR,
            # counted), so a run killed in a tool call leaves its span in the spool.
            # Weakly: the pipeline must not keep this Telemetry alive.
            owner = weakref.ref(self)

            def end_open_spans() -> None:
                from ._span_context import Spans  # loaded by then: spans were started

                telemetry = owner()
                spans = telemetry._spans if telemetry is not None else None
                if isinstance(spans, Spans):
                    spans.end_open_spans()

            traces.before_spool = end_open_spans
        return traces

    def _metrics_ready(self) -> None:
        # The sink's `record` is the running pipeline's own from now on: use it directly.
        with self._lock:
            self._update_recording()

    # --- what conversations use ----------------------------------------------------

    def conversation(self, metadata: M) -> Conversation[M]:
        """A conversation whose events carry `metadata` (the generated `Metadata` class)."""
        return Conversation(self, metadata)

    def allows(self, toggle: str) -> bool:
        """The value of a privacy toggle; a toggle the config does not know redacts.

        A config knows the toggles of the catalog whose generated package is imported,
        with their defaults (or those `load_config(..., toggles=)` was given)."""
        return self.config.toggles.get(toggle, False)

    def set_mask(self, mask: Mask | None) -> None:
        """Apply `mask` (str -> str) to every value of a content or identifier attribute
        after the secret scrubber, from now on (None: no mask); it replaces
        `[otel.privacy] mask`. A mask that raises (or returns no `str`) puts
        `[MASK-FAILED]` in place of the value; it is reported once, never raised."""
        self._privacy.mask = mask

    def _dispatch(self, event_name: str, attributes: Attributes, timestamp_ns: int) -> None:
        """Hand one finished event to subscribers and the pipeline. Never raises."""
        if self._closed:
            self._drop_after_shutdown()
            return
        subscribers = self._subscribers
        if subscribers:
            # Subscribers see what the wire carries: cleaned here, on the caller's thread,
            # and marked so that the export thread does not clean it again.
            cleaned, attributes = self._privacy.clean_for_subscribers(attributes)
            # Read-only: a subscriber must not be able to change (or un-redact) what the
            # exporter sends after it.
            event = CapturedEvent(event_name, MappingProxyType(cleaned), timestamp_ns)
            for subscriber in subscribers:
                try:
                    subscriber(event)
                except Exception:  # a subscriber's bug must not break the host application
                    self._subscriber_errors += 1
                    self._report_once("subscriber", "codex-otel: a subscriber raised")
        pipeline = self._pipeline
        if pipeline is not None and not pipeline.emit(event_name, attributes, timestamp_ns):
            self._drop_after_shutdown()  # shutdown began after the check above

    def _dispatch_measurement(
        self, metric: MetricDefinition, value: int | float, attributes: Attributes
    ) -> None:
        """Hand one measurement to measurement subscribers and the metrics pipeline.
        Never raises."""
        if self._closed:
            self._drop_after_shutdown()
            return
        subscribers = self._measurement_subscribers
        if subscribers:
            measurement = CapturedMeasurement(
                metric, value, MappingProxyType(attributes), time.time_ns()
            )
            for subscriber in subscribers:
                try:
                    subscriber(measurement)
                except Exception:  # a subscriber's bug must not break the host application
                    self._subscriber_errors += 1
                    self._report_once("subscriber", "codex-otel: a subscriber raised")
        sink = self._metrics
        if sink is not None and not sink.record(metric, value, attributes):
            self._drop_after_shutdown()

    def _note_subscriber_error(self) -> None:
        self._subscriber_errors += 1
        self._report_once("subscriber", "codex-otel: a subscriber raised")

    def _drop_after_shutdown(self) -> None:
        with self._lock:
            self._dropped_after_shutdown += 1
        self._report_once(
            "after-shutdown",
            "codex-otel: telemetry is shut down; later events are dropped and counted",
        )

    def _note_emit_error(self) -> None:
        """Count an internal failure while emitting; report the first one."""
        self._emit_errors += 1
        self._report_once("emit", "codex-otel: an event could not be emitted")

    # --- subscribers ---------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber` with every event from now on; returns the unsubscribe function."""
        return self._subscribe("_subscribers", subscriber)

    def subscribe_measurements(self, subscriber: MeasurementSubscriber) -> Callable[[], None]:
        """Call `subscriber` with every metric measurement from now on; returns the
        unsubscribe function."""
        return self._subscribe("_measurement_subscribers", subscriber)

    def _subscribe(self, field: str, subscriber: Callable[[Any], None]) -> Callable[[], None]:
        # The tuple in `field` is replaced, never changed: dispatch reads it without the lock.
        with self._lock:
            setattr(self, field, (*getattr(self, field), subscriber))
            self._update_recording()

        subscribed = True

        def unsubscribe() -> None:
            nonlocal subscribed
            with self._lock:
                # Once only: a second call must not remove another subscription of the
                # same callable.
                if not subscribed:
                    return
                subscribed = False
                remaining = list(getattr(self, field))
                if subscriber in remaining:
                    remaining.remove(subscriber)
                setattr(self, field, tuple(remaining))
                self._update_recording()

        return unsubscribe

    @contextmanager
    def capture_measurements(self) -> Iterator[list[CapturedMeasurement]]:
        """Collect every metric measurement recorded inside the block, in order."""
        captured: list[CapturedMeasurement] = []
        unsubscribe = self.subscribe_measurements(captured.append)
        try:
            yield captured
        finally:
            unsubscribe()

    def subscribe_spans(self, subscriber: SpanSubscriber) -> Callable[[], None]:
        """Call `subscriber` with every catalog span when it ends, from now on (spans are
        recorded while a subscriber exists, even with no trace exporter); returns the
        unsubscribe function."""
        return self._subscribe("_span_subscribers", subscriber)

    @contextmanager
    def capture_spans(self) -> Iterator[list[CapturedSpan]]:
        """Collect every catalog span that ends inside the block, in the order they end."""
        captured: list[CapturedSpan] = []
        unsubscribe = self.subscribe_spans(captured.append)
        try:
            yield captured
        finally:
            unsubscribe()

    @contextmanager
    def capture(self) -> Iterator[list[CapturedEvent]]:
        """Collect every event emitted inside the block, in order, into the yielded list."""
        captured: list[CapturedEvent] = []
        unsubscribe = self.subscribe(captured.append)
        try:
            yield captured
        finally:
            unsubscribe()

    def _update_recording(self) -> None:
        # The pipeline stays set after shutdown, so late events still reach `_dispatch`
        # and are counted as dropped.
        self.recording = bool(self._subscribers) or self._pipeline is not None
        self.metrics_recording = bool(self._measurement_subscribers) or self._metrics is not None
        sink = self._metrics
        direct = sink is not None and not self._measurement_subscribers and not self._closed
        self._measure = sink.record if direct else self._dispatch_measurement  # type: ignore[union-attr]
        self._instruments = (
            getattr(sink, "instruments", _NO_INSTRUMENTS) if direct else _NO_INSTRUMENTS
        )
        self._update_spans()

    def _update_spans(self) -> None:
        """Under the lock: the span machinery while the trace pipeline or a span
        subscriber records spans, else None (the no-op path)."""
        tracer = self._tracer
        if self._closed:
            # Spans started from now on are lost: counted where something recorded them.
            recorded = self._spans is not None
            self._spans = _SpansAfterShutdown(self._drop_after_shutdown) if recorded else None
            return
        if tracer is None and not self._span_subscribers:
            self._spans = None
            return
        spans = self._spans
        if isinstance(spans, _SpansAfterShutdown):
            return
        if spans is not None and (tracer is None or spans.tracer is tracer):
            return
        try:
            from ._span_context import SpanCounters, Spans, incoming_context, local_tracer

            if self._span_counters is None:
                self._span_counters = SpanCounters()
            self._spans = Spans(
                tracer if tracer is not None else local_tracer(),
                parents=getattr(self.config, "span_parents", "count"),
                # The trace pipeline's provider sets them on every span it starts; the
                # subscribers' own tracer needs them here.
                constant_attributes=(
                    getattr(self.config, "span_attributes", {}) if tracer is None else {}
                ),
                incoming=incoming_context(self._incoming_environ, self._report_once),
                subscribers=lambda: self._span_subscribers,
                report=self._report_once,
                counters=self._span_counters,
                error_details=self.allows("log_error_details"),
                subscriber_error=self._note_subscriber_error,
                # The pipeline's claim on the SDK's messages (`_sdk_logs`); TracesPipeline
                # keeps it as `_sdk_logs` (the logs' Pipeline has it public, `sdk_logs`).
                sdk_claim=getattr(self._traces, "sdk_logs", None)
                or getattr(self._traces, "_sdk_logs", None),
            )
        except ImportError:
            self._spans = None
            self._report_once(
                "spans-unavailable",
                "codex-otel: spans are not recorded: the OpenTelemetry SDK is not installed "
                "(install codex-otel[otel])",
            )

    def _use_tracer(self, tracer: Tracer | None) -> None:
        """Record spans through `tracer` (the trace pipeline's; tests give their own)."""
        with self._lock:
            self._tracer = tracer
            self._update_spans()

    # --- lifecycle -----------------------------------------------------------------

    @property
    def exporting(self) -> bool:
        """True when an exporter pipeline runs: False for `exporter = "none"`, a disabled
        SDK, or an exporter that could not start (the `otel` extra is missing)."""
        return self._pipeline is not None

    @property
    def exporting_metrics(self) -> bool:
        """True when a metrics pipeline runs (`metrics_exporter` is set, the SDK is on)."""
        return self._metrics is not None

    @property
    def exporting_traces(self) -> bool:
        """True when a trace pipeline runs (`trace_exporter` is set, the SDK is on)."""
        return self._traces is not None

    @property
    def spool_directory(self) -> Path | None:
        """The folder where the events this process could not deliver wait for a later
        run (`[otel.spool]`): None when nothing is spooled (the spool is off, or the
        exporter is not an OTLP one, or nothing is exported)."""
        if self._pipeline is None:
            return None
        from ._startup import spool_for

        spool = spool_for(self.config)
        return None if spool is None else spool.directory

    @property
    def stats(self) -> TelemetryStats:
        pipeline = self._pipeline
        spool = pipeline.spool if pipeline else None
        metrics = self._metrics
        spans = self._span_counters
        traces = self._traces
        return TelemetryStats(
            dropped_after_shutdown=self._dropped_after_shutdown,
            dropped_queue_full=pipeline.dropped if pipeline else 0,
            export_failures=pipeline.export_failures if pipeline else 0,
            subscriber_errors=self._subscriber_errors,
            emit_errors=self._emit_errors,
            sdk_messages=(pipeline.sdk_messages if pipeline else 0)
            + (metrics.sdk_messages if metrics else 0)
            + (traces.sdk_messages if traces else 0),
            spooled=spool.spooled if spool else 0,
            dropped_spool_full=spool.dropped if spool else 0,
            spool_failures=spool.failed if spool else 0,
            spool_delivered=spool.delivered if spool else 0,
            spool_delivered_interrupted=spool.delivered_interrupted if spool else 0,
            spool_pending=spool.pending_events() if spool and self._closed else 0,
            metric_export_failures=metrics.export_failures if metrics else 0,
            dropped_measurements=metrics.dropped if metrics else 0,
            metric_points_spooled=metrics.points_spooled if metrics else 0,
            metric_points_delivered=metrics.points_delivered if metrics else 0,
            metric_points_pending=metrics.points_pending() if metrics and self._closed else 0,
            span_parent_errors=spans.parent_errors if spans else 0,
            span_attributes_after_end=spans.attributes_after_end if spans else 0,
            spans_ended_at_shutdown=spans.ended_at_shutdown if spans else 0,
            spans_dropped=traces.spans_dropped if traces else 0,
            spans_spooled=traces.spans_spooled if traces else 0,
            spans_delivered=traces.spans_delivered if traces else 0,
            spans_pending=traces.spans_pending if traces and self._closed else 0,
            span_export_failures=traces.span_export_failures if traces else 0,
        )

    def wait_until_started(self, timeout: float | None = None) -> bool:
        """Wait until the exporter pipeline, started in the background, is running (or
        failed to); True when it is over within `timeout` (default: the config's) seconds.

        Never needed for correctness (events emitted meanwhile wait in a bounded queue);
        for measurements and tests that must see the running pipeline."""
        deadline = time.monotonic() + self._timeout(timeout)
        pipeline, metrics = self._pipeline, self._metrics
        started = pipeline is None or pipeline.wait_until_started(_left(deadline))
        return (metrics is None or metrics.wait_until_started(_left(deadline))) and started

    def force_flush(self, timeout: float | None = None) -> bool:
        """Export what is queued (events, ended spans, and the metrics collected so far);
        returns within `timeout` (default: the config's) seconds."""
        if self._closed:
            return True
        deadline = time.monotonic() + self._timeout(timeout)
        pipeline, metrics, traces = self._pipeline, self._metrics, self._traces
        flushed = pipeline is None or pipeline.force_flush(_left(deadline))
        flushed = (traces is None or traces.force_flush(_left(deadline))) and flushed
        return (metrics is None or metrics.force_flush(_left(deadline))) and flushed

    def shutdown(self, timeout: float | None = None) -> bool:
        """Flush and stop exporting, within `timeout` (default: the config's) seconds.

        Idempotent. Returns True when everything queued was exported.
        """
        with self._lock:
            if self._closed:
                return True
            self._closed = True
            spans = self._spans if not isinstance(self._spans, _SpansAfterShutdown) else None
            self._update_recording()  # measurements go through `_dispatch_measurement` again
        atexit.unregister(self._shutdown_at_exit)
        if spans is not None:
            try:
                # Before the pipelines flush, so that these spans are exported with them.
                spans.end_open_spans()
            except Exception:
                logger.debug("codex-otel: open spans could not be ended", exc_info=True)
        deadline = time.monotonic() + self._timeout(timeout)
        pipeline, metrics, traces = self._pipeline, self._metrics, self._traces
        # The metrics' and the spans' last exports (the spans ended above included) run
        # while the logs flush: one bound for all.
        if metrics is not None:
            metrics.request_shutdown()
        if traces is not None:
            traces.request_shutdown()
        try:
            delivered = pipeline is None or pipeline.shutdown(_left(deadline))
            delivered = (traces is None or traces.shutdown(_left(deadline))) and delivered
        except KeyboardInterrupt:
            # Ctrl-C during the exit wait: spooled now, then the caller's (`_signals.py`).
            from ._signals import interrupted

            raise interrupted(pipeline, traces) from None
        return (metrics is None or metrics.shutdown(_left(deadline))) and delivered

    def _shutdown_at_exit(self) -> None:
        try:
            self.shutdown()
        except KeyboardInterrupt:  # spooled already; at exit there is no caller to tell
            logger.debug("codex-otel: interrupted during the exit wait; events spooled")
        except Exception:  # never turn a clean interpreter exit into a traceback
            logger.exception("codex-otel: shutdown at exit failed")

    def _timeout(self, timeout: float | None) -> float:
        return self.config.shutdown_timeout if timeout is None else timeout

    def _report_once(self, kind: str, message: str) -> None:
        if kind not in self._reported:
            self._reported.add(kind)
            logger.warning(message)

    def __enter__(self) -> Telemetry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        state = "shut down" if self._closed else "running"
        return f"Telemetry(exporter={self.config.exporter.kind!r}, {state})"


class _SpansAfterShutdown:
    """What `Conversation.start_span` finds after shutdown where spans were recorded:
    each span is dropped and counted (`dropped_after_shutdown`, reported once), its
    scope the no-op one. Where nothing recorded spans, nothing is lost: no count."""

    __slots__ = ("_drop",)

    def __init__(self, drop: Callable[[], None]) -> None:
        self._drop = drop

    def scope(
        self, definition: SpanDefinition, attributes: Attributes, handle: type[H]
    ) -> SpanScope[H]:
        self._drop()
        return noop_scope(handle)


_NO_INSTRUMENTS: Mapping[int, tuple[Callable[..., None], type, MetricDefinition]] = (
    MappingProxyType({})
)


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.0)


_TIMESTAMPS = TimestampFormatter()


class Conversation(Generic[M]):
    """The per-conversation handle emitters take: telemetry plus the common metadata."""

    __slots__ = (
        "_attributes",
        "_event_name_keys",
        "_telemetry",
        "_timestamp_keys",
        "metadata",
        "metric_attributes",
    )

    def __init__(self, telemetry: Telemetry, metadata: M) -> None:
        self._telemetry = telemetry
        self.metadata = metadata
        # Built once per conversation, not per event, and made valid UTF-8 here, once.
        self._attributes = wire_attributes(metadata.to_attributes())
        computed = metadata.COMPUTED.items()
        self._event_name_keys = tuple(key for key, kind in computed if kind == "event_name")
        self._timestamp_keys = tuple(key for key, kind in computed if kind == "timestamp")
        # The metadata every metric carries (`METRIC_KEYS`: none for a catalog without
        # metrics), also built once.
        metric_keys: tuple[str, ...] = getattr(metadata, "METRIC_KEYS", ())
        #: The metadata's attributes every metric carries, each string a valid metric tag
        #: (`metric_tags`); read-only by contract: generated recorders start each point
        #: from it.
        self.metric_attributes: Attributes = {
            key: _tag(value) for key, value in self._attributes.items() if key in metric_keys
        }

    @property
    def telemetry(self) -> Telemetry:
        return self._telemetry

    @property
    def recording(self) -> bool:
        """False when no exporter and no subscriber would see an event."""
        return self._telemetry.recording

    @property
    def metrics_recording(self) -> bool:
        """False when no metrics pipeline and no measurement subscriber would see a
        measurement."""
        return self._telemetry.metrics_recording

    def allows(self, toggle: str) -> bool:
        """The value of a privacy toggle from the config."""
        return self._telemetry.allows(toggle)

    def protect(  # noqa: PLR0917 (the generated call's positional form is the contract)
        self,
        attributes: Attributes,
        key: str,
        value: AttributeValue,
        toggle: str,
        placeholder: str,
        off_mode: str,
        max_length: int | None,
    ) -> None:
        """Store into `attributes` what `toggle`'s mode sends for the policy attribute
        `key`: `keep` the value (cut to `max_length` on the export thread, after the
        secret scrubber), `redact` the `placeholder`, `hash` a keyed HMAC-SHA256 (64 hex
        digits), `length` `<key>.length` only, `drop` nothing. A toggle that is off sends
        `off_mode`. Never raises."""
        try:
            self._telemetry._privacy.protect(
                attributes, key, value, toggle, placeholder, off_mode, max_length
            )
        except Exception:
            attributes[key] = placeholder
            self._telemetry._note_emit_error()

    def with_metadata(self, **changes: Any) -> Conversation[M]:
        """A copy whose metadata has `changes` applied (field names of the metadata class)."""
        return Conversation(self._telemetry, dataclasses.replace(self.metadata, **changes))  # type: ignore[type-var]

    def emit(self, event_name: str, attributes: Attributes) -> None:
        """Add the computed attributes (event name, timestamp) and the metadata to
        `attributes`, make every string valid UTF-8, and dispatch. Never raises.

        This is the one place every value passes before subscribers and the exporter see
        it: a string that UTF-8 cannot encode (lone surrogates) gets U+FFFD for each bad
        code point here, instead of costing the attribute or the batch in an encoder.
        """
        try:
            now = time.time_ns()
            record: Attributes = {}
            for key in self._event_name_keys:
                record[key] = event_name
            if self._timestamp_keys:
                stamp = _TIMESTAMPS.format(now)
                for key in self._timestamp_keys:
                    record[key] = stamp
            record.update(self._attributes)
            for key, value in attributes.items():
                # Inline fast path: an ASCII string or a number is used as it is.
                if type(value) is str:
                    record[key] = value if value.isascii() else wire_string(value)
                elif isinstance(value, (list, tuple, str)):  # arrays, and str subclasses
                    record[key] = wire_value(value)
                else:
                    record[key] = value
            self._telemetry._dispatch(event_name, record, now)
        except Exception:
            self._telemetry._note_emit_error()

    def record(self, metric: MetricDefinition, value: int | float, attributes: Attributes) -> None:
        """Add the metadata's metric attributes to `attributes` (the metric's own win
        no key: the catalog refuses a clash), hold every string to the characters a metric
        tag may hold (`metric_tags`: a value is sanitised; a point with a key outside
        them, or `le`, is dropped and counted in `TelemetryStats.emit_errors`), and hand
        the measurement on. Never raises."""
        try:
            point: Attributes = dict(self.metric_attributes)
            for key, value_ in attributes.items():
                if not is_tag_key(key):
                    raise ValueError(f"{metric.name}: {key!r} cannot be a metric tag key")
                point[key] = _tag(value_)
        except Exception:
            self._telemetry._note_emit_error()
            return
        self.record_point(metric, value, point)

    def record_point(self, metric: MetricDefinition, value: int | float, point: Attributes) -> None:
        """Hand on a complete point: `metric_attributes` included and every string valid
        UTF-8, as generated recorders build it (the model knows which arguments are free
        text; `record` does both for any caller). Never raises."""
        try:
            telemetry = self._telemetry
            entry = telemetry._instruments.get(id(metric))
            if entry is None:
                telemetry._measure(metric, value, point)
                return
            # The pipeline's instrument, called here (see `Telemetry._instruments`). The
            # point's value type (asInt / asDouble) follows the definition's.
            add, kind, _ = entry
            add(value if type(value) is kind else kind(value), point)
        except Exception:
            self._telemetry._note_emit_error()

    def start_span(
        self, definition: SpanDefinition, attributes: Attributes, handle: type[H]
    ) -> SpanScope[H]:
        """The scope of a catalog span (`with`/`async with` it): `attributes` are those
        known at start; `handle` is the generated handle class its block gets. When
        nothing records spans, one shared scope that does nothing (the cheap path).
        Never raises here; entering raises `SpanParentError` only with
        `span_parents = "raise"`."""
        spans = self._telemetry._spans
        if spans is None:
            # The shared scope of `handle`'s class, looked up here (one call less).
            return _NOOP_SCOPES.get(handle) or noop_scope(handle)  # type: ignore[return-value]
        return spans.scope(definition, attributes, handle)

    def __repr__(self) -> str:
        return f"Conversation({self.metadata!r})"
