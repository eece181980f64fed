"""Render a resolved catalog through the Jinja templates, and write or check the output.

Templates only format; the filters below are the one place where catalog text is turned
into Python source, Markdown or JSON, and each escapes for its target.
"""

from __future__ import annotations

import difflib
import json
import re
import textwrap
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from codex_otel.runtime.checks import INT64_MAX, INT64_MIN

from .model import Attribute, AttributeType, Catalog, Event

if TYPE_CHECKING:
    from .semver import GateResult

#: Line length the generated Python is laid out for (ruff's, set in pyproject.toml).
LINE_LENGTH = 100

#: Template names; a user's template directory may override any of them by name.
TEMPLATES = {
    "package": "__init__.py.jinja",
    "module": "events.py.jinja",
    "docs": "EVENTS.md.jinja",
    "schema": "event.schema.json.jinja",
}


@dataclass(frozen=True)
class OutputFile:
    """One generated file: its path relative to the output directory, and its text."""

    path: str
    text: str


# --- Python source ---------------------------------------------------------------------

#: A lone surrogate (YAML's "\ud800") is a str character that UTF-8 cannot encode.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _spell_surrogates(text: str) -> str:
    """Replace each lone surrogate by the six characters of its escape, `\\ud800`."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _escape_char(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    if char == "\r":
        return "\\r"
    if char.isprintable() and unicodedata.category(char) not in ("Zl", "Zp"):
        return char
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


#: Printable ASCII but the backslash: text that `_escape_char` would leave as it is.
_PLAIN_TEXT = re.compile(r"[ -\[\]-~]*")


def _escape_text(text: str) -> str:
    """`text` with every character escaped as `_escape_char` says (most text: unchanged)."""
    if _PLAIN_TEXT.fullmatch(text):  # the common case, without a call per character
        return text
    return "".join(_escape_char(c) for c in text)


def py_str(value: str) -> str:
    """A Python string literal for any text, quoted the way ruff format quotes it."""
    # ruff prefers double quotes unless that needs more escapes than single quotes.
    quote = "'" if value.count('"') > value.count("'") else '"'
    body = _escape_text(value).replace(quote, "\\" + quote)
    return f"{quote}{body}{quote}"


def py_value(value: object) -> str:
    """A Python literal for a str, int, float or bool from the catalog."""
    if isinstance(value, str):
        return py_str(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    raise TypeError(f"no Python literal for {type(value).__name__}")


def docstring(text: str, indent: int, lead: int = 0) -> str:
    """Docstring lines for `text`: escaped so it cannot end the string, wrapped to fit.

    `lead` is how many characters precede the text on its first line after the indent
    (3 for the opening quotes), so that line fits too.

    Backslashes and control characters are escaped, and so is every quote next to
    another quote or at the start, so no run of quotes can close the docstring. The
    templates put the closing quotes on a line of their own, so a final quote is safe.
    """
    lines: list[str] = []
    width = max(LINE_LENGTH - indent, 20)
    # A class whose docstring holds a lone surrogate cannot be created (CPython stores
    # class docstrings as UTF-8), so surrogates are spelled out, not escaped.
    for paragraph in _spell_surrogates(text).split("\n"):
        # textwrap drops trailing spaces, which would leave a final quote unescaped next
        # to the closing quotes of a one-line docstring: drop them before escaping.
        safe = _escape_text(paragraph).rstrip(" ")
        safe = re.sub(r'^"|"(?=")|(?<=")"|"$', r'\\"', safe)
        # textwrap never splits inside a word, so an escape such as \" stays whole.
        first = " " * lead if not lines else ""
        wrapped = textwrap.wrap(
            safe,
            width=width,
            initial_indent=first,
            break_long_words=False,
            break_on_hyphens=False,
        )
        if wrapped:
            wrapped[0] = wrapped[0].removeprefix(first)
        lines.extend(wrapped or [""])
    while lines and not lines[-1]:
        lines.pop()
    pad = " " * indent
    return "\n".join(
        [lines[0] if lines else "", *((pad + line) if line else "" for line in lines[1:])]
    )


def docstring_block(text: str, indent: int) -> str:
    """A whole docstring literal: on one line when the text is one line, as ruff keeps it."""
    body = docstring(text, indent, lead=len('"""'))
    if "\n" not in body:
        return f'"""{body}"""'
    return f'"""{body}\n{" " * indent}"""'


