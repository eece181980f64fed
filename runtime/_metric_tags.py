"""Metric tag values held to the characters Codex allows, whatever the caller hands over.

Codex's metrics client (`codex-rs/otel/src/metrics/validation.rs`) accepts a tag key or
value only when it is non-empty ASCII made of letters, digits, `.`, `_`, `-` and `/`,
and reserves the key `le` (a Prometheus histogram's bucket label). Backends built for
Codex's metrics (and Prometheus-style label stores behind an OTLP collector) rely on it.

Keys and the values of enums come from the catalog, so the generator refuses a bad one
(file:line:col) and nothing is left to check at run time, except on the hand-written path
(`Conversation.record`), which refuses a point with a bad key, as Codex's client does:
a key is the caller's code, not data, and is reported (`TelemetryStats.emit_errors`)
instead of raised. Free-text values (a tool name,
an HTTP status as text, the model) come from the caller, usually from data it does not
control itself (an MCP server's tool names), so a recorder **sanitises** them rather
than refusing them:

- refusing by raising would crash the host over telemetry, which the runtime never does;
- refusing by dropping the point (what Codex's client does, with a warning) would lose
  the count silently and skew every dashboard built on it, for a value whose meaning is
  still plain after a character or two is replaced.

A value already valid is used as it is. Any other is cleaned as Codex's
`sanitize_metric_tag_value` cleans one: each character outside the set becomes `_`,
`_` is trimmed from both ends, a value left with no letter or digit becomes
`unspecified`, and the rest is cut to 256 characters.

The cost on the recording path is one dictionary lookup for a value seen before (metric
tag values are few by the catalog's own rule: `cardinality: low`); a value is checked
and cleaned once, and remembered while fewer than `_REMEMBERED` values are.
"""

from __future__ import annotations

import re
from typing import Final

from .types import AttributeValue

#: The characters a metric tag key or value may hold (Codex's `is_tag_char`).
TAG_CHARACTERS: Final = "A-Za-z0-9._/-"
#: The longest value a tag keeps (Codex's `sanitize_metric_tag_value`).
MAX_TAG_VALUE_LENGTH: Final = 256
#: What a value with no letter or digit left becomes.
UNSPECIFIED: Final = "unspecified"
#: Tag keys a metric may not use: `le` names a histogram bucket's bound in Prometheus.
RESERVED_TAG_KEYS: Final = frozenset({"le"})

_VALID: Final = re.compile(f"[{TAG_CHARACTERS}]{{1,{MAX_TAG_VALUE_LENGTH}}}").fullmatch
_DISALLOWED: Final = re.compile(f"[^{TAG_CHARACTERS}]")
_ALPHANUMERIC: Final = re.compile("[A-Za-z0-9]").search
#: How many distinct values are remembered; beyond it, new values are cleaned each time
#: (a bound on memory against a caller that tags with unbounded text).
_REMEMBERED: Final = 4096

_clean: dict[str, str] = {}
_good_keys: set[str] = set()


def is_valid_tag(text: str) -> bool:
    """Whether `text` is a valid metric tag key or value as it is."""
    return _VALID(text) is not None


def is_tag_key(key: str) -> bool:
    """Whether a hand-written caller's `key` may be a metric tag's (`Conversation.record`
    refuses the point otherwise, as Codex's client does; generated recorders' keys are
    the catalog's, checked by the generator)."""
    if key in _good_keys:
        return True
    if type(key) is not str or not is_valid_tag(key) or key in RESERVED_TAG_KEYS:
        return False
    if len(_good_keys) < _REMEMBERED:
        _good_keys.add(key)
    return True


def sanitize_tag_value(value: str) -> str:
    """`value` as a valid metric tag value (see the module's docstring); never raises."""
    text = str.__str__(value)  # a `str` subclass's own methods are never asked
    if _VALID(text):
        return text
    trimmed = _DISALLOWED.sub("_", text).strip("_")
    if not _ALPHANUMERIC(trimmed):
        return UNSPECIFIED
    return trimmed[:MAX_TAG_VALUE_LENGTH]


def metric_tag_value(value: str) -> str:
    """What a generated recorder puts on the wire for a free-text tag `value`: the value
    itself when it is valid, else its sanitised form; one dictionary lookup for a value
    seen before."""
    if type(value) is str:
        known = _clean.get(value)
        if known is not None:
            return known
        clean = sanitize_tag_value(value)
        if len(_clean) < _REMEMBERED:
            _clean[value] = clean
        return clean
    return sanitize_tag_value(value)


def metric_attribute_value(value: AttributeValue) -> AttributeValue:
    """Any attribute value on its way into a metric point: a string (alone or in an
    array) as `metric_tag_value` makes it, anything else as it is (the hand-written path,
    `Conversation.record`, and the metadata every metric carries)."""
    if isinstance(value, str):
        return metric_tag_value(value)
    if isinstance(value, (list, tuple)):
        items = [metric_tag_value(item) if isinstance(item, str) else item for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    return value
