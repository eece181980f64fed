"""The exporter pipeline: what it builds, what it imports, and that it stays bounded.

Collectors here are the suite's shared loopback receivers (tests/receivers/: OTLP/HTTP,
with mTLS or a blackhole fault, OTLP/gRPC, a port that refuses); the full wire tests
live in tests/wire/.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from codex_otel.runtime._pipeline import OtelUnavailable, Pipeline, start_pipeline
from codex_otel.runtime.config import (
    BatchConfig,
    ConfigError,
    ExporterConfig,
    FileExporter,
    NoExporter,
    OtelConfig,
    OtlpGrpcExporter,
    OtlpHttpExporter,
    TlsConfig,
)
from receivers import OtlpGrpcReceiver, OtlpHttpReceiver, TlsCerts, unused_port

#: Shutdown may overrun its timeout by this much (thread hand-over, exporter abort).
MARGIN = 0.5

ATTRIBUTES: dict[str, Any] = {
    "tool_name": "shell",
    "attempt": 2,
    "duration_ms": 12.5,
    "success": True,
    "mcp_servers": ["a", "b"],
}


# --- helpers -----------------------------------------------------------------------------


def start(exporter: ExporterConfig, **overrides: Any) -> Pipeline:
    pipeline = start_pipeline(OtelConfig(exporter=exporter, **overrides), service_version="1.2.3")
    assert pipeline is not None
    return pipeline


def records_of(lines: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(resources, log records) of OTLP/JSON `ExportLogsServiceRequest` lines."""
    resources, records = [], []
    for line in lines:
        for resource_logs in json.loads(line)["resourceLogs"]:
            resources.append(resource_logs["resource"])
            for scope_logs in resource_logs["scopeLogs"]:
                assert scope_logs["scope"]["name"] == "codex_otel"
                records.extend(scope_logs["logRecords"])
    return resources, records


def json_attributes(key_values: list[dict[str, Any]]) -> dict[str, Any]:
    def value(any_value: dict[str, Any]) -> Any:
        (kind, raw), *_ = any_value.items()
        if kind == "arrayValue":
            return [value(item) for item in raw.get("values", [])]
        return int(raw) if kind == "intValue" else raw

    return {item["key"]: value(item["value"]) for item in key_values}


def proto_attributes(key_values: Any) -> dict[str, Any]:
    def value(any_value: Any) -> Any:
        kind = any_value.WhichOneof("value")
        if kind == "array_value":
            return [value(item) for item in any_value.array_value.values]
        return getattr(any_value, kind)

    return {item.key: value(item.value) for item in key_values}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
        check=False,
    )


@pytest.fixture
def blackhole(http_receiver: OtlpHttpReceiver) -> int:
    """The port of a collector that accepts connections and never answers a byte."""
    http_receiver.blackhole(stage="accept")
    return http_receiver.port


# --- what is built -------------------------------------------------------------------------


def test_nothing_to_export_returns_none() -> None:
    assert start_pipeline(OtelConfig(), service_version="1") is None
    assert start_pipeline(OtelConfig(exporter=NoExporter()), service_version="1") is None
    disabled = OtelConfig(exporter=FileExporter(path="-"), sdk_disabled=True)
    assert start_pipeline(disabled, service_version="1") is None


def test_sdk_disabled_in_environment_returns_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The SDK itself reads OTEL_SDK_DISABLED; a config built by hand may not know it.
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    config = OtelConfig(exporter=FileExporter(path=str(tmp_path / "out.jsonl")))
    assert start_pipeline(config, service_version="1") is None


def test_resource_comes_from_the_config_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Resource.create would read these; the config has already applied its precedence.
    monkeypatch.setenv("OTEL_SERVICE_NAME", "from-env")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "env.only=yes")
    path = tmp_path / "out.jsonl"
    pipeline = start(
        FileExporter(path=str(path)),
        environment="staging",
        resource_attributes={"team": "agents", "service.name": "loses", "env": "loses"},
    )
    pipeline.emit("codex.user_prompt", {"prompt_length": 3}, time.time_ns())
    assert pipeline.shutdown(5)

    (resource,), _ = records_of(path.read_text().splitlines())
    attributes = json_attributes(resource["attributes"])
    assert attributes["service.name"] == "codex-cli"
    assert attributes["service.version"] == "1.2.3"
    assert attributes["env"] == "staging"
    assert attributes["team"] == "agents"
    assert attributes["telemetry.sdk.language"] == "python"
    assert "env.only" not in attributes


