"""Metrics across outages, end to end: a real child process (`metrics_emitter.py`) records
metrics with the collector down and exits; the next run, with a real receiver (the
in-repo ones, and Rotel) up, delivers the spooled points with their original timestamps.

- Delta: every point of every failed export, each once, at its own time.
- Cumulative: only the newest point per stream; the spool's size does not grow with the
  number of failed exports.
- A truncated or corrupt metric spool file is set aside, the rest delivered.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from spool.metrics_emitter import DURATION, REQUESTS, Meta, config_text

from codex_otel.runtime import Telemetry, load_config
from codex_otel.runtime._metrics_spool import MetricSpool, metric_spool_for
from receivers import OtlpGrpcReceiver, OtlpHttpReceiver, ReceivedPoint, unused_port
from receivers import rotel as rotel_module
from receivers.rotel import RotelFactory

pytestmark = [pytest.mark.wire, pytest.mark.slow, pytest.mark.timeout(120)]


EMITTER = Path(__file__).with_name("metrics_emitter.py")
COUNTER, HISTOGRAM = "codex.api_request", "codex.api_request.duration_ms"
TRANSPORTS = ["http-binary", "http-json", "grpc"]


@dataclass
class Run:
    """What one child run printed."""

    windows: list[tuple[int, int]] = field(default_factory=list)
    spool_bytes: list[int] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""


def run_child(
    transport: str, endpoint: str, temporality: str, intervals: int, tag: str, *mode: str
) -> Run:
    process = subprocess.run(
        [
            sys.executable,
            str(EMITTER),
            transport,
            endpoint,
            temporality,
            str(intervals),
            tag,
            *mode,
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert process.returncode == 0, process.stderr
    assert "Traceback" not in process.stderr, process.stderr
    run = Run(stderr=process.stderr)
    lines = process.stdout.splitlines()
    assert lines[-1] == "exiting", process.stdout
    for line in lines[:-1]:
        document = json.loads(line)
        if "before" in document:
            run.windows.append((document["before"], document["after"]))
            run.spool_bytes.append(document["spool_bytes"])
        elif "stats" in document:
            run.stats = document["stats"]
    return run


def spool_of(transport: str, endpoint: str, temporality: str) -> MetricSpool:
    spool = metric_spool_for(load_config(text=config_text(transport, endpoint, temporality)))
    assert spool is not None
    return spool


def offline_endpoint(transport: str) -> str:
    """An endpoint nothing listens on (the collector is down)."""
    return f"http://127.0.0.1:{unused_port()}"


def of_run(points: list[ReceivedPoint], tag: str) -> list[ReceivedPoint]:
    return [p for p in points if p.attributes.get("run") == tag]


def check_delta(points: list[ReceivedPoint], offline: Run, delivered_after: int) -> None:
    """Every interval's delta point, once, at its own time (inside the export's window
    of the offline run, long before the delivery)."""
    counters = sorted((p for p in points if p.name == COUNTER), key=lambda p: p.time_unix_nano)
    histograms = sorted((p for p in points if p.name == HISTOGRAM), key=lambda p: p.time_unix_nano)
    assert len(counters) == len(offline.windows), [p.value for p in counters]
    assert len(histograms) == len(offline.windows)
    for interval, ((before, after), counter, histogram) in enumerate(
        zip(offline.windows, counters, histograms, strict=True)
    ):
        assert counter.temporality == 1 and histogram.temporality == 1  # delta
        assert before <= counter.time_unix_nano <= after < delivered_after
        assert before <= histogram.time_unix_nano <= after
        assert counter.value == 1 + interval
        assert histogram.count == 1 and histogram.value == 10.0 * interval
        assert counter.start_time_unix_nano < counter.time_unix_nano
        assert counter.resource["service.version"] == "0.0.1-metrics-spool"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_delta_points_of_an_outage_are_all_delivered_once_by_the_next_run(
    transport: str,
) -> None:
    down = offline_endpoint(transport)
    offline = run_child(transport, down, "delta", 4, "offline")
    assert offline.stats["metric_export_failures"] >= 4
    assert offline.stats["metric_points_spooled"] == 8  # 4 intervals, 2 metrics
    assert offline.stats["metric_points_pending"] == 8
    assert offline.stderr == ""  # delayed, not lost: nothing to tell the host's user
    receiver: OtlpGrpcReceiver | OtlpHttpReceiver = (
        OtlpGrpcReceiver(port=int(down.rsplit(":", 1)[1]))
        if transport == "grpc"
        else OtlpHttpReceiver(port=int(down.rsplit(":", 1)[1]))
    )
    with receiver:
        online = run_child(transport, down, "delta", 1, "online")
        assert receiver.wait_for_points(lambda found: len(of_run(found, "offline")) >= 8)
        check_delta(of_run(receiver.received_points(), "offline"), offline, online.windows[0][0])
        assert online.stats["metric_points_delivered"] == 8
        assert online.stats["metric_points_pending"] == 0
        assert len(of_run(receiver.received_points(), "online")) == 2
        # A delivered file is never delivered again.
        again = run_child(transport, down, "delta", 1, "again")
        assert again.stats["metric_points_delivered"] == 0
        assert len(of_run(receiver.received_points(), "offline")) == 8
    assert spool_of(transport, down, "delta").pending_files() == []


def test_cumulative_outage_keeps_the_newest_point_per_stream_in_a_spool_that_does_not_grow(
    receiver_port: int,
) -> None:
    endpoint = f"http://127.0.0.1:{receiver_port}"
    intervals = 40
    offline = run_child("http-binary", endpoint, "cumulative", intervals, "offline")
    sizes = offline.spool_bytes
    assert sizes[0] > 0
    # The values' digits may grow (1 -> 820); the points do not.
    assert max(sizes) - sizes[0] <= 16, sizes
    assert offline.stats["metric_points_spooled"] == 2  # two streams, each counted once
    assert offline.stats["metric_points_pending"] == 2
    spool = spool_of("http-binary", endpoint, "cumulative")
    assert len(spool.pending_files()) == 1
    with OtlpHttpReceiver(port=receiver_port) as receiver:
        online = run_child("http-binary", endpoint, "cumulative", 1, "online")
        assert receiver.wait_for_points(lambda found: len(of_run(found, "offline")) >= 2)
        points = of_run(receiver.received_points(), "offline")
    assert sorted(p.name for p in points) == [COUNTER, HISTOGRAM]
    counter = next(p for p in points if p.name == COUNTER)
    histogram = next(p for p in points if p.name == HISTOGRAM)
    last_flush_end = offline.windows[-1][1]
    for point in (counter, histogram):
        assert point.temporality == 2  # cumulative
        # The newest: the exit's export, after the last forced one, before the next run.
        assert last_flush_end <= point.time_unix_nano < online.windows[0][0]
        assert point.start_time_unix_nano <= offline.windows[0][0]
    assert counter.value == sum(1 + interval for interval in range(intervals))
    assert histogram.count == intervals
    assert online.stats["metric_points_delivered"] == 2


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def receiver_port() -> int:
    return unused_port()


def test_rotel_receives_the_spooled_points_with_their_timestamps(
    rotel_collectors: RotelFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OtlpGrpcReceiver() as downstream:
        rotel = rotel_collectors(
            forward_to=downstream.endpoint, extra_args=("--debug-log", "metrics")
        )
        endpoint = f"http://127.0.0.1:{rotel.http_port}"
        ports = (rotel.grpc_port, rotel.http_port)
        rotel.stop()  # the collector is down for the first run
        offline = run_child("http-binary", endpoint, "delta", 3, "offline")
        assert offline.stats["metric_points_pending"] == 6
        # Back on the same ports (the spool belongs to its endpoint).
        monkeypatch.setattr(rotel_module, "_two_unused_ports", lambda: ports)
        rotel.start(attempts=1)
        online = run_child("http-binary", endpoint, "delta", 1, "online")
        assert downstream.wait_for_points(
            lambda found: len(of_run(found, "offline")) >= 6, timeout=15
        ), rotel.errors()
        check_delta(of_run(downstream.received_points(), "offline"), offline, online.windows[0][0])
        assert online.stats["metric_points_delivered"] == 6
        # Rotel's own decoding (its debug log) saw them as delta points.
        assert rotel.wait_until(lambda: rotel.stdout.count("-> Name: " + COUNTER) >= 4)
        assert "AGGREGATION_TEMPORALITY_DELTA" in rotel.stdout
        assert rotel.errors() == []


def test_a_truncated_or_corrupt_metric_spool_file_is_set_aside_and_the_rest_delivered(
    receiver_port: int,
) -> None:
    endpoint = f"http://127.0.0.1:{receiver_port}"
    offline = run_child("http-binary", endpoint, "delta", 3, "offline")
    spool = spool_of("http-binary", endpoint, "delta")
    files = spool.pending_files()
    assert len(files) == 3
    # A SIGKILL mid-write cannot leave this (writes are atomic), a disk error or a hand can.
    truncated = files[0]
    truncated.write_bytes(truncated.read_bytes()[:-40])
    corrupt = files[1]
    lines = corrupt.read_text().splitlines(keepends=True)
    corrupt.write_text(lines[0] + lines[1].replace('"time":', '"time":"x",  "t":'))
    planted = spool.directory / "00000000000000000001-1-0.jsonl"
    planted.write_text('{"format":"codex-otel-metric-spool"' + "[" * 100_000 + "\n")
    with OtlpHttpReceiver(port=receiver_port) as receiver:
        online = run_child("http-binary", endpoint, "delta", 1, "online")
        assert receiver.wait_for_points(lambda found: len(of_run(found, "offline")) >= 2)
        points = of_run(receiver.received_points(), "offline")
    # Only the third interval's file was intact: its two points arrive, at their time.
    before, after = offline.windows[2]
    assert sorted(p.name for p in points) == [COUNTER, HISTOGRAM]
    assert all(before <= p.time_unix_nano <= after for p in points)
    assert online.stats["metric_points_delivered"] == 2
    aside = sorted(path.name for path in spool.directory.iterdir())
    assert f"{truncated.name}.corrupt" in aside
    assert f"{corrupt.name}.corrupt" in aside
    assert f"{planted.name}.corrupt" in aside
    assert "skipping spool file" in online.stderr


def test_sigterm_spools_what_was_recorded_since_the_last_collection(receiver_port: int) -> None:
    endpoint = f"http://127.0.0.1:{receiver_port}"
    process = subprocess.Popen(
        [sys.executable, str(EMITTER), "http-binary", endpoint, "delta", "2", "offline", "hang"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[-1] == "recorded\n", lines
        windows = [(json.loads(line)["before"], json.loads(line)["after"]) for line in lines[:2]]
        signalled = time.time_ns()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        process.kill()
        _, stderr = process.communicate()
    assert process.returncode == -signal.SIGTERM, stderr  # ended as SIGTERM ends it
    assert "Traceback" not in stderr, stderr
    with OtlpHttpReceiver(port=receiver_port) as receiver:
        online = run_child("http-binary", endpoint, "delta", 1, "online")
        assert receiver.wait_for_points(lambda found: len(of_run(found, "offline")) >= 5)
        counters = sorted(
            (p for p in of_run(receiver.received_points(), "offline") if p.name == COUNTER),
            key=lambda p: p.time_unix_nano,
        )
    # The two failed exports' points, and the one recorded after them, collected at the
    # signal: each once, at its own time.
    assert [p.value for p in counters] == [1, 2, 1000]
    assert windows[1][1] < counters[2].time_unix_nano
    assert signalled <= counters[2].time_unix_nano < online.windows[0][0]
    assert counters[2].start_time_unix_nano == counters[1].time_unix_nano  # no gap


def test_a_run_shorter_than_its_start_spools_its_measurements_at_exit(receiver_port: int) -> None:
    # gRPC: the heaviest import, so the start is still running when the run exits with
    # the default shutdown_timeout (0.25 s).
    endpoint = f"http://127.0.0.1:{receiver_port}"
    began = time.monotonic()
    offline = run_child("grpc", endpoint, "delta", 0, "short", "quick")
    took = time.monotonic() - began
    assert offline.stderr == ""
    assert took < 10.0, took  # the start is bounded (5 s), the shutdown too
    spool = spool_of("grpc", endpoint, "delta")
    assert spool.pending_events() == 2
    with OtlpGrpcReceiver(port=receiver_port) as receiver:
        run_child("grpc", endpoint, "delta", 1, "online")
        assert receiver.wait_for_points(lambda found: len(of_run(found, "short")) >= 2)
        points = of_run(receiver.received_points(), "short")
    assert sorted((p.name, p.value) for p in points) == [(COUNTER, 7), (HISTOGRAM, 70.0)]


@pytest.mark.parametrize("temporality", ["delta", "cumulative"])
def test_the_same_run_delivers_its_spooled_points_once_the_collector_is_back(
    temporality: str, receiver_port: int
) -> None:
    # In this process: a real exporter, a real receiver that comes up mid-run.

    endpoint = f"http://127.0.0.1:{receiver_port}"
    config = load_config(text=config_text("http-binary", endpoint, temporality), environ={})
    telemetry = Telemetry(config, service_version="0.0.1-metrics-spool")
    try:
        assert telemetry.wait_until_started()
        conversation = telemetry.conversation(Meta())
        windows = []
        for interval in range(3):  # the collector is down
            conversation.record(REQUESTS, 1 + interval, {"status": "200", "run": "down"})
            conversation.record(DURATION, 10.0 * interval, {"status": "200", "run": "down"})
            before = time.time_ns()
            assert not telemetry.force_flush(5.0)
            windows.append((before, time.time_ns()))
        spooled = telemetry.stats.metric_points_spooled
        assert spooled == (6 if temporality == "delta" else 2)
        spool = spool_of("http-binary", endpoint, temporality)
        with OtlpHttpReceiver(port=receiver_port) as receiver:
            back = time.time_ns()
            conversation.record(REQUESTS, 100, {"status": "200", "run": "down"})
            assert telemetry.force_flush(5.0)
            if temporality == "delta":
                assert receiver.wait_for_points(lambda found: len(found) >= 7)
                points = receiver.received_points()
                spooled_points = [p for p in points if p.time_unix_nano < back]
                check_delta(spooled_points, Run(windows=windows), back)
                # Counted once its file is deleted, right after the collector's answer.
                assert eventually(lambda: telemetry.stats.metric_points_delivered == 6)
            else:
                assert receiver.wait_for_points(lambda found: len(found) >= 2)
                points = receiver.received_points()
                # Only the export that succeeded: newer than anything spooled, which
                # it made stale and which is gone without being sent.
                assert all(p.time_unix_nano >= back for p in points)
                counter = next(p for p in points if p.name == COUNTER)
                assert counter.value == 1 + 2 + 3 + 100
                assert telemetry.stats.metric_points_delivered == 0
            assert eventually(lambda: spool.pending_files() == [])
            assert telemetry.shutdown()
            if temporality == "cumulative":
                # Never a stale point after the newer ones, not even from a delivery
                # that began before the collector came back.
                assert all(p.time_unix_nano >= back for p in receiver.received_points())
    finally:
        telemetry.shutdown()
    assert telemetry.stats.metric_points_pending == 0
    assert list(spool.directory.iterdir()) == []  # nothing claimed left behind either
