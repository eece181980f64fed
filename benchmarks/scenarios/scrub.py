"""scrub_mb_per_s: how fast the secret scrubber (`codex_otel.runtime._secrets.scrub`) reads
agent tool output: the generated corpora of tests/privacy/corpus.py (the planted one, with
its credentials, and the clean one), megabytes of UTF-8 per second of wall-clock time,
median of the rounds. CPU-time rates are in the details (a shared machine's wall clock
counts the neighbours' work too), with which search found the anchors (google-re2 when
installed) and, then, the stdlib search's rate on the clean corpus."""

from __future__ import annotations

import functools
import time

import suite  # noqa: F401  (tests/ on the path, for `privacy`)
from harness import Context, Metric, Target, interleaved, median, rounded
from privacy import corpus

from codex_otel.runtime import _secrets
from codex_otel.runtime._secrets import scrub

NAME = "scrub_mb_per_s"
UNIT = "MB/s"
TARGET = Target(">=", 50)


def run(context: Context) -> Metric:
    size = context.pick(full=2_300_000, quick=200_000)
    planted, plants = corpus.planted(size=size)
    clean = corpus.clean(size=size)
    megabytes = {"planted": len(planted.encode()) / 1e6, "clean": len(clean.encode()) / 1e6}
    texts = {"planted": planted, "clean": clean}
    cpu: dict[str, list[float]] = {"planted": [], "clean": []}

    def side(name: str) -> float:
        wall, processor = time.perf_counter(), time.process_time()
        scrub(texts[name])
        cpu[name].append(megabytes[name] / (time.process_time() - processor or 1e-9))
        return megabytes[name] / (time.perf_counter() - wall)

    rounds = context.pick(full=7, quick=2)
    samples = interleaved({name: functools.partial(side, name) for name in texts}, rounds)
    rates = {name: median(values) for name, values in samples.items()}
    stdlib = _stdlib_cpu_rate(clean, megabytes["clean"]) if _secrets.ACCELERATED else None
    return Metric.of(
        NAME,
        median([rates["planted"], rates["clean"]]),
        UNIT,
        TARGET,
        details={
            "planted_mb_per_s": rounded(rates["planted"]),
            "clean_mb_per_s": rounded(rates["clean"]),
            "planted_cpu_mb_per_s": rounded(median(cpu["planted"])),
            "clean_cpu_mb_per_s": rounded(median(cpu["clean"])),
            "planted_mb": rounded(megabytes["planted"]),
            "clean_mb": rounded(megabytes["clean"]),
            "planted_credentials": len(plants),
            "search": "google-re2" if _secrets.ACCELERATED else "stdlib",
            "stdlib_clean_cpu_mb_per_s": None if stdlib is None else rounded(stdlib),
        },
    )


def _stdlib_cpu_rate(text: str, megabytes: float) -> float:
    """The clean corpus's CPU-time rate with the anchors found by `bytes.find` (what an
    install without google-re2 gets), one run."""
    saved = _secrets._CASED, _secrets._LOWER
    _secrets._CASED, _secrets._LOWER = _secrets.scanners(accelerated=False)
    try:
        start = time.process_time()
        scrub(text)
        return megabytes / (time.process_time() - start or 1e-9)
    finally:
        _secrets._CASED, _secrets._LOWER = saved
