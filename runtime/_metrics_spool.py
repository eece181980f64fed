"""Metrics across outages: the points of a failed metric export kept in the spool, and
delivered later with their original timestamps.

The spool is the events' (`_spool.py`: same root, same folder and file rules, same cap,
claim by rename, hostile files set aside); metric points have a destination folder of
their own (the metrics exporter's destination, hashed with the word "metrics", so that a
logs spool and a metrics spool never read each other's files) and their own line format
(`MetricSpool`). A file is one header line (format `codex-otel-metric-spool`, the
resource and scope) and one line per data point: its metric (name, kind, unit,
description, temporality, monotonic), attributes, start and end time, and value (a
histogram's count, sum, bucket counts, bounds, min and max). Exemplars are not kept.

What a failed export leaves (`MetricSpooling.keep`, the guarded exporter's hook):

- Delta points (and gauge points under the `delta` preference) are written as they are,
  one file per failed export: each is a part of the total that no later point repeats.
- Cumulative points (and gauge points otherwise) replace the spooled point of their
  stream (metric name, attributes and start time): each holds everything before it, so
  only the newest is kept. This process's cumulative points are one file, rewritten at
  each failed export (the new file first, then the old one goes): the spool does not grow
  with the outage's length. The file is claimed by this process while it runs (no
  delivery sends points this run's next export makes stale), pending once it shut down.

Delivery: earlier runs' files at the start (on a thread), and, once an export succeeds
after one failed, this run's own (the cumulative file is then dropped: the export that
just succeeded carries newer points of every stream of this process) and whatever is
still pending; at shutdown, once the last collection was exported, what the start's
delivery has not reached, within the shutdown's bound. Each file is claimed, exported as
one request with its points' original timestamps, and deleted: a delivered file is never
delivered again (at least once: a process killed between the collector's answer and the
delete has it delivered again by the next run).

Never raises into the host; the SDK is imported only by the functions that convert
(called by the running pipeline, which imported it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeGuard

from ._fork import at_fork
from ._spool import (
    Batch,
    Event,
    Spool,
    UnreadableFile,
    _attributes,
    _brief,
    _is_stamp,
    default_root,
    destination_key,
)
from ._spool_bridge import deliver_batches
from .config import OtelConfig

logger = logging.getLogger("codex_otel")

FORMAT = "codex-otel-metric-spool"
#: OTLP's AggregationTemporality numbers; 0 for a gauge (it has none).
DELTA, CUMULATIVE = 1, 2
_KINDS = ("sum", "gauge", "histogram")


@dataclass(frozen=True)
class MetricPoint(Event):
    """One spooled data point. As an `Event`: `name` is the metric's, `timestamp_ns` the
    point's time (`time_unix_nano`), `observed_ns` its start time."""

    kind: str
    unit: str
    description: str
    temporality: int
    monotonic: bool
    #: A number point's value; a histogram's sum.
    value: int | float
    count: int = 0
    bucket_counts: tuple[int, ...] = ()
    bounds: tuple[float, ...] = ()
    minimum: float = 0.0
    maximum: float = 0.0

    @property
    def start_ns(self) -> int:
        return self.observed_ns


