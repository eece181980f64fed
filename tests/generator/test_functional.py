"""Generate catalogs of our own into temp folders, import the result, emit, and check it.

These do not depend on the Codex catalog: the generator must work on any catalog.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from types import ModuleType

import jsonschema
import pytest

from codex_otel.generator import (
    TemplateDirError,
    load_catalog,
    load_catalog_text,
    render,
    write_outputs,
)
from codex_otel.runtime import OtelConfig, Telemetry
from codex_otel.runtime._truncation import TRUNCATION_MARKER
from support.generation import REPO, GenerateFn, import_generated

MINI = Path(__file__).resolve().parent / "fixtures" / "mini.yaml"
#: The required arguments of the mini catalog's `step.finished`, all valid.
STEP: dict[str, object] = {
    "step_name": "s",
    "step_command": "c",
    "step_cached": True,
    "priority": 1,
}


def telemetry(**toggles: bool) -> Telemetry:
    return Telemetry(OtelConfig(toggles=toggles), service_version="test")


def test_mini_catalog_emits_typed_wire_attributes(generate_module: GenerateFn) -> None:
    events = generate_module(str(MINI))
    tel = telemetry(log_commands=True)
    conversation = tel.conversation(events.Metadata(host_name="ci-7", build_id=42))
    with tel.capture() as captured:
        events.step_finished(
            conversation,
            step_name="test",
            step_command="pytest -q",
            step_cached=False,
            priority=events.Priority.HIGH,
            step_ratio=1,
            step_tags=["fast"],
            step_exit_codes=(0, 1),
        )
        events.build_heartbeat(conversation)
    first, second = captured
    assert first.name == "step.finished"
    assert dict(first.attributes) == {
        "host.name": "ci-7",
        "build.id": 42,
        "step.name": "test",
        "step.command": "pytest -q",
        "step.cached": False,
        "step.priority": 5,
        "step.ratio": 1.0,
        "step.tags": ["fast"],
        "step.exit_codes": (0, 1),
    }
    assert type(first.attributes["step.ratio"]) is float
    assert second.name == "build.heartbeat"
    assert dict(second.attributes) == {"host.name": "ci-7", "build.id": 42}


def test_redaction_and_cap_follow_the_catalog(generate_module: GenerateFn) -> None:
    events = generate_module(str(MINI))
    long_command = "x" * 100
    for allowed, expected in [(False, "<hidden>"), (True, None)]:
        tel = telemetry(log_commands=allowed)
        conversation = tel.conversation(events.Metadata(host_name="h"))
        with tel.capture() as captured:
            events.step_finished(
                conversation, step_name="s", step_command=long_command, step_cached=True, priority=1
            )
        value = captured[0].attributes["step.command"]
        if expected is not None:
            assert value == expected
        else:
            assert isinstance(value, str) and len(value) == 64
            assert value.endswith(
                TRUNCATION_MARKER.format(dropped=100 - (64 - len(value.split("x")[-1])))
            )
            assert value.startswith("x" * 30)


def test_a_toggle_the_config_does_not_know_redacts(generate_module: GenerateFn) -> None:
    events = generate_module(str(MINI))
    tel = telemetry()  # no log_commands key at all
    conversation = tel.conversation(events.Metadata(host_name="h"))
    with tel.capture() as captured:
        events.step_finished(
            conversation, step_name="s", step_command="rm -rf /", step_cached=True, priority=1
        )
    assert captured[0].attributes["step.command"] == "<hidden>"


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"step_name": 3}, TypeError, "step.finished: argument 'step_name' must be str, not int"),
        ({"step_cached": 1}, TypeError, "argument 'step_cached' must be bool, not int"),
        ({"priority": 3}, ValueError, "argument 'priority' must be one of 1, 5"),
        ({"priority": True}, TypeError, "argument 'priority' must be one of 1, 5, not bool"),
        ({"step_ratio": "0.5"}, TypeError, "argument 'step_ratio' must be float, not str"),
        (
            {"step_tags": ["a", 1]},
            TypeError,
            "argument 'step_tags' must be a list or tuple of str, not list",
        ),
        ({"step_name": None}, TypeError, "argument 'step_name' must be str, not NoneType"),
    ],
)
def test_arguments_that_break_the_catalog_raise(
    generate_module: GenerateFn, arguments: dict[str, object], error: type[Exception], message: str
) -> None:
    events = generate_module(str(MINI))
    tel = telemetry()
    conversation = tel.conversation(events.Metadata(host_name="h"))
    call = {**STEP, **arguments}
    with tel.capture() as captured, pytest.raises(error, match=message.replace("(", r"\(")):
        events.step_finished(conversation, **call)
    assert captured == []


def test_enum_arrays_take_members_or_values_and_send_values(generate_module: GenerateFn) -> None:
    events = generate_module(str(MINI))
    tel = telemetry()
    metadata = events.Metadata(host_name="h", runner_features=[events.RunnerFeatures.GPU, "docker"])
    conversation = tel.conversation(metadata)
    with tel.capture() as captured:
        for signals in ([events.StepSignals.TERMINATE, 9], (), None):
            events.step_finished(conversation, **STEP, step_signals=signals)
    assert [event.attributes.get("step.signals") for event in captured] == [[15, 9], [], None]
    assert all(event.attributes["runner.features"] == ["gpu", "docker"] for event in captured)
    step_signals = captured[0].attributes["step.signals"]
    assert isinstance(step_signals, list)
    assert type(step_signals[0]) is int  # the value, not the member


@pytest.mark.parametrize(
    ("signals", "error", "message"),
    [
        ([15, 3], ValueError, "; got [15, 3]"),
        (["TERMINATE"], ValueError, "; got ['TERMINATE']"),  # a name, not a value
        ([15, True], TypeError, ", not list holding bool, int"),  # the types, not the items
        ([15.0], TypeError, ", not list holding float"),
        (15, TypeError, ", not int"),
        ({15}, TypeError, ", not set"),
    ],
)
def test_enum_arrays_refuse_what_is_not_a_sequence_of_members(
    generate_module: GenerateFn, signals: object, error: type[Exception], message: str
) -> None:
    events = generate_module(str(MINI))
    tel = telemetry()
    conversation = tel.conversation(events.Metadata(host_name="h"))
    expected = (
        "step.finished: argument 'step_signals' must be a list or tuple, each item one of "
        f"2, 9, 15{message}"
    )
    with tel.capture() as captured, pytest.raises(error, match=f"^{re.escape(expected)}$"):
        events.step_finished(conversation, **STEP, step_signals=signals)
    assert captured == []
    with pytest.raises(
        ValueError, match="'runner_features' must be a list or tuple, each item one of 'docker'"
    ):
        events.Metadata(host_name="h", runner_features=["docker", "tpu"])
    with pytest.raises(
        TypeError, match=r"'runner_features' must be a list or tuple, each item .*, not str"
    ):
        events.Metadata(host_name="h", runner_features="docker")


@pytest.mark.parametrize(
    ("ratio", "allowed"),
    [(0, True), (1.5, True), (0.25, True), (-0.01, False), (1.6, False), (float("nan"), False)],
)
def test_numbers_outside_the_catalog_bounds_raise(
    generate_module: GenerateFn, ratio: float, allowed: bool
) -> None:
    events = generate_module(str(MINI))
    tel = telemetry()
    conversation = tel.conversation(events.Metadata(host_name="h"))
    call = STEP
    with tel.capture() as captured:
        if allowed:  # the bounds are inclusive
            events.step_finished(conversation, **call, step_ratio=ratio)
        else:
            expected = rf"^step\.finished: argument 'step_ratio' must be between 0 and 1\.5; got {ratio!r}$"
            with pytest.raises(ValueError, match=expected):
                events.step_finished(conversation, **call, step_ratio=ratio)
    assert [e.attributes.get("step.ratio") for e in captured] == ([ratio] if allowed else [])


ONE_SIDED = """\
catalog_version: 1.0.0
attributes:
  - {key: low, type: double, minimum: 0, description: Low.}
  - {key: high, type: double, maximum: 1, description: High.}
  - {key: count, type: int, description: Unbounded int.}
  - {key: counts, type: "int[]", description: Ints.}
