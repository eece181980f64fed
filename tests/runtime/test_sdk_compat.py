"""Every OpenTelemetry internal the runtime uses (`runtime/_sdk_compat.py`), checked
against the installed packages: a release that moves one fails here, by name, instead
of silently costing the feature that needs it (drop counts, the spool at an abort,
strict OTLP/JSON, fresh connections after fork, the start finished before exit).

Each test drives the real SDK object and checks the accessor reached the real thing
(not its fallback), and where it matters, that the SDK still behaves as relied on.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    InMemoryLogRecordExporter,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    InMemoryMetricReader,
    PeriodicExportingMetricReader,
)

from codex_otel.runtime import _sdk_compat
from codex_otel.runtime._signal import LOGS, METRICS, TRACES
from receivers import OtlpHttpReceiver, unused_port

SIGNALS = {"logs": LOGS, "metrics": METRICS, "traces": TRACES}


@pytest.fixture(autouse=True)
def nothing_moved(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """No accessor fell back (each says so at debug level when it does)."""
    with caplog.at_level(logging.DEBUG, logger="codex_otel"):
        yield
    moved = [
        r.getMessage() for r in caplog.records if "OpenTelemetry version has no" in r.getMessage()
    ]
    assert moved == [], moved


class BlockingExporter(InMemoryLogRecordExporter):
    """Holds the worker in `export` until released: the queue then fills for certain."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.exporting = threading.Event()
        self.release = threading.Event()

    def export(self, batch: Any) -> Any:
        self.exporting.set()
        self.release.wait(10)
        return super().export(batch)


def batch_processor(
    max_queue_size: int = 2048, exporter: Any = None
) -> tuple[LoggerProvider, BatchLogRecordProcessor]:
    provider = LoggerProvider(shutdown_on_exit=False)
    processor = BatchLogRecordProcessor(
        exporter or InMemoryLogRecordExporter(),  # type: ignore[no-untyped-call]
        schedule_delay_millis=60_000,  # nothing leaves the queue on its own
        max_queue_size=max_queue_size,
        max_export_batch_size=max_queue_size,
    )
    provider.add_log_record_processor(processor)
    return provider, processor


def emit(provider: LoggerProvider, *names: str) -> None:
    logger = provider.get_logger("test")
    for name in names:
        logger.emit(event_name=name, timestamp=time.time_ns())


def test_the_batch_worker_thread(request: pytest.FixtureRequest) -> None:
    provider, processor = batch_processor()
    request.addfinalizer(provider.shutdown)
    thread = _sdk_compat.worker_thread(processor)
    assert isinstance(thread, threading.Thread), _sdk_compat.WORKER_THREAD
    assert thread.is_alive()
    assert _sdk_compat.worker_ident(processor)() == thread.ident


def test_the_batch_queue_is_taken_oldest_first(request: pytest.FixtureRequest) -> None:
    provider, processor = batch_processor()
    request.addfinalizer(provider.shutdown)
    emit(provider, "first", "second", "third")
    assert _sdk_compat.queue_length(processor) == 3
    left = _sdk_compat.queued(processor)  # read, left in the queue
    assert [record.log_record.event_name for record in left] == ["first", "second", "third"]
    taken = _sdk_compat.take_queued(processor)
    assert [record.log_record.event_name for record in taken] == ["first", "second", "third"]
    assert _sdk_compat.take_queued(processor) == []  # the queue is empty now
    assert _sdk_compat.queue_length(processor) == 0


def test_queue_full_drops_reach_the_wrapped_recorder(request: pytest.FixtureRequest) -> None:
    exporter = BlockingExporter()
    provider, processor = batch_processor(max_queue_size=2, exporter=exporter)
    request.addfinalizer(provider.shutdown)
    request.addfinalizer(exporter.release.set)
    drops: list[tuple[int, str]] = []

    class Counting:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def register_queue_size(self, get: Any) -> None:
            self.inner.register_queue_size(get)

        def drop_items(self, count: int, error_type: str = "queue_full") -> None:
            drops.append((count, error_type))

        def finish_items(self, count: int) -> None:
            self.inner.finish_items(count)

    assert _sdk_compat.wrap_processor_metrics(processor, Counting), _sdk_compat.PROCESSOR_METRICS
    emit(provider, "a", "b")  # a full batch: the worker takes it, and is held exporting it
    assert exporter.exporting.wait(10)
    emit(provider, "c", "d")
    assert drops == []
    emit(provider, "e", "f", "g")  # the queue holds 2: three drops, each reported once
    assert drops == [(1, "queue_full")] * 3


