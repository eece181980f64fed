"""The spool against files it never wrote and neighbours who move its folders.

- Files named like spool files that are not: a line nested 100,000 deep, a FIFO, a sparse
  file far beyond the cap, a symlink. Each is set aside (`.corrupt`) with one WARNING,
  never read into memory nor waited on, and the real events behind them are delivered by
  a real run (`emitter.py`) to a real receiver; the run's peak memory is measured in it.
- Another user (a forked child that drops to another uid) who owns a sticky shared root,
  or shares one owned by root, and swaps the spool's folder for a symlink between two
  writes: no batch ever lands in their folder.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from spool.test_spool_processes import Lingering, arrivals, emitter_spool, ids, lingering

from codex_otel.runtime._spool import Batch, Event, Spool
from receivers.fixtures import ReceiverFactory

__all__ = ["lingering"]  # the fixture, shared with the other process tests

pytestmark = [pytest.mark.wire, pytest.mark.slow, pytest.mark.timeout(120)]

#: Peak resident memory a run may grow by for the hostile files, beyond a run that
#: delivers the same good files alone: far below the sizes of the files refused.
RSS_SLACK_KIB = 64 * 1024


def good_batch(tag: str, count: int) -> Batch:
    events = [
        Event("codex.api_request", 1, 1, {"conversation.id": tag, "attempt": number})
        for number in range(count)
    ]
    return Batch({"service.name": "x"}, "codex_otel", None, tuple(events))


#: The kinds of file planted, by the name they get (the oldest names: they come first).
KINDS = {
    "deep": "00000000000000000001-1-1.jsonl",
    "fifo": "00000000000000000002-1-1.jsonl",
    "sparse-256MiB": "00000000000000000003-1-1.jsonl",
    "sparse-1GiB": "00000000000000000004-1-1.jsonl",
    "symlink": "00000000000000000005-1-1.jsonl",
    # Two in a row: two failures in a row used to mean "the collector is away".
    "beyond-int64": "00000000000000000006-1-1.jsonl",
    # An unterminated string of escaped quotes, one 256 KiB line: the depth check's
    # string pattern failed from every quote (quadratic: minutes for this file, for ever
    # at the 4 MiB cap), and the delivery thread with it.
    "escaped-quotes": "00000000000000000007-1-1.jsonl",
}


def plant(folder: Path, kind: str) -> str:
    """Plant a file of `kind` the spool never writes, named like a spool file older than
    the spool's own files already there; returns its name."""
    name = KINDS[kind]
    if kind == "deep":
        (folder / name).write_text("[" * 100_000 + "\n")
    elif kind == "fifo":
        os.mkfifo(folder / name, 0o600)
    elif kind == "escaped-quotes":
        (folder / name).write_text('"' + '\\"' * (128 << 10) + "\n")
    elif kind.startswith("sparse"):
        with open(folder / name, "wb") as sparse:
            sparse.truncate((256 if kind == "sparse-256MiB" else 1024) << 20)
    elif kind == "beyond-int64":
        [valid, *_] = sorted(folder.glob("*-*-*.jsonl"))
        text = valid.read_bytes().replace(b'"attempt":0', b'"attempt":%d' % 2**70)
        (folder / name).write_bytes(text)
        (folder / name.replace("-1-1", "-1-2")).write_bytes(text)
    else:
        # A well-formed spool file elsewhere: the link must not be followed to it.
        [valid, *_] = sorted(folder.glob("*-*-*.jsonl"))
        elsewhere = folder.parent.parent / "elsewhere.jsonl"
        elsewhere.write_bytes(valid.read_bytes())
        (folder / name).symlink_to(elsewhere)
    return name


def peak_kib(run: Lingering) -> int:
    [line] = [line for line in run.output.splitlines() if line.startswith("maxrss ")]
    return int(line.split()[1])


