"""`codex-otel demo`: a scripted agent session through the real helpers and emitters.

The session times its startup phases, starts a thread and a conversation, recovers from
an expired sign-in, opens a websocket and sends a request over it, then, in a timed turn,
retries a failing API request, streams a response whose server-sent events include
failures and a completion, asks for two tool approvals (one approved, one denied), runs
tools that succeed (one in the sandbox), fail, and fail before running, and suggests a
plugin: every event of the catalog, in each of its forms, and every metric. Without
`--config` the events and a summary of the measurements are printed readably to standard
output; with it, they go where the file's `[otel]` table says (`exporter` for the events,
`metrics_exporter` for the metrics).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TextIO

from codex_otel.generated import events
from codex_otel.instrument import EventManager, Turn
from codex_otel.runtime import (
    CapturedEvent,
    CapturedMeasurement,
    CapturedSpan,
    ConfigError,
    ExporterConfig,
    FileExporter,
    NoExporter,
    OtelConfig,
    Subscriber,
    Telemetry,
    TelemetryStats,
    load_config,
)
from codex_otel.runtime.config import url_without_secrets

#: How long each scripted step "takes", so durations in the output are not all zero.
STEP_SECONDS = 0.012


def _version() -> str:
    try:
        return metadata.version("codex-otel")
    except metadata.PackageNotFoundError:  # running from a source tree without metadata
        return "0.0.0"


# --- the scripted world: an HTTP response, an error with a status, SSE items, tools ----


@dataclass
class DemoResponse:
    """Stands in for an httpx/requests response: what the helpers read from one."""

    status_code: int
    headers: dict[str, str] = field(default_factory=dict)


class RateLimited(Exception):
    """Stands in for an HTTP status error: it carries the response's status."""

    status_code = 429


@dataclass
class DemoSSE:
    event: str
    data: str


def _stream() -> Iterator[DemoSSE]:
    usage = {
        "input_tokens": 1520,
        "input_tokens_details": {"cached_tokens": 1024},
        "output_tokens": 310,
        "output_tokens_details": {"reasoning_tokens": 128},
        "total_tokens": 1830,
    }
    items = [
        DemoSSE("response.created", json.dumps({"response": {"id": "resp_demo"}})),
        DemoSSE("response.output_text.delta", json.dumps({"delta": "Running the tests"})),
        DemoSSE("response.output_item.done", json.dumps({"item": "not a response item"})),
        DemoSSE("response.output_text.delta", "{truncated json"),
        DemoSSE(
            "response.output_item.done",
            json.dumps({"type": "function_call", "name": "shell", "call_id": "call_1"}),
        ),
        DemoSSE(
            "response.completed", json.dumps({"response": {"id": "resp_demo", "usage": usage}})
        ),
    ]
    for item in items:
        time.sleep(STEP_SECONDS)
        yield item


def run_session(manager: EventManager) -> None:
    """The scripted session; emits every event of the catalog in each of its forms and
    records every metric."""
    with manager.startup_phase("thread_start_create_thread"):
        time.sleep(STEP_SECONDS)
    with manager.startup_phase("thread_start_total") as phase:
        time.sleep(STEP_SECONDS)
        phase.status = "ok"
    manager.thread_started(is_git=True)
    manager.conversation_starts(
        provider_name="openai",
        reasoning_effort="medium",
        reasoning_summary="auto",
        context_window=272_000,
        max_output_tokens=128_000,
        auto_compact_token_limit=None,
        approval_policy="on-request",
        sandbox_policy="workspace-write",
        mcp_servers=["github", "filesystem"],
        active_profile="demo",
    )
    # Codex's authentication layer reports its recovery; the demo has none, so it emits
    # the event through the generated emitter, as such an application would.
    events.auth_recovery(
        manager.conversation,
        auth_mode="chatgpt",
        auth_step="refresh_token",
        auth_outcome="recovered",
        auth_recovery_reason="unauthorized",
        auth_state_changed=True,
    )
    _websocket(manager)
    manager.user_prompt(
        [{"type": "text", "text": "Fix the failing test "}, {"type": "image"}, "please"]
    )
    with manager.turn() as turn:
        _model_call(manager, turn)
        _tools(manager, turn)
    _plugin_suggestion(manager)


