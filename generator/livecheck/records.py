"""The neutral shape every source is decoded into: records grouped by their resource.

Values are decoded OTLP `AnyValue`s as Python values: `str`, `int`, `float`, `bool`,
`list` (arrayValue), `dict` (kvlistValue), `bytes` (bytesValue) and `None` (no value),
the same shapes `telemetry.capture()` hands subscribers, so one checker serves the wire
and the test suite.
"""

from __future__ import annotations

from typing import NamedTuple


class LiveRecord(NamedTuple):
    #: The OTLP EventName; "" when the record has none.
    event_name: str
    attributes: dict[str, object]


class ResourceRecords(NamedTuple):
    #: The resource's attributes; None when the source has no resource (in-process capture).
    resource: dict[str, object] | None
    records: list[LiveRecord]


class InvalidRequest(ValueError):
    """The input is not an OTLP logs export request; the message says where and why."""
