"""Properties of `diff` on catalogs Hypothesis builds (the catalog fuzz's strategies).

- A catalog compared with itself, reordered and reformatted, gives no change.
- Nothing is missed and nothing is invented: `diff(A, B)` is empty exactly when the two
  resolved catalogs are equal once order is ignored, and every change is a row of the
  classification table with that row's severity and audiences, for edits of every field
  (the semantic mutations below) and for every mutation the catalog fuzz makes that
  leaves a valid catalog.
- `diff(A, B)` and `diff(B, A)` mirror each other: what one adds, the other removes.
- The outputs never crash on hostile catalog text (lone surrogates, control characters).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import random
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from codex_otel.cli.diff_output import as_json, as_markdown, as_text
from codex_otel.generator import CatalogError, load_catalog_text
from codex_otel.generator.diff import RULES, Change, diff_catalogs
from codex_otel.generator.model import Catalog
from codex_otel.generator.semver import gate
from support.catalog_documents import (
    INSTRUMENTS,
    SCALAR_TYPES,
    SPAN_KINDS,
    STABILITIES,
    UNITS,
    catalogs,
    chance,
    dotted_names,
    dump,
    enum_types,
    histogram_boundaries,
    low_cardinality,
    metric_bodies,
    mutate,
    python_names,
    requirements,
    span_bodies,
    texts,
)

pytestmark = pytest.mark.slow

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

Doc = dict[str, Any]


def load(doc: Doc, draw: st.DrawFn, name: str) -> Catalog | None:
    try:
        return load_catalog_text(dump(doc, draw), name)
    except CatalogError:
        return None


# --- the resolved catalog, order ignored -------------------------------------------------


def canonical(value: Any) -> Any:
    """`value` (a model object) as plain data in which order does not count.

    Left out: the file name and the version (the gate compares versions, not `diff`),
    and `Attribute.replaces` (which deprecated, unused definitions name an attribute as
    their replacement: it shapes nothing generated, only how `diff` names a rename).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = []
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.name in ("file_name", "version", "replaces"):
                continue
            if field.name == "examples":  # True, 1 and 1.0 are different examples
                fields.append((field.name, json.dumps(item, sort_keys=True, default=repr)))
            else:
                fields.append((field.name, canonical(item)))
        return tuple(fields)
    if isinstance(value, tuple):
        items = [canonical(item) for item in value]
        return tuple(sorted(items, key=repr))
    return value


# --- edits of every field of a valid catalog ----------------------------------------------


def _refs(doc: Doc) -> list[Doc]:
    groups = [e["attributes"] for e in doc["events"]]
    if doc.get("common"):
        groups.append(doc["common"]["attributes"])
    groups += [m["attributes"] for m in doc.get("metrics") or []]
    return [ref for group in groups for ref in group]


METRIC_EDITS = [
    "drop_metric",
    "add_metric",
    "rename_metric",
    "instrument",
    "unit",
    "value_type",
    "boundaries",
    "deprecate_metric",
    "metric_ref",
    "metric_keys",
]


