"""`Conversation.protect`: what each toggle mode stores, and the cleaning subscribers see
(secrets scrubbed, the mask, the final cut) with the real runtime and a real key file."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import random
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_otel.runtime import Telemetry, load_config
from codex_otel.runtime._privacy import MASK_FAILED, SCRUB_MARGIN
from codex_otel.runtime.config import OtelConfig, PrivacyConfig
from codex_otel.runtime.types import Attributes
from support.metadata import make_metadata

from . import credentials as cred
from .masks import CALLS
from .planted import planted_output, registered

KEY = bytes(range(32))
GITHUB = cred.github_pat(random.Random(3))


@pytest.fixture(autouse=True)
def bundled_scanned() -> Iterator[None]:
    with registered():
        yield


def telemetry_with(toml: str = "", **privacy: object) -> Telemetry:
    config = load_config(text="[otel]\n" + toml, environ={})
    if privacy:
        config = OtelConfig(
            toggles=config.toggles,
            toggle_modes=config.toggle_modes,
            privacy=PrivacyConfig(**privacy),  # type: ignore[arg-type]
            spool=config.spool,
        )
    return Telemetry(config, service_version="1")


def protected(telemetry: Telemetry, value: str, *, key: str = "output",
              toggle: str = "log_tool_details", off_mode: str = "redact",
              max_length: int | None = 16384) -> Attributes:  # fmt: skip
    attributes: Attributes = {}
    conversation = telemetry.conversation(make_metadata())
    conversation.protect(attributes, key, value, toggle, "[REDACTED]", off_mode, max_length)
    return attributes


def captured(telemetry: Telemetry, attributes: Attributes) -> dict[str, object]:
    conversation = telemetry.conversation(make_metadata())
    with telemetry.capture() as events:
        conversation.emit("codex.tool_result", attributes)
    assert len(events) == 1
    return dict(events[0].attributes)


# --- the modes ---------------------------------------------------------------------------


def test_keep_stores_the_value() -> None:
    assert protected(telemetry_with(), "ls -la") == {"output": "ls -la"}


def test_an_off_toggle_sends_the_attribute_s_own_off_mode() -> None:
    telemetry = telemetry_with("log_tool_details = false\n")
    assert protected(telemetry, "ls") == {"output": "[REDACTED]"}
    assert protected(telemetry, "ls", off_mode="drop") == {}
    assert protected(telemetry, "héllo", off_mode="length") == {"output.length": 5}


def test_a_toggle_s_mode_applies_to_every_attribute_it_governs() -> None:
    telemetry = telemetry_with('log_tool_details = "length"\n')
    assert protected(telemetry, "naïve 🙂", off_mode="drop") == {"output.length": 7}
    assert protected(telemetry_with('log_tool_details = "drop"\n'), "x") == {}
    assert protected(telemetry_with('log_tool_details = "redact"\n'), "x", off_mode="hash") == {
        "output": "[REDACTED]"
    }
    assert protected(
        telemetry_with('log_user_prompt = "keep"\n'), "hi", toggle="log_user_prompt"
    ) == {"output": "hi"}


def test_a_toggle_no_config_knows_sends_the_off_mode() -> None:
    assert protected(telemetry_with(), "x", toggle="log_unknown", off_mode="drop") == {}


def test_hash_is_the_hmac_of_the_whole_value_under_the_configured_key() -> None:
    telemetry = telemetry_with('log_tool_details = "hash"\n', hash_key=KEY)
    value = "cat /etc/hosts " * 2000  # longer than the cap: the whole value is hashed
    expected = hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()
    assert protected(telemetry, value) == {"output": expected}
    assert len(expected) == 64 and expected == expected.lower()
    other = telemetry_with('log_tool_details = "hash"\n', hash_key=bytes(32))
    assert protected(other, value)["output"] != expected


def test_hash_without_a_configured_key_makes_the_installation_key_once(
    spool_in_tmp: Path,
) -> None:
    first = protected(telemetry_with('log_tool_details = "hash"\n'), "git push")
    key_file = spool_in_tmp / "privacy.key"
    info = key_file.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600 and info.st_size == 32
    key = key_file.read_bytes()
    assert first == {"output": hmac.new(key, b"git push", hashlib.sha256).hexdigest()}
    # Another run correlates: the same key, the same hash.
    assert protected(telemetry_with('log_tool_details = "hash"\n'), "git push") == first
    key_file.unlink()  # rotated by deleting it
    assert protected(telemetry_with('log_tool_details = "hash"\n'), "git push") != first


def test_the_key_file_is_made_0600_whatever_the_umask(spool_in_tmp: Path) -> None:
    previous = os.umask(0)
    try:
        protected(telemetry_with('log_tool_details = "hash"\n'), "x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((spool_in_tmp / "privacy.key").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("problem", "message"),
    [("short", "holds 5 bytes, not 32"), ("shared", "readable or writable by others"),
     ("link", "privacy.key")],
)  # fmt: skip
def test_a_bad_key_file_makes_hash_send_the_placeholder_reported_once(
    spool_in_tmp: Path, caplog: pytest.LogCaptureFixture, problem: str, message: str
) -> None:
    spool_in_tmp.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file = spool_in_tmp / "privacy.key"
    secret = b"\x01SECRETKEYBYTES\x02" * 2
    if problem == "short":
        key_file.write_bytes(secret[:5])
        key_file.chmod(0o600)
    elif problem == "shared":
        key_file.write_bytes(secret)
        key_file.chmod(0o644)
    else:
        target = spool_in_tmp / "elsewhere"
        target.write_bytes(secret)
        target.chmod(0o600)
        key_file.symlink_to(target)
    telemetry = telemetry_with('log_tool_details = "hash"\n')
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        assert protected(telemetry, "x") == {"output": "[REDACTED]"}
        assert protected(telemetry, "y") == {"output": "[REDACTED]"}
    warnings = [r.getMessage() for r in caplog.records if r.name == "codex_otel"]
    assert len(warnings) == 1 and message in warnings[0]
    assert "SECRETKEY" not in warnings[0]


# --- cleaning: the scrubber, the cut, the mask ---------------------------------------------


def test_keep_leaves_room_for_a_secret_straddling_the_cap_then_the_cut_follows_the_scrub() -> None:
    telemetry = telemetry_with()
    cap = 16384
    # The token straddles where the cut falls (the cap less the truncation marker's room).
    value = "x" * (cap - 60) + " " + GITHUB + " " + "y" * (SCRUB_MARGIN * 2)
    stored = protected(telemetry, value)["output"]
    assert isinstance(stored, str) and len(stored) == cap + SCRUB_MARGIN
    sent = captured(telemetry, {"output": stored})["output"]
    assert isinstance(sent, str) and len(sent) <= cap
    assert sent.startswith("x" * (cap - 60) + " [SECRET:github-pat] yyy")
    # Not one run of the token's characters survives the cut (cut first, scrubbed after,
    # its first characters would: a partial token matches no rule).
    assert GITHUB[:8] not in sent


def test_a_key_the_catalogs_do_not_scan_is_cut_at_once() -> None:
    stored = protected(telemetry_with(), "z" * 100, key="not_scanned", max_length=40)
    assert len(str(stored["not_scanned"])) == 40


def test_subscribers_see_every_planted_credential_replaced() -> None:
    output, secrets = planted_output()
    telemetry = telemetry_with()
    attributes = protected(telemetry, output)
    attributes["call_id"] = GITHUB
    sent = captured(telemetry, attributes)
    text = str(sent["output"]) + str(sent["call_id"])
    assert [secret for secret in secrets if secret in text] == []
    assert GITHUB not in text
    assert text.count("[SECRET:") >= len(secrets)
    assert "HOME=/home/dev" in text  # the rest is left as it was


def test_scrub_secrets_false_keeps_credentials_but_still_cuts() -> None:
    telemetry = telemetry_with(scrub_secrets=False)
    sent = captured(telemetry, {"output": GITHUB + "q" * 20_000})
    assert str(sent["output"]).startswith(GITHUB) and len(str(sent["output"])) == 16384


def test_the_config_mask_runs_after_the_scrubber(tmp_path: Path) -> None:
    CALLS.clear()
    telemetry = telemetry_with('[otel.privacy]\nmask = "privacy.masks:hide_hostnames"\n')
    sent = captured(
        telemetry, {"output": f"ssh db.internal -i {GITHUB}", "tool_name": "a.internal"}
    )
    assert sent["output"] == "ssh [HOST] -i [SECRET:github-pat]"
    assert sent["tool_name"] == "a.internal"  # not a scanned key
    # Once per scanned value (the metadata's conversation.id is one), after the scrubber.
    assert CALLS.count("ssh db.internal -i [SECRET:github-pat]") == 1
    assert not any(GITHUB in call for call in CALLS)


@pytest.mark.parametrize("name", ["broken", "not_a_string"])
def test_a_failing_mask_puts_the_failure_marker_reported_once(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    telemetry = telemetry_with(f'[otel.privacy]\nmask = "privacy.masks:{name}"\n')
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        assert captured(telemetry, {"output": "one secret"})["output"] == MASK_FAILED
        assert captured(telemetry, {"output": "two"})["output"] == MASK_FAILED
    warnings = [r.getMessage() for r in caplog.records if r.name == "codex_otel"]
    assert len(warnings) == 1 and "one secret" not in warnings[0]


def test_set_mask_replaces_the_mask_and_none_removes_it() -> None:
    telemetry = telemetry_with()
    telemetry.set_mask(lambda text: text.replace("acme", "[ORG]"))
    assert captured(telemetry, {"output": "acme build"})["output"] == "[ORG] build"
    telemetry.set_mask(None)
    assert captured(telemetry, {"output": "acme build"})["output"] == "acme build"


def test_string_array_items_are_scrubbed() -> None:
    with registered({"paths": None}):
        telemetry = telemetry_with()
        sent = captured(telemetry, {"paths": ("ok", f"token {GITHUB}"), "count": 2})
    assert sent["paths"] == ("ok", "token [SECRET:github-pat]")
