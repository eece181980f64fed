"""The well-formed part of a catalog that breaks the format, for the meaning checks.

A structural error used to hide every semantic one until it was fixed, so a catalog with
three problems took three runs. Instead, each structural error cuts out the smallest unit
that holds it: an attribute definition, an event, one attribute reference of an event or
of the common group, a toggle. What is left is checked against the format again; when it
passes, the meaning checks run on it and their errors are reported with the structural
ones, at the original lines and paths.

Cutting must not invent errors: a reference to an attribute, toggle or event whose
definition was cut is not "undefined", so the names the cut parts defined are passed on
as `Absent` and lookups of them stay silent. Errors at the top level (a missing
`events`, `attributes` that is not a list, a bad namespace) leave nothing to salvage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import Diagnostic, DocPath
from .source import Source


@dataclass(frozen=True)
class Absent:
    """Names defined by parts of the document that were cut for breaking the format.

    `any_*` is set when a cut part's name itself was unreadable: then no name of that kind
    may be called undefined."""

    attributes: frozenset[str] = frozenset()
    toggles: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()
    any_attribute: bool = False
    any_toggle: bool = False
    any_event: bool = False

    def attribute(self, key: object) -> bool:
        return self.any_attribute or key in self.attributes

    def toggle(self, name: object) -> bool:
        return self.any_toggle or name in self.toggles

    def event(self, name: object) -> bool:
        return self.any_event or name in self.events


@dataclass
class _Cuts:
    attributes: set[int] = field(default_factory=set)
    events: set[int] = field(default_factory=set)
    event_uses: dict[int, set[int]] = field(default_factory=dict)
    common_uses: set[int] = field(default_factory=set)
    common: bool = False
    common_keys: set[str | int] = field(default_factory=set)
    toggles: set[str] = field(default_factory=set)
    all_toggles: bool = False
    top_keys: set[str | int] = field(default_factory=set)


#: Top-level keys the meaning checks need whole.
_VITAL_KEYS = {"attributes", "events", "namespace"}


@dataclass(frozen=True)
class Salvage:
    """`source` holds the well-formed part, with the original positions."""

    source: Source
    absent: Absent
    #: Lists that cutting emptied: an error that they are empty is the cutting's own.
    emptied: frozenset[DocPath]
    _attributes: tuple[int, ...]
    _events: tuple[int, ...]
    _event_uses: Mapping[int, tuple[int, ...]]
    _common_uses: tuple[int, ...]

    def original(self, diagnostic: Diagnostic) -> Diagnostic:
        """`diagnostic` (about the salvaged document) with the original document's path."""
        return Diagnostic(
            diagnostic.file,
            diagnostic.line,
            diagnostic.column,
            self._to_original(diagnostic.path),
            diagnostic.message,
            diagnostic.hint,
        )

    def _to_original(self, path: DocPath) -> DocPath:
        head, rest = path[:2], path[2:]
        if len(head) == 2 and head[0] == "attributes" and isinstance(head[1], int):
            return ("attributes", self._attributes[head[1]], *rest)
        if len(head) == 2 and head[0] == "events" and isinstance(head[1], int):
            event = self._events[head[1]]
            if len(rest) >= 2 and rest[0] == "attributes" and isinstance(rest[1], int):
                return ("events", event, "attributes", self._event_uses[event][rest[1]], *rest[2:])
            return ("events", event, *rest)
        if path[:2] == ("common", "attributes") and len(path) > 2 and isinstance(path[2], int):
            return ("common", "attributes", self._common_uses[path[2]], *path[3:])
        return path


def salvage(source: Source, errors: Iterable[Diagnostic]) -> Salvage | None:
    """The document without the units that hold `errors`, or None when nothing is left
    that the meaning checks could trust."""
    doc = source.data
    if not isinstance(doc, dict):
        return None
    cuts = _Cuts()
    for error in errors:
        if not _cut(cuts, error.path):
            return None
    pruned, kept = _prune(doc, cuts)
    if pruned is None:
        return None
    absent = _absent(doc, cuts)
    kept_attributes, kept_events, kept_event_uses, kept_common = kept
    old_to_new = _renumbering(kept_attributes, kept_events, kept_event_uses, kept_common)
    return Salvage(
        source=Source(
            source.file,
            pruned,
            _moved(source.value_marks, old_to_new),
            _moved(source.key_marks, old_to_new),
        ),
        absent=absent,
        emptied=frozenset(
            path
            for path, kept_items, items in (
                (("attributes",), kept_attributes, doc.get("attributes")),
                (("events",), kept_events, doc.get("events")),
            )
            if items and not kept_items
        ),
        _attributes=kept_attributes,
        _events=kept_events,
        _event_uses=kept_event_uses,
        _common_uses=kept_common,
    )


def _cut(cuts: _Cuts, path: DocPath) -> bool:
    """Mark the unit holding `path` for cutting; False when the error is not in a unit."""
    if not path:
        return False  # a required top-level key is missing, or the root is wrong
    top, index = path[0], path[1] if len(path) > 1 else None
    if top == "attributes" and isinstance(index, int):
        cuts.attributes.add(index)
    elif top == "events" and isinstance(index, int):
        if len(path) >= 4 and path[2] == "attributes" and isinstance(path[3], int):
            cuts.event_uses.setdefault(index, set()).add(path[3])
        else:
            cuts.events.add(index)
    elif top in _VITAL_KEYS:
        return False
    elif top == "common":
        if index == "attributes" and len(path) >= 3 and isinstance(path[2], int):
            cuts.common_uses.add(path[2])
        elif index is not None and index != "attributes":
            cuts.common_keys.add(index)  # its description, or a key it may not have
        else:
            cuts.common = True
    elif top == "toggles":
        if isinstance(index, str):
            cuts.toggles.add(index)
        else:
            cuts.all_toggles = True
    else:
        # The version and description only label the output; an unknown key goes alone.
        cuts.top_keys.add(top)
    return True


