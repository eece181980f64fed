"""What a receiver records (log records, metric points, spans), how OTLP messages are
flattened, and the shared recording API.

Only the standard library is imported at module level, so importing this package (for
example from a conftest) works even where opentelemetry-proto or grpcio are missing; the
protobuf modules are imported when a message is decoded.
"""

from __future__ import annotations

import base64
import contextlib
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

#: A decoded OTLP ``AnyValue``: arrays become lists, kvlists dicts, an empty value None.
Value: TypeAlias = "str | int | float | bool | bytes | list[Value] | dict[str, Value] | None"

DEFAULT_WAIT = 5.0


@dataclass(frozen=True)
class ReceivedRecord:
    """One OTLP ``LogRecord`` with its resource and scope, flattened."""

    event_name: str
    attributes: dict[str, Value]
    time_unix_nano: int
    observed_time_unix_nano: int
    resource: dict[str, Value]
    scope_name: str
    scope_version: str = ""
    severity_number: int = 0
    severity_text: str = ""
    body: Value = None
    trace_id: str = ""
    """Lower-case hex, "" when unset."""
    span_id: str = ""
    flags: int = 0
    transport: str = ""
    """"http" or "grpc": which receiver got it."""


@dataclass(frozen=True)
class ReceivedPoint:
    """One OTLP metric data point with its metric, resource and scope, flattened."""

    name: str
    #: "sum", "gauge" or "histogram": the metric's data field.
    kind: str
    unit: str
    description: str
    attributes: dict[str, Value]
    #: A number point's value (int for asInt, float for asDouble); a histogram's sum.
    value: int | float
    time_unix_nano: int
    start_time_unix_nano: int
    resource: dict[str, Value]
    scope_name: str
    #: 1 delta, 2 cumulative, 0 for gauges (OTLP's AggregationTemporality).
    temporality: int = 0
    monotonic: bool = False
    count: int = 0
    bucket_counts: tuple[int, ...] = ()
    explicit_bounds: tuple[float, ...] = ()
    transport: str = ""


#: OTLP ``Span.SpanKind`` numbers -> the catalog's kind names ("unspecified" for 0).
SPAN_KINDS = ("unspecified", "internal", "server", "client", "producer", "consumer")
#: OTLP ``Status.StatusCode`` numbers -> the names span subscribers use.
STATUS_CODES = ("unset", "ok", "error")


@dataclass(frozen=True)
class ReceivedSpanEvent:
    """One event of a span (the SDK records an exception as one named "exception")."""

    name: str
    time_unix_nano: int
    attributes: dict[str, Value]


@dataclass(frozen=True)
class ReceivedSpan:
    """One OTLP ``Span`` with its resource and scope, flattened."""

    name: str
    #: "internal", "client", "server", "producer", "consumer" ("unspecified" for 0).
    kind: str
    trace_id: str
    """32 lower-case hex digits."""
    span_id: str
    """16 lower-case hex digits."""
    parent_span_id: str
    """16 lower-case hex digits; "" for a span with no parent (a root)."""
    attributes: dict[str, Value]
    #: "unset", "ok" or "error".
    status: str
    status_message: str
    events: tuple[ReceivedSpanEvent, ...]
    resource: dict[str, Value]
    scope_name: str
    scope_version: str = ""
    start_time_unix_nano: int = 0
    end_time_unix_nano: int = 0
    trace_state: str = ""
    #: (trace_id, span_id) of each link, hex.
    links: tuple[tuple[str, str], ...] = ()
    transport: str = ""
    """"http", "grpc" or "rotel": which receiver got it."""

    @property
    def event_names(self) -> tuple[str, ...]:
        return tuple(event.name for event in self.events)


