"""Generated span helpers, run for real: the bundled module's spans and a fixture catalog's
(tests/generator/fixtures/spans.yaml: every argument and setter type, a fixed value, a
span that nests in itself, a deprecated span) started through a `Telemetry` whose spans
are captured (`Telemetry.capture_spans`, the runtime's span subscribers)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from codex_otel.generated import events as codex
from codex_otel.generator import load_catalog, load_catalog_text, render, write_outputs
from codex_otel.runtime import CapturedSpan, Conversation, OtelConfig, Telemetry
from codex_otel.runtime._contract import truncate
from support.generation import GenerateFn, import_generated
from support.metadata import make_metadata

SPANS = Path(__file__).resolve().parent / "fixtures" / "spans.yaml"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    tel = Telemetry(OtelConfig(), service_version="test")
    yield tel
    tel.shutdown()


@pytest.fixture
def conversation(telemetry: Telemetry) -> Conversation[codex.Metadata]:
    return telemetry.conversation(make_metadata())


@pytest.fixture
def ci(generate_module: GenerateFn) -> ModuleType:
    return generate_module(str(SPANS))


def by_id(spans: list[CapturedSpan]) -> dict[str, CapturedSpan]:
    return {span.definition: span for span in spans}


def test_the_bundled_helpers_record_the_catalog_spans_nested(
    telemetry: Telemetry, conversation: Conversation[codex.Metadata]
) -> None:
    with (
        telemetry.capture_spans() as captured,
        codex.turn_span(conversation, agent_name="codex", request_model="gpt-5") as turn,
    ):
        with codex.api_request_span(
            conversation, request_model="gpt-5", provider_name="openai", attempt=1
        ) as request:
            request.set_response_model("gpt-5-2025")
            request.set_input_tokens(1834)
            request.set_http_response_status_code(200)
        with codex.tool_call_span(conversation, tool_name="shell", tool_call_id="c1") as tool:
            with codex.tool_approval_span(conversation, tool_name="shell") as approval:
                approval.set_decision(codex.Decision.APPROVED)
                approval.set_source("user")
            tool.set_output_length(12)
        turn.set_output_tokens(213)
    spans = by_id(captured)
    assert [span.definition for span in captured] == [
        "codex.api_request",
        "codex.tool_approval",
        "codex.tool_call",
        "codex.turn",
    ]
    # Wire names from the templates, the fixed operation name filled in.
    assert spans["codex.turn"].name == "invoke_agent codex"
    assert spans["codex.api_request"].name == "chat gpt-5"
    assert spans["codex.tool_call"].name == "execute_tool shell"
    assert spans["codex.api_request"].kind == "client"
    # Parents as the catalog nests them, in one trace.
    assert {span.definition: span.parent for span in captured} == {
        "codex.turn": None,
        "codex.api_request": "codex.turn",
        "codex.tool_call": "codex.turn",
        "codex.tool_approval": "codex.tool_call",
    }
    assert len({span.trace_id for span in captured}) == 1
    assert dict(spans["codex.api_request"].attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-5",
        "gen_ai.provider.name": "openai",
        "attempt": 1,
        "gen_ai.response.model": "gpt-5-2025",
        "gen_ai.usage.input_tokens": 1834,
        "http.response.status_code": 200,
    }
    # Enum setters send the member's wire value, whichever form was passed.
    assert spans["codex.tool_approval"].attributes["decision"] == "approved"
    assert spans["codex.tool_approval"].attributes["source"] == "user"
    assert spans["codex.turn"].attributes["gen_ai.usage.output_tokens"] == 213
    assert spans["codex.turn"].attributes["gen_ai.operation.name"] == "invoke_agent"
    assert all(span.status == "unset" for span in captured)


def test_an_exception_leaving_a_helper_s_block_fails_its_span(
    telemetry: Telemetry, conversation: Conversation[codex.Metadata]
) -> None:
    def tool_times_out() -> None:
        with (
            codex.turn_span(conversation, agent_name="codex"),
            codex.tool_call_span(conversation, tool_name="shell"),
        ):
            raise TimeoutError

    with telemetry.capture_spans() as captured, pytest.raises(TimeoutError):
        tool_times_out()
    assert [(s.definition, s.status) for s in captured] == [
        ("codex.tool_call", "error"),
        ("codex.turn", "error"),
    ]
    assert captured[0].attributes["error.type"] == "TimeoutError"
    assert "exception" in captured[0].events


def test_async_with_starts_and_ends_the_span(
    telemetry: Telemetry, conversation: Conversation[codex.Metadata]
) -> None:
    async def run() -> None:
        async with codex.turn_span(conversation, agent_name="codex") as turn:
            turn.set_error_type("cancelled")

    with telemetry.capture_spans() as captured:
        asyncio.run(run())
    assert [(s.definition, s.attributes["error.type"]) for s in captured] == [
        ("codex.turn", "cancelled")
    ]


@pytest.mark.parametrize(
    ("start", "error", "message"),
    [
        (
            lambda c: codex.tool_call_span(c, tool_name=3),  # type: ignore[arg-type]
            TypeError,
            "'tool_name' must be str",
        ),
        (
            lambda c: codex.api_request_span(c, request_model="m", provider_name="p", attempt=-1),
            ValueError,
            "'attempt' must be between 0 and",
        ),
        (
            lambda c: codex.api_request_span(c, request_model="m", provider_name="p", attempt=True),
            TypeError,
            "'attempt' must be int, not bool",
        ),
    ],
)
def test_helper_arguments_are_checked_as_emitters_check_theirs(
    conversation: Conversation[codex.Metadata],
    start: object,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message) as raised:
        start(conversation)  # type: ignore[operator]
    assert str(raised.value).startswith("codex.")  # the span's id names where


def test_setters_are_checked_even_when_nothing_records(
    conversation: Conversation[codex.Metadata],
) -> None:
    # No span subscriber and no trace exporter: the shared no-op scope, checks still run,
    # so a wrong call fails in development as it would in production.
    with codex.tool_approval_span(conversation, tool_name="shell") as approval:
        assert not approval.recording
        with pytest.raises(ValueError, match=r"codex\.tool_approval: argument 'decision'"):
            approval.set_decision("maybe")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="'source'"):
            approval.set_source(b"user")  # type: ignore[arg-type]
    with codex.api_request_span(conversation, request_model="m", provider_name="p") as request:
        with pytest.raises(ValueError, match="between 0 and 65535"):
            request.set_http_response_status_code(70000)
        with pytest.raises(TypeError, match="'input_tokens' must be int, not float"):
            request.set_input_tokens(1.0)  # type: ignore[arg-type]


def test_every_argument_and_setter_type_reaches_the_span(
    ci: ModuleType, telemetry: Telemetry
) -> None:
    conversation = telemetry.conversation(ci.Metadata(host_name="h"))
    with (
        telemetry.capture_spans() as captured,
        ci.ci_pipeline_span(
            conversation,
            job_name="n" * 50,
            job_priority=ci.JobPriority.HIGH,
            job_tags=("a", "b"),
            job_stages=["fetch", ci.JobStages.TEST],
        ) as pipeline,
    ):
        pipeline.set_job_ratio(1)
        pipeline.set_job_weights([1, 0.5])
        pipeline.set_job_cached(False)
        with ci.ci_step_span(conversation, job_retries=2) as step:
            with ci.ci_step_span(conversation) as inner:  # a step in a step
                inner.set_job_stages([ci.JobStages.FETCH])
            step.set_job_stages(("test",))
    spans = {(s.definition, s.parent): s for s in captured}
    pipeline_span = spans[("ci.pipeline", None)]
    attributes = dict(pipeline_span.attributes)
    assert attributes.pop("job.name") == truncate("n" * 50, 40)  # cut to its cap
    assert attributes == {
        "job.version": 2.0,
        "job.priority": 5,
        "job.tags": ("a", "b"),
        "job.stages": ("fetch", "test"),
        "job.ratio": 1.0,
        "job.weights": (1.0, 0.5),
        "job.cached": False,
    }
    assert type(attributes["job.version"]) is float and type(attributes["job.ratio"]) is float
    assert pipeline_span.kind == "server" and pipeline_span.name.startswith("pipeline nnn")
    assert spans[("ci.step", "ci.step")].attributes["job.stages"] == ("fetch",)
    assert dict(spans[("ci.step", "ci.pipeline")].attributes) == {
        "job.retries": 2,
        "job.stages": ("test",),
    }


def test_fixture_setters_refuse_what_the_catalog_refuses(
    ci: ModuleType, telemetry: Telemetry
) -> None:
    conversation = telemetry.conversation(ci.Metadata(host_name="h"))
    with ci.ci_pipeline_span(conversation, job_name="j", job_priority=1) as pipeline:
        with pytest.raises(ValueError, match=r"'job_ratio' must be between 0 and 1\.5"):
            pipeline.set_job_ratio(float("nan"))
        with pytest.raises(TypeError, match="'job_weights'"):
            pipeline.set_job_weights("1")
        with pytest.raises(TypeError, match="'job_cached' must be bool, not int"):
            pipeline.set_job_cached(1)
    with pytest.raises(ValueError, match="'job_priority' must be one of 1, 5"):
        ci.ci_pipeline_span(conversation, job_name="j", job_priority=3)
    with pytest.raises(ValueError, match="'job_stages'"):
        ci.ci_pipeline_span(conversation, job_name="j", job_priority=1, job_stages=["x"])


def test_a_deprecated_span_and_argument_warn(ci: ModuleType, telemetry: Telemetry) -> None:
    conversation = telemetry.conversation(ci.Metadata(host_name="h"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ci.ci_legacy_run_span(conversation, job_old_name="old")
    messages = [str(w.message) for w in caught if w.category is DeprecationWarning]
    assert any("span ci.legacy_run is deprecated: Use ci.pipeline." in m for m in messages)
    assert any(
        "argument job_old_name (job.old_name) of ci_legacy_run_span()" in m for m in messages
    )
    assert all(w.filename == __file__ for w in caught)  # the caller's line, not the module's
    # A deprecated setter is deprecated as a method (PEP 702): it warns at the caller's line.
    with (
        warnings.catch_warnings(record=True) as caught,
        ci.ci_pipeline_span(conversation, job_name="j", job_priority=1),
        ci.ci_step_span(conversation) as step,
    ):
        warnings.simplefilter("always")
        step.set_job_old_name("old")
    assert [(str(w.message), w.filename) for w in caught] == [
        (
            "set_job_old_name() of CiStepSpan (job.old_name) is deprecated: Replaced by job.name.",
            __file__,
        )
    ]


def test_a_span_without_attributes_has_a_helper_without_arguments(
    ci: ModuleType, telemetry: Telemetry
) -> None:
    conversation = telemetry.conversation(ci.Metadata(host_name="h"))
    with telemetry.capture_spans() as captured, ci.ci_tick_span(conversation) as tick:
        assert tick.recording
        assert type(tick).__slots__ == ()
    assert [(s.name, s.kind, dict(s.attributes)) for s in captured] == [("tick", "producer", {})]


USE = """\
from codex_otel.runtime import OtelConfig, Telemetry
from codex_otel.generated import events
from support.metadata import make_metadata

