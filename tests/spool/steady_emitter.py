"""Child process of the signal tests: a CLI run emitting at a steady rate to OTLP/HTTP.

    python steady_emitter.py ENDPOINT TAG COUNT MODE [SHUTDOWN_TIMEOUT]

Emits `codex.api_request` events in conversation TAG (attempt 0, 1, ...), one every
millisecond or so, and prints each attempt once its emitter returned (the events the
run may not lose). COUNT 0 emits until killed. Then, by MODE:
- `exit`: prints "exiting" and ends; the exit hook shuts telemetry down;
- `explicit`: prints "exiting" and calls `telemetry.shutdown()` itself, printing
  "interrupted" when a KeyboardInterrupt comes out of it (raised again);
- `own-handler`: like `exit`, but with an own SIGTERM handler installed first, which
  prints "own handler" and calls `telemetry.shutdown()` then `sys.exit(3)`.
`shutdown_timeout` is 2 s unless given: the collector is down, so the exit waits that
long (the run that delivers the spool gets more, for a loaded machine).
The spool folder comes from XDG_STATE_HOME, which the tests point at a temporary folder.
"""

from __future__ import annotations

import signal
import sys
import time
from types import FrameType

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config


def main() -> None:
    endpoint, tag, count, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    shutdown_timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
    config = load_config(
        text=(
            f"[otel]\nshutdown_timeout = {shutdown_timeout}\n"
            f'exporter = {{ otlp-http = {{ endpoint = "{endpoint}" }} }}\n'
        ),
        environ={},
    )
    telemetry: Telemetry | None = None

    def own_handler(signum: int, frame: FrameType | None) -> None:
        print("own handler", flush=True)
        if telemetry is not None:
            telemetry.shutdown()
        sys.exit(3)

    if mode == "own-handler":
        signal.signal(signal.SIGTERM, own_handler)
    telemetry = Telemetry(config, service_version="0.0.1-signals")
    conversation = telemetry.conversation(
        events.Metadata(
            conversation_id=tag, app_version="1", terminal_type="t", model="m", slug="s"
        )
    )
    attempt = 0
    while count == 0 or attempt < count:
        events.api_request(conversation, attempt=attempt, duration_ms=attempt)
        print(attempt, flush=True)
        attempt += 1
        time.sleep(0.001)
    print("exiting", flush=True)
    if mode == "explicit":
        try:
            telemetry.shutdown()
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            raise


if __name__ == "__main__":
    main()
