"""Catalog text as Markdown: table cells, code spans, heading anchors.

Catalog text is data, not Markdown: every character Markdown or HTML would read as markup
is escaped, so the text shows as written. Two things are kept, because catalog prose uses
them on purpose: code spans it opens and closes (`like this`), and links to http(s) URLs
(`[the spec](https://...)`). A link to anything else (`javascript:`, `data:`) is shown as
text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

from .docs_model import Part
from .py_literals import visible

#: Punctuation Markdown reads as markup anywhere on a line (emphasis, links, images,
#: strikethrough, escapes); a backslash before one shows it as it is.
_SPECIAL = set("\\`*_[]~!")
#: What starts a heading, a list item or a thematic break at the start of a paragraph.
_BLOCK_START = re.compile(r"^(\s*)(#+(?=\s|$)|[-+](?=\s|$)|\d+(?=[.)](?:\s|$)))")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
#: A link whose target is an http(s) URL without spaces, quotes, angle brackets or
#: parentheses (so the target cannot end early or hold markup).
_LINK = re.compile(r"\[([^\[\]`]*)\]\((https?://[^\s()<>\"'`\\|]+)\)")


def md(text: object) -> str:
    """Text safe inside a Markdown table cell, a paragraph or a heading: one line; HTML,
    pipes and Markdown punctuation escaped; closed code spans and http(s) links kept.

    A backtick run that closes nothing is escaped, or it would pair with a code span the
    template adds later on the line and turn that span's text into Markdown."""
    value = visible(str(text).replace("\r", " ").replace("\n", " "))
    out: list[str] = []
    for kind, piece in _pieces(value):
        if kind == "code":
            out.append(piece.replace("|", "\\|"))
        elif kind == "link":
            match = _LINK.fullmatch(piece)
            assert match is not None
            out.append(f"[{_escape(match.group(1))}]({match.group(2)})")
        else:
            out.append(_escape(piece))
    return _BLOCK_START.sub(_escape_marker, "".join(out), count=1)


def _escape_marker(match: re.Match[str]) -> str:
    """A block marker escaped: a digit run at its dot (`1\\.`), the others themselves."""
    space, marker = match.groups()
    return space + (marker + "\\" if marker[0].isdigit() else "\\" + marker)


def _escape(text: str) -> str:
    return "".join(
        _HTML[c] if c in _HTML else "\\|" if c == "|" else "\\" + c if c in _SPECIAL else c
        for c in text
    )


def _pieces(text: str) -> Iterable[tuple[str, str]]:
    """`text` split into closed code spans ("code"), http(s) links ("link") and the rest
    ("text")."""
    index = 0
    plain = 0
    while index < len(text):
        char = text[index]
        if char == "`":
            end = index
            while end < len(text) and text[end] == "`":
                end += 1
            run = text[index:end]
            # The span closes at the next run of exactly as many backticks.
            closing = re.compile(f"(?<!`){run}(?!`)").search(text, end)
            if closing is None:
                index = end  # escaped with the text around it
                continue
            yield "text", text[plain:index]
            yield "code", text[index : closing.end()]
            index = plain = closing.end()
        elif char == "[" and (link := _LINK.match(text, index)):
            yield "text", text[plain:index]
            yield "link", link.group(0)
            index = plain = link.end()
        else:
            index += 1
    yield "text", text[plain:]


def md_words(words: Iterable[Part]) -> str:
    """A docs sentence (`docs_model.Words`) as Markdown: prose through `md`, literal values
    as code spans, labels in bold."""
    shown: dict[str, Callable[[object], str]] = {
        "text": md,
        "code": md_code,
        "strong": lambda value: f"**{md(value)}**",
    }
    return "".join(shown[part.kind](part.value) for part in words)


def md_code(value: object) -> str:
    """An inline code span holding `value` (JSON for non-strings); any backticks allowed.

    Code spans show entities literally, so only line breaks and table pipes are changed.
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = visible(text.replace("\r", " ").replace("\n", " ")).replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading of this text: lower case, punctuation dropped
    (dots, quotes, brackets: anything but letters, digits, `-` and `_`), spaces as `-`.
    So `codex.api_request` is `codexapi_request`, and no catalog text can leave the
    link's target."""
    kept = (c for c in heading.lower() if c.isalnum() or c in "-_ ")
    return "".join(kept).replace(" ", "-")
