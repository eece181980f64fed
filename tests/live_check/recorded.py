"""The recorded traffic file `recorded.jsonl`: what each of its lines is, and how it is made.

Three groups of OTLP/JSON lines (one ExportLogsServiceRequest or, for metrics,
ExportMetricsServiceRequest each):

- clean lines, shaped as codex-otel sends records (EventName set, `event.name` also an
  attribute, counts as ints) and metrics (the catalog's instruments, units, bucket
  bounds, tags and metadata keys): they must produce no finding at all;
- Codex lines, shaped as Codex's Rust event manager (`codex_otel` crate, through
  `tracing`) sends them: no EventName, the name only in the `event.name` attribute, and
  every field written with `%` (Display) a string, so the counts `duration_ms`,
  `input_token_count`, `output_token_count`, `tool_token_count` and `prompt_length` arrive
  as strings while `attempt`, `http.response.status_code`, `cached_token_count`,
  `reasoning_token_count` and `context_window` (recorded as u64/Option) arrive as ints;
  tool arguments and output are exported (Codex's `log_tool_details` default);
- one line per remaining finding kind, and two lines that are not export requests;
- before those two, one clean line of the events Codex added since (`NEWER_EVENTS`).

`python tests/live_check/recorded.py` rewrites the file; a test checks it is up to date.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

FILE = Path(__file__).with_name("recorded.jsonl")
#: A catalog for the `deprecated` lines: the bundled one, plus a deprecated event and a
#: deprecated attribute (the bundled catalog has neither).
DEPRECATED_EVENT = "codex.exec_command"
DEPRECATED_ATTRIBUTE = "tool.legacy_id"
#: Content a redacted attribute carries when its toggle is on: never in any report.
SECRET_ARGUMENTS = '{"command": ["cat", "secret-7f3a.txt"]}'
SECRET_OUTPUT = "api_key=sk-live-7f3a9c1e"
SECRET_PROMPT = "my password is hunter2-7f3a"

COMMON = {
    "event.timestamp": "2025-09-30T17:02:11.493Z",
    "conversation.id": "0199a213-81c0-7800-8aa1-bbab2a035a53",
    "app.version": "0.42.0",
    "auth_mode": "ApiKey",
    "terminal.type": "iTerm.app/3.5.0",
    "model": "gpt-5-codex",
    "slug": "gpt-5-codex",
}
CODEX_RESOURCE = {"service.name": "codex-cli", "service.version": "0.42.0", "env": "dev"}


def any_value(value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}  # 64-bit ints are decimal strings in OTLP/JSON
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(item) for item in value]}}
    return {"stringValue": value}


def record(attributes: Mapping[str, object], event_name: str = "") -> dict[str, Any]:
    log: dict[str, Any] = {
        "timeUnixNano": "1759251731493000000",
        "severityNumber": 9,
        "severityText": "INFO",
        "attributes": [{"key": k, "value": any_value(v)} for k, v in attributes.items()],
    }
    if event_name:
        log["eventName"] = event_name
    return log


def request(logs: list[dict[str, Any]], resource: Mapping[str, object] | None = None) -> str:
    resource = CODEX_RESOURCE if resource is None else resource
    document = {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": k, "value": any_value(v)} for k, v in resource.items()]
                },
                "scopeLogs": [{"scope": {"name": "codex_otel"}, "logRecords": logs}],
            }
        ]
    }
    return json.dumps(document, ensure_ascii=False)


def codex_otel_record(name: str, own: Mapping[str, object]) -> dict[str, Any]:
    """As codex-otel sends it: EventName, and `event.name` among the attributes."""
    return record({"event.name": name, **COMMON, **own}, name)


def codex_record(name: str, own: Mapping[str, object]) -> dict[str, Any]:
    """As Codex's Rust sends it: the name only in `event.name`."""
    return record({"event.name": name, **COMMON, **own})