@dataclass(frozen=True)
class ReceivedRequest:
    """One HTTP request or gRPC call as the receiver saw it, with how it was answered."""

    transport: str
    """"http" or "grpc"."""
    path: str
    """HTTP request path, or the gRPC method ("/opentelemetry.proto...LogsService/Export")."""
    headers: dict[str, str]
    """Lower-cased names. For gRPC the invocation metadata; ``-bin`` values base64-encoded."""
    content_type: str
    """Media type without parameters ("application/x-protobuf", "application/json",
    "application/grpc")."""
    body: bytes
    """The body after removing Content-Encoding; for gRPC the request message as the client
    sent it (raw bytes, after grpcio removed gRPC message compression)."""
    message: Any = None
    """The decoded ``ExportLogsServiceRequest`` (None when the body could not be decoded)."""
    records: tuple[ReceivedRecord, ...] = ()
    accepted: bool = False
    """True when the receiver answered success; only then do ``records`` count as received."""
    status: int = 0
    """HTTP status sent (0: no answer, e.g. blackhole or reset), or the gRPC code number."""
    fault: str | None = None
    """The fault applied to this request, e.g. "status 503", "blackhole", "slow 0.2s"."""
    error: str | None = None
    """Why the request was rejected without a fault (decode error, unknown path, ...)."""
    client_cert_subject: str | None = None
    """Common name of the verified client certificate (mTLS), else None."""
    content_encoding: str = ""
    """The HTTP Content-Encoding as sent, lower-cased ("gzip", ...; "" when absent). Always
    "" for gRPC: grpcio does not show the handler the request's grpc-encoding."""
    points: tuple[ReceivedPoint, ...] = ()
    """The metric data points of an ``ExportMetricsServiceRequest`` (``records`` is empty)."""
    spans: tuple[ReceivedSpan, ...] = ()
    """The spans of an ``ExportTraceServiceRequest`` (``records`` is empty)."""


# --------------------------------------------------------------------------- decoding


def any_value_to_python(value: Any) -> Value:
    """Convert an ``opentelemetry.proto.common.v1.AnyValue`` to a plain Python value."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value_to_python(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return key_values_to_dict(value.kvlist_value.values)
    result: Value = getattr(value, kind)
    return result


def key_values_to_dict(key_values: Any) -> dict[str, Value]:
    """Convert repeated ``KeyValue`` to a dict (a repeated key: the last one wins)."""
    return {kv.key: any_value_to_python(kv.value) for kv in key_values}


def flatten_request(message: Any, transport: str) -> tuple[ReceivedRecord, ...]:
    """Flatten an ``ExportLogsServiceRequest`` into one record per log record."""
    out: list[ReceivedRecord] = []
    for resource_logs in message.resource_logs:
        resource = key_values_to_dict(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            scope = scope_logs.scope
            for log in scope_logs.log_records:
                out.append(
                    ReceivedRecord(
                        event_name=log.event_name,
                        attributes=key_values_to_dict(log.attributes),
                        time_unix_nano=log.time_unix_nano,
                        observed_time_unix_nano=log.observed_time_unix_nano,
                        resource=dict(resource),
                        scope_name=scope.name,
                        scope_version=scope.version,
                        severity_number=int(log.severity_number),
                        severity_text=log.severity_text,
                        body=any_value_to_python(log.body) if log.HasField("body") else None,
                        trace_id=log.trace_id.hex(),
                        span_id=log.span_id.hex(),
                        flags=log.flags,
                        transport=transport,
                    )
                )
    return tuple(out)


def flatten_metrics_request(message: Any, transport: str) -> tuple[ReceivedPoint, ...]:
    """Flatten an ``ExportMetricsServiceRequest`` into one point per data point."""
    out: list[ReceivedPoint] = []
    for resource_metrics in message.resource_metrics:
        resource = key_values_to_dict(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data")
                data = getattr(metric, kind) if kind else None
                for point in getattr(data, "data_points", ()):
                    common: dict[str, Any] = {
                        "name": metric.name,
                        "kind": kind,
                        "unit": metric.unit,
                        "description": metric.description,
                        "attributes": key_values_to_dict(point.attributes),
                        "time_unix_nano": point.time_unix_nano,
                        "start_time_unix_nano": point.start_time_unix_nano,
                        "resource": dict(resource),
                        "scope_name": scope_metrics.scope.name,
                        "temporality": int(getattr(data, "aggregation_temporality", 0)),
                        "transport": transport,
                    }
                    if kind == "histogram":
                        out.append(
                            ReceivedPoint(
                                value=point.sum,
                                count=point.count,
                                bucket_counts=tuple(point.bucket_counts),
                                explicit_bounds=tuple(point.explicit_bounds),
                                **common,
                            )
                        )
                    else:
                        number = point.WhichOneof("value")
                        out.append(
                            ReceivedPoint(
                                value=getattr(point, number) if number else 0,
                                monotonic=bool(getattr(data, "is_monotonic", False)),
                                **common,
                            )
                        )
    return tuple(out)


def _enum_name(names: tuple[str, ...], number: int) -> str:
    return names[number] if 0 <= number < len(names) else str(number)


def flatten_traces_request(message: Any, transport: str) -> tuple[ReceivedSpan, ...]:
    """Flatten an ``ExportTraceServiceRequest`` into one span per ``Span``."""
    out: list[ReceivedSpan] = []
    for resource_spans in message.resource_spans:
        resource = key_values_to_dict(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = scope_spans.scope
            for span in scope_spans.spans:
                out.append(
                    ReceivedSpan(
                        name=span.name,
                        kind=_enum_name(SPAN_KINDS, int(span.kind)),
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        attributes=key_values_to_dict(span.attributes),
                        status=_enum_name(STATUS_CODES, int(span.status.code)),
                        status_message=span.status.message,
                        events=tuple(
                            ReceivedSpanEvent(
                                name=event.name,
                                time_unix_nano=event.time_unix_nano,
                                attributes=key_values_to_dict(event.attributes),
                            )
                            for event in span.events
                        ),
                        resource=dict(resource),
                        scope_name=scope.name,
                        scope_version=scope.version,
                        start_time_unix_nano=span.start_time_unix_nano,
                        end_time_unix_nano=span.end_time_unix_nano,
                        trace_state=span.trace_state,
                        links=tuple(
                            (link.trace_id.hex(), link.span_id.hex()) for link in span.links
                        ),
                        transport=transport,
                    )
                )
    return tuple(out)


def decode_traces_request(body: bytes, *, json: bool) -> Any:
    """Decode an ``ExportTraceServiceRequest`` from protobuf bytes or OTLP/JSON text (hex ids,
    integer enums, 64-bit integers as strings or numbers; unknown fields ignored)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    message = ExportTraceServiceRequest()
    if json:
        import json as jsonlib

        from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]

        document = jsonlib.loads(body.decode("utf-8")) if body.strip() else {}
        _hex_ids_to_base64(document)
        json_format.ParseDict(document, message, ignore_unknown_fields=True)
    else:
        message.ParseFromString(body)
    return message


