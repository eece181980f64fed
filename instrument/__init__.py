"""Hand-written instruments after Codex's reference event manager: timing, outcome classification.

`EventManager` wraps a `Conversation[events.Metadata]` and emits the catalog's events
through the generated emitters, recording beside them the metrics Codex records (through
the generated recorders): it times API requests, SSE streams and tool calls, and
classifies how they ended. The modules, one job each:

- `recorder`: the conversation, the injected monotonic clock, the never-raise guard;
- `outcomes`: duck-typed status codes, `cf-ray`, error text and timeouts of any HTTP stack;
- `http_attempts`: `codex.api_request` around one HTTP attempt;
- `sse`: `codex.sse_event` per server-sent event, idle timeout (its rules: `sse_rules`);
- `completion`: the `response.completed` summary and its token usage;
- `prompts`: the text of `codex.user_prompt`;
- `tools`: `codex.tool_result` around a tool call;
- `websockets`: `codex.websocket_connect`, `codex.websocket_request` and the
  `codex.websocket.*` metrics;
- `turns`: a turn timed from its start: `codex.turn_ttft`, the `codex.turn.*` durations
  and its tool calls;
- `startup`: `codex.startup_phase` per startup phase; `codex.thread.started`;
- `timed`: the timed `with` block the three above are built on;
- `measurements`: the metrics beside those events (`codex.api_request`, `codex.tool.call`,
  `codex.sse_event`, `codex.websocket.*`, their `.duration_ms`, the `codex.turn.*`,
  startup and thread metrics) and their tags;
- `manager`: `EventManager`, the public face of all of the above.
"""

from .completion import (
    COMPLETED_KIND,
    MISSING_USAGE,
    ResponseDetails,
    TokenUsage,
    ToolTokenCounter,
    no_tool_tokens,
    parse_usage,
    total_tokens,
)
from .http_attempts import RequestAttempt
from .manager import EventManager
from .outcomes import (
    HasStatus,
    HasStatusCode,
    ResponseLike,
    cf_ray,
    error_status,
    error_text,
    is_timeout,
    response_status,
)
from .prompts import TEXT_ITEM_TYPES, InputItem, TypedItem, prompt_text
from .recorder import Clock, Duration
from .sse import (
    DEFAULT_IDLE_TIMEOUT,
    IDLE_TIMEOUT_MESSAGE,
    OUTPUT_ITEM_ERROR,
    OutputItemValidator,
    ServerSentEventLike,
    SSEIdleTimeout,
    classify,
    is_response_item,
)
from .startup import StartupPhase
from .tools import SuccessLike, format_output
from .turns import Turn
from .websockets import WebsocketConnect, WebsocketRequest

__all__ = [
    "COMPLETED_KIND",
    "DEFAULT_IDLE_TIMEOUT",
    "IDLE_TIMEOUT_MESSAGE",
    "MISSING_USAGE",
    "OUTPUT_ITEM_ERROR",
    "TEXT_ITEM_TYPES",
    "Clock",
    "Duration",
    "EventManager",
    "HasStatus",
    "HasStatusCode",
    "InputItem",
    "OutputItemValidator",
    "RequestAttempt",
    "ResponseDetails",
    "ResponseLike",
    "SSEIdleTimeout",
    "ServerSentEventLike",
    "StartupPhase",
    "SuccessLike",
    "TokenUsage",
    "ToolTokenCounter",
    "Turn",
    "TypedItem",
    "WebsocketConnect",
    "WebsocketRequest",
    "cf_ray",
    "classify",
    "error_status",
    "error_text",
    "format_output",
    "is_response_item",
    "is_timeout",
    "no_tool_tokens",
    "parse_usage",
    "prompt_text",
    "response_status",
    "total_tokens",
]
