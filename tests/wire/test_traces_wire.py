"""A traced run end to end: the generated span helpers through the real runtime and trace
pipeline to Rotel (OTLP/HTTP protobuf and JSON, OTLP/gRPC; Rotel is stricter about OTLP/JSON
than the Go collector) and to the in-repo receivers (OTLP/HTTP JSON), decoded there and
checked against the catalog; a failed and a crashed tool call as Rotel decodes them; no
content on any span under every combination of the privacy toggles; and the demo's traced
run through Rotel's OTLP/HTTP in both encodings.

The run (`wire/traced_host.py`) is a turn with a model request and a tool call that waits
for its approval; the tool runs a real child process with `traced_environ()`, and the
child, a host application of its own, runs the same turn. On the wire:

- every span is one of the catalog's (matched by its name template and kind, as live-check
  matches them), with exactly the attributes the run gave it;
- each span's parent is one the catalog allows, and the tree is exactly the run's;
- every log record emitted inside a span carries that span's trace and span id, and the
  one emitted outside every span carries none;
- the child's `TRACEPARENT` made its turn a child of the parent's tool call, in the
  parent's trace.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from wire.traced_host import (
    EMITTED_INSIDE,
    OUTPUT,
    PROMPT,
    SPAN_ATTRIBUTES,
    metadata,
    traced_run,
)

from codex_otel.generated import events
from codex_otel.generator import bundled_catalog_path, load_catalog
from codex_otel.runtime import Telemetry, load_config, traced_environ
from receivers import ReceivedRecord, ReceivedSpan
from receivers.fixtures import ReceiverFactory
from receivers.rotel import RotelFactory
from support.demo import DEMO_SPANS, check_traced_demo, demo, session_event_count

pytestmark = pytest.mark.wire

HOST = Path(__file__).with_name("traced_host.py")
CATALOG_SPANS = {span.id: span for span in load_catalog(bundled_catalog_path()).spans}
#: Spans and log records of one run.
SPANS_PER_RUN = len(SPAN_ATTRIBUTES)
RECORDS_PER_RUN = len(EMITTED_INSIDE)


def _name_pattern(template: str) -> re.Pattern[str]:
    """A catalog name template as a regex: each `{key}` a named group."""
    parts = re.split(r"\{([^}]+)\}", template)
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<p{index // 2}>.+)"
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{pattern}$")


def catalog_id(span: ReceivedSpan) -> str:
    """The catalog span `span` is: its kind, and its name from the template with each
    placeholder equal to the span's attribute. Fails unless exactly one matches."""
    found = []
    for definition in CATALOG_SPANS.values():
        match = _name_pattern(definition.name).match(span.name)
        if definition.kind != span.kind or match is None:
            continue
        values = [match[f"p{index}"] for index in range(len(definition.name_keys))]
        if values == [str(span.attributes.get(key)) for key in definition.name_keys]:
            found.append(definition.id)
    assert len(found) == 1, f"{span.name!r} ({span.kind}) is catalog span {found}"
    return found[0]