def _edit_metric(draw: st.DrawFn, doc: Doc, kind: str) -> None:
    """An edit of the metrics or of `common.metric_attributes`."""
    metrics: list[Doc] = doc.setdefault("metrics", [])
    low = [b for b in doc["attributes"] if low_cardinality(b)]
    taken = set((doc.get("common") or {}).get("metric_attributes") or [])
    if kind == "add_metric" or not metrics:
        name = draw(dotted_names(tricky=False)) + f"_m{len(metrics) + 10}"
        names = [m["name"] for m in metrics] + [name]
        metrics.append(draw(metric_bodies(name, low, taken, names, tricky=False)))
        return
    metric = draw(st.sampled_from(metrics))
    if kind == "drop_metric":
        metrics.remove(metric)
    elif kind == "rename_metric":
        metric["name"] = draw(dotted_names(tricky=False)) + "_renamed"
    elif kind == "instrument":
        metric["instrument"] = draw(st.sampled_from(INSTRUMENTS))
        if metric["instrument"] != "histogram":
            metric.pop("boundaries", None)
    elif kind == "unit":
        metric["unit"] = draw(st.sampled_from(UNITS))
    elif kind == "value_type":
        metric["value_type"] = "double" if metric.get("value_type", "int") == "int" else "int"
    elif kind == "boundaries" and metric["instrument"] == "histogram":
        if "boundaries" in metric and chance(draw, 3):
            del metric["boundaries"]
        else:
            metric["boundaries"] = draw(histogram_boundaries())
    elif kind == "deprecate_metric":
        if "deprecated" in metric and chance(draw, 2):
            del metric["deprecated"]
        else:
            metric["deprecated"] = {"note": draw(texts)}
            if chance(draw, 2):
                metric["deprecated"]["replacement"] = draw(st.sampled_from(metrics))["name"]
    elif kind == "metric_ref":
        used = {r["ref"] for r in metric["attributes"]} | taken
        free = [b["key"] for b in low if b["key"] not in used]
        if metric["attributes"] and (not free or chance(draw, 2)):
            metric["attributes"].pop(draw(st.integers(0, len(metric["attributes"]) - 1)))
        elif free:
            ref = {"ref": draw(st.sampled_from(free)), "requirement": requirements(draw)}
            metric["attributes"].append(ref)
    elif kind == "metric_keys" and doc.get("common"):
        keys = doc["common"].setdefault("metric_attributes", [])
        metadata = {r["ref"] for r in doc["common"]["attributes"] if "computed" not in r}
        candidates = [b["key"] for b in low if b["key"] in metadata and b["key"] not in keys]
        if keys and (not candidates or chance(draw, 2)):
            keys.pop(draw(st.integers(0, len(keys) - 1)))
        elif candidates:
            key = draw(st.sampled_from(candidates))
            keys.append(key)
            for other in metrics:  # a metric may not use a key every metric carries
                other["attributes"] = [r for r in other["attributes"] if r["ref"] != key]


SPAN_EDITS = [
    "add_span",
    "drop_span",
    "span_name",
    "span_kind",
    "span_parents",
    "span_root",
    "span_known",
    "span_expected",
]


def _edit_span(draw: st.DrawFn, doc: Doc, kind: str) -> None:
    """An edit of the spans (one that makes the catalog invalid is rejected by the caller)."""
    spans: list[Doc] = doc.setdefault("spans", [])
    if kind == "add_span" or not spans:
        metric_names = [m["name"] for m in doc.get("metrics") or []]
        event_names = [e["name"] for e in doc["events"]]
        added = draw(span_bodies(doc["attributes"], event_names, metric_names, tricky=False))[0]
        added["id"] += f"_s{len(spans) + 10}"
        added["python_name"] += f"_{len(spans) + 10}"
        added.pop("parents", None)
        added.pop("root", None)
        spans.append(added)
        return
    span = draw(st.sampled_from(spans))
    ids = [s["id"] for s in spans]
    if kind == "drop_span":
        spans.remove(span)
    elif kind == "span_name":
        span["name"] = draw(st.sampled_from(["renamed", "other " + span["name"]]))
    elif kind == "span_kind":
        span["kind"] = draw(st.sampled_from(SPAN_KINDS))
    elif kind == "span_parents":
        span["parents"] = draw(st.lists(st.sampled_from(ids), unique=True, max_size=2))
    elif kind == "span_root":
        span["root"] = not span.get("root", not span.get("parents"))
    elif kind == "span_known" and span.get("attributes"):
        ref = draw(st.sampled_from(span["attributes"]))
        ref["known"] = "end" if ref.get("known", "start") == "start" else "start"
    elif kind == "span_expected":
        span["events"] = draw(
            st.lists(st.sampled_from([e["name"] for e in doc["events"]]), unique=True, max_size=2)
        )


