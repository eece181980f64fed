"""The on-disk spool: events that could not be delivered, kept for the next process.

Layout: `<root>/<destination>/<time_ns>-<pid>-<seq>.jsonl`, where `<root>` is
`[otel.spool] path` (default `$XDG_STATE_HOME/codex-otel`, else `~/.local/state/codex-otel`)
and `<destination>` a hash of the exporter kind, encoding, endpoint and headers (a hash of
their names and values among the hashed text): no endpoint, token or header ever appears in
a name, and a spooled event is only ever offered to the destination it was emitted for.

Folders: a root the spool creates is made 0700; an existing root keeps its mode (it may be
a shared folder such as `/tmp`, 1777), but one owned by another user than this one or
root, or group- or world-writable without the sticky bit, is refused (others could swap
the spool's folder). The `<destination>` folder is the spool's own: created 0700,
narrowed to 0700 when it is wider, and refused when another user owns it or it is not a
plain folder (a symlink). The folders are checked at every write and every read, and
used through the checked descriptor, never through the path (`_spool_disk.py`): a swap
after the check changes nothing. A refused spool is reported once and not used: nothing
is written there nor delivered from there. Files are 0600.

A file is JSON lines: a header (format, version, destination, the resource and scope the
events were emitted with, the event count; `"interrupted": true` when a signal had it
written, for the run that delivers it to report), then one event per line (name, timestamps,
attributes). JSON rather than the OTLP protobuf of the export request, because the spool
must be readable, writable and checkable without the `otel` extra: the events still
waiting for the background start at exit are written without importing the SDK, and a
corrupt file is recognised by the standard library alone. JSON keeps what the exporter
would have encoded: str, int, float (NaN and infinities as JSON's extensions), bool and
lists of them; lone surrogates survive as `\\udXXX` escapes. What is spooled is what
would have been exported: the attributes after redaction and truncation, never headers.

Writing is atomic (a hidden temporary file renamed into place), so a reader never sees a
half-written file. Delivering is claim, export, delete: a process claims a file by
renaming it to `<name>.claimed-<pid>`; rename is atomic, so of two processes starting at
once exactly one gets each file, and no batch is delivered twice by two processes. A
batch is delivered at least once, not exactly once: a process killed after the collector
accepted a batch but before the file was deleted leaves a claim that a later process
takes back (its owner is dead) and delivers again.

The spool is bounded per destination (`max_bytes`): when a new batch does not fit, the
oldest files are deleted first, and their events counted as dropped. A file that cannot
be read (corrupt, truncated; not a regular file, such as a FIFO or a symlink; larger than
the cap; nested deeper than the format ever is) is renamed `<name>.corrupt` and skipped,
never read beyond the cap nor waited on, and the files after it are delivered as usual; a
file of another format version is renamed `<name>.v<version>`, left for that version (a
process renames its own version's `*.v<VERSION>` files back and delivers them, and
ignores the others'). Both are reported once (WARNING), by the process that renames them;
later processes ignore the new names silently. Names the spool never writes (a README,
an editor's backup) are ignored without a word. Set-aside files count against the cap,
so they go in time. Each kind of trouble is reported once per process on the
`codex_otel` logger. Nothing here raises into the host: every disk error is
counted, reported once and swallowed.

Longer than most modules: writing, the cap, claiming and reading share the file names'
rules, the lock and the counters, and the format's checks are the reader's. The disk
access itself (descriptors, checks, bounded reads) is `_spool_disk.py`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeGuard

from ._fork import at_fork
from ._int64 import INT64_MAX, INT64_MIN
from ._spool_disk import NotSpoolData, UnsafeFolder, entry_size, open_folder, read_plain
from .config import ExporterConfig, OtlpGrpcExporter, OtlpHttpExporter
from .types import AttributeValue

logger = logging.getLogger("codex_otel")

FORMAT = "codex-otel-spool"
VERSION = 1
_SUFFIX = ".jsonl"
#: `<time_ns>-<pid>-<seq>[.r<rejections>].jsonl`: oldest first by name.
_PENDING = re.compile(r"(?P<stem>\d{20}-\d+-\d+)(?:\.r(?P<rejected>\d+))?\.jsonl")
_CLAIMED = re.compile(r"(?P<base>\d{20}-\d+-\d+(?:\.r\d+)?\.jsonl)\.claimed-(?P<pid>\d+)")
#: What a process of another version renames this version's files to.
_MINE_SET_ASIDE = f".v{VERSION}"
#: Set aside: unreadable (`.corrupt`) or of another format version (`.v<version>`).
_SET_ASIDE = re.compile(r"\d{20}-\d+-\d+(?:\.r\d+)?\.jsonl\.(?:corrupt|v\d{1,9})")
#: A batch the collector refused this many times, while it took others, is dropped: a
#: batch it will never take must not be sent again by every run for ever.
MAX_REJECTIONS = 3
_TEMPORARY = re.compile(r"\.tmp-(?P<pid>\d+)-\d+")
#: A claim older than this is taken back even if its pid is alive (the pid was reused).
_STALE_CLAIM_S = 600.0
#: When this process could first have claimed a file (no claim before this module is
#: imported): a claim with this process's pid but older than that was made by an earlier
#: process with the same pid (containers give every run the same one) that was killed.
_STARTED_NS = time.time_ns()
#: The deepest nesting of a line: an event's `{"attributes": {"key": [values]}}`. A line
#: nested deeper is not the spool's (and JSON's parser would recurse once per level).
_MAX_NESTING = 3
#: A JSON string once its escaped backslashes and quotes are gone (`_shallow`), on one
#: line. No backslash case in the pattern: with one, an unterminated string of escaped
#: quotes (`"\"\"\"...`) failed from every quote, in time quadratic in the line.
_JSON_STRING = re.compile(r'"[^"\n]*"')
#: An innermost array or object, on one line: no bracket inside.
_INNERMOST = re.compile(r"\[[^\[\]{}\n]*\]|\{[^\[\]{}\n]*\}")


class _HeldHere:
    """The claimed paths this process holds, over all its `Spool`s (one per destination,
    but two `Telemetry` objects may share one): never taken back from under it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: set[str] = set()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reinit_after_fork)

    def add(self, path: Path) -> None:
        with self._lock:
            self._paths.add(str(path))

    def discard(self, path: Path) -> None:
        with self._lock:
            self._paths.discard(str(path))

    def __contains__(self, path: Path) -> bool:
        with self._lock:
            return str(path) in self._paths

    def _reinit_after_fork(self) -> None:
        self._lock = threading.Lock()
        self._paths = set()  # the parent's claims: a child has another pid anyway


