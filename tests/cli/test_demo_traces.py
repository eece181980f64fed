"""The demo as a traced run: with a `trace_exporter`, its spans reach a real collector
(Rotel over OTLP/gRPC, the in-repo receiver over OTLP/HTTP) nested as the catalog allows,
and the events it emits inside a span carry that span's trace and span ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli.test_demo import SESSION_EVENTS, demo

from codex_otel.generator import bundled_catalog_path, load_catalog
from codex_otel.generator.model import Span
from receivers import OtlpHttpReceiver, ReceivedRecord, ReceivedSpan
from receivers.rotel import RotelFactory

CATALOG = load_catalog(bundled_catalog_path())
#: The demo's spans: one turn, two request attempts (a 429, then a 200), three tool calls
#: (one denied before it ran), and the approvals of the first two.
DEMO_SPANS = 8


def _first_word(definition: Span) -> str:
    """The first word of the span's names: its template's, a placeholder of a fixed value
    (`{gen_ai.operation.name}` of `chat`) filled in."""
    word = definition.name.split(" ")[0]
    fixed = {attribute.key: attribute.fixed for attribute in definition.fixed_attributes}
    return str(fixed[word[1:-1]]) if word.startswith("{") else word


def _catalog_ids(spans: list[ReceivedSpan]) -> dict[str, str]:
    """span_id -> catalog id, by the name's first word and the kind (the demo's names are
    distinct by them)."""
    first_word = {_first_word(span): span for span in CATALOG.spans}
    ids = {}
    for span in spans:
        definition = first_word[span.name.split(" ")[0]]
        assert definition.kind == span.kind, span
        ids[span.span_id] = definition.id
    return ids


def check_traced_demo(spans: list[ReceivedSpan], records: list[ReceivedRecord]) -> None:
    assert len(spans) == DEMO_SPANS, [span.name for span in spans]
    ids = _catalog_ids(spans)
    allowed = {span.id: set(span.parents) for span in CATALOG.spans}
    (turn,) = [span for span in spans if ids[span.span_id] == "codex.turn"]
    assert turn.parent_span_id == ""
    for span in spans:
        assert span.trace_id == turn.trace_id
        if span is not turn:
            assert ids[span.parent_span_id] in allowed[ids[span.span_id]], span.name
    statuses = sorted((span.name, span.status) for span in spans if span.status == "error")
    assert statuses == [
        ("chat gpt-5-codex", "error"),  # the 429
        ("execute_tool apply_patch", "error"),  # the tool raised
        ("execute_tool shell", "error"),  # denied
    ]
    # Content never on a span: neither the command nor the tool's output.
    for span in spans:
        for value in span.attributes.values():
            assert "pytest" not in str(value) and "passed" not in str(value), span.name

    # Events inside the turn carry a span of the run; those before it (startup, the
    # conversation's start, the prompt) carry none.
    by_id = {span.span_id: span for span in spans}
    inside = [record for record in records if record.trace_id]
    assert {record.trace_id for record in inside} == {turn.trace_id}
    for record in inside:
        span = by_id[record.span_id]
        assert span.start_time_unix_nano <= record.time_unix_nano <= span.end_time_unix_nano
    names_inside = {record.event_name for record in inside}
    assert {"codex.api_request", "codex.tool_result", "codex.tool_decision"} <= names_inside
    outside = {record.event_name for record in records if not record.trace_id}
    assert {"codex.conversation_starts", "codex.user_prompt"} <= outside
    assert not names_inside & {"codex.conversation_starts", "codex.user_prompt"}


def test_the_demo_sends_a_traced_run_to_the_in_repo_receiver(tmp_path: Path) -> None:
    with OtlpHttpReceiver() as receiver:
        base = receiver.endpoint.removesuffix("/v1/logs")
        config = tmp_path / "otel.toml"
        config.write_text(
            f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{base}/v1/logs" }} }}\n'
            f'trace_exporter = {{ otlp-http = {{ endpoint = "{base}", protocol = "json" }} }}\n'
            "shutdown_timeout = 5.0\n"
        )
        result = demo("--config", str(config))
        assert result.returncode == 0, result.stderr
        assert receiver.wait_for(SESSION_EVENTS, timeout=5)
        assert receiver.wait_for_spans(DEMO_SPANS, timeout=5)
        check_traced_demo(receiver.received_spans(), receiver.received_records())
    assert f"{DEMO_SPANS} spans recorded" in result.stdout
    assert "trace_exporter otlp-http" in result.stdout


@pytest.mark.rotel
def test_rotel_decodes_the_demo_s_traced_run(
    tmp_path: Path, rotel_collectors: RotelFactory
) -> None:
    rotel = rotel_collectors()
    config = tmp_path / "otel.toml"
    config.write_text(
        f'[otel]\nexporter = {{ otlp-grpc = {{ endpoint = "{rotel.grpc_endpoint}" }} }}\n'
        f'trace_exporter = {{ otlp-grpc = {{ endpoint = "{rotel.grpc_endpoint}" }} }}\n'
        "shutdown_timeout = 5.0\n"
    )
    result = demo("--config", str(config))
    assert result.returncode == 0, result.stderr
    assert rotel.wait_for(SESSION_EVENTS)
    assert rotel.wait_for_spans(DEMO_SPANS)
    check_traced_demo(rotel.received_spans(), rotel.received_records())
