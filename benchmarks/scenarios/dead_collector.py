"""dead_collector_latency_ratio: p99 of one emit while the collector is down, against the
same with a healthy collector.

Both sides run the runtime's default batch settings (a bounded queue of 2048 that drops
when full) and emit at a steady pace, in short bursts, as a CLI does. Every emit from
the pipeline's start is timed, so the dead side covers the queue filling up, the
exporter's connection attempts and retries, and the queue full and dropping. The
collector is down in the plainest way: its port refuses connections. Each round builds
fresh pipelines, and waits for the previous one's threads to end first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import suite  # noqa: F401  (tests/ on the path, for `receivers`)
from harness import Context, Metric, Target, interleaved, median, paired_ratio, percentile, rounded
from workload import conversation, emit_generated, exporting_telemetry

from codex_otel.runtime import BatchConfig, Telemetry
from receivers import RefusingPort

NAME = "dead_collector_latency_ratio"
UNIT = "x"
TARGET = Target("<=", 1.5)

BURST = 32
PAUSE_S = 0.005


def paced_latencies(emit: Callable[[], None], total: int) -> list[float]:
    """Emit `total` events in bursts of `BURST` with `PAUSE_S` between; each emit's us."""
    latencies: list[float] = []
    clock = time.perf_counter_ns
    while len(latencies) < total:
        for _ in range(min(BURST, total - len(latencies))):
            start = clock()
            emit()
            latencies.append((clock() - start) / 1000)
        time.sleep(PAUSE_S)
    return latencies


def _wait_for_threads(count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while threading.active_count() > count and time.monotonic() < deadline:
        time.sleep(0.01)


def run(context: Context) -> Metric:
    events = context.pick(full=6_000, quick=3_000)
    rounds = context.pick(full=7, quick=2)
    batch = BatchConfig()  # the defaults: queue 2048, batch 512, delay 1000 ms
    healthy_endpoint = context.receiver.endpoint("latency")
    refusing = RefusingPort()
    threads = threading.active_count()
    p50: dict[str, list[float]] = {"dead": [], "healthy": []}
    worst: dict[str, float] = {"dead": 0.0, "healthy": 0.0}
    dropped: dict[str, int] = {"dead": 0, "healthy": 0}

    def side(name: str, endpoint: str) -> float:
        _wait_for_threads(threads)
        telemetry: Telemetry = exporting_telemetry(endpoint, batch)
        conv = conversation(telemetry)
        try:
            latencies = paced_latencies(lambda: emit_generated(conv), events)
        finally:
            telemetry.shutdown(timeout=0.5 if name == "dead" else 30)
        dropped[name] += telemetry.stats.dropped_queue_full
        p50[name].append(percentile(latencies, 0.5))
        worst[name] = max(worst[name], *latencies)
        return percentile(latencies, 0.99)

    try:
        samples = interleaved(
            {
                "dead": lambda: side("dead", refusing.endpoint),
                "healthy": lambda: side("healthy", healthy_endpoint),
            },
            rounds,
        )
    finally:
        refusing.close()
    problems = []
    if dropped["healthy"]:
        problems.append(f"the healthy side dropped {dropped['healthy']} events: not healthy")
    if not dropped["dead"]:
        problems.append("the dead side never filled its queue: the run was too short")
    return Metric.of(
        NAME,
        paired_ratio(samples["dead"], samples["healthy"]),
        UNIT,
        TARGET,
        details={
            "dead_p99_us": rounded(median(samples["dead"])),
            "healthy_p99_us": rounded(median(samples["healthy"])),
            "dead_p50_us": rounded(median(p50["dead"])),
            "healthy_p50_us": rounded(median(p50["healthy"])),
            "dead_max_us": rounded(worst["dead"]),
            "healthy_max_us": rounded(worst["healthy"]),
            "dead_dropped_all_rounds": dropped["dead"],
            "events_per_round": events,
            "rounds": rounds,
        },
        problems=problems,
    )
