"""What the generated module imports and declares at its top, decided from the catalog:
only what its emitters, recorders, span helpers and `Metadata` use, in the order isort
gives them, and its name constants laid out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .code_model import error_helper
from .model import Catalog, Event, Metric, Span
from .py_layout import tuple_literal
from .py_literals import py_str
from .wire_limits import INT64_MAX, INT64_MIN


@dataclass(frozen=True)
class ModuleView:
    """What the generated module imports, decided from the catalog: only what it uses."""

    #: The runtime names it imports, in isort's order (constants, classes, functions).
    runtime_imports: tuple[str, ...]
    #: Whether an argument is an array (the module then declares `ArrayOf`).
    uses_arrays: bool
    #: Whether an emitter has a deprecated overload (the module imports `overload`).
    uses_overloads: bool
    #: Whether an emitter, a recorder or `Metadata` warns about an argument (`warnings`).
    has_deprecated_arguments: bool
    #: The `EVENT_NAMES` and `METRIC_NAMES` constants, laid out.
    event_names: str
    metric_names: str


def module_view(catalog: Catalog) -> ModuleView:
    """The generated module's imports for `catalog`."""
    attributes = (
        *catalog.common,
        *(a for e in catalog.events for a in e.attributes),
        *(a for m in catalog.metrics for a in m.attributes),
        *(a for s in catalog.spans for a in s.attributes),
    )
    uses_overloads = any(e.has_deprecated_overload for e in catalog.events)
    return ModuleView(
        runtime_imports=_runtime_imports(catalog, uses_overloads),
        uses_arrays=any(a.type.is_array for a in attributes),
        uses_overloads=uses_overloads,
        # (A span's deprecated setter is `@deprecated` instead: it needs no `warnings`.)
        has_deprecated_arguments=any(a.deprecated for a in catalog.metadata_fields)
        or any(owner.deprecated_attributes for owner in (*catalog.events, *catalog.metrics))
        or any(a.deprecated for s in catalog.spans for a in s.start_attributes),
        event_names=tuple_literal(
            [py_str(e.name) for e in catalog.events],
            0,
            lead="EVENT_NAMES: Final[tuple[str, ...]] = ",
            expand=True,
        ),
        metric_names=tuple_literal(
            [py_str(m.name) for m in catalog.metrics],
            0,
            lead="METRIC_NAMES: Final[tuple[str, ...]] = ",
            expand=True,
        ),
    )


def _runtime_imports(catalog: Catalog, uses_overloads: bool) -> tuple[str, ...]:
    """The runtime helpers the generated module calls, so it imports nothing unused."""
    used = [
        *(a for e in catalog.events for a in e.argument_attributes),
        *catalog.metadata_fields,
        *(a for m in catalog.metrics for a in (m.value, *m.attributes)),
        *(a for s in catalog.spans for a in s.attributes if a.computed is None),
    ]
    names = {"Attributes", "Conversation", *(error_helper(a) for a in used)}
    if catalog.metrics:
        names.add("MetricDefinition")
    if catalog.spans:
        names |= {"SpanDefinition", "SpanHandle", "SpanScope"}
    if any(a.type.is_array and not a.type.is_enum for a in used):
        names.add("is_array_of")
    limits = {
        bound
        for a in used
        if a.type.base == "int" and a.is_range_checked
        for bound in a.checked_bounds
    }
    names |= {
        name
        for name, value in (("INT64_MAX", INT64_MAX), ("INT64_MIN", INT64_MIN))
        if value in limits
    }
    if any(a.is_range_checked for a in used):
        names.add("out_of_range")
    if any(a.max_length and not a.redact for a in used):
        names.add("truncate")  # a policy attribute is cut by `Conversation.protect`
    if any(a.type.is_array and a.type.is_enum for a in used):
        names.add("wire_members")
    if any(
        a.type.base == "string" and not a.type.is_enum
        for m in catalog.metrics
        for a in m.attributes
    ):
        names.add("metric_tag_value")  # recorders hold free text to the tag characters
    deprecations: tuple[Event | Metric | Span, ...] = (
        *catalog.events,
        *catalog.metrics,
        *catalog.spans,
    )
    deprecated_setters = any(a.deprecated for s in catalog.spans for a in s.end_attributes)
    if uses_overloads or deprecated_setters or any(item.deprecated for item in deprecations):
        names.add("deprecated")
    # As isort sorts imported names: constants, then classes, then functions.
    return tuple(sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)))
