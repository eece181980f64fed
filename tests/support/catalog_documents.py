"""Hypothesis strategies for catalog documents: hostile text and names, catalogs that are
valid or nearly so, mutations that break them, and YAML dumps of them.

Shared by the property tests of the generator (tests/properties/test_catalog_fuzz.py)
and of the schema diff (tests/properties/test_diff_properties.py).
"""

from __future__ import annotations

import copy
import datetime
import keyword
import math
import re
from collections.abc import Iterator
from typing import Any, Protocol, TypeVar

import yaml
from hypothesis import event
from hypothesis import strategies as st

from codex_otel.generator import naming

# --- text and names ------------------------------------------------------------------------

#: Pieces of hostile text: Python, Jinja, Markdown, HTML, JSON, YAML and terminal syntax,
#: control characters, Unicode line separators, a lone surrogate and a very long word.
HOSTILE = [
    '"',
    "'",
    '"""',
    "'''",
    '""""',
    "\\",
    '\\"',
    "\\n",
    "\\u2028",
    "{{ catalog }}",
    "{% if x %}",
    "{# c #}",
    "{{",
    "%}",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\r\n",
    "\r",
    "\n",
    "\n\n",
    "\t",
    "\x0b\x0c",
    "\u2028",
    "\u2029",
    "\x85",
    "\ufeff",
    "\u202e",
    "\u200b",
    "\xa0",
    "\U0001f600",
    "\ud800",
    " ",
    "  ",
    "x" * 300,
    "| a | b |",
    "|",
    "</script><script>alert(1)</script>",
    "<!--",
    "-->",
    "&amp;",
    "`",
    "```",
    "# not a comment",
    ": ",
    "- ",
    "&a",
    "*a",
    "!!python/object",
    "${HOME}",
    "%s",
    "{}",
    "\\x00",
    "Args:",
    "null",
    "True",
    ")",
    "#",
]

text_piece = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
#: Catalog text: one to four pieces; never empty (the format wants some text).
texts = st.lists(text_piece, min_size=1, max_size=4).map("".join).filter(bool)

#: Names legal by pattern that Python itself gives a meaning: keywords and builtins.
PYTHON_NAMES = sorted(
    {*(k for k in keyword.kwlist if k.islower()), "match", "case", "type", "print", "list", "id"}
)


def _snake(name: str) -> str:
    """A reserved name as a catalog's `python_name` could spell it: `ClassVar` ->
    `class_var` (an enum class CamelCases it back), `CATALOG_VERSION` -> `catalog_version`."""
    if name.upper() == name:
        return name.lower()
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


#: Names legal by pattern that mean something in the generated module or its imports (as
#: parameters, Metadata fields, emitters, or CamelCased as enum classes), and ambiguous ones.
#: The reserved ones come from the generator's one list, so a helper added to the runtime
#: is drawn here too; sorted, so a failing example replays under any hash seed.
MODULE_NAMES = [
    *sorted({_snake(name) for name in naming.RESERVED}),
    *("l", "i", "o", "post_init", "wire", "recording", "emit", "allows", "computed"),
    *(naming.RECORDER_VALUE, "true", "null", "yes", "on", "z9_"),
    *("x" * 64, "a" * 65),
]
TRICKY_NAMES = PYTHON_NAMES + MODULE_NAMES
plain_names = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)


@st.composite
def python_names(draw: st.DrawFn, tricky: bool = True) -> str:
    """A name; with `tricky`, one in seven is a keyword, a builtin or a name the generated
    module uses (mostly refused), else never one of those."""
    if not tricky:
        return draw(plain_names.filter(lambda name: name not in TRICKY_NAMES))
    which = draw(st.integers(0, 19))
    if which == 0:
        return draw(st.sampled_from(PYTHON_NAMES))
    if which <= 2:
        return draw(st.sampled_from(MODULE_NAMES))
    return draw(plain_names)


@st.composite
def dotted_names(draw: st.DrawFn, tricky: bool = True) -> str:
    return ".".join(draw(st.lists(python_names(tricky), min_size=1, max_size=3)))


