"""The well-formed part of a catalog that breaks the format, for the meaning checks.

A structural error used to hide every semantic one until it was fixed, so a catalog with
three problems took three runs. Instead, each structural error cuts out the smallest unit
that holds it: an attribute definition, an event, one attribute reference of an event or
of the common group, a toggle, a span. What is left is checked against the format again; when it
passes, the meaning checks run on it and their errors are reported with the structural
ones, at the original lines and paths.

Cutting must not invent errors: a reference to an attribute, toggle or event whose
definition was cut is not "undefined", so the names the cut parts defined are passed on
as `Absent` and lookups of them stay silent. Errors at the top level (a missing
`events`, `attributes` that is not a list, a bad namespace) leave nothing to salvage.
"""

from __future__ import annotations

import dataclasses
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
    spans: frozenset[str] = frozenset()
    any_attribute: bool = False
    any_toggle: bool = False
    any_event: bool = False
    any_span: bool = False
    #: The metrics are cut whole (any error in one cuts the `metrics` key).
    any_metric: bool = False

    def attribute(self, key: object) -> bool:
        return self.any_attribute or key in self.attributes

    def toggle(self, name: object) -> bool:
        return self.any_toggle or name in self.toggles

    def event(self, name: object) -> bool:
        return self.any_event or name in self.events

    def span(self, span_id: object) -> bool:
        return self.any_span or span_id in self.spans

    def metric(self, name: object) -> bool:
        return self.any_metric


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
    spans: set[int] = field(default_factory=set)
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
    #: New path prefix of each kept list item -> its prefix in the original document.
    _originals: Mapping[DocPath, DocPath]

    def original(self, diagnostic: Diagnostic) -> Diagnostic:
        """`diagnostic` (about the salvaged document) with the original document's path."""
        path = _renamed(diagnostic.path, self._originals) or diagnostic.path
        return dataclasses.replace(diagnostic, path=path)


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
    pruned, moves = _prune(doc, cuts)
    if pruned is None:
        return None
    return Salvage(
        source=Source(
            source.file,
            pruned,
            _moved(source.value_marks, moves),
            _moved(source.key_marks, moves),
        ),
        absent=_absent(doc, cuts),
        emptied=frozenset(
            (key,) for key in ("attributes", "events") if doc.get(key) and not pruned[key]
        ),
        _originals={new: old for old, new in moves.items()},
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
    elif top == "spans" and isinstance(index, int):
        cuts.spans.add(index)  # a span is one unit: its references name nothing others use
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
) -> tuple[dict[Any, Any] | None, dict[DocPath, DocPath]]:
    """The document without the cut units, and the new path prefix of each kept list item
    (keyed by its original prefix)."""
    moves: dict[DocPath, DocPath] = {}

    def keep(
        items: list[Any], dropped: set[int], prefix: DocPath, new_prefix: DocPath
    ) -> list[Any]:
        kept = [index for index in range(len(items)) if index not in dropped]
        for new, old in enumerate(kept):
            old_path: DocPath = (*prefix, old)
            moves[old_path] = (*new_prefix, new)
        return [items[index] for index in kept]

    # YAML allows any key type: an integer key at the top level is a key to cut too.
    pruned: dict[Any, Any] = {k: v for k, v in doc.items() if k not in cuts.top_keys}
    if "catalog_version" in cuts.top_keys:
        pruned["catalog_version"] = "0.0.0"  # any valid version: nothing checks it
    attributes, events = doc.get("attributes"), doc.get("events")
    if not isinstance(attributes, list) or not isinstance(events, list):
        return None, moves
    pruned["attributes"] = keep(attributes, cuts.attributes, ("attributes",), ("attributes",))
    pruned["events"] = keep(events, cuts.events, ("events",), ("events",))
    for old, event in enumerate(events):
        if ("events", old) in moves and isinstance(event, dict):
            uses = event.get("attributes")
            if isinstance(uses, list):
                new = moves[("events", old)]
                dropped = cuts.event_uses.get(old, set())
                kept_uses = keep(uses, dropped, ("events", old, "attributes"), (*new, "attributes"))
                pruned["events"][new[1]] = {**event, "attributes": kept_uses}
    spans = pruned.get("spans")
    if isinstance(spans, list) and cuts.spans:
        pruned["spans"] = keep(spans, cuts.spans, ("spans",), ("spans",))
    elif isinstance(spans, list):
        keep(spans, set(), ("spans",), ("spans",))
    common = doc.get("common")
    if cuts.common:
        pruned.pop("common", None)
    elif isinstance(common, dict) and isinstance(common.get("attributes"), list):
        prefix: DocPath = ("common", "attributes")
        kept_keys = {k: v for k, v in common.items() if k not in cuts.common_keys}
        uses = keep(common["attributes"], cuts.common_uses, prefix, prefix)
        pruned["common"] = {**kept_keys, "attributes": uses}
    toggles = doc.get("toggles")
    if cuts.all_toggles:
        pruned.pop("toggles", None)
    elif isinstance(toggles, dict) and cuts.toggles:
        pruned["toggles"] = {k: v for k, v in toggles.items() if k not in cuts.toggles}
    return pruned, moves


def _absent(doc: Mapping[str, Any], cuts: _Cuts) -> Absent:
    """The names the cut units defined (or that a name of some kind was unreadable)."""
    attribute_keys, any_attribute = _names(doc.get("attributes"), cuts.attributes, "key")
    event_names, any_event = _names(doc.get("events"), cuts.events, "name")
    span_ids, any_span = _names(doc.get("spans"), cuts.spans, "id")
    return Absent(
        attributes=frozenset(attribute_keys),
        toggles=frozenset(cuts.toggles),
        events=frozenset(event_names),
        spans=frozenset(span_ids),
        any_attribute=any_attribute,
        any_toggle=cuts.all_toggles,
        any_event=any_event,
        any_span=any_span or "spans" in cuts.top_keys,
        any_metric="metrics" in cuts.top_keys,
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
    moved = _renamed(path, moves)
    if moved is not None:
        return moved
    in_a_list = path[:1] in (("attributes",), ("events",), ("spans",)) and len(path) >= 2
    if in_a_list or (path[:2] == ("common", "attributes") and len(path) >= 3):
        return None
    return path


def _renamed(path: DocPath, prefixes: Mapping[DocPath, DocPath]) -> DocPath | None:
    """`path` with its longest prefix that `prefixes` maps replaced; None when no prefix is
    mapped, or when only an event is, and the path lies in one of its (cut) references."""
    for length in (4, 3, 2):
        target = prefixes.get(path[:length])
        if target is not None:
            in_a_use = len(path) >= 4 and path[0] == "events" and path[2] == "attributes"
            return None if length == 2 and in_a_use else (*target, *path[length:])
    return None
