"""diff_ratio: `codex-otel diff` on two 1,000-event catalogs vs validating both.

The catalogs are the synthetic one of `generate_ms_per_event` and an edit of it in about
10% of its attribute uses (a requirement changed, a use dropped, a description refined,
spread over every event). `diff` must validate both as `validate` does, so its cost is
that plus the comparison and the text report: the ratio says what the comparison adds.
Both sides are single-threaded CPU work, so they are timed in CPU seconds of the process,
which a loaded machine disturbs far less than the wall clock (both are in the details).
"""

from __future__ import annotations

import copy
import io
import random
import time
from pathlib import Path
from typing import Any

import yaml
from harness import Context, Metric, Target, interleaved, median, paired_ratio, rounded

from codex_otel.cli.diff_output import as_text
from codex_otel.generator import load_catalog
from codex_otel.generator.diff import diff_catalogs
from codex_otel.generator.semver import gate

from .generate import synthetic_catalog

NAME = "diff_ratio"
UNIT = "x"
TARGET = Target("<=", 1.2)

#: The share of attribute uses the second catalog changes.
EDITED_SHARE = 0.10


def edited_catalog(doc: dict[str, Any], seed: int = 11) -> tuple[dict[str, Any], int]:
    """A copy of `doc` with about EDITED_SHARE of its attribute uses changed, and how many."""
    rng = random.Random(seed)
    edited = copy.deepcopy(doc)
    edited["catalog_version"] = "2.0.0"
    count = 0
    for event in edited["events"]:
        kept = []
        for use in event["attributes"]:
            if rng.random() >= EDITED_SHARE:
                kept.append(use)
                continue
            count += 1
            edit = rng.randrange(3)
            if edit == 0:
                use["requirement"] = "optional" if use["requirement"] == "required" else "required"
            elif edit == 1:
                continue  # dropped
            else:
                use["description"] = "Refined for this event."
            kept.append(use)
        event["attributes"] = kept
    return edited, count


def run(context: Context) -> Metric:
    rounds = context.pick(full=7, quick=1)
    events = context.pick(full=1_000, quick=100)
    root = context.scratch / "diff"
    root.mkdir()
    old_doc = synthetic_catalog(events)
    new_doc, edited = edited_catalog(old_doc)
    old_path, new_path = root / "old.yaml", root / "new.yaml"
    old_path.write_text(yaml.safe_dump(old_doc, sort_keys=False), encoding="utf-8")
    new_path.write_text(yaml.safe_dump(new_doc, sort_keys=False), encoding="utf-8")
    found: list[int] = []
    wall: dict[str, list[float]] = {"diff": [], "validate": []}

    def validate_both() -> float:
        start, start_cpu = time.perf_counter(), time.process_time()
        for path in (old_path, new_path):
            load_catalog(path)
        wall["validate"].append(time.perf_counter() - start)
        return time.process_time() - start_cpu

    def diff_both(paths: tuple[Path, Path] = (old_path, new_path)) -> float:
        start, start_cpu = time.perf_counter(), time.process_time()
        old, new = (load_catalog(path) for path in paths)
        changes = diff_catalogs(old, new)
        io.StringIO().write(as_text(gate(old.version, new.version, changes)))
        elapsed_cpu = time.process_time() - start_cpu
        wall["diff"].append(time.perf_counter() - start)
        found[:] = [len(changes)]
        return elapsed_cpu

    samples = interleaved(
        {"diff": diff_both, "validate": validate_both},
        rounds,
        warmup=context.pick(full=1, quick=0),
    )
    problems = [] if found and found[0] >= edited else [f"{found} changes for {edited} edits"]
    return Metric.of(
        NAME,
        paired_ratio(samples["diff"], samples["validate"]),
        UNIT,
        TARGET,
        details={
            "diff_cpu_s": rounded(median(samples["diff"])),
            "validate_both_cpu_s": rounded(median(samples["validate"])),
            "wall_ratio": rounded(paired_ratio(wall["diff"], wall["validate"])),
            "events": events,
            "edited_uses": edited,
            "changes": found[0] if found else 0,
            "rounds": rounds,
        },
        problems=problems,
    )
