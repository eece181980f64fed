"""live-check on spans fed for real: the OpenTelemetry SDK's own OTLP span exporters (HTTP
protobuf, HTTP JSON, gRPC) on a private TracerProvider send the bundled catalog's span tree
to the receivers, and the SDK's OTLP/JSON file exporter writes the lines `--input` reads.
The catalog's tree gives no finding and full span coverage; spans that drift from the
catalog give exactly the findings they should, whatever the transport."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from wire.wirekit import Transport, exporter_table, metadata, otel_toml

from codex_otel.generator import Catalog, bundled_catalog_path, load_catalog
from codex_otel.generator.model import Attribute, Span
from live_check.process import LiveCheckProcess, command
from receivers.rotel import RotelFactory
from support.telemetry import TelemetryFactory

pytestmark = [pytest.mark.wire, pytest.mark.timeout(120)]

pytest.importorskip("grpc", reason="the receivers need the otel extra")

CATALOG: Catalog = load_catalog(bundled_catalog_path())
SPANS = {span.id: span for span in CATALOG.spans}
RESOURCE = {"service.name": "codex-cli", "service.version": "0.42.0"}
#: A GitHub token as the scrubber's rules see one (not a real credential).
GITHUB_PAT = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def example(attribute: Attribute) -> Any:
    if attribute.fixed is not None:
        return attribute.fixed
    if attribute.type.is_enum:
        return attribute.type.members[0].value
    if attribute.examples:
        return attribute.examples[0]
    return {"string": "x", "int": 1, "double": 1.0, "boolean": True}[attribute.type.base]


def attributes_of(span: Span) -> dict[str, Any]:
    """Every attribute of the span (required, conditional and optional) with an example."""
    return {attribute.key: example(attribute) for attribute in span.attributes}


def wire_name(span: Span, attributes: dict[str, Any]) -> str:
    name = span.name
    for key in span.name_keys:
        name = name.replace("{" + key + "}", str(attributes[key]))
    return name


Exporter = Any
Tracer = Any


@contextmanager
def tracer_to(exporter: Exporter, constant: dict[str, str] | None = None) -> Iterator[Tracer]:
    """A private TracerProvider exporting every span as it ends, each with the `constant`
    attributes set at its start; shut down (every span sent) when the block ends."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    class Constant(SpanProcessor):
        def on_start(self, span: Any, parent_context: Any = None) -> None:
            span.set_attributes(constant or {})

    provider = TracerProvider(resource=Resource(RESOURCE), shutdown_on_exit=False)
    provider.add_span_processor(Constant())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        yield provider.get_tracer("codex_otel")
    finally:
        provider.shutdown()


def _kind(name: str) -> Any:
    from opentelemetry.trace import SpanKind

    return getattr(SpanKind, name.upper())


def send_catalog_tree(tracer: Tracer, span_id: str = "codex.turn") -> int:
    """The catalog's span tree from `span_id` down, each span with every attribute and its
    catalog kind, each child under its parent; returns the spans sent."""
    span = SPANS[span_id]
    attributes = attributes_of(span)
    sent = 1
    with tracer.start_as_current_span(
        wire_name(span, attributes), kind=_kind(span.kind), attributes=attributes
    ):
        for child in CATALOG.spans:
            if span.id in child.parents and child.id != span.id:
                sent += send_catalog_tree(tracer, child.id)
    return sent


def send_drift(tracer: Tracer) -> int:
    """One span for each way a span can drift from the catalog; returns the spans sent."""
    from opentelemetry.trace import SpanKind

    turn, request = SPANS["codex.turn"], SPANS["codex.api_request"]
    tool = SPANS["codex.tool_call"]
    with tracer.start_as_current_span(
        wire_name(turn, attributes_of(turn)), kind=SpanKind.INTERNAL, attributes=attributes_of(turn)
    ):
        # Not in the catalog at all.
        with tracer.start_as_current_span("probe", attributes={"x": 1}):
            pass
        # The request's name and attributes, but not a client span.
        attributes = attributes_of(request)
        with tracer.start_as_current_span(
            wire_name(request, attributes), kind=SpanKind.INTERNAL, attributes=attributes
        ):
            pass
        # A tool call without its tool (named "execute_tool", as the runtime names it),
        # with an attribute the catalog does not define, the prompt (content), another
        # operation than the catalog fixes, and a count sent as a string.
        attributes = {
            **attributes_of(tool),
            "tool.extra": "x",
            "prompt": "summarise the file",
            "gen_ai.operation.name": "chat",
            "arguments_length": "42",
        }
        del attributes["gen_ai.tool.name"]
        with tracer.start_as_current_span("execute_tool", attributes=attributes) as span:
            # A credential in the exception event the SDK records.
            span.add_event("exception", {"exception.message": f"auth failed: {GITHUB_PAT}"})
    # A tool call outside any turn: the catalog starts it only under codex.turn.
    with tracer.start_as_current_span(
        wire_name(tool, attributes_of(tool)), attributes=attributes_of(tool)
    ):
        pass
    return 5


