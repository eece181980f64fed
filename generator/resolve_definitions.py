"""The meaning checks of a catalog's attribute definitions and toggles: a part of the
resolver (`resolve._Resolver` mixes it in).

Each attribute is defined once: its type (an enum's members and class name), its cap,
policy, bounds and examples must agree with one another; a deprecation's replacement
must exist, and dual emission needs a replacement of the same type and an open window.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import naming
from .diagnostics import Diagnostic, DocPath, with_article
from .model import AttributeType, EnumMember, LegacyKey, ScalarBase, Toggle
from .resolve_checks import example_fits, is_finite, shape, suggest, within
from .salvage import Absent
from .source import Source
from .wire_limits import INT64_MAX, INT64_MIN

_RELEASE = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?")


def _release(version: object) -> tuple[int, int, int] | None:
    """A semantic version's major, minor and patch; None when `version` is not one (the
    JSON Schema has reported it)."""
    match = _RELEASE.fullmatch(version) if isinstance(version, str) else None
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


class DefinitionResolution:
    """The resolver's definition methods; the attributes and the method declared first are
    the resolver's own (`resolve._Resolver`), which this class is mixed into."""

    source: Source
    absent: Absent
    doc: Mapping[str, Any]
    diagnostics: list[Diagnostic]
    definitions: dict[str, tuple[DocPath, Mapping[str, Any]]]
    types: dict[str, AttributeType]
    toggles: dict[str, Toggle]
    legacy_keys: dict[str, list[LegacyKey]]
    replaced: dict[str, list[str]]

    def error(self, path: DocPath, message: str, hint: str = "", *, key: bool = False) -> None:
        raise NotImplementedError

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
