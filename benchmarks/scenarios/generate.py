"""generate_ms_per_event: `codex-otel generate` on a synthetic catalog of 1,000 events.

The catalog is made like a real one grown large: the real toggles and common metadata
group, a pool of shared attributes of every type (strings with caps and redaction, ints,
doubles, booleans, arrays, enums), and events of 4 to 9 attributes each with every kind
of requirement. A round loads it (YAML, JSON Schema check, resolution), renders the
emitters, the docs and a schema per event, and writes them into an empty folder.
"""

from __future__ import annotations

import itertools
import random
import time
from typing import Any

import yaml
from harness import Context, Metric, Target, interleaved, median, rounded

from codex_otel.generator import load_catalog, render, write_outputs
from codex_otel.generator.catalog import bundled_catalog_path

NAME = "generate_ms_per_event"
UNIT = "ms"
TARGET = Target("<=", 1.0)

EVENTS = 1_000
#: Shared attributes per type; events pick from these.
POOL = {
    "string": 60,
    "int": 40,
    "double": 15,
    "boolean": 15,
    "string[]": 10,
    "int[]": 5,
    "enum": 15,
}
_EXAMPLES: dict[str, object] = {
    "string": "example",
    "int": 42,
    "double": 0.5,
    "boolean": True,
    "string[]": ["a", "b"],
    "int[]": [1, 2],
}


def synthetic_catalog(events: int = EVENTS, seed: int = 7) -> dict[str, Any]:
    """A valid catalog with `events` events, deterministic for a given seed."""
    real = yaml.safe_load(bundled_catalog_path().read_text(encoding="utf-8"))
    common_keys = {ref["ref"] for ref in real["common"]["attributes"]}
    attributes = [attribute for attribute in real["attributes"] if attribute["key"] in common_keys]
    pool: list[str] = []
    for kind, count in POOL.items():
        for index in range(count):
            key = f"bench.{kind.replace('[]', '_list')}_{index:03d}"
            attribute: dict[str, Any] = {
                "key": key,
                "description": f"Synthetic {kind} attribute number {index}.",
            }
            if kind == "enum":
                attribute["type"] = {
                    "members": [
                        {"value": f"choice_{member}", "description": f"Choice {member}."}
                        for member in range(4)
                    ]
                }
                attribute["examples"] = ["choice_0"]
            else:
                attribute["type"] = kind
                attribute["examples"] = [_EXAMPLES[kind]]
            if kind == "string" and index % 3 == 0:
                attribute["max_length"] = 4096
            if kind == "string" and index % 5 == 0:
                attribute["redact"] = {"toggle": "log_tool_details", "placeholder": "[REDACTED]"}
            attributes.append(attribute)
            pool.append(key)
    rng = random.Random(seed)
    requirements: list[Any] = ["required", "optional", {"conditional": "when it applies"}]
    catalog_events = []
    for index in range(events):
        refs = rng.sample(pool, rng.randint(4, 9))
        catalog_events.append(
            {
                "name": f"bench.area_{index % 20:02d}.event_{index:04d}",
                "description": f"Synthetic event number {index}.",
                "attributes": [
                    {"ref": ref, "requirement": requirements[position % 3]}
                    for position, ref in enumerate(refs)
                ],
            }
        )
    return {
        "catalog_version": "1.0.0",
        "namespace": "bench",
        "description": f"A synthetic catalog of {events} events for the benchmarks.",
        "toggles": real["toggles"],
        "attributes": attributes,
        "common": real["common"],
        "events": catalog_events,
    }


def run(context: Context) -> Metric:
    rounds = context.pick(full=5, quick=1)
    root = context.scratch / "generate"
    root.mkdir()
    path = root / "catalog.yaml"
    path.write_text(yaml.safe_dump(synthetic_catalog(), sort_keys=False), encoding="utf-8")
    counter = itertools.count()
    outputs = 0
    first: list[float] = []
    #: CPU seconds of each round: on a loaded machine, less noisy than the wall clock.
    cpu: list[float] = []

    def generate() -> float:
        nonlocal outputs
        target = root / f"out{next(counter)}"
        start, start_cpu = time.perf_counter(), time.process_time()
        written = write_outputs(render(load_catalog(path)), target)
        elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        outputs = len(written)
        if not first:
            first.append(elapsed)
        cpu.append(elapsed_cpu)
        return elapsed * 1000 / EVENTS

    samples = interleaved({"generate": generate}, rounds, warmup=context.pick(full=1, quick=0))
    problems = [] if outputs == EVENTS + 3 else [f"{outputs} files written, not {EVENTS + 3}"]
    return Metric.of(
        NAME,
        median(samples["generate"]),
        UNIT,
        TARGET,
        details={
            "round_s": rounded(median(samples["generate"]) * EVENTS / 1000),
            "cpu_ms_per_event": rounded(median(cpu[-rounds:]) * 1000 / EVENTS),
            "first_round_s": rounded(first[0]),
            "events": EVENTS,
            "files": outputs,
            "rounds": rounds,
        },
        problems=problems,
    )
