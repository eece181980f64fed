"""Child process of the start and exit scenarios: a short CLI run with telemetry.

`python cli_run.py EXPORTER COUNT`, EXPORTER being `none` or an OTLP/HTTP logs URL.
Times, inside the interpreter, the import of the generated emitters through the first
emit returning (config, `Telemetry`, conversation, one event), prints that as one JSON
line, emits COUNT - 1 more events, prints "exiting" and ends: the interpreter's exit
(the telemetry exit hook included) is what the parent times from that line.
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    exporter, count = sys.argv[1], int(sys.argv[2])
    start = time.perf_counter_ns()
    from codex_otel.generated import events
    from codex_otel.runtime import Telemetry, load_config

    table = (
        'exporter = "none"'
        if exporter == "none"
        else f'exporter = {{ otlp-http = {{ endpoint = "{exporter}" }} }}'
    )
    telemetry = Telemetry(load_config(text=f"[otel]\n{table}\n", environ={}), service_version="b")
    conversation = telemetry.conversation(
        events.Metadata(
            conversation_id="0199a213-81c0-7800-8aa1-bbab2a035a53",
            app_version="0.42.0",
            terminal_type="vscode/1.95.0",
            model="gpt-5-codex",
            slug="gpt-5-codex",
        )
    )
    events.api_request(conversation, attempt=0, duration_ms=1)
    elapsed = time.perf_counter_ns() - start
    print(f'{{"startup_ns": {elapsed}}}', flush=True)
    for attempt in range(1, count):
        events.api_request(conversation, attempt=attempt, duration_ms=1)
    print("exiting", flush=True)


if __name__ == "__main__":
    main()
