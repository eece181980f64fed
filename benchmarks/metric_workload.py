"""The measurement every metric scenario records, both ways: through `Conversation.record`
(as a generated recorder calls it), and as the hand-written SDK `Counter.add` it replaces.

The metric is a counter with five attributes on the wire: three from the conversation's
metadata (`model`, `app.version`, `auth_mode`, the keys Codex puts on every metric) and
the metric's own two (`status`, `success`). Both sides record into a `MeterProvider` with a
periodic reader whose interval never elapses during a run, exporting OTLP/JSON lines to
the null device at shutdown: the same aggregation work, no I/O while timed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from opentelemetry.exporter.otlp.json.file.metric_exporter import FileMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

from codex_otel.runtime import (
    Attributes,
    Conversation,
    FileExporter,
    MetricDefinition,
    MetricsConfig,
    OtelConfig,
    Telemetry,
)

SERVICE_VERSION = "bench"
#: Longer than any run: nothing is exported while a scenario is timed.
INTERVAL_MS = 3_600_000

API_REQUEST = MetricDefinition(
    "codex.api_request", "counter", "{request}", "API requests, by HTTP status.", "int"
)


@dataclass(frozen=True)
class BenchMetadata:
    """The conversation's metadata as a generated `Metadata` declares it for metrics."""

    COMPUTED: ClassVar[Mapping[str, str]] = {}
    METRIC_KEYS: ClassVar[tuple[str, ...]] = ("model", "app.version", "auth_mode")
    conversation_id: str = "0190f7c8-3b7a-7c21-9d2e-5f1a2b3c4d5e"
    model: str = "gpt-5-codex"
    app_version: str = "0.46.0"
    auth_mode: str = "chatgpt"

    def to_attributes(self) -> Attributes:
        return {
            "conversation.id": self.conversation_id,
            "app.version": self.app_version,
            "model": self.model,
            "auth_mode": self.auth_mode,
        }


METADATA = BenchMetadata()


def record_api_request(conversation: Conversation[Any], *, status: str, success: bool) -> None:
    """What the generated recorder of `codex.api_request` does (its shape: the cheap
    check first, then the arguments, then `Conversation.record`)."""
    if not conversation.metrics_recording:
        return
    conversation.record(
        API_REQUEST, 1, {"status": status, "success": "true" if success else "false"}
    )


def metrics_telemetry(*, exporting: bool = True) -> Telemetry:
    """A telemetry exporting metrics (to the null device), or with metrics off."""
    config = OtelConfig(
        metrics_exporter=FileExporter(os.devnull) if exporting else OtelConfig().exporter,
        metrics=MetricsConfig(export_interval_ms=INTERVAL_MS),
    )
    telemetry = Telemetry(config, service_version=SERVICE_VERSION)
    telemetry.wait_until_started(timeout=30)
    return telemetry


def hand_written_counter() -> tuple[MeterProvider, Any]:
    """The same provider setup by hand, and its `codex.api_request` counter."""
    reader = PeriodicExportingMetricReader(
        FileMetricExporter(os.devnull), export_interval_millis=INTERVAL_MS
    )
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    counter = provider.get_meter("bench").create_counter(
        API_REQUEST.name, unit=API_REQUEST.unit, description=API_REQUEST.description
    )
    return provider, counter


def recorder_loop(conversation: Conversation[Any]) -> Callable[[int], int]:
    """`loop(n)` records n measurements through the recorder; returns the ns it took."""

    def loop(count: int) -> int:
        record = record_api_request
        started = time.perf_counter_ns()
        for _ in range(count):
            record(conversation, status="200", success=True)
        return time.perf_counter_ns() - started

    return loop


def record_loop(conversation: Conversation[Any]) -> Callable[[int], int]:
    """`loop(n)` makes n `Conversation.record` calls, the metric's own two attributes given
    (the metadata adds three); returns the ns it took."""

    def loop(count: int) -> int:
        record = conversation.record
        started = time.perf_counter_ns()
        for _ in range(count):
            record(API_REQUEST, 1, {"status": "200", "success": "true"})
        return time.perf_counter_ns() - started

    return loop


def hand_written_loop(counter: Any) -> Callable[[int], int]:
    """`loop(n)` calls `counter.add` n times with the same five attributes, built per
    call from the metadata as a careful caller would."""
    metadata = {"model": METADATA.model, "app.version": METADATA.app_version}
    metadata["auth_mode"] = METADATA.auth_mode

    def loop(count: int) -> int:
        add = counter.add
        started = time.perf_counter_ns()
        for _ in range(count):
            add(1, {**metadata, "status": "200", "success": "true"})
        return time.perf_counter_ns() - started

    return loop
