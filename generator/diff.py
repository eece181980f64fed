"""Compare two resolved catalogs field by field: what changed, whom it breaks, how badly.

Both sides are `Catalog` models (refs resolved, refinements applied, names derived), so
two catalogs that differ only in order or formatting give no change. Every change has a
`kind` from `diff_rules.RULES`, the classification table (its severity, the audiences it
breaks and the reason). Renames of events, metrics, attributes and enum members are
found by one matcher (`renames.match`), each kind giving it its evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

from .diff_fields import (
    SDK_DEFAULT_BOUNDARIES,
    bounds_changes,
    deprecation_changes,
    dual_emission_changes,
    json_value,
    max_length_changes,
    metric_changes,
    redaction_changes,
    requirement_changes,
    same_examples,
    sensitivity_changes,
    span_attribute_changes,
    span_changes,
    stability_changes,
    strict_key,
    type_changes,
)
from .diff_rules import (
    AUDIENCES,
    BREAKING,
    COMPATIBLE,
    INFO,
    RULES,
    SEVERITIES,
    SEVERITY_HEADINGS,
    Audience,
    Change,
    Rule,
    Severity,
    Value,
)
from .diff_rules import (
    change as _change,
)
from .model import Attribute, Catalog, Event, Metric, Span
from .renames import match

__all__ = [
    "AUDIENCES",
    "BREAKING",
    "COMPATIBLE",
    "INFO",
    "RULES",
    "SDK_DEFAULT_BOUNDARIES",
    "SEVERITIES",
    "SEVERITY_HEADINGS",
    "Audience",
    "Change",
    "Rule",
    "Severity",
    "Value",
    "diff_catalogs",
]


_Item = TypeVar("_Item", Event, Metric)


def _items(
    noun: str,
    old: Mapping[str, _Item],
    new: Mapping[str, _Item],
    compare: Callable[[str, _Item, _Item, bool], Iterator[Change]],
    *,
    added: Callable[[_Item], str],
    removed: Callable[[_Item], str],
) -> Iterator[Change]:
    """The events or the metrics of two catalogs, matched by name: added, renamed, removed,
    and `compare` for each one on both sides (its last argument is True for the source of a
    rename, whose deprecation the rename reports)."""
    # The evidence of a rename: an old item, newly deprecated, names its replacement (the
    # old item stays, deprecated).
    matching = match(
        old,
        new,
        (
            (item.name, item.deprecated.replacement)
            for item in new.values()
            if item.name in old
            and item.deprecated is not None
            and item.deprecated.replacement is not None
            and old[item.name].deprecated is None
        ),
    )
    renamed_from = matching.renamed_from
    sources = set(renamed_from.values())
    for name, item in new.items():
        path = f"{noun}s[{name}]"
        before = old.get(name)
        if before is not None:
            yield from compare(path, before, item, name in sources)
        elif name in renamed_from:
            source = renamed_from[name]
            message = f"{noun} {source} renamed to {name}; {source} stays, deprecated"
            yield _change(f"{noun}.renamed", path, source, name, message)
        else:
            yield _change(f"{noun}.added", path, None, name, added(item))
    for name in matching.removed:
        yield _change(f"{noun}.removed", f"{noun}s[{name}]", name, None, removed(old[name]))


# --- the comparison ------------------------------------------------------------------------


def diff_catalogs(old: Catalog, new: Catalog) -> list[Change]:
    """Every change from `old` to `new`, catalog-level first, then toggles, the common
    group, the events, the metrics and the spans (each in `new`'s order, removed ones
    after). Equal catalogs (order
    and formatting aside) give an empty list. The versions are not compared here: see
    `semver.required_bump`."""
    return list(_Differ(old, new).changes())


class _Differ:
    def __init__(self, old: Catalog, new: Catalog) -> None:
        self.old, self.new = old, new
        known = {t.name for t in old.toggles}
        #: Toggles `new` adds that default on: a policy under one changes no wire yet.
        self.fresh_toggles = frozenset(
            t.name for t in new.toggles if t.default and t.name not in known
        )

    def changes(self) -> Iterator[Change]:
        yield from self.catalog_level()
        yield from self.toggles()
        yield from self.group(
            "common.attributes", {a.key: a for a in self.old.common}, self.new.common
        )
        yield from self.events()
        yield from self.metric_attributes()
        yield from self.metrics()
        yield from self.spans()

    def catalog_level(self) -> Iterator[Change]:
        old, new = self.old, self.new
        if old.namespace != new.namespace:
            yield _change(
                "catalog.namespace_changed",
                "namespace",
                old.namespace,
                new.namespace,
                f"namespace changed from {old.namespace!r} to {new.namespace!r}",
            )
        if old.description != new.description:
            yield _change(
                "catalog.description_changed",
                "description",
                old.description,
                new.description,
                "catalog description changed",
            )
        if old.differences != new.differences:
            yield _change(
                "catalog.differences_changed",
                "differences",
                None if old.differences is None else old.differences.name,
                None if new.differences is None else new.differences.name,
                "differences from the reference implementation changed",
            )
        if old.common_description != new.common_description:
            yield _change(
                "common.description_changed",
                "common.description",
                old.common_description,
                new.common_description,
                "description of the common group changed",
            )

    def toggles(self) -> Iterator[Change]:
        old = {t.name: t for t in self.old.toggles}
        new = {t.name: t for t in self.new.toggles}
        for name, toggle in new.items():
            path = f"toggles[{name}]"
            before = old.get(name)
            if before is None:
                yield _change(
                    "toggle.added",
                    path,
                    None,
                    toggle.default,
                    f"toggle {name} added (default {str(toggle.default).lower()})",
                )
                continue
            if before.default != toggle.default:
                kind = "toggle.default_enabled" if toggle.default else "toggle.default_disabled"
                what = "on: the content it guards is exported" if toggle.default else "off"
                yield _change(
                    kind, path, before.default, toggle.default, f"toggle {name} now defaults {what}"
                )
            if before.description != toggle.description:
                yield _change(
                    "toggle.description_changed",
                    path,
                    before.description,
                    toggle.description,
                    f"description of toggle {name} changed",
                )
        for name, toggle in old.items():
            if name not in new:
                yield _change(
                    "toggle.removed",
                    f"toggles[{name}]",
                    toggle.default,
                    None,
                    f"toggle {name} removed: configuration files that set it are rejected",
                )

    def events(self) -> Iterator[Change]:
        yield from _items(
            "event",
            {e.name: e for e in self.old.events},
            {e.name: e for e in self.new.events},
            self.event,
            added=lambda e: f"event {e.name} added ({e.function_name})",
            removed=lambda e: f"event {e.name} removed: calls to {e.function_name} fail",
        )

    def event(self, path: str, old: Event, new: Event, renamed: bool) -> Iterator[Change]:
        yield from self.member("event", "emitter", path, old, new, renamed=renamed)

    def member(
        self,
        noun: str,
        what: str,
        path: str,
        old: Event | Metric,
        new: Event | Metric,
        *,
        renamed: bool,
        specific: Iterable[Change] = (),
    ) -> Iterator[Change]:
        """The changes an event and a metric share, in this order: the Python name of its
        `what` (emitter, recorder), the `specific` changes of its kind (a lazy iterable,
        so none is computed for an unchanged item), stability, deprecation, description
        and the attributes."""
        if old == new and same_examples(old.attributes, new.attributes):
            return  # the common case, without a comparison per field
        name = new.name
        if old.function_name != new.function_name:
            yield _change(
                f"{noun}.python_name_changed",
                path,
                old.function_name,
                new.function_name,
                f"{what} of {name} renamed from {old.function_name} to {new.function_name}",
            )
        yield from specific
        yield from stability_changes(noun, path, name, old.stability, new.stability)
        if not renamed:  # a rename reports the deprecation that announces it
            yield from deprecation_changes(noun, path, name, old.deprecated, new.deprecated)
        if old.description != new.description:
            yield _change(
                f"{noun}.description_changed",
                path,
                old.description,
                new.description,
                f"description of {noun} {name} changed",
            )
        # A policy's `<key>.length` companion follows from the policy, whose own changes
        # are reported: it is no change of its own.
        yield from self.group(
            f"{path}.attributes",
            {a.key: a for a in old.attributes if a.length_of is None},
            tuple(a for a in new.attributes if a.length_of is None),
        )

    def metric_attributes(self) -> Iterator[Change]:
        old, new = self.old.metric_keys, self.new.metric_keys
        for key in new:
            if key not in old:
                yield _change(
                    "metric_attribute.added",
                    f"common.metric_attributes[{key}]",
                    None,
                    key,
                    f"every metric now carries {key}",
                )
        for key in old:
            if key not in new:
                yield _change(
                    "metric_attribute.removed",
                    f"common.metric_attributes[{key}]",
                    key,
                    None,
                    f"metrics no longer carry {key}: queries grouping by it get nothing",
                )

    def metrics(self) -> Iterator[Change]:
        yield from _items(
            "metric",
            {m.name: m for m in self.old.metrics},
            {m.name: m for m in self.new.metrics},
            self.metric,
            added=lambda m: f"metric {m.name} added ({m.instrument}, {m.function_name})",
            removed=lambda m: f"metric {m.name} removed: calls to {m.function_name} fail",
        )

    def metric(self, path: str, old: Metric, new: Metric, renamed: bool) -> Iterator[Change]:
        specific = metric_changes(path, old, new)
        yield from self.member(
            "metric", "recorder", path, old, new, renamed=renamed, specific=specific
        )

    def spans(self) -> Iterator[Change]:
        """Spans matched by id (a changed id is a span removed and one added)."""
        old = {s.id: s for s in self.old.spans}
        for span in self.new.spans:
            path = f"spans[{span.id}]"
            before = old.get(span.id)
            if before is None:
                message = f"span {span.id} added ({span.function_name})"
                yield _change("span.added", path, None, span.name, message)
            else:
                yield from self.span(path, before, span)
        new_ids = {s.id for s in self.new.spans}
        for span in self.old.spans:
            if span.id not in new_ids:
                message = f"span {span.id} removed: calls to {span.function_name} fail"
                yield _change("span.removed", f"spans[{span.id}]", span.name, None, message)

    def span(self, path: str, old: Span, new: Span) -> Iterator[Change]:
        """One span's changes: names, kind, where it may start, what is expected inside,
        stability, deprecation, description, then its attributes."""
        if old == new and same_examples(old.attributes, new.attributes):
            return
        span_id = new.id
        if old.function_name != new.function_name:
            yield _change(
                "span.python_name_changed",
                path,
                old.function_name,
                new.function_name,
                f"helper of span {span_id} renamed from {old.function_name} to {new.function_name}",
            )
        yield from span_changes(path, old, new)
        yield from stability_changes("span", path, span_id, old.stability, new.stability)
        yield from deprecation_changes("span", path, span_id, old.deprecated, new.deprecated)
        if old.description != new.description:
            message = f"description of span {span_id} changed"
            yield _change(
                "span.description_changed", path, old.description, new.description, message
            )
        yield from self.group(
            f"{path}.attributes", {a.key: a for a in old.attributes}, new.attributes
        )

    def group(
        self, path: str, old: dict[str, Attribute], new_attributes: Sequence[Attribute]
    ) -> Iterator[Change]:
        new = {a.key: a for a in new_attributes}
        # The evidence of a rename within one use (the old key left, the new one came):
        # the new definition replaces the old key, or the old one names the new key as
        # its replacement.
        matching = match(
            old,
            new,
            [
                *(
                    (replaced, key)
                    for key, attribute in new.items()
                    for replaced in attribute.replaces
                    if replaced not in new
                ),
                *(
                    (key, attribute.deprecated.replacement)
                    for key, attribute in old.items()
                    if key not in new and attribute.deprecated and attribute.deprecated.replacement
                ),
            ],
        )
        renames = matching.renamed_to
        renamed_targets = set(renames.values())
        for key, attribute in new.items():
            where = f"{path}[{key}]"
            before = old.get(key)
            if before is not None:
                yield from self.attribute(where, before, attribute)
            elif key not in renamed_targets:
                kind = (
                    "attribute.added_required"
                    if attribute.is_required and attribute.computed is None
                    else "attribute.added"
                )
                yield _change(
                    kind,
                    where,
                    None,
                    f"{attribute.type.display}, {attribute.requirement_text}",
                    f"attribute {key} added ({attribute.requirement_text})",
                )
        for key, attribute in old.items():
            if key in new:
                continue
            where = f"{path}[{key}]"
            if key in renames:
                target = renames[key]
                # Dual emission: the new attribute is also sent under the old key.
                dual = key in {legacy.key for legacy in new[target].also_sent_as}
                kind = "attribute.renamed_dual_emitted" if dual else "attribute.renamed"
                extra = "; the old key is still sent" if dual else ""
                yield _change(
                    kind, where, key, target, f"attribute {key} renamed to {target}{extra}"
                )
                # The new attribute is otherwise compared with the one it replaces.
                yield from self.attribute(f"{path}[{target}]", attribute, new[target], renamed=True)
                continue
            yield _change(
                "attribute.removed",
                where,
                f"{attribute.type.display}, {attribute.requirement_text}",
                None,
                f"attribute {key} removed",
            )

    def attribute(
        self, path: str, old: Attribute, new: Attribute, *, renamed: bool = False
    ) -> Iterator[Change]:
        if old == new and same_examples((old,), (new,)):
            return  # the common case, without a comparison per field
        key = new.key
        if old.python_name != new.python_name and not renamed:
            yield _change(
                "attribute.python_name_changed",
                path,
                old.python_name,
                new.python_name,
                f"argument {old.python_name} of {key} renamed to {new.python_name}",
            )
        yield from type_changes(path, key, old.type, new.type)
        yield from requirement_changes(path, key, old, new)
        yield from bounds_changes(path, key, old, new)
        yield from max_length_changes(path, key, old.max_length, new.max_length)
        yield from sensitivity_changes(path, key, old, new)
        yield from redaction_changes(path, key, old, new, self.fresh_toggles)
        if old.computed != new.computed:
            yield _change(
                "attribute.computed_changed",
                path,
                old.computed,
                new.computed,
                f"computed value of {key} changed from {old.computed} to {new.computed}",
            )
        yield from span_attribute_changes(path, key, old, new)
        # A rename with dual emission is reported as one change, not also as a start.
        yield from dual_emission_changes(path, key, old, new, skip=old.key if renamed else None)
        yield from stability_changes("attribute", path, key, old.stability, new.stability)
        if not renamed:
            yield from deprecation_changes("attribute", path, key, old.deprecated, new.deprecated)
        # An enum's class docstring is its definition's description (uses may refine
        # the attribute's); a type that stops or starts being an enum is reported above.
        enum_doc_changed = old.type.is_enum and new.type.is_enum and old.type.doc != new.type.doc
        if old.description != new.description or enum_doc_changed:
            same = old.description == new.description
            yield _change(
                "attribute.description_changed",
                path,
                old.type.doc if same else old.description,
                new.type.doc if same else new.description,
                f"description of {key} changed",
            )
        if old.reference_type != new.reference_type:
            yield _change(
                "attribute.reference_type_changed",
                path,
                old.reference_type,
                new.reference_type,
                f"the reference's type of {key} changed from {old.reference_type or 'unset'}"
                f" to {new.reference_type or 'unset'}",
            )
        # Only the declaration: a cardinality that follows from the type or the bounds
        # changes with them, and those changes are reported above.
        if old.cardinality != new.cardinality:
            yield _change(
                "attribute.cardinality_changed",
                f"{path}.cardinality",
                old.cardinality_text,
                new.cardinality_text,
                f"cardinality of {key} changed from {old.cardinality_text}"
                f" to {new.cardinality_text}",
            )
        if strict_key(json_value(old.examples)) != strict_key(json_value(new.examples)):
            yield _change(
                "attribute.examples_changed",
                path,
                json_value(old.examples),
                json_value(new.examples),
                f"examples of {key} changed",
            )


#: The OpenTelemetry SDK's default explicit bucket boundaries, what a histogram without
#: `boundaries` gets (the specification's defaults; the generator imports no SDK).