SCALAR_TYPES = ["string", "int", "double", "boolean", "string[]", "int[]", "double[]", "boolean[]"]
STABILITIES = ["stable", "development"]


#: The largest cap a drawn value goes past (see `draw_argument`).
MAX_CUT_CAP = 100_000


def chance(draw: st.DrawFn, one_in: int) -> bool:
    return draw(st.integers(0, one_in - 1)) == 0


# --- valid-ish catalogs ----------------------------------------------------------------------


def scalar_values(base: str) -> st.SearchStrategy[Any]:
    return {
        "string": texts,
        "int": st.integers(-(2**62), 2**62),
        "double": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-99, 99)),
        "boolean": st.booleans(),
    }[base]


@st.composite
def enum_types(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 4))
    members = []
    if draw(st.booleans()):
        values: list[Any] = draw(
            st.lists(st.integers(-(2**40), 2**40), min_size=count, max_size=count, unique=True)
        )
    else:
        values = draw(
            st.lists(st.one_of(plain_names, texts), min_size=count, max_size=count, unique=True)
        )
    for index, value in enumerate(values):
        member: dict[str, Any] = {"value": value, "description": draw(texts)}
        if not (isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value)) or chance(
            draw, 3
        ):
            member["id"] = f"M{index}_{draw(st.from_regex(r'[A-Z0-9_]{0,4}', fullmatch=True))}"
        members.append(member)
    return {"members": members, **({"array": True} if chance(draw, 3) else {})}


def example_scalars(base: str, tricky: bool = True) -> st.SearchStrategy[Any]:
    """Values a catalog may give as examples: arguments, plus (`tricky`) YAML's .nan and
    .inf, which are refused."""
    if base == "double" and tricky:
        return st.one_of(scalar_values(base), st.sampled_from([math.nan, math.inf, -math.inf]))
    return scalar_values(base)


def example_for(draw: st.DrawFn, attribute_type: Any, tricky: bool = True) -> Any:
    if isinstance(attribute_type, dict):
        values = st.sampled_from([m["value"] for m in attribute_type["members"]])
        return draw(st.lists(values, max_size=3) if attribute_type.get("array") else values)
    base = attribute_type.removesuffix("[]")
    if attribute_type.endswith("[]"):
        return draw(st.lists(example_scalars(base, tricky), max_size=3))
    return draw(example_scalars(base, tricky))


@st.composite
def attribute_definitions(
    draw: st.DrawFn, key: str, toggles: list[str], tricky: bool = True
) -> dict[str, Any]:
    attribute_type: Any = (
        draw(enum_types()) if chance(draw, 4) else draw(st.sampled_from(SCALAR_TYPES))
    )
    body: dict[str, Any] = {"key": key, "type": attribute_type, "description": draw(texts)}
    if chance(draw, 8):
        body["python_name"] = draw(python_names(tricky))
    if attribute_type in ("int", "double") and chance(draw, 3):
        low = draw(st.none() | st.integers(-1000, 1000))
        high = draw(st.none() | st.integers(low if low is not None else -1000, 2000))
        body.update({k: v for k, v in (("minimum", low), ("maximum", high)) if v is not None})
    if chance(draw, 2):
        examples = [
            example_for(draw, attribute_type, tricky) for _ in range(draw(st.integers(0, 2)))
        ]
        # Within the bounds: an example outside them is a validation error, tested apart.
        body["examples"] = [e for e in examples if within_bounds(e, body)]
    if attribute_type == "string":
        if chance(draw, 2):
            # 38: the format's smallest cap, where the truncation marker always fits.
            body["max_length"] = draw(st.one_of(st.integers(38, 64), st.integers(38, 2**31)))
        if toggles and chance(draw, 2):
            placeholder = draw(st.one_of(st.just(""), texts))
            body["redact"] = {
                "toggle": draw(st.sampled_from(toggles)),
                # A placeholder is sent uncut, so it may not be longer than the cap.
                "placeholder": placeholder[: body.get("max_length", len(placeholder))],
            }
    if chance(draw, 3):
        body["stability"] = draw(st.sampled_from(STABILITIES))
    if chance(draw, 6):
        body["deprecated"] = {"note": draw(texts)}
    if attribute_type in ("string", "string[]", "double") and chance(draw, 3):
        body["cardinality"] = "low"  # metrics may then carry it (schema/FORMAT.md)
    return body


