"""What generated metric recorders hand the runtime: a `MetricDefinition` per catalog
metric, and the measurements subscribers see (`CapturedMeasurement`).

A recorder checks its arguments, then calls `Conversation.record(definition, value,
attributes)`; the conversation adds the metadata attributes the catalog puts on every
metric and hands the measurement to `Telemetry.dispatch_measurement`. No OpenTelemetry
import here: the SDK's instruments are made from these definitions by the metrics
pipeline, once it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol

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


class MeasurementSink(Protocol):
    """Where `Telemetry` hands measurements when metrics are exported (the pipeline)."""

    def record(
        self, metric: MetricDefinition, value: int | float, attributes: Mapping[str, AttributeValue]
    ) -> bool:
        """Record one measurement; False once shut down (the caller counts the drop).
        Never raises."""
        ...
