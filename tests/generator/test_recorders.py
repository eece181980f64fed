"""Generated metric recorders, called through `Telemetry.capture_measurements()`: the
measurement each records, its attributes, and the argument checks (no exporter needed).

The Codex catalog's recorders are the committed generated module; the mini catalog's
(every instrument, int and double values) are generated into a temp folder."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from codex_otel.generated import events as codex
from codex_otel.runtime import CapturedMeasurement, Telemetry
from support.generation import GenerateFn
from support.metadata import make_metadata

MINI = Path(__file__).resolve().parent / "fixtures" / "mini.yaml"


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    telemetry = Telemetry(service_version="test")
    yield telemetry
    telemetry.shutdown()


@pytest.fixture
def mini(generate_module: GenerateFn) -> ModuleType:
    return generate_module(str(MINI))


def codex_conversation(telemetry: Telemetry, auth_mode: str | None = "ApiKey") -> Any:
    metadata = make_metadata("c-1", "0.42.0", "xterm", "gpt-5-codex", "gpt-5", auth_mode=auth_mode)
    return telemetry.conversation(metadata)


def record_one(telemetry: Telemetry, call: Any) -> CapturedMeasurement:
    with telemetry.capture_measurements() as measurements:
        call()
    [measurement] = measurements
    return measurement


# --- the Codex catalog ---------------------------------------------------------------


def test_codex_metric_names_and_metadata_keys() -> None:
    assert codex.METRIC_NAMES == (
        "codex.api_request",
        "codex.api_request.duration_ms",
        "codex.tool.call",
        "codex.tool.call.duration_ms",
        "codex.sse_event",
        "codex.sse_event.duration_ms",
        "codex.websocket.request",
        "codex.websocket.request.duration_ms",
        "codex.websocket.event",
        "codex.websocket.event.duration_ms",
        "codex.turn.e2e_duration_ms",
        "codex.turn.ttft.duration_ms",
        "codex.turn.ttfm.duration_ms",
        "codex.turn.tool.call",
        "codex.turn.token_usage",
        "codex.startup.phase.duration_ms",
        "codex.thread.started",
    )
    assert codex.Metadata.METRIC_KEYS == (
        "model",
        "app.version",
        "auth_mode",
        "originator",
        "session_source",
    )


CODEX_CALLS: list[tuple[str, str, Any, int, dict[str, object]]] = [
    (
        "codex.api_request",
        "counter",
        lambda c: codex.record_api_request(c, status="200", success="true"),
        1,
        {"status": "200", "success": "true"},
    ),
    (
        "codex.api_request.duration_ms",
        "histogram",
        lambda c: codex.record_api_request_duration_ms(
            c, 412, status="none", success=codex.Success.FALSE
        ),
        412,
        {"status": "none", "success": "false"},
    ),
    (
        "codex.tool.call",
        "counter",
        lambda c: codex.record_tool_call(c, 2, tool="shell", success=codex.Success.TRUE),
        2,
        {"tool": "shell", "success": "true"},
    ),
    (
        "codex.tool.call.duration_ms",
        "histogram",
        lambda c: codex.record_tool_call_duration_ms(c, 0, tool="apply_patch", success="false"),
        0,
        {"tool": "apply_patch", "success": "false"},
    ),
    (
        "codex.sse_event",
        "counter",
        lambda c: codex.record_sse_event(c, kind="response.completed", success="true"),
        1,
        {"kind": "response.completed", "success": "true"},
    ),
    (
        "codex.sse_event.duration_ms",
        "histogram",
        lambda c: codex.record_sse_event_duration_ms(c, 7, kind="none", success="false"),
        7,
        {"kind": "none", "success": "false"},
    ),
    (
        "codex.turn.token_usage",
        "histogram",
        lambda c: codex.record_turn_token_usage(c, 1520, token_type=codex.TokenType.CACHED_INPUT),
        1520,
        {"token_type": "cached_input"},
    ),
]


@pytest.mark.parametrize("case", CODEX_CALLS, ids=[name for name, *_ in CODEX_CALLS])
def test_each_codex_recorder_records_its_metric_with_the_metadata_keys_only(
    telemetry: Telemetry, case: tuple[str, str, Any, int, dict[str, object]]
) -> None:
    name, instrument, call, value, attributes = case
    conversation = codex_conversation(telemetry)
    measurement = record_one(telemetry, lambda: call(conversation))
    assert measurement.name == name
    assert measurement.metric.instrument == instrument
    assert measurement.value == value and type(measurement.value) is int
    # The metric's attributes and the metadata's metric keys: no conversation.id, slug...
    assert dict(measurement.attributes) == {
        "model": "gpt-5-codex",
        "app.version": "0.42.0",
        "auth_mode": "ApiKey",
        **attributes,
    }


def test_unknown_optional_metadata_is_left_off_measurements(telemetry: Telemetry) -> None:
    conversation = codex_conversation(telemetry, auth_mode=None)
    measurement = record_one(
        telemetry, lambda: codex.record_api_request(conversation, status="429", success="false")
    )
    assert "auth_mode" not in measurement.attributes


def test_codex_definitions_carry_units_and_boundaries(telemetry: Telemetry) -> None:
    conversation = codex_conversation(telemetry)
    with telemetry.capture_measurements() as measurements:
        for _, _, call, _, _ in CODEX_CALLS:
            call(conversation)
    units = {m.name: m.metric.unit for m in measurements}
    assert units["codex.api_request"] == "{request}"
    assert units["codex.turn.token_usage"] == "{token}"
    assert units["codex.tool.call.duration_ms"] == "ms"
    boundaries = {m.name: m.metric.boundaries for m in measurements}
    latency = boundaries["codex.api_request.duration_ms"]
    assert latency is not None and list(latency) == sorted(set(latency))
    assert boundaries["codex.api_request"] is None
    assert all(m.metric.value_type == "int" for m in measurements)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda c: codex.record_api_request(c, status=200, success="true"),  # type: ignore[arg-type]
            TypeError,
            "codex.api_request: argument 'status' must be str, not int",
        ),
        (
            lambda c: codex.record_api_request(c, status="200", success=True),  # type: ignore[arg-type]
            TypeError,
            "codex.api_request: argument 'success' must be one of 'true', 'false', not bool",
        ),
        (
            lambda c: codex.record_tool_call(c, tool="shell", success="maybe"),  # type: ignore[arg-type]
            ValueError,
            "codex.tool.call: argument 'success' must be one of 'true', 'false'; got 'maybe'",
        ),
        (
            lambda c: codex.record_tool_call(c, -1, tool="shell", success="true"),
            ValueError,
            "codex.tool.call: argument 'value' must be between 0 and",
        ),
        (
            lambda c: codex.record_turn_token_usage(c, -5, token_type="input"),
            ValueError,
            "codex.turn.token_usage: argument 'value' must be between 0 and",
        ),
        (
            lambda c: codex.record_tool_call(c, True, tool="shell", success="true"),
            TypeError,
            "codex.tool.call: argument 'value' must be int, not bool",
        ),
        (
            lambda c: codex.record_sse_event_duration_ms(c, 1.5, kind="x", success="true"),  # type: ignore[arg-type]
            TypeError,
            "codex.sse_event.duration_ms: argument 'value' must be int, not float",
        ),
        (
            lambda c: codex.record_api_request(c, 2**63, status="200", success="true"),
            ValueError,
            "codex.api_request: argument 'value' must be between 0 and 9223372036854775807; "
            "got 9223372036854775808",
        ),
        (
            lambda c: codex.record_turn_token_usage(c, 1, token_type="prompt"),  # type: ignore[arg-type]
            ValueError,
            "codex.turn.token_usage: argument 'token_type' must be one of 'input'",
        ),
    ],
)
def test_wrong_arguments_raise_naming_the_metric_and_the_field(
    telemetry: Telemetry, call: Any, error: type[Exception], message: str
) -> None:
    conversation = codex_conversation(telemetry)
    # The same with metrics off as on: a bad call fails before anything records.
    with pytest.raises(error) as raised:
        call(conversation)
    assert message in str(raised.value)
    with telemetry.capture_measurements() as measurements, pytest.raises(error):
        call(conversation)
    assert measurements == []


def test_nothing_is_recorded_without_a_subscriber_or_pipeline(telemetry: Telemetry) -> None:
    conversation = codex_conversation(telemetry)
    assert not conversation.metrics_recording
    codex.record_api_request(conversation, status="200", success="true")  # returns early
    with telemetry.capture_measurements() as measurements:
        pass
    assert measurements == []


# --- the mini catalog: every instrument, doubles, optional and array attributes ------


def test_mini_recorders_of_every_instrument(telemetry: Telemetry, mini: ModuleType) -> None:
    conversation = telemetry.conversation(mini.Metadata(host_name="ci-7", build_id=42))
    with telemetry.capture_measurements() as measurements:
        mini.record_step_runs(conversation, step_cached=False, priority=mini.Priority.HIGH)
        mini.record_step_runs(conversation, 3, step_cached=True, priority=1, runner_slot=15)
        mini.record_build_queue_depth(conversation, -2)
        mini.record_step_load(conversation, 1, step_signals=[mini.StepSignals.KILL, 15])
        mini.record_step_time(conversation, 0.25)
    runs, runs_again, depth, load, seconds = measurements
    assert (runs.value, dict(runs.attributes)) == (
        1,
        {"host.name": "ci-7", "step.cached": False, "step.priority": 5},
    )
    assert dict(runs_again.attributes) == {
        "host.name": "ci-7",
        "step.cached": True,
        "step.priority": 1,
        "runner.slot": 15,
    }
    # An updowncounter may go down; build.id (metadata, but not a metric key) stays off.
    assert (depth.value, dict(depth.attributes)) == (-2, {"host.name": "ci-7"})
    # A double accepts an int and records it as a float.
    assert load.value == 1.0 and type(load.value) is float
    assert load.attributes["step.signals"] == [9, 15]
    assert (seconds.metric.instrument, seconds.metric.boundaries) == ("histogram", (0.5, 1, 5, 30))
    assert seconds.value == 0.25 and seconds.name == "step.seconds"
    assert mini.METRIC_NAMES == (
        "step.runs",
        "build.queue.depth",
        "step.load",
        "step.seconds",
        "step.duration_old",
    )


@pytest.mark.parametrize(
    ("recorder", "value", "expected"),
    [
        (
            "record_step_load",
            True,
            (TypeError, "step.load: argument 'value' must be float, not bool"),
        ),
        (
            "record_step_load",
            "1",
            (TypeError, "step.load: argument 'value' must be float, not str"),
        ),
        (
            "record_step_time",
            -0.5,
            (ValueError, "step.seconds: argument 'value' must be at least 0; got -0.5"),
        ),
        (
            "record_step_time",
            float("nan"),
            (ValueError, "step.seconds: argument 'value' must be at least 0; got nan"),
        ),
        (
            "record_build_queue_depth",
            -(2**63) - 1,
            (
                ValueError,
                "build.queue.depth: argument 'value' must be a 64-bit integer; "
                "got -9223372036854775809",
            ),
        ),
        (
            "record_build_queue_depth",
            1.0,
            (TypeError, "build.queue.depth: argument 'value' must be int, not float"),
        ),
    ],
)
def test_mini_value_checks(
    telemetry: Telemetry,
    mini: ModuleType,
    recorder: str,
    value: object,
    expected: tuple[type[Exception], str],
) -> None:
    error, message = expected
    conversation = telemetry.conversation(mini.Metadata(host_name="ci-7"))
    with pytest.raises(error) as raised:
        getattr(mini, recorder)(conversation, value)
    assert message in str(raised.value)


def test_mini_attribute_checks(telemetry: Telemetry, mini: ModuleType) -> None:
    conversation = telemetry.conversation(mini.Metadata(host_name="ci-7"))
    with pytest.raises(
        ValueError, match=r"step.runs: argument 'runner_slot' must be between 0 and 15"
    ):
        mini.record_step_runs(conversation, step_cached=True, priority=1, runner_slot=16)
    with pytest.raises(TypeError, match=r"step.runs: argument 'step_cached' must be bool, not int"):
        mini.record_step_runs(conversation, step_cached=1, priority=1)
    with pytest.raises(
        ValueError, match=r"step.load: argument 'step_signals' must be a list or tuple, each item"
    ):
        mini.record_step_load(conversation, 0.5, step_signals=[3])


def test_a_deprecated_metric_warns(telemetry: Telemetry, mini: ModuleType) -> None:
    conversation = telemetry.conversation(mini.Metadata(host_name="ci-7"))
    with warnings.catch_warnings(record=True) as caught, telemetry.capture_measurements() as got:
        warnings.simplefilter("always")
        mini.record_step_duration_old(conversation, 12)
    assert [str(w.message) for w in caught] == [
        "metric step.duration_old is deprecated: Record step.seconds instead."
    ]
    assert [m.value for m in got] == [12]


def test_the_readme_metrics_snippet_records_what_it_says(telemetry: Telemetry) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Recording metrics", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    conversation = codex_conversation(telemetry)
    with telemetry.capture_measurements() as measurements:
        exec(snippet, {"events": codex, "conversation": conversation})
    assert [(m.name, m.metric.instrument, m.value) for m in measurements] == [
        ("codex.api_request", "counter", 1),
        ("codex.api_request.duration_ms", "histogram", 412),
        ("codex.turn.token_usage", "histogram", 1520),
    ]


FREE_TEXT_CATALOG = """
catalog_version: 1.0.0
description: Free text on a metric.
attributes:
  - key: region
    type: string
    cardinality: low
    description: Region.
  - key: labels
    type: string[]
    cardinality: low
    description: Labels.
  - key: queue
    type: string
    cardinality: low
    max_length: 40
    description: Queue name.
