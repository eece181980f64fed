"""What the documentation site shows, decided from the resolved catalog.

The site's templates only format: which pages exist and where, what each links to, which
attributes the privacy page lists, the emitter signatures and the search index are all
decided here, from the same `Catalog` that EVENTS.md and the emitters are rendered from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .code_model import emitter_view, recorder_view
from .diff import SDK_DEFAULT_BOUNDARIES, SEVERITIES, SEVERITY_HEADINGS
from .docs_model import (
    AttributeDoc,
    PrivacyRow,
    SpanDoc,
    SpanNode,
    attribute_doc,
    plain_text,
    privacy_rows,
    span_doc,
    span_tree,
)
from .model import Attribute, Catalog, Event, Metric, Span, Toggle
from .semver import GateResult
from .span_model import SpanView, span_view

#: Where each kind of page lives, relative to the site's root.
INDEX_PAGE = "index.html"
PRIVACY_PAGE = "privacy.html"
CHANGES_PAGE = "changes.html"
EVENT_PAGES = "events"
#: What the privacy page is about, in the search's words.
PRIVACY_SUMMARY = (
    "Attributes by sensitivity class (content, identifier), and the toggles and modes that "
    "decide what the wire carries for each: the value, a placeholder, a hash, a length or "
    "nothing."
)
#: Metric pages have a folder of their own: a metric may share its name with an event.
METRIC_PAGES = "metrics"
SCHEMA_FILES = "schemas"
ASSETS = "assets"
#: Span pages have a folder of their own too; the span tree is a page of its own.
SPAN_PAGES = "spans"
SPAN_TREE_PAGE = "spans.html"


def event_page(event: Event) -> str:
    return f"{EVENT_PAGES}/{event.name}.html"


def metric_page(metric: Metric) -> str:
    return f"{METRIC_PAGES}/{metric.name}.html"


def span_page(span: Span) -> str:
    return f"{SPAN_PAGES}/{span.id}.html"


def schema_file(event: Event) -> str:
    return f"{SCHEMA_FILES}/{event.name}.json"


def attribute_anchor(attribute: Attribute) -> str:
    """The fragment of an attribute's section; keys are dotted names, valid in ids."""
    return f"attr-{attribute.key}"


# --- the change history (filled in by the schema diff, once it exists) --------------------


@dataclass(frozen=True)
class CatalogChange:
    """One change between two catalog versions, as the changes page lists it."""

    #: How the change affects consumers, e.g. "breaking", "compatible": shown as a label.
    severity: str
    #: What changed: an event name or an attribute key (`event` / `event.attribute`).
    subject: str
    #: One sentence saying what happened to the subject.
    text: str
    #: Whom the change breaks (`api`, `wire`, `privacy`), as `codex-otel diff` says.
    audiences: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangeGroup:
    """The changes of one severity, under the heading `codex-otel diff` gives them."""

    severity: str
    heading: str
    changes: tuple[CatalogChange, ...]


@dataclass(frozen=True)
class Release:
    """The changes from one catalog version to the next."""

    from_version: str
    to_version: str
    changes: tuple[CatalogChange, ...]
    #: Whether `to_version` is the catalog the site is built from (not a tagged version).
    unreleased: bool = False
    #: The version gate of this step (`codex-otel diff`'s), when the changes come from it.
    gate: GateResult | None = None

    @property
    def groups(self) -> tuple[ChangeGroup, ...]:
        """The changes by severity, breaking first, as `codex-otel diff` lists them; a
        severity without changes has no group."""
        order = [*SEVERITIES, *sorted({c.severity for c in self.changes} - set(SEVERITIES))]
        return tuple(
            ChangeGroup(
                severity,
                SEVERITY_HEADINGS.get(severity, severity),
                tuple(c for c in self.changes if c.severity == severity),
            )
            for severity in order
            if any(c.severity == severity for c in self.changes)
        )

    @property
    def verdict(self) -> str:
        """The gate's verdict on this version step, worded as `codex-otel diff` prints it
        (empty without a gate)."""
        return self.gate.verdict if self.gate else ""

    @property
    def passes(self) -> bool:
        return self.gate is None or self.gate.ok

    @property
    def title(self) -> str:
        """The release's heading: "1.0.0 to 1.1.0"; changes that kept the version number
        are "1.1.0 (unreleased changes)" when they lead to the catalog being built, and
        "1.1.0 (changes without a new version)" between two earlier versions."""
        if self.from_version != self.to_version:
            return f"{self.from_version} to {self.to_version}"
        kind = "unreleased changes" if self.unreleased else "changes without a new version"
        return f"{self.to_version} ({kind})"


