"""The span every span scenario times, both ways: through the generated helper, and as the
hand-written SDK span it replaces.

The span is the catalog's root, `codex.turn` ("invoke_agent {gen_ai.agent.name}",
internal), with 6 attributes: the fixed `gen_ai.operation.name`, 4 known at its start
(agent, provider, model, conversation) and `gen_ai.usage.input_tokens`, known at its end
and set through the handle. The hand-written side is what a careful caller writes without
the generated module: the name built from the agent's name, the same attributes at start,
`start_as_current_span` (the generated span is current too, so events inside carry its
ids) and `set_attribute` before the end.

Both sides start their spans on tracers of one `TracerProvider`, whose one
`BatchSpanProcessor` queues them for a counting exporter and exports only when flushed
between rounds (untimed). So the ratio is what the generated layer and the runtime add:
argument checks, the parent rule, the scope and handle objects, the dispatch.

Imported only where `codex_otel.runtime.spans` exists (the scenarios check first).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Final

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, Tracer
from workload import METADATA, SERVICE_VERSION, quiet_batch

from codex_otel.generated import events
from codex_otel.runtime import BatchConfig, Conversation, OtelConfig, Telemetry

SPAN_ID = "codex.turn"
AGENT_NAME = "codex"
PROVIDER_NAME = "openai"
REQUEST_MODEL = "gpt-5-codex"
CONVERSATION_ID = METADATA.conversation_id
INPUT_TOKENS = 18_432
#: The wire name both sides give the span.
SPAN_NAME: Final = f"invoke_agent {AGENT_NAME}"
#: The instrumentation scope of the hand-written side (the runtime's is its config's).
HAND_WRITTEN_SCOPE = "bench.hand_written"

# --- the two ways to time a span -------------------------------------------------------------


def generated_loop(conversation: Conversation[events.Metadata]) -> Callable[[int], int]:
    """`loop(n)` starts and ends n spans through the generated helper; returns the ns."""

    def loop(calls: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(calls):
            with events.turn_span(
                conversation,
                agent_name=AGENT_NAME,
                provider_name=PROVIDER_NAME,
                request_model=REQUEST_MODEL,
                conversation_id=CONVERSATION_ID,
            ) as span:
                span.set_input_tokens(INPUT_TOKENS)
        return time.perf_counter_ns() - start

    return loop


def span_by_hand(
    tracer: Tracer, *, agent_name: str, provider_name: str, request_model: str, conversation_id: str
) -> None:
    """The same span written by hand against the SDK's tracer."""
    with tracer.start_as_current_span(
        f"invoke_agent {agent_name}",
        kind=SpanKind.INTERNAL,
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": agent_name,
            "gen_ai.provider.name": provider_name,
            "gen_ai.request.model": request_model,
            "gen_ai.conversation.id": conversation_id,
        },
    ) as span:
        span.set_attribute("gen_ai.usage.input_tokens", INPUT_TOKENS)


def hand_written_loop(tracer: Tracer) -> Callable[[int], int]:
    """`loop(n)` starts and ends n spans with `span_by_hand`; returns the ns."""

    def loop(calls: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(calls):
            span_by_hand(
                tracer,
                agent_name=AGENT_NAME,
                provider_name=PROVIDER_NAME,
                request_model=REQUEST_MODEL,
                conversation_id=CONVERSATION_ID,
            )
        return time.perf_counter_ns() - start

    return loop


# --- the pipeline -------------------------------------------------------------------------------


class CountingSpanExporter(SpanExporter):
    """Counts the spans of each instrumentation scope and keeps the first one of each."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.first: dict[str, ReadableSpan] = {}

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            scope = span.instrumentation_scope.name if span.instrumentation_scope else ""
            self.counts[scope] += 1
            self.first.setdefault(scope, span)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


class SharedTracing:
    """One `TracerProvider` and `BatchSpanProcessor` (a round's queue, exported only when
    flushed), a `Telemetry` whose spans go through it, and a hand-written tracer of it."""

    def __init__(self, batch: BatchConfig) -> None:
        batch = quiet_batch(batch)
        self.exporter = CountingSpanExporter()
        self.provider = TracerProvider(
            resource=Resource.create(
                {"service.name": "codex-cli", "service.version": SERVICE_VERSION}
            ),
            shutdown_on_exit=False,
        )
        self.provider.add_span_processor(
            BatchSpanProcessor(
                self.exporter,
                schedule_delay_millis=batch.schedule_delay_ms,
                max_export_batch_size=batch.max_export_batch_size,
                max_queue_size=batch.max_queue_size,
            )
        )
        config = OtelConfig()
        self.runtime_scope = config.scope_name
        self.telemetry = Telemetry(config, service_version=SERVICE_VERSION)
        # The runtime's spans go to this provider: the hook its own tests use to give it a
        # tracer, so both sides share one provider and processor.
        self.telemetry._use_tracer(self.provider.get_tracer(self.runtime_scope))
        self.conversation: Conversation[events.Metadata] = self.telemetry.conversation(METADATA)
        self.tracer = self.provider.get_tracer(HAND_WRITTEN_SCOPE)

    def flush(self) -> None:
        self.provider.force_flush()

    def close(self) -> None:
        self.telemetry.shutdown(timeout=5)
        self.provider.shutdown()

    def problems(self, expected_each: int) -> list[str]:
        """A comparison of two different spans, or of spans that were not all recorded,
        would measure nothing: the differences, and the spans missing."""
        self.flush()
        problems = []
        counts = self.exporter.counts
        for scope, side in (
            (self.runtime_scope, "generated"),
            (HAND_WRITTEN_SCOPE, "hand-written"),
        ):
            if counts[scope] < expected_each:
                problems.append(f"{side}: {counts[scope]} spans exported of {expected_each}")
        generated = self.exporter.first.get(self.runtime_scope)
        written = self.exporter.first.get(HAND_WRITTEN_SCOPE)
        if generated is None or written is None:
            return problems
        for what, ours, theirs in (
            ("name", generated.name, written.name),
            ("kind", generated.kind, written.kind),
            ("attributes", dict(generated.attributes or {}), dict(written.attributes or {})),
        ):
            if ours != theirs:
                problems.append(f"{what} differ: generated {ours!r} vs hand-written {theirs!r}")
        if len(generated.attributes or {}) != 6:
            problems.append(f"the span has {len(generated.attributes or {})} attributes, not 6")
        return problems


def disabled_telemetry() -> tuple[Telemetry, list[str]]:
    """A `Telemetry` with no trace exporter and no span subscriber, and what is wrong with it
    (its spans must not be recorded)."""
    telemetry = Telemetry(OtelConfig(), service_version=SERVICE_VERSION)
    with events.turn_span(telemetry.conversation(METADATA), agent_name=AGENT_NAME) as span:
        recording = bool(span.recording)
    return telemetry, (["the span of the disabled telemetry is recorded"] if recording else [])
