"""Catalog text as Markdown: table cells, code spans, heading anchors."""

from __future__ import annotations

import json
import re

from .py_literals import visible


def md(text: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes and HTML escaped.

    Inline code the text opens and closes (`like this`) is kept; a backtick run that
    closes nothing is escaped, or it would pair with a code span the template adds later
    on the line and turn that span's text into Markdown, HTML included.
    """
    value = visible(str(text).replace("\r", " ").replace("\n", " "))
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
    text = visible(text.replace("\r", " ").replace("\n", " ")).replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def anchor(name: str) -> str:
    """GitHub's heading anchor for an event name (dots dropped)."""
    return name.replace(".", "").lower()
