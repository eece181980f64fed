"""SIGTERM and Ctrl-C lose nothing already emitted (`runtime/_signals.py`): real child
processes (`steady_emitter.py`) emitting at a steady rate to a collector that is down,
real signals at random moments (during the emits, during the exit wait), then a real
receiver and one more run that delivers the spool (`signal_trials.py`).

Counted: of the events whose emitter returned (the child prints each), how many are not
in the spool after the signal (lost), and how many arrive twice after the delivery.
`benchmarks/scenarios/signal_loss.py` runs the same trials, more of them.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import time
from pathlib import Path

import pytest
from spool.signal_trials import (
    deliver,
    endpoint_at,
    kill_at_random,
    killed_mid_run,
    pending_files,
    read_until,
    sigint_status_ok,
    spooled,
    start,
    telemetry_output,
)

from receivers import OtlpGrpcReceiver, Recorder, unused_port
from receivers import rotel as rotel_module
from receivers.fixtures import ReceiverFactory
from receivers.rotel import RotelFactory

pytestmark = [pytest.mark.wire, pytest.mark.slow, pytest.mark.timeout(240)]

#: Moments per signal here; the benchmark uses 20.
MOMENTS = 5


def no_telemetry_output(err: str, signum: int = signal.SIGTERM) -> None:
    """Nothing from telemetry on stderr (`signal_trials.telemetry_output`)."""
    assert telemetry_output(err, signum) is None, err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_at_any_moment_loses_nothing_emitted(signum: int, spool_in_tmp: Path) -> None:
    port = unused_port()  # the collector is down: connections are refused
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    emitted: set[tuple[str, int]] = set()
    for moment in range(MOMENTS):
        tag = f"run-{moment}"
        trial = kill_at_random(endpoint_at(port), tag, signum, rng)
        assert sigint_status_ok(trial.status, signum) or not trial.signalled, (seed, trial)
        no_telemetry_output(trial.err, signum)
        emitted |= {(tag, attempt) for attempt in trial.attempts}
    lost = emitted - set(spooled(spool_in_tmp))
    print(f"seed {seed}: {len(emitted)} events emitted, {len(lost)} not spooled")
    assert not lost, (seed, sorted(lost)[:10])

    got = deliver(port, spool_in_tmp)  # the collector is back: one more run
    assert emitted <= set(got), (seed, sorted(emitted - set(got))[:10])
    assert not {key: times for key, times in got.items() if times > 1}, seed
    assert pending_files(spool_in_tmp) == []


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


def arrivals(receiver: Recorder) -> collections.Counter[tuple[str, int]]:
    return collections.Counter(
        (str(r.attributes["conversation.id"]), int(str(r.attributes["attempt"])))
        for r in receiver.received_records()
    )


@pytest.mark.parametrize("collector", ["down", "up"])
def test_sigkill_loses_at_most_the_window(
    collector: str, otlp_receivers: ReceiverFactory, spool_in_tmp: Path
) -> None:
    """Write ahead (`runtime/_write_ahead.py`): a SIGKILL at any moment loses only the
    events of the last `window_ms` (1 s by default; 1.5 s while the first export of an
    outage retries) before it, whether the collector is
    down (the queue is moved to the spool while an export is stuck) or up (each batch is
    on disk before it is sent, removed once delivered)."""
    port = unused_port()
    live = otlp_receivers.http(port=port) if collector == "up" else None
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    # The default window, half again while the outage's first export retries (see
    # `QueueDrainer`); the margin: the pipe's and the kill's delay on a loaded machine.
    window_s, margin_s = 1.5, 0.3
    runs = [killed_mid_run(endpoint_at(port), f"kill-{moment}", rng) for moment in range(3)]
    before = arrivals(live) if live is not None else collections.Counter()
    if live is not None:
        live.stop()
    got = before + deliver(port, spool_in_tmp)
    for moment, (seen, killed) in enumerate(runs):
        tag = f"kill-{moment}"
        old = {
            (tag, attempt) for attempt, when in seen.items() if when < killed - window_s - margin_s
        }
        assert old <= set(got), (seed, len(old - set(got)), len(seen))
    # At least once: a kill between the collector's answer and the file's removal has
    # that batch delivered again, at most one batch (512 events) per kill.
    twice = sum(1 for times in got.values() if times > 1)
    print(f"seed {seed}: {twice} events delivered twice")
    assert twice <= 512 * len(runs), seed


def test_what_signals_spooled_reaches_rotel_once_it_is_up(
    spool_in_tmp: Path, rotel_collectors: RotelFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same trials with an independent collector: Rotel (down for the killed runs, then
    up on the same ports) receives every event whose emitter returned, once, from the run
    that delivers the spool, and decodes them itself (its debug log)."""
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    with OtlpGrpcReceiver() as downstream:
        rotel = rotel_collectors(forward_to=downstream.endpoint, extra_args=("--debug-log", "logs"))
        endpoint = f"http://127.0.0.1:{rotel.http_port}/v1/logs"
        ports = (rotel.grpc_port, rotel.http_port)
        rotel.stop()  # the collector is down while the runs are killed
        emitted: set[tuple[str, int]] = set()
        for moment, signum in enumerate([signal.SIGTERM, signal.SIGINT] * 2):
            tag = f"rotel-{moment}"
            trial = kill_at_random(endpoint, tag, signum, rng)
            assert sigint_status_ok(trial.status, signum) or not trial.signalled, (seed, trial)
            emitted |= {(tag, attempt) for attempt in trial.attempts}
        assert emitted and emitted <= set(spooled(spool_in_tmp)), seed
        monkeypatch.setattr(rotel_module, "_two_unused_ports", lambda: ports)
        rotel.start(attempts=1)
        after = start(endpoint, "after", 5, "exit", shutdown_timeout=15.0)
        _, err = after.communicate(timeout=60)
        assert after.returncode == 0, err

        def arrived() -> collections.Counter[tuple[str, int]]:
            return collections.Counter(
                (str(r.attributes["conversation.id"]), int(str(r.attributes["attempt"])))
                for r in downstream.received_records()
            )

        assert downstream.wait_until(lambda: emitted <= set(arrived()), timeout=30), (
            seed,
            sorted(emitted - set(arrived()))[:10],
            rotel.errors(),
        )
        got = arrived()
        assert not {key: times for key, times in got.items() if times > 1}, seed
        assert rotel.wait_until(lambda: rotel.stdout.count("codex.api_request") >= 1)
        assert rotel.errors() == []
    assert pending_files(spool_in_tmp) == []
