"""Every catalog event through Rotel, an independent OpenTelemetry collector (Rust).

The in-repo receivers decode with the same protobuf library the SDK encodes with; Rotel
shares no code with either. Each transport codex-otel offers (OTLP/HTTP protobuf, OTLP/HTTP
JSON plain and gzip, OTLP/gRPC), and the file exporter's lines posted to Rotel's OTLP/HTTP
endpoint, must be accepted and decoded with every attribute intact: what its debug log
prints is checked field by field, with the same checks as the in-repo receivers get.

Text no printout can represent unambiguously (newlines, NUL, lone surrogates) goes through
Rotel's forwarding instead: Rotel decodes, re-encodes and sends on to an in-repo gRPC
receiver, which decodes exactly.
"""

from __future__ import annotations

import gzip
import http.client
import json
from pathlib import Path
from typing import Any

import pytest
from wire.wirekit import (
    check_catalog,
    check_resource,
    emit_catalog,
    exporter_table,
    metadata,
    otel_toml,
    q,
)

from codex_otel.generated import events
from codex_otel.generator import bundled_catalog_path, load_catalog
from codex_otel.runtime import Telemetry, TelemetryStats
from receivers import OtlpGrpcReceiver
from receivers.rotel import RotelCollector, RotelFactory
from support.metadata import make_metadata
from support.telemetry import TelemetryFactory

pytestmark = pytest.mark.wire

NO_LOSS = TelemetryStats(0, 0, 0, 0, 0, sdk_messages=0)

#: (transport, compression) of the exporter tables.
SETUPS = [
    ("http-binary", None),
    ("http-binary", "gzip"),
    ("http-json", None),
    ("http-json", "gzip"),
    ("grpc", None),
    ("grpc", "gzip"),
]


@pytest.mark.parametrize(("transport", "compression"), SETUPS)
def test_rotel_decodes_every_catalog_event(
    transport: str,
    compression: str | None,
    rotel_collector: RotelCollector,
    start_telemetry: TelemetryFactory,
) -> None:
    endpoint = (
        rotel_collector.grpc_endpoint if transport == "grpc" else rotel_collector.http_endpoint
    )
    exporter = exporter_table(transport, endpoint, compression=compression)  # type: ignore[arg-type]
    telemetry = start_telemetry(otel_toml(exporter))

    emitted = emit_catalog(telemetry, f"rotel-{transport}-{compression}")
    assert telemetry.shutdown()

    assert rotel_collector.wait_for(emitted.count, timeout=10), (
        rotel_collector.errors(),
        rotel_collector.stdout[-2000:],
    )
    records = rotel_collector.received_records()
    check_catalog(records, emitted)
    check_resource(records)
    assert rotel_collector.errors() == []
    assert telemetry.stats == NO_LOSS


