"""The Jinja environment: packaged templates, a user's overrides, and the filters.

Templates only format; the filters are the one place where catalog text is turned into
Python source, Markdown or JSON, and each escapes for its target.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import jinja2

from . import code_model
from .markdown import anchor, md, md_code, md_words
from .py_layout import (
    Text,
    call,
    field,
    scanned_constant,
    statement,
    toggles_constant,
)
from .py_literals import docstring, docstring_block, py_str, py_value

#: Template names; a user's template directory may override any of them by name.
TEMPLATES = {
    "package": "__init__.py.jinja",
    "module": "events.py.jinja",
    "docs": "EVENTS.md.jinja",
    "schema": "event.schema.json.jinja",
}


class TemplateDirError(ValueError):
    """A template directory that does not exist or holds a file no template is named."""


def known_template_names() -> list[str]:
    """Every packaged template a template directory may override, by its path inside the
    templates folder: the generator's (`events.py.jinja`) and the site's
    (`site/event.html.jinja`, and its helpers such as `site/_layout.html.jinja`)."""
    return sorted(jinja2.PackageLoader("codex_otel.generator", "templates").list_templates())


def check_template_dir(template_dir: str | Path) -> None:
    """Raise TemplateDirError unless every file in `template_dir` overrides a template.

    An override is found by its name alone, so a misspelt one would silently change
    nothing. Files whose names start with `_` (macros, includes) and dotfiles are allowed.
    Files directly in the folder are checked, and those in a subfolder the packaged
    templates have (`site/`); other subfolders are the user's own.
    """
    root = Path(template_dir)
    if not root.is_dir():
        raise TemplateDirError(f"template directory {root} does not exist")
    known = known_template_names()
    folders = {""} | {name.rsplit("/", 1)[0] + "/" for name in known if "/" in name}
    candidates = [
        (folder, path)
        for folder in sorted(folders)
        if (root / folder).is_dir()
        for path in (root / folder).iterdir()
    ]
    unknown = sorted(
        folder + path.name
        for folder, path in candidates
        if path.is_file()
        and not path.name.startswith((".", "_"))
        and folder + path.name not in known
    )
    if unknown:
        problems = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            problems.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise TemplateDirError(
            f"template directory {root}: {', '.join(problems)} "
            f"{'is not a template name' if len(unknown) == 1 else 'are not template names'}; "
            f"the templates are {', '.join(known)} "
            "(name other files, such as macros to include, with a leading '_')"
        )


def environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """The Jinja environment; templates in `template_dir` override packaged ones by name."""
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        check_template_dir(template_dir)
        loaders.append(jinja2.FileSystemLoader(str(template_dir)))
    loaders.append(jinja2.PackageLoader("codex_otel.generator", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Python, Markdown and JSON outputs are escaped by their filters; the site's HTML
        # templates (`*.html.jinja`) by Jinja, which escapes every value they print.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.jinja",), default_for_string=False, default=False
        ),
    )
    # Every filter a packaged template uses, and no other (a test checks both ways).
    env.filters.update(
        py_str=py_str,
        py_value=py_value,
        docstring=docstring,
        docstring_block=docstring_block,
        call=call,
        field=field,
        python=statement,
        text=Text,
        toggles_constant=toggles_constant,
        scanned_constant=scanned_constant,
        deprecation_message=code_model.deprecation_message,
        deprecated_arguments_message=code_model.deprecated_arguments_message,
        argument_doc=code_model.argument_doc,
        wire_map_name=code_model.wire_map_name,
        md=md,
        md_code=md_code,
        md_words=md_words,
        anchor=anchor,
    )
    return env
