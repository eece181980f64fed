"""`wire_string` and `wire_value`: every string valid UTF-8, encodable text unchanged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codex_otel.runtime import AttributeValue
from codex_otel.runtime.wire_strings import REPLACEMENT, wire_attributes, wire_string, wire_value

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
