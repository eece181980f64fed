"""Log and metric correlation: an event emitted while a catalog span is current carries
that span's trace and span id on its OTLP LogRecord (also when it waited for the
background start and was replayed on the start thread), and a measurement recorded in a
span carries an exemplar with the span's ids (the SDK's default trace-based filter)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from codex_otel.generated import events
from codex_otel.runtime import (
    FileExporter,
    MetricDefinition,
    MetricsConfig,
    OtelConfig,
    SpanDefinition,
    SpanHandle,
    Telemetry,
    _startup,
    load_config,
)
from receivers import OtlpHttpReceiver
from support.metadata import make_metadata

pytestmark = pytest.mark.wire

TURN = SpanDefinition("codex.turn", "invoke_agent", "internal", frozenset(), True)
REQUESTS = MetricDefinition("demo.requests", "counter", "{request}", "Requests.", "int")


def traced(telemetry: Telemetry) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry._use_tracer(provider.get_tracer("codex_otel"))
    return exporter


@pytest.fixture
def slow_start(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Hold the logs' background start until the returned event is set."""
    gate = threading.Event()
    original = _startup.BackgroundPipeline._start_now

    def held(self: _startup.BackgroundPipeline, *args: bool) -> None:
        gate.wait(20)
        original(self, *args)

    monkeypatch.setattr(_startup.BackgroundPipeline, "_start_now", held)
    yield gate
    gate.set()


def span_ids(exporter: InMemorySpanExporter) -> tuple[str, str]:
    [span] = exporter.get_finished_spans()
    return format(span.context.trace_id, "032x"), format(span.context.span_id, "016x")


@pytest.mark.background_start
def test_events_in_a_span_carry_its_ids_before_and_after_the_start(
    http_receiver: OtlpHttpReceiver, slow_start: threading.Event
) -> None:
    config = load_config(
        text=f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{http_receiver.endpoint}" }} }}\n',
        environ={},
    )
    telemetry = Telemetry(config, service_version="1")
    try:
        spans = traced(telemetry)
        conversation = telemetry.conversation(make_metadata())
        events.api_request(conversation, attempt=0, duration_ms=0)  # outside: no ids
        with conversation.start_span(TURN, {}, SpanHandle):
            events.api_request(conversation, attempt=1, duration_ms=0)  # waits for the start
            assert not telemetry._pipeline.ready  # type: ignore[union-attr]
            slow_start.set()
            assert telemetry.wait_until_started(10)
            events.api_request(conversation, attempt=2, duration_ms=0)  # the running pipeline
        assert telemetry.shutdown(10)
    finally:
        telemetry.shutdown(0.2)
    trace_id, span_id = span_ids(spans)
    records = {int(str(r.attributes["attempt"])): r for r in http_receiver.received_records()}
    assert (records[0].trace_id, records[0].span_id) == ("", "")
    for attempt in (1, 2):
        assert (records[attempt].trace_id, records[attempt].span_id) == (trace_id, span_id)


def exemplar_trace_ids(path: Path, name: str) -> list[tuple[str, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        for resource_metrics in json.loads(line)["resourceMetrics"]:
            for scope_metrics in resource_metrics["scopeMetrics"]:
                for metric in scope_metrics["metrics"]:
                    if metric["name"] != name:
                        continue
                    for point in metric["sum"]["dataPoints"]:
                        for exemplar in point.get("exemplars", ()):
                            found.append((exemplar["traceId"], exemplar["spanId"]))
    return found


def test_a_measurement_in_a_span_carries_an_exemplar_of_it(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    config = OtelConfig(
        metrics_exporter=FileExporter(str(path)),
        metrics=MetricsConfig(export_interval_ms=3_600_000),
    )
    telemetry = Telemetry(config, service_version="1")
    spans = traced(telemetry)
    assert telemetry.wait_until_started(10)  # recorded on the caller's thread, in its context
    conversation = telemetry.conversation(make_metadata())
    with conversation.start_span(TURN, {}, SpanHandle):
        conversation.record(REQUESTS, 1, {"status": "200"})
    assert telemetry.shutdown(10)
    trace_id, span_id = span_ids(spans)
    exemplars = exemplar_trace_ids(path, "demo.requests")
    assert exemplars, "no exemplar exported"
    # The OTLP/JSON encoding writes ids as hex.
    assert {(t.lower(), s.lower()) for t, s in exemplars} == {(trace_id, span_id)}
