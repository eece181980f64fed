"""With the default config, a `tool_result` whose output holds real-format credentials of
every kind sends none of them: not to a real receiver over gRPC, OTLP/HTTP protobuf or
OTLP/HTTP JSON, not to the spool when the collector is down; their markers arrive instead.
A control run with `scrub_secrets = false` shows the same checks find them when present."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from wire.wirekit import TRANSPORTS, Transport, exporter_table, metadata, otel_toml, start_receiver

from codex_otel.generated import events
from codex_otel.runtime import Telemetry
from receivers import unused_port
from receivers.fixtures import ReceiverFactory
from support.telemetry import TelemetryFactory, start_telemetry

from .planted import planted_output, registered

__all__ = ["start_telemetry"]

pytestmark = pytest.mark.wire

OUTPUT, SECRETS = planted_output()


@pytest.fixture(autouse=True)
def bundled_scanned() -> Iterator[None]:
    with registered():
        yield


def leaked(blobs: Iterable[str | bytes]) -> list[str]:
    """The planted credentials any of `blobs` holds, whole or any line of 16 characters or
    more of one (an encoder may escape the line breaks of a key file)."""
    texts = [blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob for blob in blobs]
    found = []
    for secret in SECRETS:
        pieces = [secret, *(line for line in secret.splitlines() if len(line) >= 16)]
        if any(piece in text for piece in pieces for text in texts):
            found.append(secret)
    return found


def emit_tool_result(telemetry: Telemetry, conversation_id: str) -> None:
    conversation = telemetry.conversation(metadata(conversation_id))
    events.tool_result(
        conversation,
        tool_name="shell",
        duration_ms=42,
        success="true",
        output=OUTPUT,
        call_id="call-1",
        arguments='{"command": ["env"]}',
    )


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_no_planted_credential_reaches_the_receiver(
    otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory, transport: Transport
) -> None:
    assert len(OUTPUT) < 16384 and len(SECRETS) >= 20  # nothing is cut away: all scrubbed
    receiver = start_receiver(otlp_receivers, transport)
    telemetry = start_telemetry(otel_toml(exporter_table(transport, receiver.endpoint)))
    with telemetry.capture() as captured:
        emit_tool_result(telemetry, f"wire-{transport}")
    assert telemetry.shutdown(5)
    assert receiver.wait_for(1)
    [record] = receiver.received_records("codex.tool_result")
    output = record.attributes["output"]
    assert isinstance(output, str)
    assert leaked([request.body for request in receiver.requests]) == []
    assert leaked([str(value) for value in record.attributes.values()]) == []
    assert output.count("[SECRET:") >= len(SECRETS)
    assert "[SECRET:github-pat]" in output and "[SECRET:private-key]" in output
    # In-process subscribers saw exactly what the wire carries (the caller's thread
    # cleaned it for them; its mark for the export thread never leaves the process).
    assert captured[0].attributes["output"] == output
    assert not any("privacy" in key for key in record.attributes)


def test_no_planted_credential_reaches_the_spool(
    start_telemetry: TelemetryFactory, spool_in_tmp: Path
) -> None:
    endpoint = f"http://127.0.0.1:{unused_port()}/v1/logs"  # the collector is down
    telemetry = start_telemetry(otel_toml(exporter_table("http-binary", endpoint, timeout=0.5), shutdown_timeout=1.0))  # fmt: skip
    emit_tool_result(telemetry, "spooled")
    telemetry.shutdown(1.0)
    assert telemetry.stats.spooled >= 1
    files = [path for path in spool_in_tmp.rglob("*") if path.is_file() and path.name != "privacy.key"]  # fmt: skip
    contents = [path.read_bytes() for path in files]
    assert any(b"codex.tool_result" in content for content in contents)
    assert leaked(contents) == []
    assert any(b"[SECRET:github-pat]" in content for content in contents)


def test_the_checks_find_credentials_when_scrubbing_is_off(
    otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory
) -> None:
    receiver = start_receiver(otlp_receivers, "http-json")
    table = otel_toml(
        exporter_table("http-json", receiver.endpoint),
        extra="[otel.privacy]\nscrub_secrets = false\n",
    )
    telemetry = start_telemetry(table)
    emit_tool_result(telemetry, "control")
    assert telemetry.shutdown(5)
    assert receiver.wait_for(1)
    assert leaked([request.body for request in receiver.requests]) == SECRETS
