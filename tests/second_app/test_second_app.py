"""A second application, start to finish: a build tool ("brick") with a catalog of its own,
written for this test (`brick_v1.yaml`, `brick_v2.yaml`; not derived from the bundled
Codex catalog), in a folder outside the checkout, with codex-otel installed from its wheel
(non-editable) into a fresh virtual environment.

The application validates and generates its package, imports it, emits to a real OTLP
receiver and to Rotel, diffs its two versions, live-checks its file exporter's output,
builds its documentation site and runs its own pytest with `otel_capture` and its
catalog. Nothing Codex's may appear in anything it sees: no Codex event or metric name,
no Codex service name, scope or toggle.

The fresh environment holds only the wheel; the wheel's dependencies (the OpenTelemetry
SDK, Jinja, pytest, ...) come from this test environment's site-packages through a path
file, so the test needs no network. Only that folder is added, not its editable install
of codex-otel: the application can import no other copy of the package than the wheel's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

from receivers import OtlpHttpReceiver, ReceivedRecord
from receivers.rotel import RotelFactory
from support.generation import REPO

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
SERVICE_NAME = "brick-build"  # brick_v*.yaml's `service: {name, scope}`
SCOPE_NAME = "brick.telemetry"
EVENT_NAMES = {"brick.build_started", "brick.action_finished", "brick.cache_lookup"}
METRIC_NAMES = {"brick.actions", "brick.action.duration"}
#: The spans the application makes: a build, and one action inside it.
SPAN_NAMES = {"build", "action //app:main"}
SECRET_COMMAND = "cc -o main main.c -DTOKEN=s3cr3t"
PIP = [sys.executable, "-m", "pip"]


def codex_words() -> list[str]:
    """What would betray the bundled Codex catalog in the application's output."""
    from codex_otel.generated import events

    bundled_toggles = ("log_user_prompt", "log_tool_details")
    return sorted(
        {"codex.", "codex-cli", *events.EVENT_NAMES, *events.METRIC_NAMES, *bundled_toggles}
    )


def assert_nothing_of_codex(where: str, text: str) -> None:
    found = [word for word in codex_words() if word in text]
    assert not found, f"{where} mentions {found}:\n{text[:4000]}"


APP = '''\
"""brick's telemetry, as the build tool would call it."""

import sys

from brick_telemetry import events
from codex_otel.runtime import Telemetry, load_config


def main(config_path: str) -> int:
    telemetry = Telemetry(load_config(config_path), service_version="2.4.0")
    build = telemetry.conversation(
        events.Metadata(workspace_id="ws-7", brick_version="2.4.0")
    )
    with events.build_span(build, jobs=4, targets=["//app:main", "//lib:core"]):
        events.build_started(
            build, targets=["//app:main", "//lib:core"], jobs=4, platforms=["linux", "macos"]
        )
        with events.action_span(build, target="//app:main") as action:
            events.cache_lookup(build, target="//lib:core", cache_kind="remote", cache_hit=True)
            events.action_finished(
                build,
                target="//app:main",
                outcome="built",
                duration_ms=1234,
                command_line=SECRET_COMMAND,
                exit_codes=[0, 2],
            )
            action.set_outcome("built")
            action.set_exit_codes([0, 2])
            events.record_actions(build, outcome="built")
            events.record_action_duration(build, 1234, outcome="built")
    delivered = telemetry.shutdown()
    print("brick: telemetry delivered" if delivered else "brick: telemetry NOT delivered")
    return 0 if delivered else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
'''.replace("SECRET_COMMAND", repr(SECRET_COMMAND))

APP_TEST = """\
from brick_telemetry import events


def test_a_finished_action_hides_its_command_line(otel_capture):
    build = otel_capture.telemetry.conversation(
        events.Metadata(workspace_id="ws-7", brick_version="2.4.0")
    )
    events.action_finished(
        build, target="//app:main", outcome="cached", duration_ms=3, command_line="cc x.c"
    )
    events.record_actions(build, outcome="cached")

    assert otel_capture.names() == ["brick.action_finished"]
    assert otel_capture.events[0].attributes["command_line"] == "[HIDDEN]"
    assert [m.name for m in otel_capture.measurements] == ["brick.actions"]
    otel_capture.assert_conforms()
"""

PYPROJECT = """\
[tool.pytest.ini_options]
codex_otel_catalog = "catalog.yaml"
"""