def _edit(draw: st.DrawFn, doc: Doc) -> None:
    attributes, events = doc["attributes"], doc["events"]
    refs = _refs(doc)
    kind = draw(
        st.sampled_from(
            [
                "drop_event",
                "add_event",
                "rename_event",
                "drop_ref",
                "add_ref",
                "requirement",
                "type",
                "bounds",
                "max_length",
                "redact",
                "toggle",
                "members",
                "python_name",
                "deprecate",
                "stability",
                "text",
                "examples",
                "namespace",
                "rename_key",
                "computed",
                *METRIC_EDITS,
                *SPAN_EDITS,
            ]
        )
    )
    event(f"edit: {kind}")
    if kind in METRIC_EDITS:
        _edit_metric(draw, doc, kind)
        return
    if kind in SPAN_EDITS:
        _edit_span(draw, doc, kind)
        return
    if kind == "drop_event" and len(events) > 1:
        events.pop(draw(st.integers(0, len(events) - 1)))
    elif kind == "add_event":
        keys = [a["key"] for a in attributes]
        chosen = draw(st.lists(st.sampled_from(keys), unique=True, max_size=3)) if keys else []
        events.append(
            {
                "name": draw(dotted_names(tricky=False)),
                "description": draw(texts),
                "attributes": [{"ref": k, "requirement": requirements(draw)} for k in chosen],
            }
        )
    elif kind == "rename_event":
        draw(st.sampled_from(events))["name"] = draw(dotted_names(tricky=False))
    elif kind == "drop_ref" and refs:
        for group in (
            [e["attributes"] for e in events]
            + [doc.get("common", {}).get("attributes", [])]
            + [m["attributes"] for m in doc.get("metrics") or []]
        ):
            if group and chance(draw, 2):
                group.pop(draw(st.integers(0, len(group) - 1)))
                break
    elif kind == "add_ref" and attributes:
        draw(st.sampled_from(events))["attributes"].append(
            {"ref": draw(st.sampled_from(attributes))["key"], "requirement": requirements(draw)}
        )
    elif kind == "requirement" and refs:
        draw(st.sampled_from(refs))["requirement"] = requirements(draw)
    elif kind == "type" and attributes:
        body = draw(st.sampled_from(attributes))
        body["type"] = (
            draw(enum_types()) if chance(draw, 3) else draw(st.sampled_from(SCALAR_TYPES))
        )
        for name in ("examples", "minimum", "maximum", "max_length", "redact"):
            if chance(draw, 2):
                body.pop(name, None)
    elif kind == "bounds" and attributes:
        body = draw(st.sampled_from(attributes))
        for name in ("minimum", "maximum"):
            body.pop(name, None)
            value = draw(st.none() | st.integers(-50, 50))
            if value is not None:
                body[name] = value
    elif kind == "max_length" and attributes:
        body = draw(st.sampled_from(attributes))
        body.pop("max_length", None)
        value = draw(st.none() | st.integers(38, 200))
        if value is not None:
            body["max_length"] = value
    elif kind == "redact" and attributes:
        body = draw(st.sampled_from(attributes))
        toggles = list(doc.get("toggles") or {})
        if "redact" in body and chance(draw, 2):
            del body["redact"]
        elif toggles:
            body["redact"] = {
                "toggle": draw(st.sampled_from(toggles)),
                "placeholder": draw(st.sampled_from(["", "[REDACTED]", "-"])),
            }
    elif kind == "toggle":
        toggles = doc.setdefault("toggles", {})
        if toggles and chance(draw, 2):
            name = draw(st.sampled_from(list(toggles)))
            choice = draw(st.sampled_from(["flip", "remove", "describe"]))
            if choice == "flip":
                toggles[name]["default"] = not toggles[name]["default"]
            elif choice == "remove":
                del toggles[name]
            else:
                toggles[name]["description"] = draw(texts)
        else:
            toggles[draw(python_names(tricky=False))] = {
                "default": draw(st.booleans()),
                "description": "T.",
            }
    elif kind == "members":
        enums = [a for a in attributes if isinstance(a["type"], dict)]
        if enums:
            members = draw(st.sampled_from(enums))["type"]["members"]
            target = draw(st.sampled_from(members))
            choice = draw(st.sampled_from(["add", "remove", "value", "id", "describe"]))
            if choice == "add":
                value = target["value"]
                new_value: Any = value + 1000 if isinstance(value, int) else f"{value}x"
                members.append({"value": new_value, "id": "ADDED", "description": "Added."})
            elif choice == "remove" and len(members) > 1:
                members.remove(target)
            elif choice == "value":
                value = target["value"]
                target["value"] = value - 7 if isinstance(value, int) else f"{value}_v"
                target.setdefault("id", "KEPT")
            elif choice == "id":
                target["id"] = "RENAMED"
            else:
                target["description"] = draw(texts)
    elif kind == "python_name":
        body = (
            draw(st.sampled_from(events + attributes))
            if attributes
            else draw(st.sampled_from(events))
        )
        if "python_name" in body and chance(draw, 2):
            del body["python_name"]
        else:
            body["python_name"] = draw(python_names(tricky=False))
    elif kind == "deprecate":
        body = (
            draw(st.sampled_from(events + attributes))
            if attributes
            else draw(st.sampled_from(events))
        )
        if "deprecated" in body and chance(draw, 2):
            del body["deprecated"]
        else:
            deprecated: Doc = {"note": draw(texts)}
            pool = [e["name"] for e in events] if "name" in body else [a["key"] for a in attributes]
            if chance(draw, 2):
                deprecated["replacement"] = draw(st.sampled_from(pool))
                if "key" in body and chance(draw, 2):
                    # After the catalog's version: an ended window is an error.
                    major = int(doc["catalog_version"].split(".")[0])
                    deprecated["emit_both_until"] = f"{major + draw(st.integers(1, 2))}.0.0"
            body["deprecated"] = deprecated
    elif kind == "stability":
        draw(st.sampled_from(events + attributes))["stability"] = draw(st.sampled_from(STABILITIES))
    elif kind == "text":
        holders = [doc, *events, *attributes, *refs] + (
            [doc["common"]] if doc.get("common") else []
        )
        draw(st.sampled_from(holders))["description"] = draw(texts)
    elif kind == "examples" and attributes:
        body = draw(st.sampled_from(attributes + refs))
        body["examples"] = draw(st.sampled_from([[], [1], [1.0], ["a"], [True], [[1, 2]]]))
    elif kind == "namespace":
        if "namespace" in doc and chance(draw, 2):
            del doc["namespace"]
        else:
            doc["namespace"] = draw(python_names(tricky=False))
    elif kind == "rename_key" and attributes:
        body = draw(st.sampled_from(attributes))
        old, new = body["key"], draw(dotted_names(tricky=False))
        body["key"] = new
        for ref in refs:
            if ref["ref"] == old:
                ref["ref"] = new
        keys = (doc.get("common") or {}).get("metric_attributes") or []
        doc.get("common", {})["metric_attributes"] = [new if k == old else k for k in keys]
        if not keys:
            doc.get("common", {}).pop("metric_attributes", None)
    elif kind == "computed" and doc.get("common", {}).get("attributes"):
        ref = draw(st.sampled_from(doc["common"]["attributes"]))
        if "computed" in ref:
            del ref["computed"]
        else:
            ref.update(computed="timestamp", requirement="required")


