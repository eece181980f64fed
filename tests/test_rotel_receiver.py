"""Self-tests of the Rotel launcher (`tests/receivers/rotel.py`), driven by the SDK directly.

The SDK's own exporters (not codex_otel.runtime) send records and spans holding every kind
of value, so the debug-log parser (logs and traces) and the forwarding mode are proven before
the runtime's wire tests rely on them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import subprocess
from collections.abc import Mapping, Sequence

import pytest

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.proto")
pytest.importorskip("grpc")

from opentelemetry import trace
from opentelemetry.exporter.otlp.json.http.trace_exporter import (
    OTLPSpanExporter as JsonSpanExporter,
)
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import (
    OTLPLogExporter as GrpcExporter,
)
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
    OTLPSpanExporter as GrpcSpanExporter,
)
from opentelemetry.exporter.otlp.proto.http._log_exporter import (
    OTLPLogExporter as ProtoHttpExporter,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
    OTLPSpanExporter as ProtoSpanExporter,
)
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.util.types import AnyValue

from receivers import OtlpGrpcReceiver, ReceivedSpan
from receivers.rotel import (
    DebugLogParser,
    RotelCollector,
    RotelFactory,
    Unparsed,
    parse_value,
)

pytestmark = pytest.mark.wire

#: One attribute of every kind OTLP has but kvlist, with text that looks like the printout.
ATTRIBUTES: dict[str, AnyValue] = {
    "text": "line one)\nline two, Str(not an item",
    "empty": "",
    "nul": "a\x00b",
    "negative": -5,
    "int64": 2**63 - 1,
    "double": 1.5,
    "nan": float("nan"),
    "flag": True,
    "strings": ["x", "y z"],
    "ints": [1, -2],
    "doubles": [0.25],
    "flags": [False, True],
    "raw": b"\x00\xff",
}


def send(exporter: object, *, event_name: str = "selftest.event") -> None:
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))  # type: ignore[arg-type]
    logger = provider.get_logger("selftest", "1.2")
    logger.emit(event_name=event_name, body="the body", attributes=ATTRIBUTES, timestamp=1234)
    logger.emit(event_name="selftest.bare", timestamp=5678)
    provider.shutdown()


def check(record_attributes: Mapping[str, object]) -> None:
    expected = {key: value for key, value in ATTRIBUTES.items() if key != "nan"}
    assert {k: v for k, v in record_attributes.items() if k != "nan"} == expected
    nan = record_attributes["nan"]
    assert isinstance(nan, float) and math.isnan(nan)


@pytest.mark.parametrize("transport", ["http-protobuf", "grpc"])
def test_the_debug_log_gives_every_kind_of_value_back(
    transport: str, rotel_collector: RotelCollector
) -> None:
    if transport == "grpc":
        send(GrpcExporter(endpoint=rotel_collector.grpc_endpoint, insecure=True))
    else:
        send(ProtoHttpExporter(endpoint=rotel_collector.http_endpoint))
    assert rotel_collector.wait_for(2, timeout=10), rotel_collector.stdout
    first, bare = rotel_collector.received_records()
    assert first.event_name == "selftest.event"
    check(first.attributes)
    assert first.body == "the body"
    assert (first.time_unix_nano, first.scope_name, first.scope_version) == (
        1234,
        "selftest",
        "1.2",
    )
    assert first.resource["telemetry.sdk.language"] == "python"
    assert (bare.event_name, bare.attributes, bare.body) == ("selftest.bare", {}, None)
    assert rotel_collector.errors() == []


def test_forwarding_passes_records_on_to_another_receiver(rotel_collectors: RotelFactory) -> None:
    with OtlpGrpcReceiver() as downstream:
        rotel = rotel_collectors(forward_to=downstream.endpoint)
        send(GrpcExporter(endpoint=rotel.grpc_endpoint, insecure=True))
        assert downstream.wait_for(2, timeout=15), rotel.stdout
        first = downstream.received_records("selftest.event")[0]
        check(first.attributes)
        assert rotel.wait_for(2)  # the debug log keeps working while forwarding


def test_a_refused_request_shows_in_rotels_own_log(rotel_collector: RotelCollector) -> None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", rotel_collector.http_port, timeout=5)
    connection.request(
        "POST",
        "/v1/logs",
        body=b'{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {}}]}]}]}',
        headers={"Content-Type": "application/json"},
    )
    status = connection.getresponse().status
    connection.close()
    assert status == 400
    assert rotel_collector.wait_for_errors(1)
    assert "Invalid data for Value" in rotel_collector.errors()[0]
    assert rotel_collector.received_records() == []


def test_stop_ends_the_process_and_frees_the_ports(rotel_collectors: RotelFactory) -> None:
    rotel = rotel_collectors()
    pid_ports = (rotel.grpc_port, rotel.http_port)
    assert rotel.running
    rotel.stop()
    assert not rotel.running
    for port in pid_ports:
        result = subprocess.run(
            ["python3", "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), 1)"],
            capture_output=True,
            check=False,
            env={**os.environ},
        )
        assert result.returncode != 0, f"port {port} still accepts connections"


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("Str(a (b) c)", "a (b) c"),
        ("Str()", ""),
        ("Int(-7)", -7),
        ("Double(inf)", math.inf),
        ("Bool(false)", False),
        ("Bytes([])", b""),
        ("Slice(Str(a), Str(b), c))", ["a", "b), c"]),
        ("Slice(Int(1), Double(2.5))", [1, 2.5]),
        ("Slice()", []),
        ("Empty", None),
    ],
)
def test_parse_value(printed: str, value: object) -> None:
    assert parse_value(printed) == value


def test_parse_value_keeps_what_it_does_not_know() -> None:
    assert parse_value("Map({a: Str(b)})") == Unparsed("Map({a: Str(b)})")


def test_the_parser_keeps_a_multi_line_value_and_rotels_own_log_apart() -> None:
    parser = DebugLogParser()
    printout = """\
{"v":0,"msg":"Starting Rotel.","level":30}
ResourceLog #0
Resource SchemaURL:
Resource attributes:
     -> service.name: Str(svc)
