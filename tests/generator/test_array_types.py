"""Array arguments are typed `list[T] | tuple[T, ...]` (the generated `ArrayOf[T]`): a type
checker refuses a plain str, which is a `Sequence[str]`, as the run-time check does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codex_otel.generator import load_catalog, render, write_outputs
from support.generation import GenerateFn

MINI = Path(__file__).resolve().parent / "fixtures" / "mini.yaml"

USE = """\
from codex_otel.runtime import OtelConfig, Telemetry
from build_events import events

conversation = Telemetry(OtelConfig(), service_version="t").conversation(
    events.Metadata(host_name="h", runner_features=["docker"])
)
events.step_finished(
    conversation, step_name="s", step_command="c", step_cached=False, priority=1,
    step_tags=["fast"], step_exit_codes=(0, 1), step_signals=[events.StepSignals.KILL],
)
events.step_finished(
    conversation, step_name="s", step_command="c", step_cached=False, priority=1,
    step_tags="fast",
)
events.Metadata(host_name="h", runner_features="docker")
"""


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_mypy_refuses_a_str_for_an_array_argument(tmp_path: Path) -> None:
    write_outputs(render(load_catalog(MINI)), tmp_path / "build_events")
    (tmp_path / "use.py").write_text(USE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "use.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    # Lines 7-10 pass lists and tuples; line 11 a str for step_tags, line 15 for a
    # Metadata field.
    assert [line.split(":")[1] for line in errors] == ["11", "15"], result.stdout
    # (step_finished has overloads, so its error is that none matches a str.)
    assert '"str"' in errors[0] and "[call-overload]" in errors[0], errors
    assert '"str"' in errors[1] and "[arg-type]" in errors[1], errors


def test_a_str_is_still_refused_at_run_time(generate_module: GenerateFn) -> None:
    events = generate_module(str(MINI))
    with pytest.raises(TypeError, match="runner_features"):
        events.Metadata(host_name="h", runner_features="docker")
