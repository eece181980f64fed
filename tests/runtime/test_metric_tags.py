"""Metric tag values at run time: free text a caller hands a recorder (or the metadata, or
`Conversation.record`) reaches the point holding only the characters Codex allows in a
tag, sanitised as Codex sanitises one, and a recorder never raises over it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codex_otel.generated import events
from codex_otel.generator import wire_limits
from codex_otel.runtime import Telemetry, _metric_tags
from codex_otel.runtime._metric_tags import (
    MAX_TAG_VALUE_LENGTH,
    UNSPECIFIED,
    is_valid_tag,
    metric_tag_value,
    sanitize_tag_value,
)
from support.metadata import make_metadata

#: Codex's rule, written out here independently of the module's own pattern.
CODEX_TAG = re.compile(r"[A-Za-z0-9._/-]+")


class Loud(str):
    """A `str` subclass whose own methods lie: the runtime must never ask them."""

    def isascii(self) -> bool:
        return True

    def __str__(self) -> str:
        return "lie"


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        ("shell", "shell"),  # valid values are left as they are, `/` and `.` included
        ("mcp/github.search_issues-v2", "mcp/github.search_issues-v2"),
        ("_private_", "_private_"),  # valid: only an invalid value is trimmed
        ("bad value!", "bad_value"),  # Codex's own example
        ("mcp: server tool", "mcp__server_tool"),
        ("to\udcffol", "to_ol"),  # a surrogate is a character outside the set too
        ("café", "caf"),
        ("", UNSPECIFIED),
        ("  ", UNSPECIFIED),
        ("é!", UNSPECIFIED),
        ("a" * 300, "a" * MAX_TAG_VALUE_LENGTH),
        (" " + "b" * 300, "b" * MAX_TAG_VALUE_LENGTH),
    ],
)
def test_sanitize_tag_value(given_value: str, expected: str) -> None:
    assert sanitize_tag_value(given_value) == expected
    assert metric_tag_value(given_value) == expected
    assert metric_tag_value(given_value) == expected  # remembered the same


@given(st.text())
def test_every_value_becomes_a_valid_tag(value: str) -> None:
    clean = metric_tag_value(value)
    assert type(clean) is str
    assert CODEX_TAG.fullmatch(clean), clean
    assert len(clean) <= MAX_TAG_VALUE_LENGTH
    assert is_valid_tag(clean)
    if CODEX_TAG.fullmatch(value) and len(value) <= MAX_TAG_VALUE_LENGTH:
        assert clean == value


def test_a_str_subclass_is_read_by_its_characters() -> None:
    clean = metric_tag_value(Loud("a b"))
    assert (clean, type(clean)) == ("a_b", str)


def test_remembered_values_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_metric_tags, "_clean", {})
    for index in range(_metric_tags._REMEMBERED + 50):
        assert metric_tag_value(f"v {index}") == f"v_{index}"
    assert len(_metric_tags._clean) == _metric_tags._REMEMBERED


def _telemetry() -> Telemetry:
    return Telemetry(service_version="t")


def test_a_generated_recorder_sanitises_free_text_and_never_raises() -> None:
    telemetry = _telemetry()
    conversation = telemetry.conversation(make_metadata(model="gpt 5 (preview)"))
    nasty = ["mcp: server tool", "", "\x00", "é", "to\udcffol", "x" * 1000, "le"]
    with telemetry.capture_measurements() as seen:
        for tool in nasty:
            events.record_tool_call(conversation, tool=tool, success="true")
            events.record_api_request(conversation, status=tool, success="false")
    assert telemetry.stats.emit_errors == 0
    assert len(seen) == 2 * len(nasty)
    for measurement in seen:
        for key, value in measurement.attributes.items():
            assert isinstance(value, str)
            assert CODEX_TAG.fullmatch(value), (measurement.name, key, value)
    assert seen[0].attributes["tool"] == "mcp__server_tool"
    assert seen[1].attributes["status"] == "mcp__server_tool"
    assert seen[0].attributes["model"] == "gpt_5__preview"
    telemetry.shutdown()


def test_events_keep_the_metadata_as_given() -> None:
    """Only metric points are held to the tag characters: a log record's attributes are
    not tags, and keep the caller's text."""
    telemetry = _telemetry()
    conversation = telemetry.conversation(make_metadata(model="gpt 5 (preview)"))
    with telemetry.capture() as seen:
        events.turn_ttft(conversation, duration_ms=3)
    assert seen[0].attributes["model"] == "gpt 5 (preview)"
    telemetry.shutdown()


def test_record_sanitises_strings_and_arrays_of_strings() -> None:
    telemetry = _telemetry()
    conversation = telemetry.conversation(make_metadata())
    with telemetry.capture_measurements() as seen:
        conversation.record(
            events._METRIC_TOOL_CALL,
            1,
            {"tool": "a tool", "success": "true", "many": ["x y", "z"], "n": 2},
        )
    assert telemetry.stats.emit_errors == 0
    attributes = seen[0].attributes
    assert (attributes["tool"], attributes["many"], attributes["n"]) == ("a_tool", ["x_y", "z"], 2)
    telemetry.shutdown()


@pytest.mark.parametrize("key", ["le", "a b", "", "ké"])
def test_record_refuses_a_point_with_a_bad_key_without_raising(key: str) -> None:
    telemetry = _telemetry()
    conversation = telemetry.conversation(make_metadata())
    with telemetry.capture_measurements() as seen:
        conversation.record(events._METRIC_TOOL_CALL, 1, {key: "x", "tool": "t"})
        conversation.record(events._METRIC_TOOL_CALL, 1, {"tool": "t", "success": "true"})
    assert [m.attributes["tool"] for m in seen] == ["t"]
    assert telemetry.stats.emit_errors == 1
    telemetry.shutdown()


def test_the_generator_and_the_runtime_hold_one_rule() -> None:
    """The generator checks catalogs by its own copy of the rule (it never imports the
    runtime): the two copies are equal."""
    assert (
        wire_limits.TAG_CHARACTERS,
        wire_limits.MAX_TAG_VALUE_LENGTH,
        wire_limits.RESERVED_TAG_KEYS,
    ) == (_metric_tags.TAG_CHARACTERS, MAX_TAG_VALUE_LENGTH, _metric_tags.RESERVED_TAG_KEYS)
    for text in ["ok", "a b", "", "x" * 257, "x" * 256, "gpt-5/mini.v2"]:
        assert (wire_limits.tag_problem(text) is None) == is_valid_tag(text), text
