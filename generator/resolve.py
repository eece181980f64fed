"""Semantic checks and resolution: from a structurally valid document to a `Catalog`.

Runs after the JSON Schema check, so shapes and name patterns are known to be right;
what is checked here is what a schema cannot say: uniqueness, references, collisions
between derived Python names, and consistency between related fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import naming
from .diagnostics import Diagnostic, DocPath
from .model import (
    LENGTH_SUFFIX,
    Attribute,
    AttributeType,
    Catalog,
    Deprecation,
    DifferenceNote,
    Differences,
    Event,
    LegacyKey,
    Redaction,
    Requirement,
    Toggle,
)
from .resolve_checks import suggest
from .resolve_definitions import DefinitionResolution
from .resolve_metrics import MetricResolution
from .resolve_spans import resolve_spans
from .salvage import Absent
from .source import Source

#: The `service.name` of a catalog with neither `service.name` nor a namespace: what
#: OpenTelemetry SDKs call a service that did not name itself.
UNNAMED_SERVICE = "unknown_service"


class _Resolver(DefinitionResolution, MetricResolution):
    def __init__(self, source: Source, absent: Absent) -> None:
        self.source = source
        #: Names defined by parts cut for breaking the format: never called undefined.
        self.absent = absent
        self.doc: Mapping[str, Any] = source.data
        self.diagnostics: list[Diagnostic] = []
        self.definitions: dict[str, tuple[DocPath, Mapping[str, Any]]] = {}
        self.types: dict[str, AttributeType] = {}
        self.toggles: dict[str, Toggle] = {}
        #: Replacement key -> the deprecated keys sent beside it (dual emission).
        self.legacy_keys: dict[str, list[LegacyKey]] = {}
        #: Replacement key -> the deprecated keys that name it.
        self.replaced: dict[str, list[str]] = {}
        #: Attributes whose enum values were checked as metric tags (once each).
        self.tag_checked: set[str] = set()

    def error(self, path: DocPath, message: str, hint: str = "", *, key: bool = False) -> None:
        self.diagnostics.append(self.source.diagnostic(path, message, hint, key=key))

    # --- uses ------------------------------------------------------------------------

    def resolve_use(self, path: DocPath, use: Mapping[str, Any]) -> Attribute | None:
        key = use["ref"]
        if key not in self.definitions:
            if self.absent.attribute(key):
                return None
            self.error(
                (*path, "ref"),
                f"attribute {key!r} is not defined",
                suggest(key, self.definitions, "define it under `attributes:`"),
            )
            return None
        _, body = self.definitions[key]
        attribute_type = self.types[key]
        requirement_spec = use["requirement"]
        requirement: Requirement
        if isinstance(requirement_spec, dict):
            requirement, condition = "conditional", requirement_spec["conditional"]
        else:
            requirement, condition = requirement_spec, None
        max_length = use.get("max_length", body.get("max_length"))
        if "max_length" in use and "max_length" not in body:
            self.error(
                (*path, "max_length"),
                "max_length can only refine a cap the attribute defines",
                "set max_length on the attribute's definition",
            )
        redact = body.get("redact")
        if (
            redact
            and "max_length" in use
            and "max_length" in body
            and len(redact["placeholder"]) > use["max_length"]
        ):
            self.error(
                (*path, "max_length"),
                f"max_length {use['max_length']} is shorter than the placeholder "
                f"{redact['placeholder']!r} of {key!r} ({len(redact['placeholder'])} characters)",
                "raise max_length; placeholders are sent uncut",
            )
        if redact and path[0] == "common":
            self.error(
                (*path, "ref"),
                f"attribute {key!r} is redacted, but the common group's metadata is sent as given",
                "use it in the events instead, or remove its `redact`",
            )
        self.check_examples(path, use.get("examples"), attribute_type, body)
        deprecated = body.get("deprecated")
        computed = use.get("computed")
        if computed in ("timestamp", "event_name") and (
            attribute_type.base != "string" or attribute_type.is_array or attribute_type.is_enum
        ):
            what = "timestamp" if computed == "timestamp" else "event name"
            self.error(
                (*path, "computed"),
                f"a computed {what} must be a string attribute",
                "change the attribute's type to string",
            )
        if computed and requirement != "required":
            self.error(
                (*path, "requirement"),
                "a computed attribute is always present",
                "make it `required`",
            )
        return Attribute(
            key=key,
            python_name=body.get("python_name") or naming.python_name_for_key(key),
            type=attribute_type,
            description=use.get("description") or body["description"],
            requirement=requirement,
            condition=condition,
            examples=tuple(use.get("examples") or body.get("examples") or ()),
            max_length=max_length,
            redact=Redaction(redact["toggle"], redact["placeholder"], redact.get("mode", "redact"))
            if redact
            else None,
            sensitivity=body.get("sensitivity", "metadata"),
            stability=body.get("stability", "development"),
            deprecated=Deprecation(
                deprecated["note"],
                deprecated.get("replacement"),
                deprecated.get("emit_both_until"),
            )
            if deprecated
            else None,
            computed=computed,
            minimum=body.get("minimum"),
            maximum=body.get("maximum"),
            reference_type=body.get("reference_type"),
            cardinality=body.get("cardinality"),
        )

    def resolve_group(
        self, path: DocPath, uses: list[Mapping[str, Any]], taken: Mapping[str, str], what: str
    ) -> tuple[Attribute, ...]:
        """Resolve a list of refs; `taken` maps keys already used (the common group) to where."""
        attributes: list[Attribute] = []
        keys: dict[str, str] = dict(taken)
        python_names: dict[str, str] = {}
        for index, use in enumerate(uses):
            use_path = (*path, index)
            attribute = self.resolve_use(use_path, use)
            if attribute is None:
                continue
            if attribute.key in keys:
                self.error(
                    (*use_path, "ref"),
                    f"{what} uses attribute {attribute.key!r} twice (also {keys[attribute.key]})",
                    "remove one of the references",
                )
                continue
            keys[attribute.key] = f"in {what}"
            if attribute.computed is None:
                clash = python_names.get(attribute.python_name)
                if clash is not None:
                    self.error(
                        (*use_path, "ref"),
                        f"attributes {clash!r} and {attribute.key!r} both map "
                        f"to the Python name {attribute.python_name!r}",
                        "set `python_name` on one of the definitions",
                    )
                python_names[attribute.python_name] = attribute.key
                problem = naming.problem_with_name(attribute.python_name)
                if problem:
                    self.error(
                        (*use_path, "ref"),
                        f"attribute {attribute.key!r} gives the Python name "
                        f"{attribute.python_name!r}, which {problem}",
                        "set `python_name` on the attribute's definition",
                    )
            attributes.append(attribute)
        return tuple(attributes)

    def defined_twice(self, noun: str, path: DocPath, name: str, names: dict[str, DocPath]) -> bool:
        """Whether an event or metric `name` (at `path`) was defined before, as an error
        that names the first definition's line; else `names` records where it is."""
        if name in names:
            first = self.source.locate(names[name])[0]
            self.error(
                (*path, "name"),
                f"{noun} {name!r} is defined twice (first on line {first})",
                "rename or remove one of them",
            )
            return True
        names[name] = (*path, "name")
        return False

    def function_name_error(
        self, noun: str, path: DocPath, name: str, *, role: str, function: str, problem: str | None
    ) -> None:
        """The error for the name of event or metric `name`'s emitter or recorder (`role`)
        when it has a `problem` (see `_function_problem`)."""
        if problem:
            self.error(
                (*path, "name"),
                f"{noun} {name!r} gives the {role} name {function!r}, which {problem}",
                f"set `python_name` on the {noun}",
            )

    def resolve_events(self, common: tuple[Attribute, ...]) -> tuple[Event, ...]:
        events: list[Event] = []
        names: dict[str, DocPath] = {}
        functions: dict[str, str] = {}
        common_keys = {a.key: "in the common group" for a in common}
        namespace = self.doc.get("namespace")
        enum_classes = {t.class_name for t in self.types.values() if t.class_name}
        for index, body in enumerate(self.doc["events"]):
            path: DocPath = ("events", index)
            name = body["name"]
            if self.defined_twice("event", path, name, names):
                continue
            function = body.get("python_name") or naming.function_name_for_event(name, namespace)
            problem = naming.problem_with_function(
                function, ((functions, "emitter"),), enum_classes
            )
            self.function_name_error(
                "event", path, name, role="emitter", function=function, problem=problem
            )
            functions[function] = name
            attributes = self.with_length_companions(
                path,
                self.with_legacy_keys(
                    self.resolve_group(
                        (*path, "attributes"), body["attributes"], common_keys, f"event {name!r}"
                    ),
                    common_keys,
                ),
            )
            deprecated = body.get("deprecated")
            if (
                deprecated
                and deprecated.get("replacement")
                and deprecated["replacement"] not in {e["name"] for e in self.doc["events"]}
                and not self.absent.event(deprecated["replacement"])
            ):
                self.error(
                    (*path, "deprecated", "replacement"),
                    f"replacement event {deprecated['replacement']!r} is not defined",
                    "name a defined event",
                )
            events.append(
                Event(
                    name=name,
                    function_name=function,
                    description=body["description"],
                    stability=body.get("stability", "development"),
                    deprecated=Deprecation(deprecated["note"], deprecated.get("replacement"))
                    if deprecated
                    else None,
                    attributes=attributes,
                )
            )
        return tuple(events)

    def with_legacy_keys(
        self, attributes: tuple[Attribute, ...], common_keys: Mapping[str, str]
    ) -> tuple[Attribute, ...]:
        """`attributes`, each replacement knowing the deprecated keys it replaces and also
        sent under those that opt in to dual emission, unless the event or the common
        group still uses such a key itself."""
        used = {a.key for a in attributes} | set(common_keys)
        return tuple(
            dataclasses.replace(
                attribute,
                also_sent_as=tuple(
                    legacy
                    for legacy in self.legacy_keys.get(attribute.key, ())
                    if legacy.key not in used
                ),
                replaces=tuple(key for key in self.replaced[attribute.key] if key not in used),
            )
            if attribute.key in self.replaced
            else attribute
            for attribute in attributes
        )

    def with_length_companions(
        self, path: DocPath, attributes: tuple[Attribute, ...]
    ) -> tuple[Attribute, ...]:
        """`attributes`, then the `<key>.length` companion of each policy attribute: what
        the runtime sends instead of the value when the toggle's mode is `length` (computed,
        so no emitter takes it as an argument; last, so the catalog's own come first)."""
        keys = {a.key for a in attributes}
        result = list(attributes)
        for attribute in attributes:
            if attribute.redact is None:
                continue
            companion = length_companion(attribute)
            if companion.key in keys or companion.key in self.definitions:
                where = (
                    "an attribute of this event" if companion.key in keys else "a defined attribute"
                )
                self.error(
                    (*path, "name"),
                    f"attribute {attribute.key!r} has a policy, whose `length` mode sends "
                    f"{companion.key!r}, which is also {where}",
                    f"rename the attribute {companion.key!r}",
                )
                continue
            result.append(companion)
        return tuple(result)

    def resolve(self) -> Catalog:
        self.collect_toggles()
        self.collect_definitions()
        common_body = self.doc.get("common") or {"attributes": []}
        common = self.resolve_group(
            ("common", "attributes"), common_body["attributes"], {}, "the common group"
        )
        events = self.resolve_events(common)
        # Renames in the common group: the metadata also sends the old key, unless the
        # group or an event still uses it itself.
        event_keys = {a.key: "in an event" for e in events for a in e.attributes}
        common = self.with_legacy_keys(common, event_keys)
        for index, attribute in enumerate(common):
            if attribute.computed and attribute.also_sent_as:
                self.error(
                    ("common", "attributes", index, "ref"),
                    f"attribute {attribute.key!r} is computed by the runtime, which sends it "
                    f"under one key only, but {attribute.also_sent_as[0].key!r} asks for dual "
                    "emission of it",
                    f"remove `emit_both_until` from {attribute.also_sent_as[0].key!r}",
                )
        metric_keys = self.resolve_metric_keys(common, common_body.get("metric_attributes") or [])
        metrics = self.resolve_metrics(metric_keys, events)
        enum_classes = {t.class_name for t in self.types.values() if t.class_name}
        spans = resolve_spans(self, events, metrics, enum_classes)
        return Catalog(
            file_name=Path(self.source.file).name,
            version=self.doc["catalog_version"],
            namespace=self.doc.get("namespace"),
            description=self.doc.get("description", ""),
            toggles=tuple(self.toggles.values()),
            common_description=common_body.get("description", ""),
            common=common,
            events=events,
            differences=self.resolve_differences(),
            metrics=metrics,
            metric_keys=tuple(metric_keys),
            spans=spans,
            **self.resolve_service(),
        )

    def resolve_service(self) -> dict[str, str]:
        """The catalog's `service` names, with the defaults that need no Codex: the
        namespace, else the name OpenTelemetry gives a service that named none."""
        service = self.doc.get("service") or {}
        namespace = self.doc.get("namespace")
        name = service.get("name") or namespace or UNNAMED_SERVICE
        return {"service_name": name, "scope_name": service.get("scope") or namespace or name}

    def resolve_differences(self) -> Differences | None:
        body = self.doc.get("differences")
        if not body:
            return None
        notes = tuple(
            DifferenceNote(note["topic"], note["reference"], note["here"])
            for note in body.get("notes") or ()
        )
        return Differences(name=body["name"], reference=body["reference"], notes=notes)