def _prune(
    doc: Mapping[str, Any], cuts: _Cuts
) -> tuple[
    dict[str, Any] | None,
    tuple[tuple[int, ...], tuple[int, ...], dict[int, tuple[int, ...]], tuple[int, ...]],
]:
    # YAML allows any key type: an integer key at the top level is a key to cut too.
    pruned: dict[Any, Any] = {k: v for k, v in doc.items() if k not in cuts.top_keys}
    if "catalog_version" in cuts.top_keys:
        pruned["catalog_version"] = "0.0.0"  # any valid version: nothing checks it
    attributes, events = doc.get("attributes"), doc.get("events")
    if not isinstance(attributes, list) or not isinstance(events, list):
        return None, ((), (), {}, ())
    kept_attributes = tuple(i for i in range(len(attributes)) if i not in cuts.attributes)
    pruned["attributes"] = [attributes[i] for i in kept_attributes]
    kept_events = tuple(i for i in range(len(events)) if i not in cuts.events)
    kept_event_uses: dict[int, tuple[int, ...]] = {}
    new_events = []
    for index in kept_events:
        event = events[index]
        dropped = cuts.event_uses.get(index, set())
        if dropped and isinstance(event, dict) and isinstance(event.get("attributes"), list):
            uses = event["attributes"]
            kept_event_uses[index] = tuple(i for i in range(len(uses)) if i not in dropped)
            event = {**event, "attributes": [uses[i] for i in kept_event_uses[index]]}
        elif isinstance(event, dict) and isinstance(event.get("attributes"), list):
            kept_event_uses[index] = tuple(range(len(event["attributes"])))
        new_events.append(event)
    pruned["events"] = new_events
    kept_common: tuple[int, ...] = ()
    common = doc.get("common")
    if cuts.common:
        pruned.pop("common", None)
    elif isinstance(common, dict) and isinstance(common.get("attributes"), list):
        uses = common["attributes"]
        kept_common = tuple(i for i in range(len(uses)) if i not in cuts.common_uses)
        kept_keys = {k: v for k, v in common.items() if k not in cuts.common_keys}
        pruned["common"] = {**kept_keys, "attributes": [uses[i] for i in kept_common]}
    toggles = doc.get("toggles")
    if cuts.all_toggles:
        pruned.pop("toggles", None)
    elif isinstance(toggles, dict) and cuts.toggles:
        pruned["toggles"] = {k: v for k, v in toggles.items() if k not in cuts.toggles}
    return pruned, (kept_attributes, kept_events, kept_event_uses, kept_common)


def _absent(doc: Mapping[str, Any], cuts: _Cuts) -> Absent:
    """The names the cut units defined (or that a name of some kind was unreadable)."""
    attribute_keys, any_attribute = _names(doc.get("attributes"), cuts.attributes, "key")
    event_names, any_event = _names(doc.get("events"), cuts.events, "name")
    return Absent(
        attributes=frozenset(attribute_keys),
        toggles=frozenset(cuts.toggles),
        events=frozenset(event_names),
        any_attribute=any_attribute,
        any_toggle=cuts.all_toggles,
        any_event=any_event,
    )


def _names(items: object, indexes: Iterable[int], field_name: str) -> tuple[set[str], bool]:
    """The `field_name` of each cut item, and whether one of them had none readable."""
    names: set[str] = set()
    unreadable = False
    for index in indexes:
        item = items[index] if isinstance(items, list) and index < len(items) else None
        name = item.get(field_name) if isinstance(item, dict) else None
        if isinstance(name, str):
            names.add(name)
        else:
            unreadable = True
    return names, unreadable


def _renumbering(
    attributes: tuple[int, ...],
    events: tuple[int, ...],
    event_uses: Mapping[int, tuple[int, ...]],
    common_uses: tuple[int, ...],
) -> dict[DocPath, DocPath]:
    """Old path prefix -> new path prefix, for every unit that was kept."""
    moves: dict[DocPath, DocPath] = {}
    for new, old in enumerate(attributes):
        moves[("attributes", old)] = ("attributes", new)
    for new, old in enumerate(events):
        moves[("events", old)] = ("events", new)
        for new_use, old_use in enumerate(event_uses.get(old, ())):
            moves[("events", old, "attributes", old_use)] = ("events", new, "attributes", new_use)
    for new, old in enumerate(common_uses):
        moves[("common", "attributes", old)] = ("common", "attributes", new)
    return moves


def _moved(
    marks: Mapping[DocPath, tuple[int, int]], moves: Mapping[DocPath, DocPath]
) -> dict[DocPath, tuple[int, int]]:
    """The marks of the kept units under their new paths (cut units' marks are dropped)."""
    out: dict[DocPath, tuple[int, int]] = {}
    for path, mark in marks.items():
        new_path = _move(path, moves)
        if new_path is not None:
            out[new_path] = mark
    return out


def _move(path: DocPath, moves: Mapping[DocPath, DocPath]) -> DocPath | None:
    """`path` in the salvaged document; None when it lies in a unit that was cut."""
    is_use = len(path) >= 4 and path[0] == "events" and path[2] == "attributes"
    for length in (4, 3, 2):
        prefix = path[:length]
        if prefix in moves:
            if length == 2 and is_use:
                return None  # a cut reference of a kept event
            return (*moves[prefix], *path[length:])
    in_a_list = path[:1] in (("attributes",), ("events",)) and len(path) >= 2
    if in_a_list or (path[:2] == ("common", "attributes") and len(path) >= 3):
        return None
    return path
