"""One failure test per class of catalog error: each names file:line:col and the path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codex_otel.generator import CatalogError, load_catalog, load_catalog_text

VALID = """\
catalog_version: 1.0.0
toggles:
  log_text:
    default: false
    description: Export text.
attributes:
  - key: app.version
    type: string
    description: Version.
  - key: text
    type: string
    description: Some text.
    redact: {toggle: log_text, placeholder: "[REDACTED]"}
  - key: mode
    type:
      members:
        - {value: fast, description: Fast.}
        - {value: slow, description: Slow.}
    description: Mode.
common:
  attributes:
    - {ref: app.version, requirement: required}
events:
  - name: app.started
    description: Started.
    attributes:
      - {ref: text, requirement: optional}
      - {ref: mode, requirement: required}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(text, "cat.yaml")
    return [str(d) for d in caught.value.diagnostics]


def only_error(text: str) -> str:
    errors = errors_of(text)
    assert len(errors) == 1, errors
    return errors[0]


def test_the_base_catalog_is_valid() -> None:
    catalog = load_catalog_text(VALID, "cat.yaml")
    assert [e.name for e in catalog.events] == ["app.started"]


def test_yaml_syntax_error_names_line_and_column() -> None:
    error = only_error(
        VALID.replace("    type: string\n    description: Version.", "    type: [string\n")
    )
    assert error.startswith("cat.yaml:10:8:")
    assert "YAML syntax error" in error


def test_empty_file() -> None:
    assert only_error("").startswith("cat.yaml:1:1: error: (document): the catalog is empty")
    assert "the catalog is empty" in only_error("# only a comment\n")


@pytest.mark.parametrize(
    ("text", "found"), [("- a\n- b\n", "list"), ("42\n", "int"), ("hello\n", "str")]
)
def test_wrong_top_level_type(text: str, found: str) -> None:
    assert f"the top level must be a mapping, not {found}" in only_error(text)


def test_bad_utf8_names_the_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"catalog_version: 1.0.0\nevents:\n  - name: \xff\xfe\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.column) == (3, 11)
    assert "invalid UTF-8 (byte 0xff)" in diagnostic.message


def test_unknown_key_at_its_position_with_suggestion() -> None:
    missing, error = errors_of(
        VALID.replace("    description: Some text.", "    descripton: Some text.")
    )
    assert missing.startswith(
        "cat.yaml:10:5: error: attributes[1]: 'description' is a required property"
    )
    assert error.startswith(
        "cat.yaml:12:5: error: attributes[1].descripton: unknown key 'descripton'"
    )
    assert "did you mean 'description'?" in error


def test_missing_required_key() -> None:
    error = only_error(VALID.replace("    description: Started.\n", ""))
    assert error.startswith("cat.yaml:24:5: error: events[0]:")
    assert "'description' is a required property" in error


def test_wrong_value_type() -> None:
    error = only_error(VALID.replace("default: false", "default: nope"))
    assert error.startswith("cat.yaml:4:14: error: toggles.log_text.default: expected boolean")


def test_name_outside_the_strict_pattern() -> None:
    error = only_error(VALID.replace("name: app.started", "name: App-Started"))
    assert error.startswith("cat.yaml:24:11: error: events[0].name: 'App-Started' does not match")


def test_duplicate_yaml_key() -> None:
    error = only_error(
        VALID.replace(
            "    description: Version.\n", "    description: Version.\n    description: Again.\n"
        )
    )
    assert error.startswith(
        "cat.yaml:10:5: error: attributes[0].description: duplicate key 'description' (first defined on line 9)"
    )


def test_duplicate_event() -> None:
    twice = VALID + "  - name: app.started\n    description: Again.\n    attributes: []\n"
    error = only_error(twice)
    assert error.startswith(
        "cat.yaml:29:11: error: events[1].name: event 'app.started' is defined twice (first on line 24)"
    )


def test_attribute_defined_twice() -> None:
    text = VALID.replace(
        "  - key: mode\n", "  - key: text\n    type: int\n    description: Again.\n  - key: mode\n"
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:14:10: error: attributes[2].key: attribute 'text' is defined twice (first on line 10)"
    )


