# Generated from catalog.yaml (catalog version 1.6.0) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
# ruff: noqa: E501, SIM108, RUF100
"""Typed emitters for the events of catalog.yaml, and recorders for its metrics.

Catalog version 1.6.0.

Its spans are started by the helpers at the end (`<span>_span(conversation, ...)`), each
returning the scope of a typed handle.

Log events that describe each Codex run: startup, outbound API requests over HTTP and websockets,
authentication recovery, streamed responses, user prompts, tool-approval decisions, tool results and
sandbox outcomes, and plugin install suggestions.
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
    SpanDefinition,
    SpanHandle,
    SpanScope,
    metric_tag_value,
    not_a_member,
    out_of_range,
    wrong_type,
)

CATALOG_VERSION: Final = "1.6.0"

#: Privacy toggles the catalog's redaction policies name, with their defaults.
TOGGLES: Final[dict[str, bool]] = {
    "log_user_prompt": False,
    "log_tool_details": True,
    "log_error_details": True,
}

#: Every event this module emits, in catalog order.
EVENT_NAMES: Final[tuple[str, ...]] = (
    "codex.conversation_starts",
    "codex.api_request",
    "codex.websocket_connect",
    "codex.websocket_request",
    "codex.auth_recovery",
    "codex.sse_event",
    "codex.user_prompt",
    "codex.tool_decision",
    "codex.tool_result",
    "codex.sandbox_outcome",
    "codex.startup_phase",
    "codex.turn_ttft",
    "codex.plugin_install_elicitation_sent",
    "codex.plugin_install_suggestion",
)

#: Every metric this module records, in catalog order.
METRIC_NAMES: Final[tuple[str, ...]] = (
    "codex.api_request",
    "codex.api_request.duration_ms",
    "codex.tool.call",
    "codex.tool.call.duration_ms",
    "codex.sse_event",
    "codex.sse_event.duration_ms",
    "codex.websocket.request",
    "codex.websocket.request.duration_ms",
    "codex.websocket.event",
    "codex.websocket.event.duration_ms",
    "codex.turn.e2e_duration_ms",
    "codex.turn.ttft.duration_ms",
    "codex.turn.ttfm.duration_ms",
    "codex.turn.tool.call",
    "codex.turn.token_usage",
    "codex.startup.phase.duration_ms",
    "codex.thread.started",
)


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

    AUTOMATED_REVIEWER = "automated_reviewer"
    """Decided by an automated reviewer (Codex's guardian) instead of the user."""


#: Source members and their values, mapped to the value sent on the wire.
_SOURCE_WIRE: Final[dict[object, str]] = {
    Source.CONFIG: "config",
    Source.USER: "user",
    Source.AUTOMATED_REVIEWER: "automated_reviewer",
    "config": "config",
    "user": "user",
    "automated_reviewer": "automated_reviewer",
}


class TokenType(enum.Enum):
    """Which of a response's token counts a measurement is."""

    INPUT = "input"
    """Input tokens of the response."""

    CACHED_INPUT = "cached_input"
    """Input tokens served from the prompt cache."""

    CACHE_WRITE_INPUT = "cache_write_input"
    """Input tokens written to the prompt cache."""

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
    TokenType.CACHE_WRITE_INPUT: "cache_write_input",
    TokenType.OUTPUT: "output",
    TokenType.REASONING_OUTPUT: "reasoning_output",
    TokenType.TOTAL: "total",
    "input": "input",
    "cached_input": "cached_input",
    "cache_write_input": "cache_write_input",
    "output": "output",
    "reasoning_output": "reasoning_output",
    "total": "total",
}


class IsGit(enum.Enum):
    """Whether the thread's working directory is in a git repository, as a metric tag."""

    TRUE = "true"
    """The thread's working directory is in a git repository."""

    FALSE = "false"
    """It is not."""


#: IsGit members and their values, mapped to the value sent on the wire.
_IS_GIT_WIRE: Final[dict[object, str]] = {
    IsGit.TRUE: "true",
    IsGit.FALSE: "false",
    "true": "true",
    "false": "false",
}


class OperationName(enum.Enum):
    """The GenAI operation the span stands for."""

    CHAT = "chat"
    """A request to a model for a response (Codex's Responses API requests)."""

    TEXT_COMPLETION = "text_completion"
    """A request to a model's legacy completions API."""

    GENERATE_CONTENT = "generate_content"
    """A request to a model for multimodal content."""

    INVOKE_AGENT = "invoke_agent"
    """A run of the agent, such as one turn of a conversation."""

    EXECUTE_TOOL = "execute_tool"
    """A tool call the agent runs."""


