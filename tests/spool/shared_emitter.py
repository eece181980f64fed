"""Child process of the shared-spool tests: one run of a CLI, several of which run at once
on one spool folder (several terminals), with the write-ahead spool on (the default).

    python shared_emitter.py ENDPOINT TAG COUNT SHUTDOWN_TIMEOUT [PAUSE_S]

Emits COUNT `codex.api_request` events in conversation TAG (attempt 0, 1, ...), one every
PAUSE_S seconds (default 0.001) or so, printing each attempt once its emitter returned; COUNT 0 emits until
killed. Batches are small (`max_export_batch_size = 8`), so that a run writes many files
and several runs claim files at the same moments. Then it shuts telemetry down and prints
its counters as one JSON line: `stats {...}`.
The spool folder comes from XDG_STATE_HOME, which the tests point at a temporary folder.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config

BATCH_SIZE = 8


def main() -> None:
    endpoint, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    shutdown_timeout = float(sys.argv[4])
    pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0.001
    config = load_config(
        text=(
            f"[otel]\nshutdown_timeout = {shutdown_timeout}\n"
            f'exporter = {{ otlp-http = {{ endpoint = "{endpoint}" }} }}\n'
            f"[otel.batch]\nmax_export_batch_size = {BATCH_SIZE}\n"
        ),
        environ={},
    )
    telemetry = Telemetry(config, service_version="0.0.1-shared")
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
        time.sleep(pause)
    telemetry.shutdown()
    print("stats", json.dumps(dataclasses.asdict(telemetry.stats)), flush=True)


if __name__ == "__main__":
    main()
