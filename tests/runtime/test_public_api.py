"""What an application may import from `codex_otel.runtime`, pinned: the application's
API only (generated code has its own module, `_contract`), and the runtime's own range
of an OTLP int, equal to the one the generator checks catalogs against."""

from __future__ import annotations

from pathlib import Path

import codex_otel.runtime
from codex_otel.generator import wire_limits
from codex_otel.runtime import (
    OtelConfig,
    OtlpHttpExporter,
    SpoolConfig,
    Telemetry,
    _contract,
    _int64,
)

APPLICATION_API = {
    # Telemetry and the conversation handle
    "Telemetry",
    "TelemetryStats",
    "Conversation",
    # the config model and its loader
    "load_config",
    "ConfigError",
    "OtelConfig",
    "ExporterConfig",
    "NoExporter",
    "OtlpHttpExporter",
    "OtlpGrpcExporter",
    "FileExporter",
    "TlsConfig",
    "BatchConfig",
    "SpoolConfig",
    "MetricsConfig",
    "PrivacyConfig",
    # capture and subscribers
    "CapturedEvent",
    "CapturedMeasurement",
    "Subscriber",
    "MeasurementSubscriber",
    # the types of `Conversation.record` and of captured attributes
    "MetricDefinition",
    "Attributes",
    "AttributeValue",
    # spans: the handle and scope generated helpers return, captured spans, the parent
    # rule's error, the W3C helpers for outbound requests and subprocesses
    "SpanDefinition",
    "SpanHandle",
    "SpanScope",
    "SpanParentError",
    "CapturedSpan",
    "SpanSubscriber",
    "trace_headers",
    "traced_environ",
}


def test_the_runtime_exports_only_the_application_api() -> None:
    assert set(codex_otel.runtime.__all__) == APPLICATION_API
    assert len(codex_otel.runtime.__all__) == len(APPLICATION_API)
    for name in APPLICATION_API:
        assert getattr(codex_otel.runtime, name) is not None


def test_what_generated_code_calls_is_not_on_the_applications_face() -> None:
    for name in _contract.HELPERS:
        assert not hasattr(codex_otel.runtime, name), name
    for name in ("dispatch", "dispatch_measurement", "note_emit_error"):
        assert not hasattr(codex_otel.runtime.Telemetry, name), name


def test_the_runtime_and_the_generator_agree_on_the_int64_range() -> None:
    assert (_int64.INT64_MIN, _int64.INT64_MAX) == (-(2**63), 2**63 - 1)
    assert (wire_limits.INT64_MIN, wire_limits.INT64_MAX) == (_int64.INT64_MIN, _int64.INT64_MAX)
    assert (_contract.INT64_MIN, _contract.INT64_MAX) == (_int64.INT64_MIN, _int64.INT64_MAX)


def test_the_spool_directory_is_public(tmp_path: Path) -> None:
    # What the demo prints: where undelivered events wait (no private module needed).
    from receivers import unused_port

    endpoint = f"http://127.0.0.1:{unused_port()}/v1/logs"
    spooling = OtelConfig(
        exporter=OtlpHttpExporter(endpoint=endpoint), spool=SpoolConfig(path=tmp_path)
    )
    with Telemetry(spooling, service_version="1") as telemetry:
        folder = telemetry.spool_directory
        assert folder is not None and folder.parent == tmp_path
    off = OtelConfig(
        exporter=OtlpHttpExporter(endpoint=endpoint),
        spool=SpoolConfig(enabled=False, path=tmp_path),
    )
    with Telemetry(off, service_version="1") as telemetry:
        assert telemetry.spool_directory is None
    with Telemetry(OtelConfig(), service_version="1") as telemetry:
        assert telemetry.spool_directory is None  # nothing exported, nothing spooled
