"""`codex-otel live-check` as a user runs it: exit codes, formats, inputs, bad input."""

from __future__ import annotations

import contextlib
import gzip
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_otel.livecheck.grpc_receiver import GrpcReceiver
from codex_otel.livecheck.http_receiver import HttpReceiver
from codex_otel.livecheck.receivers import EXPORT_METHOD, MAX_BODY_BYTES
from live_check import recorded
from live_check.process import LiveCheckProcess, command

LINES = recorded.FILE.read_text(encoding="utf-8").splitlines()


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("catalog") / "traffic-catalog.yaml"
    path.write_text(recorded.catalog_text(), encoding="utf-8")
    return path


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.mark.no_otel
def test_clean_traffic_exits_0(tmp_path: Path, schema: Path) -> None:
    clean = write(tmp_path / "clean.jsonl", LINES[: len(recorded.CLEAN)])
    result = run("--schema", str(schema), "--input", str(clean))
    assert result.returncode == 0, result.stderr
    assert "Findings: none" in result.stdout
    assert result.stdout.rstrip().endswith("OK: no finding at or above --fail-on error")


@pytest.mark.no_otel
def test_errors_exit_1_and_fail_on_moves_the_threshold(tmp_path: Path, schema: Path) -> None:
    result = run("--schema", str(schema), "--input", str(recorded.FILE))
    assert result.returncode == 1
    assert "FAIL:" in result.stdout
    # Only an exported prompt, which a toggle that is on sends: `unredacted` is info, so 0
    # by default and with --fail-on warning; 1 with --fail-on info or --require-redaction.
    info_only = write(
        tmp_path / "info.jsonl", [LINES[len(recorded.CLEAN) + len(recorded.CODEX) + 7]]
    )

    def status(*args: str) -> int:
        return run("--schema", str(schema), "--input", str(info_only), *args).returncode

    assert status() == 0 == status("--fail-on", "warning")
    assert status("--fail-on", "info") == 1 == status("--require-redaction")
    assert (
        run("--schema", str(schema), "--input", str(recorded.FILE), "--fail-on", "never").returncode
        == 0
    )


@pytest.mark.no_otel
def test_bad_lines_are_reported_with_line_numbers_and_the_rest_is_checked(
    tmp_path: Path, schema: Path
) -> None:
    lines = [LINES[0], "not json", LINES[0], '{"resourceProfiles": []}', "", LINES[0]]
    path = write(tmp_path / "mixed.jsonl", lines)
    result = run("--schema", str(schema), "--input", str(path), "--format", "json")
    assert result.returncode == 1
    assert f"{path}:2: not valid JSON" in result.stderr
    assert f"{path}:4: not an OTLP logs, metrics or traces export request" in result.stderr
    document = json.loads(result.stdout)
    # Three good requests of 4 records; the blank line is not a request.
    assert document["records"] == 12 and document["requests"] == 5
    [invalid] = document["findings"]
    assert invalid["kind"] == "invalid_request" and invalid["count"] == 2
    assert [e["where"] for e in invalid["examples"]] == [f"{path}:2", f"{path}:4"]


@pytest.mark.no_otel
def test_standard_input_and_several_inputs(schema: Path) -> None:
    result = run(
        "--schema", str(schema), "--input", "-", "--input", str(recorded.FILE), "--format", "json",
        stdin=LINES[0] + "\n",
    )  # fmt: skip
    document = json.loads(result.stdout)
    assert document["records"] == 4 + 24 + len(recorded.NEWER_EVENTS)


@pytest.mark.no_otel
def test_max_records_stops_at_exactly_n(schema: Path) -> None:
    result = run(
        "--schema",
        str(schema),
        "--input",
        str(recorded.FILE),
        "--max-records",
        "3",
        "--format",
        "json",
    )
    document = json.loads(result.stdout)
    assert document["records"] == 3
    assert document["findings"] == [] and result.returncode == 0


@pytest.mark.no_otel
def test_markdown_report(schema: Path) -> None:
    result = run("--schema", str(schema), "--input", str(recorded.FILE), "--format", "markdown")
    assert result.stdout.startswith("# live-check report\n")
    assert "| error | `type_mismatch` | codex.sse_event | input_token_count | 1 |" in result.stdout
    assert "## Coverage" in result.stdout


