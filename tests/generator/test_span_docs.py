"""What the docs say about spans (docs_model), for EVENTS.md and the site alike: the span
tree drawn from the catalog's parents, each span's placement and children, and how each
attribute is known and set."""

from __future__ import annotations

from pathlib import Path

from codex_otel.generator import load_catalog, render
from codex_otel.generator.docs_model import SpanNode, build_docs_model, span_tree

HERE = Path(__file__).resolve().parent
SPANS = HERE / "fixtures" / "spans.yaml"
BUNDLED = HERE.parent.parent / "schema" / "catalog.yaml"


def shape(nodes: tuple[SpanNode, ...]) -> list[object]:
    """The tree as nested lists: (id, marks, children)."""
    return [
        (
            node.span.id,
            ("repeated" if node.repeated else "") + ("detached" if node.detached else ""),
            shape(node.children),
        )
        for node in nodes
    ]


def test_the_bundled_span_tree_is_the_turn_and_what_runs_in_it() -> None:
    assert shape(span_tree(load_catalog(BUNDLED))) == [
        (
            "codex.turn",
            "",
            [
                ("codex.api_request", "", []),
                ("codex.tool_call", "", [("codex.tool_approval", "", [])]),
            ],
        )
    ]


def test_a_span_nesting_in_itself_and_spans_no_root_leads_to_are_drawn_once() -> None:
    assert shape(span_tree(load_catalog(SPANS))) == [
        (
            "ci.pipeline",
            "",
            [("ci.step", "", [("ci.step", "repeated", [])]), ("ci.tick", "", [])],
        ),
        ("ci.legacy_run", "", []),
        ("ci.tick", "repeated", []),
        (
            "ci.orphan_a",
            "detached",
            [("ci.orphan_b", "", [("ci.orphan_a", "repeated", [])])],
        ),
    ]


def test_each_span_doc_says_where_it_starts_and_how_each_attribute_is_set() -> None:
    docs = {doc.span.id: doc for doc in build_docs_model(load_catalog(SPANS)).spans}
    assert docs["ci.step"].placement == "Started under `ci.pipeline` or `ci.step`."
    assert docs["ci.step"].children == ("ci.step",)
    assert docs["ci.tick"].placement == "Started under `ci.pipeline` or as a root."
    assert docs["ci.legacy_run"].placement.startswith("A root span")
    pipeline = {doc.key: doc for doc in docs["ci.pipeline"].attributes}
    assert pipeline["job.name"].python == "job_name: str"
    assert pipeline["job.name"].known == "at start: an argument of `ci_pipeline_span`"
    assert pipeline["job.ratio"].python == "span.set_job_ratio(value: float)"
    assert pipeline["job.ratio"].python_label == "Python setter"
    assert pipeline["job.ratio"].known.startswith("at the end")
    # A fixed value: set by the helper, shown as the only example.
    fixed = pipeline["job.version"]
    assert fixed.set_by is not None and fixed.python is None
    assert fixed.attribute.examples == (2,)
    assert any(part.value == 2 for note in fixed.notes for part in note if part.kind == "code")


def test_events_md_shows_every_span_its_tree_and_its_attributes() -> None:
    catalog = load_catalog(BUNDLED)
    markdown = next(o.text for o in render(catalog) if o.path == "EVENTS.md")
    section = markdown[markdown.index("\n## Spans\n") :]
    tree = section[section.index("### Span tree") : section.index("| Span |")]
    assert "\n  - [`codex.tool_call`](#span-codextool_call)" in tree
    assert "\n    - [`codex.tool_approval`](#span-codextool_approval)" in tree
    for span in catalog.spans:
        body = section[section.index(f"### Span {span.id}\n") :]
        body = body[: body.find("\n### ", 5) if "\n### " in body[5:] else len(body)]
        assert f"`{span.name}`" in body and f"kind: {span.kind}" in body
        assert [line.split("`")[1] for line in body.splitlines() if line.startswith("| `")] == [
            a.key for a in span.attributes
        ]
        for event in span.events:
            assert f"[`{event}`](#" in body
