"""Every use of an OpenTelemetry internal (and one of CPython's), in one module.

The SDK's public API leaves out what the runtime needs to keep its promises: the batch
processor's worker thread and queue (a bounded shutdown that spools what is queued),
its queue-full drops (counted), the periodic reader's thread (the SDK's messages there
are the pipeline's), the gauge class (the temporality of every instrument kind), the
official OTLP/JSON exporters' HTTP client and file encoder (OTLP/JSON that strict
receivers accept), the HTTP exporters' connection pools (fresh ones in a forked child),
the runtime context's own detach (a span's context restored without an SDK log line),
and `threading`'s exit hooks (a start that finishes before the thread pools close).

Each is reached here and nowhere else, by one function that names it and the versions
it was read from (opentelemetry-sdk 1.45, the OTLP exporters 1.45, the OTLP/JSON
exporters 0.66b1, CPython 3.9+). `tests/runtime/test_sdk_compat.py` checks every one
against the installed packages and fails, naming the attribute, when a release moves
it; `pyproject.toml` caps the SDK at the newest minor those tests passed on. At run
time a moved attribute costs the feature that needs it (a debug message says which),
never the pipeline.

No OpenTelemetry import at import time.
"""

from __future__ import annotations

import collections
import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.sdk._shared_internal import _processor_metrics

    #: The batch processor's self-metrics recorder (what `wrap_processor_metrics` wraps).
    ProcessorMetricsT = _processor_metrics.ProcessorMetricsT

logger = logging.getLogger("codex_otel")

#: The names each function below reaches, for the tests and for messages.
BATCH_PROCESSOR = "BatchLogRecordProcessor._batch_processor"
WORKER_THREAD = f"{BATCH_PROCESSOR}._worker_thread"
QUEUE = f"{BATCH_PROCESSOR}._queue"
PROCESSOR_METRICS = f"{BATCH_PROCESSOR}._metrics"
READER_THREAD = "PeriodicExportingMetricReader._daemon_thread"
GAUGE = "opentelemetry.sdk.metrics._Gauge"
EXPORTER_PREFERENCES = "MetricExporter._preferred_temporality, _preferred_aggregation"
JSON_HTTP_CLIENT = "opentelemetry.exporter.otlp.json.http OTLP*Exporter._client, ._shutdown"
JSON_FILE_ENCODER = "opentelemetry.exporter.otlp.json.file File*Exporter._exporter._encode"
HTTP_POOLS = "OTLP*Exporter._client._transport (._session.adapters / ._pool)"
EXIT_HOOK = "threading._register_atexit"
RUNTIME_CONTEXT = "opentelemetry.context._RUNTIME_CONTEXT"


def _moved(name: str, consequence: str) -> None:
    logger.debug("codex-otel: this OpenTelemetry version has no %s; %s", name, consequence)


# --- the batch processor (opentelemetry-sdk 1.45: `BatchLogRecordProcessor` wraps a
# `_shared_internal.BatchProcessor` as `_batch_processor`) -----------------------------


def _batch_processor(processor: object) -> Any:
    return getattr(processor, "_batch_processor", None)


def worker_thread(processor: object) -> threading.Thread | None:
    """The batch processor's worker thread (a new one in a forked child)."""
    thread = getattr(_batch_processor(processor), "_worker_thread", None)
    return thread if isinstance(thread, threading.Thread) else None


def worker_ident(processor: object) -> Callable[[], int | None]:
    """The worker thread's id, read when asked (it changes in a forked child); the
    processor is not kept alive by it."""
    ref = weakref.ref(processor)

    def ident() -> int | None:
        alive = ref()
        thread = worker_thread(alive) if alive is not None else None
        return thread.ident if thread is not None else None

    return ident


def take_queued(processor: object) -> list[Any]:
    """Empty the batch queue, oldest first ([] when it cannot be reached)."""
    queue = getattr(_batch_processor(processor), "_queue", None)
    taken: list[Any] = []
    if not isinstance(queue, collections.deque):
        _moved(QUEUE, "events queued at an abort are not spooled")
        return taken
    while True:
        try:
            taken.append(queue.pop())  # the oldest record is at the right end
        except IndexError:
            return taken


def queue_length(processor: object) -> int:
    """How many records the batch queue holds (0 when it cannot be reached)."""
    queue = getattr(_batch_processor(processor), "_queue", None)
    return len(queue) if isinstance(queue, collections.deque) else 0


def queued(processor: object) -> list[Any]:
    """What the batch queue holds, oldest first, left in it ([] when it cannot be
    reached). `deque.copy` runs in C, never between two of another thread's changes."""
    queue = getattr(_batch_processor(processor), "_queue", None)
    if not isinstance(queue, collections.deque):
        _moved(QUEUE, "queued events are written ahead only when exported")
        return []
    copied = queue.copy()
    copied.reverse()  # the oldest record is at the right end
    return list(copied)