def post_json(rotel: RotelCollector, body: bytes, *, gzipped: bool = False) -> int:
    headers = {"Content-Type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    connection = http.client.HTTPConnection("127.0.0.1", rotel.http_port, timeout=10)
    try:
        connection.request("POST", "/v1/logs", body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_rotel_accepts_the_file_exporters_lines(
    tmp_path: Path, rotel_collector: RotelCollector, start_telemetry: TelemetryFactory
) -> None:
    path = tmp_path / "events.jsonl"
    exporter = f"exporter = {{ file = {{ path = {q(str(path))} }} }}"
    telemetry = start_telemetry(otel_toml("", extra=exporter, max_export_batch_size=5))
    emitted = emit_catalog(telemetry, "rotel-file")
    assert telemetry.shutdown()

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 3
    for line in lines:
        # No empty AnyValue anywhere (Rotel refuses `"body": {}`).
        for log in _log_records(json.loads(line)):
            assert "body" not in log, log
        assert post_json(rotel_collector, line.encode("utf-8")) == 200, rotel_collector.errors()
    assert rotel_collector.wait_for(emitted.count, timeout=10), rotel_collector.errors()
    check_catalog(rotel_collector.received_records(), emitted)
    assert rotel_collector.errors() == []


def _log_records(document: dict[str, object]) -> list[dict[str, object]]:
    return [
        log
        for resource_logs in document["resourceLogs"]  # type: ignore[attr-defined]
        for scope_logs in resource_logs["scopeLogs"]
        for log in scope_logs["logRecords"]
    ]


#: Text a printout cannot carry exactly, and text UTF-8 cannot encode at all.
AWKWARD = {
    "surrogates": ("bad \udc80\udcff bytes, \ud83d alone", "bad \ufffd\ufffd bytes, \ufffd alone"),
    "controls": (
        "nul\x00 bell\x07 esc\x1b[31m\nnew line\r\t)",
        "nul\x00 bell\x07 esc\x1b[31m\nnew line\r\t)",
    ),
    "non-bmp": ("emoji 🚀 and ∑ and é", "emoji 🚀 and ∑ and é"),
}


@pytest.mark.parametrize("transport", ["http-binary", "http-json", "grpc"])
def test_awkward_text_passes_through_rotel_exactly(
    transport: str, rotel_collectors: RotelFactory, start_telemetry: TelemetryFactory
) -> None:
    with OtlpGrpcReceiver() as downstream:
        rotel = rotel_collectors(forward_to=downstream.endpoint)
        endpoint = rotel.grpc_endpoint if transport == "grpc" else rotel.http_endpoint
        telemetry = start_telemetry(otel_toml(exporter_table(transport, endpoint)))  # type: ignore[arg-type]
        conversation = telemetry.conversation(
            make_metadata(conversation_id="awkward", terminal_type=AWKWARD["surrogates"][0])
        )
        for name, (sent, _) in AWKWARD.items():
            events.tool_result(
                conversation, tool_name=name, duration_ms=1, success="true", output=sent
            )
        assert telemetry.shutdown()
        assert downstream.wait_for(len(AWKWARD), timeout=15), rotel.errors()
        received = {r.attributes["tool_name"]: r.attributes for r in downstream.received_records()}
    assert rotel.errors() == []
    for name, (_, expected) in AWKWARD.items():
        assert received[name]["output"] == expected, name
        assert received[name]["terminal.type"] == AWKWARD["surrogates"][1]
    assert telemetry.stats == NO_LOSS


def test_rotel_refuses_the_official_json_encoding_and_accepts_ours(
    rotel_collector: RotelCollector,
) -> None:
    """Why `runtime/_otlp_json` exists: the official encoder (0.66b1) writes `"body": {}` for
    a record without a body, and Rotel refuses the request; the same batch without it is
    accepted. If a future encoder fixes this, the first assertion says so."""
    from opentelemetry.exporter.otlp.json.common._log_encoder import encode_logs
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import (
        InMemoryLogRecordExporter,
        SimpleLogRecordProcessor,
    )

    from codex_otel.runtime._otlp_json import encode_body

    memory = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]  # SDK: unannotated __init__
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    provider.get_logger("probe").emit(event_name="probe.event", attributes={"a": "b"})
    batch = memory.get_finished_logs()
    provider.shutdown()

    official = encode_logs(batch).to_json().encode("utf-8")
    assert b'"body": {}' in official or b'"body":{}' in official
    assert post_json(rotel_collector, official) == 400
    assert rotel_collector.wait_for_errors(1)
    assert "Invalid data for Value" in rotel_collector.errors()[0]

    assert post_json(rotel_collector, encode_body(batch)) == 200
    assert rotel_collector.wait_for(1)
    (record,) = rotel_collector.received_records()
    assert (record.event_name, record.attributes, record.body) == ("probe.event", {"a": "b"}, None)


MINI = Path(__file__).resolve().parents[1] / "generator" / "fixtures" / "mini.yaml"


@pytest.mark.parametrize("transport", ["http-json", "file"])
def test_rotel_accepts_an_empty_string_array(
    transport: str,
    tmp_path: Path,
    rotel_collector: RotelCollector,
    start_telemetry: TelemetryFactory,
    generate_module: Any,
) -> None:
    """An empty `string[]` attribute: the official encoder writes `{"arrayValue": {}}`, which
    Rotel refuses ("missing field `values`") with the rest of the batch; ours writes
    `{"arrayValue": {"values": []}}`."""
    mini = generate_module(str(MINI))
    path = tmp_path / "events.jsonl"
    if transport == "file":
        toml = otel_toml("", extra=f"exporter = {{ file = {{ path = {q(str(path))} }} }}")
    else:
        toml = otel_toml(exporter_table("http-json", rotel_collector.http_endpoint))
    telemetry = start_telemetry(toml)
    conversation = telemetry.conversation(mini.Metadata(host_name="ci-7"))
    for tags in ([], ["fast"]):
        mini.step_finished(
            conversation,
            step_name=f"tags-{len(tags)}",
            step_command="make",
            step_cached=False,
            priority=1,
            step_tags=tags,
        )
    assert telemetry.shutdown()
    if transport == "file":
        for line in path.read_text(encoding="utf-8").splitlines():
            assert '"arrayValue": {}' not in line and '"arrayValue":{}' not in line, line
            assert post_json(rotel_collector, line.encode("utf-8")) == 200, rotel_collector.errors()

    assert rotel_collector.wait_for(2, timeout=10), rotel_collector.errors()
    received = {r.attributes["step.name"]: r.attributes for r in rotel_collector.received_records()}
    assert received["tags-0"]["step.tags"] == []
    assert received["tags-1"]["step.tags"] == ["fast"]
    assert rotel_collector.errors() == []
    assert telemetry.stats == NO_LOSS


# --- every catalog metric -------------------------------------------------------------------

#: The instruments' OTLP data fields.
METRIC_KINDS = {
    "counter": "sum",
    "updowncounter": "sum",
    "histogram": "histogram",
    "gauge": "gauge",
}
#: What every point carries: the metadata's metric keys, all of them known here.
METRIC_METADATA = metadata("rotel-metrics", full=True)


def record_catalog_metrics(telemetry: Telemetry) -> dict[str, dict[str, object]]:
    """Record every metric of the bundled catalog once through its generated recorder, each
    tag from its attribute's first catalog example; return the tags, per metric name."""
    conversation = telemetry.conversation(METRIC_METADATA)
    recorded: dict[str, dict[str, object]] = {}
    for metric in load_catalog(bundled_catalog_path()).metrics:
        tags = {a.key: a.examples[0] for a in metric.attributes}
        arguments = {a.python_name: a.examples[0] for a in metric.attributes}
        value = 1 if metric.instrument == "counter" else 412
        getattr(events, metric.function_name)(conversation, value, **arguments)
        recorded[metric.name] = tags
    return recorded


@pytest.mark.parametrize("transport", ["http-binary", "http-json", "grpc"])
def test_rotel_decodes_every_catalog_metric(
    transport: str, rotel_collectors: RotelFactory, start_telemetry: TelemetryFactory
) -> None:
    # Rotel decodes, re-encodes and forwards to an in-repo gRPC receiver, which decodes
    # exactly what Rotel understood.
    catalog = {m.name: m for m in load_catalog(bundled_catalog_path()).metrics}
    with OtlpGrpcReceiver() as downstream:
        rotel = rotel_collectors(forward_to=downstream.endpoint)
        endpoint = (
            rotel.grpc_endpoint
            if transport == "grpc"
            else rotel.http_endpoint.replace("/v1/logs", "/v1/metrics")
        )
        exporter = exporter_table(transport, endpoint).replace(  # type: ignore[arg-type]
            "[otel.exporter.", "[otel.metrics_exporter."
        )
        telemetry = start_telemetry(otel_toml("", extra="[otel.metrics]\n" + exporter))
        recorded = record_catalog_metrics(telemetry)
        assert telemetry.shutdown()
        assert downstream.wait_for_points(
            lambda points: {p.name for p in points} >= set(catalog), timeout=15
        ), rotel.errors()
        points = downstream.received_points()
    assert rotel.errors() == []
    assert {p.name for p in points} == set(events.METRIC_NAMES) == set(recorded)
    metric_metadata = {
        key: value
        for key, value in METRIC_METADATA.to_attributes().items()
        if key in events.Metadata.METRIC_KEYS
    }
    assert set(metric_metadata) == set(events.Metadata.METRIC_KEYS)  # every one known here
    for point in points:
        metric = catalog[point.name]
        assert (point.kind, point.unit) == (METRIC_KINDS[metric.instrument], metric.unit)
        assert point.attributes == {**metric_metadata, **recorded[point.name]}
        if metric.instrument == "histogram":
            assert (point.count, point.value) == (1, 412)
            if metric.boundaries is not None:
                assert point.explicit_bounds == tuple(float(b) for b in metric.boundaries)
        else:
            assert point.value == 1
