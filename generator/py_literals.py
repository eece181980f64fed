"""Catalog text as Python source: string literals, other literals, docstrings.

Every piece of catalog text that reaches generated Python passes one of these, and each
escapes so the text cannot end its literal (or a comment line).
"""

from __future__ import annotations

import re
import textwrap
import unicodedata

#: Line length the generated Python is laid out for (ruff's, set in pyproject.toml).
LINE_LENGTH = 100


#: A lone surrogate (YAML's "\ud800") is a str character that UTF-8 cannot encode.
_SURROGATE = re.compile("[\ud800-\udfff]")


def spell_surrogates(text: str) -> str:
    """Replace each lone surrogate by the six characters of its escape, `\\ud800`."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def escape_char(char: str) -> str:
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


#: Printable ASCII but the backslash: text that `escape_char` would leave as it is.
_PLAIN_TEXT = re.compile(r"[ -\[\]-~]*")


def _escape_text(text: str) -> str:
    """`text` with every character escaped as `escape_char` says (most text: unchanged)."""
    if _PLAIN_TEXT.fullmatch(text):  # the common case, without a call per character
        return text
    return "".join(escape_char(c) for c in text)


def py_str(value: str) -> str:
    """A Python string literal for any text, quoted the way ruff format quotes it."""
    # ruff prefers double quotes unless that needs more escapes than single quotes.
    quote = "'" if value.count('"') > value.count("'") else '"'
    body = _escape_text(value).replace(quote, "\\" + quote)
    return f"{quote}{body}{quote}"


#: A word and the spaces after it: where a long string literal may be split.
_WORD = re.compile(r"\s*\S+\s*|\s+")


def py_str_parts(value: str, width: int) -> list[str]:
    """String literals whose implicit concatenation is `value`, each at most `width`
    characters when the text has spaces to split at (split after a space, as people do).

    For a literal too long for its line: ruff format leaves string literals whole, so the
    generator splits them itself, and ruff check (E501) passes without a blanket noqa."""
    whole = py_str(value)
    if len(whole) <= width:
        return [whole]
    parts: list[str] = []
    chunk = ""
    for word in _WORD.findall(value):
        if chunk and len(py_str(chunk + word)) > width:
            parts.append(py_str(chunk))
            chunk = ""
        chunk += word
    parts.append(py_str(chunk))
    return parts


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
    for paragraph in spell_surrogates(text).split("\n"):
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


def visible(text: str) -> str:
    """Control and separator characters spelled as escapes, so docs show what is there."""
    if text.isascii() and text.isprintable():  # the common case, without a call per character
        return text
    return "".join(c if c == " " or c.isprintable() else escape_char(c) for c in text)