#: The metadata every metric carries (`common.metric_attributes`).
METRIC_METADATA = {
    "model": "gpt-5-codex",
    "app.version": "0.42.0",
    "auth_mode": "ApiKey",
    "originator": "codex_cli_rs",
    "session_source": "cli",
}
#: The bucket bounds of Codex's duration histograms; the catalog's API request durations
#: add 5 minutes.
DURATION_BOUNDS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250,
                   2500, 3000, 3500, 4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000,
                   12000, 15000, 20000, 30000, 60000, 120000]  # fmt: skip
API_REQUEST_BOUNDS = [*DURATION_BOUNDS, 300000]


def tags(own: Mapping[str, object]) -> list[dict[str, Any]]:
    return [{"key": k, "value": any_value(v)} for k, v in {**METRIC_METADATA, **own}.items()]


def sum_metric(
    name: str, unit: str, points: list[Mapping[str, object]], *, monotonic: bool = True
) -> dict[str, Any]:
    """A sum, as the SDK exports a counter (monotonic) or an up-down counter: one point per
    attribute set, each an int (asInt, a decimal string in OTLP/JSON)."""
    data_points = [
        {"attributes": tags(own), "timeUnixNano": "1759251731493000000", "asInt": "1"}
        for own in points
    ]
    body: dict[str, Any] = {"dataPoints": data_points, "aggregationTemporality": 2}
    if monotonic:
        body["isMonotonic"] = True
    return {"name": name, "unit": unit, "sum": body}


def histogram_metric(
    name: str, unit: str, points: list[Mapping[str, object]], bounds: Sequence[float]
) -> dict[str, Any]:
    data_points = [
        {
            "attributes": tags(own),
            "timeUnixNano": "1759251731493000000",
            "count": "1",
            "sum": 412.0,
            "bucketCounts": ["0"] * (len(bounds) + 1),
            "explicitBounds": list(bounds),
        }
        for own in points
    ]
    return {
        "name": name,
        "unit": unit,
        "histogram": {"dataPoints": data_points, "aggregationTemporality": 2},
    }


def metrics_request(
    metrics: list[dict[str, Any]], resource: Mapping[str, object] | None = None
) -> str:
    resource = CODEX_RESOURCE if resource is None else resource
    document = {
        "resourceMetrics": [
            {
                "resource": {
                    "attributes": [{"key": k, "value": any_value(v)} for k, v in resource.items()]
                },
                "scopeMetrics": [{"scope": {"name": "codex_otel"}, "metrics": metrics}],
            }
        ]
    }
    return json.dumps(document, ensure_ascii=False)


API_TAGS = {"status": "200", "success": "true"}

TOOL_DECISION = {
    "tool_name": "shell",
    "call_id": "call_1",
    "decision": "approved",
    "source": "user",
}

#: The events the catalog grew with Codex's (1.4.0), their required fields (and a few
#: others), as codex-otel sends them, on one line after the finding kinds, so that the line
#: numbers of the groups before it stay as they were.
NEWER_EVENTS: dict[str, dict[str, object]] = {
    "codex.websocket_connect": {"duration_ms": 88, "success": "true", "endpoint": "/v1/responses"},
    "codex.websocket_request": {"duration_ms": 1500, "success": "true"},
    "codex.auth_recovery": {
        "auth.mode": "chatgpt",
        "auth.step": "refresh_token",
        "auth.outcome": "recovered",
    },
    "codex.sandbox_outcome": {
        "tool_name": "shell",
        "call_id": "call_1",
        "outcome": "success",
        "initial_duration_ms": 350,
    },
    "codex.startup_phase": {"startup.phase": "thread_start_total", "duration_ms": 31},
    "codex.turn_ttft": {"duration_ms": 640},
    "codex.plugin_install_elicitation_sent": {
        "plugin_install.tool_type": "mcp",
        "plugin_install.tool_id": "linear",
        "plugin_install.tool_name": "Linear",
    },
    "codex.plugin_install_suggestion": {
        "plugin_install.tool_type": "mcp",
        "plugin_install.tool_id": "linear",
        "plugin_install.tool_name": "Linear",
        "plugin_install.response_action": "accept",
        "plugin_install.user_confirmed": True,
        "plugin_install.completed": True,
    },
}

