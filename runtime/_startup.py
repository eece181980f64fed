"""The exporter pipeline started in the background, so that telemetry costs a CLI nothing
at start, and stopped within its bound at exit, spooling what it could not deliver.

`BackgroundPipeline(config, service_version)` checks the config on the caller's thread
(a bad TLS file, an unwritable export file or a missing `otel` extra is reported at once,
there), then imports and builds the SDK pipeline on a daemon thread. Until that is ready,
events wait in a bounded queue (the batch queue's size; the oldest dropped and counted
when full) and are handed over in order, before any later event. Once ready, the same
thread delivers what earlier processes spooled for this destination.

At shutdown (and so at interpreter exit), the pipeline gets what is left of the timeout;
if the background start has not finished by then, the waiting events go straight to the
spool, which needs no SDK, and the half-built pipeline is left to the daemon thread.
When the pipeline's own events reached the collector and time is left, the spool is
delivered then, within that time (`_deliver_at_exit`): a run shorter than its start
delivers it too. With the collector away, nothing of that runs: the exit is as quick.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ._background import BACKGROUND_START, START_WAIT, BackgroundStart
from ._exporters import check_exporter_now
from ._privacy import Privacy
from ._sdk_logs import CALLING, SDK_LOGS, STARTING
from ._signal import LOGS
from .config import ConfigError, OtelConfig, OtlpGrpcExporter, OtlpHttpExporter
from .types import AttributeValue

__all__ = [
    "BACKGROUND_START",  # re-exported: where tests and callers have always found it
    "BackgroundPipeline",
    "check_now",
    "sdk_installed",
    "spool_for",
    "start_in_background",
]

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import ReadableLogRecord

    from ._pipeline import Pipeline
    from ._spool import Event, Spool
    from ._write_ahead import QueueDrainer, WriteAhead

logger = logging.getLogger("codex_otel")

#: How long the start thread lets the caller's thread run first. The caller is itself
#: starting up (building its conversation, emitting its first event); the SDK import
#: holds the GIL for tens of milliseconds, and events queue meanwhile, so nothing is
#: urgent about it.
_YIELD_S = 0.005

#: Without a spool to keep them (the file exporter, or `[otel.spool] enabled = false`),
#: events that wait for the start would be lost at exit if the start ran out of time:
#: the exit then waits for the start up to this long (our own import, not a collector:
#: it ends), and the shutdown still gets its whole `shutdown_timeout` after it.
_START_WAIT_WITHOUT_SPOOL = START_WAIT

#: The spool's delivery at exit starts no new file once less than this share of the
#: shutdown's time is left (at most `_EXIT_RESERVE_MAX_S`): the file in flight then gets
#: its answer, and the metrics' last export its time.
_EXIT_RESERVE = 0.1
#: At a signal: how long `spool_now` waits for the start's lock (held only briefly, unless
#: by the interrupted thread itself, which never releases it while the handler runs).
_SIGNAL_LOCK_WAIT_S = 0.2
_EXIT_RESERVE_MAX_S = 0.5

#: An event waiting for the start: its name, attributes, timestamp and the OpenTelemetry
#: context it was emitted in (its span's ids go on the record when it is replayed on the
#: start thread; None when OpenTelemetry's context was never loaded: no span can be current).
_Waiting = tuple[str, dict[str, AttributeValue], int, object]


def start_in_background(
    config: OtelConfig, *, service_version: str, privacy: Privacy | None = None
) -> BackgroundPipeline | None:
    """The pipeline `config` asks for, starting in the background; None (with a warning)
    when the `otel` extra is missing. Raises `ConfigError` at once for a bad config."""
    check_now(config)
    if not sdk_installed():
        # Not silent: the configured exporter cannot run without the `otel` extra.
        warn_sdk_missing("exporter", config.exporter.kind, "Events are not exported.")
        return None
    return BackgroundPipeline(config, service_version=service_version, privacy=privacy)


#: The hints this process has given ("otel": install the `otel` extra): once is enough,
#: even with both `exporter` and `metrics_exporter` set, or several `Telemetry` objects.
_hints_given: set[str] = set()


def warn_sdk_missing(setting: str, kind: str, consequence: str) -> None:
    """Warn that the exporter `setting` names cannot start without the SDK; the install
    hint is part of the first such warning of the process only."""
    hint = "" if "otel" in _hints_given else "; install codex-otel[otel]"
    _hints_given.add("otel")
    logger.warning(
        "codex-otel: %s %r is configured but cannot start (the OpenTelemetry SDK is not "
        "installed)%s. %s",
        setting,
        kind,
        hint,
        consequence,
    )


def sdk_installed() -> bool:
    try:
        return importlib.util.find_spec("opentelemetry.sdk") is not None
    except ImportError:  # not even the `opentelemetry` namespace is there
        return False


def check_now(config: OtelConfig) -> None:
    """What would make the background start fail, checked on the caller's thread.

    Raises `ConfigError` (TLS files that cannot be read or do not pair, TLS on a plain
    http:// endpoint, an export file that cannot be opened, bad batch sizes). Cheap: no
    OpenTelemetry import, no file read (the start reads the TLS files).
    """
    check_exporter_now(LOGS, config.exporter)
    batch = config.batch
    if min(batch.schedule_delay_ms, batch.max_queue_size, batch.max_export_batch_size) <= 0 or (
        batch.max_export_batch_size > batch.max_queue_size
    ):
        raise ConfigError(
            f"otel.batch: every setting must be positive and max_export_batch_size at most "
            f"max_queue_size (schedule_delay_ms={batch.schedule_delay_ms}, "
            f"max_queue_size={batch.max_queue_size}, "
            f"max_export_batch_size={batch.max_export_batch_size})"
        )


def spool_for(config: OtelConfig) -> Spool | None:
    """The spool of the configured destination, or None (turned off, or nothing to spool)."""
    from ._spool import Spool, default_root, destination_key

    settings = config.spool
    key = destination_key(config.exporter)
    if not settings.enabled or key is None:
        return None
    root = settings.path if settings.path is not None else default_root()
    return Spool(root, key, settings.max_bytes)


class BackgroundPipeline(BackgroundStart["Pipeline", _Waiting]):
    """The exporter pipeline, being started on a daemon thread or running (the start,
    its waiting queue, exit and fork hooks: `BackgroundStart`)."""

    _start_thread_name = "codex-otel-start"

    def __init__(
        self, config: OtelConfig, *, service_version: str, privacy: Privacy | None = None
    ) -> None:
        self._service_version = service_version
        #: Cleans every event before it is written or exported (`_privacy.py`).
        self._privacy = privacy if privacy is not None else Privacy(config)
        self._spools = config.spool.enabled and isinstance(
            config.exporter, OtlpHttpExporter | OtlpGrpcExporter
        )
        #: Made by the start thread (hashing and the spool module stay off the caller's
        #: thread), or at exit if the start never got that far.
        self.spool: Spool | None = None
        #: The delivery of earlier runs' spool began, and is over.
        self._delivering = False
        self._delivered = threading.Event()
        #: When that delivery began, once it tried every file with the collector up: at
        #: exit, only files written since then (this run's own, spooled mid-run) are
        #: tried, so none is tried twice in one run. 0: every file is tried at exit.
        self._swept_since_ns = 0
        #: Writes the queue ahead and moves it to the spool in an outage (write ahead on).
        self._drainer: QueueDrainer | None = None
        super().__init__(
            config, exporter_kind=config.exporter.kind, waiting_limit=config.batch.max_queue_size
        )
        if self._spools:
            from ._signals import GUARD

            GUARD.watch(self)  # SIGTERM spools what is in memory (`_signals.py`)

    # --- the hot path ----------------------------------------------------------------

    def emit(
        self, event_name: str, attributes: dict[str, AttributeValue], timestamp_ns: int
    ) -> bool:
        """Queue one event (see `Pipeline.emit`); False when shut down. Never raises.

        Never waits for another emit either. A signal handler runs on its thread between
        two bytecodes of whatever it interrupted, an emit included, which may hold a lock
        (ours, or the SDK's batch queue's `Event`) that the handler's emit would wait for
        for ever: the holder is the waiting thread itself. So an emit that re-enters a
        call into the SDK on its thread (`CALLING`, which also tells `sdk_logs` whose the
        SDK's messages are) drops its event and counts it in `dropped`."""
        calling = CALLING.calling
        if calling.claim is not None:
            self._dropped_reentrant += 1
            return True
        pipeline = self._pipeline
        try:
            if pipeline is None:
                calling.claim = STARTING
                held = self._running_or_wait(
                    (event_name, attributes, timestamp_ns, _emit_context())
                )
                if isinstance(held, bool):
                    return held
                pipeline = held
            calling.claim = pipeline.sdk_logs
            return pipeline.emit(event_name, attributes, timestamp_ns)
        finally:
            calling.claim = None

    def _first_waiting_drop(self) -> None:
        logger.warning(
            "codex-otel: %d events were emitted before the exporter was ready; the "
            "oldest are dropped and counted",
            self._limit,
        )

    # --- counters --------------------------------------------------------------------

    @property
    def dropped(self) -> int:
        pipeline = self._pipeline
        own = self._dropped_waiting + self._dropped_reentrant
        return own + (pipeline.dropped if pipeline is not None else 0)

    @property
    def ready(self) -> bool:
        return self._started.is_set()

    # --- lifecycle -------------------------------------------------------------------

    def shutdown(self, timeout: float) -> bool:
        """Deliver within `timeout` what can be; spool the rest (see the module doc)."""
        timeout = self._begin_shutdown(timeout)
        deadline = time.monotonic() + timeout
        if not self._started.wait(max(timeout, 0.0)) and not self._spools:
            self._started.wait(_START_WAIT_WITHOUT_SPOOL)
            deadline = time.monotonic() + timeout
        pipeline, waiting = self._close()
        if pipeline is not None:
            if self._delivering:
                # The delivery starts no new file now (`_closing`); the export of the one
                # in flight gets the time first: once the collector took it, putting it
                # back would deliver it again.
                self._delivered.wait(max(deadline - time.monotonic(), 0.0))
            then = None
            if self.spool is not None:
                then = functools.partial(
                    self._deliver_at_exit,
                    pipeline,
                    self.spool,
                    deadline,
                    self._swept_since_ns,
                    self._drainer,
                )
            delivered = pipeline.shutdown(max(deadline - time.monotonic(), 0.0), then=then)
            if self.spool is not None:
                # A delivery of older runs' files cut off by the exit: their files go back
                # now rather than when a later process finds this one dead (delivered
                # again if the collector had taken the one in flight: at least once).
                self.spool.release_held()
            return delivered
        if waiting:
            return self._spool_waiting(waiting)
        return True

    def spool_now(self) -> None:
        """A signal ends the process (`_signals.py`): what is in memory goes to the spool
        now, and the files being delivered go back. Never raises; does not wait for a lock
        the interrupted thread may hold for longer than `_SIGNAL_LOCK_WAIT_S`."""
        locked = self._lock.acquire(timeout=_SIGNAL_LOCK_WAIT_S)
        try:
            self._closing = self._closed = True
            pipeline = self._pipeline
            waiting = list(self._waiting)
            self._waiting.clear()
        finally:
            if locked:
                self._lock.release()
        if self.spool is None and waiting:
            self.spool = spool_for(self._config)
        if self.spool is not None:
            self.spool.interrupted = True  # what is written now is an interrupted run's
        if pipeline is not None:
            pipeline.spool_now()
        elif waiting:
            self._spool_waiting(waiting)
        if self.spool is not None:
            self.spool.release_held()

    @staticmethod
    def _deliver_at_exit(
        pipeline: Pipeline,
        spool: Spool,
        deadline: float,
        written_since_ns: int,
        drainer: QueueDrainer | None = None,
    ) -> None:
        """Deliver the spool within what is left of the shutdown's bound (`deadline`).

        Run by the pipeline's shutdown thread only once this run's own events reached the
        collector: the collector is up, so the spool goes now rather than wait for the
        next run (a run shorter than its background start never delivers it otherwise,
        and a batch spooled mid-run while the collector was away would wait). When the
        delivery at start tried every file already, only files written since it began
        (`written_since_ns`) are tried, so a batch the collector refuses is not counted
        twice in one run. One file at a time; no new file once less than `_EXIT_RESERVE`
        of the time is left. A file not reached stays pending; one in flight when the
        time is up is put back by `shutdown` (delivered again if the collector took it:
        at least once).
        """
        from ._spool_bridge import deliver_spool

        if drainer is not None:
            # A delivery of what an outage moved to the spool stops at the close and puts
            # its claims back: listed before that, they would wait for the next run.
            drainer.wait_idle(deadline - time.monotonic())
        reserve = min((deadline - time.monotonic()) * _EXIT_RESERVE, _EXIT_RESERVE_MAX_S)
        deliver_spool(
            spool,
            pipeline,
            lambda: time.monotonic() >= deadline - reserve,
            written_since_ns=written_since_ns,
        )

    def _spool_waiting(self, waiting: Sequence[_Waiting]) -> bool:
        from ._spool import Batch
        from ._spool_bridge import resource_before_start

        if self.spool is None:
            self.spool = spool_for(self._config)
        if self.spool is None:
            logger.warning(
                "codex-otel: the exporter was not ready within the shutdown timeout; %d "
                "events are dropped (the spool is off)",
                len(waiting),
            )
            return False
        # No versions (telemetry.sdk.version, the scope's): importlib.metadata would cost
        # the exit ~10 ms, on the path that must be quick.
        resource = resource_before_start(self._config, self._service_version, versions=False)
        size = self._config.batch.max_export_batch_size
        clean = self._privacy.clean
        events = [
            _waiting_event(name, stamp, clean(attributes), context)
            for name, attributes, stamp, context in waiting
        ]
        for start in range(0, len(events), size):
            chunk = tuple(events[start : start + size])
            self.spool.write(Batch(resource, self._config.scope_name, None, chunk))
        return False

    # --- the background start ----------------------------------------------------------

    def _start_here(self, *, thread_refused: bool) -> None:
        # Without a background start, the caller never waits for a collector: the spool
        # is delivered on a thread. When only the thread was refused, it is delivered here.
        self._start(yield_first=False, deliver_in_background=not thread_refused)

    def _start(self, *, yield_first: bool = True, deliver_in_background: bool = False) -> None:
        try:
            self._start_now(yield_first, deliver_in_background)
        except Exception:  # nothing may escape a thread: it would print a traceback
            logger.debug("codex-otel: the background start failed", exc_info=True)
            self._started.set()

    def _start_now(self, yield_first: bool, deliver_in_background: bool = False) -> None:
        if yield_first:
            time.sleep(_YIELD_S)
        spool = spool_for(self._config)
        with self._lock:
            if self.spool is None:  # else made at exit already
                self.spool = spool
        pipeline, failed = self._build()
        with self._lock:
            if self._closed:
                # Shut down while starting: what was waiting is spooled already.
                self._started.set()
                abandoned = pipeline
                pipeline = None
            else:
                abandoned = None
                if pipeline is not None:
                    # What the SDK logs while these events are handed over is the
                    # pipeline's (see sdk_logs), as for any emit.
                    with SDK_LOGS.calling_for(pipeline.sdk_logs):
                        self._replay_waiting(pipeline.emit)
                    self._pipeline = pipeline
                elif not failed:
                    self._waiting.clear()  # nothing is exported (OTEL_SDK_DISABLED)
                # After a failure the waiting events stay, for shutdown to spool.
                self._started.set()
        if abandoned is not None:
            abandoned.shutdown(1.0)  # nothing queued: returns at once
        if pipeline is not None and self.spool is not None and not self._closing:
            # Not once shutdown has begun: a run shorter than its start leaves the spool
            # to its shutdown, which delivers it within its bound once this run's own
            # events reached the collector (`_deliver_at_exit`).
            self._delivering = True
            if deliver_in_background:  # on the caller's thread: never wait for a collector
                delivery = threading.Thread(
                    target=self._deliver_spool, args=(pipeline,), name="codex-otel-spool"
                )
                delivery.daemon = True
                try:
                    delivery.start()
                except RuntimeError:  # out of threads: the next run delivers
                    self._delivered.set()
            else:
                self._deliver_spool(pipeline)

    def _deliver_spool(self, pipeline: Pipeline) -> None:
        from ._spool_bridge import deliver_spool

        assert self.spool is not None
        try:
            # Stops once shutdown has begun (`_closing`, set before shutdown waits for
            # anything): no new file is claimed for an export the exit would cut off.
            began = time.time_ns()
            _, swept = deliver_spool(self.spool, pipeline, lambda: self._closing or self._closed)
            if swept:
                self._swept_since_ns = began
        except Exception:  # never let the delivery of old events hurt the host
            logger.debug("codex-otel: delivering the spool failed", exc_info=True)
        finally:
            self._delivered.set()

    def _build(self) -> tuple[Pipeline | None, bool]:
        """The running pipeline (None: nothing to export), and whether the start failed."""
        from ._pipeline import start_pipeline
        from ._spool_bridge import keeper

        hook: Callable[[Sequence[ReadableLogRecord]], bool] | None = None
        location = None
        write_ahead: WriteAhead | None = None
        config = self._config
        if self.spool is not None:
            size = config.batch.max_export_batch_size
            hook = keeper(self.spool, size)
            location = str(self.spool.directory)
            if config.spool.write_ahead:
                from ._write_ahead import WriteAhead

                write_ahead = WriteAhead(self.spool, size, hook)
                hook = write_ahead.keeper
                # What only memory holds: at most `window_ms` of events (`QueueDrainer`).
                delay = min(config.batch.schedule_delay_ms, max(config.spool.window_ms // 4, 1))
                config = dataclasses.replace(
                    config, batch=dataclasses.replace(config.batch, schedule_delay_ms=delay)
                )
        try:
            pipeline = start_pipeline(
                config,
                service_version=self._service_version,
                undelivered=hook,
                spool_location=location,
                privacy=self._privacy,
            )
        except Exception as error:
            if self._closing or sys.is_finalizing():
                # The process is exiting under the start: at interpreter exit the SDK's
                # import cannot finish (it runs a thread pool, closed by then). Expected;
                # the waiting events are spooled.
                logger.debug("codex-otel: the start was cut off by the exit", exc_info=True)
            else:
                # Checked on the caller's thread already: a file removed since, a broken
                # install. Not silent, and never a traceback into the host's output.
                logger.warning(
                    "codex-otel: exporter %r cannot start (%s: %s). Events are not exported.",
                    self._config.exporter.kind,
                    type(error).__name__,
                    error,
                )
            return None, True
        if pipeline is not None and write_ahead is not None:
            from ._write_ahead import QueueDrainer

            pipeline.write_ahead_with(write_ahead)  # before the first event is queued
            assert self.spool is not None  # `write_ahead` is made only with a spool
            drainer = QueueDrainer(pipeline, self.spool, write_ahead, config.spool.window_ms / 1000)
            write_ahead.on_delivery = drainer.collector_back
            self._drainer = drainer
        return pipeline, False

    def _reinit_after_fork(self) -> None:
        super()._reinit_after_fork()
        # The delivery thread is the parent's (and so are its claims: see `Spool`).
        self._delivering = False
        self._delivered = threading.Event()

    def _exit_wait(self) -> tuple[float, bool]:
        if not self._spools:  # nothing to lose to a wait: no need to count it
            return max(self._config.shutdown_timeout, _START_WAIT_WITHOUT_SPOOL), False
        return self._config.shutdown_timeout, True


def _waiting_event(
    name: str, stamp: int, attributes: dict[str, AttributeValue], context: object
) -> Event:
    """A waiting event as the spool keeps it, with the ids of the span it was emitted in."""
    from ._spool import Event

    if context is not None:
        from opentelemetry.trace import get_current_span

        span = get_current_span(context).get_span_context()  # type: ignore[arg-type]
        if span.is_valid:
            return Event(
                name,
                stamp,
                stamp,
                attributes,
                trace_id=format(span.trace_id, "032x"),
                span_id=format(span.span_id, "016x"),
                trace_flags=int(span.trace_flags),
            )
    return Event(name, stamp, stamp, attributes)


def _emit_context() -> object:
    """The current OpenTelemetry context, if its module is loaded (a span can be current
    only then): a dictionary lookup and a context variable read. A module another thread
    is still importing (the background start's) has no `get_current` yet: no span can be
    current then either."""
    get_current = getattr(sys.modules.get("opentelemetry.context"), "get_current", None)
    return None if get_current is None else get_current()
