"""The `[otel]` configuration model: frozen dataclasses, `ConfigError`, the defaults.

`load_config` (in `_config_loader`) builds an `OtelConfig` from a TOML file or string and
the environment; it is re-exported here, where users have always imported it. Header
values are never shown in a repr, as they usually carry credentials.

The defaults a catalog decides (its privacy toggles, the service name, the instrumentation
scope) come from the generated package the application imported (`_catalogs`), never from
a catalog this module knows.

Standard library only: the runtime must import cheaply and work without the `otel` extra.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit, urlunsplit

from ._catalogs import catalog_defaults

if TYPE_CHECKING:
    from ._config_loader import load_config

__all__ = [
    "DEFAULT_EXPORT_INTERVAL_MS",
    "DEFAULT_SHUTDOWN_TIMEOUT",
    "DEFAULT_SPOOL_BYTES",
    "BatchConfig",
    "ConfigError",
    "ExporterConfig",
    "FileExporter",
    "MetricsConfig",
    "NoExporter",
    "OtelConfig",
    "OtlpGrpcExporter",
    "OtlpHttpExporter",
    "PrivacyConfig",
    "SpanParents",
    "SpoolConfig",
    "TlsConfig",
    "ToggleMode",
    "TracesSampler",
    "load_config",
    "url_without_secrets",
]


class ConfigError(ValueError):
    """A bad `[otel]` table. The message names the key path, the value and what is allowed."""


@dataclass(frozen=True)
class TlsConfig:
    """TLS settings of an OTLP exporter: a CA to trust, and an optional client pair (mTLS)."""

    ca_certificate: Path | None = None
    client_certificate: Path | None = None
    client_private_key: Path | None = None


@dataclass(frozen=True)
class NoExporter:
    """`exporter = "none"`: instrumentation stays on for in-process subscribers only."""

    kind: Literal["none"] = "none"


def url_without_secrets(url: str) -> str:
    """`url` without user info and query, the places a token may hide in an endpoint."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL at all: mask by pattern instead
        return _masked(url)
    if not parts.netloc:
        # No `//host`: `user:token@host:4318` (no scheme) parses as scheme "user" and a
        # path, `http:/user:token@host` as a path: masked by pattern too.
        return _masked(url)
    host = parts.netloc.rpartition("@")[2]
    query = "***" if parts.query else ""
    return urlunsplit(
        (parts.scheme, ("***@" if "@" in parts.netloc else "") + host, parts.path, query, "")
    )


def _masked(text: str) -> str:
    """Everything before the last `@` (but a leading `scheme:` or `scheme://`), and a
    query or fragment, masked: for text that is not a URL with a host."""
    head, at, tail = text.rpartition("@")
    if at:
        scheme = _SCHEME.match(head)
        text = f"{scheme.group() if scheme else ''}***@{tail}"
    return _QUERY.sub("?***", text)


#: A URL's scheme and the slashes after it; a query or fragment (`?key=...`, `#...`).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/+")
_QUERY = re.compile(r"[?#].*", re.DOTALL)


def _endpoint_repr(exporter: object) -> str:
    """A dataclass repr with the endpoint's secrets masked and the headers' values left out."""
    shown = []
    for item in fields(exporter):  # type: ignore[arg-type]
        if not item.repr:
            continue
        value = getattr(exporter, item.name)
        shown.append(
            f"{item.name}={url_without_secrets(value)!r}"
            if item.name == "endpoint"
            else f"{item.name}={value!r}"
        )
    headers = getattr(exporter, "headers", {})
    shown.append(f"headers=<{len(headers)} not shown>")
    return f"{type(exporter).__name__}({', '.join(shown)})"


@dataclass(frozen=True, repr=False)
class OtlpHttpExporter:
    """`exporter = { otlp-http = { ... } }` (or `metrics_exporter`, `trace_exporter`).
    `endpoint` is final (the `/v1/logs`, `/v1/metrics` or `/v1/traces` rule applied)."""

    endpoint: str
    protocol: Literal["binary", "json"] = "binary"
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    tls: TlsConfig | None = None
    compression: Literal["none", "gzip"] = "none"
    timeout: float = 10.0
    kind: Literal["otlp-http"] = "otlp-http"

    __repr__ = _endpoint_repr


