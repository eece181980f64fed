"""With the runtime's default configuration, planted credentials never reach a collector.

codex-otel exports tool details by default (as Codex does): a tool's output and arguments
are kept, so whatever a shell printed goes out, and the scrubber must have replaced every
credential in it by `[SECRET:<kind>]` first. Rotel, an independent collector, receives the
records over each transport and forwards them to an in-repo receiver that decodes them
exactly (Rotel's debug log cannot carry arbitrary text); no string of any received record
holds any 8-character part of any credential, and each kind's marker is there. The
credentials are made at test time in their real formats (credentials.py)."""

from __future__ import annotations

import random

import pytest
from wire.wirekit import TRANSPORTS, Transport, exporter_table, otel_toml

from codex_otel.generated import events
from privacy.credentials import MAKERS, aws_secret_access_key
from receivers import OtlpGrpcReceiver
from receivers.rotel import RotelFactory
from support.metadata import make_metadata
from support.telemetry import TelemetryFactory, start_telemetry

__all__ = ["start_telemetry"]

pytestmark = [
    pytest.mark.wire,
    pytest.mark.timeout(120),
]

pytest.importorskip("grpc", reason="the receivers need the otel extra")

#: Kinds whose format names them wherever they stand (no telling key needed).
SELF_EVIDENT = (
    "aws-access-key-id",
    "github-pat",
    "github-fine-grained-pat",
    "gitlab-pat",
    "slack-token",
    "stripe-key",
    "openai-api-key",
    "anthropic-api-key",
    "gcp-api-key",
    "jwt",
    "private-key",
    "npm-token",
    "huggingface-token",
    "sendgrid-api-key",
)
FRAGMENT = 8


def planted_output(seed: str) -> tuple[str, list[str], set[str]]:
    """A shell session printing credentials: the text, the credentials, their kinds."""
    rng = random.Random(seed)
    secrets = [MAKERS[kind](rng) for kind in SELF_EVIDENT]
    lines = [f"$ ./deploy.sh --step {n}\nusing {value}" for n, value in enumerate(secrets)]
    aws_secret = aws_secret_access_key(rng)
    lines.append(f"$ cat .env\nAWS_SECRET_ACCESS_KEY={aws_secret}")
    return "\n".join(lines), [*secrets, aws_secret], {*SELF_EVIDENT, "aws-secret-access-key"}


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in strings(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    return []


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_planted_credentials_do_not_reach_rotel_with_the_default_config(
    transport: Transport, rotel_collectors: RotelFactory, start_telemetry: TelemetryFactory
) -> None:
    output, secrets, kinds = planted_output(f"rotel-{transport}")
    arguments, more_secrets, _ = planted_output(f"rotel-{transport}-arguments")
    with OtlpGrpcReceiver() as downstream:
        rotel = rotel_collectors(forward_to=downstream.endpoint)
        endpoint = rotel.grpc_endpoint if transport == "grpc" else rotel.http_endpoint
        # The default configuration: no privacy setting at all.
        telemetry = start_telemetry(otel_toml(exporter_table(transport, endpoint)))
        conversation = telemetry.conversation(make_metadata(conversation_id=f"leak-{transport}"))
        events.tool_result(
            conversation,
            tool_name="shell",
            call_id="call_1",
            arguments=arguments,
            duration_ms=12,
            success="true",
            output=output,
        )
        assert telemetry.shutdown()
        assert downstream.wait_for(1, timeout=15), rotel.errors()
        [record] = downstream.received_records()
    assert rotel.errors() == []
    received = [*strings(record.attributes), *strings(record.body)]
    parts = {s[i : i + FRAGMENT] for s in [*secrets, *more_secrets] for i in range(len(s) - 7)}
    leaked = [part for part in parts if any(part in text for text in received)]
    # Their number only: the parts themselves would be printed by the assertion.
    assert len(leaked) == 0, "parts of planted credentials reached the collector"
    scrubbed = record.attributes["output"]
    assert isinstance(scrubbed, str)
    for kind in kinds:
        assert f"[SECRET:{kind}]" in scrubbed, kind
