"""Render a resolved catalog through the Jinja templates into its output files.

The pieces live in modules with one job each: `py_literals` (Python literals and
docstrings), `py_layout` (ruff format's layout), `code_model` (what the code does with
each attribute), `markdown`, `wire_schema`, `templating` (the Jinja environment and
overrides) and `output` (writing and checking files). Their public names stay importable
from here, where callers have always found them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .code_model import emitter_view, recorder_view
from .docs_model import build_docs_model
from .markdown import anchor, md, md_code
from .metadata_model import metadata_view
from .model import Catalog
from .module_model import module_view
from .naming import ARRAY_ALIAS, ARRAY_ITEM
from .output import Change, OutputFile, write_outputs
from .py_layout import annotation, call, field, fits_line_length, if_all, parameter
from .py_literals import LINE_LENGTH, docstring, docstring_block, py_str, py_value, visible
from .span_model import span_view
from .templating import (
    TEMPLATES,
    TemplateDirError,
    check_template_dir,
    environment,
    known_template_names,
)
from .wire_limits import INT64_MAX, INT64_MIN
from .wire_schema import wire_schema

if TYPE_CHECKING:
    from .semver import GateResult

#: The name the site and older callers use for `py_literals.visible`.
_visible = visible

__all__ = [
    "LINE_LENGTH",
    "TEMPLATES",
    "Change",
    "OutputFile",
    "TemplateDirError",
    "anchor",
    "annotation",
    "call",
    "check_template_dir",
    "docstring",
    "docstring_block",
    "environment",
    "field",
    "if_all",
    "known_template_names",
    "md",
    "md_code",
    "parameter",
    "py_str",
    "py_value",
    "render",
    "write_outputs",
]


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
        f"Generated from {visible(catalog.file_name)}"
        f" (catalog version {visible(catalog.version)})"
        " by `codex-otel generate`.",
        "Do not edit: change the catalog or a template, then regenerate.",
    ]
    header = " ".join(header_lines)
    context = {
        "catalog": catalog,
        "header": header,
        "header_lines": header_lines,
        "evolution": evolution,
        # What the code does with each argument and metadata field, decided by the
        # code model: events.py.jinja only places these statements.
        "emitters": [emitter_view(event) for event in catalog.events],
        "recorders": [recorder_view(metric) for metric in catalog.metrics],
        "metadata": metadata_view(catalog),
        "spans": [span_view(span) for span in catalog.spans],
        "module": module_view(catalog),
        # What the docs say about each attribute: EVENTS.md.jinja only formats it.
        "docs": build_docs_model(catalog),
        "array_alias": ARRAY_ALIAS,
        "array_item": ARRAY_ITEM,
        "int64_min": INT64_MIN,
        "int64_max": INT64_MAX,
    }
    module_template = env.get_template(TEMPLATES["module"])
    module = module_template.render(context, long_lines=False)
    if not fits_line_length(module):
        # Names near the format's limit (64 characters) make lines longer than the
        # layouts of py_layout handle; only then does the module silence E501.
        module = module_template.render(context, long_lines=True)
    outputs = [
        OutputFile("__init__.py", env.get_template(TEMPLATES["package"]).render(context)),
        OutputFile("events.py", module),
        OutputFile("EVENTS.md", env.get_template(TEMPLATES["docs"]).render(context)),
    ]
    schema_template = env.get_template(TEMPLATES["schema"])
    for event in catalog.events:
        text = schema_template.render(
            context, event=event, schema=wire_schema(event, catalog, header)
        )
        outputs.append(OutputFile(f"schemas/{event.name}.json", text))
    return outputs
