"""export_throughput_ratio: events per second delivered, every one of them, to an OTLP/HTTP
receiver in another process, against the SDK wired by hand with the same batch settings.

Each round builds a fresh pipeline per side, emits N events as fast as it can, shuts the
pipeline down (which exports everything queued) and stops the clock; the receiver must
then have counted exactly N records under that round's key, or the metric fails. The
queue holds all N events, so nothing may be dropped.
"""

from __future__ import annotations

import itertools
import time

from harness import Context, Metric, Target, interleaved, median, paired_ratio
from workload import (
    conversation,
    exporting_telemetry,
    generated_loop,
    hand_wired_pipeline,
    hand_written_loop,
)

from codex_otel.runtime import BatchConfig

NAME = "export_throughput_ratio"
UNIT = "x"
TARGET = Target(">=", 0.95)

SCHEDULE_DELAY_MS = 100
MAX_EXPORT_BATCH_SIZE = 512


def run(context: Context) -> Metric:
    events = context.pick(full=10_000, quick=3_000)
    rounds = context.pick(full=15, quick=3)
    batch = BatchConfig(
        schedule_delay_ms=SCHEDULE_DELAY_MS,
        max_queue_size=events,
        max_export_batch_size=MAX_EXPORT_BATCH_SIZE,
    )
    receiver = context.receiver
    keys = (f"throughput-{index}" for index in itertools.count())
    problems: list[str] = []

    def check(side: str, key: str, delivered: bool) -> None:
        counted = receiver.count(key)
        if not delivered or counted != events:
            problems.append(f"{side}: {counted} of {events} events delivered")

    def generated() -> float:
        key = next(keys)
        telemetry = exporting_telemetry(receiver.endpoint(key), batch, shutdown_timeout=120)
        loop = generated_loop(conversation(telemetry))
        start = time.perf_counter()
        loop(events)
        delivered = telemetry.shutdown()
        elapsed = time.perf_counter() - start
        check("generated", key, delivered and telemetry.stats.dropped_queue_full == 0)
        return events / elapsed

    def hand_wired() -> float:
        key = next(keys)
        provider, logger = hand_wired_pipeline(receiver.endpoint(key), batch)
        loop = hand_written_loop(logger)
        start = time.perf_counter()
        loop(events)
        provider.shutdown()
        elapsed = time.perf_counter() - start
        check("hand-wired SDK", key, True)
        return events / elapsed

    samples = interleaved({"generated": generated, "hand_wired": hand_wired}, rounds)
    return Metric.of(
        NAME,
        paired_ratio(samples["generated"], samples["hand_wired"]),
        UNIT,
        TARGET,
        details={
            "generated_events_per_s": round(median(samples["generated"])),
            "hand_wired_events_per_s": round(median(samples["hand_wired"])),
            "events_per_round": events,
            "rounds": rounds,
            "batch": f"delay {SCHEDULE_DELAY_MS} ms, batch {MAX_EXPORT_BATCH_SIZE}, queue {events}",
        },
        problems=problems[:3],
    )
