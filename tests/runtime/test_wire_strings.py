"""`wire_string` and `wire_value`: every string valid UTF-8, encodable text unchanged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codex_otel.generated import events
from codex_otel.runtime import AttributeValue, Telemetry, load_config
from codex_otel.runtime._wire_strings import REPLACEMENT, wire_attributes, wire_string, wire_value
from support.metadata import make_metadata

pytestmark = pytest.mark.no_otel

#: Any code point, surrogates and control characters included.
any_text = st.text(st.characters(codec=None, categories=None))


def is_surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


@given(any_text)
def test_every_surrogate_becomes_one_replacement_character_and_nothing_else_changes(
    text: str,
) -> None:
    clean = wire_string(text)
    clean.encode("utf-8")  # strict
    assert len(clean) == len(text)
    for before, after in zip(text, clean, strict=True):
        assert after == (REPLACEMENT if is_surrogate(before) else before)
    assert wire_string(clean) == clean


@given(st.text(st.characters(codec="utf-8")))
def test_valid_text_is_returned_as_the_same_object(text: str) -> None:
    assert wire_string(text) is text
    assert wire_value(text) is text


def test_surrogateescape_bytes_and_controls() -> None:
    decoded = b"caf\xe9 \xff\x00\x1b[0m\n".decode("utf-8", "surrogateescape")
    assert wire_string(decoded) == "caf\ufffd \ufffd\x00\x1b[0m\n"
    assert wire_string("\ud83d\ude80") == "\ufffd\ufffd"  # a pair split in a str is two
    assert wire_string("🚀") == "🚀"


@given(st.lists(any_text, max_size=5), st.booleans())
def test_arrays_of_strings(items: list[str], as_tuple: bool) -> None:
    value = tuple(items) if as_tuple else items
    clean = wire_value(value)
    assert type(clean) is type(value)  # a tuple stays a tuple: subscribers see what was given
    assert list(clean) == [wire_string(item) for item in items]
    if all(wire_string(item) is item for item in items):
        assert clean is value


def test_other_values_pass_through_untouched() -> None:
    values: list[AttributeValue] = [1, 2.5, True, [1, 2], (True,), ["ascii"]]
    for value in values:
        assert wire_value(value) is value
    attributes: dict[str, AttributeValue] = {"a": "x", "n": 3}
    assert wire_attributes(attributes) is attributes
    dirty: dict[str, AttributeValue] = {"a": "x\udc80", "n": 3}
    assert wire_attributes(dirty) == {"a": "x\ufffd", "n": 3}
    assert dirty["a"] == "x\udc80"  # the caller's dict is not changed


# --- `str` subclasses: emitters and Metadata accept them (isinstance) ----------------------


class SubStr(str):
    """A subclass that would fool any check that asks the object: it claims to be ASCII,
    to encode, and to read differently. Cleaning must read its characters, not ask it."""

    __slots__ = ()

    def isascii(self) -> bool:
        return True

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return b"fine"

    def __str__(self) -> str:
        return "something else"


class Plain(str):
    __slots__ = ()


@pytest.mark.parametrize("kind", [SubStr, Plain])
def test_a_str_subclass_becomes_an_ordinary_valid_str(kind: type[str]) -> None:
    for text, expected in [("out \udcff put", "out \ufffd put"), ("café", "café"), ("a", "a")]:
        clean = wire_value(kind(text))
        assert type(clean) is str
        assert clean == expected
    clean_items = wire_value(["ok", kind("x\udc80"), kind("é")])
    assert isinstance(clean_items, list)
    assert clean_items == ["ok", "x\ufffd", "é"]
    assert [type(item) for item in clean_items] == [str, str, str]
    clean_tuple = wire_value((kind("a"),))
    assert isinstance(clean_tuple, tuple)
    assert [type(item) for item in clean_tuple] == [str]
    assert wire_attributes({"a": kind("b\udcff")}) == {"a": "b\ufffd"}


def _telemetry() -> Telemetry:
    return Telemetry(
        load_config(text="[otel]\nlog_tool_details = true\n", environ={}), service_version="t"
    )


@pytest.mark.parametrize("kind", [SubStr, Plain])
def test_emit_cleans_str_subclasses_in_arguments_arrays_and_metadata(kind: type[str]) -> None:
    telemetry = _telemetry()
    conversation = telemetry.conversation(
        make_metadata(conversation_id=kind("conv \udcff"), terminal_type=kind("t"))
    )
    with telemetry.capture() as seen:
        conversation.emit(
            "codex.probe", {"output": kind("out \udcff put"), "tags": [kind("a\udc80"), "b"]}
        )
        events.tool_result(
            conversation,
            tool_name=kind("shell"),
            duration_ms=1,
            success="true",
            output=kind("out \udcff put"),
        )
    assert telemetry.stats.emit_errors == 0
    for event in seen:
        attributes = event.attributes
        assert attributes["output"] == "out \ufffd put"
        assert attributes["conversation.id"] == "conv \ufffd"
        for value in attributes.values():
            if isinstance(value, str):
                assert type(value) is str, value
                value.encode("utf-8")
    assert seen[0].attributes["tags"] == ["a\ufffd", "b"]
    telemetry.shutdown()


@pytest.mark.parametrize("kind", [SubStr, Plain])
def test_record_cleans_str_subclasses(kind: type[str]) -> None:
    telemetry = _telemetry()
    conversation = telemetry.conversation(make_metadata(model=kind("m\udcff")))
    metric = events._METRIC_TOOL_CALL
    with telemetry.capture_measurements() as seen:
        conversation.record(metric, 1, {"tool": kind("to\udcffol"), "success": "true"})
        conversation.record(metric, 1, {"tool": kind("shell"), "success": "true"})
    assert telemetry.stats.emit_errors == 0
    # Metric points hold every string to the tag characters (runtime/_metric_tags.py).
    assert [m.attributes["tool"] for m in seen] == ["to_ol", "shell"]
    for measurement in seen:
        assert measurement.attributes["model"] == "m"
        assert all(type(v) is str for v in measurement.attributes.values() if isinstance(v, str))
    telemetry.shutdown()


@pytest.mark.parametrize("kind", [SubStr, Plain])
def test_generated_recorders_clean_str_subclasses(kind: type[str]) -> None:
    """Generated recorders clean free text themselves (`metric_tag_value`): even a
    subclass that claims to be ASCII is read character by character and sent as an
    ordinary `str` holding only metric tag characters."""
    telemetry = _telemetry()
    conversation = telemetry.conversation(make_metadata())
    with telemetry.capture_measurements() as seen:
        events.record_tool_call(conversation, tool=kind("to\udcffol"), success="true")
        events.record_tool_call(conversation, tool=kind("shell"), success="true")
    assert [m.attributes["tool"] for m in seen] == ["to_ol", "shell"]
    assert [type(m.attributes["tool"]) for m in seen] == [str, str]
    telemetry.shutdown()
