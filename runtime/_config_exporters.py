"""The exporters of `load_config`: `exporter`, `metrics_exporter` and `trace_exporter`
in the same forms (`none`, `otlp-http`, `otlp-grpc`, `file`), each signal with its own
OTEL_EXPORTER_OTLP_{LOGS,METRICS,TRACES}_* variables before the generic ones, and its
OTLP/HTTP path (`/v1/logs`, `/v1/metrics`, `/v1/traces`); endpoints, `${VAR}` expansion,
headers and TLS.

Standard library only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from . import config as model
from ._config_values import _MAX_SECONDS, ValueReader, _kind, _one_of, _printable, _shown, _suggest
from ._tls import TlsNames, check_tls, plaintext

_EXPORTERS = ("none", "otlp-http", "otlp-grpc", "file")
_OTLP_KEYS = {
    "otlp-http": ("endpoint", "protocol", "headers", "tls", "compression", "timeout"),
    "otlp-grpc": ("endpoint", "headers", "tls", "compression", "timeout"),
}
_DEFAULT_ENDPOINTS = {
    "otlp-http": "http://localhost:4318",
    "otlp-grpc": "http://localhost:4317",
}


@dataclass(frozen=True)
class _Signal:
    """What differs between the logs' `exporter` and the metrics' `metrics_exporter`: the
    key, the infix of the signal-specific variables, and the OTLP/HTTP path."""

    key: str
    #: OTEL_EXPORTER_OTLP_{env}_ENDPOINT and the like.
    env: str
    #: The OTLP/HTTP signal path appended to a bare endpoint.
    path: str

    def var(self, suffix: str) -> tuple[str, str]:
        """The signal's variable, then the generic one: the spec's precedence."""
        return f"OTEL_EXPORTER_OTLP_{self.env}_{suffix}", f"OTEL_EXPORTER_OTLP_{suffix}"


_LOGS = _Signal("exporter", "LOGS", "/v1/logs")
_METRICS = _Signal("metrics_exporter", "METRICS", "/v1/metrics")
_TRACES = _Signal("trace_exporter", "TRACES", "/v1/traces")
#: OTEL_EXPORTER_OTLP_PROTOCOL values -> (exporter, OTLP/HTTP encoding).
_ENV_PROTOCOLS = {
    "http/protobuf": ("otlp-http", "binary"),
    "http/json": ("otlp-http", "json"),
    "grpc": ("otlp-grpc", "binary"),
}
#: `tls` keys -> (TlsConfig field, suffix of the OTEL_EXPORTER_OTLP_[LOGS_]* variable).
_TLS_KEYS = {
    "ca-certificate": ("ca_certificate", "CERTIFICATE"),
    "client-certificate": ("client_certificate", "CLIENT_CERTIFICATE"),
    "client-private-key": ("client_private_key", "CLIENT_KEY"),
}  #: `${NAME}` expands a variable, `$$` is a literal `$`; a lone `${` is a mistake.
_VAR = re.compile(r"\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|\{)")
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Printable ASCII, no surrounding blanks: valid both as an HTTP field and as gRPC metadata.
_HEADER_VALUE = re.compile(r"[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?")


class ExporterReader(ValueReader):
    """Reads the exporter tables of one `[otel]` table (see the module doc)."""

    # --- exporters -----------------------------------------------------------------------

    def exporter(self, otel: Mapping[str, object], signal: _Signal) -> model.ExporterConfig:
        """`exporter` (logs), `metrics_exporter` or `trace_exporter`: the same forms,
        each with its own signal's variables (then the generic OTEL_EXPORTER_OTLP_* ones)
        and path."""
        path = f"otel.{signal.key}"
        value = otel.get(signal.key)
        if value is None:
            # The table is silent. Export stays off (Codex's default) unless the standard
            # variables ask for OTLP export, as they would of any OpenTelemetry SDK.
            chosen = self.env_protocol(signal)
            endpoint = self.env(*signal.var("ENDPOINT"))
            if chosen is None and endpoint is None:
                return model.NoExporter()
            return self.otlp(chosen[0] if chosen else "otlp-http", {}, path, signal)
        if isinstance(value, str):
            if value == "none":
                return model.NoExporter()
            if value in _OTLP_KEYS:
                return self.otlp(value, {}, path, signal)
            if value == "file":
                self.bad(
                    path,
                    "the file exporter needs a path: "
                    f'{signal.key} = {{ file = {{ path = "..." }} }}',
                )
            self.bad(
                path,
                f"unknown exporter {_shown(value)}; {_suggest(value, _EXPORTERS)}"
                f"expected one of {_one_of(_EXPORTERS)} or a table such as "
                '{ otlp-http = { endpoint = "..." } }',
            )
        if not isinstance(value, dict):
            self.bad(path, f"expected a string or a table, got {_kind(value)} {_shown(value)}")
        if len(value) != 1:
            self.bad(
                path,
                f"expected a table with exactly one key (otlp-http, otlp-grpc or file), "
                f"got {len(value)}: {', '.join(value) or 'none'}",
            )
        [(name, settings)] = value.items()
        where = f"{path}.{name}"
        if name == "file":
            return self.file(self.table(settings, where), where)
        if name in _OTLP_KEYS:
            return self.otlp(name, self.table(settings, where), where, signal)
        tables = ("otlp-http", "otlp-grpc", "file")
        self.bad(
            where, f"unknown exporter; {_suggest(name, tables)}expected one of {_one_of(tables)}"
        )

    def file(self, body: Mapping[str, object], path: str) -> model.FileExporter:
        self.check_keys(body, path, ("path",))
        raw = self.text(body, path, "path")
        if raw is None:
            self.bad(
                f"{path}.path", 'missing; give a file to append to, or "-" for standard output'
            )
        if raw == "-":
            return model.FileExporter("-")
        return model.FileExporter(str(self.base_dir / Path(raw).expanduser()))

    def otlp(
        self, kind: str, body: Mapping[str, object], path: str, signal: _Signal
    ) -> model.OtlpHttpExporter | model.OtlpGrpcExporter:
        self.check_keys(body, path, _OTLP_KEYS[kind])
        # Validated even when the table picked the transport.
        chosen = self.env_protocol(signal)
        endpoint = self.endpoint(kind, body, path, signal)
        headers = self.headers(body, path, signal, grpc=kind == "otlp-grpc")
        tls = self.tls(body, path, endpoint, signal)
        compression = self.choice(body, path, "compression", ("gzip", "none"))
        compression = compression or self.env_compression(signal)
        timeout = self.seconds(body, path, "timeout") or self.env_timeout(signal) or 10.0
        gzip: Literal["gzip", "none"] = "gzip" if compression == "gzip" else "none"
        if kind == "otlp-grpc":
            return model.OtlpGrpcExporter(endpoint, headers, tls, gzip, timeout)
        # The variable's http/json picks the encoding when the table does not; its "grpc"
        # cannot override a table that asked for otlp-http.
        protocol = self.choice(body, path, "protocol", ("binary", "json"))
        if protocol is None and chosen is not None and chosen[0] == "otlp-http":
            protocol = chosen[1]
        encoding: Literal["binary", "json"] = "json" if protocol == "json" else "binary"
        return model.OtlpHttpExporter(endpoint, encoding, headers, tls, gzip, timeout)

    def env_protocol(self, signal: _Signal) -> tuple[str, str] | None:
        found = self.env(*signal.var("PROTOCOL"))
        if found is None:
            return None
        var, value = found
        if value not in _ENV_PROTOCOLS:
            self.bad(var, f"{value!r} is not allowed; expected one of {_one_of(_ENV_PROTOCOLS)}")
        return _ENV_PROTOCOLS[value]

    def env_compression(self, signal: _Signal) -> str | None:
        found = self.env(*signal.var("COMPRESSION"))
        if found is not None and found[1] not in ("gzip", "none"):
            self.bad(found[0], f'{found[1]!r} is not allowed; expected one of "gzip", "none"')
        return found[1] if found else None

    def env_timeout(self, signal: _Signal) -> float | None:
        found = self.env(*signal.var("TIMEOUT"))
        if found is None:
            return None
        var, value = found
        try:
            millis = float(value)
        except ValueError:
            millis = math.nan
        if not (math.isfinite(millis) and millis > 0):
            self.bad(var, f"expected a positive number of milliseconds, got {value!r}")
        if millis > _MAX_SECONDS * 1000:
            self.bad(var, f"{value!r} milliseconds is too long; at most {_MAX_SECONDS * 1000:.0f}")
        return millis / 1000  # the spec's unit is milliseconds; ours is seconds

    # --- endpoints -----------------------------------------------------------------------

    def endpoint(self, kind: str, body: Mapping[str, object], path: str, signal: _Signal) -> str:
        raw = self.text(body, path, "endpoint")
        if raw is not None:
            where = f"{path}.endpoint"
            return self.url(kind, self.expand(raw, where), where, raw, signal, signal_url=True)
        specific, generic = signal.var("ENDPOINT")
        found = self.env(specific)
        if found is not None:
            return self.url(kind, found[1], found[0], found[1], signal, signal_url=True)
        found = self.env(generic)
        if found is not None:
            return self.url(kind, found[1], found[0], found[1], signal, signal_url=False)
        default = _DEFAULT_ENDPOINTS[kind]
        return default + signal.path if kind == "otlp-http" else default

    def url(
        self, kind: str, value: str, where: str, shown: str, signal: _Signal, *, signal_url: bool
    ) -> str:
        """Validate an endpoint and apply the signal path rule (`/v1/logs`, `/v1/metrics`,
        `/v1/traces`) for OTLP/HTTP.

        `signal_url`: a signal endpoint (the table's, or ..._LOGS_ENDPOINT) gets the path
        only when it has none; a base URL (OTEL_EXPORTER_OTLP_ENDPOINT) always gets
        `v1/logs` appended to its path, as the spec says. `shown` is the value as written,
        before `${VAR}` expansion, so that expanded text never reaches a message.
        """
        expected = "expected an http:// or https:// URL with a host"
        # What the user wrote, but with any user info or query masked: they hold tokens.
        shown = model.url_without_secrets(shown)
        if kind == "otlp-grpc" and "://" not in shown:
            # A bare host:port is ambiguous (plaintext or TLS?): make the user say which.
            expected += f", e.g. 'http://{shown}' (plaintext) or 'https://{shown}' (TLS)"
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            self.bad(where, f"{shown!r} is not a valid URL; {expected}")
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or any(char.isspace() or not char.isprintable() for char in value)
        ):
            self.bad(where, f"{shown!r}: {expected}")
        if kind == "otlp-grpc":
            if parts.path not in ("", "/") or parts.query or parts.fragment:
                self.bad(
                    where, f"{shown!r}: a gRPC endpoint has no path; expected scheme://host:port"
                )
            return f"{parts.scheme}://{parts.netloc}"
        if signal_url and parts.path not in ("", "/"):
            return value  # a path was given: used as written
        base = "" if signal_url else parts.path.rstrip("/")
        return urlunsplit(parts._replace(path=f"{base}{signal.path}"))

    def expand(self, value: str, where: str) -> str:
        """Expand `${NAME}` from the environment and `$$` to `$`. An unset (or empty)
        variable is an error: it must never become an empty header or a broken URL."""

        def substitute(match: re.Match[str]) -> str:
            if match.group(1) == "$":
                return "$"
            name = match.group(2)
            if name is None:
                self.bad(
                    where, "malformed '${'; write ${NAME} for a variable, $$ for a literal '$'"
                )
            found = self.environ.get(name)
            if not found:
                state = "not set" if found is None else "empty"
                self.bad(where, f"environment variable {name} (from ${{{name}}}) is {state}")
            return found

        return _VAR.sub(substitute, value)

    # --- headers and TLS -----------------------------------------------------------------

    def headers(
        self, body: Mapping[str, object], path: str, signal: _Signal, *, grpc: bool
    ) -> dict[str, str]:
        # Header names are case-insensitive (and gRPC metadata keys must be lower case), so
        # they are lower-cased; that also makes "the table wins per key" unambiguous.
        merged: dict[str, str] = {}
        found = self.env(*signal.var("HEADERS"))
        if found is not None:
            var = found[0]
            for name, text in self.pairs(*found, secret=True):
                key = self.header_name(name, var, grpc=grpc)
                merged[key] = self.header_value(text, f"{var}: {name}")
        raw = body.get("headers")
        if raw is not None and not isinstance(raw, dict):
            # Most likely the variable's `name=value` form: a secret, never shown.
            self.bad(f"{path}.headers", f"expected a table, got {_kind(raw)} (not shown)")
        table = self.sub(body, path, "headers") or {}
        for name, value in table.items():
            where = f"{path}.headers.{name}"
            if not isinstance(value, str):
                self.bad(where, f"expected a string, got {_kind(value)} (value not shown)")
            merged[self.header_name(name, where, grpc=grpc)] = self.header_value(
                self.expand(value, where), where
            )
        return merged

    def header_name(self, name: str, where: str, *, grpc: bool) -> str:
        if not _HEADER_NAME.fullmatch(name):
            self.bad(
                where,
                f"{_printable(repr(name))} is not a valid header name "
                "(letters, digits, -_.!#$%&'*+^`|~)",
            )
        if grpc and name.lower().endswith("-bin"):
            # gRPC sends a `-bin` key's value as bytes, which a text setting cannot be:
            # accepted, every export would fail (and spool) for ever.
            self.bad(
                where,
                f"{name.lower()!r}: gRPC metadata keys ending in -bin carry binary values, "
                "which are not supported; use a key without the -bin suffix",
            )
        return name.lower()

    def header_value(self, value: str, where: str) -> str:
        if not _HEADER_VALUE.fullmatch(value):
            self.bad(
                where,
                "invalid header value (not shown: it may be a secret); expected non-empty "
                "printable ASCII without leading or trailing spaces",
            )
        return value

    def tls(
        self, body: Mapping[str, object], path: str, endpoint: str, signal: _Signal
    ) -> model.TlsConfig | None:
        """The `tls` table, else the variables; checked by `check_tls`, which names the key
        or the variable each setting came from."""
        where = f"{path}.tls"
        table = self.sub(body, path, "tls")
        self.check_keys(table or {}, where, _TLS_KEYS)
        files: dict[str, Path] = {}
        names = {name: self.named(f"{where}.{key}") for key, (name, _) in _TLS_KEYS.items()}
        for key, (name, suffix) in _TLS_KEYS.items():
            raw = self.text(table or {}, where, key)
            if raw is not None:
                # `~` expanded, relative to the config file (or the working directory).
                files[name] = self.base_dir / Path(raw).expanduser()
                continue
            # The variables are the SDK-wide defaults; like other SDKs, an http:// endpoint
            # simply does not use them.
            found = None if plaintext(endpoint) else self.env(*signal.var(suffix))
            if found is not None:
                files[name] = Path.cwd() / Path(found[1]).expanduser()
                names[name] = found[0]
        # A table, even an empty one, asks for TLS: `check_tls` refuses it on http://.
        tls = model.TlsConfig(**files) if files or table is not None else None
        check_tls(endpoint, tls, TlsNames(table=self.named(where), **names))
        return tls if files else None