def call(function: str, args: Iterable[str], indent: int, lead: str = "") -> str:
    """A call laid out as ruff format lays out a call whose arguments are atoms.

    `lead` is what precedes the call on its line (`_name = `), for the width."""
    arguments = list(args)
    flat = f"{lead}{function}({', '.join(arguments)})"
    if indent + len(flat) <= LINE_LENGTH:
        return flat
    inner = " " * (indent + 4)
    hugged = ", ".join(arguments)
    if indent + 4 + len(hugged) <= LINE_LENGTH:
        return f"{lead}{function}(\n{inner}{hugged}\n{' ' * indent})"
    body = "".join(f"{inner}{argument},\n" for argument in arguments)
    return f"{lead}{function}(\n{body}{' ' * indent})"


def if_all(conditions: Iterable[str], indent: int) -> str:
    """`if a and b:` laid out as ruff format lays out a condition too long for its line:
    parenthesized, one operand a line."""
    operands = list(conditions)
    flat = f"if {' and '.join(operands)}:"
    if indent + len(flat) <= LINE_LENGTH:
        return flat
    inner = " " * (indent + 4)
    # First choice, as ruff's: split the brackets of a call that ends the condition,
    # when the head and the arguments then each fit on a line.
    last = operands[-1]
    opening = _opening_of_final_call(last)
    if opening is not None:
        head = f"if {' and '.join([*operands[:-1], last[: opening + 1]])}"
        arguments = last[opening + 1 : -1]
        if indent + len(head) <= LINE_LENGTH and indent + 4 + len(arguments) <= LINE_LENGTH:
            return f"{head}\n{inner}{arguments}\n{' ' * indent}):"
    body = f"\n{inner}and ".join(operands)
    return f"if (\n{inner}{body}\n{' ' * indent}):"


def _opening_of_final_call(text: str) -> int | None:
    """Index of the `(` whose `)` ends `text` (a call), or None when `text` does not end
    with a call's closing parenthesis."""
    if not text.endswith(")"):
        return None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[index], 0)
        if depth == 0:
            # A bare parenthesized group is not a call: a name must come before it.
            return (
                index if index and (text[index - 1].isalnum() or text[index - 1] == "_") else None
            )
    return None


def parameter(attribute: Attribute) -> str:
    """An emitter's keyword parameter line (indent 4), laid out as ruff format does when
    the annotation is too long: a union splits before `| None`, then a subscript opens."""
    name, core = attribute.python_name, _annotation_core(attribute)
    optional = not attribute.is_required
    line = f"{name}: {core}{' | None = None' if optional else ''},"
    if 4 + len(line) <= LINE_LENGTH:
        return line
    tail = "\n    | None = None," if optional else ","
    if optional and 4 + len(f"{name}: {core}") <= LINE_LENGTH:
        return f"{name}: {core}{tail}"
    opening = core.find("[")
    if core.startswith("Sequence[") and 8 + len(core[opening + 1 : -1]) <= LINE_LENGTH:
        return f"{name}: {core[: opening + 1]}\n        {core[opening + 1 : -1]}\n    ]{tail}"
    return line  # longer than ruff's layouts handled here (names of ~64 characters)


