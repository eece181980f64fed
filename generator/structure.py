"""Check a catalog document against the format's JSON Schema (schema/catalog.schema.json).

jsonschema's messages are turned into diagnostics at the offending node: an unknown key
is reported at the key with a did-you-mean hint, a `oneOf` failure by its closest branch.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from .diagnostics import Diagnostic, DocPath, with_article
from .source import Source

#: Hints for the schema keywords whose messages alone do not say what to do.
_HINTS = {
    "pattern": "names are lower-case letters, digits and underscores, dot-separated "
    "(identifiers: no dots), starting with a letter",
    "required": "add the missing key",
    "type": "change the value's type",
    "enum": "use one of the allowed values",
    "minItems": "add at least one item",
    "minLength": "write some text",
    "minimum": "use a larger number",
    "maxLength": "shorten it",
}

#: Hints for a value an `enum` refuses that is a plausible mistake, by (key, value).
_ENUM_HINTS = {
    ("mode", "keep"): "`keep` is what a policy's toggle does when it is on, so it is no mode "
    "to send when it is off: use redact, length, hash or drop (users choose keep in the "
    "[otel] table)",
}

#: Numbers in exponent form that YAML 1.1 (PyYAML) reads as strings: `1e-7`, `2E5`, `1.5e3`.
_YAML11_TEXT_NUMBER = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+")

#: Hints for patterns that are not lower-case names, by pattern.
_PATTERN_HINTS = {
    "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$": "use a semantic "
    "version, MAJOR.MINOR.PATCH such as 1.0.0, optionally with a -suffix",
    "^(1|%|[A-Za-z]+(-?[0-9]+)?|[A-Za-z]*\\{[A-Za-z0-9_.-]+\\})([./](1|%|[A-Za-z]+(-?[0-9]+)?"
    "|[A-Za-z]*\\{[A-Za-z0-9_.-]+\\}))*$": "units are UCUM: 1, ms, s, By, %, an annotation in "
    "braces such as {token}, or such terms joined by / (By/s); no spaces",
    "^[A-Z][A-Z0-9_]*$": "enum member ids are upper-case letters, digits and underscores, "
    "starting with a letter",
    "^([^{}\\u0000-\\u001f\\u007f]|\\{[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*\\})+$": "a span "
    "name is text with {attribute.key} placeholders, such as `execute_tool {gen_ai.tool.name}`: "
    "no other braces, no control characters",
}


@cache
def format_schema() -> dict[str, Any]:
    """The catalog format's JSON Schema, as shipped in `codex_otel.schema`."""
    text = resources.files("codex_otel.schema").joinpath("catalog.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _is_integer(checker: object, instance: object) -> bool:
    # JSON Schema counts 16.0 as an integer, but YAML gives it as a float, and a float
    # cap or enum value would reach the generated code as one.
    return isinstance(instance, int) and not isinstance(instance, bool)


def ecma_pattern(pattern: str) -> str:
    """`pattern` for Python's `re` with ECMA-262's meaning of `$`: the end of the text.

    JSON Schema patterns are ECMA-262 regular expressions, where `$` (without the
    multiline flag) matches only at the end; in Python it also matches before a final
    line break, so `^[a-z]+$` would accept `"name\\n"`. Each `$` outside a character
    class becomes `\\Z`.
    """
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        index += 1
    return "".join(out)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(ecma_pattern(pattern))


def _pattern(
    validator: jsonschema.protocols.Validator, pattern: str, instance: Any, schema: object
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = format_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer)
    strict: type[jsonschema.protocols.Validator] = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator,
        validators={"pattern": _pattern},
        type_checker=checker,
    )
    return strict(_inline_refs(schema, schema.get("$defs", {})))


