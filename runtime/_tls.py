"""The TLS settings of an OTLP exporter: the rules they must follow, and the files read.

Each rule is written once, in `check_tls`: TLS settings need an https:// endpoint, the
client certificate and its key come as a pair, every path is a readable file. Two callers
apply it, each naming settings in its own words (`TlsNames`): `load_config`, with the key
or the variable each setting came from, and the start, for an `OtelConfig` built in code
that never went through the loader, with the config keys (`tls_files`): on the caller's
thread without reading the files (`_startup.check_now`), and when the exporter is built,
reading them. A bad path fails at startup with the key and the path named, not at every
export. Standard library only: the loader imports this module.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from .config import ConfigError, OtlpGrpcExporter, OtlpHttpExporter, TlsConfig


class TlsNames(NamedTuple):
    """Where each TLS setting came from, as messages name it: a key path or a variable."""

    table: str
    ca_certificate: str
    client_certificate: str
    client_private_key: str


class TlsFiles(NamedTuple):
    """The configured TLS files: paths (for the HTTP exporters) and contents (for gRPC)."""

    ca: str | None = None
    certificate: str | None = None
    key: str | None = None
    ca_pem: bytes | None = None
    certificate_pem: bytes | None = None
    key_pem: bytes | None = None


def plaintext(endpoint: str) -> bool:
    """Whether `endpoint` is plain http://, where TLS settings would go unused."""
    return endpoint.lower().startswith("http://")


def check_tls(endpoint: str, tls: TlsConfig | None, names: TlsNames) -> None:
    """Raise `ConfigError`, naming the setting from `names`, unless `tls` (even an empty
    one) goes with an https:// `endpoint`, gives the client certificate and its key both or
    neither, and names readable files."""
    if tls is None:
        return
    if plaintext(endpoint):
        # Certificates with an http:// endpoint would be ignored: refuse rather than send in
        # the clear while the user believes TLS is on.
        raise ConfigError(
            f"{names.table}: TLS settings need an https:// endpoint, and the endpoint is http://"
        )
    if (tls.client_certificate is None) != (tls.client_private_key is None):
        alone = tls.client_certificate is not None
        given = names.client_certificate if alone else names.client_private_key
        raise ConfigError(
            f"{given}: a client certificate and its private key "
            "come as a pair: set both client-certificate and client-private-key (or both "
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY)"
        )
    # Checked now, so that a typo fails at start-up rather than at the first export.
    for path, name in zip(_paths(tls), _file_names(names), strict=True):
        if path is None:
            continue
        if not os.path.isfile(path):
            problem = "is not a file" if os.path.exists(path) else "no such file"
        elif not os.access(path, os.R_OK):
            problem = "permission denied"
        else:
            continue
        raise ConfigError(f"{name}: {str(path)!r}: {problem}")


def _config_names(key: str, kind: str) -> TlsNames:
    """The `[otel]` keys of an exporter's TLS settings (`key`: `exporter` or
    `metrics_exporter`; `kind`: `otlp-http` or `otlp-grpc`)."""
    table = f"otel.{key}.{kind}.tls"
    return TlsNames(
        table,
        f"{table}.ca-certificate",
        f"{table}.client-certificate",
        f"{table}.client-private-key",
    )


def tls_files(
    exporter: OtlpHttpExporter | OtlpGrpcExporter, *, read: bool = True, key: str = "exporter"
) -> TlsFiles:
    """Check `exporter`'s TLS settings (`check_tls`, naming the `[otel]` key `key`:
    `exporter` or `metrics_exporter`); read the files too unless `read` is False."""
    tls, names = exporter.tls, _config_names(key, exporter.kind)
    check_tls(exporter.endpoint, tls, names)
    if tls is None:
        return TlsFiles()
    ca_pem, certificate_pem, key_pem = (
        None if path is None or not read else _read(path, name)
        for path, name in zip(_paths(tls), _file_names(names), strict=True)
    )
    return TlsFiles(
        _text(tls.ca_certificate),
        _text(tls.client_certificate),
        _text(tls.client_private_key),
        ca_pem,
        certificate_pem,
        key_pem,
    )


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _paths(tls: TlsConfig) -> tuple[Path | None, Path | None, Path | None]:
    return tls.ca_certificate, tls.client_certificate, tls.client_private_key


def _file_names(names: TlsNames) -> tuple[str, str, str]:
    return names.ca_certificate, names.client_certificate, names.client_private_key


def _read(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        # Checked readable a moment ago; a file can still change under us.
        raise ConfigError(
            f"{name}: cannot read {str(path)!r}: {error.strerror or error}"
        ) from error
