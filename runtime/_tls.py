"""The TLS settings of an OTLP exporter, checked (and read) at start.

`load_config` already refuses what a user wrote wrong, naming the key or the variable each
setting came from. An `OtelConfig` built in code gets here unchecked, so the runtime checks
it once more before it starts, with this one function: on the caller's thread without
reading the files (`_startup.check_now`), and when the exporter is built, reading them.
A bad path fails at startup with the key and the path named, not at every export.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from .config import ConfigError, OtlpGrpcExporter, OtlpHttpExporter


class TlsFiles(NamedTuple):
    """The configured TLS files: paths (for the HTTP exporters) and contents (for gRPC)."""

    ca: str | None = None
    certificate: str | None = None
    key: str | None = None
    ca_pem: bytes | None = None
    certificate_pem: bytes | None = None
    key_pem: bytes | None = None


def tls_files(
    exporter: OtlpHttpExporter | OtlpGrpcExporter, *, read: bool = True, key: str = "exporter"
) -> TlsFiles:
    """Check `exporter`'s TLS settings; read the files too unless `read` is False (then
    only check that they are readable). Raises `ConfigError` naming the key (`key`: the
    `[otel]` key the exporter came from, `exporter` or `metrics_exporter`)."""
    tls, kind, endpoint = exporter.tls, exporter.kind, exporter.endpoint
    if tls is None:
        return TlsFiles()
    if endpoint.lower().startswith("http://"):
        raise ConfigError(
            f"otel.{key}.{kind}.tls: TLS settings are given but the endpoint "
            f"{endpoint!r} is plain http://; use an https:// endpoint"
        )
    ca, certificate, private_key = (
        tls.ca_certificate,
        tls.client_certificate,
        tls.client_private_key,
    )
    if (certificate is None) != (private_key is None):
        given = "client-certificate" if private_key is None else "client-private-key"
        raise ConfigError(
            f"otel.{key}.{kind}.tls.{given}: is set alone; client-certificate and "
            "client-private-key come as a pair (give both or neither)"
        )
    where = f"otel.{key}.{kind}.tls"
    contents = [
        _read(path, f"{where}.{name}", read)
        for name, path in (
            ("ca-certificate", ca),
            ("client-certificate", certificate),
            ("client-private-key", private_key),
        )
    ]
    return TlsFiles(_path(ca), _path(certificate), _path(private_key), *contents)


def _path(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _read(path: Path | None, key: str, read: bool) -> bytes | None:
    if path is None:
        return None
    if not read:
        # The caller's thread: a check without the read (the start reads the files).
        if not os.path.isfile(path):
            problem = "No such file or directory"
        elif not os.access(path, os.R_OK):
            problem = "Permission denied"
        else:
            return None
        raise ConfigError(f"{key}: cannot read {str(path)!r}: {problem}")
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{key}: cannot read {str(path)!r}: {error.strerror or error}") from error