def length_companion(attribute: Attribute) -> Attribute:
    """The int attribute `<key>.length` a policy attribute's `length` mode sends."""
    assert attribute.redact is not None
    toggle = attribute.redact.toggle
    return Attribute(
        key=attribute.key + LENGTH_SUFFIX,
        python_name=naming.python_name_for_key(attribute.key + LENGTH_SUFFIX),
        type=AttributeType(base="int"),
        description=f"Length of `{attribute.key}` in characters (Unicode code points, before "
        "any cut), sent instead of the value when its toggle's mode is `length`.",
        requirement="conditional",
        condition=f"when `{toggle}` is in `length` mode and `{attribute.key}` was given",
        examples=(),
        max_length=None,
        redact=None,
        stability=attribute.stability,
        deprecated=None,
        computed="length",
        minimum=0,
        length_of=attribute.key,
    )


def resolve(
    source: Source, absent: Absent | None = None
) -> tuple[Catalog | None, list[Diagnostic]]:
    """The resolved catalog, or None with the diagnostics that prevent it.

    `absent`: names whose definitions were cut from `source` (see salvage.py)."""
    resolver = _Resolver(source, absent or Absent())
    catalog = resolver.resolve()
    diagnostics = sorted(resolver.diagnostics, key=lambda d: (d.line, d.column))
    return (None if diagnostics else catalog), diagnostics