events:
  - name: job.started
    description: A job started.
    attributes:
      - ref: region
        requirement: required
metrics:
  - name: jobs
    instrument: counter
    unit: "{job}"
    description: Jobs.
    attributes:
      - ref: region
        requirement: required
      - ref: labels
        requirement: optional
      - ref: queue
        requirement: optional
"""


def test_recorders_make_free_text_valid_utf8_where_they_build_the_point(
    generate_module: GenerateFn, telemetry: Telemetry
) -> None:
    """A recorder hands `Conversation.record_point` a finished point, so free text (a
    scalar, an array, a capped one) is made a valid metric tag (and so valid UTF-8) by
    the generated code itself: each character outside the tag characters becomes `_`,
    and `_` is trimmed from the ends."""
    module = generate_module(FREE_TEXT_CATALOG)
    conversation = telemetry.conversation(module.Metadata())
    with telemetry.capture_measurements() as measurements:
        module.record_jobs(conversation, region="eu")
        module.record_jobs(
            conversation, region="\udc80x", labels=["ok", "b\ud800d"], queue="q\udfff" * 30
        )
    plain, awkward = (dict(m.attributes) for m in measurements)
    assert plain == {"region": "eu"}
    assert awkward["region"] == "x"
    assert awkward["labels"] == ["ok", "b_d"]
    queue = awkward["queue"]
    assert isinstance(queue, str) and len(queue) <= 40 and "\udfff" not in queue
    assert re.fullmatch("[A-Za-z0-9._/-]+", queue)  # capped first, then sanitised
    for value in (awkward["region"], queue, *awkward["labels"]):
        value.encode("utf-8")  # strict
