"""What the generated code does with each attribute: its checks, wire value, messages.

The decisions about one attribute (which test, which runtime helper, which expression
goes on the wire) are made here, once; the templates only place the results. Emitters
and recorders are viewed here; `Metadata`'s fields (`metadata_model`) and spans' helpers
(`span_model`) are built from the same checks (`refusal`, `enum_lookup`, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .diagnostics import with_article
from .model import Attribute, AttributeType, Event, Metric, Span
from .py_layout import (
    Call,
    If,
    Laid,
    Line,
    Statement,
    Text,
    annotation,
    call,
    call_of_one,
    comprehension,
    parameter,
    store_call,
    tuple_literal,
)
from .py_literals import py_str
from .wire_limits import INT64_MAX, INT64_MIN


def type_test(attribute: Attribute, subject: str | None = None) -> str:
    """A condition that is true when the argument named like the attribute has a wrong type.

    Exact type tests for numbers and booleans: `True` is an int to `isinstance`, and a
    boolean sent as an integer (or the reverse) is a bug the catalog exists to catch.
    """
    name = subject or attribute.python_name
    attribute_type = attribute.type
    if attribute_type.is_array:
        return f"not is_array_of({name}, {_array_item_types(attribute_type)})"
    return {
        "string": f"not isinstance({name}, str)",
        "int": f"type({name}) is not int",
        "double": f"type({name}) not in (int, float)",
        "boolean": f"type({name}) is not bool",
    }[attribute_type.base]


def range_test(attribute: Attribute, subject: str | None = None) -> str:
    """A condition that is true when the (well-typed) argument is outside the bounds.

    Written so that NaN is outside any bound (`not x >= 0`: every comparison with NaN is
    false)."""
    name = subject or attribute.python_name
    low, high = (_bound(bound) for bound in attribute.checked_bounds)
    if low is not None and high is not None:
        return f"not {low} <= {name} <= {high}"
    if low is not None:
        return f"not {name} >= {low}"
    return f"not {name} <= {high}"


def _bound(value: float | None) -> str | None:
    """A bound as source: the 64-bit limits by the runtime's names, which read better."""
    if value is None:
        return None
    if isinstance(value, int) and value in (INT64_MIN, INT64_MAX):
        return "INT64_MIN" if value == INT64_MIN else "INT64_MAX"
    return repr(value)


def enum_type_test(attribute: Attribute, subject: str | None = None) -> str:
    """True when the argument may be looked up in the enum's wire map (bools never may)."""
    name, attribute_type = subject or attribute.python_name, attribute.type
    if attribute_type.base == "int":
        return f"type({name}) in (int, {attribute_type.class_name})"
    return f"isinstance({name}, (str, {attribute_type.class_name}))"


def enum_unknown(attribute: Attribute, subject: str) -> str:
    """A condition that is true when `subject` is not a member of a (scalar) enum."""
    wire_map = wire_map_name(attribute.type)
    return f"not ({enum_type_test(attribute, subject)} and {subject} in {wire_map})"


def _enum_item_types(attribute_type: AttributeType) -> str:
    scalar = "int" if attribute_type.base == "int" else "str"
    return f"({scalar}, {attribute_type.class_name})"


def _shaped(attribute: Attribute, subject: str) -> str | tuple[str, str]:
    """What goes on the wire for the checked value `subject`, for emitters' arguments and
    `Metadata`'s fields alike: an enum's wire value, doubles always as floats, text cut to
    its cap. An expression, or for an array whose items change, (item expression, the
    array) for a comprehension."""
    attribute_type = attribute.type
    if attribute_type.is_enum:
        wire_map = wire_map_name(attribute_type)
        return (
            (f"{wire_map}[item]", subject) if attribute_type.is_array else f"{wire_map}[{subject}]"
        )
    if attribute_type.base == "double":
        return ("float(item)", subject) if attribute_type.is_array else f"float({subject})"
    if attribute.max_length:
        return f"truncate({subject}, {attribute.max_length})"
    return subject