@dataclass(frozen=True, repr=False)
class OtlpGrpcExporter:
    """`exporter = { otlp-grpc = { ... } }`. Headers are sent as gRPC metadata."""

    endpoint: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    tls: TlsConfig | None = None
    compression: Literal["none", "gzip"] = "none"
    timeout: float = 10.0
    kind: Literal["otlp-grpc"] = "otlp-grpc"

    __repr__ = _endpoint_repr


@dataclass(frozen=True)
class FileExporter:
    """`exporter = { file = { path } }`: OTLP/JSON lines; `path = "-"` is standard output."""

    path: str
    kind: Literal["file"] = "file"


ExporterConfig = NoExporter | OtlpHttpExporter | OtlpGrpcExporter | FileExporter


@dataclass(frozen=True)
class BatchConfig:
    """Settings of the background batch worker (`[otel.batch]`)."""

    schedule_delay_ms: int = 1000
    max_queue_size: int = 2048
    max_export_batch_size: int = 512


#: Default `shutdown_timeout`, in seconds: with the collector unreachable a process exits
#: about this much later than with `exporter = "none"`, plus the teardown of the SDK's
#: modules (~0.1 s here): within the 0.5 s the exit may cost (`exit_offline_extra_ms`).
DEFAULT_SHUTDOWN_TIMEOUT = 0.25

#: Default `[otel.spool] window_ms`: at most 1 s of events only in memory.
DEFAULT_SPOOL_WINDOW_MS = 1000

#: Default `[otel.spool] max_bytes`: a few thousand events of a typical size.
DEFAULT_SPOOL_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class SpoolConfig:
    """The on-disk spool of undelivered events (`[otel.spool]`); see `runtime/_spool.py`."""

    enabled: bool = True
    #: None: `$XDG_STATE_HOME/codex-otel`, else `~/.local/state/codex-otel`, decided when
    #: the spool is first used (so a test's or a sandbox's HOME is honoured).
    path: Path | None = None
    #: The most bytes spooled per destination; the oldest events go first when full.
    max_bytes: int = DEFAULT_SPOOL_BYTES
    #: Each batch on disk before its first export, removed once delivered (`_write_ahead.py`).
    write_ahead: bool = True
    #: With `write_ahead`: the batch queue is exported at least this often (it caps
    #: `[otel.batch] schedule_delay_ms`): what only memory holds, with a healthy collector.
    window_ms: int = DEFAULT_SPOOL_WINDOW_MS


#: Default `[otel.metrics] export_interval_ms` (the spec's OTEL_METRIC_EXPORT_INTERVAL
#: default): a CLI run shorter than this exports its metrics once, at shutdown.
DEFAULT_EXPORT_INTERVAL_MS = 60_000

#: `cumulative`: every point is the total since the process started. `delta`: counters,
#: histograms and gauges report what happened since the last export (up-down counters stay
#: cumulative, as the spec says). `lowmemory`: delta for counters and histograms only.
Temporality = Literal["cumulative", "delta", "lowmemory"]


@dataclass(frozen=True)
class MetricsConfig:
    """How measurements are exported (`[otel.metrics]`); where is `metrics_exporter`."""

    export_interval_ms: int = DEFAULT_EXPORT_INTERVAL_MS
    temporality: Temporality = "cumulative"


#: The trace samplers of OTEL_TRACES_SAMPLER (and `[otel] traces_sampler`): the spec's
#: names. The ratio ones take `traces_sampler_arg`, a probability in [0, 1].
TracesSampler = Literal[
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
]
TRACES_SAMPLERS: tuple[str, ...] = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)
#: What a span started under a parent the catalog does not allow does: `count` (counted
#: in `TelemetryStats.span_parent_errors`, the span started anyway) or `raise`
#: (`SpanParentError`: for development and tests).
SpanParents = Literal["count", "raise"]


#: What a privacy toggle sends for the attributes it governs: `keep` the value (the toggle
#: on), `off` each attribute's own off-mode (the toggle off), or one mode for all of them.
ToggleMode = Literal["keep", "off", "redact", "length", "hash", "drop"]

