"""The span API: what generated span helpers return and what applications hold.

A generated helper (`tool_call_span(conversation, tool_name=...)`) checks its arguments
and calls `Conversation.start_span(DEFINITION, attributes, HandleClass)`, which returns a
`SpanScope`. `with scope as handle:` (or `async with`) starts the span, makes it current
in the OpenTelemetry context (so log events emitted inside carry its ids and the host's
own spans nest under it), and ends it on exit: an exception leaving the block sets the
status to ERROR, `error.type` to the exception class's qualified name (unless set) and
is recorded as the SDK's `exception` span event, then propagates unchanged.

When nothing records spans (no trace exporter, no span subscriber) `start_span` returns
one shared scope per handle class whose handle does nothing: the cheap path.

This module imports no OpenTelemetry module; the machinery of recorded spans is in
`_span_context.py`, loaded only when spans are recorded (or the W3C helpers below find
OpenTelemetry's context already loaded).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, NamedTuple, TypeVar

from .types import AttributeValue

if TYPE_CHECKING:
    from ._span_context import LiveScope

SpanKindName = Literal["internal", "client", "server", "producer", "consumer"]

#: The `error.type` of a span still open when its `Telemetry` shut down (a crashed tool
#: call, a thread that never left its `with`): ended then with an ERROR status.
SHUTDOWN_ERROR_TYPE = "codex_otel.shutdown"


@dataclass(frozen=True, slots=True)
class SpanDefinition:
    """A catalog span, as generated code declares it (one constant per span)."""

    #: The catalog id ("codex.tool_call"); never on the wire.
    id: str
    #: The wire name's template as the catalog writes it ("execute_tool {gen_ai.tool.name}").
    name: str
    kind: SpanKindName
    #: The catalog ids this span may start under.
    parents: frozenset[str]
    #: True when it may start with no catalog span as its parent.
    root: bool
    #: The placeholder keys of `name`, in order.
    name_keys: tuple[str, ...] = ()

    def span_name(self, attributes: Mapping[str, AttributeValue]) -> str:
        """The wire name: each placeholder filled from `attributes`; a missing one is
        dropped with the space before it ("execute_tool" when the tool is unknown), or
        after it when it starts the name."""
        name = self.name
        for key in self.name_keys:
            placeholder = "{" + key + "}"
            value = attributes.get(key)
            if value is None:
                for text in (" " + placeholder, placeholder + " ", placeholder):
                    name = name.replace(text, "")
            else:
                name = name.replace(placeholder, str(value))
        return name


class SpanParentError(ValueError):
    """A catalog span started under a parent the catalog does not allow, with
    `span_parents = "raise"` in the config (the default, "count", counts it in
    `TelemetryStats.span_parent_errors` and starts the span anyway)."""


class CapturedSpan(NamedTuple):
    """One ended span as span subscribers (`Telemetry.subscribe_spans`,
    `Telemetry.capture_spans`) see it."""

    #: The catalog id of the span ("codex.tool_call").
    definition: str
    #: The wire name.
    name: str
    kind: str
    attributes: Mapping[str, AttributeValue]
    #: 32 lowercase hex digits.
    trace_id: str
    #: 16 lowercase hex digits.
    span_id: str
    parent_span_id: str | None
    #: The catalog id of the parent span; None for a root span or a parent that is no
    #: catalog span (the host's own, or one from TRACEPARENT).
    parent: str | None
    #: "unset", "ok" or "error".
    status: str
    #: The names of the span's events ("exception").
    events: tuple[str, ...]
    start_ns: int
    end_ns: int


SpanSubscriber = Callable[[CapturedSpan], None]


class SpanHandle:
    """What `with scope as handle` gives: the base of the generated handle classes,
    whose typed setters (`set_error_type`, ...) call `_set`. A handle of a span that is
    not recorded does nothing."""

    __slots__ = ("_live",)

    def __init__(self, live: LiveScope[Any] | None = None) -> None:
        self._live = live

    @property
    def recording(self) -> bool:
        """True while the span is recorded and not ended."""
        live = self._live
        return live is not None and live.open

    def _set(self, key: str, value: AttributeValue) -> None:
        """Set an attribute (generated setters call this after checking `value`). After
        the span ended it is ignored and counted (`TelemetryStats.span_attributes_after_end`).
        Never raises."""
        live = self._live
        if live is not None:
            live.set(key, value)

    def fail(self, error_type: str, description: str = "") -> None:
        """Mark the span failed without an exception: status ERROR and `error.type`."""
        live = self._live
        if live is not None:
            live.fail(error_type, description)

    def headers(self) -> dict[str, str]:
        """This span's W3C `traceparent` (and `tracestate`) headers, for an outbound
        request it makes; {} when the span is not recorded."""
        live = self._live
        return live.headers() if live is not None else {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(recording={self.recording})"


H = TypeVar("H", bound=SpanHandle)


class SpanScope(Generic[H]):
    """A span to start: `with` and `async with` both start it on entry (returning the
    handle) and end it on exit. This base is the scope of a span nobody records (shared
    by every call for one handle class); `_span_context.LiveScope` records one."""

    __slots__ = ("_handle",)

    def __init__(self, handle: H) -> None:
        self._handle = handle

    def __enter__(self) -> H:
        return self._handle

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    async def __aenter__(self) -> H:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, traceback)


#: The shared no-op scope of each handle class (the scope is stateless: one serves every
#: thread and task).
_NOOP_SCOPES: dict[type[SpanHandle], SpanScope[SpanHandle]] = {}


def noop_scope(handle: type[H]) -> SpanScope[H]:
    """The scope of a span nobody records, for `handle`'s class."""
    scope = _NOOP_SCOPES.get(handle)
    if scope is None:
        scope = _NOOP_SCOPES[handle] = SpanScope(handle(None))
    return scope  # type: ignore[return-value]


# --- W3C trace context out --------------------------------------------------------------


def trace_headers() -> dict[str, str]:
    """The W3C `traceparent` (and `tracestate`) headers of the current span, for an
    outbound HTTP request made inside it; {} when no span is current (or OpenTelemetry
    is not installed)."""
    if sys.modules.get("opentelemetry.context") is None:
        return {}  # nothing loaded OpenTelemetry's context: no span can be current
    from ._span_context import current_headers

    return current_headers()


def traced_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of `environ` (default `os.environ`) for a subprocess, with `TRACEPARENT`
    (and `TRACESTATE`) set to the current span's, so the child's spans join this trace.
    With no current span, a plain copy (an inherited `TRACEPARENT` stays)."""
    copy = dict(os.environ if environ is None else environ)
    headers = trace_headers()
    if headers:
        copy["TRACEPARENT"] = headers["traceparent"]
        if "tracestate" in headers:
            copy["TRACESTATE"] = headers["tracestate"]
        else:
            copy.pop("TRACESTATE", None)  # another trace's state would not belong here
    return copy