def wire_value(attribute: Attribute, subject: str | None = None) -> str:
    """The expression sent on the wire for a checked argument (an enum argument's wire
    value is looked up by its checks, so it is the argument itself here); `subject`: the
    name that holds the value, when it is not the argument's (a span setter's `value`)."""
    name = subject or attribute.python_name
    if attribute.type.is_enum:
        return name
    shaped = _shaped(attribute, name)
    return shaped if isinstance(shaped, str) else f"[{shaped[0]} for item in {shaped[1]}]"


def metadata_value(attribute: Attribute, indent: int, lead: str, tail: str = "") -> str:
    """`lead`, the wire value of a checked metadata field (shaped as emitters shape
    arguments) and `tail`, laid out for a line indented by `indent`."""
    shaped = _shaped(attribute, f"self.{attribute.python_name}")
    if isinstance(shaped, str):
        return f"{lead}{shaped}{tail}"
    return comprehension(*shaped, indent, lead, tail)


def _array_item_types(attribute_type: AttributeType) -> str:
    return {"string": "str", "int": "int", "double": "(int, float)", "boolean": "bool"}[
        attribute_type.base
    ]


def argument_doc(attribute: Attribute) -> str:
    """The Args entry of an emitter's docstring for one attribute (name excluded)."""
    parts = [f"`{attribute.key}`, {attribute.requirement_text}.", attribute.description]
    if attribute.redact:
        redact = attribute.redact
        parts.append(f"Governed by the `{redact.toggle}` toggle; when it is off, the wire")
        parts.append(f"carries {_plain(redact.off_text)}.")
    if attribute.max_length:
        parts.append(f"Cut to {attribute.max_length} characters.")
    if attribute.has_bounds:
        parts.append(f"Must be {attribute.bounds_text}.")
    if attribute.deprecated:
        parts.append(f"Deprecated: {attribute.deprecated.note}")
        if attribute.deprecated.replacement:
            parts.append(f"Use `{attribute.deprecated.replacement}` instead.")
    return " ".join(parts)


def _plain(text: str) -> str:
    return text.replace("`", "")


def deprecation_message(
    item: Event | Metric | Span | Attribute, event: Event | Metric | Span | None = None
) -> str:
    """The warning a deprecated event, metric or span (or an argument of `event`, an event,
    a metric or a span) gives its callers."""
    if item.deprecated is None:
        return ""
    if isinstance(item, Event):
        return f"event {item.name} is deprecated: {item.deprecated.note}"
    if isinstance(item, Metric):
        return f"metric {item.name} is deprecated: {item.deprecated.note}"
    if isinstance(item, Span):
        return f"span {item.id} is deprecated: {item.deprecated.note}"
    if event is None:  # a field of the common group's Metadata
        key = f" ({item.key})" if item.key != item.python_name else ""
        return f"Metadata field {item.python_name}{key} is deprecated: {item.deprecated.note}"
    where = f" of {event.function_name}()"
    key = f" ({item.key})" if item.key != item.python_name else ""
    return f"argument {item.python_name}{key}{where} is deprecated: {item.deprecated.note}"


def deprecated_arguments_message(event: Event) -> str:
    """The warning of an emitter's deprecated overload: its optional deprecated arguments."""
    return " ".join(
        deprecation_message(attribute, event)
        for attribute in event.deprecated_attributes
        if not attribute.is_required
    )


def expected(attribute: Attribute) -> str:
    """How error messages name the expected type."""
    attribute_type = attribute.type
    if attribute_type.is_enum:
        members = "one of " + ", ".join(repr(m.value) for m in attribute_type.members)
        return f"a list or tuple, each item {members}" if attribute_type.is_array else members
    name = {"string": "str", "int": "int", "double": "float", "boolean": "bool"}
    base = name[attribute_type.base]
    return f"a list or tuple of {base}" if attribute_type.is_array else base


