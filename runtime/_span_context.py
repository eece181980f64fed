"""The machinery of recorded spans: OpenTelemetry's context, the parent rule, the incoming
W3C context, the registry of open spans, span subscribers.

`Spans` is one `Telemetry`'s: built when something records spans (the trace pipeline's
tracer, or span subscribers with a private always-on tracer of their own), it makes the
`LiveScope` that `Conversation.start_span` returns. Imported only then (and by the W3C
helpers of `spans.py` once OpenTelemetry's context is loaded), so it imports
OpenTelemetry at module level.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from ._fork import at_fork
from ._sdk_compat import detach_context
from ._sdk_logs import CALLING
from ._wire_strings import wire_value
from .spans import (
    SHUTDOWN_ERROR_TYPE,
    CapturedSpan,
    H,
    SpanDefinition,
    SpanParentError,
    SpanScope,
)
from .types import Attributes, AttributeValue

if TYPE_CHECKING:
    from opentelemetry.context import Context

logger = logging.getLogger("codex_otel")

#: The innermost catalog span of a context: (catalog id, its SDK span). Host spans
#: started inside keep it (their contexts derive from ours), so the parent rule looks
#: through them.
_CATALOG_SPAN = otel_context.create_key("codex_otel.catalog_span")

_KINDS = {
    "internal": SpanKind.INTERNAL,
    "client": SpanKind.CLIENT,
    "server": SpanKind.SERVER,
    "producer": SpanKind.PRODUCER,
    "consumer": SpanKind.CONSUMER,
}
_STATUS_NAMES = {StatusCode.UNSET: "unset", StatusCode.OK: "ok", StatusCode.ERROR: "error"}
_PROPAGATOR = TraceContextTextMapPropagator()


class SpanCounters:
    """What went wrong with spans, for `TelemetryStats` (`+=` under the GIL: a lost
    increment in a race costs a count, never a span)."""

    def __init__(self) -> None:
        self.parent_errors = 0
        self.attributes_after_end = 0
        self.ended_at_shutdown = 0


class Spans:
    """One `Telemetry`'s span machinery (see the module doc)."""

    def __init__(
        self,
        tracer: trace.Tracer,
        *,
        parents: str,
        constant_attributes: Mapping[str, str],
        incoming: Context | None,
        subscribers: Callable[[], tuple[Callable[[CapturedSpan], None], ...]],
        report: Callable[[str, str], None],
        counters: SpanCounters,
        error_details: bool = True,
        subscriber_error: Callable[[], None] | None = None,
        sdk_claim: object = None,
    ) -> None:
        self.tracer = tracer
        self._raise = parents == "raise"
        self._constant: Attributes = dict(constant_attributes)
        self._incoming = incoming
        self._subscribers = subscribers
        self._report = report
        self.counters = counters
        #: Whether an exception's message and stack trace go on its `exception` event
        #: (the `log_error_details` toggle); else the event carries its type only.
        self._error_details = error_details
        self._subscriber_error = subscriber_error
        #: The trace pipeline's claim on the SDK's messages (`_sdk_logs`): what the SDK
        #: logs while a span starts, changes or ends on the caller's thread (a full batch
        #: queue's "Queue full") is the pipeline's, counted, not printed into the host.
        self.sdk_claim = sdk_claim
        #: The spans started and not ended, by id(scope): ended at shutdown. dict `[]=`
        #: and `pop` are atomic under the GIL, so whoever pops a span ends it, once.
        self._open: dict[int, LiveScope[Any]] = {}
        self._pid = os.getpid()
        at_fork(after_in_child=self._forget_after_fork)

    def scope(
        self, definition: SpanDefinition, attributes: Attributes, handle: type[H]
    ) -> SpanScope[H]:
        return LiveScope(self, definition, attributes, handle)

    # --- start -----------------------------------------------------------------------

    def start(self, scope: LiveScope[Any]) -> None:
        """Start `scope`'s span under the current context and make it current."""
        definition = scope._definition
        ctx = otel_context.get_current()
        entry: tuple[str, Any] | None = ctx.get(_CATALOG_SPAN)  # type: ignore[assignment]
        parent_id: str | None = entry[0] if entry is not None else None
        if (
            entry is None
            and self._incoming is not None
            and not trace.get_current_span(ctx).get_span_context().is_valid
        ):
            ctx = self._incoming  # no span here: the run's incoming TRACEPARENT is the parent
        if (definition.root if parent_id is None else parent_id in definition.parents) is False:
            self._parent_error(definition, parent_id)
        attributes = scope._attributes
        name = definition.span_name(attributes) if definition.name_keys else definition.name
        if self._constant:
            # As the trace pipeline's processor (and Codex's) sets them: over the span's own.
            attributes = {**attributes, **self._constant}
        span = self.tracer.start_span(
            name,
            context=ctx,
            kind=_KINDS[definition.kind],
            attributes=attributes,
        )
        scope._span = span
        scope._parent = entry
        current = otel_context.set_value(
            _CATALOG_SPAN, (definition.id, span), trace.set_span_in_context(span, ctx)
        )
        scope._context = current
        scope._token = otel_context.attach(current)
        scope.open = True
        self._open[id(scope)] = scope

    def _parent_error(self, definition: SpanDefinition, parent_id: str | None) -> None:
        under = f"under {parent_id}" if parent_id else "with no catalog span as parent"
        allowed = ", ".join(sorted(definition.parents)) or "none"
        message = (
            f"span {definition.id} started {under}; the catalog allows parents: {allowed}"
            f"{' (or none: it may be a root)' if definition.root else ''}"
        )
        self.counters.parent_errors += 1
        if self._raise:
            raise SpanParentError(message)
        self._report("span-parent", f"codex-otel: {message} (counted; later ones only counted)")

    # --- end -------------------------------------------------------------------------

    def end(self, scope: LiveScope[Any], exc: BaseException | None) -> None:
        """Leave `scope`'s context and end its span (once: shutdown may have ended it)."""
        _detach(scope)
        if self._open.pop(id(scope), None) is None:
            return  # ended at shutdown (or started in the parent of this forked child)
        span = scope._span
        scope.open = False
        if exc is not None and span.is_recording():
            self._record_failure(span, exc)
        span.end()
        self._publish(scope)

    def _record_failure(self, span: Any, exc: BaseException) -> None:
        error_type = qualified_name(type(exc))
        if "error.type" not in span.attributes:
            span.set_attribute("error.type", error_type)
        if self._error_details:
            span.record_exception(exc)
        else:
            # The SDK's event without the message and stack trace, which may hold text the
            # error-details toggle keeps off the wire.
            span.add_event("exception", {"exception.type": error_type})
        span.set_status(Status(StatusCode.ERROR))

    def end_open_spans(self) -> int:
        """At shutdown: end every span still open with an ERROR status and `error.type`
        `SHUTDOWN_ERROR_TYPE` (a crashed tool call's), counted; how many there were."""
        if os.getpid() != self._pid:
            return 0
        calling = CALLING.calling
        prior, calling.claim = calling.claim, self.sdk_claim
        try:
            return self._end_open_spans()
        finally:
            calling.claim = prior

    def _end_open_spans(self) -> int:
        ended = 0
        for key in list(self._open):
            scope = self._open.pop(key, None)
            if scope is None:
                continue
            scope.open = False
            span = scope._span
            if span.is_recording():
                if "error.type" not in span.attributes:
                    span.set_attribute("error.type", SHUTDOWN_ERROR_TYPE)
                span.set_status(Status(StatusCode.ERROR, "still open at shutdown"))
            span.end()
            self._publish(scope)
            ended += 1
        self.counters.ended_at_shutdown += ended
        if ended:
            self._report(
                "span-shutdown",
                f"codex-otel: {ended} span(s) were still open at shutdown; ended with "
                f"error.type {SHUTDOWN_ERROR_TYPE}",
            )
        return ended

    def _forget_after_fork(self) -> None:
        # The child must not end the parent's spans: they are the parent's to end.
        self._open = {}
        self._pid = os.getpid()

    def _publish(self, scope: LiveScope[Any]) -> None:
        subscribers = self._subscribers()
        if not subscribers:
            return
        span = scope._span
        if not hasattr(span, "end_time"):
            return  # not sampled: nothing was recorded
        captured = captured_span(scope._definition, span, scope._parent)
        for subscriber in subscribers:
            try:
                subscriber(captured)
            except Exception:  # a subscriber's bug must not break the host application
                if self._subscriber_error is not None:
                    self._subscriber_error()


