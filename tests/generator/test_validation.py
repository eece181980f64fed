"""One failure test per class of catalog error: each names file:line:col and the path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codex_otel.generator import CatalogError, load_catalog, load_catalog_text
from codex_otel.generator.module_model import module_view
from codex_otel.generator.source import MAX_NODES
from codex_otel.generator.structure import ecma_pattern, format_schema
from codex_otel.runtime._truncation import TRUNCATION_MARKER, truncate

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
    assert only_error(text).startswith(
        f"cat.yaml:1:1: error: (document): the top level must be a mapping, not {found}"
    )


def test_bad_utf8_names_the_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"catalog_version: 1.0.0\nevents:\n  - name: \xff\xfe\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.column) == (3, 11)
    assert str(diagnostic).startswith(f"{path}:3:11: error: (document): invalid UTF-8 (byte 0xff)")
    assert "hint: save the file as UTF-8" in str(diagnostic)


@pytest.mark.parametrize("missing", [True, False])
def test_unreadable_file(tmp_path: Path, missing: bool) -> None:
    path = tmp_path / "missing.yaml" if missing else tmp_path  # a folder cannot be read
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    (diagnostic,) = caught.value.diagnostics
    assert str(diagnostic).startswith(f"{path}:1:1: error: (document): cannot read the file: ")
    assert "hint: check the path" in str(diagnostic)


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
        ("type", "is a Python keyword"),  # a soft keyword since 3.12, refused on every Python
        ("list", "shadows a Python builtin"),
        ("conversation", "is reserved by the generated module"),
    ],
)
def test_python_names_that_cannot_be_parameters(key: str, why: str) -> None:
    text = VALID.replace("key: text", f"key: {key}").replace("{ref: text,", f"{{ref: {key},")
    error = only_error(text)
    assert error.startswith(
        f"cat.yaml:27:15: error: events[0].attributes[0].ref: attribute '{key}' gives the "
        f"Python name '{key}', which {why}"
    )
    assert "hint: set `python_name`" in error


@pytest.mark.parametrize(
    ("name", "why"), [("print", "shadows a Python builtin"), ("import", "is a Python keyword")]
)
def test_event_name_giving_an_impossible_function_name(name: str, why: str) -> None:
    error = only_error(VALID.replace("name: app.started", f"name: {name}"))
    assert error.startswith(
        f"cat.yaml:24:11: error: events[0].name: event '{name}' gives the emitter name "
        f"'{name}', which {why}"
    )
    assert "hint: set `python_name` on the event" in error


def test_two_events_giving_one_emitter_name() -> None:
    text = VALID + "  - name: app_started\n    description: Again.\n    attributes: []\n"
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:29:11: error: events[1].name: event 'app_started' gives the emitter name "
        "'app_started', which is also the emitter of 'app.started'"
    )


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
    assert only_error(text).startswith(
        "cat.yaml:13:13: error: attributes[1].redact: redaction applies only to string attributes"
    )


# --- enums ------------------------------------------------------------------------------


def test_two_enum_members_mapping_to_one_name() -> None:
    error = only_error(
        VALID.replace("{value: slow, description: Slow.}", "{value: fast!, description: Slow.}")
    )
    assert error.startswith(
        "cat.yaml:18:19: error: attributes[2].type.members[1].value: "
        "two members map to the Python name 'FAST'"
    )
    assert "hint: set `id` on one of them" in error


def test_duplicate_enum_value() -> None:
    error = only_error(
        VALID.replace(
            "{value: slow, description: Slow.}", "{value: fast, id: FAST2, description: Slow.}"
        )
    )
    assert error.startswith(
        "cat.yaml:18:19: error: attributes[2].type.members[1].value: "
        "enum value 'fast' is listed twice"
    )


def test_enum_members_of_mixed_types() -> None:
    error = only_error(
        VALID.replace(
            "{value: slow, description: Slow.}", "{value: 2, id: TWO, description: Slow.}"
        )
    )
    assert error.startswith(
        "cat.yaml:17:9: error: attributes[2].type.members: enum members mix strings and integers"
    )


def test_two_enums_giving_one_class_name() -> None:
    text = VALID.replace(
        "  - key: mode\n",
        "  - key: mode_x\n    python_name: mode\n"
        "    type: {members: [{value: a, description: A.}]}\n    description: M.\n"
        "  - key: mode\n",
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:18:10: error: attributes[3].key: enum class name 'Mode' "
        "is already used in the generated module"
    )
    assert "hint: set `python_name` on one of the attributes" in error


# --- caps, redaction, examples, deprecation, computed -----------------------------------


def test_max_length_on_a_non_string() -> None:
    text = VALID.replace(
        "  - key: app.version\n    type: string", "  - key: app.version\n    type: int"
    )
    text = text.replace(
        "    description: Version.\n", "    description: Version.\n    max_length: 40\n"
    )
    assert only_error(text).startswith(
        "cat.yaml:10:17: error: attributes[0].max_length: "
        "max_length applies only to string attributes"
    )


def test_refining_a_cap_the_attribute_does_not_define() -> None:
    text = VALID.replace(
        "{ref: mode, requirement: required}", "{ref: mode, requirement: required, max_length: 40}"
    )
    assert only_error(text).startswith(
        "cat.yaml:28:56: error: events[0].attributes[1].max_length: "
        "max_length can only refine a cap the attribute defines"
    )


def test_a_cap_the_truncation_marker_cannot_fit_in() -> None:
    text = VALID.replace(
        "    description: Some text.\n", "    description: Some text.\n    max_length: 37\n"
    )
    assert only_error(text).startswith(
        "cat.yaml:13:17: error: attributes[1].max_length: 37 is less than the minimum of 38"
    )


class _HugeText(str):
    """Text that claims the longest length a Python string can have."""

    def __len__(self) -> int:
        return sys.maxsize


def test_the_smallest_cap_always_fits_the_truncation_marker() -> None:
    properties = format_schema()["$defs"]
    caps = {
        properties[where]["properties"]["max_length"]["minimum"]
        for where in ("attribute", "attribute_ref")
    }
    # No string is longer than sys.maxsize, so no marker is longer than this one.
    longest_marker = len(TRUNCATION_MARKER.format(dropped=sys.maxsize))
    assert caps == {longest_marker}
    for cap in range(longest_marker, longest_marker + 3):
        for length in [*range(cap + 1, cap + 1100), 10**6 + cap]:
            assert len(truncate("x" * length, cap)) <= cap, (cap, length)
        assert len(truncate(_HugeText("x" * 100), cap)) <= cap
    # One less, and the longest strings would overrun it.
    assert len(truncate(_HugeText("x" * 100), longest_marker - 1)) > longest_marker - 1


def test_placeholder_longer_than_the_cap() -> None:
    text = VALID.replace(
        'placeholder: "[REDACTED]"}', 'placeholder: "' + "x" * 50 + '"}\n    max_length: 40'
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:13:45: error: attributes[1].redact.placeholder: placeholder "
        f"'{'x' * 50}' is longer than max_length (50 > 40 characters)"
    )
    assert "hint: shorten the placeholder or raise max_length" in error


def test_refined_cap_shorter_than_the_placeholder() -> None:
    text = VALID.replace(
        'placeholder: "[REDACTED]"}', 'placeholder: "' + "x" * 45 + '"}\n    max_length: 64'
    ).replace(
        "{ref: text, requirement: optional}", "{ref: text, requirement: optional, max_length: 40}"
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:28:56: error: events[0].attributes[0].max_length: max_length 40 is shorter "
        f"than the placeholder '{'x' * 45}' of 'text' (45 characters)"
    )


def test_redacted_attribute_in_the_common_group() -> None:
    text = VALID.replace(
        "{ref: app.version, requirement: required}", "{ref: text, requirement: required}"
    ).replace("      - {ref: text, requirement: optional}\n", "")
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:22:13: error: common.attributes[0].ref: attribute 'text' is redacted, "
        "but the common group's metadata is sent as given"
    )


@pytest.mark.parametrize(
    ("type_", "example", "expected"),
    [
        ("string", "1.5", "example 1.5 is not a string"),
        ("int", "x", "example 'x' is not an int"),
        ("int[]", "[1, x]", "example [1, 'x'] is not an int[]"),
    ],
)
def test_example_of_the_wrong_type(type_: str, example: str, expected: str) -> None:
    text = VALID.replace(
        "  - key: app.version\n    type: string", f"  - key: app.version\n    type: {type_}"
    ).replace(
        "    description: Version.\n", f"    description: Version.\n    examples: [{example}]\n"
    )
    error = only_error(text)
    assert error.startswith(f"cat.yaml:10:16: error: attributes[0].examples[0]: {expected}\n")
    assert "hint: fix the example or the type" in error


def test_example_of_an_enum_that_is_not_a_member() -> None:
    text = VALID.replace(
        "    description: Mode.\n", "    description: Mode.\n    examples: [medium]\n"
    )
    assert only_error(text).startswith(
        "cat.yaml:20:16: error: attributes[2].examples[0]: example 'medium' is not an enum (string)"
    )


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("[fast, medium]", "example ['fast', 'medium'] is not an enum[] (string)"),
        ("fast", "example 'fast' is not an enum[] (string)"),  # a member, not a list of them
    ],
)
def test_example_of_an_enum_array_that_is_not_a_list_of_members(
    example: str, expected: str
) -> None:
    text = VALID.replace(
        "    type:\n      members:", "    type:\n      array: true\n      members:"
    )
    assert load_catalog_text(text, "cat.yaml").events[0].attributes[1].type.is_array
    text = text.replace(
        "    description: Mode.\n", f"    description: Mode.\n    examples: [{example}]\n"
    )
    assert only_error(text).startswith(
        f"cat.yaml:21:16: error: attributes[2].examples[0]: {expected}\n"
    )


def test_enum_array_flag_must_be_a_boolean() -> None:
    text = VALID.replace(
        "    type:\n      members:", "    type:\n      array: yes please\n      members:"
    )
    error = only_error(text)
    assert error.startswith("cat.yaml:16:14: error: attributes[2].type.array: expected boolean")


def test_bad_replacement_is_reported_once_at_the_definition() -> None:
    text = VALID.replace(
        "    description: Some text.\n",
        "    description: Some text.\n    deprecated: {note: Old., replacement: txet}\n",
    )
    # A second event uses the attribute too: still one error, at the definition.
    text += "  - name: app.stopped\n    description: Stopped.\n    attributes:\n"
    text += "      - {ref: text, requirement: optional}\n"
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:13:43: error: attributes[1].deprecated.replacement: "
        "replacement attribute 'txet' is not defined"
    )
    assert "did you mean 'text'?" in error


def test_bad_replacement_of_an_unused_attribute() -> None:
    text = VALID.replace(
        "  - key: mode\n",
        "  - key: old\n    type: string\n    description: Unused.\n"
        "    deprecated: {note: Old., replacement: nowhere}\n  - key: mode\n",
    )
    assert only_error(text).startswith(
        "cat.yaml:17:43: error: attributes[2].deprecated.replacement: "
        "replacement attribute 'nowhere' is not defined"
    )


def test_replacement_defined_further_down_is_accepted() -> None:
    text = VALID.replace(
        "    description: Version.\n",
        "    description: Version.\n    deprecated: {note: Old., replacement: mode}\n",
    )
    catalog = load_catalog_text(text, "cat.yaml")
    assert catalog.common[0].deprecated is not None
    assert catalog.common[0].deprecated.replacement == "mode"


def test_bad_event_replacement() -> None:
    text = VALID.replace(
        "    description: Started.\n",
        "    description: Started.\n    deprecated: {note: Old., replacement: app.stoped}\n",
    )
    assert only_error(text).startswith(
        "cat.yaml:26:43: error: events[0].deprecated.replacement: "
        "replacement event 'app.stoped' is not defined"
    )


def test_computed_attribute_that_is_not_a_string() -> None:
    text = VALID.replace(
        "  - key: app.version\n    type: string", "  - key: app.version\n    type: int"
    ).replace(
        "{ref: app.version, requirement: required}",
        "{ref: app.version, requirement: required, computed: timestamp}",
    )
    assert only_error(text).startswith(
        "cat.yaml:22:59: error: common.attributes[0].computed: "
        "a computed timestamp must be a string attribute"
    )


def test_computed_attribute_that_is_not_required() -> None:
    text = VALID.replace(
        "{ref: app.version, requirement: required}",
        "{ref: app.version, requirement: optional, computed: timestamp}",
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:22:39: error: common.attributes[0].requirement: "
        "a computed attribute is always present"
    )
    assert "hint: make it `required`" in error


# --- strict patterns: `$` is the end of the text ------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("catalog_version: 1.0.0", 'catalog_version: "1.0.0\\n"', "1:18: error: catalog_version"),
        (
            "catalog_version: 1.0.0\n",
            'catalog_version: 1.0.0\nnamespace: "app\\n"\n',
            "2:12: error: namespace",
        ),
        ("  log_text:\n", '  "log_text\\n":\n', "3:3: error: toggles: key"),
        ("key: app.version", 'key: "app.version\\n"', "7:10: error: attributes[0].key"),
        (
            "    description: Version.\n",
            '    description: Version.\n    python_name: "version\\n"\n',
            "10:18: error: attributes[0].python_name",
        ),
        (
            "{value: slow, description: Slow.}",
            '{value: slow, id: "SLOW\\n", description: Slow.}',
            "18:29: error: attributes[2].type.members[1].id",
        ),
        ("name: app.started", 'name: "app.started\\n"', "24:11: error: events[0].name"),
    ],
)
def test_a_trailing_line_break_does_not_match_a_strict_pattern(
    old: str, new: str, where: str
) -> None:
    errors = errors_of(VALID.replace(old, new))
    assert errors[0].startswith(f"cat.yaml:{where}")
    assert "does not match the required pattern" in errors[0]


def test_patterns_keep_ecma_meaning() -> None:
    assert ecma_pattern("^[a-z]+$") == r"^[a-z]+\Z"
    assert ecma_pattern(r"^a\$[$]b$") == r"^a\$[$]b\Z"  # escaped and class `$` stay literal
    assert ecma_pattern("^(a|b$)$") == r"^(a|b\Z)\Z"


def test_semantic_version_hint() -> None:
    error = only_error(VALID.replace("catalog_version: 1.0.0", "catalog_version: v1"))
    assert error.startswith("cat.yaml:1:18: error: catalog_version: 'v1' does not match")
    assert "hint: use a semantic version" in error


# --- YAML that cannot become a catalog ------------------------------------------------------


def test_value_that_cannot_be_read() -> None:
    error = only_error(VALID.replace("default: false", "default: 2025-13-45"))
    assert error.startswith(
        "cat.yaml:4:14: error: toggles.log_text.default: cannot read the value: month must be in"
    )
    assert "hint: quote it to keep it a string" in error


def test_unknown_tag_is_one_clean_line_with_its_path() -> None:
    error = only_error(
        VALID.replace("description: Started.", "description: !!python/object:os.system x")
    )
    first, hint = error.split("\n")
    assert first == (
        "cat.yaml:25:18: error: events[0].description: cannot read the value: could not "
        "determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'"
    )
    assert hint.startswith("    hint: remove the tag")


def test_mapping_key_that_is_not_a_string() -> None:
    error = only_error(VALID.replace("  log_text:\n", "  [a]: 1\n  log_text:\n"))
    assert error.startswith("cat.yaml:3:3: error: toggles: mapping key ['a'] is not a string")
    assert "hint: quote the key" in error


def test_recursive_alias() -> None:
    error = only_error(VALID.replace("description: Started.", "description: &d [*d]"))
    assert error.startswith(
        "cat.yaml:25:18: error: events[0].description[0]: "
        "an alias refers to a collection that contains it"
    )


def test_too_deep_nesting() -> None:
    error = only_error(
        VALID.replace("description: Started.", "description: " + "[" * 3000 + "]" * 3000)
    )
    # The path and position are those of the value, a few levels in.
    assert error.startswith(
        "cat.yaml:25:21: error: events[0].description[0][0][0]: the document nests too deeply"
    )
    assert "hint: a catalog needs only a few levels" in error


def test_alias_expansion_is_capped() -> None:
    # "Billion laughs": each line holds ten aliases of the one before.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 6)]
    error = only_error("\n".join(lines) + "\n" + VALID)
    assert error.startswith("cat.yaml:1:")
    assert ": error: a4[" in error.split("\n")[0]
    assert f"more than {MAX_NODES:,} values once its aliases are expanded" in error
    assert "hint: aliases (*name) copy what they refer to" in error


def test_aliases_within_the_cap_are_expanded() -> None:
    text = VALID.replace("    description: Version.", "    description: &same Version.")
    text = text.replace("    description: Mode.", "    description: *same")
    catalog = load_catalog_text(text, "cat.yaml")
    assert catalog.events[0].attributes[1].description == "Version."


def test_one_of_message_names_an_object() -> None:
    error = only_error(
        VALID.replace("{ref: mode, requirement: required}", "{ref: mode, requirement: [1]}")
    )
    assert error.startswith(
        "cat.yaml:28:34: error: events[0].attributes[1].requirement: [1] is not valid here; "
        "expected one of 'required', 'optional' or an object"
    )


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


# --- structure and meaning in one run --------------------------------------------------------


def test_meaning_errors_are_reported_with_structure_errors() -> None:
    # attributes[0] breaks the format (an unknown key): it is cut, and the meaning checks
    # run on the rest, so the event's undefined reference is reported in the same run, at
    # its own line and path (indexes of the original document, not of the cut one).
    text = VALID.replace(
        "    description: Version.\n", "    description: Version.\n    colour: red\n"
    )
    text = text.replace("{ref: mode, requirement: required}", "{ref: mood, requirement: required}")
    text = text.replace(
        "    description: Mode.\n", "    description: Mode.\n    examples: [medium]\n"
    )
    assert errors_of(text) == [
        "cat.yaml:10:5: error: attributes[0].colour: unknown key 'colour'\n"
        "    hint: allowed keys: cardinality, deprecated, description, examples, key, max_length, maximum, "
        "minimum, python_name, "
        "redact, reference_type, sensitivity, stability, type",
        "cat.yaml:21:16: error: attributes[2].examples[0]: example 'medium' is not an enum "
        "(string)\n    hint: fix the example or the type",
        "cat.yaml:30:15: error: events[0].attributes[1].ref: attribute 'mood' is not defined\n"
        "    hint: did you mean 'mode'?",
    ]


def test_a_cut_reference_keeps_the_paths_of_the_others() -> None:
    text = VALID.replace(
        "      - {ref: text, requirement: optional}\n",
        "      - {ref: text, requirement: sometimes}\n      - {ref: mode, requirement: optional}\n",
    )
    errors = errors_of(text)
    assert [e.split(": error: ")[0] for e in errors] == ["cat.yaml:27:34", "cat.yaml:29:15"]
    assert errors[0].startswith("cat.yaml:27:34: error: events[0].attributes[0].requirement:")
    assert errors[1].startswith(
        "cat.yaml:29:15: error: events[0].attributes[2].ref: event 'app.started' uses "
        "attribute 'mode' twice"
    )


def test_a_cut_definition_is_not_reported_as_undefined() -> None:
    # The broken attribute, toggle and event are defined, only badly: what refers to them
    # gets no "not defined" error that would send the author hunting for a typo.
    text = VALID.replace("  - key: mode\n    type:\n", "  - key: mode\n    kind: enum\n    type:\n")
    text = text.replace("    default: false\n", "    default: maybe\n")
    text += (
        "  - name: app.gone\n    description: Gone.\n    stability: retired\n    attributes: []\n"
        "  - name: app.old\n    description: Old.\n    attributes: []\n"
        "    deprecated: {note: Use app.gone., replacement: app.gone}\n"
    )
    errors = errors_of(text)
    assert [e.split(": error: ")[1].split(":")[0] for e in errors] == [
        "toggles.log_text.default",
        "attributes[2].kind",
        "events[1].stability",
    ]


def test_an_unreadable_name_silences_every_undefined_reference() -> None:
    # The cut definition has no key to read: any reference might have meant it.
    text = VALID.replace("  - key: mode\n", "  - kee: mode\n")
    errors = errors_of(text)
    assert all("is not defined" not in e for e in errors), errors
    assert any("attributes[2]" in e and "'key'" in e for e in errors), errors


def test_top_level_structure_errors_leave_nothing_to_check() -> None:
    text = VALID.replace("{ref: mode, requirement: required}", "{ref: mood, requirement: required}")
    text = text.replace(
        "attributes:\n  - key: app.version", "attributes: {}\nunused:\n  - key: app.version", 1
    )
    errors = errors_of(text)
    assert errors and all("mood" not in e for e in errors), errors


# --- bounds ----------------------------------------------------------------------------------


def _version_as(type_: str, extra: str) -> str:
    """VALID with attributes[0] (app.version, line 7) of type `type_` and `extra` lines."""
    return VALID.replace(
        "  - key: app.version\n    type: string\n    description: Version.\n",
        f"  - key: app.version\n    type: {type_}\n    description: Version.\n{extra}",
    )


@pytest.mark.parametrize(
    ("type_", "extra", "expected"),
    [
        ("string", "    minimum: 0\n", "10:14: error: attributes[0].minimum: minimum applies only "
         "to int and double attributes"),
        ("int[]", "    maximum: 3\n", "10:14: error: attributes[0].maximum: maximum applies only"),
        ("int", "    minimum: 0.5\n", "10:14: error: attributes[0].minimum: minimum 0.5 of an int "
         "attribute is not an integer"),
        ("double", "    maximum: .inf\n", "10:14: error: attributes[0].maximum: maximum inf is "
         "not a finite number"),
        ("int", "    minimum: 5\n    maximum: 1\n", "11:14: error: attributes[0].maximum: "
         "maximum 1 is less than minimum 5"),
        ("int", "    minimum: 1\n    examples: [3, 0]\n", "11:19: error: attributes[0].examples[1]:"
         " example 0 is outside the attribute's bounds"),
    ],
)  # fmt: skip
def test_bounds_that_do_not_fit(type_: str, extra: str, expected: str) -> None:
    assert only_error(_version_as(type_, extra)).startswith(f"cat.yaml:{expected}")


def test_an_example_in_a_reference_is_checked_against_the_bounds() -> None:
    text = _version_as("int", "    maximum: 9\n").replace(
        "{ref: app.version, requirement: required}",
        "{ref: app.version, requirement: required, examples: [10]}",
    )
    assert only_error(text).startswith(
        "cat.yaml:23:60: error: common.attributes[0].examples[0]: example 10 is outside"
    )


def test_a_bound_too_large_for_a_float_is_located_not_a_crash() -> None:
    error = only_error(_version_as("double", f"    minimum: 1{'0' * 400}\n"))
    assert error.startswith("cat.yaml:10:14: error: attributes[0].minimum: minimum 1000")
    assert "is not a finite number" in error


def test_ints_must_fit_the_wire() -> None:
    # OTLP ints are 64-bit: an example or an enum value beyond that could never be sent.
    assert "example 9223372036854775808 is not an int" in only_error(
        _version_as("int", "    examples: [9223372036854775808]\n")
    )
    text = VALID.replace(
        "{value: slow, description: Slow.}", "{value: 1, id: ONE, description: A.}"
    )
    text = text.replace(
        "{value: fast, description: Fast.}", f"{{value: {2**64}, id: BIG, description: B.}}"
    )
    assert "enum value 18446744073709551616 does not fit in 64 bits" in only_error(text)


def test_an_exponent_yaml_reads_as_text_gets_a_hint() -> None:
    error = only_error(_version_as("double", "    minimum: 1e-7\n"))
    assert "expected number, found str" in error
    assert "write a dot and a signed exponent, 1.0e-7" in error
    assert load_catalog_text(_version_as("double", "    minimum: 1.0e-7\n"), "cat.yaml")


@pytest.mark.parametrize("name", ["out_of_range", "wire_members", "is_array_of", "truncate"])
def test_runtime_helper_names_are_reserved(name: str) -> None:
    # An emitter parameter with a helper's name would shadow the helper the emitter calls.
    text = VALID.replace(
        "    description: Some text.\n", f"    description: Some text.\n    python_name: {name}\n"
    )
    assert f"attribute 'text' gives the Python name {name!r}" in only_error(text)


def test_every_runtime_helper_a_module_imports_is_reserved() -> None:
    from codex_otel.generator.naming import RESERVED

    mini = load_catalog(Path(__file__).parent / "fixtures" / "mini.yaml")
    helpers = {name for name in module_view(mini).runtime_imports if name[0].islower()}
    assert helpers == {
        "deprecated",
        "is_array_of",
        "not_a_member",
        "not_members",
        "out_of_range",
        "wire_members",
        "wrong_int_items",
        "wrong_items",
        "wrong_type",
    }
    assert helpers <= RESERVED


def test_cutting_the_only_event_still_checks_the_attributes() -> None:
    text = VALID.replace(
        "    description: Started.\n", "    description: Started.\n    stability: nope\n"
    )
    text = text.replace(
        "    description: Mode.\n", "    description: Mode.\n    examples: [medium]\n"
    )
    errors = errors_of(text)
    assert [e.split(": error: ")[1].split(":")[0] for e in errors] == [
        "attributes[2].examples[0]",
        "events[0].stability",
    ]


def test_an_integer_top_level_key_is_cut_alone() -> None:
    text = VALID.replace("{ref: mode, requirement: required}", "{ref: mood, requirement: required}")
    errors = errors_of(text + "1: x\n")
    assert any("unknown key 1" in e for e in errors), errors
    assert any("attribute 'mood' is not defined" in e for e in errors), errors


def test_an_unknown_key_in_the_common_group_keeps_its_references_checked() -> None:
    text = VALID.replace(
        "common:\n  attributes:\n", "common:\n  descripton: Typo.\n  attributes:\n"
    )
    text = text.replace(
        "{ref: app.version, requirement: required}", "{ref: app.versoin, requirement: required}"
    )
    errors = errors_of(text)
    assert any("unknown key 'descripton'" in e for e in errors), errors
    assert any("attribute 'app.versoin' is not defined" in e for e in errors), errors
