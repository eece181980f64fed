"""Semantic checks and resolution: from a structurally valid document to a `Catalog`.

Runs after the JSON Schema check, so shapes and name patterns are known to be right;
what is checked here is what a schema cannot say: uniqueness, references, collisions
between derived Python names, and consistency between related fields.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence, Set
from pathlib import Path
from typing import Any

from . import naming
from .diagnostics import Diagnostic, DocPath, with_article
from .model import (
    LENGTH_SUFFIX,
    Attribute,
    AttributeType,
    Catalog,
    Deprecation,
    DifferenceNote,
    Differences,
    EnumMember,
    Event,
    LegacyKey,
    Metric,
    Redaction,
    Requirement,
    ScalarBase,
    Toggle,
)
from .resolve_checks import example_fits, is_finite, shape, suggest, within
from .resolve_spans import resolve_spans
from .salvage import Absent
from .source import Source
from .wire_limits import INT64_MAX, INT64_MIN, RESERVED_TAG_KEYS, tag_problem

#: The `service.name` of a catalog with neither `service.name` nor a namespace: what
#: OpenTelemetry SDKs call a service that did not name itself.
UNNAMED_SERVICE = "unknown_service"
_RELEASE = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?")


def _release(version: object) -> tuple[int, int, int] | None:
    """A semantic version's major, minor and patch; None when `version` is not one (the
    JSON Schema has reported it)."""
    match = _RELEASE.fullmatch(version) if isinstance(version, str) else None
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


class _Resolver:
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

    # --- definitions -----------------------------------------------------------------

    def collect_toggles(self) -> None:
        for name, body in (self.doc.get("toggles") or {}).items():
            self.toggles[name] = Toggle(name, body["default"], body["description"])

    def collect_definitions(self) -> None:
        class_names: dict[str, DocPath] = {}
        for index, body in enumerate(self.doc["attributes"]):
            path: DocPath = ("attributes", index)
            key = body["key"]
            if key in self.definitions:
                first = self.source.locate(self.definitions[key][0])[0]
                self.error(
                    (*path, "key"),
                    f"attribute {key!r} is defined twice (first on line {first})",
                    "keep one definition; refine it per event with a `ref`",
                )
                continue
            self.definitions[key] = (path, body)
            python_name = body.get("python_name") or naming.python_name_for_key(key)
            attribute_type = self.resolve_type(path, body, python_name)
            self.types[key] = attribute_type
            if attribute_type.class_name:
                clash = class_names.get(attribute_type.class_name)
                problem = naming.problem_with_class(attribute_type.class_name)
                if problem:
                    self.error(
                        (*path, "key"),
                        f"enum class name {attribute_type.class_name!r} {problem}",
                        "set `python_name` on the attribute",
                    )
                elif clash is not None or attribute_type.class_name in naming.RESERVED:
                    self.error(
                        (*path, "key"),
                        f"enum class name {attribute_type.class_name!r} "
                        "is already used in the generated module",
                        "set `python_name` on one of the attributes",
                    )
                class_names[attribute_type.class_name] = path
            self.check_definition(path, body, attribute_type)
        # Once every attribute is known, so a replacement may be defined further down.
        for path, body in self.definitions.values():
            self.check_replacement(path, body)

    def check_replacement(self, path: DocPath, body: Mapping[str, Any]) -> None:
        deprecated = body.get("deprecated") or {}
        replacement = deprecated.get("replacement")
        if (
            replacement
            and replacement not in self.definitions
            and not self.absent.attribute(replacement)
        ):
            self.error(
                (*path, "deprecated", "replacement"),
                f"replacement attribute {replacement!r} is not defined",
                suggest(replacement, self.definitions, "name a defined attribute"),
            )
        if replacement and replacement in self.types:
            self.replaced.setdefault(replacement, []).append(body["key"])
        until = deprecated.get("emit_both_until")
        if until is None:
            return
        if not replacement:
            self.error(
                (*path, "deprecated", "emit_both_until"),
                "dual emission needs a `replacement` to send beside this attribute",
                "name the attribute that replaces this one in `replacement`",
            )
        elif replacement in self.types:
            if shape(self.types[replacement]) != shape(self.types[body["key"]]):
                self.error(
                    (*path, "deprecated", "emit_both_until"),
                    f"dual emission sends the value of {replacement!r} under {body['key']!r}, "
                    f"but their types differ ({self.types[replacement].display} and "
                    f"{self.types[body['key']].display})",
                    "give both the same type, or remove `emit_both_until`",
                )
            else:
                self.legacy_keys.setdefault(replacement, []).append(LegacyKey(body["key"], until))
        version = self.doc.get("catalog_version")
        current, end = _release(version), _release(until)
        if replacement and current is not None and end is not None and current >= end:
            self.error(
                (*path, "deprecated", "emit_both_until"),
                f"the migration window has ended: catalog version {version} is not before "
                f"emit_both_until {until}, yet both keys would still be sent",
                f"remove `emit_both_until` to send {replacement!r} alone (a breaking change "
                "for the wire: `codex-otel diff` says so), or move it to a later version",
            )

    def resolve_type(
        self, path: DocPath, body: Mapping[str, Any], python_name: str
    ) -> AttributeType:
        spec = body["type"]
        if isinstance(spec, str):
            return AttributeType(base=spec.removesuffix("[]"), is_array=spec.endswith("[]"))  # type: ignore[arg-type]
        members: list[EnumMember] = []
        seen_values: set[str | int] = set()
        seen_names: set[str] = set()
        kinds = {type(m["value"]) for m in spec["members"]}
        if len(kinds) > 1:
            self.error(
                (*path, "type", "members"),
                "enum members mix strings and integers",
                "use one type for every member's value",
            )
        for index, member in enumerate(spec["members"]):
            member_path = (*path, "type", "members", index)
            value = member["value"]
            name = member.get("id") or naming.member_name_for(value)
            problem = naming.problem_with_member(name)
            if problem:
                self.error(
                    (*member_path, "value"),
                    f"enum member {value!r} gives the name {name!r}, which {problem}",
                    "set `id` to an upper-case identifier such as APPROVED",
                )
            if value in seen_values:
                self.error(
                    (*member_path, "value"),
                    f"enum value {value!r} is listed twice",
                    "remove the duplicate",
                )
            if name in seen_names:
                self.error(
                    (*member_path, "value"),
                    f"two members map to the Python name {name!r}",
                    "set `id` on one of them",
                )
            if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
                self.error(
                    (*member_path, "value"),
                    f"enum value {value!r} does not fit in 64 bits, as OTLP sends ints",
                    "use a smaller value",
                )
            seen_values.add(value)
            seen_names.add(name)
            members.append(EnumMember(value, name, member["description"]))
        base: ScalarBase = "int" if all(isinstance(m.value, int) for m in members) else "string"
        return AttributeType(
            base=base,
            is_array=bool(spec.get("array", False)),
            members=tuple(members),
            class_name=naming.class_name_for(python_name),
            doc=body["description"],
        )

    def check_definition(
        self, path: DocPath, body: Mapping[str, Any], attribute_type: AttributeType
    ) -> None:
        is_plain_string = attribute_type.base == "string" and not attribute_type.is_array
        if "max_length" in body and not (is_plain_string and not attribute_type.is_enum):
            self.error(
                (*path, "max_length"),
                "max_length applies only to string attributes",
                "remove it, or change the type to string",
            )
        redact = body.get("redact")
        if body.get("sensitivity") == "content" and not redact:
            self.error(
                (*path, "sensitivity"),
                f"attribute {body['key']!r} is content, but has no `redact` policy saying "
                "which toggle governs it and what is sent when the toggle is off",
                'add `redact: {toggle: ..., placeholder: "[REDACTED]"}` (and a `mode`), '
                "or class it identifier or metadata",
            )
        if redact:
            if not is_plain_string or attribute_type.is_enum:
                self.error(
                    (*path, "redact"),
                    "redaction applies only to string attributes",
                    "remove `redact`, or change the type to string",
                )
            cap = body.get("max_length")
            if cap is not None and len(redact["placeholder"]) > cap:
                self.error(
                    (*path, "redact", "placeholder"),
                    f"placeholder {redact['placeholder']!r} is longer than max_length "
                    f"({len(redact['placeholder'])} > {cap} characters)",
                    "shorten the placeholder or raise max_length; placeholders are sent uncut",
                )
            if redact["toggle"] not in self.toggles and not self.absent.toggle(redact["toggle"]):
                self.error(
                    (*path, "redact", "toggle"),
                    f"toggle {redact['toggle']!r} is not defined",
                    suggest(redact["toggle"], self.toggles, "define it under `toggles:`"),
                )
        self.check_bounds(path, body, attribute_type)
        self.check_examples(path, body.get("examples"), attribute_type, body)

    def check_bounds(
        self, path: DocPath, body: Mapping[str, Any], attribute_type: AttributeType
    ) -> None:
        bounds = [name for name in ("minimum", "maximum") if name in body]
        if not bounds:
            return
        numeric = attribute_type.base in ("int", "double") and not (
            attribute_type.is_array or attribute_type.is_enum
        )
        if not numeric:
            self.error(
                (*path, bounds[0]),
                f"{bounds[0]} applies only to int and double attributes",
                "remove it, or change the type to int or double",
            )
            return
        for name in bounds:
            value = body[name]
            if not is_finite(value):
                self.error((*path, name), f"{name} {value!r} is not a finite number")
            elif attribute_type.base == "int" and not isinstance(value, int):
                self.error(
                    (*path, name),
                    f"{name} {value!r} of an int attribute is not an integer",
                    "use a whole number",
                )
        low, high = body.get("minimum"), body.get("maximum")
        if low is not None and high is not None and low > high:
            self.error(
                (*path, "maximum"),
                f"maximum {high!r} is less than minimum {low!r}",
                "swap them, or fix one",
            )

    def check_examples(
        self,
        path: DocPath,
        examples: list[Any] | None,
        attribute_type: AttributeType,
        body: Mapping[str, Any],
    ) -> None:
        """Each example must be a value of the type, within the attribute's bounds."""
        for index, example in enumerate(examples or []):
            if not example_fits(example, attribute_type):
                self.error(
                    (*path, "examples", index),
                    f"example {example!r} is not {with_article(attribute_type.display)}",
                    "fix the example or the type",
                )
            elif not within(example, body.get("minimum"), body.get("maximum")):
                self.error(
                    (*path, "examples", index),
                    f"example {example!r} is outside the attribute's bounds",
                    "fix the example, `minimum` or `maximum`",
                )

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
            problem = _function_problem(function, ((functions, "emitter"),), enum_classes)
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

    # --- metrics -----------------------------------------------------------------------

    def check_metric_attribute(self, path: DocPath, attribute: Attribute) -> None:
        """A metric attribute must have few values (each is a time series), no secret,
        and a key and enum values Codex's metrics client accepts as a tag."""
        self.check_tag(path, attribute)
        if attribute.redact:
            self.error(
                path,
                f"attribute {attribute.key!r} is redacted, and metrics carry no redacted values",
                "record the metric without it",
            )
        elif not attribute.is_low_cardinality:
            what = f"an unbounded {attribute.type.display}"
            if attribute.type.base == "int" and not attribute.type.is_array:
                what = "an int without both minimum and maximum"
            self.error(
                path,
                f"attribute {attribute.key!r} is unbounded ({what}): every value a metric "
                "carries makes a time series of its own",
                "mark the attribute `cardinality: low` in its definition if its values are "
                "few, or record the metric without it",
            )

    def check_tag(self, path: DocPath, attribute: Attribute) -> None:
        """The key at the metric's use (`path`); the enum values at their definitions,
        once per attribute whichever metrics use it. Free-text values are the runtime's
        to sanitise (runtime/_metric_tags.py)."""
        key = attribute.key
        problem = "is reserved (a histogram bucket's bound in Prometheus)"
        if key not in RESERVED_TAG_KEYS:
            problem = tag_problem(key) or ""
        if problem:
            self.error(
                path,
                f"attribute {key!r} cannot be a metric tag: its key {problem}",
                "record the metric without it, or rename the attribute",
            )
        if key in self.tag_checked or key not in self.definitions:
            return
        self.tag_checked.add(key)
        definition = self.definitions[key][0]
        for index, member in enumerate(attribute.type.members):
            if not isinstance(member.value, str):
                continue
            value_problem = tag_problem(member.value)
            if value_problem:
                self.error(
                    (*definition, "type", "members", index, "value"),
                    f"enum value {member.value!r} of attribute {key!r}, a metric tag, "
                    f"{value_problem}",
                    "use a value of those characters (`approved_for_session`, `gpt-5/mini`)",
                )

    def resolve_metric_keys(
        self, common: tuple[Attribute, ...], keys: list[str]
    ) -> dict[str, Attribute]:
        """The common attributes every metric carries, by key (`common.metric_attributes`)."""
        by_key = {a.key: a for a in common}
        chosen: dict[str, Attribute] = {}
        for index, key in enumerate(keys):
            path: DocPath = ("common", "metric_attributes", index)
            attribute = by_key.get(key)
            if key in chosen:
                self.error(path, f"metric attribute {key!r} is listed twice", "remove one")
            elif attribute is None:
                if not self.absent.attribute(key):
                    self.error(
                        path,
                        f"metric attribute {key!r} is not in the common group",
                        suggest(key, by_key, "add a `ref` to it under `common.attributes`"),
                    )
            elif attribute.computed:
                self.error(
                    path,
                    f"metric attribute {key!r} is computed for each event, not metadata",
                    "list a metadata attribute of the common group",
                )
            else:
                self.check_metric_attribute(path, attribute)
                chosen[key] = attribute
        return chosen

    def resolve_metrics(
        self, metric_keys: Mapping[str, Attribute], events: tuple[Event, ...]
    ) -> tuple[Metric, ...]:
        metrics: list[Metric] = []
        names: dict[str, DocPath] = {}
        recorders: dict[str, str] = {}
        constants: dict[str, str] = {}
        emitters = {e.function_name: e.name for e in events}
        enum_classes = {t.class_name for t in self.types.values() if t.class_name}
        taken = dict.fromkeys(metric_keys, "in common.metric_attributes")
        bodies = self.doc.get("metrics") or []
        for index, body in enumerate(bodies):
            path: DocPath = ("metrics", index)
            name = body["name"]
            if self.defined_twice("metric", path, name, names):
                continue
            recorder = body.get("python_name") or naming.recorder_name_for_metric(
                name, self.doc.get("namespace")
            )
            constant = naming.metric_constant_for(recorder)
            owners = ((recorders, "recorder"), (emitters, "emitter"))
            problem = _function_problem(recorder, owners, enum_classes)
            if problem is None and constant in constants:
                problem = (
                    f"gives the constant {constant}, as the recorder of "
                    f"{constants[constant]!r} does"
                )
            self.function_name_error(
                "metric", path, name, role="recorder", function=recorder, problem=problem
            )
            recorders[recorder] = name
            constants[constant] = name
            attributes = self.resolve_group(
                (*path, "attributes"), body["attributes"], taken, f"metric {name!r}"
            )
            uses: dict[str, int] = {}
            for position, use in enumerate(body["attributes"]):
                uses.setdefault(use["ref"], position)
            for attribute in attributes:
                ref_path: DocPath = (*path, "attributes", uses[attribute.key], "ref")
                self.check_metric_attribute(ref_path, attribute)
                if attribute.python_name == naming.RECORDER_VALUE:
                    self.error(
                        ref_path,
                        f"attribute {attribute.key!r} gives the Python name "
                        f"{attribute.python_name!r}, which is the recorder's value argument",
                        "set `python_name` on the attribute's definition",
                    )
            boundaries = self.check_boundaries(path, body)
            deprecated = body.get("deprecated")
            replacement = (deprecated or {}).get("replacement")
            if replacement and replacement not in {m["name"] for m in bodies}:
                self.error(
                    (*path, "deprecated", "replacement"),
                    f"replacement metric {replacement!r} is not defined",
                    suggest(replacement, names, "name a defined metric"),
                )
            metrics.append(
                Metric(
                    name=name,
                    function_name=recorder,
                    constant_name=constant,
                    instrument=body["instrument"],
                    unit=body["unit"],
                    value_type=body.get("value_type", "int"),
                    description=body["description"],
                    stability=body.get("stability", "development"),
                    deprecated=Deprecation(deprecated["note"], replacement) if deprecated else None,
                    attributes=attributes,
                    boundaries=boundaries,
                )
            )
        return tuple(metrics)

    def check_boundaries(
        self, path: DocPath, body: Mapping[str, Any]
    ) -> tuple[int | float, ...] | None:
        """A histogram's bucket boundaries: finite and strictly increasing."""
        if "boundaries" not in body:
            return None
        boundaries: list[int | float] = body["boundaries"]
        if body["instrument"] != "histogram":
            self.error(
                (*path, "boundaries"),
                f"boundaries apply only to histograms, not to a {body['instrument']}",
                "remove them, or make the metric a histogram",
            )
            return None
        for index, bound in enumerate(boundaries):
            if not is_finite(bound):
                self.error(
                    (*path, "boundaries", index), f"boundary {bound!r} is not a finite number"
                )
                return None
            if index and not bound > boundaries[index - 1]:
                self.error(
                    (*path, "boundaries", index),
                    f"boundary {bound!r} is not greater than the one before it "
                    f"({boundaries[index - 1]!r})",
                    "list the boundaries in strictly increasing order",
                )
                return None
        return tuple(boundaries)

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


def _function_problem(
    function: str, owners: Sequence[tuple[Mapping[str, str], str]], enum_classes: Set[str]
) -> str | None:
    """What is wrong with an emitter's or recorder's name, or None: not an identifier (or
    a keyword), the function of an earlier item (`owners`: which names each role has
    taken, and for whom), or a name the generated module uses already."""
    problem = naming.problem_with_name(function)
    for taken, role in owners:
        if problem is None and function in taken:
            problem = f"is also the {role} of {taken[function]!r}"
    if problem is None and (function in enum_classes or function in naming.RESERVED):
        problem = "is already used in the generated module"
    return problem