# --- pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NavLink:
    title: str
    page: str


@dataclass(frozen=True)
class IndexEntry:
    """One row of an index section: an event, a metric or a span."""

    name: str
    page: str
    description: str
    attribute_count: int
    stability: str
    deprecated: bool
    #: What kind of metric or span it is, in words (`counter of int, in {request}`,
    #: `client span named chat {gen_ai.request.model}`); empty for events.
    kind: str = ""


@dataclass(frozen=True)
class IndexSection:
    """A list on the index page; a section with no entries is not shown."""

    id: str
    title: str
    intro: str
    entries: tuple[IndexEntry, ...]
    #: A page the section leads on to (the span tree), shown after the intro.
    more: NavLink | None = None


@dataclass(frozen=True)
class RedactedUse:
    """An attribute that can carry user content, where it is used, and what replaces it."""

    attribute: Attribute
    #: The event (None: every event, the attribute is common metadata).
    event: Event | None
    page: str
    anchor: str


@dataclass(frozen=True)
class ToggleSection:
    toggle: Toggle
    uses: tuple[RedactedUse, ...]


@dataclass(frozen=True)
class EventView:
    event: Event
    page: str
    schema_file: str
    #: The emitter's `def` line and parameters, as generated/events.py declares it.
    signature: str
    #: The schema's text, shown on the page and copied next to it for download.
    schema_text: str
    #: The event named by `deprecated.replacement`, when the catalog has it.
    replacement_page: str | None
    #: What the docs say about each attribute (the facts EVENTS.md shows too).
    attributes: tuple[AttributeDoc, ...] = ()


@dataclass(frozen=True)
class MetricView:
    metric: Metric
    page: str
    #: The recorder's `def` line and parameters, as generated/events.py declares it.
    signature: str
    #: The metric named by `deprecated.replacement`, when the catalog has it.
    replacement_page: str | None
    #: The metadata attributes every metric carries (`common.metric_attributes`).
    metadata: tuple[Attribute, ...]
    #: What the docs say about each attribute.
    attributes: tuple[AttributeDoc, ...] = ()

    @property
    def kind(self) -> str:
        metric = self.metric
        return f"{metric.instrument} of {metric.value_type}, in {metric.unit}"

    @property
    def boundaries_text(self) -> str:
        """The histogram's bucket bounds in words (the SDK's defaults when none are given)."""
        if self.metric.instrument != "histogram":
            return ""
        if self.metric.boundaries is None:
            defaults = ", ".join(f"{bound:g}" for bound in SDK_DEFAULT_BOUNDARIES)
            return f"The OpenTelemetry SDK's defaults: {defaults}"
        return ", ".join(f"{bound:g}" for bound in self.metric.boundaries)


@dataclass(frozen=True)
class SpanPage:
    """One span's page: its helper and handle, where it nests, what happens inside it."""

    span: Span
    page: str
    #: What the docs say about the span (its attributes, placement, children).
    doc: SpanDoc
    #: The helper's `def` line and parameters, as generated/events.py declares it.
    signature: str
    #: The handle class and its setters' signatures, as generated/events.py declares them.
    handle: str
    parents: tuple[NavLink, ...]
    children: tuple[NavLink, ...]
    #: The events and metrics expected inside it, linked to their pages.
    events: tuple[NavLink, ...]
    metrics: tuple[NavLink, ...]
    #: The span named by `deprecated.replacement`, when the catalog has it.
    replacement_page: str | None
    #: The spans from a root down to this one's parent (the first such path in catalog
    #: order), for the page's small tree; empty for a root, or a span no root leads to.
    lineage: tuple[NavLink, ...] = ()


