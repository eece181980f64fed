"""Self-tests of the OTLP test receivers' traces side, driven by the SDK's own span exporters.

The SDK directly (not codex_otel.runtime), so the receivers are proven before the runtime's
trace tests rely on them: OTLP/HTTP protobuf, OTLP/HTTP JSON (the official
opentelemetry-exporter-otlp-json-http) and gRPC, over real loopback sockets, faults included.
"""

from __future__ import annotations

import contextlib
import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.proto")
grpc = pytest.importorskip("grpc")

from opentelemetry import trace  # noqa: E402
from opentelemetry.exporter.otlp.json.http.trace_exporter import (  # noqa: E402
    OTLPSpanExporter as JsonHttpSpanExporter,
)
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: E402
    OTLPSpanExporter as GrpcSpanExporter,
)
from opentelemetry.exporter.otlp.proto.http import Compression  # noqa: E402
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter  # noqa: E402
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: E402
    OTLPSpanExporter as ProtoHttpSpanExporter,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (  # noqa: E402
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk._logs import LoggerProvider  # noqa: E402
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter  # noqa: E402
from opentelemetry.trace import SpanKind, Status, StatusCode  # noqa: E402

from receivers import (  # noqa: E402
    TRACES_EXPORT_METHOD,
    TRACES_PATH,
    OtlpGrpcReceiver,
    OtlpHttpReceiver,
    ReceivedSpan,
)

pytestmark = pytest.mark.wire

#: Every kind of value a span attribute can hold.
ATTRIBUTES: dict[str, Any] = {
    "gen_ai.operation.name": "chat",
    "count": 42,
    "big": 2**53 + 1,
    "flag": True,
    "ratio": 0.25,
    "tags": ["a", "b"],
    "numbers": [1, 2, 3],
}
RESOURCE: dict[str, str | int] = {"service.name": "trace-selftest", "shard": 7}
#: A remote parent, as a TRACEPARENT from the environment would give.
REMOTE_TRACE_ID = 0x0102030405060708090A0B0C0D0E0F10
REMOTE_SPAN_ID = 0x1112131415161718
OK_TIMEOUT = 5.0
FAIL_TIMEOUT = 0.5


@contextlib.contextmanager
def sdk_tracer(exporter: SpanExporter) -> Iterator[trace.Tracer]:
    """An own TracerProvider around ``exporter`` (each span exported as it ends)."""
    provider = TracerProvider(resource=Resource.create(RESOURCE), shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        yield provider.get_tracer("receivers.selftest", "1.2.3")
    finally:
        provider.shutdown()


def send_turn(exporter: SpanExporter) -> None:
    """A turn as the catalog draws it: a root, a failed model request under it, a tool call
    whose exception leaves its span, all under a remote parent."""
    remote = trace.set_span_in_context(
        trace.NonRecordingSpan(
            trace.SpanContext(
                REMOTE_TRACE_ID,
                REMOTE_SPAN_ID,
                is_remote=True,
                trace_flags=trace.TraceFlags(1),
                trace_state=trace.TraceState([("vendor", "v1")]),
            )
        )
    )
    with (
        sdk_tracer(exporter) as tracer,
        tracer.start_as_current_span("invoke_agent codex", context=remote, attributes=ATTRIBUTES),
    ):
        with tracer.start_as_current_span("chat gpt-5", kind=SpanKind.CLIENT) as request:
            request.add_event("retry", {"attempt": 2})
            request.set_status(Status(StatusCode.ERROR, "overloaded"))
        with (
            contextlib.suppress(TimeoutError),
            tracer.start_as_current_span("execute_tool shell"),
        ):
            raise TimeoutError("tool timed out")


def assert_turn(spans: list[ReceivedSpan], transport: str) -> None:
    assert [span.name for span in spans] == [
        "chat gpt-5",
        "execute_tool shell",
        "invoke_agent codex",
    ]
    request, tool, root = spans
    assert (root.kind, request.kind, tool.kind) == ("internal", "client", "internal")
    assert {span.trace_id for span in spans} == {f"{REMOTE_TRACE_ID:032x}"}
    assert root.parent_span_id == f"{REMOTE_SPAN_ID:016x}"
    assert request.parent_span_id == tool.parent_span_id == root.span_id
    assert len({span.span_id for span in spans}) == 3
    assert all(len(span.span_id) == 16 for span in spans)
    assert root.trace_state == "vendor=v1"
    assert root.attributes == ATTRIBUTES
    for key, value in ATTRIBUTES.items():
        assert type(root.attributes[key]) is type(value), key
    assert (root.status, root.status_message, root.events) == ("unset", "", ())
    assert (request.status, request.status_message) == ("error", "overloaded")
    assert [(e.name, e.attributes) for e in request.events] == [("retry", {"attempt": 2})]
    assert tool.status == "error"
    assert tool.status_message == "TimeoutError: tool timed out"
    (exception,) = tool.events
    assert exception.name == "exception"
    assert exception.attributes["exception.type"] == "TimeoutError"
    assert exception.attributes["exception.message"] == "tool timed out"
    for span in spans:
        assert span.start_time_unix_nano <= span.end_time_unix_nano
        assert span.resource["service.name"] == "trace-selftest"
        assert span.resource["shard"] == 7
        assert (span.scope_name, span.scope_version) == ("receivers.selftest", "1.2.3")
        assert span.transport == transport
    assert root.start_time_unix_nano <= request.start_time_unix_nano
    assert root.end_time_unix_nano >= tool.end_time_unix_nano


def http_span_exporter(kind: str, endpoint: str, **options: Any) -> SpanExporter:
    options.setdefault("timeout", OK_TIMEOUT)
    if kind == "json":
        return JsonHttpSpanExporter(endpoint=endpoint, **options)
    return ProtoHttpSpanExporter(endpoint=endpoint, **options)


# --------------------------------------------------------------------------- OTLP/HTTP


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("protobuf", "application/x-protobuf"), ("json", "application/json")],
)
def test_http_receives_a_span_tree(
    http_receiver: OtlpHttpReceiver, kind: str, content_type: str
) -> None:
    assert http_receiver.traces_endpoint.endswith(TRACES_PATH)
    send_turn(http_span_exporter(kind, http_receiver.traces_endpoint, headers={"X-Key": "k1"}))

    assert http_receiver.wait_for_spans(3)
    assert_turn(http_receiver.received_spans(), "http")
    assert http_receiver.received_spans("chat gpt-5")[0].kind == "client"
    assert http_receiver.received_records() == []  # spans are kept apart from log records
    assert http_receiver.received_points() == []
    requests = http_receiver.requests
    assert [r.path for r in requests] == [TRACES_PATH] * 3
    assert {r.content_type for r in requests} == {content_type}
    assert all(r.accepted and r.headers["x-key"] == "k1" for r in requests)
    assert isinstance(requests[0].message, ExportTraceServiceRequest)
    assert http_receiver.server_errors == []


