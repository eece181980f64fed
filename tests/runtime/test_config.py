"""Tests of `load_config`: every key, default, error and precedence rule of `[otel]`.

Every call passes `environ=` explicitly so that the developer's own OTEL_* variables
cannot leak into a result.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import codex_otel.generated  # registers the bundled catalog: its toggles and service name
from codex_otel.runtime._catalogs import catalog_defaults
from codex_otel.runtime.config import (
    BatchConfig,
    ConfigError,
    FileExporter,
    NoExporter,
    OtelConfig,
    OtlpGrpcExporter,
    OtlpHttpExporter,
    SpoolConfig,
    TlsConfig,
    load_config,
)

SECRET = "s3cr3t-T0KEN-value"


def load(text: str = "", env: dict[str, str] | None = None) -> OtelConfig:
    return load_config(text=text, environ=env or {})


def error(text: str = "", env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load(text, env)
    return str(info.value)


def http(text: str = "", env: dict[str, str] | None = None) -> OtlpHttpExporter:
    exporter = load(text, env).exporter
    assert isinstance(exporter, OtlpHttpExporter), exporter
    return exporter


def grpc(text: str = "", env: dict[str, str] | None = None) -> OtlpGrpcExporter:
    exporter = load(text, env).exporter
    assert isinstance(exporter, OtlpGrpcExporter), exporter
    return exporter


def otel(body: str) -> str:
    return f"[otel]\n{body}\n"


def http_table(inner: str) -> str:
    return otel(f"exporter = {{ otlp-http = {{ {inner} }} }}")


def grpc_table(inner: str) -> str:
    return otel(f"exporter = {{ otlp-grpc = {{ {inner} }} }}")


@pytest.fixture
def certs(tmp_path: Path) -> Path:
    """A directory with (dummy) certificate files; the loader only checks they exist."""
    directory = tmp_path / "certs"
    directory.mkdir()
    for name in ("ca.pem", "client.pem", "client.key", "other-ca.pem"):
        (directory / name).write_text("dummy\n")
    return directory


# --- defaults ------------------------------------------------------------------------


def test_no_source_gives_defaults() -> None:
    config = load_config(environ={})
    assert config == OtelConfig()
    assert config.environment == "dev"
    assert config.exporter == NoExporter()
    assert config.toggles == {
        "log_user_prompt": False,
        "log_tool_details": True,
        "log_error_details": True,
    }
    assert config.service_name == "codex-cli"
    assert config.shutdown_timeout == 0.25  # short: what misses it is spooled
    assert config.spool == SpoolConfig(enabled=True, path=None, max_bytes=4 * 1024 * 1024)
    assert config.batch == BatchConfig(1000, 2048, 512)
    assert config.resource_attributes == {}
    assert config.sdk_disabled is False


@pytest.mark.parametrize(
    "text",
    ["", "[otel]\n", 'model = "gpt-5-codex"\n[profiles.fast]\nmodel = "o4-mini"\n'],
    ids=["empty", "empty-otel", "no-otel-table"],
)
def test_missing_or_empty_otel_table_gives_defaults(text: str) -> None:
    assert load(text) == OtelConfig()


def test_other_tables_of_the_codex_config_are_ignored() -> None:
    config = load('model = "x"\nunknown_top = 1\n[otel]\nenvironment = "prod"\n[tui]\nx = 1\n')
    assert config.environment == "prod"


def test_config_is_frozen() -> None:
    config = load()
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(config, "environment", "prod")  # noqa: B010 - a plain assignment fails mypy


# --- the seed's documentation, verbatim ---------------------------------------------

SEED_BASIC = """
[otel]
environment = "staging" # defaults to "dev"
exporter = "none" # defaults to "none"; set to otlp-http or otlp-grpc to send events
log_user_prompt = false # defaults to false; redact prompt text unless explicitly enabled
"""

SEED_HTTP = """
[otel]
exporter = { otlp-http = { endpoint = "https://otel.example.com/v1/logs", protocol = "binary", headers = { "x-otlp-api-key" = "${OTLP_TOKEN}" } }}
"""

SEED_GRPC = """
[otel]
exporter = { otlp-grpc = { endpoint = "https://otel.example.com:4317", headers = { "x-otlp-meta" = "abc123" } }}
"""


def test_seed_basic_example() -> None:
    config = load(SEED_BASIC)
    assert config.environment == "staging"
    assert config.exporter == NoExporter()
    assert config.toggles["log_user_prompt"] is False


def test_seed_otlp_http_example() -> None:
    exporter = http(SEED_HTTP, {"OTLP_TOKEN": SECRET})
    assert exporter == OtlpHttpExporter(
        endpoint="https://otel.example.com/v1/logs",
        protocol="binary",
        headers={"x-otlp-api-key": SECRET},
    )


def test_seed_otlp_http_example_without_the_token_is_an_error() -> None:
    message = error(SEED_HTTP)
    assert "otel.exporter.otlp-http.headers.x-otlp-api-key" in message
    assert "OTLP_TOKEN" in message
    assert "not set" in message


def test_seed_otlp_grpc_example() -> None:
    exporter = grpc(SEED_GRPC)
    assert exporter == OtlpGrpcExporter(
        endpoint="https://otel.example.com:4317", headers={"x-otlp-meta": "abc123"}
    )


# --- scalar keys ---------------------------------------------------------------------


def test_every_scalar_key() -> None:
    config = load(
        otel(
            'environment = "prod"\nlog_user_prompt = true\nlog_tool_details = false\n'
            'service_name = "my-agent"\nshutdown_timeout = 2.5'
        )
    )
    assert config.environment == "prod"
    assert config.toggles == {
        "log_user_prompt": True,
        "log_tool_details": False,
        "log_error_details": True,
    }
    assert config.service_name == "my-agent"
    assert config.shutdown_timeout == 2.5


def test_integer_shutdown_timeout_becomes_float() -> None:
    config = load(otel("shutdown_timeout = 3"))
    assert config.shutdown_timeout == 3.0
    assert isinstance(config.shutdown_timeout, float)


@pytest.mark.parametrize(
    ("body", "key", "fragment"),
    [
        ("environment = 5", "otel.environment", "expected a string, got an integer 5"),
        ('environment = ""', "otel.environment", "must not be empty"),
        ('service_name = "  "', "otel.service_name", "must not be empty"),
        ("service_name = ['a']", "otel.service_name", "expected a string, got an array"),
        ('log_user_prompt = "yes"', "otel.log_user_prompt", "expected true, false or one of"),
        ("log_tool_details = 1", "otel.log_tool_details", "expected true, false or one of"),
        ("shutdown_timeout = 0", "otel.shutdown_timeout", "positive number of seconds"),
        ("shutdown_timeout = -1.5", "otel.shutdown_timeout", "positive number of seconds"),
        ("shutdown_timeout = inf", "otel.shutdown_timeout", "positive number of seconds"),
        ("shutdown_timeout = nan", "otel.shutdown_timeout", "positive number of seconds"),
        ('shutdown_timeout = "5"', "otel.shutdown_timeout", "got a string '5'"),
        ("shutdown_timeout = true", "otel.shutdown_timeout", "got a boolean True"),
        ("shutdown_timeout = 1979-05-27", "otel.shutdown_timeout", "got a date/time"),
    ],
)
def test_scalar_type_errors(body: str, key: str, fragment: str) -> None:
    message = error(otel(body))
    assert message.startswith(f"{key}: ")
    assert fragment in message


def test_otel_must_be_a_table() -> None:
    message = error("otel = 5\n")
    assert message.startswith("otel: expected a table")


# --- unknown keys --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key", "suggestion"),
    [
        ("log_user_prompts = true", "otel.log_user_prompts", "log_user_prompt"),
        ('exporters = "none"', "otel.exporters", "exporter"),
        ('enviroment = "x"', "otel.enviroment", "environment"),
        ("[otel.batch]\nmax_queue = 5", "otel.batch.max_queue", "max_queue_size"),
    ],
)
def test_unknown_key_with_suggestion(body: str, key: str, suggestion: str) -> None:
    message = error(otel(body) if not body.startswith("[") else body)
    assert message.startswith(f"{key}: unknown key")
    assert f"did you mean {suggestion!r}?" in message
    assert "allowed:" in message


def test_unknown_key_without_close_match_lists_allowed_keys() -> None:
    message = error(otel("zzz = 1"))
    assert message.startswith("otel.zzz: unknown key")
    assert "did you mean" not in message
    for key in ("environment", "exporter", "log_user_prompt", "log_tool_details", "batch"):
        assert key in message


def test_unknown_exporter_key() -> None:
    message = error(http_table('endpont = "http://c"'))
    assert message.startswith("otel.exporter.otlp-http.endpont: unknown key")
    assert "did you mean 'endpoint'?" in message


def test_grpc_has_no_protocol_key() -> None:
    message = error(grpc_table('protocol = "binary"'))
    assert message.startswith("otel.exporter.otlp-grpc.protocol: unknown key")
    assert "endpoint, headers, tls, compression, timeout" in message


def test_unknown_tls_key() -> None:
    message = error(http_table('endpoint = "https://c", tls = { ca-cert = "x" }'))
    assert message.startswith("otel.exporter.otlp-http.tls.ca-cert: unknown key")
    assert "did you mean 'ca-certificate'?" in message


# --- toggles -------------------------------------------------------------------------


def test_toggles_argument_names_the_keys_and_defaults() -> None:
    toggles = {"log_user_prompt": False, "log_tool_details": True, "log_diffs": True}
    config = load_config(text=otel("log_diffs = false"), environ={}, toggles=toggles)
    assert config.toggles == {
        "log_user_prompt": False,
        "log_tool_details": True,
        "log_diffs": False,
    }
    assert load_config(environ={}, toggles=toggles).toggles["log_diffs"] is True


def test_toggle_not_in_the_toggles_argument_is_unknown() -> None:
    with pytest.raises(ConfigError, match=r"^otel\.log_tool_details: unknown key"):
        load_config(
            text=otel("log_tool_details = true"),
            environ={},
            toggles={"log_user_prompt": False},
        )


def test_default_toggles_are_not_mutated() -> None:
    load(otel("log_user_prompt = true"))
    assert catalog_defaults().toggles == {
        "log_user_prompt": False,
        "log_tool_details": True,
        "log_error_details": True,
    }


def test_the_default_toggles_are_the_imported_catalogs() -> None:
    # The runtime's defaults are the toggles the bundled catalog's generated package
    # registered when imported, never a copy kept in step by hand.
    assert load_config(environ={}).toggles == codex_otel.generated.TOGGLES
    assert OtelConfig().toggles == codex_otel.generated.TOGGLES


# --- batch ---------------------------------------------------------------------------


def test_batch_table() -> None:
    config = load(
        "[otel.batch]\nschedule_delay_ms = 250\nmax_queue_size = 100\nmax_export_batch_size = 100\n"
    )
    assert config.batch == BatchConfig(250, 100, 100)


def test_batch_partial_keeps_defaults() -> None:
    assert load("[otel.batch]\nschedule_delay_ms = 10\n").batch == BatchConfig(10, 2048, 512)


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "true", '"10"'])
def test_batch_values_must_be_positive_integers(value: str) -> None:
    message = error(f"[otel.batch]\nmax_queue_size = {value}\n")
    assert message.startswith("otel.batch.max_queue_size: expected a positive integer")


def test_batch_must_be_a_table() -> None:
    assert error(otel("batch = 5")).startswith("otel.batch: expected a table")


def test_batch_size_larger_than_queue() -> None:
    message = error("[otel.batch]\nmax_queue_size = 100\nmax_export_batch_size = 101\n")
    assert message.startswith("otel.batch.max_export_batch_size: ")
    assert "(101) must not exceed max_queue_size (100)" in message


def test_queue_smaller_than_default_batch_names_the_queue() -> None:
    message = error("[otel.batch]\nmax_queue_size = 10\n")
    assert message.startswith("otel.batch.max_queue_size: ")
    assert "(512) must not exceed max_queue_size (10)" in message


def test_batch_environment_variables() -> None:
    env = {
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
        "OTEL_BLRP_MAX_QUEUE_SIZE": "300",
        "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE": "30",
    }
    assert load(env=env).batch == BatchConfig(200, 300, 30)
    assert load("[otel.batch]\nmax_queue_size = 400\n", env).batch == BatchConfig(200, 400, 30)


@pytest.mark.parametrize("value", ["0", "-3", "abc", "1.5"])
def test_bad_batch_environment_variable(value: str) -> None:
    message = error(env={"OTEL_BLRP_MAX_QUEUE_SIZE": value})
    assert message.startswith("OTEL_BLRP_MAX_QUEUE_SIZE: expected a positive integer")
    assert repr(value) in message


def test_batch_size_from_environment_larger_than_queue_names_the_variable() -> None:
    message = error(
        otel("[otel.batch]\nmax_queue_size = 8"), {"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE": "9"}
    )
    assert message.startswith("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: ")


# --- exporter forms ------------------------------------------------------------------


def test_exporter_none() -> None:
    assert load(otel('exporter = "none"')).exporter == NoExporter()


def test_exporter_string_otlp_http_uses_defaults() -> None:
    assert http(otel('exporter = "otlp-http"')) == OtlpHttpExporter(
        endpoint="http://localhost:4318/v1/logs"
    )


def test_exporter_string_otlp_grpc_uses_defaults() -> None:
    assert grpc(otel('exporter = "otlp-grpc"')) == OtlpGrpcExporter(
        endpoint="http://localhost:4317"
    )


def test_exporter_as_a_section() -> None:
    text = (
        "[otel.exporter.otlp-http]\n"
        'endpoint = "https://c.example.com"\nprotocol = "json"\n'
        'compression = "gzip"\ntimeout = 3\n'
        '[otel.exporter.otlp-http.headers]\nauthorization = "Bearer abc"\n'
    )
    assert http(text) == OtlpHttpExporter(
        endpoint="https://c.example.com/v1/logs",
        protocol="json",
        headers={"authorization": "Bearer abc"},
        compression="gzip",
        timeout=3.0,
    )


def test_every_otlp_grpc_key(certs: Path) -> None:
    text = grpc_table(
        'endpoint = "https://c:4317", headers = { k = "v" }, compression = "gzip", '
        f'timeout = 0.5, tls = {{ ca-certificate = "{certs / "ca.pem"}" }}'
    )
    assert grpc(text) == OtlpGrpcExporter(
        endpoint="https://c:4317",
        headers={"k": "v"},
        tls=TlsConfig(ca_certificate=certs / "ca.pem"),
        compression="gzip",
        timeout=0.5,
    )


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ('"otlp_http"', "did you mean 'otlp-http'?"),
        ('"otlp-grcp"', "did you mean 'otlp-grpc'?"),
        ('"zipkin"', 'expected one of "none", "otlp-http", "otlp-grpc", "file"'),
        ('"file"', "the file exporter needs a path"),
        ("5", "expected a string or a table, got an integer 5"),
        ("{}", "exactly one key (otlp-http, otlp-grpc or file), got 0"),
        ('{ otlp-http = {}, file = { path = "x" } }', "got 2: otlp-http, file"),
    ],
)
def test_bad_exporter(value: str, fragment: str) -> None:
    message = error(otel(f"exporter = {value}"))
    assert message.startswith("otel.exporter: ")
    assert fragment in message


def test_unknown_exporter_table_key_with_suggestion() -> None:
    message = error(otel('exporter = { otlp_grpc = { endpoint = "http://c:4317" } }'))
    assert message.startswith("otel.exporter.otlp_grpc: unknown exporter")
    assert "did you mean 'otlp-grpc'?" in message


def test_none_is_not_a_table_exporter() -> None:
    message = error(otel("exporter = { none = {} }"))
    assert message.startswith("otel.exporter.none: unknown exporter")
    assert '"otlp-http", "otlp-grpc", "file"' in message


def test_exporter_settings_must_be_a_table() -> None:
    message = error(otel('exporter = { otlp-http = "https://c" }'))
    assert message.startswith("otel.exporter.otlp-http: expected a table, got a string")


@pytest.mark.parametrize(
    ("inner", "key", "fragment"),
    [
        (
            'protocol = "xml"',
            "protocol",
            '\'xml\' is not allowed; expected one of "binary", "json"',
        ),
        ("protocol = 1", "protocol", "expected a string, got an integer 1"),
        (
            'compression = "br"',
            "compression",
            '\'br\' is not allowed; expected one of "gzip", "none"',
        ),
        ("timeout = 0", "timeout", "positive number of seconds"),
        ('timeout = "10s"', "timeout", "expected a number of seconds, got a string '10s'"),
        ("endpoint = 4318", "endpoint", "expected a string, got an integer 4318"),
        ('endpoint = ""', "endpoint", "must not be empty"),
        ('headers = "k=v"', "headers", "expected a table, got a string"),
        ('tls = "ca.pem"', "tls", "expected a table, got a string"),
    ],
)
def test_bad_otlp_http_values(inner: str, key: str, fragment: str) -> None:
    message = error(http_table(inner))
    assert message.startswith(f"otel.exporter.otlp-http.{key}: ")
    assert fragment in message


def test_protocol_json_and_binary() -> None:
    assert http(http_table('protocol = "json"')).protocol == "json"
    assert http(http_table('protocol = "binary"')).protocol == "binary"
    assert http(http_table("")).protocol == "binary"


def test_compression_and_timeout() -> None:
    exporter = http(http_table('compression = "gzip", timeout = 30'))
    assert (exporter.compression, exporter.timeout) == ("gzip", 30.0)
    exporter = http(http_table('compression = "none", timeout = 0.25'))
    assert (exporter.compression, exporter.timeout) == ("none", 0.25)


# --- file exporter -------------------------------------------------------------------


def test_file_exporter_stdout() -> None:
    assert load(otel('exporter = { file = { path = "-" } }')).exporter == FileExporter("-")


def test_file_exporter_absolute_path(tmp_path: Path) -> None:
    target = tmp_path / "events.jsonl"
    config = load(otel(f'exporter = {{ file = {{ path = "{target}" }} }}'))
    assert config.exporter == FileExporter(str(target))


def test_file_exporter_relative_path_is_next_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = tmp_path / "conf" / "config.toml"
    config_file.parent.mkdir()
    config_file.write_text(otel('exporter = { file = { path = "logs/events.jsonl" } }'))
    monkeypatch.chdir(tmp_path)
    config = load_config(config_file, environ={})
    assert config.exporter == FileExporter(str(tmp_path / "conf" / "logs" / "events.jsonl"))


def test_file_exporter_relative_path_from_text_is_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(otel('exporter = { file = { path = "events.jsonl" } }'))
    assert config.exporter == FileExporter(str(tmp_path / "events.jsonl"))


def test_file_exporter_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = load(otel('exporter = { file = { path = "~/events.jsonl" } }'))
    assert config.exporter == FileExporter(str(tmp_path / "events.jsonl"))


@pytest.mark.parametrize(
    ("inner", "message_start"),
    [
        ("", "otel.exporter.file.path: missing"),
        ('path = ""', "otel.exporter.file.path: must not be empty"),
        ("path = 1", "otel.exporter.file.path: expected a string"),
        ('path = "x", mode = "a"', "otel.exporter.file.mode: unknown key"),
    ],
)
def test_bad_file_exporter(inner: str, message_start: str) -> None:
    assert error(otel(f"exporter = {{ file = {{ {inner} }} }}")).startswith(message_start)


def test_file_exporter_ignores_otlp_environment() -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_TIMEOUT": "bad"}
    # metrics_exporter and trace_exporter are set too: a silent one would take the
    # variables (and refuse "bad").
    table = (
        'exporter = { file = { path = "-" } }\nmetrics_exporter = "none"\ntrace_exporter = "none"'
    )
    assert load(otel(table), env).exporter == FileExporter("-")


# --- endpoints and the /v1/logs rule -------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("http://c:4318", "http://c:4318/v1/logs"),
        ("http://c:4318/", "http://c:4318/v1/logs"),
        ("https://c.example.com", "https://c.example.com/v1/logs"),
        ("http://c:4318?tenant=a", "http://c:4318/v1/logs?tenant=a"),
        ("https://c/v1/logs", "https://c/v1/logs"),
        ("https://c/custom/ingest", "https://c/custom/ingest"),
        ("https://c/otlp/", "https://c/otlp/"),
        ("http://[::1]:4318", "http://[::1]:4318/v1/logs"),
        ("HTTP://C:4318", "http://C:4318/v1/logs"),
    ],
)
def test_http_endpoint_v1_logs_rule(endpoint: str, expected: str) -> None:
    assert http(http_table(f'endpoint = "{endpoint}"')).endpoint == expected


@pytest.mark.parametrize(
    "endpoint",
    [
        "ftp://c:4318",
        "localhost:4318",
        "c.example.com",
        "http://",
        "http:///v1/logs",
        "http://c:port",
        "http://c:99999",
        "http://c d:4318",
        "http://c:4318/v1/logs\\t",
        "http://[::1",
    ],
)
def test_bad_http_endpoint(endpoint: str) -> None:
    message = error(http_table(f'endpoint = "{endpoint}"'))
    assert message.startswith("otel.exporter.otlp-http.endpoint: ")
    assert "http:// or https://" in message


def test_bad_endpoint_message_shows_the_value() -> None:
    message = error(http_table('endpoint = "ftp://c:4318"'))
    assert "'ftp://c:4318'" in message


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("http://c:4317", "http://c:4317"),
        ("https://c:4317/", "https://c:4317"),
        ("https://c.example.com", "https://c.example.com"),
    ],
)
def test_grpc_endpoint(endpoint: str, expected: str) -> None:
    assert grpc(grpc_table(f'endpoint = "{endpoint}"')).endpoint == expected


def test_grpc_bare_host_port_is_refused_with_a_hint() -> None:
    message = error(grpc_table('endpoint = "collector:4317"'))
    assert message.startswith("otel.exporter.otlp-grpc.endpoint: 'collector:4317'")
    assert "'http://collector:4317' (plaintext)" in message
    assert "'https://collector:4317' (TLS)" in message


@pytest.mark.parametrize(
    "endpoint", ["http://c:4317/v1/logs", "http://c:4317?x=1", "http://c:4317#f"]
)
def test_grpc_endpoint_has_no_path(endpoint: str) -> None:
    message = error(grpc_table(f'endpoint = "{endpoint}"'))
    assert message.startswith("otel.exporter.otlp-grpc.endpoint: ")
    assert "a gRPC endpoint has no path" in message


# --- ${VAR} expansion ----------------------------------------------------------------


def test_variables_in_headers_and_endpoint() -> None:
    text = http_table(
        'endpoint = "https://${OTLP_HOST}:${OTLP_PORT}", '
        'headers = { authorization = "Bearer ${OTLP_TOKEN}", tenant = "${A}-${B}" }'
    )
    env = {
        "OTLP_HOST": "c.example.com",
        "OTLP_PORT": "4318",
        "OTLP_TOKEN": SECRET,
        "A": "x",
        "B": "y",
    }
    exporter = http(text, env)
    assert exporter.endpoint == "https://c.example.com:4318/v1/logs"
    assert exporter.headers == {"authorization": f"Bearer {SECRET}", "tenant": "x-y"}


@pytest.mark.parametrize(
    ("written", "expanded"),
    [
        ("a$$b", "a$b"),
        ("$${NOT_A_VAR}", "${NOT_A_VAR}"),
        ("price$5", "price$5"),
        ("trailing$", "trailing$"),
        ("$$$${V}", "$${V}"),
        ("$$${V}", "$v"),
        ("${V}${V}", "vv"),
    ],
)
def test_dollar_escapes(written: str, expanded: str) -> None:
    exporter = http(http_table(f'headers = {{ k = "{written}" }}'), {"V": "v"})
    assert exporter.headers["k"] == expanded


def test_expansion_is_not_recursive() -> None:
    exporter = http(http_table('headers = { k = "${OUTER}" }'), {"OUTER": "${INNER}", "INNER": "x"})
    assert exporter.headers["k"] == "${INNER}"


def test_missing_variable_in_header() -> None:
    message = error(http_table('headers = { "x-otlp-api-key" = "${OTLP_TOKEN}" }'), {})
    assert message == (
        "otel.exporter.otlp-http.headers.x-otlp-api-key: "
        "environment variable OTLP_TOKEN (from ${OTLP_TOKEN}) is not set"
    )


def test_empty_variable_in_header_is_an_error_not_an_empty_header() -> None:
    message = error(
        http_table('headers = { "x-otlp-api-key" = "${OTLP_TOKEN}" }'), {"OTLP_TOKEN": ""}
    )
    assert message.startswith("otel.exporter.otlp-http.headers.x-otlp-api-key: ")
    assert "OTLP_TOKEN" in message
    assert "is empty" in message


def test_missing_variable_in_endpoint() -> None:
    message = error(grpc_table('endpoint = "https://${OTLP_HOST}:4317"'))
    assert message.startswith("otel.exporter.otlp-grpc.endpoint: ")
    assert "OTLP_HOST" in message
    assert "not set" in message


def test_bad_expanded_endpoint_shows_the_written_value_only() -> None:
    message = error(http_table('endpoint = "${ENDPOINT}"'), {"ENDPOINT": f"ftp://{SECRET}"})
    assert "'${ENDPOINT}'" in message
    assert SECRET not in message


@pytest.mark.parametrize("written", ["${1ABC}", "${UNCLOSED", "${}", "x${A-B}"])
def test_malformed_reference(written: str) -> None:
    message = error(http_table(f'headers = {{ k = "{SECRET}{written}" }}'), {"A": "a"})
    assert message.startswith("otel.exporter.otlp-http.headers.k: malformed '${'")
    assert SECRET not in message


def test_variables_are_read_from_environ_argument_not_os_environ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONLY_IN_OS_ENVIRON", "x")
    message = error(http_table('headers = { k = "${ONLY_IN_OS_ENVIRON}" }'), {})
    assert "not set" in message


def test_environ_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_OTEL_TEST_TOKEN", "from-os")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "svc-from-os")
    config = load_config(text=http_table('headers = { k = "${CODEX_OTEL_TEST_TOKEN}" }'))
    assert isinstance(config.exporter, OtlpHttpExporter)
    assert config.exporter.headers == {"k": "from-os"}
    assert config.service_name == "svc-from-os"


# --- headers and secrets -------------------------------------------------------------


def test_header_names_are_lower_cased() -> None:
    assert http(http_table('headers = { "X-Api-Key" = "v" }')).headers == {"x-api-key": "v"}


@pytest.mark.parametrize("name", ["bad name", "", "k:v", "é"])
def test_bad_header_name(name: str) -> None:
    message = error(http_table(f'headers = {{ "{name}" = "v" }}'))
    assert message.startswith(f"otel.exporter.otlp-http.headers.{name}: ")
    assert "is not a valid header name" in message


@pytest.mark.parametrize(
    "value",
    [f"{SECRET}\\r\\nX-Injected: 1", f" {SECRET}", f"{SECRET} ", f"{SECRET}é", ""],
    ids=["crlf", "leading-space", "trailing-space", "non-ascii", "empty"],
)
def test_bad_header_value_names_the_key_not_the_value(value: str) -> None:
    message = error(http_table(f'headers = {{ "x-api-key" = "{value}" }}'))
    assert message.startswith("otel.exporter.otlp-http.headers.x-api-key: invalid header value")
    assert SECRET not in message


def test_bad_expanded_header_value_is_not_shown() -> None:
    message = error(http_table('headers = { k = "${T}" }'), {"T": f"{SECRET}\n"})
    assert message.startswith("otel.exporter.otlp-http.headers.k: invalid header value")
    assert SECRET not in message


def test_non_string_header_value_is_not_shown() -> None:
    message = error(http_table("headers = { k = 987654321 }"))
    assert message.startswith(
        "otel.exporter.otlp-http.headers.k: expected a string, got an integer"
    )
    assert "987654321" not in message


def test_secrets_are_absent_from_repr() -> None:
    env = {"T": SECRET, "OTEL_EXPORTER_OTLP_HEADERS": f"env-key={SECRET}-env"}
    for text in (http_table('headers = { k = "${T}" }'), grpc_table('headers = { k = "${T}" }')):
        config = load(text, env)
        assert isinstance(config.exporter, (OtlpHttpExporter, OtlpGrpcExporter))
        # Both the table's and the variable's secret are really there, just not shown.
        assert config.exporter.headers == {"env-key": f"{SECRET}-env", "k": SECRET}
        assert SECRET not in repr(config)
        assert SECRET not in repr(config.exporter)
        assert SECRET not in str(config)


@pytest.mark.parametrize("table", [http_table, grpc_table])
def test_credentials_in_an_endpoint_are_masked_in_repr(table: Callable[[str], str]) -> None:
    query = "?key=${T}" if table is http_table else ""
    config = load(
        table(f'endpoint = "https://user:${{T}}@c.example.com:4318{query}"'), {"T": SECRET}
    )
    assert isinstance(config.exporter, (OtlpHttpExporter, OtlpGrpcExporter))
    assert f"user:{SECRET}@" in config.exporter.endpoint  # really used, just not shown
    assert SECRET not in repr(config) and "user" not in repr(config.exporter)
    assert "***@c.example.com:4318" in repr(config.exporter)


@pytest.mark.parametrize(
    ("endpoint", "shown"),
    [
        (f"https://user:{SECRET}@c:port/x?token={SECRET}", "https://***@c:port/x?***"),
        # urlsplit itself refuses this one: masked by pattern, still a ConfigError.
        (f"https://user:{SECRET}@[::1/x?token={SECRET}", "https://***@[::1/x?***"),
    ],
)
def test_credentials_written_in_a_bad_endpoint_are_not_repeated_in_the_error(
    endpoint: str, shown: str
) -> None:
    message = error(http_table(f'endpoint = "{endpoint}"'))
    assert message.startswith("otel.exporter.otlp-http.endpoint: ")
    assert f"{shown!r} is not a valid URL" in message
    assert SECRET not in message


# --- environment variables: exporter choice and endpoint -----------------------------


def test_no_exporter_key_and_no_environment_means_no_export() -> None:
    assert load(otel('environment = "x"')).exporter == NoExporter()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"},
            OtlpHttpExporter("http://c:4318/v1/logs"),
        ),
        (
            {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "https://c/ingest"},
            OtlpHttpExporter("https://c/ingest"),
        ),
        (
            {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
            OtlpHttpExporter("http://localhost:4318/v1/logs", protocol="json"),
        ),
        (
            {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
            OtlpHttpExporter("http://localhost:4318/v1/logs"),
        ),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, OtlpGrpcExporter("http://localhost:4317")),
        (
            {
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
                "OTEL_EXPORTER_OTLP_ENDPOINT": "https://c:4317",
            },
            OtlpGrpcExporter("https://c:4317"),
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "grpc",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            },
            OtlpGrpcExporter("http://localhost:4317"),
        ),
    ],
)
def test_environment_picks_the_exporter_when_the_table_is_silent(
    env: dict[str, str], expected: OtlpHttpExporter | OtlpGrpcExporter
) -> None:
    assert load(otel(""), env).exporter == expected
    assert load("", env).exporter == expected


def test_headers_variable_alone_does_not_turn_export_on() -> None:
    assert load(env={"OTEL_EXPORTER_OTLP_HEADERS": "a=b"}).exporter == NoExporter()


def test_empty_variables_count_as_unset() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "  ",
        "OTEL_SERVICE_NAME": "",
    }
    config = load(env=env)
    assert config.exporter == NoExporter()
    assert config.service_name == "codex-cli"


def test_table_none_wins_over_environment() -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
    assert load(otel('exporter = "none"'), env).exporter == NoExporter()


def test_variables_of_an_unused_exporter_are_not_read() -> None:
    env = {"OTEL_EXPORTER_OTLP_TIMEOUT": "soon", "OTEL_EXPORTER_OTLP_PROTOCOL": "carrier-pigeon"}
    table = otel('exporter = "none"\nmetrics_exporter = "none"\ntrace_exporter = "none"')
    assert load(table, env).exporter == NoExporter()


def test_string_otlp_http_takes_json_from_the_protocol_variable() -> None:
    text = otel('exporter = "otlp-http"')
    assert http(text, {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}).protocol == "json"
    assert http(text, {"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/json"}).protocol == "json"
    assert http(text, {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}).protocol == "binary"


def test_grpc_protocol_variable_cannot_override_a_table_transport() -> None:
    assert http(
        otel('exporter = "otlp-http"'), {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
    ).protocol == ("binary")
    env = {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}
    assert grpc(otel('exporter = "otlp-grpc"'), env).endpoint == "http://localhost:4317"


def test_table_protocol_wins_over_variable() -> None:
    env = {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}
    assert http(http_table('protocol = "binary"'), env).protocol == "binary"


@pytest.mark.parametrize("var", ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"])
def test_bad_protocol_variable(var: str) -> None:
    for text in ("", otel('exporter = "otlp-http"')):
        message = error(text, {var: "http/xml"})
        assert message == (
            f"{var}: 'http/xml' is not allowed; expected one of "
            '"http/protobuf", "http/json", "grpc"'
        )


def test_table_endpoint_wins_over_variables() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://generic:4318",
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://logs:4318/v1/logs",
    }
    assert (
        http(http_table('endpoint = "http://table:4318"'), env).endpoint
        == "http://table:4318/v1/logs"
    )


def test_logs_endpoint_wins_over_generic() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://generic:4318",
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://logs:4318/custom",
    }
    assert http(otel('exporter = "otlp-http"'), env).endpoint == "http://logs:4318/custom"
    assert (
        grpc(
            otel('exporter = "otlp-grpc"'),
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://g:4317",
                "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://l:4317",
            },
        ).endpoint
        == "http://l:4317"
    )


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://c:4318", "http://c:4318/v1/logs"),
        ("http://c:4318/", "http://c:4318/v1/logs"),
        ("https://gateway.example.com/otlp", "https://gateway.example.com/otlp/v1/logs"),
        ("https://gateway.example.com/otlp/", "https://gateway.example.com/otlp/v1/logs"),
    ],
)
def test_generic_endpoint_variable_is_a_base_url(base: str, expected: str) -> None:
    assert (
        http(otel('exporter = "otlp-http"'), {"OTEL_EXPORTER_OTLP_ENDPOINT": base}).endpoint
        == expected
    )


@pytest.mark.parametrize(
    ("logs", "expected"),
    [
        ("http://c:4318", "http://c:4318/v1/logs"),
        ("https://c/otlp", "https://c/otlp"),
    ],
)
def test_logs_endpoint_variable_follows_the_v1_logs_rule(logs: str, expected: str) -> None:
    env = {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": logs}
    assert http(otel('exporter = "otlp-http"'), env).endpoint == expected


@pytest.mark.parametrize("var", ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"])
def test_bad_endpoint_variable_names_the_variable(var: str) -> None:
    message = error(otel('exporter = "otlp-http"'), {var: "localhost:4318"})
    assert message.startswith(f"{var}: 'localhost:4318'")
    message = error(otel('exporter = "otlp-grpc"'), {var: "collector:4317"})
    assert message.startswith(f"{var}: 'collector:4317'")
    assert "'https://collector:4317' (TLS)" in message


# --- environment variables: headers, timeout, compression ------------------------------


def test_headers_variable_is_parsed_and_url_decoded() -> None:
    env = {"OTEL_EXPORTER_OTLP_HEADERS": " Api-Key = a%20b%3Dc%2C , tenant=t1,"}
    assert http(otel('exporter = "otlp-http"'), env).headers == {
        "api-key": "a b=c,",
        "tenant": "t1",
    }


def test_logs_headers_variable_replaces_the_generic_one() -> None:
    env = {"OTEL_EXPORTER_OTLP_HEADERS": "a=1,b=2", "OTEL_EXPORTER_OTLP_LOGS_HEADERS": "b=3"}
    assert http(otel('exporter = "otlp-http"'), env).headers == {"b": "3"}


def test_table_headers_win_per_key_over_variable() -> None:
    env = {"OTEL_EXPORTER_OTLP_HEADERS": "X-Key=from-env,x-other=o"}
    exporter = grpc(grpc_table('headers = { "x-key" = "from-table", "x-third" = "3" }'), env)
    assert exporter.headers == {"x-key": "from-table", "x-other": "o", "x-third": "3"}


@pytest.mark.parametrize("var", ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS"])
def test_malformed_headers_variable_does_not_show_the_value(var: str) -> None:
    message = error(otel('exporter = "otlp-http"'), {var: f"a=1,{SECRET}"})
    assert message.startswith(f"{var}: item 2 is not key=value")
    assert SECRET not in message


def test_headers_variable_bad_value_names_the_key_only() -> None:
    env = {"OTEL_EXPORTER_OTLP_HEADERS": f"api-key={SECRET}%0A"}
    message = error(otel('exporter = "otlp-http"'), env)
    assert message.startswith("OTEL_EXPORTER_OTLP_HEADERS: api-key: invalid header value")
    assert SECRET not in message


def test_headers_variable_bad_name() -> None:
    message = error(otel('exporter = "otlp-http"'), {"OTEL_EXPORTER_OTLP_HEADERS": "bad name=v"})
    assert message.startswith("OTEL_EXPORTER_OTLP_HEADERS: 'bad name' is not a valid header name")


def test_timeout_variable_is_milliseconds() -> None:
    text = otel('exporter = "otlp-http"')
    assert http(text, {"OTEL_EXPORTER_OTLP_TIMEOUT": "2500"}).timeout == 2.5
    env = {"OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT": "500"}
    assert http(text, env).timeout == 0.5
    assert http(http_table("timeout = 7"), env).timeout == 7.0
    assert http(text).timeout == 10.0


@pytest.mark.parametrize("value", ["soon", "0", "-100", "inf", "nan"])
def test_bad_timeout_variable(value: str) -> None:
    message = error(otel('exporter = "otlp-grpc"'), {"OTEL_EXPORTER_OTLP_TIMEOUT": value})
    assert message == (
        f"OTEL_EXPORTER_OTLP_TIMEOUT: expected a positive number of milliseconds, got {value!r}"
    )


def test_compression_variable() -> None:
    text = otel('exporter = "otlp-http"')
    assert http(text, {"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"}).compression == "gzip"
    env = {"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION": "none"}
    assert http(text, env).compression == "none"
    assert (
        http(
            http_table('compression = "none"'), {"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"}
        ).compression
        == "none"
    )


def test_bad_compression_variable() -> None:
    message = error(otel('exporter = "otlp-http"'), {"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"})
    assert message == (
        'OTEL_EXPORTER_OTLP_COMPRESSION: \'zstd\' is not allowed; expected one of "gzip", "none"'
    )


# --- environment variables: service, resource, sdk -----------------------------------


def test_service_name_precedence() -> None:
    env = {
        "OTEL_SERVICE_NAME": "from-env",
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-resource",
    }
    assert load(otel('service_name = "from-table"'), env).service_name == "from-table"
    assert load("", env).service_name == "from-env"
    assert load("", {"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-resource"}).service_name == (
        "from-resource"
    )
    assert load("").service_name == "codex-cli"


def test_resource_attributes() -> None:
    env = {
        "OTEL_RESOURCE_ATTRIBUTES": " team = agents , note=a%20b%2Cc,deployment.environment=prod,"
    }
    assert load(env=env).resource_attributes == {
        "team": "agents",
        "note": "a b,c",
        "deployment.environment": "prod",
    }


@pytest.mark.parametrize("value", ["team", "=agents", "a=1,oops"])
def test_bad_resource_attributes(value: str) -> None:
    message = error(env={"OTEL_RESOURCE_ATTRIBUTES": value})
    assert message.startswith("OTEL_RESOURCE_ATTRIBUTES: '")
    assert "is not key=value" in message


@pytest.mark.parametrize(
    ("value", "disabled"),
    [
        ("true", True),
        ("TRUE", True),
        (" True ", True),
        ("false", False),
        ("1", False),
        ("yes", False),
    ],
)
def test_sdk_disabled(value: str, disabled: bool) -> None:
    config = load(otel('exporter = "otlp-http"'), {"OTEL_SDK_DISABLED": value})
    assert config.sdk_disabled is disabled
    assert isinstance(config.exporter, OtlpHttpExporter)  # the exporter is still resolved


# --- TLS -----------------------------------------------------------------------------


def test_tls_absolute_paths(certs: Path) -> None:
    text = http_table(
        'endpoint = "https://c", tls = { '
        f'ca-certificate = "{certs / "ca.pem"}", client-certificate = "{certs / "client.pem"}", '
        f'client-private-key = "{certs / "client.key"}" }}'
    )
    assert http(text).tls == TlsConfig(certs / "ca.pem", certs / "client.pem", certs / "client.key")


def test_tls_relative_paths_are_next_to_the_config_file(
    certs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = certs.parent / "config.toml"
    config_file.write_text(
        grpc_table(
            'endpoint = "https://c:4317", tls = { ca-certificate = "certs/ca.pem", '
            'client-certificate = "./certs/client.pem", '
            'client-private-key = "certs/../certs/client.key" }'
        )
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    exporter = load_config(str(config_file), environ={}).exporter
    assert isinstance(exporter, OtlpGrpcExporter)
    assert exporter.tls is not None
    assert exporter.tls.ca_certificate == certs / "ca.pem"
    assert exporter.tls.client_certificate is not None
    assert exporter.tls.client_certificate.resolve() == (certs / "client.pem").resolve()
    assert exporter.tls.client_private_key is not None
    assert exporter.tls.client_private_key.resolve() == (certs / "client.key").resolve()
    assert all(
        path is not None and path.is_absolute() for path in dataclasses.astuple(exporter.tls)
    )


def test_tls_relative_paths_from_text_are_relative_to_cwd(
    certs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(certs)
    text = http_table('endpoint = "https://c", tls = { ca-certificate = "ca.pem" }')
    assert http(text).tls == TlsConfig(ca_certificate=certs / "ca.pem")


def test_tls_home_is_expanded(certs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(certs.parent))
    text = http_table('endpoint = "https://c", tls = { ca-certificate = "~/certs/ca.pem" }')
    assert http(text).tls == TlsConfig(ca_certificate=certs / "ca.pem")


def test_tls_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    message = error(http_table(f'endpoint = "https://c", tls = {{ ca-certificate = "{missing}" }}'))
    assert message.startswith(
        f"otel.exporter.otlp-http.tls.ca-certificate: '{missing}': no such file"
    )


def test_tls_path_must_be_a_string() -> None:
    message = error(http_table('endpoint = "https://c", tls = { ca-certificate = 1 }'))
    assert message.startswith("otel.exporter.otlp-http.tls.ca-certificate: expected a string")


@pytest.mark.parametrize(
    ("key", "path"),
    [("client-certificate", "client.pem"), ("client-private-key", "client.key")],
)
def test_tls_client_pair_is_required(certs: Path, key: str, path: str) -> None:
    message = error(
        grpc_table(f'endpoint = "https://c:4317", tls = {{ {key} = "{certs / path}" }}')
    )
    assert message.startswith(f"otel.exporter.otlp-grpc.tls.{key}: ")
    assert "come as a pair" in message


def test_tls_with_plaintext_endpoint_is_refused(certs: Path) -> None:
    message = error(
        http_table(f'endpoint = "http://c", tls = {{ ca-certificate = "{certs / "ca.pem"}" }}')
    )
    assert message.startswith("otel.exporter.otlp-http.tls: TLS settings need an https:// endpoint")
    # ... also when the plaintext endpoint is the default one
    message = error(http_table(f'tls = {{ ca-certificate = "{certs / "ca.pem"}" }}'))
    assert message.startswith("otel.exporter.otlp-http.tls: ")


def test_no_tls_table_means_no_tls() -> None:
    assert http(http_table('endpoint = "https://c"')).tls is None
    assert http(http_table('endpoint = "https://c", tls = {}')).tls is None


def test_tls_variables(certs: Path) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_CERTIFICATE": str(certs / "ca.pem"),
        "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": str(certs / "client.pem"),
        "OTEL_EXPORTER_OTLP_CLIENT_KEY": str(certs / "client.key"),
    }
    expected = TlsConfig(certs / "ca.pem", certs / "client.pem", certs / "client.key")
    assert grpc(grpc_table('endpoint = "https://c:4317"'), env).tls == expected
    env["OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE"] = str(certs / "other-ca.pem")
    assert http(http_table('endpoint = "https://c"'), env).tls == dataclasses.replace(
        expected, ca_certificate=certs / "other-ca.pem"
    )


def test_tls_table_wins_per_field_over_variables(certs: Path) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_CERTIFICATE": str(certs / "other-ca.pem"),
        "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": str(certs / "client.pem"),
        "OTEL_EXPORTER_OTLP_CLIENT_KEY": str(certs / "client.key"),
    }
    text = http_table(f'endpoint = "https://c", tls = {{ ca-certificate = "{certs / "ca.pem"}" }}')
    assert http(text, env).tls == TlsConfig(
        certs / "ca.pem", certs / "client.pem", certs / "client.key"
    )


def test_tls_variables_are_not_used_for_plaintext_endpoints(certs: Path) -> None:
    env = {"OTEL_EXPORTER_OTLP_CERTIFICATE": str(certs / "ca.pem")}
    assert http(http_table('endpoint = "http://c"'), env).tls is None
    assert http(http_table('endpoint = "https://c"'), env).tls == TlsConfig(certs / "ca.pem")


def test_tls_variable_errors_name_the_variable(certs: Path, tmp_path: Path) -> None:
    text = http_table('endpoint = "https://c"')
    message = error(text, {"OTEL_EXPORTER_OTLP_CLIENT_KEY": str(certs / "client.key")})
    assert message.startswith("OTEL_EXPORTER_OTLP_CLIENT_KEY: ")
    assert "come as a pair" in message
    message = error(text, {"OTEL_EXPORTER_OTLP_CERTIFICATE": str(tmp_path / "nope.pem")})
    assert message.startswith("OTEL_EXPORTER_OTLP_CERTIFICATE: ")
    assert "no such file" in message


# --- files and TOML errors ------------------------------------------------------------


def test_load_from_file(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(SEED_BASIC)
    assert load_config(config_file, environ={}).environment == "staging"
    assert load_config(str(config_file), environ={}).environment == "staging"


def test_load_from_file_with_no_otel_table(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('model = "o3"\n')
    assert load_config(config_file, environ={}) == OtelConfig()


def test_missing_file_with_missing_ok_false(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(ConfigError) as info:
        load_config(missing, environ={}, missing_ok=False)
    assert str(info.value) == f"{missing}: config file not found"


def test_a_missing_file_gives_the_defaults_and_the_environment(tmp_path: Path) -> None:
    """Regression: the README's `load_config("~/.codex/config.toml")` raised where that
    file does not exist; Codex runs with its defaults then, and so does this."""
    missing = tmp_path / "missing.toml"
    assert load_config(missing, environ={}) == OtelConfig()
    endpoint = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}
    assert load_config(missing, environ=endpoint) == load_config(environ=endpoint)


def test_the_readme_snippet_runs_without_the_file(tmp_path: Path) -> None:
    """The README's example, verbatim from README.md, in a fresh interpreter whose home
    has no ~/.codex/config.toml."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("## Emitting events", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert 'load_config("~/.codex/config.toml")' in snippet
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environ["HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", snippet], capture_output=True, text=True, env=environ,
        cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")
    assert not (tmp_path / ".codex").exists()


