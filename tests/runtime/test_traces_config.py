"""`[otel] trace_exporter`, the sampler, `span_attributes`, `span_parents`: the forms, the
variables, the errors.

`trace_exporter` takes exactly the forms of `exporter`; these tests check what differs
(the key in messages, the TRACES variables, `/v1/traces`) and every failing case of the
keys that are traces' own. Every call passes `environ=` so the developer's variables
cannot leak in.
"""

from __future__ import annotations

import pytest

from codex_otel.runtime.config import (
    ConfigError,
    FileExporter,
    NoExporter,
    OtelConfig,
    OtlpGrpcExporter,
    OtlpHttpExporter,
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


def test_traces_are_off_by_default_with_the_spec_defaults() -> None:
    config = load()
    assert config.trace_exporter == NoExporter()
    assert config.traces_sampler == "parentbased_always_on"
    assert config.traces_sampler_arg == 1.0
    assert config.span_attributes == {}
    assert config.span_parents == "count"


def test_every_exporter_form_is_accepted_with_the_traces_path() -> None:
    assert load(otel('trace_exporter = "none"')).trace_exporter == NoExporter()
    exporter = load(otel('trace_exporter = "otlp-http"')).trace_exporter
    assert exporter == OtlpHttpExporter("http://localhost:4318/v1/traces")
    table = 'trace_exporter = { otlp-http = { endpoint = "https://c:4318", protocol = "json", compression = "gzip", timeout = 3, headers = { "x-api-key" = "k" } } }'
    assert load(otel(table)).trace_exporter == OtlpHttpExporter(
        "https://c:4318/v1/traces", "json", {"x-api-key": "k"}, None, "gzip", 3.0
    )
    # An endpoint with a path is used as written.
    written = load(otel('trace_exporter = { otlp-http = { endpoint = "https://c/ingest" } }'))
    assert isinstance(written.trace_exporter, OtlpHttpExporter)
    assert written.trace_exporter.endpoint == "https://c/ingest"
    grpc = load(otel('trace_exporter = { otlp-grpc = { endpoint = "http://c:4317" } }'))
    assert grpc.trace_exporter == OtlpGrpcExporter("http://c:4317")
    file = load(otel('trace_exporter = { file = { path = "-" } }'))
    assert file.trace_exporter == FileExporter("-")
    # The logs' and the metrics' exporters are not affected.
    assert file.exporter == NoExporter()
    assert file.metrics_exporter == NoExporter()


def test_traces_variables_come_before_the_generic_ones() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:4318",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://all:4318",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-tenant=t",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json",
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2500",
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip",
    }
    config = load("", env)
    assert config.trace_exporter == OtlpHttpExporter(
        "http://traces:4318/v1/traces", "json", {"x-tenant": "t"}, None, "gzip", 2.5
    )
    # The logs take the generic endpoint, with their own path.
    assert isinstance(config.exporter, OtlpHttpExporter)
    assert config.exporter.endpoint == "http://all:4318/v1/logs"
    grpc = load("", {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}).trace_exporter
    assert grpc == OtlpGrpcExporter("http://localhost:4317")
    # The generic base URL gets /v1/traces appended to its path, as the spec says.
    based = load("", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://all:4318/otlp"}).trace_exporter
    assert isinstance(based, OtlpHttpExporter)
    assert based.endpoint == "http://all:4318/otlp/v1/traces"


def test_traces_tls_variables_name_themselves_in_errors() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://c:4318",
        "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY": "/nonexistent/key.pem",
    }
    message = error("", env)
    assert "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY" in message


def test_bad_trace_exporters_name_the_trace_exporter_key() -> None:
    assert "otel.trace_exporter: unknown exporter 'otlp'" in error(otel('trace_exporter = "otlp"'))
    assert "trace_exporter = { file" in error(otel('trace_exporter = "file"'))
    message = error(otel('trace_exporter = { otlp-http = { endpoint = "ftp://c" } }'))
    assert message.startswith("otel.trace_exporter.otlp-http.endpoint:")
    message = error(otel('trace_exporter = { otlp-grpc = { protocol = "json" } }'))
    assert message.startswith("otel.trace_exporter.otlp-grpc.protocol: unknown key")
    message = error("", {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "pigeon"})
    assert message.startswith("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'pigeon' is not allowed")
    message = error("", {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "c:4318"})
    assert message.startswith("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:")


def test_a_trace_exporter_at_the_top_level_is_refused_as_misplaced() -> None:
    assert "outside the [otel] table" in error('trace_exporter = "otlp-http"\n[otel]\n')


@pytest.mark.parametrize(
    "sampler",
    [
        "always_on",
        "always_off",
        "traceidratio",
        "parentbased_always_on",
        "parentbased_always_off",
        "parentbased_traceidratio",
    ],
)
def test_every_sampler_is_accepted_from_the_table_and_the_variable(sampler: str) -> None:
    assert load(otel(f'traces_sampler = "{sampler}"')).traces_sampler == sampler
    assert load("", {"OTEL_TRACES_SAMPLER": sampler}).traces_sampler == sampler
    # The SDKs read the variable case-blind.
    assert load("", {"OTEL_TRACES_SAMPLER": sampler.upper()}).traces_sampler == sampler


