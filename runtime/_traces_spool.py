"""Spans across outages: the spans of a failed export kept in the spool, and delivered
later with their own ids, parents and times, so a trace view shows them where they
belong.

The spool is the events' (`_spool.py`: same root, same folder and file rules, same cap,
claim by rename, hostile files set aside); spans have a destination folder of their own
(the trace exporter's destination, hashed with the word "traces", so that the logs',
the metrics' and the traces' spools never read each other's files) and their own line
format (`SpanSpool`). A file is one header line (format `codex-otel-span-spool`, the
resource and scope) and one line per span: name, trace and span id, parent span id (and
whether it came from another process), trace flags and state, kind, start and end time,
attributes, status, and the span's events and links. Events and links are kept as JSON
text inside the line: the spool refuses lines nested deeper than an event's
attributes, and a span event's attributes are one level deeper still.

What the pipeline does with it (`SpanSpooling`, the guarded exporter's hooks): a failed
export's spans (and, at an abort or a signal, the batch in flight and everything queued)
are written, one file per batch; earlier runs' files are delivered when the pipeline
starts (on a thread), and this run's once an export succeeds after one failed (the
collector is back). Each file is claimed, exported as one request and deleted: a
delivered file is never delivered again (at least once: a process killed between the
collector's answer and the delete has it delivered again by the next run).

Never raises into the host; the SDK is imported only by the functions that convert
(called by the running pipeline, which imported it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from ._fork import at_fork
from ._spool import (
    Batch,
    Event,
    Spool,
    UnreadableFile,
    _attributes,
    _is_stamp,
    default_root,
    destination_key,
)
from ._spool_bridge import deliver_batches
from .config import OtelConfig
from .types import AttributeValue

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

logger = logging.getLogger("codex_otel")

FORMAT = "codex-otel-span-spool"
_HEX32 = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class SpooledEvent:
    """A span event (the SDK's "exception", say): its name, time and attributes."""

    name: str
    time_ns: int
    attributes: Mapping[str, AttributeValue]


@dataclass(frozen=True)
class SpooledLink:
    """A link to another span."""

    trace_id: str
    span_id: str
    attributes: Mapping[str, AttributeValue]


@dataclass(frozen=True)
class SpooledSpan(Event):
    """One spooled span. As an `Event`: `name` is the span's, `timestamp_ns` its end
    time, `observed_ns` its start time."""

    trace_id: str
    span_id: str
    parent_span_id: str | None = None
    #: The parent is another process's (W3C `traceparent` from the environment).
    parent_remote: bool = False
    trace_flags: int = 1
    #: The W3C `tracestate` header ("" for none).
    trace_state: str = ""
    #: OpenTelemetry's `SpanKind` value: 0 internal, 1 server, 2 client, 3 producer,
    #: 4 consumer.
    kind: int = 0
    #: `StatusCode`'s value: 0 unset, 1 ok, 2 error.
    status: int = 0
    status_description: str = ""
    events: tuple[SpooledEvent, ...] = ()
    links: tuple[SpooledLink, ...] = ()


class SpanSpool(Spool):
    """The spool folder of one traces destination: `Spool`, with spans for events."""

    format_name = FORMAT

    def _event_line(self, event: Event) -> dict[str, Any]:
        if not isinstance(event, SpooledSpan):
            raise TypeError(f"not a span: {type(event).__name__}")
        line: dict[str, Any] = {
            "span": event.name,
            "trace": event.trace_id,
            "id": event.span_id,
            "parent": event.parent_span_id,
            "remote": event.parent_remote,
            "flags": event.trace_flags,
            "state": event.trace_state,
            "kind": event.kind,
            "start": event.observed_ns,
            "end": event.timestamp_ns,
            "attributes": dict(event.attributes),
            "status": event.status,
            "description": event.status_description,
        }
        # Nested one level deeper than the spool allows a line to be: kept as text.
        if event.events:
            line["events"] = json.dumps(
                [[item.name, item.time_ns, dict(item.attributes)] for item in event.events]
            )
        if event.links:
            line["links"] = json.dumps(
                [[item.trace_id, item.span_id, dict(item.attributes)] for item in event.links]
            )
        return line

    def _event_from(self, value: dict[str, Any], number: int) -> Event:
        def bad(what: str) -> UnreadableFile:
            return UnreadableFile(f"line {number}: not a span ({what})")

        name, trace_id, span_id = value.get("span"), value.get("trace"), value.get("id")
        if not (isinstance(name, str) and _is_id(trace_id, 32) and _is_id(span_id, 16)):
            raise bad("name, trace, id")
        parent = value.get("parent")
        if parent is not None and not _is_id(parent, 16):
            raise bad("parent")
        remote, flags, state = value.get("remote"), value.get("flags"), value.get("state")
        if not (isinstance(remote, bool) and _small(flags, 255) and isinstance(state, str)):
            raise bad("remote, flags, state")
        kind, status, description = value.get("kind"), value.get("status"), value.get("description")
        if not (_small(kind, 4) and _small(status, 2) and isinstance(description, str)):
            raise bad("kind, status, description")
        start, end = value.get("start"), value.get("end")
        if not (_is_stamp(start) and _is_stamp(end)):
            raise bad("start, end")
        attributes = value.get("attributes")
        if not isinstance(attributes, dict):
            raise bad("attributes")
        events = tuple(
            SpooledEvent(item_name, stamp, _attributes(item_attributes, number))
            for item_name, stamp, item_attributes in _triples(value.get("events"), bad)
            if isinstance(item_name, str) and _is_stamp(stamp)
        )
        links = tuple(
            SpooledLink(link_trace, link_span, _attributes(item_attributes, number))
            for link_trace, link_span, item_attributes in _triples(value.get("links"), bad)
            if _is_id(link_trace, 32) and _is_id(link_span, 16)
        )
        return SpooledSpan(
            name=name,
            timestamp_ns=end,
            observed_ns=start,
            attributes=_attributes(attributes, number),
            trace_id=trace_id,
            span_id=span_id,
            parent_span_id=parent,
            parent_remote=remote,
            trace_flags=flags,
            trace_state=state,
            kind=kind,
            status=status,
            status_description=description,
            events=events,
            links=links,
        )


def _is_id(value: object, digits: int) -> TypeGuard[str]:
    """Lower-case hex of `digits` digits, not all zero (an invalid id in OTLP)."""
    return (
        isinstance(value, str)
        and len(value) == digits
        and _HEX32.issuperset(value)
        and value.strip("0") != ""
    )


def _small(value: object, most: int) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most


def _triples(
    text: object, bad: Callable[[str], UnreadableFile]
) -> list[tuple[object, object, dict[str, Any]]]:
    """The `[a, b, {attributes}]` items of an events or links text ([] when absent)."""
    if text is None:
        return []
    if not isinstance(text, str):
        raise bad("events or links")
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):
        raise bad("events or links are not JSON") from None
    if not isinstance(items, list):
        raise bad("events or links")
    triples = []
    for item in items:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[2], dict)):
            raise bad("an event or link")
        triples.append((item[0], item[1], item[2]))
    return triples