def http_protobuf(ports: dict[str, int]) -> Exporter:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=f"http://127.0.0.1:{ports['http']}/v1/traces", timeout=10)


def http_json(ports: dict[str, int]) -> Exporter:
    from opentelemetry.exporter.otlp.json.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=f"http://127.0.0.1:{ports['http']}/v1/traces")


def grpc(ports: dict[str, int]) -> Exporter:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=f"http://127.0.0.1:{ports['grpc']}", insecure=True)


EXPORTERS: dict[str, Callable[[dict[str, int]], Exporter]] = {
    "http-protobuf": http_protobuf,
    "http-json": http_json,
    "grpc": grpc,
}

#: What `send_drift` must give: (kind, span, attribute), and nothing else.
DRIFT_FINDINGS = {
    ("unknown_span", "probe", None),
    ("span_kind_mismatch", "codex.api_request", None),
    ("missing_required", "codex.tool_call", "gen_ai.tool.name"),
    ("unknown_attribute", "codex.tool_call", "tool.extra"),
    ("span_content", "codex.tool_call", "prompt"),
    ("enum_violation", "codex.tool_call", "gen_ai.operation.name"),
    ("type_mismatch", "codex.tool_call", "arguments_length"),
    ("secret", "codex.tool_call", "(event exception) exception.message"),
    ("span_parent", "codex.tool_call", None),
}


@pytest.fixture
def receivers(
    live_check: type[LiveCheckProcess],
) -> tuple[LiveCheckProcess, dict[str, int]]:
    process = live_check(["--otlp-grpc", "0", "--otlp-http", "0", "--format", "json"])
    return process, process.wait_listening(2)


def finish(process: LiveCheckProcess) -> dict[str, Any]:
    finished = process.finish(interrupt=True)
    assert finished.returncode in (0, 1), finished.stderr
    document: dict[str, Any] = json.loads(finished.stdout)
    document["exit"] = finished.returncode
    return document


def subjects(document: dict[str, Any]) -> set[tuple[str, str | None, str | None]]:
    return {(f["kind"], f["span"], f["attribute"]) for f in document["findings"]}


def test_the_catalog_span_tree_conforms_over_every_transport(
    receivers: tuple[LiveCheckProcess, dict[str, int]],
) -> None:
    process, ports = receivers
    sent = 0
    for make in EXPORTERS.values():
        with tracer_to(make(ports)) as tracer:
            sent += send_catalog_tree(tracer)
    document = finish(process)
    assert document["findings"] == [] and document["ok"] is True and document["exit"] == 0
    assert document["spans"] == sent == len(CATALOG.spans) * len(EXPORTERS)
    spans = document["coverage"]["spans"]
    assert spans["unseen"] == [] and spans["ratio"] == 1.0
    assert spans["seen"] == [span.id for span in CATALOG.spans]
    assert all(not keys["unseen"] for keys in spans["by_span"].values())