@st.composite
def catalog_pairs(draw: st.DrawFn) -> tuple[Catalog, Catalog] | None:
    """A valid catalog and a valid edit of it (or None when either is invalid: rare, and
    `assume`d away). The catalogs avoid tricky names, which the generator's fuzz covers."""
    doc = draw(catalogs(tricky=False))
    old = load(doc, draw, "old.yaml")
    if old is None:
        event("base rejected")
        return None
    edited = copy.deepcopy(doc)
    # Mostly rejected, so rarer than the edits (`chance` would favour it: Hypothesis
    # draws the 0 it tests for far more often than one time in eight).
    if draw(st.sampled_from([False] * 7 + [True])):
        event("fuzz mutation")
        mutate(draw, edited)
    else:
        for _ in range(draw(st.integers(1, 3))):
            _edit(draw, edited)
    new = load(edited, draw, "new.yaml")
    if new is None:
        event("edit rejected")
        return None
    return old, new


def check_classified(changes: list[Change]) -> None:
    for change in changes:
        rule = RULES[change.kind]
        assert (change.severity, change.audiences) == (rule.severity, rule.audiences)
        assert change.message and change.path


def check_outputs(old: Catalog, new: Catalog, changes: list[Change]) -> None:
    result = gate(old.version, new.version, changes)
    as_text(result).encode("utf-8")  # printable: no lone surrogate reaches the terminal
    as_markdown(result)
    report = json.loads(as_json(result))
    assert len(report["changes"]) == len(changes)
    assert report["ok"] is result.ok


