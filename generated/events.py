# Generated from catalog.yaml (catalog version 1.3.0) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
# ruff: noqa: SIM108, RUF100
"""Typed emitters for the events of catalog.yaml, and recorders for its metrics.

Catalog version 1.3.0.

Log events that describe each Codex run: outbound API requests, streamed responses, user prompts,
tool-approval decisions and tool results.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Final, Literal

from codex_otel.runtime._contract import (
    INT64_MAX,
    INT64_MIN,
    Attributes,
    Conversation,
    MetricDefinition,
    not_a_member,
    out_of_range,
    plain_string,
    truncate,
    wrong_type,
)

CATALOG_VERSION: Final = "1.3.0"

#: Privacy toggles the catalog's redaction policies name, with their defaults.
TOGGLES: Final[dict[str, bool]] = {
    "log_user_prompt": False,
    "log_tool_details": True,
}

#: Every event this module emits, in catalog order.
EVENT_NAMES: Final[tuple[str, ...]] = (
    "codex.conversation_starts",
    "codex.api_request",
    "codex.sse_event",
    "codex.user_prompt",
    "codex.tool_decision",
    "codex.tool_result",
)

#: Every metric this module records, in catalog order.
METRIC_NAMES: Final[tuple[str, ...]] = (
    "codex.api_request",
    "codex.api_request.duration_ms",
    "codex.tool.call",
    "codex.tool.call.duration_ms",
    "codex.sse_event",
    "codex.sse_event.duration_ms",
    "codex.turn.token_usage",
)


class Decision(enum.Enum):
    """Outcome of the approval request."""

    APPROVED = "approved"
    """The user approved this call."""

    APPROVED_FOR_SESSION = "approved_for_session"
    """The user approved this call and similar calls for the rest of the session."""

    DENIED = "denied"
    """The user denied the call; the agent continues."""

    ABORT = "abort"
    """The user denied the call and stopped the turn."""


#: Decision members and their values, mapped to the value sent on the wire.
_DECISION_WIRE: Final[dict[object, str]] = {
    Decision.APPROVED: "approved",
    Decision.APPROVED_FOR_SESSION: "approved_for_session",
    Decision.DENIED: "denied",
    Decision.ABORT: "abort",
    "approved": "approved",
    "approved_for_session": "approved_for_session",
    "denied": "denied",
    "abort": "abort",
}


class Source(enum.Enum):
    """Who made the decision."""

    CONFIG = "config"
    """Decided by the configured approval policy, without asking."""

    USER = "user"
    """Decided by the user when asked."""


#: Source members and their values, mapped to the value sent on the wire.
_SOURCE_WIRE: Final[dict[object, str]] = {
    Source.CONFIG: "config",
    Source.USER: "user",
    "config": "config",
    "user": "user",
}


class Success(enum.Enum):
    """Whether the tool call succeeded, as the string `"true"` or `"false"`."""

    TRUE = "true"
    """It succeeded (the tool ran and succeeded, for a tool call)."""

    FALSE = "false"
    """It failed (or the tool could not be run, for a tool call)."""


#: Success members and their values, mapped to the value sent on the wire.
_SUCCESS_WIRE: Final[dict[object, str]] = {
    Success.TRUE: "true",
    Success.FALSE: "false",
    "true": "true",
    "false": "false",
}


class TokenType(enum.Enum):
    """Which of a response's token counts a measurement is."""

    INPUT = "input"
    """Input tokens of the response."""

    CACHED_INPUT = "cached_input"
    """Input tokens served from the prompt cache."""

    OUTPUT = "output"
    """Output tokens of the response."""

    REASONING_OUTPUT = "reasoning_output"
    """Output tokens spent on reasoning."""

    TOTAL = "total"
    """Every token of the response."""


