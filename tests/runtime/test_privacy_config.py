"""The privacy settings of `[otel]`: toggle modes, `[otel.privacy]`, and
OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from codex_otel.runtime import ConfigError, load_config
from codex_otel.runtime.config import OtelConfig

TOGGLES = {"log_user_prompt": False, "log_tool_details": True}
CAPTURE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


def config(body: str = "", environ: Mapping[str, str] | None = None) -> OtelConfig:
    return load_config(text="[otel]\n" + body, environ=environ or {}, toggles=TOGGLES)


def error(body: str, environ: Mapping[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as raised:
        config(body, environ)
    return str(raised.value)


def test_defaults_keep_what_is_on_and_leave_the_rest_to_each_attribute() -> None:
    loaded = config()
    assert loaded.toggle_modes == {"log_user_prompt": "off", "log_tool_details": "keep"}
    assert loaded.toggles == TOGGLES
    privacy = loaded.privacy
    assert (privacy.scrub_secrets, privacy.hash_key, privacy.mask) == (True, None, None)


@pytest.mark.parametrize(
    ("value", "mode", "allowed"),
    [("true", "keep", True), ("false", "off", False), ('"keep"', "keep", True),
     ('"redact"', "redact", False), ('"length"', "length", False), ('"hash"', "hash", False),
     ('"drop"', "drop", False)],
)  # fmt: skip
def test_a_toggle_takes_true_false_or_a_mode(value: str, mode: str, allowed: bool) -> None:
    loaded = config(f"log_tool_details = {value}\n")
    assert loaded.toggle_modes["log_tool_details"] == mode
    assert loaded.toggles["log_tool_details"] is allowed  # `allows` stays as it was


@pytest.mark.parametrize("value", ['"HASH"', '"off"', '"yes"', "1", "[]"])
def test_a_bad_toggle_value_is_refused_naming_the_key(value: str) -> None:
    message = error(f"log_tool_details = {value}\n")
    assert message.startswith("otel.log_tool_details: expected true, false or one of ")
    assert '"hash"' in message


def test_a_mode_given_directly_to_the_model_never_contradicts_the_toggle() -> None:
    built = OtelConfig(toggles={"a": True, "b": False, "c": False}, toggle_modes={"a": "hash", "b": "keep", "c": "length"})  # fmt: skip
    assert built.toggle_modes == {"a": "keep", "b": "off", "c": "length"}


def test_the_hash_key_is_64_hex_digits() -> None:
    key = "0123456789abcdef" * 4
    assert config(f'[otel.privacy]\nhash_key = "{key}"\n').privacy.hash_key == bytes.fromhex(key)
    assert key not in repr(config(f'[otel.privacy]\nhash_key = "{key}"\n'))


@pytest.mark.parametrize(
    ("value", "fragment"),
    [('"abc123"', "a string of 6 characters"), ('"' + "g" * 64 + '"', "a string of 64"),
     ("12345", "an integer")],
)  # fmt: skip
def test_a_bad_hash_key_is_refused_without_showing_it(value: str, fragment: str) -> None:
    message = error(f"[otel.privacy]\nhash_key = {value}\n")
    assert message.startswith("otel.privacy.hash_key: expected 64 hexadecimal digits")
    assert fragment in message and value.strip('"') not in message


def test_scrub_secrets_can_be_turned_off() -> None:
    assert config("[otel.privacy]\nscrub_secrets = false\n").privacy.scrub_secrets is False
    assert "otel.privacy.scrub_secrets: expected true or false" in error(
        '[otel.privacy]\nscrub_secrets = "no"\n'
    )


def test_the_mask_is_imported_when_the_config_is_loaded() -> None:
    from privacy.masks import hide_hostnames

    loaded = config('[otel.privacy]\nmask = "privacy.masks:hide_hostnames"\n')
    assert loaded.privacy.mask is hide_hostnames


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [("no_such_module_26:f", "cannot import 'no_such_module_26': ModuleNotFoundError"),
     ("privacy.masks:missing", "'privacy.masks' has no attribute 'missing'"),
     ("privacy.masks:NOT_CALLABLE", "is a string, not a function"),
     ("privacy.masks", 'expected "module:function"'), (":f", 'expected "module:function"')],
)  # fmt: skip
def test_a_mask_that_cannot_be_had_is_a_config_error(spec: str, fragment: str) -> None:
    message = error(f'[otel.privacy]\nmask = "{spec}"\n')
    assert message.startswith("otel.privacy.mask: ") and fragment in message


def test_an_unknown_privacy_key_is_refused() -> None:
    message = error("[otel.privacy]\nscrub_secret = true\n")
    assert message.startswith(
        "otel.privacy.scrub_secret: unknown key; did you mean 'scrub_secrets'?"
    )


@pytest.mark.parametrize(
    ("value", "prompt", "tools"),
    [("true", "keep", "keep"), ("SPAN_AND_EVENT", "keep", "keep"), ("event_only", "keep", "keep"),
     ("false", "off", "off"), ("NO_CONTENT", "off", "off"), ("SPAN_ONLY", "off", "off")],
)  # fmt: skip
def test_the_genai_content_variable_decides_content_toggles_the_table_does_not(
    value: str, prompt: str, tools: str
) -> None:
    loaded = config(environ={CAPTURE: value})
    assert loaded.toggle_modes == {"log_user_prompt": prompt, "log_tool_details": tools}


def test_the_table_wins_over_the_genai_content_variable() -> None:
    loaded = config('log_user_prompt = "hash"\n', environ={CAPTURE: "true"})
    assert loaded.toggle_modes == {"log_user_prompt": "hash", "log_tool_details": "keep"}
    loaded = config("log_tool_details = true\n", environ={CAPTURE: "NO_CONTENT"})
    assert loaded.toggle_modes == {"log_user_prompt": "off", "log_tool_details": "keep"}


def test_a_bad_genai_content_value_is_refused_naming_the_variable() -> None:
    message = error("", environ={CAPTURE: "sometimes"})
    assert message.startswith(f"{CAPTURE}: 'sometimes' is not allowed; expected one of ")


def test_the_genai_content_variable_leaves_toggles_of_no_content_alone() -> None:
    from privacy.planted import registered

    with registered():
        from codex_otel.runtime._catalogs import register_catalog

        register_catalog(
            toggles={"log_ids": False}, service_name="s", scope_name="s", content_toggles=()
        )
        loaded = load_config(text="", environ={CAPTURE: "true"})
    assert loaded.toggle_modes["log_ids"] == "off"
    assert loaded.toggle_modes["log_user_prompt"] == "keep"
