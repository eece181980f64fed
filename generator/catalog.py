"""Load a catalog: read (YAML with positions) -> check structure (JSON Schema) -> resolve."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .diagnostics import CatalogError, Diagnostic
from .model import Catalog
from .resolve import resolve
from .source import Source, parse_source, read_source
from .structure import check_structure


def bundled_catalog_path() -> Path:
    """The catalog shipped with the package (schema/catalog.yaml in a checkout)."""
    return Path(str(resources.files("codex_otel.schema").joinpath("catalog.yaml")))


def _load(source: Source | None, diagnostics: list[Diagnostic]) -> Catalog:
    if source is None or diagnostics:
        raise CatalogError(diagnostics)
    # Semantic checks need a well-formed document, so they run once the structure is
    # right; each phase still reports all of its problems at once.
    diagnostics.extend(check_structure(source))
    if diagnostics:
        raise CatalogError(diagnostics)
    catalog, problems = resolve(source)
    if catalog is None:
        raise CatalogError(problems)
    return catalog


def load_catalog(path: str | Path) -> Catalog:
    """Read, check and resolve the catalog at `path`; raise CatalogError listing every problem."""
    diagnostics: list[Diagnostic] = []
    return _load(read_source(path, diagnostics), diagnostics)


def load_catalog_text(text: str, file: str = "<catalog>") -> Catalog:
    """Like `load_catalog`, for catalog text; `file` names it in diagnostics."""
    diagnostics: list[Diagnostic] = []
    return _load(parse_source(text, file, diagnostics), diagnostics)
