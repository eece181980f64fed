"""The resolved catalog: what templates see.

Every `ref` is resolved and refined, every Python name is derived and checked, so the
templates only format. Nothing here is specific to any one catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# OTLP ints are 64-bit: generated emitters refuse what they cannot hold, naming the limits
# as the runtime does (one definition, in a module of no imports, for both sides).
from .wire_limits import INT64_MAX, INT64_MIN

ScalarBase = Literal["string", "int", "double", "boolean"]
Requirement = Literal["required", "optional", "conditional"]
#: How sensitive an attribute's values are: `content` (free text a person or a tool wrote),
#: `identifier` (names a person, a session or a call), `metadata` (the default).
Sensitivity = Literal["content", "identifier", "metadata"]
#: What a policy sends when its toggle is off, from the most withheld to the least.
OffMode = Literal["drop", "redact", "length", "hash"]
OFF_MODES: tuple[OffMode, ...] = ("drop", "redact", "length", "hash")
SENSITIVITIES: tuple[Sensitivity, ...] = ("content", "identifier", "metadata")
#: The suffix of the companion attribute a policy in `length` mode sends instead.
LENGTH_SUFFIX = ".length"
#: A span's kind, as OpenTelemetry names them.
SpanKind = Literal["internal", "client", "server", "producer", "consumer"]
SPAN_KINDS: tuple[SpanKind, ...] = ("internal", "client", "server", "producer", "consumer")
#: When a span attribute's value is known: when the span starts (an argument of its helper)
#: or only before it ends (a setter of its handle).
Known = Literal["start", "end"]
#: The value a span attribute's `value` fixes (the helper sets it; no argument takes it).
FixedValue = str | int | float | bool

_PYTHON_TYPES = {"string": "str", "int": "int", "double": "float", "boolean": "bool"}
_JSON_TYPES = {"string": "string", "int": "integer", "double": "number", "boolean": "boolean"}


@dataclass(frozen=True)
class EnumMember:
    value: str | int
    name: str
    description: str


@dataclass(frozen=True)
class AttributeType:
    """A scalar or an enum (members of one scalar base), or an array of either."""

    base: ScalarBase
    is_array: bool = False
    members: tuple[EnumMember, ...] = ()
    #: The generated enum class and its docstring, for enum types.
    class_name: str | None = None
    doc: str = ""

    @property
    def is_enum(self) -> bool:
        return bool(self.members)

    @property
    def python_scalar(self) -> str:
        return _PYTHON_TYPES[self.base]

    @property
    def json_type(self) -> str:
        return _JSON_TYPES[self.base]

    @property
    def display(self) -> str:
        """How the docs name the type: `string`, `int[]`, `enum (string)`, `enum[] (int)`."""
        brackets = "[]" if self.is_array else ""
        if self.is_enum:
            return f"enum{brackets} ({self.base})"
        return self.base + brackets


@dataclass(frozen=True)
class Redaction:
    """A privacy policy: the toggle that governs the attribute, the placeholder the
    `redact` mode sends, and the mode used when the toggle is off."""

    toggle: str
    placeholder: str
    mode: OffMode = "redact"

    @property
    def off_text(self) -> str:
        """What the wire carries when the toggle is off, in words."""
        return off_mode_text(self.mode, self.placeholder)


def off_mode_text(mode: str, placeholder: str) -> str:
    """What the wire carries in `mode` (one of `OFF_MODES`, or `keep`), in words."""
    return {
        "keep": "the value (cut to its max_length, secrets scrubbed)",
        "redact": f"the placeholder `{placeholder}`",
        "length": "no value: only its length, as the int attribute `<key>.length`",
        "hash": "a keyed HMAC-SHA256 of the value, 64 hex characters",
        "drop": "nothing: the attribute is omitted",
    }[mode]


@dataclass(frozen=True)
class Deprecation:
    note: str
    replacement: str | None
    #: Dual emission (attributes only): events using the replacement also send this
    #: attribute's key, with the same value, until this catalog version.
    emit_both_until: str | None = None


@dataclass(frozen=True)
class LegacyKey:
    """A deprecated key an attribute is also sent under, during a migration window."""

    key: str
    #: The catalog version until which both keys are sent.
    until: str


@dataclass(frozen=True)
class Attribute:
    """One attribute as used by one event (or by the common group), refinements applied."""

    key: str
    python_name: str
    type: AttributeType
    description: str
    requirement: Requirement
    condition: str | None
    examples: tuple[object, ...]
    max_length: int | None
    redact: Redaction | None
    stability: str
    deprecated: Deprecation | None
    computed: str | None = None
    #: Inclusive bounds of an int or double attribute.
    minimum: int | float | None = None
    maximum: int | float | None = None
    #: The type the reference implementation sends (see `Differences`), when it differs.
    reference_type: str | None = None
    #: Keys of deprecated attributes this one replaces that are still sent (dual emission).
    also_sent_as: tuple[LegacyKey, ...] = ()
    #: Keys of deprecated attributes that name this one as their replacement and that the
    #: event does not use (so `diff` sees a rename); in events only.
    replaces: tuple[str, ...] = ()
    #: The definition's `cardinality` ("low"), or None when it says nothing.
    cardinality: str | None = None
    #: The definition's `sensitivity` (`metadata` when it says nothing).
    sensitivity: Sensitivity = "metadata"
    #: For the `<key>.length` companion (computed `length`): the key whose length it is.
    length_of: str | None = None
    #: When a span attribute is known (meaningful on span attributes only): `start`, an
    #: argument of the span's helper; `end`, set through its handle before the span ends.
    known: Known = "start"
    #: A span attribute's fixed value (its `value`), sent on every such span; such an
    #: attribute is `computed` as "fixed", so no helper argument or setter takes it.
    fixed: FixedValue | None = None

    @property
    def is_scanned(self) -> bool:
        """Whether the runtime scans the attribute's values for secrets."""
        return self.sensitivity in ("content", "identifier")

    @property
    def is_required(self) -> bool:
        return self.requirement == "required"

    @property
    def requirement_text(self) -> str:
        return f"conditional: {self.condition}" if self.condition else self.requirement

    @property
    def is_low_cardinality(self) -> bool:
        """Whether metrics may carry the attribute: its values are few by type (an enum, a
        boolean, an int bounded on both sides) or by the catalog's word (`cardinality: low`)."""
        if self.cardinality == "low" or self.type.is_enum or self.type.base == "boolean":
            return True
        return self.type.base == "int" and self.minimum is not None and self.maximum is not None

    @property
    def cardinality_text(self) -> str:
        """How the docs name the attribute's cardinality and why it is low."""
        if self.cardinality == "low":
            return "low (declared)"
        if self.type.is_enum:
            return "low (enum)"
        if self.type.base == "boolean":
            return "low (boolean)"
        return "low (bounded)" if self.is_low_cardinality else "unbounded"

    @property
    def has_bounds(self) -> bool:
        return self.minimum is not None or self.maximum is not None

    @property
    def is_range_checked(self) -> bool:
        """Whether emitters check the value's range: the catalog's bounds, and for every
        int the 64-bit range of the wire."""
        plain_int = self.type.base == "int" and not (self.type.is_enum or self.type.is_array)
        return plain_int or self.has_bounds

    @property
    def checked_bounds(self) -> tuple[int | float | None, int | float | None]:
        """The bounds emitters enforce: the catalog's, within 64 bits for ints."""
        if self.type.base != "int":
            return self.minimum, self.maximum
        low = INT64_MIN if self.minimum is None else max(self.minimum, INT64_MIN)
        high = INT64_MAX if self.maximum is None else min(self.maximum, INT64_MAX)
        return low, high

    @property
    def range_text(self) -> str:
        """What an out-of-range error says the value must be."""
        if not self.has_bounds and self.type.base == "int":
            return "a 64-bit integer"
        return _in_words(*self.checked_bounds)

    @property
    def bounds_text(self) -> str:
        """The catalog's bounds in words: `at least 0`, `at most 1.0`, `between 0 and 10`."""
        return _in_words(self.minimum, self.maximum)


