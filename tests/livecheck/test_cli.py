"""`codex-otel live-check` as a user runs it: exit codes, formats, inputs, bad input."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from livecheck import recorded
from livecheck.process import LiveCheckProcess, command

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
    # Only warnings (exported prompt): 0 by default, 1 with --fail-on warning.
    warning_only = write(
        tmp_path / "warn.jsonl", [LINES[len(recorded.CLEAN) + len(recorded.CODEX) + 7]]
    )
    assert run("--schema", str(schema), "--input", str(warning_only)).returncode == 0
    assert (
        run(
            "--schema", str(schema), "--input", str(warning_only), "--fail-on", "warning"
        ).returncode
        == 1
    )
    assert (
        run("--schema", str(schema), "--input", str(recorded.FILE), "--fail-on", "never").returncode
        == 0
    )


@pytest.mark.no_otel
def test_bad_lines_are_reported_with_line_numbers_and_the_rest_is_checked(
    tmp_path: Path, schema: Path
) -> None:
    lines = [LINES[0], "not json", LINES[0], '{"resourceSpans": []}', "", LINES[0]]
    path = write(tmp_path / "mixed.jsonl", lines)
    result = run("--schema", str(schema), "--input", str(path), "--format", "json")
    assert result.returncode == 1
    assert f"{path}:2: not valid JSON" in result.stderr
    assert f"{path}:4: not an OTLP logs or metrics export request" in result.stderr
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
    assert document["records"] == 4 + 24


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
    assert "Traceback" not in result.stderr


def test_duration_stops_the_receivers_and_reports_nothing_seen(
    live_check: type[LiveCheckProcess],
) -> None:
    process = live_check(["--otlp-http", "0", "--duration", "1", "--format", "json"])
    process.wait_listening(1)
    finished = process.finish(timeout=20)
    assert finished.returncode == 0
    document = json.loads(finished.stdout)
    assert document["records"] == 0
    assert document["coverage"]["events"]["ratio"] == 0.0