def wrap_processor_metrics(
    processor: object, wrap: Callable[[ProcessorMetricsT], ProcessorMetricsT]
) -> bool:
    """Replace the batch processor's self-metrics recorder with `wrap(recorder)`.

    1.45's `BatchProcessor.emit` calls `_metrics.drop_items(1)` exactly when the queue
    is full and it evicts the oldest record: the only place that drop is visible."""
    batch = _batch_processor(processor)
    metrics = getattr(batch, "_metrics", None)
    if batch is None or not callable(getattr(metrics, "drop_items", None)):
        _moved(PROCESSOR_METRICS, "queue-full drops are not counted")
        return False
    batch._metrics = wrap(metrics)  # type: ignore[arg-type]
    return True


# --- metrics -------------------------------------------------------------------------


def reader_ident(reader: object) -> Callable[[], int | None]:
    """The periodic reader's export thread's id, read when asked (as `worker_ident`)."""
    ref = weakref.ref(reader)

    def ident() -> int | None:
        thread = getattr(ref(), "_daemon_thread", None)
        return getattr(thread, "ident", None)

    return ident


def gauge_class() -> type:
    """The SDK's synchronous gauge class (1.45: `_Gauge`, still underscored although
    `Meter.create_gauge` is stable), whose temporality a preference must name."""
    from opentelemetry.sdk import metrics

    gauge: type = metrics._Gauge
    return gauge


def exporter_preferences(exporter: object) -> dict[str, Any]:
    """The keyword arguments that give a `MetricExporter` wrapping `exporter` the same
    temporality and aggregation preferences (set by its constructor, kept private)."""
    return {
        "preferred_temporality": exporter._preferred_temporality,  # type: ignore[attr-defined]
        "preferred_aggregation": exporter._preferred_aggregation,  # type: ignore[attr-defined]
    }


# --- the official OTLP/JSON exporters (0.66b1) -----------------------------------------


def json_http_client(exporter: object) -> Callable[[bytes], bool] | None:
    """Send a request body through the JSON exporter's own HTTP client (its TLS, headers,
    compression and retries): True when the collector took it. None when this version
    hides the client."""
    send = getattr(getattr(exporter, "_client", None), "export", None)
    if not callable(send) or not isinstance(getattr(exporter, "_shutdown", None), bool):
        _moved(JSON_HTTP_CLIENT, "the official JSON encoder is used")
        return None

    def export(body: bytes) -> bool:
        return bool(send(body).success)

    return export


def json_exporter_shut_down(exporter: object) -> bool:
    """Whether the JSON exporter was shut down (its `_shutdown` flag)."""
    return bool(getattr(exporter, "_shutdown", False))


def replace_file_encoder(exporter: object, encode: Callable[[Any], Any]) -> bool:
    """Make the JSON file exporter write `encode(batch)` (one request dict a line)."""
    writer = getattr(exporter, "_exporter", None)
    if writer is None or not callable(getattr(writer, "_encode", None)):
        _moved(JSON_FILE_ENCODER, "the official JSON encoder is used")
        return False
    writer._encode = encode
    return True


# --- the HTTP exporters' connection pools ------------------------------------------------


def connection_pool_holders(exporter: object) -> Sequence[tuple[object, str]]:
    """(object, attribute) pairs holding the OTLP/HTTP exporter's urllib3 pool managers:
    requests' adapters (`poolmanager`) for protobuf (1.45: `_client._transport._session`),
    the transport's `_pool` for JSON (0.66b1). Empty for gRPC (which handles fork)."""
    transport = getattr(getattr(exporter, "_client", None), "_transport", None)
    holders: list[tuple[object, str]] = [(transport, "_pool")]
    adapters = getattr(getattr(transport, "_session", None), "adapters", None)
    if isinstance(adapters, dict):
        holders += [(adapter, "poolmanager") for adapter in adapters.values()]
    return holders


# --- the context (opentelemetry-api 1.45) ----------------------------------------------


def detach_context(token: object) -> None:
    """Restore the context `attach` replaced, through the runtime context itself (1.45:
    `opentelemetry.context._RUNTIME_CONTEXT`): the public `detach` logs a token from
    another context (a span's `with` left in another task) as an ERROR, which would print
    into the host; here it raises `ValueError` for the caller to count. Falls back to
    the public `detach` where the attribute moved."""
    from opentelemetry import context

    runtime_context = getattr(context, "_RUNTIME_CONTEXT", None)
    if runtime_context is None:
        _moved(RUNTIME_CONTEXT, "a span left in another context is logged by the SDK")
        context.detach(token)  # type: ignore[arg-type]
        return
    runtime_context.detach(token)


# --- CPython ---------------------------------------------------------------------------


def register_before_thread_pools_close(hook: Callable[[], None]) -> bool:
    """Run `hook` when the main thread ends, before `concurrent.futures` closes its
    thread pools and before the `atexit` hooks (CPython 3.9+: `threading`'s exit hooks,
    newest first). False when this Python has none, or is exiting already."""
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        _moved(EXIT_HOOK, "an unfinished start is cut off at exit")
        return False
    try:
        register(hook)
    except RuntimeError:  # the interpreter is exiting already
        return False
    return True
