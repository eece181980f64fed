"""The documentation site (`codex-otel docs`), without a browser: every page parses as
HTML5, links resolve, a page per event, the privacy page, determinism, --check, template
overrides and the changes-page hook. The browser tests are in test_browser.py."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_otel.cli.main import main
from codex_otel.generator import load_catalog, render
from codex_otel.generator.model import Attribute, Catalog, Event
from codex_otel.generator.render import _visible as visible
from codex_otel.generator.site import build_site
from codex_otel.generator.site_history import releases
from codex_otel.generator.site_model import CatalogChange, Release
from support.site import build, ids, local_links, pages, parse, resolve, text

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "schema" / "catalog.yaml"
MINI = ROOT / "tests" / "generator" / "fixtures" / "mini.yaml"
CATALOGS = [pytest.param(BUNDLED, id="bundled"), pytest.param(MINI, id="mini")]


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codex_otel.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def redacted(catalog: Catalog) -> list[tuple[Event | None, Attribute]]:
    """Every attribute of the catalog that has a redaction policy, where it is used."""
    found: list[tuple[Event | None, Attribute]] = [(None, a) for a in catalog.common if a.redact]
    found += [(e, a) for e in catalog.events for a in e.attributes if a.redact]
    return found


@pytest.mark.parametrize("catalog_file", CATALOGS)
def test_every_page_is_valid_html5_and_every_link_resolves(
    catalog_file: Path, tmp_path: Path
) -> None:
    site = build(catalog_file, tmp_path / "site")
    checked = 0
    for page in pages(site):
        tree = parse(page)  # strict: raises on any parse error
        assert len(ids(tree)) == len(set(ids(tree))), f"{page}: duplicate ids"
        assert tree.find(".//main") is not None and tree.find(".//nav") is not None, page
        levels = [int(e.tag[1]) for e in tree.iter() if e.tag in ("h1", "h2", "h3", "h4")]
        assert levels[0] == 1 and levels.count(1) == 1, f"{page}: one h1, first"
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), f"{page}: {levels}"
        for link in local_links(tree):
            assert "://" not in link and not link.startswith("//"), f"{page}: {link}"
            target, fragment = resolve(page, link)
            assert target.is_file(), f"{page}: {link} -> {target} does not exist"
            if fragment:
                assert fragment in ids(parse(target)), f"{page}: {link}: no such anchor"
            checked += 1
    assert checked > 50


@pytest.mark.parametrize("catalog_file", CATALOGS)
def test_a_page_and_a_wire_schema_per_event(catalog_file: Path, tmp_path: Path) -> None:
    catalog = load_catalog(catalog_file)
    site = build(catalog, tmp_path / "site")
    expected = {f"{event.name}.html" for event in catalog.events}
    assert {p.name for p in (site / "events").iterdir()} == expected
    schemas = {o.path: o.text for o in render(catalog) if o.path.startswith("schemas/")}
    index = parse(site / "index.html")
    listed = [text(a) for a in index.iterfind(".//section[@aria-labelledby='events-heading']//a")]
    assert listed == [event.name for event in catalog.events]
    for event in catalog.events:
        page = parse(site / "events" / f"{event.name}.html")
        assert text(page.find(".//h1")) == event.name
        keys = [text(h) for h in page.iterfind(".//section[@class='attribute']/h3")]
        assert [k.split(" ")[0] for k in keys] == [a.key for a in event.attributes]
        assert f"def {event.function_name}(" in text(page.find(".//pre"))
        schema_file = site / "schemas" / f"{event.name}.json"
        # The same bytes `generate` writes; valid JSON, linked from the page.
        assert schema_file.read_text(encoding="utf-8") == schemas[f"schemas/{event.name}.json"]
        assert json.loads(schema_file.read_text(encoding="utf-8"))["title"] == event.name
        links = [a.attrib for a in page.iterfind(".//a") if "href" in a.attrib]
        assert {"href": f"../schemas/{event.name}.json", "download": f"{event.name}.json"} in links


def shown(prose: str) -> str:
    """Catalog prose as a page's text shows it: code spans' backticks gone, spaces collapsed."""
    return " ".join(re.sub(r"`+", "", prose).split())


def expected_facts(attribute: Attribute) -> dict[str, str]:
    """The rows of an attribute's facts that come straight from the resolved model, with
    the text each must show; a row the model gives no value for must be absent."""
    facts = {"Requirement": attribute.requirement_text, "Stability": attribute.stability}
    facts["Type"] = attribute.type.display
    if attribute.type.is_enum:
        members = " ".join(
            f"{json.dumps(m.value, ensure_ascii=False)}: {shown(m.description)}"
            for m in attribute.type.members
        )
        facts["Type"] += f", one of: {members}"
    if attribute.max_length:
        facts["Cap"] = f"Cut to {attribute.max_length} characters, with a visible marker."
    if attribute.has_bounds:
        bounds = attribute.bounds_text
        facts["Bounds"] = f"{bounds[:1].upper()}{bounds[1:]}."
    if attribute.examples:
        facts["Examples"] = ", ".join(
            json.dumps(example, ensure_ascii=False) for example in attribute.examples
        )
    if attribute.deprecated:
        facts["Deprecated"] = shown(attribute.deprecated.note)
        if attribute.deprecated.replacement:
            facts["Deprecated"] += f" Use {attribute.deprecated.replacement} instead."
    return facts


def test_each_attribute_shows_the_resolved_models_facts(tmp_path: Path) -> None:
    """Type, requirement, cap, bounds, examples, stability and deprecation of every
    attribute of every event page, as the resolved model has them (per-event overrides,
    such as a smaller cap, included), and the deprecation notice of a deprecated event."""
    catalog = load_catalog(MINI)
    site = build(catalog, tmp_path / "site")
    rows_seen: set[str] = set()
    for event in catalog.events:
        page_file = site / "events" / f"{event.name}.html"
        page = parse(page_file)
        for attribute in event.attributes:
            section = page.find(f".//section[@id='attr-{attribute.key}']")
            assert section is not None, f"{event.name}: no section for {attribute.key}"
            facts = section.find("dl")
            assert facts is not None
            terms = [text(dt) for dt in facts.iterfind("dt")]
            values = [text(dd) for dd in facts.iterfind("dd")]
            assert len(terms) == len(values), f"{event.name} {attribute.key}: {terms}"
            shown_facts = dict(zip(terms, values, strict=True))
            expected = expected_facts(attribute)
            # Every row from the model shows its value; no other such row is there.
            model_rows = {"Type", "Requirement", "Cap", "Bounds", "Examples", "Deprecated"}
            assert {t for t in terms if t in model_rows} == set(expected) - {"Stability"}, (
                f"{event.name} {attribute.key}: {terms}"
            )
            for term, value in expected.items():
                assert shown_facts[term] == value, f"{event.name} {attribute.key} {term}"
            rows_seen |= set(expected)
        notice = page.find(".//div[@class='notice']")
        if event.deprecated is None:
            assert notice is None, event.name
            continue
        message = f"Deprecated: {shown(event.deprecated.note)}"
        if event.deprecated.replacement:
            message += f" Use {event.deprecated.replacement} instead."
            [link] = notice.iterfind(".//a") if notice is not None else []
            target, _ = resolve(page_file, link.attrib["href"])
            assert target == (site / "events" / f"{event.deprecated.replacement}.html").resolve()
        assert text(notice) == message, event.name
    # The fixture exercises every row, so none of the checks above is vacuous.
    assert rows_seen >= {"Type", "Requirement", "Cap", "Bounds", "Examples", "Deprecated"}
    assert any(event.deprecated for event in catalog.events)


def test_the_bundled_site_copies_the_committed_wire_schemas(tmp_path: Path) -> None:
    site = build(BUNDLED, tmp_path / "site")
    committed = sorted((ROOT / "generated" / "schemas").glob("*.json"))
    assert committed
    for schema in committed:
        assert (site / "schemas" / schema.name).read_bytes() == schema.read_bytes()


@pytest.mark.parametrize("catalog_file", CATALOGS)
def test_the_privacy_page_lists_every_redacted_attribute(
    catalog_file: Path, tmp_path: Path
) -> None:
    catalog = load_catalog(catalog_file)
    uses = redacted(catalog)
    assert uses, "the test needs a catalog with redacted attributes"
    site = build(catalog, tmp_path / "site")
    page = parse(site / "privacy.html")
    rows = [
        [text(cell) for cell in row]
        for section in page.iterfind(".//section")
        if section.get("id", "").startswith("toggle-")
        for row in section.iterfind(".//tbody/tr")
    ]
    expected = [
        [
            attribute.key,
            event.name if event else "every event",
            attribute.redact.mode,
            json.dumps(attribute.redact.placeholder),
            f"{attribute.max_length} characters" if attribute.max_length else "none",
        ]
        for toggle in catalog.toggles
        for event, attribute in uses
        if attribute.redact and attribute.redact.toggle == toggle.name
    ]
    assert rows == expected
    for toggle in catalog.toggles:
        section = page.find(f".//section[@id='toggle-{toggle.name}']")
        assert section is not None
        assert f"{toggle.name} = {'true' if toggle.default else 'false'}" in text(section)
    # Each event page says the same on the attribute itself.
    for event, attribute in uses:
        target = site / ("index.html" if event is None else f"events/{event.name}.html")
        section = parse(target).find(f".//section[@id='attr-{attribute.key}']")
        assert section is not None and attribute.redact
        redaction = text(section.find(".//dd[@class='redaction']"))
        assert json.dumps(attribute.redact.placeholder) in redaction
        assert attribute.redact.toggle in redaction


@pytest.mark.parametrize("catalog_file", CATALOGS)
def test_the_privacy_page_lists_every_class_and_what_each_mode_sends(
    catalog_file: Path, tmp_path: Path
) -> None:
    catalog = load_catalog(catalog_file)
    site = build(catalog, tmp_path / "site")
    table = parse(site / "privacy.html").find(".//section[@id='sensitivity']//table")
    assert table is not None
    rows = {text(row[0]): [text(cell) for cell in row] for row in table.iterfind(".//tbody/tr")}
    items = {
        text(row[0]): [text(item) for item in row.iterfind(".//li")]
        for row in table.iterfind(".//tbody/tr")
    }
    listed = {a.key: a for _, a in catalog.policy_attributes}
    assert set(rows) == set(listed)
    toggles = {t.name: t for t in catalog.toggles}
    for key, attribute in listed.items():
        _, _, sensitivity, toggle, default, off_mode, wire = rows[key]
        assert sensitivity == attribute.sensitivity
        if attribute.redact is None:
            assert (toggle, default, off_mode) == ("none", "-", "-")
            assert wire.startswith("always the value")
            continue
        assert (toggle, off_mode) == (attribute.redact.toggle, attribute.redact.mode)
        assert default == str(toggles[attribute.redact.toggle].default).lower()
        modes = [item.split(":")[0] for item in items[key]]
        first = "keep" if toggles[attribute.redact.toggle].default else attribute.redact.mode
        assert modes[0] == first
        assert sorted(modes) == ["drop", "hash", "keep", "length", "redact"]
        assert f"{key}.length" in wire
        assert json.dumps(attribute.redact.placeholder).strip('"') in wire


def test_the_search_index_covers_every_event_and_attribute(tmp_path: Path) -> None:
    catalog = load_catalog(BUNDLED)
    site = build(catalog, tmp_path / "site")
    script = (site / "assets" / "search-index.js").read_text(encoding="ascii")
    prefix = "window.CODEX_OTEL_SEARCH = "
    records = json.loads(script[script.index(prefix) + len(prefix) :].rstrip().rstrip(";"))
    names = [r["name"] for r in records if r["kind"] == "event"]
    assert names == [event.name for event in catalog.events]
    for record in records:
        for attribute in record["attributes"]:
            target, fragment = resolve(site / "index.html", attribute["url"])
            assert fragment == f"attr-{attribute['key']}" and fragment in ids(parse(target))
    metric_names = [r["name"] for r in records if r["kind"] == "metric"]
    assert metric_names == [metric.name for metric in catalog.metrics]
    span_records = [r for r in records if r["kind"] == "span"]
    assert [r["name"] for r in span_records] == [span.id for span in catalog.spans]
    assert catalog.spans  # the bundled catalog's spans are searched too
    for record, span in zip(span_records, catalog.spans, strict=True):
        # A trace view shows the wire name and kind: both find the span.
        assert span.name in str(record["tags"]) and span.kind in str(record["tags"])
    for record in records:
        target, _ = resolve(site / "index.html", record["url"])
        assert target.is_file(), record["url"]
    keys = {a["key"] for r in records for a in r["attributes"]}
    assert keys == {a.key for a in catalog.common} | {
        a.key for e in catalog.events for a in e.attributes
    } | {a.key for m in catalog.metrics for a in m.attributes} | {
        a.key for s in catalog.spans for a in s.attributes
    }


def test_the_build_is_deterministic_across_processes(tmp_path: Path) -> None:
    # Different hash seeds: no set or dict order may leak into the output.
    for seed in ("1", "2"):
        result = run_cli("docs", "--out", str(tmp_path / seed), PYTHONHASHSEED=seed)
        assert result.returncode == 0, result.stderr
    first, second = tree_bytes(tmp_path / "1"), tree_bytes(tmp_path / "2")
    assert first == second and len(first) > 10
    assert b"Generated from catalog.yaml (catalog version" in first["index.html"]


def test_check_reports_a_stale_site_and_exits_1(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert run_cli("docs", "--out", str(site)).returncode == 0
    fresh = run_cli("docs", "--out", str(site), "--check")
    assert fresh.returncode == 0 and "is up to date" in fresh.stdout
    with (site / "index.html").open("a") as page:
        page.write("<!-- edited by hand -->\n")
    (site / "privacy.html").unlink()
    (site / "events" / "codex.removed_event.html").write_text("left over")
    before = tree_bytes(site)
    stale = run_cli("docs", "--out", str(site), "--check")
    assert stale.returncode == 1
    assert f"stale: {site / 'index.html'} (+0 -1 lines)" in stale.stdout
    assert f"missing: {site / 'privacy.html'}" in stale.stdout
    assert f"extra: {site / 'events' / 'codex.removed_event.html'}" in stale.stdout
    assert "3 file(s) of the site" in stale.stderr
    assert tree_bytes(site) == before  # --check writes nothing
    assert run_cli("docs", "--out", str(site)).returncode == 0
    assert not (site / "events" / "codex.removed_event.html").exists()
    assert run_cli("docs", "--out", str(site), "--check").returncode == 0


def test_check_hints_the_command_with_the_options_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = tmp_path / "my templates"  # a space: the hint quotes it
    (templates / "site").mkdir(parents=True)
    site = tmp_path / "site"
    for options in (
        ["--schema", str(MINI), "--templates", str(templates), "--history"],
        ["--history", f"{MINI}"],
        [],
    ):
        assert main(["docs", "--out", str(site), *options]) == 0
        (site / "privacy.html").unlink()
        capsys.readouterr()
        assert main(["docs", "--out", str(site), "--check", *options]) == 1
        hint = shlex.join(["codex-otel", "docs", "--out", str(site), *options])
        assert f"run `{hint}` and commit" in capsys.readouterr().err
        # The hint, run as it is, makes the site pass that check.
        assert main(shlex.split(hint)[1:]) == 0
        assert main(["docs", "--out", str(site), "--check", *options]) == 0


def test_building_into_a_folder_keeps_files_the_site_does_not_own(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "CNAME").write_text("docs.example.com\n")
    (site / "notes.txt").write_text("mine")
    assert run_cli("docs", "--out", str(site)).returncode == 0
    assert (site / "CNAME").read_text() == "docs.example.com\n"
    assert (site / "notes.txt").read_text() == "mine"


def test_a_site_template_is_overridden_by_name(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "site").mkdir(parents=True)
    (templates / "site" / "event.html.jinja").write_text(
        '{% extends "site/_layout.html.jinja" %}{% block title %}{{ view.event.name }}'
        "{% endblock %}{% block main %}<h1>Custom: {{ view.event.name }}</h1>{% endblock %}\n"
    )
    default = build(MINI, tmp_path / "default")
    custom = build(MINI, tmp_path / "custom", template_dir=templates)
    for name in tree_bytes(default):
        if name.startswith("events/"):
            assert text(parse(custom / name).find(".//h1")).startswith("Custom: "), name
        else:  # the others are the packaged templates' output, unchanged
            assert (custom / name).read_bytes() == (default / name).read_bytes(), name


def test_a_misspelt_site_template_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "events.html.jinja").write_text("typo")
    (tmp_path / "site" / "_macros.html.jinja").write_text("")  # a helper: allowed
    result = run_cli(
        "docs", "--schema", str(MINI), "--out", str(tmp_path / "o"), "--templates", str(tmp_path)
    )
    assert result.returncode == 2
    assert "'site/events.html.jinja' (did you mean 'site/event.html.jinja'?)" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "o").exists()


def test_a_broken_site_template_is_named_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "privacy.html.jinja").write_text("{{ site.no_such_thing }}")
    result = run_cli(
        "docs", "--schema", str(MINI), "--out", str(tmp_path / "o"), "--templates", str(tmp_path)
    )
    assert result.returncode == 2
    assert "rendering failed" in result.stderr and "no_such_thing" in result.stderr
    assert "Traceback" not in result.stderr


def test_catalog_text_is_escaped_and_shown_as_it_is(tmp_path: Path) -> None:
    catalog = load_catalog(MINI)
    hostile = 'Ends </p><script>alert("x")</script> & a lone \ud800, a bell \x07 and `code`.'
    event = dataclasses.replace(catalog.events[0], description=hostile)
    catalog = dataclasses.replace(catalog, events=(event, *catalog.events[1:]))
    site = build(catalog, tmp_path / "site")
    page = site / "events" / f"{event.name}.html"
    lead = parse(page).find(".//p[@class='lead']")
    assert (
        text(lead)
        == 'Ends </p><script>alert("x")</script> & a lone \\ud800, a bell \\x07 and code.'
    )
    assert lead is not None
    assert lead.find("code") is not None and text(lead.find("code")) == "code"
    assert not list(parse(page).iter("script"))  # event pages run no script
    index = (site / "assets" / "search-index.js").read_text(encoding="ascii")
    assert "</script>" not in index and "\\ud800" in index


_ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=40) | st.sampled_from(
    ["\ud800", "a\udfffb", "\x00\x07\x1b", "</main>", "`x`", "``", "\u2028", "&amp;" * 5000]
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(description=_ANY_TEXT, placeholder=_ANY_TEXT)
def test_any_catalog_text_gives_valid_html_showing_that_text(
    description: str, placeholder: str
) -> None:
    catalog = load_catalog(MINI)
    event = catalog.events[0]
    attributes = tuple(
        dataclasses.replace(a, redact=dataclasses.replace(a.redact, placeholder=placeholder))
        if a.redact
        else a
        for a in event.attributes
    )
    event = dataclasses.replace(event, description=description, attributes=attributes)
    catalog = dataclasses.replace(catalog, events=(event, *catalog.events[1:]))
    outputs = {o.path: o.text for o in build_site(catalog)}
    for path, body in outputs.items():
        body.encode("utf-8")  # lone surrogates are spelled, never written
        if path.endswith(".html"):
            parse(body)
    page = parse(outputs[f"events/{event.name}.html"])
    lead = page.find(".//p[@class='lead']")
    if "`" not in description:  # (code spans become <code>, tested above)
        # Exactly the text, characters that do not print spelled as escapes (as in
        # EVENTS.md); whitespace collapses as it does in any HTML.
        spelled = "\n".join(visible(line) for line in description.split("\n"))
        assert text(lead) == " ".join(spelled.split())
    redactions = [text(dd) for dd in page.iterfind(".//dd[@class='redaction']")]
    assert redactions and all(r.startswith("Governed by the ") for r in redactions)


def test_the_changes_page_is_absent_until_a_history_is_given(tmp_path: Path) -> None:
    catalog = load_catalog(MINI)
    without = {o.path for o in build_site(catalog)}
    assert "changes.html" not in without
    assert "Changes" not in text(
        parse(build(catalog, tmp_path / "a") / "index.html").find(".//nav")
    )
    releases = [
        Release(
            "0.3.0",
            "0.3.1",
            (CatalogChange("breaking", "build.started_old", "Deprecated, use `build.started`."),),
        )
    ]
    site = build(catalog, tmp_path / "b", releases=releases)
    changes = parse(site / "changes.html")
    assert text(changes.find(".//h2")) == "0.3.0 to 0.3.1"
    assert "build.started_old: Deprecated, use build.started." in text(changes.find(".//main//li"))
    for page in pages(site):
        nav = [text(a) for a in parse(page).iterfind(".//nav//a")]
        assert nav == ["Events", "Privacy", "Changes"], page
    # Built again without a history, the page goes away.
    build(catalog, tmp_path / "b")
    assert not (tmp_path / "b" / "changes.html").exists()


def test_changes_that_kept_the_version_number_are_labelled_as_such(tmp_path: Path) -> None:
    """Two versions with one number: "(unreleased changes)" when the newer one is the
    catalog being built, "(changes without a new version)" between two earlier ones."""
    catalog = load_catalog(MINI)
    fewer = dataclasses.replace(catalog, events=catalog.events[:-1])
    unreleased = releases([fewer], catalog)
    assert [r.title for r in unreleased] == [f"{catalog.version} (unreleased changes)"]
    site = build(catalog, tmp_path / "site", releases=unreleased)
    assert text(parse(site / "changes.html").find(".//h2")) == unreleased[0].title
    bumped = dataclasses.replace(catalog, version="0.4.0")
    assert [r.title for r in releases([fewer, catalog], bumped)] == [
        f"{catalog.version} to 0.4.0",
        f"{catalog.version} (changes without a new version)",
    ]


def test_the_metrics_list_is_not_rendered_while_the_catalog_has_none(tmp_path: Path) -> None:
    document = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    del document["metrics"], document["common"]["metric_attributes"]
    without = tmp_path / "no-metrics.yaml"
    without.write_text(yaml.safe_dump(document), encoding="utf-8")
    site = build(without, tmp_path / "site")
    index = parse(site / "index.html")
    assert [text(h) for h in index.iterfind(".//h2")] == ["Search", "Events", "Common attributes"]
    assert not (site / "metrics").exists()
    assert "metric" not in text(index.find(".//label"))


@pytest.mark.parametrize("catalog_file", CATALOGS)
def test_a_page_per_metric_with_its_instrument_unit_attributes_and_recorder(
    catalog_file: Path, tmp_path: Path
) -> None:
    catalog = load_catalog(catalog_file)
    assert catalog.metrics
    site = build(catalog, tmp_path / "site")
    assert {p.name for p in (site / "metrics").iterdir()} == {
        f"{metric.name}.html" for metric in catalog.metrics
    }
    index = parse(site / "index.html")
    listed = [text(a) for a in index.iterfind(".//section[@aria-labelledby='metrics-heading']//a")]
    assert listed == [metric.name for metric in catalog.metrics]
    for metric in catalog.metrics:
        page = parse(site / "metrics" / f"{metric.name}.html")
        assert text(page.find(".//h1")) == metric.name
        assert text(page.find(".//dd[@class='instrument']")) == metric.instrument
        assert text(page.find(".//dd[@class='unit']")) == metric.unit
        boundaries = page.find(".//dd[@class='boundaries']")
        if metric.instrument != "histogram":
            assert boundaries is None
        elif metric.boundaries is None:
            assert text(boundaries).startswith("The OpenTelemetry SDK's defaults: 0, 5, 10")
        else:
            assert text(boundaries) == ", ".join(f"{b:g}" for b in metric.boundaries)
        keys = [text(h) for h in page.iterfind(".//section[@class='attribute']/h3")]
        assert [k.split(" ")[0] for k in keys] == [a.key for a in metric.attributes]
        cardinalities = [text(dd) for dd in page.iterfind(".//dd[@class='cardinality']")]
        assert cardinalities == [a.cardinality_text for a in metric.attributes]
        signature = text(page.find(".//pre"))
        assert f"def {metric.function_name}(" in signature
        assert ("value: int = 1," if metric.is_counter else "value: ") in signature
        metadata = [
            text(a) for a in page.iterfind(".//section[@aria-labelledby='metadata-attributes']//a")
        ]
        assert metadata == list(catalog.metric_keys)
        notice = page.find(".//div[@class='notice']")
        assert (notice is not None) == (metric.deprecated is not None)


def test_a_deprecated_metric_links_its_replacement(tmp_path: Path) -> None:
    site = build(MINI, tmp_path / "site")
    page = parse(site / "metrics" / "step.duration_old.html")
    notice = page.find(".//div[@class='notice']")
    assert notice is not None and "Record step.seconds instead." in text(notice)
    [link] = notice.iterfind(".//a")
    assert link.attrib["href"] == "../metrics/step.seconds.html"
    row = next(
        tr
        for tr in parse(site / "index.html").iterfind(".//tbody/tr")
        if text(tr.find(".//th")) == "step.duration_old"
    )
    assert "histogram of int, in ms." in text(row) and "Deprecated" in text(row)


def test_the_changes_page_shows_metric_changes_from_the_diff(tmp_path: Path) -> None:
    document = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    older = copy.deepcopy(document)
    older["catalog_version"] = "0.0.1"
    seconds = next(m for m in older["metrics"] if m["name"] == "step.seconds")
    seconds["boundaries"] = [0.5, 1, 5, 30, 60]
    older["metrics"] = [m for m in older["metrics"] if m["name"] != "build.queue.depth"]
    old_file = tmp_path / "old.yaml"
    old_file.write_text(yaml.safe_dump(older), encoding="utf-8")
    catalog = load_catalog(MINI)
    site = build(catalog, tmp_path / "site", releases=releases([load_catalog(old_file)], catalog))
    changes = [text(li) for li in parse(site / "changes.html").iterfind(".//main//li")]
    assert any(
        c.startswith("compatible metrics[build.queue.depth]: metric build.queue.depth added")
        for c in changes
    ), changes
    assert any(
        c.startswith("breaking metrics[step.seconds].boundaries: bucket boundaries of step.seconds")
        and "bucket bound 60 removed" in c
        for c in changes
    ), changes


def test_docs_needs_out_and_reports_bad_catalogs(tmp_path: Path) -> None:
    assert run_cli("docs").returncode == 2  # argparse: --out is required
    bad = tmp_path / "bad.yaml"
    bad.write_text("catalog_version: nope\n")
    result = run_cli("docs", "--schema", str(bad), "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "bad.yaml:" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "o").exists()


def test_the_site_is_self_contained(tmp_path: Path) -> None:
    site = build(BUNDLED, tmp_path / "site")
    for page in pages(site):
        tree = parse(page)
        for link in local_links(tree):  # every href and src: nothing from elsewhere
            assert "://" not in link and not link.startswith("//"), f"{page}: {link}"
        # Catalog text may hold URLs (an example does); they are text, never links.
        assert not [a for a in tree.iter("a") if "http" in a.attrib.get("href", "")]
    style = (site / "assets" / "style.css").read_text(encoding="utf-8")
    assert "url(" not in style and "@import" not in style  # no web fonts, no CDN
    for script in (site / "assets").glob("*.js"):  # file:// forbids fetch(): none used
        body = script.read_text(encoding="utf-8")
        assert "fetch(" not in body and "XMLHttpRequest" not in body, script
