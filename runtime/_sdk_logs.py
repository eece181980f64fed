"""The OpenTelemetry SDK's own log messages: counted and reported once, never printed.

The SDK and its exporters log through loggers under `opentelemetry`: a batch the
collector refused ("Failed to export logs batch code: 400"), a retry, a traceback per
attribute the protobuf encoder could not encode, a full queue. A host application that
configured no logging gets every WARNING of them on its stderr from Python's last-resort
handler; one that did gets them in its own handlers. Either way they are codex-otel's
business, not the host's.

So, while at least one codex-otel pipeline runs, `SdkLogCapture` owns the `opentelemetry`
logger: it adds one handler there and sets `propagate = False`, remembering the value it
replaced. Each record the handler sees is attributed:

- A record logged on behalf of a codex-otel pipeline is counted by that pipeline
  (`_Health.add_sdk_message`; the first one is reported on the `codex_otel` logger, the
  rest only counted, as drops are). "On behalf of" means: the logging thread is calling
  the SDK for the pipeline (`CALLING`: set around an emit, the exporter's `export`, an
  abort, while the pipeline is built, and for the life of its flush and shutdown
  threads), or the thread is the pipeline's batch worker or periodic reader.

  The SDK offers no hook that says which provider a message is about (its loggers are
  per module, shared by every provider in the process), so the pipeline says what it is
  doing, per thread: one thread-local store on the way in and out, which the emit path
  needs anyway to stay safe under re-entry (see `_startup.BackgroundPipeline.emit`).
- Any other record (the host's own OpenTelemetry setup uses the same SDK loggers) is
  handed on exactly as propagation would have: to the handlers of the `opentelemetry`
  logger's ancestors, and to the last-resort handler when nobody has one.

The host's root logger and handlers are never touched. The last pipeline to finish
removes the handler and puts `propagate` back (unless the host changed it meanwhile).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

BuiltT = TypeVar("BuiltT")

#: The logger hierarchy the SDK and the OTLP exporters log under.
SDK_LOGGER = "opentelemetry"


class MessageSink(Protocol):
    """Where a pipeline counts the SDK's messages (the pipeline's `_Health`)."""

    def add_sdk_message(self, record: logging.LogRecord) -> None: ...


class _Claim:
    """One pipeline's registration; `release()` once it can log no more (idempotent)."""

    def __init__(self, capture: SdkLogCapture, sink: MessageSink) -> None:
        self._capture = capture
        self.sink = sink
        self.worker: Callable[[], int | None] = lambda: None
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._capture._release(self)


class Calling:
    """One thread's state: whom it is calling the SDK for now."""

    __slots__ = ("claim",)

    def __init__(self) -> None:
        #: A pipeline's claim, `STARTING` (an emit while the pipeline starts), or None
        #: (nothing of codex-otel's).
        self.claim: object = None


class _PerThread(threading.local):
    def __init__(self) -> None:
        # One thread-local read per emit, then plain attributes: a thread-local's own
        # attributes cost several times more, and an emit reads and writes this thrice.
        self.calling = Calling()


#: Per thread (`CALLING.calling.claim`): whom the thread is calling the SDK for (see the
#: module doc). An emit that finds it set re-enters a call on its own thread (a signal
#: handler's).
CALLING = _PerThread()

#: `CALLING.calling.claim` during an emit before the pipeline (and its claim) exists.
STARTING = object()


class _Handler(logging.Handler):
    def __init__(self, capture: SdkLogCapture) -> None:
        super().__init__(logging.NOTSET)
        self._capture = capture

    def emit(self, record: logging.LogRecord) -> None:
        # A logging handler must not raise into the SDK, nor print (as `handleError` does).
        with contextlib.suppress(Exception):
            self._capture._route(record)

    def handleError(self, record: logging.LogRecord) -> None:
        pass  # the default prints a traceback on stderr