def test_text_passed_as_a_path_gets_a_hint() -> None:
    with pytest.raises(ConfigError, match=r"pass text=\.\.\."):
        load_config("[otel]\nexporter = 'none'\n", environ={})


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read the config file") as info:
        load_config(tmp_path, environ={})
    assert str(tmp_path) in str(info.value)


def test_non_utf8_file(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_bytes(b'[otel]\nenvironment = "\xff"\n')
    with pytest.raises(ConfigError, match=r"cannot read the config file"):
        load_config(config_file, environ={})


def test_toml_syntax_error_in_file(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('[otel]\nenvironment = "dev"\nexporter = \n')
    with pytest.raises(ConfigError) as info:
        load_config(config_file, environ={})
    message = str(info.value)
    assert message.startswith(f"{config_file}: invalid TOML: ")
    assert "line 3" in message
    assert "column" in message


def test_toml_syntax_error_in_text() -> None:
    message = error('[otel]\nheaders = { k = "unterminated }\n')
    assert message.startswith("<text>: invalid TOML: ")
    assert "line 2" in message


def test_errors_from_a_file_name_the_file(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(http_table('protocol = "xml"'))
    with pytest.raises(ConfigError) as info:
        load_config(config_file, environ={})
    assert str(info.value) == (
        f"{config_file}: otel.exporter.otlp-http.protocol: "
        '\'xml\' is not allowed; expected one of "binary", "json"'
    )


def test_errors_from_environment_do_not_blame_the_file(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(otel('exporter = "otlp-http"'))
    with pytest.raises(ConfigError) as info:
        load_config(config_file, environ={"OTEL_EXPORTER_OTLP_TIMEOUT": "x"})
    assert str(info.value).startswith("OTEL_EXPORTER_OTLP_TIMEOUT: ")


def test_path_and_text_together_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        load_config(tmp_path / "c.toml", text="", environ={})


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_module_does_not_import_opentelemetry_or_tomllib() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import codex_otel.runtime.config as c; "
        "bad = [m for m in sys.modules if m.startswith(('opentelemetry', 'tomllib', 'tomli'))]; "
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ}
    )
    assert result.stdout.strip() == "[]"


def test_every_toml_example_of_the_reference_loads(
    certs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    reference = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    blocks = re.findall(r"```toml\n(.*?)```", reference.read_text(), re.S)
    assert len(blocks) >= 5
    assert SEED_HTTP.strip() in reference.read_text()
    assert SEED_GRPC.strip() in reference.read_text()
    monkeypatch.chdir(certs.parent)  # the examples' relative TLS paths are certs/...
    for block in blocks:
        load_config(text=block, environ={"OTLP_TOKEN": SECRET})


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('exporter = { file = { path = "events.jsonl" } }', "exporter"),
        ('metrics_exporter = { otlp-http = { endpoint = "http://c:4318" } }', "metrics_exporter"),
        ('environment = "staging"', "environment"),
        ("log_user_prompt = true", "log_user_prompt"),
        ("log_tool_details = false", "log_tool_details"),
        ('service_name = "agent"', "service_name"),
        ("shutdown_timeout = 1.5", "shutdown_timeout"),
    ],
)
def test_an_otel_setting_outside_the_otel_table_is_refused(
    tmp_path: Path, line: str, key: str
) -> None:
    """Regression: a README snippet pasted without its `[otel]` line was silently ignored
    (telemetry stayed at its defaults). Before the table, or with no table at all."""
    config_file = tmp_path / "config.toml"
    for text in (f'model = "o3"\n{line}\n', f"{line}\n[otel]\n"):
        config_file.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_config(config_file, environ={})
        message = str(info.value)
        assert message.startswith(f"{config_file}: {key}: ")
        assert "belongs under [otel]" in message
    with pytest.raises(ConfigError, match=rf"^{key}: .*belongs under \[otel\]"):
        load_config(text=f"{line}\n", environ={})


def test_a_custom_toggle_outside_the_otel_table_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^log_diffs: .*belongs under \[otel\]"):
        load_config(text="log_diffs = true\n", environ={}, toggles={"log_diffs": False})


def test_codex_top_level_keys_and_a_key_held_by_the_otel_table_are_accepted() -> None:
    """Codex's own top-level keys never collide; a top-level key the [otel] table also
    holds belongs to something else and is left alone."""
    text = (
        'model = "gpt-5-codex"\nmodel_provider = "openai"\napproval_policy = "on-request"\n'
        'sandbox_mode = "workspace-write"\nmodel_reasoning_effort = "high"\n'
        'environment = "tool-of-my-own"\nnotify = ["notify-send"]\n'
        '[shell_environment_policy]\ninherit = "core"\n'
        '[otel]\nenvironment = "staging"\n[metrics]\nanything = 1\n[batch]\nsize = 3\n'
    )
    config = load_config(text=text, environ={})
    assert config.environment == "staging"


def test_every_readme_toml_snippet_starts_with_its_table_and_loads(tmp_path: Path) -> None:
    """Regression: the README's exporter snippets had no `[otel]` line, so pasted as
    shown they were ignored. Each snippet starts with its table; each exporter line of the
    exporters snippet loads as the one `exporter` of an `[otel]` table."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    snippets = [part.split("```", 1)[0] for part in readme.split("```toml\n")[1:]]
    assert len(snippets) >= 3
    environ = {"OTLP_TOKEN": "secret"}
    for pem in ("ca.pem", "client.pem", "client-key.pem"):  # the TLS line's files
        (tmp_path / pem).write_text("", encoding="utf-8")
    config_file = tmp_path / "config.toml"
    for snippet in snippets:
        assert snippet.startswith("[otel]\n"), snippet
        lines = snippet.splitlines()
        exporter_lines = [line for line in lines if line.startswith("exporter = ")]
        alternatives = [f"[otel]\n{line}\n" for line in exporter_lines]
        for text in alternatives if len(alternatives) > 1 else [snippet]:
            config_file.write_text(text, encoding="utf-8")
            load_config(config_file, environ=environ)


# --- bounds: durations, nesting, gRPC binary headers, what messages show -------------------


@pytest.mark.parametrize(
    ("text", "env", "key"),
    [
        (otel("shutdown_timeout = 1e10"), {}, "otel.shutdown_timeout"),
        (otel("shutdown_timeout = 3600.5"), {}, "otel.shutdown_timeout"),
        ("[otel.batch]\nschedule_delay_ms = 10000000000000\n", {}, "otel.batch.schedule_delay_ms"),
        ("", {"OTEL_BLRP_SCHEDULE_DELAY": "10000000000000"}, "OTEL_BLRP_SCHEDULE_DELAY"),
        ("", {"OTEL_BLRP_SCHEDULE_DELAY": "9" * 5000}, "OTEL_BLRP_SCHEDULE_DELAY"),
        (
            "[otel.metrics]\nexport_interval_ms = 10000000000000\n",
            {},
            "otel.metrics.export_interval_ms",
        ),
        ("", {"OTEL_METRIC_EXPORT_INTERVAL": "86400001"}, "OTEL_METRIC_EXPORT_INTERVAL"),
        (
            otel("exporter = { otlp-http = { timeout = 1e10 } }"),
            {},
            "otel.exporter.otlp-http.timeout",
        ),
        (
            otel('exporter = "otlp-http"'),
            {"OTEL_EXPORTER_OTLP_TIMEOUT": "1e13"},
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ),
    ],
)
def test_every_duration_has_a_maximum(text: str, env: dict[str, str], key: str) -> None:
    """Beyond the documented maximum a duration is a ConfigError naming the key, never an
    OverflowError from a timer at shutdown or in the metric reader's thread."""
    message = error(text, env)
    assert message.startswith(f"{key}: ")
    assert "at most" in message


def test_the_maxima_themselves_are_accepted() -> None:
    config = load(
        otel("shutdown_timeout = 3600\nexporter = { otlp-http = { timeout = 3600 } }")
        + "[otel.batch]\nschedule_delay_ms = 3600000\n"
        + "[otel.metrics]\nexport_interval_ms = 86400000\n"
    )
    assert config.shutdown_timeout == 3600.0
    assert config.batch.schedule_delay_ms == 3_600_000
    assert config.metrics.export_interval_ms == 86_400_000


def test_the_documented_maxima_are_the_enforced_ones() -> None:
    """docs/configuration.md states each maximum; a value one past it is refused."""
    from codex_otel.runtime import _config_loader as loader
    from codex_otel.runtime import _config_values as values

    docs = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    for documented in (
        f"at most {values._MAX_SECONDS:g} s",
        f"at most {values._MAX_SCHEDULE_DELAY_MS:,}",
        f"at most {values._MAX_EXPORT_INTERVAL_MS:,}",
        f"{loader.MAX_TOML_DEPTH} levels",
    ):
        assert documented in docs
    error(otel(f"shutdown_timeout = {values._MAX_SECONDS + 1}"))
    error(f"[otel.batch]\nschedule_delay_ms = {values._MAX_SCHEDULE_DELAY_MS + 1}\n")
    error(f"[otel.metrics]\nexport_interval_ms = {values._MAX_EXPORT_INTERVAL_MS + 1}\n")


OVERFLOW_RUN = """
import sys
from codex_otel.runtime import ConfigError, Telemetry, load_config
try:
    config = load_config(sys.argv[1], missing_ok=False)
except ConfigError as problem:
    print(problem)
    sys.exit(3)
telemetry = Telemetry(config, service_version="1.0")
telemetry.shutdown()
"""


@pytest.mark.parametrize(
    ("content", "env", "key"),
    [
        ("[otel]\nshutdown_timeout = 1e10\n", {}, "otel.shutdown_timeout"),
        ("", {"OTEL_BLRP_SCHEDULE_DELAY": "10000000000000"}, "OTEL_BLRP_SCHEDULE_DELAY"),
        ("[otel.metrics]\nexport_interval_ms = 10000000000000\n", {}, "export_interval_ms"),
    ],
)
def test_a_process_with_a_huge_duration_stops_at_load_without_a_traceback(
    tmp_path: Path, content: str, env: dict[str, str], key: str
) -> None:
    """The issue's process: a huge duration used to load, then fail at exit with an
    OverflowError (and the events neither exported, spooled nor counted)."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        content + '[otel.exporter.otlp-http]\nendpoint = "http://127.0.0.1:9/v1/logs"\n'
        if "[otel]" in content
        else '[otel]\nexporter = "otlp-http"\n' + content
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environ.update(env, XDG_STATE_HOME=str(tmp_path / "state"))
    result = subprocess.run(
        [sys.executable, "-c", OVERFLOW_RUN, str(config_file)], capture_output=True, text=True,
        env=environ, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert key in result.stdout
    assert "Traceback" not in result.stderr and "Overflow" not in result.stderr


def test_an_unrelated_value_nested_100k_deep_is_a_config_error() -> None:
    message = error("unrelated = " + "[" * 100_000 + "]" * 100_000 + "\n" + otel(""))
    assert "nested deeper than" in message


def test_nesting_past_the_limit_names_where() -> None:
    from codex_otel.runtime._config_loader import MAX_TOML_DEPTH

    deep = "[" * (MAX_TOML_DEPTH + 1) + "]" * (MAX_TOML_DEPTH + 1)
    message = error(f"other = {{ tool = {deep} }}\n")
    assert "nested deeper than" in message and "other.tool[0]" in message
    # Dotted keys nest without brackets: counted all the same.
    dotted = ".".join(["k"] * (MAX_TOML_DEPTH + 2))
    assert "nested deeper than" in error(f"{dotted} = 1\n")
    # At the limit, still a plain document.
    fits = "[" * (MAX_TOML_DEPTH - 1) + "]" * (MAX_TOML_DEPTH - 1)
    load(f"other = {fits}\n")


@pytest.mark.parametrize(
    ("text", "env", "key"),
    [
        (
            otel("exporter = { otlp-grpc = { headers = { x-k-bin = 'YWJj' } } }"),
            {},
            "otel.exporter.otlp-grpc.headers.x-k-bin",
        ),
        (
            otel('exporter = "otlp-grpc"'),
            {"OTEL_EXPORTER_OTLP_HEADERS": "X-K-Bin=YWJj"},
            "OTEL_EXPORTER_OTLP_HEADERS",
        ),
    ],
)
def test_grpc_binary_metadata_keys_are_refused_at_load(
    text: str, env: dict[str, str], key: str
) -> None:
    """A `-bin` key makes gRPC expect bytes: every export failed and spooled for ever."""
    message = error(text, env)
    assert message.startswith(f"{key}: ")
    assert "-bin" in message and "YWJj" not in message


def test_a_bin_header_is_fine_over_http() -> None:
    exporter = http(otel("exporter = { otlp-http = { headers = { x-k-bin = 'v' } } }"))
    assert exporter.headers == {"x-k-bin": "v"}


@pytest.mark.parametrize(
    ("text", "env"),
    [
        (otel('exporter = { otlp-http = { headers = { "x\\r\\nInjected: 1" = "v" } } }'), {}),
        (otel('exporter = "otlp-http"'), {"OTEL_EXPORTER_OTLP_HEADERS": "x\r\nInjected: 1=v"}),
        (otel('"bad\\u001b[31mkey" = 1'), {}),
    ],
)
def test_no_control_character_reaches_a_message(text: str, env: dict[str, str]) -> None:
    message = error(text, env)
    assert message.isprintable(), repr(message)
    assert "\\r\\n" in message or "\\x1b" in message


def test_the_demo_never_prints_the_endpoints_credentials(tmp_path: Path) -> None:
    """`codex-otel demo` printed the raw endpoint; everywhere else masks it."""
    from receivers import unused_port

    endpoint = f"http://user:SECRETpw@127.0.0.1:{unused_port()}/v1/logs?token=SECRETq"
    config_file = tmp_path / "otel.toml"
    config_file.write_text(
        f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{endpoint}" }} }}\n'
        f'[otel.spool]\npath = "{tmp_path / "spool"}"\n'
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-m", "codex_otel.cli", "demo", "--config", str(config_file)],
        capture_output=True, text=True, env=environ, timeout=60, check=False,
    )  # fmt: skip
    shown = result.stdout + result.stderr
    assert "otlp-http: http://***@127.0.0.1:" in result.stdout
    assert "SECRET" not in shown


HUGE = "1" + "0" * 400
TOO_MANY_DIGITS = "9" * 5000


@pytest.mark.parametrize(
    ("text", "env", "key"),
    [
        (otel(f"shutdown_timeout = {HUGE}"), {}, "otel.shutdown_timeout"),
        (http_table(f"timeout = {HUGE}"), {}, "otel.exporter.otlp-http.timeout"),
        (otel(f"shutdown_timeout = {TOO_MANY_DIGITS}"), {}, "<text>"),
        ("", {"OTEL_BLRP_MAX_QUEUE_SIZE": TOO_MANY_DIGITS}, "OTEL_BLRP_MAX_QUEUE_SIZE"),
        ("", {"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE": HUGE}, "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"),
        (f"[otel.batch]\nmax_queue_size = {HUGE}\n", {}, "otel.batch.max_queue_size"),
        (f"[otel.spool]\nmax_bytes = {HUGE}\n", {}, "otel.spool.max_bytes"),
    ],
)
def test_integers_beyond_any_range_are_config_errors(
    text: str, env: dict[str, str], key: str
) -> None:
    """A 401-digit seconds value was an OverflowError (math.isfinite), a 5000-digit one
    a ValueError from the TOML parser's int(), as was a 5000-digit count variable with
    no maximum. Each is a short ConfigError naming where."""
    message = error(text, env)
    assert message.startswith(f"{key}: ")
    assert len(message) < 200, message


@pytest.mark.parametrize(
    ("text", "env"),
    [
        # The variable's `name=value` form, or a list, where a table belongs.
        (http_table('headers = "authorization=Bearer SECRET1"'), {}),
        (http_table('headers = ["authorization: Bearer SECRET1"]'), {}),
        (http_table('endpoint = ["http://u:SECRET1@h/v1/logs"]'), {}),
        # An endpoint written where the exporter's name or table belongs.
        (otel('exporter = "http://u:SECRET1@h:4318?k=SECRET2"'), {}),
        (otel('exporter = { otlp-http = "http://u:SECRET1@h:4318" }'), {}),
        # No scheme, or one slash: not a URL with a host, but the user info is still one.
        (http_table('endpoint = "user:SECRET1@host:4318"'), {}),
        (grpc_table('endpoint = "user:SECRET1@host:4317"'), {}),
        (http_table('endpoint = "http:/u:SECRET1@host/v1/logs#SECRET2"'), {}),
        (otel('exporter = "otlp-http"'), {"OTEL_EXPORTER_OTLP_ENDPOINT": "u:SECRET1@h:4318"}),
    ],
)
def test_no_message_shows_a_secret_written_in_the_wrong_place(
    text: str, env: dict[str, str]
) -> None:
    message = error(text, env)
    assert "SECRET" not in message, message
    assert message.isprintable()


def test_the_depth_limit_counts_tables_and_arrays_not_the_value_inside() -> None:
    """The documented limit is levels of tables and arrays: 32 inline tables holding a
    number are 32 levels (they were refused, 32 empty arrays were not)."""
    from codex_otel.runtime._config_loader import MAX_TOML_DEPTH

    tables = "{a=" * MAX_TOML_DEPTH + "1" + "}" * MAX_TOML_DEPTH
    load(f"x = {tables}\n")
    arrays = "[" * MAX_TOML_DEPTH + "1" + "]" * MAX_TOML_DEPTH
    load(f"x = {arrays}\n")
    deeper = "{a=" * (MAX_TOML_DEPTH + 1) + "1" + "}" * (MAX_TOML_DEPTH + 1)
    assert "nested deeper than" in error(f"x = {deeper}\n")
