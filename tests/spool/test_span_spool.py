"""The span spool (`runtime/_traces_spool.py`): a span survives the disk with everything a
trace view needs (ids, parent, kind, status, times, events, links); hostile files are set
aside; a SIGTERM spools what is in memory; a forked child traces on its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from codex_otel.runtime._traces_spool import (
    SpanSpool,
    batches_from_spans,
    span_spool_for,
    spans_from_batch,
)
from codex_otel.runtime.config import OtelConfig, OtlpHttpExporter, SpoolConfig
from receivers import OtlpHttpReceiver, unused_port

OPEN_SPAN_EMITTER = Path(__file__).with_name("open_span_emitter.py")

EMITTER = Path(__file__).with_name("span_emitter.py")


def sdk_spans() -> list[Any]:
    """Finished SDK spans: a root under a remote parent, a client child that failed, with
    an exception event and a link."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Link, SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource({"service.name": "s"}), shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("scope", "9.9")
    remote = TraceContextTextMapPropagator().extract(
        {
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "tracestate": "vendor=value",
        }
    )
    with tracer.start_as_current_span("root", context=remote, attributes={"a": [1, 2]}) as root:
        link = Link(root.get_span_context(), {"why": "retry"})
        try:
            with tracer.start_as_current_span(
                "child", kind=SpanKind.CLIENT, links=[link], attributes={"e": [], "f": 1.5}
            ):
                raise RuntimeError("no")
        except RuntimeError:
            pass
    return list(exporter.get_finished_spans())


def test_a_span_survives_the_disk(tmp_path: Path) -> None:
    spans = sdk_spans()
    spool = SpanSpool(tmp_path, "d" * 32, 1 << 20)
    for batch in batches_from_spans(spans):
        assert spool.write(batch) == len(batch.events)
    claims = list(spool.claims())
    assert len(claims) == 1
    back: list[Any] = list(spans_from_batch(claims[0].batch))
    claims[0].done()
    assert [span.name for span in back] == [span.name for span in spans]
    for original, read in zip(spans, back, strict=True):
        assert read.context.trace_id == original.context.trace_id
        assert read.context.span_id == original.context.span_id
        assert read.context.trace_state.to_header() == original.context.trace_state.to_header()
        assert (read.parent.span_id if read.parent else None) == (
            original.parent.span_id if original.parent else None
        )
        assert (read.parent.is_remote if read.parent else None) == (
            original.parent.is_remote if original.parent else None
        )
        assert read.kind == original.kind
        assert read.status.status_code == original.status.status_code
        assert read.status.description == original.status.description
        assert (read.start_time, read.end_time) == (original.start_time, original.end_time)
        assert dict(read.attributes) == {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in original.attributes.items()
        }
        assert [(event.name, event.timestamp) for event in read.events] == [
            (event.name, event.timestamp) for event in original.events
        ]
        assert [link.context.span_id for link in read.links] == [
            link.context.span_id for link in original.links
        ]
        assert read.resource.attributes["service.name"] == "s"
        assert (read.instrumentation_scope.name, read.instrumentation_scope.version) == (
            "scope",
            "9.9",
        )
    child = back[0]
    assert child.events[0].name == "exception"
    assert child.events[0].attributes["exception.type"] == "RuntimeError"
    assert dict(child.links[0].attributes) == {"why": "retry"}
    assert spool.pending_events() == 0


