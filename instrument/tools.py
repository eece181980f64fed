"""`codex.tool_result`: time a tool call and record its output, or its error; and its metrics.

`run_tool` / `run_tool_async` call the tool, emit the event, then return the tool's result
or re-raise its exception unchanged. A tool that returns succeeded (`success = "true"`,
`output` = its result as text); a tool that raises failed (`success = "false"`, `output` =
the exception's text). An interruption (`KeyboardInterrupt`, `asyncio.CancelledError`)
emits nothing, as Codex drops a cancelled future.

The result as text (`format_output`), since the catalog's `output` is a string:
a `str` as is; None as ""; bytes decoded as UTF-8 (invalid bytes replaced); anything JSON
can encode as compact JSON (`{"a":1}`); anything else as `str()`.

Arguments and output are passed to the generated emitter as they are: it redacts them
unless the `log_tool_details` toggle is on, and cuts them to the catalog's cap.

Beside the event, as Codex does: `codex.tool.call` +1 and `codex.tool.call.duration_ms`,
tagged `tool` (the tool's name) and `success` (the event's), and `sandbox` and
`sandbox_policy` when the manager knows them (`EventManager.with_sandbox`). A call that
failed before it ran (`EventManager.log_tool_failed`) records them too, with 0 ms as its
event says: the catalog counts such calls, where Codex records only the event.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Literal, TypeAlias, TypeVar

from codex_otel.generated import events
from codex_otel.runtime import Conversation
from codex_otel.runtime._contract import wrong_type

from . import measurements, spans
from .outcomes import error_text
from .recorded_calls import RecordOutcome, call_recorded, call_recorded_async, check_before_await
from .recorder import Recorder, SandboxTags

R = TypeVar("R")

_EVENT: Final = "codex.tool_result"

#: What `tool_result` accepts as `success`: a bool, or the catalog's enum or its values.
SuccessLike: TypeAlias = bool | events.Success | Literal["true", "false"]


def check_text(field: str, value: object) -> None:
    if not isinstance(value, str):
        wrong_type(_EVENT, field, "str", value)


def check_call(tool_name: str, call_id: str, arguments: str) -> None:
    """Reject wrong arguments before the tool runs, never after it did its work."""
    check_text("tool_name", tool_name)
    check_text("call_id", call_id)
    check_text("arguments", arguments)


def format_output(value: object) -> str:
    """A tool's result as the text of `output`; see the module documentation."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        pass
    try:
        return str(value)
    except Exception:
        return f"<{type(value).__name__} object>"


def success_value(success: SuccessLike) -> events.Success | Literal["true", "false"]:
    """`True`/`False` as the catalog's `"true"`/`"false"`; the enum and strings as they are."""
    if success is True:
        return "true"
    if success is False:
        return "false"
    return success


def record_tool(
    recorder: Recorder,
    start_ns: int | None,
    *,
    tool_name: str,
    call_id: str,
    arguments: str,
    result: object = None,
    error: BaseException | None = None,
    span: events.ToolCallSpan | None = None,
) -> None:
    """Emit `codex.tool_result` and record its metrics for a call that started at
    `start_ns`, and put its output's size on its span. Never raises."""
    duration = recorder.elapsed_ms(start_ns)
    traced = span is not None and span.recording
    if duration is None or not (traced or recorder.observed):
        return
    with recorder.guard:
        conversation = recorder.conversation
        success: Literal["true", "false"] = "true" if error is None else "false"
        output: str | None = None
        if traced or recorder.recording:  # the output's text, maybe long, is not the metric's
            output = format_output(result) if error is None else error_text(error)
            spans.tool_output(recorder, span, output)
        if not recorder.observed:
            return
        if output is not None and recorder.recording:
            events.tool_result(
                conversation,
                tool_name=tool_name,
                call_id=call_id,
                arguments=arguments,
                duration_ms=duration,
                success=success,
                output=output,
            )
        measurements.tool_call(conversation, tool_name, duration, success, recorder.sandbox_tags)


def emit_result(  # noqa: PLR0917 - the event's fields, in the manager's order
    conversation: Conversation[events.Metadata],
    tool_name: str,
    duration: int,
    success: SuccessLike,
    output: str,
    call_id: str | None = None,
    arguments: str | None = None,
    sandbox_tags: SandboxTags = (None, None),
) -> None:
    """`codex.tool_result` and its metrics for a call measured elsewhere (the manager's
    `tool_result` and `log_tool_failed`). Raises as the emitter does, before recording."""
    value = success_value(success)
    events.tool_result(
        conversation,
        tool_name=tool_name,
        call_id=call_id,
        arguments=arguments,
        duration_ms=duration,
        success=value,
        output=output,
    )
    measurements.tool_call(conversation, tool_name, duration, value, sandbox_tags)


def run_tool(
    recorder: Recorder,
    tool: Callable[..., R],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    tool_name: str,
    call_id: str,
    arguments: str,
) -> R:
    """Call `tool(*args, **kwargs)`, record the call, return or re-raise its outcome."""
    check_call(tool_name, call_id, arguments)
    with spans.tool_call_span(recorder, tool_name, call_id, arguments) as span:
        record = _recorder_of(recorder, tool_name, call_id, arguments, span)
        return call_recorded(recorder, tool, args, kwargs, record, wrapper="log_tool_result")


async def run_tool_async(
    recorder: Recorder,
    tool: Awaitable[R] | Callable[..., Awaitable[R]],
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    tool_name: str,
    call_id: str,
    arguments: str,
) -> R:
    """Await `tool` (an awaitable, or a coroutine function called with the arguments)."""
    check_before_await(lambda: check_call(tool_name, call_id, arguments), tool)
    with spans.tool_call_span(recorder, tool_name, call_id, arguments) as span:
        record = _recorder_of(recorder, tool_name, call_id, arguments, span)
        return await call_recorded_async(recorder, tool, args, kwargs, record)


def _recorder_of(
    recorder: Recorder,
    tool_name: str,
    call_id: str,
    arguments: str,
    span: events.ToolCallSpan | None,
) -> RecordOutcome:
    def record(start_ns: int | None, result: object, error: BaseException | None) -> None:
        record_tool(
            recorder,
            start_ns,
            tool_name=tool_name,
            call_id=call_id,
            arguments=arguments,
            result=result,
            error=error,
            span=span,
        )

    return record