conversation = Telemetry(OtelConfig(), service_version="t").conversation(make_metadata())
with events.tool_call_span(conversation, tool_name="shell", tool_call_id=None) as tool:
    tool.set_output_length(3)
    tool.set_error_type("denied")
with events.tool_approval_span(conversation, tool_name="shell") as approval:
    approval.set_decision(events.Decision.DENIED)
with events.tool_call_span(conversation, tool_name=3) as tool:
    tool.set_output_length("3")
with events.tool_approval_span(conversation, tool_name="shell", decision="denied") as approval:
    approval.set_decision("maybe")
events.turn_span(conversation)
"""


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_mypy_catches_a_wrong_attribute_of_a_span(tmp_path: Path) -> None:
    (tmp_path / "use.py").write_text(USE, encoding="utf-8")
    tests = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "use.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MYPYPATH": str(tests)},
    )
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    # Lines 6-10 are right; 11: an int tool name, 12: a str for a count, 13: `decision` is
    # no argument (it is known at the end), 14: a str no member of the enum, 15: the
    # required agent name left out.
    assert sorted({int(line.split(":")[1]) for line in errors}) == [11, 12, 13, 14, 15], (
        result.stdout
    )
    assert any('"tool_name"' in e and '"int"' in e for e in errors), errors
    assert any("set_output_length" in e and '"str"' in e for e in errors), errors
    assert any('"decision"' in e and "[call-arg]" in e for e in errors), errors
    assert any('"agent_name"' in e for e in errors), errors


def test_generated_span_code_is_written_once_per_span(tmp_path: Path) -> None:
    catalog = load_catalog(SPANS)
    write_outputs(render(catalog), tmp_path)
    source = (tmp_path / "events.py").read_text(encoding="utf-8")
    for span in catalog.spans:
        assert source.count(f"\n{span.constant_name}: Final = SpanDefinition(") == 1
        assert source.count(f"\nclass {span.handle_name}(SpanHandle):") == 1
        assert source.count(f"\ndef {span.function_name}(") == 1
        assert f"conversation.start_span({span.constant_name}, _attributes, " in source


HOSTILE = 'He said """hi""" \\ then {{ x }} {% if %} \x00\x07 \u2028 end\' "<script>'


def hostile_spans() -> str:
    text = json.dumps(HOSTILE)
    name = json.dumps('say "hi" \\ it\'s {kind}')
    return f"""\
