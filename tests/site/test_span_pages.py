"""The site's spans: a page per span (its name, kind, helper, handle, parents, children,
the events and metrics expected inside, its attributes and how each is set), the span tree
page drawn from the catalog, the index section and the navigation; every page valid HTML5
with every link resolving, for the bundled catalog and a fixture of every span shape."""

from __future__ import annotations

import itertools
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest

from codex_otel.generator import load_catalog, load_catalog_text
from codex_otel.generator.site import build_site, write_site
from codex_otel.generator.site_model import lineage
from support.site import build, ids, local_links, pages, parse, resolve, text

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "schema" / "catalog.yaml"
SPANS = ROOT / "tests" / "generator" / "fixtures" / "spans.yaml"
MINI = ROOT / "tests" / "generator" / "fixtures" / "mini.yaml"


def tree_items(ul: Element | None) -> list[object]:
    """The span tree's nested list as (id, note, children) triples."""
    assert ul is not None
    items: list[object] = []
    for li in ul.findall("li"):
        note = li.find("span[@class='note']")
        items.append(
            (
                text(li.find("a/code")),
                text(note) if note is not None else "",
                tree_items(li.find("ul")) if li.find("ul") is not None else [],
            )
        )
    return items


@pytest.mark.parametrize("catalog_file", [BUNDLED, SPANS], ids=["bundled", "spans"])
def test_a_page_per_span_showing_what_the_catalog_says(catalog_file: Path, tmp_path: Path) -> None:
    catalog = load_catalog(catalog_file)
    site = build(catalog, tmp_path / "site")
    assert {p.name for p in (site / "spans").iterdir()} == {f"{s.id}.html" for s in catalog.spans}
    for span in catalog.spans:
        page = parse(site / "spans" / f"{span.id}.html")
        assert text(page.find(".//h1")) == span.id
        assert text(page.find(".//dd[@class='span-name']")) == span.name
        assert text(page.find(".//dd[@class='span-kind']")) == span.kind
        code = [text(pre) for pre in page.iterfind(".//pre")]
        assert code[0].startswith(f"def {span.function_name}(")
        assert code[0].endswith(f"-> SpanScope[{span.handle_name}]")
        assert code[1].startswith(f"class {span.handle_name}(SpanHandle):")
        for attribute in span.end_attributes:
            assert f"def set_{attribute.python_name}(" in code[1]
        parents = [text(a) for a in page.iterfind(".//dd[@class='parents']/a")]
        assert parents == list(span.parents)
        children = [text(a) for a in page.iterfind(".//dd[@class='children']/a")]
        assert children == [child.id for child in catalog.children(span.id)]
        assert [text(a) for a in page.iterfind(".//dd[@class='events']/a")] == list(span.events)
        assert [text(a) for a in page.iterfind(".//dd[@class='metrics']/a")] == list(span.metrics)
        keys = [text(h).split(" ")[0] for h in page.iterfind(".//section[@class='attribute']/h3")]
        assert keys == [a.key for a in span.attributes]
        known = [text(dd) for dd in page.iterfind(".//dd[@class='known']")]
        assert len(known) == len(span.attributes)
        for attribute, words in zip(span.attributes, known, strict=True):
            assert words.startswith("at the end" if attribute.known == "end" else "at start")


def test_the_span_tree_page_draws_the_catalog_s_nesting(tmp_path: Path) -> None:
    site = build(load_catalog(SPANS), tmp_path / "site")
    page = parse(site / "spans.html")
    assert tree_items(page.find(".//div[@class='span-tree']/ul")) == [
        (
            "ci.pipeline",
            "",
            [("ci.step", "", [("ci.step", "(shown above)", [])]), ("ci.tick", "", [])],
        ),
        ("ci.legacy_run", "", []),
        ("ci.tick", "(shown above)", []),
        (
            "ci.orphan_a",
            "(never a root; no root leads here)",
            [("ci.orphan_b", "", [("ci.orphan_a", "(shown above)", [])])],
        ),
    ]
    # Each span's page links to its place in the tree (the first, expanded one).
    span_page = parse(site / "spans" / "ci.step.html")
    links = [link for link in local_links(span_page) if "spans.html#" in link]
    assert links == ["../spans.html#tree-ci.step"]
    assert ids(page).count("tree-ci.step") == 1


