"""The metrics pipeline in process: instruments made from `MetricDefinition`s, read back
through an in-memory reader, and `Telemetry` exporting to an OTLP/JSON file.

The wire (every transport, faults) is tested in tests/wire/test_metrics_wire.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from codex_otel.runtime import (
    Attributes,
    FileExporter,
    MetricDefinition,
    MetricsConfig,
    OtelConfig,
    Telemetry,
    _metrics_pipeline,
)
from codex_otel.runtime._metrics_pipeline import (
    MetricsPipeline,
    build_metrics_pipeline,
    temporality_preference,
)

REQUESTS = MetricDefinition("demo.requests", "counter", "{request}", "Requests.", "int")
DURATION = MetricDefinition(
    "demo.duration", "histogram", "ms", "Durations.", "double", (10.0, 100.0, 1000.0)
)
IN_FLIGHT = MetricDefinition("demo.in_flight", "updowncounter", "{request}", "In flight.", "int")
LOAD = MetricDefinition("demo.load", "gauge", "1", "Load.", "double")
TOKENS = MetricDefinition("demo.tokens", "counter", "{token}", "Tokens.", "double")
ALL = (REQUESTS, DURATION, IN_FLIGHT, LOAD, TOKENS)


@dataclass(frozen=True)
class Meta:
    COMPUTED: ClassVar[Mapping[str, str]] = {}
    METRIC_KEYS: ClassVar[tuple[str, ...]] = ("model",)
    model: str = "gpt-5"

    def to_attributes(self) -> Attributes:
        return {"model": self.model, "conversation.id": "c-1"}


def pipeline_with(reader: InMemoryMetricReader) -> MetricsPipeline:
    config = OtelConfig(metrics_exporter=FileExporter("-"))
    pipeline = build_metrics_pipeline(config, service_version="1", reader=reader)
    assert pipeline is not None
    return pipeline


def points(reader: InMemoryMetricReader) -> dict[str, Any]:
    """name -> the metric (with its data points) of one collection."""
    data = reader.get_metrics_data()
    assert data is not None
    [resource_metrics] = data.resource_metrics
    assert resource_metrics.resource.attributes["service.version"] == "1"
    [scope_metrics] = resource_metrics.scope_metrics
    assert scope_metrics.scope.name == "codex_otel"
    return {metric.name: metric for metric in scope_metrics.metrics}


@pytest.fixture
def reader() -> InMemoryMetricReader:
    reader = InMemoryMetricReader(preferred_temporality=temporality_preference("cumulative"))
    return reader


def test_every_instrument_kind_with_its_unit_description_and_value_type(
    reader: InMemoryMetricReader,
) -> None:
    pipeline = pipeline_with(reader)
    attributes = {"status": "200", "success": "true"}
    assert pipeline.record(REQUESTS, 2, attributes)
    assert pipeline.record(REQUESTS, 3, attributes)
    assert pipeline.record(DURATION, 5, attributes)  # an int for a double metric
    assert pipeline.record(DURATION, 150.5, attributes)
    assert pipeline.record(IN_FLIGHT, 2, {})
    assert pipeline.record(IN_FLIGHT, -1, {})
    assert pipeline.record(LOAD, 0.25, {})
    assert pipeline.record(LOAD, 0.75, {})
    assert pipeline.record(TOKENS, 7, {"token.type": "input"})
    found = points(reader)
    assert set(found) == {metric.name for metric in ALL}
    for definition in ALL:
        assert found[definition.name].unit == definition.unit
        assert found[definition.name].description == definition.description

    [requests] = found["demo.requests"].data.data_points
    assert (requests.value, type(requests.value)) == (5, int)
    assert dict(requests.attributes) == attributes
    assert found["demo.requests"].data.is_monotonic

    [duration] = found["demo.duration"].data.data_points
    assert duration.count == 2 and duration.sum == 155.5
    assert tuple(duration.explicit_bounds) == (10.0, 100.0, 1000.0)
    assert tuple(duration.bucket_counts) == (1, 0, 1, 0)

    [in_flight] = found["demo.in_flight"].data.data_points
    assert in_flight.value == 1
    assert not found["demo.in_flight"].data.is_monotonic

    [load] = found["demo.load"].data.data_points
    assert load.value == 0.75  # the last value

    [tokens] = found["demo.tokens"].data.data_points
    assert (tokens.value, type(tokens.value)) == (7.0, float)
    pipeline.shutdown(5)


def test_an_instrument_is_made_once_per_definition(reader: InMemoryMetricReader) -> None:
    pipeline = pipeline_with(reader)
    for _ in range(3):
        pipeline.record(REQUESTS, 1, {})
    assert list(pipeline.instruments) == [id(REQUESTS)]
    assert pipeline.instruments[id(REQUESTS)][2] is REQUESTS
    pipeline.shutdown(5)


def collections_of(preference: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two collections with measurements recorded before each."""
    reader = InMemoryMetricReader(preferred_temporality=temporality_preference(preference))  # type: ignore[arg-type]
    pipeline = pipeline_with(reader)
    for value in (1, 2):
        pipeline.record(REQUESTS, value, {})
        pipeline.record(DURATION, 10.0 * value, {})
        pipeline.record(IN_FLIGHT, value, {})
    first = points(reader)
    pipeline.record(REQUESTS, 4, {})
    pipeline.record(DURATION, 40.0, {})
    pipeline.record(IN_FLIGHT, 4, {})
    second = points(reader)
    pipeline.shutdown(5)
    return first, second


