"""The event every emit scenario sends, both ways: through the generated emitter, and as the
hand-written `Logger.emit` call it replaces.

The event is the catalog's widest, `codex.tool_result` with every argument given, in a
conversation whose metadata has every optional field known: 13 attributes on the wire.
The hand-written side builds the same attribute dict a careful caller would (the common
metadata, an RFC 3339 millisecond `event.timestamp` computed the obvious way, the event's
own attributes) and calls `logger.emit` on a logger of the same `LoggerProvider`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Final

import suite  # noqa: F401  (tests/ on the path, for `support`)
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.json.file._log_exporter import FileLogExporter
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource

from codex_otel.generated import events
from codex_otel.runtime import (
    BatchConfig,
    Conversation,
    FileExporter,
    OtelConfig,
    OtlpHttpExporter,
    PrivacyConfig,
    Telemetry,
)
from support.metadata import CODEX_METADATA

EVENT_NAME = "codex.tool_result"
SERVICE_VERSION = "bench"

#: Codex's metadata with every optional field known (the test suite's, tests/support/).
METADATA = CODEX_METADATA

#: The metadata as a hand-written caller keeps it: a dict built once per conversation.
METADATA_ATTRIBUTES: dict[str, Any] = {
    "conversation.id": METADATA.conversation_id,
    "app.version": METADATA.app_version,
    "terminal.type": METADATA.terminal_type,
    "model": METADATA.model,
    "slug": METADATA.slug,
    "auth_mode": METADATA.auth_mode,
    "user.account_id": METADATA.user_account_id,
}

TOOL_NAME = "shell"
DURATION_MS = 412
SUCCESS: Final = "true"
OUTPUT = "total 8\ndrwxr-xr-x  4 user staff 128 .\n-rw-r--r--  1 user staff 2048 README.md\n"
CALL_ID = "call_Xf3kq9"
ARGUMENTS = '{"command": ["ls", "-la"]}'


# --- the two ways to emit ---------------------------------------------------------------------


def emit_generated(conversation: Conversation[events.Metadata]) -> None:
    """One event through the generated emitter."""
    events.tool_result(
        conversation,
        tool_name=TOOL_NAME,
        duration_ms=DURATION_MS,
        success=SUCCESS,
        output=OUTPUT,
        call_id=CALL_ID,
        arguments=ARGUMENTS,
    )


def emit_by_hand(
    logger: Any,
    *,
    tool_name: str,
    duration_ms: int,
    success: str,
    output: str,
    call_id: str,
    arguments: str,
) -> None:
    """What a caller writes without the generated module: the same record, by hand."""
    logger.emit(
        event_name=EVENT_NAME,
        attributes={
            "event.name": EVENT_NAME,  # as Codex sends it, and the generated emitter does
            "event.timestamp": datetime.now(timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            **METADATA_ATTRIBUTES,
            "tool_name": tool_name,
            "duration_ms": duration_ms,
            "success": success,
            "output": output,
            "call_id": call_id,
            "arguments": arguments,
        },
        timestamp=time.time_ns(),
        severity_number=SeverityNumber.INFO,
    )


def _timed_loop(emit: Callable[..., None], target: Any) -> Callable[[int], int]:
    """`loop(n)` calls `emit(target, ...)` n times with the event's fields; returns the ns.

    Both sides of a comparison run this same loop, so it costs them the same."""

    def loop(calls: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(calls):
            emit(
                target,
                tool_name=TOOL_NAME,
                duration_ms=DURATION_MS,
                success=SUCCESS,
                output=OUTPUT,
                call_id=CALL_ID,
                arguments=ARGUMENTS,
            )
        return time.perf_counter_ns() - start

    return loop


def generated_loop(conversation: Conversation[events.Metadata]) -> Callable[[int], int]:
    """`loop(n)` emits n events through the generated emitter; returns the ns it took."""
    return _timed_loop(events.tool_result, conversation)


def hand_written_loop(logger: Any) -> Callable[[int], int]:
    """`loop(n)` emits n events with `emit_by_hand`; returns the ns it took."""
    return _timed_loop(emit_by_hand, logger)


def conversation(telemetry: Telemetry) -> Conversation[events.Metadata]:
    return telemetry.conversation(METADATA)


# --- pipelines ----------------------------------------------------------------------------------


def exporting_telemetry(
    endpoint: str, batch: BatchConfig, *, shutdown_timeout: float = 5.0
) -> Telemetry:
    """A `Telemetry` exporting OTLP/HTTP protobuf to `endpoint` with these batch settings."""
    config = OtelConfig(
        exporter=OtlpHttpExporter(endpoint=endpoint),
        batch=batch,
        shutdown_timeout=shutdown_timeout,
    )
    telemetry = Telemetry(config, service_version=SERVICE_VERSION)
    # The pipeline starts in the background; these scenarios measure it running.
    if not telemetry.recording or not telemetry.wait_until_started(30):
        raise RuntimeError("the runtime did not start its exporter pipeline")
    return telemetry


#: No export before a flush: the timed loops measure the emit, never an export on the
#: worker thread (the scenarios flush between rounds, untimed).
QUIET_DELAY_MS = 60_000


def quiet_batch(batch: BatchConfig) -> BatchConfig:
    """`batch`'s queue, exported only when flushed (one batch holds the whole queue)."""
    return BatchConfig(
        schedule_delay_ms=QUIET_DELAY_MS,
        max_queue_size=batch.max_queue_size,
        max_export_batch_size=batch.max_queue_size,
    )