def test_spans_are_in_the_index_and_the_navigation_only_when_the_catalog_has_some(
    tmp_path: Path,
) -> None:
    site = build(load_catalog(BUNDLED), tmp_path / "bundled")
    index = parse(site / "index.html")
    listed = [
        text(a) for a in index.iterfind(".//section[@aria-labelledby='spans-heading']//td/../th/a")
    ]
    assert listed == [span.id for span in load_catalog(BUNDLED).spans]
    nav = [text(a) for a in index.iterfind(".//nav[@aria-label='Site']//a")]
    assert nav == ["Events", "Spans", "Privacy"]
    mini = build(load_catalog(MINI), tmp_path / "mini")
    assert not (mini / "spans.html").exists() and not (mini / "spans").exists()
    mini_index = parse(mini / "index.html")
    assert [text(a) for a in mini_index.iterfind(".//nav[@aria-label='Site']//a")] == [
        "Events",
        "Privacy",
    ]
    assert mini_index.find(".//section[@aria-labelledby='spans-heading']") is None


def test_every_span_page_is_valid_and_every_link_resolves(tmp_path: Path) -> None:
    site = build(load_catalog(SPANS), tmp_path / "site")
    span_pages = [p for p in pages(site) if p.parent.name == "spans" or p.name == "spans.html"]
    assert len(span_pages) == 7
    for page in span_pages:
        tree = parse(page)  # strict: raises on any parse error
        assert len(ids(tree)) == len(set(ids(tree))), page
        levels = [int(e.tag[1]) for e in tree.iter() if e.tag in ("h1", "h2", "h3", "h4")]
        assert levels[0] == 1 and levels.count(1) == 1, page
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (page, levels)
        for link in local_links(tree):
            target, fragment = resolve(page, link)
            assert target.is_file(), f"{page}: {link}"
            if fragment:
                assert fragment in ids(parse(target)), f"{page}: {link}"


def test_a_rebuild_removes_the_pages_of_spans_the_catalog_lost(tmp_path: Path) -> None:
    out = build(load_catalog(SPANS), tmp_path / "site")
    assert (out / "spans" / "ci.tick.html").is_file()
    changes = write_site(build_site(load_catalog(MINI)), out)
    removed = {c.path for c in changes if c.status == "removed"}
    assert {"spans.html", "spans/ci.tick.html"} <= removed
    assert not (out / "spans.html").exists() and not list((out / "spans").glob("*.html"))


def test_catalog_text_on_span_pages_is_text(tmp_path: Path) -> None:
    from generator.test_span_helpers import HOSTILE, hostile_spans

    site = build(load_catalog_text(hostile_spans(), "hostile.yaml"), tmp_path / "site")
    for path in (site / "spans" / "x.y.html", site / "spans.html"):
        tree = parse(path)  # strict HTML5: a stray tag or quote would not parse
        assert [e for e in tree.iter() if e.tag == "script"] == []  # no script on these pages
    page = parse(site / "spans" / "x.y.html")
    assert text(page.find(".//dd[@class='span-name']")) == 'say "hi" \\ it\'s {kind}'
    lead = text(page.find(".//p[@class='lead']"))
    assert lead.startswith(HOSTILE[:24]) and lead.endswith("end' \"<script>")  # shown as text
    assert "\\x00\\x07" in lead  # control characters spelled out


def test_a_span_page_draws_its_line_from_a_root_and_its_children(tmp_path: Path) -> None:
    site = build(load_catalog(BUNDLED), tmp_path / "site")
    page = parse(site / "spans" / "codex.tool_approval.html")
    tree = page.find(".//div[@class='span-tree local-tree']")
    assert tree is not None
    path = [text(code) for code in tree.iterfind(".//li/a/code")]
    assert path == ["codex.turn", "codex.tool_call"]
    here = tree.find(".//li[@aria-current='page']")
    assert here is not None and text(here.find("strong")) == "codex.tool_approval"
    turn = parse(site / "spans" / "codex.turn.html").find(".//div[@class='span-tree local-tree']")
    assert turn is not None
    assert [text(code) for code in turn.iterfind(".//li/a/code")] == [
        "codex.api_request",
        "codex.tool_call",
    ]


def test_the_line_from_a_root_is_the_shortest_and_empty_where_no_root_leads() -> None:
    catalog = load_catalog(SPANS)
    assert lineage(catalog, "ci.pipeline") == ()
    assert lineage(catalog, "ci.step") == ("ci.pipeline",)
    assert lineage(catalog, "ci.tick") == ()  # a root, though it may start in a pipeline
    assert lineage(catalog, "ci.orphan_a") == ()
