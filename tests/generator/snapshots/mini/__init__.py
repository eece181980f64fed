# Generated from mini.yaml (catalog version 0.3.1) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
"""Code generated from mini.yaml: import the emitters from `.events`.

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
    "log_commands": False,
}

register_catalog(
    toggles=TOGGLES,
    service_name="unknown_service",
    scope_name="unknown_service",
)