def captured_span(
    definition: SpanDefinition, span: Any, catalog_parent: tuple[str, Any] | None
) -> CapturedSpan:
    """What subscribers see of an ended SDK span (`ReadableSpan`); `catalog_parent` is
    the innermost catalog span when it started (catalog id, SDK span)."""
    context = span.get_span_context()
    parent = span.parent
    parent_id: str | None = None
    # A catalog parent only when it is the direct parent (no host span between).
    if (
        catalog_parent is not None
        and parent is not None
        and catalog_parent[1].get_span_context().span_id == parent.span_id
    ):
        parent_id = catalog_parent[0]
    return CapturedSpan(
        definition=definition.id,
        name=span.name,
        kind=definition.kind,
        attributes=MappingProxyType(dict(span.attributes or {})),
        trace_id=format(context.trace_id, "032x"),
        span_id=format(context.span_id, "016x"),
        parent_span_id=format(parent.span_id, "016x") if parent is not None else None,
        parent=parent_id,
        status=_STATUS_NAMES[span.status.status_code],
        events=tuple(event.name for event in span.events),
        start_ns=span.start_time or 0,
        end_ns=span.end_time or 0,
    )


class LiveScope(SpanScope[H]):
    """The scope of a recorded span; also what its handle calls (`SpanHandle._live`)."""

    __slots__ = (
        "_attributes",
        "_context",
        "_definition",
        "_handle_type",
        "_parent",
        "_span",
        "_spans",
        "_token",
        "open",
    )

    def __init__(
        self, spans: Spans, definition: SpanDefinition, attributes: Attributes, handle: type[H]
    ) -> None:
        self._spans = spans
        self._definition = definition
        self._attributes = attributes
        self._handle_type = handle
        self._span: Any = None
        #: The innermost catalog span when this one started: (catalog id, SDK span).
        self._parent: tuple[str, Any] | None = None
        self._context: Context | None = None
        self._token: contextvars.Token[Any] | None = None
        #: True from the start to the end of the span.
        self.open = False

    def __enter__(self) -> H:
        if self._span is not None:
            # A scope starts one span; a second `with` on it gets a handle that does nothing.
            self._spans._report("span-reused", "codex-otel: a span scope was entered twice")
            return self._handle_type(None)
        calling = CALLING.calling
        prior, calling.claim = calling.claim, self._spans.sdk_claim
        try:
            self._spans.start(self)
        except SpanParentError:
            raise  # `span_parents = "raise"`: the one error entering may raise
        except Exception:
            self._spans._report("span-start", "codex-otel: a span could not be started")
            self._token = None
            return self._handle_type(None)
        finally:
            calling.claim = prior
        handle = self._handle_type(self)
        self._handle = handle
        return handle

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._token is None:
            return
        calling = CALLING.calling
        prior, calling.claim = calling.claim, self._spans.sdk_claim
        try:
            self._spans.end(self, exc)
        except Exception:  # never replace the host's exception, nor raise one of ours
            self._spans._report("span-end", "codex-otel: a span could not be ended")
        finally:
            calling.claim = prior

    # --- what the handle calls ---------------------------------------------------------

    def set(self, key: str, value: AttributeValue) -> None:
        if not self.open:
            self._spans.counters.attributes_after_end += 1
            return
        calling = CALLING.calling
        prior, calling.claim = calling.claim, self._spans.sdk_claim
        try:
            if type(value) is not str or not value.isascii():
                value = wire_value(value)
            self._span.set_attribute(key, value)
        except Exception:
            self._spans._report("span-attribute", "codex-otel: a span attribute was refused")
        finally:
            calling.claim = prior

    def fail(self, error_type: str, description: str) -> None:
        if not self.open:
            self._spans.counters.attributes_after_end += 1
            return
        try:
            self._span.set_attribute("error.type", error_type)
            self._span.set_status(Status(StatusCode.ERROR, description or None))
        except Exception:
            self._spans._report("span-attribute", "codex-otel: a span attribute was refused")

    def headers(self) -> dict[str, str]:
        carrier: dict[str, str] = {}
        if self._context is not None:
            _PROPAGATOR.inject(carrier, context=self._context)
        return carrier