def low_cardinality(body: dict[str, Any]) -> bool:
    """Whether a metric may carry the attribute `body` defines (schema/FORMAT.md)."""
    if body.get("redact"):
        return False
    attribute_type = body["type"]
    if body.get("cardinality") == "low" or isinstance(attribute_type, dict):
        return True
    if attribute_type == "boolean":
        return True
    return attribute_type == "int" and "minimum" in body and "maximum" in body


INSTRUMENTS = ["counter", "updowncounter", "histogram", "gauge"]
UNITS = ["1", "ms", "s", "By", "%", "{token}", "By/s"]


@st.composite
def histogram_boundaries(draw: st.DrawFn) -> list[Any]:
    values = draw(st.lists(st.integers(-100, 10_000), min_size=1, max_size=5, unique=True))
    return sorted(values)


@st.composite
def metric_bodies(  # noqa: PLR0917
    draw: st.DrawFn,
    name: str,
    low: list[dict[str, Any]],
    taken: set[str],
    names: list[str],
    tricky: bool = True,
) -> dict[str, Any]:
    """One metric: an instrument, a unit, a value type, boundaries for some histograms,
    refs to low-cardinality attributes (not in `taken`: the metric keys), a deprecation."""
    body: dict[str, Any] = {
        "name": name,
        "instrument": draw(st.sampled_from(INSTRUMENTS)),
        "unit": draw(st.sampled_from(UNITS)),
        "description": draw(texts),
        "attributes": [],
    }
    if chance(draw, 2):
        body["value_type"] = draw(st.sampled_from(["int", "double"]))
    if body["instrument"] == "histogram" and chance(draw, 2):
        body["boundaries"] = draw(histogram_boundaries())
    if chance(draw, 8):
        # Without `tricky`, the metric's name in it: no two recorders share a name.
        suffix = "" if tricky else "_" + name.replace(".", "_")
        body["python_name"] = "record_" + draw(python_names(tricky)) + suffix
    if chance(draw, 3):
        body["stability"] = draw(st.sampled_from(STABILITIES))
    if chance(draw, 5):
        body["deprecated"] = {"note": draw(texts)}
        if chance(draw, 2):
            body["deprecated"]["replacement"] = draw(st.sampled_from(names))
    free = [b for b in low if b["key"] not in taken]
    for definition in (
        draw(st.lists(st.sampled_from(free), unique_by=lambda b: b["key"], max_size=3))
        if free
        else []
    ):
        ref: dict[str, Any] = {"ref": definition["key"], "requirement": requirements(draw)}
        if chance(draw, 4):
            ref["description"] = draw(texts)
        body["attributes"].append(ref)
    return body


def within_bounds(value: Any, body: dict[str, Any]) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return True
    return bool(body.get("minimum", value) <= value <= body.get("maximum", value))


def requirements(draw: st.DrawFn) -> Any:
    return draw(
        st.one_of(
            st.sampled_from(["required", "optional"]),
            st.builds(lambda t: {"conditional": t}, texts),
        )
    )


