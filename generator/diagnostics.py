"""Diagnostics: what is wrong with a catalog, where, and what to do about it.

Every check appends to a list instead of raising, so one run reports every problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: A location inside the YAML document: mapping keys and list indexes from the root.
DocPath = tuple[str | int, ...]


def format_path(path: DocPath) -> str:
    """`("events", 2, "attributes", 0, "ref")` -> `events[2].attributes[0].ref`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(document)"


def with_article(noun: str) -> str:
    """`noun` after its indefinite article: `a string`, `an int`, `an enum (string)`."""
    return ("an " if noun[:1] in ("a", "e", "i", "o", "u") else "a ") + noun


@dataclass(frozen=True)
class Diagnostic:
    """One problem: file, 1-based line and column, document path, message and a hint."""

    file: str
    line: int
    column: int
    path: DocPath
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        text = f"{where}: error: {format_path(self.path)}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class CatalogError(Exception):
    """The catalog is invalid; `diagnostics` holds every problem found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        count = len(self.diagnostics)
        summary = f"{count} error{'s' if count != 1 else ''} in the catalog"
        super().__init__("\n".join([*map(str, self.diagnostics), summary]))
