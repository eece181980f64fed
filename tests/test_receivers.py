"""Self-tests of the OTLP test receivers, driven by the OpenTelemetry SDK's own exporters.

They use the SDK directly (not codex_otel.runtime) so that the receivers are proven before
the runtime's end-to-end tests rely on them. Every byte goes over real loopback sockets.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.proto")
grpc = pytest.importorskip("grpc")
pytest.importorskip("trustme")

from opentelemetry import trace  # noqa: E402
from opentelemetry.exporter.otlp.common.http import Compression as JsonCompression  # noqa: E402
from opentelemetry.exporter.otlp.json.http._log_exporter import (  # noqa: E402
    OTLPLogExporter as JsonHttpExporter,
)
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import (  # noqa: E402
    OTLPLogExporter as GrpcExporter,
)
from opentelemetry.exporter.otlp.proto.http import Compression as ProtoCompression  # noqa: E402
from opentelemetry.exporter.otlp.proto.http._log_exporter import (  # noqa: E402
    OTLPLogExporter as ProtoHttpExporter,
)
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (  # noqa: E402
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.sdk._logs import LoggerProvider  # noqa: E402
from opentelemetry.sdk._logs.export import (  # noqa: E402
    BatchLogRecordProcessor,
    LogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.resources import Resource  # noqa: E402

from receivers import (  # noqa: E402
    EXPORT_METHOD,
    OtlpGrpcReceiver,
    OtlpHttpReceiver,
    ReceivedRecord,
    TlsCerts,
    unused_port,
)

if TYPE_CHECKING:
    from receivers.fixtures import ReceiverFactory

pytest_plugins = ("receivers.fixtures",)
pytestmark = pytest.mark.wire

ATTRIBUTES: dict[str, Any] = {
    "text": "hello",
    "count": 42,
    "big": 2**53 + 1,
    "flag": True,
    "ratio": 0.25,
    "tags": ["a", "b"],
    "numbers": [1, 2, 3],
}
RESOURCE: dict[str, str | int] = {
    "service.name": "receiver-selftest",
    "deployment.environment": "test",
    "shard": 7,
}
TRACE_ID = 0x0102030405060708090A0B0C0D0E0F10
SPAN_ID = 0x1112131415161718

# Exporter timeout (seconds) where nothing must arrive: short, the export is expected to fail.
FAIL_TIMEOUT = 0.5
OK_TIMEOUT = 5.0


@contextlib.contextmanager
def sdk_logger(exporter: LogRecordExporter, *, batch: bool = False) -> Iterator[Any]:
    """An own LoggerProvider around ``exporter``; shut down (flushed) on exit."""
    provider = LoggerProvider(resource=Resource.create(RESOURCE), shutdown_on_exit=False)
    processor: Any
    if batch:
        processor = BatchLogRecordProcessor(exporter, schedule_delay_millis=50)
    else:
        processor = SimpleLogRecordProcessor(exporter)
    provider.add_log_record_processor(processor)
    try:
        yield provider.get_logger("receivers.selftest", "1.2.3")
    finally:
        provider.shutdown()


def emit_one(exporter: LogRecordExporter, event_name: str = "x.y", **extra: Any) -> int:
    """Emit one event synchronously (SimpleLogRecordProcessor); returns its timestamp."""
    timestamp = time.time_ns()
    with sdk_logger(exporter) as logger:
        logger.emit(
            event_name=event_name,
            attributes={**ATTRIBUTES, **extra},
            timestamp=timestamp,
        )
    return timestamp


def timed(action: Callable[[], object]) -> float:
    start = time.monotonic()
    action()
    return time.monotonic() - start


def assert_event(record: ReceivedRecord, timestamp: int, event_name: str = "x.y") -> None:
    assert record.event_name == event_name
    for key, value in ATTRIBUTES.items():
        assert record.attributes[key] == value
        assert type(record.attributes[key]) is type(value), key
    assert record.time_unix_nano == timestamp
    assert record.observed_time_unix_nano >= timestamp
    assert record.resource["service.name"] == "receiver-selftest"
    assert record.resource["deployment.environment"] == "test"
    assert record.resource["shard"] == 7
    assert record.resource["telemetry.sdk.language"] == "python"
    assert record.scope_name == "receivers.selftest"
    assert record.scope_version == "1.2.3"


@pytest.fixture
def clean_ca_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override the session's verify,
    i.e. the protobuf HTTP exporter's ``certificate_file`` (see the canary test below)."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def http_exporter(kind: str, endpoint: str, **options: Any) -> LogRecordExporter:
    options.setdefault("timeout", OK_TIMEOUT)
    compression = options.pop("compression", None)
    if kind == "json":
        if compression:
            options["compression"] = JsonCompression(compression)
        return JsonHttpExporter(endpoint=endpoint, **options)
    if compression:
        options["compression"] = {
            "gzip": ProtoCompression.Gzip,
            "deflate": ProtoCompression.Deflate,
        }[compression]
    return ProtoHttpExporter(endpoint=endpoint, **options)


# --------------------------------------------------------------------------- OTLP/HTTP


@pytest.mark.parametrize("compression", [None, "gzip", "deflate"])
@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("protobuf", "application/x-protobuf"), ("json", "application/json")],
)
def test_http_exporter_roundtrip(
    http_receiver: OtlpHttpReceiver, kind: str, content_type: str, compression: str | None
) -> None:
    exporter = http_exporter(
        kind, http_receiver.endpoint, compression=compression, headers={"X-Api-Key": "s3cret"}
    )
    timestamp = emit_one(exporter)

    assert http_receiver.wait_for(1)
    (record,) = http_receiver.received_records()
    assert_event(record, timestamp)
    assert record.transport == "http"
    (request,) = http_receiver.requests
    assert request.path == "/v1/logs"
    assert request.content_type == content_type
    assert request.content_encoding == (compression or "")
    assert request.headers["x-api-key"] == "s3cret"
    assert request.accepted
    assert request.status == 200
    assert request.fault is None
    assert isinstance(request.message, ExportLogsServiceRequest)
    assert request.message.resource_logs[0].scope_logs[0].log_records[0].event_name == "x.y"
    assert http_receiver.server_errors == []


@pytest.mark.parametrize("kind", ["protobuf", "json"])
def test_http_trace_context_and_body(http_receiver: OtlpHttpReceiver, kind: str) -> None:
    """Trace/span ids survive both encodings (OTLP/JSON writes them as hex)."""
    span = trace.NonRecordingSpan(
        trace.SpanContext(TRACE_ID, SPAN_ID, is_remote=False, trace_flags=trace.TraceFlags(1))
    )
    with sdk_logger(http_exporter(kind, http_receiver.endpoint)) as logger:
        logger.emit(
            event_name="with.context",
            body={"k": [1, "a", True]},
            context=trace.set_span_in_context(span),
            timestamp=time.time_ns(),
        )
    assert http_receiver.wait_for(1)
    (record,) = http_receiver.received_records("with.context")
    assert record.trace_id == f"{TRACE_ID:032x}"
    assert record.span_id == f"{SPAN_ID:016x}"
    assert record.flags == 1
    assert record.body == {"k": [1, "a", True]}


def test_http_batch_processor_delivers_all(http_receiver: OtlpHttpReceiver) -> None:
    with sdk_logger(http_exporter("protobuf", http_receiver.endpoint), batch=True) as logger:
        for seq in range(300):
            logger.emit(event_name="batch.item", attributes={"seq": seq}, timestamp=time.time_ns())
        assert http_receiver.wait_for(300)
    seqs = [r.attributes["seq"] for r in http_receiver.received_records()]
    assert sorted(seqs) == list(range(300))  # type: ignore[type-var]
    assert http_receiver.request_count() < 300  # batched


def _post(
    receiver: OtlpHttpReceiver,
    body: bytes,
    content_type: str,
    path: str = "/v1/logs",
    **headers: str,
) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection(receiver.host, receiver.port, timeout=5)
    try:
        connection.request("POST", path, body, {"Content-Type": content_type, **headers})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def test_http_raw_otlp_json_quirks(http_receiver: OtlpHttpReceiver) -> None:
    """Hand-written OTLP/JSON: hex ids, enum as int, int64 as string and as number,
    unknown fields, gzip; the answer is JSON too."""
    document = {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "raw"}}]
                },
                "scopeLogs": [
                    {
                        "scope": {"name": "raw.scope", "version": "9"},
                        "futureField": {"x": 1},
                        "logRecords": [
                            {
                                "timeUnixNano": "1700000000000000001",
                                "observedTimeUnixNano": 1700000000000000002,
                                "severityNumber": 9,
                                "severityText": "INFO",
                                "eventName": "raw.event",
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b174",
                                "attributes": [
                                    {"key": "as_string", "value": {"intValue": "9007199254740993"}},
                                    {"key": "as_number", "value": {"intValue": 7}},
                                    {"key": "d", "value": {"doubleValue": 1.5}},
                                    {"key": "b", "value": {"boolValue": False}},
                                    {"key": "bytes", "value": {"bytesValue": "aGk="}},
                                    {
                                        "key": "kv",
                                        "value": {
                                            "kvlistValue": {
                                                "values": [{"key": "n", "value": {"intValue": "1"}}]
                                            }
                                        },
                                    },
                                ],
                                "somethingNew": True,
                            }
                        ],
                    }
                ],
            }
        ]
    }
    body = gzip.compress(json.dumps(document).encode())
    status, content_type, answer = _post(
        http_receiver, body, "application/json; charset=utf-8", **{"Content-Encoding": "gzip"}
    )
    assert status == 200
    assert content_type == "application/json"
    assert json.loads(answer) == {}

    (record,) = http_receiver.received_records()
    assert record.event_name == "raw.event"
    assert record.attributes == {
        "as_string": 9007199254740993,
        "as_number": 7,
        "d": 1.5,
        "b": False,
        "bytes": b"hi",
        "kv": {"n": 1},
    }
    assert record.time_unix_nano == 1700000000000000001
    assert record.observed_time_unix_nano == 1700000000000000002
    assert record.severity_number == 9
    assert record.severity_text == "INFO"
    assert record.trace_id == "5b8efff798038103d269b633813fc60c"
    assert record.span_id == "eee19b7ec3c1b174"
    assert record.resource == {"service.name": "raw"}
    assert (record.scope_name, record.scope_version) == ("raw.scope", "9")
    assert http_receiver.requests[0].body == json.dumps(document).encode()


def test_http_raw_protobuf_answer_and_rejections(http_receiver: OtlpHttpReceiver) -> None:
    message = ExportLogsServiceRequest()
    log = message.resource_logs.add().scope_logs.add().log_records.add()
    log.event_name = "raw.proto"
    status, content_type, answer = _post(
        http_receiver, message.SerializeToString(), "application/x-protobuf"
    )
    assert (status, content_type) == (200, "application/x-protobuf")
    ExportLogsServiceResponse().ParseFromString(answer)

    assert (
        _post(http_receiver, message.SerializeToString(), "application/x-protobuf", "/")[0] == 404
    )
    assert _post(http_receiver, b"\xff\xff\xff", "application/x-protobuf")[0] == 400
    assert _post(http_receiver, b"{}", "text/plain")[0] == 415

    assert [r.event_name for r in http_receiver.received_records()] == ["raw.proto"]
    requests = http_receiver.requests
    assert [r.status for r in requests] == [200, 404, 400, 415]
    assert [r.path for r in requests] == ["/v1/logs", "/", "/v1/logs", "/v1/logs"]
    assert requests[1].records  # decoded and kept, but not counted as received
    assert all(r.error for r in requests[1:])
    assert http_receiver.server_errors == []


def test_partial_success_is_answered(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.set_partial_success(3, "three dropped")
    message = ExportLogsServiceRequest()
    message.resource_logs.add().scope_logs.add().log_records.add().event_name = "p"
    _, _, answer = _post(http_receiver, message.SerializeToString(), "application/x-protobuf")
    response = ExportLogsServiceResponse()
    response.ParseFromString(answer)
    assert response.partial_success.rejected_log_records == 3
    assert response.partial_success.error_message == "three dropped"


@pytest.mark.usefixtures("clean_ca_env")
@pytest.mark.parametrize("kind", ["protobuf", "json"])
@pytest.mark.parametrize("mtls", [False, True], ids=["tls", "mtls"])
def test_http_tls(
    otlp_receivers: ReceiverFactory, tls_certs: TlsCerts, kind: str, mtls: bool
) -> None:
    receiver = otlp_receivers.http(tls=tls_certs, require_client_cert=mtls)
    assert receiver.endpoint.startswith("https://127.0.0.1:")
    client: dict[str, str] = {}
    if mtls:
        client = {
            "client_certificate_file": str(tls_certs.client_cert),
            "client_key_file": str(tls_certs.client_key),
        }
    exporter = http_exporter(kind, receiver.endpoint, certificate_file=str(tls_certs.ca), **client)
    timestamp = emit_one(exporter)

    assert receiver.wait_for(1)
    assert_event(receiver.received_records()[0], timestamp)
    expected_subject = tls_certs.client_common_name if mtls else None
    assert receiver.requests[0].client_cert_subject == expected_subject
    assert receiver.tls_errors == []


@pytest.mark.faults
@pytest.mark.usefixtures("clean_ca_env")
@pytest.mark.parametrize("kind", ["protobuf", "json"])
def test_http_untrusted_server_certificate(
    https_receiver: OtlpHttpReceiver, untrusted_tls_certs: TlsCerts, kind: str
) -> None:
    exporter = http_exporter(
        kind,
        https_receiver.endpoint,
        certificate_file=str(untrusted_tls_certs.ca),
        timeout=FAIL_TIMEOUT,
    )
    emit_one(exporter)  # no exception escapes
    assert https_receiver.wait_for_tls_errors(1)
    assert https_receiver.record_count() == 0
    assert https_receiver.requests == []


@pytest.mark.faults
@pytest.mark.usefixtures("clean_ca_env")
@pytest.mark.parametrize("kind", ["protobuf", "json"])
def test_http_mtls_rejects_client_without_certificate(
    mtls_http_receiver: OtlpHttpReceiver, tls_certs: TlsCerts, kind: str
) -> None:
    exporter = http_exporter(
        kind, mtls_http_receiver.endpoint, certificate_file=str(tls_certs.ca), timeout=FAIL_TIMEOUT
    )
    emit_one(exporter)
    assert mtls_http_receiver.wait_for_tls_errors(1)
    assert mtls_http_receiver.record_count() == 0


@pytest.mark.faults
def test_canary_requests_ca_bundle_overrides_protobuf_certificate_file(
    https_receiver: OtlpHttpReceiver,
    tls_certs: TlsCerts,
    untrusted_tls_certs: TlsCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Upstream behaviour the runtime must know about: the protobuf HTTP exporter uses a
    requests Session, and requests lets REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) win over
    ``session.verify``, so ``certificate_file`` is ignored when that variable is set.
    The JSON exporter (urllib3) is not affected. If this starts failing, upstream fixed it."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(untrusted_tls_certs.ca))
    exporter = http_exporter(
        "protobuf",
        https_receiver.endpoint,
        certificate_file=str(tls_certs.ca),
        timeout=FAIL_TIMEOUT,
    )
    emit_one(exporter)
    assert https_receiver.wait_for_tls_errors(1)
    assert https_receiver.record_count() == 0

    emit_one(http_exporter("json", https_receiver.endpoint, certificate_file=str(tls_certs.ca)))
    assert https_receiver.wait_for(1)


# --------------------------------------------------------------------------- HTTP faults


@pytest.mark.faults
def test_http_503_with_retry_after_then_success(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.fail_next(2, 503, retry_after=0)
    exporter = http_exporter("protobuf", http_receiver.endpoint)
    elapsed = timed(lambda: emit_one(exporter))

    assert http_receiver.wait_for(1)
    assert [r.status for r in http_receiver.requests] == [503, 503, 200]
    assert http_receiver.applied_faults == ["status 503", "status 503"]
    assert http_receiver.record_count() == 1  # rejected attempts are not counted
    # The default first backoff is >= 0.8 s: finishing sooner proves Retry-After: 0 was used.
    assert elapsed < 0.7


@pytest.mark.faults
def test_http_429_then_success_json(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.respond_with_status(429, times=1, retry_after="0")
    emit_one(http_exporter("json", http_receiver.endpoint))
    assert http_receiver.wait_for(1)
    assert [r.status for r in http_receiver.requests] == [429, 200]


@pytest.mark.faults
def test_http_status_always(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.fail_always(503, retry_after=0)
    emit_one(http_exporter("protobuf", http_receiver.endpoint, timeout=FAIL_TIMEOUT))
    assert http_receiver.record_count() == 0
    assert http_receiver.request_count() == 6  # the exporter's attempt limit
    http_receiver.heal()
    emit_one(http_exporter("protobuf", http_receiver.endpoint))
    assert http_receiver.wait_for(1)


@pytest.mark.faults
def test_http_non_retryable_status(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.fail_always(400)
    emit_one(http_exporter("protobuf", http_receiver.endpoint))
    assert http_receiver.request_count() == 1
    assert http_receiver.record_count() == 0


@pytest.mark.faults
def test_http_blackhole_holds_until_heal(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.blackhole()
    exporter = http_exporter("protobuf", http_receiver.endpoint, timeout=FAIL_TIMEOUT)
    elapsed = timed(lambda: emit_one(exporter))

    assert elapsed >= FAIL_TIMEOUT * 0.9  # the exporter waited for an answer that never came
    assert http_receiver.wait_for_requests(1)
    assert http_receiver.requests[0].fault == "blackhole"
    assert http_receiver.requests[0].records  # the data reached the receiver...
    assert http_receiver.record_count() == 0  # ...but was never acknowledged

    http_receiver.heal()
    emit_one(http_exporter("protobuf", http_receiver.endpoint))
    assert http_receiver.wait_for(1)


@pytest.mark.faults
@pytest.mark.usefixtures("clean_ca_env")
@pytest.mark.parametrize("kind", ["protobuf", "json"])
def test_https_blackhole_at_accept_no_handshake(
    https_receiver: OtlpHttpReceiver, tls_certs: TlsCerts, kind: str
) -> None:
    """Accepted, never read: the TLS handshake itself never completes."""
    https_receiver.blackhole(times=1, stage="accept")
    exporter = http_exporter(
        kind, https_receiver.endpoint, certificate_file=str(tls_certs.ca), timeout=FAIL_TIMEOUT
    )
    elapsed = timed(lambda: emit_one(exporter))
    assert elapsed >= FAIL_TIMEOUT * 0.9
    assert https_receiver.applied_faults == ["blackhole@accept"]
    assert https_receiver.requests == []
    https_receiver.heal()
    emit_one(http_exporter(kind, https_receiver.endpoint, certificate_file=str(tls_certs.ca)))
    assert https_receiver.wait_for(1)


@pytest.mark.faults
@pytest.mark.parametrize("stage", ["accept", "headers"])
def test_http_reset_once_then_success(http_receiver: OtlpHttpReceiver, stage: str) -> None:
    http_receiver.reset_connections(times=1, stage=stage)
    emit_one(http_exporter("protobuf", http_receiver.endpoint))
    assert http_receiver.wait_for(1)  # the exporter retries a reset connection at once
    assert http_receiver.applied_faults == [f"reset@{stage}"]
    assert http_receiver.connection_count() >= 2


@pytest.mark.faults
def test_http_reset_always(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.reset_connections(times=None, stage="accept")
    emit_one(http_exporter("json", http_receiver.endpoint, timeout=FAIL_TIMEOUT))
    assert http_receiver.wait_for_connections(2)
    assert http_receiver.record_count() == 0
    assert http_receiver.requests == []


@pytest.mark.faults
def test_http_raw_reset_is_a_tcp_rst(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.reset_connections(times=1, stage="headers")
    with pytest.raises(ConnectionResetError):
        _post(http_receiver, b"x" * 10, "application/x-protobuf")


@pytest.mark.faults
def test_http_slow_response(http_receiver: OtlpHttpReceiver) -> None:
    http_receiver.slow(0.3, times=1)
    elapsed = timed(lambda: emit_one(http_exporter("protobuf", http_receiver.endpoint)))
    assert elapsed >= 0.3
    assert http_receiver.record_count() == 1
    assert http_receiver.requests[0].fault == "slow 0.3s"


@pytest.mark.faults
def test_http_slower_than_client_timeout_still_accepts(http_receiver: OtlpHttpReceiver) -> None:
    """A collector that answers after the client gave up has still taken the data."""
    http_receiver.slow(30, times=1)
    emit_one(http_exporter("protobuf", http_receiver.endpoint, timeout=FAIL_TIMEOUT))
    assert http_receiver.record_count() == 0
    http_receiver.heal()  # wakes the slow request early: it is answered (to nobody)
    assert http_receiver.wait_for(1)


@pytest.mark.faults
def test_http_collector_down(down_http_endpoint: str) -> None:
    elapsed = timed(
        lambda: emit_one(http_exporter("protobuf", down_http_endpoint, timeout=FAIL_TIMEOUT))
    )
    assert elapsed < 3


@pytest.mark.faults
def test_http_killed_and_restarted_on_same_port(http_receiver: OtlpHttpReceiver) -> None:
    exporter = http_exporter("protobuf", http_receiver.endpoint, timeout=FAIL_TIMEOUT)
    port = http_receiver.port
    with sdk_logger(exporter) as logger:
        logger.emit(event_name="before", timestamp=time.time_ns())
        assert http_receiver.wait_for(1)

        http_receiver.stop()  # kills the keep-alive connection the exporter holds
        logger.emit(event_name="while.down", timestamp=time.time_ns())
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()

        http_receiver.restart()
        assert http_receiver.port == port
        logger.emit(event_name="after", timestamp=time.time_ns())
        assert http_receiver.wait_for(2)
    assert [r.event_name for r in http_receiver.received_records()] == ["before", "after"]


# --------------------------------------------------------------------------- OTLP/gRPC


def grpc_exporter(endpoint: str, **options: Any) -> LogRecordExporter:
    options.setdefault("timeout", OK_TIMEOUT)
    return GrpcExporter(endpoint=endpoint, **options)


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_grpc_insecure_roundtrip(grpc_receiver: OtlpGrpcReceiver, compression: str | None) -> None:
    assert grpc_receiver.endpoint.startswith("http://127.0.0.1:")
    exporter = grpc_exporter(
        grpc_receiver.endpoint,
        headers={"x-api-key": "s3cret", "x-tenant": "t1"},
        compression=grpc.Compression.Gzip if compression else None,
    )
    timestamp = emit_one(exporter)

    assert grpc_receiver.wait_for(1)
    (record,) = grpc_receiver.received_records()
    assert_event(record, timestamp)
    assert record.transport == "grpc"
    (request,) = grpc_receiver.requests
    assert request.path == EXPORT_METHOD
    assert request.headers["x-api-key"] == "s3cret"
    assert request.headers["x-tenant"] == "t1"
    assert request.headers["user-agent"].startswith("OTel-OTLP-Exporter-Python")
    assert request.accepted
    assert request.client_cert_subject is None
    assert grpc_receiver.server_errors == []


@pytest.mark.parametrize("mtls", [False, True], ids=["tls", "mtls"])
def test_grpc_tls(otlp_receivers: ReceiverFactory, tls_certs: TlsCerts, mtls: bool) -> None:
    receiver = otlp_receivers.grpc(tls=tls_certs, require_client_cert=mtls)
    assert receiver.endpoint.startswith("https://127.0.0.1:")
    exporter = grpc_exporter(
        receiver.endpoint, credentials=tls_certs.grpc_channel_credentials(with_client_cert=mtls)
    )
    timestamp = emit_one(exporter)
    assert receiver.wait_for(1)
    assert_event(receiver.received_records()[0], timestamp)
    expected_subject = tls_certs.client_common_name if mtls else None
    assert receiver.requests[0].client_cert_subject == expected_subject


@pytest.mark.faults
def test_grpc_untrusted_server_certificate(
    grpc_tls_receiver: OtlpGrpcReceiver, untrusted_tls_certs: TlsCerts
) -> None:
    exporter = grpc_exporter(
        grpc_tls_receiver.endpoint,
        credentials=untrusted_tls_certs.grpc_channel_credentials(),
        timeout=FAIL_TIMEOUT,
    )
    emit_one(exporter)  # returns after the failed export; no exception escapes
    assert grpc_tls_receiver.record_count() == 0
    assert grpc_tls_receiver.requests == []


@pytest.mark.faults
def test_grpc_mtls_rejects_client_without_certificate(
    grpc_mtls_receiver: OtlpGrpcReceiver, tls_certs: TlsCerts
) -> None:
    exporter = grpc_exporter(
        grpc_mtls_receiver.endpoint,
        credentials=tls_certs.grpc_channel_credentials(),
        timeout=FAIL_TIMEOUT,
    )
    emit_one(exporter)
    assert grpc_mtls_receiver.record_count() == 0
    assert grpc_mtls_receiver.requests == []


@pytest.mark.faults
@pytest.mark.parametrize("code", ["UNAVAILABLE", "RESOURCE_EXHAUSTED"])
def test_grpc_fail_next_then_success(grpc_receiver: OtlpGrpcReceiver, code: str) -> None:
    grpc_receiver.fail_next(2, code, retry_delay=0)
    elapsed = timed(lambda: emit_one(grpc_exporter(grpc_receiver.endpoint)))
    assert grpc_receiver.wait_for(1)
    number = grpc.StatusCode[code].value[0]
    assert [r.status for r in grpc_receiver.requests] == [number, number, 0]
    assert grpc_receiver.applied_faults == [f"grpc {code}"] * 2
    assert elapsed < 0.7  # RetryInfo(0) replaced the >= 0.8 s default backoff


@pytest.mark.faults
def test_grpc_fail_always(grpc_receiver: OtlpGrpcReceiver) -> None:
    grpc_receiver.fail_always("UNAVAILABLE", retry_delay=0)
    emit_one(grpc_exporter(grpc_receiver.endpoint, timeout=FAIL_TIMEOUT))
    assert grpc_receiver.request_count() == 6  # the exporter's attempt limit
    assert grpc_receiver.record_count() == 0


@pytest.mark.faults
def test_grpc_hang_until_heal(grpc_receiver: OtlpGrpcReceiver) -> None:
    grpc_receiver.hang(times=1)
    elapsed = timed(lambda: emit_one(grpc_exporter(grpc_receiver.endpoint, timeout=FAIL_TIMEOUT)))
    assert elapsed >= FAIL_TIMEOUT * 0.9
    assert grpc_receiver.wait_for_requests(1)
    assert grpc_receiver.requests[0].fault == "hang"
    assert grpc_receiver.record_count() == 0
    grpc_receiver.heal()
    emit_one(grpc_exporter(grpc_receiver.endpoint))
    assert grpc_receiver.wait_for(1)


@pytest.mark.faults
def test_grpc_slow(grpc_receiver: OtlpGrpcReceiver) -> None:
    grpc_receiver.slow(0.3, times=1)
    elapsed = timed(lambda: emit_one(grpc_exporter(grpc_receiver.endpoint)))
    assert elapsed >= 0.3
    assert grpc_receiver.record_count() == 1


@pytest.mark.faults
def test_grpc_collector_down(down_grpc_endpoint: str) -> None:
    elapsed = timed(lambda: emit_one(grpc_exporter(down_grpc_endpoint, timeout=FAIL_TIMEOUT)))
    assert elapsed < 3


@pytest.mark.faults
def test_grpc_killed_and_restarted_on_same_port(grpc_receiver: OtlpGrpcReceiver) -> None:
    port = grpc_receiver.port
    exporter = grpc_exporter(grpc_receiver.endpoint, timeout=FAIL_TIMEOUT)
    with sdk_logger(exporter) as logger:
        logger.emit(event_name="before", timestamp=time.time_ns())
        assert grpc_receiver.wait_for(1)
        grpc_receiver.stop()
        logger.emit(event_name="while.down", timestamp=time.time_ns())
        grpc_receiver.restart()
        assert grpc_receiver.port == port
        logger.emit(event_name="after", timestamp=time.time_ns())
        assert grpc_receiver.wait_for(2)
    assert [r.event_name for r in grpc_receiver.received_records()] == ["before", "after"]


# --------------------------------------------------------------------------- plumbing


def test_wait_for_times_out_without_traffic(http_receiver: OtlpHttpReceiver) -> None:
    start = time.monotonic()
    assert http_receiver.wait_for(1, timeout=0.05) is False
    assert time.monotonic() - start < 1


def test_unused_port_refuses_connections() -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", unused_port()), timeout=1).close()


def test_tls_cert_files(tls_certs: TlsCerts) -> None:
    names = sorted(p.name for p in tls_certs.directory.iterdir())
    assert names == ["ca.pem", "client-key.pem", "client.pem", "server-key.pem", "server.pem"]


def test_receiver_context_manager_stops() -> None:
    with OtlpHttpReceiver() as receiver:
        port = receiver.port
        assert receiver.running
    assert not receiver.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