def test_http_gzip_spans(http_receiver: OtlpHttpReceiver) -> None:
    exporter = http_span_exporter(
        "protobuf", http_receiver.traces_endpoint, compression=Compression.Gzip
    )
    send_turn(exporter)
    assert http_receiver.wait_for_spans(3)
    assert {r.content_encoding for r in http_receiver.requests} == {"gzip"}
    assert_turn(http_receiver.received_spans(), "http")


def test_logs_and_spans_on_one_receiver_stay_apart(http_receiver: OtlpHttpReceiver) -> None:
    """A log record emitted inside a span carries its ids; each lands in its own list."""
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(OTLPLogExporter(endpoint=http_receiver.endpoint, timeout=5))
    )
    logger = provider.get_logger("selftest")
    with (
        sdk_tracer(http_span_exporter("protobuf", http_receiver.traces_endpoint)) as tracer,
        tracer.start_as_current_span("outer"),
    ):
        logger.emit(event_name="inside", timestamp=1)
    provider.shutdown()
    assert http_receiver.wait_for_spans(1) and http_receiver.wait_for(1)
    (span,) = http_receiver.received_spans()
    (record,) = http_receiver.received_records()
    assert (record.trace_id, record.span_id) == (span.trace_id, span.span_id)


def _post(
    receiver: OtlpHttpReceiver, body: bytes, content_type: str, path: str = TRACES_PATH
) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection(receiver.host, receiver.port, timeout=5)
    try:
        connection.request("POST", path, body, {"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def test_http_raw_otlp_json_spans(http_receiver: OtlpHttpReceiver) -> None:
    """Hand-written OTLP/JSON: hex ids (parent and link ids too), enums as integers, int64 as
    a string, unknown fields; the answer is a JSON ExportTraceServiceResponse."""
    document = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "raw"}}]
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "raw.scope"},
                        "spans": [
                            {
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b174",
                                "parentSpanId": "eee19b7ec3c1b173",
                                "traceState": "a=b",
                                "name": "execute_tool shell",
                                "kind": 3,
                                "startTimeUnixNano": "1700000000000000001",
                                "endTimeUnixNano": 1700000000000000002,
                                "attributes": [
                                    {"key": "n", "value": {"intValue": "9007199254740993"}},
                                    {"key": "traceId", "value": {"stringValue": "not-an-id"}},
                                ],
                                "events": [{"name": "e", "timeUnixNano": "5"}],
                                "links": [
                                    {
                                        "traceId": "00000000000000000000000000000001",
                                        "spanId": "0000000000000002",
                                    }
                                ],
                                "status": {"code": 2, "message": "bad"},
                                "somethingNew": True,
                            }
                        ],
                    }
                ],
            }
        ]
    }
    status, content_type, answer = _post(
        http_receiver, json.dumps(document).encode(), "application/json"
    )
    assert (status, content_type, json.loads(answer)) == (200, "application/json", {})
    (span,) = http_receiver.received_spans()
    assert (span.trace_id, span.span_id, span.parent_span_id) == (
        "5b8efff798038103d269b633813fc60c",
        "eee19b7ec3c1b174",
        "eee19b7ec3c1b173",
    )
    assert (span.name, span.kind, span.status, span.status_message) == (
        "execute_tool shell",
        "client",
        "error",
        "bad",
    )
    assert span.attributes == {"n": 9007199254740993, "traceId": "not-an-id"}
    assert (span.start_time_unix_nano, span.end_time_unix_nano) == (
        1700000000000000001,
        1700000000000000002,
    )
    assert span.trace_state == "a=b"
    assert [(e.name, e.time_unix_nano) for e in span.events] == [("e", 5)]
    assert span.links == (("00000000000000000000000000000001", "0000000000000002"),)
    assert span.resource == {"service.name": "raw"}


