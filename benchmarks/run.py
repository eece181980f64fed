"""Benchmarks of codex-otel: what telemetry costs a CLI, side by side with the alternatives.

    python benchmarks/run.py [--quick] [--json FILE] [--only NAME ...]

Every metric compares two sides measured in this one run (interleaved rounds, medians),
so the ratios hold on a noisy machine where absolute times do not. The table goes to
standard output; `--json` also writes
`{"machine": {...}, "metrics": {name: {"value", "unit", "target", "ok", ...}}}`.
A missed target is reported, not an error: the exit status is 1 only when a scenario
could not measure at all (one skipped because its subject is not in this checkout says so
and is no error), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness import Context, Metric, machine
from scenarios import SCENARIOS


class _LogTally(logging.Handler):
    """Counts the warnings the runtime and the SDK log during the run (a dead collector
    makes plenty by design) instead of interleaving them with the table."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.name] += 1


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes for a smoke run (well under a minute)"
    )
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the results here")
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        choices=list(SCENARIOS),
        help="measure only this metric (repeatable); default: all",
    )
    return parser.parse_args(argv)


def _measure(name: str, context: Context) -> Metric:
    scenario = SCENARIOS[name]
    try:
        return scenario.run(context)
    except Exception as error:
        traceback.print_exc()
        return Metric.failed(
            name, scenario.unit, scenario.target, f"{type(error).__name__}: {error}"
        )


def _value(metric: Metric) -> str:
    if metric.skipped is not None:
        return "skipped"
    if math.isnan(metric.value):
        return "n/a"
    return f"{metric.value:.4g} {metric.unit}"


def _summary(details: Mapping[str, object]) -> str:
    return ", ".join(f"{key}={value}" for key, value in details.items())


def table(metrics: Sequence[Metric], info: Mapping[str, object], header: str) -> str:
    rows = [("metric", "value", "target", "ok", "details")]
    for metric in metrics:
        notes = _summary(metric.details)
        if metric.problems:
            notes = "PROBLEM: " + "; ".join(metric.problems) + (f" | {notes}" if notes else "")
        verdict = "ok" if metric.ok else "MISS"
        if metric.skipped is not None:
            notes, verdict = f"SKIPPED: {metric.skipped}", "skip"
        rows.append((metric.name, _value(metric), str(metric.target), verdict, notes))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        header,
        f"machine: {info['platform']}, {info['python']}, {info['cpu_count']} CPUs "
        f"({info['cpus_usable']} usable, {info['cpu']}), opentelemetry-sdk "
        f"{info['opentelemetry_sdk']}",
        "",
    ]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[4]]).rstrip())
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    # The runtime and the SDK read OTEL_* variables; this run decides every setting itself.
    for variable in [name for name in os.environ if name.startswith("OTEL_")]:
        del os.environ[variable]
    tally = _LogTally()
    logging.getLogger().addHandler(tally)

    names = args.only or list(SCENARIOS)
    context = Context(quick=args.quick)
    # The in-process scenarios' undelivered events are spooled in the run's scratch folder.
    os.environ["XDG_STATE_HOME"] = str(context.scratch / "state")
    started = time.perf_counter()
    metrics: list[Metric] = []
    try:
        for name in names:
            print(f"measuring {name} ...", file=sys.stderr, flush=True)
            began = time.perf_counter()
            metrics.append(_measure(name, context))
            print(f"  {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    finally:
        context.close()
    elapsed = time.perf_counter() - started

    info = {**machine(), "run": "quick" if args.quick else "full", "seconds": round(elapsed, 1)}
    print(table(metrics, info, f"codex-otel benchmarks ({info['run']} run, {elapsed:.0f} s)"))
    if tally.counts:
        print(f"log warnings during the run (expected with a dead collector): {dict(tally.counts)}")
    if args.json is not None:
        document = {
            "machine": info,
            "metrics": {metric.name: metric.to_json() for metric in metrics},
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    failed = [m for m in metrics if math.isnan(m.value) and m.skipped is None]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