def test_service_name_from_config(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    pipeline = start(FileExporter(path=str(path)), service_name="my-agent")
    pipeline.emit("codex.x", {}, time.time_ns())
    assert pipeline.shutdown(5)
    (resource,), _ = records_of(path.read_text().splitlines())
    assert json_attributes(resource["attributes"])["service.name"] == "my-agent"


def test_file_exporter_writes_otlp_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    pipeline = start(FileExporter(path=str(path)))
    stamps = [time.time_ns() + i for i in range(3)]
    for i, stamp in enumerate(stamps):
        pipeline.emit(f"codex.event_{i}", ATTRIBUTES, stamp)
    assert pipeline.force_flush(5)
    assert pipeline.shutdown(5)

    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines, "nothing was written"
    _, records = records_of(lines)
    assert [r["eventName"] for r in records] == ["codex.event_0", "codex.event_1", "codex.event_2"]
    assert [int(r["timeUnixNano"]) for r in records] == stamps
    for record in records:
        assert record["severityNumber"] == 9
        assert json_attributes(record["attributes"]) == ATTRIBUTES
    assert pipeline.dropped == 0
    assert pipeline.export_failures == 0


def test_file_exporter_dash_is_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = start(FileExporter(path="-"))
    stamp = time.time_ns()
    pipeline.emit("codex.tool_decision", {"decision": "approved"}, stamp)
    assert pipeline.shutdown(5)
    _, records = records_of(capsys.readouterr().out.splitlines())
    assert [(r["eventName"], int(r["timeUnixNano"])) for r in records] == [
        ("codex.tool_decision", stamp)
    ]
    assert not sys.stdout.closed  # shutdown must not close a stream it does not own


def test_file_that_cannot_be_opened_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "events.jsonl"
    with pytest.raises(ConfigError, match="no-such-dir"):
        start_pipeline(OtelConfig(exporter=FileExporter(path=str(missing))), service_version="1")


def test_invalid_batch_settings_are_a_config_error(tmp_path: Path) -> None:
    config = OtelConfig(
        exporter=FileExporter(path=str(tmp_path / "out.jsonl")),
        batch=BatchConfig(max_queue_size=4, max_export_batch_size=8),
    )
    with pytest.raises(ConfigError, match=r"otel\.batch"):
        start_pipeline(config, service_version="1")


def test_global_state_is_untouched(tmp_path: Path) -> None:
    from opentelemetry._logs import get_logger_provider
    from opentelemetry.sdk._logs import LoggerProvider

    root_handlers = list(logging.getLogger().handlers)
    pipeline = start(FileExporter(path=str(tmp_path / "out.jsonl")))
    try:
        assert not isinstance(get_logger_provider(), LoggerProvider)
        assert logging.getLogger().handlers == root_handlers
        assert logging.getLogger("codex_otel").handlers == []
    finally:
        assert pipeline.shutdown(5)


# --- TLS settings -------------------------------------------------------------------------


def test_unreadable_certificate_is_a_config_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing-ca.pem"
    for exporter in (
        OtlpGrpcExporter(endpoint="https://127.0.0.1:4317", tls=TlsConfig(ca_certificate=missing)),
        OtlpHttpExporter(
            endpoint="https://127.0.0.1:4318/v1/logs", tls=TlsConfig(ca_certificate=missing)
        ),
    ):
        with pytest.raises(ConfigError, match=r"tls\.ca-certificate.*missing-ca\.pem"):
            start_pipeline(OtelConfig(exporter=exporter), service_version="1")


def test_inconsistent_tls_settings_are_config_errors(tmp_path: Path) -> None:
    pem = tmp_path / "x.pem"
    pem.write_text("not checked here")
    cases: list[ExporterConfig] = [
        OtlpHttpExporter(endpoint="http://127.0.0.1:1/v1/logs", tls=TlsConfig(ca_certificate=pem)),
        OtlpHttpExporter(
            endpoint="https://127.0.0.1:1/v1/logs", tls=TlsConfig(client_private_key=pem)
        ),
        OtlpHttpExporter(
            endpoint="https://127.0.0.1:1/v1/logs", tls=TlsConfig(client_certificate=pem)
        ),
        OtlpGrpcExporter(endpoint="https://127.0.0.1:1", tls=TlsConfig(client_certificate=pem)),
    ]
    for exporter in cases:
        with pytest.raises(ConfigError, match="tls"):
            start_pipeline(OtelConfig(exporter=exporter), service_version="1")


@pytest.mark.parametrize("protocol", ["binary", "json"])
def test_https_with_mutual_tls_delivers(
    tls_certs: TlsCerts,
    mtls_http_receiver: OtlpHttpReceiver,
    monkeypatch: pytest.MonkeyPatch,
    protocol: Any,
) -> None:
    # The configured CA must win over a system bundle named in the environment (requests
    # would otherwise let REQUESTS_CA_BUNDLE replace it; psf/requests#3829).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/bundle.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/nonexistent/bundle.pem")
    tls = TlsConfig(
        ca_certificate=tls_certs.ca,
        client_certificate=tls_certs.client_cert,
        client_private_key=tls_certs.client_key,
    )
    # The receiver requires a client certificate signed by the CA: the request gets through
    # only with the configured one.
    endpoint = mtls_http_receiver.endpoint
    pipeline = start(OtlpHttpExporter(endpoint=endpoint, protocol=protocol, tls=tls))
    pipeline.emit("codex.api_request", {"attempt": 1}, time.time_ns())
    assert pipeline.shutdown(5)
    assert len(mtls_http_receiver.requests) == 1


# --- delivery to loopback collectors -----------------------------------------------------


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_otlp_http_protobuf_delivers(http_receiver: OtlpHttpReceiver, compression: Any) -> None:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    exporter = OtlpHttpExporter(
        endpoint=http_receiver.endpoint, headers={"X-Api-Key": "secret"}, compression=compression
    )
    pipeline = start(exporter)
    stamp = time.time_ns()
    pipeline.emit("codex.tool_result", ATTRIBUTES, stamp)
    assert pipeline.force_flush(5)
    assert pipeline.shutdown(5)

    (received,) = http_receiver.requests
    headers = received.headers
    assert headers["x-api-key"] == "secret"
    assert headers["content-type"] == "application/x-protobuf"
    assert headers.get("content-encoding") == ("gzip" if compression == "gzip" else None)
    request = ExportLogsServiceRequest.FromString(received.body)
    (resource_logs,) = request.resource_logs
    resource = proto_attributes(resource_logs.resource.attributes)
    assert (resource["service.name"], resource["env"]) == ("codex-cli", "dev")
    (scope_logs,) = resource_logs.scope_logs
    assert scope_logs.scope.name == "codex_otel"
    (record,) = scope_logs.log_records
    assert record.event_name == "codex.tool_result"
    assert record.time_unix_nano == stamp
    assert proto_attributes(record.attributes) == ATTRIBUTES
    assert record.body.WhichOneof("value") is None  # no body: the name is in event_name


def test_otlp_http_json_delivers(http_receiver: OtlpHttpReceiver) -> None:
    exporter = OtlpHttpExporter(
        endpoint=http_receiver.endpoint,
        protocol="json",
        headers={"x-api-key": "k"},
        compression="gzip",
    )
    pipeline = start(exporter)
    stamp = time.time_ns()
    pipeline.emit("codex.sse_event", {"event.kind": "response.completed"}, stamp)
    assert pipeline.shutdown(5)

    (received,) = http_receiver.requests
    headers = received.headers
    assert headers["content-type"] == "application/json"
    assert headers["x-api-key"] == "k"
    _, (record,) = records_of([received.body.decode()])
    assert record["eventName"] == "codex.sse_event"
    assert int(record["timeUnixNano"]) == stamp


def test_otlp_grpc_delivers_with_metadata(grpc_receiver: OtlpGrpcReceiver) -> None:
    exporter = OtlpGrpcExporter(
        endpoint=grpc_receiver.endpoint, headers={"X-Otlp-Meta": "abc"}, compression="gzip"
    )
    pipeline = start(exporter)
    pipeline.emit("codex.user_prompt", {"prompt_length": 5}, time.time_ns())
    assert pipeline.shutdown(5)
    (received,) = grpc_receiver.requests
    assert received.headers["x-otlp-meta"] == "abc"
    record = received.message.resource_logs[0].scope_logs[0].log_records[0]
    assert record.event_name == "codex.user_prompt"
    assert proto_attributes(record.attributes) == {"prompt_length": 5}


# --- bounded, never raising -------------------------------------------------------------


def unreachable(kind: str, port: int) -> ExporterConfig:
    if kind == "grpc":
        return OtlpGrpcExporter(endpoint=f"http://127.0.0.1:{port}")
    protocol: Any = "json" if kind == "http-json" else "binary"
    return OtlpHttpExporter(endpoint=f"http://127.0.0.1:{port}/v1/logs", protocol=protocol)


def timed_shutdown(pipeline: Pipeline, timeout: float) -> tuple[bool, float]:
    began = time.monotonic()
    flushed = pipeline.shutdown(timeout)
    return flushed, time.monotonic() - began


@pytest.mark.parametrize("kind", ["http", "grpc"])
def test_shutdown_is_bounded_when_the_collector_is_dead(kind: str) -> None:
    # A 10 s exporter timeout: without the bound the SDK keeps retrying for it.
    pipeline = start(unreachable(kind, unused_port()), shutdown_timeout=10)
    for i in range(20):
        pipeline.emit("codex.api_request", {"attempt": i}, time.time_ns())
    flushed, elapsed = timed_shutdown(pipeline, 1.0)
    assert not flushed
    assert elapsed < 1.0 + MARGIN


@pytest.mark.parametrize("kind", ["http", "http-json", "grpc"])
def test_shutdown_is_bounded_when_the_collector_is_a_blackhole(blackhole: int, kind: str) -> None:
    pipeline = start(unreachable(kind, blackhole), shutdown_timeout=10)
    for i in range(20):
        pipeline.emit("codex.api_request", {"attempt": i}, time.time_ns())
    flushed, elapsed = timed_shutdown(pipeline, 1.0)
    assert not flushed
    assert 0.9 < elapsed < 1.0 + MARGIN

    # Idempotent, and quick the second time.
    flushed, elapsed = timed_shutdown(pipeline, 1.0)
    assert not flushed
    assert elapsed < 0.1


def test_force_flush_is_bounded_when_the_collector_is_a_blackhole(blackhole: int) -> None:
    pipeline = start(unreachable("http", blackhole), shutdown_timeout=10)
    pipeline.emit("codex.api_request", {"attempt": 1}, time.time_ns())
    began = time.monotonic()
    assert not pipeline.force_flush(0.5)
    assert time.monotonic() - began < 0.5 + MARGIN
    flushed, elapsed = timed_shutdown(pipeline, 0.5)
    assert not flushed
    assert elapsed < 0.5 + MARGIN


def test_healthy_shutdown_is_quick_and_idempotent(tmp_path: Path) -> None:
    pipeline = start(FileExporter(path=str(tmp_path / "out.jsonl")))
    pipeline.emit("codex.x", {}, time.time_ns())
    flushed, elapsed = timed_shutdown(pipeline, 5)
    assert flushed
    assert elapsed < 1.0
    assert pipeline.shutdown(5)
    assert pipeline.force_flush(1)


def test_emit_after_shutdown_does_nothing(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    pipeline = start(FileExporter(path=str(path)))
    assert pipeline.shutdown(5)
    pipeline.emit("codex.late", {"a": 1}, time.time_ns())
    _, records = records_of(path.read_text().splitlines())
    assert records == []


def test_emit_never_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = start(FileExporter(path=str(tmp_path / "out.jsonl")))

    def broken(**_: Any) -> None:
        raise RuntimeError("SDK bug")

    monkeypatch.setattr(pipeline, "_emit", broken)
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        pipeline.emit("codex.x", {}, time.time_ns())
        pipeline.emit("codex.x", {}, time.time_ns())
    assert pipeline.emit_errors == 2
    assert len([r for r in caplog.records if r.name == "codex_otel"]) == 1
    assert pipeline.shutdown(5)


def test_full_queue_drops_are_counted_and_reported_once(
    blackhole: int, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = start(
        unreachable("http", blackhole),
        shutdown_timeout=10,
        batch=BatchConfig(schedule_delay_ms=60_000, max_queue_size=4, max_export_batch_size=2),
    )
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        for i in range(200):
            pipeline.emit("codex.sse_event", {"i": i}, time.time_ns())
    # The worker holds at most one batch (stuck on the blackhole); the queue holds four.
    assert 200 - 4 - 2 * 2 <= pipeline.dropped <= 200 - 4
    warnings = [
        r for r in caplog.records if r.name == "codex_otel" and "queue is full" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        flushed, elapsed = timed_shutdown(pipeline, 0.5)
        pipeline.shutdown(0.5)  # a second shutdown does not report again
    assert not flushed
    assert elapsed < 0.5 + MARGIN
    # The count, which the first warning could not know, is reported once at shutdown.
    totals = [r.getMessage() for r in caplog.records if "totals at shutdown" in r.getMessage()]
    assert len(totals) == 1
    assert f": {pipeline.dropped} events dropped (export queue full), " in totals[0]
    assert f", {pipeline.export_failures} export batches failed, 0 events refused" in totals[0]


def test_a_pipeline_that_lost_nothing_reports_no_totals(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = start(FileExporter(path=str(tmp_path / "out.jsonl")))
    pipeline.emit("codex.sse_event", {"i": 1}, time.time_ns())
    with caplog.at_level(logging.DEBUG, logger="codex_otel"):
        assert pipeline.shutdown(5)
    assert not [
        r for r in caplog.records if r.name == "codex_otel" and r.levelno >= logging.WARNING
    ]


def test_shutdown_flushes_where_new_threads_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Interpreter exit on Python 3.12 refuses new threads ("can't create new thread at
    # interpreter shutdown"), and that is where the exit hook shuts down: the thread that
    # bounds shutdown is started with the pipeline, so it still flushes everything.
    path = tmp_path / "out.jsonl"
    pipeline = start(FileExporter(path=str(path)))
    pipeline.emit("codex.before_exit", {"n": 1}, time.time_ns())

    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't create new thread at interpreter shutdown")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    assert not pipeline.force_flush(1)  # a flush needs a new thread: it says it failed
    assert pipeline.shutdown(1)
    assert "codex.before_exit" in path.read_text()
    assert not pipeline.emit("codex.late", {}, time.time_ns())


def test_messages_name_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    endpoint = f"http://user:hunter2@127.0.0.1:{unused_port()}/v1/logs?token=hunter2"
    pipeline = start(OtlpHttpExporter(endpoint=endpoint), shutdown_timeout=0.1)
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        pipeline.emit("codex.x", {}, time.time_ns())
        pipeline.force_flush(3)
    messages = [r.getMessage() for r in caplog.records if r.name == "codex_otel"]
    assert messages
    assert not [m for m in messages if "hunter2" in m]
    assert "hunter2" not in repr(pipeline)
    pipeline.shutdown(1)


def test_export_failures_are_counted(caplog: pytest.LogCaptureFixture) -> None:
    # Connection refused, retries end at the exporter's 1 s timeout floor.
    pipeline = start(unreachable("http", unused_port()), shutdown_timeout=0.1)
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        pipeline.emit("codex.x", {}, time.time_ns())
        assert not pipeline.force_flush(3)
    assert pipeline.export_failures == 1
    assert any("failed" in r.getMessage() for r in caplog.records if r.name == "codex_otel")
    # Shutdown reports on what is still queued: nothing, the failure was counted above.
    assert pipeline.shutdown(1)


# --- imports and processes -------------------------------------------------------------


def test_importing_the_module_imports_no_opentelemetry() -> None:
    result = run_python(
        """
        import sys
        import codex_otel.runtime._pipeline
        loaded = [m for m in sys.modules if m.startswith(("opentelemetry", "grpc", "google"))]
        assert not loaded, loaded
        """
    )
    assert result.returncode == 0, result.stderr


def test_none_exporter_imports_no_opentelemetry() -> None:
    result = run_python(
        """
        import sys
        from codex_otel.runtime.config import OtelConfig, OtlpHttpExporter
        from codex_otel.runtime._pipeline import start_pipeline
        assert start_pipeline(OtelConfig(), service_version="1") is None
        disabled = OtelConfig(exporter=OtlpHttpExporter(endpoint="http://x/v1/logs"),
                              sdk_disabled=True)
        assert start_pipeline(disabled, service_version="1") is None
        loaded = [m for m in sys.modules if m.startswith(("opentelemetry", "grpc"))]
        assert not loaded, loaded
        """
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "exporter",
    [
        'OtlpHttpExporter(endpoint="http://127.0.0.1:9/v1/logs")',
        'OtlpHttpExporter(endpoint="http://127.0.0.1:9/v1/logs", protocol="json")',
        'FileExporter(path="-")',
    ],
)
def test_non_grpc_exporters_do_not_import_grpc(exporter: str) -> None:
    result = run_python(
        f"""
        import sys
        from codex_otel.runtime.config import FileExporter, OtelConfig, OtlpHttpExporter
        from codex_otel.runtime._pipeline import start_pipeline
        pipeline = start_pipeline(OtelConfig(exporter={exporter}), service_version="1")
        assert pipeline is not None
        pipeline.shutdown(0.2)
        loaded = [m for m in sys.modules if m == "grpc" or m.startswith("grpc.")
                  or m.startswith("opentelemetry.exporter.otlp.proto.grpc")]
        assert not loaded, loaded
        """
    )
    assert result.returncode == 0, result.stderr


def test_missing_otel_extra_raises_otel_unavailable() -> None:
    result = run_python(
        """
        import sys
        from importlib.abc import MetaPathFinder

        class NoOpenTelemetry(MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] == "opentelemetry":
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                return None

        sys.meta_path.insert(0, NoOpenTelemetry())
        from codex_otel.runtime.config import OtelConfig, OtlpHttpExporter
        from codex_otel.runtime._pipeline import OtelUnavailable, start_pipeline
        config = OtelConfig(exporter=OtlpHttpExporter(endpoint="http://127.0.0.1:9/v1/logs"))
        try:
            start_pipeline(config, service_version="1")
        except OtelUnavailable as error:
            assert "codex-otel[otel]" in str(error), error
        else:
            raise AssertionError("no OtelUnavailable")
        """
    )
    assert result.returncode == 0, result.stderr
    assert issubclass(OtelUnavailable, RuntimeError)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_exports_its_own_events(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    result = run_python(
        f"""
        import os, time
        from codex_otel.runtime.config import FileExporter, OtelConfig
        from codex_otel.runtime._pipeline import start_pipeline
        pipeline = start_pipeline(OtelConfig(exporter=FileExporter(path={str(path)!r})),
                                  service_version="1")
        pipeline.emit("codex.parent_before", {{}}, time.time_ns())
        assert pipeline.force_flush(5)
        pid = os.fork()
        if pid == 0:
            # The SDK restarts its worker in the child; the child exports its own events.
            pipeline.emit("codex.child", {{}}, time.time_ns())
            os._exit(0 if pipeline.shutdown(5) else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        pipeline.emit("codex.parent_after", {{}}, time.time_ns())
        assert pipeline.shutdown(5)
        """
    )
    assert result.returncode == 0, result.stderr
    _, records = records_of(path.read_text().splitlines())
    assert sorted(r["eventName"] for r in records) == [
        "codex.child",
        "codex.parent_after",
        "codex.parent_before",
    ]
