"""`codex-otel demo`: every event of the catalog in each form, printed or exported."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codex_otel.cli.demo import run_session
from codex_otel.generated import events
from codex_otel.instrument import EventManager
from codex_otel.runtime import Telemetry, load_config
from codex_otel.runtime._spool import Batch, Event
from codex_otel.runtime._startup import spool_for
from receivers import OtlpHttpReceiver, unused_port
from support.demo import demo, session_event_count
from support.metadata import make_metadata

SESSION_EVENTS = session_event_count()


def test_the_session_records_every_metric() -> None:
    telemetry = Telemetry(service_version="test")
    with telemetry.capture_measurements() as measurements:
        run_session(EventManager(telemetry.conversation(make_metadata())))
    assert {m.name for m in measurements} == set(events.METRIC_NAMES)


def test_the_session_emits_every_event_in_every_form() -> None:
    telemetry = Telemetry(service_version="test")
    conversation = telemetry.conversation(make_metadata())
    with telemetry.capture() as captured:
        run_session(EventManager(conversation))
    names = {event.name for event in captured}
    assert names == set(events.EVENT_NAMES)
    by_name = {name: [dict(e.attributes) for e in captured if e.name == name] for name in names}

    requests = by_name["codex.api_request"]
    assert [r.get("error.message") is not None for r in requests] == [True, False]
    assert [r["http.response.status_code"] for r in requests] == [429, 200]
    assert requests[1]["cf_ray"] == "8f1e2d3c4b5a6978-SJC"

    sse = by_name["codex.sse_event"]
    assert any("error.message" in e and "duration_ms" in e for e in sse)  # failed items
    completion = [e for e in sse if "input_token_count" in e]
    assert completion == [completion[0]] and completion[0]["cached_token_count"] == 1024
    assert any(
        e.get("event.kind") == "response.completed"
        and "error.message" in e
        and "duration_ms" not in e
        for e in sse
    )

    decisions = [d["decision"] for d in by_name["codex.tool_decision"]]
    assert all(isinstance(d, str) for d in decisions)
    assert sorted(map(str, decisions)) == ["approved", "denied"]
    results = by_name["codex.tool_result"]
    assert [r["success"] for r in results] == ["true", "false", "false"]
    assert "call_id" not in results[2] and results[2]["duration_ms"] == 0
    assert by_name["codex.user_prompt"][0]["prompt"] == "[REDACTED]"
    assert by_name["codex.user_prompt"][0]["prompt_length"] == len("Fix the failing test please")


def test_demo_prints_every_event_readably() -> None:
    result = demo()
    assert result.returncode == 0, result.stderr
    for name in events.EVENT_NAMES:
        assert f"  {name}\n" in result.stdout
    assert f"{SESSION_EVENTS} events emitted" in result.stdout
    assert result.stderr == ""


def test_demo_sends_every_event_to_a_collector(tmp_path: Path) -> None:
    with OtlpHttpReceiver() as receiver:
        config = tmp_path / "otel.toml"
        config.write_text(
            f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{receiver.endpoint}" }} }}\n'
            "shutdown_timeout = 5.0\n"
        )
        result = demo("--config", str(config))
        assert result.returncode == 0, result.stderr
        assert receiver.wait_for(SESSION_EVENTS, timeout=5)
        assert {r.event_name for r in receiver.received_records()} == set(events.EVENT_NAMES)
        assert all(r.resource["service.name"] == "codex-cli" for r in receiver.received_records())
    assert "All events delivered" in result.stdout


def test_demo_prints_a_summary_of_every_metric() -> None:
    result = demo()
    assert result.returncode == 0, result.stderr
    for name in events.METRIC_NAMES:
        assert f"    {name} {{" in result.stdout
    # The retried request: one 429 attempt and one 200, each counted once.
    assert "codex.api_request {status=429, success=false}" in result.stdout
    assert "codex.api_request {status=200, success=true}" in result.stdout
    assert "every point also carries model, app.version, auth_mode" in result.stdout


def test_demo_sends_every_metric_to_a_collector_beside_the_events(tmp_path: Path) -> None:
    with OtlpHttpReceiver() as receiver:
        endpoint = receiver.endpoint.removesuffix("/v1/logs")
        config = tmp_path / "otel.toml"
        config.write_text(
            f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{endpoint}/v1/logs" }} }}\n'
            f'metrics_exporter = {{ otlp-http = {{ endpoint = "{endpoint}/v1/metrics" }} }}\n'
            "shutdown_timeout = 5.0\n"
        )
        result = demo("--config", str(config))
        assert result.returncode == 0, result.stderr
        assert receiver.wait_for(SESSION_EVENTS, timeout=5)
        assert receiver.wait_for_points(
            lambda points: {p.name for p in points} >= set(events.METRIC_NAMES), timeout=5
        )
        points = receiver.received_points()
    assert {p.name for p in points} == set(events.METRIC_NAMES)
    for point in points:
        assert {"model", "app.version", "auth_mode"} <= set(point.attributes)
        assert "conversation.id" not in point.attributes
        assert point.resource["service.name"] == "codex-cli"
    requests = {
        (p.attributes["status"], p.attributes["success"]): p.value
        for p in points
        if p.name == "codex.api_request"
    }
    assert requests == {("429", "false"): 1, ("200", "true"): 1}
    assert "metrics_exporter otlp-http" in result.stdout
    assert "All events delivered" in result.stdout


def test_demo_writes_the_otlp_json_file(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    config = tmp_path / "otel.toml"
    config.write_text(f'[otel]\nexporter = {{ file = {{ path = "{path}" }} }}\n')
    result = demo("--config", str(config))
    assert result.returncode == 0, result.stderr
    names = [
        record["eventName"]
        for line in path.read_text().splitlines()
        for resource in json.loads(line)["resourceLogs"]
        for scope in resource["scopeLogs"]
        for record in scope["logRecords"]
    ]
    assert len(names) == SESSION_EVENTS and set(names) == set(events.EVENT_NAMES)


def test_unreachable_collector_fails_within_the_shutdown_timeout(tmp_path: Path) -> None:
    config = tmp_path / "otel.toml"
    config.write_text(
        f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "http://127.0.0.1:{unused_port()}", timeout = 1.0 }} }}\n'
        "shutdown_timeout = 1.0\n[otel.spool]\nenabled = false\n"  # nothing kept: lost
    )
    started = time.monotonic()
    result = demo("--config", str(config))
    took = time.monotonic() - started
    assert result.returncode == 1
    assert "could not all be delivered" in result.stderr
    assert "Traceback" not in result.stderr
    assert took < 1.0 + 6.0  # the timeout plus interpreter start-up and imports


def test_an_offline_demo_says_where_its_events_wait(tmp_path: Path, spool_in_tmp: Path) -> None:
    config = tmp_path / "otel.toml"
    config.write_text(
        f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "http://127.0.0.1:{unused_port()}" }} }}\n'
    )
    result = demo("--config", str(config))
    # Not delivered (the collector was not reached): 1, as for any undelivered demo ...
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    # ... but it says where the events are instead of "0 failed, 0 dropped".
    assert "could not all be delivered" not in result.stderr
    [folder] = spool_in_tmp.iterdir()
    message = f"{SESSION_EVENTS} events spooled at {folder}; the next run with the collector up delivers them"
    assert message in result.stderr, result.stderr
    spooled = [
        json.loads(line)["name"]
        for path in folder.glob("*.jsonl")
        for line in path.read_text(encoding="ascii").splitlines()[1:]
    ]
    assert len(spooled) == SESSION_EVENTS and set(spooled) == set(events.EVENT_NAMES)


def test_a_demo_with_the_collector_back_delivers_the_spool_at_exit(
    tmp_path: Path, spool_in_tmp: Path
) -> None:
    """The walkthrough of issue 15: offline, then one short run with the collector back
    delivers its own events and the spooled ones before it exits, and says so."""
    port = unused_port()
    config = tmp_path / "otel.toml"
    config.write_text(
        f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "http://127.0.0.1:{port}" }} }}\n'
        "shutdown_timeout = 5.0\n"
    )
    offline = demo("--config", str(config))
    assert offline.returncode == 1, offline.stderr
    [folder] = spool_in_tmp.iterdir()
    assert list(folder.glob("*.jsonl"))
    with OtlpHttpReceiver(port=port) as receiver:
        result = demo("--config", str(config))
        # Delivered before the process ended: not left to a thread or a later run.
        records = receiver.received_records()
    assert result.returncode == 0, result.stderr
    assert len(records) == 2 * SESSION_EVENTS
    assert {r.event_name for r in records} == set(events.EVENT_NAMES)
    assert len({r.resource["service.instance.id"] for r in records}) == 2  # both runs'
    assert list(folder.iterdir()) == []
    assert f"{SESSION_EVENTS} earlier events delivered from the spool" in result.stdout
    assert "All events delivered" in result.stdout
    assert "still spooled" not in result.stdout


def test_a_demo_says_which_spooled_events_still_wait(tmp_path: Path, spool_in_tmp: Path) -> None:
    """A slow collector: the demo delivers its own events (exit 0), and the older
    spooled events the time did not allow are reported as waiting, not as a failure."""
    with OtlpHttpReceiver() as receiver:
        config = tmp_path / "otel.toml"
        config.write_text(
            f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{receiver.endpoint}" }} }}\n'
            "shutdown_timeout = 3.0\n"
        )
        spool = spool_for(load_config(config))
        assert spool is not None
        for number in range(10):
            event = Event("codex.api_request", 1, 1, {"conversation.id": "old", "attempt": number})
            spool.write(Batch({"service.name": "old-run"}, "codex_otel", None, (event,)))
        receiver.slow(0.5)  # every answer: the 10 old files need 5 s, more than the run has
        result = demo("--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "All events delivered" in result.stdout
    left = sum(1 for _ in spool.pending_files())
    assert left >= 1
    assert f"{left} events still spooled at {spool.directory}; the next run delivers them" in (
        result.stdout
    )
    assert "not a failure of this run" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "config file not found"),
        ("[otel\n", "line 1"),
        ('[otel]\nexporter = "kafka"\n', "otel.exporter"),
        ("[otel]\nlog_user_prompts = true\n", "log_user_prompt"),
    ],
)
def test_bad_config_is_one_paragraph_and_exit_2(
    tmp_path: Path, content: str | None, message: str
) -> None:
    config = tmp_path / "otel.toml"
    if content is not None:
        config.write_text(content)
    result = demo("--config", str(config))
    assert result.returncode == 2
    assert result.stderr.startswith("codex-otel: error:")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


WITHOUT_OTEL = """
import sys
sys.modules["opentelemetry"] = None  # as if the `otel` extra were not installed
from codex_otel.cli.main import main
sys.argv = ["codex-otel", "demo", "--config", sys.argv[1]]
sys.exit(main())
"""


@pytest.mark.parametrize("metrics", [False, True], ids=["events", "events-and-metrics"])
def test_without_the_otel_extra_the_demo_says_nothing_was_exported(
    tmp_path: Path, metrics: bool
) -> None:
    """Regression: it printed "All events delivered" although no file was written, and the
    install hint twice (with `metrics_exporter` set too: once for each pipeline)."""
    out = tmp_path / "events.jsonl"
    metrics_out = tmp_path / "metrics.jsonl"
    config = tmp_path / "otel.toml"
    text = f'[otel]\nexporter = {{ file = {{ path = "{out.as_posix()}" }} }}\n'
    if metrics:
        text += f'metrics_exporter = {{ file = {{ path = "{metrics_out.as_posix()}" }} }}\n'
    config.write_text(text)
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_OTEL, str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "delivered" not in result.stdout
    assert "nothing was exported" in result.stderr
    assert result.stderr.count("codex-otel[otel]") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert not metrics_out.exists()


def test_a_reader_that_closes_early_ends_the_demo_quietly() -> None:
    """Regression: `codex-otel demo | head` printed "codex-otel: a subscriber raised" and
    a BrokenPipeError traceback. The reader here takes one line and closes the pipe; the
    command stops with SIGPIPE's shell status and says nothing on stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "codex_otel.cli", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()  # the reader has what it wanted
    process.stdout.close()
    stderr = process.stderr.read()
    status = process.wait(timeout=60)
    assert "Traceback" not in stderr and "subscriber raised" not in stderr, stderr
    assert "Broken pipe" not in stderr
    assert status == 141