#: OperationName members and their values, mapped to the value sent on the wire.
_OPERATION_NAME_WIRE: Final[dict[object, str]] = {
    OperationName.CHAT: "chat",
    OperationName.TEXT_COMPLETION: "text_completion",
    OperationName.GENERATE_CONTENT: "generate_content",
    OperationName.INVOKE_AGENT: "invoke_agent",
    OperationName.EXECUTE_TOOL: "execute_tool",
    "chat": "chat",
    "text_completion": "text_completion",
    "generate_content": "generate_content",
    "invoke_agent": "invoke_agent",
    "execute_tool": "execute_tool",
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
        "originator",
        "session_source",
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

    originator: str | None = None
    """originator: The client that started the session (Codex's originator, sanitised for metric
    tags), when known.
    """

    user_email: str | None = None
    """user.email: Email address of the signed-in user, when known."""

    session_source: str | None = None
    """session_source: Where the session was started from, when known; Codex tags every metric with
    it.
    """

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
        if self.originator is not None and not isinstance(self.originator, str):
            wrong_type("Metadata", "originator", "str", self.originator)
        if self.user_email is not None and not isinstance(self.user_email, str):
            wrong_type("Metadata", "user_email", "str", self.user_email)
        if self.session_source is not None and not isinstance(self.session_source, str):
            wrong_type("Metadata", "session_source", "str", self.session_source)

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
        if self.originator:  # unknown: None or empty, omitted either way
            attributes["originator"] = self.originator
        if self.user_email:  # unknown: None or empty, omitted either way
            attributes["user.email"] = self.user_email
        if self.session_source:  # unknown: None or empty, omitted either way
            attributes["session_source"] = self.session_source
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
    auth_env_openai_api_key_present: bool | None = None,
    auth_env_codex_api_key_present: bool | None = None,
    auth_env_codex_api_key_enabled: bool | None = None,
    auth_env_provider_key_name: str | None = None,
    auth_env_provider_key_present: bool | None = None,
    refresh_url_override_present: bool | None = None,
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
        auth_env_openai_api_key_present: `auth.env_openai_api_key_present`, optional. Whether
            the `OPENAI_API_KEY` environment variable is set.
        auth_env_codex_api_key_present: `auth.env_codex_api_key_present`, optional. Whether the
            `CODEX_API_KEY` environment variable is set.
        auth_env_codex_api_key_enabled: `auth.env_codex_api_key_enabled`, optional. Whether
            reading the API key from `CODEX_API_KEY` is enabled.
        auth_env_provider_key_name: `auth.env_provider_key_name`, conditional: when the provider
            reads its key from a variable. Name of the environment variable the model provider reads
            its API key from, when the provider has one (the name only).
        auth_env_provider_key_present: `auth.env_provider_key_present`, conditional: when the
            provider reads its key from a variable. Whether the provider's API key variable is set,
            when the provider has one.
        refresh_url_override_present: `auth.env_refresh_token_url_override_present`, optional.
            Whether the environment overrides the URL used to refresh sign-in tokens.
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
    if (
        auth_env_openai_api_key_present is not None
        and type(auth_env_openai_api_key_present) is not bool
    ):
        wrong_type(
            "codex.conversation_starts",
            "auth_env_openai_api_key_present",
            "bool",
            auth_env_openai_api_key_present,
        )
    if (
        auth_env_codex_api_key_present is not None
        and type(auth_env_codex_api_key_present) is not bool
    ):
        wrong_type(
            "codex.conversation_starts",
            "auth_env_codex_api_key_present",
            "bool",
            auth_env_codex_api_key_present,
        )
    if (
        auth_env_codex_api_key_enabled is not None
        and type(auth_env_codex_api_key_enabled) is not bool
    ):
        wrong_type(
            "codex.conversation_starts",
            "auth_env_codex_api_key_enabled",
            "bool",
            auth_env_codex_api_key_enabled,
        )
    if auth_env_provider_key_name is not None and not isinstance(auth_env_provider_key_name, str):
        wrong_type(
            "codex.conversation_starts",
            "auth_env_provider_key_name",
            "str",
            auth_env_provider_key_name,
        )
    if (
        auth_env_provider_key_present is not None
        and type(auth_env_provider_key_present) is not bool
    ):
        wrong_type(
            "codex.conversation_starts",
            "auth_env_provider_key_present",
            "bool",
            auth_env_provider_key_present,
        )
    if refresh_url_override_present is not None and type(refresh_url_override_present) is not bool:
        wrong_type(
            "codex.conversation_starts",
            "refresh_url_override_present",
            "bool",
            refresh_url_override_present,
        )
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
    if auth_env_openai_api_key_present is not None:
        _attributes["auth.env_openai_api_key_present"] = auth_env_openai_api_key_present
    if auth_env_codex_api_key_present is not None:
        _attributes["auth.env_codex_api_key_present"] = auth_env_codex_api_key_present
    if auth_env_codex_api_key_enabled is not None:
        _attributes["auth.env_codex_api_key_enabled"] = auth_env_codex_api_key_enabled
    if auth_env_provider_key_name is not None:
        _attributes["auth.env_provider_key_name"] = auth_env_provider_key_name
    if auth_env_provider_key_present is not None:
        _attributes["auth.env_provider_key_present"] = auth_env_provider_key_present
    if refresh_url_override_present is not None:
        _attributes["auth.env_refresh_token_url_override_present"] = refresh_url_override_present
    conversation.emit("codex.conversation_starts", _attributes)


def api_request(
    conversation: Conversation[Metadata],
    *,
    attempt: int,
    duration_ms: int,
    http_response_status_code: int | None = None,
    error_message: str | None = None,
    cf_ray: str | None = None,
    endpoint: str | None = None,
    auth_header_attached: bool | None = None,
    auth_header_name: str | None = None,
    auth_retry_after_unauthorized: bool | None = None,
    auth_recovery_mode: str | None = None,
    auth_recovery_phase: str | None = None,
    auth_env_openai_api_key_present: bool | None = None,
    auth_env_codex_api_key_present: bool | None = None,
    auth_env_codex_api_key_enabled: bool | None = None,
    auth_env_provider_key_name: str | None = None,
    auth_env_provider_key_present: bool | None = None,
    refresh_url_override_present: bool | None = None,
    auth_request_id: str | None = None,
    auth_cf_ray: str | None = None,
    auth_error: str | None = None,
    auth_error_code: str | None = None,
    auth_agent_id: str | None = None,
    auth_task_id: str | None = None,
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
            operation fail. Governed by the `log_error_details` toggle; when it is off, the wire
            carries the placeholder [REDACTED]. Cut to 4096 characters.
        cf_ray: `cf_ray`, optional. Value of the response's `cf-ray` header.
        endpoint: `endpoint`, optional. The model API endpoint the request or connection went
            to.
        auth_header_attached: `auth.header_attached`, optional. Whether an authorization header
            was attached to the request.
        auth_header_name: `auth.header_name`, conditional: when a header was attached. Name of
            the authorization header attached, when one was.
        auth_retry_after_unauthorized: `auth.retry_after_unauthorized`, optional. Whether this
            request retries one the server refused as unauthorized.
        auth_recovery_mode: `auth.recovery_mode`, conditional: during an authentication
            recovery. Mode of the authentication recovery in progress, when one is.
        auth_recovery_phase: `auth.recovery_phase`, conditional: during an authentication
            recovery. Phase of the authentication recovery in progress, when one is.
        auth_env_openai_api_key_present: `auth.env_openai_api_key_present`, optional. Whether
            the `OPENAI_API_KEY` environment variable is set.
        auth_env_codex_api_key_present: `auth.env_codex_api_key_present`, optional. Whether the
            `CODEX_API_KEY` environment variable is set.
        auth_env_codex_api_key_enabled: `auth.env_codex_api_key_enabled`, optional. Whether
            reading the API key from `CODEX_API_KEY` is enabled.
        auth_env_provider_key_name: `auth.env_provider_key_name`, conditional: when the provider
            reads its key from a variable. Name of the environment variable the model provider reads
            its API key from, when the provider has one (the name only).
        auth_env_provider_key_present: `auth.env_provider_key_present`, conditional: when the
            provider reads its key from a variable. Whether the provider's API key variable is set,
            when the provider has one.
        refresh_url_override_present: `auth.env_refresh_token_url_override_present`, optional.
            Whether the environment overrides the URL used to refresh sign-in tokens.
        auth_request_id: `auth.request_id`, optional. Identifier of the request as the server
            reported it, for authentication diagnostics.
        auth_cf_ray: `auth.cf_ray`, optional. Value of the response's `cf-ray` header, for
            authentication diagnostics.
        auth_error: `auth.error`, conditional: on an authentication failure. The authentication
            error the server or the client reported. Governed by the `log_error_details` toggle;
            when it is off, the wire carries the placeholder [REDACTED]. Cut to 4096 characters.
        auth_error_code: `auth.error_code`, conditional: on an authentication failure. Code of
            the authentication error.
        auth_agent_id: `auth.agent_id`, optional. Identifier of the agent the request was
            authenticated for, when any.
        auth_task_id: `auth.task_id`, optional. Identifier of the task the request was
            authenticated for, when any.
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
    if endpoint is not None and not isinstance(endpoint, str):
        wrong_type("codex.api_request", "endpoint", "str", endpoint)
    if auth_header_attached is not None and type(auth_header_attached) is not bool:
        wrong_type("codex.api_request", "auth_header_attached", "bool", auth_header_attached)
    if auth_header_name is not None and not isinstance(auth_header_name, str):
        wrong_type("codex.api_request", "auth_header_name", "str", auth_header_name)
    if (
        auth_retry_after_unauthorized is not None
        and type(auth_retry_after_unauthorized) is not bool
    ):
        wrong_type(
            "codex.api_request",
            "auth_retry_after_unauthorized",
            "bool",
            auth_retry_after_unauthorized,
        )
    if auth_recovery_mode is not None and not isinstance(auth_recovery_mode, str):
        wrong_type("codex.api_request", "auth_recovery_mode", "str", auth_recovery_mode)
    if auth_recovery_phase is not None and not isinstance(auth_recovery_phase, str):
        wrong_type("codex.api_request", "auth_recovery_phase", "str", auth_recovery_phase)
    if (
        auth_env_openai_api_key_present is not None
        and type(auth_env_openai_api_key_present) is not bool
    ):
        wrong_type(
            "codex.api_request",
            "auth_env_openai_api_key_present",
            "bool",
            auth_env_openai_api_key_present,
        )
    if (
        auth_env_codex_api_key_present is not None
        and type(auth_env_codex_api_key_present) is not bool
    ):
        wrong_type(
            "codex.api_request",
            "auth_env_codex_api_key_present",
            "bool",
            auth_env_codex_api_key_present,
        )
    if (
        auth_env_codex_api_key_enabled is not None
        and type(auth_env_codex_api_key_enabled) is not bool
    ):
        wrong_type(
            "codex.api_request",
            "auth_env_codex_api_key_enabled",
            "bool",
            auth_env_codex_api_key_enabled,
        )
    if auth_env_provider_key_name is not None and not isinstance(auth_env_provider_key_name, str):
        wrong_type(
            "codex.api_request", "auth_env_provider_key_name", "str", auth_env_provider_key_name
        )
    if (
        auth_env_provider_key_present is not None
        and type(auth_env_provider_key_present) is not bool
    ):
        wrong_type(
            "codex.api_request",
            "auth_env_provider_key_present",
            "bool",
            auth_env_provider_key_present,
        )
    if refresh_url_override_present is not None and type(refresh_url_override_present) is not bool:
        wrong_type(
            "codex.api_request",
            "refresh_url_override_present",
            "bool",
            refresh_url_override_present,
        )
    if auth_request_id is not None and not isinstance(auth_request_id, str):
        wrong_type("codex.api_request", "auth_request_id", "str", auth_request_id)
    if auth_cf_ray is not None and not isinstance(auth_cf_ray, str):
        wrong_type("codex.api_request", "auth_cf_ray", "str", auth_cf_ray)
    if auth_error is not None and not isinstance(auth_error, str):
        wrong_type("codex.api_request", "auth_error", "str", auth_error)
    if auth_error_code is not None and not isinstance(auth_error_code, str):
        wrong_type("codex.api_request", "auth_error_code", "str", auth_error_code)
    if auth_agent_id is not None and not isinstance(auth_agent_id, str):
        wrong_type("codex.api_request", "auth_agent_id", "str", auth_agent_id)
    if auth_task_id is not None and not isinstance(auth_task_id, str):
        wrong_type("codex.api_request", "auth_task_id", "str", auth_task_id)
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "attempt": attempt,
        "duration_ms": duration_ms,
    }
    if http_response_status_code is not None:
        _attributes["http.response.status_code"] = http_response_status_code
    if error_message is not None:
        conversation.protect(
            _attributes,
            "error.message",
            error_message,
            "log_error_details",
            "[REDACTED]",
            "redact",
            4096,
        )
    if cf_ray is not None:
        _attributes["cf_ray"] = cf_ray
    if endpoint is not None:
        _attributes["endpoint"] = endpoint
    if auth_header_attached is not None:
        _attributes["auth.header_attached"] = auth_header_attached
    if auth_header_name is not None:
        _attributes["auth.header_name"] = auth_header_name
    if auth_retry_after_unauthorized is not None:
        _attributes["auth.retry_after_unauthorized"] = auth_retry_after_unauthorized
    if auth_recovery_mode is not None:
        _attributes["auth.recovery_mode"] = auth_recovery_mode
    if auth_recovery_phase is not None:
        _attributes["auth.recovery_phase"] = auth_recovery_phase
    if auth_env_openai_api_key_present is not None:
        _attributes["auth.env_openai_api_key_present"] = auth_env_openai_api_key_present
    if auth_env_codex_api_key_present is not None:
        _attributes["auth.env_codex_api_key_present"] = auth_env_codex_api_key_present
    if auth_env_codex_api_key_enabled is not None:
        _attributes["auth.env_codex_api_key_enabled"] = auth_env_codex_api_key_enabled
    if auth_env_provider_key_name is not None:
        _attributes["auth.env_provider_key_name"] = auth_env_provider_key_name
    if auth_env_provider_key_present is not None:
        _attributes["auth.env_provider_key_present"] = auth_env_provider_key_present
    if refresh_url_override_present is not None:
        _attributes["auth.env_refresh_token_url_override_present"] = refresh_url_override_present
    if auth_request_id is not None:
        _attributes["auth.request_id"] = auth_request_id
    if auth_cf_ray is not None:
        _attributes["auth.cf_ray"] = auth_cf_ray
    if auth_error is not None:
        conversation.protect(
            _attributes, "auth.error", auth_error, "log_error_details", "[REDACTED]", "redact", 4096
        )
    if auth_error_code is not None:
        _attributes["auth.error_code"] = auth_error_code
    if auth_agent_id is not None:
        _attributes["auth.agent_id"] = auth_agent_id
    if auth_task_id is not None:
        _attributes["auth.task_id"] = auth_task_id
    conversation.emit("codex.api_request", _attributes)


def websocket_connect(
    conversation: Conversation[Metadata],
    *,
    duration_ms: int,
    success: Success | Literal["true", "false"],
    http_response_status_code: int | None = None,
    error_message: str | None = None,
    endpoint: str | None = None,
    auth_connection_reused: bool | None = None,
    auth_header_attached: bool | None = None,
    auth_header_name: str | None = None,
    auth_retry_after_unauthorized: bool | None = None,
    auth_recovery_mode: str | None = None,
    auth_recovery_phase: str | None = None,
    auth_env_openai_api_key_present: bool | None = None,
    auth_env_codex_api_key_present: bool | None = None,
    auth_env_codex_api_key_enabled: bool | None = None,
    auth_env_provider_key_name: str | None = None,
    auth_env_provider_key_present: bool | None = None,
    refresh_url_override_present: bool | None = None,
    auth_request_id: str | None = None,
    auth_cf_ray: str | None = None,
    auth_error: str | None = None,
    auth_error_code: str | None = None,
    auth_agent_id: str | None = None,
    auth_task_id: str | None = None,
) -> None:
    """One attempt to open the websocket connection to the model API, successful or not.

    Emits `codex.websocket_connect`.

    Args:
        duration_ms: `duration_ms`, required. Time from starting the connection to it being open
            or failing, in milliseconds. Must be at least 0.
        success: `success`, required. Whether the connection opened, as the string `"true"` or
            `"false"`.
        http_response_status_code: `http.response.status_code`, optional. HTTP status code of
            the response, when there was one. Must be between 0 and 65535.
        error_message: `error.message`, conditional: on failure. Text of the error that made the
            operation fail. Governed by the `log_error_details` toggle; when it is off, the wire
            carries the placeholder [REDACTED]. Cut to 4096 characters.
        endpoint: `endpoint`, optional. The model API endpoint the request or connection went
            to.
        auth_connection_reused: `auth.connection_reused`, optional. Whether an already open
            websocket connection was reused.
        auth_header_attached: `auth.header_attached`, optional. Whether an authorization header
            was attached to the request.
        auth_header_name: `auth.header_name`, conditional: when a header was attached. Name of
            the authorization header attached, when one was.
        auth_retry_after_unauthorized: `auth.retry_after_unauthorized`, optional. Whether this
            request retries one the server refused as unauthorized.
        auth_recovery_mode: `auth.recovery_mode`, conditional: during an authentication
            recovery. Mode of the authentication recovery in progress, when one is.
        auth_recovery_phase: `auth.recovery_phase`, conditional: during an authentication
            recovery. Phase of the authentication recovery in progress, when one is.
        auth_env_openai_api_key_present: `auth.env_openai_api_key_present`, optional. Whether
            the `OPENAI_API_KEY` environment variable is set.
        auth_env_codex_api_key_present: `auth.env_codex_api_key_present`, optional. Whether the
            `CODEX_API_KEY` environment variable is set.
        auth_env_codex_api_key_enabled: `auth.env_codex_api_key_enabled`, optional. Whether
            reading the API key from `CODEX_API_KEY` is enabled.
        auth_env_provider_key_name: `auth.env_provider_key_name`, conditional: when the provider
            reads its key from a variable. Name of the environment variable the model provider reads
            its API key from, when the provider has one (the name only).
        auth_env_provider_key_present: `auth.env_provider_key_present`, conditional: when the
            provider reads its key from a variable. Whether the provider's API key variable is set,
            when the provider has one.
        refresh_url_override_present: `auth.env_refresh_token_url_override_present`, optional.
            Whether the environment overrides the URL used to refresh sign-in tokens.
        auth_request_id: `auth.request_id`, optional. Identifier of the request as the server
            reported it, for authentication diagnostics.
        auth_cf_ray: `auth.cf_ray`, optional. Value of the response's `cf-ray` header, for
            authentication diagnostics.
        auth_error: `auth.error`, conditional: on an authentication failure. The authentication
            error the server or the client reported. Governed by the `log_error_details` toggle;
            when it is off, the wire carries the placeholder [REDACTED]. Cut to 4096 characters.
        auth_error_code: `auth.error_code`, conditional: on an authentication failure. Code of
            the authentication error.
        auth_agent_id: `auth.agent_id`, optional. Identifier of the agent the request was
            authenticated for, when any.
        auth_task_id: `auth.task_id`, optional. Identifier of the task the request was
            authenticated for, when any.
    """
    if type(duration_ms) is not int:
        wrong_type("codex.websocket_connect", "duration_ms", "int", duration_ms)
    if not 0 <= duration_ms <= INT64_MAX:
        out_of_range(
            "codex.websocket_connect",
            "duration_ms",
            "between 0 and 9223372036854775807",
            duration_ms,
        )
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.websocket_connect", "success", "one of 'true', 'false'", success)
    if http_response_status_code is not None:
        if type(http_response_status_code) is not int:
            wrong_type(
                "codex.websocket_connect",
                "http_response_status_code",
                "int",
                http_response_status_code,
            )
        if not 0 <= http_response_status_code <= 65535:
            out_of_range(
                "codex.websocket_connect",
                "http_response_status_code",
                "between 0 and 65535",
                http_response_status_code,
            )
    if error_message is not None and not isinstance(error_message, str):
        wrong_type("codex.websocket_connect", "error_message", "str", error_message)
    if endpoint is not None and not isinstance(endpoint, str):
        wrong_type("codex.websocket_connect", "endpoint", "str", endpoint)
    if auth_connection_reused is not None and type(auth_connection_reused) is not bool:
        wrong_type(
            "codex.websocket_connect", "auth_connection_reused", "bool", auth_connection_reused
        )
    if auth_header_attached is not None and type(auth_header_attached) is not bool:
        wrong_type("codex.websocket_connect", "auth_header_attached", "bool", auth_header_attached)
    if auth_header_name is not None and not isinstance(auth_header_name, str):
        wrong_type("codex.websocket_connect", "auth_header_name", "str", auth_header_name)
    if (
        auth_retry_after_unauthorized is not None
        and type(auth_retry_after_unauthorized) is not bool
    ):
        wrong_type(
            "codex.websocket_connect",
            "auth_retry_after_unauthorized",
            "bool",
            auth_retry_after_unauthorized,
        )
    if auth_recovery_mode is not None and not isinstance(auth_recovery_mode, str):
        wrong_type("codex.websocket_connect", "auth_recovery_mode", "str", auth_recovery_mode)
    if auth_recovery_phase is not None and not isinstance(auth_recovery_phase, str):
        wrong_type("codex.websocket_connect", "auth_recovery_phase", "str", auth_recovery_phase)
    if (
        auth_env_openai_api_key_present is not None
        and type(auth_env_openai_api_key_present) is not bool
    ):
        wrong_type(
            "codex.websocket_connect",
            "auth_env_openai_api_key_present",
            "bool",
            auth_env_openai_api_key_present,
        )
    if (
        auth_env_codex_api_key_present is not None
        and type(auth_env_codex_api_key_present) is not bool
    ):
        wrong_type(
            "codex.websocket_connect",
            "auth_env_codex_api_key_present",
            "bool",
            auth_env_codex_api_key_present,
        )
    if (
        auth_env_codex_api_key_enabled is not None
        and type(auth_env_codex_api_key_enabled) is not bool
    ):
        wrong_type(
            "codex.websocket_connect",
            "auth_env_codex_api_key_enabled",
            "bool",
            auth_env_codex_api_key_enabled,
        )
    if auth_env_provider_key_name is not None and not isinstance(auth_env_provider_key_name, str):
        wrong_type(
            "codex.websocket_connect",
            "auth_env_provider_key_name",
            "str",
            auth_env_provider_key_name,
        )
    if (
        auth_env_provider_key_present is not None
        and type(auth_env_provider_key_present) is not bool
    ):
        wrong_type(
            "codex.websocket_connect",
            "auth_env_provider_key_present",
            "bool",
            auth_env_provider_key_present,
        )
    if refresh_url_override_present is not None and type(refresh_url_override_present) is not bool:
        wrong_type(
            "codex.websocket_connect",
            "refresh_url_override_present",
            "bool",
            refresh_url_override_present,
        )
    if auth_request_id is not None and not isinstance(auth_request_id, str):
        wrong_type("codex.websocket_connect", "auth_request_id", "str", auth_request_id)
    if auth_cf_ray is not None and not isinstance(auth_cf_ray, str):
        wrong_type("codex.websocket_connect", "auth_cf_ray", "str", auth_cf_ray)
    if auth_error is not None and not isinstance(auth_error, str):
        wrong_type("codex.websocket_connect", "auth_error", "str", auth_error)
    if auth_error_code is not None and not isinstance(auth_error_code, str):
        wrong_type("codex.websocket_connect", "auth_error_code", "str", auth_error_code)
    if auth_agent_id is not None and not isinstance(auth_agent_id, str):
        wrong_type("codex.websocket_connect", "auth_agent_id", "str", auth_agent_id)
    if auth_task_id is not None and not isinstance(auth_task_id, str):
        wrong_type("codex.websocket_connect", "auth_task_id", "str", auth_task_id)
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "duration_ms": duration_ms,
        "success": _success,
    }
    if http_response_status_code is not None:
        _attributes["http.response.status_code"] = http_response_status_code
    if error_message is not None:
        conversation.protect(
            _attributes,
            "error.message",
            error_message,
            "log_error_details",
            "[REDACTED]",
            "redact",
            4096,
        )
    if endpoint is not None:
        _attributes["endpoint"] = endpoint
    if auth_connection_reused is not None:
        _attributes["auth.connection_reused"] = auth_connection_reused
    if auth_header_attached is not None:
        _attributes["auth.header_attached"] = auth_header_attached
    if auth_header_name is not None:
        _attributes["auth.header_name"] = auth_header_name
    if auth_retry_after_unauthorized is not None:
        _attributes["auth.retry_after_unauthorized"] = auth_retry_after_unauthorized
    if auth_recovery_mode is not None:
        _attributes["auth.recovery_mode"] = auth_recovery_mode
    if auth_recovery_phase is not None:
        _attributes["auth.recovery_phase"] = auth_recovery_phase
    if auth_env_openai_api_key_present is not None:
        _attributes["auth.env_openai_api_key_present"] = auth_env_openai_api_key_present
    if auth_env_codex_api_key_present is not None:
        _attributes["auth.env_codex_api_key_present"] = auth_env_codex_api_key_present
    if auth_env_codex_api_key_enabled is not None:
        _attributes["auth.env_codex_api_key_enabled"] = auth_env_codex_api_key_enabled
    if auth_env_provider_key_name is not None:
        _attributes["auth.env_provider_key_name"] = auth_env_provider_key_name
    if auth_env_provider_key_present is not None:
        _attributes["auth.env_provider_key_present"] = auth_env_provider_key_present
    if refresh_url_override_present is not None:
        _attributes["auth.env_refresh_token_url_override_present"] = refresh_url_override_present
    if auth_request_id is not None:
        _attributes["auth.request_id"] = auth_request_id
    if auth_cf_ray is not None:
        _attributes["auth.cf_ray"] = auth_cf_ray
    if auth_error is not None:
        conversation.protect(
            _attributes, "auth.error", auth_error, "log_error_details", "[REDACTED]", "redact", 4096
        )
    if auth_error_code is not None:
        _attributes["auth.error_code"] = auth_error_code
    if auth_agent_id is not None:
        _attributes["auth.agent_id"] = auth_agent_id
    if auth_task_id is not None:
        _attributes["auth.task_id"] = auth_task_id
    conversation.emit("codex.websocket_connect", _attributes)