@st.composite
def catalogs(draw: st.DrawFn, tricky: bool = True) -> dict[str, Any]:
    """A catalog that is valid unless names collide or a tricky name is drawn; without
    `tricky`, no keyword, builtin or name of the generated module is drawn, so nearly
    every catalog is valid (for properties that need valid ones)."""
    doc: dict[str, Any] = {
        "catalog_version": draw(
            st.from_regex(
                r"(0|[1-9][0-9]{0,2})\.(0|[1-9])\.(0|[1-9])(-[0-9A-Za-z.-]{1,6})?", fullmatch=True
            )
        )
    }
    namespace = draw(python_names(tricky)) if chance(draw, 2) else None
    if namespace is not None:
        doc["namespace"] = namespace
    if chance(draw, 2):
        doc["description"] = draw(texts)
    toggle_names = draw(st.lists(python_names(tricky), max_size=3, unique=True))
    if toggle_names or chance(draw, 3):
        doc["toggles"] = {
            name: {"default": draw(st.booleans()), "description": draw(texts)}
            for name in toggle_names
        }
    keys = draw(st.lists(dotted_names(tricky), min_size=0, max_size=7, unique=True))
    if not tricky:  # names that no derived Python name (parameter, enum class) shares
        keys = [f"{key}_k{index}" for index, key in enumerate(keys)]
    definitions = [draw(attribute_definitions(key, toggle_names, tricky)) for key in keys]
    if not tricky:
        for index, body in enumerate(definitions):
            if "python_name" in body:
                body["python_name"] += f"_p{index}"
    for body in definitions:
        if "deprecated" in body and keys and chance(draw, 2):
            body["deprecated"]["replacement"] = draw(st.sampled_from(keys))
    if tricky and definitions and chance(draw, 3):
        # A name that means something in the generated module, where it will be used.
        draw(st.sampled_from(definitions))["python_name"] = draw(st.sampled_from(MODULE_NAMES))
    doc["attributes"] = definitions
    used: set[str] = set()
    if (keys and chance(draw, 3)) or chance(draw, 4):
        allowed = keys if tricky else [b["key"] for b in definitions if "redact" not in b]
        common_keys = (
            draw(st.lists(st.sampled_from(allowed), unique=True, max_size=4)) if allowed else []
        )
        used.update(common_keys)
        refs = []
        for key in common_keys:
            body = next(b for b in definitions if b["key"] == key)
            ref: dict[str, Any] = {"ref": key, "requirement": requirements(draw)}
            if body["type"] == "string" and not body.get("redact") and chance(draw, 3):
                ref["computed"] = "timestamp"
                ref["requirement"] = "required"
            if chance(draw, 4):
                ref["description"] = draw(texts)
            if chance(draw, 4):
                ref["examples"] = [example_for(draw, body["type"], tricky)]
            refs.append(ref)
        doc["common"] = {"attributes": refs}
        if chance(draw, 2):
            doc["common"]["description"] = draw(texts)
        metadata = [
            next(b for b in definitions if b["key"] == r["ref"])
            for r in refs
            if "computed" not in r
        ]
        metric_keys = [b["key"] for b in metadata if low_cardinality(b)]
        if metric_keys and chance(draw, 2):
            doc["common"]["metric_attributes"] = draw(
                st.lists(st.sampled_from(metric_keys), unique=True, min_size=1)
            )
    event_names = draw(st.lists(dotted_names(tricky), min_size=1, max_size=4, unique=True))
    if not tricky:
        event_names = [f"{name}_e{index}" for index, name in enumerate(event_names)]
    if namespace is not None:
        event_names = [f"{namespace}.{name}" if chance(draw, 2) else name for name in event_names]
    events: list[dict[str, Any]] = []
    for name in event_names:
        body = {"name": name, "description": draw(texts), "attributes": []}
        if chance(draw, 6):
            body["python_name"] = draw(
                st.one_of(python_names(), st.sampled_from(MODULE_NAMES))
                if tricky
                else python_names(tricky=False).map(lambda name: f"{name}_f{len(events)}")
            )
        if chance(draw, 3):
            body["stability"] = draw(st.sampled_from(STABILITIES))
        if chance(draw, 5):
            body["deprecated"] = {"note": draw(texts)}
            if chance(draw, 2):
                body["deprecated"]["replacement"] = draw(st.sampled_from(event_names))
        free = [k for k in keys if k not in used]
        for key in draw(st.lists(st.sampled_from(free), unique=True, max_size=5)) if free else []:
            definition = next(b for b in definitions if b["key"] == key)
            ref = {"ref": key, "requirement": requirements(draw)}
            if chance(draw, 4):
                ref["description"] = draw(texts)
            if chance(draw, 5):
                example = example_for(draw, definition["type"], tricky)
                if tricky or within_bounds(example, definition):
                    ref["examples"] = [example]
            if "max_length" in definition and chance(draw, 3):
                placeholder = definition.get("redact", {}).get("placeholder", "")
                ref["max_length"] = max(draw(st.integers(38, 64)), len(placeholder))
            body["attributes"].append(ref)
        events.append(body)
    doc["events"] = events
    if chance(draw, 2):
        metric_names = draw(st.lists(dotted_names(tricky), min_size=1, max_size=3, unique=True))
        if not tricky:
            metric_names = [f"{name}_m{index}" for index, name in enumerate(metric_names)]
        low = [b for b in definitions if low_cardinality(b)]
        taken = set((doc.get("common") or {}).get("metric_attributes") or [])
        doc["metrics"] = [
            draw(metric_bodies(name, low, taken, metric_names, tricky)) for name in metric_names
        ]
    if chance(draw, 2):
        metric_names = [m["name"] for m in doc.get("metrics") or []]
        doc["spans"] = draw(span_bodies(definitions, event_names, metric_names, tricky))
    return doc