@pytest.mark.parametrize(
    "bad_line",
    [
        '{"span":"x","trace":"00000000000000000000000000000000","id":"b7ad6b7169203331"}',
        '{"span":"x","trace":"0af7651916cd43dd8448eb211c80319c","id":"short"}',
        '{"span":"x","trace":"0af7651916cd43dd8448eb211c80319c","id":"b7ad6b7169203331",'
        '"parent":null,"remote":false,"flags":1,"state":"","kind":9,"start":1,"end":2,'
        '"attributes":{},"status":0,"description":""}',
        '{"span":"x","trace":"0af7651916cd43dd8448eb211c80319c","id":"b7ad6b7169203331",'
        '"parent":null,"remote":false,"flags":1,"state":"","kind":0,"start":1,"end":2,'
        '"attributes":{},"status":0,"description":"","events":"[[[[[["}',
    ],
    ids=["zero-trace-id", "short-span-id", "unknown-kind", "events-not-json"],
)
def test_a_file_with_a_bad_span_is_set_aside(tmp_path: Path, bad_line: str) -> None:
    spool = SpanSpool(tmp_path, "e" * 32, 1 << 20)
    spool.write(batches_from_spans(sdk_spans())[0])
    [written] = spool.pending_files()
    header = written.read_text().splitlines()[0].replace('"count":2', '"count":1')
    written.write_text(f"{header}\n{bad_line}\n")
    assert list(spool.claims()) == []
    assert spool.skipped_files == 1
    assert [path.name.endswith(".corrupt") for path in spool.directory.iterdir()] == [True]


def test_each_destination_has_its_own_folder_apart_from_the_logs(tmp_path: Path) -> None:
    def config(endpoint: str) -> OtelConfig:
        exporter = OtlpHttpExporter(endpoint)
        return OtelConfig(
            exporter=exporter, trace_exporter=exporter, spool=SpoolConfig(path=tmp_path)
        )

    first = span_spool_for(config("http://a:4318/v1/traces"))
    second = span_spool_for(config("http://b:4318/v1/traces"))
    assert first is not None and second is not None
    assert first.directory != second.directory
    from codex_otel.runtime._spool import destination_key

    # The same exporter for logs would not share the traces' folder.
    assert first.destination != destination_key(config("http://a:4318/v1/traces").exporter)
    assert span_spool_for(OtelConfig(spool=SpoolConfig(path=tmp_path))) is None
    disabled = OtelConfig(
        trace_exporter=OtlpHttpExporter("http://a/v1/traces"), spool=SpoolConfig(enabled=False)
    )
    assert span_spool_for(disabled) is None