def _websocket(manager: EventManager) -> None:
    with manager.websocket_connect(endpoint="/v1/responses", connection_reused=False) as connect:
        time.sleep(STEP_SECONDS)
        connect.response = DemoResponse(101)
    with manager.websocket_request(connection_reused=True):
        time.sleep(STEP_SECONDS)
        manager.websocket_event("response.created", STEP_SECONDS)
        manager.websocket_event("parse_error", STEP_SECONDS, failed=True)


def _model_call(manager: EventManager, turn: Turn) -> None:
    def rate_limited() -> DemoResponse:
        time.sleep(STEP_SECONDS)
        raise RateLimited("429 Too Many Requests: rate limit reached, retry after 1s")

    with contextlib.suppress(RateLimited):  # the agent retries, as Codex does
        manager.log_request(1, rate_limited)

    def accepted() -> DemoResponse:
        time.sleep(STEP_SECONDS)
        return DemoResponse(200, {"cf-ray": "8f1e2d3c4b5a6978-SJC"})

    manager.log_request(2, accepted)
    for item in manager.log_sse_stream(_stream()):
        if item.event == "response.output_text.delta":
            turn.first_token()  # the agent would render each item
        elif item.event == "response.output_item.done":
            turn.first_message()
    manager.sse_event_completed_failed("response.completed arrived after the stream closed")


def _tools(manager: EventManager, turn: Turn) -> None:
    def run_tests() -> str:
        time.sleep(STEP_SECONDS)
        return "4 passed in 0.12s"

    def apply_patch() -> str:
        time.sleep(STEP_SECONDS)
        raise RuntimeError("patch does not apply: src/app.py hunk 2")

    turn.tool_call()
    arguments = '{"command": ["pytest", "-q"]}'
    with manager.tool_call("shell", "call_1", arguments):
        with manager.awaiting_approval("shell", "call_1"):
            manager.tool_decision("shell", "call_1", "approved", "config")
        manager.log_tool_result("shell", "call_1", arguments, run_tests)
        manager.sandbox_outcome("shell", "call_1", "success", STEP_SECONDS)
    with manager.tool_call("shell", "call_2", '{"command": ["rm", "-rf", "build"]}') as call:
        with manager.awaiting_approval("shell", "call_2"):
            time.sleep(STEP_SECONDS)  # the user reads the command
            manager.tool_decision("shell", "call_2", "denied", "user")
        if call is not None:
            call.fail("denied")  # it never ran: the span says why
    turn.tool_call()
    with contextlib.suppress(RuntimeError):  # reported to the model, as Codex does
        manager.log_tool_result("apply_patch", "call_3", '{"patch": "..."}', apply_patch)
    turn.tool_call()
    manager.log_tool_failed("unknown_tool", "unsupported call: unknown_tool")


def _plugin_suggestion(manager: EventManager) -> None:
    # No helper: what a plugin is, and how a user answers, is the application's own.
    tool = {
        "plugin_install_tool_type": "mcp",
        "plugin_install_tool_id": "linear",
        "plugin_install_tool_name": "Linear",
    }
    events.plugin_install_elicitation_sent(manager.conversation, **tool)
    events.plugin_install_suggestion(
        manager.conversation,
        **tool,
        plugin_install_response_action="accept",
        plugin_install_user_confirmed=True,
        plugin_install_completed=True,
    )


# --- printing ----------------------------------------------------------------------------


def _printer(out: TextIO, common: frozenset[str]) -> tuple[list[int], Subscriber]:
    count = [0]

    def show(event: CapturedEvent) -> None:
        count[0] += 1
        stamp = event.attributes.get("event.timestamp", "")
        out.write(f"\n{stamp}  {event.name}\n")
        own = {k: v for k, v in event.attributes.items() if k not in common}
        width = max((len(k) for k in own), default=0)
        for key, value in own.items():
            text = value if isinstance(value, str) else json.dumps(value)
            if len(text) > 100:
                text = text[:97] + "..."
            out.write(f"    {key:<{width}}  {text}\n")

    return count, show


