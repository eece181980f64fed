"""Log and metric correlation: an event emitted while a catalog span is current carries
that span's trace and span id on its OTLP LogRecord (also when it waited for the
background start and was replayed on the start thread), and a measurement recorded in a
span carries an exemplar with the span's ids (the SDK's default trace-based filter)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
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
    _spool,
    _spool_bridge,
    _startup,
    load_config,
)
from codex_otel.runtime._spool import Batch, Event, Spool, UnreadableFile
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


EXIT_IN_A_SPAN_DURING_START = textwrap.dedent(
    """
    import sys, threading
    from codex_otel.generated import events
    from codex_otel.runtime import SpanDefinition, SpanHandle, Telemetry, load_config
    from codex_otel.runtime import _startup
    never = threading.Event()
    original = _startup.BackgroundPipeline._start_now
    _startup.BackgroundPipeline._start_now = lambda self, *a: (never.wait(), original(self, *a))
    toml = '[otel]\\nexporter = { otlp-http = { endpoint = "%s" } }\\n' % sys.argv[1]
    telemetry = Telemetry(load_config(text=toml, environ={}), service_version="1")
    conversation = telemetry.conversation(events.Metadata(
        conversation_id="early", app_version="1", terminal_type="t", model="m", slug="s"))
    turn = SpanDefinition("codex.turn", "invoke_agent", "internal", frozenset(), True)
    with telemetry.capture_spans() as spans:
        with conversation.start_span(turn, {}, SpanHandle):
            events.api_request(conversation, attempt=1, duration_ms=0)
        events.api_request(conversation, attempt=2, duration_ms=0)
    print(spans[0].trace_id, spans[0].span_id)
    """
)


@pytest.mark.background_start
def test_events_spooled_at_exit_keep_their_span_ids_to_the_collector(
    http_receiver: OtlpHttpReceiver, spool_in_tmp: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", EXIT_IN_A_SPAN_DURING_START, http_receiver.endpoint],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    trace_id, span_id = result.stdout.split()
    # The next process delivers them, each with the span it was emitted in (or none).
    config = load_config(
        text=f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{http_receiver.endpoint}" }} }}\n',
        environ={},
    )
    telemetry = Telemetry(config, service_version="2")
    try:
        assert http_receiver.wait_for(2, timeout=15)
    finally:
        telemetry.shutdown(2)
    records = {int(str(r.attributes["attempt"])): r for r in http_receiver.received_records()}
    assert (records[1].trace_id, records[1].span_id) == (trace_id, span_id)
    assert (records[2].trace_id, records[2].span_id) == ("", "")


def test_the_spool_keeps_a_records_span_and_refuses_a_bad_one(tmp_path: Path) -> None:
    spool = Spool(tmp_path, "d" * 32, 1 << 20)
    resource = {"service.name": "codex-cli"}
    inside = Event("e", 1, 1, {}, trace_id="ab" * 16, span_id="cd" * 8, trace_flags=1)
    outside = Event("e", 2, 2, {})
    assert spool.write(Batch(resource, "codex_otel", "1", (inside, outside))) == 2
    [claim] = list(spool.claims())
    assert claim.batch.events == (inside, outside)
    # Read back as SDK records, on a thread where another span is current: each record
    # has its own span, or none.
    tracer = TracerProvider(shutdown_on_exit=False).get_tracer("host")
    with tracer.start_as_current_span("delivery"):
        first, second = _spool_bridge.records_from_batch(claim.batch)
    assert format(first.log_record.trace_id or 0, "032x") == "ab" * 16
    assert format(first.log_record.span_id or 0, "016x") == "cd" * 8
    assert (second.log_record.trace_id, second.log_record.span_id) == (0, 0)
    # And back to spool events, as the write-ahead and a failed export make them.
    [batch] = _spool_bridge.batches_from_records([first, second], 10)
    assert batch.events == (inside, outside)
    claim.done()
    # A line whose trace is no (trace id, span id, flags) makes the file unreadable (set
    # aside as any bad file), never a record with made-up ids.
    bad = {"name": "e", "time": 1, "observed": 1, "attributes": {}, "trace": ["ab", "cd", 1]}
    with pytest.raises(UnreadableFile, match="line 3: a bad trace"):
        _spool._event(bad, 3)


@pytest.mark.background_start
def test_an_emit_while_the_context_module_is_half_imported_waits_without_a_span(
    http_receiver: OtlpHttpReceiver,
    slow_start: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load_config(
        text=f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{http_receiver.endpoint}" }} }}\n',
        environ={},
    )
    telemetry = Telemetry(config, service_version="1")
    try:
        # As the background start's import leaves it for a moment: in sys.modules, empty.
        monkeypatch.setitem(
            sys.modules, "opentelemetry.context", type(sys)("opentelemetry.context")
        )
        events.api_request(telemetry.conversation(make_metadata()), attempt=1, duration_ms=0)
        monkeypatch.undo()
        slow_start.set()
        assert telemetry.shutdown(10)
    finally:
        telemetry.shutdown(0.2)
    assert telemetry.stats.emit_errors == 0
    [record] = http_receiver.received_records()
    assert (record.trace_id, record.span_id) == ("", "")