#: TokenType members and their values, mapped to the value sent on the wire.
_TOKEN_TYPE_WIRE: Final[dict[object, str]] = {
    TokenType.INPUT: "input",
    TokenType.CACHED_INPUT: "cached_input",
    TokenType.OUTPUT: "output",
    TokenType.REASONING_OUTPUT: "reasoning_output",
    TokenType.TOTAL: "total",
    "input": "input",
    "cached_input": "cached_input",
    "output": "output",
    "reasoning_output": "reasoning_output",
    "total": "total",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Metadata:
    """Metadata shared by every event.

    One per conversation: pass it to `Telemetry.conversation`, and every event emitted
    through that conversation carries these attributes. Optional fields left as None
    are omitted from the wire, never sent empty.
    `event.name` is computed by the runtime when an event is emitted.
    `event.timestamp` is computed by the runtime when an event is emitted.
    """

    COMPUTED: ClassVar[Mapping[str, str]] = {
        "event.name": "event_name",
        "event.timestamp": "timestamp",
    }
    #: Wire keys of the metadata that every metric carries too.
    METRIC_KEYS: ClassVar[tuple[str, ...]] = (
        "model",
        "app.version",
        "auth_mode",
    )

    conversation_id: str
    """conversation.id: Identifier of the conversation (session) the event belongs to."""

    app_version: str
    """app.version: Version of the application that emitted the event."""

    auth_mode: str | None = None
    """auth_mode: How the user authenticated, when known."""

    user_account_id: str | None = None
    """user.account_id: Account identifier of the signed-in user, when known."""

    terminal_type: str
    """terminal.type: The terminal the CLI runs in."""

    model: str
    """model: Model the conversation is using."""

    slug: str
    """slug: Model family slug the model belongs to."""

    def __post_init__(self) -> None:
        if not isinstance(self.conversation_id, str):
            wrong_type("Metadata", "conversation_id", "str", self.conversation_id)
        if not isinstance(self.app_version, str):
            wrong_type("Metadata", "app_version", "str", self.app_version)
        if self.auth_mode is not None and not isinstance(self.auth_mode, str):
            wrong_type("Metadata", "auth_mode", "str", self.auth_mode)
        if self.user_account_id is not None and not isinstance(self.user_account_id, str):
            wrong_type("Metadata", "user_account_id", "str", self.user_account_id)
        if not isinstance(self.terminal_type, str):
            wrong_type("Metadata", "terminal_type", "str", self.terminal_type)
        if not isinstance(self.model, str):
            wrong_type("Metadata", "model", "str", self.model)
        if not isinstance(self.slug, str):
            wrong_type("Metadata", "slug", "str", self.slug)

    def to_attributes(self) -> Attributes:
        """The metadata as wire attributes; unknown optional values are omitted."""
        attributes: Attributes = {
            "conversation.id": self.conversation_id,
            "app.version": self.app_version,
            "terminal.type": self.terminal_type,
            "model": self.model,
            "slug": self.slug,
        }
        if self.auth_mode:  # unknown: None or empty, omitted either way
            attributes["auth_mode"] = self.auth_mode
        if self.user_account_id:  # unknown: None or empty, omitted either way
            attributes["user.account_id"] = self.user_account_id
        return attributes


def conversation_starts(
    conversation: Conversation[Metadata],
    *,
    provider_name: str,
    reasoning_summary: str,
    approval_policy: str,
    sandbox_policy: str,
    mcp_servers: str,
    reasoning_effort: str | None = None,
    context_window: int | None = None,
    max_output_tokens: int | None = None,
    auto_compact_token_limit: int | None = None,
    active_profile: str | None = None,
) -> None:
    """A conversation started, with the model and policy settings it runs under.

    Emits `codex.conversation_starts`.

    Args:
        provider_name: `provider_name`, required. Name of the model provider.
        reasoning_effort: `reasoning_effort`, optional. Reasoning effort configured for the
            model.
        reasoning_summary: `reasoning_summary`, required. Reasoning summary mode configured for
            the model.
        context_window: `context_window`, optional. Size of the model's context window in
            tokens. Must be at least 0.
        max_output_tokens: `max_output_tokens`, optional. Largest number of output tokens the
            model may produce. Must be at least 0.
        auto_compact_token_limit: `auto_compact_token_limit`, optional. Token count at which the
            conversation history is compacted automatically.
        approval_policy: `approval_policy`, required. When the user is asked to approve a tool
            call.
        sandbox_policy: `sandbox_policy`, required. Sandbox the agent's commands run in.
        mcp_servers: `mcp_servers`, required. Names of the configured MCP servers, joined with
            ", ".
        active_profile: `active_profile`, optional. Name of the configuration profile in use.
    """
    if not isinstance(provider_name, str):
        wrong_type("codex.conversation_starts", "provider_name", "str", provider_name)
    if not isinstance(reasoning_summary, str):
        wrong_type("codex.conversation_starts", "reasoning_summary", "str", reasoning_summary)
    if not isinstance(approval_policy, str):
        wrong_type("codex.conversation_starts", "approval_policy", "str", approval_policy)
    if not isinstance(sandbox_policy, str):
        wrong_type("codex.conversation_starts", "sandbox_policy", "str", sandbox_policy)
    if not isinstance(mcp_servers, str):
        wrong_type("codex.conversation_starts", "mcp_servers", "str", mcp_servers)
    if reasoning_effort is not None and not isinstance(reasoning_effort, str):
        wrong_type("codex.conversation_starts", "reasoning_effort", "str", reasoning_effort)
    if context_window is not None:
        if type(context_window) is not int:
            wrong_type("codex.conversation_starts", "context_window", "int", context_window)
        if not 0 <= context_window <= INT64_MAX:
            out_of_range(
                "codex.conversation_starts",
                "context_window",
                "between 0 and 9223372036854775807",
                context_window,
            )
    if max_output_tokens is not None:
        if type(max_output_tokens) is not int:
            wrong_type("codex.conversation_starts", "max_output_tokens", "int", max_output_tokens)
        if not 0 <= max_output_tokens <= INT64_MAX:
            out_of_range(
                "codex.conversation_starts",
                "max_output_tokens",
                "between 0 and 9223372036854775807",
                max_output_tokens,
            )
    if auto_compact_token_limit is not None:
        if type(auto_compact_token_limit) is not int:
            wrong_type(
                "codex.conversation_starts",
                "auto_compact_token_limit",
                "int",
                auto_compact_token_limit,
            )
        if not INT64_MIN <= auto_compact_token_limit <= INT64_MAX:
            out_of_range(
                "codex.conversation_starts",
                "auto_compact_token_limit",
                "a 64-bit integer",
                auto_compact_token_limit,
            )
    if active_profile is not None and not isinstance(active_profile, str):
        wrong_type("codex.conversation_starts", "active_profile", "str", active_profile)
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "provider_name": provider_name,
        "reasoning_summary": reasoning_summary,
        "approval_policy": approval_policy,
        "sandbox_policy": sandbox_policy,
        "mcp_servers": mcp_servers,
    }
    if reasoning_effort is not None:
        _attributes["reasoning_effort"] = reasoning_effort
    if context_window is not None:
        _attributes["context_window"] = context_window
    if max_output_tokens is not None:
        _attributes["max_output_tokens"] = max_output_tokens
    if auto_compact_token_limit is not None:
        _attributes["auto_compact_token_limit"] = auto_compact_token_limit
    if active_profile is not None:
        _attributes["active_profile"] = active_profile
    conversation.emit("codex.conversation_starts", _attributes)


