"""The meaning checks of a catalog's `spans:` and their resolution into `Span`s.

Runs after the events and metrics are resolved (a span names them), on a structurally
valid document. A span's attributes are ordinary references (no common group, no
metadata: a span carries only what it declares), each known at start or only at end.
What is checked here: ids and derived Python names, references to spans, events and
metrics, the name's placeholders, fixed values, and that no span carries content.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from . import naming
from .diagnostics import DocPath, with_article
from .model import Attribute, Deprecation, Event, Metric, Span
from .resolve_checks import item_fits, suggest, within
from .salvage import Absent
from .source import Source

#: A placeholder of a span's name: `{gen_ai.tool.name}` (the format's pattern allows no
#: other braces).
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class Resolver(Protocol):
    """What span resolution needs of the catalog's resolver (`resolve._Resolver`)."""

    source: Source
    absent: Absent
    doc: Mapping[str, Any]

    def error(self, path: DocPath, message: str, hint: str = "", *, key: bool = False) -> None:
        pass

    def resolve_group(
        self, path: DocPath, uses: list[Mapping[str, Any]], taken: Mapping[str, str], what: str
    ) -> tuple[Attribute, ...]:
        pass


def name_keys(name: str) -> tuple[str, ...]:
    """The placeholder keys of a span name, in order: `{a} x {b}` -> `("a", "b")`."""
    return tuple(PLACEHOLDER.findall(name))


@dataclasses.dataclass
class _Names:
    """The generated module's names taken so far, each with what took it."""

    functions: dict[str, str]
    classes: dict[str, str]
    constants: dict[str, str] = dataclasses.field(default_factory=dict)


def resolve_spans(
    resolver: Resolver,
    events: Sequence[Event],
    metrics: Sequence[Metric],
    enum_classes: set[str],
) -> tuple[Span, ...]:
    """The catalog's spans, every problem reported through `resolver.error`."""
    bodies: list[Mapping[str, Any]] = list(resolver.doc.get("spans") or [])
    ids: dict[str, DocPath] = {}
    duplicates: set[int] = set()
    for index, body in enumerate(bodies):
        path: DocPath = ("spans", index, "id")
        if body["id"] in ids:
            first = resolver.source.locate(ids[body["id"]])[0]
            resolver.error(
                path,
                f"span {body['id']!r} is defined twice (first on line {first})",
                "rename or remove one of them",
            )
            duplicates.add(index)
        else:
            ids[body["id"]] = path
    functions = {e.function_name: f"the emitter of {e.name!r}" for e in events}
    functions.update({m.function_name: f"the recorder of {m.name!r}" for m in metrics})
    names = _Names(functions, dict.fromkeys(enum_classes, "an enum class"))
    known = _Known(
        spans=ids,
        events={e.name for e in events},
        metrics={str(m["name"]) for m in resolver.doc.get("metrics") or []},
    )
    return tuple(
        _resolve_span(resolver, ("spans", index), body, names, known)
        for index, body in enumerate(bodies)
        if index not in duplicates
    )


@dataclasses.dataclass(frozen=True)
class _Known:
    """What a span may name: span ids (where each is defined), event and metric names."""

    spans: Mapping[str, DocPath]
    events: set[str]
    metrics: set[str]


def _resolve_span(
    resolver: Resolver, path: DocPath, body: Mapping[str, Any], names: _Names, known: _Known
) -> Span:
    span_id: str = body["id"]
    function = naming.span_function_name(
        span_id, resolver.doc.get("namespace"), body.get("python_name")
    )
    _check_names(resolver, path, span_id, function, names)
    attributes = _resolve_attributes(resolver, path, span_id, body.get("attributes") or [])
    _check_name(resolver, path, body, attributes)
    parents = _references(resolver, path, body, "parents", known)
    root = bool(body.get("root", not parents))
    if not root and not body.get("parents"):
        resolver.error(
            (*path, "root"),
            f"span {span_id!r} has no parents and is no root, so nothing may start it",
            "list the spans it starts under in `parents`, or remove `root: false`",
        )
    deprecated = body.get("deprecated")
    replacement = (deprecated or {}).get("replacement")
    if replacement and replacement not in known.spans and not resolver.absent.span(replacement):
        resolver.error(
            (*path, "deprecated", "replacement"),
            f"replacement span {replacement!r} is not defined",
            suggest(replacement, known.spans, "name a span defined under `spans:`"),
        )
    return Span(
        id=span_id,
        name=body["name"],
        function_name=function,
        handle_name=naming.span_handle_name(function),
        constant_name=naming.span_constant_name(function),
        kind=body["kind"],
        description=body["description"],
        stability=body.get("stability", "development"),
        deprecated=Deprecation(deprecated["note"], replacement) if deprecated else None,
        attributes=attributes,
        parents=parents,
        root=root,
        events=_references(resolver, path, body, "events", known),
        metrics=_references(resolver, path, body, "metrics", known),
        name_keys=name_keys(body["name"]),
    )


