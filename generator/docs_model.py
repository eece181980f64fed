"""What the documentation says about the catalog, decided once for EVENTS.md and the site.

`generated/EVENTS.md` and the documentation site (`codex-otel docs`) describe the same
attributes. Which facts an attribute has (who sets it, the Python name that passes it,
its redaction, cap, bounds, deprecation), and the sentences EVENTS.md writes after its
description, are decided here from the resolved catalog; both sets of templates only
format them. A sentence is a `Words`: catalog prose and literal values kept apart, so
each target escapes each part for itself (Markdown code spans show entities literally,
HTML escapes everything).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from .code_model import recorder_view
from .model import LENGTH_SUFFIX, Attribute, Catalog, Event, Metric, Span, Toggle
from .py_layout import annotation
from .span_model import placement, setter_signature, span_view

PartKind = Literal["text", "code", "strong"]

#: A code span in catalog prose: a run of backticks, text, the same run. The one Markdown
#: the catalog's prose uses; the site shows it as code, its search as plain text.
CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")


def plain_text(prose: str) -> str:
    """Catalog prose without its code spans' backticks (`event_name` -> event_name)."""
    return CODE_SPAN.sub(lambda match: match.group(2).strip(), prose)


@dataclass(frozen=True)
class Part:
    """A piece of a sentence: `text` is prose (it may hold `code spans`, as catalog prose
    does), `code` a literal value (a str as it is, anything else as JSON), `strong` a
    label shown in bold."""

    kind: PartKind
    value: object


Words = tuple[Part, ...]


def _text(value: str) -> Part:
    return Part("text", value)


def _code(value: object) -> Part:
    return Part("code", value)


#: Who sets a computed attribute, by its `computed` kind.
_SET_BY = {
    "timestamp": "The runtime when the event is emitted",
    "event_name": "The runtime: the event's name, the same as the record's `event_name`",
    "length": "The runtime, from the length of the value it replaces",
    "fixed": "The span's helper: the catalog fixes the value",
}


@dataclass(frozen=True)
class AttributeDoc:
    """One attribute as the docs describe it where it is used."""

    attribute: Attribute
    #: Who sets a computed attribute (prose, no final stop); None: the caller passes it.
    set_by: str | None
    #: How Python code passes the value (`name: annotation`); None for computed ones,
    #: which no argument or `Metadata` field takes.
    python: str | None
    #: The sentences EVENTS.md writes after the description, in order.
    notes: tuple[Words, ...]
    #: A span's attribute: when it is known and how code sets it ("start: an argument of
    #: the helper", "end: `span.set_x(...)`"), prose; "" for events' and metrics'.
    known: str = ""
    #: What the docs call `python` ("Python setter" for a span's end attribute); "": the
    #: page's default (an emitter's argument, a `Metadata` field).
    python_label: str = ""

    @property
    def key(self) -> str:
        return self.attribute.key