def decode_metrics_request(body: bytes, *, json: bool) -> Any:
    """Decode an ``ExportMetricsServiceRequest`` from protobuf bytes or OTLP/JSON text."""
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceRequest,
    )

    message = ExportMetricsServiceRequest()
    if json:
        import json as jsonlib

        from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]

        document = jsonlib.loads(body.decode("utf-8")) if body.strip() else {}
        _hex_ids_to_base64(document)  # exemplars carry trace and span ids
        json_format.ParseDict(document, message, ignore_unknown_fields=True)
    else:
        message.ParseFromString(body)
    return message


#: The OTLP/JSON fields that hold ids (log records, spans, span links, exemplars).
_ID_FIELDS = frozenset(
    {"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"}
)


def _hex_ids_to_base64(document: Any) -> None:
    """OTLP/JSON writes trace and span ids as hex; proto3 JSON expects base64 for bytes.

    Walks the whole document: an id field is a key of a message object, never an attribute
    (attributes are ``{"key": ..., "value": ...}`` objects), so no attribute is touched."""
    if isinstance(document, list):
        for item in document:
            _hex_ids_to_base64(item)
        return
    if not isinstance(document, dict):
        return
    for key, raw in document.items():
        if key in _ID_FIELDS and isinstance(raw, str) and raw:
            # not hex: leave it to the proto3 JSON (base64) rules
            with contextlib.suppress(ValueError):
                document[key] = base64.b64encode(bytes.fromhex(raw)).decode("ascii")
        elif isinstance(raw, dict | list):
            _hex_ids_to_base64(raw)