def websocket_request(
    conversation: Conversation[Metadata],
    *,
    duration_ms: int,
    success: Success | Literal["true", "false"],
    error_message: str | None = None,
    auth_connection_reused: bool | None = None,
    auth_env_openai_api_key_present: bool | None = None,
    auth_env_codex_api_key_present: bool | None = None,
    auth_env_codex_api_key_enabled: bool | None = None,
    auth_env_provider_key_name: str | None = None,
    auth_env_provider_key_present: bool | None = None,
    refresh_url_override_present: bool | None = None,
    auth_agent_id: str | None = None,
    auth_task_id: str | None = None,
) -> None:
    """One request sent over the websocket connection, until its response ended or failed.

    Emits `codex.websocket_request`.

    Args:
        duration_ms: `duration_ms`, required. Time from sending the request to its end or
            failure, in milliseconds. Must be at least 0.
        success: `success`, required. Whether the request succeeded, as the string `"true"` or
            `"false"`.
        error_message: `error.message`, conditional: on failure. Text of the error that made the
            operation fail. Governed by the `log_error_details` toggle; when it is off, the wire
            carries the placeholder [REDACTED]. Cut to 4096 characters.
        auth_connection_reused: `auth.connection_reused`, optional. Whether an already open
            websocket connection was reused.
        auth_env_openai_api_key_present: `auth.env_openai_api_key_present`, optional. Whether
            the `OPENAI_API_KEY` environment variable is set.
        auth_env_codex_api_key_present: `auth.env_codex_api_key_present`, optional. Whether the
            `CODEX_API_KEY` environment variable is set.
        auth_env_codex_api_key_enabled: `auth.env_codex_api_key_enabled`, optional. Whether
            reading the API key from `CODEX_API_KEY` is enabled.
        auth_env_provider_key_name: `auth.env_provider_key_name`, conditional: when the provider
            reads its key from a variable. Name of the environment variable the model provider reads
            its API key from, when the provider has one (the name only).
        auth_env_provider_key_present: `auth.env_provider_key_present`, conditional: when the
            provider reads its key from a variable. Whether the provider's API key variable is set,
            when the provider has one.
        refresh_url_override_present: `auth.env_refresh_token_url_override_present`, optional.
            Whether the environment overrides the URL used to refresh sign-in tokens.
        auth_agent_id: `auth.agent_id`, optional. Identifier of the agent the request was
            authenticated for, when any.
        auth_task_id: `auth.task_id`, optional. Identifier of the task the request was
            authenticated for, when any.
    """
    if type(duration_ms) is not int:
        wrong_type("codex.websocket_request", "duration_ms", "int", duration_ms)
    if not 0 <= duration_ms <= INT64_MAX:
        out_of_range(
            "codex.websocket_request",
            "duration_ms",
            "between 0 and 9223372036854775807",
            duration_ms,
        )
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.websocket_request", "success", "one of 'true', 'false'", success)
    if error_message is not None and not isinstance(error_message, str):
        wrong_type("codex.websocket_request", "error_message", "str", error_message)
    if auth_connection_reused is not None and type(auth_connection_reused) is not bool:
        wrong_type(
            "codex.websocket_request", "auth_connection_reused", "bool", auth_connection_reused
        )
    if (
        auth_env_openai_api_key_present is not None
        and type(auth_env_openai_api_key_present) is not bool
    ):
        wrong_type(
            "codex.websocket_request",
            "auth_env_openai_api_key_present",
            "bool",
            auth_env_openai_api_key_present,
        )
    if (
        auth_env_codex_api_key_present is not None
        and type(auth_env_codex_api_key_present) is not bool
    ):
        wrong_type(
            "codex.websocket_request",
            "auth_env_codex_api_key_present",
            "bool",
            auth_env_codex_api_key_present,
        )
    if (
        auth_env_codex_api_key_enabled is not None
        and type(auth_env_codex_api_key_enabled) is not bool
    ):
        wrong_type(
            "codex.websocket_request",
            "auth_env_codex_api_key_enabled",
            "bool",
            auth_env_codex_api_key_enabled,
        )
    if auth_env_provider_key_name is not None and not isinstance(auth_env_provider_key_name, str):
        wrong_type(
            "codex.websocket_request",
            "auth_env_provider_key_name",
            "str",
            auth_env_provider_key_name,
        )
    if (
        auth_env_provider_key_present is not None
        and type(auth_env_provider_key_present) is not bool
    ):
        wrong_type(
            "codex.websocket_request",
            "auth_env_provider_key_present",
            "bool",
            auth_env_provider_key_present,
        )
    if refresh_url_override_present is not None and type(refresh_url_override_present) is not bool:
        wrong_type(
            "codex.websocket_request",
            "refresh_url_override_present",
            "bool",
            refresh_url_override_present,
        )
    if auth_agent_id is not None and not isinstance(auth_agent_id, str):
        wrong_type("codex.websocket_request", "auth_agent_id", "str", auth_agent_id)
    if auth_task_id is not None and not isinstance(auth_task_id, str):
        wrong_type("codex.websocket_request", "auth_task_id", "str", auth_task_id)
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "duration_ms": duration_ms,
        "success": _success,
    }
    if error_message is not None:
        conversation.protect(
            _attributes,
            "error.message",
            error_message,
            "log_error_details",
            "[REDACTED]",
            "redact",
            4096,
        )
    if auth_connection_reused is not None:
        _attributes["auth.connection_reused"] = auth_connection_reused
    if auth_env_openai_api_key_present is not None:
        _attributes["auth.env_openai_api_key_present"] = auth_env_openai_api_key_present
    if auth_env_codex_api_key_present is not None:
        _attributes["auth.env_codex_api_key_present"] = auth_env_codex_api_key_present
    if auth_env_codex_api_key_enabled is not None:
        _attributes["auth.env_codex_api_key_enabled"] = auth_env_codex_api_key_enabled
    if auth_env_provider_key_name is not None:
        _attributes["auth.env_provider_key_name"] = auth_env_provider_key_name
    if auth_env_provider_key_present is not None:
        _attributes["auth.env_provider_key_present"] = auth_env_provider_key_present
    if refresh_url_override_present is not None:
        _attributes["auth.env_refresh_token_url_override_present"] = refresh_url_override_present
    if auth_agent_id is not None:
        _attributes["auth.agent_id"] = auth_agent_id
    if auth_task_id is not None:
        _attributes["auth.task_id"] = auth_task_id
    conversation.emit("codex.websocket_request", _attributes)