SPAN_KINDS = ["internal", "client", "server", "producer", "consumer"]
#: Fixed text of a span name: the format refuses braces and control characters.
span_name_text = st.from_regex(r"[a-z_ .:/-]{0,10}", fullmatch=True)


@st.composite
def span_bodies(
    draw: st.DrawFn,
    definitions: list[dict[str, Any]],
    event_names: list[str],
    metric_names: list[str],
    tricky: bool = True,
) -> list[dict[str, Any]]:
    """1-3 spans over the catalog's attributes, events and metrics; without `tricky`,
    valid ones (no content, placeholders only of start attributes, helper names that
    cannot collide)."""
    ids = draw(st.lists(dotted_names(tricky), min_size=1, max_size=3, unique=True))
    allowed = [b for b in definitions if tricky or not b.get("redact")]
    spans: list[dict[str, Any]] = []
    for index, span_id in enumerate(ids):
        body: dict[str, Any] = {
            "id": span_id,
            "kind": draw(st.sampled_from(SPAN_KINDS)),
            "description": draw(texts),
        }
        if not tricky:
            body["python_name"] = draw(python_names(tricky=False)) + f"_s{index}"
        chosen = (
            draw(st.lists(st.sampled_from(allowed), unique_by=lambda b: b["key"], max_size=4))
            if allowed
            else []
        )
        refs = []
        for definition in chosen:
            ref: dict[str, Any] = {"ref": definition["key"], "requirement": requirements(draw)}
            if chance(draw, 3):
                ref["known"] = draw(st.sampled_from(["start", "end"]))
            if chance(draw, 5):
                ref["description"] = draw(texts)
            refs.append(ref)
        if refs or chance(draw, 2):
            body["attributes"] = refs
        starts = [r["ref"] for r in refs if r.get("known", "start") == "start"]
        keys = starts if not tricky else [b["key"] for b in definitions]
        placeholders = draw(st.lists(st.sampled_from(keys), max_size=2)) if keys else []
        pieces = [draw(span_name_text)] + [f"{{{key}}}" for key in placeholders]
        body["name"] = " ".join(pieces).strip() or "span"
        parents = draw(st.lists(st.sampled_from(ids), unique=True, max_size=2))
        if parents:
            body["parents"] = parents
        if chance(draw, 3) and (parents or tricky):
            body["root"] = draw(st.booleans())
        if chance(draw, 2):
            body["events"] = draw(st.lists(st.sampled_from(event_names), unique=True, max_size=2))
        if metric_names and chance(draw, 2):
            body["metrics"] = draw(st.lists(st.sampled_from(metric_names), unique=True, max_size=2))
        if chance(draw, 4):
            body["stability"] = draw(st.sampled_from(STABILITIES))
        if chance(draw, 6):
            body["deprecated"] = {"note": draw(texts)}
        spans.append(body)
    return spans


# --- mutations -------------------------------------------------------------------------------

#: Values of the wrong kind, including ones YAML has a tag for (dates, binary, NaN).
junk_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    texts,
    st.just(datetime.date(2025, 1, 1)),
    st.just(datetime.datetime(2025, 1, 1, 12, 0, 0)),
    st.just(b"\x00\xff"),
    st.lists(st.one_of(st.integers(), texts, st.just(datetime.date(2025, 1, 1))), max_size=2),
    st.dictionaries(plain_names, st.integers(), max_size=2),
)