def deliver_past(
    kinds: list[str], receiver_factory: ReceiverFactory, lingering: list[Lingering]
) -> tuple[str, Path, dict[str, os.stat_result], int]:
    """A run delivers 40 spooled events behind files of `kinds`: returns its stderr, the
    folder, the planted files' lstat, and how much more its peak memory grew than a
    run's that delivers the same good files alone (KiB)."""
    receiver = receiver_factory.http()
    spool = emitter_spool(receiver.endpoint)
    spool.write(good_batch("baseline", 20))
    baseline = Lingering(receiver.endpoint, "baseline-live", 1)
    lingering.append(baseline)
    assert receiver.wait_for(21, timeout=20)
    baseline.finish()

    spool.write(good_batch("behind", 20))
    spool.write(good_batch("behind-2", 20))
    folder = spool.directory
    planted = {name: os.lstat(folder / name) for name in (plant(folder, k) for k in kinds)}
    run = Lingering(receiver.endpoint, "live", 1)
    lingering.append(run)
    assert receiver.wait_for(21 + 41, timeout=20), "the events behind the bad files"
    stderr = run.finish()
    got = arrivals(receiver)
    assert set(got) == (
        ids("baseline", 20)
        | ids("baseline-live", 1)
        | ids("behind", 20)
        | ids("behind-2", 20)
        | ids("live", 1)
    )
    assert max(got.values()) == 1
    return stderr, folder, planted, peak_kib(run) - peak_kib(baseline)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_file_the_spool_never_wrote_is_set_aside_and_the_events_behind_it_delivered(
    otlp_receivers: ReceiverFactory, lingering: list[Lingering], kind: str
) -> None:
    """The issue's cases 8-10: before, a line of 100,000 `[` ended the delivery (the
    events behind it were never sent), a FIFO blocked the reader for ever, and a sparse
    file was read whole (548 MiB peak for 256 MiB; 2 GiB for 1 GiB); a symlink was
    followed. Now each is set aside as it is (renamed, never rewritten nor followed)
    with one WARNING, never read into memory, and the delivery goes on past it."""
    stderr, folder, planted, grown = deliver_past([kind], otlp_receivers, lingering)
    [(name, before)] = planted.items()
    aside = os.lstat(folder / f"{name}.corrupt")
    assert (aside.st_ino, aside.st_mode) == (before.st_ino, before.st_mode)
    [report] = [line for line in stderr.splitlines() if "skipping spool file" in line]
    assert name in report
    assert "Traceback" not in stderr and "RecursionError" not in stderr
    assert grown < RSS_SLACK_KIB, f"peak RSS grew by {grown} KiB"
    if kind == "symlink":
        assert (folder.parent.parent / "elsewhere.jsonl").exists()  # the target: untouched


def test_every_kind_at_once_is_reported_once(
    otlp_receivers: ReceiverFactory, lingering: list[Lingering]
) -> None:
    stderr, folder, planted, grown = deliver_past(list(KINDS), otlp_receivers, lingering)
    assert all((folder / f"{name}.corrupt").is_symlink() == name.endswith("5-1-1.jsonl")
               for name in planted)  # fmt: skip
    assert stderr.count("skipping spool file") == 1, stderr
    assert "Traceback" not in stderr
    assert grown < RSS_SLACK_KIB, f"peak RSS grew by {grown} KiB"


def test_names_with_pids_no_process_can_have_do_not_stop_the_delivery(
    otlp_receivers: ReceiverFactory, lingering: list[Lingering]
) -> None:
    """A temporary file and a claim named with a pid beyond any `pid_t`: checking
    whether their owner lived was an OverflowError out of the delivery, and nothing
    spooled was delivered. Now their owner is dead: the temporary file goes, the claim
    is taken back (here a corrupt one: set aside) and the events behind are delivered."""
    impossible = "9" * 20
    receiver = otlp_receivers.http()
    spool = emitter_spool(receiver.endpoint)
    spool.write(good_batch("behind", 20))
    folder = spool.directory
    (folder / f".tmp-{impossible}-1").write_text("cut off")
    claim = f"00000000000000000001-1-1.jsonl.claimed-{impossible}"
    (folder / claim).write_text("not a spool file\n")
    run = Lingering(receiver.endpoint, "live", 1)
    lingering.append(run)
    assert receiver.wait_for(21, timeout=20), "the spooled events were not delivered"
    stderr = run.finish()
    assert set(arrivals(receiver)) == ids("behind", 20) | ids("live", 1)
    assert not (folder / f".tmp-{impossible}-1").exists()
    assert (folder / "00000000000000000001-1-1.jsonl.corrupt").exists()
    assert "Traceback" not in stderr and "Overflow" not in stderr


# --- other users --------------------------------------------------------------------------

VICTIM = 54_321
NEIGHBOUR = 54_322


def need_root() -> None:
    if os.geteuid() != 0 or not hasattr(os, "fork"):
        pytest.skip("needs root to run children as two other users (CI runs as root)")