def field(attribute: Attribute) -> str:
    """A `Metadata` field line (indent 4); an optional one too long for its line gets its
    annotation parenthesized, as ruff format does."""
    name, text = attribute.python_name, annotation(attribute)
    line = f"{name}: {text}" + ("" if attribute.is_required else " = None")
    if 4 + len(line) <= LINE_LENGTH or attribute.is_required:
        return line
    if 8 + len(text) <= LINE_LENGTH:
        return f"{name}: (\n        {text}\n    ) = None"
    core = _annotation_core(attribute)
    inner = core[len("Sequence[") : -1]
    if core.startswith("Sequence[") and 12 + len(inner) <= LINE_LENGTH:
        lines = [
            f"{name}: (",
            "    Sequence[",
            f"        {inner}",
            "    ]",
            "    | None",
            ") = None",
        ]
        return "\n    ".join(lines)
    return line  # longer than ruff's layouts handled here (names of ~64 characters)


def annotation(attribute: Attribute) -> str:
    """The parameter annotation: enums accept the enum class or its literal values."""
    text = _annotation_core(attribute)
    return text if attribute.is_required else f"{text} | None"


def _annotation_core(attribute: Attribute) -> str:
    attribute_type = attribute.type
    if attribute_type.is_enum:
        literals = ", ".join(py_value(m.value) for m in attribute_type.members)
        text = f"{attribute_type.class_name} | Literal[{literals}]"
        if attribute_type.is_array:
            text = f"Sequence[{text}]"
    elif attribute_type.is_array:
        text = f"Sequence[{attribute_type.python_scalar}]"
    else:
        text = attribute_type.python_scalar
    return text


def type_test(attribute: Attribute, subject: str | None = None) -> str:
    """A condition that is true when the argument named like the attribute has a wrong type.

    Exact type tests for numbers and booleans: `True` is an int to `isinstance`, and a
    boolean sent as an integer (or the reverse) is a bug the catalog exists to catch.
    """
    name = subject or attribute.python_name
    attribute_type = attribute.type
    if attribute_type.is_array:
        return f"not is_array_of({name}, {_array_item_types(attribute_type)})"
    return {
        "string": f"not isinstance({name}, str)",
        "int": f"type({name}) is not int",
        "double": f"type({name}) not in (int, float)",
        "boolean": f"type({name}) is not bool",
    }[attribute_type.base]


def range_test(attribute: Attribute, subject: str | None = None) -> str:
    """A condition that is true when the (well-typed) argument is outside the bounds.

    Written so that NaN is outside any bound (`not x >= 0`: every comparison with NaN is
    false)."""
    name = subject or attribute.python_name
    low, high = (_bound(bound) for bound in attribute.checked_bounds)
    if low is not None and high is not None:
        return f"not {low} <= {name} <= {high}"
    if low is not None:
        return f"not {name} >= {low}"
    return f"not {name} <= {high}"


def _bound(value: float | None) -> str | None:
    """A bound as source: the 64-bit limits by the runtime's names, which read better."""
    if value is None:
        return None
    if isinstance(value, int) and value in (INT64_MIN, INT64_MAX):
        return "INT64_MIN" if value == INT64_MIN else "INT64_MAX"
    return repr(value)


def enum_type_test(attribute: Attribute, subject: str | None = None) -> str:
    """True when the argument may be looked up in the enum's wire map (bools never may)."""
    name, attribute_type = subject or attribute.python_name, attribute.type
    if attribute_type.base == "int":
        return f"type({name}) in (int, {attribute_type.class_name})"
    return f"isinstance({name}, (str, {attribute_type.class_name}))"


def enum_lookup(attribute: Attribute, indent: int, subject: str | None = None) -> str:
    """Statements that set `_<name>` to the wire value of an enum argument (`subject`,
    default: the argument named like the attribute), or to None when it is not a member
    (nor a member's value) of the enum."""
    target, attribute_type = f"_{attribute.python_name}", attribute.type
    name = subject or attribute.python_name
    wire_map, pad = wire_map_name(attribute_type), " " * indent
    if attribute_type.is_array:
        arguments = [name, _enum_item_types(attribute_type), wire_map]
        return call("wire_members", arguments, indent, lead=f"{target} = ")
    return (
        f"{target} = None\n"
        f"{pad}if {enum_type_test(attribute, name)}:\n"
        f"{pad}    {target} = {wire_map}.get({name})"
    )


