"""What the generated module does for each catalog span: its `SpanDefinition` constant,
its handle class (a typed, checked setter per attribute known only at the span's end) and
its helper function (the attributes known at start as keyword-only arguments, checked as
an emitter checks its arguments, then `conversation.start_span`).

The checks are `code_model`'s, the same statements emitters run, written for the
setter's `value` where a setter checks one; the template only places them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .code_model import (
    ArgumentView,
    argument_doc,
    argument_view,
    argument_warnings,
    declaration,
    enum_lookup,
    range_refusal,
    range_test,
    refusal,
    type_test,
    wire_value,
)
from .model import Attribute, Span
from .py_layout import Call, If, Statement, Text, annotation, call, tuple_literal
from .py_literals import LINE_LENGTH, py_str, py_value

#: The parameter of every setter; the errors name the attribute's Python name all the same.
SETTER_VALUE = "value"


def setter_name(attribute: Attribute) -> str:
    """The handle's method that sets an attribute known at the span's end."""
    return f"set_{attribute.python_name}"


@dataclass(frozen=True)
class SetterView:
    """One `set_<name>` method of a handle: its checks, then the value handed to `_set`."""

    attribute: Attribute
    #: The `def` line, up to the colon (laid out at indent 4).
    declaration: str
    #: The docstring's text: the attribute's key, requirement and description.
    doc: str
    #: A deprecated attribute's setter is deprecated (PEP 702): the `@deprecated(...)`
    #: line laid out at indent 4, or "". It warns at run time and type checkers flag calls.
    decorator: str
    checks: tuple[Statement, ...]
    #: The `self._set(key, value)` calls: the key, then each deprecated key it is also
    #: sent under during a rename.
    sets: tuple[Statement, ...]


@dataclass(frozen=True)
class SpanView:
    """One span: its definition constant, its handle class and its helper function."""

    span: Span
    #: The `SpanDefinition(...)` of the module constant, laid out at indent 0.
    definition: str
    #: The helper's warnings, checks and attributes dict, as an emitter's.
    warnings: tuple[Statement, ...]
    arguments: tuple[ArgumentView, ...]
    setters: tuple[SetterView, ...]
    #: The attributes the catalog fixes, as `(key, value)` literals: the attributes dict
    #: starts with them (no argument takes them).
    fixed: tuple[tuple[str, str], ...] = ()

    @property
    def start_attributes(self) -> tuple[Attribute, ...]:
        """The helper's keyword arguments: the attributes known at start, required first."""
        return self.span.start_attributes

    @property
    def required(self) -> tuple[ArgumentView, ...]:
        return tuple(a for a in self.arguments if a.attribute.is_required and a.entry)

    @property
    def entries(self) -> tuple[tuple[str, str], ...]:
        """The attributes dict's entries: the fixed values, then the required arguments."""
        return (*self.fixed, *((a.key, a.entry) for a in self.required if a.entry))

    @property
    def checks(self) -> tuple[Statement, ...]:
        return tuple(s for a in self.arguments for s in a.checks)

    @property
    def store(self) -> tuple[Statement, ...]:
        return tuple(s for a in self.arguments for s in a.store)

    @property
    def dual_emission(self) -> tuple[Statement, ...]:
        return tuple(s for a in self.arguments for s in a.dual_emission)

    @property
    def declaration(self) -> str:
        """The helper's declaration (no colon): the conversation, then the attributes
        known at start, keyword-only; it returns the scope of the span's handle."""
        span = self.span
        returns = f"SpanScope[{span.handle_name}]"
        return declaration(span.function_name, self.start_attributes, returns=returns)

    @property
    def start_call(self) -> str:
        """The helper's last line after `return `, laid out at indent 4."""
        span = self.span
        arguments = (span.constant_name, "_attributes", span.handle_name)
        return call("conversation.start_span", arguments, 4, lead="return ")

    @property
    def summary(self) -> str:
        """The docstring's paragraph on what the helper starts and where it nests."""
        span = self.span
        text = f"Starts `{span.id}`, a span of kind {span.kind} named `{span.name}`"
        return f"{text}, {placement(span)}."

    @property
    def usage(self) -> str:
        """The docstring's paragraph on how to use the helper."""
        span = self.span
        arguments = "conversation, ..." if self.start_attributes else "conversation"
        text = f"Use it as `with {span.function_name}({arguments}) as span:` (or"
        text += " `async with`)"
        if self.setters:
            first = setter_name(self.setters[0].attribute)
            text += f"; set what is known only at the end through the handle (`span.{first}(...)`)"
        return text + ". An exception leaving the block sets the error status and `error.type`."

    @property
    def handle_doc(self) -> str:
        span = self.span
        if self.setters:
            return f"The handle of a `{span.id}` span: sets the attributes known only at its end."
        return f"The handle of a `{span.id}` span (no attribute is known only at its end)."

    @property
    def deprecation_note(self) -> str:
        span = self.span
        if span.deprecated is None:
            return ""
        note = f"Deprecated: {span.deprecated.note}"
        if span.deprecated.replacement:
            note += f" Use `{span.deprecated.replacement}` instead."
        return note

    @property
    def signature(self) -> str:
        """The helper's signature on one line, for the docs."""
        parameters = ["conversation"]
        if self.start_attributes:
            parameters.append("*")
        parameters += [
            f"{a.python_name}: {annotation(a)}" + ("" if a.is_required else " = None")
            for a in self.start_attributes
        ]
        span = self.span
        return f"{span.function_name}({', '.join(parameters)}) -> SpanScope[{span.handle_name}]"