def auth_recovery(
    conversation: Conversation[Metadata],
    *,
    auth_mode: str,
    auth_step: str,
    auth_outcome: str,
    auth_recovery_reason: str | None = None,
    auth_state_changed: bool | None = None,
    auth_request_id: str | None = None,
    auth_cf_ray: str | None = None,
    auth_error: str | None = None,
    auth_error_code: str | None = None,
) -> None:
    """A step of recovering from an authentication failure (such as refreshing a token).

    Emits `codex.auth_recovery`.

    Args:
        auth_mode: `auth.mode`, required. How the session authenticates, as the recovery saw it.
        auth_step: `auth.step`, required. The step of the authentication recovery this event
            reports.
        auth_outcome: `auth.outcome`, required. How that step ended.
        auth_recovery_reason: `auth.recovery_reason`, optional. Why the recovery was started,
            when known.
        auth_state_changed: `auth.state_changed`, optional. Whether the step changed the stored
            credentials, when known.
        auth_request_id: `auth.request_id`, optional. Identifier of the request as the server
            reported it, for authentication diagnostics.
        auth_cf_ray: `auth.cf_ray`, optional. Value of the response's `cf-ray` header, for
            authentication diagnostics.
        auth_error: `auth.error`, conditional: on an authentication failure. The authentication
            error the server or the client reported. Governed by the `log_error_details` toggle;
            when it is off, the wire carries the placeholder [REDACTED]. Cut to 4096 characters.
        auth_error_code: `auth.error_code`, conditional: on an authentication failure. Code of
            the authentication error.
    """
    if not isinstance(auth_mode, str):
        wrong_type("codex.auth_recovery", "auth_mode", "str", auth_mode)
    if not isinstance(auth_step, str):
        wrong_type("codex.auth_recovery", "auth_step", "str", auth_step)
    if not isinstance(auth_outcome, str):
        wrong_type("codex.auth_recovery", "auth_outcome", "str", auth_outcome)
    if auth_recovery_reason is not None and not isinstance(auth_recovery_reason, str):
        wrong_type("codex.auth_recovery", "auth_recovery_reason", "str", auth_recovery_reason)
    if auth_state_changed is not None and type(auth_state_changed) is not bool:
        wrong_type("codex.auth_recovery", "auth_state_changed", "bool", auth_state_changed)
    if auth_request_id is not None and not isinstance(auth_request_id, str):
        wrong_type("codex.auth_recovery", "auth_request_id", "str", auth_request_id)
    if auth_cf_ray is not None and not isinstance(auth_cf_ray, str):
        wrong_type("codex.auth_recovery", "auth_cf_ray", "str", auth_cf_ray)
    if auth_error is not None and not isinstance(auth_error, str):
        wrong_type("codex.auth_recovery", "auth_error", "str", auth_error)
    if auth_error_code is not None and not isinstance(auth_error_code, str):
        wrong_type("codex.auth_recovery", "auth_error_code", "str", auth_error_code)
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "auth.mode": auth_mode,
        "auth.step": auth_step,
        "auth.outcome": auth_outcome,
    }
    if auth_recovery_reason is not None:
        _attributes["auth.recovery_reason"] = auth_recovery_reason
    if auth_state_changed is not None:
        _attributes["auth.state_changed"] = auth_state_changed
    if auth_request_id is not None:
        _attributes["auth.request_id"] = auth_request_id
    if auth_cf_ray is not None:
        _attributes["auth.cf_ray"] = auth_cf_ray
    if auth_error is not None:
        conversation.protect(
            _attributes, "auth.error", auth_error, "log_error_details", "[REDACTED]", "redact", 4096
        )
    if auth_error_code is not None:
        _attributes["auth.error_code"] = auth_error_code
    conversation.emit("codex.auth_recovery", _attributes)


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
    cache_write_token_count: int | None = None,
    ttft_ms: int | None = None,
    service_tier: str | None = None,
    model_reasoning_effort: str | None = None,
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
            operation fail. Governed by the `log_error_details` toggle; when it is off, the wire
            carries the placeholder [REDACTED]. Cut to 4096 characters.
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
        cache_write_token_count: `cache_write_token_count`, conditional: on a successful
            response.completed only. Input tokens written to the prompt cache. Must be at least 0.
        ttft_ms: `ttft_ms`, conditional: on a successful response.completed only, when known.
            Time to the response's first token, in milliseconds, when known. Must be at least 0.
        service_tier: `service_tier`, conditional: on a successful response.completed only, when
            reported. Service tier the response was served with, when reported.
        model_reasoning_effort: `model_reasoning_effort`, conditional: on a successful
            response.completed only, when known. Reasoning effort the response was produced with,
            when known.
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
    if cache_write_token_count is not None:
        if type(cache_write_token_count) is not int:
            wrong_type("codex.sse_event", "cache_write_token_count", "int", cache_write_token_count)
        if not 0 <= cache_write_token_count <= INT64_MAX:
            out_of_range(
                "codex.sse_event",
                "cache_write_token_count",
                "between 0 and 9223372036854775807",
                cache_write_token_count,
            )
    if ttft_ms is not None:
        if type(ttft_ms) is not int:
            wrong_type("codex.sse_event", "ttft_ms", "int", ttft_ms)
        if not 0 <= ttft_ms <= INT64_MAX:
            out_of_range("codex.sse_event", "ttft_ms", "between 0 and 9223372036854775807", ttft_ms)
    if service_tier is not None and not isinstance(service_tier, str):
        wrong_type("codex.sse_event", "service_tier", "str", service_tier)
    if model_reasoning_effort is not None and not isinstance(model_reasoning_effort, str):
        wrong_type("codex.sse_event", "model_reasoning_effort", "str", model_reasoning_effort)
    if not conversation.recording:
        return
    _attributes: Attributes = {}
    if event_kind is not None:
        _attributes["event.kind"] = event_kind
    if duration_ms is not None:
        _attributes["duration_ms"] = duration_ms
    if error_message is not None:
        conversation.protect(
            _attributes,
            "error.message",
            error_message,
            "log_error_details",
            "[REDACTED]",
            "redact",
            4096,
        )
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
    if cache_write_token_count is not None:
        _attributes["cache_write_token_count"] = cache_write_token_count
    if ttft_ms is not None:
        _attributes["ttft_ms"] = ttft_ms
    if service_tier is not None:
        _attributes["service_tier"] = service_tier
    if model_reasoning_effort is not None:
        _attributes["model_reasoning_effort"] = model_reasoning_effort
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
        prompt: `prompt`, required. Text of the user's prompt. Governed by the `log_user_prompt`
            toggle; when it is off, the wire carries the placeholder [REDACTED]. Cut to 16384
            characters.
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
    _attributes: Attributes = {
        "prompt_length": prompt_length,
    }
    conversation.protect(
        _attributes, "prompt", prompt, "log_user_prompt", "[REDACTED]", "redact", 16384
    )
    conversation.emit("codex.user_prompt", _attributes)


