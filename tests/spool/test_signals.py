"""SIGTERM and Ctrl-C lose nothing already emitted (`runtime/_signals.py`): real child
processes (`steady_emitter.py`) emitting at a steady rate to a collector that is down,
real signals at random moments (during the emits, during the exit wait), then a real
receiver and one more run that delivers the spool.

Counted: of the events whose emitter returned (the child prints each), how many are not
in the spool after the signal (lost), and how many arrive twice after the delivery.
`benchmarks/scenarios/signal_loss.py` runs the same trials, more of them.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from spool.test_spool_processes import arrivals, endpoint_at, leftovers, spooled

from receivers import unused_port
from receivers.fixtures import ReceiverFactory

pytestmark = [pytest.mark.wire, pytest.mark.slow, pytest.mark.timeout(240)]

STEADY = Path(__file__).with_name("steady_emitter.py")
#: Moments per signal here; the benchmark uses 20.
MOMENTS = 5


def start(endpoint: str, tag: str, count: int, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(STEADY), endpoint, tag, str(count), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(process: subprocess.Popen[str], wanted: str) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    while True:
        line = process.stdout.readline()
        if not line:
            return lines
        lines.append(line.strip())
        if line.strip() == wanted:
            return lines


def trial(
    endpoint: str, tag: str, signum: int, rng: random.Random
) -> tuple[set[int], int, str, str]:
    """One run killed by `signum` at a random moment: during its emits (endless), or
    during its exit wait (a few hundred events, then the exit). Returns the attempts
    whose emitter returned, the exit status, the output and the error output."""
    if rng.random() < 0.5:
        process = start(endpoint, tag, 0, "exit")
        first = read_until(process, "0")
        time.sleep(rng.uniform(0.0, 0.6))
    else:
        process = start(endpoint, tag, rng.randint(1, 300), "exit")
        first = read_until(process, "exiting")
        time.sleep(rng.uniform(0.0, 1.0))  # within the exit wait (see below)
    if process.poll() is not None:
        # The exit wait ended first (the exporter gave up within shutdown_timeout): a
        # run without a signal, spooled by its exit hook.
        out, err = process.communicate(timeout=30)
        lines = first + out.split()
        return {int(line) for line in lines if line.isdigit()}, -signum, out, err
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    lines = first + out.split()
    return {int(line) for line in lines if line.isdigit()}, process.returncode, out, err


def no_telemetry_output(err: str) -> None:
    """Nothing from telemetry on stderr: no message, no frame of ours in a traceback
    (an uncaught KeyboardInterrupt is the application's own traceback)."""
    assert "codex-otel" not in err and "codex_otel" not in err, err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_at_any_moment_loses_nothing_emitted(
    signum: int, otlp_receivers: ReceiverFactory, spool_in_tmp: Path
) -> None:
    port = unused_port()  # the collector is down: connections are refused
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    emitted: set[tuple[str, int]] = set()
    for moment in range(MOMENTS):
        tag = f"run-{moment}"
        attempts, status, _, err = trial(endpoint_at(port), tag, signum, rng)
        # The signal's own end: SIGTERM's default action, or the interpreter's after an
        # uncaught KeyboardInterrupt (-2; 1 when the background start had not finished:
        # CPython's own choice, the same without the spool); 0 when Ctrl-C came during
        # the exit hook (no caller left to raise it to, as Python does in an exit hook).
        assert status in ((-signum, 0, 1) if signum == signal.SIGINT else (-signum,)), err
        no_telemetry_output(err)
        emitted |= {(tag, attempt) for attempt in attempts}
    on_disk = spooled(spool_in_tmp)
    lost = emitted - set(on_disk)
    print(f"{len(emitted)} events emitted, {len(lost)} not spooled")
    assert not lost

    receiver = otlp_receivers.http(port=port)  # the collector is back: one more run
    process = start(endpoint_at(port), "after", 5, "exit")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    deadline = time.monotonic() + 10
    while leftovers(spool_in_tmp) and time.monotonic() < deadline:
        time.sleep(0.05)
    got = arrivals(receiver)
    duplicated = {key: times for key, times in got.items() if times > 1}
    assert emitted <= set(got), sorted(emitted - set(got))[:10]
    assert not duplicated
    assert leftovers(spool_in_tmp) == []


def test_an_own_sigterm_handler_runs_and_the_library_installs_none(spool_in_tmp: Path) -> None:
    """The application's handler, installed first, is the one that runs (it calls
    shutdown, as documented, and its events are spooled); its exit status stands."""
    process = start(endpoint_at(unused_port()), "own", 0, "own-handler")
    first = read_until(process, "20")
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 3, err
    assert "own handler" in out
    attempts = {int(line) for line in first + out.split() if line.isdigit()}
    assert {("own", attempt) for attempt in attempts} <= set(spooled(spool_in_tmp))


def test_ctrl_c_during_shutdown_spools_and_reaches_the_application(spool_in_tmp: Path) -> None:
    """A KeyboardInterrupt during `telemetry.shutdown()` (the collector down: it waits)
    does not cut the spooling short, comes out of `shutdown()` to the application, and
    its traceback shows one line of telemetry, not its internals."""
    process = start(endpoint_at(unused_port()), "ctrl-c", 120, "explicit")
    first = read_until(process, "exiting")
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGINT, err
    assert "interrupted" in out
    ours = [line for line in err.splitlines() if "codex_otel" in line]
    assert len(ours) == 1 and "telemetry.py" in ours[0], err
    assert collections.Counter(("ctrl-c", attempt) for attempt in range(120)) == spooled(
        spool_in_tmp
    )
    assert len(first) == 121