def discarding_telemetry(
    batch: BatchConfig, privacy: PrivacyConfig | None = None
) -> tuple[Telemetry, Any, LoggerProvider]:
    """A running `Telemetry` exporting OTLP/JSON lines to `os.devnull`, and a logger of the
    SDK wired by hand the same way (the official JSON file exporter to `os.devnull`, the
    same batch processor settings), for a hand-written baseline; shut its provider down.

    Both export only when flushed (`quiet_batch`), so what the loops time is the same
    work on both sides: building the record and queueing it. Built through the runtime's
    public API only (no exporter swapped inside it).
    """
    batch = quiet_batch(batch)
    config = OtelConfig(
        exporter=FileExporter(os.devnull),
        batch=batch,
        shutdown_timeout=5.0,
        privacy=privacy if privacy is not None else PrivacyConfig(),
    )
    telemetry = Telemetry(config, service_version=SERVICE_VERSION)
    if not telemetry.recording or not telemetry.wait_until_started(30):
        raise RuntimeError("the runtime did not start its exporter pipeline")
    provider = LoggerProvider(
        resource=Resource.create({"service.name": "codex-cli", "service.version": SERVICE_VERSION}),
        shutdown_on_exit=False,
    )
    provider.add_log_record_processor(
        BatchLogRecordProcessor(
            FileLogExporter(os.devnull),
            schedule_delay_millis=batch.schedule_delay_ms,
            max_export_batch_size=batch.max_export_batch_size,
            max_queue_size=batch.max_queue_size,
        )
    )
    return telemetry, provider.get_logger("codex_otel"), provider


def hand_wired_pipeline(endpoint: str, batch: BatchConfig) -> tuple[LoggerProvider, Any]:
    """The SDK wired by hand as its documentation shows: provider, batch processor, OTLP/HTTP
    exporter; the same batch settings and export timeout as `exporting_telemetry`."""
    provider = LoggerProvider(
        resource=Resource.create({"service.name": "codex-cli", "service.version": SERVICE_VERSION}),
        shutdown_on_exit=False,
    )
    provider.add_log_record_processor(
        BatchLogRecordProcessor(
            OTLPLogExporter(endpoint=endpoint, timeout=5),
            schedule_delay_millis=batch.schedule_delay_ms,
            max_export_batch_size=batch.max_export_batch_size,
            max_queue_size=batch.max_queue_size,
        )
    )
    return provider, provider.get_logger("codex_otel.bench")


# --- checks ------------------------------------------------------------------------------------


class _RecordingLogger:
    """Stands in for an SDK logger to see what `emit_by_hand` passes."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def emit(self, **arguments: Any) -> None:
        self.calls.append(arguments)


def same_record_problems(telemetry: Telemetry) -> list[str]:
    """Differences between the generated record and the hand-written one (the timestamp's
    value aside): a comparison of two different records would measure nothing."""
    with telemetry.capture() as captured:
        emit_generated(conversation(telemetry))
    by_hand = _RecordingLogger()
    emit_by_hand(
        by_hand,
        tool_name=TOOL_NAME,
        duration_ms=DURATION_MS,
        success=SUCCESS,
        output=OUTPUT,
        call_id=CALL_ID,
        arguments=ARGUMENTS,
    )
    if len(captured) != 1:
        return [f"the generated emitter produced {len(captured)} events, not 1"]
    generated = dict(captured[0].attributes)
    written = dict(by_hand.calls[0]["attributes"])
    problems = []
    for name, attributes in (("generated", generated), ("hand-written", written)):
        stamp = attributes.pop("event.timestamp", "")
        if not (isinstance(stamp, str) and len(stamp) == 24 and stamp.endswith("Z")):
            problems.append(f"{name} event.timestamp is not RFC 3339 with ms: {stamp!r}")
    if generated != written:
        problems.append(f"attributes differ: generated {generated} vs hand-written {written}")
    return problems