@dataclass
class Brick:
    """The application's folder and the fresh environment codex-otel is installed in."""

    app: Path
    python: Path
    codex_otel: Path
    #: `generate --schema catalog.yaml --out brick_telemetry`, run once for every test.
    generate: subprocess.CompletedProcess[str] | None

    def environment(self) -> dict[str, str]:
        kept = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OTEL_", "PYTHON", "VIRTUAL_ENV"))
        }
        return {**kept, "PYTHONDONTWRITEBYTECODE": "1"}

    def run(self, *command: str | Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(word) for word in command],
            cwd=self.app,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def cli(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        """The installed console script, as a user of the package runs it."""
        return self.run(self.codex_otel, *args)

    def generated(self) -> subprocess.CompletedProcess[str]:
        assert self.generate is not None
        assert self.generate.returncode == 0, self.generate.stderr
        return self.generate

    def emit(self, config: str) -> subprocess.CompletedProcess[str]:
        (self.app / "brick.toml").write_text(config, encoding="utf-8")
        self.generated()
        return self.run(self.python, "app.py", "brick.toml")


def _checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def brick(tmp_path_factory: pytest.TempPathFactory) -> Brick:
    root = tmp_path_factory.mktemp("second-app")
    assert REPO not in root.parents
    dist = root / "dist"
    _checked(
        subprocess.run(
            [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
            capture_output=True,
            text=True,
            check=False,
        )
    )
    (wheel,) = dist.glob("codex_otel-*.whl")
    venv = root / "venv"
    _checked(
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(venv)],
            capture_output=True,
            text=True,
            check=False,
        )
    )
    python = venv / "bin" / "python"
    _checked(
        subprocess.run(
            [*PIP, "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
            capture_output=True,
            text=True,
            check=False,
        )
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "outer_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )

    app = root / "brick"
    (app / "tests").mkdir(parents=True)
    (app / "v1.yaml").write_bytes((HERE / "brick_v1.yaml").read_bytes())
    (app / "catalog.yaml").write_bytes((HERE / "brick_v2.yaml").read_bytes())
    (app / "app.py").write_text(APP, encoding="utf-8")
    (app / "tests" / "test_brick_telemetry.py").write_text(APP_TEST, encoding="utf-8")
    (app / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    brick = Brick(app, python, venv / "bin" / "codex-otel", generate=None)
    where = brick.run(python, "-c", "import codex_otel, sys; print(codex_otel.__file__)")
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr  # the wheel's copy
    brick.generate = brick.cli("generate", "--schema", "catalog.yaml", "--out", "brick_telemetry")
    return brick


def test_validate_and_generate(brick: Brick) -> None:
    validate = brick.cli("validate", "v1.yaml", "catalog.yaml")
    assert validate.returncode == 0, validate.stderr
    assert (
        "catalog.yaml: valid (catalog version 1.1.0, 3 events, 2 metrics, 2 spans)"
        in validate.stdout
    )
    assert_nothing_of_codex("validate", validate.stdout + validate.stderr)

    generate = brick.generated()
    package = brick.app / "brick_telemetry"
    assert {p.name for p in package.iterdir()} >= {"__init__.py", "events.py", "EVENTS.md"}
    assert_nothing_of_codex("generate", generate.stdout + generate.stderr)
    for path in package.rglob("*"):
        if path.is_file():
            assert_nothing_of_codex(str(path), path.read_text(encoding="utf-8"))
    check = brick.cli("generate", "--check", "--schema", "catalog.yaml", "--out", "brick_telemetry")
    assert check.returncode == 0, check.stdout + check.stderr


def test_import_and_emit_to_a_receiver(brick: Brick) -> None:
    with OtlpHttpReceiver() as receiver:
        base = receiver.endpoint.removesuffix("/v1/logs")
        result = brick.emit(
            "[otel]\n"
            f'exporter = {{ otlp-http = {{ endpoint = "{base}/v1/logs" }} }}\n'
            f'metrics_exporter = {{ otlp-http = {{ endpoint = "{base}/v1/metrics" }} }}\n'
            f'trace_exporter = {{ otlp-http = {{ endpoint = "{base}" }} }}\n'
            "shutdown_timeout = 5.0\n"
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert receiver.wait_for(3, timeout=10)
        assert receiver.wait_for_points(
            lambda points: {p.name for p in points} >= METRIC_NAMES, timeout=10
        )
        assert receiver.wait_for_spans(2, timeout=10)
        records, points = receiver.received_records(), receiver.received_points()
        spans = receiver.received_spans()
    assert_nothing_of_codex("the application's output", result.stdout + result.stderr)
    assert {r.event_name for r in records} == EVENT_NAMES
    by_name = {r.event_name: r.attributes for r in records}
    started = by_name["brick.build_started"]
    assert started["targets"] == ["//app:main", "//lib:core"]
    assert started["platforms"] == ["linux", "macos"]
    assert started["workspace.id"] == "ws-7"
    finished = by_name["brick.action_finished"]
    assert finished["outcome"] == "built"
    assert finished["exit_codes"] == [0, 2]
    assert finished["command_line"] == "[HIDDEN]"  # log_command_lines defaults off
    assert by_name["brick.cache_lookup"]["cache.hit"] is True
    assert {p.name for p in points} == METRIC_NAMES
    assert all(p.attributes["brick.version"] == "2.4.0" for p in points)
    assert_nothing_of_codex("the records", repr(records) + repr(points))
    # The catalog's own service name and scope, from the generated package alone.
    assert {r.resource["service.name"] for r in records} == {SERVICE_NAME}
    assert {p.resource["service.name"] for p in points} == {SERVICE_NAME}
    assert {r.scope_name for r in records} | {p.scope_name for p in points} == {SCOPE_NAME}
    # Its spans: the action inside the build, with its own names, service and scope, and
    # every event emitted inside them carrying their trace.
    assert {s.name for s in spans} == SPAN_NAMES
    by_span = {s.name: s for s in spans}
    build_span, action = by_span["build"], by_span["action //app:main"]
    assert action.parent_span_id == build_span.span_id
    assert action.attributes["outcome"] == "built"
    assert action.attributes["exit_codes"] == [0, 2]
    assert {s.resource["service.name"] for s in spans} == {SERVICE_NAME}
    assert {s.scope_name for s in spans} == {SCOPE_NAME}
    assert {r.trace_id for r in records} == {build_span.trace_id}
    assert by_name_record(records, "brick.action_finished").span_id == action.span_id
    assert_nothing_of_codex("the spans", repr(spans))


def by_name_record(records: list[ReceivedRecord], name: str) -> ReceivedRecord:
    [record] = [r for r in records if r.event_name == name]
    return record


def test_its_own_toggle_through_load_config_to_rotel(
    brick: Brick, rotel_collectors: RotelFactory
) -> None:
    rotel = rotel_collectors()
    result = brick.emit(
        "[otel]\n"
        f'exporter = {{ otlp-grpc = {{ endpoint = "{rotel.grpc_endpoint}" }} }}\n'
        "shutdown_timeout = 5.0\n"
        "log_command_lines = true\n"  # the application's toggle, in its [otel] table
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert rotel.wait_for(3, timeout=10)
    records = rotel.received_records()
    assert rotel.errors() == []
    assert {r.event_name for r in records} == EVENT_NAMES
    [finished] = [r for r in records if r.event_name == "brick.action_finished"]
    assert finished.attributes["command_line"] == SECRET_COMMAND  # the toggle is on
    assert {r.resource["service.name"] for r in records} == {SERVICE_NAME}
    assert_nothing_of_codex("Rotel's records", repr(records) + result.stdout + result.stderr)


def test_diff_its_two_versions(brick: Brick) -> None:
    diff = brick.cli("diff", "v1.yaml", "catalog.yaml")
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert "brick.cache_lookup" in diff.stdout
    assert "OK: the changes need a minor bump; 1.0.0 -> 1.1.0 is a minor bump." in diff.stdout
    assert_nothing_of_codex("diff", diff.stdout + diff.stderr)
    # Backwards, the removal breaks: exit 1. And NEW is never the bundled catalog.
    assert brick.cli("diff", "catalog.yaml", "v1.yaml").returncode == 1
    alone = brick.cli("diff", "v1.yaml")
    assert alone.returncode == 2
    assert "NEW is required" in alone.stderr
    assert_nothing_of_codex("diff with one catalog", alone.stdout + alone.stderr)


def test_live_check_its_file_exporter_output(brick: Brick) -> None:
    result = brick.emit(
        "[otel]\n"
        'exporter = { file = { path = "events.jsonl" } }\n'
        'metrics_exporter = { file = { path = "metrics.jsonl" } }\n'
        'trace_exporter = { file = { path = "spans.jsonl" } }\n'
        "shutdown_timeout = 5.0\n"  # the SDK's start on a loaded machine, not the file
    )
    assert result.returncode == 0, result.stdout + result.stderr
    exported = (brick.app / "events.jsonl").read_text(encoding="utf-8")
    check = brick.cli(
        "live-check",
        "--schema",
        "catalog.yaml",
        "--input",
        "events.jsonl",
        "--input",
        "metrics.jsonl",
        "--input",
        "spans.jsonl",
        "--format",
        "json",
        "--fail-on",
        "warning",
    )
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads(check.stdout)
    assert report["records"] == 3
    assert report["spans"] == 2
    assert report["findings"] == []
    assert_nothing_of_codex("live-check", check.stdout + check.stderr)
    assert_nothing_of_codex("the exported file", exported)
    scopes = {
        scope["scope"]["name"]
        for line in exported.splitlines()
        for resource in json.loads(line)["resourceLogs"]
        for scope in resource["scopeLogs"]
    }
    assert scopes == {SCOPE_NAME}


def test_build_its_site(brick: Brick) -> None:
    docs = brick.cli("docs", "--schema", "catalog.yaml", "--out", "site", "--history", "v1.yaml")
    assert docs.returncode == 0, docs.stdout + docs.stderr
    site = brick.app / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    for name in EVENT_NAMES:
        assert name in index
    assert "log_command_lines" in (site / "privacy.html").read_text(encoding="utf-8")
    assert {path.name for path in (site / "spans").iterdir()} == {
        "brick.build.html",
        "brick.action.html",
    }
    assert_nothing_of_codex("docs", docs.stdout + docs.stderr)
    for path in site.rglob("*"):
        if path.is_file():
            assert_nothing_of_codex(str(path), path.read_text(encoding="utf-8"))


def test_its_own_pytest_with_otel_capture_and_its_catalog(brick: Brick) -> None:
    brick.generated()
    result = brick.run(brick.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "1 passed" in out
    [heading] = [line for line in out.splitlines() if "catalog coverage" in line]
    assert "brick" in heading
    assert_nothing_of_codex("the application's pytest", out)
