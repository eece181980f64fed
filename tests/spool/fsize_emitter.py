"""Child process of the write-ahead fault tests: a run under a file size limit.

    python fsize_emitter.py ENDPOINT COUNT FSIZE_BYTES

Sets RLIMIT_FSIZE (a full disk, as far as the spool can tell: CPython ignores SIGXFSZ, so
a write beyond the limit fails with EFBIG), emits COUNT events to ENDPOINT and exits.
The `codex_otel` logger's records go to a list, printed at exit as JSON (one line:
`{"warnings": [...]}`), so the test sees each report exactly once.
"""

from __future__ import annotations

import atexit
import json
import logging
import resource
import sys

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main() -> None:
    endpoint, count, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    keep = Keep()
    logging.getLogger("codex_otel").addHandler(keep)
    # Registered first: runs after telemetry's own exit hook (last in, first out).
    atexit.register(lambda: print(json.dumps({"warnings": keep.messages}), flush=True))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    config = load_config(
        text=f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{endpoint}" }} }}\n',
        environ={},
    )
    telemetry = Telemetry(config, service_version="0.0.1-fsize")
    conversation = telemetry.conversation(
        events.Metadata(
            conversation_id="fsize", app_version="1", terminal_type="t", model="m", slug="s"
        )
    )
    for attempt in range(count):
        events.api_request(conversation, attempt=attempt, duration_ms=attempt)
    telemetry.wait_until_started(10)
    telemetry.force_flush(1.5)


if __name__ == "__main__":
    main()
