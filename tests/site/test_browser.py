"""The documentation site in a real browser: Debian's Chromium, driven by Playwright (no
browser download), the site opened from disk (file://).

Run by `nox -s browser`, which installs Chromium, Playwright and axe-core and selects
these tests with `-m browser`; every other session deselects them. Screenshots of each
kind of page, light and dark, are kept in `.artifacts/site-screenshots/`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from codex_otel.generator import load_catalog
from codex_otel.generator.site_history import releases
from support.site import build

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "schema" / "catalog.yaml"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("SITE_SCREENSHOTS", ROOT / ".artifacts" / "site-screenshots"))
#: Headless Chromium as root in a container, with nothing that reaches the network.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCHEMES = ["light", "dark"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled catalog's site, with a changes page from an earlier version of it (one
    version number lower, without its last event and its last metric)."""
    folder = tmp_path_factory.mktemp("site")
    document = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    document["catalog_version"] = "0.9.0"
    document["events"] = document["events"][:-1]
    document["metrics"] = document["metrics"][:-1]
    earlier = folder.parent / "earlier.yaml"
    earlier.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    catalog = load_catalog(BUNDLED)
    return build(catalog, folder, releases=releases([load_catalog(earlier)], catalog))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Imported here, not at the top: the module must import where Playwright is absent
    # (every session but `browser` collects it, then deselects its tests).
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # a failure, not a skip: `nox -s browser` installs it
        pytest.fail(f"the browser tests need Playwright: run them with `nox -s browser` ({error})")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: `nox -s browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(params=SCHEMES)
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        color_scheme=request.param, viewport={"width": 1100, "height": 900}
    )
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    try:
        yield opened
    finally:
        context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture(scope="module")
def axe_script() -> str:
    path = os.environ.get("AXE_CORE_JS", "")
    if not path or not Path(path).is_file():
        pytest.fail(f"AXE_CORE_JS={path!r} is not axe.min.js: `nox -s browser` installs axe-core")
    return Path(path).read_text(encoding="utf-8")


def url(site: Path, path: str) -> str:
    """The file:// URL of a page of the site, with its query (`index.html?q=...`)."""
    file, _, query = path.partition("?")
    return (site / file).as_uri() + (f"?{query}" if query else "")


def scheme_of(page: Page) -> str:
    dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    return "dark" if dark else "light"


#: The search field's label: the bundled catalog has events, metrics and spans.
SEARCH_LABEL = "Event, metric and span names, attribute keys and descriptions"


def test_search_for_an_attribute_and_follow_the_result(site: Path, page: Page) -> None:
    page.goto(url(site, "index.html"))
    page.get_by_label(SEARCH_LABEL).fill("arguments")
    result = page.locator("#search-results li").filter(has_text="attribute of codex.tool_result")
    # The attribute, and its `arguments.length` companion (whose description names it).
    assert result.count() == 2
    # Beside them, the tool call span's `arguments_length` (a size, never the arguments).
    span_result = page.locator("#search-results li").filter(has_text="codex.tool_call")
    assert span_result.locator("code").all_inner_texts() == ["arguments_length"]
    assert "3 results for" in page.locator("#search-status").inner_text()
    # The keyboard path: Enter moves to the first result, Enter follows it.
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "arguments"
    page.keyboard.press("Enter")
    page.wait_for_url("**/events/codex.tool_result.html#attr-arguments")
    target = page.locator(":target")
    assert target.get_attribute("id") == "attr-arguments"
    assert target.is_visible()
    assert "[REDACTED]" in target.locator(".redaction").inner_text()


def test_search_by_description_and_by_link(site: Path, page: Page) -> None:
    page.goto(url(site, "index.html") + "?q=cache%20tokens")
    assert page.get_by_label(SEARCH_LABEL).input_value() == ("cache tokens")
    results = page.locator("#search-results li")
    titles = results.locator("code").all_inner_texts()
    # Every word must match: "Input tokens ... cache" of each, not "tokens" alone: the
    # event's two counts and the spans' token counts whose words say cache, not every
    # token count (the event's `input_token_count` says nothing of a cache).
    assert {"cached_token_count", "cache_write_token_count"} <= set(titles)
    assert "gen_ai.usage.cache_read.input_tokens" in titles
    assert "input_token_count" not in titles and "output_token_count" not in titles
    for text in results.all_inner_texts():
        assert "cache" in text.lower() and "token" in text.lower(), text
    page.get_by_label(SEARCH_LABEL).fill("no such thing")
    assert page.locator("#search-results").is_hidden()
    assert "No results" in page.locator("#search-status").inner_text()


def test_search_for_a_metric_tag_and_follow_it_to_the_metric_page(site: Path, page: Page) -> None:
    page.goto(url(site, "index.html"))
    page.get_by_label(SEARCH_LABEL).fill("token_type")
    result = page.locator("#search-results li").filter(
        has_text="attribute of metric codex.turn.token_usage"
    )
    assert result.count() == 1
    result.get_by_role("link").click()
    page.wait_for_url("**/metrics/codex.turn.token_usage.html#attr-token_type")
    target = page.locator(":target")
    assert target.get_attribute("id") == "attr-token_type"
    assert target.locator(".cardinality").inner_text() == "low (enum)"
    assert page.locator("dd.instrument").inner_text() == "histogram"
    assert page.locator("dd.unit").inner_text() == "{token}"
    assert "def record_turn_token_usage(" in page.locator("pre").inner_text()


def test_a_metric_name_is_found_as_a_metric(site: Path, page: Page) -> None:
    page.goto(url(site, "index.html") + "?q=codex.tool.call.duration_ms")
    first = page.locator("#search-results li").first
    assert first.locator("code").inner_text() == "codex.tool.call.duration_ms"
    assert first.locator(".where").inner_text() == "metric"


def test_an_event_page_has_the_redaction_and_a_working_schema_link(site: Path, page: Page) -> None:
    page.goto(url(site, "events/codex.user_prompt.html"))
    redaction = page.locator("#attr-prompt .redaction").inner_text()
    assert '"[REDACTED]"' in redaction and "log_user_prompt" in redaction
    assert "default: off" in redaction
    link = page.get_by_role("link", name="download it")
    assert link.get_attribute("download") == "codex.user_prompt.json"
    href = link.evaluate("a => a.href")  # resolved by the browser, as a click would
    schema_path = Path(unquote(urlsplit(href).path))
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    assert schema["title"] == "codex.user_prompt"
    assert schema["properties"]["prompt"]["x-placeholder"] == "[REDACTED]"
    # The browser opens the schema too (file://), and shows that same JSON.
    page.get_by_role("link", name="codex.user_prompt.json").first.click()
    page.wait_for_url("**/schemas/codex.user_prompt.json")
    assert json.loads(page.locator("body").inner_text()) == schema


def test_the_skip_link_comes_first_and_moves_to_the_content(site: Path, page: Page) -> None:
    page.goto(url(site, "privacy.html"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


PAGE_KINDS = {
    "index": "index.html",
    "search": "index.html?q=redact",
    "event": "events/codex.tool_result.html",
    "metric": "metrics/codex.api_request.duration_ms.html",
    "span": "spans/codex.tool_call.html",
    "span-tree": "spans.html",
    "privacy": "privacy.html",
    "changes": "changes.html",
}


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_screenshot_of_each_kind_of_page(site: Path, page: Page, kind: str) -> None:
    page.goto(url(site, PAGE_KINDS[kind]))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{kind}-{scheme_of(page)}.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000  # a page was drawn, not an empty frame
    # The theme follows the system: the background differs between light and dark.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(13, 17, 23)" if scheme_of(page) == "dark" else "rgb(255, 255, 255)")


@pytest.mark.parametrize("width", [1100, 390], ids=["wide", "phone"])
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_serious_accessibility_violation(
    site: Path, page: Page, axe_script: str, kind: str, width: int
) -> None:
    # A phone's width too: what fits on a wide screen may need scrolling there.
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url(site, PAGE_KINDS[kind]))
    if kind == "event":
        page.locator("details summary").first.click()  # the schema's code block, shown
    page.add_script_tag(content=axe_script)
    # preload: false, or axe fetches the stylesheets with XHR, which file:// forbids
    # (it reads the computed styles all the same).
    results: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'], preload: false})"
    )
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
    assert results["testEngine"]["name"] == "axe-core"  # axe really ran on the page


def test_every_event_page_opens_without_errors(site: Path, page: Page) -> None:
    for event in load_catalog(BUNDLED).events:
        page.goto(url(site, f"events/{event.name}.html"))
        assert page.locator("h1").inner_text() == event.name
        assert page.title() == f"{event.name} · codex event catalog"


def test_every_metric_page_opens_without_errors(site: Path, page: Page) -> None:
    for metric in load_catalog(BUNDLED).metrics:
        page.goto(url(site, f"metrics/{metric.name}.html"))
        assert page.locator("h1").inner_text() == metric.name
        assert page.title() == f"{metric.name} · codex event catalog"


def test_every_span_page_opens_and_the_tree_leads_to_it(site: Path, page: Page) -> None:
    for span in load_catalog(BUNDLED).spans:
        page.goto(url(site, "spans.html"))
        page.locator(f'[id="tree-{span.id}"] > a').first.click()
        assert page.locator("h1").inner_text() == span.id
        assert page.title() == f"{span.id} · codex event catalog"


def test_the_changes_page_lists_the_metric_added(site: Path, page: Page) -> None:
    page.goto(url(site, "changes.html"))
    last = load_catalog(BUNDLED).metrics[-1].name  # the metric the earlier version lacks
    added = page.locator("li").filter(has_text=f"metrics[{last}]")
    assert added.count() == 1
    assert added.locator(".badge").text_content() == "compatible"  # shown upper-case by CSS
    assert f"metric {last} added" in added.inner_text()