events:
  - name: e.one
    description: One.
    attributes:
      - {ref: low, requirement: optional}
      - {ref: high, requirement: optional}
      - {ref: count, requirement: optional}
      - {ref: counts, requirement: optional}
"""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"low": float("nan")}, "'low' must be at least 0; got nan"),  # NaN is outside any bound
        ({"high": float("nan")}, "'high' must be at most 1; got nan"),
        ({"low": -0.5}, "'low' must be at least 0; got -0.5"),
        (
            {"count": 2**63},
            "'count' must be a 64-bit integer; got 9223372036854775808",
        ),  # what OTLP can carry
        ({"count": -(2**63) - 1}, "'count' must be a 64-bit integer; got -9223372036854775809"),
        (
            {"counts": [1, 2**63]},
            "'counts' must be a list or tuple of int; an item exceeds 64 bits: 9223372036854775808",
        ),
    ],
)
def test_one_sided_bounds_and_the_64_bit_wire(
    generate_module: GenerateFn, tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    path = tmp_path / "one_sided.yaml"
    path.write_text(ONE_SIDED)
    events = generate_module(str(path))
    tel = telemetry()
    conversation = tel.conversation(events.Metadata())
    with tel.capture() as captured:
        events.e_one(conversation, low=0.0, high=1.0, count=2**63 - 1, counts=[-(2**63)])
        with pytest.raises(ValueError, match=f"^e.one: argument {re.escape(message)}$"):
            events.e_one(conversation, **arguments)
    assert [dict(e.attributes) for e in captured] == [
        {"low": 0.0, "high": 1.0, "count": 2**63 - 1, "counts": [-(2**63)]}
    ]


def test_metadata_keeps_its_own_copy_of_sequences(generate_module: GenerateFn) -> None:
    events = generate_module(str(MINI))
    features = ["docker"]
    metadata = events.Metadata(host_name="h", runner_features=features)
    features.append("tpu")  # after the check: must neither reach the wire nor break it
    tel = telemetry()
    with tel.capture() as captured:
        events.build_heartbeat(tel.conversation(metadata))
    assert captured[0].attributes["runner.features"] == ["docker"]


def test_metadata_bounds_are_checked(generate_module: GenerateFn) -> None:
    events = generate_module(str(MINI))
    assert events.Metadata(host_name="h", build_id=1).to_attributes()["build.id"] == 1
    # The catalog says at least 1; the wire says 64 bits.
    expected = r"^Metadata: argument 'build_id' must be between 1 and 9223372036854775807; got "
    for wrong in (0, 2**63):
        with pytest.raises(ValueError, match=f"{expected}{wrong}$"):
            events.Metadata(host_name="h", build_id=wrong)


def test_missing_required_argument_is_a_type_error(generate_module: GenerateFn) -> None:
    events = generate_module(str(MINI))
    conversation = telemetry().conversation(events.Metadata(host_name="h"))
    with pytest.raises(TypeError, match="step_cached"):
        events.step_finished(conversation, step_name="s", step_command="c", priority=1)


def test_metadata_is_checked_and_unknown_optionals_are_omitted(generate_module: GenerateFn) -> None:
    events = generate_module(str(MINI))
    with pytest.raises(TypeError, match="Metadata: argument 'build_id' must be int, not str"):
        events.Metadata(host_name="h", build_id="7")
    assert events.Metadata(host_name="h").to_attributes() == {"host.name": "h"}


def test_deprecated_event_warns_at_the_call_site(generate_module: GenerateFn) -> None:
    events = generate_module(str(MINI))
    conversation = telemetry().conversation(events.Metadata(host_name="h"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events.build_started_legacy(conversation)
    assert [str(w.message) for w in caught] == [
        "event build.started_old is deprecated: Emit step.finished events instead."
    ]
    assert caught[0].filename == __file__


@pytest.mark.parametrize(
    "arguments",
    [
        {"step_name": 1},
        {"priority": 4},
        {"step_tags": "fast"},
        {"step_signals": [3]},
        {"step_ratio": "0.5"},
    ],
)
def test_arguments_are_checked_when_nobody_listens(
    generate_module: GenerateFn, arguments: dict[str, object]
) -> None:
    # A bad call must fail where telemetry is off (development, tests) too, not first
    # where an exporter is on: the checks run before the not-recording return.
    events = generate_module(str(MINI))
    tel = telemetry()
    conversation = tel.conversation(events.Metadata(host_name="h"))
    assert conversation.recording is False
    call = STEP
    events.step_finished(conversation, **call)  # a good call: nothing happens
    with pytest.raises((TypeError, ValueError), match=r"^step\.finished: argument"):
        events.step_finished(conversation, **{**call, **arguments})


def test_wire_schemas_accept_what_the_emitters_send(tmp_path: Path) -> None:
    catalog = load_catalog(MINI)
    write_outputs(render(catalog), tmp_path)
    events = import_generated(tmp_path)
    tel = telemetry(log_commands=True)
    conversation = tel.conversation(events.Metadata(host_name="h", build_id=1))
    with tel.capture() as captured:
        events.step_finished(
            conversation,
            step_name="s",
            step_command="c" * 200,
            step_cached=True,
            priority=5,
            step_tags=["a"],
        )
    schema = json.loads((tmp_path / "schemas" / "step.finished.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    attributes = dict(captured[0].attributes)
    command = attributes["step.command"]
    assert isinstance(command, str)
    attributes["step.command"] = command[:64]  # maxLength counts the cut text
    jsonschema.validate(attributes, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**attributes, "step.priority": 3}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"host.name": "h"}, schema)


HOSTILE_TEXT = 'He said """hi""" \\ then {{ x }} {% if %} \x00\x07 \u2028 end\' "'


def hostile_catalog() -> str:
    text = json.dumps(HOSTILE_TEXT)  # a YAML double-quoted scalar is JSON-compatible here
    quote, backslash = json.dumps('it"s'), json.dumps("back\\slash")
    return f"""\