def check_run(
    spans: Sequence[ReceivedSpan],
    records: Sequence[ReceivedRecord],
    remote_parent: tuple[str, str] | None = None,
) -> dict[str, ReceivedSpan]:
    """One run's spans and records as the catalog and the run say; its spans by catalog id.

    `remote_parent`: the (trace id, span id) the run's TRACEPARENT named."""
    by_id = {catalog_id(span): span for span in spans}
    assert len(spans) == SPANS_PER_RUN and set(by_id) == set(SPAN_ATTRIBUTES), [
        s.name for s in spans
    ]
    by_span_id = {span.span_id: span for span in spans}
    (trace_id,) = {span.trace_id for span in spans}
    for span_id, span in by_id.items():
        definition = CATALOG_SPANS[span_id]
        assert span.attributes == SPAN_ATTRIBUTES[span_id], span_id
        assert span.status == "unset", span_id
        assert len(span.span_id) == 16 and len(span.trace_id) == 32
        parent = by_span_id.get(span.parent_span_id)
        if parent is None:  # a root: started with no catalog span around it
            assert definition.root, f"{span_id} has no parent in the run"
            expected = remote_parent[1] if remote_parent is not None else ""
            assert span.parent_span_id == expected
        else:
            assert catalog_id(parent) in definition.parents, (span_id, parent.name)
            assert parent.start_time_unix_nano <= span.start_time_unix_nano
            assert span.end_time_unix_nano <= parent.end_time_unix_nano
    # The tree is exactly the run's (each allowed parent is the only one it could have).
    parents = {
        span_id: next((k for k, s in by_id.items() if s.span_id == span.parent_span_id), None)
        for span_id, span in by_id.items()
    }
    assert parents == {
        "codex.turn": None,
        "codex.api_request": "codex.turn",
        "codex.tool_call": "codex.turn",
        "codex.tool_approval": "codex.tool_call",
    }
    if remote_parent is not None:
        assert trace_id == remote_parent[0]

    assert sorted(r.event_name for r in records) == sorted(EMITTED_INSIDE)
    for record in records:
        inside = EMITTED_INSIDE[record.event_name]
        if inside is None:
            assert (record.trace_id, record.span_id) == ("", ""), record.event_name
        else:
            span = by_id[inside]
            assert (record.trace_id, record.span_id) == (span.trace_id, span.span_id), (
                record.event_name
            )
    return by_id


# --- where the run goes -----------------------------------------------------------------------


@dataclass
class Collector:
    """What a setup's collector received, read the same way for Rotel and the receivers."""

    toml: str
    spans: Callable[[], list[ReceivedSpan]]
    records: Callable[[], list[ReceivedRecord]]
    wait: Callable[[Callable[[], bool], float], bool]
    errors: Callable[[], list[str]]


def _toml(
    kind: str, logs: str, traces: str, protocol: str | None = None, settings: str = ""
) -> str:
    extra = f', protocol = "{protocol}"' if protocol else ""
    return (
        "[otel]\n"
        "shutdown_timeout = 5.0\n"
        f"{settings}"
        f'exporter = {{ {kind} = {{ endpoint = "{logs}"{extra} }} }}\n'
        f'trace_exporter = {{ {kind} = {{ endpoint = "{traces}"{extra} }} }}\n'
        "[otel.batch]\n"
        "schedule_delay_ms = 20\n"
    )


def collector(setup: str, rotel_collectors: RotelFactory, receivers: ReceiverFactory) -> Collector:
    if setup.startswith("rotel"):
        rotel = rotel_collectors()
        if setup == "rotel-grpc":
            toml = _toml("otlp-grpc", rotel.grpc_endpoint, rotel.grpc_endpoint)
        else:
            protocol = "json" if setup == "rotel-http-json" else "binary"
            toml = _toml("otlp-http", rotel.http_endpoint, rotel.http_traces_endpoint, protocol)
        return Collector(
            toml, rotel.received_spans, rotel.received_records, rotel.wait_until, rotel.errors
        )
    receiver = receivers.http()
    toml = _toml("otlp-http", receiver.endpoint, receiver.traces_endpoint, "json")
    return Collector(
        toml,
        receiver.received_spans,
        receiver.received_records,
        receiver.wait_until,
        lambda: [*receiver.server_errors, *(r.error or "" for r in receiver.requests if r.error)],
    )


