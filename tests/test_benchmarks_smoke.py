"""The benchmark runs and writes its JSON: a smoke run of three cheap metrics.

Speed targets are not asserted here (a loaded CI machine would make that flaky); only
that `benchmarks/run.py` works end to end and reports every metric it was asked for in
the documented shape.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from support.generation import REPO

pytestmark = pytest.mark.slow

METRICS = (
    "import_ratio",
    "generate_ms_per_event",
    "diff_ratio",
    "live_check_records_per_s",
    "live_check_ratio",
)
RUN = REPO / "benchmarks" / "run.py"


def test_a_quick_run_writes_the_metrics_as_json(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    only = [argument for name in METRICS for argument in ("--only", name)]
    result = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(output), *only],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(output.read_text())

    assert {"platform", "python", "cpu_count"} <= set(document["machine"])
    assert list(document["metrics"]) == list(METRICS)
    for name, metric in document["metrics"].items():
        assert {"value", "unit", "target", "ok"} <= set(metric), name
        assert isinstance(metric["value"], float) and math.isfinite(metric["value"]), name
        assert metric["value"] > 0, name
        assert isinstance(metric["unit"], str) and isinstance(metric["ok"], bool), name
        assert metric["target"].startswith(("<= ", ">= ")), name
        assert not metric.get("problems"), (name, metric["problems"])
    # The table names every metric too.
    for name in METRICS:
        assert name in result.stdout


def test_an_unknown_metric_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, str(RUN), "--only", "no_such_metric"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no_such_metric" in result.stderr