def _in_words(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}" if high is not None else ""


@dataclass(frozen=True)
class Toggle:
    name: str
    default: bool
    description: str


class AttributeOwner:
    """What an event and a metric share: their attributes, split as their emitter's or
    recorder's arguments are (the subclasses are the dataclasses that hold them)."""

    attributes: tuple[Attribute, ...]

    @property
    def required_attributes(self) -> tuple[Attribute, ...]:
        return tuple(a for a in self.attributes if a.is_required and a.computed is None)

    @property
    def optional_attributes(self) -> tuple[Attribute, ...]:
        """Optional arguments: the runtime's computed attributes (a policy's `<key>.length`
        companion) are not arguments."""
        return tuple(a for a in self.attributes if not a.is_required and a.computed is None)

    @property
    def deprecated_attributes(self) -> tuple[Attribute, ...]:
        """Attributes whose argument warns when passed."""
        return tuple(a for a in self.attributes if a.deprecated)

    @property
    def argument_attributes(self) -> tuple[Attribute, ...]:
        """The attributes in the order of the emitter's or recorder's arguments: the
        required ones first, each part in catalog order."""
        return (*self.required_attributes, *self.optional_attributes)


@dataclass(frozen=True)
class Event(AttributeOwner):
    name: str
    function_name: str
    description: str
    stability: str
    deprecated: Deprecation | None
    attributes: tuple[Attribute, ...]

    @property
    def has_deprecated_overload(self) -> bool:
        """Whether the emitter gets two overloads, the second deprecated and the only one
        that accepts the optional deprecated arguments, so type checkers flag passing them.
        (A deprecated event is flagged as a whole; a required argument cannot be left out.)"""
        return not self.deprecated and any(not a.is_required for a in self.deprecated_attributes)

    @property
    def current_attributes(self) -> tuple[Attribute, ...]:
        """The attributes the non-deprecated overload takes, required ones first."""
        return tuple(a for a in self.argument_attributes if a.is_required or not a.deprecated)


