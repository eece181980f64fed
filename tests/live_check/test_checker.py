"""The checker's own properties: both decoders agree, memory stays bounded, any value is
handled (lone surrogates, control characters, huge numbers) and redacted ones never shown."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_otel.generator import Catalog, bundled_catalog_path, load_catalog
from codex_otel.livecheck import (
    LiveChecker,
    ResourceRecords,
    build_report,
    decode_json_line,
    decode_proto_request,
    render,
)
from live_check import recorded

CATALOG: Catalog = load_catalog(bundled_catalog_path())
VALID_LINES = recorded.FILE.read_text(encoding="utf-8").splitlines()[: -len(recorded.BAD_LINES)]


@pytest.mark.parametrize("number", range(1, len(VALID_LINES) + 1))
def test_protobuf_and_json_decode_to_the_same_records(number: int) -> None:
    pytest.importorskip("opentelemetry.proto", reason="protobuf needs the otel extra")
    from google.protobuf import json_format
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceRequest,
    )

    line = VALID_LINES[number - 1]
    signal = "metrics" if line.startswith('{"resourceMetrics"') else "logs"
    request = ExportMetricsServiceRequest() if signal == "metrics" else ExportLogsServiceRequest()
    message = json_format.Parse(line, request)
    decoded = decode_proto_request(message.SerializeToString(), signal)
    assert decoded == decode_json_line(line, signal) == decode_json_line(line)


@pytest.mark.no_otel
def test_memory_is_bounded_whatever_the_traffic() -> None:
    checker = LiveChecker(CATALOG, max_keys=50)
    for index in range(5_000):
        checker.check_record(f"app.event_{index}", {}, f"line {index}")
        checker.check_record(
            "codex.user_prompt", {f"junk.{index}": index, "prompt": "[REDACTED]"}, "x"
        )
    findings = checker.findings.sorted()
    assert len(findings) <= 50 + 2
    assert all(len(finding.examples) <= 3 for finding in findings)
    unknown_events = sum(f.count for f in findings if f.kind == "unknown_event")
    unknown_attributes = sum(f.count for f in findings if f.kind == "unknown_attribute")
    assert unknown_events == unknown_attributes == 5_000
    assert any(f.event == "(other)" for f in findings)
    # Coverage remembers the catalog's keys only.
    assert len(checker.events["codex.user_prompt"].seen) <= 10 + 64 + 1


ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=40)
SCALARS = st.one_of(
    ANY_TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.binary(max_size=8),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    # Past every cap of the catalog (16,384): a huge value, shown cut or not at all.
    ANY_TEXT.map(lambda text: "huge" + text * 500 + "x" * 17_000),
)


@pytest.mark.no_otel
@settings(max_examples=150, deadline=None)
@given(
    prompt=st.one_of(ANY_TEXT.map(lambda text: "SECRET" + text), st.integers()),
    length=VALUES,
    extra_key=ANY_TEXT,
    extra=VALUES,
    name=st.one_of(st.just("codex.user_prompt"), ANY_TEXT),
)
def test_any_values_are_checked_and_redacted_ones_never_shown(
    prompt: object, length: object, extra_key: str, extra: object, name: str
) -> None:
    checker = LiveChecker(CATALOG)
    attributes = {"prompt": prompt, "prompt_length": length, extra_key: extra}
    checker.check_record(name, attributes, "here")
    report = build_report(checker)
    for output_format in ("text", "json", "markdown"):
        text = render(report, output_format)
        if isinstance(prompt, str) and name == "codex.user_prompt":
            assert "SECRET" not in text
        # What the CLI writes: standard output with backslashreplace.
        text.encode("utf-8", "backslashreplace")
    document = json.loads(render(report, "json"))
    assert document["records"] == 1
    if name == "codex.user_prompt" and isinstance(length, int) and not isinstance(length, bool):
        bounded = 0 <= length <= 2**63 - 1
        assert any(f["kind"] == "out_of_bounds" for f in document["findings"]) is not bounded


@pytest.mark.no_otel
def test_nan_is_out_of_bounds_for_a_bounded_double() -> None:
    import yaml

    from codex_otel.generator import load_catalog_text

    document = yaml.safe_load(bundled_catalog_path().read_text(encoding="utf-8"))
    document["attributes"].append(
        {"key": "ratio", "type": "double", "minimum": 0, "description": "A ratio."}
    )
    request = next(e for e in document["events"] if e["name"] == "codex.api_request")
    request["attributes"].append({"ref": "ratio", "requirement": "optional"})
    checker = LiveChecker(load_catalog_text(yaml.safe_dump(document)))
    for value in (math.nan, -1.0, 0.5, 7):
        checker.check_record("codex.api_request", {"ratio": value}, repr(value))
    by_kind = {
        f.kind: [e.where for e in f.examples]
        for f in checker.findings.sorted()
        if f.attribute == "ratio"
    }
    assert by_kind == {"out_of_bounds": ["nan", "-1.0"], "type_mismatch": ["7"]}


@pytest.mark.no_otel
@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ({"key": "k"}, None),  # no value: an empty AnyValue
        ({"key": "k", "value": {}}, None),
        ({"key": "k", "value": {"intValue": "-12"}}, -12),
        ({"key": "k", "value": {"intValue": 7}}, 7),
        ({"key": "k", "value": {"doubleValue": "NaN"}}, "nan"),
        ({"key": "k", "value": {"bytesValue": "AAE="}}, b"\x00\x01"),
        ({"key": "k", "value": {"arrayValue": {"values": [{"boolValue": True}]}}}, [True]),
        (
            {"key": "k", "value": {"kvlistValue": {"values": [{"key": "a", "value": {}}]}}},
            {"a": None},
        ),
    ],
)
def test_json_any_values(pair: dict[str, object], expected: object) -> None:
    line = json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [{"attributes": [pair]}]}]}]})
    [batch] = decode_json_line(line)
    assert isinstance(batch, ResourceRecords)
    resource, [(name, attributes, body)], scopes = batch
    value = attributes["k"]
    assert (str(value) if isinstance(value, float) else value) == expected
    assert resource == {} and name == "" and body is None and scopes == ()


@pytest.mark.no_otel
@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"attributes": [{"key": 1, "value": {"intValue": "x"}}]}]}]}]}',
         "resourceLogs[0].scopeLogs[0].logRecords[0].attributes[0].key: expected a string"),
        ('{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"attributes": [{"key": "n", "value": {"intValue": "1.5"}}]}]}]}]}',
         "resourceLogs[0].scopeLogs[0].logRecords[0].attributes[0].value ('n'): not a valid AnyValue (intValue)"),
        ('{"resourceLogs": {}}', "resourceLogs: expected an array, got a JSON object"),
        ('{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"attributes": {}}]}]}]}',
         "resourceLogs[0].scopeLogs[0].logRecords[0].attributes: expected an array, got a JSON object"),
        ("[1]", "not an export request: a JSON array, not an object"),
    ],
)  # fmt: skip
def test_malformed_requests_name_the_path(line: str, message: str) -> None:
    from codex_otel.livecheck import InvalidRequest

    with pytest.raises(InvalidRequest) as error:
        decode_json_line(line)
    assert str(error.value) == message


#: A record with a body and a scope with attributes (what the secret scan reads besides
#: the attributes), in both signals.
BODY_AND_SCOPE = (
    '{"resourceLogs": [{"resource": {"attributes": [{"key": "service.name", "value": '
    '{"stringValue": "agent"}}]}, "scopeLogs": [{"scope": {"name": "s", "attributes": [{"key": '
    '"origin", "value": {"stringValue": "cli"}}]}, "logRecords": [{"eventName": "e", "body": '
    '{"kvlistValue": {"values": [{"key": "text", "value": {"stringValue": "hello"}}]}}}, '
    '{"eventName": "bare"}]}, {"scope": {"name": "plain"}, "logRecords": []}]}]}',
    '{"resourceMetrics": [{"scopeMetrics": [{"scope": {"attributes": [{"key": "origin", '
    '"value": {"stringValue": "cli"}}]}, "metrics": [{"name": "m", "unit": "1", "gauge": '
    '{"dataPoints": [{"asInt": "1"}]}}]}]}]}',
)


@pytest.mark.parametrize("line", BODY_AND_SCOPE)
def test_bodies_and_scope_attributes_decode_the_same_from_protobuf_and_json(line: str) -> None:
    pytest.importorskip("opentelemetry.proto", reason="protobuf needs the otel extra")
    from google.protobuf import json_format
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceRequest,
    )

    metrics = line.startswith('{"resourceMetrics"')
    request = ExportMetricsServiceRequest() if metrics else ExportLogsServiceRequest()
    message = json_format.Parse(line, request)
    from_json = decode_json_line(line)
    from_proto = decode_proto_request(message.SerializeToString(), "metrics" if metrics else "logs")
    assert from_json == from_proto
    [batch] = from_json
    assert batch.scopes == ({"origin": "cli"},)
    if not metrics:
        assert isinstance(batch, ResourceRecords)
        assert [record.body for record in batch.records] == [{"text": "hello"}, None]


def test_a_body_that_is_no_any_value_is_named() -> None:
    line = json.dumps(
        {"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"intValue": "x"}}]}]}]}
    )
    checker = LiveChecker(CATALOG)
    checker.check_json_line(line, "traffic:1")
    [finding] = checker.findings.sorted()
    assert finding.kind == "invalid_request"
    assert finding.examples[0].detail == (
        "resourceLogs[0].scopeLogs[0].logRecords[0].body.value ('body'): not a valid "
        "AnyValue (intValue)"
    )