CLEAN = [
    request(
        [
            codex_otel_record("codex.tool_decision", TOOL_DECISION),
            codex_otel_record(
                "codex.api_request",
                {"attempt": 1, "duration_ms": 412, "http.response.status_code": 200},
            ),
            codex_otel_record("codex.user_prompt", {"prompt_length": 11, "prompt": "[REDACTED]"}),
            codex_otel_record(
                "codex.tool_result",
                {
                    "tool_name": "shell",
                    "call_id": "call_1",
                    "arguments": "[REDACTED]",
                    "duration_ms": 7,
                    "success": "true",
                    "output": "[REDACTED]",
                },
            ),
        ]
    ),
    metrics_request(
        [
            sum_metric(
                "codex.api_request", "{request}", [API_TAGS, {**API_TAGS, "status": "none"}]
            ),
            histogram_metric("codex.api_request.duration_ms", "ms", [API_TAGS], API_REQUEST_BOUNDS),
            histogram_metric(
                "codex.tool.call.duration_ms",
                "ms",
                [{"tool": "shell", "success": "false"}],
                DURATION_BOUNDS,
            ),
        ]
    ),
]

CODEX = [
    request(
        [
            codex_record(
                "codex.conversation_starts",
                {
                    "provider_name": "openai",
                    "reasoning_effort": "medium",
                    "reasoning_summary": "auto",
                    "context_window": 272000,
                    "max_output_tokens": 128000,
                    "approval_policy": "on-request",
                    "sandbox_policy": "workspace-write",
                    "mcp_servers": "github, filesystem",
                },
            ),
            codex_record(
                "codex.api_request",
                {"duration_ms": "412", "http.response.status_code": 200, "attempt": 1},
            ),
            codex_record(
                "codex.sse_event",
                {"event.kind": "response.output_text.delta", "duration_ms": "3"},
            ),
            codex_record(
                "codex.sse_event",
                {
                    "event.kind": "response.completed",
                    "input_token_count": "1520",
                    "output_token_count": "310",
                    "cached_token_count": 1024,
                    "reasoning_token_count": 128,
                    "tool_token_count": "0",
                },
            ),
            codex_record("codex.user_prompt", {"prompt_length": "11", "prompt": "[REDACTED]"}),
            codex_record("codex.tool_decision", TOOL_DECISION),
            codex_record(
                "codex.tool_result",
                {
                    "tool_name": "shell",
                    "call_id": "call_1",
                    "arguments": SECRET_ARGUMENTS,
                    "duration_ms": "25",
                    "success": "true",
                    "output": SECRET_OUTPUT,
                },
            ),
        ]
    )
]

