"""Faults of the write-ahead spool (`runtime/_write_ahead.py`): a full disk, and a
write-ahead file a SIGKILL left truncated. Each is reported once on the `codex_otel`
logger; nothing is raised or printed into the host; the rest of the spool is delivered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from spool.signal_trials import endpoint_at, spooled
from spool.test_spool_processes import arrivals, emitter_spool, exit_time, run_offline

from receivers import unused_port
from receivers.fixtures import ReceiverFactory

pytestmark = [pytest.mark.wire, pytest.mark.slow, pytest.mark.timeout(120)]

FSIZE = Path(__file__).with_name("fsize_emitter.py")


def test_a_full_disk_is_reported_once_and_nothing_reaches_the_host(spool_in_tmp: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(FSIZE), endpoint_at(unused_port()), "600", "2048"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # nothing printed into the host
    [line] = [line for line in result.stdout.splitlines() if line.startswith("{")]
    warnings = json.loads(line)["warnings"]
    writes = [message for message in warnings if "cannot write to the spool" in message]
    assert len(writes) == 1, warnings  # reported once, however many batches failed
    assert "File too large" in writes[0] or "EFBIG" in writes[0] or "27" in writes[0]
    assert len(warnings) == len(set(warnings))


def test_a_truncated_write_ahead_file_is_set_aside_and_the_rest_delivered(
    otlp_receivers: ReceiverFactory, spool_in_tmp: Path
) -> None:
    """A SIGKILL in the middle of a write-ahead write leaves only a hidden temporary file
    (writes are renamed into place); a file cut short some other way (a crash of the
    machine) is claimed by a dead process: taken back, found truncated, set aside as
    `.corrupt` and reported once, and the files beside it are delivered."""
    port = unused_port()
    run_offline(endpoint_at(port), "kept", 30, quiet=True)
    spool = emitter_spool(endpoint_at(port))
    [good] = spool.pending_files()
    # A write-ahead file of a dead process, cut off in its second line.
    text = good.read_text(encoding="ascii")
    dead = 2**22 + 12345  # above the usual pid_max: no such process
    cut = spool.directory / f"00000000000000000001-{dead}-0.jsonl.claimed-{dead}"
    cut.write_text(text[: len(text.split("\n")[0]) + 20], encoding="ascii")
    os.chmod(cut, 0o600)
    hidden = spool.directory / f".tmp-{dead}-7"  # a write a SIGKILL cut off
    hidden.write_text(text[:50], encoding="ascii")
    assert {key[0] for key in spooled(spool_in_tmp)} == {"kept"}

    receiver = otlp_receivers.http(port=port)  # the collector is back: one more run
    _, stderr = exit_time(endpoint_at(port), "after", 5, "shutdown_timeout = 5.0")
    assert "Traceback" not in stderr
    got = arrivals(receiver)
    assert {(tag, attempt) for tag, attempt in got if tag == "kept"} == {
        ("kept", attempt) for attempt in range(30)
    }
    assert max(got.values()) == 1
    names = sorted(path.name for path in spool.directory.iterdir())
    assert names == [f"00000000000000000001-{dead}-0.jsonl.corrupt"], names