def placement(span: Span) -> str:
    """Where the span may start, in words: under which catalog spans, or as a root."""
    names = [f"`{parent}`" for parent in span.parents]
    parents = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    if not span.parents:
        return "a root span (started with no catalog span around it)"
    if span.root:
        return f"started under {parents} or as a root"
    return f"started under {parents}"


def span_view(span: Span) -> SpanView:
    return SpanView(
        span=span,
        definition=_definition(span),
        warnings=argument_warnings(span, span.start_attributes),
        arguments=tuple(argument_view(a, span.id) for a in span.start_attributes),
        setters=tuple(_setter_view(a, span) for a in span.end_attributes),
        fixed=tuple(
            (py_str(a.key), py_value(_wire_fixed(a)))
            for a in span.attributes
            if a.fixed is not None
        ),
    )


def _wire_fixed(attribute: Attribute) -> object:
    """A fixed value as the wire carries it: a double always as a float."""
    value = attribute.fixed
    if attribute.type.base == "double" and isinstance(value, int):
        return float(value)
    return value


def _definition(span: Span) -> str:
    """`<CONSTANT>: Final = SpanDefinition(...)`, laid out at indent 0."""
    parents = (
        "frozenset({" + ", ".join(py_str(p) for p in span.parents) + "})"
        if span.parents
        else "frozenset()"
    )
    arguments: tuple[str | Text, ...] = (
        f"id={py_str(span.id)}",
        Text(span.name, keyword="name"),
        f"kind={py_str(span.kind)}",
        f"parents={parents}",
        f"root={span.root!r}",
        tuple_literal([py_str(k) for k in span.name_keys], 4, lead="name_keys=", tail=","),
    )
    return call("SpanDefinition", arguments, 0, lead=f"{span.constant_name}: Final = ")


def _setter_view(attribute: Attribute, span: Span) -> SetterView:
    """A setter's statements: the checks of a required argument, on `value`."""
    subject, label = SETTER_VALUE, py_str(span.id)
    refuse = refusal(attribute, label, subject)
    range_check = (
        (If((range_test(attribute, subject),), (range_refusal(attribute, label, subject),)),)
        if attribute.is_range_checked
        else ()
    )
    checks: tuple[Statement, ...]
    if attribute.type.is_enum:
        target = f"_{attribute.python_name}"
        checks = (*enum_lookup(attribute, subject), If((f"{target} is None",), (refuse,)))
        value = target
    else:
        checks = (If((type_test(attribute, subject),), (refuse,)),)
        value = wire_value(attribute, subject)
    checks = (*checks, *range_check)
    key = py_str(attribute.key)
    sets: list[Statement] = [Call("self._set", (key, value))]
    sets += [Call("self._set", (py_str(legacy.key), value)) for legacy in attribute.also_sent_as]
    decorator = ""
    if attribute.deprecated:
        message = Text(
            f"{setter_name(attribute)}() of {span.handle_name} ({attribute.key}) is deprecated:"
            f" {attribute.deprecated.note}"
        )
        decorator = call("deprecated", (message,), 4, lead="@")
    return SetterView(
        attribute=attribute,
        declaration=_setter_declaration(attribute),
        doc=argument_doc(attribute),
        decorator=decorator,
        checks=checks,
        sets=tuple(sets),
    )


def setter_signature(attribute: Attribute) -> str:
    """`set_<name>(value: <type>)`: how the docs show a setter."""
    return f"{setter_name(attribute)}({SETTER_VALUE}: {annotation(_required(attribute))})"


def _setter_declaration(attribute: Attribute) -> str:
    """The setter's `def` line up to the colon, at indent 4, laid out as ruff format does:
    the parameters on a line of their own when the line is too long, then one a line."""
    name, parameters = (
        setter_name(attribute),
        f"self, {SETTER_VALUE}: {annotation(_required(attribute))}",
    )
    flat = f"def {name}({parameters}) -> None"
    if 4 + len(flat) + 1 <= LINE_LENGTH:
        return flat
    if 8 + len(parameters) <= LINE_LENGTH:
        return f"def {name}(\n        {parameters}\n    ) -> None"
    value = parameters.removeprefix("self, ")
    return f"def {name}(\n        self,\n        {value},\n    ) -> None"


def _required(attribute: Attribute) -> Attribute:
    """The attribute as a setter's parameter sees it: a value is always given."""
    return replace(attribute, requirement="required", condition=None)
