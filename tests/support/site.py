"""Reading a built documentation site in tests: strict HTML5 parsing, ids and links."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib

from codex_otel.generator import load_catalog
from codex_otel.generator.model import Catalog
from codex_otel.generator.site import build_site, write_site


def build(catalog: Catalog | Path, out: Path, **options: object) -> Path:
    """Build the site of `catalog` (a model or a catalog file) into `out`; return `out`."""
    model = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    write_site(build_site(model, **options), out)  # type: ignore[arg-type]
    return out


def parse(page: Path | str) -> ET.Element:
    """The tree of a page (a file, or its text), parsed by html5lib in strict mode: any
    HTML5 parse error (a misnested or unclosed element, a bad doctype, a stray end tag,
    bad characters) raises html5lib's ParseError naming it."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    tree: ET.Element
    if isinstance(page, str):
        tree = parser.parse(page)
    else:
        tree = parser.parse(page.read_bytes(), transport_encoding="utf-8")
    return tree


def text(element: ET.Element | None) -> str:
    """The element's text, whitespace collapsed as a browser shows it (fails the test when
    the element is missing, as `find` says with None)."""
    assert element is not None, "no such element"
    return " ".join("".join(element.itertext()).split())


def ids(tree: ET.Element) -> list[str]:
    return [element.attrib["id"] for element in tree.iter() if "id" in element.attrib]


def local_links(tree: ET.Element) -> list[str]:
    """Every href and src that is not an absolute URL (the site must need no network)."""
    found = []
    for element in tree.iter():
        for attribute in ("href", "src"):
            if attribute in element.attrib:
                found.append(element.attrib[attribute])
    return found


def resolve(page: Path, link: str) -> tuple[Path, str]:
    """The file and fragment a relative link on `page` points to."""
    parts = urlsplit(link)
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    return target, unquote(parts.fragment)


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))
