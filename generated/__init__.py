# Generated from catalog.yaml (catalog version 1.6.0) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
"""Code generated from catalog.yaml: import the emitters from `.events`.

The package also holds EVENTS.md (the event documentation) and schemas/ (one JSON
Schema per event, of the attributes as they arrive on the wire).

Importing the package hands the runtime what the catalog decides: the privacy toggles
`load_config` accepts in the `[otel]` table (with their defaults), the default
`service.name` and the instrumentation scope of what a `Telemetry` exports, and the keys
whose values it scans for secrets.
"""

from typing import Final

from codex_otel.runtime._contract import register_catalog

#: Privacy toggles the catalog's redaction policies name, with their defaults.
TOGGLES: Final[dict[str, bool]] = {
    "log_user_prompt": False,
    "log_tool_details": True,
    "log_error_details": True,
}

#: Keys of class content or identifier, with their max_length (None: no cap): the runtime
#: scans their values for secrets.
SCANNED: Final[dict[str, int | None]] = {
    "conversation.id": None,
    "user.account_id": None,
    "user.email": None,
    "error.message": 4096,
    "cf_ray": None,
    "auth.request_id": None,
    "auth.cf_ray": None,
    "auth.error": 4096,
    "auth.agent_id": None,
    "auth.task_id": None,
    "prompt": 16384,
    "call_id": None,
    "arguments": 16384,
    "output": 16384,
    "gen_ai.conversation.id": None,
    "gen_ai.tool.call.id": None,
}

register_catalog(
    toggles=TOGGLES,
    scanned=SCANNED,
    service_name="codex-cli",
    scope_name="codex_otel",
)