def test_the_span_batch_processor_has_the_same_internals(request: pytest.FixtureRequest) -> None:
    """The trace pipeline reaches the span processor's worker, queue and drop recorder
    through the same functions (1.45: both wrap a `_shared_internal.BatchProcessor`)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    provider = TracerProvider(shutdown_on_exit=False)
    processor = BatchSpanProcessor(InMemorySpanExporter(), schedule_delay_millis=60_000)
    provider.add_span_processor(processor)
    request.addfinalizer(provider.shutdown)
    thread = _sdk_compat.worker_thread(processor)
    assert isinstance(thread, threading.Thread) and thread.is_alive(), _sdk_compat.WORKER_THREAD
    for name in ("first", "second"):
        with provider.get_tracer("t").start_as_current_span(name):
            pass
    assert _sdk_compat.queue_length(processor) == 2, _sdk_compat.QUEUE
    assert [span.name for span in _sdk_compat.take_queued(processor)] == ["first", "second"]
    assert _sdk_compat.wrap_processor_metrics(processor, lambda inner: inner)


def test_the_periodic_readers_thread(request: pytest.FixtureRequest) -> None:
    reader = PeriodicExportingMetricReader(
        _InMemoryExporter(), export_interval_millis=60_000, export_timeout_millis=1_000
    )
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    request.addfinalizer(provider.shutdown)
    threads = {t.ident for t in threading.enumerate()}
    ident = _sdk_compat.reader_ident(reader)()
    assert ident is not None and ident in threads, _sdk_compat.READER_THREAD


def test_a_preference_named_by_the_gauge_class_reaches_gauges() -> None:
    gauge_class = _sdk_compat.gauge_class()
    reader = InMemoryMetricReader(preferred_temporality={gauge_class: AggregationTemporality.DELTA})
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    try:
        gauge = provider.get_meter("test").create_gauge("g")
        assert isinstance(gauge, gauge_class), _sdk_compat.GAUGE
        # The reader's table, by the class of the instrument create_gauge made.
        temporality = reader._instrument_class_temporality[type(gauge)]
        assert temporality is AggregationTemporality.DELTA, _sdk_compat.GAUGE
    finally:
        provider.shutdown()


def test_a_metric_exporters_preferences_are_read_back() -> None:
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import Counter

    preference: dict[type, AggregationTemporality] = {Counter: AggregationTemporality.DELTA}
    exporter = OTLPMetricExporter(
        endpoint=f"http://127.0.0.1:{unused_port()}/v1/metrics", preferred_temporality=preference
    )
    try:
        preferences = _sdk_compat.exporter_preferences(exporter)
    finally:
        exporter.shutdown()
    assert preferences["preferred_temporality"][Counter] is AggregationTemporality.DELTA
    assert isinstance(preferences["preferred_aggregation"], dict)


@pytest.mark.parametrize("signal", ["logs", "metrics", "traces"])
def test_the_json_exporters_client_sends_a_body(signal: str) -> None:
    json_http = SIGNALS[signal].load(SIGNALS[signal].http_json)
    receiver = OtlpHttpReceiver()
    try:
        exporter = json_http(endpoint=receiver.endpoint.replace("/v1/logs", f"/v1/{signal}"))
        send = _sdk_compat.json_http_client(exporter)
        assert send is not None, _sdk_compat.JSON_HTTP_CLIENT
        assert _sdk_compat.json_exporter_shut_down(exporter) is False
        assert send(json.dumps({}).encode()) is True
        exporter.shutdown()
        assert _sdk_compat.json_exporter_shut_down(exporter) is True
        assert receiver.requests, "the body did not reach the receiver"
    finally:
        receiver.stop()


@pytest.mark.parametrize("signal", ["logs", "metrics", "traces"])
def test_the_json_file_exporter_writes_what_the_encoder_returns(signal: str) -> None:
    stream = io.StringIO()
    exporter = SIGNALS[signal].load(SIGNALS[signal].json_file)(stream=stream)
    assert _sdk_compat.replace_file_encoder(exporter, lambda batch: {"mine": True})
    exporter.export(_empty_metrics() if signal == "metrics" else [])
    assert stream.getvalue() == '{"mine":true}\n', _sdk_compat.JSON_FILE_ENCODER


@pytest.mark.parametrize("protocol", ["binary", "json"])
def test_the_http_exporters_connection_pools_are_found(protocol: str) -> None:
    endpoint = f"http://127.0.0.1:{unused_port()}/v1/logs"
    if protocol == "json":
        from opentelemetry.exporter.otlp.json.http._log_exporter import OTLPLogExporter
    else:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import (  # type: ignore[assignment]
            OTLPLogExporter,
        )
    exporter = OTLPLogExporter(endpoint=endpoint)
    try:
        pools = [
            getattr(holder, attribute, None)
            for holder, attribute in _sdk_compat.connection_pool_holders(exporter)
        ]
    finally:
        exporter.shutdown()
    # urllib3 pool managers: what `_fork.fresh_connection_pools` replaces in a child.
    managers = [
        pool for pool in pools if isinstance(getattr(pool, "connection_pool_kw", None), dict)
    ]
    assert managers, _sdk_compat.HTTP_POOLS


def test_threadings_exit_hook_is_there() -> None:
    assert callable(getattr(threading, "_register_atexit", None)), _sdk_compat.EXIT_HOOK
    assert _sdk_compat.register_before_thread_pools_close(lambda: None)


def test_the_runtime_contexts_detach_restores_and_refuses_a_foreign_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import contextvars

    from opentelemetry import context

    key = context.create_key("compat-probe")
    before = context.get_current()
    token = context.attach(context.set_value(key, 1))
    _sdk_compat.detach_context(token)
    assert context.get_current() is before, _sdk_compat.RUNTIME_CONTEXT
    # A token attached in another context (another task's) raises, and logs nothing.
    foreign = contextvars.copy_context().run(context.attach, context.set_value(key, 2))
    with caplog.at_level(logging.DEBUG), pytest.raises(ValueError, match="different Context"):
        _sdk_compat.detach_context(foreign)
    assert not caplog.records, _sdk_compat.RUNTIME_CONTEXT


# --- helpers ---------------------------------------------------------------------------


class _InMemoryExporter:
    """A metric exporter for the reader test (the reader wants a `MetricExporter`)."""

    def __new__(cls) -> Any:
        from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult

        class Exporter(MetricExporter):
            def export(self, metrics_data: Any, timeout_millis: float = 0, **_: Any) -> Any:
                return MetricExportResult.SUCCESS

            def force_flush(self, timeout_millis: float = 0) -> bool:
                return True

            def shutdown(self, timeout_millis: float = 0, **_: Any) -> None:
                pass

        return Exporter()


def _empty_metrics() -> Any:
    from opentelemetry.sdk.metrics.export import MetricsData

    return MetricsData(resource_metrics=[])


#: Private names of the OpenTelemetry packages (and CPython's frame walking): as code
#: names, and as the string a `getattr` would look them up by.
PRIVATE_NAMES = {
    "_batch_processor", "_worker_thread", "_daemon_thread", "_Gauge", "_register_atexit",
    "_preferred_temporality", "_preferred_aggregation", "_shared_internal", "_transport",
    "_getframe", "f_locals", "_RUNTIME_CONTEXT",
}  # fmt: skip
PRIVATE_STRINGS = PRIVATE_NAMES | {"_client", "_encode", "_queue", "_metrics", "_shutdown",
                                   "_exporter", "_pool", "_session"}  # fmt: skip


def test_no_other_runtime_module_reaches_an_internal() -> None:
    """What this file checks is all there is: `_sdk_compat` is the one module that
    reaches into OpenTelemetry (or walks stack frames)."""
    import io as io_module
    import tokenize
    from pathlib import Path

    from codex_otel import runtime

    found = []
    for path in sorted(Path(runtime.__file__).parent.glob("*.py")):
        if path.name == "_sdk_compat.py":
            continue
        source = path.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io_module.StringIO(source).readline):
            name = token.string
            if token.type == tokenize.STRING:
                name = name.strip("\"'")
                if name not in PRIVATE_STRINGS:
                    continue
            elif token.type != tokenize.NAME or name not in PRIVATE_NAMES:
                continue
            found.append(f"{path.name}:{token.start[0]}: {token.string}")
    assert found == [], found