def _detach(scope: LiveScope[Any]) -> None:
    token = scope._token
    scope._token = None
    if token is None:
        return
    try:
        # Not the public `detach`, which logs a token from another context (a `with` left
        # in another task) as an error into the host's logs; only that task keeps our span.
        detach_context(token)
    except Exception:
        logger.debug("codex-otel: a span's context was left in another context")


def qualified_name(cls: type[BaseException]) -> str:
    """`error.type` of an exception: its class's qualified name, with its module unless
    it is a builtin ("ValueError", "httpx.ConnectError")."""
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


# --- W3C trace context --------------------------------------------------------------------


def current_headers() -> dict[str, str]:
    """The current context's W3C headers ({} with no valid current span)."""
    carrier: dict[str, str] = {}
    if trace.get_current_span().get_span_context().is_valid:
        _PROPAGATOR.inject(carrier)
    return carrier


def incoming_context(
    environ: Mapping[str, str], report: Callable[[str, str], None]
) -> Context | None:
    """The parent context of the run's root spans from TRACEPARENT/TRACESTATE; None when
    absent, or malformed (reported once, never raised)."""
    traceparent = environ.get("TRACEPARENT")
    if traceparent is None:
        return None
    carrier = {"traceparent": traceparent}
    tracestate = environ.get("TRACESTATE")
    if tracestate is not None:
        carrier["tracestate"] = tracestate
    try:
        context = _PROPAGATOR.extract(carrier, context=otel_context.Context())
    except Exception:
        context = None
    if context is None or not trace.get_current_span(context).get_span_context().is_valid:
        report(
            "traceparent",
            f"codex-otel: TRACEPARENT {traceparent[:80]!r} is no W3C traceparent; ignored "
            "(root spans start a new trace)",
        )
        return None
    return context


#: Guards building a subscriber-only tracer: one per process is enough.
_LOCAL_LOCK = threading.Lock()
_LOCAL_TRACER: list[trace.Tracer] = []


def local_tracer() -> trace.Tracer:
    """An always-on tracer with no exporter, for span subscribers when no trace pipeline
    runs: a private `TracerProvider` (never the global one)."""
    with _LOCAL_LOCK:
        if not _LOCAL_TRACER:
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.sampling import ALWAYS_ON

            provider = TracerProvider(sampler=ALWAYS_ON, shutdown_on_exit=False)
            _LOCAL_TRACER.append(provider.get_tracer("codex_otel"))
        return _LOCAL_TRACER[0]


def active_context() -> Any:
    """The current OpenTelemetry context (for an event that waits for the pipeline)."""
    return otel_context.get_current()
