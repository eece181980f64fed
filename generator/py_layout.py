"""Generated Python laid out as ruff format lays it out (calls, conditions, annotations).

The generated module must pass `ruff format --check` unchanged, so the few shapes it
uses are laid out here the way ruff would, for the line length of pyproject.toml.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .model import Attribute, Toggle
from .naming import ARRAY_ALIAS
from .py_literals import LINE_LENGTH, py_str, py_str_parts, py_value


def fits_line_length(source: str) -> bool:
    """Whether ruff check (E501) accepts every line of `source`: none is longer than the
    line length, counted as ruff counts (East Asian wide characters as two columns), or
    it is one word (ruff lets a line without whitespace, a long literal, be)."""
    for line in source.splitlines():
        if len(line) <= LINE_LENGTH // 2:  # the common case, without a width per character
            continue
        if line.isascii():  # one column per character, without asking each one
            width = len(line)
        else:
            width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
        if width > LINE_LENGTH and len(line.split()) > 1:
            return False
    return True


def toggles_constant(toggles: Iterable[Toggle]) -> str:
    """The `TOGGLES` constant (toggle name -> default) of the generated package and module."""
    items = "".join(f"    {py_str(t.name)}: {py_value(t.default)},\n" for t in toggles)
    return "TOGGLES: Final[dict[str, bool]] = {" + (f"\n{items}}}" if items else "}")


def scanned_constant(scanned: Mapping[str, int | None]) -> str:
    """The `SCANNED` constant (key -> max_length or None) of the generated package: the
    keys of class content or identifier, whose values the runtime scans for secrets."""
    items = "".join(f"    {py_str(key)}: {py_value(cap)},\n" for key, cap in scanned.items())
    return "SCANNED: Final[dict[str, int | None]] = {" + (f"\n{items}}}" if items else "}")


def tuple_literal(
    items: Sequence[str], indent: int, *, lead: str = "", tail: str = "", expand: bool = False
) -> str:
    """`lead` and a tuple of `items` (Python source each), for a line indented by `indent`
    that `tail` ends, laid out as ruff format does: `()` and `(x,)` on the line; more items
    on the line when they fit, unless `expand` (a magic trailing comma) puts one a line."""
    if len(items) <= 1:
        return f"{lead}({items[0]},)" if items else f"{lead}()"
    flat = f"{lead}({', '.join(items)})"
    if not expand and indent + len(flat) + len(tail) <= LINE_LENGTH:
        return flat
    inner = " " * (indent + 4)
    return f"{lead}(\n" + "".join(f"{inner}{item},\n" for item in items) + " " * indent + ")"


@dataclass(frozen=True)
class Text:
    """Catalog text to be written as a string literal, split over lines when too long."""

    value: str
    #: The name of a keyword argument the text is passed as (`description=`), or "".
    keyword: str = ""


def _flat(argument: str | Text) -> str:
    if not isinstance(argument, Text):
        return argument
    return (
        f"{argument.keyword}={py_str(argument.value)}"
        if argument.keyword
        else py_str(argument.value)
    )


def _expanded(argument: str | Text, indent: int) -> str:
    """An argument on lines of its own (a comma follows): long text split into parts; a
    keyword argument's parts parenthesized, as ruff format lays them out."""
    if not isinstance(argument, Text):
        return argument
    if argument.keyword:
        lead = f"{argument.keyword}="
        if indent + len(lead) + len(py_str(argument.value)) + 1 <= LINE_LENGTH:
            return lead + py_str(argument.value)
        parts = py_str_parts(argument.value, LINE_LENGTH - indent - 4)
        if len(parts) == 1:  # one word: parentheses would not make it fit
            return lead + parts[0]
        inner = f"\n{' ' * (indent + 4)}"
        return f"{lead}({inner}{inner.join(parts)}\n{' ' * indent})"
    return f"\n{' ' * indent}".join(py_str_parts(argument.value, LINE_LENGTH - indent - 1))


def call(function: str, args: Iterable[str | Text], indent: int, lead: str = "") -> str:
    """A call laid out as ruff format lays out a call whose arguments are atoms.

    `lead` is what precedes the call on its line (`_name = `), for the width."""
    arguments = list(args)
    flat = f"{lead}{function}({', '.join(_flat(a) for a in arguments)})"
    if indent + len(flat) <= LINE_LENGTH:
        return flat
    inner = " " * (indent + 4)
    hugged = ", ".join(_flat(a) for a in arguments)
    if indent + 4 + len(hugged) <= LINE_LENGTH:
        return f"{lead}{function}(\n{inner}{hugged}\n{' ' * indent})"
    body = "".join(f"{inner}{_expanded(argument, indent + 4)},\n" for argument in arguments)
    return f"{lead}{function}(\n{body}{' ' * indent})"


