"""The spool's on-disk format and rules, in process (`runtime/_spool.py`): values survive
the round trip, the cap drops the oldest and counts them, claims are exclusive, bad files
are set aside and reported once, disk errors never raise, nothing secret reaches disk."""

from __future__ import annotations

import logging
import math
import os
import stat
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_otel.runtime import OtlpGrpcExporter, OtlpHttpExporter
from codex_otel.runtime._spool import Batch, Event, Spool, default_root, destination_key
from codex_otel.runtime.types import AttributeValue

INT64 = st.integers(-(2**63), 2**63 - 1)
#: Any code point, lone surrogates and control characters included.
TEXT = st.text(st.characters(codec=None, categories=None), max_size=40)
SCALAR = st.one_of(TEXT, INT64, st.floats(allow_nan=True, allow_infinity=True), st.booleans())
VALUE = st.one_of(
    SCALAR,
    st.lists(TEXT, max_size=4),
    st.lists(INT64, max_size=4),
    st.lists(st.floats(allow_nan=False), max_size=4),
    st.lists(st.booleans(), max_size=4),
    st.text(min_size=5000, max_size=20000),  # huge values
)


def event(number: int, **attributes: AttributeValue) -> Event:
    return Event("codex.api_request", 1_000 + number, 2_000 + number, {"n": number, **attributes})


def batch(*events: Event) -> Batch:
    return Batch(
        {"service.name": "codex-cli", "service.instance.id": "i"}, "codex_otel", "1", events
    )


def spool_at(root: Path, max_bytes: int = 1 << 20, destination: str = "d" * 32) -> Spool:
    return Spool(root, destination, max_bytes)


