"""live-check as a leak detector: the `secret` finding, and what policy attributes may carry.

Credentials are made at test time in their real formats (tests/privacy/credentials.py),
never committed. They are planted everywhere an export request carries text (record
attributes known and unknown, bodies, arrays and key-value lists, metric point attributes,
resource and scope attributes) and must come back as findings that name the kind, the
event or metric, the attribute and the count, in no report format showing any part of them.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest
from privacy.credentials import MAKERS

from codex_otel.generator import Catalog, bundled_catalog_path, load_catalog
from codex_otel.livecheck import LiveChecker, build_report, render
from live_check import recorded

#: The JSON path and the scrubber's engine need no OpenTelemetry package.
pytestmark = pytest.mark.no_otel

CATALOG: Catalog = load_catalog(bundled_catalog_path())

#: Long enough that any planted fragment this long would be a part of the credential.
FRAGMENT = 8


def made(kind: str, seed: int = 26) -> str:
    return MAKERS[kind](random.Random(f"{kind}-{seed}"))


def pairs(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": any_value(v)} for k, v in attributes.items()]


def any_value(value: object) -> dict[str, Any]:
    if isinstance(value, dict):
        return {"kvlistValue": {"values": pairs(value)}}
    return recorded.any_value(value)


def logs_request(
    records: list[dict[str, Any]],
    resource: dict[str, Any] | None = None,
    scope: dict[str, Any] | None = None,
) -> str:
    resource = recorded.CODEX_RESOURCE if resource is None else resource
    return json.dumps(
        {
            "resourceLogs": [
                {
                    "resource": {"attributes": pairs(resource)},
                    "scopeLogs": [
                        {
                            "scope": {"name": "agent", "attributes": pairs(scope or {})},
                            "logRecords": records,
                        }
                    ],
                }
            ]
        }
    )


def log(name: str, attributes: dict[str, Any], body: object = None) -> dict[str, Any]:
    out: dict[str, Any] = {"eventName": name, "attributes": pairs(attributes)}
    if body is not None:
        out["body"] = any_value(body)
    return out


def tool_result(output: str, **more: object) -> dict[str, Any]:
    """A conforming codex.tool_result as codex-otel sends it, with `output`."""
    return {
        "event.name": "codex.tool_result",
        **recorded.COMMON,
        "tool_name": "shell",
        "call_id": "call_1",
        "arguments": "[REDACTED]",
        "duration_ms": 7,
        "success": "true",
        "output": output,
        **more,
    }


def check(*lines: str) -> LiveChecker:
    checker = LiveChecker(CATALOG)
    for number, line in enumerate(lines, 1):
        checker.check_json_line(line, f"traffic:{number}")
    return checker


def secrets_of(
    checker: LiveChecker,
) -> dict[tuple[str | None, str | None, str | None], Counter[str]]:
    """(event, metric, attribute) -> credential kind -> count, from the `secret` findings."""
    table: dict[tuple[str | None, str | None, str | None], Counter[str]] = {}
    for finding in checker.findings.sorted():
        if finding.kind == "secret":
            assert finding.severity == "error"
            assert finding.credential is not None
            key = (finding.event, finding.metric, finding.attribute)
            table.setdefault(key, Counter())[finding.credential] += finding.count
    return table


def fragments(secret: str) -> set[str]:
    return {secret[i : i + FRAGMENT] for i in range(len(secret) - FRAGMENT + 1)}


def assert_never_shown(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        shown = [part for part in fragments(secret) if part in text]
        assert shown == [], f"{len(shown)} fragments of a planted credential in the report"


# --- the finding -------------------------------------------------------------------------


def test_every_place_a_request_carries_text_is_scanned() -> None:
    pat, aws, slack = made("github-pat"), made("aws-access-key-id"), made("slack-token")
    jwt, key, stripe = made("jwt"), made("private-key"), made("stripe-key")
    anthropic, openai = made("anthropic-api-key"), made("openai-api-key")
    gitlab, npm = made("gitlab-pat"), made("npm-token")
    logs = logs_request(
        [
            # A known event: twice the same kind in its output, one in an unknown attribute.
            log(
                "codex.tool_result",
                tool_result(f"export GITHUB_TOKEN={pat}\n$ echo {made('github-pat', 2)}"),
                body=f"AWS_ACCESS_KEY_ID={aws}",
            ),
            log("codex.tool_result", tool_result(f"token: {pat}", **{"tool.extra": jwt})),
            # Another agent's event, unknown to the catalog: still scanned, arrays and maps too.
            log("claude_code.tool_result", {"tool_parameters": [f"curl -H 'x: {slack}'"]}),
            log("claude_code.api_request", {"headers": {"inner": {"key": key}}}),
            # No name at all.
            log("", {"message": f"charged with {stripe}"}),
        ],
        resource={"service.name": "claude-code", "user.token": anthropic},
        scope={"origin": f"configured with {openai}"},
    )
    metrics = json.dumps(
        {
            "resourceMetrics": [
                {
                    "resource": {"attributes": pairs({"service.name": "agent"})},
                    "scopeMetrics": [
                        {
                            "scope": {"attributes": pairs({"npm": npm})},
                            "metrics": [
                                {
                                    "name": "agent.requests",
                                    "unit": "1",
                                    "sum": {
                                        "isMonotonic": True,
                                        "dataPoints": [
                                            {"asInt": "1", "attributes": pairs({"repo": gitlab})},
                                            {"asInt": "2", "attributes": pairs({"repo": gitlab})},
                                        ],
                                    },
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )
    checker = check(logs, metrics)
    assert secrets_of(checker) == {
        ("codex.tool_result", None, "output"): Counter({"github-pat": 3}),
        ("codex.tool_result", None, "(body)"): Counter({"aws-access-key-id": 1}),
        ("codex.tool_result", None, "tool.extra"): Counter({"jwt": 1}),
        ("claude_code.tool_result", None, "tool_parameters"): Counter({"slack-token": 1}),
        ("claude_code.api_request", None, "headers"): Counter({"private-key": 1}),
        (None, None, "message"): Counter({"stripe-key": 1}),
        (None, None, "(resource) user.token"): Counter({"anthropic-api-key": 1}),
        (None, None, "(scope) origin"): Counter({"openai-api-key": 1}),
        (None, None, "(scope) npm"): Counter({"npm-token": 1}),
        (None, "agent.requests", "repo"): Counter({"gitlab-pat": 2}),
    }
    report = build_report(checker)
    assert not report.ok
    output = next(f for f in report.findings if f.kind == "secret" and f.attribute == "output")
    assert output.message == (
        "a github-pat credential in attribute 'output' of event 'codex.tool_result': "
        "the sender exports it (its value is never shown)"
    )
    secrets = [pat, made("github-pat", 2), aws, slack, jwt, key, stripe, anthropic, openai]
    for output_format in ("text", "json", "markdown"):
        text = render(report, output_format)
        assert "secret" in text and "github-pat" in text
        # Not in the secret findings, nor in any other (the unknown attribute, event...).
        assert_never_shown(text, [*secrets, gitlab, npm])


def test_a_value_that_is_shown_elsewhere_is_hidden_when_it_holds_a_credential() -> None:
    """An unknown attribute's example shows its value, unless the value holds a credential:
    then only its type and length, as for a policy attribute."""
    pat = made("github-pat")
    line = logs_request(
        [
            log("codex.tool_result", tool_result("[REDACTED]", **{"tool.note": "plain words"})),
            log("codex.tool_result", tool_result("[REDACTED]", **{"tool.note": f"x {pat}"})),
        ]
    )
    checker = LiveChecker(CATALOG, examples=5)
    checker.check_json_line(line, "traffic:1")
    unknown = next(f for f in checker.findings.sorted() if f.kind == "unknown_attribute")
    assert [e.to_json() for e in unknown.examples] == [
        {"where": "traffic:1", "type": "string", "value": "plain words"},
        {"where": "traffic:1", "type": "string", "redacted": True, "length": len(pat) + 2},
    ]


def test_counts_aggregate_over_records_and_requests() -> None:
    lines = [
        logs_request([log("codex.tool_result", tool_result(f"{made('github-pat', n)}"))])
        for n in range(7)
    ]
    checker = check(*lines)
    assert secrets_of(checker) == {
        ("codex.tool_result", None, "output"): Counter({"github-pat": 7})
    }
    [finding] = [f for f in checker.findings.sorted() if f.kind == "secret"]
    assert len(finding.examples) == 3  # the examples name where, never what
    assert all(e.type is None and e.value is None for e in finding.examples)


def test_clean_traffic_and_scrubbed_markers_give_no_secret_finding() -> None:
    """What a scrubbing sender sends (markers) and clean text are no leak."""
    clean = logs_request(
        [
            log(
                "codex.tool_result",
                tool_result("export GITHUB_TOKEN=[SECRET:github-pat]\nsha 9f86d081884c7d65"),
            )
        ]
    )
    checker = check(*recorded.CLEAN, clean)
    assert secrets_of(checker) == {}
    assert build_report(checker).ok


def test_the_secret_scan_of_joined_values_equals_the_scan_of_each() -> None:
    """One call per record (values joined) finds what one call per value finds."""
    from privacy.corpus import planted

    from codex_otel.livecheck.secrets import credential_kinds, scan

    text, plants = planted(seed=5, size=200_000)
    rng = random.Random(5)
    position, found = 0, 0
    while position < len(text):
        attributes: dict[str, object] = {}
        for index in range(rng.randint(1, 8)):
            size = rng.choice((3, 12, 60, 300, 3000))
            attributes[f"k{index}"] = text[position : position + size]
            position += size
        each = [
            (key, kind) for key, value in attributes.items() for kind in credential_kinds(value)
        ]
        assert sorted(scan(attributes)) == sorted(each)
        found += len(each)
    assert found >= len(plants) * 0.9  # a cut between values may split a few


# --- what a policy attribute may carry ----------------------------------------------------


def policy_findings(output: str = "[REDACTED]") -> set[tuple[str, str | None, str]]:
    checker = check(logs_request([log("codex.tool_result", tool_result(output))]))
    return {(f.kind, f.attribute, f.severity) for f in checker.findings.sorted()}


def test_a_policy_attribute_may_carry_each_privacy_mode() -> None:
    # redact: the placeholder
    assert policy_findings() == set()
    # hash: 64 lowercase hex characters
    assert (
        policy_findings(output="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        == set()
    )
    # keep: the content, an info (an error with --require-redaction), as before
    assert policy_findings(output="total 8") == {("unredacted", "output", "info")}
    # not a hash: uppercase, or one character short
    assert policy_findings(
        output="9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
    ) == {("unredacted", "output", "info")}
    assert policy_findings(
        output="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0"
    ) == {("unredacted", "output", "info")}


def test_a_policy_attribute_may_be_absent_or_replaced_by_its_length() -> None:
    attributes = tool_result("[REDACTED]")
    del attributes["output"]
    dropped = check(logs_request([log("codex.tool_result", attributes)]))
    assert dropped.findings.sorted() == []
    length = check(logs_request([log("codex.tool_result", {**attributes, "output.length": 16384})]))
    assert length.findings.sorted() == []
    # The companion is an int of at least 0, and only a policy attribute has one.
    wrong = check(
        logs_request(
            [
                log("codex.tool_result", {**attributes, "output.length": "16"}),
                log("codex.tool_result", {**attributes, "output.length": -1}),
                log("codex.tool_result", {**attributes, "tool_name.length": 5}),
            ]
        )
    )
    assert {(f.kind, f.attribute) for f in wrong.findings.sorted()} == {
        ("type_mismatch", "output.length"),
        ("out_of_bounds", "output.length"),
        ("unknown_attribute", "tool_name.length"),
    }


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_the_report_names_kind_event_attribute_and_count(output_format: str) -> None:
    pats = [made("github-pat", n) for n in range(4)]
    line = logs_request([log("codex.tool_result", tool_result(" ".join(pats)))])
    text = render(build_report(check(line)), output_format)
    assert_never_shown(text, pats)
    if output_format == "json":
        [finding] = [f for f in json.loads(text)["findings"] if f["kind"] == "secret"]
        assert {k: finding[k] for k in ("event", "attribute", "count", "credential")} == {
            "event": "codex.tool_result",
            "attribute": "output",
            "count": 4,
            "credential": "github-pat",
        }
    else:
        assert "secret" in text and "codex.tool_result" in text and "github-pat" in text
        line_of = next(line for line in text.splitlines() if "github-pat credential" in line)
        assert "output" in line_of
        assert ("x4" if output_format == "text" else "| 4 |") in line_of


def test_the_same_credential_again_is_found_again_and_clean_values_are_remembered_bounded() -> None:
    from codex_otel.livecheck.secrets import SecretScan

    pat = made("github-pat")
    line = logs_request([log("codex.tool_result", tool_result(f"token {pat}"))])
    checker = check(line, line, line)
    assert secrets_of(checker) == {
        ("codex.tool_result", None, "output"): Counter({"github-pat": 3})
    }
    scanner = SecretScan()
    for number in range(3 * SecretScan.REMEMBERED):
        assert scanner.scan({"id": f"conversation-{number}", "output": "x" * 300}) == []
        assert len(scanner._clean) <= SecretScan.REMEMBERED + 2
    assert scanner.scan({"id": "conversation-1", "output": f"token {pat}"}) == [
        ("output", "github-pat")
    ]


def test_strings_shorter_than_the_scan_reads_hold_no_credential_the_engine_finds() -> None:
    """Why strings under `SHORTEST` characters are not read: no window that short of the
    planted corpus (credentials of every kind, with their keys) is a finding."""
    from privacy.corpus import planted

    from codex_otel.livecheck.secrets import SHORTEST
    from codex_otel.runtime._secrets import findings

    text, plants = planted(seed=7, size=60_000)
    assert plants
    width = SHORTEST - 1
    assert [i for i in range(len(text) - width) if findings(text[i : i + width])] == []
