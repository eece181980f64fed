"""What tells one OpenTelemetry signal from another, for the signal-generic machinery.

The exporter factory (`_exporters`), the strict OTLP/JSON exporters (`otlp_json`), the
guarded exporters (`_guarded_exporter`) and the loss accounting (`_health`) are written
once; a `Signal` says what differs: the `[otel]` key its exporter is configured under,
the official exporter class of each transport, the OTLP/JSON encoder, the SDK's export
result type and its words in messages. Logs (`pipeline.py`, `_startup.py`), metrics
(`_metrics_pipeline.py`) and traces (`_traces_pipeline.py`) each name theirs.

Classes are named by "module:Class" and imported only when an exporter is built, so
importing this module imports no OpenTelemetry module (gRPC only for `otlp-grpc`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Signal:
    """One signal's names; see the module doc."""

    #: The OTLP path's last part and the SDK's word: "logs", "metrics", "traces".
    name: str
    #: The `[otel]` key of its exporter, for messages: "exporter", "metrics_exporter",
    #: "trace_exporter".
    key: str
    #: The official exporter classes, by transport.
    http_protobuf: str
    http_json: str
    grpc: str
    json_file: str
    #: The OTLP/JSON encoder of a batch, in `otlp_json`: a request dict, None when empty.
    encoder: str
    #: The official OTLP/JSON encoder module it builds on.
    json_encoder_module: str
    #: The SDK's export result enum (SUCCESS, FAILURE).
    result: str

    def load(self, name: str) -> Any:
        """The object "module:attribute" names (imports the module)."""
        module, _, attribute = name.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def results(self) -> tuple[Any, Any]:
        """(SUCCESS, FAILURE) of the signal's export result type."""
        result = self.load(self.result)
        return result.SUCCESS, result.FAILURE

    def encode(self) -> Callable[[Any], dict[str, Any] | None]:
        """The encoder, with what it imports imported now, not by the first export (a
        fork during an import leaves the child its lock: see `_exporters`)."""
        from . import _otlp_json as otlp_json

        importlib.import_module(self.json_encoder_module)

        encode: Callable[[Any], dict[str, Any] | None] = getattr(otlp_json, self.encoder)
        return encode


_PROTO = "opentelemetry.exporter.otlp.proto"
_JSON = "opentelemetry.exporter.otlp.json"

LOGS = Signal(
    name="logs",
    key="exporter",
    http_protobuf=f"{_PROTO}.http._log_exporter:OTLPLogExporter",
    http_json=f"{_JSON}.http._log_exporter:OTLPLogExporter",
    grpc=f"{_PROTO}.grpc._log_exporter:OTLPLogExporter",
    json_file=f"{_JSON}.file._log_exporter:FileLogExporter",
    encoder="encode_request",
    json_encoder_module=f"{_JSON}.common._log_encoder",
    result="opentelemetry.sdk._logs.export:LogRecordExportResult",
)

METRICS = Signal(
    name="metrics",
    key="metrics_exporter",
    http_protobuf=f"{_PROTO}.http.metric_exporter:OTLPMetricExporter",
    http_json=f"{_JSON}.http.metric_exporter:OTLPMetricExporter",
    grpc=f"{_PROTO}.grpc.metric_exporter:OTLPMetricExporter",
    json_file=f"{_JSON}.file.metric_exporter:FileMetricExporter",
    encoder="encode_metrics_request",
    json_encoder_module=f"{_JSON}.common.metrics_encoder",
    result="opentelemetry.sdk.metrics.export:MetricExportResult",
)

TRACES = Signal(
    name="traces",
    key="trace_exporter",
    http_protobuf=f"{_PROTO}.http.trace_exporter:OTLPSpanExporter",
    http_json=f"{_JSON}.http.trace_exporter:OTLPSpanExporter",
    grpc=f"{_PROTO}.grpc.trace_exporter:OTLPSpanExporter",
    json_file=f"{_JSON}.file.trace_exporter:FileSpanExporter",
    encoder="encode_spans_request",
    json_encoder_module=f"{_JSON}.common.trace_encoder",
    result="opentelemetry.sdk.trace.export:SpanExportResult",
)