#: The modes a toggle may name in the `[otel]` table besides `true` and `false`.
TOGGLE_MODES: tuple[str, ...] = ("keep", "redact", "length", "hash", "drop")


@dataclass(frozen=True)
class PrivacyConfig:
    """`[otel.privacy]`: credentials scrubbed from kept values, the hash key, a mask."""

    #: Scan every kept value of a `content` or `identifier` attribute for credentials.
    scrub_secrets: bool = True
    #: The `hash` mode's HMAC key (32 bytes from 64 hex digits); None: the installation's
    #: key file in the state folder, created on first use. Never shown.
    hash_key: bytes | None = field(default=None, repr=False)
    #: A user function applied to every scanned value after the scrubber (str -> str).
    mask: Callable[[str], str] | None = None


@dataclass(frozen=True)
class OtelConfig:
    """A resolved `[otel]` table."""

    environment: str = "dev"
    exporter: ExporterConfig = field(default_factory=NoExporter)
    #: The privacy toggles, with their values; by default those of the catalog whose
    #: generated package was imported, at their defaults (none before one is imported).
    toggles: Mapping[str, bool] = field(default_factory=lambda: dict(catalog_defaults().toggles))
    #: What each toggle that is off sends: `off` (each attribute's own off-mode, the
    #: default) or one mode for every attribute it governs. A toggle that is on is
    #: `keep`; `toggles` decides which are on (`toggle_modes` only refines the others).
    toggle_modes: Mapping[str, ToggleMode] = field(default_factory=dict)
    #: The `service.name` resource attribute; by default the catalog's (`service.name` in
    #: the catalog, else its namespace).
    service_name: str = field(default_factory=lambda: catalog_defaults().service_name)
    #: Seconds `Telemetry.shutdown` (and the interpreter-exit hook) may take at most. Short
    #: by default: a CLI must exit promptly, and what is not delivered by then is spooled.
    shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT
    batch: BatchConfig = field(default_factory=BatchConfig)
    #: From OTEL_RESOURCE_ATTRIBUTES; the runtime's own keys win over these.
    resource_attributes: Mapping[str, str] = field(default_factory=dict)
    #: OTEL_SDK_DISABLED=true: nothing is exported, whatever `exporter` says.
    sdk_disabled: bool = False
    spool: SpoolConfig = field(default_factory=SpoolConfig)
    #: Where metrics go: the same forms as `exporter`; off (`none`) by default. The points
    #: of a failed export are spooled as events are (`runtime/_metrics_spool.py`).
    metrics_exporter: ExporterConfig = field(default_factory=NoExporter)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    #: The instrumentation scope of every exported record and metric: the catalog's
    #: (`service.scope`, else its namespace). Not an `[otel]` key: the catalog decides it.
    scope_name: str = field(default_factory=lambda: catalog_defaults().scope_name)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    #: Where spans go: the same forms as `exporter`; off (`none`) by default. Spans a
    #: failed export leaves are spooled as events are (`runtime/_traces_spool.py`).
    trace_exporter: ExporterConfig = field(default_factory=NoExporter)
    #: Which spans are recorded (OTEL_TRACES_SAMPLER's names); the ratio samplers keep
    #: `traces_sampler_arg` of the traces (a probability in [0, 1]).
    traces_sampler: TracesSampler = "parentbased_always_on"
    traces_sampler_arg: float = 1.0
    #: Constant string attributes set on every span when it starts (Codex's
    #: `span_attributes`: per-span metadata, where resource attributes describe the process).
    span_attributes: Mapping[str, str] = field(default_factory=dict)
    #: A span started under a parent the catalog does not allow: counted or raised.
    span_parents: SpanParents = "count"

    def __post_init__(self) -> None:
        # Every toggle gets its mode, consistent with `toggles` (also after a
        # `dataclasses.replace` that changed only `toggles`).
        modes: dict[str, ToggleMode] = {}
        for name, on in self.toggles.items():
            given = self.toggle_modes.get(name, "off")
            modes[name] = "keep" if on else ("off" if given == "keep" else given)
        object.__setattr__(self, "toggle_modes", modes)


def __getattr__(name: str) -> object:
    # The loader imports this module (the model it builds), so it is re-exported lazily.
    if name == "load_config":
        from ._config_loader import load_config

        return load_config
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
