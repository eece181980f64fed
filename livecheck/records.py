"""The neutral shape every source is decoded into: log records, metrics and their data
points, or spans, grouped by their resource.

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


class LiveSpan(NamedTuple):
    """One ended span, as OTLP carries it (no catalog id travels on the wire)."""

    name: str
    #: `internal`, `server`, `client`, `producer`, `consumer`, or `unspecified` (OTLP's 0).
    kind: str
    #: Lowercase hex: 32 characters for the trace, 16 for spans ("" when absent).
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, object]
    #: `unset`, `ok` or `error`.
    status: str = "unset"
    #: The span's events (the SDK's `exception`, say): name and attributes. Their
    #: attributes are only scanned for secrets: catalog events travel as log records.
    events: tuple[tuple[str, dict[str, object]], ...] = ()


class ResourceSpans(NamedTuple):
    resource: dict[str, object] | None
    spans: list[LiveSpan]
    #: The attributes of each instrumentation scope that has any. Only scanned for secrets.
    scopes: tuple[dict[str, object], ...] = ()


#: OTLP's `Span.SpanKind` numbers, as the catalog names kinds.
SPAN_KINDS: tuple[str, ...] = (
    "unspecified",
    "internal",
    "server",
    "client",
    "producer",
    "consumer",
)
#: OTLP's `Status.StatusCode` numbers.
STATUS_CODES: tuple[str, ...] = ("unset", "ok", "error")


#: What a decoded export request holds: log records, metrics or spans, by resource.
Batch = ResourceRecords | ResourceMetrics | ResourceSpans


class InvalidRequest(ValueError):
    """The input is not an OTLP logs, metrics or traces export request; the message says
    where and why."""