def span_spool_for(config: OtelConfig) -> SpanSpool | None:
    """The span spool of the configured trace destination, or None (the spool is off, or
    the trace exporter never spools: `none`, the file exporter)."""
    settings = config.spool
    key = destination_key(config.trace_exporter)
    if not settings.enabled or key is None:
        return None
    folder = hashlib.sha256(f"traces\n{key}".encode("ascii")).hexdigest()[:32]
    root = settings.path if settings.path is not None else default_root()
    return SpanSpool(root, folder, settings.max_bytes)


# --- SDK spans <-> spooled spans --------------------------------------------------------


def batches_from_spans(spans: Sequence[ReadableSpan]) -> list[Batch]:
    """The spans, one batch per resource and instrumentation scope, in their order."""
    groups: dict[tuple[str, str, str], tuple[Batch, list[Event]]] = {}
    for span in spans:
        context = span.context
        if context is None:
            continue
        resource = dict(span.resource.attributes)
        scope = span.instrumentation_scope
        scope_name = scope.name if scope is not None else ""
        scope_version = scope.version if scope is not None else None
        key = (json.dumps(sorted(resource.items()), default=str), scope_name, scope_version or "")
        if key not in groups:
            groups[key] = (Batch(resource, scope_name, scope_version), [])  # type: ignore[arg-type]
        groups[key][1].append(_spooled(span))
    return [
        Batch(batch.resource, batch.scope_name, batch.scope_version, tuple(items))
        for batch, items in groups.values()
    ]


