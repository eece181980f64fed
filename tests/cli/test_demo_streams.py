"""Where `codex-otel demo` puts what: its readable text never mixes with telemetry
written to standard output, and the standard `OTEL_*` variables turn its export on, as
the README says of the runtime (real child processes, a real pipe, a real receiver)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from codex_otel.generated import events
from receivers import OtlpHttpReceiver
from support.demo import session_event_count

CLI = [sys.executable, "-m", "codex_otel.cli"]


def _environment(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environment.update(extra)
    return environment


def test_demo_piped_into_live_check_gives_it_otlp_json_alone(tmp_path: Path) -> None:
    config = tmp_path / "stdout.toml"
    config.write_text('[otel]\nexporter = { file = { path = "-" } }\n', encoding="utf-8")
    environment = _environment()
    demo = subprocess.Popen(
        [*CLI, "demo", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    assert demo.stdout is not None and demo.stderr is not None
    check = subprocess.run(
        [*CLI, "live-check", "--input", "-", "--format", "json"],
        stdin=demo.stdout,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    demo.stdout.close()
    demo_err = demo.stderr.read().decode()
    assert demo.wait(timeout=60) == 0, demo_err
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads(check.stdout)
    assert report["records"] == session_event_count()
    assert [f for f in report["findings"] if f["kind"] == "invalid_request"] == []
    # The demo's own text went to standard error, all of it.
    assert "codex-otel demo: a scripted agent session (exporter file: -)." in demo_err
    assert f"{session_event_count()} events emitted" in demo_err
    for name in events.EVENT_NAMES:
        assert f"  {name}\n" in demo_err


def test_without_telemetry_on_stdout_the_text_stays_on_stdout(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    config = tmp_path / "file.toml"
    config.write_text(f'[otel]\nexporter = {{ file = {{ path = "{path}" }} }}\n', encoding="utf-8")
    result = subprocess.run(
        [*CLI, "demo", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=_environment(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"{session_event_count()} events emitted" in result.stdout
    assert result.stderr == ""


def test_the_otlp_endpoint_variable_alone_turns_the_demos_export_on(tmp_path: Path) -> None:
    # The table says nothing of exporters; it only gives the exit the time a loaded
    # machine may need for the first export (the default 0.25 s would spool, exit 1).
    config = tmp_path / "patient.toml"
    config.write_text("[otel]\nshutdown_timeout = 10\n", encoding="utf-8")
    with OtlpHttpReceiver() as receiver:
        base = receiver.endpoint.removesuffix("/v1/logs")
        result = subprocess.run(
            [*CLI, "demo", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            env=_environment(OTEL_EXPORTER_OTLP_ENDPOINT=base),
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert receiver.wait_for(session_event_count(), timeout=10)
        assert receiver.wait_for_points(
            lambda points: {p.name for p in points} >= set(events.METRIC_NAMES), timeout=10
        )
        names = {record.event_name for record in receiver.received_records()}
    assert names == set(events.EVENT_NAMES)
    assert "All events delivered" in result.stdout


def test_otel_sdk_disabled_keeps_the_demo_in_process() -> None:
    with OtlpHttpReceiver() as receiver:
        base = receiver.endpoint.removesuffix("/v1/logs")
        result = subprocess.run(
            [*CLI, "demo"],
            capture_output=True,
            text=True,
            timeout=60,
            env=_environment(OTEL_EXPORTER_OTLP_ENDPOINT=base, OTEL_SDK_DISABLED="true"),
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert not receiver.wait_for(1, timeout=1)
    assert "OTEL_SDK_DISABLED is set: nothing is exported" in result.stdout
