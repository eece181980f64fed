"""live_check_secret_scan_ratio: what the `secret` finding's scan leaves of live-check's rate.

The live-check rate (records/s, as live_check_records_per_s measures it: `read_input` on
the demo's traffic through the session and the checker) with the scan, over the same
rate with the checker's `scan_secrets` replaced by one that finds nothing; same file, rounds
interleaved, medians. The traffic carries tool outputs, so the scan reads real text on
every tool result. 1.0 means the scan is free; the target keeps live-check within reach of
its own records/s target when it reads every exported string for credentials.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from harness import Context, Metric, Target, interleaved, median

from codex_otel.generator import load_catalog
from codex_otel.generator.catalog import bundled_catalog_path
from codex_otel.livecheck import LiveChecker
from codex_otel.livecheck.inputs import read_input
from codex_otel.livecheck.session import Session

from .live_check_traffic import RECORDS, write_traffic

NAME = "live_check_secret_scan_ratio"
UNIT = "x"
TARGET = Target(">=", 0.9)


def _nothing_found(_attributes: Mapping[str, object]) -> list[tuple[str, str]]:
    return []


def run(context: Context) -> Metric:
    path = context.scratch / "live-check-secret-scan.jsonl"
    records = write_traffic(path, context.pick(full=RECORDS // 2, quick=10_000))
    catalog = load_catalog(bundled_catalog_path())
    checked: list[int] = []

    def rate(scanning: bool) -> float:
        start = time.perf_counter()
        checker = LiveChecker(catalog)
        if not scanning:
            checker.scan_secrets = _nothing_found
        session = Session(checker, None)
        read_input(session, str(path))
        elapsed = time.perf_counter() - start
        checked.append(session.checker.records)
        return session.checker.records / elapsed

    rounds = context.pick(full=7, quick=2)
    samples = interleaved({"scan": lambda: rate(True), "no_scan": lambda: rate(False)}, rounds)
    on, off = median(samples["scan"]), median(samples["no_scan"])
    problems = [] if set(checked) == {records} else [f"{records} written, {checked} checked"]
    return Metric.of(
        NAME,
        on / off,
        UNIT,
        TARGET,
        details={
            "records": records,
            "with_scan_per_s": round(on),
            "without_scan_per_s": round(off),
            "rounds": rounds,
        },
        problems=problems,
    )