def enum_unknown(attribute: Attribute, subject: str) -> str:
    """A condition that is true when `subject` is not a member of a (scalar) enum."""
    wire_map = wire_map_name(attribute.type)
    return f"not ({enum_type_test(attribute, subject)} and {subject} in {wire_map})"


def _enum_item_types(attribute_type: AttributeType) -> str:
    scalar = "int" if attribute_type.base == "int" else "str"
    return f"({scalar}, {attribute_type.class_name})"


def wire_value(attribute: Attribute) -> str:
    """The expression sent on the wire for a checked argument: doubles always as floats."""
    name, attribute_type = attribute.python_name, attribute.type
    if attribute_type.base == "double" and not attribute_type.is_enum:
        return f"[float(item) for item in {name}]" if attribute_type.is_array else f"float({name})"
    if attribute.max_length:
        return f"truncate({name}, {attribute.max_length})"
    return name


def metadata_value(attribute: Attribute, indent: int, lead: str, tail: str = "") -> str:
    """`lead`, the wire value of a checked metadata field (shaped as emitters shape
    arguments) and `tail`, laid out for a line indented by `indent`."""
    name, attribute_type = f"self.{attribute.python_name}", attribute.type
    if attribute_type.is_enum:
        wire_map = wire_map_name(attribute_type)
        if attribute_type.is_array:
            return comprehension(f"{wire_map}[item]", name, indent, lead, tail)
        value = f"{wire_map}[{name}]"
    elif attribute_type.base == "double" and attribute_type.is_array:
        return comprehension("float(item)", name, indent, lead, tail)
    elif attribute_type.base == "double":
        value = f"float({name})"
    elif attribute.max_length:
        value = f"truncate({name}, {attribute.max_length})"
    else:
        value = name
    return f"{lead}{value}{tail}"


def comprehension(expression: str, iterable: str, indent: int, lead: str, tail: str) -> str:
    """`[expression for item in iterable]` after `lead`, laid out as ruff format does."""
    flat = f"{lead}[{expression} for item in {iterable}]{tail}"
    if indent + len(flat) <= LINE_LENGTH:
        return flat
    pad, inner = " " * indent, " " * (indent + 4)
    body = f"{expression} for item in {iterable}"
    if indent + 4 + len(body) <= LINE_LENGTH:
        return f"{lead}[\n{inner}{body}\n{pad}]{tail}"
    return f"{lead}[\n{inner}{expression}\n{inner}for item in {iterable}\n{pad}]{tail}"


def _array_item_types(attribute_type: AttributeType) -> str:
    return {"string": "str", "int": "int", "double": "(int, float)", "boolean": "bool"}[
        attribute_type.base
    ]


def argument_doc(attribute: Attribute) -> str:
    """The Args entry of an emitter's docstring for one attribute (name excluded)."""
    parts = [f"`{attribute.key}`, {attribute.requirement_text}.", attribute.description]
    if attribute.redact:
        parts.append(
            f"Replaced by {attribute.redact.placeholder!r} unless the"
            f" `{attribute.redact.toggle}` toggle is on."
        )
    if attribute.max_length:
        parts.append(f"Cut to {attribute.max_length} characters.")
    if attribute.has_bounds:
        parts.append(f"Must be {attribute.bounds_text}.")
    if attribute.deprecated:
        parts.append(f"Deprecated: {attribute.deprecated.note}")
        if attribute.deprecated.replacement:
            parts.append(f"Use `{attribute.deprecated.replacement}` instead.")
    return " ".join(parts)


def deprecation_message(item: Event | Attribute, event: Event | None = None) -> str:
    """The warning a deprecated event (or an argument of `event`) gives its callers."""
    if item.deprecated is None:
        return ""
    if isinstance(item, Event):
        return f"event {item.name} is deprecated: {item.deprecated.note}"
    where = f" of {event.function_name}()" if event else ""
    key = f" ({item.key})" if item.key != item.python_name else ""
    return f"argument {item.python_name}{key}{where} is deprecated: {item.deprecated.note}"