def wire_map_name(attribute_type: AttributeType) -> str:
    """Module constant mapping an enum's members and values to wire values."""
    return "_" + _upper_snake(attribute_type.class_name or "") + "_WIRE"


def _upper_snake(camel: str) -> str:
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(camel)).upper()


# --- statements of the checks -------------------------------------------------------


def error_helper(attribute: Attribute) -> str:
    """The runtime helper (`runtime/_arguments.py`) a failed type or member check calls.

    Named for the check, so the runtime never guesses from the wording of the expected
    type whether the value had a wrong type (TypeError) or a wrong value (ValueError). One
    of `naming.RUNTIME_HELPERS`."""
    attribute_type = attribute.type
    if attribute_type.is_enum:
        return "not_members" if attribute_type.is_array else "not_a_member"
    if attribute_type.is_array:
        return "wrong_int_items" if attribute_type.base == "int" else "wrong_items"
    return "wrong_type"


def refusal(attribute: Attribute, event: str, subject: str) -> Call:
    """The call that raises for a value of the wrong type or not in the enum."""
    arguments = (event, py_str(attribute.python_name), Text(expected(attribute)), subject)
    return Call(error_helper(attribute), arguments)


def range_refusal(attribute: Attribute, event: str, subject: str) -> Call:
    """The call that raises for a number outside the bounds (its value is shown: bounds
    are on numbers, which are never redacted)."""
    arguments = (event, py_str(attribute.python_name), Text(attribute.range_text), subject)
    return Call("out_of_range", arguments)


def enum_lookup(attribute: Attribute, subject: str) -> tuple[Statement, ...]:
    """Statements that set `_<name>` to the wire value of an enum argument, or to None
    when it is not a member (nor a member's value) of the enum."""
    target, attribute_type = f"_{attribute.python_name}", attribute.type
    wire_map = wire_map_name(attribute_type)
    if attribute_type.is_array:
        arguments = (subject, _enum_item_types(attribute_type), wire_map)
        return (Call("wire_members", arguments, lead=f"{target} = "),)
    test = enum_type_test(attribute, subject)
    return (Line(f"{target} = None"), If((test,), (Line(f"{target} = {wire_map}.get({subject})"),)))


# --- views: what the templates loop over ---------------------------------------------


def deprecation_note(item: Event | Metric) -> str:
    """The docstring paragraph of a deprecated emitter or recorder ("" when current)."""
    if item.deprecated is None:
        return ""
    note = f"Deprecated: {item.deprecated.note}"
    if item.deprecated.replacement:
        note += f" Use `{item.deprecated.replacement}` instead."
    return note


def declaration(
    function_name: str,
    attributes: Sequence[Attribute],
    value_parameter: str | None = None,
    *,
    returns: str = "None",
) -> str:
    """An emitter's, recorder's or span helper's `def` line and parameters up to
    `) -> <returns>` (no colon),
    laid out as ruff format does: the conversation, a recorder's value, then the
    keyword-only attributes, one a line at indent 4. A parameter's continuation lines
    carry their own indentation. The module and the site's pages both show this text."""
    lines = [f"def {function_name}(", "    conversation: Conversation[Metadata],"]
    if value_parameter is not None:
        lines.append("    " + value_parameter)
    if attributes:
        lines.append("    *,")
    lines += ["    " + parameter(a) for a in attributes]
    lines.append(f") -> {returns}")
    return "\n".join(lines)


@dataclass(frozen=True)
class ArgumentView:
    """One emitter argument: the statements generated for it, in the emitter's order."""

    attribute: Attribute
    #: Before anything records: type, member and range checks (they raise).
    checks: tuple[Statement, ...]
    #: The value in the attributes dict (required arguments), or None.
    entry: str | None
    #: After the dict: how an optional argument is added.
    store: tuple[Statement, ...]
    #: After every argument is stored: the deprecated keys also sent (dual emission).
    dual_emission: tuple[Statement, ...]

    @property
    def key(self) -> str:
        return py_str(self.attribute.key)


