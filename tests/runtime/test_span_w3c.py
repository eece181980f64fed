"""W3C trace context in and out: TRACEPARENT/TRACESTATE of the run's environment become the
parent of its root spans (a malformed one is ignored and reported once); `trace_headers()`
gives what the SDK's own W3C propagator reads back as the current span; `traced_environ()`
hands the span to a real child process."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from codex_otel.runtime import (
    SpanDefinition,
    SpanHandle,
    Telemetry,
    trace_headers,
    traced_environ,
)
from support.metadata import make_metadata

TURN = SpanDefinition("codex.turn", "invoke_agent", "internal", frozenset(), True)
TOOL = SpanDefinition(
    "codex.tool_call", "execute_tool", "internal", frozenset({"codex.turn"}), False
)
INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING_SPAN = "00f067aa0ba902b7"


class Run:
    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        provider = TracerProvider(shutdown_on_exit=False)
        provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.telemetry = Telemetry(service_version="1")
        self.telemetry._use_tracer(provider.get_tracer("codex_otel"))
        self.conversation = self.telemetry.conversation(make_metadata())


@pytest.fixture
def run() -> Iterator[Run]:
    started = Run()
    yield started
    started.telemetry.shutdown(1.0)


def test_trace_headers_are_the_current_span_as_the_sdk_propagator_reads_them(run: Run) -> None:
    assert trace_headers() == {}  # no span current
    with run.conversation.start_span(TURN, {}, SpanHandle) as turn:
        headers = trace_headers()
        assert headers == turn.headers()
    extracted = trace.get_current_span(TraceContextTextMapPropagator().extract(headers))
    [span] = run.exporter.get_finished_spans()
    assert extracted.get_span_context().trace_id == span.context.trace_id
    assert extracted.get_span_context().span_id == span.context.span_id
    assert extracted.get_span_context().trace_flags.sampled
    assert trace_headers() == {}  # the span is no longer current


def test_traced_environ_hands_the_current_span_to_a_child_process(run: Run) -> None:
    child = "import os; print(os.environ['TRACEPARENT']); print(os.environ.get('TRACESTATE'))"
    environ = {"PATH": "/usr/bin:/bin", "TRACESTATE": "stale=1", "KEEP": "me"}
    with run.conversation.start_span(TURN, {}, SpanHandle):
        child_environ = traced_environ(environ)
        output = subprocess.run(
            [sys.executable, "-c", child],
            env=child_environ,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.split()
    [span] = run.exporter.get_finished_spans()
    trace_id, span_id = format(span.context.trace_id, "032x"), format(span.context.span_id, "016x")
    assert output[0].split("-")[1:3] == [trace_id, span_id]
    assert output[1] == "None"  # another trace's state is not passed on
    assert child_environ["KEEP"] == "me"
    assert environ == {"PATH": "/usr/bin:/bin", "TRACESTATE": "stale=1", "KEEP": "me"}
    assert traced_environ(environ) == environ  # no span current: a plain copy


def test_incoming_traceparent_is_the_parent_of_root_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEPARENT", f"00-{INCOMING_TRACE}-{INCOMING_SPAN}-01")
    monkeypatch.setenv("TRACESTATE", "vendor=abc")
    run = Run()
    try:
        with run.conversation.start_span(TURN, {}, SpanHandle) as turn:
            child_headers = turn.headers()
            with run.conversation.start_span(TOOL, {}, SpanHandle):
                pass
    finally:
        run.telemetry.shutdown(1.0)
    tool_span, turn_span = run.exporter.get_finished_spans()
    assert turn_span.parent is not None and turn_span.parent.is_remote
    assert format(turn_span.parent.span_id, "016x") == INCOMING_SPAN
    assert format(turn_span.context.trace_id, "032x") == INCOMING_TRACE
    assert tool_span.parent is not None
    assert tool_span.parent.span_id == turn_span.context.span_id  # the catalog span first
    assert child_headers["tracestate"] == "vendor=abc"
    assert run.telemetry.stats.span_parent_errors == 0  # a foreign parent: still a root


@pytest.mark.parametrize(
    "value", ["garbage", f"00-{'0' * 32}-{INCOMING_SPAN}-01", f"00-{INCOMING_TRACE}-zz-01", ""]
)
def test_a_malformed_traceparent_is_ignored_and_reported_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    monkeypatch.setenv("TRACEPARENT", value)
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        run = Run()
        try:
            for _ in range(3):
                with run.conversation.start_span(TURN, {}, SpanHandle):
                    pass
        finally:
            run.telemetry.shutdown(1.0)
    spans = run.exporter.get_finished_spans()
    assert len(spans) == 3 and all(span.parent is None for span in spans)
    assert len({span.context.trace_id for span in spans}) == 3  # new traces
    reports = [r.getMessage() for r in caplog.records if "TRACEPARENT" in r.getMessage()]
    assert len(reports) == 1, reports
    assert "ignored" in reports[0]
