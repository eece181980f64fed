"""write_ahead_throughput_ratio: events per second delivered to a healthy OTLP/HTTP
receiver with the write-ahead spool on (each batch written to disk before its export,
deleted once delivered) against off, same batch settings.

Each round builds a fresh `Telemetry` per side (its spool in this run's scratch folder),
emits N events as fast as it can, shuts down (everything queued exported) and stops the
clock; the receiver must have counted exactly N records under the round's key, and the
write-ahead side must leave no file behind (every delivered batch's file removed).
"""

from __future__ import annotations

import itertools
import time

from harness import Context, Metric, Target, interleaved, median, paired_ratio
from workload import SERVICE_VERSION, conversation, generated_loop

from codex_otel.runtime import BatchConfig, OtelConfig, OtlpHttpExporter, SpoolConfig, Telemetry

NAME = "write_ahead_throughput_ratio"
UNIT = "x"
TARGET = Target(">=", 0.9)

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
    spool_root = context.scratch / "write-ahead-spool"
    keys = (f"write-ahead-{index}" for index in itertools.count())
    problems: list[str] = []

    def side(write_ahead: bool) -> float:
        key = next(keys)
        config = OtelConfig(
            exporter=OtlpHttpExporter(endpoint=receiver.endpoint(key)),
            batch=batch,
            shutdown_timeout=120,
            spool=SpoolConfig(path=spool_root, write_ahead=write_ahead),
        )
        telemetry = Telemetry(config, service_version=SERVICE_VERSION)
        if not telemetry.wait_until_started(30):
            raise RuntimeError("the runtime did not start its exporter pipeline")
        loop = generated_loop(conversation(telemetry))
        start = time.perf_counter()
        loop(events)
        delivered = telemetry.shutdown()
        elapsed = time.perf_counter() - start
        counted = receiver.count(key)
        name = "on" if write_ahead else "off"
        if not delivered or counted != events:
            problems.append(f"write ahead {name}: {counted} of {events} events delivered")
        left = [path.name for path in spool_root.glob("*/*")]
        if left:
            problems.append(f"write ahead {name}: files left in the spool: {left[:3]}")
        return events / elapsed

    samples = interleaved({"on": lambda: side(True), "off": lambda: side(False)}, rounds)
    return Metric.of(
        NAME,
        paired_ratio(samples["on"], samples["off"]),
        UNIT,
        TARGET,
        details={
            "on_events_per_s": round(median(samples["on"])),
            "off_events_per_s": round(median(samples["off"])),
            "events_per_round": events,
            "rounds": rounds,
            "batch": f"delay {SCHEDULE_DELAY_MS} ms, batch {MAX_EXPORT_BATCH_SIZE}, queue {events}",
        },
        problems=problems[:3],
    )