def _metric_summary(out: TextIO, measurements: list[CapturedMeasurement]) -> None:
    """One line per metric and attribute set: a counter's sum, a histogram's count and
    sum (what a backend would show after one export)."""
    metadata_keys = frozenset(events.Metadata.METRIC_KEYS)
    totals: dict[tuple[str, str, str], list[float]] = {}
    for measurement in measurements:
        own = ", ".join(
            f"{key}={value}"
            for key, value in sorted(measurement.attributes.items())
            if key not in metadata_keys
        )
        key = (measurement.name, own, measurement.metric.instrument)
        count_and_sum = totals.setdefault(key, [0, 0])
        count_and_sum[0] += 1
        count_and_sum[1] += measurement.value
    out.write(
        f"\n{len(measurements)} measurements recorded; every point also carries "
        f"{', '.join(events.Metadata.METRIC_KEYS)}:\n"
    )
    width = max((len(f"{name} {{{own}}}") for name, own, _ in totals), default=0)
    for (name, own, instrument), (count, total) in sorted(totals.items()):
        label = f"{name} {{{own}}}"
        if instrument == "histogram":
            shown = f"histogram  count {count:g}, sum {total:g}"
        else:
            shown = f"{instrument:<9}  {total:g}"
        out.write(f"    {label:<{width}}  {shown}\n")


def _capture_spans(telemetry: Telemetry) -> AbstractContextManager[list[CapturedSpan]]:
    """The run's spans; none without the OpenTelemetry SDK (spans are made by it: the
    warning that the extra is missing is printed once, for the exporters)."""
    try:
        import opentelemetry.sdk.trace  # noqa: F401 (only whether it can be imported)
    except ImportError:
        return contextlib.nullcontext([])
    return telemetry.capture_spans()


def _span_tree(out: TextIO, spans: list[CapturedSpan]) -> None:
    """The run's spans as a tree, parents before children in start order: each span's
    name, kind, duration and status (what a trace view would show)."""
    children: dict[str | None, list[CapturedSpan]] = {}
    ids = {span.span_id for span in spans}
    for span in sorted(spans, key=lambda span: span.start_ns):
        parent = span.parent_span_id if span.parent_span_id in ids else None
        children.setdefault(parent, []).append(span)
    if not spans:
        return
    out.write(f"\n{len(spans)} spans recorded, as a trace view shows them:\n")

    def show(span: CapturedSpan, depth: int) -> None:
        took = (span.end_ns - span.start_ns) / 1e6
        status = f", {span.status}" if span.status != "unset" else ""
        error = span.attributes.get("error.type")
        reason = f" ({error})" if error is not None else ""
        out.write(f"    {'  ' * depth}{span.name}  [{span.kind}, {took:.0f} ms{status}{reason}]\n")
        for child in children.get(span.span_id, []):
            show(child, depth + 1)

    for root in children.get(None, []):
        show(root, 0)


def _spool_counts(stats: TelemetryStats, *, metrics: bool, traces: bool = False) -> str:
    """The spool's counters, one line per signal: what this run spooled, what it
    delivered of earlier runs', and what still waits for a later run."""
    lines = [
        f"Spool, events: {stats.spooled} spooled, {stats.spool_delivered} delivered, "
        f"{stats.spool_pending} still waiting.\n"
    ]
    if metrics:
        lines.append(
            f"Spool, metric points: {stats.metric_points_spooled} spooled, "
            f"{stats.metric_points_delivered} delivered, "
            f"{stats.metric_points_pending} still waiting.\n"
        )
    if traces:
        lines.append(
            f"Spool, spans: {stats.spans_spooled} spooled, {stats.spans_delivered} delivered, "
            f"{stats.spans_pending} still waiting.\n"
        )
    return "".join(lines)