def deprecated_arguments_message(event: Event) -> str:
    """The warning of an emitter's deprecated overload: its optional deprecated arguments."""
    return " ".join(
        deprecation_message(attribute, event)
        for attribute in event.deprecated_attributes
        if not attribute.is_required
    )


def expected(attribute: Attribute) -> str:
    """How error messages name the expected type."""
    attribute_type = attribute.type
    if attribute_type.is_enum:
        members = "one of " + ", ".join(repr(m.value) for m in attribute_type.members)
        return f"sequence of {members}" if attribute_type.is_array else members
    return {"string": "str", "int": "int", "double": "float", "boolean": "bool"}[
        attribute_type.base
    ] + (" sequence" if attribute_type.is_array else "")


def wire_map_name(attribute_type: AttributeType) -> str:
    """Module constant mapping an enum's members and values to wire values."""
    return "_" + _upper_snake(attribute_type.class_name or "") + "_WIRE"


def _upper_snake(camel: str) -> str:
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(camel)).upper()


# --- Markdown ----------------------------------------------------------------------------


def _visible(text: str) -> str:
    """Control and separator characters spelled as escapes, so docs show what is there."""
    if text.isascii() and text.isprintable():  # the common case, without a call per character
        return text
    return "".join(c if c == " " or c.isprintable() else _escape_char(c) for c in text)