def api_request(
    conversation: Conversation[Metadata],
    *,
    attempt: int,
    duration_ms: int,
    http_response_status_code: int | None = None,
    error_message: str | None = None,
    cf_ray: str | None = None,
) -> None:
    """One attempt of an outbound request to the model API, successful or not.

    Emits `codex.api_request`.

    Args:
        attempt: `attempt`, required. Number of this attempt of the request; each retry is a new
            attempt with its own event. Must be at least 0.
        duration_ms: `duration_ms`, required. Time from sending the request to receiving the
            response headers or the error, in milliseconds. Must be at least 0.
        http_response_status_code: `http.response.status_code`, optional. HTTP status code of
            the response, when there was one. Must be between 0 and 65535.
        error_message: `error.message`, conditional: on failure. Text of the error that made the
            operation fail. Cut to 4096 characters.
        cf_ray: `cf_ray`, optional. Value of the response's `cf-ray` header.
    """
    if type(attempt) is not int:
        wrong_type("codex.api_request", "attempt", "int", attempt)
    if not 0 <= attempt <= INT64_MAX:
        out_of_range("codex.api_request", "attempt", "between 0 and 9223372036854775807", attempt)
    if type(duration_ms) is not int:
        wrong_type("codex.api_request", "duration_ms", "int", duration_ms)
    if not 0 <= duration_ms <= INT64_MAX:
        out_of_range(
            "codex.api_request", "duration_ms", "between 0 and 9223372036854775807", duration_ms
        )
    if http_response_status_code is not None:
        if type(http_response_status_code) is not int:
            wrong_type(
                "codex.api_request", "http_response_status_code", "int", http_response_status_code
            )
        if not 0 <= http_response_status_code <= 65535:
            out_of_range(
                "codex.api_request",
                "http_response_status_code",
                "between 0 and 65535",
                http_response_status_code,
            )
    if error_message is not None and not isinstance(error_message, str):
        wrong_type("codex.api_request", "error_message", "str", error_message)
    if cf_ray is not None and not isinstance(cf_ray, str):
        wrong_type("codex.api_request", "cf_ray", "str", cf_ray)
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "attempt": attempt,
        "duration_ms": duration_ms,
    }
    if http_response_status_code is not None:
        _attributes["http.response.status_code"] = http_response_status_code
    if error_message is not None:
        _attributes["error.message"] = truncate(error_message, 4096)
    if cf_ray is not None:
        _attributes["cf_ray"] = cf_ray
    conversation.emit("codex.api_request", _attributes)