def tool_decision(
    conversation: Conversation[Metadata],
    *,
    tool_name: str,
    call_id: str,
    decision: Decision | Literal["approved", "approved_for_session", "denied", "abort"],
    source: Source | Literal["config", "user", "automated_reviewer"],
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
        not_a_member(
            "codex.tool_decision", "source", "one of 'config', 'user', 'automated_reviewer'", source
        )
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
    mcp_server: str | None = None,
    mcp_server_origin: str | None = None,
) -> None:
    """A tool call finished, or failed before it could run.

    Emits `codex.tool_result`.

    Args:
        tool_name: `tool_name`, required. Name of the tool.
        call_id: `call_id`, conditional: absent when the tool failed before it ran. Identifier
            of the tool call, as given by the model.
        arguments: `arguments`, conditional: absent when the tool failed before it ran.
            Arguments of the tool call, as the model sent them. Governed by the `log_tool_details`
            toggle; when it is off, the wire carries the placeholder [REDACTED]. Cut to 16384
            characters.
        duration_ms: `duration_ms`, required. Execution time of the tool in milliseconds; 0 when
            it failed before it ran. Must be at least 0.
        success: `success`, required. Whether the tool call succeeded, as the string `"true"` or
            `"false"`.
        output: `output`, required. Output of the tool, or the text of its error when it failed.
            Governed by the `log_tool_details` toggle; when it is off, the wire carries the
            placeholder [REDACTED]. Cut to 16384 characters.
        mcp_server: `mcp_server`, conditional: for an MCP tool. Name of the MCP server that
            provides the tool, for an MCP tool.
        mcp_server_origin: `mcp_server_origin`, conditional: for an MCP tool. Where that MCP
            server is configured or served from, for an MCP tool.
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
    if mcp_server is not None and not isinstance(mcp_server, str):
        wrong_type("codex.tool_result", "mcp_server", "str", mcp_server)
    if mcp_server_origin is not None and not isinstance(mcp_server_origin, str):
        wrong_type("codex.tool_result", "mcp_server_origin", "str", mcp_server_origin)
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "tool_name": tool_name,
        "duration_ms": duration_ms,
        "success": _success,
    }
    conversation.protect(
        _attributes, "output", output, "log_tool_details", "[REDACTED]", "redact", 16384
    )
    if call_id is not None:
        _attributes["call_id"] = call_id
    if arguments is not None:
        conversation.protect(
            _attributes, "arguments", arguments, "log_tool_details", "[REDACTED]", "redact", 16384
        )
    if mcp_server is not None:
        _attributes["mcp_server"] = mcp_server
    if mcp_server_origin is not None:
        _attributes["mcp_server_origin"] = mcp_server_origin
    conversation.emit("codex.tool_result", _attributes)


def sandbox_outcome(
    conversation: Conversation[Metadata],
    *,
    tool_name: str,
    call_id: str,
    outcome: str,
    initial_duration_ms: int,
    escalated_duration_ms: int | None = None,
) -> None:
    """How a command run in the sandbox ended, with the duration of the sandboxed run and of the
    rerun with escalated permissions when there was one.

    Emits `codex.sandbox_outcome`.

    Args:
        tool_name: `tool_name`, required. Name of the tool.
        call_id: `call_id`, required. Identifier of the tool call, as given by the model.
        outcome: `outcome`, required. How the sandboxed command ended, as Codex names it.
        initial_duration_ms: `initial_duration_ms`, required. Duration of the first run, in the
            sandbox, in milliseconds. Must be at least 0.
        escalated_duration_ms: `escalated_duration_ms`, conditional: when the command was rerun
            with escalated permissions. Duration of the rerun with escalated permissions (outside
            the sandbox), in milliseconds, when there was one. Must be at least 0.
    """
    if not isinstance(tool_name, str):
        wrong_type("codex.sandbox_outcome", "tool_name", "str", tool_name)
    if not isinstance(call_id, str):
        wrong_type("codex.sandbox_outcome", "call_id", "str", call_id)
    if not isinstance(outcome, str):
        wrong_type("codex.sandbox_outcome", "outcome", "str", outcome)
    if type(initial_duration_ms) is not int:
        wrong_type("codex.sandbox_outcome", "initial_duration_ms", "int", initial_duration_ms)
    if not 0 <= initial_duration_ms <= INT64_MAX:
        out_of_range(
            "codex.sandbox_outcome",
            "initial_duration_ms",
            "between 0 and 9223372036854775807",
            initial_duration_ms,
        )
    if escalated_duration_ms is not None:
        if type(escalated_duration_ms) is not int:
            wrong_type(
                "codex.sandbox_outcome", "escalated_duration_ms", "int", escalated_duration_ms
            )
        if not 0 <= escalated_duration_ms <= INT64_MAX:
            out_of_range(
                "codex.sandbox_outcome",
                "escalated_duration_ms",
                "between 0 and 9223372036854775807",
                escalated_duration_ms,
            )
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "tool_name": tool_name,
        "call_id": call_id,
        "outcome": outcome,
        "initial_duration_ms": initial_duration_ms,
    }
    if escalated_duration_ms is not None:
        _attributes["escalated_duration_ms"] = escalated_duration_ms
    conversation.emit("codex.sandbox_outcome", _attributes)


def startup_phase(
    conversation: Conversation[Metadata],
    *,
    startup_phase: str,
    duration_ms: int,
    startup_status: str | None = None,
) -> None:
    """A phase of starting a thread (or of prewarming the first turn) finished.

    Emits `codex.startup_phase`.

    Args:
        startup_phase: `startup.phase`, required. The startup phase that was timed.
        startup_status: `startup.status`, optional. How the phase ended, when it reports it.
        duration_ms: `duration_ms`, required. Duration of the phase in milliseconds. Must be at
            least 0.
    """
    if not isinstance(startup_phase, str):
        wrong_type("codex.startup_phase", "startup_phase", "str", startup_phase)
    if type(duration_ms) is not int:
        wrong_type("codex.startup_phase", "duration_ms", "int", duration_ms)
    if not 0 <= duration_ms <= INT64_MAX:
        out_of_range(
            "codex.startup_phase", "duration_ms", "between 0 and 9223372036854775807", duration_ms
        )
    if startup_status is not None and not isinstance(startup_status, str):
        wrong_type("codex.startup_phase", "startup_status", "str", startup_status)
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "startup.phase": startup_phase,
        "duration_ms": duration_ms,
    }
    if startup_status is not None:
        _attributes["startup.status"] = startup_status
    conversation.emit("codex.startup_phase", _attributes)


def turn_ttft(
    conversation: Conversation[Metadata],
    *,
    duration_ms: int,
) -> None:
    """The first token of a turn's response arrived.

    Emits `codex.turn_ttft`.

    Args:
        duration_ms: `duration_ms`, required. Time from the start of the turn to its first
            token, in milliseconds. Must be at least 0.
    """
    if type(duration_ms) is not int:
        wrong_type("codex.turn_ttft", "duration_ms", "int", duration_ms)
    if not 0 <= duration_ms <= INT64_MAX:
        out_of_range(
            "codex.turn_ttft", "duration_ms", "between 0 and 9223372036854775807", duration_ms
        )
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "duration_ms": duration_ms,
    }
    conversation.emit("codex.turn_ttft", _attributes)


def plugin_install_elicitation_sent(
    conversation: Conversation[Metadata],
    *,
    plugin_install_tool_type: str,
    plugin_install_tool_id: str,
    plugin_install_tool_name: str,
) -> None:
    """The user was asked whether to install the plugin that provides a tool.

    Emits `codex.plugin_install_elicitation_sent`.

    Args:
        plugin_install_tool_type: `plugin_install.tool_type`, required. Kind of the tool a
            plugin install was suggested for.
        plugin_install_tool_id: `plugin_install.tool_id`, required. Identifier of that tool.
        plugin_install_tool_name: `plugin_install.tool_name`, required. Name of that tool.
    """
    if not isinstance(plugin_install_tool_type, str):
        wrong_type(
            "codex.plugin_install_elicitation_sent",
            "plugin_install_tool_type",
            "str",
            plugin_install_tool_type,
        )
    if not isinstance(plugin_install_tool_id, str):
        wrong_type(
            "codex.plugin_install_elicitation_sent",
            "plugin_install_tool_id",
            "str",
            plugin_install_tool_id,
        )
    if not isinstance(plugin_install_tool_name, str):
        wrong_type(
            "codex.plugin_install_elicitation_sent",
            "plugin_install_tool_name",
            "str",
            plugin_install_tool_name,
        )
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "plugin_install.tool_type": plugin_install_tool_type,
        "plugin_install.tool_id": plugin_install_tool_id,
        "plugin_install.tool_name": plugin_install_tool_name,
    }
    conversation.emit("codex.plugin_install_elicitation_sent", _attributes)


def plugin_install_suggestion(
    conversation: Conversation[Metadata],
    *,
    plugin_install_tool_type: str,
    plugin_install_tool_id: str,
    plugin_install_tool_name: str,
    plugin_install_response_action: str,
    plugin_install_user_confirmed: bool,
    plugin_install_completed: bool,
) -> None:
    """The user answered a suggestion to install the plugin that provides a tool.

    Emits `codex.plugin_install_suggestion`.

    Args:
        plugin_install_tool_type: `plugin_install.tool_type`, required. Kind of the tool a
            plugin install was suggested for.
        plugin_install_tool_id: `plugin_install.tool_id`, required. Identifier of that tool.
        plugin_install_tool_name: `plugin_install.tool_name`, required. Name of that tool.
        plugin_install_response_action: `plugin_install.response_action`, required. How the user
            answered the suggestion.
        plugin_install_user_confirmed: `plugin_install.user_confirmed`, required. Whether the
            user confirmed the install.
        plugin_install_completed: `plugin_install.completed`, required. Whether the install
            completed.
    """
    if not isinstance(plugin_install_tool_type, str):
        wrong_type(
            "codex.plugin_install_suggestion",
            "plugin_install_tool_type",
            "str",
            plugin_install_tool_type,
        )
    if not isinstance(plugin_install_tool_id, str):
        wrong_type(
            "codex.plugin_install_suggestion",
            "plugin_install_tool_id",
            "str",
            plugin_install_tool_id,
        )
    if not isinstance(plugin_install_tool_name, str):
        wrong_type(
            "codex.plugin_install_suggestion",
            "plugin_install_tool_name",
            "str",
            plugin_install_tool_name,
        )
    if not isinstance(plugin_install_response_action, str):
        wrong_type(
            "codex.plugin_install_suggestion",
            "plugin_install_response_action",
            "str",
            plugin_install_response_action,
        )
    if type(plugin_install_user_confirmed) is not bool:
        wrong_type(
            "codex.plugin_install_suggestion",
            "plugin_install_user_confirmed",
            "bool",
            plugin_install_user_confirmed,
        )
    if type(plugin_install_completed) is not bool:
        wrong_type(
            "codex.plugin_install_suggestion",
            "plugin_install_completed",
            "bool",
            plugin_install_completed,
        )
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "plugin_install.tool_type": plugin_install_tool_type,
        "plugin_install.tool_id": plugin_install_tool_id,
        "plugin_install.tool_name": plugin_install_tool_name,
        "plugin_install.response_action": plugin_install_response_action,
        "plugin_install.user_confirmed": plugin_install_user_confirmed,
        "plugin_install.completed": plugin_install_completed,
    }
    conversation.emit("codex.plugin_install_suggestion", _attributes)


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
        "status": metric_tag_value(status),
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
    boundaries=(
        0,
        5,
        10,
        25,
        50,
        75,
        100,
        250,
        500,
        750,
        1000,
        1250,
        1500,
        1750,
        2000,
        2250,
        2500,
        3000,
        3500,
        4000,
        4500,
        5000,
        6000,
        7000,
        7500,
        8000,
        9000,
        10000,
        12000,
        15000,
        20000,
        30000,
        60000,
        120000,
        300000,
    ),
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
    0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 3000, 3500,
    4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 30000, 60000,
    120000, 300000.

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
        "status": metric_tag_value(status),
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
    sandbox: str | None = None,
    sandbox_policy: str | None = None,
) -> None:
    """Tool calls that finished, or failed before they could run.

    Records `codex.tool.call`: a counter of int values in `{call}`.

    Args:
        value: The value to record, in `{call}` (1 when left out). Must be at least 0.
        tool: `tool`, required. Name of the tool, as a metric tag.
        success: `success`, required. Whether the tool call succeeded, as the string `"true"` or
            `"false"`.
        sandbox: `sandbox`, optional. Sandbox a tool call ran in, as a metric tag: `none`,
            `external`, or the platform's (`seatbelt`, `seccomp`, `windows_sandbox`,
            `windows_elevated`), as Codex names it.
        sandbox_policy: `sandbox_policy`, optional. Sandbox policy of the turn, as Codex tags
            it: `read-only`, `workspace-write`, `danger-full-access` or `external-sandbox`.
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
    if sandbox is not None and not isinstance(sandbox, str):
        wrong_type("codex.tool.call", "sandbox", "str", sandbox)
    if sandbox_policy is not None and not isinstance(sandbox_policy, str):
        wrong_type("codex.tool.call", "sandbox_policy", "str", sandbox_policy)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "tool": metric_tag_value(tool),
        "success": _success,
    }
    if sandbox is not None:
        _attributes["sandbox"] = metric_tag_value(sandbox)
    if sandbox_policy is not None:
        _attributes["sandbox_policy"] = metric_tag_value(sandbox_policy)
    conversation.record_point(_METRIC_TOOL_CALL, value, _attributes)


_METRIC_TOOL_CALL_DURATION_MS: Final = MetricDefinition(
    name="codex.tool.call.duration_ms",
    instrument="histogram",
    unit="ms",
    description="Execution time of tool calls in milliseconds; 0 when a call failed before it ran.",
    value_type="int",
    boundaries=(
        0,
        5,
        10,
        25,
        50,
        75,
        100,
        250,
        500,
        750,
        1000,
        1250,
        1500,
        1750,
        2000,
        2250,
        2500,
        3000,
        3500,
        4000,
        4500,
        5000,
        6000,
        7000,
        7500,
        8000,
        9000,
        10000,
        12000,
        15000,
        20000,
        30000,
        60000,
        120000,
    ),
)


