"""`[otel] metrics_exporter` and `[otel.metrics]`: the forms, the variables, the errors.

`metrics_exporter` takes exactly the forms of `exporter`; these tests check what differs
(the key in messages, the METRICS variables, `/v1/metrics`) and that the shared rules hold
for metrics too. Every call passes `environ=` so the developer's variables cannot leak in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_otel.runtime import Telemetry
from codex_otel.runtime.config import (
    ConfigError,
    FileExporter,
    MetricsConfig,
    NoExporter,
    OtelConfig,
    OtlpGrpcExporter,
    OtlpHttpExporter,
    TlsConfig,
    load_config,
)


def load(text: str = "", env: dict[str, str] | None = None) -> OtelConfig:
    return load_config(text=text, environ=env or {})


def error(text: str = "", env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load(text, env)
    return str(info.value)


def otel(body: str) -> str:
    return f"[otel]\n{body}\n"


def test_metrics_are_off_by_default_and_settings_have_the_spec_defaults() -> None:
    config = load()
    assert config.metrics_exporter == NoExporter()
    assert config.metrics == MetricsConfig(export_interval_ms=60_000, temporality="cumulative")


def test_every_exporter_form_is_accepted_with_the_metrics_path() -> None:
    assert load(otel('metrics_exporter = "none"')).metrics_exporter == NoExporter()
    exporter = load(otel('metrics_exporter = "otlp-http"')).metrics_exporter
    assert exporter == OtlpHttpExporter("http://localhost:4318/v1/metrics")
    table = 'metrics_exporter = { otlp-http = { endpoint = "https://c:4318", protocol = "json", compression = "gzip", timeout = 3, headers = { "x-api-key" = "k" } } }'
    assert load(otel(table)).metrics_exporter == OtlpHttpExporter(
        "https://c:4318/v1/metrics", "json", {"x-api-key": "k"}, None, "gzip", 3.0
    )
    grpc = load(otel('metrics_exporter = { otlp-grpc = { endpoint = "http://c:4317" } }'))
    assert grpc.metrics_exporter == OtlpGrpcExporter("http://c:4317")
    file = load(otel('metrics_exporter = { file = { path = "-" } }'))
    assert file.metrics_exporter == FileExporter("-")
    # The logs' exporter is not affected by the metrics' one.
    assert file.exporter == NoExporter()


def test_the_metrics_variables_apply_when_the_table_is_silent() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://m:4318",
        "OTEL_EXPORTER_OTLP_METRICS_HEADERS": "tenant=a",
        "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": "2500",
        "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "gzip",
        "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/json",
        # The logs' own variables never reach the metrics.
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://l:4318",
        "OTEL_EXPORTER_OTLP_LOGS_HEADERS": "tenant=logs",
    }
    config = load(otel('exporter = "otlp-http"'), env)
    assert config.metrics_exporter == OtlpHttpExporter(
        "http://m:4318/v1/metrics", "json", {"tenant": "a"}, None, "gzip", 2.5
    )
    assert config.exporter == OtlpHttpExporter(
        "http://l:4318/v1/logs", "binary", {"tenant": "logs"}
    )


def test_the_generic_variables_turn_metrics_on_as_they_do_logs() -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/base", "OTEL_EXPORTER_OTLP_HEADERS": "a=1"}
    config = load("", env)
    # A base URL gets the signal path appended, as the spec says.
    assert config.metrics_exporter == OtlpHttpExporter(
        "http://c:4318/base/v1/metrics", headers={"a": "1"}
    )
    assert config.exporter == OtlpHttpExporter("http://c:4318/base/v1/logs", headers={"a": "1"})
    grpc = load("", {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}).metrics_exporter
    assert grpc == OtlpGrpcExporter("http://localhost:4317")
    # The signal's variable wins over the generic one.
    env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = "http://m:9/custom"
    assert load("", env).metrics_exporter == OtlpHttpExporter(
        "http://m:9/custom", headers={"a": "1"}
    )


def test_the_table_wins_over_the_variables_and_none_reads_none_of_them() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://m:4318",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "bad",
    }
    assert load(otel('metrics_exporter = "none"'), env).metrics_exporter == NoExporter()
    table = 'metrics_exporter = { otlp-http = { endpoint = "http://t:1", timeout = 1 } }'
    assert load(otel(table), env).metrics_exporter == OtlpHttpExporter(
        "http://t:1/v1/metrics", timeout=1.0
    )


def test_tls_variables_of_the_metrics_signal_are_used(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    env = {"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE": str(ca)}
    exporter = load(otel('metrics_exporter = { otlp-grpc = { endpoint = "https://c:4317" } }'), env)
    assert exporter.metrics_exporter == OtlpGrpcExporter(
        "https://c:4317", tls=TlsConfig(ca_certificate=ca)
    )


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        (
            'metrics_exporter = "carrier-pigeon"',
            {},
            "otel.metrics_exporter: unknown exporter 'carrier-pigeon'",
        ),
        (
            'metrics_exporter = "file"',
            {},
            "otel.metrics_exporter: the file exporter needs a path: metrics_exporter = {",
        ),
        ("metrics_exporter = { file = {} }", {}, "otel.metrics_exporter.file.path: missing"),
        (
            'metrics_exporter = { otlp-http = { endpoint = "ftp://c" } }',
            {},
            "otel.metrics_exporter.otlp-http.endpoint: 'ftp://c': expected an http",
        ),
        (
            'metrics_exporter = { otlp-grpc = { endpoint = "http://c:4317/x" } }',
            {},
            "otel.metrics_exporter.otlp-grpc.endpoint: 'http://c:4317/x': a gRPC endpoint has no path",
        ),
        (
            'metrics_exporter = { otlp-http = { endpoint = "http://c", tls = { ca-certificate = "ca.pem" } } }',
            {},
            "otel.metrics_exporter.otlp-http.tls: TLS settings need an https:// endpoint",
        ),
        (
            'metrics_exporter = { otlp-http = { colour = "red" } }',
            {},
            "otel.metrics_exporter.otlp-http.colour: unknown key",
        ),
        (
            'metrics_exporter = { otlp-http = { headers = { "bad name" = "x" } } }',
            {},
            "otel.metrics_exporter.otlp-http.headers.bad name",
        ),
        (
            "",
            {"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "smoke"},
            "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'smoke' is not allowed",
        ),
        (
            "",
            {
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://c",
                "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": "-1",
            },
            "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: expected a positive number",
        ),
        ("[otel.metrics]\nexport_interval_ms = 0", {}, "otel.metrics.export_interval_ms"),
        (
            '[otel.metrics]\ntemporality = "sometimes"',
            {},
            'otel.metrics.temporality: \'sometimes\' is not allowed; expected one of "cumulative", "delta", "lowmemory"',
        ),
        ("[otel.metrics]\ncolour = 1", {}, "otel.metrics.colour: unknown key"),
        (
            "",
            {"OTEL_METRIC_EXPORT_INTERVAL": "soon"},
            "OTEL_METRIC_EXPORT_INTERVAL: expected a positive integer",
        ),
        (
            "",
            {"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "often"},
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'often' is not allowed",
        ),
    ],
)
def test_errors_name_the_key_or_the_variable(text: str, env: dict[str, str], expected: str) -> None:
    assert expected in error(otel(text), env)


def test_metrics_settings_from_the_table_and_the_variables() -> None:
    table = otel('[otel.metrics]\nexport_interval_ms = 5000\ntemporality = "delta"')
    assert load(table).metrics == MetricsConfig(5000, "delta")
    env = {
        "OTEL_METRIC_EXPORT_INTERVAL": "1500",
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "LowMemory",
    }
    assert load("", env).metrics == MetricsConfig(1500, "lowmemory")
    # The table wins over the variables.
    assert load(table, env).metrics == MetricsConfig(5000, "delta")


def test_a_sdk_disabled_by_the_environment_exports_no_metrics() -> None:
    config = load(
        otel('metrics_exporter = { file = { path = "-" } }'), {"OTEL_SDK_DISABLED": "true"}
    )
    assert config.sdk_disabled
    telemetry = Telemetry(config, service_version="1")
    assert not telemetry.exporting_metrics
    assert not telemetry.metrics_recording
    telemetry.shutdown()


def test_config_errors_raise_on_the_callers_thread(tmp_path: Path) -> None:
    broken = OtelConfig(
        metrics_exporter=OtlpHttpExporter(
            "https://127.0.0.1:1/v1/metrics", tls=TlsConfig(ca_certificate=tmp_path / "no-ca.pem")
        )
    )
    with pytest.raises(
        ConfigError, match=r"otel\.metrics_exporter\.otlp-http\.tls\.ca-certificate"
    ):
        Telemetry(broken, service_version="1")
    unwritable = OtelConfig(metrics_exporter=FileExporter(str(tmp_path / "no" / "dir" / "m.jsonl")))
    with pytest.raises(ConfigError, match=r"otel\.metrics_exporter\.file\.path: cannot open"):
        Telemetry(unwritable, service_version="1")
    with pytest.raises(ConfigError, match=r"otel\.metrics\.export_interval_ms"):
        Telemetry(
            OtelConfig(metrics_exporter=FileExporter("-"), metrics=MetricsConfig(0)),
            service_version="1",
        )
