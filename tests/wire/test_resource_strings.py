"""The resource is valid UTF-8 whatever the environment holds.

Python decodes environment variables with `errors="surrogateescape"`: bytes that are not
UTF-8 in OTEL_RESOURCE_ATTRIBUTES (or OTEL_SERVICE_NAME) arrive as lone surrogates, e.g.
`team=caf\\udce9`. Unclean, such a resource broke every OTLP/HTTP JSON batch, was dropped
with an SDK error over protobuf, and was written raw by the file exporter; a
`service_version` handed over the same way did the same. Each surrogate becomes U+FFFD.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wire.wirekit import ENVIRON as WIRE_ENVIRON
from wire.wirekit import exporter_table, otel_toml, q

from codex_otel.generated import events
from codex_otel.runtime import TelemetryStats
from receivers import (
    OtlpGrpcReceiver,
    OtlpHttpReceiver,
    ReceivedRecord,
    decode_export_request,
    flatten_request,
)
from support.metadata import make_metadata
from support.telemetry import TelemetryFactory

pytestmark = pytest.mark.wire

ENVIRON = {
    **WIRE_ENVIRON,
    "OTEL_RESOURCE_ATTRIBUTES": "team=caf\udce9,caf\udcff.key=v",
    "OTEL_SERVICE_NAME": "agent\udc80",
}


@pytest.mark.parametrize("transport", ["file", "http-json", "http-binary", "grpc"])
def test_resource_strings_from_outside_arrive_as_valid_utf8(
    transport: str,
    tmp_path: Path,
    start_telemetry: TelemetryFactory,
    http_receiver: OtlpHttpReceiver,
    grpc_receiver: OtlpGrpcReceiver,
) -> None:
    path = tmp_path / "events.jsonl"
    if transport == "file":
        toml = otel_toml("", extra=f"exporter = {{ file = {{ path = {q(str(path))} }} }}")
    else:
        receiver = grpc_receiver if transport == "grpc" else http_receiver
        toml = otel_toml(exporter_table(transport, receiver.endpoint))  # type: ignore[arg-type]
    telemetry = start_telemetry(toml, environ=ENVIRON, service_version="1\udcff")
    conversation = telemetry.conversation(make_metadata())
    for attempt in (1, 2):
        events.api_request(conversation, attempt=attempt, duration_ms=1)
    assert telemetry.shutdown()

    records: list[ReceivedRecord]
    if transport == "file":
        text = path.read_bytes().decode("utf-8")  # strict: valid UTF-8
        assert "\\udc" not in text  # no escaped surrogate either
        records = [
            record
            for line in text.splitlines()
            for record in flatten_request(decode_export_request(line.encode(), json=True), "f")
        ]
    else:
        assert receiver.wait_for(2, timeout=10), receiver.requests
        assert all(r.accepted for r in receiver.requests), [r.error for r in receiver.requests]
        records = receiver.received_records()
    assert [r.attributes["attempt"] for r in records] == [1, 2]
    resource = records[0].resource
    assert resource["team"] == "caf\ufffd"
    assert resource["caf\ufffd.key"] == "v"
    assert resource["service.name"] == "agent\ufffd"
    assert resource["service.version"] == "1\ufffd"
    json.dumps(resource, ensure_ascii=False).encode("utf-8")  # strict
    assert telemetry.stats == TelemetryStats(0, 0, 0, 0, 0, sdk_messages=0)  # nothing lost
