"""live-check on metrics fed for real: the OpenTelemetry SDK's own OTLP metric exporters
(HTTP protobuf, plain and gzip; HTTP JSON; gRPC) on a private MeterProvider send every
metric of the bundled catalog to the receivers, and the SDK's OTLP/JSON file exporter
writes the lines `--input` reads. Clean traffic gives no finding and full metric coverage;
traffic that drifts from the catalog gives exactly the findings it should."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codex_otel.generator import Catalog, bundled_catalog_path, load_catalog
from codex_otel.generator.model import Attribute, Metric
from live_check.process import LiveCheckProcess, command

pytestmark = [pytest.mark.wire, pytest.mark.timeout(120)]

pytest.importorskip("grpc", reason="the receivers need the otel extra")

CATALOG: Catalog = load_catalog(bundled_catalog_path())
RESOURCE = {"service.name": "codex-cli", "service.version": "0.42.0"}


def example(attribute: Attribute) -> Any:
    if attribute.type.is_enum:
        return attribute.type.members[0].value
    if attribute.examples:
        return attribute.examples[0]
    return {"string": "x", "int": 1, "double": 1.0, "boolean": True}[attribute.type.base]


def tags(metric: Metric) -> dict[str, Any]:
    """Example values of the metric's attributes and of the metadata every metric carries."""
    return {a.key: example(a) for a in (*CATALOG.metric_attributes, *metric.attributes)}


Exporter = Any


