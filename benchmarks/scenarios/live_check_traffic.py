"""The traffic both live-check metrics measure, and the one measurement they share.

The file is what codex-otel's own file exporter writes (OTLP/JSON, one export request per
line, batches of the default 512 records) while the demo's scripted session runs over and
over with its pauses removed: every event of the catalog in each of its forms, tool
results with their content exported (so the redaction check finds something on every
tool result, as it would in a fleet with `log_tool_details` on).

One side runs what `codex-otel live-check --input FILE` runs: the command's own
`read_input` opens the file, reads it line by line and checks every line through the
session (its lock, `--max-records` bookkeeping, `json.loads` and the checker). The other
reads the same file the same way and only parses each line with `json.loads`. Rounds
alternate; the rates are medians.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import suite  # noqa: F401  (tests/ on the path, for `support`)
from harness import Context, Detail, interleaved, median

from codex_otel.cli import demo
from codex_otel.generator import load_catalog
from codex_otel.generator.catalog import bundled_catalog_path
from codex_otel.instrument import EventManager
from codex_otel.livecheck import LiveChecker
from codex_otel.livecheck.inputs import read_input
from codex_otel.livecheck.session import Session
from codex_otel.runtime import Telemetry, load_config
from support.metadata import CODEX_METADATA

RECORDS = 100_000


def write_traffic(path: Path, records: int) -> int:
    """Run demo sessions into a file exporter until `records` records; returns the count."""
    toml = f'[otel]\nexporter = {{ file = {{ path = "{path}" }} }}\n'
    telemetry = Telemetry(load_config(text=toml), service_version="bench")
    conversation = telemetry.conversation(CODEX_METADATA)
    emitted = [0]
    telemetry.subscribe(lambda _event: emitted.__setitem__(0, emitted[0] + 1))
    pause, demo.STEP_SECONDS = demo.STEP_SECONDS, 0.0
    sessions = 0
    try:
        while emitted[0] < records:
            demo.run_session(EventManager(conversation))
            if sessions % 60 == 59:  # the queue is bounded (2,048): flush before it fills
                telemetry.force_flush()
            sessions += 1
    finally:
        demo.STEP_SECONDS = pause
        telemetry.shutdown()
    return emitted[0]


@dataclass(frozen=True)
class Measurement:
    records: int
    lines: int
    check_per_s: float
    parse_per_s: float
    findings: int
    errors: int
    rounds: int


_cache: dict[int, Measurement] = {}


def measure(context: Context) -> Measurement:
    """Both sides, measured once per run (both metrics read the same measurement)."""
    if id(context) in _cache:
        return _cache[id(context)]
    path = context.scratch / "live-check-traffic.jsonl"
    records = write_traffic(path, context.pick(full=RECORDS, quick=10_000))
    lines = sum(1 for line in path.read_bytes().splitlines() if line.strip())
    catalog = load_catalog(bundled_catalog_path())
    last: list[LiveChecker] = []

    def check() -> float:
        start = time.perf_counter()
        session = Session(LiveChecker(catalog), None)  # compiling the catalog is part of it
        read_input(session, str(path))
        elapsed = time.perf_counter() - start
        last[:] = [session.checker]
        return session.checker.records / elapsed

    def parse() -> float:
        import json

        start = time.perf_counter()
        count = 0
        with open(path, "rb") as handle:
            for line in handle:
                if not line.strip():
                    continue
                document = json.loads(line)
                count += sum(
                    len(scope["logRecords"])
                    for resource in document["resourceLogs"]
                    for scope in resource["scopeLogs"]
                )
        return count / (time.perf_counter() - start)

    rounds = context.pick(full=7, quick=2)
    samples = interleaved({"check": check, "parse": parse}, rounds)
    checker = last[0]
    findings = checker.findings.sorted()
    result = Measurement(
        records=checker.records,
        lines=lines,
        check_per_s=median(samples["check"]),
        parse_per_s=median(samples["parse"]),
        findings=len(findings),
        errors=sum(1 for f in findings if f.severity == "error"),
        rounds=rounds,
    )
    if result.records != records:
        raise RuntimeError(f"{records} records written, {result.records} checked")
    _cache[id(context)] = result
    return result


def details(result: Measurement) -> dict[str, Detail]:
    return {
        "records": result.records,
        "lines": result.lines,
        "check_per_s": round(result.check_per_s),
        "json_loads_per_s": round(result.parse_per_s),
        "error_findings": result.errors,
        "rounds": result.rounds,
    }
