"""tool_result_scrub_ratio: the generated `tool_result` emitter given 16 KB of tool output
scrubbed first (`_secrets.scrub`, as the exporter will when scrubbing is on) against the
same output as it is, same conversation, pipeline exporting into a discarding exporter.
The output is the first 16 KB of the planted corpus (tests/privacy/corpus.py): shell
sessions, env dumps, JSON, with their credentials. The ratio is the caller's cost of
scrubbing on its own thread; a ratio far above the target says scrubbing belongs on the
export thread."""

from __future__ import annotations

import suite  # noqa: F401  (tests/ on the path, for `privacy`)
from harness import Context, Loop, Metric, Target, interleaved, paired_ratio, rounded
from privacy import corpus
from workload import conversation as make_conversation
from workload import discarding_telemetry

from codex_otel.generated import events
from codex_otel.runtime import BatchConfig
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
    telemetry, _, _ = discarding_telemetry(batch)
    conversation = make_conversation(telemetry)

    def emit(text: str) -> None:
        events.tool_result(
            conversation,
            tool_name="shell",
            duration_ms=412,
            success="true",
            output=text,
            call_id="call_Xf3kq9",
            arguments='{"command": ["env"]}',
        )

    def loop(scrubbing: bool) -> Loop:
        def run_calls(count: int) -> int:
            import time

            start = time.perf_counter_ns()
            for _ in range(count):
                emit(scrub(output).text if scrubbing else output)
            return time.perf_counter_ns() - start

        return Loop(run_calls, calls, after=lambda: telemetry.force_flush(timeout=5))

    try:
        on, off = loop(True), loop(False)
        rounds = context.pick(full=15, quick=3)
        samples = interleaved(
            {"on": on.microseconds_per_call, "off": off.microseconds_per_call}, rounds
        )
    finally:
        telemetry.shutdown(timeout=5)
    on_us, off_us = sorted(samples["on"]), sorted(samples["off"])
    return Metric.of(
        NAME,
        paired_ratio(samples["on"], samples["off"]),
        UNIT,
        TARGET,
        details={
            "scrub_on_us": rounded(on_us[len(on_us) // 2]),
            "scrub_off_us": rounded(off_us[len(off_us) // 2]),
            "output_bytes": len(output.encode()),
            "kinds_scrubbed": len(scrub(output).kinds),
        },
    )
