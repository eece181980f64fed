"""One live-check run: its sources started (inputs on a reading thread, the receivers), a
wait for a stop, the sources stopped, the report.

It stops at the end of the inputs when no receiver runs, at `max_records`, after
`duration`, or on SIGINT (Ctrl-C) or SIGTERM. The command (`cli/live_check.py`) parses the
arguments, checks them and prints what this returns.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

from codex_otel.generator.model import Catalog

from .checker import LiveChecker
from .inputs import read_inputs
from .receivers import ReceiverError
from .report import Report
from .session import Session


@dataclass(frozen=True)
class Options:
    inputs: list[str] = field(default_factory=list)
    grpc_port: int | None = None
    http_port: int | None = None
    host: str = "127.0.0.1"
    max_records: int | None = None
    duration: float | None = None
    fail_on: str = "error"
    #: No record at all is not a `no_records` finding.
    allow_empty: bool = False
    #: Content in an attribute with a redaction policy is an error, not `info`.
    require_redaction: bool = False
    #: Keys the senders' `span_attributes` setting puts on every span.
    span_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """The report, or why the run could not be made (exit 2)."""

    report: Report | None = None
    error: str | None = None


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: What the receivers' start line says about stopping.
HOW_TO_STOP = "Ctrl-C or SIGTERM stops it and prints the report"


def _stop_on_signals(session: Session) -> dict[int, object]:
    """SIGINT (Ctrl-C) and SIGTERM stop the session, from now on.

    SIGINT gets a handler of its own too: a process started in the background by a shell
    without job control inherits SIGINT ignored, and Ctrl-C (or a test's SIGINT) must
    still stop it. Only the main thread can set handlers; elsewhere this does nothing.
    Returns the handlers it replaced."""

    def on_stop(_signum: int, _frame: FrameType | None) -> None:
        session.stopped.set()

    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for number in _STOP_SIGNALS:
            previous[number] = signal.signal(number, on_stop)
    return previous


def restore_stop_signals(previous: dict[int, object]) -> None:
    """The handlers from before the run, for a caller that runs live-check in-process. The
    command's own process ignores both signals once the report is out (`cli.main`), so a
    late Ctrl-C cannot turn the verdict into 130."""
    for number, handler in previous.items():
        signal.signal(number, handler)  # type: ignore[arg-type]


def _wait(session: Session, deadline: float | None) -> None:
    """Until a stop: the end of the inputs when no receiver runs, `--max-records` reached,
    the deadline, Ctrl-C or SIGTERM. The main thread waits here whatever the sources, so
    every stop works on an input that stays open (a pipe whose writer is still running)."""
    try:
        while not session.stopped.is_set():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            session.stopped.wait(0.2 if left is None else min(0.2, left))
    except KeyboardInterrupt:
        pass  # Ctrl-C before the handler was set (or where it could not be): report
    session.stopped.set()


def run(
    catalog: Catalog, options: Options, *, announce: Callable[[str], None]
) -> tuple[Outcome, dict[int, object]]:
    """The run, and the signal handlers it replaced (for `restore_stop_signals` once the
    report is out). `announce` receives each receiver's start line."""
    from .grpc_receiver import GrpcReceiver
    from .http_receiver import HttpReceiver

    checker = LiveChecker(
        catalog,
        require_redaction=options.require_redaction,
        span_attributes=options.span_attributes,
    )
    session = Session(checker, options.max_records, allow_empty=options.allow_empty)
    previous = _stop_on_signals(session)
    deadline = None if options.duration is None else time.monotonic() + options.duration
    receivers: list[GrpcReceiver | HttpReceiver] = []
    try:
        try:
            if options.grpc_port is not None:
                receivers.append(GrpcReceiver(options.host, options.grpc_port, session))
            if options.http_port is not None:
                receivers.append(HttpReceiver(options.host, options.http_port, session))
        except ReceiverError as error:
            return Outcome(error=str(error)), previous
        for receiver in receivers:
            announce(f"{receiver.kind} receiver on {receiver.host}:{receiver.port} ({HOW_TO_STOP})")
        if options.inputs:
            # A daemon thread: one blocked on an input that stays open ends with the process.
            threading.Thread(
                target=read_inputs,
                args=(session, options.inputs),
                kwargs={"last_source": not receivers},
                name="live-check-inputs",
                daemon=True,
            ).start()
        _wait(session, deadline)
    finally:
        session.stopped.set()
        for receiver in receivers:
            receiver.stop()
    if session.read_error is not None:
        return Outcome(error=session.read_error), previous
    return Outcome(report=session.report(options.fail_on)), previous