class MetricSpool(Spool):
    """The spool folder of one metrics destination: `Spool`, with points for events."""

    format_name = FORMAT

    def _event_line(self, event: Event) -> dict[str, Any]:
        if not isinstance(event, MetricPoint):
            raise TypeError(f"not a metric point: {type(event).__name__}")
        line: dict[str, Any] = {
            "metric": event.name,
            "kind": event.kind,
            "unit": event.unit,
            "description": event.description,
            "temporality": event.temporality,
            "monotonic": event.monotonic,
            "start": event.observed_ns,
            "time": event.timestamp_ns,
            "attributes": dict(event.attributes),
            "value": event.value,
        }
        if event.kind == "histogram":
            line.update(
                count=event.count,
                counts=list(event.bucket_counts),
                bounds=list(event.bounds),
                min=event.minimum,
                max=event.maximum,
            )
        return line

    def _event_from(self, value: dict[str, Any], number: int) -> Event:
        def bad(what: str) -> UnreadableFile:
            return UnreadableFile(f"line {number}: not a metric point ({what})")

        name, kind, unit = value.get("metric"), value.get("kind"), value.get("unit")
        description = value.get("description")
        if not (isinstance(name, str) and isinstance(unit, str) and isinstance(description, str)):
            raise bad("metric, unit, description")
        if kind not in _KINDS:
            raise bad(f"kind {_brief(kind)}")
        temporality, monotonic = value.get("temporality"), value.get("monotonic")
        if temporality not in (0, DELTA, CUMULATIVE) or not isinstance(monotonic, bool):
            raise bad("temporality, monotonic")
        start, stamp = value.get("start"), value.get("time")
        if not (_is_stamp(start) and _is_stamp(stamp)):
            raise bad("start, time")
        attributes = value.get("attributes")
        if not isinstance(attributes, dict):
            raise bad("attributes")
        number_ = value.get("value")
        if not _is_number(number_):
            raise bad("value")
        histogram: dict[str, Any] = {}
        if kind == "histogram":
            count, counts, bounds = value.get("count"), value.get("counts"), value.get("bounds")
            low, high = value.get("min"), value.get("max")
            if not (
                _is_count(count)
                and isinstance(counts, list)
                and all(_is_count(item) for item in counts)
                and isinstance(bounds, list)
                and all(_is_number(item) for item in bounds)
                and len(counts) == len(bounds) + 1
                and _is_number(low)
                and _is_number(high)
            ):
                raise bad("histogram")
            histogram = {
                "count": count,
                "bucket_counts": tuple(counts),
                "bounds": tuple(float(item) for item in bounds),
                "minimum": float(low),
                "maximum": float(high),
            }
        return MetricPoint(
            name=name,
            timestamp_ns=stamp,
            observed_ns=start,
            attributes=_attributes(attributes, number),
            kind=kind,
            unit=unit,
            description=description,
            temporality=temporality,
            monotonic=monotonic,
            value=number_,
            **histogram,
        )


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**64


def metric_spool_for(config: OtelConfig) -> MetricSpool | None:
    """The metrics spool of the configured metrics destination, or None (the spool is
    off, or the metrics exporter never spools: `none`, the file exporter)."""
    settings = config.spool
    key = destination_key(config.metrics_exporter)
    if not settings.enabled or key is None:
        return None
    folder = hashlib.sha256(f"metrics\n{key}".encode("ascii")).hexdigest()[:32]
    root = settings.path if settings.path is not None else default_root()
    return MetricSpool(root, folder, settings.max_bytes)


# --- SDK metrics data <-> spooled points ---------------------------------------------------