catalog_version: 1.0.0
description: {text}
toggles:
  show:
    default: false
    description: {text}
attributes:
  - key: a.b
    type: string
    description: {text}
    examples: [{text}]
    redact: {{toggle: show, placeholder: {text}}}
  - key: kind
    type:
      members:
        - {{value: {quote}, id: QUOTE, description: {text}}}
        - {{value: {backslash}, id: BACKSLASH, description: {text}}}
    description: {text}
common:
  description: {text}
  attributes: []
events:
  - name: x.y
    description: {text}
    deprecated: {{note: {text}}}
    attributes:
      - {{ref: a.b, requirement: {{conditional: {text}}}}}
      - {{ref: kind, requirement: required}}
"""


def test_catalog_text_cannot_inject_code(tmp_path: Path) -> None:
    catalog = load_catalog_text(hostile_catalog(), "hostile.yaml")
    write_outputs(render(catalog), tmp_path)
    events = import_generated(tmp_path)
    assert HOSTILE_TEXT in " ".join((events.__doc__ or "").split("\n"))
    assert events.Kind.QUOTE.value == 'it"s'
    assert events.Kind.BACKSLASH.value == "back\\slash"
    conversation = telemetry().conversation(events.Metadata())
    with telemetry().capture():
        pass
    tel = telemetry()
    conversation = tel.conversation(events.Metadata())
    with tel.capture() as captured, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        events.x_y(conversation, a_b="secret", kind="back\\slash")
    assert dict(captured[0].attributes) == {"a.b": HOSTILE_TEXT, "kind": "back\\slash"}
    markdown = (tmp_path / "EVENTS.md").read_text()
    assert "<script" not in markdown and "\x00" not in markdown
    assert (
        json.loads((tmp_path / "schemas" / "x.y.json").read_text())["description"] == HOSTILE_TEXT
    )


def _lint(paths: list[Path], cwd: Path) -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    for command in (
        [ruff, "check", "--no-cache", *map(str, paths)],
        [ruff, "format", "--check", "--no-cache", *map(str, paths)],
    ):
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    mypy = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-version",
            "3.10",
            *map(str, paths),
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


@pytest.mark.slow
def test_generated_modules_pass_ruff_and_mypy_strict(tmp_path: Path) -> None:
    # The project's own ruff settings apply: copy them next to the generated code.
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    outputs = []
    for name, catalog in [
        ("mini", load_catalog(MINI)),
        ("wide", load_catalog(MINI.parent / "wide.yaml")),
        ("long_tags", load_catalog(MINI.parent / "long-tags.yaml")),
        ("spans", load_catalog(MINI.parent / "spans.yaml")),
        ("hostile", load_catalog_text(hostile_catalog(), "h.yaml")),
    ]:
        write_outputs(render(catalog), tmp_path / name)
        outputs.append(tmp_path / name / "events.py")
    _lint([*outputs, REPO / "generated" / "events.py"], tmp_path)


def test_regenerating_is_byte_identical(tmp_path: Path) -> None:
    catalog = load_catalog(MINI)
    write_outputs(render(catalog), tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    changes = write_outputs(render(load_catalog(MINI)), tmp_path)
    assert {c.status for c in changes} == {"unchanged"}
    assert before == {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    for path, content in before.items():
        first_line = content.decode().splitlines()[0 if path.suffix != ".json" else 1]
        assert (
            "Generated from mini.yaml" in first_line and "Do not edit" in content.decode()[:400]
        ), path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codex_otel.cli", *args], capture_output=True, text=True, check=False
    )


def test_check_reports_stale_missing_and_extra_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("generate", "--schema", str(MINI), "--out", str(out)).returncode == 0
    current = run_cli("generate", "--schema", str(MINI), "--out", str(out), "--check")
    assert current.returncode == 0, current.stderr
    events_py = out / "events.py"
    events_py.write_text(events_py.read_text().replace("A build step finished.", "Edited by hand."))
    (out / "schemas" / "build.heartbeat.json").unlink()
    (out / "schemas" / "gone.json").write_text("{}")
    stale = run_cli("generate", "--schema", str(MINI), "--out", str(out), "--check")
    assert stale.returncode == 1
    assert (
        '-    """Edited by hand.' in stale.stdout
        and '+    """A build step finished.' in stale.stdout
    )
    assert f"missing: {out / 'schemas' / 'build.heartbeat.json'}" in stale.stdout
    assert f"extra: {out / 'schemas' / 'gone.json'}" in stale.stdout
    assert "out of date" in stale.stderr
    # --check wrote nothing; a real run repairs everything and removes the leftover.
    assert "Edited by hand." in events_py.read_text()
    assert run_cli("generate", "--schema", str(MINI), "--out", str(out)).returncode == 0
    assert not (out / "schemas" / "gone.json").exists()
    assert run_cli("generate", "--schema", str(MINI), "--out", str(out), "--check").returncode == 0


