"""The recorded traffic file against the checker: each finding kind, exactly where it is,
clean records with none, Codex's own record shapes as type mismatches, redacted values
never shown. No OpenTelemetry needed: the OTLP/JSON path works without the extra."""

from __future__ import annotations

import json

import pytest

from codex_otel.generator import Catalog, load_catalog_text
from codex_otel.livecheck import KINDS, LiveChecker, build_report, render
from live_check import recorded

pytestmark = pytest.mark.no_otel

LINES = recorded.FILE.read_text(encoding="utf-8").splitlines()
CODEX_LINE = len(recorded.CLEAN) + 1
FIRST_KIND_LINE = CODEX_LINE + len(recorded.CODEX)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog_text(recorded.catalog_text(), "traffic-catalog.yaml")


def check(catalog: Catalog, numbered: list[tuple[int, str]]) -> LiveChecker:
    checker = LiveChecker(catalog)
    for number, line in numbered:
        checker.check_json_line(line, f"recorded.jsonl:{number}")
    return checker


def findings_table(checker: LiveChecker) -> dict[tuple[str, str | None, str | None], list[str]]:
    """Findings by kind, subject (an event, or `metric NAME`) and attribute."""
    return {
        (f.kind, f"metric {f.metric}" if f.metric else f.event, f.attribute): [
            example.where for example in f.examples
        ]
        for f in checker.findings.sorted()
    }


def test_the_file_is_what_recorded_py_makes() -> None:
    assert recorded.FILE.read_text(encoding="utf-8") == recorded.render()


def test_each_clean_line_alone_produces_no_finding(catalog: Catalog) -> None:
    for number, line in enumerate(LINES[: len(recorded.CLEAN)], 1):
        checker = check(catalog, [(number, line)])
        assert checker.records + checker.points > 0
        assert checker.findings.sorted() == [], number


def test_codex_records_are_reported_exactly_as_type_mismatches(catalog: Catalog) -> None:
    checker = check(catalog, [(CODEX_LINE, LINES[CODEX_LINE - 1])])
    at = [f"recorded.jsonl:{CODEX_LINE}"]
    # Matched by the event.name attribute alone (no EventName), every event of Codex.
    assert checker.records == 7
    assert findings_table(checker) == {
        ("type_mismatch", "codex.api_request", "duration_ms"): at,
        ("type_mismatch", "codex.sse_event", "duration_ms"): at,
        ("type_mismatch", "codex.sse_event", "input_token_count"): at,
        ("type_mismatch", "codex.sse_event", "output_token_count"): at,
        ("type_mismatch", "codex.sse_event", "tool_token_count"): at,
        ("type_mismatch", "codex.user_prompt", "prompt_length"): at,
        ("type_mismatch", "codex.tool_result", "duration_ms"): at,
        # Codex exports tool details by default: a warning, not an error.
        ("unredacted", "codex.tool_result", "arguments"): at,
        ("unredacted", "codex.tool_result", "output"): at,
        # The output it recorded, `api_key=sk-live-...`, is a credential by its key's name.
        ("secret", "codex.tool_result", "output"): at,
    }
    secret = next(f for f in checker.findings.sorted() if f.kind == "secret")
    assert (secret.severity, secret.credential, secret.count) == ("error", "api-key", 1)
    mismatch = next(f for f in checker.findings.sorted() if f.attribute == "input_token_count")
    assert mismatch.severity == "error"
    assert mismatch.examples[0].type == "string" and mismatch.examples[0].value == "1520"


def test_every_finding_kind_is_found_where_it_is(catalog: Catalog) -> None:
    checker = check(catalog, list(enumerate(LINES, 1)))

    def line(offset: int) -> list[str]:
        return [f"recorded.jsonl:{FIRST_KIND_LINE + offset}"]

    table = findings_table(checker)
    # Every kind the checker finds in traffic is in the file: Codex's line has a secret.
    assert table[("secret", "codex.tool_result", "output")] == [f"recorded.jsonl:{CODEX_LINE}"]
    own = {key: where for key, where in table.items() if where[0] != f"recorded.jsonl:{CODEX_LINE}"}
    bad = len(LINES) - 1, len(LINES)
    assert own == {
        ("unknown_event", "codex.telemetry_probe", None): line(0),
        ("unknown_event", None, None): line(1),
        ("missing_required", "codex.tool_decision", "call_id"): line(2),
        ("unknown_attribute", "codex.tool_decision", "tool.extra"): line(3),
        ("enum_violation", "codex.tool_decision", "decision"): line(4),
        ("out_of_bounds", "codex.api_request", "http.response.status_code"): line(5),
        ("too_long", "codex.api_request", "error.message"): line(6),
        # The error text is exported (log_error_details is on by default): info.
        ("unredacted", "codex.api_request", "error.message"): line(6),
        ("unredacted", "codex.user_prompt", "prompt"): line(7),
        ("enum_violation", "codex.tool_decision", "event.name"): line(8),
        ("missing_service_name", None, "service.name"): line(9),
        ("deprecated", recorded.DEPRECATED_EVENT, None): line(10),
        ("deprecated", "codex.tool_decision", recorded.DEPRECATED_ATTRIBUTE): line(10),
        ("missing_required", "codex.tool_decision", "event.name"): line(11),
        ("unknown_metric", "metric codex.telemetry_probe.count", None): line(12),
        ("instrument_mismatch", "metric codex.api_request", None): line(13),
        ("unit_mismatch", "metric codex.api_request.duration_ms", None): line(14),
        ("value_type_mismatch", "metric codex.tool.call", None): line(15),
        ("boundaries_mismatch", "metric codex.api_request.duration_ms", None): line(16),
        ("missing_required", "metric codex.tool.call", "tool"): line(17),
        ("enum_violation", "metric codex.tool.call", "success"): line(17),
        ("unknown_attribute", "metric codex.tool.call", "call_id"): line(17),
        ("type_mismatch", "metric codex.tool.call", "tool"): line(17),
        ("missing_required", "metric codex.sse_event", "model"): line(17),
        ("missing_required", "metric codex.sse_event", "app.version"): line(17),
        ("invalid_request", None, None): [f"recorded.jsonl:{n}" for n in bad],
    }
    # Every kind the checker finds in log and metric traffic is in the file; the other two
    # are of a whole run (no_records) and of a receiver at its limits (refused), tested
    # with them, and the kinds of spans are test_live_spans.py's.
    span_kinds = {"unknown_span", "span_kind_mismatch", "span_parent", "span_content"}
    assert {kind for kind, _, _ in table} == set(KINDS) - {"no_records", "refused", *span_kinds}
    # The bad lines did not stop the rest: every record of every other line was checked.
    assert checker.records == 24 + len(recorded.NEWER_EVENTS)
    assert checker.points == 14
    assert checker.requests == len(LINES)