@pytest.mark.parametrize("transport", list(EXPORTERS))
def test_drifting_spans_give_exactly_their_findings_over_each_transport(
    receivers: tuple[LiveCheckProcess, dict[str, int]], transport: str
) -> None:
    process, ports = receivers
    with tracer_to(EXPORTERS[transport](ports)) as tracer:
        sent = send_drift(tracer)
    document = finish(process)
    assert document["ok"] is False and document["exit"] == 1
    assert document["spans"] == sent
    assert subjects(document) == DRIFT_FINDINGS
    by_kind = {f["kind"]: f for f in document["findings"]}
    # The parent the catalog refuses is named: a tool call started as a root.
    assert by_kind["span_parent"]["example"]["value"] == "(none: a root span)"
    assert by_kind["span_parent"]["message"] == (
        "span 'codex.tool_call' must start under codex.turn"
    )
    # The kind found, and what neither report format shows: the content, the credential.
    assert by_kind["span_kind_mismatch"]["example"]["value"] == "internal"
    assert by_kind["span_content"]["example"]["redacted"] is True
    assert by_kind["secret"]["credential"] == "github-pat"
    assert "summarise" not in json.dumps(document) and GITHUB_PAT not in json.dumps(document)
    transport_word = "(traces)" if transport == "grpc" else "traces)"
    assert by_kind["unknown_span"]["example"]["where"].endswith(transport_word)
    spans = document["coverage"]["spans"]
    assert spans["seen"] == ["codex.turn", "codex.api_request", "codex.tool_call"]


def test_a_child_that_arrives_before_its_parent_is_checked_against_it(
    receivers: tuple[LiveCheckProcess, dict[str, int]],
) -> None:
    """A span is exported when it ends, so children come first (here each in a request
    of its own): the approval under its tool call, the tool call under a request (not
    allowed), resolved when the parents arrive."""
    from opentelemetry.trace import SpanKind

    process, ports = receivers
    turn, request = SPANS["codex.turn"], SPANS["codex.api_request"]
    tool, approval = SPANS["codex.tool_call"], SPANS["codex.tool_approval"]
    with (
        tracer_to(http_protobuf(ports)) as tracer,
        tracer.start_as_current_span(
            wire_name(turn, attributes_of(turn)), attributes=attributes_of(turn)
        ),
        tracer.start_as_current_span(
            wire_name(request, attributes_of(request)),
            kind=SpanKind.CLIENT,
            attributes=attributes_of(request),
        ),
        tracer.start_as_current_span(
            wire_name(tool, attributes_of(tool)), attributes=attributes_of(tool)
        ),
        tracer.start_as_current_span(
            wire_name(approval, attributes_of(approval)),
            attributes=attributes_of(approval),
        ),
    ):
        pass
    document = finish(process)
    assert document["spans"] == 4 and document["requests"] == 4
    [finding] = document["findings"]
    assert (finding["kind"], finding["span"]) == ("span_parent", "codex.tool_call")
    assert finding["example"]["value"] == "codex.api_request"


def test_a_parent_never_received_makes_a_root_and_a_foreign_parent_is_allowed_for_roots(
    receivers: tuple[LiveCheckProcess, dict[str, int]],
) -> None:
    """A turn started under a TRACEPARENT (a parent the sender never exports) is a root,
    which the catalog allows; an approval whose tool call never came is a root too, which
    it does not."""
    from opentelemetry import trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    process, ports = receivers
    foreign = SpanContext(
        0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331, True, TraceFlags(1)
    )
    context = trace.set_span_in_context(NonRecordingSpan(foreign))
    turn, approval = SPANS["codex.turn"], SPANS["codex.tool_approval"]
    with tracer_to(grpc(ports)) as tracer:
        with tracer.start_as_current_span(
            wire_name(turn, attributes_of(turn)), context=context, attributes=attributes_of(turn)
        ):
            pass
        with tracer.start_as_current_span(
            wire_name(approval, attributes_of(approval)),
            context=context,
            attributes=attributes_of(approval),
        ):
            pass
    document = finish(process)
    [finding] = document["findings"]
    assert (finding["kind"], finding["span"]) == ("span_parent", "codex.tool_approval")
    assert finding["example"]["value"] == "(a span never received)"
    assert finding["message"] == "span 'codex.tool_approval' must start under codex.tool_call"


