"""tool_result_scrub_ratio: what secret scrubbing costs the caller. The generated
`tool_result` emitter is given 16 KB of tool output (the first 16 KB of the planted
corpus, tests/privacy/corpus.py: shell sessions, env dumps, JSON, with their credentials)
by two running `Telemetry`s exporting into a discarding exporter, one with
`[otel.privacy] scrub_secrets` on (the default) and one with it off. The ratio is the
caller's time per call, on over off: scrubbing runs on the export thread, so it should be
about 1. The export thread's own time per event (a timed flush after each round) is in
the details, on and off: that is where the scrubber's cost went."""

from __future__ import annotations

import time

import suite  # noqa: F401  (tests/ on the path, for `privacy`)
from harness import Context, Loop, Metric, Target, interleaved, paired_ratio, rounded
from privacy import corpus
from workload import conversation as make_conversation
from workload import discarding_telemetry

from codex_otel.generated import events
from codex_otel.runtime import BatchConfig, PrivacyConfig, Telemetry
from codex_otel.runtime._secrets import scrub

NAME = "tool_result_scrub_ratio"
UNIT = "x"
TARGET = Target("<=", 1.5)

OUTPUT_BYTES = 16 * 1024


def run(context: Context) -> Metric:
    output = (
        corpus.planted(size=OUTPUT_BYTES * 2)[0].encode()[:OUTPUT_BYTES].decode(errors="ignore")
    )
    calls = context.pick(full=400, quick=40)
    batch = BatchConfig(max_queue_size=8 * calls, max_export_batch_size=512)
    flush_us: dict[bool, list[float]] = {True: [], False: []}

    def loop(telemetry: Telemetry, scrubbing: bool) -> Loop:
        conversation = make_conversation(telemetry)

        def run_calls(count: int) -> int:
            start = time.perf_counter_ns()
            for _ in range(count):
                events.tool_result(
                    conversation,
                    tool_name="shell",
                    duration_ms=412,
                    success="true",
                    output=output,
                    call_id="call_Xf3kq9",
                    arguments='{"command": ["env"]}',
                )
            return time.perf_counter_ns() - start

        def flush() -> None:
            # Untimed for the ratio; timed here: the export thread's work on the round.
            start = time.perf_counter_ns()
            telemetry.force_flush(timeout=30)
            flush_us[scrubbing].append((time.perf_counter_ns() - start) / calls / 1000)

        return Loop(run_calls, calls, after=flush)

    scrubbing, plain = (
        discarding_telemetry(batch, PrivacyConfig(scrub_secrets=on))[0] for on in (True, False)
    )
    try:
        on, off = loop(scrubbing, True), loop(plain, False)
        rounds = context.pick(full=15, quick=3)
        samples = interleaved(
            {"on": on.microseconds_per_call, "off": off.microseconds_per_call}, rounds
        )
    finally:
        scrubbing.shutdown(timeout=5)
        plain.shutdown(timeout=5)

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    return Metric.of(
        NAME,
        paired_ratio(samples["on"], samples["off"]),
        UNIT,
        TARGET,
        details={
            "caller_on_us": rounded(median(samples["on"])),
            "caller_off_us": rounded(median(samples["off"])),
            "export_thread_on_us": rounded(median(flush_us[True])),
            "export_thread_off_us": rounded(median(flush_us[False])),
            "output_bytes": len(output.encode()),
            "kinds_scrubbed": len(scrub(output).kinds),
        },
    )
