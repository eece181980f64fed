"""The bounded flush and shutdown of a running SDK provider, shared by the logs'
`Pipeline` and the metrics' `MetricsPipeline`. Standard library only.

The SDK does not bound its `force_flush` and `shutdown` (an export may retry for the
exporter's whole timeout, a shutdown joins its worker for up to 30 s), so both run on
daemon helper threads that the caller joins with its own timeout:

- `force_flush`: one flush thread at a time; a second caller joins the running flush
  instead of piling up another thread behind the SDK's export lock.
- shutdown: the thread that runs it is started with the pipeline and waits to be asked,
  because shutdown runs most often from the interpreter-exit hook, where Python 3.12
  refuses new threads ("can't create new thread at interpreter shutdown"). When the
  caller's time is up, the pipeline's `_abort` stops the exporter.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from ._fork import at_fork
from ._sdk_logs import CALLING

if TYPE_CHECKING:
    from ._health import Health
    from ._sdk_logs import _Claim

logger = logging.getLogger("codex_otel")


def start_thread(thread: threading.Thread) -> bool:
    """Start `thread`; False (logged at debug) when Python refuses."""
    try:
        thread.start()
    except RuntimeError:
        # "can't create new thread at interpreter shutdown", or out of threads.
        logger.debug("codex-otel: cannot start %s", thread.name, exc_info=True)
        return False
    return True


class BoundedLifecycle:
    """A running provider's flush and shutdown, each bounded by the caller's timeout.

    A subclass calls `_start_lifecycle` at the end of its `__init__`, implements
    `_abort`, and starts its shutdown by setting `_closed` and `_shutdown_requested`
    and then calling `_join_shutdown` (or `_give_up` when `_shutdown_thread` is None).
    """

    #: Names the helper threads ("<prefix>-flush", "<prefix>-shutdown").
    _thread_prefix: ClassVar[str]
    #: Begins the debug messages of a failed flush or shutdown.
    _message_prefix: ClassVar[str]

    _provider: Any
    _health: Health
    #: Held while the SDK may still log on this pipeline's behalf (see sdk_logs).
    _sdk_logs: _Claim

    def _start_lifecycle(self) -> None:
        self._lock = threading.Lock()
        #: Read on every emit or record; a plain attribute keeps the check cheap.
        self._closed = False
        self._flush_thread: threading.Thread | None = None
        self._flush_ok = False
        self._shutdown_ok = False
        self._shutdown_requested = threading.Event()
        self._shutdown_thread = self._standby_shutdown_thread()
        at_fork(after_in_child=self._reinit_after_fork)

    def _abort(self, timeout: float) -> None:
        """Stop the exporter: the shutdown ran out of `timeout` seconds."""
        raise NotImplementedError

    @property
    def _exporter_aborted(self) -> bool:
        """An abort cut the shutdown short: it did not deliver everything."""
        return False

    def force_flush(self, timeout: float) -> bool:
        """Export what is pending. Returns within `timeout` seconds; True if all was sent."""
        with self._lock:
            if self._closed:
                # Shutdown already flushed (or gave up); nothing is pending any more.
                return self._shutdown_ok
            thread = self._flush_thread
            # One flush at a time: a second caller joins the running flush instead of
            # piling up another thread behind the SDK's export lock.
            if thread is None or not thread.is_alive():
                thread = threading.Thread(
                    target=self._run_flush,
                    args=(timeout,),
                    name=f"{self._thread_prefix}-flush",
                    daemon=True,
                )
                if not start_thread(thread):
                    return False
                self._flush_thread = thread
        thread.join(max(timeout, 0.0))
        return not thread.is_alive() and self._flush_ok

    def _run_flush(self, timeout: float) -> None:
        CALLING.calling.claim = self._sdk_logs  # this thread calls the SDK for this pipeline only
        failures_before = self._health.export_failures
        try:
            flushed = self._flush_provider(timeout)
        except Exception:
            logger.debug("%sforce_flush failed", self._message_prefix, exc_info=True)
            flushed = False
        self._flush_ok = flushed and self._health.export_failures == failures_before

    def _flush_provider(self, timeout: float) -> bool:
        """The SDK's own (unbounded) flush; the join in `force_flush` bounds it."""
        raise NotImplementedError

    def _give_up(self, timeout: float) -> None:
        # The standby thread could not start. An inline SDK shutdown could block for 30 s
        # or more, so give up on what is pending rather than on the bound.
        self._abort(timeout)
        self._sdk_logs.release()

    def _join_shutdown(self, thread: threading.Thread, timeout: float) -> bool:
        """Wait for the asked shutdown at most `timeout` seconds; False (the exporter
        aborted) when the time ran out."""
        thread.join(max(timeout, 0.0))
        if thread.is_alive():
            self._abort(timeout)
            return False
        return True

    def _standby_shutdown_thread(self) -> threading.Thread | None:
        """The thread that will run the SDK's shutdown, started now and waiting (see the
        module doc: Python 3.12 refuses new threads at interpreter exit)."""
        thread = threading.Thread(
            target=self._shutdown_when_asked, name=f"{self._thread_prefix}-shutdown", daemon=True
        )
        return thread if start_thread(thread) else None

    def _shutdown_when_asked(self) -> None:
        CALLING.calling.claim = self._sdk_logs  # this thread calls the SDK for this pipeline
        self._shutdown_requested.wait()
        failures_before = self._health.export_failures
        try:
            try:
                # The pending data is exported, then the exporter is shut down.
                self._provider.shutdown()
                finished = True
            except Exception:
                logger.debug("%sSDK shutdown failed", self._message_prefix, exc_info=True)
                finished = False
            self._shutdown_ok = (
                finished
                and not self._exporter_aborted
                and self._health.export_failures == failures_before
            )
            self._after_shutdown(self._shutdown_ok)
        finally:
            # The SDK's threads have been joined and the exporter closed: the SDK logs no
            # more for this pipeline (after an abort, only now).
            self._sdk_logs.release()

    def _after_shutdown(self, delivered: bool) -> None:
        """Run on the shutdown thread once the SDK's shutdown is over (`delivered`: every
        pending item was exported), before the SDK's messages stop being this pipeline's."""

    def _reinit_after_fork(self) -> None:
        # A lock held by another thread at fork time would stay locked in the child, and
        # the parent's threads do not exist there.
        self._lock = threading.Lock()
        self._flush_thread = None
        self._shutdown_requested = threading.Event()
        self._shutdown_thread = None if self._closed else self._standby_shutdown_thread()
