"""A traced run as a host application writes it: a turn with a model request and a tool call
that waits for its approval, catalog events inside each span, and one event outside any.

`tests/wire/test_traces_wire.py` runs `traced_run` in the test process and runs this file as
a child process (`python traced_host.py TOML CONVERSATION_ID`) the way a tool runs a
subprocess: with `traced_environ()`, so the child's turn joins the parent's trace. As a
script it stands for a host application: it imports only the package and builds its
metadata by hand.
"""

from __future__ import annotations

import os
import sys

from codex_otel.generated import events
from codex_otel.runtime import Conversation, Telemetry, load_config

MODEL = "gpt-5-codex"
RESPONSE_MODEL = "gpt-5-codex-2026-11"
TOOL = "shell"
CALL_ID = "call_7"
#: The run's content: on log records when the privacy toggles allow it, never on a span.
PROMPT = "Refactor the parser and keep the tests green"
OUTPUT = "total 8\n-rw-r--r-- README.md"

#: The catalog span each event is emitted inside (None: outside every span).
EMITTED_INSIDE = {
    "codex.conversation_starts": None,
    "codex.user_prompt": "codex.turn",
    "codex.api_request": "codex.api_request",
    "codex.tool_decision": "codex.tool_approval",
    "codex.tool_result": "codex.tool_call",
}
#: The attributes each catalog span of the run carries on the wire.
SPAN_ATTRIBUTES = {
    "codex.turn": {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "codex",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": MODEL,
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 80,
    },
    "codex.api_request": {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": MODEL,
        "gen_ai.provider.name": "openai",
        "attempt": 1,
        "gen_ai.response.model": RESPONSE_MODEL,
        "http.response.status_code": 200,
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 80,
    },
    "codex.tool_call": {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": TOOL,
        "gen_ai.tool.call.id": CALL_ID,
        "output_length": len(OUTPUT),
        "output_line_count": 2,
    },
    "codex.tool_approval": {
        "gen_ai.tool.name": TOOL,
        "gen_ai.tool.call.id": CALL_ID,
        "decision": "approved",
        "source": "user",
    },
}


def metadata(conversation_id: str) -> events.Metadata:
    return events.Metadata(
        conversation_id=conversation_id, app_version="1.0", terminal_type="t", model=MODEL, slug="s"
    )


def traced_run(conversation: Conversation[events.Metadata], in_tool: object = None) -> None:
    """One turn. `in_tool`, if callable, runs inside the tool call's span (after its approval),
    as the tool itself would."""
    events.conversation_starts(
        conversation,
        provider_name="openai",
        reasoning_summary="auto",
        approval_policy="on-request",
        sandbox_policy="workspace-write",
        mcp_servers="",
    )
    with events.turn_span(
        conversation, agent_name="codex", provider_name="openai", request_model=MODEL
    ) as turn:
        events.user_prompt(conversation, prompt_length=len(PROMPT), prompt=PROMPT)
        with events.api_request_span(
            conversation, request_model=MODEL, provider_name="openai", attempt=1
        ) as request:
            events.api_request(conversation, attempt=1, duration_ms=12)
            request.set_response_model(RESPONSE_MODEL)
            request.set_http_response_status_code(200)
            request.set_input_tokens(1200)
            request.set_output_tokens(80)
        with events.tool_call_span(conversation, tool_name=TOOL, tool_call_id=CALL_ID) as tool:
            with events.tool_approval_span(
                conversation, tool_name=TOOL, tool_call_id=CALL_ID
            ) as approval:
                events.tool_decision(
                    conversation,
                    tool_name=TOOL,
                    call_id=CALL_ID,
                    decision="approved",
                    source="user",
                )
                approval.set_decision("approved")
                approval.set_source("user")
            if callable(in_tool):
                in_tool()
            events.tool_result(
                conversation,
                tool_name=TOOL,
                duration_ms=3,
                success="true",
                output=OUTPUT,
                call_id=CALL_ID,
            )
            tool.set_output_length(len(OUTPUT))
            tool.set_output_line_count(OUTPUT.count("\n") + 1)
        turn.set_input_tokens(1200)
        turn.set_output_tokens(80)


def main(toml: str, conversation_id: str) -> int:
    telemetry = Telemetry(load_config(text=toml, environ=os.environ), service_version="child")
    # The exporters start in the background; on a loaded machine a run this short could end
    # before they do, and its records would go to the spool (delivered by a later run).
    if not telemetry.wait_until_started(30):
        print("the exporters did not start", file=sys.stderr)
        return 1
    traced_run(telemetry.conversation(metadata(conversation_id)))
    delivered = telemetry.shutdown(10)
    # For the test's messages: what the run's telemetry counted.
    print(f"delivered={delivered} {telemetry.stats}", file=sys.stderr)
    return 0 if delivered else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