def attribute_doc(attribute: Attribute, *, metric: bool = False) -> AttributeDoc:
    """The docs' facts of `attribute`; `metric`: a metric's attribute (no redaction or
    computed kinds there, and its deprecation names no replacement)."""
    set_by = _SET_BY.get(attribute.computed or "")
    notes: list[Words] = []
    members = attribute.type.members
    if members:
        parts: list[Part] = [_text("One of: ")]
        for index, member in enumerate(members):
            last = index == len(members) - 1
            parts += [_code(member.value), _text(" ("), _text(member.description)]
            parts.append(_text(")." if last else "); "))
        notes.append(tuple(parts))
    if set_by is not None:
        notes.append((_text(f"Set by t{set_by[1:]}."),))
    if attribute.fixed is not None:
        notes.append((_text("Always "), _code(attribute.fixed), _text(".")))
    if attribute.sensitivity != "metadata":
        notes.append((_text("Class: "), Part("strong", attribute.sensitivity), _text(".")))
    if attribute.redact and not metric:
        redact = attribute.redact
        off: Words = (
            (_text("the placeholder "), _code(redact.placeholder))
            if redact.mode == "redact"
            else (_text(f"`{redact.mode}` mode: "), *mode_words(attribute, redact.mode))
        )
        notes.append(
            (
                Part("strong", "Redacted"),
                _text(" unless "),
                _code(redact.toggle),
                _text(" is on; off, the wire carries "),
                *off,
                _text("."),
            )
        )
    if attribute.max_length:
        notes.append((_text(f"Cut to {attribute.max_length} characters, with a marker."),))
    if attribute.has_bounds:
        notes.append((_text(f"Must be {attribute.bounds_text}."),))
    if attribute.deprecated:
        deprecation: list[Part] = [Part("strong", "Deprecated:"), _text(" ")]
        deprecation.append(_text(attribute.deprecated.note))
        if attribute.deprecated.replacement and not metric:
            deprecation += [_text(" Use "), _code(attribute.deprecated.replacement), _text(".")]
        notes.append(tuple(deprecation))
    return AttributeDoc(
        attribute=attribute,
        set_by=set_by,
        python=None if set_by else f"{attribute.python_name}: {annotation(attribute)}",
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class Renamed:
    """A key an attribute is also sent under until a version (dual emission)."""

    old_key: str
    new_key: str
    until: str


@dataclass(frozen=True)
class UseRow:
    """A row of a differences table: the attribute, where, and its other cells."""

    key: str
    #: Event names; empty: every event.
    events: tuple[str, ...]
    cells: tuple[Words, ...]


@dataclass(frozen=True)
class EventDoc:
    event: Event
    attributes: tuple[AttributeDoc, ...]
    renamed: tuple[Renamed, ...]


@dataclass(frozen=True)
class MetricDoc:
    metric: Metric
    attributes: tuple[AttributeDoc, ...]
    #: The recorder's signature on one line.
    signature: str


@dataclass(frozen=True)
class SpanDoc:
    span: Span
    attributes: tuple[AttributeDoc, ...]
    #: The helper's signature on one line.
    signature: str
    #: Where the span may start, in words (prose with code spans).
    placement: str
    #: The spans that may start under this one (they list it among their parents).
    children: tuple[str, ...]


@dataclass(frozen=True)
class SpanNode:
    """A span in the span tree: the spans that may start under it below it."""

    span: Span
    children: tuple[SpanNode, ...] = ()
    #: The span is drawn (with its children) elsewhere in the tree already, or is its own
    #: parent here: this node only names it, so every span is expanded once and a span
    #: that nests in itself does not recurse.
    repeated: bool = False
    #: A top-level node that is no root: no root span leads to it.
    detached: bool = False


def span_tree(catalog: Catalog) -> tuple[SpanNode, ...]:
    """The spans as the catalog nests them: each root with the spans that may start under
    it, depth first in catalog order. A span reached again (it has several parents, or
    nests in itself) is named, not expanded again; spans no root leads to follow the
    roots, marked detached."""
    expanded: set[str] = set()

    def node(span: Span, *, detached: bool = False) -> SpanNode:
        if span.id in expanded:
            return SpanNode(span, repeated=True)
        expanded.add(span.id)
        below = tuple(node(child) for child in catalog.children(span.id))
        return SpanNode(span, below, detached=detached)

    tree = [node(span) for span in catalog.spans if span.root]
    tree += [node(span, detached=True) for span in catalog.spans if span.id not in expanded]
    return tuple(tree)


def span_attribute_doc(attribute: Attribute, span: Span) -> AttributeDoc:
    """A span's attribute as the docs describe it: an argument of the helper when known
    at start, else its handle's setter."""
    if attribute.fixed is not None:
        # The definition's examples may be other members; this span only sends its own.
        doc = attribute_doc(replace(attribute, examples=(attribute.fixed,)))
        return replace(doc, known="at start: set by the helper")
    doc = attribute_doc(attribute)
    if attribute.known == "end":
        return replace(
            doc,
            python=f"span.{setter_signature(attribute)}",
            python_label="Python setter",
            known="at the end: set through the handle before the span ends",
        )
    return replace(doc, known=f"at start: an argument of `{span.function_name}`")


def span_doc(span: Span, catalog: Catalog) -> SpanDoc:
    return SpanDoc(
        span=span,
        attributes=tuple(span_attribute_doc(a, span) for a in span.attributes),
        signature=span_view(span).signature,
        placement=placement(span)[0].upper() + placement(span)[1:] + ".",
        children=tuple(child.id for child in catalog.children(span.id)),
    )


@dataclass(frozen=True)
class UseTable:
    """A table of the differences section; a table without rows is not shown."""

    title: str
    #: A paragraph of prose above the table.
    intro: str
    #: The headings of the columns after "Attribute" and "Events".
    columns: tuple[str, ...]
    rows: tuple[UseRow, ...]


@dataclass(frozen=True)
class Docs:
    """Everything EVENTS.md formats beside the catalog itself."""

    catalog: Catalog
    common: tuple[AttributeDoc, ...]
    common_renamed: tuple[Renamed, ...]
    events: tuple[EventDoc, ...]
    metrics: tuple[MetricDoc, ...]
    metric_metadata: tuple[AttributeDoc, ...]
    #: The differences section's tables derived from the attributes (those with rows).
    tables: tuple[UseTable, ...]
    #: Every attribute with a class other than metadata or a policy.
    privacy: tuple[PrivacyRow, ...] = ()
    spans: tuple[SpanDoc, ...] = ()
    span_tree: tuple[SpanNode, ...] = ()


def _renamed(attributes: tuple[Attribute, ...]) -> tuple[Renamed, ...]:
    return tuple(
        Renamed(legacy.key, attribute.key, legacy.until)
        for attribute in attributes
        for legacy in attribute.also_sent_as
    )


@dataclass(frozen=True)
class AttributeUse:
    """One attribute and the events that use it the same way (for the differences tables)."""

    attribute: Attribute
    #: Event names; empty when the attribute is in the common group (every event).
    events: tuple[str, ...]


def _uses(catalog: Catalog, same: Callable[[Attribute], object]) -> tuple[AttributeUse, ...]:
    """Attributes grouped by key and `same(attribute)`, with the events that use each
    group (none for common attributes), in catalog order; a None `same` is left out."""
    groups: dict[tuple[str, object], tuple[Attribute, list[str]]] = {}
    for attribute in catalog.common:
        if same(attribute) is not None:
            groups[(attribute.key, same(attribute))] = (attribute, [])
    for event in catalog.events:
        for attribute in event.attributes:
            if same(attribute) is None:
                continue
            group = groups.setdefault((attribute.key, same(attribute)), (attribute, []))
            group[1].append(event.name)
    return tuple(AttributeUse(attribute, tuple(events)) for attribute, events in groups.values())


def _allowed(attribute: Attribute) -> Words:
    """What an argument check allows beyond the type, in words: enum members, or the range."""
    if not attribute.type.is_enum:
        return (_text(attribute.range_text),)
    parts: list[Part] = [_text(("a list of " if attribute.type.is_array else "") + "one of ")]
    for index, member in enumerate(attribute.type.members):
        parts += [_text(", ")] if index else []
        parts.append(_code(member.value))
    parts.append(_text(" (or the enum's members)"))
    return tuple(parts)


def _rows(
    catalog: Catalog,
    same: Callable[[Attribute], object],
    cells: Callable[[Attribute], tuple[Words, ...]],
) -> tuple[UseRow, ...]:
    return tuple(
        UseRow(use.attribute.key, use.events, cells(use.attribute)) for use in _uses(catalog, same)
    )


def _checked(attribute: Attribute) -> object:
    """What sets apart the emitters' checks of an argument beyond its type (None: none)."""
    if attribute.type.is_enum:
        return attribute.type.display
    return attribute.range_text if attribute.is_range_checked else None


def _tables(catalog: Catalog) -> tuple[UseTable, ...]:
    """The differences section's tables: types, caps, argument checks."""
    if catalog.differences is None:
        return ()
    name = catalog.differences.name
    tables = (
        UseTable(
            "Types",
            f"Attributes {name} sends with another type than these events do.",
            (f"{name} sends", "Sent here"),
            _rows(
                catalog,
                lambda a: a.reference_type,
                lambda a: ((_text(str(a.reference_type)),), (_text(a.type.display),)),
            ),
        ),
        UseTable(
            "Truncation caps",
            "Longer values are cut to the cap, in characters (code points), the marker included.",
            ("Cap",),
            _rows(catalog, lambda a: a.max_length, lambda a: ((_text(str(a.max_length)),),)),
        ),
        UseTable(
            "Argument checks",
            "Besides its type (a `TypeError` otherwise), an emitter checks these arguments "
            "and raises `ValueError` for a value outside what is listed.",
            ("Allowed",),
            _rows(catalog, _checked, lambda a: (_allowed(a),)),
        ),
    )
    return tuple(table for table in tables if table.rows)


#: The modes a toggle may choose, in the order the docs list them: `keep` (the toggle
#: on), then from the least withheld to the most.
MODES = ("keep", "hash", "length", "redact", "drop")


def mode_words(attribute: Attribute, mode: str) -> Words:
    """What the wire carries for `attribute` (one with a policy) in `mode`."""
    redact = attribute.redact
    assert redact is not None
    if mode == "keep":
        cut = f", cut to {attribute.max_length} characters" if attribute.max_length else ""
        scrubbed = ", secrets scrubbed" if attribute.is_scanned else ""
        return (_text(f"the value{cut}{scrubbed}"),)
    if mode == "redact":
        return (_code(redact.placeholder),)
    if mode == "length":
        return (_text("only "), _code(attribute.key + LENGTH_SUFFIX), _text(" (an int)"))
    if mode == "hash":
        return (_text("a keyed HMAC-SHA256 of the value, 64 hex characters"),)
    return (_text("nothing (the attribute is omitted)"),)


@dataclass(frozen=True)
class PrivacyRow:
    """One attribute with a class other than metadata or a policy, and what the wire
    carries for it in each mode (the privacy tables of EVENTS.md and the site)."""

    attribute: Attribute
    #: Event names; empty when the attribute is in the common group (every event).
    events: tuple[str, ...]
    #: The policy's toggle, or None: the value is always sent (secrets scrubbed).
    toggle: Toggle | None

    @property
    def off_mode(self) -> str | None:
        return self.attribute.redact.mode if self.attribute.redact else None

    @property
    def default_mode(self) -> str | None:
        """The mode of a config that leaves the toggle alone."""
        if self.toggle is None:
            return None
        return "keep" if self.toggle.default else self.off_mode

    @property
    def wire(self) -> tuple[tuple[str, Words], ...]:
        """Each mode and what it sends, the default first; empty without a policy."""
        if self.toggle is None:
            return ()
        modes = sorted(MODES, key=lambda mode: mode != self.default_mode)
        return tuple((mode, mode_words(self.attribute, mode)) for mode in modes)

    @property
    def always(self) -> Words:
        """What an attribute without a policy carries."""
        cut = (
            f", cut to {self.attribute.max_length} characters" if self.attribute.max_length else ""
        )
        scrubbed = ", secrets scrubbed" if self.attribute.is_scanned else ""
        return (_text(f"always the value{cut}{scrubbed}"),)


def privacy_rows(catalog: Catalog) -> tuple[PrivacyRow, ...]:
    toggles = {t.name: t for t in catalog.toggles}

    def same(attribute: Attribute) -> object:
        if attribute.redact is None and attribute.sensitivity == "metadata":
            return None
        return (attribute.sensitivity, attribute.redact, attribute.max_length)

    return tuple(
        PrivacyRow(
            use.attribute,
            use.events,
            toggles.get(use.attribute.redact.toggle) if use.attribute.redact else None,
        )
        for use in _uses(catalog, same)
    )


def build_docs_model(catalog: Catalog) -> Docs:
    """The facts EVENTS.md shows, from `catalog`."""
    return Docs(
        catalog=catalog,
        common=tuple(attribute_doc(a) for a in catalog.common),
        common_renamed=_renamed(catalog.common),
        events=tuple(
            EventDoc(e, tuple(attribute_doc(a) for a in e.attributes), _renamed(e.attributes))
            for e in catalog.events
        ),
        metrics=tuple(
            MetricDoc(
                m,
                tuple(attribute_doc(a, metric=True) for a in m.attributes),
                recorder_view(m).signature,
            )
            for m in catalog.metrics
        ),
        metric_metadata=tuple(attribute_doc(a) for a in catalog.metric_attributes),
        tables=_tables(catalog),
        privacy=privacy_rows(catalog),
        spans=tuple(span_doc(span, catalog) for span in catalog.spans),
        span_tree=span_tree(catalog),
    )
