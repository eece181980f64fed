"""The traces part of Rotel's detailed debug log (`--debug-log traces`), read into spans.

What `rotel-agent` 0.0.1a15 prints for each batch of spans (read from its output, spans
sent by the SDK's OTLP exporters; the columns matter):

    ResourceSpans #0
    Resource SchemaURL:
    Resource attributes:
         -> service.name: Str(svc)
    ScopeSpans #0
    ScopeSpans SchemaURL:
    InstrumentationScope selftest 1.2
    Span #0
        Trace ID       : 0102030405060708090a0b0c0d0e0f10
        Parent ID      : 1112131415161718          (empty for a root)
        ID             : 45e13a475e4407bb
        Name           : chat gpt-5
        Kind           : SPAN_KIND_CLIENT
        TraceState     : k=v                       (only when there is one)
    Start time: 1796687141462328359
    End time: 1796687141462402795
        Status code    : STATUS_CODE_ERROR
        Status message : boom
    Attributes:
         -> x: Str(1)
    Events:
    SpanEvent #0
         -> Name: exception
         -> Timestamp: 1796687141462373508
         -> DroppedAttributesCount: 0
         -> Attributes::
              -> exception.type: Str(ValueError)
    Links:
    SpanLink #0
         -> Trace ID: 000000000000000000000000000000aa
         -> ID: 00000000000000bb
         -> TraceState:
         -> DroppedAttributesCount: 0
         -> Attributes::
              -> lk: Int(2)

A span has no closing line (a log record ends with `Flags:`): it ends where the next
span, scope or resource begins, or where Rotel stops printing. So the launcher calls
`settle()` once its output has been quiet for a moment, which publishes the span being
read as it stands; lines that still arrive for it update the published span. Values are
printed as in the logs part (`receivers.rotel.parse_value`), with the same limit: a string
that holds a line looking like the printout's own cannot be told apart from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .records import ReceivedSpan, ReceivedSpanEvent, Value

#: `    Name           : value` in a span's head; only these names (a multi-line string
#: value may hold lines of any shape).
_HEAD_FIELD = re.compile(
    r"^    (?P<field>Trace ID|Parent ID|ID|Name|Kind|TraceState|Status code|Status message)"
    r" *: ?(?P<value>.*)$"
)
_VALUE_KINDS = r"(?:Str|Int|Double|Bool|Bytes|Slice|Map|Empty)"
#: An attribute of the resource or the span (5 spaces), of an event or a link (10 spaces).
_ATTRIBUTE = re.compile(rf"^     -> (?P<key>.*?): (?P<value>{_VALUE_KINDS}.*)$", re.S)
_NESTED_ATTRIBUTE = re.compile(rf"^          -> (?P<key>.*?): (?P<value>{_VALUE_KINDS}.*)$", re.S)
#: `     -> Name: x` and the like, the fields of an event or a link.
_ITEM_FIELD = re.compile(
    r"^     -> (?P<field>Name|Timestamp|Trace ID|ID|TraceState): ?(?P<value>.*)$"
)


@dataclass
class _OpenSpan:
    """The span being read."""

    head: dict[str, str] = field(default_factory=dict)
    start: int = 0
    end: int = 0
    attributes: dict[str, Value] = field(default_factory=dict)
    #: [name, timestamp, attributes] of each event.
    events: list[list[Any]] = field(default_factory=list)
    #: [trace id, span id] of each link.
    links: list[list[str]] = field(default_factory=list)
    #: Index of this span in `spans` once published by `settle()`.
    published: int | None = None


class SpanPrintoutParser:
    """Turns the lines of the traces debug log into `ReceivedSpan`s (`transport="rotel"`).

    Fed one line at a time (without its newline), from `ResourceSpans #` on."""

    def __init__(self, parse_value: Callable[[str], Any]) -> None:
        self.spans: list[ReceivedSpan] = []
        self._parse_value = parse_value
        self._resource: dict[str, Value] = {}
        self._scope_name = ""
        self._scope_version = ""
        self._section = ""
        self._open: _OpenSpan | None = None
        #: (where, key) of the value whose lines are still arriving, and its lines.
        self._value_target: tuple[str, str] | None = None
        self._value_lines: list[str] = []

    # -- lines

    def feed(self, line: str) -> None:
        action = self._structural(line)
        if action is not None:
            self._close_value()
            action()
            return
        nested = _NESTED_ATTRIBUTE.match(line)
        if nested and self._section in ("event-attributes", "link-attributes"):
            self._close_value()
            self._start_value((self._section, nested["key"]), nested["value"])
            return
        attribute = _ATTRIBUTE.match(line)
        if attribute and self._section in ("resource", "attributes"):
            self._close_value()
            self._start_value((self._section, attribute["key"]), attribute["value"])
            return
        if self._value_target is not None:
            self._value_lines.append(line)  # a string value that holds a newline

    def _structural(self, line: str) -> Callable[[], None] | None:
        """The action of a line that starts or fills a part of the printout; None for others."""
        section, span = self._section, self._open
        if line.startswith("ResourceSpans #"):
            return self._new_resource
        if line == "Resource attributes:":
            return lambda: self._enter("resource")
        if line.startswith("ScopeSpans #"):
            return self._new_scope
        if line.startswith(("Resource SchemaURL:", "ScopeSpans SchemaURL:")):
            return lambda: None
        if line.startswith("InstrumentationScope "):
            return lambda: self._scope(line.removeprefix("InstrumentationScope "))
        if line.startswith("Span #"):
            return self._new_span
        if span is None:
            return None
        if section == "span":
            head = _HEAD_FIELD.match(line)
            if head:
                return lambda: span.head.__setitem__(head["field"], head["value"].strip())
            if line.startswith("Start time: "):
                return lambda: setattr(span, "start", int(line.removeprefix("Start time: ")))
            if line.startswith("End time: "):
                return lambda: setattr(span, "end", int(line.removeprefix("End time: ")))
        if line == "Attributes:":
            return lambda: self._enter("attributes")
        if line == "Events:":
            return lambda: self._enter("events")
        if line.startswith("SpanEvent #"):
            return self._new_event
        if line == "Links:":
            return lambda: self._enter("links")
        if line.startswith("SpanLink #"):
            return self._new_link
        if section in ("event", "link"):
            if line == "     -> Attributes::":
                return lambda: self._enter(f"{section}-attributes")
            if line.startswith("     -> DroppedAttributesCount:"):
                return lambda: None
            item = _ITEM_FIELD.match(line)
            if item:
                return lambda: self._item_field(item["field"], item["value"].strip())
        return None

    # -- the parts

    def _enter(self, section: str) -> None:
        self._section = section

    def _new_resource(self) -> None:
        self.close()
        self._resource = {}
        self._section = ""

    def _new_scope(self) -> None:
        self.close()
        self._section = "scope"

    def _scope(self, text: str) -> None:
        name, _, version = text.partition(" ")
        self._scope_name, self._scope_version = name, version.strip()

    def _new_span(self) -> None:
        self.close()
        self._open = _OpenSpan()
        self._section = "span"

    def _new_event(self) -> None:
        if self._open is not None:
            self._open.events.append(["", 0, {}])
        self._section = "event"

    def _new_link(self) -> None:
        if self._open is not None:
            self._open.links.append(["", ""])
        self._section = "link"

    def _item_field(self, name: str, value: str) -> None:
        span = self._open
        if span is None:
            return
        if self._section == "event" and span.events:
            if name == "Name":
                span.events[-1][0] = value
            elif name == "Timestamp" and value.isdigit():
                span.events[-1][1] = int(value)
        elif self._section == "link" and span.links:
            if name == "Trace ID":
                span.links[-1][0] = value
            elif name == "ID":
                span.links[-1][1] = value

    # -- values

    def _start_value(self, target: tuple[str, str], first_line: str) -> None:
        self._value_target = target
        self._value_lines = [first_line]

    def _store(self, target: tuple[str, str], value: Any) -> None:
        where, key = target
        span = self._open
        if where == "resource":
            self._resource[key] = value
        elif span is None:
            return
        elif where == "attributes":
            span.attributes[key] = value
        elif where == "event-attributes" and span.events:
            span.events[-1][2][key] = value
        # link attributes are read past: `ReceivedSpan.links` keeps the ids only

    def _close_value(self) -> None:
        if self._value_target is None:
            return
        self._store(self._value_target, self._parse_value("\n".join(self._value_lines)))
        self._value_target = None
        self._value_lines = []

    # -- publishing

    def clear(self) -> None:
        """Forget the spans published so far (the one being read is published anew)."""
        self.spans.clear()
        if self._open is not None:
            self._open.published = None

    def settle(self) -> None:
        """Publish the span being read as it stands (the printout went quiet)."""
        if self._open is None or not self._open.head.get("ID"):
            return
        if self._value_target is not None:
            # The last value of a printout ends with no line after it: take it as read so
            # far, and keep it open in case more of it arrives.
            target, lines = self._value_target, list(self._value_lines)
            self._close_value()
            self._value_target, self._value_lines = target, lines
        self._publish(self._open)

    def close(self) -> None:
        """Finish the span being read (the next part of the printout began)."""
        self._close_value()
        if self._open is not None and self._open.head.get("ID"):
            self._publish(self._open)
        self._open = None

    def _publish(self, span: _OpenSpan) -> None:
        head = span.head
        received = ReceivedSpan(
            name=head.get("Name", ""),
            kind=head.get("Kind", "").removeprefix("SPAN_KIND_").lower(),
            trace_id=head.get("Trace ID", ""),
            span_id=head.get("ID", ""),
            parent_span_id=head.get("Parent ID", ""),
            attributes=dict(span.attributes),
            status=head.get("Status code", "").removeprefix("STATUS_CODE_").lower(),
            status_message=head.get("Status message", ""),
            events=tuple(
                ReceivedSpanEvent(name=name, time_unix_nano=time, attributes=dict(attributes))
                for name, time, attributes in span.events
            ),
            resource=dict(self._resource),
            scope_name=self._scope_name,
            scope_version=self._scope_version,
            start_time_unix_nano=span.start,
            end_time_unix_nano=span.end,
            trace_state=head.get("TraceState", ""),
            links=tuple((trace_id, span_id) for trace_id, span_id in span.links),
            transport="rotel",
        )
        if span.published is None:
            span.published = len(self.spans)
            self.spans.append(received)
        else:
            self.spans[span.published] = received


__all__ = ["SpanPrintoutParser"]