ScopeLogs #0
ScopeLogs SchemaURL:
InstrumentationScope scope
LogRecord #0
ObservedTimestamp: 2
Timestamp: 1
SeverityText: INFO
SeverityNumber: SEVERITY_NUMBER_INFO(9)
EventName: e
Body: Empty
Attributes:
     -> text: Str(first
  -> second)
     -> n: Int(3)
    Trace ID       :
    Span ID        :
Flags: 0"""
    for line in printout.splitlines():
        parser.feed(line)
    (record,) = parser.records
    assert record.attributes == {"text": "first\n  -> second", "n": 3}
    assert (record.time_unix_nano, record.observed_time_unix_nano, record.body) == (1, 2, None)
    assert record.resource == {"service.name": "svc"}
    assert (record.scope_name, record.scope_version, record.severity_number) == ("scope", "", 9)
    assert parser.log_lines == [{"v": 0, "msg": "Starting Rotel.", "level": 30}]


# --- spans (`--debug-log traces`) -------------------------------------------------------------

#: Every kind of value a span attribute can hold, text that looks like the printout included.
SPAN_ATTRIBUTES: dict[str, AnyValue] = {
    "gen_ai.tool.name": "shell",
    "text": "a (b), Str(c",
    "empty": "",
    "negative": -5,
    "int64": 2**63 - 1,
    "double": 1.5,
    "flag": False,
    "strings": ["x", "y z"],
    "ints": [1, -2],
    "doubles": [0.25],
    "flags": [True],
}
REMOTE = trace.SpanContext(
    0x0102030405060708090A0B0C0D0E0F10,
    0x1112131415161718,
    is_remote=True,
    trace_flags=trace.TraceFlags(1),
    trace_state=trace.TraceState([("vendor", "v1")]),
)


def send_spans(exporter: SpanExporter) -> None:
    """A root under a remote parent, a client child with an event and an error status, and a
    child left by an exception (a multi-line stack trace in its event)."""
    provider = TracerProvider(resource=Resource.create({"shard": 7}), shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("selftest", "1.2")
    context = trace.set_span_in_context(trace.NonRecordingSpan(REMOTE))
    with tracer.start_as_current_span("invoke_agent codex", context=context) as root:
        root.set_attributes(SPAN_ATTRIBUTES)
        with tracer.start_as_current_span("chat gpt-5", kind=SpanKind.CLIENT) as request:
            request.add_event("Str(not an attribute)", {"attempt": 2})
            request.set_status(Status(StatusCode.ERROR, "overloaded"))
        with contextlib.suppress(KeyError), tracer.start_as_current_span("execute_tool shell"):
            raise KeyError("missing")
    provider.shutdown()


def check_spans(spans: Sequence[ReceivedSpan]) -> None:
    assert [span.name for span in spans] == [
        "chat gpt-5",
        "execute_tool shell",
        "invoke_agent codex",
    ]
    request, tool, root = spans
    assert (root.kind, request.kind, tool.kind) == ("internal", "client", "internal")
    assert {span.trace_id for span in spans} == {f"{REMOTE.trace_id:032x}"}
    assert root.parent_span_id == f"{REMOTE.span_id:016x}"
    assert request.parent_span_id == tool.parent_span_id == root.span_id
    assert root.trace_state == "vendor=v1"
    assert root.attributes == SPAN_ATTRIBUTES
    for key, value in SPAN_ATTRIBUTES.items():
        assert type(root.attributes[key]) is type(value), key
    assert (root.status, request.status, tool.status) == ("unset", "error", "error")
    assert request.status_message == "overloaded"
    assert [(e.name, e.attributes) for e in request.events] == [
        ("Str(not an attribute)", {"attempt": 2})
    ]
    (exception,) = tool.events
    assert exception.name == "exception"
    assert exception.attributes["exception.type"] == "KeyError"
    stacktrace = exception.attributes["exception.stacktrace"]
    assert isinstance(stacktrace, str)
    assert stacktrace.startswith("Traceback (most recent call last):\n")
    assert stacktrace.endswith("KeyError: 'missing'\n")
    for span in spans:
        assert 0 < span.start_time_unix_nano <= span.end_time_unix_nano
        assert (span.scope_name, span.scope_version) == ("selftest", "1.2")
        assert span.resource["shard"] == 7


@pytest.mark.parametrize("transport", ["http-protobuf", "http-json", "grpc"])
def test_the_debug_log_gives_spans_back(transport: str, rotel_collector: RotelCollector) -> None:
    if transport == "grpc":
        send_spans(GrpcSpanExporter(endpoint=rotel_collector.grpc_endpoint, insecure=True))
    elif transport == "http-json":
        send_spans(JsonSpanExporter(endpoint=rotel_collector.http_traces_endpoint))
    else:
        send_spans(ProtoSpanExporter(endpoint=rotel_collector.http_traces_endpoint))
    assert rotel_collector.wait_for_spans(3, timeout=10), rotel_collector.stdout
    spans = rotel_collector.received_spans()
    check_spans(spans)
    assert {span.transport for span in spans} == {"rotel"}
    assert rotel_collector.received_spans("chat gpt-5") == [spans[0]]
    assert rotel_collector.received_records() == []  # spans are not read as log records
    assert rotel_collector.errors() == []


def test_the_printout_of_spans_matches_what_rotel_forwards(rotel_collectors: RotelFactory) -> None:
    """Rotel's re-encoded spans, decoded exactly by an in-repo receiver, equal what the
    parser read from its printout (the transport aside)."""
    with OtlpGrpcReceiver() as downstream:
        rotel = rotel_collectors(forward_to=downstream.endpoint)
        send_spans(GrpcSpanExporter(endpoint=rotel.grpc_endpoint, insecure=True))
        assert downstream.wait_for_spans(3, timeout=15), rotel.stdout
        assert rotel.wait_for_spans(3)
        forwarded = downstream.received_spans()
        check_spans(forwarded)
        printed = rotel.received_spans()
        assert [dataclasses.replace(s, transport="grpc") for s in printed] == forwarded


def test_a_refused_span_request_shows_in_rotels_own_log(rotel_collector: RotelCollector) -> None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", rotel_collector.http_port, timeout=5)
    connection.request(
        "POST",
        "/v1/traces",
        body=b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}',
        headers={"Content-Type": "application/json"},
    )
    status = connection.getresponse().status
    connection.close()
    assert status == 400
    assert rotel_collector.wait_for_errors(1)
    assert rotel_collector.received_spans() == []


SPAN_PRINTOUT = """\
ResourceSpans #0
Resource SchemaURL:
Resource attributes:
     -> service.name: Str(svc)