def lineage(catalog: Catalog, span_id: str) -> tuple[str, ...]:
    """The ids from a root span down to `span_id`'s parent: breadth first from the roots
    through each span's children in catalog order, so the shortest path, the first of
    equals; () for a root, and for a span no root leads to."""
    paths: dict[str, tuple[str, ...]] = {span.id: () for span in catalog.spans if span.root}
    queue = list(paths)
    while queue and span_id not in paths:
        current = queue.pop(0)
        for child in catalog.children(current):
            if child.id not in paths:
                paths[child.id] = (*paths[current], current)
                queue.append(child.id)
    return paths.get(span_id, ())


def _handle_text(view: SpanView) -> str:
    """The handle class as the span page shows it: its base, then each setter's `def`."""
    lines = [f"class {view.span.handle_name}(SpanHandle):"]
    lines += [f"    {setter.declaration}: ..." for setter in view.setters]
    if not view.setters:
        lines.append("    ...  # no attribute is known only at the end")
    return "\n".join(lines)


@dataclass(frozen=True)
class Site:
    """Everything the templates format, for one catalog."""

    catalog: Catalog
    nav: tuple[NavLink, ...]
    sections: tuple[IndexSection, ...]
    events: tuple[EventView, ...]
    toggles: tuple[ToggleSection, ...]
    metrics: tuple[MetricView, ...] = ()
    #: The change history, newest first; empty: the changes page is not built.
    releases: tuple[Release, ...] = ()
    #: The search index: a list of records, serialised into a script by `site.py`.
    search_records: tuple[dict[str, object], ...] = ()
    #: What the docs say about each common attribute.
    common: tuple[AttributeDoc, ...] = ()
    #: Every attribute with a class other than metadata or a policy (the privacy page).
    privacy: tuple[PrivacyRow, ...] = ()
    spans: tuple[SpanPage, ...] = ()
    #: The spans as they nest, for the span tree page.
    span_tree: tuple[SpanNode, ...] = ()

    @property
    def listed(self) -> str:
        """What the index lists, in words: "event", "event and metric", "event, metric and
        span"."""
        kinds = ["event", *(["metric"] if self.metrics else []), *(["span"] if self.spans else [])]
        return " and ".join(kinds) if len(kinds) < 3 else "event, metric and span"

    def span_page(self, span: Span) -> str:
        """Where a span of the tree has its page."""
        return span_page(span)

    @property
    def title(self) -> str:
        if self.catalog.namespace:
            return f"{self.catalog.namespace} event catalog"
        return "Event catalog"

    def privacy_links(self, row: PrivacyRow) -> tuple[tuple[str, str], ...]:
        """Where the privacy page links each of a row's uses: (label, url) pairs, the
        common metadata's section or each event's attribute."""
        anchor = attribute_anchor(row.attribute)
        if not row.events:
            return (("every event", f"{INDEX_PAGE}#{anchor}"),)
        return tuple((name, f"{EVENT_PAGES}/{name}.html#{anchor}") for name in row.events)

    def toggle(self, name: str) -> Toggle:
        """The catalog's toggle of that name (resolve checked that redactions name one)."""
        return next(toggle for toggle in self.catalog.toggles if toggle.name == name)

    @property
    def redacted_uses(self) -> tuple[RedactedUse, ...]:
        return tuple(use for section in self.toggles for use in section.uses)


def _toggle_sections(catalog: Catalog) -> tuple[ToggleSection, ...]:
    """Per toggle, every attribute it guards: the common ones, then each event's."""
    uses: list[RedactedUse] = [
        RedactedUse(a, None, INDEX_PAGE, attribute_anchor(a)) for a in catalog.common if a.redact
    ]
    uses += [
        RedactedUse(a, event, event_page(event), attribute_anchor(a))
        for event in catalog.events
        for a in event.attributes
        if a.redact
    ]
    return tuple(
        ToggleSection(
            toggle,
            tuple(
                u for u in uses if u.attribute.redact and u.attribute.redact.toggle == toggle.name
            ),
        )
        for toggle in catalog.toggles
    )