def test_http_span_rejections_and_partial_success(http_receiver: OtlpHttpReceiver) -> None:
    message = ExportTraceServiceRequest()
    span = message.resource_spans.add().scope_spans.add().spans.add()
    span.name, span.trace_id, span.span_id = "raw", b"\x01" * 16, b"\x02" * 8
    http_receiver.set_partial_success(2, "two spans dropped")
    status, content_type, answer = _post(
        http_receiver, message.SerializeToString(), "application/x-protobuf"
    )
    assert (status, content_type) == (200, "application/x-protobuf")
    response = ExportTraceServiceResponse.FromString(answer)
    assert response.partial_success.rejected_spans == 2
    assert response.partial_success.error_message == "two spans dropped"

    assert _post(http_receiver, b"\xff\xff\xff", "application/x-protobuf")[0] == 400
    assert _post(http_receiver, b"{not json", "application/json")[0] == 400
    assert _post(http_receiver, b"{}", "text/plain")[0] == 415
    assert (
        _post(http_receiver, message.SerializeToString(), "application/x-protobuf", "/v1/trace")[0]
        == 404
    )

    assert [s.name for s in http_receiver.received_spans()] == ["raw"]
    requests = http_receiver.requests
    assert [r.status for r in requests] == [200, 400, 400, 415, 404]
    assert all(r.error for r in requests[1:])
    assert requests[4].spans == ()  # another path: not decoded as spans
    assert http_receiver.server_errors == []


