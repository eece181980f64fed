"""What generated metric recorders hand the runtime: a `MetricDefinition` per catalog
metric, and the measurements subscribers see (`CapturedMeasurement`).

A recorder checks its arguments, builds the point (`Conversation.metric_attributes`, the
metadata every metric carries, and its own attributes, free text made valid UTF-8) and
calls `Conversation.record_point(definition, value, point)`, which hands it to the
pipeline's instrument and to measurement subscribers (`Conversation.record` does the
merging itself, for hand-written callers). No OpenTelemetry
import here: the SDK's instruments are made from these definitions by the metrics
pipeline, once it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

from .types import AttributeValue

Instrument = Literal["counter", "updowncounter", "histogram", "gauge"]
ValueType = Literal["int", "double"]


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    """One metric of the catalog, as the generated module declares it."""

    name: str
    instrument: Instrument
    #: UCUM, as the catalog gives it: `ms`, `s`, `1`, `{token}`.
    unit: str
    description: str
    value_type: ValueType
    #: Explicit histogram bucket boundaries (histograms only); None: the SDK's defaults.
    boundaries: tuple[float, ...] | None = None


class CapturedMeasurement(NamedTuple):
    """One measurement as measurement subscribers see it: the attributes that go on the
    wire (the metric's own and the metadata's), and the value as recorded."""

    metric: MetricDefinition
    value: int | float
    attributes: Mapping[str, AttributeValue]
    timestamp_ns: int

    @property
    def name(self) -> str:
        return self.metric.name


MeasurementSubscriber = Callable[[CapturedMeasurement], None]