def test_the_sdk_json_file_exporters_span_lines_are_checked_with_input(tmp_path: Path) -> None:
    from opentelemetry.exporter.otlp.json.file.trace_exporter import FileSpanExporter

    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    # As a sender with `span_attributes = { "deployment.region" = "eu-west-1" }` sends.
    region = {"deployment.region": "eu-west-1"}
    with tracer_to(FileSpanExporter(str(good)), constant=region) as tracer:
        sent = send_catalog_tree(tracer)
    with tracer_to(FileSpanExporter(str(bad))) as tracer:
        send_drift(tracer)
    assert good.read_text(encoding="utf-8").startswith('{"resourceSpans"')
    passing = subprocess.run(
        command("--input", str(good), "--format", "json", "--span-attribute", "deployment.region"),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert json.loads(passing.stdout)["spans"] == sent
    failing = subprocess.run(
        command("--input", str(bad)), capture_output=True, text=True, timeout=60, check=False
    )
    assert failing.returncode == 1, failing.stderr
    assert "ERROR   unknown_span span probe x1: span 'probe' is not in the catalog" in (
        failing.stdout
    )
    assert "spans 3/4 (75%)" in failing.stdout
    assert "spans never seen: codex.tool_approval" in failing.stdout


def test_the_span_tree_through_rotel_a_collector_of_its_own(
    live_check: type[LiveCheckProcess], rotel_collectors: RotelFactory
) -> None:
    """SDK -> Rotel (`--exporter otlp`, which re-encodes what it forwards) -> live-check:
    the spans still match their catalog spans by name and kind, their parents by id."""
    process = live_check(["--otlp-grpc", "0", "--format", "json"])
    ports = process.wait_listening(1)
    rotel = rotel_collectors(forward_to=f"http://127.0.0.1:{ports['grpc']}")
    with tracer_to(grpc({"grpc": int(rotel.grpc_endpoint.rsplit(":", 1)[1])})) as tracer:
        sent = send_catalog_tree(tracer) + send_drift(tracer)
    rotel.stop()  # flushes what it holds to live-check
    document = finish(process)
    assert document["spans"] == sent
    assert subjects(document) == DRIFT_FINDINGS
    assert document["coverage"]["spans"]["unseen"] == []


def test_a_pretty_printed_traces_document_is_read_whole(tmp_path: Path) -> None:
    from opentelemetry.exporter.otlp.json.file.trace_exporter import FileSpanExporter

    lines = tmp_path / "lines.jsonl"
    with tracer_to(FileSpanExporter(str(lines))) as tracer:
        sent = send_catalog_tree(tracer)
    documents = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    pretty = tmp_path / "traces.json"
    pretty.write_text("\n".join(json.dumps(d, indent=2) for d in documents), encoding="utf-8")
    result = subprocess.run(
        command("--input", str(pretty), "--format", "json"),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["inputs"] == [{"input": str(pretty), "read_as": "documents"}]
    assert document["spans"] == sent == len(CATALOG.spans)


def project_tree(conversation: Any) -> int:
    """The catalog's span tree through the runtime's span API, as generated helpers call
    it (the fixed values and the attributes known at start); returns the spans ended."""
    from codex_otel.runtime.spans import SpanDefinition, SpanHandle

    def start(span_id: str) -> Any:
        span = SPANS[span_id]
        attributes = {
            a.key: a.fixed if a.fixed is not None else example(a)
            for a in span.attributes
            if a.fixed is not None or a.known == "start"
        }
        definition = SpanDefinition(
            span.id, span.name, span.kind, frozenset(span.parents), span.root, span.name_keys
        )
        return conversation.start_span(definition, attributes, SpanHandle)

    with start("codex.turn"):
        with start("codex.api_request"):
            pass
        with start("codex.tool_call"), start("codex.tool_approval"):
            pass
    return 4


@pytest.mark.parametrize("transport", ["http-binary", "http-json", "grpc"])
def test_the_projects_trace_exporter_conforms_over_each_transport(
    receivers: tuple[LiveCheckProcess, dict[str, int]],
    start_telemetry: TelemetryFactory,
    transport: Transport,
) -> None:
    """codex-otel's own trace pipeline (`trace_exporter`, an OTLP/HTTP endpoint without a
    path getting /v1/traces) to live-check: the spans a conversation starts conform."""
    process, ports = receivers
    port = ports["grpc" if transport == "grpc" else "http"]
    table = exporter_table(transport, f"http://127.0.0.1:{port}", headers=None)
    telemetry = start_telemetry(
        otel_toml(table.replace("[otel.exporter.", "[otel.trace_exporter."))
    )
    sent = project_tree(telemetry.conversation(metadata(f"traces-{transport}")))
    assert telemetry.shutdown()
    assert telemetry.stats.span_export_failures == 0 and telemetry.stats.spans_dropped == 0
    document = finish(process)
    assert document["findings"] == [] and document["exit"] == 0
    assert document["spans"] == sent
    assert document["coverage"]["spans"]["unseen"] == []
