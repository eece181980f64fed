"""SIGTERM and Ctrl-C: what was emitted is on disk (the spool) before the process is gone.

The problem: SIGTERM's default action ends the process at once, without the exit hooks,
so the events still in memory (the batch queue, the batch in flight, the events waiting
for the background start) were lost; a Ctrl-C during `Telemetry.shutdown()` cut the exit
wait off with a `KeyboardInterrupt` from inside telemetry, before anything was spooled.

SIGTERM: a handler is installed only where it changes nothing for the application:
from the main thread, when the exporter and the spool are on, and only while SIGTERM is
at its default action (`SIG_DFL`). It spools what is in memory (each live pipeline's
`spool_now`: the events', the metrics', the traces'; on a helper thread joined for at
most `SIGNAL_BOUND_S`), puts the default action back and sends SIGTERM again: the
process ends as it would have (exit status -15 / 143), with its events spooled for the
next run. An application that installs its
own SIGTERM handler (before or after) replaces nothing of ours and is never replaced:
calling `Telemetry.shutdown()` (or exiting normally, which runs it) is then its duty.

Ctrl-C (`KeyboardInterrupt`): an uncaught one ends the program normally, and the exit
hook spools what it cannot deliver within `shutdown_timeout`. One that arrives during
`shutdown()` (`interrupted`) spools what is in memory at once and is raised again, fresh,
to the caller (a single line of telemetry in its traceback, no internals). At the
interpreter's exit there is no caller to raise it to: the exit hook swallows it (logged
at debug level) once the events are spooled, and the process exits as it would have.

What a signal writes is marked as an interrupted run's (`Spool.interrupted`): the run
that delivers it says "N events from an interrupted run delivered".

Standard library only; nothing here raises into the host.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import weakref
from typing import Protocol

logger = logging.getLogger("codex_otel")

#: How long a signal waits for the in-memory events to be written (a few files: a few
#: milliseconds; bounded because a lock held by the interrupted code must not keep a
#: SIGTERM from ending the process).
SIGNAL_BOUND_S = 2.0


class SpoolsNow(Protocol):
    """A pipeline whose in-memory events can be spooled at once (`BackgroundPipeline`)."""

    def spool_now(self) -> None: ...


class _Guard:
    """The process's SIGTERM handler and the pipelines it spools."""

    def __init__(self) -> None:
        self._pipelines: weakref.WeakSet[SpoolsNow] = weakref.WeakSet()
        self._installed = False
        self._handling = False

    def watch(self, pipeline: SpoolsNow) -> bool:
        """Spool `pipeline` at SIGTERM; installs the handler when it is allowed to (see the
        module doc). True when SIGTERM is now handled here."""
        self._pipelines.add(pipeline)
        if self._installed:
            return signal.getsignal(signal.SIGTERM) == self._on_sigterm
        if threading.current_thread() is not threading.main_thread():
            return False
        try:
            if signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
                return False  # the application's (or SIG_IGN): left alone
            signal.signal(signal.SIGTERM, self._on_sigterm)
        except (ValueError, OSError):  # not the main interpreter, or no such signal
            return False
        self._installed = True
        return True

    def _on_sigterm(self, signum: int, frame: object) -> None:
        if self._handling:
            return  # a second SIGTERM while the first is being handled: it ends the process
        self._handling = True
        try:
            spool_all(list(self._pipelines))
        finally:
            with contextlib.suppress(Exception):
                # The default action again, as if nothing had been installed: the process
                # ends with SIGTERM's own status. Ours is gone for any later signal too.
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)
            self._handling = False


GUARD = _Guard()


def spool_all(pipelines: list[SpoolsNow], bound: float = SIGNAL_BOUND_S) -> None:
    """Spool what each pipeline holds in memory, within `bound` seconds. Never raises.

    On a helper thread when one can start (the interrupted main thread may hold a lock the
    spooling needs: the wait is bounded, never a hang); on this thread when Python
    refuses new threads (at interpreter exit, where the main thread holds none of them)."""

    def run() -> None:
        for pipeline in pipelines:
            try:
                pipeline.spool_now()
            except Exception:
                logger.debug("codex-otel: spooling at a signal failed", exc_info=True)

    thread = threading.Thread(target=run, name="codex-otel-signal", daemon=True)
    try:
        thread.start()
    except RuntimeError:  # "can't create new thread at interpreter shutdown"
        run()
        return
    thread.join(bound)
    if thread.is_alive():
        logger.debug("codex-otel: spooling at a signal took longer than %.1fs", bound)


def interrupted(*pipelines: SpoolsNow | None) -> KeyboardInterrupt:
    """A `KeyboardInterrupt` arrived during `shutdown()`: spool what each pipeline (the
    events', the traces', ...; None for one that is off) holds in memory now; returns a
    fresh `KeyboardInterrupt` for the caller to raise (`raise ... from None`: without the
    internals the first was raised in)."""
    running = [pipeline for pipeline in pipelines if pipeline is not None]
    if running:
        spool_all(running)
    return KeyboardInterrupt()