def as_user(uid: int, work: Callable[[], object]) -> object:
    """Run `work` in a forked child as user and group `uid`; its JSON-able result, or
    the text of the exception it raised."""
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 0
        try:
            os.close(readable)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            try:
                result: object = {"value": work()}
            except Exception as problem:
                result = {"error": f"{type(problem).__name__}: {problem}"}
            os.write(writable, json.dumps(result).encode())
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(writable)
    with os.fdopen(readable, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert status == 0 and data, "the child failed before answering"
    answer = json.loads(data)
    return answer.get("value", answer.get("error"))


class Victim:
    """A process of user `VICTIM` that spools a batch, waits, then spools another: its
    `Spool` object lives across both writes, as in a real run."""

    def __init__(self, root: Path, destination: str) -> None:
        self._ready_r, self._ready_w = os.pipe()
        self._go_r, self._go_w = os.pipe()
        self._result_r, self._result_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the child
            try:
                self._run(root, destination)
            finally:
                os._exit(0)
        for fd in (self._ready_w, self._go_r, self._result_w):
            os.close(fd)
        assert os.read(self._ready_r, 1) == b"1", "the victim did not write its first batch"

    def _run(self, root: Path, destination: str) -> None:  # pragma: no cover - the child
        os.setgroups([])
        os.setgid(VICTIM)
        os.setuid(VICTIM)
        warnings: list[str] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                # Only this spool's: a `Telemetry` another test left running is restarted
                # in a forked child (`runtime/_fork.py`) and may warn of its own exports.
                if str(root) in record.getMessage():
                    warnings.append(record.getMessage())

        logging.getLogger("codex_otel").addHandler(Keep(logging.WARNING))
        spool = Spool(root, destination, 1 << 20)
        first = spool.write(good_batch("first", 3))
        os.write(self._ready_w, b"1")
        os.read(self._go_r, 1)
        second = spool.write(good_batch("second", 3))
        delivered = [
            claim.batch.events[0].attributes["conversation.id"] for claim in spool.claims()
        ]
        result = {
            "first": first,
            "second": second,
            "failed": spool.failed,
            "read": delivered,
            "warnings": warnings,
        }
        os.write(self._result_w, json.dumps(result).encode())

    def finish(self) -> dict[str, object]:
        os.write(self._go_w, b"1")
        os.close(self._go_w)
        with os.fdopen(self._result_r, "rb") as pipe:
            data = pipe.read()
        os.close(self._ready_r)
        os.waitpid(self.pid, 0)
        result: dict[str, object] = json.loads(data)
        return result


@pytest.fixture
def shared_base() -> Iterator[Path]:
    """A folder every user can traverse (pytest's tmp_path is root's alone)."""
    base = Path(tempfile.mkdtemp(prefix="codex-otel-shared-"))
    os.chmod(base, 0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def their_folder(base: Path) -> Path:
    """The neighbour's folder, open to the victim's writes: where a redirected batch lands."""
    theirs = base / "theirs"
    theirs.mkdir()
    os.chown(theirs, NEIGHBOUR, NEIGHBOUR)
    os.chmod(theirs, 0o777)
    return theirs


def swap_for_symlink(root: Path, destination: str, theirs: Path) -> Callable[[], object]:
    def swap() -> object:
        os.rename(root / destination, root / f"{destination}-moved")
        os.symlink(theirs, root / destination)
        return "swapped"

    return swap


def test_a_sticky_root_owned_by_a_neighbour_is_refused_before_they_can_swap(
    shared_base: Path,
) -> None:
    """The issue's case 11: a 1777 root owned by another user. Its owner may rename
    anything in it, sticky bit or not: before, they swapped the destination folder for a
    symlink after the first write, and the next batch was written into their folder."""
    need_root()
    shared = shared_base / "shared"
    shared.mkdir()
    os.chown(shared, NEIGHBOUR, NEIGHBOUR)
    os.chmod(shared, 0o1777)
    theirs = their_folder(shared_base)
    destination = "d" * 32

    victim = Victim(shared, destination)
    if (shared / destination).exists():  # written before the fix: the neighbour swaps it
        assert as_user(NEIGHBOUR, swap_for_symlink(shared, destination, theirs)) == "swapped"
    else:  # refused: the neighbour plants the symlink the victim would have used
        os_symlink = as_user(NEIGHBOUR, lambda: os.symlink(theirs, shared / destination))
        assert os_symlink is None
    result = victim.finish()

    assert list(theirs.iterdir()) == []  # nothing of the victim's, ever
    assert result["first"] == 0 and result["second"] == 0
    assert result["failed"] == 6 and result["read"] == []
    warnings = result["warnings"]
    assert isinstance(warnings, list) and len(warnings) == 1, warnings
    assert f"belongs to another user (uid {NEIGHBOUR})" in warnings[0]


def test_under_a_root_owned_sticky_root_a_neighbour_cannot_move_the_spools_folder(
    shared_base: Path,
) -> None:
    """A root-owned 1777 root (as /tmp) is fine: the sticky bit keeps the neighbour from
    renaming the victim's folder, and a symlink they plant for another destination is
    refused, never followed."""
    need_root()
    shared = shared_base / "tmp"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    theirs = their_folder(shared_base)
    destination = "e" * 32
    planted = "f" * 32
    assert as_user(NEIGHBOUR, lambda: os.symlink(theirs, shared / planted)) is None

    victim = Victim(shared, destination)
    attempt = as_user(NEIGHBOUR, swap_for_symlink(shared, destination, theirs))
    assert isinstance(attempt, str) and attempt.startswith("PermissionError"), attempt
    result = victim.finish()
    assert (result["first"], result["second"], result["failed"]) == (3, 3, 0)
    read = result["read"]
    assert isinstance(read, list) and sorted(read) == ["first", "second"]
    assert stat.S_IMODE((shared / destination).stat().st_mode) == 0o700
    assert (shared / destination).stat().st_uid == VICTIM

    lured = Victim(shared, planted)
    result = lured.finish()
    assert (result["first"], result["second"]) == (0, 0)
    assert list(theirs.iterdir()) == []
    warnings = result["warnings"]
    assert isinstance(warnings, list) and len(warnings) == 1, warnings
    assert "not a plain folder" in warnings[0]
