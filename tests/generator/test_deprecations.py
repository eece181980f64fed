"""Deprecations and renames in generated code: PEP 702 warnings at run time and in mypy,
and dual emission of a renamed key, on a catalog of our own (the bundled one has none)."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from codex_otel.generator import load_catalog, render, write_outputs
from codex_otel.runtime import OtelConfig, Telemetry
from support.generation import GenerateFn

RENAMES = Path(__file__).resolve().parent / "fixtures" / "renames.yaml"


def capture_emits(generate_module: GenerateFn) -> tuple[Any, Telemetry, Any]:
    """The generated module, a Telemetry to capture with, and a conversation."""
    events = generate_module(str(RENAMES))
    telemetry = Telemetry(OtelConfig(), service_version="test")
    return events, telemetry, telemetry.conversation(events.Metadata(host_name="h"))


def test_a_deprecated_event_warns_once_per_call_site(generate_module: GenerateFn) -> None:
    events, _, conversation = capture_emits(generate_module)
    assert events.shop_refunded.__deprecated__ == (
        "event shop.refunded is deprecated: Emit shop.paid with a negative amount."
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # the machinery's own once-per-location rule
        for _ in range(3):
            events.shop_refunded(conversation, amount=1)  # one call site
        events.shop_refunded(conversation, amount=2)  # another
    assert [w.category for w in caught] == [DeprecationWarning] * 2
    assert {w.filename for w in caught} == {__file__}
    assert caught[0].lineno != caught[1].lineno


def test_a_deprecated_argument_warns_only_when_passed(generate_module: GenerateFn) -> None:
    events, telemetry, conversation = capture_emits(generate_module)
    with warnings.catch_warnings(record=True) as caught, telemetry.capture() as captured:
        warnings.simplefilter("always")
        events.shop_paid(conversation, amount=1, order_total=1)
        assert caught == []
        events.shop_paid(conversation, amount=1, order_total=1, channel="web")
    assert [str(w.message) for w in caught] == [
        "argument channel of shop_paid() is deprecated: Every sale is online now."
    ]
    assert caught[0].filename == __file__
    assert captured[1].attributes["channel"] == "web"  # still sent while deprecated


def test_a_rename_with_dual_emission_sends_both_keys(
    generate_module: GenerateFn, tmp_path: Path
) -> None:
    events, telemetry, conversation = capture_emits(generate_module)
    with telemetry.capture() as captured:
        events.shop_paid(conversation, amount=5, order_total=7, promo="SPRING")
        events.shop_paid(conversation, amount=5, order_total=7)
    with_promo, without = (dict(event.attributes) for event in captured)
    assert with_promo == {
        "host.name": "h",
        "amount": 5,
        "order.total": 7,
        "total": 7,
        "promo": "SPRING",
        "coupon": "SPRING",
    }
    assert "coupon" not in without and "promo" not in without
    write_outputs(render(load_catalog(RENAMES)), tmp_path)
    schema = json.loads((tmp_path / "schemas" / "shop.paid.json").read_text(encoding="utf-8"))
    assert schema["properties"]["coupon"]["deprecated"] is True
    assert "total" in schema["required"] and "coupon" not in schema["required"]
    for record in (with_promo, without):
        jsonschema.validate(record, schema)
    docs = (tmp_path / "EVENTS.md").read_text(encoding="utf-8")
    assert "**Renamed:** `coupon` is now `promo`. Until catalog version 2.0.0" in docs


def test_the_emitter_takes_only_the_new_argument(generate_module: GenerateFn) -> None:
    events, _, conversation = capture_emits(generate_module)
    with pytest.raises(TypeError, match="coupon"):
        events.shop_paid(conversation, amount=1, order_total=1, coupon="X")


SNIPPET = """\
from codex_otel.runtime import OtelConfig, Telemetry
from shop_events import events

