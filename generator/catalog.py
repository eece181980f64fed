"""Load a catalog: read (YAML with positions) -> check structure (JSON Schema) -> resolve.

When the structure is wrong, the meaning checks still run on the well-formed parts, so
both kinds of error are reported at once. The salvaged part gets a second structural
pass on purpose: resolve trusts the JSON Schema's guarantees, and a resolver tolerant of
any shape would re-implement them as hand-written guards; the second pass costs nothing
for a valid catalog (it runs only for one that is already invalid).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .diagnostics import CatalogError, Diagnostic
from .model import Catalog
from .resolve import resolve
from .salvage import salvage
from .source import Source, parse_source, parse_source_bytes, read_source
from .structure import check_structure


def bundled_catalog_path() -> Path:
    """The catalog shipped with the package (schema/catalog.yaml in a checkout)."""
    return Path(str(resources.files("codex_otel.schema").joinpath("catalog.yaml")))


def _load(source: Source | None, diagnostics: list[Diagnostic]) -> Catalog:
    if source is None or diagnostics:
        raise CatalogError(diagnostics)
    structural = check_structure(source)
    if structural:
        raise CatalogError(_with_meaning_errors(source, structural))
    catalog, problems = resolve(source)
    if catalog is None:
        raise CatalogError(problems)
    return catalog


def _with_meaning_errors(source: Source, structural: list[Diagnostic]) -> list[Diagnostic]:
    """`structural`, plus the semantic errors of the parts of the document that are well
    formed, so one run reports both kinds (see salvage.py)."""
    salvaged = salvage(source, structural)
    if salvaged is None:
        return structural
    # The cut document is checked again: the meaning checks may trust its structure.
    if any(d.path not in salvaged.emptied for d in check_structure(salvaged.source)):
        return structural
    _, problems = resolve(salvaged.source, absent=salvaged.absent)
    found = structural + [salvaged.original(problem) for problem in problems]
    return sorted(found, key=lambda d: (d.line, d.column))


def load_catalog(path: str | Path) -> Catalog:
    """Read, check and resolve the catalog at `path`; raise CatalogError listing every problem."""
    diagnostics: list[Diagnostic] = []
    return _load(read_source(path, diagnostics), diagnostics)


def load_catalog_text(text: str, file: str = "<catalog>") -> Catalog:
    """Like `load_catalog`, for catalog text; `file` names it in diagnostics."""
    diagnostics: list[Diagnostic] = []
    return _load(parse_source(text, file, diagnostics), diagnostics)


def load_catalog_bytes(raw: bytes, file: str) -> Catalog:
    """Like `load_catalog`, for the bytes of a catalog (a file read from elsewhere, such as
    a git revision); `file` names it in diagnostics."""
    diagnostics: list[Diagnostic] = []
    return _load(parse_source_bytes(raw, file, diagnostics), diagnostics)
