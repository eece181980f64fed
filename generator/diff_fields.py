"""The field-by-field comparisons `diff` makes of one attribute, enum or metric, each
yielding the changes of one kind of field (type, members, requirement, bounds, cap,
redaction and its off-mode, sensitivity class, dual emission, stability, deprecation, a
metric's value type and buckets, a span's name, kind, parents and expectations, and when a
span attribute is known and its fixed value).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence, Set

from .diff_rules import Change, Value
from .diff_rules import change as _change
from .model import (
    OFF_MODES,
    SENSITIVITIES,
    Attribute,
    AttributeType,
    Deprecation,
    EnumMember,
    Metric,
    Span,
)
from .renames import match

# --- values as JSON ------------------------------------------------------------------------


def json_value(value: object) -> Value:
    """A model value as JSON: tuples as lists; anything else as it is."""
    if isinstance(value, (tuple, list)):
        return [json_value(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"no JSON value for {type(value).__name__}")


def strict_key(value: object) -> str:
    """A comparison key that tells `True` from `1` and `1` from `1.0` (Python's == does not)."""
    return json.dumps(value, sort_keys=True, default=repr)


def same_examples(old: Sequence[Attribute], new: Sequence[Attribute]) -> bool:
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


def _deprecation_text(deprecation: Deprecation | None) -> str | None:
    if deprecation is None:
        return None
    text = deprecation.note
    if deprecation.replacement:
        text += f" (replacement: {deprecation.replacement})"
    return text


def _bounds(attribute: Attribute) -> list[Value]:
    return [attribute.minimum, attribute.maximum]


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
    if strict_key([float(b) for b in before]) == strict_key([float(b) for b in after]):
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
        None if old.boundaries is None else json_value(old.boundaries),
        None if new.boundaries is None else json_value(new.boundaries),
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


def type_changes(path: str, key: str, old: AttributeType, new: AttributeType) -> Iterator[Change]:
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
    old_by_value = {strict_key(m.value): m for m in old}
    new_by_value = {strict_key(m.value): m for m in new}
    # The evidence of a rename (of the value): a member's name kept under a new value.
    came_by_name = {m.name: v for v, m in new_by_value.items() if v not in old_by_value}
    matching = match(
        old_by_value,
        new_by_value,
        (
            (value, came_by_name[member.name])
            for value, member in old_by_value.items()
            if value not in new_by_value and member.name in came_by_name
        ),
    )
    moved_to = matching.renamed_to
    moved_targets = set(moved_to.values())
    for value, member in new_by_value.items():
        before = old_by_value.get(value)
        where = f"{path}[{member.value}]"
        if before is None:
            if value not in moved_targets:
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
    for value, member in old_by_value.items():
        if value in new_by_value:
            continue
        where = f"{path}[{member.value}]"
        if value in moved_to:
            after = new_by_value[moved_to[value]]
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


def requirement_changes(path: str, key: str, old: Attribute, new: Attribute) -> Iterator[Change]:
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


def bounds_changes(path: str, key: str, old: Attribute, new: Attribute) -> Iterator[Change]:
    if strict_key(_bounds(old)) == strict_key(_bounds(new)):
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


def max_length_changes(path: str, key: str, old: int | None, new: int | None) -> Iterator[Change]:
    if old == new:
        return
    lowered = new is not None and (old is None or new < old)
    kind = "attribute.max_length_lowered" if lowered else "attribute.max_length_raised"
    before = "no cap" if old is None else f"{old} characters"
    after = "no cap" if new is None else f"{new} characters"
    yield _change(
        kind, f"{path}.max_length", old, new, f"cap of {key} changed from {before} to {after}"
    )


def redaction_changes(
    path: str, key: str, old: Attribute, new: Attribute, fresh_toggles: Set[str] = frozenset()
) -> Iterator[Change]:
    """`fresh_toggles`: toggles the new catalog adds that default on (a policy under one
    changes nothing on the wire until a user turns it off)."""
    where = f"{path}.redact"
    before, after = old.redact, new.redact
    if before is None and after is not None and after.toggle in fresh_toggles:
        yield _change(
            "attribute.redaction_added_under_new_toggle",
            where,
            None,
            after.toggle,
            f"{key} is now governed by the new toggle {after.toggle}, which defaults on: "
            f"sent as before unless a user turns it off",
        )
    elif before is None and after is not None:
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
        if before.mode != after.mode:
            loosened = OFF_MODES.index(after.mode) > OFF_MODES.index(before.mode)
            yield _change(
                "attribute.off_mode_loosened" if loosened else "attribute.off_mode_tightened",
                f"{where}.mode",
                before.mode,
                after.mode,
                f"with {after.toggle} off, {key} is now sent as {after.mode}, not {before.mode}"
                + (" (privacy regression)" if loosened else ""),
            )


def sensitivity_changes(path: str, key: str, old: Attribute, new: Attribute) -> Iterator[Change]:
    """A class moved down the order content > identifier > metadata (loosened: its values
    are no longer treated as that sensitive) or up it (tightened)."""
    if old.sensitivity == new.sensitivity:
        return
    lowered = SENSITIVITIES.index(new.sensitivity) > SENSITIVITIES.index(old.sensitivity)
    yield _change(
        "attribute.sensitivity_lowered" if lowered else "attribute.sensitivity_raised",
        f"{path}.sensitivity",
        old.sensitivity,
        new.sensitivity,
        f"{key} is now classed {new.sensitivity}, not {old.sensitivity}"
        + (" (privacy regression)" if lowered else ""),
    )


def dual_emission_changes(
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


def metric_changes(path: str, old: Metric, new: Metric) -> Iterator[Change]:
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


def stability_changes(what: str, path: str, name: str, old: str, new: str) -> Iterator[Change]:
    if old == new:
        return
    kind = f"{what}.stabilized" if new == "stable" else f"{what}.destabilized"
    yield _change(kind, f"{path}.stability", old, new, f"{what} {name} is now {new}, was {old}")


def deprecation_changes(
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


def span_changes(path: str, old: Span, new: Span) -> Iterator[Change]:
    """What a span's own fields say: its wire name, kind, parents, root, and the events
    and metrics expected inside it."""
    span_id = new.id
    if old.name != new.name:
        message = f"wire name of span {span_id} changed from {old.name!r} to {new.name!r}"
        yield _change("span.name_changed", f"{path}.name", old.name, new.name, message)
    if old.kind != new.kind:
        message = f"kind of span {span_id} changed from {old.kind} to {new.kind}"
        yield _change("span.kind_changed", f"{path}.kind", old.kind, new.kind, message)
    gone: list[Value] = [p for p in old.parents if p not in new.parents]
    came: list[Value] = [p for p in new.parents if p not in old.parents]
    if gone:
        message = f"span {span_id} may no longer start under {', '.join(map(str, gone))}"
        yield _change("span.parents_narrowed", f"{path}.parents", gone, None, message)
    if came:
        message = f"span {span_id} may now start under {', '.join(map(str, came))}"
        yield _change("span.parents_widened", f"{path}.parents", None, came, message)
    if old.root != new.root:
        kind = "span.root_allowed" if new.root else "span.root_disallowed"
        what = "may now" if new.root else "may no longer"
        message = f"span {span_id} {what} start with no catalog span above it"
        yield _change(kind, f"{path}.root", old.root, new.root, message)
    for field, before, after in (
        ("events", old.events, new.events),
        ("metrics", old.metrics, new.metrics),
    ):
        if set(before) != set(after):
            message = f"{field} expected inside span {span_id} changed"
            listed: tuple[list[Value], list[Value]] = ([*sorted(before)], [*sorted(after)])
            yield _change(f"span.{field}_changed", f"{path}.{field}", *listed, message)


def span_attribute_changes(path: str, key: str, old: Attribute, new: Attribute) -> Iterator[Change]:
    """When a span attribute is known, and its fixed value (a value that stops or starts
    being fixed is a change of `computed`, reported by the caller)."""
    if old.known != new.known:
        yield _change(
            "attribute.known_changed",
            f"{path}.known",
            old.known,
            new.known,
            f"{key} is now known at {new.known}, was at {old.known}",
        )
    if old.computed == new.computed == "fixed" and strict_key(old.fixed) != strict_key(new.fixed):
        yield _change(
            "attribute.value_changed",
            f"{path}.value",
            old.fixed,
            new.fixed,
            f"fixed value of {key} changed from {old.fixed!r} to {new.fixed!r}",
        )