def _check_names(
    resolver: Resolver, path: DocPath, span_id: str, function: str, names: _Names
) -> None:
    """The helper's, the handle's and the constant's names: identifiers, and free in the
    generated module."""
    handle = naming.span_handle_name(function)
    constant = naming.span_constant_name(function)
    problem = naming.problem_with_name(function)
    if problem is None and function in names.functions:
        problem = f"is also {names.functions[function]}"
    if problem is None and function in names.classes:
        problem = "is already used in the generated module"
    if problem is None:
        problem = naming.problem_with_class(handle)
        if problem is None and (handle in names.classes or handle in naming.RESERVED):
            owner = names.classes.get(handle, "a name the generated module uses")
            problem = f"gives the handle class {handle!r}, which is also {owner}"
        elif problem is not None:
            problem = f"gives the handle class {handle!r}, which {problem}"
    if problem is None and constant in names.constants:
        problem = f"gives the constant {constant}, as {names.constants[constant]} does"
    if problem:
        resolver.error(
            (*path, "id"),
            f"span {span_id!r} gives the helper name {function!r}, which {problem}",
            "set `python_name` on the span",
        )
    names.functions[function] = f"the helper of span {span_id!r}"
    names.classes[handle] = f"the handle of span {span_id!r}"
    names.constants[constant] = f"span {span_id!r}"


def _resolve_attributes(
    resolver: Resolver, path: DocPath, span_id: str, uses: list[Mapping[str, Any]]
) -> tuple[Attribute, ...]:
    """The span's attributes with when each is known and its fixed value; content refused."""
    group = resolver.resolve_group((*path, "attributes"), uses, {}, f"span {span_id!r}")
    positions: dict[str, int] = {}
    for position, use in enumerate(uses):
        positions.setdefault(use["ref"], position)
    resolved: list[Attribute] = []
    for plain in group:
        use_path: DocPath = (*path, "attributes", positions[plain.key])
        use = uses[positions[plain.key]]
        if plain.sensitivity == "content" or plain.redact:
            what = "content" if plain.sensitivity == "content" else "under a privacy policy"
            resolver.error(
                (*use_path, "ref"),
                f"span {span_id!r} carries attribute {plain.key!r}, which is {what}: "
                "spans carry sizes and counts, never content",
                "leave the value to the events, and give the span its size as an int "
                "attribute instead",
            )
        attribute = dataclasses.replace(plain, known=use.get("known", "start"))
        if "value" in use:
            attribute = _fixed(resolver, use_path, use, attribute)
        resolved.append(attribute)
    return tuple(resolved)


def _fixed(
    resolver: Resolver, path: DocPath, use: Mapping[str, Any], attribute: Attribute
) -> Attribute:
    """`attribute` with the fixed value of its use, which must be one value of its type,
    within its bounds, required and known at start."""
    value = use["value"]
    problems = []
    if attribute.type.is_array or not item_fits(value, attribute.type):
        expected = with_article(attribute.type.display)
        problems.append(((*path, "value"), f"value {value!r} is not {expected}", "fix the value"))
    elif not within(value, attribute.minimum, attribute.maximum):
        problems.append(
            (
                (*path, "value"),
                f"value {value!r} is outside the bounds of {attribute.key!r} "
                f"({attribute.bounds_text})",
                "fix the value, or the attribute's `minimum` or `maximum`",
            )
        )
    if attribute.known == "end":
        problems.append(
            (
                (*path, "known"),
                "a fixed value is known when the span starts",
                "remove `known: end`",
            )
        )
    if attribute.requirement != "required":
        problems.append(
            ((*path, "requirement"), "a fixed value is always sent", "make it `required`")
        )
    for where, message, hint in problems:
        resolver.error(where, message, hint)
    # Known at start whatever the use says (reported above), so it is reported once.
    return dataclasses.replace(attribute, computed="fixed", fixed=value, known="start")


def _check_name(
    resolver: Resolver, path: DocPath, body: Mapping[str, Any], attributes: tuple[Attribute, ...]
) -> None:
    """Each placeholder of the name is an attribute of the span known at start."""
    by_key = {a.key: a for a in attributes}
    referenced = {use["ref"] for use in body.get("attributes") or []}
    for key in name_keys(body["name"]):
        attribute = by_key.get(key)
        if attribute is None:
            if key in referenced:
                continue  # its reference is reported already
            resolver.error(
                (*path, "name"),
                f"the name's placeholder {{{key}}} is not an attribute of span {body['id']!r}",
                suggest(
                    key,
                    by_key,
                    f"add `- {{ref: {key}, requirement: required}}` to the span's attributes",
                ),
            )
        elif attribute.known != "start":
            resolver.error(
                (*path, "name"),
                f"the name's placeholder {{{key}}} is known only at the span's end, but the "
                "name is set when it starts",
                f"make {key!r} `known: start`, or take it out of the name",
            )


def _references(
    resolver: Resolver, path: DocPath, body: Mapping[str, Any], field: str, known: _Known
) -> tuple[str, ...]:
    """The span's `parents`, `events` or `metrics` (`field`), each defined and listed once."""
    noun, defined, absent, where = {
        "parents": ("parent span", known.spans, resolver.absent.span, "spans"),
        "events": ("event", known.events, resolver.absent.event, "events"),
        "metrics": ("metric", known.metrics, resolver.absent.metric, "metrics"),
    }[field]
    found: list[str] = []
    for index, name in enumerate(body.get(field) or []):
        if name in found:
            resolver.error((*path, field, index), f"{noun} {name!r} is listed twice", "remove one")
            continue
        found.append(name)
        if name not in defined and not absent(name):
            resolver.error(
                (*path, field, index),
                f"{noun} {name!r} is not defined",
                suggest(name, dict.fromkeys(defined), f"name one defined under `{where}:`"),
            )
    return tuple(found)