def test_a_demo_reports_the_events_an_interrupted_run_left(
    tmp_path: Path, spool_in_tmp: Path
) -> None:
    """A run killed while it exported (its write-ahead file still claimed by its dead
    pid): the next demo with the collector up takes the file back, delivers it and says
    "N events from an interrupted run delivered"; the other spooled events are not."""
    port = unused_port()
    config = tmp_path / "otel.toml"
    config.write_text(
        f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "http://127.0.0.1:{port}" }} }}\n'
        "shutdown_timeout = 5.0\n[otel.batch]\nmax_export_batch_size = 5\n"
    )
    assert demo("--config", str(config)).returncode == 1  # offline: the session spooled
    [folder] = spool_in_tmp.iterdir()
    files = sorted(folder.glob("*.jsonl"))
    assert len(files) >= 2
    dead = 2**22 + 4321  # above the usual pid_max: no such process
    claimed = files[0].with_name(f"{files[0].name}.claimed-{dead}")
    files[0].rename(claimed)
    interrupted = json.loads(claimed.read_text(encoding="ascii").splitlines()[0])["count"]
    with OtlpHttpReceiver(port=port) as receiver:
        result = demo("--config", str(config))
        records = receiver.received_records()
    assert result.returncode == 0, result.stderr
    assert len(records) == 2 * SESSION_EVENTS
    assert f"{interrupted} events from an interrupted run delivered" in result.stdout
    assert f"{SESSION_EVENTS} earlier events delivered from the spool" in result.stdout