def record_tool_call_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
    *,
    tool: str,
    success: Success | Literal["true", "false"],
    sandbox: str | None = None,
    sandbox_policy: str | None = None,
) -> None:
    """Execution time of tool calls in milliseconds; 0 when a call failed before it ran.

    Records `codex.tool.call.duration_ms`: a histogram of int values in `ms`. Bucket boundaries: 0,
    5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 3000, 3500,
    4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 30000, 60000,
    120000.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
        tool: `tool`, required. Name of the tool, as a metric tag.
        success: `success`, required. Whether the tool call succeeded, as the string `"true"` or
            `"false"`.
        sandbox: `sandbox`, optional. Sandbox a tool call ran in, as a metric tag: `none`,
            `external`, or the platform's (`seatbelt`, `seccomp`, `windows_sandbox`,
            `windows_elevated`), as Codex names it.
        sandbox_policy: `sandbox_policy`, optional. Sandbox policy of the turn, as Codex tags
            it: `read-only`, `workspace-write`, `danger-full-access` or `external-sandbox`.
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
    if sandbox is not None and not isinstance(sandbox, str):
        wrong_type("codex.tool.call.duration_ms", "sandbox", "str", sandbox)
    if sandbox_policy is not None and not isinstance(sandbox_policy, str):
        wrong_type("codex.tool.call.duration_ms", "sandbox_policy", "str", sandbox_policy)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "tool": metric_tag_value(tool),
        "success": _success,
    }
    if sandbox is not None:
        _attributes["sandbox"] = metric_tag_value(sandbox)
    if sandbox_policy is not None:
        _attributes["sandbox_policy"] = metric_tag_value(sandbox_policy)
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
        "kind": metric_tag_value(kind),
        "success": _success,
    }
    conversation.record_point(_METRIC_SSE_EVENT, value, _attributes)


_METRIC_SSE_EVENT_DURATION_MS: Final = MetricDefinition(
    name="codex.sse_event.duration_ms",
    instrument="histogram",
    unit="ms",
    description="Time spent waiting for each server-sent event, in milliseconds.",
    value_type="int",
    boundaries=(
        0,
        5,
        10,
        25,
        50,
        75,
        100,
        250,
        500,
        750,
        1000,
        1250,
        1500,
        1750,
        2000,
        2250,
        2500,
        3000,
        3500,
        4000,
        4500,
        5000,
        6000,
        7000,
        7500,
        8000,
        9000,
        10000,
        12000,
        15000,
        20000,
        30000,
        60000,
        120000,
    ),
)


def record_sse_event_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
    *,
    kind: str,
    success: Success | Literal["true", "false"],
) -> None:
    """Time spent waiting for each server-sent event, in milliseconds.

    Records `codex.sse_event.duration_ms`: a histogram of int values in `ms`. Bucket boundaries: 0,
    5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 3000, 3500,
    4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 30000, 60000,
    120000.

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
        "kind": metric_tag_value(kind),
        "success": _success,
    }
    conversation.record_point(_METRIC_SSE_EVENT_DURATION_MS, value, _attributes)


_METRIC_WEBSOCKET_REQUEST: Final = MetricDefinition(
    name="codex.websocket.request",
    instrument="counter",
    unit="{request}",
    description="Requests sent over the websocket connection to the model API, successful or not.",
    value_type="int",
    boundaries=None,
)


def record_websocket_request(
    conversation: Conversation[Metadata],
    value: int = 1,
    *,
    success: Success | Literal["true", "false"],
) -> None:
    """Requests sent over the websocket connection to the model API, successful or not.

    Records `codex.websocket.request`: a counter of int values in `{request}`.

    Args:
        value: The value to record, in `{request}` (1 when left out). Must be at least 0.
        success: `success`, required. `"true"` for a request that succeeded, else `"false"`.
    """
    if type(value) is not int:
        wrong_type("codex.websocket.request", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("codex.websocket.request", "value", "between 0 and 9223372036854775807", value)
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.websocket.request", "success", "one of 'true', 'false'", success)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "success": _success,
    }
    conversation.record_point(_METRIC_WEBSOCKET_REQUEST, value, _attributes)


_METRIC_WEBSOCKET_REQUEST_DURATION_MS: Final = MetricDefinition(
    name="codex.websocket.request.duration_ms",
    instrument="histogram",
    unit="ms",
    description="Time from sending a websocket request to its end or failure, in milliseconds.",
    value_type="int",
    boundaries=(
        0,
        5,
        10,
        25,
        50,
        75,
        100,
        250,
        500,
        750,
        1000,
        1250,
        1500,
        1750,
        2000,
        2250,
        2500,
        3000,
        3500,
        4000,
        4500,
        5000,
        6000,
        7000,
        7500,
        8000,
        9000,
        10000,
        12000,
        15000,
        20000,
        30000,
        60000,
        120000,
    ),
)


def record_websocket_request_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
    *,
    success: Success | Literal["true", "false"],
) -> None:
    """Time from sending a websocket request to its end or failure, in milliseconds.

    Records `codex.websocket.request.duration_ms`: a histogram of int values in `ms`. Bucket
    boundaries: 0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500,
    3000, 3500, 4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 30000,
    60000, 120000.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
        success: `success`, required. `"true"` for a request that succeeded, else `"false"`.
    """
    if type(value) is not int:
        wrong_type("codex.websocket.request.duration_ms", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range(
            "codex.websocket.request.duration_ms",
            "value",
            "between 0 and 9223372036854775807",
            value,
        )
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member(
            "codex.websocket.request.duration_ms", "success", "one of 'true', 'false'", success
        )
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "success": _success,
    }
    conversation.record_point(_METRIC_WEBSOCKET_REQUEST_DURATION_MS, value, _attributes)


_METRIC_WEBSOCKET_EVENT: Final = MetricDefinition(
    name="codex.websocket.event",
    instrument="counter",
    unit="{event}",
    description="Messages received over the websocket connection, and failures reading one.",
    value_type="int",
    boundaries=None,
)


def record_websocket_event(
    conversation: Conversation[Metadata],
    value: int = 1,
    *,
    kind: str,
    success: Success | Literal["true", "false"],
) -> None:
    """Messages received over the websocket connection, and failures reading one.

    Records `codex.websocket.event`: a counter of int values in `{event}`.

    Args:
        value: The value to record, in `{event}` (1 when left out). Must be at least 0.
        kind: `kind`, required. Type of the message; `unknown` when it has none, `parse_error`
            when it could not be parsed (Codex's values).
        success: `success`, required. `"true"` for a message read without error, `"false"` for a
            failure.
    """
    if type(value) is not int:
        wrong_type("codex.websocket.event", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("codex.websocket.event", "value", "between 0 and 9223372036854775807", value)
    if not isinstance(kind, str):
        wrong_type("codex.websocket.event", "kind", "str", kind)
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member("codex.websocket.event", "success", "one of 'true', 'false'", success)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "kind": metric_tag_value(kind),
        "success": _success,
    }
    conversation.record_point(_METRIC_WEBSOCKET_EVENT, value, _attributes)


_METRIC_WEBSOCKET_EVENT_DURATION_MS: Final = MetricDefinition(
    name="codex.websocket.event.duration_ms",
    instrument="histogram",
    unit="ms",
    description="Time spent waiting for each websocket message, in milliseconds.",
    value_type="int",
    boundaries=(
        0,
        5,
        10,
        25,
        50,
        75,
        100,
        250,
        500,
        750,
        1000,
        1250,
        1500,
        1750,
        2000,
        2250,
        2500,
        3000,
        3500,
        4000,
        4500,
        5000,
        6000,
        7000,
        7500,
        8000,
        9000,
        10000,
        12000,
        15000,
        20000,
        30000,
        60000,
        120000,
    ),
)


def record_websocket_event_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
    *,
    kind: str,
    success: Success | Literal["true", "false"],
) -> None:
    """Time spent waiting for each websocket message, in milliseconds.

    Records `codex.websocket.event.duration_ms`: a histogram of int values in `ms`. Bucket
    boundaries: 0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500,
    3000, 3500, 4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 30000,
    60000, 120000.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
        kind: `kind`, required. Type of the message; `unknown` when it has none, `parse_error`
            when it could not be parsed (Codex's values).
        success: `success`, required. `"true"` for a message read without error, `"false"` for a
            failure.
    """
    if type(value) is not int:
        wrong_type("codex.websocket.event.duration_ms", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range(
            "codex.websocket.event.duration_ms", "value", "between 0 and 9223372036854775807", value
        )
    if not isinstance(kind, str):
        wrong_type("codex.websocket.event.duration_ms", "kind", "str", kind)
    _success = None
    if isinstance(success, (str, Success)):
        _success = _SUCCESS_WIRE.get(success)
    if _success is None:
        not_a_member(
            "codex.websocket.event.duration_ms", "success", "one of 'true', 'false'", success
        )
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "kind": metric_tag_value(kind),
        "success": _success,
    }
    conversation.record_point(_METRIC_WEBSOCKET_EVENT_DURATION_MS, value, _attributes)


_METRIC_TURN_E2E_DURATION_MS: Final = MetricDefinition(
    name="codex.turn.e2e_duration_ms",
    instrument="histogram",
    unit="ms",
    description="Time from the start of a turn to its end, in milliseconds.",
    value_type="int",
    boundaries=(
        0,
        5,
        10,
        25,
        50,
        75,
        100,
        250,
        500,
        750,
        1000,
        1250,
        1500,
        1750,
        2000,
        2250,
        2500,
        3000,
        3500,
        4000,
        4500,
        5000,
        6000,
        7000,
        7500,
        8000,
        9000,
        10000,
        12000,
        15000,
        20000,
        30000,
        60000,
        120000,
    ),
)