def md(text: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes and HTML escaped.

    Inline code the text opens and closes (`like this`) is kept; a backtick run that
    closes nothing is escaped, or it would pair with a code span the template adds later
    on the line and turn that span's text into Markdown, HTML included.
    """
    value = _visible(str(text).replace("\r", " ").replace("\n", " "))
    value = (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    )
    return _escape_unclosed_backticks(value)


def _escape_unclosed_backticks(text: str) -> str:
    if "`" not in text:  # nothing to pair (a backslash alone is left as it is)
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        if text[index] == "\\":  # an escape: the next character is literal
            out.append(text[index : index + 2])
            index += 2
            continue
        if text[index] != "`":
            out.append(text[index])
            index += 1
            continue
        end = index
        while end < len(text) and text[end] == "`":
            end += 1
        run = text[index:end]
        # The span closes at the next run of exactly as many backticks.
        closing = re.compile(f"(?<!`){run}(?!`)").search(text, end)
        if closing is None:
            out.append("\\`" * len(run))
            index = end
        else:
            out.append(text[index : closing.end()])
            index = closing.end()
    return "".join(out)


def md_code(value: object) -> str:
    """An inline code span holding `value` (JSON for non-strings); any backticks allowed.

    Code spans show entities literally, so only line breaks and table pipes are changed.
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = _visible(text.replace("\r", " ").replace("\n", " ")).replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def anchor(name: str) -> str:
    """GitHub's heading anchor for an event name (dots dropped)."""
    return name.replace(".", "").lower()


# --- JSON Schema of the wire attributes -----------------------------------------------


def wire_schema(event: Event, catalog: Catalog, header: str) -> str:
    """JSON Schema (draft 2020-12) of one event's attributes as they arrive on the wire."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for attribute in (*catalog.common, *event.attributes):
        properties[attribute.key] = _attribute_schema(attribute)
        if attribute.computed == "event_name":
            # The runtime copies the record's event name here: one value per event.
            properties[attribute.key]["const"] = event.name
        if attribute.is_required:
            required.append(attribute.key)
        for legacy in attribute.also_sent_as:  # dual emission: the same value, old key
            properties[legacy.key] = {
                **_attribute_schema(attribute),
                "description": f"Deprecated key of {attribute.key}, sent with the same value "
                f"until catalog version {legacy.until}.",
                "deprecated": True,
            }
            if attribute.is_required:
                required.append(legacy.key)
    schema = {
        "$comment": header,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{event.name}.json",
        "title": event.name,
        "description": event.description,
        "x-catalog-version": catalog.version,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if event.deprecated:
        schema["deprecated"] = True
    text = json.dumps(schema, indent=2, ensure_ascii=False)
    # A lone surrogate cannot be written as UTF-8; JSON's escape for it means the same.
    return _spell_surrogates(text)


def _attribute_schema(attribute: Attribute) -> dict[str, Any]:
    attribute_type = attribute.type
    item: dict[str, Any] = {"type": attribute_type.json_type}
    if attribute_type.is_enum and not attribute.redact:
        item["enum"] = [m.value for m in attribute_type.members]
    if attribute.max_length and not attribute_type.is_array:
        # The cap includes the marker of a cut value: the format's smallest cap fits it.
        item["maxLength"] = attribute.max_length
    if attribute.minimum is not None:
        item["minimum"] = attribute.minimum
    if attribute.maximum is not None:
        item["maximum"] = attribute.maximum
    schema: dict[str, Any] = (
        {"type": "array", "items": item} if attribute_type.is_array else dict(item)
    )
    schema["description"] = attribute.description
    if attribute.computed == "timestamp":
        schema["format"] = "date-time"
    if attribute.condition:
        schema["x-condition"] = attribute.condition
    if attribute.redact:
        schema["x-redacted-by"] = attribute.redact.toggle
        schema["x-placeholder"] = attribute.redact.placeholder
    if attribute.examples:
        schema["examples"] = list(attribute.examples)
    if attribute.deprecated:
        schema["deprecated"] = True
    return schema


# --- environment and output ----------------------------------------------------------


class TemplateDirError(ValueError):
    """A template directory that does not exist or holds a file no template is named."""


def known_template_names() -> list[str]:
    """Every packaged template a template directory may override, by its path inside the
    templates folder: the generator's (`events.py.jinja`) and the site's
    (`site/event.html.jinja`, and its helpers such as `site/_layout.html.jinja`)."""
    return sorted(jinja2.PackageLoader("codex_otel.generator", "templates").list_templates())


def check_template_dir(template_dir: str | Path) -> None:
    """Raise TemplateDirError unless every file in `template_dir` overrides a template.

    An override is found by its name alone, so a misspelt one would silently change
    nothing. Files whose names start with `_` (macros, includes) and dotfiles are allowed.
    Files directly in the folder are checked, and those in a subfolder the packaged
    templates have (`site/`); other subfolders are the user's own.
    """
    root = Path(template_dir)
    if not root.is_dir():
        raise TemplateDirError(f"template directory {root} does not exist")
    known = known_template_names()
    folders = {""} | {name.rsplit("/", 1)[0] + "/" for name in known if "/" in name}
    candidates = [
        (folder, path)
        for folder in sorted(folders)
        if (root / folder).is_dir()
        for path in (root / folder).iterdir()
    ]
    unknown = sorted(
        folder + path.name
        for folder, path in candidates
        if path.is_file()
        and not path.name.startswith((".", "_"))
        and folder + path.name not in known
    )
    if unknown:
        problems = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            problems.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise TemplateDirError(
            f"template directory {root}: {', '.join(problems)} "
            f"{'is not a template name' if len(unknown) == 1 else 'are not template names'}; "
            f"the templates are {', '.join(known)} "
            "(name other files, such as macros to include, with a leading '_')"
        )


def environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """The Jinja environment; templates in `template_dir` override packaged ones by name."""
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        check_template_dir(template_dir)
        loaders.append(jinja2.FileSystemLoader(str(template_dir)))
    loaders.append(jinja2.PackageLoader("codex_otel.generator", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Python, Markdown and JSON outputs are escaped by their filters; the site's HTML
        # templates (`*.html.jinja`) by Jinja, which escapes every value they print.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.jinja",), default_for_string=False, default=False
        ),
    )
    env.filters.update(
        py_str=py_str,
        py_value=py_value,
        docstring=docstring,
        docstring_block=docstring_block,
        call=call,
        annotation=annotation,
        parameter=parameter,
        field=field,
        type_test=type_test,
        enum_type_test=enum_type_test,
        range_test=range_test,
        if_all=if_all,
        enum_lookup=enum_lookup,
        enum_unknown=enum_unknown,
        wire_value=wire_value,
        metadata_value=metadata_value,
        expected=expected,
        deprecation_message=deprecation_message,
        deprecated_arguments_message=deprecated_arguments_message,
        argument_doc=argument_doc,
        wire_map_name=wire_map_name,
        md=md,
        md_code=md_code,
        anchor=anchor,
    )
    return env


def render(
    catalog: Catalog,
    template_dir: str | Path | None = None,
    evolution: GateResult | None = None,
) -> list[OutputFile]:
    """Every output file for `catalog`, in a fixed order.

    `evolution`: the diff from a baseline catalog (`generate --baseline`), which the docs
    show as a "Changes since" section."""
    env = environment(template_dir)
    # The file name is not catalog text but can hold a line break, which would end the
    # header's comment line in Python: spell such characters as escapes. The version is
    # checked against a strict pattern, and escaped all the same.
    header_lines = [
        f"Generated from {_visible(catalog.file_name)}"
        f" (catalog version {_visible(catalog.version)})"
        " by `codex-otel generate`.",
        "Do not edit: change the catalog or a template, then regenerate.",
    ]
    header = " ".join(header_lines)
    context = {
        "catalog": catalog,
        "header": header,
        "header_lines": header_lines,
        "evolution": evolution,
    }
    outputs = [
        OutputFile("__init__.py", env.get_template(TEMPLATES["package"]).render(context)),
        OutputFile("events.py", env.get_template(TEMPLATES["module"]).render(context)),
        OutputFile("EVENTS.md", env.get_template(TEMPLATES["docs"]).render(context)),
    ]
    schema_template = env.get_template(TEMPLATES["schema"])
    for event in catalog.events:
        text = schema_template.render(
            context, event=event, schema=wire_schema(event, catalog, header)
        )
        outputs.append(OutputFile(f"schemas/{event.name}.json", text))
    return outputs


@dataclass(frozen=True)
class Change:
    """What writing (or checking) one output file found."""

    path: str
    status: str  # "written", "unchanged", "stale", "missing", "removed", "extra"
    diff: str = ""


def _managed_files(out_dir: Path) -> set[str]:
    """Files in `out_dir` that a previous run would have written."""
    found = {p for p in ("__init__.py", "events.py", "EVENTS.md") if (out_dir / p).exists()}
    schemas = out_dir / "schemas"
    if schemas.is_dir():
        found |= {f"schemas/{p.name}" for p in schemas.glob("*.json")}
    return found


def write_outputs(
    outputs: list[OutputFile],
    out_dir: str | Path,
    *,
    check: bool = False,
    managed: Callable[[Path], set[str]] = _managed_files,
) -> list[Change]:
    """Write `outputs` under `out_dir` (or, with `check`, only compare). Byte-exact.

    `managed` lists the files in `out_dir` a previous run would have written: those no
    longer among `outputs` are removed (or, with `check`, reported)."""
    root = Path(out_dir)
    changes: list[Change] = []
    expected_paths = {o.path for o in outputs}
    for output in outputs:
        target = root / output.path
        current = target.read_bytes().decode("utf-8", "replace") if target.exists() else None
        if current == output.text:
            changes.append(Change(output.path, "unchanged"))
            continue
        if check:
            diff = "".join(
                difflib.unified_diff(
                    (current or "").splitlines(keepends=True),
                    output.text.splitlines(keepends=True),
                    fromfile=f"{output.path} (on disk)",
                    tofile=f"{output.path} (from the catalog)",
                )
            )
            changes.append(Change(output.path, "missing" if current is None else "stale", diff))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(output.text.encode("utf-8"))
        changes.append(Change(output.path, "written"))
    # A schema of an event that was removed from the catalog is stale too.
    for leftover in sorted(managed(root) - expected_paths):
        if check:
            changes.append(Change(leftover, "extra", f"{leftover}: no longer generated\n"))
        else:
            (root / leftover).unlink()
            changes.append(Change(leftover, "removed"))
    return changes
