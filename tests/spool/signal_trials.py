"""Signal trials, shared by `test_signals.py` and the `signal_loss_events` benchmark: real
child processes (`steady_emitter.py`) emitting at a steady rate to a collector that is
down, killed by a real signal at a random moment (during the emits, or during the exit
wait), then a real receiver and one more run that delivers the spool.

`kill_at_random` runs one child; `deliver` runs the last one with the collector up and
counts, per emitted event, how often it arrived.
"""

from __future__ import annotations

import collections
import json
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from receivers import OtlpHttpReceiver

STEADY = Path(__file__).with_name("steady_emitter.py")


def endpoint_at(port: int) -> str:
    return f"http://127.0.0.1:{port}/v1/logs"


def start(
    endpoint: str,
    tag: str,
    count: int,
    mode: str,
    env: dict[str, str] | None = None,
    *,
    shutdown_timeout: float = 2.0,
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(STEADY), endpoint, tag, str(count), mode, str(shutdown_timeout)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def read_until(process: subprocess.Popen[str], wanted: str) -> list[str]:
    """The lines the child printed up to `wanted` (all of them if it ended first)."""
    assert process.stdout is not None
    lines: list[str] = []
    while True:
        line = process.stdout.readline()
        if not line:
            return lines
        lines.append(line.strip())
        if line.strip() == wanted:
            return lines


@dataclass(frozen=True)
class Trial:
    """One run killed by a signal: the attempts whose emitter returned, its status and
    output, and whether the signal came during the exit wait (else during the emits;
    `signalled` False: the run had ended first)."""

    attempts: frozenset[int]
    status: int
    out: str
    err: str
    exit_wait: bool
    signalled: bool


def kill_at_random(
    endpoint: str, tag: str, signum: int, rng: random.Random, env: dict[str, str] | None = None
) -> Trial:
    """One run killed by `signum` at a random moment: during its emits (endless), or
    during its exit wait (a few hundred events, then the exit: with the collector down
    it waits up to shutdown_timeout, 2 s)."""
    exit_wait = rng.random() < 0.5
    if exit_wait:
        process = start(endpoint, tag, rng.randint(1, 300), "exit", env)
        first = read_until(process, "exiting")
        time.sleep(rng.uniform(0.0, 1.0))
    else:
        process = start(endpoint, tag, 0, "exit", env)
        first = read_until(process, "0")
        time.sleep(rng.uniform(0.0, 0.6))
    signalled = process.poll() is None  # else the exit wait ended first: no signal
    if signalled:
        process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    lines = first + out.split()
    attempts = frozenset(int(line) for line in lines if line.isdigit())
    return Trial(attempts, process.returncode, out, err, exit_wait, signalled)


def spooled(root: Path) -> collections.Counter[tuple[str, int]]:
    """(conversation, attempt) of every event in the spool's pending files under `root`
    (the `codex-otel` folder of XDG_STATE_HOME)."""
    found: collections.Counter[tuple[str, int]] = collections.Counter()
    for path in root.glob("*/*.jsonl"):
        lines = path.read_text(encoding="ascii").splitlines()
        for line in lines[1:]:
            attributes = json.loads(line)["attributes"]
            found[(attributes["conversation.id"], attributes["attempt"])] += 1
    return found


def pending_files(root: Path) -> list[str]:
    return sorted(path.name for path in root.glob("*/*") if ".corrupt" not in path.name)


def deliver(
    port: int, root: Path, env: dict[str, str] | None = None
) -> collections.Counter[tuple[str, int]]:
    """Start a receiver on `port` and one more run (it delivers the spool at exit); how
    often each (conversation, attempt) arrived."""
    receiver = OtlpHttpReceiver(port=port)
    try:
        process = start(endpoint_at(port), "after", 5, "exit", env, shutdown_timeout=15.0)
        _, err = process.communicate(timeout=30)
        if process.returncode != 0:
            raise RuntimeError(f"the delivering run failed:\n{err}")
        deadline = time.monotonic() + 10
        while pending_files(root) and time.monotonic() < deadline:
            time.sleep(0.05)
        return collections.Counter(
            (str(r.attributes["conversation.id"]), int(str(r.attributes["attempt"])))
            for r in receiver.received_records()
        )
    finally:
        receiver.stop()


def sigint_status_ok(status: int, signum: int) -> bool:
    """The end a signal gives: SIGTERM's default action (-15); after Ctrl-C the
    interpreter's (-2; 1 when the background start had not finished, CPython's own
    choice, the same without the spool), or 0 when it came during the exit hook (no
    caller is left to raise it to, as Python does with any exception in an exit hook)."""
    if signum == signal.SIGINT:
        return status in (-signum, 0, 1)
    return status == -signum


def killed_mid_run(
    endpoint: str, tag: str, rng: random.Random, env: dict[str, str] | None = None
) -> tuple[dict[int, float], float]:
    """One endless run SIGKILLed at a random moment (1 to 3 s into its emits): when
    each attempt's emitter returned (the parent's `time.monotonic()` when it read the
    line, a moment later), and when the kill was sent."""
    process = start(endpoint, tag, 0, "exit", env)
    assert process.stdout is not None
    seen: dict[int, float] = {}
    first = process.stdout.readline()  # the interpreter's start is not the run's
    if first.strip().isdigit():
        seen[int(first)] = time.monotonic()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip().isdigit():
                seen[int(line)] = time.monotonic()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(rng.uniform(1.0, 3.0))
    killed = time.monotonic()
    process.kill()
    process.wait(timeout=30)
    reader.join(10)
    process.communicate(timeout=30)
    return dict(seen), killed


def telemetry_output(err: str, signum: int) -> str | None:
    """What on a killed run's stderr is telemetry's (None: nothing): a message, or a frame
    of ours in a traceback.

    One exception: a Ctrl-C that lands while the application's main thread is inside an
    emitter raises KeyboardInterrupt there, as in any library it calls. That traceback is
    the application's own (it starts in the application's frame and ends in
    KeyboardInterrupt, nothing chained), even though it passes through our frames."""
    lines = [line for line in err.splitlines() if line.strip()]
    if signum == signal.SIGINT and lines and lines[0].startswith("Traceback"):
        own = (
            err.count("Traceback") == 1
            and lines[-1] == "KeyboardInterrupt"
            and len(lines) > 1
            and "steady_emitter.py" in lines[1]  # raised in the application's call
            and not [line for line in lines if line.startswith("codex-otel")]
        )
        return None if own else err
    return err if "codex-otel" in err or "codex_otel" in err else None
