"""The neutral shape every source is decoded into: log records, or metrics and their data
points, grouped by their resource.

Values are decoded OTLP `AnyValue`s as Python values: `str`, `int`, `float`, `bool`,
`list` (arrayValue), `dict` (kvlistValue), `bytes` (bytesValue) and `None` (no value),
the same shapes `telemetry.capture()` hands subscribers, so one checker serves the wire
and the test suite.
"""

from __future__ import annotations

from typing import NamedTuple


class LiveRecord(NamedTuple):
    #: The OTLP EventName; "" when the record has none.
    event_name: str
    attributes: dict[str, object]
    #: The record's body (an AnyValue); None when it has none. Only scanned for secrets.
    body: object = None


class ResourceRecords(NamedTuple):
    #: The resource's attributes; None when the source has no resource (in-process capture).
    resource: dict[str, object] | None
    records: list[LiveRecord]
    #: The attributes of each instrumentation scope that has any. Only scanned for secrets.
    scopes: tuple[dict[str, object], ...] = ()


class LivePoint(NamedTuple):
    """One data point of a metric."""

    attributes: dict[str, object]
    #: `int` (asInt) or `double` (asDouble) for sum and gauge points; None for the others.
    value_type: str | None = None
    #: A histogram point's explicit bucket bounds; None for the others.
    bounds: tuple[float, ...] | None = None


class LiveMetric(NamedTuple):
    name: str
    #: The instrument the point type says: `counter` (a monotonic sum), `updowncounter`
    #: (a non-monotonic sum), `histogram`, `gauge`, or what OTLP sent that no catalog
    #: instrument makes: `exponential_histogram`, `summary`, `empty`.
    instrument: str
    unit: str
    points: list[LivePoint]


class ResourceMetrics(NamedTuple):
    resource: dict[str, object] | None
    metrics: list[LiveMetric]
    #: The attributes of each instrumentation scope that has any. Only scanned for secrets.
    scopes: tuple[dict[str, object], ...] = ()


#: What a decoded export request holds: log records or metrics, by resource.
Batch = ResourceRecords | ResourceMetrics


class InvalidRequest(ValueError):
    """The input is not an OTLP logs or metrics export request; the message says where and
    why."""
