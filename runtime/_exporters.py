"""The OTLP exporter the config names for a signal (`_signal`: logs, metrics), built
(with its TLS files read), and what the pipelines say about a destination in messages.

One factory for every signal: `build_exporter(signal, ...)` imports only the exporter
that is configured (gRPC only for `otlp-grpc`); importing this module imports no
OpenTelemetry module. An `ImportError`
from it means the `otel` extra is missing (the pipeline reports `OtelUnavailable`).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from ._fork import at_fork
from ._signal import Signal
from ._tls import tls_files
from .config import (
    ConfigError,
    ExporterConfig,
    FileExporter,
    OtelConfig,
    OtlpGrpcExporter,
    OtlpHttpExporter,
    url_without_secrets,
)

if TYPE_CHECKING:
    import requests
    from opentelemetry.metrics import MeterProvider
    from requests.sessions import _Settings

#: Lower bound of the exporter's timeout. A very short `shutdown_timeout` means "do not
#: wait long at exit", not "give every export no time at all"; shutdown stays bounded by
#: the join and the abort either way.
_MIN_EXPORT_TIMEOUT = 1.0


#: Held while an exporter is built. Each signal's start builds its exporter on a thread
#: of its own, and two of them importing the same OTLP packages at once (the logs' and
#: the traces' JSON exporters, say) can make Python's import locks see a cycle and raise
#: `_DeadlockError` in one: that pipeline never started. Builds are one at a time.
class _OneBuildAtATime:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        # A fork while another thread builds would leave the child the lock, held for ever.
        self.lock = threading.RLock()


_BUILDING = _OneBuildAtATime()


def build_exporter(
    signal: Signal, config: ExporterConfig, timeout: float, **signal_options: Any
) -> Any:
    """`signal`'s exporter for `config` (the exporter the `[otel]` key `signal.key`
    names); `signal_options` are the signal's own arguments (the metrics' temporality).
    One build at a time in the process (`_BUILDING`)."""
    with _BUILDING.lock:
        return _build(signal, config, timeout, signal_options)


def _build(
    signal: Signal, config: ExporterConfig, timeout: float, signal_options: dict[str, Any]
) -> Any:
    if isinstance(config, OtlpHttpExporter):
        return _http_exporter(signal, config, timeout, signal_options)
    if isinstance(config, OtlpGrpcExporter):
        return _grpc_exporter(signal, config, timeout, signal_options)
    if isinstance(config, FileExporter):
        return _file_exporter(signal, config, signal_options)
    raise ConfigError(f"otel.{signal.key}: cannot export with {config!r}")


def export_timeout_of(config: OtelConfig, exporter: ExporterConfig | None = None) -> float:
    """Seconds one `export()` call may take, all retries included.

    The OTLP exporters (1.45) treat `timeout` as the deadline of a whole export: up to 6
    attempts, backing off 2**n seconds (+-20% jitter; 1, 2, 4 s ...), a retry skipped when
    its backoff would pass the deadline; HTTP retries 429/502/503/504 and connection
    errors (honouring Retry-After), gRPC retries UNAVAILABLE, DEADLINE_EXCEEDED and the
    like. Capping it at the shutdown timeout means an export that is in flight when
    shutdown starts cannot outlive the shutdown by much, even on a daemon thread.
    `exporter`: the exporter timed (default: the logs').
    """
    bound = max(_MIN_EXPORT_TIMEOUT, config.shutdown_timeout)
    exporter = config.exporter if exporter is None else exporter
    if isinstance(exporter, OtlpHttpExporter | OtlpGrpcExporter):
        return min(exporter.timeout, bound)
    return bound


# --- one builder per transport ---------------------------------------------------------


def _http_exporter(
    signal: Signal, config: OtlpHttpExporter, timeout: float, signal_options: dict[str, Any]
) -> Any:
    tls = tls_files(config, key=signal.key)
    # The exporters also merge OTEL_EXPORTER_OTLP_[LOGS_|METRICS_]HEADERS beneath these
    # headers (and read the certificate variables when no file is given); `load_config`
    # has already applied the same variables with the same precedence, so that adds
    # nothing. Endpoint, timeout and compression are always passed, so those variables
    # are not read again (the SDK would read OTEL_EXPORTER_OTLP_TIMEOUT as seconds).
    options: dict[str, Any] = dict(
        # Used as written: the config's endpoint already ends in /v1/logs or /v1/metrics.
        endpoint=config.endpoint,
        certificate_file=tls.ca,
        client_key_file=tls.key,
        client_certificate_file=tls.certificate,
        headers=dict(config.headers),
        timeout=timeout,
        **signal_options,
    )
    import_what_the_first_export_imports(config)
    if config.protocol == "json":
        from opentelemetry.exporter.otlp.common.http import Compression as JsonCompression

        from ._otlp_json import json_http_exporter

        # The JSON exporter (0.66b1) supports TLS, mTLS, headers and gzip like the
        # protobuf one; it only lacks `meter_provider` (it records no self-metrics).
        # The wrapper encodes what strict receivers take: no empty log body object,
        # integers as JSON numbers, which Rotel needs (see otlp_json).
        return json_http_exporter(
            signal,
            compression=(
                JsonCompression.GZIP if config.compression == "gzip" else JsonCompression.NONE
            ),
            **options,
        )
    from opentelemetry.exporter.otlp.proto.http import Compression

    return signal.load(signal.http_protobuf)(
        session=_session_trusting(tls.ca) if tls.ca is not None else None,
        compression=Compression.Gzip if config.compression == "gzip" else Compression.NoCompression,
        meter_provider=_no_self_metrics(),
        **options,
    )


def import_what_the_first_export_imports(config: OtlpHttpExporter) -> None:
    """Import now, on the start thread, the modules the HTTP transports import lazily on
    their first request, so that the export imports nothing.

    A fork waits for the start (`BackgroundStart`), never for an export: a fork while the
    batch worker imported a module would leave the child that module's import lock, held
    by a thread it does not have, and the child's own first export would wait for it for
    ever (its events lost, "collector down or slow?"). `tests/wire/test_emit_anywhere.py`
    checks that a first export imports nothing, on every transport.
    """
    if config.protocol == "json":
        # urllib3 (the JSON exporter's transport) encodes the host name with the "idna"
        # codec when it connects: `encodings.idna`, `stringprep`, `unicodedata`.
        import codecs

        codecs.lookup("idna")
    else:
        # requests looks for credentials in ~/.netrc on every request (`trust_env`), and
        # imports `netrc` (and `shlex`) to do so the first time.
        import netrc  # noqa: F401


def _session_trusting(ca: str) -> requests.Session:
    """A requests session that verifies the collector against the configured CA.

    requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in the environment override a
    session's own `verify` (psf/requests#3829), so the CA the config names would be
    silently replaced by the system bundle wherever those are set (many corporate and
    container images). Without a configured CA the environment keeps its say.
    """
    import requests

    class ConfiguredTrustSession(requests.Session):
        def merge_environment_settings(
            self,
            url: str | bytes | None,
            proxies: MutableMapping[str, str] | None,
            stream: bool | None,
            verify: Any,
            cert: Any,
        ) -> _Settings:
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if isinstance(self.verify, str):
                settings["verify"] = self.verify
            return settings

    session = ConfiguredTrustSession()
    session.verify = ca
    return session


def _grpc_exporter(
    signal: Signal, config: OtlpGrpcExporter, timeout: float, signal_options: dict[str, Any]
) -> Any:
    import grpc

    exporter_class = signal.load(signal.grpc)
    tls = tls_files(config, key=signal.key)
    credentials = None
    if config.tls is not None:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=tls.ca_pem,
            private_key=tls.key_pem,
            certificate_chain=tls.certificate_pem,
        )
    return exporter_class(
        endpoint=config.endpoint,
        # Plaintext only for an explicit http:// endpoint; https:// and bare host:port
        # use TLS (the system's roots unless the config names a CA).
        insecure=config.endpoint.lower().startswith("http://"),
        credentials=credentials,
        # gRPC rejects metadata keys with upper-case letters.
        headers={name.lower(): value for name, value in config.headers.items()} or None,
        timeout=timeout,
        compression=(
            grpc.Compression.Gzip
            if config.compression == "gzip"
            else grpc.Compression.NoCompression
        ),
        meter_provider=_no_self_metrics(),
        **signal_options,
    )


def _file_exporter(signal: Signal, config: FileExporter, signal_options: dict[str, Any]) -> Any:
    from ._otlp_json import json_file_exporter

    if config.path == "-":
        # The stream as it is now (a test's capture, a redirected stdout); not owned, so
        # shutdown flushes it but never closes it.
        return json_file_exporter(signal, stream=sys.stdout, **signal_options)
    try:
        return json_file_exporter(signal, path=config.path, **signal_options)
    except OSError as error:
        raise cannot_open(config.path, error.strerror or str(error), signal.key) from error


def check_exporter_now(signal: Signal, config: ExporterConfig) -> None:
    """What would make building `signal`'s exporter fail, checked on the caller's thread:
    no OpenTelemetry import, no file read (TLS files that cannot be read or do not pair,
    TLS on a plain http:// endpoint, an export file that cannot be opened). Raises
    `ConfigError` naming the key."""
    if isinstance(config, OtlpHttpExporter | OtlpGrpcExporter):
        tls_files(config, read=False, key=signal.key)
    elif isinstance(config, FileExporter):
        check_file_exporter(config, key=signal.key)


def check_file_exporter(config: FileExporter, *, key: str = "exporter") -> None:
    """What opening the export file would say, checked without creating the file: the SDK
    may turn out disabled (OTEL_SDK_DISABLED), and then nothing is written anywhere."""
    path = config.path
    if path == "-":
        return
    folder = os.path.dirname(path) or "."
    problem = None
    if os.path.isdir(path):
        problem = "Is a directory"
    elif os.path.exists(path):
        problem = None if os.access(path, os.W_OK) else "Permission denied"
    elif not os.path.isdir(folder):
        problem = "No such file or directory"
    elif not os.access(folder, os.W_OK | os.X_OK):
        problem = "Permission denied"
    if problem is not None:
        raise cannot_open(path, problem, key)


def cannot_open(path: str, problem: str, key: str = "exporter") -> ConfigError:
    return ConfigError(f"otel.{key}.file.path: cannot open {path!r} for appending: {problem}")


def describe(config: ExporterConfig) -> str:
    """The destination for messages; never the headers (they may hold credentials)."""
    if isinstance(config, OtlpHttpExporter | OtlpGrpcExporter):
        return f"{config.kind} {url_without_secrets(config.endpoint)}"
    if isinstance(config, FileExporter):
        return "standard output" if config.path == "-" else f"file {config.path}"
    return config.kind


def _no_self_metrics() -> MeterProvider:
    # The exporters' own metrics (OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED) would otherwise
    # go to the host's global MeterProvider.
    from opentelemetry.metrics import NoOpMeterProvider

    return NoOpMeterProvider()
