"""Nothing is lost: thousands of events from threads, from asyncio tasks, and across fork.

Settings: `[otel.batch] max_queue_size = 8192` (holds every event of a run, so no drop
can depend on how fast the worker happens to be), `max_export_batch_size = 512`,
`schedule_delay_ms = 50`. Each event is unique by (conversation id, attempt), so the
receiver's records prove exactly-once delivery: counts equal, no duplicate, no stranger.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Sequence

import pytest
from wire.wirekit import (
    TRANSPORTS,
    Transport,
    check_resource,
    exporter_table,
    metadata,
    otel_toml,
    start_receiver,
)

from codex_otel.generated import events
from codex_otel.runtime import Telemetry
from receivers import OtlpHttpReceiver, ReceivedRecord
from receivers.fixtures import ReceiverFactory
from support.telemetry import TelemetryFactory

pytestmark = pytest.mark.wire

THREADS = 8
PER_THREAD = 625  # 5,000 events
TASKS = 50
PER_TASK = 100  # 5,000 events


def lossless_toml(transport: Transport, endpoint: str) -> str:
    return otel_toml(
        exporter_table(transport, endpoint, timeout=5),
        shutdown_timeout=10,
        schedule_delay_ms=50,
        max_queue_size=8192,
        max_export_batch_size=512,
    )


def identities(records: Sequence[ReceivedRecord]) -> collections.Counter[tuple[str, int]]:
    return collections.Counter(
        (str(r.attributes["conversation.id"]), int(str(r.attributes["attempt"]))) for r in records
    )


def expected_identities(prefix: str, groups: int, per_group: int) -> set[tuple[str, int]]:
    return {(f"{prefix}-{g}", i) for g in range(groups) for i in range(per_group)}


def check_exactly_once(
    telemetry: Telemetry, records: Sequence[ReceivedRecord], expected: set[tuple[str, int]]
) -> None:
    counts = identities(records)
    assert len(records) == len(expected)
    assert set(counts) == expected
    assert max(counts.values()) == 1
    stats = telemetry.stats
    assert (stats.dropped_queue_full, stats.export_failures, stats.emit_errors) == (0, 0, 0)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_events_from_eight_threads_all_arrive_once(
    transport: Transport, otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory
) -> None:
    receiver = start_receiver(otlp_receivers, transport)
    telemetry = start_telemetry(lossless_toml(transport, receiver.endpoint))
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            conversation = telemetry.conversation(metadata(f"thread-{index}"))
            start.wait()
            for attempt in range(PER_THREAD):
                events.api_request(conversation, attempt=attempt, duration_ms=index)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert telemetry.shutdown()

    records = receiver.received_records()
    check_exactly_once(telemetry, records, expected_identities("thread", THREADS, PER_THREAD))
    check_resource(records)


@pytest.mark.parametrize("transport", ["http-binary", "grpc"])
def test_events_from_asyncio_tasks_all_arrive_once(
    transport: Transport, otlp_receivers: ReceiverFactory, start_telemetry: TelemetryFactory
) -> None:
    receiver = start_receiver(otlp_receivers, transport)
    telemetry = start_telemetry(lossless_toml(transport, receiver.endpoint))

    async def task(index: int) -> None:
        conversation = telemetry.conversation(metadata(f"task-{index}"))
        for attempt in range(PER_TASK):
            events.api_request(conversation, attempt=attempt, duration_ms=index)
            await asyncio.sleep(0)  # interleave with the other tasks

    async def main() -> None:
        await asyncio.gather(*(task(i) for i in range(TASKS)))

    asyncio.run(main())
    assert telemetry.shutdown()

    check_exactly_once(
        telemetry, receiver.received_records(), expected_identities("task", TASKS, PER_TASK)
    )


FORK_SCRIPT = """
import json, os, sys
from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config

toml, rounds, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
telemetry = Telemetry(load_config(text=toml, environ={}), service_version="fork-test")

def meta(cid):
    return events.Metadata(conversation_id=cid, app_version="1", terminal_type="t",
                           model="m", slug="s")

def exchange(conversation, first):
    # `rounds` exports of `size` events each: one request/answer per round on the wire.
    ok = True
    for round in range(rounds):
        for attempt in range(first + round * size, first + (round + 1) * size):
            events.api_request(conversation, attempt=attempt, duration_ms=0)
        ok = telemetry.force_flush(5) and ok
    return ok

parent = telemetry.conversation(meta("parent"))
before_ok = exchange(parent, 0)                    # a keep-alive connection is open now
for attempt in range(rounds * size, (rounds + 1) * size):
    events.api_request(parent, attempt=attempt, duration_ms=0)  # queued at fork time

pid = os.fork()
if pid == 0:
    try:
        # Both processes now export at the same time, round after round.
        ok = exchange(telemetry.conversation(meta("child")), 0) and telemetry.shutdown()
        stats = telemetry.stats
        code = 0 if ok and stats.export_failures == 0 and stats.dropped_queue_full == 0 else 3
    except BaseException:
        code = 4
    os._exit(code)

after_ok = exchange(parent, (rounds + 1) * size)
_, status = os.waitpid(pid, 0)
ok = telemetry.shutdown() and before_ok and after_ok
print(json.dumps({"child": os.waitstatus_to_exitcode(status), "parent_ok": ok,
                  "parent_failures": telemetry.stats.export_failures}))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_after_fork_each_process_exports_its_own_events_once(
    transport: Transport, otlp_receivers: ReceiverFactory
) -> None:
    rounds, size = 5, 200
    receiver = start_receiver(otlp_receivers, transport)
    toml = otel_toml(
        exporter_table(transport, receiver.endpoint, timeout=5, headers=None),
        shutdown_timeout=5,
        max_queue_size=8192,
    )
    # In a subprocess: forking the pytest process (and its receiver threads) is not safe.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FORK_SCRIPT), toml, str(rounds), str(size)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome == {"child": 0, "parent_ok": True, "parent_failures": 0}, result.stderr

    # The child's events can only have been exported by the child (its own memory); the
    # events queued in the parent at fork time must not be sent by both processes.
    counts = identities(receiver.received_records())
    expected = {("parent", i) for i in range((2 * rounds + 1) * size)}
    expected |= {("child", i) for i in range(rounds * size)}
    assert set(counts) == expected
    assert max(counts.values()) == 1, "an event was exported twice"
    assert not [r for r in receiver.requests if not r.accepted]  # no garbled request
    if isinstance(receiver, OtlpHttpReceiver):
        # The child opened its own connection instead of writing on the parent's.
        assert receiver.connection_count() >= 2
