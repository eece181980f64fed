"""What the generated `Metadata` class does with each common attribute: its checks in
`__post_init__`, the tuple copy of an array, its wire value in `to_attributes`.

The checks and wire values are those of emitters' arguments (`code_model`), written for
a field (`self.<name>`) instead of a parameter; the template only places the statements.
"""

from __future__ import annotations

from dataclasses import dataclass

from .code_model import (
    deprecation_message,
    dual_emission,
    enum_lookup,
    enum_unknown,
    metadata_value,
    range_refusal,
    range_test,
    refusal,
    type_test,
)
from .model import Attribute, Catalog
from .py_layout import Call, If, Laid, Statement, Text, tuple_literal
from .py_literals import py_str


@dataclass(frozen=True)
class MetadataFieldView:
    """One `Metadata` field: checks in `__post_init__`, its copy, its wire attribute."""

    attribute: Attribute
    checks: tuple[Statement, ...]
    #: Arrays: the tuple copy that the caller cannot change after the checks.
    copy: tuple[Statement, ...]
    #: Required fields: the dict entry of `to_attributes` (key included).
    entry: Laid | None
    #: Optional fields: how `to_attributes` adds the value.
    store: tuple[Statement, ...]
    #: A deprecated field: the warning `__post_init__` gives when it is set.
    warnings: tuple[Statement, ...] = ()
    #: After every field is stored: the deprecated keys also sent (dual emission).
    dual_emission: tuple[Statement, ...] = ()


@dataclass(frozen=True)
class MetadataView:
    """The generated `Metadata` class's methods, statement by statement."""

    fields: tuple[MetadataFieldView, ...]
    #: The `METRIC_KEYS` class constant, laid out at indent 4.
    metric_keys: str

    @property
    def checks(self) -> tuple[Statement, ...]:
        return tuple(s for f in self.fields for s in f.checks)

    @property
    def warnings(self) -> tuple[Statement, ...]:
        return tuple(s for f in self.fields for s in f.warnings)

    @property
    def copies(self) -> tuple[Statement, ...]:
        return tuple(s for f in self.fields for s in f.copy)

    @property
    def dual_emission(self) -> tuple[Statement, ...]:
        return tuple(s for f in self.fields for s in f.dual_emission)

    @property
    def entries(self) -> tuple[Laid, ...]:
        return tuple(f.entry for f in self.fields if f.entry)

    @property
    def store(self) -> tuple[Statement, ...]:
        return tuple(s for f in self.fields for s in f.store)


def metadata_view(catalog: Catalog) -> MetadataView:
    return MetadataView(
        tuple(_metadata_field_view(a) for a in catalog.metadata_fields),
        tuple_literal(
            [py_str(key) for key in catalog.metric_keys],
            4,
            lead="METRIC_KEYS: ClassVar[tuple[str, ...]] = ",
            expand=True,
        ),
    )


def _metadata_field_view(attribute: Attribute) -> MetadataFieldView:
    name, subject = attribute.python_name, f"self.{attribute.python_name}"
    label, target = '"Metadata"', f"_{attribute.python_name}"
    given = f"{subject} is not None"
    refuse = refusal(attribute, label, subject)
    # The optional field's checks run only for a value: its conditions gain `given`.
    guard = () if attribute.is_required else (given,)
    checks: tuple[Statement, ...]
    if attribute.type.is_enum and attribute.type.is_array:
        lookup = (*enum_lookup(attribute, subject), If((f"{target} is None",), (refuse,)))
        checks = lookup if attribute.is_required else (If((given,), lookup),)
    else:
        unknown = (
            enum_unknown(attribute, subject)
            if attribute.type.is_enum
            else type_test(attribute, subject)
        )
        checks = (If((*guard, unknown), (refuse,)),)
        if attribute.is_range_checked:
            range_check = If(
                (*guard, range_test(attribute, subject)),
                (range_refusal(attribute, label, subject),),
            )
            checks = (*checks, range_check)

    copy: tuple[Statement, ...] = ()
    if attribute.type.is_array:
        set_copy = Call("object.__setattr__", ("self", py_str(name), f"tuple({subject})"))
        copy = (set_copy,) if attribute.is_required else (If((given,), (set_copy,)),)

    key = py_str(attribute.key)
    entry: Laid | None = None
    store: tuple[Statement, ...] = ()
    if attribute.is_required:
        entry = Laid(lambda indent: metadata_value(attribute, indent, f"{key}: ", ","))
    else:
        assign = Laid(lambda indent: metadata_value(attribute, indent, f"attributes[{key}] = "))
        plain_string = attribute.type.base == "string" and not (
            attribute.type.is_array or attribute.type.is_enum
        )
        if plain_string:
            unknown_comment = "unknown: None or empty, omitted either way"
            store = (If((subject,), (assign,), comment=unknown_comment),)
        else:
            store = (If((given,), (assign,)),)
    # Warned as an emitter warns for a deprecated argument; stacklevel 3 skips
    # `__post_init__` and the dataclass's `__init__`, naming the caller's construction.
    warnings: tuple[Statement, ...] = ()
    if attribute.deprecated:
        warn = Call(
            "warnings.warn",
            (Text(deprecation_message(attribute)), "DeprecationWarning", "stacklevel=3"),
        )
        warnings = (If((given,), (warn,)),)
    dual = dual_emission(attribute, key, "attributes")
    return MetadataFieldView(attribute, checks, copy, entry, store, warnings, dual)