@dataclass(frozen=True)
class EmitterView:
    """One event's emitter: its arguments, required first, and its deprecation warnings."""

    event: Event
    warnings: tuple[Statement, ...]
    arguments: tuple[ArgumentView, ...]

    @property
    def required(self) -> tuple[ArgumentView, ...]:
        """The required arguments the attributes dict starts with (a policy attribute is
        stored by `Conversation.protect` instead)."""
        return tuple(a for a in self.arguments if a.attribute.is_required and a.entry)

    @property
    def checks(self) -> tuple[Statement, ...]:
        return tuple(s for a in self.arguments for s in a.checks)

    @property
    def store(self) -> tuple[Statement, ...]:
        return tuple(s for a in self.arguments for s in a.store)

    @property
    def dual_emission(self) -> tuple[Statement, ...]:
        """In catalog order of the attributes, as the keys appear in the docs."""
        by_key = {a.attribute.key: a for a in self.arguments}
        return tuple(
            s for a in self.event.attributes if a.key in by_key for s in by_key[a.key].dual_emission
        )

    @property
    def deprecation_note(self) -> str:
        return deprecation_note(self.event)

    @property
    def declaration(self) -> str:
        """The emitter's declaration, every argument (required first)."""
        return declaration(self.event.function_name, self.event.argument_attributes)

    @property
    def current_declaration(self) -> str:
        """The non-deprecated overload's declaration: no optional deprecated argument."""
        return declaration(self.event.function_name, self.event.current_attributes)


def argument_warnings(
    owner: Event | Metric | Span, attributes: Sequence[Attribute] | None = None
) -> tuple[Statement, ...]:
    """The warnings an emitter, recorder or span helper gives for each deprecated argument
    passed (`attributes`: its arguments, when not all of the owner's attributes are)."""
    arguments = owner.attributes if attributes is None else attributes
    # A deprecated owner's function is wrapped by `deprecated`: one frame more to the caller.
    stacklevel = "stacklevel=3" if owner.deprecated else "stacklevel=2"
    return tuple(
        If(
            (f"{attribute.python_name} is not None",),
            (
                Call(
                    "warnings.warn",
                    (
                        Text(deprecation_message(attribute, owner)),
                        "DeprecationWarning",
                        stacklevel,
                    ),
                ),
            ),
        )
        for attribute in arguments
        if attribute.deprecated
    )


def emitter_view(event: Event) -> EmitterView:
    warnings = argument_warnings(event)
    arguments = event.argument_attributes
    return EmitterView(event, warnings, tuple(argument_view(a, event.name) for a in arguments))


def _tag_text(attribute: Attribute) -> str | None:
    """A recorder's free-text argument, as the expression `metric_tag_value` is called on
    (or, for an array, the array whose items it is called on); None for any other
    argument, sent as an emitter sends it.

    `metric_tag_value` holds the text to the characters a metric tag may hold: a valid
    value as it is, another sanitised as Codex sanitises one, which also makes it plain
    ASCII and a `str` subclass an ordinary `str`. Enum members are valid already: the
    validator held the catalog's own text to the same rule."""
    if attribute.type.base != "string" or attribute.type.is_enum:
        return None
    return wire_value(attribute)


def _tag_entry(attribute: Attribute, key: str, text: str) -> str:
    """A required free-text tag's value in the recorder's attributes dict, after `key: `
    on a line indented by 8, laid out as ruff format does (the template adds the comma)."""
    lead = f"{key}: "
    if attribute.type.is_array:
        laid = comprehension("metric_tag_value(item)", text, 8, lead, ",")
    else:
        laid = call_of_one(lead, "metric_tag_value", text, 8, ",")
    return laid.removeprefix(lead).removesuffix(",")


