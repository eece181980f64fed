# Generated from spans.yaml (catalog version 0.2.0) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
"""Code generated from spans.yaml: import the emitters from `.events`.

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
TOGGLES: Final[dict[str, bool]] = {}

#: Keys of class content or identifier, with their max_length (None: no cap): the runtime
#: scans their values for secrets.
SCANNED: Final[dict[str, int | None]] = {}

register_catalog(
    toggles=TOGGLES,
    scanned=SCANNED,
    service_name="unknown_service",
    scope_name="unknown_service",
)