def test_sigterm_spools_the_spans_in_memory_and_the_next_run_delivers_them(
    spool_in_tmp: Path,
) -> None:
    down = f"http://127.0.0.1:{unused_port()}/v1/traces"
    child = subprocess.Popen(
        [sys.executable, str(EMITTER), down, "5", "termed"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ended"
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=20)
    finally:
        child.kill()
    # The process ended as SIGTERM ends it, with nothing printed by telemetry.
    assert child.returncode == -signal.SIGTERM, err
    assert "Traceback" not in err
    config = OtelConfig(trace_exporter=OtlpHttpExporter(down))
    spool = span_spool_for(config)
    assert spool is not None
    assert spool.pending_events() == 6  # five children and their root
    # The next run, with the collector up at the same destination, delivers them.
    receiver = OtlpHttpReceiver(port=int(down.split(":")[2].split("/", maxsplit=1)[0]))
    try:
        from codex_otel.runtime._traces_pipeline import start_traces

        pipeline = start_traces(config, "1", lambda kind, message: None)
        assert pipeline is not None
        assert receiver.wait_for_spans(6, timeout=10)
        assert pipeline.shutdown(5.0)
        names = sorted(span.name for span in receiver.received_spans())
        assert names == sorted(["termed-root", *(f"termed-{n}" for n in range(5))])
        assert spool.pending_events() == 0
    finally:
        receiver.stop()


def test_spans_open_at_a_sigterm_are_ended_failed_and_spooled(spool_in_tmp: Path) -> None:
    """A host killed inside a tool call: its turn and tool call spans, still open, end
    with an ERROR status and `error.type` `codex_otel.shutdown` before the spool takes
    what is in memory, and the next run delivers them."""
    port = unused_port()
    down = f"http://127.0.0.1:{port}"
    child = subprocess.Popen(
        [sys.executable, str(OPEN_SPAN_EMITTER), down],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "open"
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=20)
    finally:
        child.kill()
    assert child.returncode == -signal.SIGTERM, err
    assert "Traceback" not in err
    config = OtelConfig(trace_exporter=OtlpHttpExporter(f"{down}/v1/traces"))
    spool = span_spool_for(config)
    assert spool is not None
    assert spool.pending_events() == 2
    receiver = OtlpHttpReceiver(port=port)
    try:
        from codex_otel.runtime._traces_pipeline import start_traces

        pipeline = start_traces(config, "1", lambda kind, message: None)
        assert pipeline is not None
        assert receiver.wait_for_spans(2, timeout=10)
        assert pipeline.shutdown(5.0)
        spans = {span.name: span for span in receiver.received_spans()}
    finally:
        receiver.stop()
    assert set(spans) == {"invoke_agent codex", "execute_tool shell"}
    for span in spans.values():
        assert span.status == "error"
        assert span.attributes["error.type"] == "codex_otel.shutdown"
    tool, turn = spans["execute_tool shell"], spans["invoke_agent codex"]
    assert tool.parent_span_id == turn.span_id


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_traces_on_its_own(spool_in_tmp: Path) -> None:
    from codex_otel.runtime._traces_pipeline import start_traces

    receiver = OtlpHttpReceiver()
    try:
        config = OtelConfig(trace_exporter=OtlpHttpExporter(receiver.traces_endpoint))
        pipeline = start_traces(config, "1", lambda kind, message: None)
        assert pipeline is not None
        with pipeline.tracer.start_as_current_span("parent-before-fork"):
            pass
        pid = os.fork()
        if pid == 0:  # the child: its own worker, its own export, then out
            status = 1
            try:
                with pipeline.tracer.start_as_current_span("in-child"):
                    pass
                status = 0 if pipeline.shutdown(5.0) else 2
            finally:
                os._exit(status)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert pipeline.shutdown(5.0)
        assert receiver.wait_for_spans(2)
        time.sleep(0.2)
        names = sorted(span.name for span in receiver.received_spans())
        assert names == ["in-child", "parent-before-fork"]
    finally:
        receiver.stop()


def test_sigkill_during_a_stuck_export_leaves_the_batch_for_the_next_run(
    spool_in_tmp: Path,
) -> None:
    """Written ahead: the batch being exported (to a collector that never answers) is on
    disk, claimed by the process; killed outright, it leaves the claim, and the next run
    takes it back from the dead process and delivers it."""
    receiver = OtlpHttpReceiver()
    try:
        receiver.blackhole()
        child = subprocess.Popen(
            [sys.executable, str(EMITTER), receiver.traces_endpoint, "3", "killed", "export"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ended"
            assert receiver.wait_for_faults(1)  # the export is held by the collector
            child.send_signal(signal.SIGKILL)
            child.communicate(timeout=20)
        finally:
            child.kill()
        assert child.returncode == -signal.SIGKILL
        config = OtelConfig(trace_exporter=OtlpHttpExporter(receiver.traces_endpoint))
        spool = span_spool_for(config)
        assert spool is not None
        claimed = [path.name for path in spool.directory.iterdir()]
        assert len(claimed) == 1 and f".claimed-{child.pid}" in claimed[0], claimed
        receiver.heal()
        receiver.clear()
        from codex_otel.runtime._traces_pipeline import start_traces

        pipeline = start_traces(config, "1", lambda kind, message: None)
        assert pipeline is not None
        assert receiver.wait_for_spans(4, timeout=10)
        assert pipeline.shutdown(5.0)
        names = sorted(span.name for span in receiver.received_spans())
        assert names == sorted(["killed-root", "killed-0", "killed-1", "killed-2"])
        assert pipeline.spans_delivered == 4
        assert list(spool.directory.iterdir()) == []
    finally:
        receiver.stop()
