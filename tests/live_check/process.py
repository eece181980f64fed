"""`codex-otel live-check` as a real process: started (its standard input a pipe the test
writes to and may leave open), its receiver ports read from its standard error, stopped
(SIGINT, as Ctrl-C, or SIGTERM) or left to stop by itself, always reaped."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest

_LISTENING = re.compile(r"(OTLP/gRPC|OTLP/HTTP) receiver on [^:]+:(\d+)")


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "codex_otel.cli", "live-check", *args]


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


class LiveCheckProcess:
    def __init__(self, args: Sequence[str], *, stdin: bool = False) -> None:
        self.process = subprocess.Popen(
            command(*args),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._stderr_lines: queue.Queue[str] = queue.Queue()
        self._stderr: list[str] = []
        self._stdout: list[str] = []
        threading.Thread(target=self._pump_stderr, daemon=True).start()
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        self.ports: dict[str, int] = {}
        #: The child's peak resident memory in KiB, once `finish` reaped it (Linux).
        self.max_rss_kib: int | None = None

    def write(self, text: str) -> None:
        """Lines to its standard input, which stays open."""
        assert self.process.stdin is not None
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def wait_stderr(self, text: str, timeout: float = 30.0) -> None:
        """Until a line of its standard error contains `text`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {text!r} on standard error: {''.join(self._stderr)}")
            try:
                line = self._stderr_lines.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            if text in line:
                return

    def _pump_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)
            self._stderr_lines.put(line)

    def _pump_stdout(self) -> None:
        assert self.process.stdout is not None
        self._stdout.append(self.process.stdout.read())

    def wait_listening(self, kinds: int, timeout: float = 20.0) -> dict[str, int]:
        """The ports of the receivers (`{"grpc": P, "http": P}`), once all listen."""
        deadline = time.monotonic() + timeout
        while len(self.ports) < kinds:
            left = deadline - time.monotonic()
            if left <= 0 or (self.process.poll() is not None and self._stderr_lines.empty()):
                raise AssertionError(f"live-check did not start: {''.join(self._stderr)}")
            try:
                line = self._stderr_lines.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            match = _LISTENING.search(line)
            if match:
                self.ports["grpc" if match.group(1) == "OTLP/gRPC" else "http"] = int(match[2])
        return self.ports

    def finish(
        self,
        *,
        interrupt: bool = False,
        stop_signal: signal.Signals | None = None,
        timeout: float = 30.0,
    ) -> Finished:
        """Its exit status and output, once it ended: by itself, or on `stop_signal`
        (`interrupt`: SIGINT, as Ctrl-C)."""
        if interrupt:
            stop_signal = signal.SIGINT
        if stop_signal is not None and self.process.poll() is None:
            self.process.send_signal(stop_signal)
        self._reap(timeout)
        time.sleep(0.05)  # let the pumps drain what is left
        deadline = time.monotonic() + 5
        while not self._stdout and time.monotonic() < deadline:
            time.sleep(0.02)
        return Finished(self.process.returncode, "".join(self._stdout), "".join(self._stderr))

    def _reap(self, timeout: float) -> None:
        """`Popen.wait`, with the child's resource usage where `os.wait4` exists."""
        if not hasattr(os, "wait4"):
            self.process.wait(timeout)
            return
        deadline = time.monotonic() + timeout
        while self.process.returncode is None:
            pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid == self.process.pid:
                self.process.returncode = os.waitstatus_to_exitcode(status)
                self.max_rss_kib = usage.ru_maxrss
                break
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.process.args, timeout)
            time.sleep(0.02)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()


@pytest.fixture
def live_check() -> Iterator[type[LiveCheckProcess]]:
    """Factory of live-check processes; each is killed at teardown if still running."""
    started: list[LiveCheckProcess] = []

    class Tracked(LiveCheckProcess):
        def __init__(self, args: Sequence[str], *, stdin: bool = False) -> None:
            super().__init__(args, stdin=stdin)
            started.append(self)

    try:
        yield Tracked
    finally:
        for process in started:
            process.kill()