Instrument = Literal["counter", "updowncounter", "histogram", "gauge"]
ValueType = Literal["int", "double"]


@dataclass(frozen=True)
class Metric(AttributeOwner):
    """One metric: its instrument, unit, attributes and the recorder generated for it."""

    name: str
    #: The recorder function (`record_api_request`).
    function_name: str
    #: The module constant holding its `MetricDefinition` (`_METRIC_API_REQUEST`).
    constant_name: str
    instrument: Instrument
    unit: str
    value_type: ValueType
    description: str
    stability: str
    deprecated: Deprecation | None
    attributes: tuple[Attribute, ...]
    #: Explicit histogram bucket boundaries; None: the SDK's defaults.
    boundaries: tuple[int | float, ...] | None = None

    @property
    def is_counter(self) -> bool:
        return self.instrument == "counter"

    @property
    def refuses_negative(self) -> bool:
        """Counters only go up, and a histogram's sum is meant to be a counter's too."""
        return self.instrument in ("counter", "histogram")

    @property
    def value(self) -> Attribute:
        """The recorder's `value` argument, as an attribute, so it is checked (and its
        errors worded) as emitters check theirs: an exact int or float, not negative for
        counters and histograms, ints within 64 bits."""
        return Attribute(
            key="value",
            python_name="value",
            type=AttributeType(base=self.value_type),
            description=f"The value to record, in `{self.unit}`"
            + (" (1 when left out)." if self.is_counter else "."),
            requirement="required",
            condition=None,
            examples=(),
            max_length=None,
            redact=None,
            stability=self.stability,
            deprecated=None,
            minimum=0 if self.refuses_negative else None,
        )


@dataclass(frozen=True)
class Span(AttributeOwner):
    """One span: its wire name (a template over its attributes), kind, attributes (each
    known at start or only at end), where it may start and what is expected inside it."""

    #: The catalog id (`codex.tool_call`); no id travels on the wire.
    id: str
    #: The wire name as written: fixed text with `{attribute.key}` placeholders.
    name: str
    #: The helper function (`tool_call_span`), its handle class (`ToolCallSpan`) and the
    #: module constant holding its definition (`TOOL_CALL_SPAN`).
    function_name: str
    handle_name: str
    constant_name: str
    kind: SpanKind
    description: str
    stability: str
    deprecated: Deprecation | None
    attributes: tuple[Attribute, ...]
    #: Ids of the spans this one may start under.
    parents: tuple[str, ...]
    #: Whether it may start with no catalog span as its parent.
    root: bool
    #: Names of the catalog events and metrics expected inside it.
    events: tuple[str, ...]
    metrics: tuple[str, ...]
    #: The placeholder keys of `name`, in order (each a `known: start` attribute).
    name_keys: tuple[str, ...] = ()

    @property
    def start_attributes(self) -> tuple[Attribute, ...]:
        """The helper's arguments: attributes known at start, required ones first."""
        return tuple(a for a in self.argument_attributes if a.known == "start")

    @property
    def end_attributes(self) -> tuple[Attribute, ...]:
        """The handle's setters: attributes known only at end, in catalog order."""
        return tuple(a for a in self.attributes if a.known == "end" and a.computed is None)

    @property
    def fixed_attributes(self) -> tuple[Attribute, ...]:
        """Attributes whose value the catalog fixes (the helper sets them itself)."""
        return tuple(a for a in self.attributes if a.fixed is not None)


