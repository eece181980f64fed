"""A catalog written from scratch for another application (a build tool, not Codex),
generated into a temp folder and used as an application would: import the generated
package, `Telemetry(load_config(path))` and nothing else. What it exports names the build
tool's service and scope, honours its own toggle from the `[otel]` table, and carries no
Codex name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from codex_otel.generator import load_catalog_text, render, write_outputs

CATALOG = """\
catalog_version: 0.1.0
namespace: forge
service:
  name: forge-builder
  scope: forge.telemetry
description: Events of a build tool.

toggles:
  log_command_lines:
    default: false
    description: Export the command line of each build step.

attributes:
  - key: build.id
    type: string
    description: Identifier of the build.
  - key: step.name
    type: string
    description: Name of the step.
  - key: step.command_line
    type: string
    description: The step's command line; may hold secrets.
    redact:
      toggle: log_command_lines
      placeholder: "<hidden>"

common:
  attributes:
    - ref: build.id
      requirement: required

events:
  - name: forge.step_started
    description: A build step started.
    attributes:
      - ref: step.name
        requirement: required
      - ref: step.command_line
        requirement: required
"""

APPLICATION = """\
import sys

from forge_otel import events
from codex_otel.runtime import Telemetry, load_config

telemetry = Telemetry(load_config(sys.argv[1]), service_version="2.0.0")
conversation = telemetry.conversation(events.Metadata(build_id="b-7"))
events.step_started(conversation, step_name="compile", step_command_line="cc -O2 main.c")
assert telemetry.shutdown(5.0)
"""


def _generate(folder: Path, catalog: str) -> None:
    write_outputs(render(load_catalog_text(catalog, "forge.yaml")), folder / "forge_otel")


def _run(tmp_path: Path, table: str) -> list[dict[str, Any]]:
    exported = tmp_path / "events.jsonl"
    config = tmp_path / "forge.toml"
    config.write_text(
        textwrap.dedent(table) + f'exporter = {{ file = {{ path = "{exported}" }} }}\n',
        encoding="utf-8",
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environ["PYTHONPATH"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", APPLICATION, str(config)],
        check=False,
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    text = exported.read_text(encoding="utf-8")
    assert "codex" not in text.lower()  # no Codex name anywhere in what was exported
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _only_record(lines: list[dict[str, Any]]) -> tuple[dict[str, str], str, dict[str, str]]:
    """The resource's attributes, the scope's name and the record's string attributes."""
    (line,) = lines
    (resource_logs,) = line["resourceLogs"]
    (scope_logs,) = resource_logs["scopeLogs"]
    (record,) = scope_logs["logRecords"]

    def strings(attributes: list[dict[str, Any]]) -> dict[str, str]:
        return {a["key"]: a["value"]["stringValue"] for a in attributes}

    return (
        strings(resource_logs["resource"]["attributes"]),
        scope_logs["scope"]["name"],
        strings(record["attributes"]),
    )


def test_another_applications_catalog_exports_with_its_own_names(tmp_path: Path) -> None:
    _generate(tmp_path, CATALOG)
    resource, scope, attributes = _only_record(_run(tmp_path, "[otel]\nlog_command_lines = true\n"))
    assert resource["service.name"] == "forge-builder"
    assert resource["service.version"] == "2.0.0"
    assert scope == "forge.telemetry"
    assert attributes["step.command_line"] == "cc -O2 main.c"  # its toggle, from [otel]
    assert attributes["build.id"] == "b-7"


def test_its_toggle_keeps_its_default_and_the_namespace_names_the_rest(tmp_path: Path) -> None:
    _generate(
        tmp_path, CATALOG.replace("service:\n  name: forge-builder\n  scope: forge.telemetry\n", "")
    )
    resource, scope, attributes = _only_record(_run(tmp_path, "[otel]\n"))
    assert (resource["service.name"], scope) == ("forge", "forge")
    assert attributes["step.command_line"] == "<hidden>"


def test_a_truly_unknown_key_is_named(tmp_path: Path) -> None:
    _generate(tmp_path, CATALOG)
    config = tmp_path / "forge.toml"
    config.write_text("[otel]\nlog_command_line = true\n", encoding="utf-8")
    script = (
        "import sys\nfrom forge_otel import events\n"
        "from codex_otel.runtime import load_config\nload_config(sys.argv[1])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(config)],
        check=False,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "otel.log_command_line: unknown key; did you mean 'log_command_lines'?" in result.stderr
