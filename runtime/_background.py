"""A pipeline started on a daemon thread, shared by the logs' `BackgroundPipeline`
(`_startup.py`) and the metrics' `BackgroundMetrics` (`_metrics_pipeline.py`). Standard
library only.

What they share: the start thread (built on the caller's thread where Python cannot be
trusted to start one at exit), the bounded queue of what is emitted before the pipeline
is ready (the oldest dropped and counted when full), the exit hook that lets the start
finish before the thread pools close, and the fork hooks. Each subclass builds its own
pipeline, replays what waited, and decides what a shutdown does with what still waits.
"""

from __future__ import annotations

import collections

# Imported before `_finish_start_before_exit` registers its hook (about 1.5 ms once
# logging is loaded): see there.
import concurrent.futures.thread  # noqa: F401
import contextlib
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from ._fork import at_fork
from ._lifecycle import start_thread
from ._sdk_compat import register_before_thread_pools_close
from .config import OtelConfig

#: CPython 3.12.0 to 3.12.2 refuse to start any thread once the main thread has ended
#: (python/cpython#113964, fixed in 3.12.3), so a start still importing the SDK when a
#: short process exits could never create the batch worker: its events would only reach
#: the spool. There the pipeline is built on the caller's thread, as before the
#: background start (the start costs what it did then), and only the delivery of spooled
#: events runs on a thread.
BACKGROUND_START = not ((3, 12, 0) <= sys.version_info[:3] < (3, 12, 3))

#: How long a fork (and, where nothing else bounds it, the exit) waits for an unfinished
#: start: our own import, not a collector, so it ends.
START_WAIT = 5.0


class _Running(Protocol):
    """What the background start asks of the pipeline it built."""

    @property
    def export_failures(self) -> int: ...

    @property
    def sdk_messages(self) -> int: ...

    def force_flush(self, timeout: float) -> bool: ...


RunningT = TypeVar("RunningT", bound=_Running)
WaitingT = TypeVar("WaitingT", bound=tuple[Any, ...])


