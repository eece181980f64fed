"""Child process of the spool tests: a CLI run that emits events to an OTLP/HTTP endpoint.

    python emitter.py ENDPOINT TAG COUNT MODE [TOML_LINES]

ENDPOINT `none` configures `exporter = "none"` (the baseline of the exit time).

Emits COUNT `codex.api_request` events in conversation TAG (attempt 0..COUNT-1), then:
- `exit`: prints "exiting" and ends (the exit hook shuts telemetry down);
- `linger`: prints "emitted" and waits until its standard input closes, then prints
  "maxrss N" (its peak resident memory so far, in KiB) and ends the same way (a process
  that lives while the test watches the receiver);
- `hang`: prints "emitted" and sleeps until killed.
The spool folder comes from XDG_STATE_HOME, which the tests point at a temporary folder.
"""

from __future__ import annotations

import sys
import time

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config


def peak_rss_kib() -> int:
    """The process's peak resident memory, in KiB (macOS counts bytes)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def main() -> None:
    endpoint, tag, count, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    extra = sys.argv[5] if len(sys.argv) > 5 else ""
    exporter = (
        '"none"'  # the baseline of the exit time
        if endpoint == "none"
        else "{ otlp-http = { "
        f'endpoint = "{endpoint}", headers = {{ "x-otlp-api-key" = "${{OTLP_TOKEN}}" }} }} }}'
    )
    config = load_config(
        text=f"[otel]\nexporter = {exporter}\n{extra}\n",
        environ={"OTLP_TOKEN": "spool-secret-token-4e1d"},
    )
    telemetry = Telemetry(config, service_version="0.0.1-spool")
    conversation = telemetry.conversation(
        events.Metadata(
            conversation_id=tag, app_version="1", terminal_type="t", model="m", slug="s"
        )
    )
    for attempt in range(count):
        events.api_request(conversation, attempt=attempt, duration_ms=attempt)
    if mode == "exit":
        print("exiting", flush=True)
        return
    print("emitted", flush=True)
    if mode == "linger":
        sys.stdin.read()
        print(f"maxrss {peak_rss_kib()}", flush=True)
    elif mode == "hang":
        while True:
            time.sleep(1)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
