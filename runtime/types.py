"""Types shared by the runtime and the code generated against it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Protocol, TypeAlias

#: What an OpenTelemetry attribute may hold (the OTLP `AnyValue` subset the catalog uses).
AttributeValue: TypeAlias = (
    str | bool | int | float | Sequence[str] | Sequence[bool] | Sequence[int] | Sequence[float]
)

#: Attributes of one event, keyed by wire key.
Attributes = dict[str, AttributeValue]


class MetadataLike(Protocol):
    """The per-conversation metadata a generated module defines from the catalog's common group."""

    #: Wire keys the runtime computes at emit time, and how: "timestamp" (RFC 3339, ms) or
    #: "event_name" (the name of the event being emitted).
    COMPUTED: ClassVar[Mapping[str, str]]

    def to_attributes(self) -> Attributes:
        """The metadata as wire attributes; optional values that are unknown are omitted."""
        ...


class MetricMetadataLike(MetadataLike, Protocol):
    """Metadata of a catalog with metrics: which of its wire keys every metric carries
    (the catalog's `common.metric_attributes`, all of low cardinality)."""

    METRIC_KEYS: ClassVar[tuple[str, ...]]
