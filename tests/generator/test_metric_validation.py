"""One failure test per class of error in a catalog's metrics, each at file:line:col."""

from __future__ import annotations

import pytest

from codex_otel.generator import CatalogError, load_catalog_text

VALID = """\
catalog_version: 1.0.0
namespace: app
toggles:
  log_text:
    default: false
    description: Export text.
attributes:
  - key: app.version
    type: string
    cardinality: low
    description: Version.
  - key: session.id
    type: string
    description: Session.
  - key: event.name
    type: string
    description: Event name.
  - key: text
    type: string
    cardinality: low
    description: Some text.
    redact: {toggle: log_text, placeholder: "[REDACTED]"}
  - key: mode
    type:
      members:
        - {value: fast, description: Fast.}
        - {value: slow, description: Slow.}
    description: Mode.
  - key: attempt
    type: int
    minimum: 0
    description: Attempt.
  - key: status
    type: string
    cardinality: low
    description: Status.
common:
  attributes:
    - {ref: event.name, requirement: required, computed: event_name}
    - {ref: app.version, requirement: required}
    - {ref: session.id, requirement: required}
  metric_attributes: [app.version]
events:
  - name: app.started
    description: Started.
    attributes:
      - {ref: mode, requirement: required}
metrics:
  - name: app.requests
    instrument: counter
    unit: "{request}"
    description: Requests.
    attributes:
      - {ref: status, requirement: required}
      - {ref: mode, requirement: optional}
  - name: app.request.duration
    instrument: histogram
    unit: ms
    boundaries: [10, 100, 1000]
    description: Durations.
    attributes: []
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(text, "cat.yaml")
    return [str(d) for d in caught.value.diagnostics]


def only_error(text: str) -> str:
    errors = errors_of(text)
    assert len(errors) == 1, errors
    return errors[0]


def replaced(old: str, new: str, text: str = VALID) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_the_base_catalog_is_valid() -> None:
    catalog = load_catalog_text(VALID, "cat.yaml")
    assert [m.function_name for m in catalog.metrics] == [
        "record_requests",
        "record_request_duration",
    ]
    assert catalog.metric_keys == ("app.version",)
    assert catalog.metrics[1].boundaries == (10, 100, 1000)


def test_unknown_instrument() -> None:
    error = only_error(replaced("instrument: counter", "instrument: meter"))
    assert error.startswith("cat.yaml:50:17: error: metrics[0].instrument: 'meter' is not one of")
    assert "hint: use one of the allowed values" in error


@pytest.mark.parametrize("unit", ["milli seconds", "ms/", "'{}'", "'{a b}'", "''", "'ms '"])
def test_malformed_unit(unit: str) -> None:
    error = only_error(replaced('unit: "{request}"', f"unit: {unit}"))
    assert error.startswith("cat.yaml:51:11: error: metrics[0].unit: ")
    assert "does not match the required pattern" in error
    assert "hint: units are UCUM: 1, ms, s, By, %, an annotation in braces" in error


@pytest.mark.parametrize("unit", ["1", "ms", "s", "By", "By/s", "{token}", "{token}/s", "%"])
def test_well_formed_units(unit: str) -> None:
    catalog = load_catalog_text(replaced('unit: "{request}"', f'unit: "{unit}"'), "cat.yaml")
    assert catalog.metrics[0].unit == unit


def test_duplicate_metric_name() -> None:
    error = only_error(replaced("name: app.request.duration", "name: app.requests"))
    assert error.startswith(
        "cat.yaml:56:11: error: metrics[1].name: metric 'app.requests' is defined twice "
        "(first on line 49)"
    )


def test_a_metric_may_share_its_name_with_an_event() -> None:
    catalog = load_catalog_text(replaced("name: app.requests", "name: app.started"), "cat.yaml")
    assert catalog.metrics[0].function_name == "record_started"


def test_boundaries_on_a_counter() -> None:
    error = only_error(replaced('unit: "{request}"', 'unit: "{request}"\n    boundaries: [1]'))
    assert error.startswith(
        "cat.yaml:52:17: error: metrics[0].boundaries: boundaries apply only to histograms, "
        "not to a counter"
    )


@pytest.mark.parametrize(
    ("boundaries", "column", "message"),
    [
        ("[10, 100, 100]", 27, "boundary 100 is not greater than the one before it (100)"),
        ("[10, 5]", 22, "boundary 5 is not greater than the one before it (10)"),
        ("[10, .inf]", 22, "boundary inf is not a finite number"),
    ],
)
def test_boundaries_not_strictly_increasing_and_finite(
    boundaries: str, column: int, message: str
) -> None:
    error = only_error(replaced("boundaries: [10, 100, 1000]", f"boundaries: {boundaries}"))
    index = boundaries.count(",")
    assert error.startswith(
        f"cat.yaml:59:{column}: error: metrics[1].boundaries[{index}]: {message}"
    )


def test_recorder_name_of_an_emitter() -> None:
    text = replaced("name: app.requests", "name: app.requests\n    python_name: started")
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:49:11: error: metrics[0].name: metric 'app.requests' gives the recorder name "
        "'started', which is also the emitter of 'app.started'"
    )
    assert "hint: set `python_name` on the metric" in error


def test_two_metrics_giving_one_recorder_name() -> None:
    text = replaced(
        "name: app.request.duration", "name: app.request_x\n    python_name: record_requests"
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:56:11: error: metrics[1].name: metric 'app.request_x' gives the recorder name "
        "'record_requests', which is also the recorder of 'app.requests'"
    )


def test_two_recorders_giving_one_metric_constant() -> None:
    text = replaced("name: app.request.duration", "name: app.duration\n    python_name: requests")
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:56:11: error: metrics[1].name: metric 'app.duration' gives the recorder name "
        "'requests', which gives the constant _METRIC_REQUESTS, as the recorder of "
        "'app.requests' does"
    )


@pytest.mark.parametrize(
    ("python_name", "why"),
    [
        ("conversation", "is reserved by the generated module"),
        ("print", "shadows a Python builtin"),
        ("lambda", "is a Python keyword"),
    ],
)
def test_recorder_names_that_cannot_be_functions(python_name: str, why: str) -> None:
    text = replaced("name: app.requests", f"name: app.requests\n    python_name: {python_name}")
    error = only_error(text)
    assert error.startswith(
        f"cat.yaml:49:11: error: metrics[0].name: metric 'app.requests' gives the recorder "
        f"name '{python_name}', which {why}"
    )


def test_an_unbounded_attribute_on_a_metric() -> None:
    text = replaced(
        "{ref: status, requirement: required}", "{ref: session.id, requirement: required}"
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:54:15: error: metrics[0].attributes[0].ref: attribute 'session.id' is "
        "unbounded (an unbounded string)"
    )
    assert (
        "hint: mark the attribute `cardinality: low` in its definition if its values are few"
        in error
    )


def test_an_int_bounded_on_one_side_is_unbounded() -> None:
    text = replaced("{ref: status, requirement: required}", "{ref: attempt, requirement: required}")
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:54:15: error: metrics[0].attributes[0].ref: attribute 'attempt' is unbounded "
        "(an int without both minimum and maximum)"
    )
    bounded = replaced("    minimum: 0\n", "    minimum: 0\n    maximum: 9\n", text)
    assert load_catalog_text(bounded, "cat.yaml").metrics[0].attributes[0].key == "attempt"


def test_a_redacted_attribute_on_a_metric() -> None:
    text = replaced("{ref: status, requirement: required}", "{ref: text, requirement: required}")
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:54:15: error: metrics[0].attributes[0].ref: attribute 'text' is redacted, "
        "and metrics carry no redacted values"
    )


def test_reference_to_undefined_attribute_from_a_metric() -> None:
    error = only_error(replaced("{ref: status,", "{ref: stauts,"))
    assert error.startswith(
        "cat.yaml:54:15: error: metrics[0].attributes[0].ref: attribute 'stauts' is not defined"
    )
    assert "did you mean 'status'?" in error


def test_an_attribute_named_like_the_value_argument() -> None:
    text = replaced("  - key: status\n", "  - key: status\n    python_name: value\n")
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:55:15: error: metrics[0].attributes[0].ref: attribute 'status' gives the "
        "Python name 'value', which is the recorder's value argument"
    )


def test_a_metric_attribute_repeating_a_metadata_key() -> None:
    text = replaced(
        "      - {ref: mode, requirement: optional}",
        "      - {ref: mode, requirement: optional}\n      - {ref: app.version, requirement: optional}",
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:56:15: error: metrics[0].attributes[2].ref: metric 'app.requests' uses "
        "attribute 'app.version' twice (also in common.metric_attributes)"
    )


@pytest.mark.parametrize(
    ("keys", "column", "message"),
    [
        ("[status]", 23, "metric attribute 'status' is not in the common group"),
        ("[event.name]", 23, "metric attribute 'event.name' is computed for each event"),
        ("[session.id]", 23, "attribute 'session.id' is unbounded (an unbounded string)"),
        ("[app.version, app.version]", 36, "metric attribute 'app.version' is listed twice"),
    ],
)
def test_metric_attributes_of_the_common_group(keys: str, column: int, message: str) -> None:
    error = only_error(replaced("metric_attributes: [app.version]", f"metric_attributes: {keys}"))
    index = keys.count(",")
    assert error.startswith(
        f"cat.yaml:42:{column}: error: common.metric_attributes[{index}]: {message}"
    )


def test_deprecated_metric_with_an_undefined_replacement() -> None:
    text = replaced(
        "    description: Requests.\n",
        "    description: Requests.\n    deprecated: {note: Old., replacement: app.request}\n",
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:53:43: error: metrics[0].deprecated.replacement: replacement metric "
        "'app.request' is not defined"
    )
    assert "did you mean 'app.requests'?" in error


# --- Codex's metric tag rule: keys and enum values of the attributes metrics carry ------


def test_an_enum_value_outside_the_tag_characters() -> None:
    error = only_error(
        replaced("{value: fast, description: Fast.}", '{value: "fast lane", description: Fast.}')
    )
    assert error.startswith(
        "cat.yaml:26:19: error: attributes[4].type.members[0].value: enum value 'fast lane' "
        "of attribute 'mode', a metric tag, holds characters a metric tag may not"
    )
    assert "hint: use a value of those characters" in error


def test_an_enum_value_longer_than_a_tag() -> None:
    long_value = "f" * 257
    error = only_error(replaced("{value: fast,", f"{{value: {long_value},"))
    assert error.startswith(
        f"cat.yaml:26:19: error: attributes[4].type.members[0].value: enum value "
        f"'{long_value}' of attribute 'mode', a metric tag, is longer than the 256 characters"
    )
    assert load_catalog_text(replaced("{value: fast,", f"{{value: {'f' * 256},"), "cat.yaml")


def test_an_enum_value_is_judged_once_however_many_metrics_carry_it() -> None:
    text = replaced("{value: slow,", "{value: slow/er!,")
    text = replaced(
        "    attributes: []\n",
        "    attributes:\n      - {ref: mode, requirement: optional}\n",
        text,
    )
    error = only_error(text)
    assert "attributes[4].type.members[1].value: enum value 'slow/er!'" in error


def test_enum_values_only_events_carry_are_not_tags() -> None:
    text = replaced("{value: fast,", '{value: "fast lane",')
    text = replaced("      - {ref: mode, requirement: optional}\n", "", text)
    catalog = load_catalog_text(text, "cat.yaml")
    assert catalog.events[0].attributes[0].type.members[0].value == "fast lane"


def test_the_reserved_tag_key_le() -> None:
    text = replaced("  - key: status\n", "  - key: le\n")
    text = replaced(
        "{ref: status, requirement: required}", "{ref: le, requirement: required}", text
    )
    error = only_error(text)
    assert error.startswith(
        "cat.yaml:54:15: error: metrics[0].attributes[0].ref: attribute 'le' cannot be a metric "
        "tag: its key is reserved (a histogram bucket's bound in Prometheus)"
    )
    on_an_event = replaced("  - key: status\n", "  - key: le\n")
    on_an_event = replaced("      - {ref: status, requirement: required}\n", "", on_an_event)
    on_an_event = replaced(
        "      - {ref: mode, requirement: required}\n",
        "      - {ref: mode, requirement: required}\n      - {ref: le, requirement: optional}\n",
        on_an_event,
    )
    assert load_catalog_text(on_an_event, "cat.yaml").events[0].attributes[1].key == "le"
