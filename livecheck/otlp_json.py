"""Decode OTLP/JSON `ExportLogsServiceRequest`s, `ExportMetricsServiceRequest`s and
`ExportTraceServiceRequest`s (one per line of a file, or an HTTP body).

The format is the protobuf JSON mapping OTLP specifies: lowerCamelCase field names,
64-bit integers as decimal strings (numbers accepted too), bytes in base64 except trace
and span ids (hex, as OTLP/JSON says), enums as numbers (their names accepted too). The loop is
written for speed (it runs once per attribute of every record); a document it cannot
walk is walked again by `_diagnose`, which names the first thing wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
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

_SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


#: The top-level field of each signal's export request.
_SIGNAL_FIELDS = {"logs": "resourceLogs", "metrics": "resourceMetrics", "traces": "resourceSpans"}


def decode_json_line(line: str | bytes, signal: str | None = None) -> list[Batch]:
    """Parse one line (or HTTP body) of OTLP/JSON; raise InvalidRequest when it is not one.
    `signal` (`logs`, `metrics` or `traces`) accepts only that signal's requests; None,
    any."""
    try:
        document = json.loads(line)
    except UnicodeDecodeError as error:
        raise InvalidRequest(f"not UTF-8 text: {error.reason} at byte {error.start}") from None
    except json.JSONDecodeError as error:
        raise InvalidRequest(f"not valid JSON: {error.msg} at column {error.pos + 1}") from None
    except RecursionError:
        # The parser's own depth limit (the interpreter's recursion limit): an export
        # request is a few levels deep, `"[" * 100000` is not one.
        raise InvalidRequest("not valid JSON: nested deeper than the parser allows") from None
    try:
        return decode_json_request(document, signal)
    except RecursionError:
        # An AnyValue nested (arrays in kvlists in arrays ...) deeper than Python recurses.
        raise InvalidRequest("an attribute value is nested too deeply") from None


def decode_json_request(document: object, signal: str | None = None) -> list[Batch]:
    """The records (or metrics, or spans) of a parsed OTLP/JSON export request, by
    resource."""
    if document.__class__ is not dict or len(document) != 1 or "resourceLogs" not in document:
        if document == {}:
            return []  # an empty request is valid: nothing to check
        if document.__class__ is dict and len(document) == 1:
            if "resourceMetrics" in document and signal in (None, "metrics"):
                return _decode_metrics_request(document)
            if "resourceSpans" in document and signal in (None, "traces"):
                return _decode_traces_request(document)
        raise InvalidRequest(_diagnose(document, signal) or "not an export request")
    if signal in ("metrics", "traces"):
        raise InvalidRequest(f"a logs export request (resourceLogs) where {signal} were expected")
    try:
        return _decode(document, _fast_attributes)
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error):
        pass  # something unusual (a KeyValue without a value, say): the careful way
    try:
        return _decode(document, _careful_attributes)
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error) as error:
        raise InvalidRequest(_diagnose(document) or f"malformed request: {error}") from None


def _decode(document: Any, attributes_of: Any) -> list[Batch]:
    out: list[Batch] = []
    for resource_logs in _array(document["resourceLogs"]):
        resource = resource_logs.get("resource")
        resource_attributes = _attributes(resource.get("attributes")) if resource else {}
        records: list[LiveRecord] = []
        scopes: list[dict[str, object]] = []
        for scope_logs in _array(resource_logs.get("scopeLogs")):
            _scope(scope_logs, scopes)
            for log in _array(scope_logs.get("logRecords")):
                name = log.get("eventName") or ""
                if name.__class__ is not str:
                    raise TypeError("eventName")
                body = log.get("body")
                records.append(
                    LiveRecord(
                        name,
                        attributes_of(_array(log.get("attributes"))),
                        None if body is None else _any(body),
                    )
                )
        out.append(ResourceRecords(resource_attributes, records, tuple(scopes)))
    return out


def _decode_metrics_request(document: Any) -> list[Batch]:
    try:
        return _decode_metrics(document)
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error) as error:
        raise InvalidRequest(
            _diagnose(document, "metrics") or f"malformed request: {error}"
        ) from None


def _decode_traces_request(document: Any) -> list[Batch]:
    try:
        return _decode_traces(document)
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error) as error:
        raise InvalidRequest(
            _diagnose(document, "traces") or f"malformed request: {error}"
        ) from None


def _decode_traces(document: Any) -> list[Batch]:
    out: list[Batch] = []
    for resource_spans in _array(document["resourceSpans"]):
        resource = resource_spans.get("resource")
        resource_attributes = _attributes(resource.get("attributes")) if resource else {}
        spans: list[LiveSpan] = []
        scopes: list[dict[str, object]] = []
        for scope_spans in _array(resource_spans.get("scopeSpans")):
            _scope(scope_spans, scopes)
            for span in _array(scope_spans.get("spans")):
                spans.append(_span(span))
        out.append(ResourceSpans(resource_attributes, spans, tuple(scopes)))
    return out


def _span(span: Any) -> LiveSpan:
    name = span.get("name") or ""
    if name.__class__ is not str:
        raise TypeError("name")
    status = span.get("status")
    if status is None:
        status = {}
    events = tuple(
        (_text(event.get("name")), _careful_attributes(_array(event.get("attributes"))))
        for event in _array(span.get("events"))
    )
    return LiveSpan(
        name,
        _enum(span.get("kind"), SPAN_KINDS, "SPAN_KIND_", "kind"),
        _hex_id(span.get("traceId")),
        _hex_id(span.get("spanId")),
        _hex_id(span.get("parentSpanId")),
        _careful_attributes(_array(span.get("attributes"))),
        _enum(status.get("code"), STATUS_CODES, "STATUS_CODE_", "code"),
        events,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value.__class__ is not str:
        raise TypeError("expected a string")
    text: str = value
    return text


def _enum(value: Any, names: tuple[str, ...], prefix: str, what: str) -> str:
    """An OTLP enum by number (the JSON mapping's) or by name (`SPAN_KIND_CLIENT`); an
    unknown number is kept as `kind 7`, never dropped."""
    if value is None:
        return names[0]
    if value.__class__ is int:
        return names[value] if 0 <= value < len(names) else f"{what} {value}"
    if value.__class__ is str and value.startswith(prefix):
        name = value[len(prefix) :].lower()
        if name in names:
            return name
    raise ValueError(f"not a {what}: {value!r}")


_HEX_DIGITS = frozenset("0123456789abcdef")


def _hex_id(value: Any) -> str:
    """A trace or span id: hex in OTLP/JSON ("" when absent)."""
    if value is None:
        return ""
    if value.__class__ is not str:
        raise TypeError("an id must be a hex string")
    text: str = value.lower()
    if not _HEX_DIGITS.issuperset(text) or len(text) % 2:
        raise ValueError(f"not a hex id: {value[:40]!r}")
    return text


#: OTLP's point types with the instrument each comes from (sums: by `isMonotonic`).
_POINT_TYPES = ("sum", "gauge", "histogram", "exponentialHistogram", "summary")
_INSTRUMENTS = {
    "gauge": "gauge",
    "histogram": "histogram",
    "exponentialHistogram": "exponential_histogram",
    "summary": "summary",
}


def _decode_metrics(document: Any) -> list[Batch]:
    out: list[Batch] = []
    for resource_metrics in _array(document["resourceMetrics"]):
        resource = resource_metrics.get("resource")
        resource_attributes = _attributes(resource.get("attributes")) if resource else {}
        metrics: list[LiveMetric] = []
        scopes: list[dict[str, object]] = []
        for scope_metrics in _array(resource_metrics.get("scopeMetrics")):
            _scope(scope_metrics, scopes)
            for metric in _array(scope_metrics.get("metrics")):
                metrics.append(_metric(metric))
        out.append(ResourceMetrics(resource_attributes, metrics, tuple(scopes)))
    return out


def _scope(scoped: Any, scopes: list[dict[str, object]]) -> None:
    """Adds the scope's attributes, when it has any, to `scopes`."""
    scope = scoped.get("scope")
    if scope:
        attributes = _attributes(scope.get("attributes"))
        if attributes:
            scopes.append(attributes)


def _metric(metric: Any) -> LiveMetric:
    name = metric.get("name")
    unit = metric.get("unit") or ""
    if name.__class__ is not str or unit.__class__ is not str:
        raise TypeError("name and unit must be strings")
    present = [field for field in _POINT_TYPES if field in metric]
    if not present:
        return LiveMetric(name, "empty", unit, [])
    if len(present) > 1:
        raise ValueError(f"more than one point type: {', '.join(present)}")
    field = present[0]
    data = metric[field]
    if field == "sum":
        instrument = "counter" if data.get("isMonotonic") is True else "updowncounter"
    else:
        instrument = _INSTRUMENTS[field]
    points: list[LivePoint] = []
    for point in _array(data.get("dataPoints")):
        attributes = _careful_attributes(_array(point.get("attributes")))
        if field in ("sum", "gauge"):
            value_type = "int" if "asInt" in point else "double" if "asDouble" in point else None
            points.append(LivePoint(attributes, value_type))
        elif field == "histogram":
            bounds = tuple(float(b) for b in _array(point.get("explicitBounds")))
            points.append(LivePoint(attributes, None, bounds))
        else:
            points.append(LivePoint(attributes))
    return LiveMetric(name, instrument, unit, points)


def _array(items: Any) -> Any:
    """A JSON array (absent: empty); anything else raises, so `_diagnose` names it."""
    if items is None:
        return ()
    if items.__class__ is not list:
        raise TypeError("expected an array")
    return items


def _fast_attributes(pairs: Any) -> dict[str, object]:
    """The common shape, as fast as Python goes: strings (most attributes) skip `_any`.
    Anything unusual raises, and `_careful_attributes` decodes the request instead.
    (A key that is not a string but hashable is kept: it is an unknown attribute.)"""
    return {
        pair["key"]: text
        if (text := (value := pair["value"]).get("stringValue")).__class__ is str
        else _any(value)
        for pair in pairs
    }


def _careful_attributes(pairs: Any) -> dict[str, object]:
    attributes: dict[str, object] = {}
    for pair in pairs:
        key = pair["key"]
        if key.__class__ is not str:
            raise TypeError("key")
        value = pair.get("value")
        # A KeyValue with no value is an empty AnyValue.
        attributes[key] = None if value is None else _any(value)
    return attributes


def _attributes(pairs: Any) -> dict[str, object]:
    out: dict[str, object] = {}
    for pair in _array(pairs):
        key = pair["key"]
        if key.__class__ is not str:
            raise TypeError("key")
        out[key] = _any(pair.get("value") or {})
    return out


def _any(value: Any) -> object:
    """One AnyValue; a value of the wrong JSON type raises TypeError or ValueError."""
    if "stringValue" in value:
        text = value["stringValue"]
        if text.__class__ is not str:
            raise TypeError("stringValue")
        return text
    if "intValue" in value:
        number = value["intValue"]
        if number.__class__ is str and number.lstrip("-").isdigit():
            return int(number)
        if number.__class__ is int:
            return number
        raise TypeError("intValue")
    if "boolValue" in value:
        flag = value["boolValue"]
        if flag.__class__ is not bool:
            raise TypeError("boolValue")
        return flag
    if "doubleValue" in value:
        number = value["doubleValue"]
        if number.__class__ in (int, float):
            return float(number)
        if number.__class__ is str and number in _SPECIAL_DOUBLES:
            return _SPECIAL_DOUBLES[number]
        raise TypeError("doubleValue")
    if "arrayValue" in value:
        return [_any(item) for item in _array(value["arrayValue"].get("values"))]
    if "kvlistValue" in value:
        return _attributes(value["kvlistValue"].get("values"))
    if "bytesValue" in value:
        return base64.b64decode(value["bytesValue"], validate=True)
    if value:
        raise TypeError("unknown AnyValue field")
    return None


# --- naming what is wrong ------------------------------------------------------------------


def _diagnose(document: object, signal: str | None = None) -> str | None:
    """The first thing that makes `document` not an export request, with its path."""
    if not isinstance(document, dict):
        return f"not an export request: a JSON {_json_type(document)}, not an object"
    expected = [_SIGNAL_FIELDS[signal]] if signal else list(_SIGNAL_FIELDS.values())
    present = [field for field in expected if field in document]
    if not present:
        keys = ", ".join(sorted(document)[:5])
        what = signal or "logs, metrics or traces"
        fields = " or ".join(expected) if len(expected) == 1 else _either(expected)
        return f"not an OTLP {what} export request: no {fields} (keys: {keys})"
    top = present[0]
    extra = sorted(set(document) - {top})
    if extra:
        return f"unknown field {extra[0]!r} beside {top}"
    if top == "resourceMetrics":
        return _walk_list(document[top], top, _diagnose_resource_metrics)
    if top == "resourceSpans":
        return _walk_list(document[top], top, _diagnose_resource_spans)
    return _walk_list(document["resourceLogs"], "resourceLogs", _diagnose_resource_logs)


def _either(names: list[str]) -> str:
    """`a, b or c`."""
    return ", ".join(names[:-1]) + " or " + names[-1]


def _diagnose_resource_spans(item: dict[str, Any], path: str) -> str | None:
    return _diagnose_resource(item, path) or _walk_list(
        item.get("scopeSpans"), f"{path}.scopeSpans", _diagnose_scope_spans
    )


def _diagnose_scope_spans(item: dict[str, Any], path: str) -> str | None:
    return _diagnose_scope(item, path) or _walk_list(
        item.get("spans"), f"{path}.spans", _diagnose_span
    )


def _diagnose_span(item: dict[str, Any], path: str) -> str | None:
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        return f"{path}.name: expected a string, got a JSON {_json_type(name)}"
    for field in ("traceId", "spanId", "parentSpanId"):
        try:
            _hex_id(item.get(field))
        except (TypeError, ValueError):
            return f"{path}.{field}: expected a hex string"
    try:
        _enum(item.get("kind"), SPAN_KINDS, "SPAN_KIND_", "kind")
    except ValueError as error:
        return f"{path}.kind: {error}"
    status = item.get("status")
    if status is not None:
        if not isinstance(status, dict):
            return f"{path}.status: expected an object"
        try:
            _enum(status.get("code"), STATUS_CODES, "STATUS_CODE_", "code")
        except ValueError as error:
            return f"{path}.status.code: {error}"
    events = _walk_list(item.get("events"), f"{path}.events", _diagnose_span_event)
    return events or _walk_list(item.get("attributes"), f"{path}.attributes", _pair)


def _diagnose_span_event(item: dict[str, Any], path: str) -> str | None:
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        return f"{path}.name: expected a string, got a JSON {_json_type(name)}"
    return _walk_list(item.get("attributes"), f"{path}.attributes", _pair)


def _diagnose_resource_metrics(item: dict[str, Any], path: str) -> str | None:
    return _diagnose_resource(item, path) or _walk_list(
        item.get("scopeMetrics"), f"{path}.scopeMetrics", _diagnose_scope_metrics
    )


def _diagnose_scope_metrics(item: dict[str, Any], path: str) -> str | None:
    return _diagnose_scope(item, path) or _walk_list(
        item.get("metrics"), f"{path}.metrics", _diagnose_metric
    )


def _diagnose_metric(item: dict[str, Any], path: str) -> str | None:
    for field in ("name", "unit"):
        value = item.get(field)
        if value is not None and not isinstance(value, str):
            return f"{path}.{field}: expected a string, got a JSON {_json_type(value)}"
    present = [field for field in _POINT_TYPES if field in item]
    if len(present) > 1:
        return f"{path}: more than one point type ({', '.join(present)})"
    for field in present:
        data = item[field]
        if not isinstance(data, dict):
            return f"{path}.{field}: expected an object, got a JSON {_json_type(data)}"
        problem = _walk_list(data.get("dataPoints"), f"{path}.{field}.dataPoints", _point)
        if problem:
            return problem
    return None


def _point(item: dict[str, Any], path: str) -> str | None:
    bounds = item.get("explicitBounds")
    if bounds is not None and (
        not isinstance(bounds, list)
        or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
    ):
        return f"{path}.explicitBounds: expected an array of numbers"
    return _walk_list(item.get("attributes"), f"{path}.attributes", _pair)


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "null" if value is None else "object"


def _walk_list(items: object, path: str, each: Any) -> str | None:
    if items is None:
        return None
    if not isinstance(items, list):
        return f"{path}: expected an array, got a JSON {_json_type(items)}"
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        if not isinstance(item, dict):
            return f"{where}: expected an object, got a JSON {_json_type(item)}"
        problem: str | None = each(item, where)
        if problem:
            return problem
    return None


def _diagnose_resource_logs(item: dict[str, Any], path: str) -> str | None:
    return _diagnose_resource(item, path) or _walk_list(
        item.get("scopeLogs"), f"{path}.scopeLogs", _diagnose_scope_logs
    )


def _diagnose_resource(item: dict[str, Any], path: str) -> str | None:
    """The `resource` of a resourceLogs or resourceMetrics item, which both signals share."""
    resource = item.get("resource")
    if resource is None:
        return None
    if not isinstance(resource, dict):
        return f"{path}.resource: expected an object"
    return _walk_list(resource.get("attributes"), f"{path}.resource.attributes", _pair)


def _diagnose_scope_logs(item: dict[str, Any], path: str) -> str | None:
    return _diagnose_scope(item, path) or _walk_list(
        item.get("logRecords"), f"{path}.logRecords", _diagnose_log
    )


def _diagnose_scope(item: dict[str, Any], path: str) -> str | None:
    """The `scope` of a scopeLogs or scopeMetrics item."""
    scope = item.get("scope")
    if scope is None:
        return None
    if not isinstance(scope, dict):
        return f"{path}.scope: expected an object"
    return _walk_list(scope.get("attributes"), f"{path}.scope.attributes", _pair)


def _diagnose_log(item: dict[str, Any], path: str) -> str | None:
    name = item.get("eventName")
    if name is not None and not isinstance(name, str):
        return f"{path}.eventName: expected a string, got a JSON {_json_type(name)}"
    body = item.get("body")
    if body is not None:
        problem = _pair({"key": "body", "value": body}, f"{path}.body")
        if problem:
            return problem
    return _walk_list(item.get("attributes"), f"{path}.attributes", _pair)


def _pair(item: dict[str, Any], path: str) -> str | None:
    if not isinstance(item.get("key"), str):
        return f"{path}.key: expected a string"
    value = item.get("value")
    if value is None:
        return None
    if not isinstance(value, dict):
        return f"{path}.value: expected an AnyValue object"
    try:
        _any(value)
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error) as error:
        return f"{path}.value ({item['key']!r}): not a valid AnyValue ({error})"
    return None
