# Generated from catalog.yaml (catalog version 1.5.0) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
"""Code generated from catalog.yaml: import the emitters from `.events`.

The package also holds EVENTS.md (the event documentation) and schemas/ (one JSON
Schema per event, of the attributes as they arrive on the wire).

Importing the package hands the runtime what the catalog decides: the privacy toggles
`load_config` accepts in the `[otel]` table (with their defaults), the default
`service.name` and the instrumentation scope of what a `Telemetry` exports.
"""

from typing import Final

from codex_otel.runtime._contract import register_catalog

#: Privacy toggles the catalog's redaction policies name, with their defaults.
TOGGLES: Final[dict[str, bool]] = {
    "log_user_prompt": False,
    "log_tool_details": True,
}

register_catalog(
    toggles=TOGGLES,
    service_name="codex-cli",
    scope_name="codex_otel",
)
