"""Build the documentation site (`codex-otel docs`) as output files.

The site model (`site_model`) is rendered through the site templates (`templates/site/`,
overridable by name like the generator's, through the same Jinja environment); next to
the pages go the wire JSON Schemas, exactly as `generate` renders them, and the search
index as a script. Everything is relative links and local files: the site works from
file:// and from any static host, and the same catalog always gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath

import jinja2
from markupsafe import Markup, escape

from .docs_model import CODE_SPAN, Part
from .model import Catalog
from .py_literals import visible
from .render import Change, OutputFile, environment, render, write_outputs
from .site_model import (
    ASSETS,
    CHANGES_PAGE,
    EVENT_PAGES,
    INDEX_PAGE,
    METRIC_PAGES,
    PRIVACY_PAGE,
    SCHEMA_FILES,
    SPAN_PAGES,
    SPAN_TREE_PAGE,
    Release,
    Site,
    attribute_anchor,
    build_site_model,
)

#: The site's templates, by their names under the templates folder; a template directory
#: overrides one with a file of the same path (`DIR/site/event.html.jinja`).
SITE_TEMPLATES = {
    "index": "site/index.html.jinja",
    "event": "site/event.html.jinja",
    "metric": "site/metric.html.jinja",
    "span": "site/span.html.jinja",
    "spans": "site/spans.html.jinja",
    "privacy": "site/privacy.html.jinja",
    "changes": "site/changes.html.jinja",
    "style": "site/style.css.jinja",
    "search": "site/search.js.jinja",
}

#: The script that holds the search index; search.js reads the variable it sets.
SEARCH_INDEX = f"{ASSETS}/search-index.js"


def json_literal(value: object) -> str:
    """A catalog value as JSON shows it (strings quoted), the way it arrives on the wire."""
    return json.dumps(value, ensure_ascii=False)


def css_class(text: str) -> str:
    """A class name from free text (a change's severity): lower case, letters and dashes."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "none"


def _basename(path: str) -> str:
    return PurePosixPath(path).name


def _shown(text: str) -> str:
    """Control and separator characters (and lone surrogates, which UTF-8 cannot hold)
    spelled as escapes, so the page shows what is there; line breaks are kept, for the
    code blocks (elsewhere HTML shows them as spaces)."""
    return "\n".join(visible(line) for line in text.split("\n"))


def _finalize(value: object) -> object:
    """Every value a template prints goes through `_shown`. Markup (a macro's or a
    filter's output) is already final."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _shown(value)
    return value


def prose(text: str) -> Markup:
    """Catalog prose (descriptions, notes) as HTML: escaped, with its `code spans` (the
    one Markdown the catalog's prose uses, as in EVENTS.md) shown as code."""
    escaped = str(escape(_shown(text)))  # escaping leaves backticks alone
    return Markup(CODE_SPAN.sub(lambda m: f"<code>{m.group(2).strip()}</code>", escaped))


def words(parts: Iterable[Part]) -> Markup:
    """A docs sentence (`docs_model.Words`) as HTML: prose as `prose` shows it, literal
    values as code (as they arrive on the wire), labels in bold."""
    shown: dict[str, Callable[[object], str]] = {
        "text": lambda value: str(prose(str(value))),
        "code": lambda value: f"<code>{escape(_shown(_literal(value)))}</code>",
        "strong": lambda value: f"<strong>{prose(str(value))}</strong>",
    }
    return Markup("".join(shown[part.kind](part.value) for part in parts))


def _literal(value: object) -> str:
    return value if isinstance(value, str) else json_literal(value)


def name_breaks(name: str) -> Markup:
    """A dotted name that wraps only after a dot (`codex.` / `api_request`), never inside
    a word: escaped, with a line-break opportunity (`<wbr>`) after each dot; its element's
    CSS (`code.name`) allows no other break."""
    return Markup(".<wbr>").join(_shown(part) for part in name.split("."))


def site_environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """The generator's environment (same loader, same overrides, HTML autoescaped), with
    the filters the site's templates use."""
    env = environment(template_dir)
    env.finalize = _finalize
    env.filters.update(
        json_literal=json_literal,
        prose=prose,
        attribute_anchor=attribute_anchor,
        basename=_basename,
        css_class=css_class,
        name_breaks=name_breaks,
        words=words,
    )
    return env


def _header(catalog: Catalog) -> str:
    return (
        f"Generated from {visible(catalog.file_name)} (catalog version"
        f" {visible(catalog.version)}) by `codex-otel docs`."
        " Do not edit: change the catalog or a template, then rebuild."
    )


def search_index_script(site: Site, header: str) -> str:
    """The search index as a script setting `window.CODEX_OTEL_SEARCH`: a page opened from
    file:// may not fetch() a JSON file, but it may load a script. ASCII-only JSON, so no
    catalog text can end the script or break its encoding."""
    # `<` only occurs inside JSON strings, where \u003c means the same: the index can be
    # inlined into a <script> element too, and no `</script>` in catalog text closes it.
    data = json.dumps(list(site.search_records), ensure_ascii=True, indent=1)
    data = data.replace("<", "\\u003c")
    return f"// {header}\nwindow.CODEX_OTEL_SEARCH = {data};\n"


def build_site(
    catalog: Catalog,
    template_dir: str | Path | None = None,
    *,
    releases: Sequence[Release] = (),
) -> list[OutputFile]:
    """Every file of the site for `catalog`, in a fixed order.

    `releases` is the change history, newest first: the hook for the schema diff. Given,
    it adds `changes.html` and its link in the navigation; empty (the default), the
    changes page is absent rather than empty.
    """
    schema_texts = {
        _basename(output.path).removesuffix(".json"): output.text
        for output in render(catalog, template_dir)
        if output.path.startswith(f"{SCHEMA_FILES}/")
    }
    site = build_site_model(catalog, schema_texts, releases)
    env = site_environment(template_dir)
    header = _header(catalog)
    context = {"site": site, "catalog": catalog, "header": header}

    def page(name: str, path: str, **extra: object) -> OutputFile:
        root = "../" * path.count("/")
        text = env.get_template(SITE_TEMPLATES[name]).render(context, page=path, root=root, **extra)
        return OutputFile(path, text)

    outputs = [page("index", INDEX_PAGE), page("privacy", PRIVACY_PAGE)]
    if site.spans:
        outputs.append(page("spans", SPAN_TREE_PAGE))
    if site.releases:
        outputs.append(page("changes", CHANGES_PAGE))
    outputs += [page("event", view.page, view=view) for view in site.events]
    outputs += [page("metric", view.page, view=view) for view in site.metrics]
    outputs += [page("span", view.page, view=view) for view in site.spans]
    outputs += [OutputFile(view.schema_file, view.schema_text) for view in site.events]
    outputs += [
        OutputFile(f"{ASSETS}/style.css", env.get_template(SITE_TEMPLATES["style"]).render()),
        OutputFile(f"{ASSETS}/search.js", env.get_template(SITE_TEMPLATES["search"]).render()),
        OutputFile(SEARCH_INDEX, search_index_script(site, header)),
    ]
    return outputs


def site_files(out_dir: Path) -> set[str]:
    """Files in `out_dir` that building a site would have written (and may remove): only
    these names and folders, so building into a folder that holds more is safe."""
    found = {
        page
        for page in (INDEX_PAGE, PRIVACY_PAGE, CHANGES_PAGE, SPAN_TREE_PAGE)
        if (out_dir / page).is_file()
    }
    folders = (
        (EVENT_PAGES, "*.html"),
        (METRIC_PAGES, "*.html"),
        (SPAN_PAGES, "*.html"),
        (SCHEMA_FILES, "*.json"),
    )
    for folder, pattern in (*folders, (ASSETS, "*")):
        if (out_dir / folder).is_dir():
            found |= {
                f"{folder}/{path.name}"
                for path in (out_dir / folder).glob(pattern)
                if path.is_file() and path.suffix in (".html", ".json", ".css", ".js")
            }
    return found


def write_site(
    outputs: list[OutputFile], out_dir: str | Path, *, check: bool = False
) -> list[Change]:
    """Write the site under `out_dir` (or, with `check`, only compare), removing pages
    that are no longer built (an event or a span removed from the catalog, the changes
    page, the span tree of a catalog left with no span)."""
    return write_outputs(outputs, out_dir, check=check, managed=site_files)
