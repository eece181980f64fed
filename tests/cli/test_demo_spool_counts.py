"""`codex-otel demo` reports the spool's counts for each signal: what this run spooled,
what it delivered of earlier runs', and what still waits (events; metric points when
metrics are exported). Real runs of the CLI, a real receiver on loopback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from receivers import OtlpHttpReceiver, unused_port
from support.demo import session_event_count

pytestmark = [pytest.mark.wire, pytest.mark.slow, pytest.mark.timeout(180)]

SESSION_EVENTS = session_event_count()
COUNTS = re.compile(
    r"Spool, (?P<signal>events|metric points): (?P<spooled>\d+) spooled, "
    r"(?P<delivered>\d+) delivered, (?P<pending>\d+) still waiting\."
)


def demo(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codex_otel.cli", "demo", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def spool_counts(stdout: str) -> dict[str, tuple[int, int, int]]:
    return {
        match["signal"]: (int(match["spooled"]), int(match["delivered"]), int(match["pending"]))
        for match in COUNTS.finditer(stdout)
    }


def test_the_demo_counts_what_it_spooled_delivered_and_left_waiting(
    tmp_path: Path, spool_in_tmp: Path
) -> None:
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    config = tmp_path / "otel.toml"
    config.write_text(
        f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{base}/v1/logs" }} }}\n'
        f'metrics_exporter = {{ otlp-http = {{ endpoint = "{base}/v1/metrics" }} }}\n'
        "shutdown_timeout = 5.0\n"
    )
    offline = demo(config)  # the collector is down: every event spooled, waiting
    assert offline.returncode == 1, offline.stderr
    counts = spool_counts(offline.stdout)
    assert counts["events"] == (SESSION_EVENTS, 0, SESSION_EVENTS), offline.stdout
    assert set(counts) == {"events", "metric points"}

    with OtlpHttpReceiver(port=port):
        online = demo(config)  # delivers its own and the spooled events: none waits
    assert online.returncode == 0, online.stderr
    counts = spool_counts(online.stdout)
    assert counts["events"] == (0, SESSION_EVENTS, 0), online.stdout
    assert set(counts) == {"events", "metric points"}


def test_without_metrics_the_demo_counts_only_events(tmp_path: Path, spool_in_tmp: Path) -> None:
    config = tmp_path / "otel.toml"
    config.write_text(
        f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "http://127.0.0.1:{unused_port()}" }} }}\n'
    )
    result = demo(config)
    assert set(spool_counts(result.stdout)) == {"events"}, result.stdout