def call_of_one(lead: str, function: str, argument: str, indent: int, tail: str = "") -> str:
    """`lead`, `function(argument)` and `tail` for a line indented by `indent`, laid out
    as ruff format lays out a call of one argument too long for its line: the argument on
    a line of its own (ruff leaves the first line long when even `lead function(` is)."""
    flat = f"{lead}{function}({argument}){tail}"
    if indent + len(flat) <= LINE_LENGTH:
        return flat
    pad = " " * indent
    return f"{lead}{function}(\n{pad}    {argument}\n{pad}){tail}"


def store_call(target: str, key: str, function: str, argument: str, indent: int) -> str:
    """`target[key] = function(argument)`, laid out as ruff format does: the call split
    first; when even `target[key] = function(` is too long, the subscript too."""
    lead = f"{target}[{key}] = "
    if indent + len(f"{lead}{function}(") <= LINE_LENGTH:
        return call_of_one(lead, function, argument, indent)
    pad = " " * indent
    return f"{target}[\n{pad}    {key}\n{pad}" + call_of_one("] = ", function, argument, indent)


def assign_text(lead: str, text: str, indent: int) -> str:
    """`lead` (`_x = `) and a string literal, parenthesized and split when too long, as
    ruff format lays out an assignment of an implicitly concatenated string."""
    flat = f"{lead}{py_str(text)}"
    if indent + len(flat) <= LINE_LENGTH:
        return flat
    parts = py_str_parts(text, LINE_LENGTH - indent - 4)
    if len(parts) == 1 and indent + 4 + len(parts[0]) > LINE_LENGTH:
        return flat  # one word: parentheses would not make it fit
    inner = " " * (indent + 4)
    return f"{lead}(\n{inner}" + f"\n{inner}".join(parts) + f"\n{' ' * indent})"


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
    laid = [_operand(o, indent + 4, 4 if index else 0) for index, o in enumerate(operands)]
    body = f"\n{inner}and ".join(laid)
    return f"if (\n{inner}{body}\n{' ' * indent}):"


def _operand(operand: str, indent: int, prefix: int) -> str:
    """One operand of an exploded condition, on a line indented by `indent` after
    `prefix` characters (`and `): an operand too long for the line that ends with a call
    has the call's arguments on a line of their own, as ruff format does."""
    opening = _opening_of_final_call(operand)
    if indent + prefix + len(operand) <= LINE_LENGTH or opening is None:
        return operand
    pad = " " * indent
    return f"{operand[: opening + 1]}\n{pad}    {operand[opening + 1 : -1]}\n{pad})"


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
    the annotation is too long: a union splits before `| None`, then a subscript opens,
    then an enum's own union (`Class | Literal[...]`) splits before its `|`."""
    name, core = attribute.python_name, _annotation_core(attribute)
    optional = not attribute.is_required
    line = f"{name}: {core}{' | None = None' if optional else ''},"
    if 4 + len(line) <= LINE_LENGTH:
        return line
    tail = "\n    | None = None," if optional else ","
    if optional and 4 + len(f"{name}: {core}") <= LINE_LENGTH:
        return f"{name}: {core}{tail}"
    opening = core.find("[")
    if core.startswith(f"{ARRAY_ALIAS}[") and 8 + len(core[opening + 1 : -1]) <= LINE_LENGTH:
        return f"{name}: {core[: opening + 1]}\n        {core[opening + 1 : -1]}\n    ]{tail}"
    if attribute.type.is_enum and attribute.type.is_array:
        union = _enum_union(attribute, 8, "")
        return f"{name}: {ARRAY_ALIAS}[\n        {union}\n    ]{tail}"
    if attribute.type.is_enum:  # the comma ends the literal's line unless `| None` follows
        if optional:
            return f"{name}: {_enum_union(attribute, 4, '')}{tail}"
        return f"{name}: {_enum_union(attribute, 4, ',')}"
    return line  # longer than ruff's layouts handled here (names of ~64 characters)