def test_event_key_colliding_with_the_common_group() -> None:
    text = VALID.replace(
        "      - {ref: mode, requirement: required}",
        "      - {ref: mode, requirement: required}\n      - {ref: app.version, requirement: optional}",
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:29:15: error: events[0].attributes[2].ref: event 'app.started' uses attribute 'app.version' twice (also in the common group)"
    )


def test_two_keys_mapping_to_one_python_name() -> None:
    text = VALID.replace(
        "  - key: mode\n",
        "  - key: app_version\n    type: string\n    description: Clash.\n  - key: mode\n",
    )
    text = text.replace(
        "    - {ref: app.version, requirement: required}",
        "    - {ref: app.version, requirement: required}\n    - {ref: app_version, requirement: required}",
    )
    error = only_error(text)
    assert (
        "common.attributes[1].ref: attributes 'app.version' and 'app_version' both map to the Python name 'app_version'"
        in error
    )
    assert error.startswith("cat.yaml:26:")


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("class", "is a Python keyword"),
        ("type", "shadows a Python builtin"),
        ("conversation", "is reserved by the generated module"),
    ],
)
def test_python_names_that_cannot_be_parameters(key: str, why: str) -> None:
    text = VALID.replace("key: text", f"key: {key}").replace("{ref: text,", f"{{ref: {key},")
    error = only_error(text)
    assert f"attribute '{key}' gives the Python name '{key}', which {why}" in error
    assert "hint: set `python_name`" in error


def test_event_name_giving_a_builtin_function_name() -> None:
    error = only_error(VALID.replace("name: app.started", "name: print"))
    assert "event 'print' gives the emitter name 'print', which shadows a Python builtin" in error


def test_reference_to_undefined_attribute() -> None:
    error = only_error(VALID.replace("{ref: mode,", "{ref: mdoe,"))
    assert error.startswith(
        "cat.yaml:28:15: error: events[0].attributes[1].ref: attribute 'mdoe' is not defined"
    )
    assert "did you mean 'mode'?" in error


def test_reference_to_undefined_toggle() -> None:
    error = only_error(VALID.replace("redact: {toggle: log_text,", "redact: {toggle: log_txt,"))
    assert (
        error.startswith("cat.yaml:13:")
        and "attributes[1].redact.toggle: toggle 'log_txt' is not defined" in error
    )
    assert "did you mean 'log_text'?" in error


def test_enum_member_that_is_not_an_identifier() -> None:
    error = only_error(
        VALID.replace("{value: slow, description: Slow.}", "{value: 2x, description: Slow.}")
    )
    assert error.startswith(
        "cat.yaml:18:19: error: attributes[2].type.members[1].value: enum member '2x' gives the name '2X'"
    )
    assert "set `id`" in error


def test_redaction_on_a_non_string() -> None:
    text = VALID.replace("  - key: text\n    type: string", "  - key: text\n    type: int")
    assert "attributes[1].redact: redaction applies only to string attributes" in only_error(text)


def test_every_error_is_reported_at_once() -> None:
    text = VALID.replace("{ref: mode,", "{ref: nope,").replace(
        "redact: {toggle: log_text,", "redact: {toggle: other,"
    )
    errors = errors_of(text)
    assert len(errors) == 2
    assert "toggle 'other' is not defined" in errors[0]
    assert "attribute 'nope' is not defined" in errors[1]


def test_structural_errors_are_all_reported() -> None:
    text = (
        VALID.replace("descripton", "x")
        .replace("    description: Some text.", "    descripton: Some text.")
        .replace("name: app.started", "name: Bad Name")
    )
    errors = errors_of(text)
    assert len(errors) == 3
    assert "'description' is a required property" in errors[0]
    assert "unknown key 'descripton'" in errors[1]
    assert "does not match" in errors[2]


def test_validate_command_exits_2_with_located_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID.replace("{ref: mode,", "{ref: mdoe,"))
    result = subprocess.run(
        [sys.executable, "-m", "codex_otel.cli", "validate", str(good), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert f"{good}: valid" in result.stdout
    assert f"{bad}:28:15: error: events[0].attributes[1].ref" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"[1, 2", b"- 1\n", b"a: 1\na: 2\n"])
def test_validate_never_tracebacks(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-m", "codex_otel.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}:")
    assert "Traceback" not in result.stderr
