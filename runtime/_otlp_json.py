"""OTLP/JSON that strict receivers accept, written by the official JSON exporters.

The official OTLP/JSON encoder (`opentelemetry-exporter-otlp-json-common` 0.66b1) writes
`"body": {}` for a record without a body: an `AnyValue` with no value set. The Go
Collector reads that as an empty body; Rotel, and any receiver that requires one of
AnyValue's keys, refuses the whole request ("Invalid data for Value, no known keys
found"). Events carry no body (the name is the record's `event_name`), so every request
codex-otel sent over OTLP/HTTP JSON, and every line of its file exporter, was refused.

`encode_request` is the official encoder with the empty body left out (what proto3 JSON
writes for an unset field). Attribute values are never empty: the emitters' types have no
None, and the SDK drops None values before they reach the encoder.

An empty array has the opposite problem: the encoder writes `{"arrayValue": {}}` (proto3
JSON leaves out an empty repeated field), and Rotel refuses the whole request ("missing
field `values`"). `ArrayValue.values` and `KeyValueList.values` are repeated fields, so
`{"values": []}` means the same to every reader and is what strict ones need: both
encoders below write it for every empty array or key-value list, in record, data point,
resource and scope attributes, nested ones included (`_fill_empty_values`).

The HTTP JSON exporter and the file exporter below are the official classes with these
encoders in place of theirs, one of each for every signal (`_signal`). They reach one
private attribute each (0.66b1: the HTTP exporter's `_client`, the file exporter's
`_exporter._encode`; through `_sdk_compat`, whose tests check them), looked up when the
exporter is built: a version that moved them gets the official encoder and a debug
message, not a broken pipeline.

Metrics (`encode_metrics_request`, below) get the same treatment for another receiver
quirk: their integers are written as JSON numbers. Spans (`encode_spans_request`) get
the empty arrays filled, in span, span event and link attributes too.

Imports the OpenTelemetry packages only when called.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any

from ._sdk_compat import json_exporter_shut_down, json_http_client, replace_file_encoder

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import ReadableLogRecord
    from opentelemetry.sdk.metrics.export import MetricsData
    from opentelemetry.sdk.trace import ReadableSpan

    from ._signal import Signal

logger = logging.getLogger("codex_otel")


def encode_request(batch: Sequence[ReadableLogRecord]) -> dict[str, Any] | None:
    """The OTLP/JSON `ExportLogsServiceRequest` of `batch` as a dict; None when empty."""
    from opentelemetry.exporter.otlp.json.common._log_encoder import encode_logs

    request = encode_logs(batch)
    if not request.resource_logs:
        return None
    document: dict[str, Any] = request.to_dict()
    for resource_logs in document.get("resourceLogs", ()):
        _fill_empty_values(resource_logs.get("resource", {}).get("attributes", ()))
        for scope_logs in resource_logs.get("scopeLogs", ()):
            _fill_empty_values(scope_logs.get("scope", {}).get("attributes", ()))
            for record in scope_logs.get("logRecords", ()):
                if record.get("body") == {}:
                    del record["body"]
                elif "body" in record:
                    _fill_empty_value(record["body"])
                _fill_empty_values(record.get("attributes", ()))
    return document


def _fill_empty_values(attributes: Sequence[dict[str, Any]]) -> None:
    """Write `"values": []` into every empty array and key-value list among `attributes`
    (OTLP/JSON `KeyValue`s), nested ones included."""
    for attribute in attributes:
        value = attribute.get("value")
        if value is not None:
            _fill_empty_value(value)


def _fill_empty_value(value: dict[str, Any]) -> None:
    """The same for one OTLP/JSON `AnyValue`."""
    array = value.get("arrayValue")
    if array is not None:
        items = array.setdefault("values", [])
        for item in items:
            _fill_empty_value(item)
        return
    pairs = value.get("kvlistValue")
    if pairs is not None:
        _fill_empty_values(pairs.setdefault("values", []))


def encode_body(batch: Sequence[ReadableLogRecord]) -> bytes:
    """The HTTP request body: the request as JSON text, UTF-8 (ASCII-escaped, as upstream)."""
    return json.dumps(encode_request(batch) or {}).encode("utf-8")


# --- metrics ------------------------------------------------------------------------------

#: Integers a JSON number holds exactly in every reader (JavaScript's included).
_EXACT_IN_JSON = 2**53

#: The 64-bit integer fields of metric data points that carry the measurement itself.
_POINT_INT64_FIELDS = ("asInt", "count")


def encode_metrics_request(data: MetricsData) -> dict[str, Any] | None:
    """The OTLP/JSON `ExportMetricsServiceRequest` of `data` as a dict; None when empty.

    The official encoder writes every 64-bit integer as a decimal string, as the proto3
    JSON mapping says and OTLP receivers must accept. Rotel (0.0.1a15) does not: it reads
    a string `asInt` as 0 and drops a histogram whose `count` or `bucketCounts` are
    strings, answering 200 all the same. The measurement's integers (`asInt`, `count`,
    `bucketCounts`) are written as JSON numbers instead, which every receiver accepts,
    whenever a JSON number holds them exactly (below 2**53); timestamps stay strings.
    """
    from opentelemetry.exporter.otlp.json.common.metrics_encoder import encode_metrics

    request = encode_metrics(data)
    if not request.resource_metrics:
        return None
    document: dict[str, Any] = request.to_dict()
    for resource_metrics in document.get("resourceMetrics", ()):
        _fill_empty_values(resource_metrics.get("resource", {}).get("attributes", ()))
        for scope_metrics in resource_metrics.get("scopeMetrics", ()):
            _fill_empty_values(scope_metrics.get("scope", {}).get("attributes", ()))
            for metric in scope_metrics.get("metrics", ()):
                for kind in ("sum", "gauge", "histogram", "exponentialHistogram", "summary"):
                    for point in metric.get(kind, {}).get("dataPoints", ()):
                        _int64_as_numbers(point)
                        _fill_empty_values(point.get("attributes", ()))
    return document


def _int64_as_numbers(point: dict[str, Any]) -> None:
    for key in _POINT_INT64_FIELDS:
        if key in point:
            point[key] = _number(point[key])
    if "bucketCounts" in point:
        point["bucketCounts"] = [_number(count) for count in point["bucketCounts"]]


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            number = int(value)
        except ValueError:
            return value
        return number if abs(number) < _EXACT_IN_JSON else value
    return value


# --- spans -------------------------------------------------------------------------------


def encode_spans_request(batch: Sequence[ReadableSpan]) -> dict[str, Any] | None:
    """The OTLP/JSON `ExportTraceServiceRequest` of `batch` as a dict; None when empty.
    Trace and span ids are hex, as OTLP/JSON says (the official encoder's)."""
    from opentelemetry.exporter.otlp.json.common.trace_encoder import encode_spans

    request = encode_spans(batch)
    if not request.resource_spans:
        return None
    document: dict[str, Any] = request.to_dict()
    for resource_spans in document.get("resourceSpans", ()):
        _fill_empty_values(resource_spans.get("resource", {}).get("attributes", ()))
        for scope_spans in resource_spans.get("scopeSpans", ()):
            _fill_empty_values(scope_spans.get("scope", {}).get("attributes", ()))
            for span in scope_spans.get("spans", ()):
                _fill_empty_values(span.get("attributes", ()))
                for part in (*span.get("events", ()), *span.get("links", ())):
                    _fill_empty_values(part.get("attributes", ()))
    return document


# --- the exporters ------------------------------------------------------------------------


def json_http_exporter(signal: Signal, **options: Any) -> Any:
    """The official OTLP/HTTP JSON exporter of `signal` (same `options`), sending the body
    of the signal's encoder above (`encode_request`, `encode_metrics_request`)."""
    official: Any = signal.load(signal.http_json)
    success, failure = signal.results()
    encode = signal.encode()

    class StrictJsonExporter(official):  # type: ignore[misc]
        send: Callable[[bytes], bool]

        def export(self, data: Any, *args: Any, **kwargs: Any) -> Any:
            if json_exporter_shut_down(self):
                return failure
            try:
                body = json.dumps(encode(data) or {}).encode("utf-8")
            except Exception:
                logger.debug("codex-otel: %s could not be encoded", signal.name, exc_info=True)
                return failure
            return success if self.send(body) else failure

    exporter = StrictJsonExporter(**options)
    send = json_http_client(exporter)
    if send is None:
        exporter.shutdown()
        return official(**options)
    exporter.send = send
    return exporter


def json_file_exporter(
    signal: Signal, *, path: str | None = None, stream: IO[str] | None = None, **options: Any
) -> Any:
    """The official OTLP/JSON file exporter of `signal` (one request per line), writing
    what the signal's encoder above returns."""
    official: Any = signal.load(signal.json_file)
    if path is not None:
        exporter = official(path, **options)
    elif stream is not None:
        exporter = official(stream=stream, **options)
    else:
        raise ValueError("json_file_exporter: give a path or a stream")
    replace_file_encoder(exporter, signal.encode())
    return exporter
