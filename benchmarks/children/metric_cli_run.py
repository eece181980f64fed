"""Child process of `metric_exit_offline_extra_ms`: a short CLI run that records metrics.

`python metric_cli_run.py EXPORTER COUNT`, EXPORTER being `none` or an OTLP/HTTP metrics
URL. Records COUNT `codex.api_request` points and as many durations (the generated
recorders), prints "exiting" and ends: the interpreter's exit (the telemetry exit hook,
the last collection's export and, with the collector down, its spooling) is what the
parent times from that line.
"""

from __future__ import annotations

import sys


def main() -> None:
    exporter, count = sys.argv[1], int(sys.argv[2])
    from codex_otel.generated import events
    from codex_otel.runtime import Telemetry, load_config

    table = (
        'metrics_exporter = "none"'
        if exporter == "none"
        else f'metrics_exporter = {{ otlp-http = {{ endpoint = "{exporter}" }} }}'
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
    for attempt in range(count):
        if attempt % 5:
            events.record_api_request(conversation, status="200", success="true")
            events.record_api_request_duration_ms(
                conversation, 100 + attempt, status="200", success="true"
            )
        else:
            events.record_api_request(conversation, status="500", success="false")
            events.record_api_request_duration_ms(
                conversation, 100 + attempt, status="500", success="false"
            )
    print("exiting", flush=True)


if __name__ == "__main__":
    main()
