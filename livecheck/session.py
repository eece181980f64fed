"""One live-check run's checker, shared by every source behind one lock, and when to stop.

Files and receivers hand it what they read (`check_line`, and the receivers' `RequestSink`
methods); the run's main thread waits on `stopped`. Bad requests are counted in the report
and the first `SHOWN_BAD_LINES` are named on standard error as they come.
"""

from __future__ import annotations

import sys
import threading

from .checker import LiveChecker
from .otlp_json import decode_json_line
from .otlp_proto import decode_proto_request
from .receivers import Encoding, Signal
from .records import (
    Batch,
    InvalidRequest,
    LiveMetric,
    LivePoint,
    LiveRecord,
    LiveSpan,
    ResourceMetrics,
    ResourceSpans,
)
from .report import Report, build_report

#: Bad requests named on standard error as they are met (all are counted in the report).
SHOWN_BAD_LINES = 20


class Session:
    """The checker shared by every source, behind one lock, and when to stop."""

    def __init__(
        self, checker: LiveChecker, max_records: int | None, *, allow_empty: bool = False
    ) -> None:
        self.checker = checker
        self.max_records = max_records
        self.allow_empty = allow_empty
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._bad_lines = 0
        #: Why an input could not be read (exit 2), set by the reading thread.
        self.read_error: str | None = None
        #: How each input was read: `lines` (JSON lines) or `documents` (whole JSON
        #: documents, pretty-printed or not), by its name in the report.
        self.inputs: dict[str, str] = {}

    def _room(self) -> int | None:
        if self.max_records is None:
            return None
        checker = self.checker
        return self.max_records - checker.records - checker.points - checker.span_count

    def check(self, batches: list[Batch], where: str) -> None:
        with self._lock:
            if self.stopped.is_set():
                return
            self.checker.requests += 1
            room = self._room()
            if room is not None:
                batches = first_records(batches, room)
            self.checker.check_batches(batches, where)
            if self._room() == 0:
                self.stopped.set()

    def check_line(self, line: bytes | str, where: str) -> None:
        """One OTLP/JSON line. Its decoded records die with the call: a reading loop that
        kept them in a local until the next line was decoded held two lines' records at
        once, and the collector's full passes walked them (checking a third slower)."""
        try:
            batches = decode_json_line(line)
        except InvalidRequest as error:
            self.bad(where, str(error))
            return
        self.check(batches, where)

    def report(self, fail_on: str) -> Report:
        """The report of what was checked, once no source checks any more: the lock makes
        it whole (a request being checked when the stop came is in it, or not at all)."""
        with self._lock:
            self.stopped.set()
            checker = self.checker
            nothing = not (checker.records or checker.points or checker.span_count)
            if not self.allow_empty and nothing:
                checker.nothing_checked()
            return build_report(checker, fail_on=fail_on, inputs=dict(self.inputs))

    def bad(self, where: str, problem: str) -> None:
        self._note(where, problem, refused=False)

    def _note(self, where: str, problem: str, *, refused: bool) -> None:
        with self._lock:
            if self.stopped.is_set():
                return
            self.checker.requests += 1
            if refused:
                self.checker.refused(where, problem)
            else:
                self.checker.invalid(where, problem)
            self._bad_lines += 1
            shown = self._bad_lines
        if shown <= SHOWN_BAD_LINES:
            print(f"codex-otel live-check: {where}: {problem}", file=sys.stderr)
        elif shown == SHOWN_BAD_LINES + 1:
            print("codex-otel live-check: more bad requests: see the report", file=sys.stderr)

    # -- the receivers' sink (RequestSink)

    def accept(
        self, encoding: Encoding, body: bytes, where: str, signal: Signal = "logs"
    ) -> str | None:
        try:
            if encoding == "json":
                batches = decode_json_line(body, signal)
            else:
                batches = decode_proto_request(body, signal)
        except InvalidRequest as error:
            self.bad(where, str(error))
            return str(error)
        self.check(batches, where)
        return None

    def reject(self, where: str, problem: str) -> None:
        self._note(where, problem, refused=False)

    def turn_away(self, where: str, reason: str) -> None:
        self._note(where, reason, refused=True)


def first_records(batches: list[Batch], room: int) -> list[Batch]:
    """The batches cut to their first `room` records, data points or spans
    (`--max-records`)."""
    out: list[Batch] = []
    for batch in batches:
        if room <= 0:
            break
        if isinstance(batch, ResourceMetrics):
            metrics: list[LiveMetric] = []
            for metric in batch.metrics:
                if room <= 0:
                    break
                points: list[LivePoint] = metric.points[:room]
                metrics.append(metric._replace(points=points))
                room -= len(points)
            out.append(batch._replace(metrics=metrics))
            continue
        if isinstance(batch, ResourceSpans):
            spans: list[LiveSpan] = batch.spans[:room]
            out.append(batch._replace(spans=spans))
            room -= len(spans)
            continue
        kept: list[LiveRecord] = batch.records[:room]
        out.append(batch._replace(records=kept))
        room -= len(kept)
    return out