def sse_event(
    conversation: Conversation[Metadata],
    *,
    event_kind: str | None = None,
    duration_ms: int | None = None,
    error_message: str | None = None,
    input_token_count: int | None = None,
    output_token_count: int | None = None,
    cached_token_count: int | None = None,
    reasoning_token_count: int | None = None,
    tool_token_count: int | None = None,
) -> None:
    """One server-sent event of a streamed response, a failure while reading the stream, or the
    summary of a completed response.

    Emits `codex.sse_event`.

    Args:
        event_kind: `event.kind`, conditional: absent when the stream itself failed or timed
            out. Type of the server-sent event, such as `response.output_text.delta`.
        duration_ms: `duration_ms`, conditional: except on the response.completed summary. Time
            spent waiting for this server-sent event, in milliseconds. Must be at least 0.
        error_message: `error.message`, conditional: on failure. Text of the error that made the
            operation fail. Cut to 4096 characters.
        input_token_count: `input_token_count`, conditional: on a successful response.completed
            only. Input tokens the response used. Must be at least 0.
        output_token_count: `output_token_count`, conditional: on a successful
            response.completed only. Output tokens the response produced. Must be at least 0.
        cached_token_count: `cached_token_count`, conditional: on a successful
            response.completed only, when known. Input tokens served from the prompt cache. Must be
            at least 0.
        reasoning_token_count: `reasoning_token_count`, conditional: on a successful
            response.completed only, when known. Output tokens spent on reasoning. Must be at least
            0.
        tool_token_count: `tool_token_count`, conditional: on a successful response.completed
            only. Tokens counted towards tool use; Codex fills it with the response usage's
            `total_tokens`, and so does the SSE helper of `codex_otel.instrument`. Must be at least
            0.
    """
    if event_kind is not None and not isinstance(event_kind, str):
        wrong_type("codex.sse_event", "event_kind", "str", event_kind)
    if duration_ms is not None:
        if type(duration_ms) is not int:
            wrong_type("codex.sse_event", "duration_ms", "int", duration_ms)
        if not 0 <= duration_ms <= INT64_MAX:
            out_of_range(
                "codex.sse_event", "duration_ms", "between 0 and 9223372036854775807", duration_ms
            )
    if error_message is not None and not isinstance(error_message, str):
        wrong_type("codex.sse_event", "error_message", "str", error_message)
    if input_token_count is not None:
        if type(input_token_count) is not int:
            wrong_type("codex.sse_event", "input_token_count", "int", input_token_count)
        if not 0 <= input_token_count <= INT64_MAX:
            out_of_range(
                "codex.sse_event",
                "input_token_count",
                "between 0 and 9223372036854775807",
                input_token_count,
            )
    if output_token_count is not None:
        if type(output_token_count) is not int:
            wrong_type("codex.sse_event", "output_token_count", "int", output_token_count)
        if not 0 <= output_token_count <= INT64_MAX:
            out_of_range(
                "codex.sse_event",
                "output_token_count",
                "between 0 and 9223372036854775807",
                output_token_count,
            )
    if cached_token_count is not None:
        if type(cached_token_count) is not int:
            wrong_type("codex.sse_event", "cached_token_count", "int", cached_token_count)
        if not 0 <= cached_token_count <= INT64_MAX:
            out_of_range(
                "codex.sse_event",
                "cached_token_count",
                "between 0 and 9223372036854775807",
                cached_token_count,
            )
    if reasoning_token_count is not None:
        if type(reasoning_token_count) is not int:
            wrong_type("codex.sse_event", "reasoning_token_count", "int", reasoning_token_count)
        if not 0 <= reasoning_token_count <= INT64_MAX:
            out_of_range(
                "codex.sse_event",
                "reasoning_token_count",
                "between 0 and 9223372036854775807",
                reasoning_token_count,
            )
    if tool_token_count is not None:
        if type(tool_token_count) is not int:
            wrong_type("codex.sse_event", "tool_token_count", "int", tool_token_count)
        if not 0 <= tool_token_count <= INT64_MAX:
            out_of_range(
                "codex.sse_event",
                "tool_token_count",
                "between 0 and 9223372036854775807",
                tool_token_count,
            )
    if not conversation.recording:
        return
    _attributes: Attributes = {}
    if event_kind is not None:
        _attributes["event.kind"] = event_kind
    if duration_ms is not None:
        _attributes["duration_ms"] = duration_ms
    if error_message is not None:
        _attributes["error.message"] = truncate(error_message, 4096)
    if input_token_count is not None:
        _attributes["input_token_count"] = input_token_count
    if output_token_count is not None:
        _attributes["output_token_count"] = output_token_count
    if cached_token_count is not None:
        _attributes["cached_token_count"] = cached_token_count
    if reasoning_token_count is not None:
        _attributes["reasoning_token_count"] = reasoning_token_count
    if tool_token_count is not None:
        _attributes["tool_token_count"] = tool_token_count
    conversation.emit("codex.sse_event", _attributes)