def containers(value: Any) -> Iterator[dict[Any, Any] | list[Any]]:
    """Every dict and list inside `value` (itself included), depth first."""
    if isinstance(value, (dict, list)):
        yield value
        for child in value.values() if isinstance(value, dict) else value:
            yield from containers(child)


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A catalog with one to three structural mutations."""
    return mutate(draw, copy.deepcopy(draw(catalogs())))


def mutate(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` (changed in place) after one to three structural mutations."""
    for _ in range(draw(st.integers(1, 3))):
        places = list(containers(doc))
        target = draw(st.sampled_from(places))
        kind = draw(
            st.sampled_from(
                [
                    "delete",
                    "retype",
                    "duplicate",
                    "undefined_ref",
                    "tricky_name",
                    "unknown_key",
                    "int_key",
                    "enum_values",
                    "nan_example",
                    "integral_floats",
                ]
            )
        )
        event(f"mutation: {kind}")
        if kind == "delete" and target:
            if isinstance(target, dict):
                del target[draw(st.sampled_from(list(target)))]
            else:
                del target[draw(st.integers(0, len(target) - 1))]
        elif kind == "retype" and target:
            if isinstance(target, dict):
                target[draw(st.sampled_from(list(target)))] = draw(junk_values)
            else:
                target[draw(st.integers(0, len(target) - 1))] = draw(junk_values)
        elif kind == "duplicate":
            group = draw(st.sampled_from([doc.get("events"), doc.get("attributes"), target]))
            if isinstance(group, list) and group:
                group.append(copy.deepcopy(draw(st.sampled_from(group))))
        elif kind == "undefined_ref":
            refs = [c for c in containers(doc) if isinstance(c, dict) and "ref" in c]
            if refs:
                draw(st.sampled_from(refs))["ref"] = draw(dotted_names())
        elif kind == "tricky_name":
            named = [
                c for c in containers(doc) if isinstance(c, dict) and ({"key", "name"} & set(c))
            ]
            if named:
                chosen = draw(st.sampled_from(named))
                field = draw(st.sampled_from(["python_name", "key" if "key" in chosen else "name"]))
                chosen[field] = draw(st.sampled_from(TRICKY_NAMES))
        elif kind in ("unknown_key", "int_key") and isinstance(target, dict):
            name: Any = draw(plain_names) if kind == "unknown_key" else draw(st.integers(0, 9))
            target[name] = draw(junk_values)
        elif kind == "enum_values":
            members = [c for c in containers(doc) if isinstance(c, dict) and "members" in c]
            for body in members:
                for member in body["members"] if isinstance(body["members"], list) else []:
                    if isinstance(member, dict):
                        member.pop("id", None)
                        member["value"] = draw(
                            st.sampled_from(
                                ["a b", "", "1x", "-", "name", "value", "class", 1.0, 1.5, True]
                            )
                        )
        elif kind == "integral_floats":
            # JSON Schema's "integer" accepts 16.0; YAML keeps it a float.
            for container in containers(doc):
                items = container.items() if isinstance(container, dict) else enumerate(container)
                for index, value in list(items):
                    if type(value) is int and abs(value) < 2**52:
                        container[index] = float(value)
        elif kind == "nan_example":
            for container in containers(doc):
                if isinstance(container, dict) and "examples" in container:
                    container["examples"] = [
                        draw(
                            st.sampled_from(
                                [
                                    math.nan,
                                    math.inf,
                                    [math.nan],
                                    [datetime.date(2025, 1, 1)],
                                    [[1]],
                                    [{"a": 1}],
                                ]
                            )
                        )
                    ]
    return doc


_Drawn = TypeVar("_Drawn")


class Draw(Protocol):
    """What draws a value: a composite strategy's `draw`, or `st.data()`'s `data.draw`."""

    def __call__(self, strategy: st.SearchStrategy[_Drawn], /) -> _Drawn: ...


def dump(doc: Any, draw: Draw) -> str:
    return yaml.safe_dump(
        doc,
        sort_keys=False,
        allow_unicode=draw(st.booleans()),
        default_flow_style=draw(st.sampled_from([False, None, True])),
        width=draw(st.sampled_from([80, 20, 10_000])),
    )
