"""Limits of the wire that the catalog format's types mean, for the generator.

The catalog's `int` is an OTLP int, 64-bit signed. The generator checks catalogs against
this range and writes it into the emitters' range checks. A metric's attributes are
Codex's metric tags: their keys and the values of their enums must be what Codex's
metrics client accepts (`codex-rs/otel/src/metrics/validation.rs`). The runtime keeps the
same numbers and rule in its own leaf modules (`runtime/_int64.py`,
`runtime/_metric_tags.py`): the generator never imports the runtime, and the runtime never
imports the generator; tests hold the two equal.
"""

import re
from typing import Final

#: The range of an OTLP int (64-bit signed); the SDK's encoder fails a batch holding more.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

#: The characters of a metric tag key or value (Codex's `is_tag_char`).
TAG_CHARACTERS: Final = "A-Za-z0-9._/-"
#: The longest metric tag value (Codex's `sanitize_metric_tag_value` cuts there).
MAX_TAG_VALUE_LENGTH: Final = 256
#: Keys no metric may carry: `le` is a histogram bucket's bound in Prometheus.
RESERVED_TAG_KEYS: Final = frozenset({"le"})

_TAG: Final = re.compile(f"[{TAG_CHARACTERS}]+")


def tag_problem(text: str) -> str | None:
    """Why `text` cannot be a metric tag key or value, or None."""
    if not text:
        return "is empty"
    if not _TAG.fullmatch(text):
        return "holds characters a metric tag may not (ASCII letters, digits, `.`, `_`, `-`, `/`)"
    if len(text) > MAX_TAG_VALUE_LENGTH:
        return f"is longer than the {MAX_TAG_VALUE_LENGTH} characters of a metric tag"
    return None