@pytest.mark.no_otel
def test_a_bad_catalog_is_reported_as_validate_does(tmp_path: Path) -> None:
    catalog = tmp_path / "bad.yaml"
    catalog.write_text("catalog_version: 1.0.0\nevents: 3\n", encoding="utf-8")
    result = run("--schema", str(catalog), "--input", str(recorded.FILE))
    validate = subprocess.run(
        [sys.executable, "-m", "codex_otel.cli", "validate", str(catalog)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 == validate.returncode
    assert result.stderr == validate.stderr
    assert f"{catalog}:" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.no_otel
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to check"),
        (("--input", "/no/such/file.jsonl"), "--input /no/such/file.jsonl: no such file"),
        (("--input", "/"), "--input /: not a file"),
        (("--input", "-", "--input", "-"), "--input - (standard input) can be given once"),
    ],
)
def test_bad_arguments_exit_2(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.no_otel
@pytest.mark.parametrize("value", ["-1", "x", "70000"])
def test_a_bad_port_is_refused_by_the_parser(value: str) -> None:
    result = run("--otlp-http", value)
    assert result.returncode == 2 and "--otlp-http" in result.stderr


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another socket listens on, for the test's duration."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.no_otel
def test_receivers_without_the_otel_extra_exit_2(tmp_path: Path) -> None:
    # The extra's modules made unimportable, as Python does for a module that is absent.
    script = (
        "import sys\n"
        "for name in ('grpc', 'opentelemetry', 'opentelemetry.proto', 'google.protobuf'):\n"
        "    sys.modules[name] = None\n"
        "from codex_otel.cli.main import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "live-check", "--otlp-http", "0", "--duration", "1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "the OTLP receivers need the otel extra" in result.stderr
    assert "pip install 'codex-otel[otel]'" in result.stderr
    # ... while --input of OTLP/JSON works the same way without it.
    without = subprocess.run(
        [sys.executable, "-c", script, "live-check", "--input", str(recorded.FILE), "--format", "json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert without.returncode == 1 and json.loads(without.stdout)["records"] > 0


@pytest.mark.parametrize("flag", ["--otlp-grpc", "--otlp-http"])
def test_a_port_in_use_exits_2(flag: str, busy_port: int) -> None:
    result = run(flag, str(busy_port), "--duration", "5")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"cannot listen on 127.0.0.1:{busy_port}" in result.stderr
    # The command's message alone: not gRPC's own log line (E... add_port.cc:83 ...) too.
    assert result.stderr.startswith("codex-otel live-check: error: cannot listen on")
    assert result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("allow_empty", [False, True])
def test_duration_stops_the_receivers_and_nothing_received_is_no_records(
    live_check: type[LiveCheckProcess], allow_empty: bool
) -> None:
    flags = ["--allow-empty"] if allow_empty else []
    process = live_check(["--otlp-http", "0", "--duration", "1", "--format", "json", *flags])
    process.wait_listening(1)
    finished = process.finish(timeout=20)
    document = json.loads(finished.stdout)
    assert document["records"] == 0
    assert document["coverage"]["events"]["ratio"] == 0.0
    if allow_empty:
        assert finished.returncode == 0 and document["findings"] == []
    else:
        assert finished.returncode == 1
        [nothing] = document["findings"]
        assert (nothing["kind"], nothing["severity"]) == ("no_records", "error")


# --- stops on an input that stays open (a pipe whose writer still runs) ----------------------

#: A line that is not JSON: the command names it on standard error as it reads it, which
#: tells the test how far the reading got.
MARKER = "not json"


@pytest.mark.no_otel
def test_max_records_stops_an_input_that_stays_open(
    live_check: type[LiveCheckProcess], schema: Path
) -> None:
    process = live_check(
        ["--schema", str(schema), "--input", "-", "--max-records", "5", "--format", "json"],
        stdin=True,
    )
    process.write("".join(line + "\n" for line in LINES[:3]))  # 12 records; no end of input
    finished = process.finish(timeout=60)
    document = json.loads(finished.stdout)
    # Line 1 holds 4 records, line 2 4 metric points: 5 in all are checked, no more.
    assert document["records"] + document["points"] == 5 and document["requests"] == 2
    assert finished.returncode == 0 == len(document["findings"]), finished.stderr


@pytest.mark.no_otel
def test_duration_stops_an_input_that_stays_open(
    live_check: type[LiveCheckProcess], schema: Path
) -> None:
    process = live_check(
        ["--schema", str(schema), "--input", "-", "--duration", "3", "--format", "json"],
        stdin=True,
    )
    process.write(LINES[0] + "\n")
    started = time.monotonic()
    finished = process.finish(timeout=60)
    document = json.loads(finished.stdout)
    assert document["records"] == 4 and finished.returncode == 0, finished.stderr
    assert time.monotonic() - started < 30


@pytest.mark.no_otel
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_gives_the_report(
    live_check: type[LiveCheckProcess], schema: Path, stop: signal.Signals
) -> None:
    process = live_check(["--schema", str(schema), "--input", "-", "--format", "json"], stdin=True)
    process.write(LINES[0] + "\n" + MARKER + "\n")
    process.wait_stderr("<stdin>:2: not valid JSON")  # line 1 is checked
    finished = process.finish(stop_signal=stop)
    # The report, and its verdict as the exit status (the bad line is an error): not 143/130.
    document = json.loads(finished.stdout)
    assert document["records"] == 4 and document["requests"] == 2
    assert [f["kind"] for f in document["findings"]] == ["invalid_request"]
    assert finished.returncode == 1, finished.stderr


@pytest.mark.no_otel
def test_ctrl_c_while_it_stops_by_itself_does_not_change_the_exit_status(
    live_check: type[LiveCheckProcess], schema: Path
) -> None:
    """Ctrl-C sent again and again (a shell sends it to the whole pipeline) while
    `--max-records` stops it and the report is written: the exit status stays the
    report's verdict, never 130."""
    process = live_check(
        ["--schema", str(schema), "--input", "-", "--max-records", "8", "--format", "json"],
        stdin=True,
    )
    process.write(MARKER + "\n")
    process.wait_stderr("<stdin>:1: not valid JSON")  # reading: the handlers are set
    process.write("".join(line + "\n" for line in LINES[:3]))
    while process.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.process.send_signal(signal.SIGINT)
        time.sleep(0.002)
    finished = process.finish()
    document = json.loads(finished.stdout)
    assert document["ok"] is False  # the bad line
    assert finished.returncode == 1, finished.stderr
    assert "Traceback" not in finished.stderr


def test_host_sets_the_address_the_receivers_listen_on(
    live_check: type[LiveCheckProcess],
) -> None:
    # 127.0.0.2 is a loopback address of its own on Linux: listening there, not on 127.0.0.1.
    process = live_check(["--otlp-http", "0", "--host", "127.0.0.2", "--format", "json"])
    port = process.wait_listening(1)["http"]
    assert "OTLP/HTTP receiver on 127.0.0.2:" in "".join(process._stderr)
    status, _ = post(f"http://127.0.0.2:{port}/v1/logs", LINES[0].encode())
    assert status == 200
    with pytest.raises(urllib.error.URLError, match="refused"):
        post(f"http://127.0.0.1:{port}/v1/logs", LINES[0].encode())
    finished = process.finish(interrupt=True)
    assert json.loads(finished.stdout)["records"] == 4


def post(url: str, body: bytes, encoding: str | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if encoding:
        headers["Content-Encoding"] = encoding
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def gzip_of_spaces(size: int) -> bytes:
    """A gzip body that decompresses to `size` bytes of spaces, made without holding them."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = b" " * (1 << 20)
    parts = [compressor.compress(chunk) for _ in range(size >> 20)]
    return b"".join(parts) + compressor.flush()


def test_a_body_too_large_once_decompressed_gets_413_and_memory_stays_bounded(
    live_check: type[LiveCheckProcess],
) -> None:
    process = live_check(["--otlp-http", "0", "--format", "json"])
    port = process.wait_listening(1)["http"]
    bomb = gzip_of_spaces(300 << 20)  # 300 MiB of spaces in about 300 KB
    assert len(bomb) < MAX_BODY_BYTES
    status, answer = post(f"http://127.0.0.1:{port}/v1/logs", bomb, "gzip")
    assert status == 413, answer
    assert json.loads(answer)["message"] == (
        f"the body is larger than {MAX_BODY_BYTES} bytes once decompressed"
    )
    # The receiver still answers, and the refused body is in the report.
    assert post(f"http://127.0.0.1:{port}/v1/logs", LINES[0].encode())[0] == 200
    finished = process.finish(interrupt=True)
    document = json.loads(finished.stdout)
    assert document["records"] == 4
    [refused] = document["findings"]
    assert refused["kind"] == "invalid_request"
    assert "once decompressed" in refused["example"]["detail"]
    if process.max_rss_kib is not None:
        # The receiver's bytes in flight are bounded by its budget (128 MiB, compressed,
        # decompressed and decoding copies together; this body alone stops at 64 MiB
        # decompressed) over the interpreter (about 50): not the 300 MiB of the bomb. Alone
        # the peak is about 120 MiB; on a loaded machine more of the budget is held at once.
        assert process.max_rss_kib < 200 * 1024, process.max_rss_kib


class _Sink:
    def __init__(self) -> None:
        self.accepted: list[int] = []

    def accept(self, encoding: str, body: bytes, where: str, signal: str) -> str | None:
        self.accepted.append(len(body))
        return None

    def reject(self, where: str, problem: str) -> None:
        raise AssertionError(f"{where}: {problem}")

    def turn_away(self, where: str, reason: str) -> None:
        raise AssertionError(f"{where}: {reason}")


def test_the_grpc_receiver_holds_a_message_to_the_limit_once_decompressed() -> None:
    grpc = pytest.importorskip("grpc", reason="the receivers need the otel extra")
    sink = _Sink()
    receiver = GrpcReceiver("127.0.0.1", 0, sink, max_body=1 << 20)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{receiver.port}") as channel:
            export = channel.unary_unary(EXPORT_METHOD)
            small = b"\n" + b"\0" * 1000  # what arrives is the sink's to judge
            export(small, compression=grpc.Compression.Gzip, timeout=30)
            with pytest.raises(grpc.RpcError) as refused:
                export(b"\0" * (2 << 20), compression=grpc.Compression.Gzip, timeout=30)
    finally:
        receiver.stop()
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert sink.accepted == [len(small)]


@pytest.mark.no_otel
def test_counts_are_worded_in_the_singular_for_one(schema: Path) -> None:
    one = run("--schema", str(schema), "--input", "-", stdin=LINES[3] + "\n")
    assert one.stdout.startswith("live-check: 1 record in 1 request, checked against")
    assert "Findings: 1 error, 0 warnings (distinct findings)" in one.stdout
    assert one.stdout.rstrip().endswith("FAIL: 1 finding at or above --fail-on error")
    points = run("--schema", str(schema), "--input", "-", stdin=LINES[1] + "\n")
    assert points.stdout.startswith("live-check: 0 records and 4 metric points in 1 request,")


@pytest.mark.no_otel
def test_fail_on_offers_the_severities_and_never() -> None:
    result = run("--input", str(recorded.FILE), "--fail-on", "notice")
    assert result.returncode == 2
    assert "--fail-on: invalid choice: 'notice'" in result.stderr
    assert all(choice in result.stderr for choice in ("error", "warning", "info", "never"))


class _Rejections(_Sink):
    def __init__(self) -> None:
        super().__init__()
        self.rejected: list[str] = []

    def reject(self, where: str, problem: str) -> None:
        self.rejected.append(problem)


def test_the_http_receiver_holds_a_body_to_the_limit_before_and_after_decompression() -> None:
    sink = _Rejections()
    receiver = HttpReceiver("127.0.0.1", 0, sink, max_body=1000)
    url = f"http://127.0.0.1:{receiver.port}/v1/logs"
    try:
        assert post(url, zlib.compress(b" " * 1000), "deflate")[0] == 200  # at the limit
        assert post(url, zlib.compress(b" " * 1001), "deflate")[0] == 413
        assert post(url, b" " * 1001)[0] == 413  # declared too long: not even read
        two_members = gzip.compress(b" " * 500) + gzip.compress(b" " * 500)
        assert post(url, two_members, "gzip")[0] == 200
    finally:
        receiver.stop()
    assert sink.accepted == [1000, 1000]
    assert sink.rejected == [
        "the body is larger than 1000 bytes once decompressed",
        "the body is larger than 1000 bytes",
    ]


def test_in_process_the_callers_signal_handlers_are_put_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Run in-process (an application's script, a test), live-check leaves Ctrl-C and
    SIGTERM as it found them: only its own process ignores them once the report is out."""
    from codex_otel.cli.main import main

    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    status = main(["live-check", "--input", str(recorded.FILE), "--format", "json"])
    after = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    assert status == 1  # the recorded traffic holds a finding of every kind
    assert json.loads(capsys.readouterr().out)["records"] > 0
    assert after == before


# --- no records, pretty-printed documents, the report's words --------------------------------


@pytest.mark.no_otel
def test_an_empty_input_is_a_no_records_error_unless_allowed(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    result = run("--input", str(empty))
    assert result.returncode == 1, result.stdout
    assert "ERROR   no_records x1: no log record, metric point or span was checked" in result.stdout
    assert "--allow-empty" in result.stdout
    allowed = run("--input", str(empty), "--allow-empty", "--format", "json")
    assert allowed.returncode == 0 and json.loads(allowed.stdout)["findings"] == []


def pretty(line: str) -> str:
    """A request as people write examples: indented over many lines."""
    return json.dumps(json.loads(line), indent=2)


@pytest.mark.no_otel
def test_pretty_printed_documents_are_read_whole_and_the_report_says_so(
    tmp_path: Path, schema: Path
) -> None:
    # One document, then two more separated by blank lines and on one line each.
    path = tmp_path / "logs.json"
    path.write_text(pretty(LINES[0]) + "\n\n" + LINES[0] + "\n" + pretty(LINES[1]) + "\n")
    result = run("--schema", str(schema), "--input", str(path), "--format", "json")
    document = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (document["records"], document["points"], document["requests"]) == (8, 4, 3)
    assert document["inputs"] == [{"input": str(path), "read_as": "documents"}]
    text = run("--schema", str(schema), "--input", "-", stdin=pretty(LINES[0]))
    assert text.returncode == 0, text.stdout + text.stderr
    assert "read <stdin> as whole JSON documents" in text.stdout
    assert text.stdout.startswith("live-check: 4 records in 1 request")
    lines = run("--schema", str(schema), "--input", str(recorded.FILE), "--format", "json")
    assert json.loads(lines.stdout)["inputs"] == [{"input": str(recorded.FILE), "read_as": "lines"}]


@pytest.mark.no_otel
def test_a_document_that_does_not_parse_is_named_by_its_line_and_the_next_is_read(
    tmp_path: Path, schema: Path
) -> None:
    path = tmp_path / "logs.json"
    path.write_text(pretty(LINES[0]) + '\n{\n  "resourceLogs": [ oops ]\n}\n' + pretty(LINES[0]))
    result = run("--schema", str(schema), "--input", str(path), "--format", "json")
    document = json.loads(result.stdout)
    assert document["records"] == 8
    [invalid] = document["findings"]
    broken = len(pretty(LINES[0]).splitlines()) + 2  # the line of `oops`
    assert invalid["example"]["where"] == f"{path}:{broken}"
    assert invalid["example"]["detail"].startswith("not valid JSON")


NAMELESS = json.dumps(
    {
        "resourceLogs": [
            {"resource": {"attributes": []}, "scopeLogs": [{"logRecords": [{}, {}, {}]}]}
        ]
    }
)


@pytest.mark.no_otel
def test_the_text_report_shows_places_once_and_no_placeholder_subjects() -> None:
    result = run("--input", "-", stdin=NAMELESS + "\n" + NAMELESS + "\n")
    lines = result.stdout.splitlines()
    # Findings without an event or attribute name none (no `- -`); places on one line.
    assert (
        "ERROR   unknown_event x6: the record has no EventName and no event.name attribute" in lines
    )
    assert "        e.g. at <stdin>:1, <stdin>:1, <stdin>:1" in lines
    assert not any(" - -" in line for line in lines)
    # missing_service_name counts resources (2), not records (6).
    [service] = [line for line in lines if "missing_service_name" in line and " x" in line]
    assert service.startswith("WARNING missing_service_name service.name x2:"), service


def test_the_receivers_start_line_says_how_to_stop(live_check: type[LiveCheckProcess]) -> None:
    process = live_check(["--otlp-http", "0", "--allow-empty"])
    process.wait_listening(1)
    finished = process.finish(interrupt=True)
    assert "(Ctrl-C or SIGTERM stops it and prints the report)" in finished.stderr


@pytest.mark.no_otel
def test_an_input_line_nested_100000_deep_is_an_invalid_request_and_the_run_goes_on(
    live_check: type[LiveCheckProcess], tmp_path: Path
) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_bytes(LINES[0].encode() + b"\n" + b"[" * 100_000 + b"\n" + LINES[0].encode() + b"\n")
    process = live_check(["--input", str(path), "--format", "json"])
    finished = process.finish(timeout=60)
    assert finished.returncode == 1, finished.stderr
    document = json.loads(finished.stdout)
    assert document["records"] == 8 and document["requests"] == 3
    [invalid] = document["findings"]
    assert invalid["kind"] == "invalid_request"
    assert invalid["example"]["where"] == f"{path}:2"
    assert "nested deeper" in invalid["example"]["detail"]
    assert "Traceback" not in finished.stderr and "Exception" not in finished.stderr
