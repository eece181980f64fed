"""Compare two resolved catalogs field by field: what changed, whom it breaks, how badly.

Both sides are `Catalog` models (refs resolved, refinements applied, names derived), so
two catalogs that differ only in order or formatting give no change. Every change has a
`kind` from `RULES`, the classification table: one row per kind with its severity, the
audiences it breaks and the reason. The table is data so that the documentation
(docs/evolution.md) and the tests check against the same rows the code applies.

Audiences: `api`, code that calls the generated emitters (a call that worked stops
type-checking or raises); `wire`, whatever reads the records (collectors, queries,
dashboards: a key, type, value or guarantee they relied on goes away); `privacy`, what
leaves the user's machine (content that was withheld is exported).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, TypeVar, Union

from .model import Attribute, AttributeType, Catalog, Deprecation, EnumMember, Event, Metric

Severity = Literal["breaking", "compatible", "info"]
Audience = Literal["api", "wire", "privacy"]
#: What `Change.old` and `Change.new` hold: JSON values, so every output format can show them.
Value = Union[str, int, float, bool, None, list["Value"]]  # noqa: UP007 (recursive alias)

SEVERITIES: tuple[Severity, ...] = ("breaking", "compatible", "info")
#: How outputs head each severity's changes, listed in `SEVERITIES` order.
SEVERITY_HEADINGS: dict[str, str] = {
    "breaking": "Breaking",
    "compatible": "Compatible",
    "info": "Information only",
}
AUDIENCES: tuple[Audience, ...] = ("api", "wire", "privacy")


@dataclass(frozen=True)
class Rule:
    """One row of the classification table."""

    kind: str
    severity: Severity
    audiences: tuple[Audience, ...]
    reason: str


@dataclass(frozen=True)
class Change:
    """One difference between two catalogs.

    `path` names what changed (`events[shop.paid].attributes[amount]`); `old` and `new`
    are JSON values (None when absent); `message` is one line for people."""

    kind: str
    path: str
    severity: Severity
    audiences: tuple[Audience, ...]
    old: Value
    new: Value
    message: str


BREAKING: Final = "breaking"
COMPATIBLE: Final = "compatible"
INFO: Final = "info"

#: The classification table, one row per kind, in the order docs/evolution.md lists it.
_TABLE: tuple[Rule, ...] = (
    Rule(
        "catalog.namespace_changed",
        INFO,
        (),
        "The namespace only derives emitter names; each emitter name that changes is reported as "
        "its own change.",
    ),
    Rule("catalog.description_changed", INFO, (), "Documentation only."),
    Rule("common.description_changed", INFO, (), "Documentation only."),
    Rule(
        "catalog.differences_changed",
        INFO,
        (),
        "The differences from the reference implementation are documentation only.",
    ),
    Rule(
        "toggle.added",
        COMPATIBLE,
        (),
        "A new key the [otel] table accepts; nothing that worked stops working.",
    ),
    Rule(
        "toggle.removed",
        BREAKING,
        ("api",),
        "Configuration files that set it are rejected as naming an unknown key.",
    ),
    Rule(
        "toggle.default_enabled",
        BREAKING,
        ("privacy",),
        "Users who never set the toggle start exporting the content it guards.",
    ),
    Rule(
        "toggle.default_disabled",
        BREAKING,
        ("wire",),
        "Users who never set the toggle start sending placeholders where readers saw values.",
    ),
    Rule("toggle.description_changed", INFO, (), "Documentation only."),
    Rule(
        "event.added",
        COMPATIBLE,
        (),
        "A new emitter and a new record; existing calls and readers are untouched.",
    ),
    Rule(
        "event.removed",
        BREAKING,
        ("api", "wire"),
        "Calls to its emitter fail, and readers stop receiving its records.",
    ),
    Rule(
        "event.renamed",
        COMPATIBLE,
        (),
        "The new event is added and the old one stays, deprecated, naming it as its replacement: a "
        "migration, nothing removed yet.",
    ),
    Rule(
        "event.python_name_changed",
        BREAKING,
        ("api",),
        "Calls to the old emitter name fail; the records are unchanged.",
    ),
    Rule(
        "event.deprecated",
        COMPATIBLE,
        (),
        "A deprecation is announced (semantic versioning: a minor release); type checkers and the "
        "runtime warn callers, nothing stops working.",
    ),
    Rule(
        "event.undeprecated",
        COMPATIBLE,
        (),
        "The deprecation warning goes away; nothing stops working.",
    ),
    Rule(
        "event.deprecation_changed",
        INFO,
        (),
        "The note, replacement or migration window of a deprecation changed: documentation and "
        "warning text.",
    ),
    Rule(
        "event.stabilized",
        COMPATIBLE,
        (),
        "A development event becomes stable: a stronger promise, nothing changes shape.",
    ),
    Rule(
        "event.destabilized",
        BREAKING,
        ("api", "wire"),
        "A stable event goes back to development: callers and readers lose the promise that it "
        "will not change.",
    ),
    Rule("event.description_changed", INFO, (), "Documentation only."),
    Rule(
        "attribute.added",
        COMPATIBLE,
        (),
        "An optional or conditional argument (or a computed attribute): existing calls still work, "
        "readers ignore the new key.",
    ),
    Rule(
        "attribute.added_required",
        BREAKING,
        ("api",),
        "Every existing call lacks the new required argument (a required Metadata field, in the "
        "common group).",
    ),
    Rule(
        "attribute.removed",
        BREAKING,
        ("api", "wire"),
        "Calls passing the argument fail, and readers stop receiving the key.",
    ),
    Rule(
        "attribute.renamed",
        BREAKING,
        ("api", "wire"),
        "The argument and the key change: calls with the old name fail, readers of the old key get "
        "nothing.",
    ),
    Rule(
        "attribute.renamed_dual_emitted",
        BREAKING,
        ("api",),
        "The argument changes name, but the old key is still sent beside the new one until the "
        "migration window ends, so readers have time to move.",
    ),
    Rule(
        "attribute.python_name_changed",
        BREAKING,
        ("api",),
        "Calls with the old argument name (or the old enum class name) fail; the key on the wire "
        "is unchanged.",
    ),
    Rule(
        "attribute.type_changed",
        BREAKING,
        ("api", "wire"),
        "Arguments of the old type are refused, and readers receive another type.",
    ),
    Rule(
        "attribute.scalar_to_array",
        BREAKING,
        ("api", "wire"),
        "A single value is refused where a list is wanted, and readers receive an array value.",
    ),
    Rule(
        "attribute.array_to_scalar",
        BREAKING,
        ("api", "wire"),
        "A list is refused where a single value is wanted, and readers receive a scalar value.",
    ),
    Rule(
        "attribute.int_to_double",
        BREAKING,
        ("wire",),
        "Callers' ints are still accepted, but records carry a double where readers expected an "
        "int.",
    ),
    Rule(
        "attribute.double_to_int",
        BREAKING,
        ("api", "wire"),
        "Non-integral arguments are refused, and records carry an int where readers expected a "
        "double.",
    ),
    Rule(
        "attribute.enum_to_scalar",
        BREAKING,
        ("api", "wire"),
        "The enum class disappears from the generated module, and readers may receive values "
        "outside the former members.",
    ),
    Rule(
        "attribute.scalar_to_enum",
        BREAKING,
        ("api",),
        "Values outside the members are refused; readers receive a subset of what they received "
        "before.",
    ),
    Rule(
        "attribute.requirement_tightened",
        BREAKING,
        ("api",),
        "An optional or conditional argument becomes required: calls that omitted it fail.",
    ),
    Rule(
        "attribute.requirement_loosened",
        BREAKING,
        ("wire",),
        "A required attribute may now be absent: readers that counted on it find records without "
        "it.",
    ),
    Rule(
        "attribute.requirement_reworded",
        INFO,
        (),
        "Optional and conditional are both omittable: only the documented condition changed.",
    ),
    Rule(
        "attribute.bounds_tightened",
        BREAKING,
        ("api",),
        "Values that were accepted are now refused with ValueError.",
    ),
    Rule(
        "attribute.bounds_loosened",
        COMPATIBLE,
        (),
        "More values are accepted; every value that was valid still is.",
    ),
    Rule(
        "attribute.max_length_lowered",
        BREAKING,
        ("wire",),
        "Values are cut shorter than before: readers receive less of each value.",
    ),
    Rule(
        "attribute.max_length_raised",
        COMPATIBLE,
        (),
        "Values are cut later (or never): readers receive more of each value, nothing less.",
    ),
    Rule(
        "attribute.redaction_added",
        BREAKING,
        ("wire",),
        "Unless the toggle is on, readers receive a placeholder where they received the value.",
    ),
    Rule(
        "attribute.redaction_removed",
        BREAKING,
        ("privacy",),
        "Content that was replaced by a placeholder by default is now exported as it is.",
    ),
    Rule(
        "attribute.redaction_toggle_changed",
        BREAKING,
        ("privacy",),
        "Another toggle now controls the redaction: users who kept the old one off may export the "
        "content.",
    ),
    Rule(
        "attribute.redaction_placeholder_changed",
        BREAKING,
        ("wire",),
        "Readers that recognise the placeholder (to filter or count redacted values) no longer do.",
    ),
    Rule(
        "attribute.computed_changed",
        BREAKING,
        ("api", "wire"),
        "Whether the runtime computes the value changed: the Metadata fields change and so does "
        "what is sent.",
    ),
    Rule(
        "attribute.dual_emission_started",
        COMPATIBLE,
        (),
        "The value is also sent under a legacy key: an addition on the wire.",
    ),
    Rule(
        "attribute.dual_emission_ended",
        BREAKING,
        ("wire",),
        "The legacy key is no longer sent: readers still reading it get nothing.",
    ),
    Rule(
        "attribute.dual_emission_changed",
        INFO,
        (),
        "The migration window's end version changed: documentation only.",
    ),
    Rule(
        "attribute.deprecated",
        COMPATIBLE,
        (),
        "A deprecation is announced: passing the argument warns, nothing stops working.",
    ),
    Rule(
        "attribute.undeprecated",
        COMPATIBLE,
        (),
        "The deprecation warning goes away; nothing stops working.",
    ),
    Rule(
        "attribute.deprecation_changed",
        INFO,
        (),
        "The note, replacement or migration window of a deprecation changed: documentation and "
        "warning text.",
    ),
    Rule(
        "attribute.stabilized",
        COMPATIBLE,
        (),
        "A development attribute becomes stable: a stronger promise, nothing changes shape.",
    ),
    Rule(
        "attribute.destabilized",
        BREAKING,
        ("api", "wire"),
        "A stable attribute goes back to development: callers and readers lose the promise that it "
        "will not change.",
    ),
    Rule("attribute.description_changed", INFO, (), "Documentation only."),
    Rule("attribute.examples_changed", INFO, (), "Documentation only."),
    Rule(
        "attribute.reference_type_changed",
        INFO,
        (),
        "The type the reference implementation sends is documentation only: the wire carries "
        "the attribute's type.",
    ),
    Rule(
        "attribute.cardinality_changed",
        INFO,
        (),
        "Whether metrics may carry the attribute (`cardinality: low`) changed: a metric that "
        "carries one that is no longer low-cardinality is refused by validation before any diff, "
        "so nothing that is sent changes.",
    ),
    Rule(
        "enum.member_added",
        COMPATIBLE,
        (),
        "One more value is accepted; readers may see a new value, which a closed set of members "
        "always allowed to grow.",
    ),
    Rule(
        "enum.member_removed",
        BREAKING,
        ("api", "wire"),
        "Calls passing the member fail, and readers counting that value see it stop.",
    ),
    Rule(
        "enum.member_value_changed",
        BREAKING,
        ("api", "wire"),
        "The member (same Python name) sends another value: literal values in calls fail, readers "
        "see the value change.",
    ),
    Rule(
        "enum.member_renamed",
        BREAKING,
        ("api",),
        "The Python name of a member changed: code naming the old one fails; the value sent is the "
        "same.",
    ),
    Rule("enum.member_description_changed", INFO, (), "Documentation only."),
    Rule(
        "metric_attribute.added",
        COMPATIBLE,
        (),
        "Every metric carries one more metadata key: queries that aggregate keep working, though "
        "each series splits by the new key's values.",
    ),
    Rule(
        "metric_attribute.removed",
        BREAKING,
        ("wire",),
        "Every metric stops carrying the key: queries and alerts that group or filter by it get "
        "nothing.",
    ),
    Rule(
        "metric.added",
        COMPATIBLE,
        (),
        "A new recorder and a new metric; existing calls and readers are untouched.",
    ),
    Rule(
        "metric.removed",
        BREAKING,
        ("api", "wire"),
        "Calls to its recorder fail, and dashboards and alerts on it stop receiving points.",
    ),
    Rule(
        "metric.renamed",
        COMPATIBLE,
        (),
        "The new metric is added and the old one stays, deprecated, naming it as its replacement: "
        "a migration, nothing removed yet.",
    ),
    Rule(
        "metric.python_name_changed",
        BREAKING,
        ("api",),
        "Calls to the old recorder name fail; the points are unchanged.",
    ),
    Rule(
        "metric.deprecated",
        COMPATIBLE,
        (),
        "A deprecation is announced: type checkers and the runtime warn callers of the recorder, "
        "nothing stops working.",
    ),
    Rule(
        "metric.undeprecated",
        COMPATIBLE,
        (),
        "The deprecation warning goes away; nothing stops working.",
    ),
    Rule(
        "metric.deprecation_changed",
        INFO,
        (),
        "The note or replacement of a deprecation changed: documentation and warning text.",
    ),
    Rule(
        "metric.stabilized",
        COMPATIBLE,
        (),
        "A development metric becomes stable: a stronger promise, nothing changes shape.",
    ),
    Rule(
        "metric.destabilized",
        BREAKING,
        ("api", "wire"),
        "A stable metric goes back to development: callers and readers lose the promise that it "
        "will not change.",
    ),
    Rule("metric.description_changed", INFO, (), "Documentation only."),
    Rule(
        "metric.instrument_changed",
        BREAKING,
        ("api", "wire"),
        "The recorder's contract changes (a counter's value defaults to 1 and refuses negatives; "
        "others differ), and readers receive another point type: a sum becomes a histogram or a "
        "gauge, so rates, quantiles and alerts on it stop working.",
    ),
    Rule(
        "metric.unit_changed",
        BREAKING,
        ("wire",),
        "Readers receive numbers in another unit (ms to s: a thousand times smaller) and backends "
        "that put the unit into the series name (Prometheus: `_milliseconds`) start a new series.",
    ),
    Rule(
        "metric.int_to_double",
        BREAKING,
        ("wire",),
        "Callers' ints are still accepted, but counter, up-down counter and gauge points carry a "
        "double (asDouble) where readers expected an int (asInt).",
    ),
    Rule(
        "metric.double_to_int",
        BREAKING,
        ("api", "wire"),
        "Float values are refused, and counter, up-down counter and gauge points carry an int "
        "(asInt) where readers expected a double (asDouble).",
    ),
    Rule(
        "metric.histogram_int_to_double",
        COMPATIBLE,
        (),
        "Callers' ints are still accepted, and a histogram's points have the same shape whatever "
        "the value type (a double sum, bucket counts): only fractional values become possible.",
    ),
    Rule(
        "metric.histogram_double_to_int",
        BREAKING,
        ("api",),
        "Float values are refused; a histogram's points have the same shape whatever the value "
        "type.",
    ),
    Rule(
        "metric.boundaries_refined",
        COMPATIBLE,
        (),
        "Bucket bounds are only added: every former bound stays, so cumulative buckets (`le`) "
        "keep their meaning and readers get finer ones; dashboards estimating percentiles across "
        "the change show a step.",
    ),
    Rule(
        "metric.boundaries_changed",
        BREAKING,
        ("wire",),
        "A bucket bound that readers may query (an SLO on `le=500`) disappears, and percentiles "
        "estimated across the change mix two bucket layouts.",
    ),
)

#: The classification table by kind.
RULES: dict[str, Rule] = {rule.kind: rule for rule in _TABLE}


def _change(kind: str, path: str, old: Value, new: Value, message: str) -> Change:
    rule = RULES[kind]
    return Change(kind, path, rule.severity, rule.audiences, old, new, message)


# --- values as JSON ------------------------------------------------------------------------


def _value(value: object) -> Value:
    """A model value as JSON: tuples as lists; anything else as it is."""
    if isinstance(value, (tuple, list)):
        return [_value(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"no JSON value for {type(value).__name__}")


def _strict(value: object) -> str:
    """A comparison key that tells `True` from `1` and `1` from `1.0` (Python's == does not)."""
    return json.dumps(value, sort_keys=True, default=repr)


def _same_examples(old: Sequence[Attribute], new: Sequence[Attribute]) -> bool:
    """For attributes already equal by ==: whether their examples also have the same types
    (== says True is 1 and 1 is 1.0; the docs print them differently)."""
    return all(_same_types(a.examples, b.examples) for a, b in zip(old, new, strict=True))


def _same_types(old: object, new: object) -> bool:
    if type(old) is not type(new):
        return False
    if isinstance(old, (tuple, list)) and isinstance(new, (tuple, list)):
        return all(_same_types(a, b) for a, b in zip(old, new, strict=True))
    return True


def _type_text(attribute_type: AttributeType) -> str:
    if not attribute_type.is_enum:
        return attribute_type.display
    members = ", ".join(json.dumps(m.value) for m in attribute_type.members)
    return f"{attribute_type.display} of {members}"


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
    # A rename: an old item, newly deprecated, names as its replacement an item that is new.
    renamed_to = {
        item.deprecated.replacement: item.name
        for item in new.values()
        if item.name in old
        and item.deprecated is not None
        and item.deprecated.replacement is not None
        and item.deprecated.replacement not in old
        and old[item.name].deprecated is None
    }
    renamed_from = set(renamed_to.values())
    for name, item in new.items():
        path = f"{noun}s[{name}]"
        before = old.get(name)
        if before is not None:
            yield from compare(path, before, item, name in renamed_from)
        elif name in renamed_to:
            source = renamed_to[name]
            message = f"{noun} {source} renamed to {name}; {source} stays, deprecated"
            yield _change(f"{noun}.renamed", path, source, name, message)
        else:
            yield _change(f"{noun}.added", path, None, name, added(item))
    for name, item in old.items():
        if name not in new:
            yield _change(f"{noun}.removed", f"{noun}s[{name}]", name, None, removed(item))


def _deprecation_text(deprecation: Deprecation | None) -> str | None:
    if deprecation is None:
        return None
    text = deprecation.note
    if deprecation.replacement:
        text += f" (replacement: {deprecation.replacement})"
    return text


def _bounds(attribute: Attribute) -> list[Value]:
    return [attribute.minimum, attribute.maximum]


# --- the comparison ------------------------------------------------------------------------


def diff_catalogs(old: Catalog, new: Catalog) -> list[Change]:
    """Every change from `old` to `new`, catalog-level first, then toggles, the common
    group and the events (in `new`'s order, removed ones after). Equal catalogs (order
    and formatting aside) give an empty list. The versions are not compared here: see
    `semver.required_bump`."""
    return list(_Differ(old, new).changes())


class _Differ:
    def __init__(self, old: Catalog, new: Catalog) -> None:
        self.old, self.new = old, new

    def changes(self) -> Iterator[Change]:
        yield from self.catalog_level()
        yield from self.toggles()
        yield from self.group(
            "common.attributes", {a.key: a for a in self.old.common}, self.new.common
        )
        yield from self.events()
        yield from self.metric_attributes()
        yield from self.metrics()

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
        if old == new and _same_examples(old.attributes, new.attributes):
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
        yield from _stability(noun, path, name, old.stability, new.stability)
        if not renamed:  # a rename reports the deprecation that announces it
            yield from _deprecation(noun, path, name, old.deprecated, new.deprecated)
        if old.description != new.description:
            yield _change(
                f"{noun}.description_changed",
                path,
                old.description,
                new.description,
                f"description of {noun} {name} changed",
            )
        yield from self.group(
            f"{path}.attributes", {a.key: a for a in old.attributes}, new.attributes
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
        specific = _metric_specific(path, old, new)
        yield from self.member(
            "metric", "recorder", path, old, new, renamed=renamed, specific=specific
        )

    def group(
        self, path: str, old: dict[str, Attribute], new_attributes: Sequence[Attribute]
    ) -> Iterator[Change]:
        new = {a.key: a for a in new_attributes}
        # A rename within one use: the old key left, the new one came, and either the old
        # definition named the new key as its replacement, or the new one is also sent
        # under the old key (dual emission).
        renames: dict[str, tuple[str, bool]] = {}
        for key, attribute in new.items():
            if key in old:
                continue
            sent_too = {legacy.key for legacy in attribute.also_sent_as}
            for replaced in attribute.replaces:
                if replaced in old and replaced not in new:
                    renames[replaced] = (key, replaced in sent_too)
        for key, attribute in old.items():
            replacement = attribute.deprecated.replacement if attribute.deprecated else None
            if (
                key not in new
                and key not in renames
                and replacement in new
                and replacement not in old
            ):
                renames[key] = (replacement, False)
        renamed_targets = {target for target, _ in renames.values()}
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
                target, dual = renames[key]
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
        if old == new and _same_examples((old,), (new,)):
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
        yield from _type_changes(path, key, old.type, new.type)
        yield from _requirement(path, key, old, new)
        yield from _bounds_change(path, key, old, new)
        yield from _max_length(path, key, old.max_length, new.max_length)
        yield from _redaction(path, key, old, new)
        if old.computed != new.computed:
            yield _change(
                "attribute.computed_changed",
                path,
                old.computed,
                new.computed,
                f"computed value of {key} changed from {old.computed} to {new.computed}",
            )
        # A rename with dual emission is reported as one change, not also as a start.
        yield from _dual_emission(path, key, old, new, skip=old.key if renamed else None)
        yield from _stability("attribute", path, key, old.stability, new.stability)
        if not renamed:
            yield from _deprecation("attribute", path, key, old.deprecated, new.deprecated)
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
        if _strict(_value(old.examples)) != _strict(_value(new.examples)):
            yield _change(
                "attribute.examples_changed",
                path,
                _value(old.examples),
                _value(new.examples),
                f"examples of {key} changed",
            )


#: The OpenTelemetry SDK's default explicit bucket boundaries, what a histogram without
#: `boundaries` gets (the specification's defaults; the generator imports no SDK).
SDK_DEFAULT_BOUNDARIES: tuple[float, ...] = (
    0,
    5,
    10,
    25,
    50,
    75,
    100,
    250,
    500,
    750,
    1000,
    2500,
    5000,
    7500,
    10000,
)


def _value_type(path: str, old: Metric, new: Metric) -> Iterator[Change]:
    if old.value_type == new.value_type:
        return
    # A histogram's points have a double sum and int counts whatever the value type, so
    # only the recorder's contract can change; other points switch asInt and asDouble.
    histogram = old.instrument == new.instrument == "histogram"
    kind = f"metric.{'histogram_' if histogram else ''}{old.value_type}_to_{new.value_type}"
    if new.value_type == "double":
        effect = "ints are still accepted" + (
            "" if histogram else "; points carry doubles where readers expected ints"
        )
    else:
        effect = "float values are refused" + (
            "" if histogram else "; points carry ints where readers expected doubles"
        )
    yield _change(
        kind,
        f"{path}.value_type",
        old.value_type,
        new.value_type,
        f"value type of {new.name} changed from {old.value_type} to {new.value_type}: {effect}",
    )


def _boundaries(path: str, old: Metric, new: Metric) -> Iterator[Change]:
    if not (old.instrument == new.instrument == "histogram"):
        return  # a change of instrument is reported as such
    before = old.boundaries if old.boundaries is not None else SDK_DEFAULT_BOUNDARIES
    after = new.boundaries if new.boundaries is not None else SDK_DEFAULT_BOUNDARIES
    if _strict([float(b) for b in before]) == _strict([float(b) for b in after]):
        return
    gone = sorted(set(map(float, before)) - set(map(float, after)))
    kind = "metric.boundaries_changed" if gone else "metric.boundaries_refined"
    if gone:
        listed = ", ".join(f"{b:g}" for b in gone)
        effect = f"bucket bound{'s' if len(gone) > 1 else ''} {listed} removed"
    else:
        effect = "bounds only added; dashboards' buckets get finer"
    yield _change(
        kind,
        f"{path}.boundaries",
        None if old.boundaries is None else _value(old.boundaries),
        None if new.boundaries is None else _value(new.boundaries),
        f"bucket boundaries of {new.name} changed: {effect}",
    )


def _type_kind(old: AttributeType, new: AttributeType) -> str | None:
    """The kind of a change of type, or None when the shape is the same (members aside)."""
    if old.is_array != new.is_array:
        if old.is_enum == new.is_enum and old.base == new.base:
            return "attribute.scalar_to_array" if new.is_array else "attribute.array_to_scalar"
        return "attribute.type_changed"
    if old.is_enum != new.is_enum:
        if old.base != new.base:
            return "attribute.type_changed"
        return "attribute.enum_to_scalar" if old.is_enum else "attribute.scalar_to_enum"
    if old.base != new.base:
        if not old.is_enum and (old.base, new.base) == ("int", "double"):
            return "attribute.int_to_double"
        if not old.is_enum and (old.base, new.base) == ("double", "int"):
            return "attribute.double_to_int"
        return "attribute.type_changed"
    return None


def _type_changes(path: str, key: str, old: AttributeType, new: AttributeType) -> Iterator[Change]:
    kind = _type_kind(old, new)
    if kind is not None:
        yield _change(
            kind,
            f"{path}.type",
            _type_text(old),
            _type_text(new),
            f"type of {key} changed from {old.display} to {new.display}",
        )
        return
    if old.is_enum:
        yield from _members(f"{path}.type.members", key, old.members, new.members)


def _members(
    path: str, key: str, old: Sequence[EnumMember], new: Sequence[EnumMember]
) -> Iterator[Change]:
    old_by_value = {_strict(m.value): m for m in old}
    new_by_value = {_strict(m.value): m for m in new}
    gone = [m for v, m in old_by_value.items() if v not in new_by_value]
    came = [m for v, m in new_by_value.items() if v not in old_by_value]
    came_by_name = {m.name: m for m in came}
    moved = {m.name for m in gone if m.name in came_by_name}
    for value, member in new_by_value.items():
        before = old_by_value.get(value)
        where = f"{path}[{member.value}]"
        if before is None:
            if member.name not in moved:
                yield _change(
                    "enum.member_added",
                    where,
                    None,
                    member.value,
                    f"{key} gains the member {member.value!r}",
                )
            continue
        if before.name != member.name:
            yield _change(
                "enum.member_renamed",
                where,
                before.name,
                member.name,
                f"member {member.value!r} of {key} renamed from {before.name} to {member.name}",
            )
        if before.description != member.description:
            yield _change(
                "enum.member_description_changed",
                where,
                before.description,
                member.description,
                f"description of member {member.value!r} of {key} changed",
            )
    for member in gone:
        where = f"{path}[{member.value}]"
        if member.name in moved:
            after = came_by_name[member.name]
            yield _change(
                "enum.member_value_changed",
                where,
                member.value,
                after.value,
                f"member {member.name} of {key} now sends {after.value!r}, not {member.value!r}",
            )
            if member.description != after.description:
                yield _change(
                    "enum.member_description_changed",
                    f"{path}[{after.value}]",
                    member.description,
                    after.description,
                    f"description of member {after.value!r} of {key} changed",
                )
        else:
            yield _change(
                "enum.member_removed",
                where,
                member.value,
                None,
                f"{key} loses the member {member.value!r}",
            )


def _requirement(path: str, key: str, old: Attribute, new: Attribute) -> Iterator[Change]:
    if old.requirement_text == new.requirement_text:
        return
    if new.is_required and not old.is_required:
        kind = "attribute.requirement_tightened"
    elif old.is_required and not new.is_required:
        kind = "attribute.requirement_loosened"
    else:
        kind = "attribute.requirement_reworded"
    yield _change(
        kind,
        f"{path}.requirement",
        old.requirement_text,
        new.requirement_text,
        f"{key} changed from {old.requirement_text} to {new.requirement_text}",
    )


def _bounds_change(path: str, key: str, old: Attribute, new: Attribute) -> Iterator[Change]:
    if _strict(_bounds(old)) == _strict(_bounds(new)):
        return

    def narrower(before: float | None, after: float | None, tighter: Callable[..., bool]) -> bool:
        return after is not None and (before is None or tighter(after, before))

    tightened = narrower(old.minimum, new.minimum, lambda a, b: a > b) or narrower(
        old.maximum, new.maximum, lambda a, b: a < b
    )
    loosened = (old.minimum is not None and (new.minimum is None or new.minimum < old.minimum)) or (
        old.maximum is not None and (new.maximum is None or new.maximum > old.maximum)
    )
    if not (tightened or loosened):  # the same numbers written differently (1 and 1.0)
        return
    kind = "attribute.bounds_tightened" if tightened else "attribute.bounds_loosened"
    before, after = old.bounds_text or "unbounded", new.bounds_text or "unbounded"
    yield _change(
        kind, path, _bounds(old), _bounds(new), f"bounds of {key} changed from {before} to {after}"
    )


def _max_length(path: str, key: str, old: int | None, new: int | None) -> Iterator[Change]:
    if old == new:
        return
    lowered = new is not None and (old is None or new < old)
    kind = "attribute.max_length_lowered" if lowered else "attribute.max_length_raised"
    before = "no cap" if old is None else f"{old} characters"
    after = "no cap" if new is None else f"{new} characters"
    yield _change(
        kind, f"{path}.max_length", old, new, f"cap of {key} changed from {before} to {after}"
    )


def _redaction(path: str, key: str, old: Attribute, new: Attribute) -> Iterator[Change]:
    where = f"{path}.redact"
    before, after = old.redact, new.redact
    if before is None and after is not None:
        yield _change(
            "attribute.redaction_added",
            where,
            None,
            after.toggle,
            f"{key} is now redacted to {after.placeholder!r} unless {after.toggle} is on",
        )
    elif before is not None and after is None:
        yield _change(
            "attribute.redaction_removed",
            where,
            before.toggle,
            None,
            f"{key} is no longer redacted: its content is exported (privacy regression)",
        )
    elif before is not None and after is not None:
        if before.toggle != after.toggle:
            yield _change(
                "attribute.redaction_toggle_changed",
                f"{where}.toggle",
                before.toggle,
                after.toggle,
                f"redaction of {key} now follows {after.toggle}, not {before.toggle}",
            )
        if before.placeholder != after.placeholder:
            yield _change(
                "attribute.redaction_placeholder_changed",
                f"{where}.placeholder",
                before.placeholder,
                after.placeholder,
                f"placeholder of {key} changed"
                f" from {before.placeholder!r} to {after.placeholder!r}",
            )


def _dual_emission(
    path: str, key: str, old: Attribute, new: Attribute, skip: str | None
) -> Iterator[Change]:
    before = {legacy.key: legacy.until for legacy in old.also_sent_as}
    after = {legacy.key: legacy.until for legacy in new.also_sent_as if legacy.key != skip}
    for legacy, until in after.items():
        if legacy not in before:
            yield _change(
                "attribute.dual_emission_started",
                f"{path}.also_sent_as[{legacy}]",
                None,
                until,
                f"{key} is also sent as {legacy} until catalog version {until}",
            )
        elif before[legacy] != until:
            yield _change(
                "attribute.dual_emission_changed",
                f"{path}.also_sent_as[{legacy}]",
                before[legacy],
                until,
                f"{key} is sent as {legacy} until catalog version {until}, not {before[legacy]}",
            )
    for legacy, until in before.items():
        if legacy not in after:
            yield _change(
                "attribute.dual_emission_ended",
                f"{path}.also_sent_as[{legacy}]",
                until,
                None,
                f"{key} is no longer also sent as {legacy}",
            )


def _metric_specific(path: str, old: Metric, new: Metric) -> Iterator[Change]:
    """A metric's own changes: instrument, unit, value type and bucket boundaries."""
    name = new.name
    if old.instrument != new.instrument:
        yield _change(
            "metric.instrument_changed",
            f"{path}.instrument",
            old.instrument,
            new.instrument,
            f"{name} is now a {new.instrument}, was a {old.instrument}: its points change type",
        )
    if old.unit != new.unit:
        yield _change(
            "metric.unit_changed",
            f"{path}.unit",
            old.unit,
            new.unit,
            f"unit of {name} changed from {old.unit} to {new.unit}",
        )
    yield from _value_type(path, old, new)
    yield from _boundaries(path, old, new)


def _stability(what: str, path: str, name: str, old: str, new: str) -> Iterator[Change]:
    if old == new:
        return
    kind = f"{what}.stabilized" if new == "stable" else f"{what}.destabilized"
    yield _change(kind, f"{path}.stability", old, new, f"{what} {name} is now {new}, was {old}")


def _deprecation(
    what: str, path: str, name: str, old: Deprecation | None, new: Deprecation | None
) -> Iterator[Change]:
    if old == new:
        return
    before, after = _deprecation_text(old), _deprecation_text(new)
    where = f"{path}.deprecated"
    if old is None:
        yield _change(
            f"{what}.deprecated", where, None, after, f"{what} {name} deprecated: {after}"
        )
    elif new is None:
        yield _change(
            f"{what}.undeprecated", where, before, None, f"{what} {name} no longer deprecated"
        )
    else:
        yield _change(
            f"{what}.deprecation_changed",
            where,
            before,
            after,
            f"deprecation of {what} {name} changed",
        )
