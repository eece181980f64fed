"""Rotel, an independent OpenTelemetry collector (Rust), as a test fixture.

Rotel is published on PyPI as ``rotel``; the package holds the binary ``rotel/rotel-agent``.
It is written without any of this project's code or the Python SDK's, so what it accepts
and decodes is a third party's reading of OTLP. ``RotelCollector`` starts one agent on free
loopback ports with

    rotel-agent --log-format json start --otlp-grpc-endpoint 127.0.0.1:P
        --otlp-http-endpoint 127.0.0.1:Q --exporter blackhole --debug-log logs
        --debug-log traces --debug-log-verbosity detailed --log-file F --pid-file G

(or ``--exporter otlp --otlp-exporter-endpoint URL`` to forward what it receives), waits until
both ports listen, and parses what the detailed debug log prints on standard output into
``ReceivedRecord`` objects and ``ReceivedSpan`` objects (``receivers.rotel_traces``), both
``transport="rotel"``, with typed attribute values:
``Str(..)`` -> str, ``Int(..)`` -> int, ``Double(..)`` -> float, ``Bool(..)`` -> bool,
``Bytes([..])`` -> bytes, ``Slice(..)`` -> list; an empty body is None. Rotel's own log
lines (``--log-format json``) are kept apart in ``log_lines``; a request it refuses shows
there as an ERROR line ("Failed to decode OTLP HTTP/JSON request ...").

The debug log is text meant for people: a string value holding a line that looks like
the start of the next item (say ``"\\n     -> key: Str("``), or ``"), Str("`` inside an
array, cannot be told apart from it. Tests of arbitrary text use forwarding instead
(``forward_to=`` an in-repo receiver): Rotel decodes, re-encodes and sends on, and the
receiver decodes the protobuf exactly.

Every agent is stopped (SIGTERM, then SIGKILL) by ``stop()``, the context manager, or the
``rotel_collectors`` fixture's teardown. Only the standard library and pytest are imported.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from .records import DEFAULT_WAIT, ReceivedRecord, ReceivedSpan, Value
from .rotel_traces import SpanPrintoutParser
from .tls import unused_port

#: The version the tests are written against (pinned in the `dev` extra).
ROTEL_VERSION = "0.0.1a15"

#: How long Rotel's output stays quiet before the span being printed counts as complete (a
#: span has no closing line; see `receivers.rotel_traces`).
QUIET_SECONDS = 0.05

#: Bunyan levels of Rotel's JSON log lines.
LEVEL_WARN, LEVEL_ERROR = 40, 50


class RotelUnavailable(RuntimeError):
    """The `rotel` package (and its `rotel-agent` binary) is not installed."""


class RotelFailed(RuntimeError):
    """The agent did not start, or exited while it was expected to run."""


def rotel_agent() -> Path | None:
    """Where the installed `rotel` package keeps its `rotel-agent` binary (None: not here).

    Found without importing the package (its `__init__` imports helpers the tests do not use).
    """
    spec = importlib.util.find_spec("rotel")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        binary = Path(folder) / "rotel-agent"
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
    return None


# --- the detailed debug log ----------------------------------------------------------------


@dataclass(frozen=True)
class Unparsed:
    """A value whose printed form this parser does not know (a kvlist, say): the text as is."""

    text: str


_ATTRIBUTE = re.compile(
    r"^     -> (?P<key>.*?): (?P<value>(?:Str|Int|Double|Bool|Bytes|Slice|Map|Empty).*)$", re.S
)
_ITEM_START = re.compile(r", (?=(?:Str|Int|Double|Bool|Bytes|Slice|Map)\()")
_SEVERITY = re.compile(r"^\w*\((?P<number>-?\d+)\)$")


def parse_value(text: str) -> Value | Unparsed:
    """One printed `AnyValue`, e.g. `Str(a b)`, `Int(-5)`, `Slice(Str(x), Str(y))`."""
    if text == "Empty":
        return None
    kind, _, rest = text.partition("(")
    if not rest.endswith(")"):
        return Unparsed(text)
    inner = rest[:-1]
    if kind == "Str":
        return inner
    if kind == "Int":
        return int(inner)
    if kind == "Double":
        return float(inner)  # "NaN", "inf" and "-inf" are what float() reads too
    if kind == "Bool" and inner in ("true", "false"):
        return inner == "true"
    if kind == "Bytes" and inner.startswith("[") and inner.endswith("]"):
        numbers = inner[1:-1].split(",") if inner[1:-1].strip() else []
        return bytes(int(number) for number in numbers)
    if kind == "Slice":
        items = [parse_value(item) for item in _split_items(inner)] if inner else []
        return Unparsed(text) if any(isinstance(i, Unparsed) for i in items) else items  # type: ignore[return-value]
    return Unparsed(text)


def _split_items(inner: str) -> list[str]:
    """`Str(x), Int(1)` -> ["Str(x)", "Int(1)"]: split where ", Type(" follows a ")"."""
    items: list[str] = []
    start = 0
    for match in _ITEM_START.finditer(inner):
        if inner[match.start() - 1] == ")":
            items.append(inner[start : match.start()])
            start = match.end()
    items.append(inner[start:])
    return items


@dataclass
class _Open:
    """The record being read, and the value whose lines are still arriving."""

    event_name: str = ""
    attributes: dict[str, Value] = field(default_factory=dict)
    time_unix_nano: int = 0
    observed_time_unix_nano: int = 0
    severity_number: int = 0
    severity_text: str = ""
    body: Value = None
    trace_id: str = ""
    span_id: str = ""
    value_target: tuple[str, str] | None = None
    """("resource" | "record" | "body", key) of the value being read."""
    value_lines: list[str] = field(default_factory=list)


class DebugLogParser:
    """Turns the lines of `--debug-log logs --debug-log traces --debug-log-verbosity detailed`
    into records and spans.

    Fed one line at a time (without its newline); `records` grows as each `Flags:` line
    closes a log record, `spans` as each span ends (or `settle()` is called). Lines that are
    JSON objects are Rotel's own log (`log_lines`).
    """

    def __init__(self) -> None:
        self.records: list[ReceivedRecord] = []
        self.log_lines: list[dict[str, Any]] = []
        self._traces = SpanPrintoutParser(parse_value)
        #: Which part of the printout is being read: "logs", "traces" (from a
        #: `ResourceSpans #` line) or "metrics" (from a `ResourceMetrics #` line).
        self._signal = "logs"
        self._resource: dict[str, Value] = {}
        self._scope_name = ""
        self._scope_version = ""
        self._section = ""
        self._open = _Open()

    @property
    def spans(self) -> list[ReceivedSpan]:
        return self._traces.spans

    def settle(self) -> None:
        """The output went quiet: the span being printed is complete as it stands."""
        self._traces.settle()

    def clear(self) -> None:
        """Forget the records, spans and log lines read so far."""
        self.records.clear()
        self.log_lines.clear()
        self._traces.clear()

    def feed(self, line: str) -> None:
        if line.startswith('{"v":') and self._own_log_line(line):
            return
        if line.startswith("ResourceSpans #"):
            self._signal = "traces"
        elif line.startswith("ResourceLog #"):
            self._traces.close()
            self._signal = "logs"
        elif line.startswith("ResourceMetrics #"):
            # `--debug-log metrics` (extra_args): read from `stdout`, not parsed here.
            self._traces.close()
            self._signal = "metrics"
        if self._signal == "traces":
            self._traces.feed(line)
            return
        if self._signal == "metrics":
            return
        if line.startswith("     -> ") and _ATTRIBUTE.match(line):
            self._close_value()
            match = _ATTRIBUTE.match(line)
            assert match is not None
            target = "resource" if self._section == "resource" else "record"
            self._start_value((target, match["key"]), match["value"])
            return
        structural = self._structural(line)
        if structural is None:
            if self._open.value_target is not None:
                self._open.value_lines.append(line)  # a string value that holds a newline
            return
        self._close_value()
        structural()

    def _structural(self, line: str) -> Callable[[], None] | None:
        """The action of a line that starts a part of the printout; None for other lines."""
        state = self._open
        head, _, rest = line.partition(": ")
        if line.startswith("ResourceLog #"):
            return self._new_resource
        if line == "Resource attributes:":
            return lambda: setattr(self, "_section", "resource")
        if line.startswith("ScopeLogs #"):
            return lambda: setattr(self, "_section", "scope")
        if line.startswith(("Resource SchemaURL:", "ScopeLogs SchemaURL:")):
            return lambda: None
        if line.startswith("InstrumentationScope "):
            return lambda: self._scope(line.removeprefix("InstrumentationScope "))
        if line.startswith("LogRecord #"):
            return self._new_record
        if head == "ObservedTimestamp":
            return lambda: setattr(state, "observed_time_unix_nano", int(rest))
        if head == "Timestamp":
            return lambda: setattr(state, "time_unix_nano", int(rest))
        if line.startswith("SeverityText:"):
            return lambda: setattr(state, "severity_text", line.removeprefix("SeverityText: "))
        if head == "SeverityNumber":
            return lambda: self._severity(rest)
        if line.startswith("EventName:"):
            return lambda: setattr(state, "event_name", line.removeprefix("EventName: "))
        if head == "Body":
            return lambda: self._start_value(("body", ""), rest)
        if line == "Attributes:":
            return lambda: setattr(self, "_section", "record")
        if line.startswith("    Trace ID"):
            return lambda: setattr(state, "trace_id", rest.strip())
        if line.startswith("    Span ID"):
            return lambda: setattr(state, "span_id", rest.strip())
        if line.startswith("Flags: "):
            return lambda: self._finish_record(int(rest))
        return None

    def _own_log_line(self, line: str) -> bool:
        try:
            entry = json.loads(line)
        except ValueError:
            return False
        if not isinstance(entry, dict) or "msg" not in entry:
            return False
        self.log_lines.append(entry)
        return True

    def _new_resource(self) -> None:
        self._resource = {}
        self._section = ""

    def _scope(self, text: str) -> None:
        name, _, version = text.partition(" ")
        self._scope_name, self._scope_version = name, version

    def _new_record(self) -> None:
        self._open = _Open()
        self._section = "log"

    def _severity(self, text: str) -> None:
        match = _SEVERITY.match(text.strip())
        self._open.severity_number = int(match["number"]) if match else -1

    def _start_value(self, target: tuple[str, str], first_line: str) -> None:
        self._open.value_target = target
        self._open.value_lines = [first_line]

    def _close_value(self) -> None:
        state = self._open
        if state.value_target is None:
            return
        where, key = state.value_target
        parsed = parse_value("\n".join(state.value_lines))
        value: Any = parsed
        if where == "resource":
            self._resource[key] = value
        elif where == "body":
            state.body = value
        else:
            state.attributes[key] = value
        state.value_target = None
        state.value_lines = []

    def _finish_record(self, flags: int) -> None:
        state = self._open
        self.records.append(
            ReceivedRecord(
                event_name=state.event_name,
                attributes=dict(state.attributes),
                time_unix_nano=state.time_unix_nano,
                observed_time_unix_nano=state.observed_time_unix_nano,
                resource=dict(self._resource),
                scope_name=self._scope_name,
                scope_version=self._scope_version,
                severity_number=state.severity_number,
                severity_text=state.severity_text,
                body=state.body,
                trace_id=state.trace_id,
                span_id=state.span_id,
                flags=flags,
                transport="rotel",
            )
        )
        self._open = _Open()
        self._section = ""


# --- the agent process ---------------------------------------------------------------------


class RotelCollector:
    """One `rotel-agent` on loopback: OTLP/gRPC on `grpc_port`, OTLP/HTTP on `http_port`.

    `forward_to`: an OTLP endpoint to forward to (`--exporter otlp`), e.g. an in-repo
    receiver's `http://127.0.0.1:P` (gRPC, the default `forward_protocol`) or
    `http://127.0.0.1:P` with `forward_protocol="http"` (Rotel appends `/v1/logs`).
    Without it, records go nowhere after the debug log (`--exporter blackhole`).
    """

    def __init__(
        self,
        *,
        forward_to: str | None = None,
        forward_protocol: str = "grpc",
        extra_args: Sequence[str] = (),
        startup_timeout: float = 15.0,
    ) -> None:
        self.forward_to = forward_to
        self.forward_protocol = forward_protocol
        self.extra_args = tuple(extra_args)
        self.startup_timeout = startup_timeout
        self.grpc_port = 0
        self.http_port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._reader: threading.Thread | None = None
        self._cond = threading.Condition()
        self._parser = DebugLogParser()
        self._stdout_lines: list[str] = []

    # -- endpoints

    @property
    def grpc_endpoint(self) -> str:
        """For the `otlp-grpc` exporter: `http://127.0.0.1:P` (plaintext)."""
        return f"http://127.0.0.1:{self.grpc_port}"

    @property
    def http_endpoint(self) -> str:
        """For the `otlp-http` exporter: `http://127.0.0.1:Q/v1/logs`."""
        return f"http://127.0.0.1:{self.http_port}/v1/logs"

    @property
    def http_traces_endpoint(self) -> str:
        """For an `otlp-http` trace exporter: `http://127.0.0.1:Q/v1/traces`."""
        return f"http://127.0.0.1:{self.http_port}/v1/traces"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- lifecycle

    def command(self) -> list[str]:
        """The agent's command line for the current ports and work folder."""
        binary = rotel_agent()
        if binary is None:
            raise RotelUnavailable(f"install rotel=={ROTEL_VERSION} (the `dev` extra has it)")
        assert self._workdir is not None
        exporter = ["--exporter", "blackhole"]
        if self.forward_to is not None:
            exporter = [
                "--exporter", "otlp",
                "--otlp-exporter-endpoint", self.forward_to,
                "--otlp-exporter-protocol", self.forward_protocol,
            ]  # fmt: skip
        return [
            str(binary),
            "--log-format", "json",
            "start",
            "--otlp-grpc-endpoint", f"127.0.0.1:{self.grpc_port}",
            "--otlp-http-endpoint", f"127.0.0.1:{self.http_port}",
            *exporter,
            "--debug-log", "logs",
            "--debug-log", "traces",
            "--debug-log-verbosity", "detailed",
            "--log-file", str(self._workdir / "rotel.log"),
            "--pid-file", str(self._workdir / "rotel.pid"),
            *self.extra_args,
        ]  # fmt: skip

    def start(self, attempts: int = 3) -> RotelCollector:
        """Start on free ports and wait until both listen; retried when a port was taken."""
        if self.running:
            return self
        failure = ""
        for _ in range(attempts):
            failure = self._start_once()
            if not failure:
                return self
            self.stop()
            if "in use" not in failure:
                break
        raise RotelFailed(f"rotel-agent did not start: {failure}")

    def _start_once(self) -> str:
        """'' when the agent listens on both ports; else why it did not."""
        self._workdir = Path(tempfile.mkdtemp(prefix="rotel-"))
        self.grpc_port, self.http_port = _two_unused_ports()
        with self._cond:
            self._parser = DebugLogParser()
            self._stdout_lines = []
        stderr = (self._workdir / "stderr.txt").open("wb")
        try:
            process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=_agent_environment(),
                start_new_session=True,  # a Ctrl-C of the test run does not reach it first
            )
        finally:
            stderr.close()
        self._process = process
        self._reader = threading.Thread(
            target=self._read_stdout, args=(process,), name="rotel-stdout", daemon=True
        )
        self._reader.start()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return f"exited with {process.returncode}: {self.stderr.strip()}"
            if _listens(self.grpc_port) and _listens(self.http_port):
                return ""
            time.sleep(0.05)
        return f"not listening after {self.startup_timeout:g}s: {self.stderr.strip()}"

    def stop(self) -> None:
        """Terminate the agent (SIGTERM, SIGKILL after 5 s) and remove its work folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        # The reader ends at the pipe's end of file (the agent exited); the pipe is closed
        # after it, so its descriptor is never reused under a select that still waits.
        if self._reader is not None:
            self._reader.join(timeout=5)
            self._reader = None
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._workdir is not None:
            self._last_stderr = self.stderr
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _read_stdout(self, process: subprocess.Popen[bytes]) -> None:
        """Feed the parser each line Rotel prints; when the output has been quiet for
        `QUIET_SECONDS`, settle the span being printed (a span has no closing line)."""
        assert process.stdout is not None
        descriptor = process.stdout.fileno()
        pending = b""
        with contextlib.suppress(ValueError, OSError):  # closed by stop()
            while True:
                ready, _, _ = select.select([descriptor], [], [], QUIET_SECONDS)
                if not ready:
                    with self._cond:
                        self._parser.settle()
                        self._cond.notify_all()
                    continue
                chunk = os.read(descriptor, 1 << 16)
                if not chunk:
                    break
                *lines, pending = (pending + chunk).split(b"\n")
                with self._cond:
                    for raw in lines:
                        line = raw.decode("utf-8", "backslashreplace")
                        self._stdout_lines.append(line)
                        self._parser.feed(line)
                    self._cond.notify_all()
        with self._cond:
            if pending:
                line = pending.decode("utf-8", "backslashreplace")
                self._stdout_lines.append(line)
                self._parser.feed(line)
            self._parser.settle()
            self._cond.notify_all()

    def __enter__(self) -> RotelCollector:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what it printed

    def received_records(self, event_name: str | None = None) -> list[ReceivedRecord]:
        """Records from the debug log, in the order Rotel printed them."""
        with self._cond:
            records = list(self._parser.records)
        return records if event_name is None else [r for r in records if r.event_name == event_name]

    def record_count(self) -> int:
        with self._cond:
            return len(self._parser.records)

    def received_spans(self, name: str | None = None) -> list[ReceivedSpan]:
        """Spans from the debug log, in the order Rotel printed them (optionally one name's)."""
        with self._cond:
            return [span for span in self._parser.spans if name is None or span.name == name]

    def span_count(self) -> int:
        with self._cond:
            return len(self._parser.spans)

    @property
    def log_lines(self) -> list[dict[str, Any]]:
        """Rotel's own log (JSON lines): startup, refused requests, export errors."""
        with self._cond:
            return list(self._parser.log_lines)

    def errors(self) -> list[str]:
        """Messages of Rotel's own WARN and ERROR lines, with their fields."""
        out = []
        for entry in self.log_lines:
            if int(entry.get("level", 0)) >= LEVEL_WARN:
                fields = {k: v for k, v in entry.items() if k not in _BUNYAN_KEYS}
                out.append(f"{entry['msg']} {fields}" if fields else str(entry["msg"]))
        return out

    @property
    def stdout(self) -> str:
        with self._cond:
            return "\n".join(self._stdout_lines)

    @property
    def stderr(self) -> str:
        if self._workdir is None:
            return getattr(self, "_last_stderr", "")
        path = self._workdir / "stderr.txt"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def clear(self) -> None:
        """Forget the records, spans and log lines printed so far."""
        with self._cond:
            self._parser.clear()
            self._stdout_lines.clear()

    # -- waits

    def wait_until(self, predicate: Callable[[], bool], timeout: float = DEFAULT_WAIT) -> bool:
        """Block until `predicate()` holds (re-checked on every line Rotel prints)."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def wait_for(self, count: int, timeout: float = DEFAULT_WAIT) -> bool:
        """Block until at least `count` records were printed; False on timeout."""
        return self.wait_until(lambda: len(self._parser.records) >= count, timeout)

    def wait_for_spans(self, count: int, timeout: float = DEFAULT_WAIT) -> bool:
        """Block until at least `count` spans were printed (and settled); False on timeout."""
        return self.wait_until(lambda: len(self._parser.spans) >= count, timeout)

    def wait_for_errors(self, count: int = 1, timeout: float = DEFAULT_WAIT) -> bool:
        """Block until Rotel logged at least `count` WARN/ERROR lines."""
        return self.wait_until(
            lambda: (
                sum(int(e.get("level", 0)) >= LEVEL_WARN for e in self._parser.log_lines) >= count
            ),
            timeout,
        )


_BUNYAN_KEYS = {"v", "name", "msg", "level", "hostname", "pid", "time", "target", "line", "file"}


def _agent_environment() -> dict[str, str]:
    """The agent's environment: no colour codes in its debug log, and this interpreter's
    libpython on the loader's path. The wheel's rotel-agent links the libpython of the
    Python it was built for (it embeds one for processors); Debian has only its own
    Python's in /lib, so for the others (pyenv builds) the loader needs their LIBDIR."""
    environment = {**os.environ, "NO_COLOR": "1"}
    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir:
        paths = [libdir, *filter(None, environment.get("LD_LIBRARY_PATH", "").split(":"))]
        environment["LD_LIBRARY_PATH"] = ":".join(paths)
    return environment


def _two_unused_ports() -> tuple[int, int]:
    first = unused_port()
    second = unused_port()
    while second == first:
        second = unused_port()
    return first, second


def _listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


# --- pytest fixtures -------------------------------------------------------------------------


class RotelFactory:
    """Starts Rotel agents with any options; stops them all at teardown."""

    def __init__(self) -> None:
        self._agents: list[RotelCollector] = []

    def __call__(self, **options: Any) -> RotelCollector:
        agent = RotelCollector(**options)
        self._agents.append(agent)
        return agent.start()

    def close(self) -> None:
        while self._agents:
            self._agents.pop().stop()


def require_rotel() -> Path:
    """The agent binary, or a skip naming the package to install (a failure in CI)."""
    binary = rotel_agent()
    if binary is None:
        pytest.skip(f"rotel is not installed (pip install rotel=={ROTEL_VERSION})")
    return binary


@pytest.fixture
def rotel_collectors() -> Iterator[RotelFactory]:
    """Factory: `rotel_collectors()` or `rotel_collectors(forward_to=receiver.endpoint)`."""
    require_rotel()
    factory = RotelFactory()
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def rotel_collector(rotel_collectors: RotelFactory) -> RotelCollector:
    """One Rotel agent with the blackhole exporter; records come from its debug log."""
    return rotel_collectors()


__all__ = [
    "LEVEL_ERROR",
    "LEVEL_WARN",
    "QUIET_SECONDS",
    "ROTEL_VERSION",
    "DebugLogParser",
    "RotelCollector",
    "RotelFactory",
    "RotelFailed",
    "RotelUnavailable",
    "Unparsed",
    "parse_value",
    "require_rotel",
    "rotel_agent",
    "rotel_collector",
    "rotel_collectors",
]
