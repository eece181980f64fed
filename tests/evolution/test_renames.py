"""One rename matcher for events, metrics, attributes and enum members (`renames.match`):
the same rule for every kind, each kind bringing its own evidence."""

from __future__ import annotations

from codex_otel.generator import diff as diff_module
from codex_otel.generator import diff_fields
from codex_otel.generator.renames import match


def test_a_rename_leads_from_an_old_key_to_a_key_only_the_new_side_has() -> None:
    old = {"a": 1, "b": 2, "c": 3}
    new = {"b": 2, "x": 1, "y": 3, "z": 4}
    matching = match(old, new, [("a", "x"), ("c", "y"), ("a", "y"), ("b", "z"), ("q", "z")])
    # ("a", "y"): a is renamed already; ("b", "z"): fine (b stays, as a deprecated event
    # does); ("q", "z"): no such old key.
    assert matching.renamed_to == {"a": "x", "c": "y", "b": "z"}
    assert matching.renamed_from == {"x": "a", "y": "c", "z": "b"}
    assert matching.added == []
    assert matching.removed == []
    # A candidate whose new key the old side has too is no rename.
    assert match({"a": 1, "b": 2}, {"b": 2}, [("a", "b")]).removed == ["a"]


def test_every_kind_is_matched_by_the_one_matcher() -> None:
    """diff (events, metrics, attributes) and its field comparisons (enum members) use
    `renames.match`."""
    for module in (diff_module, diff_fields):
        assert module.match is match
