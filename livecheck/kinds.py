"""The finding kinds live-check reports, how severe each is, and what each means.

The names are a stable interface (they appear in the JSON report and in CI scripts).
"""

from __future__ import annotations

from typing import Final, Literal

Severity = Literal["error", "warning", "info"]

#: Severities from the most to the least severe; `--fail-on` names one of them.
SEVERITIES: Final[tuple[Severity, ...]] = ("error", "warning", "info")
SEVERITY_RANK: Final[dict[str, int]] = {"error": 0, "warning": 1, "info": 2}

#: kind -> (severity, what it means). The order is the order of the documentation.
KINDS: Final[dict[str, tuple[Severity, str]]] = {
    "unknown_event": ("error", "the record's event is not in the catalog"),
    "unknown_metric": ("error", "the metric is not in the catalog"),
    "unknown_span": (
        "error",
        "no catalog span has the span's name (its template filled from the span's own attributes)",
    ),
    "span_kind_mismatch": ("error", "the span's kind is not the catalog's"),
    "span_parent": (
        "error",
        "the span's parent is not one the catalog allows (or it is a root and may not be)",
    ),
    "span_content": (
        "error",
        "a span carries an attribute that is content somewhere in the catalog: spans carry "
        "sizes and counts, never content",
    ),
    "instrument_mismatch": (
        "error",
        "the metric's points are not of its instrument's type (counter: a monotonic sum, "
        "updowncounter: a non-monotonic sum, histogram, gauge)",
    ),
    "unit_mismatch": ("error", "the metric's unit is not the catalog's"),
    "value_type_mismatch": (
        "error",
        "a sum or gauge point is an int where the catalog says double, or the reverse",
    ),
    "missing_required": ("error", "a required attribute is absent"),
    "unknown_attribute": (
        "error",
        "the attribute is not defined for the event, metric or span",
    ),
    "type_mismatch": ("error", "the value is not of the attribute's type"),
    "enum_violation": ("error", "the value is not one of the enum's members"),
    "out_of_bounds": ("error", "the number is outside the catalog's minimum/maximum"),
    "too_long": ("error", "the string is longer than the catalog's max_length"),
    "invalid_request": (
        "error",
        "the input is not an OTLP logs, metrics or traces export request, or the receiver "
        "refused "
        "it for what it is (malformed HTTP, a wrong path, method or media type, too large)",
    ),
    "no_records": (
        "error",
        "nothing was checked: no log record, metric point or span arrived",
    ),
    "secret": (
        "error",
        "a credential (its kind named, its value never shown) is in an exported value: a "
        "record's attribute or body, a metric point's attribute, a span's or span event's "
        "attribute, a resource or scope attribute, from any sender, in the catalog or not",
    ),
    "deprecated": ("warning", "a deprecated event, metric, span or attribute is in use"),
    "boundaries_mismatch": (
        "warning",
        "a histogram's bucket bounds are not the catalog's (a view or the exporter's "
        "configuration may change them on purpose)",
    ),
    "missing_service_name": ("warning", "the resource has no service.name"),
    "refused": (
        "warning",
        "the receiver turned a request away at its limits (connections, bytes in flight); "
        "the sender retries it",
    ),
    "unredacted": (
        "info",
        "an attribute with a redaction policy carries its content, not its placeholder: "
        "the sender's privacy toggle is on (an error with --require-redaction)",
    ),
}


def severity_of(kind: str, overrides: dict[str, Severity] | None = None) -> Severity:
    if overrides and kind in overrides:
        return overrides[kind]
    return KINDS[kind][0]


def at_or_above(severity: str, threshold: str) -> bool:
    """Whether `severity` is at least as severe as `threshold` (`never`: nothing is)."""
    if threshold == "never":
        return False
    return SEVERITY_RANK[severity] <= SEVERITY_RANK[threshold]
