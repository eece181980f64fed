"""The generator: catalog YAML -> validated, resolved model -> typed emitters, docs and schemas.

Stages, one module each: `source` (YAML with positions), `structure` (the format's JSON
Schema), `resolve` (semantic checks, refs resolved into `model`), `render` (Jinja).
"""

from .catalog import bundled_catalog_path, load_catalog, load_catalog_text
from .diagnostics import CatalogError, Diagnostic
from .model import Catalog
from .render import Change, OutputFile, TemplateDirError, render, write_outputs

__all__ = [
    "Catalog",
    "CatalogError",
    "Change",
    "Diagnostic",
    "OutputFile",
    "TemplateDirError",
    "bundled_catalog_path",
    "load_catalog",
    "load_catalog_text",
    "render",
    "write_outputs",
]