_HELD_HERE = _HeldHere()


def default_root(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_STATE_HOME/codex-otel`, else `~/.local/state/codex-otel` (XDG base dirs)."""
    environ = os.environ if environ is None else environ
    state = environ.get("XDG_STATE_HOME", "").strip()
    # The XDG spec: a relative XDG_STATE_HOME is invalid and ignored.
    if state and os.path.isabs(state):
        return Path(state) / "codex-otel"
    return Path.home() / ".local" / "state" / "codex-otel"


def destination_key(exporter: ExporterConfig) -> str | None:
    """The spool folder of an exporter's destination; None for exporters that never spool.

    A hash, so that neither the endpoint nor anything in it (user info, a query token)
    is written to disk. The encoding is part of it: a JSON collector endpoint and a
    protobuf one are different destinations even on the same URL. So are the headers: two
    tenants (or API keys) of one collector URL are two destinations, and events spooled
    for one are never sent with the other's credentials. Only a hash of the headers
    enters the hashed text, never their values; a rotated key starts a new spool.
    """
    if isinstance(exporter, OtlpHttpExporter):
        identity = f"otlp-http\n{exporter.protocol}\n{exporter.endpoint}"
    elif isinstance(exporter, OtlpGrpcExporter):
        identity = f"otlp-grpc\nbinary\n{exporter.endpoint}"
    else:
        return None  # `none` exports nothing; a file exporter does not fail for an outage
    identity += f"\n{_headers_digest(exporter.headers)}"
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _headers_digest(headers: Mapping[str, str]) -> str:
    """sha256 of the headers, names lower-cased (HTTP and gRPC names are case-blind) and
    sorted; JSON keeps every name/value boundary unambiguous."""
    pairs = sorted((name.lower(), value) for name, value in headers.items())
    text = json.dumps(pairs, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Event:
    """One spooled event: exactly what the exporter would have encoded."""

    name: str
    timestamp_ns: int
    observed_ns: int
    attributes: Mapping[str, AttributeValue]
    #: The span it was emitted in: trace id (32 hex digits), span id (16), W3C flags;
    #: "" when none (the record's ids are zero then). Keyword-only, so that subclasses
    #: (`MetricPoint`) add positional fields after them.
    trace_id: str = field(default="", kw_only=True)
    span_id: str = field(default="", kw_only=True)
    trace_flags: int = field(default=0, kw_only=True)


@dataclass(frozen=True)
class Batch:
    """Events emitted under one resource and instrumentation scope."""

    resource: Mapping[str, AttributeValue]
    scope_name: str
    scope_version: str | None
    events: Sequence[Event] = field(default_factory=tuple)


class UnreadableFile(Exception):
    """A spool file that is not a well-formed file of this format and version."""


class UnknownVersion(UnreadableFile):
    """A file of this format but another version: left for the version that wrote it."""

    def __init__(self, version: int) -> None:
        super().__init__(f"format version {version}, not {VERSION}")
        self.version = version


class Claim:
    """A spool file this process has claimed. `done()` after delivery, else `release()`."""

    def __init__(self, spool: Spool, claimed: str, base: str, batch: Batch) -> None:
        self._spool = spool
        #: The claimed file's name in the destination folder.
        self.claimed = claimed
        self.path = spool.directory / claimed
        self.name = base
        self.batch = batch

    def done(self) -> bool:
        """Delivered: the file goes. False when shutdown had put it back meanwhile (it is
        delivered again later: at least once)."""
        if not self._spool.settle(self):
            return False
        try:
            with self._spool.folder() as folder:
                os.unlink(self.claimed, dir_fd=folder)
        except (OSError, UnsafeFolder) as error:
            self._spool.trouble("delete", f"cannot delete a delivered spool file: {error}")
        return True

    def release(self) -> None:
        """Not delivered: the file goes back, for this or a later process to try again.

        While claimed it did not count against the cap, so files written meanwhile may
        have filled the spool: the cap is applied again (the oldest, often this one, go)."""
        if not self._spool.settle(self):
            return
        try:
            with self._spool.folder() as folder:
                os.rename(self.claimed, self.name, src_dir_fd=folder, dst_dir_fd=folder)
        except (OSError, UnsafeFolder) as error:
            self._spool.trouble("release", f"cannot put back a spool file: {error}")
            return
        self._spool.apply_cap()

    def rejected(self) -> None:
        """The collector refused this batch while it took others: count it against the
        batch, and drop the batch (counted, reported once) after `MAX_REJECTIONS`."""
        match = _PENDING.fullmatch(self.name)
        assert match is not None  # claims are only made of pending names
        times = int(match["rejected"] or 0) + 1
        if times >= MAX_REJECTIONS:
            if self._spool.held(self):
                self.done()
                self._spool.note_rejected(len(self.batch.events), times)
            return
        self.name = f"{match['stem']}.r{times}.jsonl"
        self.release()


class Spool:
    """The spool folder of one destination. Thread-safe; never raises into the host.

    A spool of another kind of item (metric points: `_metrics_spool.py`) names its own
    `format_name` and turns its items into lines and back (`_event_line`, `_event_from`);
    the files' handling (writing, the cap, claims, what is set aside) is this class's."""

    #: The header's `format`: a file of another format is set aside, never delivered.
    format_name: ClassVar[str] = FORMAT

    def __init__(self, root: Path, destination: str, max_bytes: int) -> None:
        self.root = root
        self.destination = destination
        self.directory = root / destination
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._sequence = itertools.count()
        self._reported: set[str] = set()
        #: Events written to disk.
        self.spooled = 0
        #: Events deleted (or never written) because the spool was full.
        self.dropped = 0
        #: Events lost because the disk refused them (permissions, disk full).
        self.failed = 0
        #: Files skipped as corrupt, truncated, of another version or unknown.
        self.skipped_files = 0
        #: Events this process delivered from the spool (its files removed).
        self.delivered = 0
        #: Of those, events an interrupted run left: files it had claimed (killed while it
        #: was writing ahead or delivering: taken back from the dead process), and files a
        #: signal had it write (their header says `interrupted`).
        self.delivered_interrupted = 0
        #: Set at a signal (`_signals.py`): the files written from then on are marked as
        #: an interrupted run's (for the run that delivers them to say so).
        self.interrupted = False
        #: The names whose delivery counts as an interrupted run's (see above).
        self._taken_back: set[str] = set()
        self._skipped: set[str] = set()
        #: The claims this process holds and has not yet settled (done or released).
        self._held: set[Claim] = set()
        self._claims_closed = False
        at_fork(after_in_child=self._reinit_after_fork)

    def _reinit_after_fork(self) -> None:
        # The claims held at the fork are the parent's to settle: a child that put them
        # back at its exit would have the parent's delivery sent twice.
        self._lock = threading.Lock()
        self._held = set()

    # --- writing -----------------------------------------------------------------------

    def write(self, batch: Batch) -> int:
        """Spool `batch`; returns how many of its events were written. Never raises."""
        if not batch.events:
            return 0
        try:
            lines, trimmed = self._encode(batch)
            with self._lock:
                self.dropped += trimmed
                if trimmed:
                    self._report_full()
                if not lines:
                    return 0
                data = "".join(lines).encode("ascii")
                # Checked now, used through its descriptor (raises UnsafeFolder: counted
                # as failed below).
                with self.folder(create=True) as folder:
                    self._make_room(folder, len(data))
                    self._write_file(folder, data)
                written = len(lines) - 1
                self.spooled += written
                first = "spooled" not in self._reported
                self._reported.add("spooled")
            if first:  # INFO: delayed, not lost; the host's logging decides whether it shows
                logger.info(
                    "codex-otel: undelivered events are spooled at %s for the next run to deliver",
                    _printable(str(self.directory)),
                )
            return written
        except UnsafeFolder as problem:  # someone else's folder: never write there
            with self._lock:
                self.failed += len(batch.events)
            self.trouble("unsafe", f"the spool is not used: {problem}")
            return 0
        except Exception as error:  # a full disk, a read-only home: count, report, go on
            with self._lock:
                self.failed += len(batch.events)
            self.trouble("write", f"cannot write to the spool at {self.directory}: {error}")
            return 0

    def _encode(self, batch: Batch) -> tuple[list[str], int]:
        """The file's lines, header first; the oldest events are cut to fit `max_bytes`."""
        events = [_dump(self._event_line(event)) for event in batch.events]
        budget = self.max_bytes
        kept = len(events)
        header_size = len(self._header(batch, kept))
        total = header_size + sum(len(line) for line in events)
        start = 0
        while start < len(events) and total > budget:
            total -= len(events[start])
            start += 1
        kept = len(events) - start
        if kept == 0:
            return [], len(events)
        return [self._header(batch, kept), *events[start:]], start

    def _event_line(self, event: Event) -> dict[str, Any]:
        """One event as its line's JSON object."""
        line: dict[str, Any] = {
            "name": event.name,
            "time": event.timestamp_ns,
            "observed": event.observed_ns,
            "attributes": dict(event.attributes),
        }
        if event.trace_id:
            # An optional key: a reader of this version that does not know it ignores it.
            line["trace"] = [event.trace_id, event.span_id, event.trace_flags]
        return line

    def _event_from(self, value: dict[str, Any], number: int) -> Event:
        """The event of a line's JSON object (line `number`); raises `UnreadableFile`."""
        return _event(value, number)

    def _header(self, batch: Batch, count: int) -> str:
        header: dict[str, object] = {
            "format": self.format_name,
            "version": VERSION,
            "destination": self.destination,
            "resource": dict(batch.resource),
            "scope": {"name": batch.scope_name, "version": batch.scope_version},
            "count": count,
        }
        if self.interrupted:
            # An optional key: a reader of this version that does not know it ignores it.
            header["interrupted"] = True
        return _dump(header)

    @contextlib.contextmanager
    def folder(self, *, create: bool = False) -> Iterator[int]:
        """The destination folder's descriptor, checked now (see `_spool_disk`). Raises
        `UnsafeFolder` for a folder the spool must not use, `FileNotFoundError` when it
        does not exist and `create` is false, `OSError` for a disk error."""
        fd = open_folder(self.root, self.destination, create=create)
        if fd is None:
            raise FileNotFoundError(f"no spool folder at {self.directory}")
        try:
            yield fd
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[int | None]:
        """The checked folder to read from, or None: no folder yet (nothing spooled,
        silently), or one that must not be used (reported once)."""
        try:
            fd = open_folder(self.root, self.destination, create=False)
        except UnsafeFolder as problem:
            self.trouble("unsafe", f"the spool is not used: {problem}")
            fd = None
        except OSError as error:
            self.trouble("folder", f"cannot use the spool at {self.directory}: {error}")
            fd = None
        try:
            yield fd
        finally:
            if fd is not None:
                os.close(fd)

    # --- write ahead (`_write_ahead.py`) -----------------------------------------------

    def write_ahead(self, batch: Batch) -> str | None:
        """Write `batch` before its first export, claimed by this process (no other
        process delivers it while this one exports it; one that finds this process dead
        takes it back and delivers it). Returns the name `settle_ahead` wants; None when
        it could not be written (reported once; the export goes on, kept as before if it
        fails). Never raises."""
        if not batch.events:
            return None
        try:
            lines, trimmed = self._encode(batch)
            if trimmed or not lines:
                return None  # larger than the cap: kept (and trimmed) only if it fails
            data = "".join(lines).encode("ascii")
            with self._lock, self.folder(create=True) as folder:
                return self._write_file(folder, data, claimed=True)
        except UnsafeFolder as problem:
            self.trouble("unsafe", f"the spool is not used: {problem}")
        except Exception as error:  # a full disk, a read-only folder: the export goes on
            self.trouble("write", f"cannot write to the spool at {self.directory}: {error}")
        return None

    def settle_ahead(self, name: str, events: int, *, delivered: bool) -> bool:
        """The export of a batch written ahead is over: delivered, its file goes (never
        delivered again); else the file becomes pending, for a later delivery. True when
        that was done. Never raises."""
        claimed = f"{name}.claimed-{os.getpid()}"
        try:
            with self.folder() as folder:
                if delivered:
                    os.unlink(claimed, dir_fd=folder)
                else:
                    os.rename(claimed, name, src_dir_fd=folder, dst_dir_fd=folder)
        except (OSError, UnsafeFolder) as error:
            what = "delete a delivered" if delivered else "keep an undelivered"
            self.trouble("settle", f"cannot {what} spool file: {error}")
            return False
        finally:
            _forget_claim(self.directory / claimed)
        if delivered:
            return True
        with self._lock:
            self.spooled += events
            first = "spooled" not in self._reported
            self._reported.add("spooled")
        if first:
            logger.info(
                "codex-otel: undelivered events are spooled at %s for the next run to deliver",
                self.directory,
            )
        self.apply_cap()  # while claimed it did not count against the cap
        return True

    def _write_file(self, folder: int, data: bytes, *, claimed: bool = False) -> str:
        """Write a file atomically; its pending name (claimed by this process when
        `claimed`: then the file on disk is `<name>.claimed-<pid>`)."""
        sequence = next(self._sequence)
        temporary = f".tmp-{os.getpid()}-{sequence}"
        # Created 0600 from the start: the events are never readable by others, not even
        # for the moment between open and chmod.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        name = f"{time.time_ns():020d}-{os.getpid()}-{sequence}{_SUFFIX}"
        descriptor = os.open(temporary, flags, 0o600, dir_fd=folder)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            # No fsync: it would cost the exit milliseconds, and a killed process loses
            # nothing from the page cache; only a machine crash right after exit could.
            final = name
            if claimed:
                final = f"{name}.claimed-{os.getpid()}"
                _HELD_HERE.add(self.directory / final)  # never taken back from under us
            os.replace(temporary, final, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            if claimed:
                _forget_claim(self.directory / f"{name}.claimed-{os.getpid()}")
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder)
            raise
        return name

    def apply_cap(self) -> None:
        """Delete the oldest files while the spool is over `max_bytes`. Never raises."""
        try:
            with self._lock, self.folder() as folder:
                self._make_room(folder, 0)
        except (OSError, UnsafeFolder) as error:
            self.trouble("cap", f"cannot apply the spool's cap at {self.directory}: {error}")

    def _make_room(self, folder: int, incoming: int) -> None:
        """Delete the oldest files until `incoming` more bytes fit under `max_bytes`."""
        files = sorted(self._sized_files(folder))
        total = sum(size for _, size in files) + incoming
        for name, size in files:
            if total <= self.max_bytes:
                break
            events = self._declared_count(name, folder)
            try:
                os.unlink(name, dir_fd=folder)
            except FileNotFoundError:
                events = 0  # claimed or dropped by another process meanwhile
            total -= size
            self.dropped += events
            self._report_full()

    def _sized_files(self, folder: int) -> Iterator[tuple[str, int]]:
        for name in self._entries(folder):
            if _PENDING.fullmatch(name) or _SET_ASIDE.fullmatch(name):
                size = entry_size(name, folder)
                if size is not None:
                    yield name, size

    def _declared_count(self, name: str, folder: int) -> int:
        """The event count a file's header declares (0 when it cannot be read)."""
        try:
            line = read_plain(name, folder, self.max_bytes, first_line=True)
            text = line.decode("ascii")
            header = _load(text, 1) if _shallow(text) else {}
        except (OSError, NotSpoolData, UnreadableFile, UnicodeDecodeError):
            return 0
        count = header.get("count")
        return count if _is_time(count) else 0

    def _report_full(self) -> None:
        if "full" not in self._reported:
            self._reported.add("full")
            logger.warning(
                "codex-otel: the spool at %s is full (max_bytes=%d); the oldest undelivered "
                "events are dropped and counted",
                _printable(str(self.directory)),
                self.max_bytes,
            )

    # --- delivering --------------------------------------------------------------------

    def claims(self, *, written_since_ns: int = 0) -> Iterator[Claim]:
        """Claim and read the spooled files, oldest first, one at a time; with
        `written_since_ns`, only the files written from that time on (a file's name begins
        with the time it was written).

        Files another process claims first are skipped; unreadable files are set aside
        and reported once, and the files after them delivered all the same. The folder is
        checked again for each file. The caller `done()`s or `release()`s each claim it
        gets.
        """
        with self._reading() as folder:
            if folder is None:
                return  # no folder yet (nothing spooled), or one that must not be trusted
            self._take_back_abandoned(folder)
            names = sorted(self._entries(folder))
        for name in names:
            if not _PENDING.fullmatch(name) or name in self._skipped:
                continue  # claimed, set aside, being written, or not the spool's at all
            if written_since_ns and int(name[:20]) < written_since_ns:
                continue
            with self._reading() as folder:
                if folder is None:
                    return
                claim = self._claim(name, folder)
            if claim is None:
                continue
            with self._lock:
                self._held.add(claim)
                closed = self._claims_closed
            if closed:  # shutdown released the held claims while this one was made
                claim.release()
                return
            yield claim

    def _claim(self, name: str, folder: int) -> Claim | None:
        """Claim and read one pending file; None when another process claimed it first,
        or when it is set aside (unreadable, another version)."""
        claimed = f"{name}.claimed-{os.getpid()}"
        _HELD_HERE.add(self.directory / claimed)  # before the rename: never looks abandoned
        try:
            os.rename(name, claimed, src_dir_fd=folder, dst_dir_fd=folder)
        except FileNotFoundError:
            _forget_claim(self.directory / claimed)
            return None  # another process claimed it first
        except OSError as error:
            _forget_claim(self.directory / claimed)
            self.trouble("claim", f"cannot claim a spool file: {error}")
            return None
        with contextlib.suppress(OSError, NotImplementedError):
            # The claim's age, for `_take_back_abandoned`: the exact clock, not the file
            # system's coarser "now", to compare with `_STARTED_NS`. Not through a link.
            now = time.time_ns()
            os.utime(claimed, ns=(now, now), dir_fd=folder, follow_symlinks=False)
        try:
            batch, interrupted = self._read(claimed, folder)
        except UnknownVersion as problem:
            aside = f"{name}.v{problem.version}"
            self._skip(name, f"set aside as {aside}: {problem}")
        except Exception as problem:  # anything else: whatever it holds, it is not ours
            self._skip(name, f"set aside as {name}.corrupt: {problem}")
            aside = f"{name}.corrupt"
        else:
            if interrupted:
                with self._lock:
                    self._taken_back.add(name)
            return Claim(self, claimed, name, batch)
        _forget_claim(self.directory / claimed)
        with contextlib.suppress(OSError):
            os.rename(claimed, aside, src_dir_fd=folder, dst_dir_fd=folder)
        return None

    def held(self, claim: Claim) -> bool:
        with self._lock:
            return claim in self._held

    def settle(self, claim: Claim) -> bool:
        """Mark `claim` settled; False when it already was (`release_held` got there)."""
        with self._lock:
            if claim not in self._held:
                return False
            self._held.discard(claim)
        _forget_claim(claim.path)
        return True

    def release_held(self) -> int:
        """At shutdown: put back every file this process still holds.

        The delivery thread is a daemon and may be in the middle of an export when the
        process exits; a claim left behind would wait for a later process to notice its
        owner is dead. Returns the number of files put back."""
        with self._lock:
            self._claims_closed = True
            held = list(self._held)
        for claim in held:
            claim.release()
        return len(held)

    def note_delivered(self, events: int, name: str = "") -> bool:
        """Count `events` of the file `name` delivered; True when they were an interrupted
        run's."""
        with self._lock:
            self.delivered += events
            if name not in self._taken_back:
                return False
            self._taken_back.discard(name)
            self.delivered_interrupted += events
            return True

    def pending_events(self) -> int:
        """The events waiting in this destination's pending files now (headers only)."""
        with self._reading() as folder:
            if folder is None:
                return 0
            return sum(
                self._declared_count(name, folder)
                for name in self._entries(folder)
                if _PENDING.fullmatch(name)
            )

    def pending_files(self) -> list[Path]:
        """The files waiting for delivery (not claimed, not set aside), oldest first."""
        with self._reading() as folder:
            names = [] if folder is None else self._entries(folder)
        return [self.directory / name for name in sorted(names) if _PENDING.fullmatch(name)]

    def _read(self, name: str, folder: int) -> tuple[Batch, bool]:
        """The file's batch, and whether a signal had it written (`interrupted`)."""
        try:
            text = read_plain(name, folder, self.max_bytes).decode("ascii")
        except NotSpoolData as problem:
            raise UnreadableFile(str(problem)) from None
        except UnicodeDecodeError as error:
            raise UnreadableFile(f"not ASCII JSON ({error.reason})") from None
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UnreadableFile("a symbolic link, not a file the spool wrote") from None
            raise UnreadableFile(f"cannot be read ({error.strerror or error})") from None
        if not text.endswith("\n"):
            raise UnreadableFile("truncated (no final newline)")
        if not _shallow(text):  # every line at once: a few passes over the whole text
            raise UnreadableFile(f"not JSON lines nested at most {_MAX_NESTING} deep")
        lines = text.split("\n")[:-1]
        header = _load(lines[0], 1)
        if header.get("format") != self.format_name:
            raise UnreadableFile(f"not a {self.format_name} file")
        version = header.get("version")
        if version != VERSION:
            if _is_time(version) and version < 10**9:  # a sane version number: set aside
                raise UnknownVersion(version)
            raise UnreadableFile(f"format version {_brief(version)} is not a number")
        if header.get("destination") != self.destination:
            raise UnreadableFile("written for another destination")
        count = header.get("count")
        if count != len(lines) - 1:
            raise UnreadableFile(f"declares {_brief(count)} events, holds {len(lines) - 1}")
        resource, scope = header.get("resource"), header.get("scope")
        if not isinstance(resource, dict) or not isinstance(scope, dict):
            raise UnreadableFile("the header has no resource or scope")
        scope_name, scope_version = scope.get("name"), scope.get("version")
        if not isinstance(scope_name, str) or not isinstance(scope_version, str | None):
            raise UnreadableFile("the header's scope is malformed")
        events = [
            self._event_from(_load(line, number), number)
            for number, line in enumerate(lines[1:], 2)
        ]
        batch = Batch(_attributes(resource, 1), scope_name, scope_version, tuple(events))
        return batch, header.get("interrupted") is True

    def _take_back_abandoned(self, folder: int) -> None:
        """Put back the claims of processes that died before finishing their delivery, and
        this version's files another version set aside."""
        now = time.time_ns()
        for name in self._entries(folder):
            claimed = _CLAIMED.fullmatch(name)
            temporary = _TEMPORARY.fullmatch(name)
            if claimed is not None:
                pid = int(claimed["pid"])
                try:
                    made = os.stat(name, dir_fd=folder, follow_symlinks=False).st_mtime_ns
                except FileNotFoundError:
                    continue
                if pid == os.getpid():
                    # Ours, unless an earlier process with the same pid claimed it before
                    # this one started (and was killed: a container's every run is pid 1).
                    abandoned = self.directory / name not in _HELD_HERE and made < _STARTED_NS
                else:
                    abandoned = now - made > _STALE_CLAIM_S * 1e9 or not _alive(pid)
                if abandoned and self._rename(name, claimed["base"], folder):
                    with self._lock:
                        self._taken_back.add(claimed["base"])
            elif temporary is not None and not _alive(int(temporary["pid"])):
                with contextlib.suppress(OSError):
                    # A write cut off by a kill: never a visible spool file.
                    os.unlink(name, dir_fd=folder)
            elif name.endswith(_MINE_SET_ASIDE) and _SET_ASIDE.fullmatch(name):
                # This version's file, set aside by a process of another version: ours.
                self._rename(name, name[: -len(_MINE_SET_ASIDE)], folder)

    @staticmethod
    def _rename(old: str, new: str, folder: int) -> bool:
        try:
            os.rename(old, new, src_dir_fd=folder, dst_dir_fd=folder)
        except OSError:
            return False
        return True

    def _entries(self, folder: int) -> list[str]:
        try:
            return os.listdir(folder)
        except OSError as error:
            self.trouble("list", f"cannot list the spool at {self.directory}: {error}")
            return []

    def _skip(self, name: str, why: str) -> None:
        with self._lock:
            self._skipped.add(name)
            self.skipped_files += 1
        self.trouble("skip", f"skipping spool file {self.directory / name}: {why}")

    def note_rejected(self, events: int, times: int) -> None:
        with self._lock:
            self.dropped += events
        self.trouble(
            "rejected",
            f"a spooled batch of {events} events was refused by the collector {times} times "
            "while it accepted others; it is dropped and counted",
        )

    def trouble(self, kind: str, message: str) -> None:
        """Report a problem of this kind once per process; later ones are only counted."""
        with self._lock:
            if kind in self._reported:
                return
            self._reported.add(kind)
        logger.warning(
            "codex-otel: %s (further problems of this kind are not logged)", _printable(message)
        )


def _dump(value: object) -> str:
    # ASCII only: lone surrogates become \\udXXX escapes instead of failing to encode.
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=True) + "\n"


def _load(line: str, number: int) -> dict[str, Any]:
    """One line, already found `_shallow`."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        raise UnreadableFile(f"line {number}: not JSON") from None
    if not isinstance(value, dict):
        raise UnreadableFile(f"line {number}: not a JSON object")
    return value


def _shallow(text: str) -> bool:
    """Whether the arrays and objects of each line of `text` nest at most `_MAX_NESTING`
    deep (a line that does not balance its brackets is not: it is not JSON either).
    Checked without parsing: a few regular-expression passes over the text with its
    strings removed; neither a string nor a bracket pair spans lines."""
    # Escapes pair from the left, as JSON reads them: `\\` first, then `\"`. What is
    # left of a string has no backslash before a quote: one linear pass finds them all.
    skeleton = _JSON_STRING.sub("", text.replace("\\\\", "").replace('\\"', ""))
    for _ in range(_MAX_NESTING):
        skeleton, found = _INNERMOST.subn("", skeleton)
        if not found:
            break
    return not any(bracket in skeleton for bracket in "[]{}")


def _event(value: dict[str, Any], number: int) -> Event:
    name, stamp, observed = value.get("name"), value.get("time"), value.get("observed")
    if not (isinstance(name, str) and _is_stamp(stamp) and _is_stamp(observed)):
        raise UnreadableFile(f"line {number}: not an event (name, time, observed)")
    attributes = value.get("attributes")
    if not isinstance(attributes, dict):
        raise UnreadableFile(f"line {number}: no attributes object")
    trace = value.get("trace")
    if trace is None:
        return Event(name, stamp, observed, _attributes(attributes, number))
    if not (
        isinstance(trace, list)
        and len(trace) == 3
        and _is_hex(trace[0], 32)
        and _is_hex(trace[1], 16)
        and type(trace[2]) is int
        and 0 <= trace[2] <= 255
    ):
        raise UnreadableFile(f"line {number}: a bad trace (trace id, span id, flags)")
    return Event(
        name,
        stamp,
        observed,
        _attributes(attributes, number),
        trace_id=trace[0],
        span_id=trace[1],
        trace_flags=trace[2],
    )


def _is_hex(value: object, digits: int) -> bool:
    return (
        isinstance(value, str)
        and len(value) == digits
        and all(char in "0123456789abcdef" for char in value)
    )


def _attributes(value: dict[str, Any], number: int) -> dict[str, AttributeValue]:
    for key, item in value.items():
        if isinstance(item, list):
            if not all(_scalar(member) for member in item):
                raise UnreadableFile(f"line {number}: attribute {_brief(key)} has a bad array")
        elif not _scalar(item):
            raise UnreadableFile(f"line {number}: attribute {_brief(key)} has a bad value")
    return value


def _printable(text: str) -> str:
    """`text` with its control and other unprintable characters escaped as `repr` would:
    a spool path from the config or XDG_STATE_HOME may hold a line break or an escape
    sequence, which must not start a new line of the host's log or colour it."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _brief(value: object) -> str:
    """A value read from a file, as a warning shows it: `repr` (no control character
    raw), cut to 60 characters (a planted file's 4 MiB string is no log line)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:50]}...({len(text)} characters)"


def _scalar(value: object) -> bool:
    """A value the spool writes: str, float, bool (an int) or an int within int64, as the
    runtime accepts at emit (OTLP has no larger integer: the SDK would drop it)."""
    if isinstance(value, int):
        return INT64_MIN <= value <= INT64_MAX
    return isinstance(value, str | float)


def _is_stamp(value: object) -> TypeGuard[int]:
    """A timestamp OTLP can carry (fixed64 nanoseconds): a larger one is never exported."""
    return _is_time(value) and value < 2**64


def _is_time(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _forget_claim(claimed: Path) -> None:
    _HELD_HERE.discard(claimed)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False  # OverflowError: a pid no process can have (a name planted by hand)
    except PermissionError:
        return True  # someone else's process: alive
    return True