def decode_export_request(body: bytes, *, json: bool) -> Any:
    """Decode an ``ExportLogsServiceRequest`` from protobuf bytes or OTLP/JSON text.

    OTLP/JSON differs from the proto3 JSON mapping: ids are hex, enums are integers, and
    64-bit integers may be strings or numbers. Unknown fields are ignored.
    """
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
        ExportLogsServiceRequest,
    )

    message = ExportLogsServiceRequest()
    if json:
        import json as jsonlib

        from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]

        document = jsonlib.loads(body.decode("utf-8")) if body.strip() else {}
        _hex_ids_to_base64(document)
        json_format.ParseDict(document, message, ignore_unknown_fields=True)
    else:
        message.ParseFromString(body)
    return message


# --------------------------------------------------------------------------- faults


@dataclass
class Fault:
    """One queued fault; ``remaining`` None means it never expires."""

    kind: str
    """"status", "blackhole", "reset", "slow", "grpc_status", "hang"."""
    remaining: int | None
    status: int = 0
    retry_after: str | None = None
    stage: str = "request"
    """"accept": applied right after the TCP accept; otherwise once the request is read."""
    delay: float = 0.0
    code: Any = None
    message: str = ""

    def describe(self) -> str:
        if self.kind == "status":
            return f"status {self.status}"
        if self.kind == "reset":
            return f"reset@{self.stage}"
        if self.kind == "blackhole" and self.stage == "accept":
            return "blackhole@accept"
        if self.kind == "slow":
            return f"slow {self.delay:g}s"
        if self.kind == "grpc_status":
            return f"grpc {getattr(self.code, 'name', self.code)}"
        return self.kind