def record_turn_e2e_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
) -> None:
    """Time from the start of a turn to its end, in milliseconds.

    Records `codex.turn.e2e_duration_ms`: a histogram of int values in `ms`. Bucket boundaries: 0,
    5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 3000, 3500,
    4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 30000, 60000,
    120000.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
    """
    if type(value) is not int:
        wrong_type("codex.turn.e2e_duration_ms", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range(
            "codex.turn.e2e_duration_ms", "value", "between 0 and 9223372036854775807", value
        )
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = dict(conversation.metric_attributes)
    conversation.record_point(_METRIC_TURN_E2E_DURATION_MS, value, _attributes)


_METRIC_TURN_TTFT_DURATION_MS: Final = MetricDefinition(
    name="codex.turn.ttft.duration_ms",
    instrument="histogram",
    unit="ms",
    description="Time from the start of a turn to the first token of its response, in milliseconds.",
    value_type="int",
    boundaries=(
        0,
        5,
        10,
        25,
        50,
        75,
        100,
        250,
        500,
        750,
        1000,
        1250,
        1500,
        1750,
        2000,
        2250,
        2500,
        3000,
        3500,
        4000,
        4500,
        5000,
        6000,
        7000,
        7500,
        8000,
        9000,
        10000,
        12000,
        15000,
        20000,
        30000,
        60000,
        120000,
    ),
)


def record_turn_ttft_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
) -> None:
    """Time from the start of a turn to the first token of its response, in milliseconds.

    Records `codex.turn.ttft.duration_ms`: a histogram of int values in `ms`. Bucket boundaries: 0,
    5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 3000, 3500,
    4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 30000, 60000,
    120000.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
    """
    if type(value) is not int:
        wrong_type("codex.turn.ttft.duration_ms", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range(
            "codex.turn.ttft.duration_ms", "value", "between 0 and 9223372036854775807", value
        )
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = dict(conversation.metric_attributes)
    conversation.record_point(_METRIC_TURN_TTFT_DURATION_MS, value, _attributes)


_METRIC_TURN_TTFM_DURATION_MS: Final = MetricDefinition(
    name="codex.turn.ttfm.duration_ms",
    instrument="histogram",
    unit="ms",
    description="Time from the start of a turn to its first message, in milliseconds.",
    value_type="int",
    boundaries=(
        0,
        5,
        10,
        25,
        50,
        75,
        100,
        250,
        500,
        750,
        1000,
        1250,
        1500,
        1750,
        2000,
        2250,
        2500,
        3000,
        3500,
        4000,
        4500,
        5000,
        6000,
        7000,
        7500,
        8000,
        9000,
        10000,
        12000,
        15000,
        20000,
        30000,
        60000,
        120000,
    ),
)


def record_turn_ttfm_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
) -> None:
    """Time from the start of a turn to its first message, in milliseconds.

    Records `codex.turn.ttfm.duration_ms`: a histogram of int values in `ms`. Bucket boundaries: 0,
    5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 3000, 3500,
    4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 30000, 60000,
    120000.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
    """
    if type(value) is not int:
        wrong_type("codex.turn.ttfm.duration_ms", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range(
            "codex.turn.ttfm.duration_ms", "value", "between 0 and 9223372036854775807", value
        )
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = dict(conversation.metric_attributes)
    conversation.record_point(_METRIC_TURN_TTFM_DURATION_MS, value, _attributes)


_METRIC_TURN_TOOL_CALL: Final = MetricDefinition(
    name="codex.turn.tool.call",
    instrument="histogram",
    unit="{call}",
    description="Tool calls per turn, one measurement at the end of each turn.",
    value_type="int",
    boundaries=None,
)


def record_turn_tool_call(
    conversation: Conversation[Metadata],
    value: int,
) -> None:
    """Tool calls per turn, one measurement at the end of each turn.

    Records `codex.turn.tool.call`: a histogram of int values in `{call}`.

    Args:
        value: The value to record, in `{call}`. Must be at least 0.
    """
    if type(value) is not int:
        wrong_type("codex.turn.tool.call", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("codex.turn.tool.call", "value", "between 0 and 9223372036854775807", value)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = dict(conversation.metric_attributes)
    conversation.record_point(_METRIC_TURN_TOOL_CALL, value, _attributes)


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
    token_type: TokenType
    | Literal["input", "cached_input", "cache_write_input", "output", "reasoning_output", "total"],
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
            "one of 'input', 'cached_input', 'cache_write_input', 'output', 'reasoning_output', "
            "'total'",
            token_type,
        )
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "token_type": _token_type,
    }
    conversation.record_point(_METRIC_TURN_TOKEN_USAGE, value, _attributes)


_METRIC_STARTUP_PHASE_DURATION_MS: Final = MetricDefinition(
    name="codex.startup.phase.duration_ms",
    instrument="histogram",
    unit="ms",
    description="Duration of each phase of starting a thread or prewarming its first turn.",
    value_type="int",
    boundaries=(
        0,
        5,
        10,
        25,
        50,
        75,
        100,
        250,
        500,
        750,
        1000,
        1250,
        1500,
        1750,
        2000,
        2250,
        2500,
        3000,
        3500,
        4000,
        4500,
        5000,
        6000,
        7000,
        7500,
        8000,
        9000,
        10000,
        12000,
        15000,
        20000,
        30000,
        60000,
        120000,
    ),
)


def record_startup_phase_duration_ms(
    conversation: Conversation[Metadata],
    value: int,
    *,
    phase: str,
    status: str | None = None,
) -> None:
    """Duration of each phase of starting a thread or prewarming its first turn.

    Records `codex.startup.phase.duration_ms`: a histogram of int values in `ms`. Bucket boundaries:
    0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 3000, 3500,
    4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 30000, 60000,
    120000.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
        phase: `phase`, required. The startup phase timed, as a metric tag.
        status: `status`, optional. How the phase ended, for the phases that report it.
    """
    if type(value) is not int:
        wrong_type("codex.startup.phase.duration_ms", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range(
            "codex.startup.phase.duration_ms", "value", "between 0 and 9223372036854775807", value
        )
    if not isinstance(phase, str):
        wrong_type("codex.startup.phase.duration_ms", "phase", "str", phase)
    if status is not None and not isinstance(status, str):
        wrong_type("codex.startup.phase.duration_ms", "status", "str", status)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "phase": metric_tag_value(phase),
    }
    if status is not None:
        _attributes["status"] = metric_tag_value(status)
    conversation.record_point(_METRIC_STARTUP_PHASE_DURATION_MS, value, _attributes)


_METRIC_THREAD_STARTED: Final = MetricDefinition(
    name="codex.thread.started",
    instrument="counter",
    unit="{thread}",
    description="Threads (conversations) started.",
    value_type="int",
    boundaries=None,
)


def record_thread_started(
    conversation: Conversation[Metadata],
    value: int = 1,
    *,
    is_git: IsGit | Literal["true", "false"],
) -> None:
    """Threads (conversations) started.

    Records `codex.thread.started`: a counter of int values in `{thread}`.

    Args:
        value: The value to record, in `{thread}` (1 when left out). Must be at least 0.
        is_git: `is_git`, required. Whether the thread's working directory is in a git
            repository, as a metric tag.
    """
    if type(value) is not int:
        wrong_type("codex.thread.started", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("codex.thread.started", "value", "between 0 and 9223372036854775807", value)
    _is_git = None
    if isinstance(is_git, (str, IsGit)):
        _is_git = _IS_GIT_WIRE.get(is_git)
    if _is_git is None:
        not_a_member("codex.thread.started", "is_git", "one of 'true', 'false'", is_git)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "is_git": _is_git,
    }
    conversation.record_point(_METRIC_THREAD_STARTED, value, _attributes)


TURN_SPAN: Final = SpanDefinition(
    id="codex.turn",
    name="invoke_agent {gen_ai.agent.name}",
    kind="internal",
    parents=frozenset(),
    root=True,
    name_keys=("gen_ai.agent.name",),
)


class TurnSpan(SpanHandle):
    """The handle of a `codex.turn` span: sets the attributes known only at its end."""

    __slots__ = ()

    def set_input_tokens(self, value: int) -> None:
        """`gen_ai.usage.input_tokens`, conditional: when the turn's responses reported their usage.
        Input tokens used by the turn's model requests, summed. Must be at least 0.
        """
        if type(value) is not int:
            wrong_type("codex.turn", "input_tokens", "int", value)
        if not 0 <= value <= INT64_MAX:
            out_of_range("codex.turn", "input_tokens", "between 0 and 9223372036854775807", value)
        self._set("gen_ai.usage.input_tokens", value)

    def set_output_tokens(self, value: int) -> None:
        """`gen_ai.usage.output_tokens`, conditional: when the turn's responses reported their
        usage. Output tokens used by the turn's model requests, summed. Must be at least 0.
        """
        if type(value) is not int:
            wrong_type("codex.turn", "output_tokens", "int", value)
        if not 0 <= value <= INT64_MAX:
            out_of_range("codex.turn", "output_tokens", "between 0 and 9223372036854775807", value)
        self._set("gen_ai.usage.output_tokens", value)

    def set_cache_read_input_tokens(self, value: int) -> None:
        """`gen_ai.usage.cache_read.input_tokens`, conditional: when the turn's responses reported
        cached tokens. Input tokens of the turn's model requests served from the cache, summed. Must
        be at least 0.
        """
        if type(value) is not int:
            wrong_type("codex.turn", "cache_read_input_tokens", "int", value)
        if not 0 <= value <= INT64_MAX:
            out_of_range(
                "codex.turn", "cache_read_input_tokens", "between 0 and 9223372036854775807", value
            )
        self._set("gen_ai.usage.cache_read.input_tokens", value)

    def set_reasoning_output_tokens(self, value: int) -> None:
        """`gen_ai.usage.reasoning.output_tokens`, conditional: when the turn's responses reported
        reasoning tokens. Reasoning tokens of the turn's model requests, summed. Must be at least 0.
        """
        if type(value) is not int:
            wrong_type("codex.turn", "reasoning_output_tokens", "int", value)
        if not 0 <= value <= INT64_MAX:
            out_of_range(
                "codex.turn", "reasoning_output_tokens", "between 0 and 9223372036854775807", value
            )
        self._set("gen_ai.usage.reasoning.output_tokens", value)

    def set_error_type(self, value: str) -> None:
        """`error.type`, conditional: when the turn failed. The class of error the operation ended
        with: an exception's qualified class name, or a short code the application chose (`timeout`,
        `denied`).
        """
        if not isinstance(value, str):
            wrong_type("codex.turn", "error_type", "str", value)
        self._set("error.type", value)


def turn_span(
    conversation: Conversation[Metadata],
    *,
    agent_name: str,
    provider_name: str | None = None,
    request_model: str | None = None,
    conversation_id: str | None = None,
) -> SpanScope[TurnSpan]:
    """One turn of a conversation: from the user's input to the agent's final answer, with every
    model request and tool call it makes.

    Starts `codex.turn`, a span of kind internal named `invoke_agent {gen_ai.agent.name}`, a root
    span (started with no catalog span around it).

    Use it as `with turn_span(conversation, ...) as span:` (or `async with`); set what is known only
    at the end through the handle (`span.set_input_tokens(...)`). An exception leaving the block
    sets the error status and `error.type`.

    Args:
        agent_name: `gen_ai.agent.name`, required. Name of the agent running the turn.
        provider_name: `gen_ai.provider.name`, conditional: when the application knows its model
            provider. The model provider, as the GenAI conventions name it (`openai`,
            `azure.ai.openai`, ...) or the configured provider's id.
        request_model: `gen_ai.request.model`, conditional: when the turn's model is known. The
            model a request asks for.
        conversation_id: `gen_ai.conversation.id`, conditional: when the turn belongs to a
            conversation with an id. Identifier of the conversation (session, thread) the span
            belongs to.
    """
    if not isinstance(agent_name, str):
        wrong_type("codex.turn", "agent_name", "str", agent_name)
    if provider_name is not None and not isinstance(provider_name, str):
        wrong_type("codex.turn", "provider_name", "str", provider_name)
    if request_model is not None and not isinstance(request_model, str):
        wrong_type("codex.turn", "request_model", "str", request_model)
    if conversation_id is not None and not isinstance(conversation_id, str):
        wrong_type("codex.turn", "conversation_id", "str", conversation_id)
    _attributes: Attributes = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": agent_name,
    }
    if provider_name is not None:
        _attributes["gen_ai.provider.name"] = provider_name
    if request_model is not None:
        _attributes["gen_ai.request.model"] = request_model
    if conversation_id is not None:
        _attributes["gen_ai.conversation.id"] = conversation_id
    return conversation.start_span(TURN_SPAN, _attributes, TurnSpan)


API_REQUEST_SPAN: Final = SpanDefinition(
    id="codex.api_request",
    name="{gen_ai.operation.name} {gen_ai.request.model}",
    kind="client",
    parents=frozenset({"codex.turn"}),
    root=False,
    name_keys=("gen_ai.operation.name", "gen_ai.request.model"),
)