def _inline_refs(node: Any, definitions: dict[str, Any], depth: int = 0) -> Any:
    """`node` with each local `{"$ref": "#/$defs/NAME"}` replaced by its definition.

    The same schema, checked about twice as fast: jsonschema resolves a `$ref` anew at
    every value it checks, and a large catalog has tens of thousands. A `$ref` with
    sibling keywords becomes `allOf` (what 2020-12 means by it), and references nested
    deeper than a real schema needs are left as they are, so a recursive one still works.
    """
    if isinstance(node, list):
        return [_inline_refs(item, definitions, depth) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith(_DEFS) and depth < _MAX_INLINE:
        target = _inline_refs(definitions[reference.removeprefix(_DEFS)], definitions, depth + 1)
        rest = {k: _inline_refs(v, definitions, depth) for k, v in node.items() if k != "$ref"}
        return {"allOf": [target], **rest} if rest else target
    return {key: _inline_refs(value, definitions, depth) for key, value in node.items()}


_DEFS = "#/$defs/"
_MAX_INLINE = 16


def check_structure(source: Source) -> list[Diagnostic]:
    """Every way `source.data` breaks the format, in document order."""
    diagnostics = [
        diagnostic
        for error in _validator().iter_errors(source.data)
        for diagnostic in _describe(source, error)
    ]
    return sorted(diagnostics, key=lambda d: (d.line, d.column, d.message))


def _describe(source: Source, error: ValidationError) -> list[Diagnostic]:
    path: DocPath = tuple(error.absolute_path)
    if error.validator in ("oneOf", "anyOf") and error.context:
        # When one branch matches the value's shape (an object where an object form is
        # allowed), its errors are the useful ones; "expected one of ..." helps nobody.
        for branch in _branches(error):
            if not any(_is_shape_mismatch(sub, path) for sub in branch):
                return [d for sub in branch for d in _describe(source, sub)]
        return [
            source.diagnostic(
                path, _one_of_message(error), "see schema/FORMAT.md for the forms allowed"
            )
        ]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = sorted(schema.get("properties", {}))
        unknown = [key for key in error.instance if key not in allowed]
        return [
            source.diagnostic(
                (*path, key), f"unknown key {key!r}", _did_you_mean(str(key), allowed), key=True
            )
            for key in unknown
        ]
    hint = _HINTS.get(str(error.validator), "")
    text = error.instance if isinstance(error.instance, str) else ""
    if error.validator == "type" and _YAML11_TEXT_NUMBER.fullmatch(text):
        hint = "YAML 1.1 reads 1e-7 as text: write a dot and a signed exponent, 1.0e-7"
    if error.validator == "pattern":
        hint = _PATTERN_HINTS.get(str(error.validator_value), hint)
    if error.validator == "enum" and path and isinstance(error.instance, str):
        hint = _ENUM_HINTS.get((str(path[-1]), error.instance), hint)
    if "propertyNames" in error.absolute_schema_path:
        # A bad mapping key (a toggle's name): point at that key, not at the mapping.
        name: Any = error.instance
        line, column = source.locate((*path, name), key=True)
        return [Diagnostic(source.file, line, column, path, f"key {_short(error)}", hint)]
    return [source.diagnostic(path, _short(error), hint)]


def _branches(error: ValidationError) -> list[list[ValidationError]]:
    groups: dict[object, list[ValidationError]] = {}
    for sub in error.context or []:
        groups.setdefault(sub.relative_schema_path[0], []).append(sub)
    return list(groups.values())


def _is_shape_mismatch(error: ValidationError, path: DocPath) -> bool:
    """The branch rejected the value itself as the wrong kind (not something inside it)."""
    return tuple(error.absolute_path) == path and error.validator in (
        "type",
        "enum",
        "oneOf",
        "anyOf",
    )


def _one_of_message(error: ValidationError) -> str:
    options = []
    for sub in error.context or []:
        if sub.validator == "enum":
            members: Any = sub.validator_value
            options.append("one of " + ", ".join(repr(v) for v in members))
        elif sub.validator == "type":
            kinds: Any = sub.validator_value
            kinds = kinds if isinstance(kinds, list) else [kinds]
            options.append(" or ".join(with_article(str(kind)) for kind in kinds))
    value = json.dumps(error.instance, default=str)[:80]
    return f"{value} is not valid here; expected " + " or ".join(dict.fromkeys(options))


def _short(error: ValidationError) -> str:
    if error.validator == "pattern":
        return f"{error.instance!r} does not match the required pattern {error.validator_value!r}"
    if error.validator == "type":
        found = json.dumps(error.instance, default=str)[:60]
        return f"expected {error.validator_value}, found {type(error.instance).__name__} {found}"
    return error.message


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    allowed = ", ".join(choices)
    return (
        f"did you mean {close[0]!r}? allowed keys: {allowed}"
        if close
        else f"allowed keys: {allowed}"
    )
