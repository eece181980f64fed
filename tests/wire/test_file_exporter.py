"""The `file` exporter: OTLP/JSON lines, the format the Collector's file exporter writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from wire.wirekit import (
    check_catalog,
    check_kinds,
    check_resource,
    emit_catalog,
    json_kinds,
    otel_toml,
    q,
)

from codex_otel.runtime import Telemetry
from receivers import ReceivedRecord, decode_export_request, flatten_request
from support.telemetry import TelemetryFactory

pytestmark = pytest.mark.wire


def start_file_telemetry(factory: TelemetryFactory, path: Path, *, batch: int) -> Telemetry:
    # The inline form of the documentation: exporter = { file = { path = "..." } }.
    exporter = f"exporter = {{ file = {{ path = {q(str(path))} }} }}"
    return factory(otel_toml("", extra=exporter, max_export_batch_size=batch))


def read_lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), "the last line is not terminated"
    return [json.loads(line) for line in text.splitlines()]


def test_every_event_is_written_as_otlp_json_lines(
    tmp_path: Path, start_telemetry: TelemetryFactory
) -> None:
    path = tmp_path / "otel-events.jsonl"
    # Batches of 5: the 12 events take several lines, each a whole request.
    telemetry = start_file_telemetry(start_telemetry, path, batch=5)
    emitted = emit_catalog(telemetry, "file")
    assert telemetry.shutdown()

    documents = read_lines(path)
    assert len(documents) >= 3
    records: list[ReceivedRecord] = []
    for document in documents:
        # One ExportLogsServiceRequest per line, with the OTLP/JSON field names.
        assert set(document) == {"resourceLogs"}
        for resource_logs in document["resourceLogs"]:
            for scope_logs in resource_logs["scopeLogs"]:
                assert scope_logs["scope"]["name"] == "codex_otel"
                for log in scope_logs["logRecords"]:
                    # 64-bit integers are decimal strings in OTLP/JSON.
                    assert log["timeUnixNano"].isdigit()
                    assert log["severityNumber"] == 9
                    assert isinstance(log["eventName"], str)
        # The same decoder as the receivers' OTLP/JSON path: what a Collector would read.
        message = decode_export_request(json.dumps(document).encode(), json=True)
        records += flatten_request(message, "file")
    check_catalog(records, emitted)
    check_resource(records)
    check_kinds(json_kinds(documents), emitted)
    assert telemetry.stats.export_failures == 0


def test_a_second_run_appends_to_the_file(
    tmp_path: Path, start_telemetry: TelemetryFactory
) -> None:
    path = tmp_path / "otel-events.jsonl"
    first = start_file_telemetry(start_telemetry, path, batch=512)
    emit_catalog(first, "first")
    assert first.shutdown()
    lines_before = path.read_text(encoding="utf-8").splitlines()

    second = start_file_telemetry(start_telemetry, path, batch=512)
    emit_catalog(second, "second")
    assert second.shutdown()

    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[: len(lines_before)] == lines_before  # the first run's lines are kept
    conversations = {
        item["value"]["stringValue"]
        for line in lines
        for resource_logs in json.loads(line)["resourceLogs"]
        for scope_logs in resource_logs["scopeLogs"]
        for log in scope_logs["logRecords"]
        for item in log["attributes"]
        if item["key"] == "conversation.id"
    }
    assert conversations == {"first-full", "first-minimal", "second-full", "second-minimal"}