ONE_PER_KIND = [
    request([codex_otel_record("codex.telemetry_probe", {})]),  # unknown_event
    request([record(dict(COMMON))]),  # unknown_event: no name at all
    request(
        [
            codex_otel_record(
                "codex.tool_decision", {k: v for k, v in TOOL_DECISION.items() if k != "call_id"}
            )
        ]
    ),  # missing_required call_id
    request([codex_otel_record("codex.tool_decision", {**TOOL_DECISION, "tool.extra": "x"})]),
    request([codex_otel_record("codex.tool_decision", {**TOOL_DECISION, "decision": "maybe"})]),
    request(
        [
            codex_otel_record(
                "codex.api_request",
                {"attempt": 1, "duration_ms": 412, "http.response.status_code": 70000},
            )
        ]
    ),  # out_of_bounds
    request(
        [
            codex_otel_record(
                "codex.api_request",
                {"attempt": 2, "duration_ms": 9, "error.message": "connection reset; " * 300},
            )
        ]
    ),  # too_long (5,100 > 4,096)
    request(
        [codex_otel_record("codex.user_prompt", {"prompt_length": 27, "prompt": SECRET_PROMPT})]
    ),  # unredacted
    request(
        [
            record(
                {"event.name": "codex.tool_result", **COMMON, **TOOL_DECISION},
                "codex.tool_decision",
            )
        ]
    ),
    request([codex_otel_record("codex.tool_decision", TOOL_DECISION)], resource={"env": "dev"}),
    request(
        [
            codex_otel_record(DEPRECATED_EVENT, {}),
            codex_otel_record("codex.tool_decision", {**TOOL_DECISION, DEPRECATED_ATTRIBUTE: "t1"}),
        ]
    ),
    # The EventName alone names the event; catalog 1.2.0 also requires the attribute.
    request([record({**COMMON, **TOOL_DECISION}, "codex.tool_decision")]),
    # metrics
    metrics_request([sum_metric("codex.telemetry_probe.count", "1", [{}])]),  # unknown_metric
    metrics_request(
        [sum_metric("codex.api_request", "{request}", [API_TAGS], monotonic=False)]
    ),  # instrument_mismatch: an up-down counter's points for a counter
    metrics_request(
        [histogram_metric("codex.api_request.duration_ms", "s", [API_TAGS], API_REQUEST_BOUNDS)]
    ),  # unit_mismatch
    metrics_request(
        [
            {
                **sum_metric("codex.tool.call", "{call}", []),
                "sum": {
                    "isMonotonic": True,
                    "aggregationTemporality": 1,
                    "dataPoints": [
                        {"attributes": tags({"tool": "shell", "success": "true"}), "asDouble": 1.0}
                    ],
                },
            }
        ]
    ),  # value_type_mismatch: a double where the catalog's counter counts ints
    metrics_request(
        [histogram_metric("codex.api_request.duration_ms", "ms", [API_TAGS], [1.0, 2.0])]
    ),  # boundaries_mismatch (a warning)
    metrics_request(
        [
            sum_metric(
                "codex.tool.call",
                "{call}",
                [
                    {"success": "true"},  # missing_required tool
                    {"tool": "shell", "success": "maybe"},  # enum_violation
                    {"tool": "shell", "success": "true", "call_id": "call_1"},  # unknown
                    {"tool": 7, "success": "true"},  # type_mismatch
                ],
            ),
            {
                "name": "codex.sse_event",
                "unit": "{event}",
                "sum": {
                    "isMonotonic": True,
                    "dataPoints": [
                        {
                            "attributes": [
                                {"key": "kind", "value": {"stringValue": "response.completed"}},
                                {"key": "success", "value": {"stringValue": "true"}},
                            ],
                            "asInt": "3",
                        }
                    ],
                },
            },  # missing_required model and app.version: the metadata every metric carries
        ]
    ),
]
BAD_LINES = ['{"resourceLogs": [', '{"resourceProfiles": []}']


def catalog_text() -> str:
    """The catalog the file is checked against: the bundled one with the deprecated parts."""
    import yaml

    from codex_otel.generator import bundled_catalog_path

    document = yaml.safe_load(bundled_catalog_path().read_text(encoding="utf-8"))
    document["attributes"].append(
        {
            "key": DEPRECATED_ATTRIBUTE,
            "type": "string",
            "description": "Old identifier of the tool call.",
            "deprecated": {"note": "Use call_id.", "replacement": "call_id"},
        }
    )
    decision = next(e for e in document["events"] if e["name"] == "codex.tool_decision")
    decision["attributes"].append({"ref": DEPRECATED_ATTRIBUTE, "requirement": "optional"})
    document["events"].append(
        {
            "name": DEPRECATED_EVENT,
            "description": "A command ran (the old form of codex.tool_result).",
            "deprecated": {"note": "Emit codex.tool_result.", "replacement": "codex.tool_result"},
            "attributes": [],
        }
    )
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


NEWER = [request([codex_otel_record(name, own) for name, own in NEWER_EVENTS.items()])]


def lines() -> list[str]:
    return [*CLEAN, *CODEX, *ONE_PER_KIND, *NEWER, *BAD_LINES]


def render() -> str:
    return "\n".join(lines()) + "\n"


if __name__ == "__main__":
    FILE.write_text(render(), encoding="utf-8")