def _search_records(catalog: Catalog) -> tuple[dict[str, object], ...]:
    """One record per event and metric, one for the common attributes and one for the
    privacy page: what the search matches (names, keys, descriptions as plain text, and
    `tags`: words a page shows beside them, such as "redacted") and where each match
    links to."""

    def tags(attribute: Attribute) -> str:
        words: list[str] = []
        if attribute.sensitivity != "metadata":
            words.append(attribute.sensitivity)
        if attribute.redact:
            words += ["redacted", attribute.redact.toggle]
        if attribute.deprecated:
            words.append("deprecated")
        return " ".join(words)

    def attributes(page: str, items: Sequence[Attribute]) -> list[dict[str, str]]:
        return [
            {
                "key": a.key,
                "description": plain_text(a.description),
                "tags": tags(a),
                "url": f"{page}#{attribute_anchor(a)}",
            }
            for a in items
        ]

    records: list[dict[str, object]] = [
        {
            "kind": "event",
            "name": event.name,
            "description": plain_text(event.description),
            "tags": "deprecated" if event.deprecated else "",
            "url": event_page(event),
            "attributes": attributes(event_page(event), event.attributes),
        }
        for event in catalog.events
    ]
    records += [
        {
            "kind": "metric",
            "name": metric.name,
            "description": plain_text(metric.description),
            "tags": "deprecated" if metric.deprecated else "",
            "url": metric_page(metric),
            "attributes": attributes(metric_page(metric), metric.attributes),
        }
        for metric in catalog.metrics
    ]
    records += [
        {
            "kind": "span",
            "name": span.id,
            "description": plain_text(span.description),
            # The wire name and the kind find the span too: a trace view shows those.
            "tags": " ".join((span.kind, span.name, *(["deprecated"] if span.deprecated else []))),
            "url": span_page(span),
            "attributes": attributes(span_page(span), span.attributes),
        }
        for span in catalog.spans
    ]
    if catalog.common:
        records.append(
            {
                "kind": "common",
                "name": "common metadata",
                "description": plain_text(
                    catalog.common_description or "Attributes on every event."
                ),
                "tags": "",
                "url": f"{INDEX_PAGE}#common",
                "attributes": attributes(INDEX_PAGE, catalog.common),
            }
        )
    records.append(
        {
            "kind": "page",
            "name": "Privacy",
            "description": PRIVACY_SUMMARY,
            "tags": "privacy redacted redaction toggles sensitivity content identifier hash "
            + " ".join(toggle.name for toggle in catalog.toggles),
            "url": PRIVACY_PAGE,
            "attributes": [],
        }
    )
    return tuple(records)


