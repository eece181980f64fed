"""Child process of the no_otel scenario: what an emit costs without the `otel` extra.

Run as `python -S no_otel_emit.py ROUNDS CALLS` with PYTHONPATH naming only a folder the
wheel was installed into: no site-packages, so no OpenTelemetry (checked, not assumed).
Prints one JSON object: per-call nanoseconds of each round, for `exporter = "none"` and
for an OTLP exporter that is configured but cannot start, plus what was imported.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections.abc import Callable
from typing import Any

CONFIGS = {
    "exporter_none": '[otel]\nexporter = "none"\n',
    # A config that asks for export while the extra is missing: the runtime warns once and
    # must then take the same free path.
    "otlp_configured": '[otel]\nexporter = { otlp-http = { endpoint = "http://127.0.0.1:9" } }\n',
}


def measure(
    tool_result: Callable[..., None], conversation: Any, rounds: int, calls: int
) -> list[float]:
    """Per-call ns of each round: `calls` emits of the widest event, inline in the loop."""
    per_call: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(calls):
            tool_result(
                conversation,
                tool_name="shell",
                duration_ms=412,
                success="true",
                output="total 8\n",
                call_id="call_Xf3kq9",
                arguments='{"command": ["ls", "-la"]}',
            )
        per_call.append((time.perf_counter_ns() - start) / calls)
    return per_call


def empty_loop(rounds: int, calls: int) -> list[float]:
    """Per-call ns of the loop alone, for reference."""
    per_call: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(calls):
            pass
        per_call.append((time.perf_counter_ns() - start) / calls)
    return per_call


def main() -> None:
    rounds, calls = int(sys.argv[1]), int(sys.argv[2])
    otel_found = importlib.util.find_spec("opentelemetry") is not None

    import logging

    from codex_otel.generated import events
    from codex_otel.runtime import Telemetry, load_config

    logging.getLogger("codex_otel").disabled = True  # the expected "cannot start" warning
    metadata = events.Metadata(
        conversation_id="0199a213-81c0-7800-8aa1-bbab2a035a53",
        app_version="0.42.0",
        auth_mode="ChatGPT",
        user_account_id="acct_123",
        terminal_type="vscode/1.95.0",
        model="gpt-5-codex",
        slug="gpt-5-codex",
    )
    results: dict[str, object] = {}
    recording: dict[str, bool] = {}
    for name, text in CONFIGS.items():
        telemetry = Telemetry(load_config(text=text), service_version="bench")
        recording[name] = telemetry.recording
        conversation = telemetry.conversation(metadata)
        results[name] = measure(events.tool_result, conversation, rounds, calls)
        telemetry.shutdown()
    results["empty_loop"] = empty_loop(rounds, calls)
    results["otel_found"] = otel_found
    results["recording"] = recording
    results["runtime_file"] = str(importlib.import_module("codex_otel.runtime").__file__)
    results["otel_imported"] = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