def _destination(exporter: ExporterConfig) -> str:
    if isinstance(exporter, FileExporter):
        return f"file: {exporter.path}"
    if isinstance(exporter, NoExporter):
        return '"none"'
    # Masked as everywhere else: user info and a query may hold credentials.
    return f"{exporter.kind}: {url_without_secrets(exporter.endpoint)}"


def _describe(config: OtelConfig) -> str:
    if config.sdk_disabled:
        return "OTEL_SDK_DISABLED is set: nothing is exported"
    exporters = (config.exporter, config.metrics_exporter, config.trace_exporter)
    if all(isinstance(exporter, NoExporter) for exporter in exporters):
        return 'exporter "none": nothing is exported'
    described = f"exporter {_destination(config.exporter)}"
    if not isinstance(config.metrics_exporter, NoExporter):
        described += f", metrics_exporter {_destination(config.metrics_exporter)}"
    if not isinstance(config.trace_exporter, NoExporter):
        described += f", trace_exporter {_destination(config.trace_exporter)}"
    return described


def _quiet_sdk_logging() -> None:
    # The demo is the host application here: it decides how library logs look. The SDK's
    # own retry/export messages would repeat what the summary says, with tracebacks.
    logging.getLogger("opentelemetry").setLevel(logging.CRITICAL)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    library = logging.getLogger("codex_otel")
    library.addHandler(handler)
    library.propagate = False


def telemetry_on_stdout(config: OtelConfig) -> bool:
    """Whether a file exporter writes the telemetry itself to standard output (`path =
    "-"`): the demo's own text must then go elsewhere, or a reader of the OTLP/JSON lines
    (`codex-otel live-check --input -`) would get both mixed."""
    return any(
        isinstance(exporter, FileExporter) and exporter.path == "-"
        for exporter in (config.exporter, config.metrics_exporter, config.trace_exporter)
    )


