"""`runtime/_otlp_json`: the OTLP/JSON the HTTP JSON and file exporters write.

Empty arrays and key-value lists: the official encoder writes `{"arrayValue": {}}` (proto3
JSON leaves out an empty repeated field), which Rotel refuses ("missing field `values`",
the whole request lost). Ours writes `{"values": []}` wherever such a value can stand.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.exporter.otlp.json.common")

from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource

from codex_otel.runtime._otlp_json import encode_metrics_request, encode_request


def _values(node: Any) -> list[dict[str, Any]]:
    """Every `arrayValue` and `kvlistValue` object anywhere in `node`."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("arrayValue", "kvlistValue"):
                found.append(value)
            found += _values(value)
    elif isinstance(node, list):
        for item in node:
            found += _values(item)
    return found


def _attributes(key_values: list[dict[str, Any]]) -> dict[str, Any]:
    return {kv["key"]: kv["value"] for kv in key_values}


def test_empty_arrays_and_kvlists_carry_values_in_log_requests() -> None:
    memory = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]  # SDK: unannotated __init__
    provider = LoggerProvider(
        shutdown_on_exit=False, resource=Resource({"resource.tags": [], "kept": ("a",)})
    )
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    provider.get_logger("probe", attributes={"scope.tags": []}).emit(
        event_name="probe.event",
        attributes={"tags": [], "tuple": (), "one": ["x"]},
        body={"nested": [], "map": {}},
    )
    batch = memory.get_finished_logs()
    provider.shutdown()

    document = encode_request(batch)
    assert document is not None
    (resource_logs,) = document["resourceLogs"]
    (scope_logs,) = resource_logs["scopeLogs"]
    (record,) = scope_logs["logRecords"]
    empty: dict[str, Any] = {"arrayValue": {"values": []}}
    assert _attributes(resource_logs["resource"]["attributes"])["resource.tags"] == empty
    assert _attributes(scope_logs["scope"]["attributes"])["scope.tags"] == empty
    attributes = _attributes(record["attributes"])
    assert attributes["tags"] == attributes["tuple"] == empty
    assert attributes["one"] == {"arrayValue": {"values": [{"stringValue": "x"}]}}
    body = _attributes(record["body"]["kvlistValue"]["values"])
    assert body == {"nested": empty, "map": {"kvlistValue": {"values": []}}}
    values = _values(document)
    assert len(values) == 9
    assert all("values" in value for value in values), values


def test_empty_arrays_carry_values_in_metric_requests() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(
        metric_readers=[reader], resource=Resource({"resource.tags": []}), shutdown_on_exit=False
    )
    provider.get_meter("probe").create_counter("probe.count").add(1, {"tags": [], "kept": "k"})
    data = reader.get_metrics_data()
    provider.shutdown()
    assert data is not None

    document = encode_metrics_request(data)
    assert document is not None
    (resource_metrics,) = document["resourceMetrics"]
    (point,) = resource_metrics["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"]
    empty: dict[str, Any] = {"arrayValue": {"values": []}}
    assert _attributes(resource_metrics["resource"]["attributes"])["resource.tags"] == empty
    assert _attributes(point["attributes"])["tags"] == empty
    assert all("values" in value for value in _values(document))
