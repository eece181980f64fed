"""`codex-otel live-check`: hold OTLP traffic against the catalog, report findings and coverage.

Sources: OTLP/JSON lines (`--input`, repeatable, `-` for standard input; each line an
export request of logs or of metrics) and receivers (`--otlp-grpc PORT`, `--otlp-http
PORT`; logs and metrics). Stops at `--max-records` (log records and metric data points),
after `--duration`,
at the end of the input when no receiver runs, or on Ctrl-C (SIGINT) or SIGTERM; then
prints the report. Exit 1 when a finding is at or above `--fail-on`, 0 otherwise, 2 on
bad input (a bad catalog, an unreadable file, a port in use, a missing extra).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import BinaryIO

from codex_otel.generator import CatalogError, load_catalog
from codex_otel.livecheck import (
    FAIL_ON_CHOICES,
    Batch,
    InvalidRequest,
    LiveChecker,
    LiveMetric,
    LivePoint,
    LiveRecord,
    Report,
    ResourceMetrics,
    ResourceRecords,
    build_report,
    decode_json_line,
    decode_proto_request,
    render,
)

from .otlp_receivers import (
    Encoding,
    GrpcReceiver,
    HttpReceiver,
    ReceiverError,
    Signal,
    receivers_available,
)

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
#: Bad input lines named on standard error as they are met (all are counted in the report).
SHOWN_BAD_LINES = 20


class Session:
    """The checker shared by every source, behind one lock, and when to stop."""

    def __init__(self, checker: LiveChecker, max_records: int | None) -> None:
        self.checker = checker
        self.max_records = max_records
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._bad_lines = 0
        #: Why an input could not be read (exit 2), set by the reading thread.
        self.read_error: str | None = None

    def _room(self) -> int | None:
        if self.max_records is None:
            return None
        return self.max_records - self.checker.records - self.checker.points

    def check(self, batches: list[Batch], where: str) -> None:
        with self._lock:
            if self.stopped.is_set():
                return
            self.checker.requests += 1
            room = self._room()
            if room is not None:
                batches = _first_records(batches, room)
            self.checker.check_batches(batches, where)
            if self._room() == 0:
                self.stopped.set()

    def check_line(self, line: bytes, where: str) -> None:
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
            return build_report(self.checker, fail_on=fail_on)

    def bad(self, where: str, problem: str) -> None:
        with self._lock:
            if self.stopped.is_set():
                return
            self.checker.requests += 1
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
        self.bad(where, problem)


def _first_records(batches: list[Batch], room: int) -> list[Batch]:
    """The batches cut to their first `room` records or data points (`--max-records`)."""
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
            out.append(ResourceMetrics(batch.resource, metrics))
            continue
        kept: list[LiveRecord] = batch.records[:room]
        out.append(ResourceRecords(batch.resource, kept))
        room -= len(kept)
    return out


# --- files ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _opened(name: str) -> Iterator[BinaryIO]:
    if name == "-":
        # A reader of its own on the descriptor, never closed: the reading thread may still
        # be blocked in it when the command ends, and nothing at exit waits for it.
        yield open(sys.stdin.fileno(), "rb", closefd=False)  # noqa: SIM115
        return
    with open(name, "rb") as handle:
        yield handle


def read_input(session: Session, name: str) -> None:
    """Check every line of one input (a file, or `-`) until its end or the session stops."""
    label = "<stdin>" if name == "-" else name
    with _opened(name) as handle:
        for number, line in enumerate(handle, 1):
            if session.stopped.is_set():
                return
            if not line.strip():
                continue  # blank lines (a trailing newline) are not requests
            session.check_line(line, f"{label}:{number}")


def _read_inputs(session: Session, names: list[str], *, last_source: bool) -> None:
    """The reading thread: every input in turn; at their end, the session stops when no
    receiver runs. An input that cannot be read stops it too, noted for exit 2."""
    try:
        for name in names:
            read_input(session, name)
    except OSError as error:
        session.read_error = f"cannot read the input: {error.strerror or error}"
    except Exception as error:  # a bug: exit 2 and its traceback, never a silent hang
        session.read_error = f"reading the input failed: {error!r}"
        raise
    finally:
        if last_source or session.read_error is not None:
            session.stopped.set()


def _unreadable(names: list[str]) -> str | None:
    for name in names:
        if name == "-":
            continue
        path = Path(name)
        if not path.is_file():
            return (
                f"--input {name}: no such file"
                if not path.exists()
                else f"--input {name}: not a file"
            )
        try:
            with open(path, "rb"):
                pass
        except OSError as error:
            return f"--input {name}: cannot read it: {error.strerror or error}"
    return None


# --- the command ---------------------------------------------------------------------------


def _error(message: str) -> int:
    print(f"codex-otel live-check: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _stop_on_signals(session: Session) -> dict[int, object]:
    """SIGINT (Ctrl-C) and SIGTERM stop the session, from now on.

    SIGINT gets a handler of its own too: a process started in the background by a shell
    without job control inherits SIGINT ignored, and Ctrl-C (or a test's SIGINT) must
    still stop it. Only the main thread can set handlers; elsewhere this does nothing.
    Returns the handlers it replaced."""

    def on_stop(_signum: int, _frame: FrameType | None) -> None:
        session.stopped.set()

    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for number in _STOP_SIGNALS:
            previous[number] = signal.signal(number, on_stop)
    return previous


def _restore_stop_signals(previous: dict[int, object]) -> None:
    """The handlers from before the run, for a caller that runs live-check in-process. The
    command's own process ignores both signals once the report is out (`cli.main`), so a
    late Ctrl-C cannot turn the verdict into 130."""
    for number, handler in previous.items():
        signal.signal(number, handler)  # type: ignore[arg-type]


def _wait(session: Session, deadline: float | None) -> None:
    """Until a stop: the end of the inputs when no receiver runs, `--max-records` reached,
    the deadline, Ctrl-C or SIGTERM. The main thread waits here whatever the sources, so
    every stop works on an input that stays open (a pipe whose writer is still running)."""
    try:
        while not session.stopped.is_set():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            session.stopped.wait(0.2 if left is None else min(0.2, left))
    except KeyboardInterrupt:
        pass  # Ctrl-C before the handler was set (or where it could not be): report
    session.stopped.set()


def run_live_check(args: argparse.Namespace) -> int:
    from .main import default_catalog

    schema = Path(args.schema) if args.schema else default_catalog()
    try:
        catalog = load_catalog(schema)
    except CatalogError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    inputs: list[str] = args.input or []
    if not inputs and args.otlp_grpc is None and args.otlp_http is None:
        return _error("nothing to check: give --input FILE, --otlp-grpc PORT or --otlp-http PORT")
    if inputs.count("-") > 1:
        return _error("--input - (standard input) can be given once")
    problem = _unreadable(inputs)
    if problem:
        return _error(problem)
    receiving = args.otlp_grpc is not None or args.otlp_http is not None
    if receiving:
        missing = receivers_available()
        if missing:
            return _error(
                f"the OTLP receivers need the otel extra ({missing}): "
                "pip install 'codex-otel[otel]'; --input of OTLP/JSON files works without it"
            )
    session = Session(LiveChecker(catalog), args.max_records)
    previous_handlers = _stop_on_signals(session)
    deadline = None if args.duration is None else time.monotonic() + args.duration
    receivers: list[GrpcReceiver | HttpReceiver] = []
    try:
        try:
            if args.otlp_grpc is not None:
                receivers.append(GrpcReceiver(args.host, args.otlp_grpc, session))
            if args.otlp_http is not None:
                receivers.append(HttpReceiver(args.host, args.otlp_http, session))
        except ReceiverError as error:
            return _error(str(error))
        for receiver in receivers:
            where = f"{receiver.host}:{receiver.port}"
            print(
                f"codex-otel live-check: {receiver.kind} receiver on {where}",
                file=sys.stderr,
                flush=True,
            )
        if inputs:
            # A daemon thread: one blocked on an input that stays open ends with the process.
            threading.Thread(
                target=_read_inputs,
                args=(session, inputs),
                kwargs={"last_source": not receivers},
                name="live-check-inputs",
                daemon=True,
            ).start()
        _wait(session, deadline)
    finally:
        session.stopped.set()
        for receiver in receivers:
            receiver.stop()
    if session.read_error is not None:
        return _error(session.read_error)
    report = session.report(args.fail_on)
    if isinstance(sys.stdout, io.TextIOWrapper):
        # Traffic can carry lone surrogates (OTLP/JSON allows them): shown escaped.
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        sys.stdout.write(render(report, args.format))
        sys.stdout.flush()
    finally:
        _restore_stop_signals(previous_handlers)
    return EXIT_OK if report.ok else EXIT_FINDINGS


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (0: any free port), not {port}")
    return port


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value

    return parse


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "live-check",
        help="check OTLP log and metric traffic (files, gRPC, HTTP) against the catalog",
        description="Hold OTLP log and metric traffic against the catalog; report findings "
        "and coverage.",
        epilog="Exit status: 1 when a finding is at or above --fail-on, 0 otherwise, "
        "2 on bad input (catalog, file, port in use, no otel extra for a receiver).",
    )
    parser.add_argument(
        "--schema",
        metavar="FILE",
        help="catalog YAML (default: ./schema/catalog.yaml if it exists, else the bundled one)",
    )
    parser.add_argument(
        "--input",
        metavar="FILE",
        action="append",
        help="OTLP/JSON lines, one logs or metrics export request per line "
        "(repeatable; - is standard input)",
    )
    parser.add_argument("--otlp-grpc", metavar="PORT", type=_port, help="receive OTLP/gRPC here")
    parser.add_argument(
        "--otlp-http",
        metavar="PORT",
        type=_port,
        help="receive OTLP/HTTP (POST /v1/logs and /v1/metrics) here",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address the receivers listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--max-records",
        metavar="N",
        type=_positive(int),
        help="stop after N log records and metric data points",
    )
    parser.add_argument(
        "--duration", metavar="SECONDS", type=_positive(float), help="stop receiving after this"
    )
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="report format"
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default="error",
        help="exit 1 when a finding is at least this severe (default: error)",
    )
    parser.set_defaults(handler=run_live_check)