class SdkLogCapture:
    """Owns the `opentelemetry` logger while pipelines are registered; see the module."""

    def __init__(self, logger_name: str = SDK_LOGGER) -> None:
        self._logger_name = logger_name
        self._lock = threading.Lock()
        self._claims: list[_Claim] = []
        self._handler = _Handler(self)
        self._previous_propagate = True

    # --- registration ------------------------------------------------------------------

    def claim(self, sink: MessageSink) -> _Claim:
        """Register a pipeline being started; the first claim takes the logger over."""
        claim = _Claim(self, sink)
        with self._lock:
            if not self._claims:
                sdk_logger = logging.getLogger(self._logger_name)
                self._previous_propagate = sdk_logger.propagate
                sdk_logger.addHandler(self._handler)
                sdk_logger.propagate = False
            self._claims.append(claim)
        return claim

    def build_claimed(
        self, sink: MessageSink, build: Callable[[_Claim], BuiltT | None]
    ) -> BuiltT | None:
        """`build(claim)`, with a claim for `sink` registered and this thread calling the
        SDK for it (what the SDK logs while a pipeline is built is that pipeline's). The
        claim is released when `build` raises or builds nothing; else the pipeline owns it."""
        claim = self.claim(sink)
        try:
            with self.calling_for(claim):
                built = build(claim)
        except BaseException:
            claim.release()
            raise
        if built is None:
            claim.release()
        return built

    def _release(self, claim: _Claim) -> None:
        with self._lock:
            if claim not in self._claims:
                return
            self._claims.remove(claim)
            if self._claims:
                return
            sdk_logger = logging.getLogger(self._logger_name)
            sdk_logger.removeHandler(self._handler)
            if sdk_logger.propagate is False:  # still ours: the host did not change it
                sdk_logger.propagate = self._previous_propagate

    @property
    def active(self) -> bool:
        return bool(self._claims)

    @contextmanager
    def calling_for(self, claim: _Claim | None) -> Iterator[None]:
        """Attribute what the SDK logs on this thread inside the block to `claim` (the
        pipeline being built, or calling the SDK: see `CALLING`)."""
        calling = CALLING.calling
        previous = calling.claim
        calling.claim = claim
        try:
            yield
        finally:
            calling.claim = previous

    # --- routing -----------------------------------------------------------------------

    def _route(self, record: logging.LogRecord) -> None:
        claim = self._owner(record)
        if claim is not None:
            if record.levelno >= logging.WARNING:
                claim.sink.add_sdk_message(record)
            return
        self._propagate(record)

    def _owner(self, record: logging.LogRecord) -> _Claim | None:
        claims = list(self._claims)
        calling = CALLING.calling.claim
        for claim in claims:
            if claim is calling:
                return claim
        for claim in claims:
            if claim.worker() == record.thread:
                return claim
        return None

    def _propagate(self, record: logging.LogRecord) -> None:
        """Hand `record` on as `propagate = True` on the SDK logger would have."""
        if not self._previous_propagate:
            return
        sdk_logger = logging.getLogger(self._logger_name)
        found = _handlers_from(logging.getLogger(record.name), stop=sdk_logger)
        found += len([h for h in sdk_logger.handlers if h is not self._handler])
        ancestor = sdk_logger.parent
        while ancestor is not None:
            for handler in ancestor.handlers:
                found += 1
                if record.levelno >= handler.level:
                    handler.handle(record)
            if not ancestor.propagate:
                break
            ancestor = ancestor.parent
        last_resort = logging.lastResort
        if not found and last_resort is not None and record.levelno >= last_resort.level:
            last_resort.handle(record)


def _handlers_from(logger: logging.Logger, *, stop: logging.Logger) -> int:
    """How many handlers the record met on its way up to `stop` (already called)."""
    count = 0
    current: logging.Logger | None = logger
    while current is not None and current is not stop:
        count += len(current.handlers)
        if not current.propagate:
            break
        current = current.parent
    return count


#: The process's one capture: the `opentelemetry` logger is one per process too.
SDK_LOGS = SdkLogCapture()
