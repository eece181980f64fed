"""Decode OTLP protobuf `ExportLogsServiceRequest`s, `ExportMetricsServiceRequest`s and
`ExportTraceServiceRequest`s (gRPC messages and HTTP bodies).

Needs `opentelemetry-proto` (the `otel` extra); imported on first use, so the JSON path
works without it.
"""

from __future__ import annotations

from typing import Any

from .records import (
    SPAN_KINDS,
    STATUS_CODES,
    Batch,
    InvalidRequest,
    LiveMetric,
    LivePoint,
    LiveRecord,
    LiveSpan,
    ResourceMetrics,
    ResourceRecords,
    ResourceSpans,
)


def proto_available() -> bool:
    """Whether protobuf requests can be decoded here (opentelemetry-proto is installed)."""
    try:
        _request_class()
    except ImportError:
        return False
    return True


def _request_class() -> Any:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
        ExportLogsServiceRequest,
    )

    return ExportLogsServiceRequest


def _metrics_request_class() -> Any:
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceRequest,
    )

    return ExportMetricsServiceRequest


def _traces_request_class() -> Any:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    return ExportTraceServiceRequest


def decode_proto_request(body: bytes, signal: str = "logs") -> list[Batch]:
    """The records (`signal` "logs"), metrics ("metrics") or spans ("traces") of a
    serialized export request, by resource. Protobuf does not say which message it holds:
    the transport does (the gRPC service, the HTTP path)."""
    from google.protobuf.message import DecodeError

    if signal == "metrics":
        request_class = _metrics_request_class()
    elif signal == "traces":
        request_class = _traces_request_class()
    else:
        request_class = _request_class()
    try:
        message = request_class.FromString(body)
    except DecodeError as error:
        name = request_class.__name__
        raise InvalidRequest(f"not a protobuf {name}: {error}") from None
    except RecursionError:
        raise InvalidRequest("an attribute value is nested too deeply") from None
    if signal == "metrics":
        return decode_proto_metrics(message)
    if signal == "traces":
        return decode_proto_traces(message)
    return decode_proto_message(message)


def decode_proto_traces(message: Any) -> list[Batch]:
    out: list[Batch] = []
    for resource_spans in message.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        spans = [
            _span(span) for scope_spans in resource_spans.scope_spans for span in scope_spans.spans
        ]
        out.append(ResourceSpans(resource, spans, _scopes(resource_spans.scope_spans)))
    return out


def _span(span: Any) -> LiveSpan:
    kind = span.kind
    code = span.status.code
    return LiveSpan(
        span.name,
        SPAN_KINDS[kind] if 0 <= kind < len(SPAN_KINDS) else f"kind {kind}",
        span.trace_id.hex(),
        span.span_id.hex(),
        span.parent_span_id.hex(),
        _attributes(span.attributes),
        STATUS_CODES[code] if 0 <= code < len(STATUS_CODES) else f"code {code}",
        tuple((event.name, _attributes(event.attributes)) for event in span.events),
    )


_INSTRUMENTS = {
    "gauge": "gauge",
    "histogram": "histogram",
    "exponential_histogram": "exponential_histogram",
    "summary": "summary",
}


def decode_proto_metrics(message: Any) -> list[Batch]:
    out: list[Batch] = []
    for resource_metrics in message.resource_metrics:
        resource = _attributes(resource_metrics.resource.attributes)
        metrics = [
            _metric(metric)
            for scope_metrics in resource_metrics.scope_metrics
            for metric in scope_metrics.metrics
        ]
        scopes = _scopes(resource_metrics.scope_metrics)
        out.append(ResourceMetrics(resource, metrics, scopes))
    return out


def _metric(metric: Any) -> LiveMetric:
    field = metric.WhichOneof("data")
    if field is None:
        return LiveMetric(metric.name, "empty", metric.unit, [])
    data = getattr(metric, field)
    if field == "sum":
        instrument = "counter" if data.is_monotonic else "updowncounter"
    else:
        instrument = _INSTRUMENTS[field]
    points: list[LivePoint] = []
    for point in data.data_points:
        attributes = _attributes(point.attributes)
        if field in ("sum", "gauge"):
            value = point.WhichOneof("value")
            value_type = {"as_int": "int", "as_double": "double"}.get(value or "")
            points.append(LivePoint(attributes, value_type))
        elif field == "histogram":
            points.append(LivePoint(attributes, None, tuple(point.explicit_bounds)))
        else:
            points.append(LivePoint(attributes))
    return LiveMetric(metric.name, instrument, metric.unit, points)


def decode_proto_message(message: Any) -> list[Batch]:
    out: list[Batch] = []
    for resource_logs in message.resource_logs:
        resource = _attributes(resource_logs.resource.attributes)
        records = [
            LiveRecord(
                log.event_name,
                _attributes(log.attributes),
                _any(log.body) if log.HasField("body") else None,
            )
            for scope_logs in resource_logs.scope_logs
            for log in scope_logs.log_records
        ]
        out.append(ResourceRecords(resource, records, _scopes(resource_logs.scope_logs)))
    return out


def _scopes(scoped: Any) -> tuple[dict[str, object], ...]:
    """The attributes of each scope that has any."""
    return tuple(_attributes(item.scope.attributes) for item in scoped if item.scope.attributes)


def _attributes(pairs: Any) -> dict[str, object]:
    return {pair.key: _any(pair.value) for pair in pairs}


def _any(value: Any) -> object:
    field = value.WhichOneof("value")
    if field is None:
        return None
    if field == "array_value":
        return [_any(item) for item in value.array_value.values]
    if field == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, field)
