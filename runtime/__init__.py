"""The hand-written runtime under the generated emitters.

Public API, what an application calls: `Telemetry` (config, exporter pipeline,
subscribers, capture, shutdown, `stats`), `Conversation` (per-conversation metadata),
`load_config` and the config model, the types of captured events, measurements and
spans, the span handle and scope types, and the W3C helpers (`trace_headers`,
`traced_environ`).
Generated code reaches the runtime through `codex_otel.runtime._contract` instead; the
runtime knows no catalog (a generated package registers its own when imported).

Importing this package imports no OpenTelemetry module; the exporter pipeline is loaded
only when an exporter is configured.
"""

from typing import TYPE_CHECKING

from .config import (
    BatchConfig,
    ConfigError,
    ExporterConfig,
    FileExporter,
    MetricsConfig,
    NoExporter,
    OtelConfig,
    OtlpGrpcExporter,
    OtlpHttpExporter,
    PrivacyConfig,
    SpoolConfig,
    TlsConfig,
    load_config,
)
from .metrics import CapturedMeasurement, MeasurementSubscriber, MetricDefinition
from .spans import (
    CapturedSpan,
    SpanDefinition,
    SpanHandle,
    SpanParentError,
    SpanScope,
    SpanSubscriber,
    trace_headers,
    traced_environ,
)
from .telemetry import CapturedEvent, Conversation, Subscriber, Telemetry, TelemetryStats
from .types import Attributes, AttributeValue

__all__ = [
    "AttributeValue",
    "Attributes",
    "BatchConfig",
    "CapturedEvent",
    "CapturedMeasurement",
    "CapturedSpan",
    "ConfigError",
    "Conversation",
    "ExporterConfig",
    "FileExporter",
    "MeasurementSubscriber",
    "MetricDefinition",
    "MetricsConfig",
    "NoExporter",
    "OtelConfig",
    "OtlpGrpcExporter",
    "OtlpHttpExporter",
    "PrivacyConfig",
    "SpanDefinition",
    "SpanHandle",
    "SpanParentError",
    "SpanScope",
    "SpanSubscriber",
    "SpoolConfig",
    "Subscriber",
    "Telemetry",
    "TelemetryStats",
    "TlsConfig",
    "load_config",
    "trace_headers",
    "traced_environ",
]

if TYPE_CHECKING:
    #: The installed codex-otel distribution's version (computed on first access).
    __version__: str
else:
    # Hidden from mypy: a module `__getattr__` would let it accept an import of any name
    # from this package (a helper that moved to `_contract` would type-check).
    def __getattr__(name: str) -> object:
        if name == "__version__":
            # Looked up on first access (importlib.metadata costs ~10 ms), then kept.
            from ._resource import distribution_version

            version = distribution_version("codex-otel") or "0+unknown"
            globals()["__version__"] = version
            return version
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
