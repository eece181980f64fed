"""Aggregated findings: one entry per kind, event (or metric, or span) and attribute, with a
few examples each.

Memory stays bounded whatever the traffic: a count per key, at most `examples` examples
per key, at most `max_keys` keys (past that, names that come from the traffic itself, such
as unknown events and attributes, are folded into one `(other)` entry per kind).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

from .kinds import SEVERITY_RANK, Severity, severity_of
from .secrets import holds_secret

#: How much of a shown value an example keeps.
SHOWN_CHARACTERS: Final = 120
OTHER: Final = "(other)"


def wire_type(value: object) -> str:
    """The OTLP type of a decoded value, in the catalog's words."""
    return _TYPE_NAMES.get(value.__class__, value.__class__.__name__)


_TYPE_NAMES: Final[dict[type, str]] = {
    str: "string",
    int: "int",
    float: "double",
    bool: "boolean",
    list: "array",
    bytes: "bytes",
    dict: "kvlist",
    type(None): "empty",
}


def shown(value: object) -> object:
    """`value` as a report may show it: JSON-safe and short."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    text = value if isinstance(value, str) else repr(value)
    if len(text) > SHOWN_CHARACTERS:
        return text[:SHOWN_CHARACTERS] + "..."
    return text


@dataclass(frozen=True)
class Example:
    """Where a finding was seen and what the value was; `value` is absent (None and
    `redacted`) for attributes with a redaction policy and for values that hold a
    credential, whose length alone is shown."""

    where: str
    type: str | None = None
    value: object = None
    length: int | None = None
    redacted: bool = False
    #: What was wrong with an input that could not be read as records.
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"where": self.where}
        if self.detail is not None:
            out["detail"] = self.detail
        if self.type is not None:
            out["type"] = self.type
            if self.redacted:
                out["redacted"] = True
            else:
                out["value"] = self.value
            if self.length is not None:
                out["length"] = self.length
        return out

    def text(self) -> str:
        if self.detail is not None:
            return f"{self.where}: {self.detail}"
        if self.type is None:
            return self.where
        if self.redacted:
            what = f"{self.type}, {self.length} characters, value not shown (redacted)"
        elif self.length is not None:
            what = f"{self.type} {self.value!r}, {self.length} characters"
        else:
            what = f"{self.type} {self.value!r}"
        return f"{what} at {self.where}"


@dataclass
class Finding:
    kind: str
    severity: Severity
    event: str | None
    attribute: str | None
    message: str
    count: int = 0
    examples: list[Example] = field(default_factory=list)
    #: The metric, for findings on metrics and their data points (`event` is then None:
    #: a metric may share its name with an event).
    metric: str | None = None
    #: The kind of credential of a `secret` finding (`github-pat`); None for the others.
    credential: str | None = None
    #: The span, for findings on spans (`event` and `metric` are then None): its catalog
    #: id, or its wire name when no catalog span has it (`unknown_span`).
    span: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "severity": self.severity,
            "event": self.event,
            "metric": self.metric,
            "span": self.span,
            "attribute": self.attribute,
            "count": self.count,
            "message": self.message,
            "example": self.examples[0].to_json() if self.examples else None,
            "examples": [example.to_json() for example in self.examples],
        }
        if self.credential is not None:
            out["credential"] = self.credential
        return out


_NO_VALUE: Final = object()


class Findings:
    """The aggregation. Not thread-safe: callers that check from several threads lock."""

    def __init__(
        self,
        *,
        examples: int = 3,
        max_keys: int = 1000,
        severities: dict[str, Severity] | None = None,
    ) -> None:
        self.examples = examples
        self.max_keys = max_keys
        #: Kinds reported at another severity than their own (`--require-redaction`).
        self.severities = severities or {}
        self._entries: dict[
            tuple[str, str | None, str | None, str | None, str | None, str | None], Finding
        ] = {}

    def add(
        self,
        kind: str,
        event: str | None,
        attribute: str | None,
        message: str,
        where: str,
        *,
        value: object = _NO_VALUE,
        redacted: bool = False,
        count: int = 1,
        detail: str | None = None,
        metric: str | None = None,
        credential: str | None = None,
        span: str | None = None,
    ) -> None:
        key = (kind, event, attribute, metric, credential, span)
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= self.max_keys:
                owner = "span" if span is not None else "metric" if metric is not None else ""
                key = (
                    kind,
                    OTHER if not owner else None,
                    OTHER if attribute is not None else None,
                    OTHER if owner == "metric" else None,
                    credential,
                    OTHER if owner == "span" else None,
                )
                message = f"{message} (and others: too many distinct names to list)"
                entry = self._entries.get(key)
            if entry is None:
                entry = Finding(
                    kind,
                    severity_of(kind, self.severities),
                    key[1],
                    key[2],
                    message,
                    metric=key[3],
                    credential=credential,
                    span=key[5],
                )
                self._entries[key] = entry
        entry.count += count
        if len(entry.examples) < self.examples:
            if detail is not None:
                entry.examples.append(Example(where, detail=detail))
            else:
                entry.examples.append(_example(where, value, redacted))

    def sorted(self) -> list[Finding]:
        """Most severe first, then the most frequent, then by name."""
        return sorted(
            self._entries.values(),
            key=lambda f: (
                SEVERITY_RANK[f.severity],
                -f.count,
                f.kind,
                f.event or "",
                f.metric or "",
                f.span or "",
                f.attribute or "",
            ),
        )


def _example(where: str, value: object, redacted: bool) -> Example:
    if value is _NO_VALUE:
        return Example(where)
    length = len(value) if isinstance(value, (str, bytes, list)) else None
    if redacted or holds_secret(value):
        return Example(where, wire_type(value), None, length, redacted=True)
    # A long string is shown cut, with its full length.
    if isinstance(value, str) and len(value) > SHOWN_CHARACTERS:
        return Example(where, "string", shown(value), len(value))
    return Example(where, wire_type(value), shown(value))
