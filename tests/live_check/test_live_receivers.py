"""live-check's receivers fed for real: the project's own exporters over every transport
(gzip too), the demo over every transport, and the chain through Rotel, a collector of its
own: codex-otel -> Rotel (`--exporter otlp`) -> live-check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from wire.wirekit import TRANSPORTS, Transport, emit_catalog, exporter_table, otel_toml

from live_check.process import LiveCheckProcess
from receivers.rotel import RotelFactory
from support.telemetry import TelemetryFactory

pytestmark = [pytest.mark.wire, pytest.mark.timeout(120)]

pytest.importorskip("grpc", reason="the receivers need the otel extra")


def endpoint(transport: Transport, ports: dict[str, int]) -> str:
    if transport == "grpc":
        return f"http://127.0.0.1:{ports['grpc']}"
    return f"http://127.0.0.1:{ports['http']}/v1/logs"


def assert_conforming(document: dict[str, Any], records: int) -> None:
    """No error, no warning; the only findings are the exported tool details and error
    texts (log_tool_details and log_error_details on, choices the report shows as info)."""
    assert document["records"] == records
    assert document["ok"] is True
    kinds = {(f["kind"], f["severity"], f["event"], f["attribute"]) for f in document["findings"]}
    error_texts = {
        ("codex.api_request", "error.message"),
        ("codex.api_request", "auth.error"),
        ("codex.websocket_connect", "error.message"),
        ("codex.websocket_connect", "auth.error"),
        ("codex.websocket_request", "error.message"),
        ("codex.auth_recovery", "auth.error"),
        ("codex.sse_event", "error.message"),
    }
    assert kinds <= {
        ("unredacted", "info", "codex.tool_result", "arguments"),
        ("unredacted", "info", "codex.tool_result", "output"),
        *(("unredacted", "info", event, key) for event, key in error_texts),
    }, document["findings"]
    assert document["coverage"]["events"]["unseen"] == []


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_the_project_exporters_over_every_transport(
    live_check: type[LiveCheckProcess], start_telemetry: TelemetryFactory, compression: str | None
) -> None:
    process = live_check(["--otlp-grpc", "0", "--otlp-http", "0", "--format", "json"])
    ports = process.wait_listening(2)
    sent = 0
    for transport in TRANSPORTS:
        table = exporter_table(
            transport, endpoint(transport, ports), compression=compression, headers=None
        )
        telemetry = start_telemetry(otel_toml(table))
        sent += emit_catalog(telemetry, f"{transport}-{compression}").count
        assert telemetry.shutdown(), transport
        stats = telemetry.stats
        assert stats.export_failures == 0 and stats.dropped_queue_full == 0, transport
    finished = process.finish(interrupt=True)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    document = json.loads(finished.stdout)
    assert_conforming(document, sent)
    assert document["requests"] >= len(TRANSPORTS)


def test_the_demo_over_every_transport_conforms(
    live_check: type[LiveCheckProcess], tmp_path: Path
) -> None:
    # With the default config (tool details exported, as in Codex): even warnings fail.
    process = live_check(
        ["--otlp-grpc", "0", "--otlp-http", "0", "--format", "json", "--fail-on", "warning"]
    )
    ports = process.wait_listening(2)
    for transport in TRANSPORTS:
        config = tmp_path / f"{transport}.toml"
        config.write_text(
            otel_toml(exporter_table(transport, endpoint(transport, ports), headers=None))
        )
        demo = subprocess.run(
            [sys.executable, "-m", "codex_otel.cli", "demo", "--config", str(config)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert "All events delivered" in demo.stdout
    finished = process.finish(interrupt=True)
    document = json.loads(finished.stdout)
    per_run = int(demo.stdout.split(" events emitted")[0].rsplit("\n", 1)[-1])
    assert_conforming(document, per_run * len(TRANSPORTS))
    assert finished.returncode == 0


@pytest.mark.parametrize("into_rotel", ["grpc", "http-binary"])
def test_through_rotel(
    live_check: type[LiveCheckProcess],
    rotel_collectors: RotelFactory,
    start_telemetry: TelemetryFactory,
    into_rotel: Transport,
) -> None:
    process = live_check(["--otlp-grpc", "0", "--format", "json"])
    ports = process.wait_listening(1)
    rotel = rotel_collectors(forward_to=f"http://127.0.0.1:{ports['grpc']}")
    target = rotel.grpc_endpoint if into_rotel == "grpc" else rotel.http_endpoint
    telemetry = start_telemetry(otel_toml(exporter_table(into_rotel, target, headers=None)))
    expected = emit_catalog(telemetry, f"rotel-{into_rotel}").count
    assert telemetry.shutdown()
    assert rotel.wait_for(expected), rotel.stderr
    rotel.stop()  # flushes what it holds to live-check
    finished = process.finish(interrupt=True)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    document = json.loads(finished.stdout)
    assert_conforming(document, expected)
    # Rotel re-encoded the records: they still match by EventName, and carry the resource.
    assert not any(f["kind"] == "missing_service_name" for f in document["findings"])


def test_bodies_that_are_not_export_requests_are_refused_and_reported(
    live_check: type[LiveCheckProcess],
) -> None:
    import gzip

    import grpc
    import requests

    process = live_check(["--otlp-grpc", "0", "--otlp-http", "0", "--format", "json"])
    ports = process.wait_listening(2)
    url = f"http://127.0.0.1:{ports['http']}/v1/logs"
    protobuf = {"Content-Type": "application/x-protobuf"}
    answers = [
        requests.post(url, data=b"\xff\xff\xff", headers=protobuf, timeout=5),
        requests.post(url, data=b"not gzip", headers={**protobuf, "Content-Encoding": "gzip"}, timeout=5),
        requests.post(url, data=gzip.compress(b'{"resourceSpans": []}'),
                      headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}, timeout=5),
        requests.post(url, data=b"{}", headers={"Content-Type": "text/plain"}, timeout=5),
        requests.post(f"http://127.0.0.1:{ports['http']}/v1/profiles", data=b"{}",
                      headers={"Content-Type": "application/json"}, timeout=5),
        requests.post(url, data=gzip.compress(b"{}"),
                      headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}, timeout=5),
    ]  # fmt: skip
    assert [answer.status_code for answer in answers] == [400, 400, 400, 415, 404, 200]
    assert answers[-1].json() == {}
    assert "resourceLogs" in answers[2].json()["message"]
    with grpc.insecure_channel(f"127.0.0.1:{ports['grpc']}") as channel:
        export = channel.unary_unary(
            "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
            request_serializer=None,
            response_deserializer=None,
        )
        with pytest.raises(grpc.RpcError) as refused:
            export(b"\xff\xff\xff", timeout=5)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert export(b"", timeout=5) == b""  # an empty request: accepted
    finished = process.finish(interrupt=True)
    assert finished.returncode == 1
    [invalid, nothing] = json.loads(finished.stdout)["findings"]
    # The 415 and the 404 are refusals in the report too.
    assert invalid["kind"] == "invalid_request" and invalid["count"] == 6
    assert nothing["kind"] == "no_records"
    assert [e["where"] for e in invalid["examples"]] == [
        "otlp-http request 1 (protobuf)",
        "otlp-http request 2 (protobuf)",
        "otlp-http request 3 (json)",
    ]