def test_the_table_wins_over_the_sampler_variables() -> None:
    env = {"OTEL_TRACES_SAMPLER": "always_off", "OTEL_TRACES_SAMPLER_ARG": "0.5"}
    config = load(otel('traces_sampler = "traceidratio"\ntraces_sampler_arg = 0.25'), env)
    assert (config.traces_sampler, config.traces_sampler_arg) == ("traceidratio", 0.25)
    # The table's sampler, the variable's ratio: each setting on its own.
    config = load(otel('traces_sampler = "parentbased_traceidratio"'), env)
    assert config.traces_sampler_arg == 0.5
    config = load("", {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"})
    assert (config.traces_sampler, config.traces_sampler_arg) == ("traceidratio", 0.0)
    # An integer ratio in the table (0 or 1) is a number too.
    assert (
        load(otel('traces_sampler = "traceidratio"\ntraces_sampler_arg = 1')).traces_sampler_arg
        == 1.0
    )


def test_the_arg_variable_is_ignored_for_a_sampler_without_one() -> None:
    env = {"OTEL_TRACES_SAMPLER": "always_on", "OTEL_TRACES_SAMPLER_ARG": "not a number"}
    assert load("", env).traces_sampler_arg == 1.0


@pytest.mark.parametrize(
    ("table", "env", "expected"),
    [
        ('traces_sampler = "sometimes"', {}, "otel.traces_sampler: 'sometimes' is not allowed"),
        ("traces_sampler = 1", {}, "otel.traces_sampler: expected a string"),
        (
            "",
            {"OTEL_TRACES_SAMPLER": "parentbased"},
            "OTEL_TRACES_SAMPLER: 'parentbased' is not allowed",
        ),
        (
            'traces_sampler = "traceidratio"\ntraces_sampler_arg = 1.5',
            {},
            "otel.traces_sampler_arg: expected a number from 0 to 1, got 1.5",
        ),
        (
            'traces_sampler = "traceidratio"\ntraces_sampler_arg = -0.1',
            {},
            "otel.traces_sampler_arg: expected a number from 0 to 1",
        ),
        (
            'traces_sampler = "traceidratio"\ntraces_sampler_arg = nan',
            {},
            "otel.traces_sampler_arg: expected a number from 0 to 1",
        ),
        (
            'traces_sampler = "traceidratio"\ntraces_sampler_arg = "0.5"',
            {},
            "otel.traces_sampler_arg: expected a number from 0 to 1, got a string",
        ),
        (
            'traces_sampler = "traceidratio"\ntraces_sampler_arg = true',
            {},
            "otel.traces_sampler_arg: expected a number from 0 to 1, got a boolean",
        ),
        (
            "traces_sampler_arg = 0.5",
            {},
            "otel.traces_sampler_arg: the sampler 'parentbased_always_on' takes no argument",
        ),
        (
            "",
            {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "half"},
            "OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1, got 'half'",
        ),
        (
            "",
            {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"},
            "OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1, got '2'",
        ),
        (
            "",
            {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "inf"},
            "OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1",
        ),
    ],
)
def test_bad_sampler_settings_name_the_key_or_variable(
    table: str, env: dict[str, str], expected: str
) -> None:
    assert error(otel(table), env).startswith(expected)


def test_span_attributes_are_string_constants() -> None:
    config = load(otel('span_attributes = { "deployment.region" = "eu", team = "" }'))
    assert config.span_attributes == {"deployment.region": "eu", "team": ""}
    config = load('[otel]\n[otel.span_attributes]\n"a.b" = "c"\n')
    assert config.span_attributes == {"a.b": "c"}


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('span_attributes = "a=b"', "otel.span_attributes: expected a table, got a string"),
        (
            'span_attributes = { "" = "x" }',
            "otel.span_attributes.: a span attribute key must not be empty",
        ),
        (
            'span_attributes = { " " = "x" }',
            "otel.span_attributes. : a span attribute key must not be empty",
        ),
        (
            "span_attributes = { a = 1 }",
            "otel.span_attributes.a: expected a string, got an integer",
        ),
        (
            "span_attributes = { a = { b = 'c' } }",
            "otel.span_attributes.a: expected a string, got a table",
        ),
        (
            "span_attributes = { a = ['x'] }",
            "otel.span_attributes.a: expected a string, got an array",
        ),
    ],
)
def test_bad_span_attributes_name_the_key(table: str, expected: str) -> None:
    assert error(otel(table)).startswith(expected)


def test_span_parents_is_count_or_raise() -> None:
    assert load(otel('span_parents = "raise"')).span_parents == "raise"
    assert load(otel('span_parents = "count"')).span_parents == "count"
    message = error(otel('span_parents = "warn"'))
    assert message.startswith("otel.span_parents: 'warn' is not allowed; expected one of")
    assert error(otel("span_parents = true")).startswith("otel.span_parents: expected a string")


def test_an_unknown_traces_key_suggests_the_right_one() -> None:
    message = error(otel('trace_sampler = "always_on"'))
    assert message.startswith("otel.trace_sampler: unknown key; did you mean 'traces_sampler'?")