def same(left: object, right: object) -> bool:
    """Equality where NaN equals NaN and tuples equal lists (JSON has only arrays)."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(same, left, right))
    return type(left) is type(right) and left == right


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(attributes=st.dictionaries(TEXT, VALUE, max_size=6), name=TEXT)
def test_values_survive_the_round_trip(
    tmp_path_factory: pytest.TempPathFactory, attributes: dict[str, AttributeValue], name: str
) -> None:
    spool = spool_at(tmp_path_factory.mktemp("spool"), max_bytes=1 << 24)
    original = Event(name, 123, 456, attributes)
    assert spool.write(batch(original)) == 1
    [claim] = list(spool.claims())
    [back] = claim.batch.events
    assert back.name == name and back.timestamp_ns == 123 and back.observed_ns == 456
    assert set(back.attributes) == set(attributes)
    for key, value in attributes.items():
        assert same(back.attributes[key], value), (key, value, back.attributes[key])
    claim.done()
    assert spool.pending_files() == []


def test_the_cap_drops_the_oldest_files_and_counts_their_events(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    probe = spool_at(tmp_path / "probe")
    probe.write(batch(*[event(n) for n in range(10)]))
    [file] = probe.pending_files()
    size = file.stat().st_size
    spool = spool_at(tmp_path / "capped", max_bytes=int(size * 2.5))  # two files fit
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        for first in (0, 10, 20, 30):
            assert spool.write(batch(*[event(n) for n in range(first, first + 10)])) == 10
    assert spool.dropped == 20  # the two oldest files
    kept = [e.attributes["n"] for claim in spool.claims() for e in claim.batch.events]
    assert kept == list(range(20, 40))
    assert sum(1 for r in caplog.records if "is full" in r.getMessage()) == 1


def test_a_batch_larger_than_the_cap_keeps_its_newest_events(tmp_path: Path) -> None:
    spool = spool_at(tmp_path, max_bytes=2_000)
    written = spool.write(batch(*[event(n, pad="x" * 100) for n in range(50)]))
    assert 0 < written < 50
    assert spool.dropped == 50 - written
    [claim] = list(spool.claims())
    numbers = [e.attributes["n"] for e in claim.batch.events]
    assert numbers == list(range(50 - written, 50))  # the newest, in order
    assert claim.path.stat().st_size <= 2_000


def test_claims_are_exclusive(tmp_path: Path) -> None:
    writer = spool_at(tmp_path)
    for n in range(6):
        writer.write(batch(event(n)))
    first, second = spool_at(tmp_path), spool_at(tmp_path)
    taken_first = first.claims()
    got: list[AttributeValue] = []
    for claim_a, claim_b in zip(taken_first, second.claims(), strict=False):
        got += [claim_a.batch.events[0].attributes["n"], claim_b.batch.events[0].attributes["n"]]
    # The two iterators interleave over the same files; no file is handed out twice.
    for claim in taken_first:
        got.append(claim.batch.events[0].attributes["n"])
    numbers = [n for n in got if isinstance(n, int)]
    assert len(numbers) == len(got), got
    assert sorted(numbers) == list(range(6))


def test_a_released_claim_is_offered_again(tmp_path: Path) -> None:
    spool = spool_at(tmp_path)
    spool.write(batch(event(1)))
    [claim] = list(spool.claims())
    assert spool.pending_files() == []
    claim.release()
    assert len(spool.pending_files()) == 1


def test_release_held_puts_back_open_claims_and_later_settling_is_a_no_op(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = spool_at(tmp_path)
    for n in range(3):
        spool.write(batch(event(n)))
    claims = spool.claims()
    delivering = next(claims)
    finished = next(claims)
    finished.done()
    assert spool.release_held() == 1  # the exit: only the open claim goes back
    assert len(spool.pending_files()) == 2
    # The delivery thread ending after the exit hook settles nothing twice: no error, and
    # the file put back stays for the next run (at least once).
    delivering.done()
    delivering.release()
    assert len(spool.pending_files()) == 2
    assert not [r for r in caplog.records if r.name == "codex_otel"]
    # Claims made after the release are put back at once.
    assert list(claims) == []
    assert len(spool.pending_files()) == 2


def test_an_abandoned_claim_of_a_dead_process_is_taken_back(tmp_path: Path) -> None:
    spool = spool_at(tmp_path)
    spool.write(batch(event(7)))
    [path] = spool.pending_files()
    dead = 2**22 + 12345  # above the default pid_max: no such process
    path.rename(path.with_name(f"{path.name}.claimed-{dead}"))
    [claim] = list(spool.claims())
    assert claim.batch.events[0].attributes["n"] == 7


def test_a_claim_of_an_earlier_process_with_this_pid_is_taken_back(tmp_path: Path) -> None:
    # Containers give every run the same pid: a SIGKILLed run's claim carries ours.
    spool = spool_at(tmp_path)
    spool.write(batch(event(8)))
    [path] = spool.pending_files()
    claimed = path.with_name(f"{path.name}.claimed-{os.getpid()}")
    path.rename(claimed)
    before_this_process = time.time_ns() - 3_600 * 10**9  # claimed an hour ago
    os.utime(claimed, ns=(before_this_process, before_this_process))
    [claim] = list(spool.claims())
    assert claim.batch.events[0].attributes["n"] == 8


def test_a_claim_this_process_holds_is_not_taken_back_by_another_spool(tmp_path: Path) -> None:
    writer = spool_at(tmp_path)
    writer.write(batch(event(1)))
    writer.write(batch(event(2)))
    holder = writer.claims()
    held = next(holder)
    # The claimed file keeps an old time stamp, as a file an earlier process claimed.
    os.utime(held.path, ns=(1, 1))
    other = spool_at(tmp_path)  # a second Telemetry of this process, same destination
    numbers = [c.batch.events[0].attributes["n"] for c in other.claims()]
    assert numbers == [2]
    assert held.path.exists()
    held.done()
    assert not held.path.exists()


def test_bad_files_are_set_aside_and_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = spool_at(tmp_path)
    spool.write(batch(event(1)))
    [good] = spool.pending_files()
    text = good.read_bytes()
    bad = {
        "00000000000000000001-1-1.jsonl": text[:-5],  # truncated
        "00000000000000000002-1-1.jsonl": b"{not json\n",
        "00000000000000000003-1-1.jsonl": text.replace(b'"count":1', b'"count":5'),
        "00000000000000000004-1-1.jsonl": text.replace(b'"n":1', b'"n":{"x":1}'),
        "00000000000000000005-1-1.jsonl": text.replace(b"d" * 32, b"e" * 32),
        "00000000000000000006-1-1.jsonl": b"[" * 100_000 + b"\n",  # a RecursionError before
        "00000000000000000007-1-1.jsonl": text.replace(b'"n":1', b'"n":[[[1]]]'),  # too deep
        # Never written (the runtime refuses them at emit), never exportable as they are.
        "00000000000000000008-1-1.jsonl": text.replace(b'"n":1', b'"n":%d' % 2**63),
        "00000000000000000009-1-1.jsonl": text.replace(b'"time":1001', b'"time":%d' % 2**64),
    }
    for name, content in bad.items():
        (spool.directory / name).write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        claims = list(spool.claims())
        assert list(spool.claims()) == []  # a second pass reports nothing new
    assert [c.batch.events[0].attributes["n"] for c in claims] == [1]
    assert spool.skipped_files == 9
    assert sorted(p.name for p in spool.directory.glob("*.corrupt")) == sorted(
        f"{name}.corrupt" for name in bad
    )
    assert len([r for r in caplog.records if "skipping spool file" in r.getMessage()]) == 1


def test_files_of_another_version_are_set_aside_and_foreign_names_ignored_once_for_all(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = spool_at(tmp_path)
    writer.write(batch(event(1)))
    [good] = writer.pending_files()
    newer = good.read_bytes().replace(b'"version":1', b'"version":7')
    (writer.directory / "00000000000000000001-1-1.jsonl").write_bytes(newer)
    (writer.directory / "00000000000000000002-1-1.jsonl").write_bytes(b"{not json\n")
    for foreign in ("README.txt", "notes", ".DS_Store", "00000000000000000003-1-1.jsonl~"):
        (writer.directory / foreign).write_text("mine")

    def messages(spool: Spool) -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="codex_otel"):
            for claim in spool.claims():
                claim.release()
        return [r.getMessage() for r in caplog.records if r.name == "codex_otel"]

    first = messages(spool_at(tmp_path))  # a process
    assert len(first) == 1 and "skipping spool file" in first[0], first
    assert "README" not in first[0] and "notes" not in first[0]
    # The next processes (fresh `Spool`s: nothing remembered in memory) say nothing.
    assert messages(spool_at(tmp_path)) == []
    assert messages(spool_at(tmp_path)) == []
    names = sorted(path.name for path in writer.directory.iterdir())
    assert "00000000000000000001-1-1.jsonl.v7" in names  # left for version 7, unchanged
    assert (writer.directory / "00000000000000000001-1-1.jsonl.v7").read_bytes() == newer
    assert "00000000000000000002-1-1.jsonl.corrupt" in names
    assert (writer.directory / "README.txt").read_text() == "mine"


def test_files_of_this_version_set_aside_by_another_version_are_delivered(tmp_path: Path) -> None:
    spool = spool_at(tmp_path)
    spool.write(batch(event(4)))
    [path] = spool.pending_files()
    path.rename(path.with_name(f"{path.name}.v1"))  # as a version-2 process would
    [claim] = list(spool_at(tmp_path).claims())
    assert claim.batch.events[0].attributes["n"] == 4


def test_permissions_do_not_depend_on_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        spool = spool_at(tmp_path / "state" / "codex-otel")
        spool.write(batch(event(1)))
    finally:
        os.umask(old)
    assert stat.S_IMODE(spool.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(spool.directory.stat().st_mode) == 0o700
    [file] = spool.pending_files()
    assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_a_configured_shared_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "tmp"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # as /tmp: world-writable, sticky
    spool = spool_at(shared)
    assert spool.write(batch(event(1))) == 1
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777  # not the spool's to change
    assert stat.S_IMODE(spool.directory.stat().st_mode) == 0o700
    [claim] = list(spool_at(shared).claims())
    claim.done()


def test_an_existing_own_destination_folder_is_narrowed_to_0700(tmp_path: Path) -> None:
    spool = spool_at(tmp_path / "root")
    spool.directory.mkdir(parents=True)
    os.chmod(spool.directory, 0o755)
    assert spool.write(batch(event(1))) == 1
    assert stat.S_IMODE(spool.directory.stat().st_mode) == 0o700


def test_a_root_others_can_write_without_sticky_bit_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    open_root = tmp_path / "open"
    open_root.mkdir()
    os.chmod(open_root, 0o777)
    spool = spool_at(open_root)
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        assert spool.write(batch(event(1))) == 0
        assert spool.write(batch(event(2))) == 0
        assert list(spool.claims()) == []
    assert spool.failed == 2 and spool.spooled == 0
    assert not spool.directory.exists()
    assert stat.S_IMODE(open_root.stat().st_mode) == 0o777
    reports = [r.getMessage() for r in caplog.records if r.name == "codex_otel"]
    assert len(reports) == 1 and "no sticky bit" in reports[0], reports


def test_a_destination_folder_of_another_user_is_neither_written_nor_delivered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = spool_at(tmp_path)
    planted.write(batch(event(1)))  # as if another user had put this file there
    real_uid = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: real_uid + 1)
    spool = spool_at(tmp_path)
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        assert list(spool.claims()) == []
        assert spool.write(batch(event(2))) == 0
    monkeypatch.undo()  # the planting user again
    assert len(planted.pending_files()) == 1  # untouched
    reports = [r.getMessage() for r in caplog.records if r.name == "codex_otel"]
    assert len(reports) == 1 and "belongs to another user" in reports[0], reports


def test_a_spool_path_that_is_a_file_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    spool = spool_at(blocker)
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        assert spool.write(batch(event(1))) == 0
        assert list(spool.claims()) == []
    assert spool.failed == 1
    assert any("cannot write" in r.getMessage() for r in caplog.records)


def test_destinations_are_hashes_that_tell_endpoints_apart() -> None:
    secret = "https://user:pw@collector.example.com/v1/logs?token=abc"
    keys = {
        destination_key(OtlpHttpExporter(secret)),
        destination_key(OtlpHttpExporter(secret, protocol="json")),
        destination_key(OtlpHttpExporter("https://collector.example.com/v1/logs")),
        destination_key(OtlpGrpcExporter("https://collector.example.com:4317")),
    }
    assert len(keys) == 4
    for key in keys:
        assert key is not None and len(key) == 32 and all(c in "0123456789abcdef" for c in key)


def test_headers_are_part_of_the_destination_without_their_values_on_disk() -> None:
    url = "https://collector.example.com/v1/logs"
    tenant_a = destination_key(OtlpHttpExporter(url, headers={"x-tenant": "a", "api-key": "k1"}))
    tenant_b = destination_key(OtlpHttpExporter(url, headers={"x-tenant": "b", "api-key": "k1"}))
    rotated = destination_key(OtlpHttpExporter(url, headers={"x-tenant": "a", "api-key": "k2"}))
    none = destination_key(OtlpHttpExporter(url))
    assert len({tenant_a, tenant_b, rotated, none}) == 4
    # Order and the case of names do not matter (HTTP and gRPC names are case-blind) ...
    assert tenant_a == destination_key(
        OtlpHttpExporter(url, headers={"API-Key": "k1", "X-Tenant": "a"})
    )
    # ... and no name/value boundary is ambiguous.
    assert destination_key(OtlpHttpExporter(url, headers={"a": "b,c"})) != destination_key(
        OtlpHttpExporter(url, headers={"a": "b", "c": ""})
    )
    grpc = "https://collector.example.com:4317"
    assert destination_key(OtlpGrpcExporter(grpc, headers={"t": "1"})) != destination_key(
        OtlpGrpcExporter(grpc, headers={"t": "2"})
    )


def test_default_root_follows_xdg(tmp_path: Path) -> None:
    assert default_root({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "codex-otel"
    # A relative XDG_STATE_HOME is invalid (XDG spec): the home default applies.
    home_default = Path.home() / ".local" / "state" / "codex-otel"
    assert default_root({"XDG_STATE_HOME": "relative/dir"}) == home_default
    assert default_root({}) == home_default


def test_the_folder_is_checked_at_every_write_and_every_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Checked once per process before: a destination folder swapped for a symlink after
    the first write got the next batch written (and read) through the link."""
    spool = spool_at(tmp_path / "root")
    assert spool.write(batch(event(1))) == 1
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    planted = spool_at(tmp_path / "other", destination="d" * 32)
    planted.write(batch(event(9)))  # a well-formed file the link would lead to
    [lure] = planted.pending_files()
    os.rename(lure, elsewhere / lure.name)
    os.rename(spool.directory, tmp_path / "root" / "moved")
    os.symlink(elsewhere, spool.directory)
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        assert spool.write(batch(event(2))) == 0
        assert list(spool.claims()) == []
        assert spool.pending_files() == []
    assert [path.name for path in elsewhere.iterdir()] == [lure.name]  # nothing added nor taken
    assert spool.failed == 1
    reports = [r.getMessage() for r in caplog.records if r.name == "codex_otel"]
    assert len(reports) == 1 and "not a plain folder" in reports[0], reports


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'"count":1', b'"count":"%s"' % (b"x" * 100_000)),
        (b'"version":1', b'"version":"%s"' % (b"x" * 100_000)),
        (b'"n":1', b'"%s\\u001b[31m\\n":{}' % (b"k" * 100_000)),
    ],
)
def test_a_warning_about_a_planted_file_is_one_short_printable_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, old: bytes, new: bytes
) -> None:
    """The value a planted file holds was quoted whole: a 100,000-character warning."""
    spool = spool_at(tmp_path)
    spool.write(batch(event(1)))
    [good] = spool.pending_files()
    planted = spool.directory / "00000000000000000001-1-1.jsonl"
    planted.write_bytes(good.read_bytes().replace(old, new))
    with caplog.at_level(logging.WARNING, logger="codex_otel"):
        assert [c.batch.events[0].attributes["n"] for c in spool.claims()] == [1]
    [message] = [r.getMessage() for r in caplog.records if "skipping" in r.getMessage()]
    assert len(message) < 400 and message.isprintable(), message[:500]


def test_a_spool_path_with_control_characters_is_escaped_in_every_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The spool's path comes from the config or XDG_STATE_HOME: a line break or an
    escape sequence in it was written raw into the host's log."""
    (tmp_path / "file").write_text("not a folder")
    unusable = spool_at(tmp_path / "file" / "a\nINJECTED: \x1b[31m")
    usable = spool_at(tmp_path / "b\nINJECTED: \u2028", max_bytes=300)
    with caplog.at_level(logging.INFO, logger="codex_otel"):
        assert unusable.write(batch(event(1))) == 0
        assert usable.write(batch(event(1))) == 1
        usable.write(batch(event(2), event(3), event(4)))  # over the cap: "is full"
    messages = [r.getMessage() for r in caplog.records if r.name == "codex_otel"]
    assert any("cannot write" in m for m in messages), messages
    assert any("spooled at" in m for m in messages), messages
    assert any("is full" in m for m in messages), messages
    assert all(m.isprintable() and "INJECTED" in m for m in messages), messages
