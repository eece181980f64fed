"""What the `[otel]` table and the OTEL_* variables say is what goes on the wire.

Service name and resource from each place a user can set them, the documentation's
examples as written, export configured by the standard variables alone, `${VAR}`
references, and the privacy toggles (a redacted prompt never leaves the process).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import pytest
from wire.wirekit import (
    ARGUMENTS,
    ENVIRON,
    HEADERS_ON_THE_WIRE,
    OUTPUT,
    PROMPT,
    RESOURCE_FROM_ENV,
    TOKEN,
    TRANSPORTS,
    Transport,
    check_catalog,
    check_resource,
    emit_catalog,
    exporter_table,
    metadata,
    otel_toml,
    start_receiver,
)

from codex_otel.generated import events
from codex_otel.runtime import Telemetry
from receivers import OtlpGrpcReceiver, OtlpHttpReceiver
from receivers.fixtures import ReceiverFactory
from support.telemetry import TelemetryFactory

pytestmark = pytest.mark.wire


def emit_one(telemetry: Telemetry, conversation_id: str = "c-1") -> None:
    conversation = telemetry.conversation(metadata(conversation_id))
    events.user_prompt(conversation, prompt_length=len(PROMPT), prompt=PROMPT)


class Naming(NamedTuple):
    table: str  # lines of [otel]
    environ: Mapping[str, str]
    service_name: str  # expected service.name
    extra: Mapping[str, str]  # other resource attributes expected


NAMINGS = {
    "default": Naming("", {}, "codex-cli", {}),
    "table": Naming('service_name = "codex-ci"', {}, "codex-ci", {}),
    "OTEL_SERVICE_NAME": Naming("", {"OTEL_SERVICE_NAME": "from-env"}, "from-env", {}),
    "OTEL_RESOURCE_ATTRIBUTES": Naming(
        "",
        {"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-resource,region=eu%2Dwest"},
        "from-resource",
        {"region": "eu-west"},
    ),
    "table-wins": Naming(
        'service_name = "codex-ci"',
        {
            "OTEL_SERVICE_NAME": "loses",
            # The runtime's own keys win over the variable's.
            "OTEL_RESOURCE_ATTRIBUTES": "service.version=0.0.0,env=prod,team=agents",
        },
        "codex-ci",
        {"team": "agents"},
    ),
}


@pytest.mark.parametrize("naming", NAMINGS.values(), ids=NAMINGS.keys())
def test_service_name_and_resource_attributes(
    naming: Naming, otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory
) -> None:
    table, environ, service_name, extra = naming
    receiver = otlp_receivers.http()
    toml = otel_toml(exporter_table("http-binary", receiver.endpoint, headers=None), extra=table)
    telemetry = start_telemetry(toml, environ=environ)
    emit_one(telemetry)
    assert telemetry.shutdown()
    resource = check_resource(receiver.received_records(), service_name=service_name, extra=extra)
    assert resource["env"] == "ci"


@pytest.mark.parametrize("transport", ["http-binary", "grpc"])
def test_documented_examples_work_as_written(
    transport: Transport, otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory
) -> None:
    receiver = start_receiver(otlp_receivers, transport)
    # docs/configuration.md, "Quick start", with the receiver's endpoint.
    if transport == "grpc":
        exporter = (
            f'exporter = {{ otlp-grpc = {{ endpoint = "{receiver.endpoint}", '
            'headers = { "x-otlp-meta" = "abc123" } }}'
        )
        headers = {"x-otlp-meta": "abc123"}
    else:
        exporter = (
            f'exporter = {{ otlp-http = {{ endpoint = "{receiver.endpoint}", protocol = "binary", '
            'headers = { "x-otlp-api-key" = "${OTLP_TOKEN}" } }}'
        )
        headers = {"x-otlp-api-key": TOKEN}
    toml = (
        "[otel]\n"
        'environment = "staging" # defaults to "dev"\n'
        f"{exporter}\n"
        "log_user_prompt = false # defaults to false; redact prompt text unless explicitly enabled\n"
    )
    telemetry = start_telemetry(toml)
    emit_one(telemetry)
    assert telemetry.shutdown()

    (record,) = receiver.received_records()
    assert record.event_name == "codex.user_prompt"
    assert record.attributes["prompt"] == "[REDACTED]"
    assert record.attributes["prompt_length"] == len(PROMPT)
    assert record.resource["env"] == "staging"
    (request,) = receiver.requests
    assert {name: request.headers.get(name) for name in headers} == headers


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_standard_variables_alone_configure_export(
    transport: Transport, otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory
) -> None:
    # OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: OTLP/HTTP appends v1/logs to its path.
    receiver: OtlpHttpReceiver | OtlpGrpcReceiver
    if transport == "grpc":
        receiver = otlp_receivers.grpc()
        base = receiver.endpoint
    else:
        receiver = otlp_receivers.http(logs_path="/otlp/v1/logs")
        base = f"{receiver.base_url}/otlp"
    protocol = {"http-binary": "http/protobuf", "http-json": "http/json", "grpc": "grpc"}
    environ = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": base,
        "OTEL_EXPORTER_OTLP_PROTOCOL": protocol[transport],
        "OTEL_EXPORTER_OTLP_HEADERS": f"x-otlp-api-key={TOKEN}, x-tenant=acme%2C%20inc",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "2000",
        "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
        "OTEL_BLRP_SCHEDULE_DELAY": "20",
        "OTEL_SERVICE_NAME": "env-agent",
    }
    telemetry = start_telemetry("", environ=environ)  # no [otel] table at all
    emit_one(telemetry)
    assert telemetry.shutdown()

    (record,) = receiver.received_records()
    assert record.resource["service.name"] == "env-agent"
    assert record.resource["env"] == "dev"
    (request,) = receiver.requests
    assert request.headers["x-otlp-api-key"] == TOKEN
    assert request.headers["x-tenant"] == "acme, inc"  # URL-decoded
    if isinstance(receiver, OtlpHttpReceiver):
        assert request.path == "/otlp/v1/logs"
        assert request.content_encoding == "gzip"
        json_body = transport == "http-json"
        assert request.content_type == (
            "application/json" if json_body else "application/x-protobuf"
        )


def test_endpoint_and_headers_expand_environment_references(
    otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory
) -> None:
    receiver = otlp_receivers.http()
    exporter = exporter_table(
        "http-binary",
        "http://127.0.0.1:${COLLECTOR_PORT}/v1/logs",
        headers={"authorization": "Bearer ${OTLP_TOKEN}", "x-literal": "pa$$word-$${HOME}"},
    )
    environ = {**ENVIRON, "COLLECTOR_PORT": str(receiver.port), "HOME": "/home/nobody"}
    telemetry = start_telemetry(otel_toml(exporter), environ=environ)
    emit_one(telemetry)
    assert telemetry.shutdown()

    (request,) = receiver.requests
    assert request.accepted
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["x-literal"] == "pa$word-${HOME}"  # $$ is a literal $


@pytest.mark.parametrize(
    ("log_user_prompt", "log_tool_details"), [(False, True), (True, False), (False, False)]
)
def test_privacy_toggles_decide_what_leaves_the_process(
    log_user_prompt: bool,
    log_tool_details: bool,
    otlp_receivers: ReceiverFactory,
    start_telemetry: TelemetryFactory,
) -> None:
    receiver = otlp_receivers.http()
    toggles = (
        f"log_user_prompt = {str(log_user_prompt).lower()}\n"
        f"log_tool_details = {str(log_tool_details).lower()}"
    )
    toml = otel_toml(exporter_table("http-binary", receiver.endpoint), extra=toggles)
    telemetry = start_telemetry(toml)
    emitted = emit_catalog(
        telemetry, "privacy", log_user_prompt=log_user_prompt, log_tool_details=log_tool_details
    )
    assert telemetry.shutdown()

    check_catalog(receiver.received_records(), emitted)
    # Not only the attribute: the redacted text is nowhere in what was sent.
    sent = b"".join(request.body for request in receiver.requests)
    secrets = {PROMPT: log_user_prompt, OUTPUT: log_tool_details, ARGUMENTS: log_tool_details}
    for text, allowed in secrets.items():
        assert (text.encode() in sent) is allowed, text
    assert {key: receiver.requests[0].headers[key] for key in HEADERS_ON_THE_WIRE} == dict(
        HEADERS_ON_THE_WIRE
    )
    assert RESOURCE_FROM_ENV.items() <= receiver.received_records()[0].resource.items()
