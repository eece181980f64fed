"""Decode OTLP protobuf `ExportLogsServiceRequest`s (gRPC messages and HTTP bodies).

Needs `opentelemetry-proto` (the `otel` extra); imported on first use, so the JSON path
works without it.
"""

from __future__ import annotations

from typing import Any

from .records import InvalidRequest, LiveRecord, ResourceRecords


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


def decode_proto_request(body: bytes) -> list[ResourceRecords]:
    """The records of a serialized export request, by resource."""
    from google.protobuf.message import DecodeError

    try:
        message = _request_class().FromString(body)
    except DecodeError as error:
        raise InvalidRequest(f"not a protobuf ExportLogsServiceRequest: {error}") from None
    return decode_proto_message(message)


def decode_proto_message(message: Any) -> list[ResourceRecords]:
    out: list[ResourceRecords] = []
    for resource_logs in message.resource_logs:
        resource = _attributes(resource_logs.resource.attributes)
        records = [
            LiveRecord(log.event_name, _attributes(log.attributes))
            for scope_logs in resource_logs.scope_logs
            for log in scope_logs.log_records
        ]
        out.append(ResourceRecords(resource, records))
    return out


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