def test_bad_lines_are_named_with_their_line_numbers(catalog: Catalog) -> None:
    checker = check(catalog, list(enumerate(LINES, 1)))
    invalid = next(f for f in checker.findings.sorted() if f.kind == "invalid_request")
    assert invalid.count == 2
    texts = [example.text() for example in invalid.examples]
    assert texts[0].startswith(f"recorded.jsonl:{len(LINES) - 1}: not valid JSON")
    assert texts[1] == (
        f"recorded.jsonl:{len(LINES)}: not an OTLP logs, metrics or traces export request: "
        "no resourceLogs, resourceMetrics or resourceSpans (keys: resourceProfiles)"
    )


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_redacted_values_are_never_shown_only_their_length(
    catalog: Catalog, output_format: str
) -> None:
    report = build_report(check(catalog, list(enumerate(LINES, 1))))
    text = render(report, output_format)
    for secret in (recorded.SECRET_ARGUMENTS, recorded.SECRET_OUTPUT, recorded.SECRET_PROMPT):
        for fragment in (secret, secret[:12], json.dumps(secret)[1:13]):
            assert fragment not in text
    prompt = next(f for f in report.findings if f.attribute == "prompt")
    assert prompt.examples[0].to_json() == {
        "where": f"recorded.jsonl:{FIRST_KIND_LINE + 7}",
        "type": "string",
        "redacted": True,
        "length": len(recorded.SECRET_PROMPT),
    }


def test_the_json_report_has_the_documented_shape(catalog: Catalog) -> None:
    document = json.loads(render(build_report(check(catalog, list(enumerate(LINES, 1)))), "json"))
    assert {"records", "findings", "coverage", "ok"} <= set(document)
    assert document["records"] == 24 + len(recorded.NEWER_EVENTS) and document["ok"] is False
    for finding in document["findings"]:
        assert set(finding) - {"credential"} == {
            "kind", "severity", "event", "metric", "span", "attribute", "count", "message",
            "example", "examples",
        }  # fmt: skip
        # The kind of credential, on secret findings alone.
        assert ("credential" in finding) == (finding["kind"] == "secret")
        assert finding["severity"] == KINDS[finding["kind"]][0]
    events = document["coverage"]["events"]
    assert events["unseen"] == [] and events["ratio"] == 1.0
    attributes = document["coverage"]["attributes"]
    assert "cf_ray" in attributes["by_event"]["codex.api_request"]["unseen"]
    assert "attempt" in attributes["by_event"]["codex.api_request"]["seen"]
    # Attributes as events are: the names seen and never seen, and the ratio.
    assert set(attributes) == {"total", "seen", "unseen", "ratio", "by_event"}
    assert "attempt" in attributes["seen"] and "cf_ray" in attributes["unseen"]
    assert "event.name" not in attributes["seen"] + attributes["unseen"]
    assert len(attributes["seen"]) + len(attributes["unseen"]) == attributes["total"]
    assert attributes["ratio"] == round(len(attributes["seen"]) / attributes["total"], 4)
    # A key seen on one event is seen, though another event's records lack it.
    assert "error.message" in attributes["by_event"]["codex.sse_event"]["unseen"]
    assert "error.message" in attributes["seen"]
    assert document["points"] == 14
    assert document["spans"] == 0  # log and metric traffic only
    metrics = document["coverage"]["metrics"]
    assert metrics["seen"] == [
        "codex.api_request",
        "codex.api_request.duration_ms",
        "codex.tool.call",
        "codex.tool.call.duration_ms",
        "codex.sse_event",
    ]
    names = [metric.name for metric in catalog.metrics]
    assert metrics["unseen"] == [name for name in names if name not in metrics["seen"]]
    assert metrics["ratio"] == round(5 / len(names), 4)
    # Its one point lacks the metadata (auth_mode, conditional, is no finding).
    unseen = metrics["by_metric"]["codex.sse_event"]["unseen"]
    assert unseen == ["model", "app.version", "auth_mode", "originator", "session_source"]
    assert metrics["by_metric"]["codex.api_request"]["unseen"] == []
