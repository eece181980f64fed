"""What an emitter's error says about the value it refused: the value itself when it has
the right type but breaks the catalog (an enum member, a bound), cut short; only its type
when it has the wrong type; never the value of a redacted attribute."""

from __future__ import annotations

import pytest

from codex_otel.generated import events
from codex_otel.generator import load_catalog
from codex_otel.generator.code_model import error_helper
from codex_otel.runtime import Conversation, Telemetry
from codex_otel.runtime._arguments import SHOWN_CHARS, shown
from support.generation import REPO
from support.metadata import make_metadata

SECRET = "sk-live-0123456789abcdef-do-not-print"


@pytest.fixture
def conversation() -> Conversation[events.Metadata]:
    return Telemetry(service_version="test").conversation(make_metadata())


def test_an_unknown_enum_member_is_shown(
    conversation: Conversation[events.Metadata],
) -> None:
    with pytest.raises(ValueError, match="decision") as raised:
        events.tool_decision(
            conversation,
            tool_name="shell",
            call_id="c",
            decision="aproved",  # type: ignore[arg-type]
            source="user",
        )
    assert str(raised.value) == (
        "codex.tool_decision: argument 'decision' must be one of 'approved', "
        "'approved_for_session', 'denied', 'abort'; got 'aproved'"
    )


def test_a_bounds_error_names_the_value(conversation: Conversation[events.Metadata]) -> None:
    with pytest.raises(ValueError, match="'value'") as raised:
        events.record_api_request(conversation, -3, status="200", success="true")
    assert str(raised.value).endswith("must be between 0 and 9223372036854775807; got -3")


def test_a_shown_value_is_cut_short(conversation: Conversation[events.Metadata]) -> None:
    with pytest.raises(ValueError, match="'decision'") as raised:
        events.tool_decision(
            conversation,
            tool_name="shell",
            call_id="c",
            decision="x" * 10_000,  # type: ignore[arg-type]
            source="user",
        )
    got = str(raised.value).split("; got ", 1)[1]
    assert len(got) == SHOWN_CHARS and got.endswith("...")
    # An int too long to print (repr fails past 4300 digits) is described by its size.
    assert shown(10**5000) == f"an int of {(10**5000).bit_length()} bits"
    assert len(shown(["y" * 100] * 100)) == SHOWN_CHARS


def test_a_value_of_the_wrong_type_is_named_by_its_type_only(
    conversation: Conversation[events.Metadata],
) -> None:
    with pytest.raises(TypeError) as raised:
        events.user_prompt(conversation, prompt_length=3, prompt=[SECRET])  # type: ignore[arg-type]
    assert str(raised.value) == "codex.user_prompt: argument 'prompt' must be str, not list"


def test_no_check_that_shows_a_value_is_generated_for_a_redacted_attribute() -> None:
    """Redacted attributes are plain strings (the generator refuses `redact` elsewhere):
    their only check is the type check, whose error never shows the value. So no emitter
    can put a redacted argument's value into an error message."""
    catalog = load_catalog(REPO / "schema" / "catalog.yaml")
    redacted = [
        attribute
        for event in catalog.events
        for attribute in event.attributes
        if attribute.redact is not None
    ]
    assert redacted  # the bundled catalog has some: prompt, tool arguments and output
    for attribute in redacted:
        assert error_helper(attribute) == "wrong_type", attribute.key
        assert not attribute.is_range_checked, attribute.key
