"""The measurement every metric scenario records, both ways: through the generated recorder
`events.record_api_request` (arguments checked, then `Conversation.record`), and as the
hand-written SDK `Counter.add` it replaces.

The metric is a counter with five attributes on the wire: three from the conversation's
metadata (`model`, `app.version`, `auth_mode`, the keys Codex puts on every metric) and
the metric's own two (`status`, `success`). Both sides record into a `MeterProvider` with a
periodic reader whose interval never elapses during a run, exporting OTLP/JSON lines to
the null device at shutdown: the same aggregation work, no I/O while timed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import suite  # noqa: F401  (tests/ on the path, for `support`)
from opentelemetry.exporter.otlp.json.file.metric_exporter import FileMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

from codex_otel.generated import events
from codex_otel.runtime import Conversation, FileExporter, MetricsConfig, OtelConfig, Telemetry
from support.metadata import CODEX_METADATA

SERVICE_VERSION = "bench"
#: Longer than any run: nothing is exported while a scenario is timed.
INTERVAL_MS = 3_600_000

#: The generated definition of `codex.api_request`, which the hand-written side mirrors.
API_REQUEST = events._METRIC_API_REQUEST
#: The conversation's metadata, every optional field known (`auth_mode` among them).
METADATA = CODEX_METADATA


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


def recorder_loop(conversation: Conversation[events.Metadata]) -> Callable[[int], int]:
    """`loop(n)` records n measurements through the generated recorder; returns the ns it
    took."""

    def loop(count: int) -> int:
        record = events.record_api_request
        started = time.perf_counter_ns()
        for _ in range(count):
            record(conversation, status="200", success="true")
        return time.perf_counter_ns() - started

    return loop


def hand_written_loop(counter: Any) -> Callable[[int], int]:
    """`loop(n)` calls `counter.add` n times with the same five attributes, built per
    call from the metadata as a careful caller would."""
    assert METADATA.auth_mode is not None  # the recorder's side carries it too
    metadata = {
        "model": METADATA.model,
        "app.version": METADATA.app_version,
        "auth_mode": METADATA.auth_mode,
    }

    def loop(count: int) -> int:
        add = counter.add
        started = time.perf_counter_ns()
        for _ in range(count):
            add(1, {**metadata, "status": "200", "success": "true"})
        return time.perf_counter_ns() - started

    return loop
