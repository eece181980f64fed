"""What each event's records, each metric's points and each span must look like, compiled
once from the resolved catalog.

The checker looks an attribute up by key and compares the value's class with one field,
so everything it needs per attribute is precomputed here: the Python class a decoded
value must have, and whether any further check (enum, bounds, length, redaction,
deprecation, array items) applies at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from codex_otel.generator.diff import SDK_DEFAULT_BOUNDARIES
from codex_otel.generator.model import Attribute, Catalog, Event, Metric, Span
from codex_otel.runtime.spans import SpanDefinition

#: The attribute that carries the event's name on records that have no OTLP EventName
#: (as Codex sends them); codex-otel sends it too. It must name the record's event.
EVENT_NAME_KEY = "event.name"

_CLASSES: dict[str, type] = {"string": str, "int": int, "double": float, "boolean": bool}


@dataclass(frozen=True)
class AttributeExpectation:
    key: str
    #: The catalog's type in words (`int`, `enum (string)`, `string[]`).
    type_text: str
    #: The class of the decoded value: str, int, float, bool, or list for arrays.
    cls: type
    #: The class of each item of an array.
    item_cls: type | None
    #: True when a value of the right class needs no further check (the fast path).
    plain: bool
    members: frozenset[object] | None
    minimum: int | float | None
    maximum: int | float | None
    #: What an out-of-bounds finding says the value must be.
    bounds_text: str
    max_length: int | None
    placeholder: str | None
    #: The privacy toggle that, set to true, sends the content instead of the placeholder
    #: (set to another mode: a keyed hash, `<key>.length` or nothing, all accepted).
    toggle: str | None
    deprecated: str | None


@dataclass
class EventExpectation:
    name: str
    deprecated: str | None
    #: Every attribute a record of this event may carry: its own, the common group's,
    #: and `event.name`.
    attributes: dict[str, AttributeExpectation]
    required: frozenset[str]
    #: Keys counted by coverage (the catalog's, without `event.name` unless declared).
    own: tuple[str, ...]
    #: Records seen, and the keys seen on them (coverage).
    records: int = 0
    seen: set[str] = field(default_factory=set)


def _bounds(attribute: Attribute) -> tuple[int | float | None, int | float | None]:
    if attribute.type.base == "int" and not attribute.type.is_enum:
        return attribute.checked_bounds  # the catalog's, within 64 bits
    return attribute.minimum, attribute.maximum


def _bounds_text(attribute: Attribute) -> str:
    if not attribute.has_bounds:
        return attribute.range_text  # "a 64-bit integer" for ints, "" otherwise
    if attribute.type.base == "int" and (attribute.minimum is None or attribute.maximum is None):
        return f"{attribute.bounds_text}, within 64 bits"
    return attribute.bounds_text


def compile_attribute(attribute: Attribute) -> AttributeExpectation:
    kind = attribute.type
    scalar = _CLASSES[kind.base]
    members = frozenset(member.value for member in kind.members) if kind.is_enum else None
    minimum, maximum = _bounds(attribute)
    redaction = attribute.redact.placeholder if attribute.redact else None
    deprecated = attribute.deprecated.note if attribute.deprecated else None
    plain = (
        not kind.is_array
        and members is None
        and minimum is None
        and maximum is None
        and attribute.max_length is None
        and redaction is None
        and deprecated is None
    )
    return AttributeExpectation(
        key=attribute.key,
        type_text=kind.display,
        cls=list if kind.is_array else scalar,
        item_cls=scalar if kind.is_array else None,
        plain=plain,
        members=members,
        minimum=minimum,
        maximum=maximum,
        bounds_text=_bounds_text(attribute),
        max_length=attribute.max_length,
        placeholder=redaction,
        toggle=attribute.redact.toggle if attribute.redact else None,
        deprecated=deprecated,
    )


def _event_name_expectation(name: str) -> AttributeExpectation:
    return AttributeExpectation(
        key=EVENT_NAME_KEY,
        type_text="string",
        cls=str,
        item_cls=None,
        plain=False,
        members=frozenset({name}),
        minimum=None,
        maximum=None,
        bounds_text="",
        max_length=None,
        placeholder=None,
        toggle=None,
        deprecated=None,
    )


#: What a sender in `length` mode sends instead of a policy attribute: `<key>.length`.
LENGTH_SUFFIX = ".length"


def _length_companion(key: str) -> AttributeExpectation:
    """`<key>.length`, the int a policy attribute's `length` mode sends in its place, for
    catalogs that do not declare it themselves."""
    return AttributeExpectation(
        key=key,
        type_text="int",
        cls=int,
        item_cls=None,
        plain=False,
        members=None,
        minimum=0,
        maximum=None,
        bounds_text="at least 0",
        max_length=None,
        placeholder=None,
        toggle=None,
        deprecated=None,
    )


def compile_event(event: Event, common: tuple[Attribute, ...]) -> EventExpectation:
    declared = (*common, *event.attributes)
    attributes = {attribute.key: compile_attribute(attribute) for attribute in declared}
    for attribute in declared:
        if attribute.redact is not None:
            companion = attribute.key + LENGTH_SUFFIX
            attributes.setdefault(companion, _length_companion(companion))
    # Whether declared or not, `event.name` must name the record's own event.
    attributes[EVENT_NAME_KEY] = _event_name_expectation(event.name)
    return EventExpectation(
        name=event.name,
        deprecated=event.deprecated.note if event.deprecated else None,
        attributes=attributes,
        # A policy attribute may be absent even when required: its `length` and `drop`
        # modes send it as `<key>.length` or not at all.
        required=frozenset(a.key for a in declared if a.is_required and a.redact is None),
        own=tuple(a.key for a in declared if a.key != EVENT_NAME_KEY),
    )


def compile_catalog(catalog: Catalog) -> dict[str, EventExpectation]:
    """The expectations of every event of `catalog`, by event name."""
    return {event.name: compile_event(event, catalog.common) for event in catalog.events}


@dataclass
class MetricExpectation:
    name: str
    instrument: str
    #: The instruments OTLP point types may say: a histogram may be exported as an
    #: exponential one (an aggregation the exporter's configuration chooses).
    accepted_instruments: frozenset[str]
    unit: str
    value_type: str
    #: The bucket bounds a histogram's points should carry (the SDK's defaults when the
    #: catalog gives none); None for other instruments.
    boundaries: tuple[float, ...] | None
    deprecated: str | None
    #: The metric's attributes and the metadata keys every metric carries.
    attributes: dict[str, AttributeExpectation]
    required: frozenset[str]
    own: tuple[str, ...]
    #: Data points seen, and the keys seen on them (coverage).
    points: int = 0
    seen: set[str] = field(default_factory=set)


def compile_metric(metric: Metric, metadata: tuple[Attribute, ...]) -> MetricExpectation:
    declared = (*metadata, *metric.attributes)
    histogram = metric.instrument == "histogram"
    boundaries = metric.boundaries if metric.boundaries is not None else SDK_DEFAULT_BOUNDARIES
    return MetricExpectation(
        name=metric.name,
        instrument=metric.instrument,
        accepted_instruments=frozenset(
            {"histogram", "exponential_histogram"} if histogram else {metric.instrument}
        ),
        unit=metric.unit,
        value_type=metric.value_type,
        boundaries=tuple(float(b) for b in boundaries) if histogram else None,
        deprecated=metric.deprecated.note if metric.deprecated else None,
        attributes={attribute.key: compile_attribute(attribute) for attribute in declared},
        required=frozenset(a.key for a in declared if a.is_required),
        own=tuple(a.key for a in declared),
    )


def compile_metrics(catalog: Catalog) -> dict[str, MetricExpectation]:
    """The expectations of every metric of `catalog`, by metric name."""
    return {
        metric.name: compile_metric(metric, catalog.metric_attributes) for metric in catalog.metrics
    }


#: A placeholder of a span's name template: `{gen_ai.tool.name}`.
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass
class SpanExpectation:
    """A catalog span: how its wire name is made, its kind, attributes and parents."""

    id: str
    #: The name template, as the catalog writes it (`execute_tool {gen_ai.tool.name}`).
    template: str
    #: What the runtime names a span of this definition with (`span_name`): the checker
    #: names a wire span the same way, from the span's own attributes.
    definition: SpanDefinition
    #: The template's placeholder keys, in order (none: a fixed name).
    name_keys: tuple[str, ...]
    #: Any name of the template's shape, whatever the placeholders hold (a near miss is
    #: named in the finding).
    shape: re.Pattern[str]
    kind: str
    deprecated: str | None
    attributes: dict[str, AttributeExpectation]
    #: Every required attribute, `known: end` ones too: a span is checked once it ended.
    required: frozenset[str]
    own: tuple[str, ...]
    parents: frozenset[str]
    root: bool
    #: Spans seen, and the keys seen on them (coverage).
    spans: int = 0
    seen: set[str] = field(default_factory=set)

    def name_for(self, attributes: Mapping[str, object]) -> str:
        """The wire name a span with these attributes gets (the runtime's rule: each
        placeholder filled from its attribute, a missing one dropped with its space)."""
        return self.definition.span_name(attributes)  # type: ignore[arg-type]  # decoded values

    @property
    def allowed_parents(self) -> str:
        """Where the span may start, in words (`under codex.turn, or as a root`)."""
        under = " or ".join(sorted(self.parents))
        if under and self.root:
            return f"under {under}, or as a root"
        return f"under {under}" if under else "as a root"


def _shape(name: str) -> re.Pattern[str]:
    """The template as a regex: its text as written, each placeholder any text."""
    pattern: list[str] = []
    start = 0
    for match in _PLACEHOLDER.finditer(name):
        pattern.append(re.escape(name[start : match.start()]) + ".*")
        start = match.end()
    pattern.append(re.escape(name[start:]))
    return re.compile("".join(pattern), re.DOTALL)


def _span_attribute(attribute: Attribute) -> AttributeExpectation:
    """A span attribute's expectation; one whose value the catalog fixes
    (`value: execute_tool`) must carry exactly that value."""
    expected = compile_attribute(attribute)
    if attribute.fixed is None:
        return expected
    return replace(expected, members=frozenset({attribute.fixed}), plain=False)


def compile_span(span: Span) -> SpanExpectation:
    attributes = {attribute.key: _span_attribute(attribute) for attribute in span.attributes}
    return SpanExpectation(
        id=span.id,
        template=span.name,
        definition=SpanDefinition(
            span.id, span.name, span.kind, frozenset(span.parents), span.root, span.name_keys
        ),
        name_keys=span.name_keys,
        shape=_shape(span.name),
        kind=span.kind,
        deprecated=span.deprecated.note if span.deprecated else None,
        attributes=attributes,
        required=frozenset(a.key for a in span.attributes if a.is_required),
        own=tuple(a.key for a in span.attributes),
        parents=frozenset(span.parents),
        root=span.root,
    )


def compile_spans(catalog: Catalog) -> dict[str, SpanExpectation]:
    """The expectations of every span of `catalog`, by catalog id."""
    return {span.id: compile_span(span) for span in catalog.spans}


def content_keys(catalog: Catalog) -> frozenset[str]:
    """Every key that is content somewhere in the catalog (class `content`, or a redaction
    policy): spans carry sizes and counts, never content, whatever a toggle says."""
    every = (
        *catalog.common,
        *(a for event in catalog.events for a in event.attributes),
        *(a for metric in catalog.metrics for a in metric.attributes),
    )
    return frozenset(a.key for a in every if a.sensitivity == "content" or a.redact is not None)


__all__ = [
    "EVENT_NAME_KEY",
    "AttributeExpectation",
    "EventExpectation",
    "MetricExpectation",
    "SpanExpectation",
    "compile_catalog",
    "compile_metrics",
    "compile_spans",
    "content_keys",
]