@pytest.mark.faults
def test_http_spans_after_503_are_counted_once(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.fail_next(2, 503, retry_after=0)
    with (
        sdk_tracer(http_span_exporter("protobuf", http_receiver.traces_endpoint)) as tracer,
        tracer.start_as_current_span("retried"),
    ):
        pass
    assert http_receiver.wait_for_spans(1)
    assert [r.status for r in http_receiver.requests] == [503, 503, 200]
    assert http_receiver.requests[0].spans[0].name == "retried"  # decoded, not counted
    assert [s.name for s in http_receiver.received_spans()] == ["retried"]


@pytest.mark.faults
def test_http_blackholed_spans_are_not_received(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.blackhole(times=1)
    exporter = http_span_exporter("json", http_receiver.traces_endpoint, timeout=FAIL_TIMEOUT)
    with sdk_tracer(exporter) as tracer, tracer.start_as_current_span("lost"):
        pass
    assert http_receiver.wait_for_requests(1)
    assert http_receiver.requests[0].fault == "blackhole"
    assert http_receiver.span_count() == 0
    http_receiver.heal()
    with (
        sdk_tracer(http_span_exporter("json", http_receiver.traces_endpoint)) as tracer,
        tracer.start_as_current_span("after"),
    ):
        pass
    assert http_receiver.wait_for_spans(1)
    assert [s.name for s in http_receiver.received_spans()] == ["after"]


# --------------------------------------------------------------------------- OTLP/gRPC


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_grpc_receives_a_span_tree(
    grpc_receiver: OtlpGrpcReceiver, compression: str | None
) -> None:
    exporter = GrpcSpanExporter(
        endpoint=grpc_receiver.endpoint,
        insecure=True,
        headers={"x-key": "k1"},
        timeout=int(OK_TIMEOUT),
        compression=grpc.Compression.Gzip if compression else None,
    )
    send_turn(exporter)
    assert grpc_receiver.wait_for_spans(3)
    assert_turn(grpc_receiver.received_spans(), "grpc")
    requests = grpc_receiver.requests
    assert {r.path for r in requests} == {TRACES_EXPORT_METHOD}
    assert all(r.accepted and r.headers["x-key"] == "k1" for r in requests)
    assert grpc_receiver.received_records() == []
    assert grpc_receiver.server_errors == []


@pytest.mark.faults
def test_grpc_spans_after_unavailable(grpc_receiver: OtlpGrpcReceiver) -> None:
    grpc_receiver.fail_next(1, "UNAVAILABLE", retry_delay=0)
    exporter = GrpcSpanExporter(endpoint=grpc_receiver.endpoint, insecure=True, timeout=5)
    with sdk_tracer(exporter) as tracer, tracer.start_as_current_span("retried"):
        pass
    assert grpc_receiver.wait_for_spans(1)
    unavailable = grpc.StatusCode.UNAVAILABLE.value[0]
    assert [r.status for r in grpc_receiver.requests] == [unavailable, 0]
    assert grpc_receiver.applied_faults == ["grpc UNAVAILABLE"]
    assert grpc_receiver.span_count() == 1


@pytest.mark.faults
def test_grpc_garbage_is_refused_not_crashed(grpc_receiver: OtlpGrpcReceiver) -> None:
    channel = grpc.insecure_channel(grpc_receiver.target)
    try:
        call = channel.unary_unary(TRACES_EXPORT_METHOD)
        with pytest.raises(grpc.RpcError) as raised:
            call(b"\xff\xff\xff", timeout=5)
    finally:
        channel.close()
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    (request,) = grpc_receiver.requests
    assert request.path == TRACES_EXPORT_METHOD
    assert request.error and "cannot decode" in request.error
    assert grpc_receiver.span_count() == 0
    assert grpc_receiver.server_errors == []