def value(found: dict[str, Any], name: str) -> float:
    [point] = found[name].data.data_points
    return point.sum if name == DURATION.name else point.value  # type: ignore[no-any-return]


def test_cumulative_temporality_accumulates_across_collections() -> None:
    first, second = collections_of("cumulative")
    assert [value(first, n) for n in ("demo.requests", "demo.duration", "demo.in_flight")] == [
        3,
        30.0,
        3,
    ]
    assert [value(second, n) for n in ("demo.requests", "demo.duration", "demo.in_flight")] == [
        7,
        70.0,
        7,
    ]
    assert second["demo.requests"].data.aggregation_temporality.name == "CUMULATIVE"


def test_delta_temporality_resets_counters_and_histograms_but_not_updowncounters() -> None:
    first, second = collections_of("delta")
    assert [value(first, n) for n in ("demo.requests", "demo.duration", "demo.in_flight")] == [
        3,
        30.0,
        3,
    ]
    # Counters and histograms report what happened since the last collection; an
    # up-down counter stays a running total, as the spec's delta preference says.
    assert [value(second, n) for n in ("demo.requests", "demo.duration", "demo.in_flight")] == [
        4,
        40.0,
        7,
    ]
    assert second["demo.requests"].data.aggregation_temporality.name == "DELTA"
    assert second["demo.in_flight"].data.aggregation_temporality.name == "CUMULATIVE"


def test_the_temporality_preferences_per_instrument_kind() -> None:
    from opentelemetry.sdk.metrics import (
        Counter,
        Histogram,
        ObservableCounter,
        UpDownCounter,
        _Gauge,
    )

    def names(preference: str) -> dict[str, str]:
        chosen = temporality_preference(preference)  # type: ignore[arg-type]
        return {
            kind.__name__: chosen[kind].name
            for kind in (Counter, UpDownCounter, Histogram, _Gauge, ObservableCounter)
        }

    assert set(names("cumulative").values()) == {"CUMULATIVE"}
    assert names("delta") == {
        "Counter": "DELTA",
        "UpDownCounter": "CUMULATIVE",
        "Histogram": "DELTA",
        "Gauge": "DELTA",
        "ObservableCounter": "DELTA",
    }
    assert names("lowmemory") == {
        "Counter": "DELTA",
        "UpDownCounter": "CUMULATIVE",
        "Histogram": "DELTA",
        "Gauge": "CUMULATIVE",
        "ObservableCounter": "CUMULATIVE",
    }


def test_a_recording_the_sdk_refuses_is_counted_not_raised(reader: InMemoryMetricReader) -> None:
    pipeline = pipeline_with(reader)
    broken = MetricDefinition("demo.broken", "counter", "1", "Broken.", "int")
    assert pipeline.record(broken, "many", {})  # type: ignore[arg-type]
    assert pipeline._health.emit_errors == 1
    pipeline.shutdown(5)
    assert not pipeline.record(REQUESTS, 1, {})  # after shutdown


