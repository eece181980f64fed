"""Every catalog event and every field, over every transport, as the catalog says.

One run per transport (OTLP/HTTP protobuf, OTLP/HTTP JSON, OTLP/gRPC) and per security
mode (plaintext, gzip, TLS, mutual TLS + gzip): the `[otel]` table a user writes, the
generated emitters, `shutdown()`, then what the real receiver decoded.
"""

from __future__ import annotations

import json

import pytest
from wire.wirekit import (
    HEADERS_ON_THE_WIRE,
    SCHEMAS,
    TRANSPORTS,
    Transport,
    catalog_calls,
    check_catalog,
    check_kinds,
    check_resource,
    emit_catalog,
    exporter_table,
    json_kinds,
    otel_toml,
    proto_kinds,
    start_receiver,
)

from codex_otel.generated import events
from codex_otel.runtime import TelemetryStats
from receivers import OtlpHttpReceiver, TlsCerts
from receivers.fixtures import ReceiverFactory
from support.telemetry import TelemetryFactory

pytestmark = pytest.mark.wire

SECURITY = ("plaintext", "gzip", "tls", "mtls+gzip")
CONTENT_TYPES = {"http-binary": "application/x-protobuf", "http-json": "application/json"}
NO_LOSS = TelemetryStats(
    dropped_after_shutdown=0,
    dropped_queue_full=0,
    export_failures=0,
    subscriber_errors=0,
    emit_errors=0,
)


@pytest.mark.parametrize(
    "toggles",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"log_user_prompt": True, "log_tool_details": False}, id="toggled"),
    ],
)
def test_the_wire_calls_cover_every_catalog_event(toggles: dict[str, bool]) -> None:
    """A new catalog event cannot go untested on the wire: `catalog_calls` (what every
    test below emits and checks) calls every event of the generated catalog twice, once
    with every optional field and once with the required ones only, and nothing else."""
    calls = catalog_calls(**toggles)
    catalog = set(events.EVENT_NAMES)
    assert len(events.EVENT_NAMES) == len(catalog)
    for full in (True, False):
        names = [call.event_name for call in calls if call.full is full]
        assert sorted(names) == sorted(catalog), f"full={full}: missing {catalog - set(names)}"
    assert set(SCHEMAS) == catalog
    for call in calls:
        # Every expected wire key is one the event's schema defines (no stale names).
        assert set(call.expected) <= set(SCHEMAS[call.event_name]["properties"]), call.event_name


@pytest.mark.parametrize("security", SECURITY)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_event_and_field_arrives_as_the_catalog_says(
    transport: Transport,
    security: str,
    otlp_receivers: ReceiverFactory,
    tls_certs: TlsCerts,
    start_telemetry: TelemetryFactory,
) -> None:
    tls = security.startswith(("tls", "mtls"))
    mutual = security.startswith("mtls")
    gzip = security.endswith("gzip")
    receiver = start_receiver(
        otlp_receivers, transport, tls=tls_certs if tls else None, require_client_cert=mutual
    )
    exporter = exporter_table(
        transport,
        receiver.endpoint,
        compression="gzip" if gzip else None,
        ca=tls_certs if tls else None,
        client=tls_certs if mutual else None,
    )
    telemetry = start_telemetry(otel_toml(exporter))

    emitted = emit_catalog(telemetry, f"{transport}-{security}")
    assert telemetry.shutdown()

    records = receiver.received_records()
    check_catalog(records, emitted)
    check_resource(records)
    check_kinds(proto_kinds(receiver.requests), emitted)
    assert receiver.requests, "nothing was sent"
    for request in receiver.requests:
        assert request.accepted
        assert {name: request.headers.get(name) for name in HEADERS_ON_THE_WIRE} == dict(
            HEADERS_ON_THE_WIRE
        )
        assert request.client_cert_subject == (tls_certs.client_common_name if mutual else None)
        if isinstance(receiver, OtlpHttpReceiver):
            assert request.content_type == CONTENT_TYPES[transport]
            assert request.content_encoding == ("gzip" if gzip else "")
    if transport == "http-json":
        # The OTLP/JSON text itself, not only what the receiver's decoder made of it.
        documents = [json.loads(request.body) for request in receiver.requests]
        check_kinds(json_kinds(documents), emitted)
    assert receiver.scheme == ("https" if tls else "http")
    assert telemetry.stats == NO_LOSS