def user_prompt(
    conversation: Conversation[Metadata],
    *,
    prompt_length: int,
    prompt: str,
) -> None:
    """The user submitted a prompt.

    Emits `codex.user_prompt`.

    Args:
        prompt_length: `prompt_length`, required. Length of the prompt in characters (Unicode
            code points), counted before redaction. Must be at least 0.
        prompt: `prompt`, required. Text of the user's prompt. Replaced by '[REDACTED]' unless
            the `log_user_prompt` toggle is on. Cut to 16384 characters.
    """
    if type(prompt_length) is not int:
        wrong_type("codex.user_prompt", "prompt_length", "int", prompt_length)
    if not 0 <= prompt_length <= INT64_MAX:
        out_of_range(
            "codex.user_prompt", "prompt_length", "between 0 and 9223372036854775807", prompt_length
        )
    if not isinstance(prompt, str):
        wrong_type("codex.user_prompt", "prompt", "str", prompt)
    if not conversation.recording:
        return
    if conversation.allows("log_user_prompt"):
        _prompt = truncate(prompt, 16384)
    else:
        _prompt = "[REDACTED]"
    _attributes: Attributes = {
        "prompt_length": prompt_length,
        "prompt": _prompt,
    }
    conversation.emit("codex.user_prompt", _attributes)


def tool_decision(
    conversation: Conversation[Metadata],
    *,
    tool_name: str,
    call_id: str,
    decision: Decision | Literal["approved", "approved_for_session", "denied", "abort"],
    source: Source | Literal["config", "user"],
) -> None:
    """A tool call was approved or denied, by the configuration or by the user.

    Emits `codex.tool_decision`.

    Args:
        tool_name: `tool_name`, required. Name of the tool.
        call_id: `call_id`, required. Identifier of the tool call, as given by the model.
        decision: `decision`, required. Outcome of the approval request.
        source: `source`, required. Who made the decision.
    """
    if not isinstance(tool_name, str):
        wrong_type("codex.tool_decision", "tool_name", "str", tool_name)
    if not isinstance(call_id, str):
        wrong_type("codex.tool_decision", "call_id", "str", call_id)
    _decision = None
    if isinstance(decision, (str, Decision)):
        _decision = _DECISION_WIRE.get(decision)
    if _decision is None:
        not_a_member(
            "codex.tool_decision",
            "decision",
            "one of 'approved', 'approved_for_session', 'denied', 'abort'",
            decision,
        )
    _source = None
    if isinstance(source, (str, Source)):
        _source = _SOURCE_WIRE.get(source)
    if _source is None:
        not_a_member("codex.tool_decision", "source", "one of 'config', 'user'", source)
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "tool_name": tool_name,
        "call_id": call_id,
        "decision": _decision,
        "source": _source,
    }
    conversation.emit("codex.tool_decision", _attributes)


