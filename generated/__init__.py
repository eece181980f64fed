# Generated from catalog.yaml (catalog version 1.4.0) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
"""Code generated from catalog.yaml: import the emitters from `.events`.

The package also holds EVENTS.md (the event documentation) and schemas/ (one JSON
Schema per event, of the attributes as they arrive on the wire).

Facts the runtime reads without importing the emitters are here too (this module imports
only typing): the bundled catalog's toggles are the runtime's defaults, and the range of
the catalog's ints is the one the runtime checks.
"""

from typing import Final

#: Privacy toggles the catalog's redaction policies name, with their defaults.
TOGGLES: Final[dict[str, bool]] = {
    "log_user_prompt": False,
    "log_tool_details": True,
}

#: The range of the catalog's `int` (an OTLP int: 64-bit signed).
INT64_MIN: Final = -9223372036854775808
INT64_MAX: Final = 9223372036854775807