def test_bundled_outputs_are_current() -> None:
    result = run_cli("generate", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_template_can_be_overridden_by_name(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "EVENTS.md.jinja").write_text(
        "# {{ catalog.version }} has {{ catalog.events | length }} events\n"
    )
    out = tmp_path / "out"
    result = run_cli(
        "generate", "--schema", str(MINI), "--out", str(out), "--templates", str(templates)
    )
    assert result.returncode == 0, result.stderr
    assert (out / "EVENTS.md").read_text() == "# 0.3.1 has 3 events\n"
    assert "def step_finished(" in (out / "events.py").read_text()  # the rest stays packaged


def test_a_broken_template_is_reported_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "EVENTS.md.jinja").write_text("{{ catalog.nope }}")
    result = run_cli(
        "generate",
        "--schema",
        str(MINI),
        "--out",
        str(tmp_path / "o"),
        "--templates",
        str(tmp_path),
    )
    assert result.returncode == 2
    assert "rendering failed" in result.stderr and "nope" in result.stderr
    assert "Traceback" not in result.stderr


def test_events_module_names_every_event(generate_module: GenerateFn) -> None:
    events: ModuleType = generate_module(str(MINI))
    assert events.EVENT_NAMES == ("step.finished", "build.heartbeat", "build.started_old")
    assert events.CATALOG_VERSION == "0.3.1"
    assert events.TOGGLES == {"log_commands": False}


