"""`examples/codex-otel.toml`, as the README has users run it: the demo delivers with it
when the collector is up, and exits promptly when the collector is down."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from codex_otel.generated import events
from receivers import OtlpHttpReceiver, unused_port
from support.demo import session_event_count
from support.generation import REPO

EXAMPLE = REPO / "examples" / "codex-otel.toml"


def _example_at(tmp_path: Path, port: int) -> Path:
    """The example with its collector's port (4318) replaced, so the test owns the port."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "127.0.0.1:4318" in text
    config = tmp_path / "codex-otel.toml"
    config.write_text(text.replace("127.0.0.1:4318", f"127.0.0.1:{port}"), encoding="utf-8")
    return config


def _demo(config: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "codex_otel.cli", "demo", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=False,
    )
    return result, time.monotonic() - started


def test_with_the_collector_down_the_example_exits_within_the_default_timeout(
    tmp_path: Path,
) -> None:
    # Measured: 7.0 s with the example's former `shutdown_timeout = 5.0`, 1.7 s without
    # (interpreter start, imports and the scripted session included).
    baseline, baseline_took = _demo(tmp_path / "absent.toml")  # exit 2 at once: start-up cost
    assert baseline.returncode == 2
    result, took = _demo(_example_at(tmp_path, unused_port()))
    assert result.returncode == 1, result.stderr  # not reached: spooled, said on stderr
    assert "events and 8 spans spooled at" in result.stderr
    assert took - baseline_took < 3.0, (took, baseline_took)


def test_with_the_collector_up_the_example_delivers_everything(tmp_path: Path) -> None:
    with OtlpHttpReceiver() as receiver:
        port = int(receiver.endpoint.split(":")[2].split("/")[0])
        result, _ = _demo(_example_at(tmp_path, port))
        assert result.returncode == 0, result.stdout + result.stderr
        assert receiver.wait_for(session_event_count(), timeout=10)
        assert receiver.wait_for_spans(8, timeout=10)  # the demo's traced run
    assert "All events delivered" in result.stdout
    assert {r.event_name for r in receiver.received_records()} == set(events.EVENT_NAMES)