def _tag_store(attribute: Attribute, key: str, text: str) -> Laid:
    """An optional free-text tag stored under its key, laid out as ruff format does."""
    target = "_attributes"
    if attribute.type.is_array:
        return Laid(
            lambda indent: comprehension(
                "metric_tag_value(item)", text, indent, f"{target}[{key}] = ", ""
            )
        )
    return Laid(lambda indent: store_call(target, key, "metric_tag_value", text, indent))


def argument_view(attribute: Attribute, owner: str, *, recorder: bool = False) -> ArgumentView:
    """`owner`: the event or metric whose errors name the argument; `recorder`: free text
    on the wire is made a valid metric tag here (see `_tag_text`)."""
    name, label = attribute.python_name, py_str(owner)
    target, key = f"_{name}", py_str(attribute.key)
    given = f"{name} is not None"
    refuse = refusal(attribute, label, name)
    range_check = (
        (If((range_test(attribute),), (range_refusal(attribute, label, name),)),)
        if attribute.is_range_checked
        else ()
    )
    checks: tuple[Statement, ...]
    if attribute.type.is_enum and attribute.is_required:
        checks = (
            *enum_lookup(attribute, name),
            If((f"{target} is None",), (refuse,)),
            *range_check,
        )
    elif attribute.type.is_enum:
        lookup = (*enum_lookup(attribute, name), If((f"{target} is None",), (refuse,)))
        checks = (Line(f"{target} = None"), If((given,), lookup))
    elif attribute.is_required:
        checks = (If((type_test(attribute),), (refuse,)), *range_check)
    elif attribute.is_range_checked:
        checks = (If((given,), (If((type_test(attribute),), (refuse,)), *range_check)),)
    else:
        checks = (If((given, type_test(attribute)), (refuse,)),)

    value = wire_value(attribute)
    store: tuple[Statement, ...] = ()
    entry: str | None = None
    tag = _tag_text(attribute) if recorder else None
    if tag is not None:  # metrics carry no policy attribute: the validator refuses one
        if attribute.is_required:
            entry = _tag_entry(attribute, key, tag)
        else:
            store = (If((given,), (_tag_store(attribute, key, tag),)),)
    elif attribute.redact is not None:
        # The runtime stores a policy attribute as the toggle's mode says (the value, the
        # placeholder, its hash, its length or nothing), so it has no dict entry.
        protect = _protect(attribute, key)
        store = (protect,) if attribute.is_required else (If((given,), (protect,)),)
    elif attribute.is_required:
        entry = target if attribute.type.is_enum else value
    elif attribute.type.is_enum:
        store = (If((f"{target} is not None",), (Line(f"_attributes[{key}] = {target}"),)),)
    else:
        store = (If((given,), (Line(f"_attributes[{key}] = {value}"),)),)

    dual = dual_emission(attribute, key, "_attributes")
    return ArgumentView(attribute, checks, entry, store, dual)


def _protect(attribute: Attribute, key: str) -> Call:
    """The one call that stores a policy attribute (`Conversation.protect`)."""
    redact = attribute.redact
    assert redact is not None
    arguments = (
        "_attributes",
        key,
        attribute.python_name,
        py_str(redact.toggle),
        Text(redact.placeholder),
        py_str(redact.mode),
        repr(attribute.max_length),
    )
    return Call("conversation.protect", arguments)


def dual_emission(attribute: Attribute, key: str, target: str) -> tuple[Statement, ...]:
    """For a renamed attribute within its migration window: the value under each old key
    too (`key`: the new key as a literal; `target`: the dict being built)."""
    dual: list[Statement] = []
    for legacy in attribute.also_sent_as:
        dual.append(
            Line(f"# Dual emission: the deprecated key too, until catalog version {legacy.until}.")
        )
        copy = Line(f"{target}[{py_str(legacy.key)}] = {target}[{key}]")
        dual.append(If((f"{key} in {target}",), (copy,)))
    return tuple(dual)