def _child_environ() -> dict[str, str]:
    """The test's environment without what would configure the child besides its TOML."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OTEL_", "TRACEPARENT", "TRACESTATE"))
    }


@pytest.mark.parametrize(
    "setup", ["rotel-http-protobuf", "rotel-http-json", "rotel-grpc", "receiver-http-json"]
)
def test_a_traced_run_and_its_child_process_on_the_wire(
    setup: str, rotel_collectors: RotelFactory, otlp_receivers: ReceiverFactory
) -> None:
    wire = collector(setup, rotel_collectors, otlp_receivers)
    telemetry = Telemetry(load_config(text=wire.toml, environ={}), service_version="parent")
    assert telemetry.exporting_traces
    assert telemetry.wait_until_started(30)  # the exporters start in the background
    child: dict[str, object] = {}

    def run_child() -> None:
        environ = traced_environ(_child_environ())
        child["traceparent"] = environ["TRACEPARENT"]
        child["result"] = subprocess.run(
            [sys.executable, str(HOST), wire.toml, "child"],
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    traced_run(telemetry.conversation(metadata("parent")), in_tool=run_child)
    assert telemetry.shutdown(10)
    result = child["result"]
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 0, result.stdout + result.stderr

    def arrived() -> bool:
        return len(wire.spans()) >= 2 * SPANS_PER_RUN and len(wire.records()) >= 2 * RECORDS_PER_RUN

    assert wire.wait(arrived, 15), (
        sorted(f"{s.resource.get('service.version')!s}:{s.name}" for s in wire.spans()),
        sorted(f"{r.resource.get('service.version')!s}:{r.event_name}" for r in wire.records()),
        wire.errors(),
        setup,
        result.stderr,
    )
    runs: dict[str, tuple[list[ReceivedSpan], list[ReceivedRecord]]] = {}
    for version in ("parent", "child"):
        spans = [s for s in wire.spans() if s.resource.get("service.version") == version]
        records = [r for r in wire.records() if r.resource.get("service.version") == version]
        runs[version] = (spans, records)

    parent = check_run(*runs["parent"])
    tool_call = parent["codex.tool_call"]
    version, trace_id, span_id, flags = str(child["traceparent"]).split("-")
    assert (version, trace_id, span_id) == ("00", tool_call.trace_id, tool_call.span_id)
    assert int(flags, 16) & 1  # sampled (the SDK also sets W3C level 2's random-id bit, 02)
    check_run(*runs["child"], remote_parent=(tool_call.trace_id, tool_call.span_id))
    assert wire.errors() == []
    stats = telemetry.stats
    assert (stats.spans_dropped, stats.span_export_failures, stats.spans_pending) == (0, 0, 0)


def test_a_failed_tool_call_and_a_span_left_open_on_the_wire(
    rotel_collectors: RotelFactory,
) -> None:
    """Through Rotel (gRPC): an exception leaving a tool call's block is its ERROR status,
    `error.type` and `exception` event; a tool call never left (a crashed tool) is ended at
    shutdown with an ERROR status and `error.type` `codex_otel.shutdown`, not lost."""
    rotel = rotel_collectors()
    toml = _toml("otlp-grpc", rotel.grpc_endpoint, rotel.grpc_endpoint)
    telemetry = Telemetry(load_config(text=toml, environ={}), service_version="failing")
    assert telemetry.wait_until_started(30)
    conversation = telemetry.conversation(metadata("failing"))
    with events.turn_span(conversation, agent_name="codex"):
        with (
            pytest.raises(TimeoutError),
            events.tool_call_span(conversation, tool_name="slow", tool_call_id="c1"),
        ):
            raise TimeoutError("the tool took too long")
        crashed = events.tool_call_span(conversation, tool_name="crashed", tool_call_id="c2")
        crashed.__enter__()  # never left: its thread died, say
    assert telemetry.shutdown(10)
    assert rotel.wait_for_spans(3, timeout=15), rotel.errors()
    spans = {span.name: span for span in rotel.received_spans()}
    turn, failed, open_ = (
        spans["invoke_agent codex"],
        spans["execute_tool slow"],
        spans["execute_tool crashed"],
    )
    assert (failed.status, failed.attributes["error.type"]) == ("error", "TimeoutError")
    assert [event.name for event in failed.events] == ["exception"]
    assert failed.events[0].attributes["exception.type"] == "TimeoutError"
    assert (open_.status, open_.attributes["error.type"]) == ("error", "codex_otel.shutdown")
    assert failed.parent_span_id == open_.parent_span_id == turn.span_id
    assert telemetry.stats.spans_ended_at_shutdown == 1
    assert rotel.errors() == []


TOGGLES = ("log_user_prompt", "log_tool_details", "log_error_details")


@pytest.mark.parametrize(
    "toggles",
    list(itertools.product([False, True], repeat=len(TOGGLES))),
    ids=lambda on: "-".join(f"{name}={value}" for name, value in zip(TOGGLES, on, strict=True)),
)
def test_spans_carry_no_content_whatever_the_toggles(
    toggles: tuple[bool, ...], otlp_receivers: ReceiverFactory
) -> None:
    """Every combination of the privacy toggles (OTLP/HTTP JSON): the log records carry the
    prompt and the tool output when their toggle lets them, the spans never do; a span
    carries exactly its catalog attributes (sizes and counts)."""
    receiver = otlp_receivers.http()
    settings = "".join(
        f"{name} = {str(value).lower()}\n" for name, value in zip(TOGGLES, toggles, strict=True)
    )
    toml = _toml("otlp-http", receiver.endpoint, receiver.traces_endpoint, "json", settings)
    telemetry = Telemetry(load_config(text=toml, environ={}), service_version="toggles")
    assert telemetry.wait_until_started(30)
    traced_run(telemetry.conversation(metadata("toggles")))
    assert telemetry.shutdown(10)
    assert receiver.wait_until(
        lambda: (
            receiver.span_count() >= SPANS_PER_RUN and receiver.record_count() >= RECORDS_PER_RUN
        ),
        15,
    )
    spans, records = receiver.received_spans(), receiver.received_records()
    check_run(spans, records)

    by_name = {record.event_name: record for record in records}
    prompt_on, tool_details_on = toggles[0], toggles[1]
    assert (by_name["codex.user_prompt"].attributes["prompt"] == PROMPT) is prompt_on
    assert (by_name["codex.tool_result"].attributes["output"] == OUTPUT) is tool_details_on
    content = (PROMPT, OUTPUT, *OUTPUT.splitlines())
    for span in spans:
        values = [*span.attributes.values()]
        values += [value for event in span.events for value in event.attributes.values()]
        values += [span.name, span.status_message]
        leaked = [v for v in values if any(text in str(v) for text in content)]
        assert leaked == [], (span.name, leaked)


def test_rotel_accepts_the_trace_file_exporters_lines(
    tmp_path: Path, rotel_collectors: RotelFactory
) -> None:
    """`trace_exporter = { file = ... }` writes OTLP/JSON lines; each, posted to Rotel's
    /v1/traces, is accepted and decoded into the run's spans."""
    rotel = rotel_collectors()
    path = tmp_path / "spans.jsonl"
    toml = (
        "[otel]\n"
        'exporter = "none"\n'
        f"trace_exporter = {{ file = {{ path = {json.dumps(str(path))} }} }}\n"
    )
    telemetry = Telemetry(load_config(text=toml, environ={}), service_version="file")
    assert telemetry.wait_until_started(30)
    traced_run(telemetry.conversation(metadata("file")))
    assert telemetry.shutdown(10)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines
    for line in lines:
        connection = http.client.HTTPConnection("127.0.0.1", rotel.http_port, timeout=10)
        try:
            connection.request(
                "POST", "/v1/traces", line.encode(), {"Content-Type": "application/json"}
            )
            assert connection.getresponse().status == 200, rotel.errors()
        finally:
            connection.close()
    assert rotel.wait_for_spans(SPANS_PER_RUN, timeout=10), rotel.errors()
    by_id = {catalog_id(span): span for span in rotel.received_spans()}
    assert {key: span.attributes for key, span in by_id.items()} == SPAN_ATTRIBUTES
    assert by_id["codex.tool_approval"].parent_span_id == by_id["codex.tool_call"].span_id
    assert rotel.errors() == []


@pytest.mark.parametrize("protocol", ["binary", "json"])
def test_rotel_decodes_the_demo_s_traced_run_over_otlp_http(
    protocol: str, tmp_path: Path, rotel_collectors: RotelFactory
) -> None:
    """The demo's whole traced run (`codex-otel demo --config`) through Rotel's OTLP/HTTP, in
    both encodings (tests/cli/test_demo_traces.py has gRPC): every span decoded, nested as
    the catalog allows, the events inside a span carrying its ids."""
    rotel = rotel_collectors()
    config = tmp_path / "otel.toml"
    config.write_text(
        _toml("otlp-http", rotel.http_endpoint, rotel.http_traces_endpoint, protocol),
        encoding="utf-8",
    )
    result = demo("--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert rotel.wait_for(session_event_count(), timeout=15), rotel.errors()
    assert rotel.wait_for_spans(DEMO_SPANS, timeout=15), rotel.errors()
    check_traced_demo(rotel.received_spans(), rotel.received_records())
    assert rotel.errors() == []
