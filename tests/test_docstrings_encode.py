"""Every docstring of the package is valid UTF-8.

CPython 3.13 cleans docstrings when it compiles a module, and a docstring holding a lone
surrogate (an escape such as `\\udce9` written without its backslash doubled) makes the
module fail to compile there, so it cannot be imported at all. Found when
runtime/_resource.py broke every exporting pipeline on 3.13 while 3.10-3.12 passed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support.generation import REPO

PACKAGE_FOLDERS = ("schema", "generator", "livecheck", "generated", "runtime", "instrument", "cli")
SOURCES = sorted(path for folder in PACKAGE_FOLDERS for path in (REPO / folder).rglob("*.py"))
_DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def docstrings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, _DOCUMENTED):
            text = ast.get_docstring(node, clean=False)
            if text is not None:
                found.append((getattr(node, "lineno", 1), text))
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_docstring_is_valid_utf8(path: Path) -> None:
    for line, text in docstrings(path):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            pytest.fail(
                f"{path.relative_to(REPO)}:{line}: docstring holds {error.object[error.start]!r}"
            )


def test_the_sources_are_found() -> None:
    assert len(SOURCES) > 50
    assert REPO / "runtime" / "_resource.py" in SOURCES
