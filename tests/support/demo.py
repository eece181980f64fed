"""The demo, for the tests that run it: `demo(*args)` runs the command in a child process;
what its scripted session emits is counted by running it in process (tests of the demo
compare what reached a collector, a file or the spool with it, so their expectation
follows the session and the catalog it covers instead of a number written by hand); and
`check_traced_demo` holds a traced run's spans and records, wherever they were decoded,
against the catalog."""

from __future__ import annotations

import functools
import subprocess
import sys

from codex_otel.cli.demo import run_session
from codex_otel.generator import bundled_catalog_path, load_catalog
from codex_otel.generator.model import Span
from codex_otel.instrument import EventManager
from codex_otel.runtime import Telemetry
from receivers import ReceivedRecord, ReceivedSpan
from support.metadata import make_metadata


def demo(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`codex-otel demo ARGS` in a child process, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "codex_otel.cli", "demo", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@functools.cache
def session_event_count() -> int:
    """How many events one run of the scripted session emits."""
    telemetry = Telemetry(service_version="test")
    try:
        with telemetry.capture() as captured:
            run_session(EventManager(telemetry.conversation(make_metadata())))
    finally:
        telemetry.shutdown()
    return len(captured)


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