def tool_result(
    conversation: Conversation[Metadata],
    *,
    tool_name: str,
    duration_ms: int,
    success: Success | Literal["true", "false"],
    output: str,
    call_id: str | None = None,
    arguments: str | None = None,
) -> None:
    """A tool call finished, or failed before it could run.

    Emits `codex.tool_result`.

    Args:
        tool_name: `tool_name`, required. Name of the tool.
        call_id: `call_id`, conditional: absent when the tool failed before it ran. Identifier
            of the tool call, as given by the model.
        arguments: `arguments`, conditional: absent when the tool failed before it ran.
            Arguments of the tool call, as the model sent them. Replaced by '[REDACTED]' unless the
            `log_tool_details` toggle is on. Cut to 16384 characters.
        duration_ms: `duration_ms`, required. Execution time of the tool in milliseconds; 0 when
            it failed before it ran. Must be at least 0.
        success: `success`, required. Whether the tool call succeeded, as the string `"true"` or
            `"false"`.
        output: `output`, required. Output of the tool, or the text of its error when it failed.
            Replaced by '[REDACTED]' unless the `log_tool_details` toggle is on. Cut to 16384
            characters.
    """
    if not isinstance(tool_name, str):
        wrong_type("codex.tool_result", "tool_name", "str", tool_name)
    if type(duration_ms) is not int:
        wrong_type("codex.tool_result", "duration_ms", "int", duration_ms)
    if not 0 <= duration_ms <= INT64_MAX:
        out_of_range(
            "codex.tool_result", "duration_ms", "between 0 and 9223372036854775807", duration_ms
        )
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.tool_result", "success", "one of 'true', 'false'", success)
    if not isinstance(output, str):
        wrong_type("codex.tool_result", "output", "str", output)
    if call_id is not None and not isinstance(call_id, str):
        wrong_type("codex.tool_result", "call_id", "str", call_id)
    if arguments is not None and not isinstance(arguments, str):
        wrong_type("codex.tool_result", "arguments", "str", arguments)
    if not conversation.recording:
        return
    if conversation.allows("log_tool_details"):
        _output = truncate(output, 16384)
    else:
        _output = "[REDACTED]"
    _attributes: Attributes = {
        "tool_name": tool_name,
        "duration_ms": duration_ms,
        "success": _success,
        "output": _output,
    }
    if call_id is not None:
        _attributes["call_id"] = call_id
    if arguments is not None:
        if conversation.allows("log_tool_details"):
            _attributes["arguments"] = truncate(arguments, 16384)
        else:
            _attributes["arguments"] = "[REDACTED]"
    conversation.emit("codex.tool_result", _attributes)


_METRIC_API_REQUEST: Final = MetricDefinition(
    name="codex.api_request",
    instrument="counter",
    unit="{request}",
    description="Attempts of outbound requests to the model API, successful or not.",
    value_type="int",
    boundaries=None,
)


def record_api_request(
    conversation: Conversation[Metadata],
    value: int = 1,
    *,
    status: str,
    success: Success | Literal["true", "false"],
) -> None:
    """Attempts of outbound requests to the model API, successful or not.

    Records `codex.api_request`: a counter of int values in `{request}`.

    Args:
        value: The value to record, in `{request}` (1 when left out). Must be at least 0.
        status: `status`, required. HTTP status code of the response as text, or `none` when
            there was no response.
        success: `success`, required. `"true"` when the response's status is 2xx and no error
            occurred, else `"false"`.
    """
    if type(value) is not int:
        wrong_type("codex.api_request", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("codex.api_request", "value", "between 0 and 9223372036854775807", value)
    if not isinstance(status, str):
        wrong_type("codex.api_request", "status", "str", status)
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.api_request", "success", "one of 'true', 'false'", success)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "status": status if type(status) is str and status.isascii() else plain_string(status),
        "success": _success,
    }
    conversation.record_point(_METRIC_API_REQUEST, value, _attributes)