@dataclass(frozen=True)
class DifferenceNote:
    """One way this catalog's events differ from the reference implementation's."""

    topic: str
    reference: str
    here: str


@dataclass(frozen=True)
class Differences:
    """What a user replacing the reference implementation's telemetry must know."""

    #: Short name of the reference, for headings ("Codex").
    name: str
    #: What exactly the reference is (a program, a module, a version).
    reference: str
    notes: tuple[DifferenceNote, ...]


@dataclass(frozen=True)
class Catalog:
    #: The catalog's file name (no directories), for the "generated from" lines.
    file_name: str
    version: str
    namespace: str | None
    description: str
    toggles: tuple[Toggle, ...]
    common_description: str
    common: tuple[Attribute, ...]
    events: tuple[Event, ...]
    differences: Differences | None = None
    metrics: tuple[Metric, ...] = ()
    #: Wire keys of the common attributes every metric carries (`common.metric_attributes`).
    metric_keys: tuple[str, ...] = ()
    #: The default `service.name` of an application's telemetry (`service.name`, else the
    #: namespace, else `unknown_service`) and the instrumentation scope of its records and
    #: metrics (`service.scope`, else the namespace, else the service name).
    service_name: str = "unknown_service"
    scope_name: str = "unknown_service"
    spans: tuple[Span, ...] = ()

    @property
    def _all_attributes(self) -> tuple[Attribute, ...]:
        """Every use of an attribute: the common group, the events', the metrics', the
        spans'."""
        return (
            *self.common,
            *(a for e in self.events for a in e.attributes),
            *(a for m in self.metrics for a in m.attributes),
            *(a for s in self.spans for a in s.attributes),
        )

    def span(self, span_id: str) -> Span:
        """The span with catalog id `span_id` (KeyError when there is none)."""
        for span in self.spans:
            if span.id == span_id:
                return span
        raise KeyError(span_id)

    def children(self, span_id: str) -> tuple[Span, ...]:
        """The spans that may start under `span_id`, in catalog order."""
        return tuple(s for s in self.spans if span_id in s.parents)

    @property
    def metric_attributes(self) -> tuple[Attribute, ...]:
        """The common attributes every metric carries, in `metric_keys` order."""
        by_key = {a.key: a for a in self.common}
        return tuple(by_key[key] for key in self.metric_keys)

    @property
    def enum_types(self) -> tuple[AttributeType, ...]:
        """Each enum type once, in first-use order (common group first, metrics last)."""
        seen: dict[str, AttributeType] = {}
        for attribute in self._all_attributes:
            if attribute.type.class_name and attribute.type.class_name not in seen:
                seen[attribute.type.class_name] = attribute.type
        return tuple(seen.values())

    @property
    def scanned(self) -> dict[str, int | None]:
        """Every key of class content or identifier, with its max_length (the largest of
        its uses; None when any use has none): what the runtime scans for secrets."""
        found: dict[str, int | None] = {}
        for attribute in self._all_attributes:
            if not attribute.is_scanned:
                continue
            cap = attribute.max_length
            if attribute.key in found:
                before = found[attribute.key]
                cap = None if before is None or cap is None else max(before, cap)
            found[attribute.key] = cap
        return found

    @property
    def policy_attributes(self) -> tuple[tuple[Event | None, Attribute], ...]:
        """Every use of an attribute with a class other than metadata or a policy, with
        its event (None for the common group), for the privacy docs."""
        return (
            *((None, a) for a in self.common if a.redact or a.sensitivity != "metadata"),
            *(
                (e, a)
                for e in self.events
                for a in e.attributes
                if a.redact or a.sensitivity != "metadata"
            ),
        )

    @property
    def metadata_fields(self) -> tuple[Attribute, ...]:
        """Common attributes the metadata object holds (computed ones excluded)."""
        return tuple(a for a in self.common if a.computed is None)
