"""The hand-written runtime under the generated emitters.

Public API: `Telemetry` (config, exporter pipeline, subscribers, shutdown), `Conversation`
(per-conversation metadata), `load_config` and the config model, and the helpers that
generated code calls. Importing this package imports no OpenTelemetry module; the
exporter pipeline is loaded only when an exporter is configured.
"""

from typing import TYPE_CHECKING

from codex_otel.generated import INT64_MAX, INT64_MIN

from .arguments import (
    is_array_of,
    not_a_member,
    not_members,
    out_of_range,
    wire_members,
    wrong_int_items,
    wrong_items,
    wrong_type,
)
from .config import (
    DEFAULT_TOGGLES,
    BatchConfig,
    ConfigError,
    ExporterConfig,
    FileExporter,
    MetricsConfig,
    NoExporter,
    OtelConfig,
    OtlpGrpcExporter,
    OtlpHttpExporter,
    SpoolConfig,
    TlsConfig,
    load_config,
)
from .metrics import CapturedMeasurement, MeasurementSubscriber, MetricDefinition
from .telemetry import CapturedEvent, Conversation, Subscriber, Telemetry, TelemetryStats
from .truncation import TRUNCATION_MARKER, truncate
from .types import Attributes, AttributeValue, MetadataLike, MetricMetadataLike
from .wire_strings import plain_string, wire_string

__all__ = [
    "DEFAULT_TOGGLES",
    "INT64_MAX",
    "INT64_MIN",
    "TRUNCATION_MARKER",
    "AttributeValue",
    "Attributes",
    "BatchConfig",
    "CapturedEvent",
    "CapturedMeasurement",
    "ConfigError",
    "Conversation",
    "ExporterConfig",
    "FileExporter",
    "MeasurementSubscriber",
    "MetadataLike",
    "MetricDefinition",
    "MetricMetadataLike",
    "MetricsConfig",
    "NoExporter",
    "OtelConfig",
    "OtlpGrpcExporter",
    "OtlpHttpExporter",
    "SpoolConfig",
    "Subscriber",
    "Telemetry",
    "TelemetryStats",
    "TlsConfig",
    "deprecated",
    "is_array_of",
    "load_config",
    "not_a_member",
    "not_members",
    "out_of_range",
    "plain_string",
    "truncate",
    "wire_members",
    "wire_string",
    "wrong_int_items",
    "wrong_items",
    "wrong_type",
]

if TYPE_CHECKING:
    from .deprecation import deprecated

    #: The installed codex-otel distribution's version (computed on first access).
    __version__: str


def __getattr__(name: str) -> object:
    # PEP 702's decorator is loaded only by generated modules that deprecate something, so
    # importing the runtime loads nothing outside the standard library (no typing_extensions).
    if name == "deprecated":
        from .deprecation import deprecated

        return deprecated
    if name == "__version__":
        # Looked up on first access (importlib.metadata costs ~10 ms), then kept.
        from ._resource import distribution_version

        version = distribution_version("codex-otel") or "0+unknown"
        globals()["__version__"] = version
        return version
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