def read_points(path: Path) -> list[dict[str, Any]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        for resource_metrics in json.loads(line)["resourceMetrics"]:
            for scope_metrics in resource_metrics["scopeMetrics"]:
                found += scope_metrics["metrics"]
    return found


def test_telemetry_exports_conversation_measurements_with_the_metadata(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "metrics.jsonl"
    config = OtelConfig(
        metrics_exporter=FileExporter(str(path)),
        metrics=MetricsConfig(export_interval_ms=3_600_000),
    )
    telemetry = Telemetry(config, service_version="1")
    assert telemetry.exporting_metrics and not telemetry.exporting
    conversation = telemetry.conversation(Meta())
    assert conversation.metrics_recording
    conversation.record(REQUESTS, 1, {"status": "200"})  # possibly before the start: kept
    assert telemetry.wait_until_started(10)
    conversation.record(REQUESTS, 2, {"status": "200"})
    assert telemetry.force_flush(10)
    conversation.record(REQUESTS, 4, {"status": "200"})
    assert telemetry.shutdown(10)
    exported = [m for m in read_points(path) if m["name"] == "demo.requests"]
    # Cumulative by default: 3 at the flush, 7 at shutdown. JSON numbers, not the
    # official encoder's strings, which Rotel misreads (see otlp_json).
    assert [m["sum"]["dataPoints"][0]["asInt"] for m in exported] == [3, 7]
    attributes = exported[0]["sum"]["dataPoints"][0]["attributes"]
    assert attributes == [
        {"key": "model", "value": {"stringValue": "gpt-5"}},
        {"key": "status", "value": {"stringValue": "200"}},
    ]
    assert telemetry.stats.metric_export_failures == 0
    assert capfd.readouterr() == ("", "")


@pytest.mark.background_start
def test_measurements_before_the_start_are_replayed_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    original = _metrics_pipeline.build_metrics_pipeline

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(20)
        return original(*args, **kwargs)

    monkeypatch.setattr(_metrics_pipeline, "build_metrics_pipeline", held)
    path = tmp_path / "metrics.jsonl"
    telemetry = Telemetry(OtelConfig(metrics_exporter=FileExporter(str(path))), service_version="1")
    conversation = telemetry.conversation(Meta())
    for load in (0.1, 0.2, 0.3):  # a gauge keeps the last value: the order shows
        conversation.record(LOAD, load, {})
    assert not telemetry.wait_until_started(0.05)
    gate.set()
    assert telemetry.wait_until_started(10)
    assert telemetry.shutdown(10)
    [gauge] = [m for m in read_points(path) if m["name"] == "demo.load"]
    assert gauge["gauge"]["dataPoints"][0]["asDouble"] == 0.3


@pytest.mark.background_start
def test_the_wait_queue_is_bounded_and_counts_drops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    original = _metrics_pipeline.build_metrics_pipeline

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(20)
        return original(*args, **kwargs)

    monkeypatch.setattr(_metrics_pipeline, "build_metrics_pipeline", held)
    monkeypatch.setattr(_metrics_pipeline, "WAITING_LIMIT", 3)
    telemetry = Telemetry(
        OtelConfig(metrics_exporter=FileExporter(str(tmp_path / "m.jsonl"))), service_version="1"
    )
    conversation = telemetry.conversation(Meta())
    for _ in range(5):
        conversation.record(REQUESTS, 1, {})
    assert telemetry.stats.dropped_measurements == 2
    gate.set()
    assert telemetry.shutdown(10)


def test_nothing_is_imported_when_metrics_are_off() -> None:
    code = (
        "import sys\n"
        "from codex_otel.runtime import Telemetry, OtelConfig, MetricDefinition\n"
        "t = Telemetry(OtelConfig(), service_version='1')\n"
        "assert not t.metrics_recording\n"
        "t.shutdown()\n"
        "loaded = [m for m in sys.modules if m.startswith('opentelemetry') or m.endswith('_metrics_pipeline')]\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""