def batches_from_metrics(metrics_data: Any) -> tuple[list[Batch], int]:
    """The points of an SDK `MetricsData`, one batch per resource and scope, and how many
    points could not be kept (kinds the spool does not know: exponential histograms)."""
    from opentelemetry.sdk.metrics.export import Gauge, Histogram, Sum

    batches: list[Batch] = []
    unknown = 0
    for resource_metrics in metrics_data.resource_metrics:
        resource = dict(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            scope = scope_metrics.scope
            points: list[MetricPoint] = []
            for metric in scope_metrics.metrics:
                data = metric.data
                common = {
                    "name": metric.name,
                    "unit": metric.unit or "",
                    "description": metric.description or "",
                }
                if isinstance(data, Sum | Gauge):
                    kind = "sum" if isinstance(data, Sum) else "gauge"
                    temporality = int(data.aggregation_temporality) if isinstance(data, Sum) else 0
                    monotonic = bool(data.is_monotonic) if isinstance(data, Sum) else False
                    points.extend(
                        MetricPoint(
                            timestamp_ns=point.time_unix_nano,
                            observed_ns=point.start_time_unix_nano or 0,
                            attributes=dict(point.attributes or {}),  # type: ignore[arg-type]
                            kind=kind,
                            temporality=temporality,
                            monotonic=monotonic,
                            value=point.value,
                            **common,
                        )
                        for point in data.data_points
                    )
                elif isinstance(data, Histogram):
                    points.extend(
                        MetricPoint(
                            timestamp_ns=point.time_unix_nano,
                            observed_ns=point.start_time_unix_nano,
                            attributes=dict(point.attributes or {}),  # type: ignore[arg-type]
                            kind="histogram",
                            temporality=int(data.aggregation_temporality),
                            monotonic=False,
                            value=point.sum,
                            count=point.count,
                            bucket_counts=tuple(point.bucket_counts),
                            bounds=tuple(point.explicit_bounds),
                            minimum=point.min,
                            maximum=point.max,
                            **common,
                        )
                        for point in data.data_points
                    )
                else:
                    unknown += len(getattr(data, "data_points", ()))
            if points:
                batches.append(Batch(resource, scope.name, scope.version, tuple(points)))
    return batches, unknown


def metrics_from_batch(batch: Batch) -> Any:
    """The SDK `MetricsData` of a spooled batch: its resource and scope (the emitting
    process's), one metric per name and kind, the points with their own timestamps."""
    from opentelemetry.sdk.metrics.export import (
        AggregationTemporality,
        Gauge,
        Histogram,
        HistogramDataPoint,
        Metric,
        MetricsData,
        NumberDataPoint,
        ResourceMetrics,
        ScopeMetrics,
        Sum,
    )
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope

    grouped: dict[tuple[str, str, str, str, int, bool], list[MetricPoint]] = {}
    for point in batch.events:
        assert isinstance(point, MetricPoint)  # a `MetricSpool` reads nothing else
        key = (
            point.name,
            point.kind,
            point.unit,
            point.description,
            point.temporality,
            point.monotonic,
        )
        grouped.setdefault(key, []).append(point)
    metrics = []
    for (name, kind, unit, description, temporality, monotonic), points in grouped.items():
        data: Any
        if kind == "histogram":
            data = Histogram(
                data_points=[
                    HistogramDataPoint(
                        attributes=dict(point.attributes),
                        start_time_unix_nano=point.start_ns,
                        time_unix_nano=point.timestamp_ns,
                        count=point.count,
                        sum=point.value,
                        bucket_counts=list(point.bucket_counts),
                        explicit_bounds=list(point.bounds),
                        min=point.minimum,
                        max=point.maximum,
                    )
                    for point in points
                ],
                aggregation_temporality=AggregationTemporality(temporality),
            )
        else:
            numbers = [
                NumberDataPoint(
                    attributes=dict(point.attributes),
                    start_time_unix_nano=point.start_ns,
                    time_unix_nano=point.timestamp_ns,
                    value=point.value,
                )
                for point in points
            ]
            data = (
                Gauge(data_points=numbers)
                if kind == "gauge"
                else Sum(
                    data_points=numbers,
                    aggregation_temporality=AggregationTemporality(temporality),
                    is_monotonic=monotonic,
                )
            )
        metrics.append(Metric(name=name, description=description, unit=unit, data=data))
    scope = InstrumentationScope(batch.scope_name, batch.scope_version)
    return MetricsData(
        resource_metrics=[
            ResourceMetrics(
                resource=Resource(dict(batch.resource)),
                scope_metrics=[ScopeMetrics(scope=scope, metrics=metrics, schema_url="")],
                schema_url="",
            )
        ]
    )


# --- the pipeline's spooling ---------------------------------------------------------------

#: A cumulative stream: the batch's resource and scope, the metric, attributes, start time.
_Stream = tuple[str, str, str, str, str, int]


class MetricSpooling:
    """What the metrics pipeline does with its spool (see the module doc). Thread-safe;
    never raises."""

    def __init__(self, spool: MetricSpool, *, gauges_cumulative: bool) -> None:
        self.spool = spool
        self._gauges_cumulative = gauges_cumulative
        self._lock = threading.Lock()
        #: The newest spooled point of each cumulative stream of this process, with the
        #: batch (resource, scope) it came in.
        self._newest: dict[_Stream, tuple[Batch, MetricPoint]] = {}
        #: This process's cumulative files (their pending names, held claimed while it
        #: runs) and their point counts, replaced at each failure.
        self._cumulative_files: list[tuple[str, int]] = []
        #: Something waits in the spool that this run may deliver once an export succeeds.
        self._undelivered = True
        #: The latest export of this run's own points reached the collector.
        self._last_ok = False
        #: Points written to the spool (a cumulative point replaced by a newer one of its
        #: stream counted once), and points that could not be kept.
        self.spooled = 0
        self.lost = 0
        #: Exports the spooled points (`GuardedMetricExporter.export_unspooled`), and says
        #: when a delivery must stop (the exporter was aborted); set by the start.
        self.send: Callable[[Any], bool] = lambda metrics_data: False
        self.stopped: Callable[[], bool] = lambda: False
        #: Held while a delivery runs (one at a time).
        self._delivering = threading.Lock()
        at_fork(after_in_child=self._reinit_after_fork)

    def _reinit_after_fork(self) -> None:
        # Locks a parent's thread held at the fork stay held in the child, and the
        # delivery thread is the parent's (so are its claims: see `Spool`).
        self._lock = threading.Lock()
        self._delivering = threading.Lock()

    @property
    def last_export_ok(self) -> bool:
        """The latest export of this run's own points reached the collector."""
        return self._last_ok

    @property
    def delivered(self) -> int:
        """Points delivered from the spool by this process (their files removed)."""
        return self.spool.delivered

    def pending(self) -> int:
        """Points waiting in the spool now (this run's and older ones)."""
        return self.spool.pending_events()

    # --- a failed export -----------------------------------------------------------------

    def keep(self, metrics_data: Any) -> bool:
        """The exporter's hook for a failed export: its points to the spool. True when
        every point was kept."""
        try:
            return self._keep(metrics_data)
        except Exception:
            logger.debug("codex-otel: spooling metric points failed", exc_info=True)
            return False

    def _keep(self, metrics_data: Any) -> bool:
        batches, unknown = batches_from_metrics(metrics_data)
        kept = unknown == 0
        with self._lock:
            self.lost += unknown
            self._undelivered = True
            self._last_ok = False
            rewrite = False
            for batch in batches:
                added: list[Event] = []
                for point in batch.events:
                    assert isinstance(point, MetricPoint)
                    if self._replaced(point):
                        stream = _stream(batch, point)
                        if stream not in self._newest:
                            self.spooled += 1
                        self._newest[stream] = (batch, point)
                        rewrite = True
                    else:
                        added.append(point)
                if added:
                    written = self.spool.write(
                        Batch(batch.resource, batch.scope_name, batch.scope_version, tuple(added))
                    )
                    self.spooled += written
                    self.lost += len(added) - written
                    kept = kept and written == len(added)
            if rewrite:
                kept = self._rewrite_cumulative() and kept
        return kept

    def _replaced(self, point: MetricPoint) -> bool:
        """Whether a newer point of its stream replaces `point` (cumulative)."""
        if point.kind == "gauge":
            return self._gauges_cumulative
        return point.temporality == CUMULATIVE

    def _rewrite_cumulative(self) -> bool:
        """Write the newest point of every cumulative stream, then remove the files they
        replace (in that order: a kill in between leaves both, never neither).

        The files stay claimed by this process while it runs (`Spool.write_ahead`): no
        delivery, this run's or another's, sends points that this run's next export
        makes stale. `close` makes them pending; a killed run's claim is taken back by
        the next run, as any claim of a dead process."""
        groups: dict[tuple[str, str, str], tuple[Batch, list[Event]]] = {}
        for stream, (batch, point) in self._newest.items():
            groups.setdefault(stream[:3], (batch, []))[1].append(point)
        written: list[tuple[str, int]] = []
        complete = True
        for batch, points in groups.values():
            name = self.spool.write_ahead(
                Batch(batch.resource, batch.scope_name, batch.scope_version, tuple(points))
            )
            if name is None:
                complete = False
                continue
            written.append((name, len(points)))
        if complete:
            self._settle_cumulative(delivered=True)  # replaced: gone
            self._cumulative_files = written
        else:
            # Keep the older files too: a point is better delivered stale than not at all.
            self._cumulative_files += written
        return complete

    def _settle_cumulative(self, *, delivered: bool) -> None:
        """This run's cumulative files: deleted (`delivered`: replaced, or made stale by
        an export that succeeded), else made pending for a later run."""
        files, self._cumulative_files = self._cumulative_files, []
        for name, points in files:
            self.spool.settle_ahead(name, points, delivered=delivered)

    # --- a successful export -------------------------------------------------------------

    def exported(self) -> None:
        """The exporter's hook for a successful export: the collector is back. This
        process's cumulative points are stale (the export carried newer ones of every
        stream) and go; what waits in the spool is delivered on a thread."""
        with self._lock:
            self._last_ok = True
            if not self._undelivered:
                return
            self._undelivered = False
            self._settle_cumulative(delivered=True)
            self._newest.clear()
        if not self.deliver_in_background():
            # A delivery runs already, and may have listed the files before this run's
            # were written: the next successful export (or the shutdown) tries again.
            with self._lock:
                self._undelivered = True

    # --- delivery ----------------------------------------------------------------------

    def deliver_in_background(self) -> bool:
        """Deliver the spool on a daemon thread, one at a time: False (nothing started)
        while one runs, or when no thread can start."""
        if not self._delivering.acquire(blocking=False):
            return False
        thread = threading.Thread(
            target=self._deliver_and_release, name="codex-otel-metrics-spool", daemon=True
        )
        try:
            thread.start()
        except RuntimeError:  # out of threads, or the interpreter is exiting
            self._delivering.release()
            return False
        return True

    def _deliver_and_release(self) -> None:
        try:
            self._deliver()
        finally:
            self._delivering.release()

    def _deliver(self) -> None:
        """One delivery of the spool; the caller holds `_delivering`."""
        try:
            _, swept = deliver_batches(
                self.spool,
                lambda batch: self.send(metrics_from_batch(batch)),
                self.stopped,
                what="metric points",
            )
            if not swept:
                with self._lock:
                    self._undelivered = True
        except Exception:  # never let the delivery of old points hurt the host
            logger.debug("codex-otel: delivering the metrics spool failed", exc_info=True)

    def before_close(self) -> None:
        """At shutdown, after the last collection was exported (the exporter still open):
        let a running delivery finish, then deliver what waits when the last export
        succeeded. Cut off when the shutdown's bound is reached (`stopped()`)."""
        # On the shutdown thread: the caller's wait is bounded, and an abort at its bound
        # makes a delivery's exports fail at once.
        with self._delivering:
            with self._lock:
                again = self._last_ok and self._undelivered
            if again and not self.stopped():
                self._deliver()

    def close(self) -> None:
        """The process is done with the spool (its shutdown, or a signal): this run's
        cumulative points become pending, for a later run; files being delivered go
        back."""
        with self._lock:
            self._settle_cumulative(delivered=False)
        self.spool.release_held()


def _stream(batch: Batch, point: MetricPoint) -> _Stream:
    attributes = json.dumps(sorted(point.attributes.items()), default=str)
    resource = json.dumps(sorted(batch.resource.items()), default=str)
    return (
        resource,
        batch.scope_name,
        batch.scope_version or "",
        point.name,
        attributes,
        point.start_ns,
    )
