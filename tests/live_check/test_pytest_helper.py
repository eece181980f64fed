"""The in-process helper: `assert_conforms` on captured events, and the coverage summary
the pytest plugin prints at the end of a run."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import textwrap
from importlib import resources
from pathlib import Path

import pytest

from codex_otel.cli import demo
from codex_otel.generated import events
from codex_otel.generator import bundled_catalog_path, load_catalog
from codex_otel.instrument import EventManager
from codex_otel.livecheck.conformance import assert_conforms
from codex_otel.livecheck.pytest_plugin import OtelCapture
from codex_otel.runtime import CapturedEvent, CapturedMeasurement, MetricDefinition, Telemetry
from support.metadata import CODEX_METADATA

#: A Codex session's metadata, its optional fields unknown.
METADATA = dataclasses.replace(CODEX_METADATA, auth_mode=None, user_account_id=None)


def test_the_demo_session_conforms(
    otel_capture: OtelCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "STEP_SECONDS", 0.0)
    demo.run_session(EventManager(otel_capture.telemetry.conversation(METADATA)))
    report = otel_capture.assert_conforms()
    assert report.records == len(otel_capture.events) > 6
    # The metrics EventManager records beside the events are checked too: all of them.
    assert report.points == len(otel_capture.measurements) > report.records
    assert report.coverage["metrics"]["unseen"] == []
    # Every event of the catalog, and all but the optional ones this metadata leaves out.
    assert report.coverage["events"]["unseen"] == []
    unseen = report.coverage["attributes"]["by_event"]["codex.api_request"]["unseen"]
    schema = json.loads(
        (resources.files("codex_otel.generated") / "schemas" / "codex.api_request.json").read_text()
    )
    assert {"auth_mode", "user.account_id"} <= set(unseen)
    assert not set(unseen) & set(schema["required"])
    # The default config exports tool details, a choice: `unredacted` is info, so the demo
    # passes --fail-on warning, and shows it with --fail-on info.
    otel_capture.assert_conforms(fail_on="warning")
    with pytest.raises(AssertionError, match=re.escape("unredacted codex.tool_result arguments")):
        otel_capture.assert_conforms(fail_on="info")
    # The finding names the setting that sends the content (not "its redaction toggle").
    with pytest.raises(AssertionError, match=re.escape("log_tool_details = true sends it")):
        otel_capture.assert_conforms(fail_on="info")


def test_an_event_that_drifted_from_the_catalog_fails_naming_the_finding() -> None:
    captured = [
        CapturedEvent(
            "codex.tool_decision",
            {**METADATA.to_attributes(), "event.timestamp": "2025-09-30T17:02:11.493Z",
             "tool_name": "shell", "decision": "perhaps", "source": "user"},
            0,
        )
    ]  # fmt: skip
    with pytest.raises(AssertionError) as failure:
        assert_conforms(captured)
    message = str(failure.value)
    assert "missing_required codex.tool_decision call_id" in message
    assert "enum_violation codex.tool_decision decision" in message
    assert "'perhaps'" in message


def test_a_measurement_that_drifted_from_the_catalog_fails_naming_the_finding() -> None:
    # A hand-made definition that says histogram where the catalog says counter, with a
    # tag the catalog does not know and without the metadata keys.
    wrong = MetricDefinition("codex.api_request", "histogram", "ms", "drifted", "int")
    drifted = CapturedMeasurement(wrong, 3, {"status": "200", "route": "/v1"}, 0)
    with pytest.raises(AssertionError) as failure:
        assert_conforms([], measurements=[drifted])
    message = str(failure.value)
    assert "instrument_mismatch" in message and "unit_mismatch" in message
    assert "unknown_attribute" in message and "route" in message
    assert "missing_required" in message and "success" in message


def test_an_application_catalog_is_checked_with_schema(tmp_path: Path) -> None:
    from support.generation import REPO

    mini = REPO / "tests" / "generator" / "fixtures" / "mini.yaml"
    with pytest.raises(AssertionError, match=re.escape("unknown_event codex.tool_decision")):
        assert_conforms([CapturedEvent("codex.tool_decision", {}, 0)], schema=mini)


def test_the_plugin_prints_the_coverage_of_the_run(tmp_path: Path) -> None:
    (tmp_path / "test_app.py").write_text(
        textwrap.dedent(
            """
            from codex_otel.generated import events

            META = events.Metadata(conversation_id="c", app_version="1", terminal_type="t",
                                   model="m", slug="s")

            def test_decision(otel_capture):
                conversation = otel_capture.telemetry.conversation(META)
                events.tool_decision(conversation, tool_name="shell", call_id="c1",
                                     decision="approved", source="user")
                otel_capture.assert_conforms()

            def test_prompt(otel_capture):
                conversation = otel_capture.telemetry.conversation(META)
                events.user_prompt(conversation, prompt_length=2, prompt="hi")
                events.record_tool_call(conversation, tool="shell", success="true")
                otel_capture.assert_conforms()
            """
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         str(tmp_path / "test_app.py")],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"codex-otel catalog coverage: codex \(/\S+/catalog\.yaml\)", result.stdout)
    # The two events and the one metric the tests emit, of the catalog's.
    emitted = {"codex.tool_decision", "codex.user_prompt"}
    total, metrics = len(events.EVENT_NAMES), len(events.METRIC_NAMES)
    assert f"events 2/{total} ({2 / total:.0%})" in result.stdout
    never = [name for name in events.EVENT_NAMES if name not in emitted]
    assert "never emitted: " + ", ".join(never) + "\n" in result.stdout
    assert f"metrics 1/{metrics} ({1 / metrics:.0%})" in result.stdout
    never_recorded = [name for name in events.METRIC_NAMES if name != "codex.tool.call"]
    assert "never recorded: " + ", ".join(never_recorded) + "\n" in result.stdout
    # No test started a span: every catalog span is named as never started.
    spans = [span.id for span in load_catalog(bundled_catalog_path()).spans]
    assert f"spans 0/{len(spans)} (0%)\nnever started: " + ", ".join(spans) in result.stdout


def test_without_a_check_the_plugin_prints_no_coverage(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_nothing():\n    pass\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_plain.py")],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0
    assert "catalog coverage" not in result.stdout


def test_a_capture_from_telemetry_directly() -> None:
    telemetry = Telemetry(service_version="test")
    with telemetry.capture() as captured:
        events.user_prompt(telemetry.conversation(METADATA), prompt_length=5, prompt="hello")
    telemetry.shutdown()
    assert assert_conforms(captured).records == 1


def test_the_readme_fixture_example_passes_under_pytest(tmp_path: Path) -> None:
    """The README's `otel_capture` example, verbatim, run by pytest in a fresh process
    with the plugin loaded from its entry point: it passes and prints the coverage."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Testing with the `otel_capture` fixture", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert "otel_capture.assert_conforms()" in snippet
    (tmp_path / "test_telemetry.py").write_text(snippet, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_telemetry.py"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "codex-otel catalog coverage" in result.stdout


def test_an_application_sets_its_catalog_once_and_each_summary_names_its_catalog(
    tmp_path: Path,
) -> None:
    """The `codex_otel_catalog` ini option sets the catalog of `assert_conforms` and
    `otel_capture`; a conftest's `otel_catalog` fixture overrides it for its directory. The
    run checks against two catalogs: two coverage summaries, each named by its catalog's
    namespace (or file name) and path."""
    from support.generation import REPO

    (tmp_path / "app").mkdir()
    catalog = tmp_path / "app" / "mini.yaml"
    catalog.write_text(
        (REPO / "tests" / "generator" / "fixtures" / "mini.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\ncodex_otel_catalog = app/mini.yaml\n", encoding="utf-8"
    )
    unknown = 'CapturedEvent("codex.tool_decision", {}, 0)'
    (tmp_path / "test_app.py").write_text(
        textwrap.dedent(
            f"""
            import pytest
            from codex_otel.livecheck.conformance import assert_conforms
            from codex_otel.runtime import CapturedEvent

            def test_assert_conforms_uses_the_ini_catalog():
                with pytest.raises(AssertionError, match="unknown_event codex.tool_decision"):
                    assert_conforms([{unknown}])

            def test_otel_capture_uses_the_ini_catalog(otel_capture):
                otel_capture.events.append({unknown})
                with pytest.raises(AssertionError, match="unknown_event codex.tool_decision"):
                    otel_capture.assert_conforms()
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "bundled").mkdir()
    (tmp_path / "bundled" / "conftest.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from codex_otel.generator import bundled_catalog_path

            @pytest.fixture
            def otel_catalog():
                return bundled_catalog_path()
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "bundled" / "test_bundled.py").write_text(
        textwrap.dedent(
            f"""
            import pytest
            from codex_otel.runtime import CapturedEvent

            def test_the_override_wins(otel_capture):
                otel_capture.events.append({unknown})
                with pytest.raises(AssertionError, match="missing_required codex.tool_decision"):
                    otel_capture.assert_conforms()
            """
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"codex-otel catalog coverage: mini.yaml ({catalog})" in result.stdout
    assert re.search(r"codex-otel catalog coverage: codex \(/\S+/catalog\.yaml\)", result.stdout)


def test_an_ini_catalog_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\ncodex_otel_catalog = nope.yaml\n")
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 4, result.stdout + result.stderr
    assert "codex_otel_catalog = nope.yaml: no catalog at" in result.stderr
