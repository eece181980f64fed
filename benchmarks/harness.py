"""What every scenario shares: the metric record, interleaved rounds, statistics, the machine.

A benchmark compares two sides measured in the same process run: rounds alternate the
order of the sides (A B, B A, A B, ...) so that drift (frequency scaling, a noisy
neighbour, the garbage collector) lands on both, and results are medians.
"""

from __future__ import annotations

import gc
import importlib.metadata
import math
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from receiver import ReceiverProcess

#: The repository (benchmarks/ is one of its folders).
REPO = Path(__file__).resolve().parent.parent

Detail = str | int | float | bool | list[str] | None


@dataclass(frozen=True)
class Target:
    """A bound a metric must stay within, e.g. `<= 1.05`."""

    op: Literal["<=", ">="]
    bound: float

    def met(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return value <= self.bound if self.op == "<=" else value >= self.bound

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g}"


@dataclass(frozen=True)
class Metric:
    """One line of the table and one entry of the JSON `metrics` object."""

    name: str
    value: float
    unit: str
    target: Target
    #: False when the target is missed or the measurement itself is invalid (see `problems`).
    ok: bool
    #: What the value is made of (the two sides' medians, counts), shown in the JSON.
    details: Mapping[str, Detail] = field(default_factory=dict)
    #: Why the measurement cannot be trusted (events lost, forbidden modules loaded, ...).
    problems: Sequence[str] = ()
    #: Why nothing was measured on purpose (what it measures is not in this checkout).
    skipped: str | None = None

    @classmethod
    def of(
        cls,
        name: str,
        value: float,
        unit: str,
        target: Target,
        *,
        details: Mapping[str, Detail] | None = None,
        problems: Sequence[str] = (),
    ) -> Metric:
        return cls(
            name=name,
            value=value,
            unit=unit,
            target=target,
            ok=target.met(value) and not problems,
            details=dict(details or {}),
            problems=tuple(problems),
        )

    @classmethod
    def failed(cls, name: str, unit: str, target: Target, problem: str) -> Metric:
        """A scenario that could not produce a value at all."""
        return cls(name, math.nan, unit, target, ok=False, problems=(problem,))

    @classmethod
    def skip(cls, name: str, unit: str, target: Target, reason: str) -> Metric:
        """A scenario whose subject is not in this checkout: no value, not a failure."""
        return cls(name, math.nan, unit, target, ok=False, skipped=reason)

    def to_json(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "value": None if math.isnan(self.value) else self.value,
            "unit": self.unit,
            "target": str(self.target),
            "ok": self.ok,
        }
        if self.details:
            entry["details"] = dict(self.details)
        if self.problems:
            entry["problems"] = list(self.problems)
        if self.skipped is not None:
            entry["skipped"] = self.skipped
        return entry


class Context:
    """What a scenario gets: how much to measure, and the receiver process shared by the
    scenarios that export (started on first use, stopped by `close`)."""

    def __init__(self, *, quick: bool) -> None:
        #: The smoke-run size; the default is the real run.
        self.quick = quick
        self._receiver: ReceiverProcess | None = None
        self._scratch = tempfile.TemporaryDirectory(prefix="codex-otel-bench-")
        #: A folder of this run, removed by `close`.
        self.scratch = Path(self._scratch.name)

    def pick(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    @property
    def receiver(self) -> ReceiverProcess:
        if self._receiver is None:
            self._receiver = ReceiverProcess(self.child_environment())
        return self._receiver

    def child_environment(self, **extra: str) -> dict[str, str]:
        """The environment for child interpreters.

        No OTEL_* or PYTHON* variables, so neither the runtime's config nor the SDK reads
        anything this run did not choose. Bytecode is cached under this run's scratch
        folder (PYTHONPYCACHEPREFIX), for every module alike: children after the first
        import from bytecode, and nothing is written next to any source.
        """
        environment = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("OTEL_", "PYTHON"))
        }
        environment["PYTHONPYCACHEPREFIX"] = str(self.scratch / "pycache")
        # Undelivered events are spooled here, never in the user's ~/.local/state.
        environment["XDG_STATE_HOME"] = str(self.scratch / "state")
        environment.update(extra)
        return environment

    def close(self) -> None:
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None
        self._scratch.cleanup()


# --- rounds and statistics ------------------------------------------------------------------


def interleaved(
    sides: Mapping[str, Callable[[], float]], rounds: int, *, warmup: int = 1
) -> dict[str, list[float]]:
    """Run every side once per round and return each side's samples, warm-up excluded.

    The order rotates each round, so no side always runs first (or right after the same
    neighbour). A full garbage collection before each sample starts every side from the
    same heap state.
    """
    names = list(sides)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for index in range(warmup + rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            value = sides[name]()
            if index >= warmup:
                samples[name].append(value)
    return samples


@dataclass(frozen=True)
class Loop:
    """A timed loop of one side of a ratio: `run(calls)` returns the nanoseconds `calls`
    iterations took; `after`, if set, runs untimed after each sample (e.g. a flush)."""

    run: Callable[[int], int]
    calls: int
    after: Callable[[], object] | None = None

    def microseconds_per_call(self) -> float:
        elapsed = self.run(self.calls)
        if self.after is not None:
            self.after()
        return elapsed / self.calls / 1000


@dataclass(frozen=True)
class PairedLoops:
    """The per-call samples (microseconds) of two loops run in the same interleaved rounds."""

    ours: str
    theirs: str
    samples: dict[str, list[float]]
    calls: int

    def metric(
        self,
        name: str,
        unit: str,
        target: Target,
        *,
        details: Mapping[str, Detail] | None = None,
        problems: Sequence[str] = (),
    ) -> Metric:
        """The paired ratio `ours / theirs`, with each side's median time per call and
        their difference in the details."""
        mine, other = self.samples[self.ours], self.samples[self.theirs]
        return Metric.of(
            name,
            paired_ratio(mine, other),
            unit,
            target,
            details={
                f"{self.ours}_us": rounded(median(mine)),
                f"{self.theirs}_us": rounded(median(other)),
                "difference_us": rounded(median(mine) - median(other)),
                "calls_per_round": self.calls,
                "rounds": len(mine),
                **(details or {}),
            },
            problems=problems,
        )


def paired_loops(ours: tuple[str, Loop], theirs: tuple[str, Loop], rounds: int) -> PairedLoops:
    """Time two loops per call in interleaved rounds (see `interleaved`)."""
    (ours_name, ours_loop), (theirs_name, theirs_loop) = ours, theirs
    samples = interleaved(
        {
            ours_name: ours_loop.microseconds_per_call,
            theirs_name: theirs_loop.microseconds_per_call,
        },
        rounds,
    )
    return PairedLoops(ours_name, theirs_name, samples, ours_loop.calls)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """Median of the per-round ratios: each round's pair ran back to back, so slow drift
    cancels within a pair instead of widening both distributions."""
    return median([a / b for a, b in zip(numerators, denominators, strict=True) if b > 0])


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` 0.99 is p99): a value that was really measured."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)) - 1, 0)
    return ordered[rank]


def rounded(value: float, digits: int = 3) -> float:
    return float(f"{value:.{digits}g}") if math.isfinite(value) else value


# --- the machine ------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    """Where the numbers come from; ratios are only comparable within one run."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 0
    return {
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "opentelemetry_sdk": _version("opentelemetry-sdk"),
        "codex_otel": _version("codex-otel"),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