# --- the properties -------------------------------------------------------------------------


def shuffled(doc: Doc, seed: int) -> Doc:
    """`doc` with every list and mapping whose order carries no meaning reordered."""
    rng = random.Random(seed)
    doc = copy.deepcopy(doc)
    for group in [doc["attributes"], doc["events"], *(e["attributes"] for e in doc["events"])]:
        rng.shuffle(group)
    if doc.get("common"):
        rng.shuffle(doc["common"]["attributes"])
    for body in doc["attributes"]:
        if isinstance(body["type"], dict):
            rng.shuffle(body["type"]["members"])
    if doc.get("toggles"):
        items = list(doc["toggles"].items())
        rng.shuffle(items)
        doc["toggles"] = dict(items)
    return dict(sorted(doc.items(), key=lambda _: rng.random()))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_catalog_reordered_and_reformatted_has_no_changes(data: st.DataObject) -> None:
    text = dump(data.draw(catalogs(tricky=False)), data.draw)
    try:
        catalog = load_catalog_text(text, "a.yaml")
    except CatalogError:
        event("rejected")
        catalog = None
    assume(catalog is not None)
    assert catalog is not None
    assert diff_catalogs(catalog, catalog) == []
    # Reorder what the YAML parser read (a dump can change text: PyYAML writes some line
    # separators, such as NEL, in a style that reads back as a space).
    reordered = shuffled(yaml.safe_load(text), data.draw(st.integers()))
    other_text = dump(reordered, data.draw)
    if yaml.safe_load(other_text) != reordered:
        event("YAML dump changed the text")
        return
    again = load_catalog_text(other_text, "b.yaml")
    assert diff_catalogs(catalog, again) == []
    assert diff_catalogs(again, catalog) == []


@PROPERTY_SETTINGS
@given(pair=catalog_pairs())
def test_diff_is_empty_exactly_when_the_resolved_catalogs_are_equal(
    pair: tuple[Catalog, Catalog] | None,
) -> None:
    assume(pair is not None)
    assert pair is not None
    old, new = pair
    changes = diff_catalogs(old, new)
    check_classified(changes)
    assert (changes == []) == (canonical(old) == canonical(new)), changes
    check_outputs(old, new, changes)
    for change in changes:
        event(f"kind: {change.kind}")


ADDED = {
    "event.added",
    "attribute.added",
    "attribute.added_required",
    "toggle.added",
    "enum.member_added",
    "metric.added",
    "metric_attribute.added",
    "span.added",
}
REMOVED = {
    "event.removed",
    "attribute.removed",
    "toggle.removed",
    "enum.member_removed",
    "metric.removed",
    "metric_attribute.removed",
    "span.removed",
}


#: A rename of a whole event or metric: the new name is added (its old one stays, deprecated).
RENAMED_ITEMS = {"event.renamed", "metric.renamed"}


def additions(changes: list[Change]) -> set[str]:
    """Paths that `changes` add (a renamed event or attribute adds its new name)."""
    found = {c.path for c in changes if c.kind in ADDED or c.kind in RENAMED_ITEMS}
    for change in changes:
        if change.kind in ("attribute.renamed", "attribute.renamed_dual_emitted"):
            found.add(change.path.removesuffix(f"[{change.old}]") + f"[{change.new}]")
    return found


def removals(changes: list[Change]) -> set[str]:
    """Paths that `changes` remove (a renamed attribute removes its old name)."""
    return {
        c.path
        for c in changes
        if c.kind in REMOVED or c.kind in ("attribute.renamed", "attribute.renamed_dual_emitted")
    }


@PROPERTY_SETTINGS
@given(pair=catalog_pairs())
def test_diff_forward_and_backward_mirror_additions_and_removals(
    pair: tuple[Catalog, Catalog] | None,
) -> None:
    assume(pair is not None)
    assert pair is not None
    old, new = pair
    forward, backward = diff_catalogs(old, new), diff_catalogs(new, old)
    check_classified(backward)
    # An enum member whose value changed under the same Python name is neither.
    assert additions(forward) == removals(backward)
    assert removals(forward) == additions(backward)
    assert (forward == []) == (backward == [])