def _enum_union(attribute: Attribute, indent: int, tail: str) -> str:
    """`Class | Literal[...]` split before its `|`, for lines indented by `indent` (the
    first line's indent is the caller's), with `tail` after the subscript's last line.
    The literal's members: on its line when they fit, else on one line of their own,
    else one a line with a magic trailing comma, as ruff format lays out a subscript."""
    attribute_type = attribute.type
    members = [py_value(m.value) for m in attribute_type.members]
    pad, inner = " " * indent, " " * (indent + 4)
    flat = f"| Literal[{', '.join(members)}]"
    if indent + len(flat) + len(tail) <= LINE_LENGTH:
        literal = flat
    elif indent + 4 + len(", ".join(members)) <= LINE_LENGTH:
        literal = f"| Literal[\n{inner}{', '.join(members)}\n{pad}]"
    else:
        literal = "| Literal[\n" + "".join(f"{inner}{m},\n" for m in members) + f"{pad}]"
    return f"{attribute_type.class_name}\n{pad}{literal}{tail}"


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
    inner = core[len(ARRAY_ALIAS) + 1 : -1]
    if core.startswith(f"{ARRAY_ALIAS}[") and 12 + len(inner) <= LINE_LENGTH:
        lines = [
            f"{name}: (",
            f"    {ARRAY_ALIAS}[",
            f"        {inner}",
            "    ]",
            "    | None",
            ") = None",
        ]
        return "\n    ".join(lines)
    return line  # longer than ruff's layouts handled here (names of ~64 characters)


def annotation(attribute: Attribute) -> str:
    """The parameter annotation: enums accept the enum class or its literal values; arrays
    are `ArrayOf[item]`, the generated module's alias of `list[item] | tuple[item, ...]`
    (not `Sequence[item]`: a str is a sequence of str, and type checkers let it through
    where the run-time check refuses it)."""
    text = _annotation_core(attribute)
    return text if attribute.is_required else f"{text} | None"


def _annotation_core(attribute: Attribute) -> str:
    attribute_type = attribute.type
    if attribute_type.is_enum:
        literals = ", ".join(py_value(m.value) for m in attribute_type.members)
        text = f"{attribute_type.class_name} | Literal[{literals}]"
        if attribute_type.is_array:
            text = f"{ARRAY_ALIAS}[{text}]"
    elif attribute_type.is_array:
        text = f"{ARRAY_ALIAS}[{attribute_type.python_scalar}]"
    else:
        text = attribute_type.python_scalar
    return text


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


# --- statements ---------------------------------------------------------------------
# The code model describes generated statements with these; `statement` lays them out.


@dataclass(frozen=True)
class Line:
    """A statement that fits on its line as it is (`_x = None`, a comment)."""

    text: str


@dataclass(frozen=True)
class Call:
    """A call of `function` on atoms, after `lead` (`_x = `), laid out by `call`."""

    function: str
    arguments: tuple[str | Text, ...]
    lead: str = ""


@dataclass(frozen=True)
class AssignText:
    """`lead` (`_x = `) and catalog text as a string literal, laid out by `assign_text`."""

    lead: str
    text: str


@dataclass(frozen=True)
class Laid:
    """A statement laid out by `layout(indent)`, for shapes with their own layout."""

    layout: Callable[[int], str]


@dataclass(frozen=True)
class If:
    """`if a and b:` (laid out by `if_all`), its body, and an optional `else:` body."""

    conditions: tuple[str, ...]
    body: tuple[Statement, ...]
    orelse: tuple[Statement, ...] = ()
    #: A comment after the colon, for a condition whose meaning is not plain.
    comment: str = ""


Statement = Line | Call | AssignText | Laid | If


def statement(node: Statement, indent: int) -> str:
    """`node` as source for a line indented by `indent`: the first line without its
    indent (the template places it), the following lines with theirs."""
    if isinstance(node, Line):
        return node.text
    if isinstance(node, Call):
        return call(node.function, node.arguments, indent, node.lead)
    if isinstance(node, AssignText):
        return assign_text(node.lead, node.text, indent)
    if isinstance(node, Laid):
        return node.layout(indent)
    head = if_all(node.conditions, indent) + (f"  # {node.comment}" if node.comment else "")
    lines = [head, *_block(node.body, indent + 4)]
    if node.orelse:
        lines += [" " * indent + "else:", *_block(node.orelse, indent + 4)]
    return "\n".join(lines)


def _block(body: Iterable[Statement], indent: int) -> list[str]:
    return [" " * indent + statement(node, indent) for node in body]
