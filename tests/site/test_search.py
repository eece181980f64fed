"""The site's search as a reader uses it: the real `search.js` over the real index, run by
Node with the few DOM calls it makes stubbed (the browser tests, `nox -s browser`, drive
it in Chromium). Results show plain text, and the words a page shows beside an attribute
("redacted") find it, as the privacy page's subject finds that page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from codex_otel.generator import load_catalog
from support.site import build

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "schema" / "catalog.yaml"
NODE = shutil.which("node")

#: Just enough of a page for search.js: the four elements it looks up, `location.search`.
HARNESS = r"""
const fs = require("fs");
function element() {
  return {
    children: [], hidden: false, textContent: "", className: "", href: "",
    get firstChild() { return this.children[0] || null; },
    appendChild(child) { this.children.push(child); return child; },
    removeChild(child) { this.children.splice(this.children.indexOf(child), 1); },
    addEventListener() {},
    querySelector() { return null; },
    focus() {},
  };
}
const ids = {};
["search-form", "search-input", "search-results", "search-status"].forEach((id) => {
  ids[id] = element();
});
global.window = { location: { search: "?q=" + encodeURIComponent(process.argv[process.argv.length - 1]) } };
global.document = { getElementById: (id) => ids[id], createElement: () => element() };
const site = process.argv[process.argv.length - 2];
eval(fs.readFileSync(site + "/assets/search-index.js", "utf8"));
global.window.CODEX_OTEL_SEARCH = window.CODEX_OTEL_SEARCH;
eval(fs.readFileSync(site + "/assets/search.js", "utf8"));
function text(node) { return node.textContent + node.children.map(text).join(""); }
const results = ids["search-results"].children.map((item) => ({
  title: text(item.children[0]),
  where: item.children.length > 2 ? text(item.children[1]) : "",
  text: text(item.children[item.children.length - 1]),
  url: item.children[0].href,
}));
console.log(JSON.stringify({ status: ids["search-status"].textContent, results }));
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(load_catalog(BUNDLED), tmp_path_factory.mktemp("site"))


def search(site: Path, query: str) -> list[dict[str, str]]:
    if NODE is None:
        pytest.skip("Node is not installed: the search runs in the browser tests only")
    result = subprocess.run(
        [NODE, "-e", HARNESS, str(site), query],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    found: list[dict[str, str]] = json.loads(result.stdout)["results"]
    return found


def test_redacted_finds_the_privacy_page_and_every_redacted_attribute(site: Path) -> None:
    catalog = load_catalog(BUNDLED)
    results = search(site, "redacted")
    assert results[0]["url"] == "privacy.html" or any(
        r["url"] == "privacy.html" for r in results
    ), results
    redacted = {a.key for e in catalog.events for a in e.attributes if a.redact}
    redacted |= {a.key for a in catalog.common if a.redact}
    assert redacted  # the bundled catalog redacts something, so this is not vacuous
    assert redacted <= {r["title"] for r in results}, results


def test_results_show_plain_text_without_markdown_backticks(site: Path) -> None:
    # "Value of the response's `cf-ray` header."
    results = search(site, "cf-ray")
    assert results, "nothing found"
    assert all("`" not in r["text"] for r in results), results
    assert any("response's cf-ray header" in r["text"] for r in results), results


def test_index_names_wrap_only_after_a_dot(site: Path) -> None:
    """At 1280 px `codex.conversation_starts` wrapped mid-word: every `code` may wrap
    anywhere (`overflow-wrap: anywhere`, for long values in prose). Names in the index
    tables may wrap only at the `<wbr>` after each dot."""
    from support.site import parse, text

    css = (site / "assets" / "style.css").read_text(encoding="utf-8")
    rule = re.search(r"(?m)^code\.name \{([^}]*)\}", css)
    assert rule is not None and "overflow-wrap: normal" in rule.group(1), css
    page = parse(site / "index.html")
    names = page.findall(".//table[@class='catalog-index']/tbody/tr/th//code")
    catalog = load_catalog(BUNDLED)
    assert [text(code) for code in names] == [
        *(e.name for e in catalog.events),
        *(m.name for m in catalog.metrics),
        *(s.id for s in catalog.spans),
    ]
    for code in names:
        assert code.attrib["class"] == "name"
        breaks = len(code.findall("wbr"))
        assert breaks == text(code).count("."), text(code)


def test_identifier_finds_every_identifier_attribute(site: Path) -> None:
    catalog = load_catalog(BUNDLED)
    results = search(site, "identifier")
    identifiers = {a.key for _, a in catalog.policy_attributes if a.sensitivity == "identifier"}
    assert {"conversation.id", "call_id", "user.email"} <= identifiers
    assert identifiers <= {r["title"] for r in results}, results


def test_a_span_is_found_by_its_wire_name_and_its_attributes_name_it(site: Path) -> None:
    # A trace view shows `execute_tool shell`: the template's fixed text finds the span.
    results = search(site, "execute_tool")
    assert results[0] == {
        "title": "codex.tool_call",
        "where": "span",
        "text": results[0]["text"],
        "url": "spans/codex.tool_call.html",
    }
    usage = search(site, "gen_ai.usage.output_tokens")
    wheres = {hit["where"] for hit in usage if hit["title"] == "gen_ai.usage.output_tokens"}
    assert {"attribute of span codex.turn", "attribute of span codex.api_request"} <= wheres
    assert all(hit["url"].startswith("spans/") for hit in usage if "span" in hit["where"])