def run_demo(config_path: str | None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the session; 0 when every event was delivered, 1 when not (events spooled for
    the next run included: the collector was not reached), 2 on bad input.

    The readable text goes to `out`, or to `err` when the telemetry itself goes to
    standard output. Without `config_path` the configuration is the defaults and the
    standard `OTEL_*` variables, as `load_config()` gives any application: an endpoint
    variable turns export on."""
    try:
        # A --config that does not exist is a mistake, not a request for the defaults.
        config = load_config(Path(config_path) if config_path else None, missing_ok=False)
    except ConfigError as error:
        print(f"codex-otel: error: {error}", file=sys.stderr)
        return 2
    if telemetry_on_stdout(config):
        out = err
    _quiet_sdk_logging()
    try:
        telemetry = Telemetry(config, service_version=_version())
    except ConfigError as error:
        print(f"codex-otel: error: {error}", file=sys.stderr)
        return 2
    metadata_ = events.Metadata(
        conversation_id=str(uuid.uuid4()),
        app_version=_version(),
        auth_mode="ApiKey",
        originator="codex_cli_rs",
        session_source="cli",
        terminal_type="demo-terminal/1.0",
        model="gpt-5-codex",
        slug="gpt-5-codex",
    )
    conversation = telemetry.conversation(metadata_)
    common = frozenset(metadata_.to_attributes()) | {"event.timestamp", "event.name"}
    out.write(f"codex-otel demo: a scripted agent session ({_describe(config)}).\n")
    out.write("Every event carries this metadata:\n")
    for key, value in metadata_.to_attributes().items():
        out.write(f"    {key:<16}  {value}\n")
    count, show = _printer(out, common)
    unsubscribe = telemetry.subscribe(show)
    try:
        with (
            telemetry.capture_measurements() as measurements,
            _capture_spans(telemetry) as spans,
        ):
            run_session(EventManager(conversation))
    finally:
        unsubscribe()
        started = time.monotonic()
        delivered = telemetry.shutdown()
        took = time.monotonic() - started
    _metric_summary(out, measurements)
    _span_tree(out, spans)
    stats = telemetry.stats
    out.write(f"\n{count[0]} events emitted; telemetry shut down in {took:.2f} s.\n")
    exports_events = config.exporter.kind != "none"
    exports_metrics = config.metrics_exporter.kind != "none"
    exports_traces = config.trace_exporter.kind != "none"
    if config.sdk_disabled or not (exports_events or exports_metrics or exports_traces):
        return 0
    if (
        exports_events != telemetry.exporting
        or exports_metrics != telemetry.exporting_metrics
        or exports_traces != telemetry.exporting_traces
    ):
        # An exporter is configured but could not start (the warning above says why and
        # what to install): nothing went anywhere, whatever the counters say.
        print(
            f"codex-otel: error: nothing was exported ({_describe(config)}): the exporter "
            "could not start.",
            file=sys.stderr,
        )
        return 1
    # With a spool, a failed export is kept on disk for the next run: delayed, not lost
    # (unless the spool itself dropped or could not write it, counted apart).
    spool_dir = telemetry.spool_directory
    lost_events = (
        stats.dropped_queue_full
        + (0 if spool_dir is not None else stats.export_failures)
        + stats.dropped_spool_full
        + stats.spool_failures
    )
    # A failed metric export is lost only without the spool (with it, its points wait
    # there like the events: `metric_points_spooled`).
    lost_metrics = (
        0 if spool_dir is not None else stats.metric_export_failures
    ) + stats.dropped_measurements
    # Spans likewise: a failed export is spooled with the spool on, lost without it.
    lost_spans = (0 if spool_dir is not None else stats.span_export_failures) + stats.spans_dropped
    if stats.spool_delivered:
        out.write(f"{stats.spool_delivered} earlier events delivered from the spool.\n")
    if stats.spool_delivered_interrupted:
        out.write(
            f"{stats.spool_delivered_interrupted} events from an interrupted run delivered.\n"
        )
    if spool_dir is not None:
        out.write(_spool_counts(stats, metrics=exports_metrics, traces=exports_traces))
    if delivered and not (
        lost_events
        or lost_metrics
        or lost_spans
        or stats.spooled
        or stats.metric_points_spooled
        or stats.spans_spooled
    ):
        out.write(f"All events delivered ({_describe(config)}).\n")
        if spool_dir is not None and stats.spool_pending:
            # Older runs' events the time did not allow: this run's own are delivered.
            out.write(
                f"{stats.spool_pending} events still spooled at {spool_dir}; the next "
                "run delivers them (earlier runs' events, not a failure of this run).\n"
            )
        return 0
    if (
        spool_dir is not None
        and (stats.spooled or stats.spans_spooled)
        and not (lost_events or lost_spans)
    ):
        # Not delivered now, but nothing of the events is lost: say where they wait.
        print(
            f"codex-otel: the collector was not reached ({_describe(config)}): "
            f"{stats.spooled} events"
            + (f" and {stats.spans_spooled} spans" if exports_traces else "")
            + f" spooled at {spool_dir}"
            + (
                f" ({stats.spool_pending} in all with earlier runs')"
                if stats.spool_pending > stats.spooled
                else ""
            )
            + "; the next run with the collector up delivers them.",
            file=sys.stderr,
        )
        if lost_metrics:
            print(
                f"codex-otel: error: {stats.dropped_measurements} measurements were "
                "dropped while the metrics pipeline started (its wait queue was full).",
                file=sys.stderr,
            )
        return 1
    failures = (
        0 if spool_dir is not None else stats.export_failures + stats.span_export_failures
    ) + stats.metric_export_failures
    dropped = (
        stats.dropped_queue_full
        + stats.dropped_spool_full
        + stats.spool_failures
        + stats.dropped_measurements
        + stats.spans_dropped
    )
    print(
        f"codex-otel: error: the events could not all be delivered ({_describe(config)}; "
        f"{failures} failed export(s), {dropped} dropped"
        + (f", {stats.spooled} spooled at {spool_dir}" if spool_dir and stats.spooled else "")
        + f", shutdown took {took:.1f} s of at most {config.shutdown_timeout} s). "
        "Check that the collector is running and reachable.",
        file=sys.stderr,
    )
    return 1