def record_catalog_metrics(
    exporter: Exporter, *, drift: bool = False, skip: frozenset[str] = frozenset()
) -> int:
    """Record every catalog metric once through a private MeterProvider exporting to
    `exporter`; with `drift`, also an unknown metric, a counter with another unit and a
    point without the metadata. Returns the data points exported."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource

    # An interval far beyond the test: exported once, at shutdown.
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(
        resource=Resource(RESOURCE), metric_readers=[reader], shutdown_on_exit=False
    )
    meter = provider.get_meter("codex_otel")
    points = 0
    for metric in CATALOG.metrics:
        if metric.name in skip:
            continue
        value = 1 if metric.value_type == "int" else 1.5
        attributes = tags(metric)
        if metric.instrument == "counter":
            meter.create_counter(metric.name, metric.unit).add(value, attributes)
        elif metric.instrument == "updowncounter":
            meter.create_up_down_counter(metric.name, metric.unit).add(value, attributes)
        elif metric.instrument == "gauge":
            meter.create_gauge(metric.name, metric.unit).set(value, attributes)
        else:
            meter.create_histogram(
                metric.name,
                metric.unit,
                explicit_bucket_boundaries_advisory=metric.boundaries,
            ).record(value, attributes)
        points += 1
    if drift:
        meter.create_counter("codex.probe", "1").add(1, {"model": "m"})
        meter.create_counter("codex.tool.call.seconds", "s").add(1, {})
        api_request = next(m for m in CATALOG.metrics if m.name == "codex.api_request")
        own = {a.key: example(a) for a in api_request.attributes}
        meter.create_counter(api_request.name, "{request}").add(1, own)  # no metadata
        points += 3
    provider.shutdown()
    return points


@pytest.fixture
def receivers(
    live_check: type[LiveCheckProcess],
) -> tuple[LiveCheckProcess, dict[str, int]]:
    process = live_check(["--otlp-grpc", "0", "--otlp-http", "0", "--format", "json"])
    return process, process.wait_listening(2)


def http_protobuf(ports: dict[str, int], compression: str | None = None) -> Exporter:
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

    return OTLPMetricExporter(
        endpoint=f"http://127.0.0.1:{ports['http']}/v1/metrics",
        compression=Compression.Gzip if compression == "gzip" else Compression.NoCompression,
        timeout=10,
    )


def http_json(ports: dict[str, int]) -> Exporter:
    from opentelemetry.exporter.otlp.json.http.metric_exporter import OTLPMetricExporter

    return OTLPMetricExporter(endpoint=f"http://127.0.0.1:{ports['http']}/v1/metrics")


def grpc(ports: dict[str, int]) -> Exporter:
    from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

    return OTLPMetricExporter(endpoint=f"http://127.0.0.1:{ports['grpc']}", insecure=True)


EXPORTERS: dict[str, Callable[[dict[str, int]], Exporter]] = {
    "http-protobuf": http_protobuf,
    "http-protobuf-gzip": lambda ports: http_protobuf(ports, "gzip"),
    "http-json": http_json,
    "grpc": grpc,
}


def finish(process: LiveCheckProcess) -> dict[str, Any]:
    finished = process.finish(interrupt=True)
    assert finished.returncode in (0, 1), finished.stderr
    document: dict[str, Any] = json.loads(finished.stdout)
    return document


def subjects(document: dict[str, Any]) -> set[tuple[str, str | None, str | None]]:
    return {(f["kind"], f["metric"], f["attribute"]) for f in document["findings"]}


@pytest.mark.parametrize("transport", list(EXPORTERS))
def test_the_sdk_exporters_metrics_conform_over_each_transport(
    receivers: tuple[LiveCheckProcess, dict[str, int]], transport: str
) -> None:
    process, ports = receivers
    points = record_catalog_metrics(EXPORTERS[transport](ports))
    document = finish(process)
    assert document["findings"] == [] and document["ok"] is True
    assert document["points"] == points == len(CATALOG.metrics)
    assert document["records"] == 0
    metrics = document["coverage"]["metrics"]
    assert metrics["unseen"] == [] and metrics["ratio"] == 1.0
    assert all(not keys["unseen"] for keys in metrics["by_metric"].values())


@pytest.mark.parametrize("transport", ["http-protobuf", "grpc"])
def test_drifting_metrics_are_reported_over_the_wire(
    receivers: tuple[LiveCheckProcess, dict[str, int]], transport: str
) -> None:
    process, ports = receivers
    record_catalog_metrics(
        EXPORTERS[transport](ports), drift=True, skip=frozenset({"codex.turn.token_usage"})
    )
    document = finish(process)
    assert document["ok"] is False
    assert subjects(document) == {
        ("unknown_metric", "codex.probe", None),
        ("unknown_metric", "codex.tool.call.seconds", None),
        ("missing_required", "codex.api_request", "model"),
        ("missing_required", "codex.api_request", "app.version"),
    }
    assert document["coverage"]["metrics"]["unseen"] == ["codex.turn.token_usage"]


def test_a_logs_request_on_the_metrics_path_is_refused_as_a_collector_does(
    receivers: tuple[LiveCheckProcess, dict[str, int]],
) -> None:
    import urllib.error
    import urllib.request

    process, ports = receivers
    body = json.dumps({"resourceLogs": []}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{ports['http']}/v1/metrics",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    assert b"where metrics were expected" in refused.value.read()
    document = finish(process)
    [invalid, nothing] = document["findings"]
    assert invalid["kind"] == "invalid_request" and nothing["kind"] == "no_records"
    assert invalid["example"]["where"] == "otlp-http request 1 (json metrics)"


def test_the_sdk_json_file_exporters_lines_are_checked_with_input(tmp_path: Path) -> None:
    import subprocess

    from opentelemetry.exporter.otlp.json.file.metric_exporter import FileMetricExporter

    path = tmp_path / "metrics.jsonl"
    points = record_catalog_metrics(FileMetricExporter(str(path)), drift=True)
    assert path.read_text(encoding="utf-8").startswith('{"resourceMetrics"')
    result = subprocess.run(
        command("--input", str(path), "--format", "json"),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["points"] == points
    assert ("unknown_metric", "codex.probe", None) in subjects(document)
    assert document["coverage"]["metrics"]["unseen"] == []
