"""Decode OTLP/JSON `ExportLogsServiceRequest`s (one per line of a file, or an HTTP body).

The format is the protobuf JSON mapping OTLP specifies: lowerCamelCase field names,
64-bit integers as decimal strings (numbers accepted too), bytes in base64. The loop is
written for speed (it runs once per attribute of every record); a document it cannot
walk is walked again by `_diagnose`, which names the first thing wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from .records import InvalidRequest, LiveRecord, ResourceRecords

_SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def decode_json_line(line: str | bytes) -> list[ResourceRecords]:
    """Parse one line (or HTTP body) of OTLP/JSON; raise InvalidRequest when it is not one."""
    try:
        document = json.loads(line)
    except UnicodeDecodeError as error:
        raise InvalidRequest(f"not UTF-8 text: {error.reason} at byte {error.start}") from None
    except json.JSONDecodeError as error:
        raise InvalidRequest(f"not valid JSON: {error.msg} at column {error.pos + 1}") from None
    return decode_json_request(document)


def decode_json_request(document: object) -> list[ResourceRecords]:
    """The records of a parsed OTLP/JSON export request, by resource."""
    if document.__class__ is not dict or len(document) != 1 or "resourceLogs" not in document:
        if document == {}:
            return []  # an empty request is valid: nothing to check
        raise InvalidRequest(_diagnose(document) or "not an export request")
    try:
        return _decode(document, _fast_attributes)
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error):
        pass  # something unusual (a KeyValue without a value, say): the careful way
    try:
        return _decode(document, _careful_attributes)
    except (AttributeError, KeyError, TypeError, ValueError, binascii.Error) as error:
        raise InvalidRequest(_diagnose(document) or f"malformed request: {error}") from None


def _decode(document: Any, attributes_of: Any) -> list[ResourceRecords]:
    out: list[ResourceRecords] = []
    for resource_logs in _array(document["resourceLogs"]):
        resource = resource_logs.get("resource")
        resource_attributes = _attributes(resource.get("attributes")) if resource else {}
        records: list[LiveRecord] = []
        for scope_logs in _array(resource_logs.get("scopeLogs")):
            for log in _array(scope_logs.get("logRecords")):
                name = log.get("eventName") or ""
                if name.__class__ is not str:
                    raise TypeError("eventName")
                records.append(LiveRecord(name, attributes_of(_array(log.get("attributes")))))
        out.append(ResourceRecords(resource_attributes, records))
    return out


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


def _diagnose(document: object) -> str | None:
    """The first thing that makes `document` not an export request, with its path."""
    if not isinstance(document, dict):
        return f"not an export request: a JSON {_json_type(document)}, not an object"
    if "resourceLogs" not in document:
        keys = ", ".join(sorted(document)[:5])
        return f"not an OTLP logs export request: no resourceLogs (keys: {keys})"
    extra = sorted(set(document) - {"resourceLogs"})
    if extra:
        return f"unknown field {extra[0]!r} beside resourceLogs"
    return _walk_list(document["resourceLogs"], "resourceLogs", _diagnose_resource_logs)


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
    resource = item.get("resource")
    if resource is not None:
        if not isinstance(resource, dict):
            return f"{path}.resource: expected an object"
        problem = _walk_list(resource.get("attributes"), f"{path}.resource.attributes", _pair)
        if problem:
            return problem
    return _walk_list(item.get("scopeLogs"), f"{path}.scopeLogs", _diagnose_scope_logs)


def _diagnose_scope_logs(item: dict[str, Any], path: str) -> str | None:
    return _walk_list(item.get("logRecords"), f"{path}.logRecords", _diagnose_log)


def _diagnose_log(item: dict[str, Any], path: str) -> str | None:
    name = item.get("eventName")
    if name is not None and not isinstance(name, str):
        return f"{path}.eventName: expected a string, got a JSON {_json_type(name)}"
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