_METRIC_API_REQUEST_DURATION_MS: Final = MetricDefinition(
    name="codex.api_request.duration_ms",
    instrument="histogram",
    unit="ms",
    description=(
        "Time from sending a request to the model API to receiving the response headers or the "
        "error, in milliseconds."
    ),
    value_type="int",
    boundaries=(50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000),
)


def record_api_request_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
    *,
    status: str,
    success: Success | Literal["true", "false"],
) -> None:
    """Time from sending a request to the model API to receiving the response headers or the error,
    in milliseconds.

    Records `codex.api_request.duration_ms`: a histogram of int values in `ms`. Bucket boundaries:
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
        status: `status`, required. HTTP status code of the response as text, or `none` when
            there was no response.
        success: `success`, required. `"true"` when the response's status is 2xx and no error
            occurred, else `"false"`.
    """
    if type(value) is not int:
        wrong_type("codex.api_request.duration_ms", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range(
            "codex.api_request.duration_ms", "value", "between 0 and 9223372036854775807", value
        )
    if not isinstance(status, str):
        wrong_type("codex.api_request.duration_ms", "status", "str", status)
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.api_request.duration_ms", "success", "one of 'true', 'false'", success)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "status": status if type(status) is str and status.isascii() else plain_string(status),
        "success": _success,
    }
    conversation.record_point(_METRIC_API_REQUEST_DURATION_MS, value, _attributes)


_METRIC_TOOL_CALL: Final = MetricDefinition(
    name="codex.tool.call",
    instrument="counter",
    unit="{call}",
    description="Tool calls that finished, or failed before they could run.",
    value_type="int",
    boundaries=None,
)


def record_tool_call(
    conversation: Conversation[Metadata],
    value: int = 1,
    *,
    tool: str,
    success: Success | Literal["true", "false"],
) -> None:
    """Tool calls that finished, or failed before they could run.

    Records `codex.tool.call`: a counter of int values in `{call}`.

    Args:
        value: The value to record, in `{call}` (1 when left out). Must be at least 0.
        tool: `tool`, required. Name of the tool, as a metric tag.
        success: `success`, required. Whether the tool call succeeded, as the string `"true"` or
            `"false"`.
    """
    if type(value) is not int:
        wrong_type("codex.tool.call", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("codex.tool.call", "value", "between 0 and 9223372036854775807", value)
    if not isinstance(tool, str):
        wrong_type("codex.tool.call", "tool", "str", tool)
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.tool.call", "success", "one of 'true', 'false'", success)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "tool": tool if type(tool) is str and tool.isascii() else plain_string(tool),
        "success": _success,
    }
    conversation.record_point(_METRIC_TOOL_CALL, value, _attributes)


_METRIC_TOOL_CALL_DURATION_MS: Final = MetricDefinition(
    name="codex.tool.call.duration_ms",
    instrument="histogram",
    unit="ms",
    description="Execution time of tool calls in milliseconds; 0 when a call failed before it ran.",
    value_type="int",
    boundaries=None,
)


def record_tool_call_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
    *,
    tool: str,
    success: Success | Literal["true", "false"],
) -> None:
    """Execution time of tool calls in milliseconds; 0 when a call failed before it ran.

    Records `codex.tool.call.duration_ms`: a histogram of int values in `ms`.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
        tool: `tool`, required. Name of the tool, as a metric tag.
        success: `success`, required. Whether the tool call succeeded, as the string `"true"` or
            `"false"`.
    """
    if type(value) is not int:
        wrong_type("codex.tool.call.duration_ms", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range(
            "codex.tool.call.duration_ms", "value", "between 0 and 9223372036854775807", value
        )
    if not isinstance(tool, str):
        wrong_type("codex.tool.call.duration_ms", "tool", "str", tool)
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.tool.call.duration_ms", "success", "one of 'true', 'false'", success)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "tool": tool if type(tool) is str and tool.isascii() else plain_string(tool),
        "success": _success,
    }
    conversation.record_point(_METRIC_TOOL_CALL_DURATION_MS, value, _attributes)


