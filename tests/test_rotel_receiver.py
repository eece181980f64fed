"""Self-tests of the Rotel launcher (`tests/receivers/rotel.py`), driven by the SDK directly.

The SDK's own exporters (not codex_otel.runtime) send records holding every kind of value,
so the debug-log parser and the forwarding mode are proven before the runtime's wire tests
rely on them.
"""

from __future__ import annotations

import math
import os
import subprocess
from collections.abc import Mapping

import pytest

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.proto")
pytest.importorskip("grpc")

from opentelemetry.exporter.otlp.proto.grpc._log_exporter import (
    OTLPLogExporter as GrpcExporter,
)
from opentelemetry.exporter.otlp.proto.http._log_exporter import (
    OTLPLogExporter as ProtoHttpExporter,
)
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.util.types import AnyValue

from receivers import OtlpGrpcReceiver
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