# --- metric recorders ----------------------------------------------------------------


@dataclass(frozen=True)
class RecorderView:
    """One metric's recorder: the value's checks, then its attributes' as an emitter's."""

    metric: Metric
    warnings: tuple[Statement, ...]
    #: The `value` parameter line (positional, after the conversation).
    value_parameter: str
    value_checks: tuple[Statement, ...]
    #: The value handed to `Conversation.record`: doubles always as floats.
    value_entry: str
    arguments: tuple[ArgumentView, ...]

    @property
    def required(self) -> tuple[ArgumentView, ...]:
        return tuple(a for a in self.arguments if a.attribute.is_required)

    @property
    def checks(self) -> tuple[Statement, ...]:
        return (*self.value_checks, *(s for a in self.arguments for s in a.checks))

    @property
    def store(self) -> tuple[Statement, ...]:
        return tuple(s for a in self.arguments for s in a.store)

    @property
    def summary(self) -> str:
        """The docstring's line on what the recorder records."""
        metric = self.metric
        kind = {"int": "int", "double": "float"}[metric.value_type]
        text = f"Records `{metric.name}`: {with_article(metric.instrument)} of {kind} values"
        text += f" in `{metric.unit}`."
        if metric.boundaries is not None:
            text += " Bucket boundaries: " + ", ".join(repr(b) for b in metric.boundaries) + "."
        return text

    @property
    def signature(self) -> str:
        """The recorder's signature on one line, for the docs."""
        metric = self.metric
        parameters = ["conversation", self.value_parameter.rstrip(",")]
        if metric.attributes:
            parameters.append("*")
        parameters += [
            f"{a.python_name}: {annotation(a)}" + ("" if a.is_required else " = None")
            for a in metric.argument_attributes
        ]
        return f"{metric.function_name}({', '.join(parameters)})"

    @property
    def deprecation_note(self) -> str:
        return deprecation_note(self.metric)

    @property
    def declaration(self) -> str:
        """The recorder's declaration: the conversation, the value, then the attributes."""
        metric = self.metric
        return declaration(metric.function_name, metric.argument_attributes, self.value_parameter)

    @property
    def value_doc(self) -> str:
        """The docstring's entry for `value` (its name excluded)."""
        value = self.metric.value
        text = value.description
        if value.has_bounds:
            text += f" Must be {value.bounds_text}."
        return text

    @property
    def definition(self) -> str:
        """The `MetricDefinition(...)` of the module constant, laid out at indent 0."""
        metric = self.metric
        boundaries = (
            "boundaries=None"
            if metric.boundaries is None
            else tuple_literal(
                [repr(bound) for bound in metric.boundaries], 4, lead="boundaries=", tail=","
            )
        )
        arguments: tuple[str | Text, ...] = (
            f"name={py_str(metric.name)}",
            f"instrument={py_str(metric.instrument)}",
            f"unit={py_str(metric.unit)}",
            Text(metric.description, keyword="description"),
            f"value_type={py_str(metric.value_type)}",
            boundaries,
        )
        return call("MetricDefinition", arguments, 0, lead=f"{metric.constant_name}: Final = ")


def recorder_view(metric: Metric) -> RecorderView:
    value = metric.value
    parameter = f"value: {value.type.python_scalar}" + (" = 1," if metric.is_counter else ",")
    arguments = metric.argument_attributes
    # A value that is not a recorded type raises; so does a negative one where the
    # instrument refuses it, and an int beyond 64 bits (the SDK would drop the point).
    checks = argument_view(value, metric.name).checks
    return RecorderView(
        metric=metric,
        warnings=argument_warnings(metric),
        value_parameter=parameter,
        value_checks=checks,
        value_entry=wire_value(value),
        arguments=tuple(argument_view(a, metric.name, recorder=True) for a in arguments),
    )
