"""EVENTS.md and the documentation site say the same about each attribute (one docs view
model, `generator.docs_model`), and EVENTS.md shows catalog text as text: no HTML, no
Markdown the catalog did not mean, no link but to http(s)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from codex_otel.generator import load_catalog, render
from codex_otel.generator.docs_model import attribute_doc
from codex_otel.generator.markdown import anchor, md
from codex_otel.generator.model import Catalog, DifferenceNote, Differences
from support.site import build, parse, text

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "schema" / "catalog.yaml"
MINI = REPO / "tests" / "generator" / "fixtures" / "mini.yaml"


def events_md(catalog: Catalog) -> str:
    return next(o.text for o in render(catalog) if o.path == "EVENTS.md")


def facts(section: object) -> dict[str, str]:
    assert section is not None
    terms = [text(dt) for dt in section.iterfind(".//dt")]  # type: ignore[attr-defined]
    values = [text(dd) for dd in section.iterfind(".//dd")]  # type: ignore[attr-defined]
    return dict(zip(terms, values, strict=True))


def test_computed_attributes_have_no_python_field_on_the_site(tmp_path: Path) -> None:
    """`event.name` is set by the runtime: no `Metadata` field passes it, so the site says
    who sets it, as EVENTS.md does, and names no Python field."""
    catalog = load_catalog(BUNDLED)
    computed = [a for a in catalog.common if a.computed]
    assert {a.computed for a in computed} == {"event_name", "timestamp"}
    index = parse(build(catalog, tmp_path / "site") / "index.html")
    markdown = events_md(catalog)
    for attribute in computed:
        doc = attribute_doc(attribute)
        assert doc.set_by is not None and doc.python is None
        shown = facts(index.find(f".//section[@id='attr-{attribute.key}']"))
        assert "Python field" not in shown, attribute.key
        assert shown["Set by"] == doc.set_by.replace("`", "") + "."
        row = next(
            line for line in markdown.splitlines() if line.startswith(f"| `{attribute.key}`")
        )
        assert f"Set by t{doc.set_by[1:]}." in row
    for attribute in catalog.metadata_fields:
        shown = facts(index.find(f".//section[@id='attr-{attribute.key}']"))
        assert shown["Python field"] == attribute_doc(attribute).python
        assert "Set by" not in shown


# --- escaping --------------------------------------------------------------------------

HOSTILE_NAME = 'Codex"><img src=x onerror=alert(1)>'
HOSTILE_TEXT = (
    "[click](javascript:alert(document.domain)) <b>bold</b> *star* _under_ ~~gone~~ "
    "![img](https://x.test/i.png) a \\ backslash, a `code <span>` and "
    "[the spec](https://example.test/spec_1)"
)


def renderer() -> MarkdownIt:
    """CommonMark with GFM tables, and no link validation: a renderer that sanitises
    nothing, as many outside code hosts do."""
    markdown = MarkdownIt("commonmark").enable("table")
    markdown.validateLink = lambda url: True  # type: ignore[method-assign]
    return markdown


def tokens(markdown: str) -> list[Token]:
    found = []
    for token in renderer().parse(markdown):
        found.append(token)
        found += token.children or []
    return found


def hostile_catalog() -> Catalog:
    catalog = load_catalog(MINI)
    event = dataclasses.replace(catalog.events[0], description=HOSTILE_TEXT)
    attribute = dataclasses.replace(catalog.common[0], description=HOSTILE_TEXT)
    differences = Differences(
        name=HOSTILE_NAME,
        reference=HOSTILE_TEXT,
        notes=(DifferenceNote(HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT),),
    )
    return dataclasses.replace(
        catalog,
        description=HOSTILE_TEXT,
        events=(event, *catalog.events[1:]),
        common=(attribute, *catalog.common[1:]),
        differences=differences,
    )


def test_events_md_shows_hostile_catalog_text_as_text() -> None:
    header, markdown = events_md(hostile_catalog()).split("\n", 1)  # the header: a comment
    assert header.startswith("<!-- ") and header.endswith(" -->")
    found = tokens(markdown)
    assert not [t for t in found if t.type in ("html_inline", "html_block", "image")]
    assert not [t for t in found if t.type == "s_open"]
    links = [str(t.attrGet("href")) for t in found if t.type == "link_open"]
    assert "https://example.test/spec_1" in links  # an http(s) link is kept as a link
    assert all(href.startswith(("https://", "http://", "#", "schemas/")) for href in links), links
    # The anchor of the differences heading is the one a code host gives that heading.
    html = renderer().render(markdown)
    assert (
        "<img" not in html
        and "<b>" not in html
        and "javascript:" not in html.replace("[click](javascript:", "")
    )
    heading = next(
        line for line in markdown.splitlines() if line.startswith("## Differences from ")
    )
    target = anchor(f"Differences from {HOSTILE_NAME}")
    assert f"(#{target})" in markdown and set(target) <= set(
        "abcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    # Each hostile text reads back as written (the renderer's text, markup stripped).
    shown = "".join(t.content for t in tokens(heading) if t.type in ("text", "code_inline"))
    assert shown == f"Differences from {HOSTILE_NAME}"


def test_md_keeps_only_http_links_and_closed_code_spans() -> None:
    def inline(text: str) -> list[Token]:
        return [
            t
            for t in tokens(md(text))
            if t.type not in ("paragraph_open", "paragraph_close", "inline")
        ]

    def plain(text: str) -> str:
        return "".join(
            t.content for t in inline(text) if t.type in ("text", "code_inline", "softbreak")
        )

    for text_ in (
        HOSTILE_TEXT,
        HOSTILE_NAME,
        "1. not a list",
        "# not a heading",
        "- no item",
        "a \\* b \\\\ c",
        "<!-- x -->",
        "&amp; &lt;",
        "`unclosed",
    ):
        kinds = {t.type for t in inline(text_)}
        assert kinds <= {"text", "code_inline", "link_open", "link_close", "softbreak"}, (
            text_,
            kinds,
        )
    assert plain("a \\* b \\\\ c") == "a \\* b \\\\ c"
    assert plain("&amp; &lt;") == "&amp; &lt;"
    assert plain("1. not a list") == "1. not a list"
    # The image becomes a link to its http(s) source; `javascript:` is no link.
    assert [t.attrGet("href") for t in inline(HOSTILE_TEXT) if t.type == "link_open"] == [
        "https://x.test/i.png",
        "https://example.test/spec_1",
    ]
