"""A burst is on disk before the write-ahead timer comes round: with a collector that
holds the export in flight (a real OTLP/HTTP receiver taking 3 s per request), events
queued behind it are written ahead as soon as the queue grows by half a batch
(`_write_ahead.QueueDrainer`, checked every `SIZE_CHECK_S`), not only every quarter of
`window_ms` (2 s here). A kill then loses at most what came in the last check.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from spool.test_shared_spool import SlowReceiver, endpoint_at

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config
from receivers import unused_port

pytestmark = [pytest.mark.wire, pytest.mark.timeout(60)]

BURST = 64


def events_on_disk(root: Path) -> int:
    """Events in every spool file under `root`, written ahead (claimed) or pending."""
    count = 0
    for path in root.glob("*/*"):
        if path.is_file() and ".corrupt" not in path.name:
            lines = path.read_text(encoding="ascii").splitlines()
            count += sum(1 for line in lines[1:] if "attributes" in json.loads(line))
    return count


def test_a_burst_behind_a_slow_export_is_written_ahead_before_the_timer(
    spool_in_tmp: Path,
) -> None:
    port = unused_port()
    receiver = SlowReceiver(port, delay=3.0)
    config = load_config(
        text=(
            "[otel]\nshutdown_timeout = 0.5\n"
            f'exporter = {{ otlp-http = {{ endpoint = "{endpoint_at(port)}" }} }}\n'
            "[otel.batch]\nmax_export_batch_size = 8\n"
            "[otel.spool]\nwindow_ms = 8000\n"
        ),
        environ={},
    )
    telemetry = Telemetry(config, service_version="0.0.1-burst")
    try:
        assert telemetry.wait_until_started(30)
        conversation = telemetry.conversation(
            events.Metadata(
                conversation_id="burst", app_version="1", terminal_type="t", model="m", slug="s"
            )
        )
        for attempt in range(8):  # one batch: its export is held by the receiver
            events.api_request(conversation, attempt=attempt, duration_ms=attempt)
        time.sleep(0.3)
        for attempt in range(8, 8 + BURST):
            events.api_request(conversation, attempt=attempt, duration_ms=attempt)
        time.sleep(0.5)  # well inside the first quarter window (2 s)
        on_disk = events_on_disk(spool_in_tmp)
    finally:
        telemetry.shutdown()
        receiver.stop()
    # The batch in flight and the whole burst behind it (before, only the batch in flight).
    assert on_disk >= 8 + BURST, on_disk