conversation = Telemetry(OtelConfig(), service_version="t").conversation(
    events.Metadata(host_name="h")
)
events.shop_paid(conversation, amount=1, order_total=2, promo="P")
events.shop_paid(conversation, amount=1, order_total=2, channel="web")
events.shop_refunded(conversation, amount=1)
"""


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_mypy_flags_calls_to_deprecated_emitters_and_arguments(tmp_path: Path) -> None:
    package = tmp_path / "shop_events"
    write_outputs(render(load_catalog(RENAMES)), package)
    (tmp_path / "use.py").write_text(SNIPPET, encoding="utf-8")

    def mypy(*flags: str) -> list[str]:
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *flags, "use.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        return [line for line in result.stdout.splitlines() if ": error: " in line]

    errors = mypy("--enable-error-code", "deprecated")
    # Line 8 passes the deprecated argument, line 9 calls the deprecated event; line 7
    # (the current overload) is clean.
    assert [line.split(":")[1] for line in errors] == ["8", "9"], errors
    assert "Every sale is online now." in errors[0]
    assert "[deprecated]" in errors[1]
    assert mypy() == []  # why docs/evolution.md tells to enable the error code


def _errors(text: str) -> list[str]:
    from codex_otel.generator import CatalogError, load_catalog_text

    with pytest.raises(CatalogError) as raised:
        load_catalog_text(text, "c.yaml")
    return [str(d) for d in raised.value.diagnostics]


def test_dual_emission_needs_a_replacement_of_the_same_type() -> None:
    text = RENAMES.read_text(encoding="utf-8")
    no_replacement = text.replace(
        "      replacement: promo\n      emit_both_until", "      emit_both_until"
    )
    assert _errors(no_replacement) == [
        "c.yaml:17:24: error: attributes[2].deprecated.emit_both_until: dual emission needs a"
        " `replacement` to send beside this attribute\n"
        "    hint: name the attribute that replaces this one in `replacement`"
    ]
    other_type = text.replace(
        "  - key: order.total\n    type: int", "  - key: order.total\n    type: double"
    )
    (error,) = _errors(other_type)
    assert error.startswith("c.yaml:36:24: error: attributes[6].deprecated.emit_both_until: ")
    assert "their types differ (double and int)" in error
    bad_version = text.replace("emit_both_until: 2.0.0", "emit_both_until: soon", 1)
    (error,) = _errors(bad_version)
    assert error.startswith("c.yaml:18:24: error: attributes[2].deprecated.emit_both_until: ")
    assert "hint: use a semantic version" in error


@pytest.mark.parametrize("version", ["2.0.0", "2.0.1", "3.0.0-rc.1"])
def test_an_ended_migration_window_is_an_error(version: str) -> None:
    text = RENAMES.read_text(encoding="utf-8").replace(
        "catalog_version: 1.4.0", f"catalog_version: {version}"
    )
    errors = _errors(text)
    assert len(errors) == 2  # coupon and total both end at 2.0.0
    assert errors[0] == (
        "c.yaml:18:24: error: attributes[2].deprecated.emit_both_until: the migration window "
        f"has ended: catalog version {version} is not before emit_both_until 2.0.0, yet both "
        "keys would still be sent\n"
        "    hint: remove `emit_both_until` to send 'promo' alone (a breaking change for the "
        "wire: `codex-otel diff` says so), or move it to a later version"
    )
    # Before the end it is valid.
    _ = load_catalog_text_ok(text.replace(f"catalog_version: {version}", "catalog_version: 1.9.9"))


def load_catalog_text_ok(text: str) -> object:
    from codex_otel.generator import load_catalog_text

    return load_catalog_text(text, "c.yaml")


# --- the common group: Metadata fields ------------------------------------------------------

COMMON_RENAMES = RENAMES.with_name("common-renames.yaml")


def test_a_deprecated_metadata_field_warns_at_the_construction(
    generate_module: GenerateFn,
) -> None:
    events = generate_module(str(COMMON_RENAMES))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events.Metadata(host_name="h")
        assert caught == []  # not set: no warning
        events.Metadata(host_name="h", region=None)
        assert caught == []
        events.Metadata(host_name="h", region="eu")
    assert [(w.category, str(w.message)) for w in caught] == [
        (
            DeprecationWarning,
            "Metadata field region is deprecated: Every shop is in one region now.",
        )
    ]
    assert caught[0].filename == __file__  # the caller's line, not generated code


def test_a_rename_in_the_common_group_sends_both_keys(
    generate_module: GenerateFn, tmp_path: Path
) -> None:
    events = generate_module(str(COMMON_RENAMES))
    telemetry = Telemetry(OtelConfig(), service_version="test")
    conversation = telemetry.conversation(events.Metadata(host_name="h"))
    with telemetry.capture() as captured:
        events.shop_paid(conversation, amount=5)
    assert dict(captured[0].attributes) == {"host.name": "h", "host": "h", "amount": 5}
    write_outputs(render(load_catalog(COMMON_RENAMES)), tmp_path)
    schema = json.loads((tmp_path / "schemas" / "shop.paid.json").read_text(encoding="utf-8"))
    assert schema["properties"]["host"]["deprecated"] is True
    jsonschema.validate(dict(captured[0].attributes), schema)
    docs = (tmp_path / "EVENTS.md").read_text(encoding="utf-8")
    assert (
        "**Renamed:** `host` is now `host.name`. Until catalog version 2.0.0, every event "
        "also sends the value under `host` (deprecated)" in docs
    )


def test_diff_reports_a_common_rename_as_a_rename() -> None:
    from codex_otel.generator import load_catalog_text
    from codex_otel.generator.diff import diff_catalogs

    new_text = COMMON_RENAMES.read_text(encoding="utf-8")
    old_text = new_text.replace("    - ref: host.name\n", "    - ref: host\n").replace(
        "    deprecated:\n      note: Renamed to host.name.\n      replacement: host.name\n"
        "      emit_both_until: 2.0.0\n",
        "",
    )
    changes = diff_catalogs(
        load_catalog_text(old_text, "old.yaml"), load_catalog_text(new_text, "new.yaml")
    )
    renames = [c for c in changes if c.path.startswith("common.attributes[host]")]
    assert [(c.kind, c.severity, c.audiences) for c in renames] == [
        ("attribute.renamed_dual_emitted", "breaking", ("api",))
    ]
    assert not [c for c in changes if c.kind in {"attribute.added", "attribute.removed"}]
    assert "common.attributes" not in {c.path for c in changes if "required" in c.kind}


def test_dual_emission_of_a_computed_attribute_is_refused() -> None:
    text = COMMON_RENAMES.read_text(encoding="utf-8").replace(
        "    - ref: host.name\n      requirement: required\n",
        "    - ref: host.name\n      requirement: required\n      computed: timestamp\n",
    )
    (error,) = _errors(text)
    assert error.startswith("c.yaml:27:12: error: common.attributes[0].ref: attribute ")
    assert "'host.name' is computed by the runtime" in error
    assert "hint: remove `emit_both_until` from 'host'" in error
