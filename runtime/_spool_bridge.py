"""Between the exporter pipeline and the spool: SDK log records into spool batches, spool
batches back into SDK log records, and the delivery of a spool (at start, and at exit).

Only `records_from_batch` and `deliver_spool` import the SDK, and only once the
pipeline (which imported it) is running; turning records into batches needs none.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._resource import distribution_version, resource_attributes
from ._spool import Batch, Claim, Event, Spool
from .config import OtelConfig
from .types import AttributeValue

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import ReadableLogRecord

    from ._pipeline import Pipeline

logger = logging.getLogger("codex_otel")


def keeper(spool: Spool, batch_size: int) -> Callable[[Sequence[ReadableLogRecord]], bool]:
    """The pipeline's `undelivered` hook: write each failed batch to `spool`; True when
    every record was written (a full spool drops the oldest, counted and reported)."""

    def keep(records: Sequence[ReadableLogRecord]) -> bool:
        written = sum(spool.write(batch) for batch in batches_from_records(records, batch_size))
        return written == len(records)

    return keep


def batches_from_records(records: Sequence[ReadableLogRecord], batch_size: int) -> list[Batch]:
    """Group records by resource and scope (one pipeline has one of each), at most
    `batch_size` events per batch so that one file is one export on delivery."""
    batches: list[Batch] = []
    key: tuple[int, str, str | None] | None = None
    events: list[Event] = []
    resource: dict[str, AttributeValue] = {}
    for record in records:
        scope = record.instrumentation_scope
        name = scope.name if scope is not None else ""
        version = scope.version if scope is not None else None
        this = (id(record.resource), name, version)
        if this != key or len(events) >= batch_size:
            if key is not None and events:
                batches.append(Batch(resource, key[1], key[2], tuple(events)))
            key, events = this, []
            resource = dict(record.resource.attributes)  # type: ignore[arg-type]
        log = record.log_record
        trace_id, span_id = log.trace_id or 0, log.span_id or 0
        events.append(
            Event(
                name=log.event_name or "",
                timestamp_ns=log.timestamp or 0,
                observed_ns=log.observed_timestamp or log.timestamp or 0,
                attributes=dict(log.attributes or {}),  # type: ignore[arg-type]
                # The span it was emitted in, kept so the delivered record still says so.
                trace_id=format(trace_id, "032x") if trace_id and span_id else "",
                span_id=format(span_id, "016x") if trace_id and span_id else "",
                trace_flags=int(log.trace_flags or 0) if trace_id and span_id else 0,
            )
        )
    if key is not None and events:
        batches.append(Batch(resource, key[1], key[2], tuple(events)))
    return batches


def records_from_batch(batch: Batch) -> list[ReadableLogRecord]:
    """The records of a spooled batch, with the resource and scope they were emitted with
    (the emitting process's `service.instance.id`, not this one's)."""
    from opentelemetry._logs import LogRecord, SeverityNumber
    from opentelemetry.sdk._logs import ReadableLogRecord
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    from opentelemetry.trace import INVALID_SPAN, set_span_in_context

    # A record without a span gets an explicit "no span": given no context, the SDK
    # would take the delivering thread's current span.
    no_span = set_span_in_context(INVALID_SPAN)

    resource = Resource(dict(batch.resource))
    scope = InstrumentationScope(batch.scope_name, batch.scope_version)
    return [
        ReadableLogRecord(
            log_record=LogRecord(
                timestamp=event.timestamp_ns,
                observed_timestamp=event.observed_ns,
                # Every event of this runtime is INFO (see `Pipeline.emit`).
                severity_text="INFO",
                severity_number=SeverityNumber.INFO,
                attributes=dict(event.attributes),
                event_name=event.name,
                context=span_context_of(event) if event.trace_id else no_span,
            ),
            resource=resource,
            instrumentation_scope=scope,
        )
        for event in batch.events
    ]


def span_context_of(event: Event) -> Any:
    """The OpenTelemetry context whose current span is the one `event` was emitted in."""
    from opentelemetry.trace import (
        NonRecordingSpan,
        SpanContext,
        TraceFlags,
        set_span_in_context,
    )

    span = NonRecordingSpan(
        SpanContext(
            int(event.trace_id, 16),
            int(event.span_id, 16),
            is_remote=False,
            trace_flags=TraceFlags(event.trace_flags),
        )
    )
    return set_span_in_context(span)


def deliver_spool(
    spool: Spool, pipeline: Pipeline, stopping: Callable[[], bool], *, written_since_ns: int = 0
) -> tuple[int, bool]:
    """Deliver what earlier processes spooled for this destination, oldest first.

    A failure means the collector is away, or that it refuses this one batch. Which one
    is told by the next file: a success (here or earlier) makes the failed batch a
    rejected one (`Claim.rejected`: dropped after a few runs), a second failure in a row
    ends the delivery (the rest waits for a later process). Stops as well when
    `stopping()` says so. `written_since_ns`: only the files written from then on (see
    `Spool.claims`). Returns the number of events delivered, and whether every pending
    file was tried with the collector up (not stopped, not ended by failures).
    """
    return deliver_batches(
        spool,
        lambda batch: pipeline.deliver_spooled(records_from_batch(batch)),
        stopping,
        written_since_ns=written_since_ns,
    )


def deliver_batches(
    spool: Spool,
    send: Callable[[Batch], bool],
    stopping: Callable[[], bool],
    *,
    written_since_ns: int = 0,
    what: str = "events",
) -> tuple[int, bool]:
    """`deliver_spool` for any spool: `send` exports one batch read back (True when the
    collector took it; an exception is a batch that can never be sent); `what` the spool
    holds, for the log line about an interrupted run's files."""
    delivered = interrupted = 0
    collector_up = False
    cut_short = False
    failed: list[Claim] = []
    for claim in spool.claims(written_since_ns=written_since_ns):
        if stopping():
            claim.release()
            cut_short = True
            break
        try:
            ok = send(claim.batch)
        except Exception:  # a value the SDK refuses: the batch can never be sent
            logger.debug("codex-otel: a spooled batch cannot be rebuilt", exc_info=True)
            ok = False
        if ok:
            if claim.done() and spool.note_delivered(len(claim.batch.events), claim.name):
                interrupted += len(claim.batch.events)
            delivered += len(claim.batch.events)
            collector_up = True
            for earlier in failed:
                earlier.rejected()
            failed = []
            continue
        if collector_up:
            claim.rejected()
            continue
        failed.append(claim)
        if len(failed) >= 2:
            break
    for claim in failed:  # no success since: the collector may be away, not refusing
        claim.release()
    if delivered:
        logger.debug("codex-otel: delivered %d spooled events", delivered)
    if interrupted:
        # INFO: news, not trouble; the host's logging decides whether it shows (never on
        # its stderr unless it configured logging so).
        logger.info("codex-otel: %d %s from an interrupted run delivered", interrupted, what)
    return delivered, not (cut_short or failed)


def resource_before_start(
    config: OtelConfig, service_version: str, *, versions: bool = True
) -> dict[str, AttributeValue]:
    """The resource for events spooled before the pipeline was built (exit during the
    background start): the pipeline's own attributes, computed without the SDK.
    `versions=False` leaves out `telemetry.sdk.version` (an importlib.metadata lookup)."""
    import uuid

    # What the SDK's ServiceInstanceIdResourceDetector would have chosen.
    instance = {"service.instance.id": str(uuid.UUID(bytes=os.urandom(16), version=4))}
    sdk_version = distribution_version("opentelemetry-sdk") if versions else None
    return dict(
        resource_attributes(config, service_version, sdk_version=sdk_version, detected=instance)
    )