_METRIC_SSE_EVENT: Final = MetricDefinition(
    name="codex.sse_event",
    instrument="counter",
    unit="{event}",
    description="Server-sent events of streamed responses, and failures while reading a stream.",
    value_type="int",
    boundaries=None,
)


def record_sse_event(
    conversation: Conversation[Metadata],
    value: int = 1,
    *,
    kind: str,
    success: Success | Literal["true", "false"],
) -> None:
    """Server-sent events of streamed responses, and failures while reading a stream.

    Records `codex.sse_event`: a counter of int values in `{event}`.

    Args:
        value: The value to record, in `{event}` (1 when left out). Must be at least 0.
        kind: `kind`, required. Type of the server-sent event, such as `response.completed`, as
            a metric tag; `unknown` when the stream itself failed or timed out (Codex's value).
        success: `success`, required. `"true"` for an event read without error, `"false"` for a
            failure.
    """
    if type(value) is not int:
        wrong_type("codex.sse_event", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("codex.sse_event", "value", "between 0 and 9223372036854775807", value)
    if not isinstance(kind, str):
        wrong_type("codex.sse_event", "kind", "str", kind)
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.sse_event", "success", "one of 'true', 'false'", success)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "kind": kind if type(kind) is str and kind.isascii() else plain_string(kind),
        "success": _success,
    }
    conversation.record_point(_METRIC_SSE_EVENT, value, _attributes)


_METRIC_SSE_EVENT_DURATION_MS: Final = MetricDefinition(
    name="codex.sse_event.duration_ms",
    instrument="histogram",
    unit="ms",
    description="Time spent waiting for each server-sent event, in milliseconds.",
    value_type="int",
    boundaries=None,
)


def record_sse_event_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
    *,
    kind: str,
    success: Success | Literal["true", "false"],
) -> None:
    """Time spent waiting for each server-sent event, in milliseconds.

    Records `codex.sse_event.duration_ms`: a histogram of int values in `ms`.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
        kind: `kind`, required. Type of the server-sent event, such as `response.completed`, as
            a metric tag; `unknown` when the stream itself failed or timed out (Codex's value).
        success: `success`, required. `"true"` for an event read without error, `"false"` for a
            failure.
    """
    if type(value) is not int:
        wrong_type("codex.sse_event.duration_ms", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range(
            "codex.sse_event.duration_ms", "value", "between 0 and 9223372036854775807", value
        )
    if not isinstance(kind, str):
        wrong_type("codex.sse_event.duration_ms", "kind", "str", kind)
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.sse_event.duration_ms", "success", "one of 'true', 'false'", success)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "kind": kind if type(kind) is str and kind.isascii() else plain_string(kind),
        "success": _success,
    }
    conversation.record_point(_METRIC_SSE_EVENT_DURATION_MS, value, _attributes)


_METRIC_TURN_TOKEN_USAGE: Final = MetricDefinition(
    name="codex.turn.token_usage",
    instrument="histogram",
    unit="{token}",
    description="Tokens a completed response used, one measurement per token type.",
    value_type="int",
    boundaries=(100, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 200000, 400000, 1000000),
)


def record_turn_token_usage(
    conversation: Conversation[Metadata],
    value: int,
    *,
    token_type: TokenType | Literal["input", "cached_input", "output", "reasoning_output", "total"],
) -> None:
    """Tokens a completed response used, one measurement per token type.

    Records `codex.turn.token_usage`: a histogram of int values in `{token}`. Bucket boundaries:
    100, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 200000, 400000, 1000000.

    Args:
        value: The value to record, in `{token}`. Must be at least 0.
        token_type: `token_type`, required. Which of a response's token counts a measurement is.
    """
    if type(value) is not int:
        wrong_type("codex.turn.token_usage", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("codex.turn.token_usage", "value", "between 0 and 9223372036854775807", value)
    _token_type = None
    if isinstance(token_type, (str, TokenType)):
        _token_type = _TOKEN_TYPE_WIRE.get(token_type)
    if _token_type is None:
        not_a_member(
            "codex.turn.token_usage",
            "token_type",
            "one of 'input', 'cached_input', 'output', 'reasoning_output', 'total'",
            token_type,
        )
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "token_type": _token_type,
    }
    conversation.record_point(_METRIC_TURN_TOKEN_USAGE, value, _attributes)