class BackgroundStart(Generic[RunningT, WaitingT]):
    """A pipeline being started on a daemon thread, or running.

    A subclass sets its own state, then calls `__init__` last (the start may begin on
    another thread at once); it implements `_start` (the start thread's target) and
    `_start_here` (the start on the caller's thread).
    """

    #: The start thread's name.
    _start_thread_name: ClassVar[str]
    #: Whether a forked child restarts an unfinished start on a thread.
    _background_in_child: ClassVar[bool] = BACKGROUND_START

    def __init__(self, config: OtelConfig, *, exporter_kind: str, waiting_limit: int) -> None:
        self._config = config
        self._exporter_kind = exporter_kind
        self._limit = waiting_limit
        # Re-entrant: a signal handler may emit while its thread holds the lock (in a
        # shutdown, or a start on the caller's thread); a plain lock would wait for ever.
        self._lock = threading.RLock()
        #: What was emitted before the pipeline was ready, oldest first.
        self._waiting: collections.deque[WaitingT] = collections.deque()
        self._dropped_waiting = 0
        #: Emits that re-entered an emit on their thread (a signal handler's): dropped.
        self._dropped_reentrant = 0
        #: Set once the start is over (a pipeline, or none because it failed).
        self._pipeline: RunningT | None = None
        self._started = threading.Event()
        self._closed = False
        #: Set when shutdown begins, before it waits for the start.
        self._closing = False
        #: Seconds the exit already spent waiting for the start (`_finish_start_before_exit`).
        self._waited_at_exit = 0.0
        self._finish_start_before_exit()
        self._start_in_background(BACKGROUND_START)
        at_fork(before=self._finish_start_before_fork, after_in_child=self._reinit_after_fork)

    def _start(self) -> None:
        """Build the pipeline and hand over what waits (the start thread's target)."""
        raise NotImplementedError

    def _start_here(self, *, thread_refused: bool) -> None:
        """The start on the caller's thread: no background start here, or no thread."""
        raise NotImplementedError

    def _start_in_background(self, background: bool) -> None:
        if background:
            thread = threading.Thread(target=self._start, name=self._start_thread_name, daemon=True)
            if start_thread(thread):
                return
        self._start_here(thread_refused=background)

    # --- the hot path, before the start is over --------------------------------------

    def _running_or_wait(self, item: WaitingT) -> RunningT | bool:
        """The running pipeline; else True when `item` waits for it (or nothing is
        exported: a failed start is not a drop), False when shut down."""
        with self._lock:
            pipeline = self._pipeline
            if pipeline is not None:
                return pipeline
            if self._closed:
                return False
            if not self._started.is_set():
                if len(self._waiting) >= self._limit:
                    self._waiting.popleft()  # the oldest goes, as in the batch queue
                    self._dropped_waiting += 1
                    if self._dropped_waiting == 1:
                        self._first_waiting_drop()
                self._waiting.append(item)
            return True

    def _first_waiting_drop(self) -> None:
        """Called once, when the waiting queue first drops its oldest item."""

    def _replay_waiting(self, send: Callable[..., object]) -> None:
        """Under the lock: what waited goes to `send`, in order, before anything later."""
        while self._waiting:
            send(*self._waiting.popleft())

    # --- counters --------------------------------------------------------------------

    @property
    def dropped(self) -> int:
        return self._dropped_waiting + self._dropped_reentrant

    @property
    def export_failures(self) -> int:
        pipeline = self._pipeline
        return pipeline.export_failures if pipeline is not None else 0

    @property
    def sdk_messages(self) -> int:
        pipeline = self._pipeline
        return pipeline.sdk_messages if pipeline is not None else 0

    # --- lifecycle -------------------------------------------------------------------

    def wait_until_started(self, timeout: float) -> bool:
        return self._started.wait(max(timeout, 0.0))

    def force_flush(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._started.wait(max(timeout, 0.0)):
            return False
        pipeline = self._pipeline
        if pipeline is None:
            return True
        return pipeline.force_flush(deadline - time.monotonic())

    def _begin_shutdown(self, timeout: float) -> float:
        """Mark the shutdown begun; the seconds it has left (the exit's wait for the
        start counts against the same bound)."""
        self._closing = True
        return max(timeout - self._waited_at_exit, 0.0)

    def _close(self) -> tuple[RunningT | None, list[WaitingT]]:
        """Closed: the running pipeline (None: none yet, or none at all) and what still
        waited, taken out of the queue."""
        with self._lock:
            self._closed = True
            pipeline = self._pipeline
            waiting = list(self._waiting)
            self._waiting.clear()
        return pipeline, waiting

    def _exit_wait(self) -> tuple[float, bool]:
        """How long the exit waits for an unfinished start, and whether that wait counts
        against the shutdown's bound."""
        raise NotImplementedError

    def _finish_start_before_exit(self) -> None:
        """At interpreter exit, give the start its chance to finish before the thread
        pools close (the SDK's import needs one), within `_exit_wait`.

        `threading`'s exit hooks run when the main thread ends, newest first: before
        `concurrent.futures` closes its pools (imported with this module, so registered
        earlier), and before the `atexit` hooks, where `Telemetry` shuts down. Private
        API (3.9+), looked up, not assumed: without it an unfinished start is cut off.
        """
        ref = weakref.ref(self)

        def finish_start() -> None:
            alive = ref()
            if alive is None or alive._closing:
                return
            wait, counted = alive._exit_wait()
            began = time.monotonic()
            # Ctrl-C during the exit: the exit hook spools what waits (`_signals.py`),
            # with no caller left to raise it to.
            with contextlib.suppress(KeyboardInterrupt):
                alive._started.wait(wait)
            if counted:
                alive._waited_at_exit = time.monotonic() - began

        register_before_thread_pools_close(finish_start)

    def _finish_start_before_fork(self) -> None:
        # A fork while the start thread imports would leave the child with module locks
        # held by a thread it does not have: its first import of one of those modules
        # (the SDK's, or the spool's at exit) would wait forever. So a fork waits for the
        # start (our own import: it ends), and the child inherits a finished one.
        if not self._started.is_set() and not self._closed:
            self._started.wait(START_WAIT)

    def _reinit_after_fork(self) -> None:
        # A lock held at fork time stays locked in the child, and the start thread does
        # not exist there. What waited is the parent's to deliver.
        self._lock = threading.RLock()
        if not self._started.is_set():
            self._waiting.clear()
            if not self._closed:
                self._start_in_background(self._background_in_child)

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("ready" if self._started.is_set() else "starting")
        return f"{type(self).__name__}({self._exporter_kind}, {state})"