def _spooled(span: ReadableSpan) -> SpooledSpan:
    context = span.context
    assert context is not None  # checked by the caller
    parent = span.parent
    return SpooledSpan(
        name=span.name,
        timestamp_ns=span.end_time or span.start_time or 0,
        observed_ns=span.start_time or 0,
        attributes=dict(span.attributes or {}),  # type: ignore[arg-type]
        trace_id=f"{context.trace_id:032x}",
        span_id=f"{context.span_id:016x}",
        parent_span_id=f"{parent.span_id:016x}" if parent is not None else None,
        parent_remote=bool(parent is not None and parent.is_remote),
        trace_flags=int(context.trace_flags),
        trace_state=context.trace_state.to_header() if context.trace_state else "",
        kind=int(span.kind.value),
        status=int(span.status.status_code.value),
        status_description=span.status.description or "",
        events=tuple(
            SpooledEvent(event.name, event.timestamp, dict(event.attributes or {}))  # type: ignore[arg-type]
            for event in span.events
        ),
        links=tuple(
            SpooledLink(
                f"{link.context.trace_id:032x}",
                f"{link.context.span_id:016x}",
                dict(link.attributes or {}),  # type: ignore[arg-type]
            )
            for link in span.links
        ),
    )


def spans_from_batch(batch: Batch) -> list[ReadableSpan]:
    """The SDK spans of a spooled batch, as the exporter encodes them."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import Event as SdkEvent
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags, TraceState
    from opentelemetry.trace.status import Status, StatusCode

    resource = Resource(dict(batch.resource))
    scope = InstrumentationScope(batch.scope_name, batch.scope_version)
    spans = []
    for item in batch.events:
        assert isinstance(item, SpooledSpan)
        trace_id = int(item.trace_id, 16)
        state = TraceState.from_header([item.trace_state]) if item.trace_state else None
        context = SpanContext(
            trace_id,
            int(item.span_id, 16),
            is_remote=False,
            trace_flags=TraceFlags(item.trace_flags),
            trace_state=state,
        )
        parent = None
        if item.parent_span_id is not None:
            parent = SpanContext(
                trace_id,
                int(item.parent_span_id, 16),
                is_remote=item.parent_remote,
                trace_flags=TraceFlags(item.trace_flags),
            )
        spans.append(
            ReadableSpan(
                name=item.name,
                context=context,
                parent=parent,
                resource=resource,
                attributes=dict(item.attributes),
                events=[
                    SdkEvent(event.name, dict(event.attributes), event.time_ns)
                    for event in item.events
                ],
                links=[
                    Link(
                        SpanContext(int(link.trace_id, 16), int(link.span_id, 16), False),
                        dict(link.attributes),
                    )
                    for link in item.links
                ],
                kind=SpanKind(item.kind),
                status=Status(StatusCode(item.status), item.status_description or None),
                start_time=item.observed_ns,
                end_time=item.timestamp_ns,
                instrumentation_scope=scope,
            )
        )
    return spans


# --- what the pipeline does with its spool -------------------------------------------------


class SpanSpooling:
    """The trace pipeline's spool: a failed export's spans kept, and delivered at the start
    and once the collector is back (see the module doc). Thread-safe; never raises."""

    def __init__(self, spool: SpanSpool) -> None:
        self.spool = spool
        self._lock = threading.Lock()
        #: Something this run spooled waits for delivery (tried after the next success).
        self._undelivered = False
        #: Spans that could not be kept (a full disk, spans the spool refused).
        self.lost = 0
        #: The exporter could not be built: nothing could ever deliver what is kept, so
        #: failed spans are counted as lost instead of filling the spool.
        self.lost_for_good = False
        #: Exports spooled spans (`GuardedExporter.export_unspooled`), and says when a
        #: delivery must stop (the exporter was aborted); set by the start.
        self.send: Callable[[Sequence[ReadableSpan]], bool] = lambda spans: False
        self.stopped: Callable[[], bool] = lambda: False
        #: Held while a delivery runs (one at a time).
        self._delivering = threading.Lock()
        at_fork(after_in_child=self._reinit_after_fork)

    def _reinit_after_fork(self) -> None:
        # Locks a parent's thread held at the fork stay held in the child.
        self._lock = threading.Lock()
        self._delivering = threading.Lock()

    @property
    def spooled(self) -> int:
        """Spans written to the spool by this process."""
        return self.spool.spooled

    @property
    def delivered(self) -> int:
        """Spans delivered from the spool by this process (their files removed)."""
        return self.spool.delivered

    @property
    def dropped(self) -> int:
        """Spans the spool dropped (full) or could not write."""
        return self.spool.dropped + self.spool.failed + self.lost

    def pending(self) -> int:
        """Spans waiting in the spool now (this run's and older ones; reads the folder)."""
        return self.spool.pending_events()

    def keep(self, spans: Sequence[ReadableSpan]) -> bool:
        """The exporter's hook for a failed export: the spans to the spool. True when every
        span was kept."""
        if self.lost_for_good:
            self.lost += len(spans)
            return False
        try:
            written = 0
            batches = batches_from_spans(spans)
            for batch in batches:
                written += self.spool.write(batch)
            with self._lock:
                self._undelivered = True
            return written == sum(len(batch.events) for batch in batches)
        except Exception:
            self.lost += len(spans)
            logger.debug("codex-otel: spooling spans failed", exc_info=True)
            return False

    def exported(self) -> None:
        """The exporter's hook for a successful export: when this run spooled spans, the
        collector is back, and what waits is delivered on a thread."""
        with self._lock:
            if not self._undelivered:
                return
            self._undelivered = False
        if not self.deliver_in_background():
            with self._lock:  # a delivery runs already: the next success tries again
                self._undelivered = True

    def deliver_in_background(self) -> bool:
        """Deliver the spool on a daemon thread, one at a time: False (nothing started)
        while one runs, or when no thread can start."""
        if not self._delivering.acquire(blocking=False):
            return False
        thread = threading.Thread(
            target=self._deliver_and_release, name="codex-otel-traces-spool", daemon=True
        )
        try:
            thread.start()
        except RuntimeError:  # out of threads, or the interpreter is exiting
            self._delivering.release()
            return False
        return True

    def _deliver_and_release(self) -> None:
        try:
            self._deliver()
        finally:
            self._delivering.release()

    def finish_delivery(self, collector_up: Callable[[], bool]) -> None:
        """At shutdown, the exporter held open: let a running delivery finish (its claim
        is settled, not put back under it), then, when `collector_up()` says the run's own
        spans were delivered, deliver what waits. Cut off by the shutdown's bound
        (`stopped()`: an abort makes the exports fail at once)."""
        with self._delivering:
            if collector_up() and not self.stopped():
                self._deliver()

    def _deliver(self) -> None:
        """One delivery of the spool; the caller holds `_delivering`."""
        try:
            _, swept = deliver_batches(
                self.spool,
                lambda batch: self.send(spans_from_batch(batch)),
                self.stopped,
                what="spans",
            )
            if not swept:
                with self._lock:
                    self._undelivered = True
        except Exception:  # never let the delivery of old spans hurt the host
            logger.debug("codex-otel: delivering the span spool failed", exc_info=True)

    def close(self) -> None:
        """The process is done with the spool: files being delivered go back."""
        self.spool.release_held()