class ApiRequestSpan(SpanHandle):
    """The handle of a `codex.api_request` span: sets the attributes known only at its end."""

    __slots__ = ()

    def set_response_model(self, value: str) -> None:
        """`gen_ai.response.model`, conditional: when the response named its model. The model that
        produced the response, as the response names it.
        """
        if not isinstance(value, str):
            wrong_type("codex.api_request", "response_model", "str", value)
        self._set("gen_ai.response.model", value)

    def set_http_response_status_code(self, value: int) -> None:
        """`http.response.status_code`, conditional: when the server answered. HTTP status code of
        the response, when there was one. Must be between 0 and 65535.
        """
        if type(value) is not int:
            wrong_type("codex.api_request", "http_response_status_code", "int", value)
        if not 0 <= value <= 65535:
            out_of_range(
                "codex.api_request", "http_response_status_code", "between 0 and 65535", value
            )
        self._set("http.response.status_code", value)

    def set_input_tokens(self, value: int) -> None:
        """`gen_ai.usage.input_tokens`, conditional: when the response reported its usage. Input
        tokens used (the prompt, cached tokens included). Must be at least 0.
        """
        if type(value) is not int:
            wrong_type("codex.api_request", "input_tokens", "int", value)
        if not 0 <= value <= INT64_MAX:
            out_of_range(
                "codex.api_request", "input_tokens", "between 0 and 9223372036854775807", value
            )
        self._set("gen_ai.usage.input_tokens", value)

    def set_output_tokens(self, value: int) -> None:
        """`gen_ai.usage.output_tokens`, conditional: when the response reported its usage. Output
        tokens used (the response, reasoning tokens included). Must be at least 0.
        """
        if type(value) is not int:
            wrong_type("codex.api_request", "output_tokens", "int", value)
        if not 0 <= value <= INT64_MAX:
            out_of_range(
                "codex.api_request", "output_tokens", "between 0 and 9223372036854775807", value
            )
        self._set("gen_ai.usage.output_tokens", value)

    def set_cache_read_input_tokens(self, value: int) -> None:
        """`gen_ai.usage.cache_read.input_tokens`, conditional: when the response reported cached
        tokens. Input tokens served from the provider's cache. Must be at least 0.
        """
        if type(value) is not int:
            wrong_type("codex.api_request", "cache_read_input_tokens", "int", value)
        if not 0 <= value <= INT64_MAX:
            out_of_range(
                "codex.api_request",
                "cache_read_input_tokens",
                "between 0 and 9223372036854775807",
                value,
            )
        self._set("gen_ai.usage.cache_read.input_tokens", value)

    def set_reasoning_output_tokens(self, value: int) -> None:
        """`gen_ai.usage.reasoning.output_tokens`, conditional: when the response reported reasoning
        tokens. Output tokens spent on reasoning. Must be at least 0.
        """
        if type(value) is not int:
            wrong_type("codex.api_request", "reasoning_output_tokens", "int", value)
        if not 0 <= value <= INT64_MAX:
            out_of_range(
                "codex.api_request",
                "reasoning_output_tokens",
                "between 0 and 9223372036854775807",
                value,
            )
        self._set("gen_ai.usage.reasoning.output_tokens", value)

    def set_error_type(self, value: str) -> None:
        """`error.type`, conditional: when the request failed. The class of error the operation
        ended with: an exception's qualified class name, or a short code the application chose
        (`timeout`, `denied`).
        """
        if not isinstance(value, str):
            wrong_type("codex.api_request", "error_type", "str", value)
        self._set("error.type", value)


def api_request_span(
    conversation: Conversation[Metadata],
    *,
    request_model: str,
    provider_name: str,
    conversation_id: str | None = None,
    attempt: int | None = None,
) -> SpanScope[ApiRequestSpan]:
    """One request to the model's API (one attempt: a retry is a span of its own), from sending it
    to the end of its response stream.

    Starts `codex.api_request`, a span of kind client named `{gen_ai.operation.name}
    {gen_ai.request.model}`, started under `codex.turn`.

    Use it as `with api_request_span(conversation, ...) as span:` (or `async with`); set what is
    known only at the end through the handle (`span.set_response_model(...)`). An exception leaving
    the block sets the error status and `error.type`.

    Args:
        request_model: `gen_ai.request.model`, required. The model a request asks for.
        provider_name: `gen_ai.provider.name`, required. The model provider, as the GenAI
            conventions name it (`openai`, `azure.ai.openai`, ...) or the configured provider's id.
        conversation_id: `gen_ai.conversation.id`, conditional: when the request belongs to a
            conversation with an id. Identifier of the conversation (session, thread) the span
            belongs to.
        attempt: `attempt`, optional. Number of this attempt of the request; each retry is a new
            attempt with its own event. Must be at least 0.
    """
    if not isinstance(request_model, str):
        wrong_type("codex.api_request", "request_model", "str", request_model)
    if not isinstance(provider_name, str):
        wrong_type("codex.api_request", "provider_name", "str", provider_name)
    if conversation_id is not None and not isinstance(conversation_id, str):
        wrong_type("codex.api_request", "conversation_id", "str", conversation_id)
    if attempt is not None:
        if type(attempt) is not int:
            wrong_type("codex.api_request", "attempt", "int", attempt)
        if not 0 <= attempt <= INT64_MAX:
            out_of_range(
                "codex.api_request", "attempt", "between 0 and 9223372036854775807", attempt
            )
    _attributes: Attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": request_model,
        "gen_ai.provider.name": provider_name,
    }
    if conversation_id is not None:
        _attributes["gen_ai.conversation.id"] = conversation_id
    if attempt is not None:
        _attributes["attempt"] = attempt
    return conversation.start_span(API_REQUEST_SPAN, _attributes, ApiRequestSpan)


TOOL_CALL_SPAN: Final = SpanDefinition(
    id="codex.tool_call",
    name="execute_tool {gen_ai.tool.name}",
    kind="internal",
    parents=frozenset({"codex.turn"}),
    root=False,
    name_keys=("gen_ai.tool.name",),
)


class ToolCallSpan(SpanHandle):
    """The handle of a `codex.tool_call` span: sets the attributes known only at its end."""

    __slots__ = ()

    def set_output_length(self, value: int) -> None:
        """`output_length`, conditional: when the tool ran and gave output. Length of the tool's
        output in characters (never the output). Must be at least 0.
        """
        if type(value) is not int:
            wrong_type("codex.tool_call", "output_length", "int", value)
        if not 0 <= value <= INT64_MAX:
            out_of_range(
                "codex.tool_call", "output_length", "between 0 and 9223372036854775807", value
            )
        self._set("output_length", value)

    def set_output_line_count(self, value: int) -> None:
        """`output_line_count`, conditional: when the tool ran and gave output. Number of lines of
        the tool's output. Must be at least 0.
        """
        if type(value) is not int:
            wrong_type("codex.tool_call", "output_line_count", "int", value)
        if not 0 <= value <= INT64_MAX:
            out_of_range(
                "codex.tool_call", "output_line_count", "between 0 and 9223372036854775807", value
            )
        self._set("output_line_count", value)

    def set_error_type(self, value: str) -> None:
        """`error.type`, conditional: when the tool call failed, was denied or could not run. The
        class of error the operation ended with: an exception's qualified class name, or a short
        code the application chose (`timeout`, `denied`).
        """
        if not isinstance(value, str):
            wrong_type("codex.tool_call", "error_type", "str", value)
        self._set("error.type", value)


def tool_call_span(
    conversation: Conversation[Metadata],
    *,
    tool_name: str,
    tool_call_id: str | None = None,
    arguments_length: int | None = None,
) -> SpanScope[ToolCallSpan]:
    """One tool call the model asked for, from the call to its result: the approval it may wait for,
    then the tool's run.

    Starts `codex.tool_call`, a span of kind internal named `execute_tool {gen_ai.tool.name}`,
    started under `codex.turn`.

    Use it as `with tool_call_span(conversation, ...) as span:` (or `async with`); set what is known
    only at the end through the handle (`span.set_output_length(...)`). An exception leaving the
    block sets the error status and `error.type`.

    Args:
        tool_name: `gen_ai.tool.name`, required. Name of the tool called.
        tool_call_id: `gen_ai.tool.call.id`, conditional: when the model gave the call an id.
            Identifier of the tool call, as the model gave it.
        arguments_length: `arguments_length`, optional. Length of the tool call's arguments in
            characters (never the arguments). Must be at least 0.
    """
    if not isinstance(tool_name, str):
        wrong_type("codex.tool_call", "tool_name", "str", tool_name)
    if tool_call_id is not None and not isinstance(tool_call_id, str):
        wrong_type("codex.tool_call", "tool_call_id", "str", tool_call_id)
    if arguments_length is not None:
        if type(arguments_length) is not int:
            wrong_type("codex.tool_call", "arguments_length", "int", arguments_length)
        if not 0 <= arguments_length <= INT64_MAX:
            out_of_range(
                "codex.tool_call",
                "arguments_length",
                "between 0 and 9223372036854775807",
                arguments_length,
            )
    _attributes: Attributes = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": tool_name,
    }
    if tool_call_id is not None:
        _attributes["gen_ai.tool.call.id"] = tool_call_id
    if arguments_length is not None:
        _attributes["arguments_length"] = arguments_length
    return conversation.start_span(TOOL_CALL_SPAN, _attributes, ToolCallSpan)


TOOL_APPROVAL_SPAN: Final = SpanDefinition(
    id="codex.tool_approval",
    name="tool_approval {gen_ai.tool.name}",
    kind="internal",
    parents=frozenset({"codex.tool_call"}),
    root=False,
    name_keys=("gen_ai.tool.name",),
)


class ToolApprovalSpan(SpanHandle):
    """The handle of a `codex.tool_approval` span: sets the attributes known only at its end."""

    __slots__ = ()

    def set_decision(
        self, value: Decision | Literal["approved", "approved_for_session", "denied", "abort"]
    ) -> None:
        """`decision`, conditional: when a decision was made. Outcome of the approval request."""
        _decision = None
        if isinstance(value, (str, Decision)):
            _decision = _DECISION_WIRE.get(value)
        if _decision is None:
            not_a_member(
                "codex.tool_approval",
                "decision",
                "one of 'approved', 'approved_for_session', 'denied', 'abort'",
                value,
            )
        self._set("decision", _decision)

    def set_source(self, value: Source | Literal["config", "user", "automated_reviewer"]) -> None:
        """`source`, conditional: when a decision was made. Who made the decision."""
        _source = None
        if isinstance(value, (str, Source)):
            _source = _SOURCE_WIRE.get(value)
        if _source is None:
            not_a_member(
                "codex.tool_approval",
                "source",
                "one of 'config', 'user', 'automated_reviewer'",
                value,
            )
        self._set("source", _source)

    def set_error_type(self, value: str) -> None:
        """`error.type`, conditional: when no decision was made (the wait failed or was cut). The
        class of error the operation ended with: an exception's qualified class name, or a short
        code the application chose (`timeout`, `denied`).
        """
        if not isinstance(value, str):
            wrong_type("codex.tool_approval", "error_type", "str", value)
        self._set("error.type", value)


def tool_approval_span(
    conversation: Conversation[Metadata],
    *,
    tool_name: str,
    tool_call_id: str | None = None,
) -> SpanScope[ToolApprovalSpan]:
    """The time a tool call is blocked on a decision to run it: the user's approval, or the
    configuration's or an automated reviewer's decision.

    Starts `codex.tool_approval`, a span of kind internal named `tool_approval {gen_ai.tool.name}`,
    started under `codex.tool_call`.

    Use it as `with tool_approval_span(conversation, ...) as span:` (or `async with`); set what is
    known only at the end through the handle (`span.set_decision(...)`). An exception leaving the
    block sets the error status and `error.type`.

    Args:
        tool_name: `gen_ai.tool.name`, required. Name of the tool called.
        tool_call_id: `gen_ai.tool.call.id`, conditional: when the model gave the call an id.
            Identifier of the tool call, as the model gave it.
    """
    if not isinstance(tool_name, str):
        wrong_type("codex.tool_approval", "tool_name", "str", tool_name)
    if tool_call_id is not None and not isinstance(tool_call_id, str):
        wrong_type("codex.tool_approval", "tool_call_id", "str", tool_call_id)
    _attributes: Attributes = {
        "gen_ai.tool.name": tool_name,
    }
    if tool_call_id is not None:
        _attributes["gen_ai.tool.call.id"] = tool_call_id
    return conversation.start_span(TOOL_APPROVAL_SPAN, _attributes, ToolApprovalSpan)