ScopeSpans #0
ScopeSpans SchemaURL:
InstrumentationScope scope 2
Span #0
    Trace ID       : 0102030405060708090a0b0c0d0e0f10
    Parent ID      :
    ID             : 1112131415161718
    Name           : execute_tool shell
    Kind           : SPAN_KIND_INTERNAL
Start time: 1
End time: 2
    Status code    : STATUS_CODE_ERROR
    Status message : boom
Attributes:
     -> Name: Str(an attribute called Name)
     -> n: Int(3)
Events:
SpanEvent #0
     -> Name: exception
     -> Timestamp: 5
     -> DroppedAttributesCount: 0
     -> Attributes::
          -> exception.stacktrace: Str(first
    Name           : not a field
)"""


def test_the_span_parser_settles_the_last_span_and_keeps_reading_it() -> None:
    parser = DebugLogParser()
    for line in SPAN_PRINTOUT.splitlines():
        parser.feed(line)
    assert parser.spans == []  # no closing line: not complete until the output goes quiet
    parser.settle()
    (span,) = parser.spans
    assert (span.name, span.kind, span.parent_span_id, span.span_id) == (
        "execute_tool shell",
        "internal",
        "",
        "1112131415161718",
    )
    assert (span.status, span.status_message) == ("error", "boom")
    assert span.attributes == {"Name": "an attribute called Name", "n": 3}
    assert span.events[0].attributes == {
        "exception.stacktrace": "first\n    Name           : not a field\n"
    }
    assert (span.resource, span.scope_name, span.scope_version) == (
        {"service.name": "svc"},
        "scope",
        "2",
    )

    # More of the same span after a quiet moment: the published span is updated, not doubled.
    parser.feed("          -> exception.type: Str(KeyError)")
    parser.feed("Span #1")
    parser.feed("    ID             : 2122232425262728")
    parser.feed("    Name           : second")
    parser.feed("ResourceLog #0")  # the logs part starts: the open span is complete
    first, second = parser.spans
    assert first.events[0].attributes["exception.type"] == "KeyError"
    assert (second.name, second.span_id) == ("second", "2122232425262728")


def test_the_parser_keeps_metrics_printouts_out_of_spans_and_records() -> None:
    """`--debug-log metrics` (a test's extra_args) prints between the others: its attribute
    and `Flags:` lines belong to no span and no log record."""
    parser = DebugLogParser()
    lines = [*SPAN_PRINTOUT.splitlines()[:19], "ResourceMetrics #0", "     -> stray: Str(x)"]
    for line in [*lines, "Flags: 0"]:
        parser.feed(line)
    parser.settle()
    (span,) = parser.spans
    assert span.attributes == {"Name": "an attribute called Name"}
    assert parser.records == []
