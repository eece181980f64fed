"""Child process of the span spool tests: a host application killed inside a tool call.

    python open_span_emitter.py ENDPOINT

A Telemetry tracing to ENDPOINT (an OTLP/HTTP base URL; a collector that is down) opens
the bundled catalog's turn span and a tool call span inside it, prints `open` and sleeps
inside both until a signal ends it. The spool folder comes from XDG_STATE_HOME.
"""

from __future__ import annotations

import sys
import time

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config


def main() -> None:
    config = load_config(
        text=f'[otel]\ntrace_exporter = {{ otlp-http = {{ endpoint = "{sys.argv[1]}" }} }}\n',
        environ={},
    )
    telemetry = Telemetry(config, service_version="1")
    conversation = telemetry.conversation(
        events.Metadata(
            conversation_id="conv-open",
            app_version="1",
            terminal_type="test",
            model="gpt-5-codex",
            slug="gpt-5-codex",
        )
    )
    with (
        events.turn_span(conversation, agent_name="codex"),
        events.tool_call_span(conversation, tool_name="shell", tool_call_id="call_1"),
    ):
        print("open", flush=True)
        while True:
            time.sleep(0.1)


if __name__ == "__main__":
    main()
