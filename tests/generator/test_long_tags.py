"""Recorders whose tags have long names or long enums are written as ruff format would
write them: `ruff format --check` passes on the generated module unchanged, and the
module records what it should (the layout changed lines, not meaning)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from codex_otel.generator import load_catalog, render
from codex_otel.generator.output import write_outputs
from codex_otel.runtime import Telemetry
from support.generation import import_generated

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LONG_TAGS = HERE / "fixtures" / "long-tags.yaml"
LONG_KEY = "an_extremely_long_tag_name_for_the_sandbox_policy_that_goes_past_every_limit"


def _ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    return subprocess.run(
        [ruff, *args, "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_long_tag_names_and_enums_are_ruff_format_stable(tmp_path: Path) -> None:
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    write_outputs(render(load_catalog(LONG_TAGS)), tmp_path / "out")
    module = tmp_path / "out" / "events.py"
    source = module.read_text()
    # The shapes this catalog is about are there (so the check below judges them).
    assert "    token_type: TokenType\n    | Literal[" in source
    assert f"    ] = metric_tag_value(\n            {LONG_KEY}\n        )" in source
    formatted = _ruff("format", "--diff", str(module), cwd=tmp_path)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    checked = _ruff("check", str(module), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_long_recorders_record(tmp_path: Path) -> None:
    write_outputs(render(load_catalog(LONG_TAGS)), tmp_path)
    events = import_generated(tmp_path)
    telemetry = Telemetry(service_version="t")
    conversation = telemetry.conversation(events.Metadata(app_version="1"))
    with telemetry.capture_measurements() as seen:
        events.record_tool_call_duration_with_a_long_name_ms(
            conversation, 5, sandbox_policy="workspace-write", **{LONG_KEY: "a b"}
        )
        events.record_turn_token_usage(conversation, 7, token_type="cache_write_input")
    assert telemetry.stats.emit_errors == 0
    assert dict(seen[0].attributes) == {
        "app.version": "1",
        "sandbox_policy": "workspace-write",
        LONG_KEY: "a_b",
    }
    assert dict(seen[1].attributes) == {"app.version": "1", "token_type": "cache_write_input"}
    telemetry.shutdown()