catalog_version: 1.0.0
attributes:
  - key: kind
    type:
      members:
        - {{value: {json.dumps('it"s')}, id: QUOTE, description: {text}}}
    description: {text}
    examples: [{json.dumps('it"s')}]
events:
  - {{name: e, description: {text}, attributes: []}}
spans:
  - id: x.y
    name: {name}
    kind: internal
    description: {text}
    deprecated: {{note: {text}}}
    attributes:
      - {{ref: kind, requirement: required}}
  - id: x.z
    name: z
    kind: internal
    description: {text}
    parents: [x.y]
    attributes:
      - {{ref: kind, requirement: required, known: end}}
"""


def test_catalog_text_in_spans_cannot_inject_code(tmp_path: Path) -> None:
    catalog = load_catalog_text(hostile_spans(), "hostile.yaml")
    write_outputs(render(catalog), tmp_path)
    module = import_generated(tmp_path)
    assert module.X_Y_SPAN.name == 'say "hi" \\ it\'s {kind}'
    assert HOSTILE in " ".join((module.x_y_span.__doc__ or "").split("\n"))
    telemetry = Telemetry(OtelConfig(), service_version="test")
    conversation = telemetry.conversation(module.Metadata())
    with (
        telemetry.capture_spans() as captured,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", DeprecationWarning)
        with module.x_y_span(conversation, kind='it"s'), module.x_z_span(conversation) as z:
            z.set_kind(module.Kind.QUOTE)
    telemetry.shutdown()
    assert [(s.name, dict(s.attributes)) for s in captured] == [
        ("z", {"kind": 'it"s'}),
        ('say "hi" \\ it\'s it"s', {"kind": 'it"s'}),
    ]
    markdown = (tmp_path / "EVENTS.md").read_text(encoding="utf-8")
    assert "<script" not in markdown and "\x00" not in markdown
    # The module stays what ruff accepts as it is (the project's settings apply).
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [ruff, *command, "--no-cache", "events.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
