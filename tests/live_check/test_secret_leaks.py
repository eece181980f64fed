"""live-check pointed at another agent's traffic, for real: the OpenTelemetry SDK's own OTLP
log exporters (gRPC, HTTP protobuf, HTTP JSON), not codex-otel's runtime, send records with
credentials in real formats (made at test time: tests/privacy/credentials.py) in an
attribute, the body, a resource attribute and a scope attribute to a `codex-otel
live-check` process. It must name each kind where it is with its count, show no part of
any, and fail; the same traffic without them passes."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest
from privacy.credentials import MAKERS

from live_check import recorded
from live_check.process import LiveCheckProcess

pytestmark = [pytest.mark.wire, pytest.mark.timeout(180)]

pytest.importorskip("grpc", reason="the receivers need the otel extra")

#: The kind of credential each transport's records carry in `output`, to tell them apart.
OUTPUT_KINDS = {"grpc": "github-pat", "http-protobuf": "slack-token", "http-json": "stripe-key"}
#: Records each transport sends, one export request each.
RECORDS = 2


def made(kind: str, seed: object) -> str:
    return MAKERS[kind](random.Random(f"{kind}-{seed}"))


def exporter(transport: str, ports: dict[str, int]) -> Any:
    if transport == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

        return OTLPLogExporter(endpoint=f"http://127.0.0.1:{ports['grpc']}", insecure=True)
    endpoint = f"http://127.0.0.1:{ports['http']}/v1/logs"
    if transport == "http-protobuf":
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as Proto

        return Proto(endpoint=endpoint)
    from opentelemetry.exporter.otlp.json.http._log_exporter import OTLPLogExporter as Json

    return Json(endpoint=endpoint)


def send(transport: str, ports: dict[str, int], *, planted: bool) -> list[str]:
    """`RECORDS` codex.tool_result records through the SDK; returns the credentials sent."""
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry.sdk.resources import Resource

    sent: list[str] = []

    def credential(kind: str, seed: object) -> str:
        if not planted:
            return "[SECRET:redacted-by-the-sender]"
        value = made(kind, f"{transport}-{seed}")
        sent.append(value)
        return value

    resource = {**recorded.CODEX_RESOURCE, "deploy.key": credential("openai-api-key", "r")}
    provider = LoggerProvider(resource=Resource(resource), shutdown_on_exit=False)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter(transport, ports)))
    logger = provider.get_logger(
        "agent", "1.0", attributes={"origin": f"npm {credential('npm-token', 's')}"}
    )
    for number in range(RECORDS):
        output = f"$ env\nTOKEN={credential(OUTPUT_KINDS[transport], number)}\nPATH=/usr/bin"
        attributes: dict[str, Any] = {
            "event.name": "codex.tool_result",
            **recorded.COMMON,
            "tool_name": "shell",
            "call_id": f"call_{number}",
            "arguments": "[REDACTED]",
            "duration_ms": 7,
            "success": "true",
            "output": output if planted else "[REDACTED]",
        }
        body = f"tool ran with {credential('anthropic-api-key', number)}"
        logger.emit(event_name="codex.tool_result", body=body, attributes=attributes)
    provider.shutdown()
    return sent


def run(live_check: type[LiveCheckProcess], *, planted: bool) -> tuple[int, str, list[str]]:
    process = live_check(["--otlp-grpc", "0", "--otlp-http", "0", "--format", "json"])
    ports = process.wait_listening(2)
    sent = [
        value for transport in OUTPUT_KINDS for value in send(transport, ports, planted=planted)
    ]
    finished = process.finish(interrupt=True)
    return finished.returncode, finished.stdout, sent


def secret_table(document: dict[str, Any]) -> dict[tuple[str | None, str], Counter[str]]:
    table: dict[tuple[str | None, str], Counter[str]] = {}
    for finding in document["findings"]:
        if finding["kind"] == "secret":
            assert finding["severity"] == "error"
            key = (finding["event"], finding["attribute"])
            table.setdefault(key, Counter())[finding["credential"]] += finding["count"]
    return table


def test_credentials_from_another_senders_exporters_are_found_and_fail_the_run(
    live_check: type[LiveCheckProcess],
) -> None:
    code, stdout, sent = run(live_check, planted=True)
    document = json.loads(stdout)
    sends = RECORDS * len(OUTPUT_KINDS)
    assert document["records"] == sends
    assert secret_table(document) == {
        ("codex.tool_result", "output"): Counter(dict.fromkeys(OUTPUT_KINDS.values(), RECORDS)),
        ("codex.tool_result", "(body)"): Counter({"anthropic-api-key": sends}),
        # Once per export request: the SDK's simple processor sends one record a request.
        (None, "(resource) deploy.key"): Counter({"openai-api-key": sends}),
        (None, "(scope) origin"): Counter({"npm-token": sends}),
    }
    assert document["ok"] is False and code != 0
    for secret in sent:
        assert not any(secret[i : i + 8] in stdout for i in range(len(secret) - 7))


def test_the_same_traffic_without_credentials_passes(live_check: type[LiveCheckProcess]) -> None:
    code, stdout, sent = run(live_check, planted=False)
    document = json.loads(stdout)
    assert sent == [] and document["records"] == RECORDS * len(OUTPUT_KINDS)
    assert secret_table(document) == {}
    assert document["ok"] is True and code == 0, document["findings"]