def build_site_model(
    catalog: Catalog, schema_texts: dict[str, str], releases: Sequence[Release] = ()
) -> Site:
    """The site for `catalog`; `schema_texts` maps event names to their wire schema's text.

    `releases` is the change history (newest first). When it is empty, as it is until the
    schema diff exists, the changes page is absent, not empty.
    """
    pages = {event.name: event_page(event) for event in catalog.events}
    events = tuple(
        EventView(
            event=event,
            page=event_page(event),
            schema_file=schema_file(event),
            signature=emitter_view(event).declaration,
            schema_text=schema_texts[event.name],
            replacement_page=(
                pages.get(event.deprecated.replacement)
                if event.deprecated and event.deprecated.replacement
                else None
            ),
            attributes=tuple(attribute_doc(a) for a in event.attributes),
        )
        for event in catalog.events
    )
    event_section = IndexSection(
        id="events",
        title="Events",
        intro="Every event is an OpenTelemetry log record whose event name is the one below.",
        entries=tuple(
            IndexEntry(
                name=view.event.name,
                page=view.page,
                description=view.event.description,
                attribute_count=len(view.event.attributes),
                stability=view.event.stability,
                deprecated=view.event.deprecated is not None,
            )
            for view in events
        ),
    )
    metric_pages = {metric.name: metric_page(metric) for metric in catalog.metrics}
    metrics = tuple(
        MetricView(
            metric=metric,
            page=metric_page(metric),
            signature=recorder_view(metric).declaration,
            replacement_page=(
                metric_pages.get(metric.deprecated.replacement)
                if metric.deprecated and metric.deprecated.replacement
                else None
            ),
            metadata=catalog.metric_attributes,
            attributes=tuple(attribute_doc(a, metric=True) for a in metric.attributes),
        )
        for metric in catalog.metrics
    )
    # Hidden while the catalog has no metrics (a section with no entries is not shown).
    metric_section = IndexSection(
        id="metrics",
        title="Metrics",
        intro="Every metric is an OpenTelemetry instrument of the name below, recorded by its "
        "generated recorder; its attributes have few values each, so every combination is a "
        "time series a backend can afford.",
        entries=tuple(
            IndexEntry(
                name=view.metric.name,
                page=view.page,
                description=view.metric.description,
                attribute_count=len(view.metric.attributes),
                stability=view.metric.stability,
                deprecated=view.metric.deprecated is not None,
                kind=view.kind,
            )
            for view in metrics
        ),
    )
    spans = _span_pages(catalog, pages, metric_pages)
    # Hidden while the catalog has no spans, as the metrics' section is.
    span_section = IndexSection(
        id="spans",
        title="Spans",
        intro="Every span is an OpenTelemetry span, started by its generated helper under a "
        "span the catalog allows as its parent; a trace view shows it by the name given beside "
        "its kind, filled in from its attributes.",
        entries=tuple(
            IndexEntry(
                name=view.span.id,
                page=view.page,
                description=view.span.description,
                attribute_count=len(view.span.attributes),
                stability=view.span.stability,
                deprecated=view.span.deprecated is not None,
                kind=f"{view.span.kind} span named {view.span.name}",
            )
            for view in spans
        ),
        more=NavLink("How the spans nest: the span tree", SPAN_TREE_PAGE) if spans else None,
    )
    nav = [NavLink("Events", INDEX_PAGE)]
    if spans:
        nav.append(NavLink("Spans", SPAN_TREE_PAGE))
    nav.append(NavLink("Privacy", PRIVACY_PAGE))
    if releases:
        nav.append(NavLink("Changes", CHANGES_PAGE))
    return Site(
        catalog=catalog,
        nav=tuple(nav),
        sections=(event_section, metric_section, span_section),
        events=events,
        toggles=_toggle_sections(catalog),
        metrics=metrics,
        releases=tuple(releases),
        search_records=_search_records(catalog),
        common=tuple(attribute_doc(a) for a in catalog.common),
        privacy=privacy_rows(catalog),
        spans=spans,
        span_tree=span_tree(catalog),
    )


def _span_pages(
    catalog: Catalog, event_pages: dict[str, str], metric_pages: dict[str, str]
) -> tuple[SpanPage, ...]:
    """A page per span; links to the spans, events and metrics it names (each of which
    the catalog has: `resolve` checks the names)."""
    pages = {span.id: span_page(span) for span in catalog.spans}

    def links(names: Sequence[str], where: dict[str, str]) -> tuple[NavLink, ...]:
        return tuple(NavLink(name, where[name]) for name in names if name in where)

    views = []
    for span in catalog.spans:
        doc = span_doc(span, catalog)
        view = span_view(span)
        replacement = span.deprecated.replacement if span.deprecated else None
        views.append(
            SpanPage(
                span=span,
                page=pages[span.id],
                doc=doc,
                signature=view.declaration,
                handle=_handle_text(view),
                parents=links(span.parents, pages),
                children=links(doc.children, pages),
                events=links(span.events, event_pages),
                metrics=links(span.metrics, metric_pages),
                replacement_page=pages.get(replacement) if replacement else None,
                lineage=links(lineage(catalog, span.id), pages),
            )
        )
    return tuple(views)
