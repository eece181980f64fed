"""The trace pipeline (`start_traces`) against real receivers over real sockets: every
transport, the private provider, the sampler, `span_attributes`, the bounded shutdown with
a dead collector, and the span spool across an outage (collector down, then up: every
span delivered exactly once).

Spans are started on the pipeline's own SDK tracer (`pipeline.tracer`): the span API
(`Conversation.start_span`) is tested with `Telemetry`.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from codex_otel.runtime._traces_pipeline import TracesPipeline, start_traces
from codex_otel.runtime.config import (
    BatchConfig,
    ConfigError,
    FileExporter,
    OtelConfig,
    OtlpGrpcExporter,
    OtlpHttpExporter,
    SpoolConfig,
    TlsConfig,
)
from receivers import OtlpGrpcReceiver, OtlpHttpReceiver, ReceivedSpan, RefusingPort, unused_port
from receivers.rotel import RotelCollector
from receivers.tls import TlsCerts

Reports = list[tuple[str, str]]


@pytest.fixture
def reports() -> Reports:
    return []


@pytest.fixture
def started(reports: Reports) -> Iterator[list[TracesPipeline]]:
    """Pipelines a test starts, shut down at teardown whatever the test did."""
    pipelines: list[TracesPipeline] = []
    yield pipelines
    for pipeline in pipelines:
        pipeline.shutdown(0.5)


def start(config: OtelConfig, reports: Reports, started: list[TracesPipeline]) -> TracesPipeline:
    pipeline = start_traces(config, "1.2.3", lambda kind, message: reports.append((kind, message)))
    assert pipeline is not None
    started.append(pipeline)
    return pipeline


def traced(
    exporter: OtlpHttpExporter | OtlpGrpcExporter | FileExporter, **options: object
) -> OtelConfig:
    return OtelConfig(trace_exporter=exporter, service_name="svc", **options)  # type: ignore[arg-type]


def make_tree(pipeline: TracesPipeline, tag: str = "") -> None:
    """A root with a child that fails: the shapes a turn and a tool call have."""
    tracer = pipeline.tracer
    with tracer.start_as_current_span(
        f"invoke_agent{tag}", attributes={"gen_ai.agent.name": "codex"}
    ):
        try:
            with tracer.start_as_current_span(
                f"execute_tool{tag}", attributes={"gen_ai.tool.name": "shell", "n": 3, "e": []}
            ):
                raise ValueError("boom")
        except ValueError:
            pass


def check_tree(spans: list[ReceivedSpan], tag: str = "") -> None:
    by_name = {span.name: span for span in spans}
    root, child = by_name[f"invoke_agent{tag}"], by_name[f"execute_tool{tag}"]
    assert root.parent_span_id == ""
    assert child.parent_span_id == root.span_id
    assert child.trace_id == root.trace_id
    assert child.status == "error"
    assert "exception" in child.event_names
    assert child.attributes["gen_ai.tool.name"] == "shell"
    assert child.attributes["n"] == 3
    assert root.resource["service.name"] == "svc"
    assert root.resource["service.version"] == "1.2.3"


@pytest.mark.parametrize("protocol", ["binary", "json"])
def test_spans_reach_an_http_collector(
    http_receiver: OtlpHttpReceiver,
    protocol: str,
    reports: Reports,
    started: list[TracesPipeline],
) -> None:
    exporter = OtlpHttpExporter(http_receiver.traces_endpoint, protocol=protocol)  # type: ignore[arg-type]
    pipeline = start(traced(exporter), reports, started)
    make_tree(pipeline)
    assert pipeline.shutdown(5.0)
    assert http_receiver.wait_for_spans(2)
    check_tree(http_receiver.received_spans())
    assert pipeline.span_export_failures == 0
    assert reports == []


def test_spans_reach_a_grpc_collector(
    grpc_receiver: OtlpGrpcReceiver, reports: Reports, started: list[TracesPipeline]
) -> None:
    pipeline = start(traced(OtlpGrpcExporter(grpc_receiver.endpoint)), reports, started)
    make_tree(pipeline)
    assert pipeline.force_flush(5.0)
    assert grpc_receiver.wait_for_spans(2)
    check_tree(grpc_receiver.received_spans())
    assert pipeline.shutdown(5.0)


def test_spans_reach_a_collector_over_mtls(
    mtls_http_receiver: OtlpHttpReceiver,
    tls_certs: TlsCerts,
    reports: Reports,
    started: list[TracesPipeline],
) -> None:
    tls = TlsConfig(
        ca_certificate=tls_certs.ca,
        client_certificate=tls_certs.client_cert,
        client_private_key=tls_certs.client_key,
    )
    exporter = OtlpHttpExporter(mtls_http_receiver.traces_endpoint, tls=tls, compression="gzip")
    pipeline = start(traced(exporter), reports, started)
    make_tree(pipeline)
    assert pipeline.shutdown(5.0)
    assert mtls_http_receiver.wait_for_spans(2)
    check_tree(mtls_http_receiver.received_spans())


def test_the_file_exporter_writes_otlp_json_lines(
    tmp_path: Path, reports: Reports, started: list[TracesPipeline]
) -> None:
    path = tmp_path / "spans.jsonl"
    pipeline = start(traced(FileExporter(str(path))), reports, started)
    make_tree(pipeline)
    assert pipeline.shutdown(5.0)
    documents = [json.loads(line) for line in path.read_text().splitlines()]
    spans = [
        span
        for document in documents
        for resource in document["resourceSpans"]
        for scope in resource["scopeSpans"]
        for span in scope["spans"]
    ]
    assert sorted(span["name"] for span in spans) == ["execute_tool", "invoke_agent"]
    # Hex ids, and an empty array written as strict receivers need it.
    child = next(span for span in spans if span["name"] == "execute_tool")
    assert len(child["traceId"]) == 32 and len(child["parentSpanId"]) == 16
    empty = next(item for item in child["attributes"] if item["key"] == "e")
    assert empty["value"] == {"arrayValue": {"values": []}}


def test_none_imports_nothing_and_starts_nothing(reports: Reports) -> None:
    assert start_traces(OtelConfig(), "1", lambda kind, message: None) is None
    disabled = traced(OtlpHttpExporter("http://127.0.0.1:9/v1/traces"), sdk_disabled=True)
    assert start_traces(disabled, "1", lambda kind, message: None) is None


def test_the_provider_is_private(
    http_receiver: OtlpHttpReceiver, reports: Reports, started: list[TracesPipeline]
) -> None:
    from opentelemetry import trace

    before = trace.get_tracer_provider()
    pipeline = start(traced(OtlpHttpExporter(http_receiver.traces_endpoint)), reports, started)
    assert trace.get_tracer_provider() is before
    # A span of the host's own (global) tracer is not ours.
    with trace.get_tracer("host").start_as_current_span("host-span"):
        pass
    make_tree(pipeline)
    assert pipeline.shutdown(5.0)
    assert http_receiver.wait_for_spans(2)
    assert "host-span" not in {span.name for span in http_receiver.received_spans()}


def test_span_attributes_are_on_every_span_and_the_sampler_applies(
    http_receiver: OtlpHttpReceiver, reports: Reports, started: list[TracesPipeline]
) -> None:
    config = traced(
        OtlpHttpExporter(http_receiver.traces_endpoint),
        span_attributes={"deployment.region": "eu", "team": "agents"},
    )
    pipeline = start(config, reports, started)
    make_tree(pipeline)
    with pipeline.tracer.start_as_current_span("own", attributes={"team": "mine", "k": "v"}):
        pass
    assert pipeline.shutdown(5.0)
    assert http_receiver.wait_for_spans(3)
    for span in http_receiver.received_spans():
        assert span.attributes["deployment.region"] == "eu"
        # Set when the span starts, after its own attributes: the constant wins.
        assert span.attributes["team"] == "agents"
    assert http_receiver.received_spans("own")[0].attributes["k"] == "v"


@pytest.mark.parametrize(
    ("sampler", "arg", "recorded"),
    [
        ("always_off", 1.0, False),
        ("parentbased_always_off", 1.0, False),
        ("traceidratio", 0.0, False),
        ("parentbased_traceidratio", 1.0, True),
        ("always_on", 1.0, True),
    ],
)
def test_the_configured_sampler_decides(
    sampler: str, arg: float, recorded: bool, reports: Reports, started: list[TracesPipeline]
) -> None:
    config = traced(
        OtlpHttpExporter("http://127.0.0.1:9/v1/traces"),
        traces_sampler=sampler,
        traces_sampler_arg=arg,
        spool=SpoolConfig(enabled=False),
    )
    pipeline = start(config, reports, started)
    with pipeline.tracer.start_as_current_span("s") as span:
        assert span.is_recording() is recorded


def test_a_bad_config_raises_on_the_callers_thread(tmp_path: Path) -> None:
    missing = TlsConfig(ca_certificate=tmp_path / "nope.pem")
    config = traced(OtlpHttpExporter("https://127.0.0.1:9/v1/traces", tls=missing))
    with pytest.raises(ConfigError, match="trace_exporter"):
        start_traces(config, "1", lambda kind, message: None)
    folder = traced(FileExporter(str(tmp_path / "no" / "such" / "dir" / "f.jsonl")))
    with pytest.raises(ConfigError, match=r"otel\.trace_exporter\.file\.path"):
        start_traces(folder, "1", lambda kind, message: None)
    ratio = dataclasses.replace(
        traced(OtlpHttpExporter("http://127.0.0.1:9/v1/traces")), traces_sampler_arg=2.0
    )
    with pytest.raises(ConfigError, match="traces_sampler_arg"):
        start_traces(ratio, "1", lambda kind, message: None)
    sizes = dataclasses.replace(
        traced(OtlpHttpExporter("http://127.0.0.1:9/v1/traces")),
        batch=BatchConfig(max_queue_size=10, max_export_batch_size=20),
    )
    with pytest.raises(ConfigError, match=r"otel\.batch: .*max_export_batch_size=20"):
        start_traces(sizes, "1", lambda kind, message: None)


def test_shutdown_is_bounded_with_a_dead_collector_and_spools_the_spans(
    reports: Reports, started: list[TracesPipeline]
) -> None:
    port = RefusingPort()
    try:
        # A black hole would be slower than refused: the bound must hold for both; the
        # exporter's own retries (up to its 10 s timeout) are what is cut off here.
        config = traced(OtlpHttpExporter(f"http://127.0.0.1:{port.port}/v1/traces"))
        pipeline = start(config, reports, started)
        for index in range(50):
            with pipeline.tracer.start_as_current_span(f"s{index}"):
                pass
        began = time.monotonic()
        assert not pipeline.shutdown(0.5)
        assert time.monotonic() - began < 1.5
        assert pipeline.spans_spooled == 50
        assert pipeline.spans_pending == 50
        assert pipeline.spans_dropped == 0
    finally:
        port.close()


def receiver_and_exporter(
    transport: str,
) -> tuple[OtlpHttpReceiver | OtlpGrpcReceiver, OtlpHttpExporter | OtlpGrpcExporter]:
    """A receiver not started yet (the collector down) and the exporter that reaches it."""
    port = unused_port()
    if transport == "grpc":
        return OtlpGrpcReceiver(port=port, start=False), OtlpGrpcExporter(
            f"http://127.0.0.1:{port}", timeout=1.0
        )
    protocol: Literal["binary", "json"] = "json" if transport == "http-json" else "binary"
    return OtlpHttpReceiver(port=port, start=False), OtlpHttpExporter(
        f"http://127.0.0.1:{port}/v1/traces", protocol=protocol, timeout=1.0
    )


@pytest.mark.parametrize("transport", ["http-binary", "http-json", "grpc"])
def test_an_outage_is_spooled_and_every_span_delivered_once_when_the_collector_is_back(
    transport: str, reports: Reports, started: list[TracesPipeline]
) -> None:
    receiver, exporter = receiver_and_exporter(transport)
    config = traced(exporter, shutdown_timeout=2.0)
    # Run 1: the collector is down for the whole run; its spans end in the spool.
    first = start(config, reports, started)
    make_tree(first, "-1")
    first.shutdown(2.0)
    assert first.spans_spooled == 2
    assert first.spans_pending == 2
    # Run 2: the collector is up. What run 1 left is delivered, this run's own spans as
    # usual; nothing twice.
    receiver.start()
    try:
        second = start(config, reports, started)
        make_tree(second, "-2")
        assert second.shutdown(5.0)
        assert receiver.wait_for_spans(4)
        time.sleep(0.3)  # a duplicate would arrive by now
        spans = receiver.received_spans()
        assert sorted(span.name for span in spans) == sorted(
            ["invoke_agent-1", "execute_tool-1", "invoke_agent-2", "execute_tool-2"]
        )
        check_tree(spans, "-1")  # the spooled spans keep their ids, parents and status
        check_tree(spans, "-2")
        assert second.spans_delivered == 2
        assert second.spans_pending == 0
    finally:
        receiver.stop()


def test_spans_spooled_during_a_run_are_delivered_once_the_collector_is_back(
    reports: Reports, started: list[TracesPipeline]
) -> None:
    receiver = OtlpHttpReceiver(port=unused_port(), start=False)
    endpoint = f"http://127.0.0.1:{receiver.port}/v1/traces"
    config = traced(OtlpHttpExporter(endpoint, timeout=1.0))
    pipeline = start(config, reports, started)
    make_tree(pipeline, "-down")
    pipeline.force_flush(3.0)  # the export fails: spooled
    assert pipeline.spans_spooled == 2
    assert pipeline.span_export_failures == 1
    receiver.start()
    try:
        make_tree(pipeline, "-up")
        assert pipeline.force_flush(5.0)  # succeeds: the spool is delivered behind it
        assert receiver.wait_for_spans(4)
        assert receiver.wait_until(lambda: pipeline.spans_delivered == 2)
        names = sorted(span.name for span in receiver.received_spans())
        assert names == sorted(
            ["invoke_agent-down", "execute_tool-down", "invoke_agent-up", "execute_tool-up"]
        )
        assert pipeline.shutdown(5.0)
        assert pipeline.spans_pending == 0
    finally:
        receiver.stop()


@pytest.mark.parametrize("transport", ["http-binary", "http-json", "grpc"])
def test_rotel_decodes_the_spans_of_every_transport(
    rotel_collector: RotelCollector,
    transport: str,
    reports: Reports,
    started: list[TracesPipeline],
) -> None:
    """An independent collector (Rotel, Rust) decodes what the pipeline sends: the tree,
    the error status and its exception event, the resource."""
    exporter: OtlpHttpExporter | OtlpGrpcExporter
    if transport == "grpc":
        exporter = OtlpGrpcExporter(rotel_collector.grpc_endpoint)
    else:
        protocol: Literal["binary", "json"] = "json" if transport == "http-json" else "binary"
        exporter = OtlpHttpExporter(rotel_collector.http_traces_endpoint, protocol=protocol)
    pipeline = start(traced(exporter), reports, started)
    make_tree(pipeline)
    assert pipeline.shutdown(5.0)
    assert rotel_collector.wait_for_spans(2)
    check_tree(rotel_collector.received_spans())
    assert rotel_collector.span_count() == 2


def test_an_exporter_that_cannot_start_is_reported_and_its_spans_not_spooled(
    monkeypatch: pytest.MonkeyPatch, reports: Reports, started: list[TracesPipeline]
) -> None:
    from codex_otel.runtime import _traces_pipeline

    def cannot_build(config: OtelConfig, export_timeout: float) -> object:
        raise RuntimeError("no transport here")

    # The one stand-in of this file: a build failure the config checks cannot foresee.
    monkeypatch.setattr(_traces_pipeline, "_built_exporter", cannot_build)
    config = traced(OtlpHttpExporter(f"http://127.0.0.1:{unused_port()}/v1/traces"))
    pipeline = start(config, reports, started)
    make_tree(pipeline)  # the tracer works all the same
    assert not pipeline.shutdown(2.0)
    assert [kind for kind, _ in reports] == ["trace-exporter-start"]
    assert "cannot start (RuntimeError: no transport here)" in reports[0][1]
    # Nothing could ever deliver them: not written to the spool, counted as lost.
    assert pipeline.spans_spooled == 0
    assert pipeline.spans_dropped == 2
    assert pipeline.span_export_failures == 1


def test_ctrl_c_during_shutdown_spools_what_is_in_memory(
    reports: Reports, started: list[TracesPipeline]
) -> None:
    """`Telemetry.shutdown` hands its pipelines to `_signals.interrupted` on a Ctrl-C: the
    queued spans are on disk before the `KeyboardInterrupt` reaches the caller."""
    from codex_otel.runtime._signals import interrupted

    config = traced(
        OtlpHttpExporter(f"http://127.0.0.1:{unused_port()}/v1/traces"),
        batch=BatchConfig(schedule_delay_ms=600_000),  # everything stays queued
    )
    pipeline = start(config, reports, started)
    make_tree(pipeline)
    raised = interrupted(None, pipeline)
    assert isinstance(raised, KeyboardInterrupt)
    assert pipeline.spans_spooled == 2
    assert pipeline.spooling is not None and pipeline.spooling.spool.interrupted
    assert not pipeline.shutdown(0.5)  # nothing left to deliver: a signal ended it


def test_request_shutdown_lets_the_export_run_while_others_shut_down(
    http_receiver: OtlpHttpReceiver, reports: Reports, started: list[TracesPipeline]
) -> None:
    config = traced(
        OtlpHttpExporter(http_receiver.traces_endpoint),
        batch=BatchConfig(schedule_delay_ms=600_000),
    )
    pipeline = start(config, reports, started)
    make_tree(pipeline)
    pipeline.request_shutdown()
    assert http_receiver.wait_for_spans(2)  # exported without anyone waiting
    assert pipeline.shutdown(5.0)
    assert pipeline.closed
    # Spans started after the shutdown go nowhere and break nothing.
    with pipeline.tracer.start_as_current_span("late"):
        pass
    assert [span.name for span in http_receiver.received_spans("late")] == []


def test_the_sdks_messages_are_counted_not_printed(
    reports: Reports, started: list[TracesPipeline]
) -> None:
    """With the collector down the SDK's exporter logs its failures; none of it reaches
    the host's logging (a handler on the root logger sees nothing of `opentelemetry`)."""
    import logging

    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.name.startswith("opentelemetry"):
                seen.append(record)

    handler = Keep()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        config = traced(
            OtlpHttpExporter(f"http://127.0.0.1:{unused_port()}/v1/traces", timeout=1.0),
            spool=SpoolConfig(enabled=False),
        )
        pipeline = start(config, reports, started)
        make_tree(pipeline)
        assert not pipeline.force_flush(3.0)
        assert pipeline.span_export_failures == 1
        assert pipeline.sdk_messages >= 1
        assert seen == []
    finally:
        root.removeHandler(handler)


def test_with_traces_off_nothing_of_opentelemetry_is_imported() -> None:
    """Measured in a fresh interpreter: `trace_exporter = "none"` costs no import; on, the
    SDK's trace module is loaded by `start_traces` itself (the tracer works at once)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from codex_otel.runtime._traces_pipeline import start_traces\n"
        "from codex_otel.runtime.config import OtelConfig, OtlpHttpExporter, SpoolConfig\n"
        "off = start_traces(OtelConfig(), '1', lambda kind, message: None)\n"
        "print(off is None, any(name.startswith('opentelemetry') for name in sys.modules))\n"
        "on = start_traces(OtelConfig(trace_exporter=OtlpHttpExporter('http://127.0.0.1:9/v1/"
        "traces'), spool=SpoolConfig(enabled=False)), '1', lambda kind, message: None)\n"
        "print(on is not None, 'opentelemetry.sdk.trace' in sys.modules)\n"
        "on.shutdown(0.1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split("\n")[:2] == ["True False", "True True"], done.stdout