def test_the_header_survives_a_version_with_a_line_break() -> None:
    # The strict pattern rejects such a version; the header is escaped all the same.
    catalog = dataclasses.replace(load_catalog(MINI), version="0.3.1\nimport os")
    for output in render(catalog):
        if output.path.endswith(".py"):
            compile(output.text, output.path, "exec")
            assert "\nimport os" not in output.text.split('"""')[0], output.path


def test_a_template_file_with_an_unknown_name_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "event.py.jinja").write_text("typo: overrides nothing")
    (tmp_path / "_macros.jinja").write_text("{% macro m() %}{% endmacro %}")  # helpers: allowed
    (tmp_path / ".gitkeep").write_text("")
    with pytest.raises(TemplateDirError) as caught:
        render(load_catalog(MINI), tmp_path)
    message = str(caught.value)
    assert "'event.py.jinja' (did you mean 'events.py.jinja'?) is not a template name" in message
    assert (
        "the templates are EVENTS.md.jinja, __init__.py.jinja, event.schema.json.jinja, "
        "events.py.jinja"
    ) in message
    (tmp_path / "event.py.jinja").unlink()
    assert render(load_catalog(MINI), tmp_path)  # the helper and the dotfile are fine
    (tmp_path / "event.py.jinja").write_text("typo")
    result = run_cli(
        "generate",
        "--schema",
        str(MINI),
        "--out",
        str(tmp_path / "o"),
        "--templates",
        str(tmp_path),
    )
    assert result.returncode == 2
    assert "'event.py.jinja'" in result.stderr and "events.py.jinja" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()
