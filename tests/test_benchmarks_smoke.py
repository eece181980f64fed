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
from typing import Any

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


SPAN_METRICS = ("span_overhead_ratio", "span_disabled_ratio")


def _quick_run(
    tmp_path: Path, names: tuple[str, ...], code: str = ""
) -> tuple[int, str, dict[str, Any]]:
    """Run `benchmarks/run.py --quick --only NAME...` in a child, after `code` (which may
    replace parts of the scenarios); the exit status, the table and the JSON."""
    output = tmp_path / "bench.json"
    arguments = ["--quick", "--json", str(output)] + [
        argument for name in names for argument in ("--only", name)
    ]
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(RUN.parent)!r})\n"
        f"{code}\n"
        "import run\n"
        f"sys.exit(run.main({arguments!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
    )
    document = json.loads(output.read_text()) if output.exists() else {}
    return result.returncode, result.stdout + result.stderr, document


def test_the_span_metrics_measure_the_span_api(tmp_path: Path) -> None:
    returncode, printed, document = _quick_run(tmp_path, SPAN_METRICS)
    assert returncode == 0, printed
    for name in SPAN_METRICS:
        metric = document["metrics"][name]
        assert "skipped" not in metric, metric  # this checkout has codex_otel.runtime.spans
        assert isinstance(metric["value"], float) and 0 < metric["value"] < 10, (name, metric)
        assert not metric.get("problems"), (name, metric["problems"])
        assert metric["details"]["calls_per_round"] > 0


def test_the_span_metrics_skip_without_the_span_api(tmp_path: Path) -> None:
    """Where `codex_otel.runtime.spans` does not exist they say so, and the run succeeds."""
    hide = "import scenarios.span_overhead as s; s.spans_missing = lambda: True"
    returncode, printed, document = _quick_run(tmp_path, SPAN_METRICS, hide)
    assert returncode == 0, printed
    for name in SPAN_METRICS:
        metric = document["metrics"][name]
        assert metric["value"] is None
        assert "codex_otel.runtime.spans does not exist" in metric["skipped"]
        assert f"{name}" in printed and "SKIPPED: codex_otel.runtime.spans" in printed