class FaultQueue:
    """Faults in the order they were added; each applies to the next request(s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()

    def add(self, fault: Fault) -> None:
        if fault.remaining is not None and fault.remaining <= 0:
            raise ValueError("times must be positive (or None for always)")
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, *, at_accept: bool = False) -> Fault | None:
        """Consume one use of the head fault. At accept only an accept-stage fault is taken."""
        with self._lock:
            if not self._faults:
                return None
            head = self._faults[0]
            if at_accept and head.stage != "accept":
                return None
            if head.remaining is not None:
                head.remaining -= 1
                if head.remaining == 0:
                    self._faults.popleft()
            return head


# --------------------------------------------------------------------------- recorder


class Recorder:
    """Thread-safe store of requests and records, with blocking waits (no polling)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._records: list[ReceivedRecord] = []
        self._points: list[ReceivedPoint] = []
        self._spans: list[ReceivedSpan] = []
        self._applied_faults: list[str] = []
        self._tls_errors: list[str] = []
        self._server_errors: list[str] = []
        self._connections = 0
        self._faults = FaultQueue()
        self._release = threading.Event()

    # -- writers (receiver threads)

    def _add_request(self, request: ReceivedRequest) -> None:
        with self._cond:
            self._requests.append(request)
            if request.accepted:
                self._records.extend(request.records)
                self._points.extend(request.points)
                self._spans.extend(request.spans)
            self._cond.notify_all()

    def _note_fault(self, fault: Fault) -> None:
        with self._cond:
            self._applied_faults.append(fault.describe())
            self._cond.notify_all()

    def _note_connection(self) -> None:
        with self._cond:
            self._connections += 1
            self._cond.notify_all()

    def _note_tls_error(self, error: BaseException) -> None:
        with self._cond:
            self._tls_errors.append(f"{type(error).__name__}: {error}")
            self._cond.notify_all()

    def _note_server_error(self, error: str) -> None:
        with self._cond:
            self._server_errors.append(error)
            self._cond.notify_all()

    def _hold_event(self) -> threading.Event:
        with self._cond:
            return self._release

    def _release_held(self) -> None:
        """Wake every blackholed / hanging / slow request."""
        with self._cond:
            old, self._release = self._release, threading.Event()
        old.set()

    # -- queries

    def received_records(self, event_name: str | None = None) -> list[ReceivedRecord]:
        """Records from accepted requests, in arrival order (optionally one event name)."""
        with self._cond:
            if event_name is None:
                return list(self._records)
            return [r for r in self._records if r.event_name == event_name]

    def received_points(self, name: str | None = None) -> list[ReceivedPoint]:
        """Metric data points from accepted requests, in arrival order (optionally one
        metric's)."""
        with self._cond:
            return [p for p in self._points if name is None or p.name == name]

    def wait_for_points(
        self, predicate: Callable[[list[ReceivedPoint]], bool], timeout: float = DEFAULT_WAIT
    ) -> bool:
        """Block until ``predicate(points received so far)`` is true; False on timeout."""
        return self.wait_until(lambda: predicate(self._points), timeout)

    def received_spans(self, name: str | None = None) -> list[ReceivedSpan]:
        """Spans from accepted requests, in arrival order (optionally those of one name)."""
        with self._cond:
            return [s for s in self._spans if name is None or s.name == name]

    def span_count(self) -> int:
        with self._cond:
            return len(self._spans)

    def wait_for_spans(self, count: int, timeout: float = DEFAULT_WAIT) -> bool:
        """Block until at least ``count`` spans were received; False on timeout."""
        return self.wait_until(lambda: len(self._spans) >= count, timeout)

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request seen, accepted or not, in arrival order."""
        with self._cond:
            return list(self._requests)

    def record_count(self) -> int:
        with self._cond:
            return len(self._records)

    def request_count(self) -> int:
        with self._cond:
            return len(self._requests)

    def connection_count(self) -> int:
        """TCP connections accepted (HTTP receiver only; gRPC does not expose them)."""
        with self._cond:
            return self._connections

    @property
    def applied_faults(self) -> list[str]:
        """Descriptions of the faults applied so far, in order ("status 503", ...)."""
        with self._cond:
            return list(self._applied_faults)

    @property
    def tls_errors(self) -> list[str]:
        """Failed TLS handshakes (HTTP receiver)."""
        with self._cond:
            return list(self._tls_errors)

    @property
    def server_errors(self) -> list[str]:
        """Unexpected exceptions inside the receiver (should stay empty)."""
        with self._cond:
            return list(self._server_errors)

    def clear(self) -> None:
        """Forget what was recorded (faults stay)."""
        with self._cond:
            self._requests.clear()
            self._records.clear()
            self._points.clear()
            self._spans.clear()
            self._applied_faults.clear()
            self._tls_errors.clear()
            self._server_errors.clear()
            self._connections = 0

    # -- waits

    def wait_until(self, predicate: Callable[[], bool], timeout: float = DEFAULT_WAIT) -> bool:
        """Block until ``predicate()`` is true (re-checked on every recorded event)."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def wait_for(self, count: int, timeout: float = DEFAULT_WAIT) -> bool:
        """Block until at least ``count`` records were received; False on timeout."""
        return self.wait_until(lambda: len(self._records) >= count, timeout)

    def wait_for_requests(self, count: int, timeout: float = DEFAULT_WAIT) -> bool:
        return self.wait_until(lambda: len(self._requests) >= count, timeout)

    def wait_for_connections(self, count: int, timeout: float = DEFAULT_WAIT) -> bool:
        return self.wait_until(lambda: self._connections >= count, timeout)

    def wait_for_faults(self, count: int, timeout: float = DEFAULT_WAIT) -> bool:
        return self.wait_until(lambda: len(self._applied_faults) >= count, timeout)

    def wait_for_tls_errors(self, count: int, timeout: float = DEFAULT_WAIT) -> bool:
        return self.wait_until(lambda: len(self._tls_errors) >= count, timeout)

    # -- faults common to both receivers

    def slow(self, delay: float, *, times: int | None = None) -> None:
        """Delay the answer to the next ``times`` requests (None: all) by ``delay`` s."""
        self._faults.add(Fault("slow", times, delay=delay))

    def heal(self) -> None:
        """Drop all queued faults and release held (blackholed / hanging) requests."""
        self._faults.clear()
        self._release_held()

    @property
    def pending_faults(self) -> list[Fault]:
        return self._faults.pending()


__all__ = [
    "DEFAULT_WAIT",
    "SPAN_KINDS",
    "STATUS_CODES",
    "Fault",
    "FaultQueue",
    "ReceivedPoint",
    "ReceivedRecord",
    "ReceivedRequest",
    "ReceivedSpan",
    "ReceivedSpanEvent",
    "Recorder",
    "Value",
    "any_value_to_python",
    "decode_export_request",
    "decode_metrics_request",
    "decode_traces_request",
    "flatten_metrics_request",
    "flatten_request",
    "flatten_traces_request",
    "key_values_to_dict",
]
