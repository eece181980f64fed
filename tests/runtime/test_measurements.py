"""Measurements in process (`Conversation.record`, measurement subscribers): the contract
generated metric recorders rely on, with no exporter and no OpenTelemetry import."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, cast

import pytest

from codex_otel.runtime import Attributes, MetricDefinition, Telemetry

COUNTER = MetricDefinition("demo.requests", "counter", "{request}", "Requests.", "int")


@dataclass(frozen=True)
class Meta:
    COMPUTED: ClassVar[Mapping[str, str]] = {}
    METRIC_KEYS: ClassVar[tuple[str, ...]] = ("model", "app.version")
    model: str
    conversation_id: str

    def to_attributes(self) -> Attributes:
        return {"model": self.model, "conversation.id": self.conversation_id, "app.version": "1"}


def test_a_measurement_carries_the_metric_keys_of_the_metadata_only() -> None:
    telemetry = Telemetry(service_version="1")
    conversation = telemetry.conversation(Meta(model="gpt-\udc80", conversation_id="c-1"))
    assert not conversation.metrics_recording
    with telemetry.capture_measurements() as measurements:
        assert conversation.metrics_recording
        conversation.record(COUNTER, 3, {"status": "200", "kind": "a\ud800b"})
    assert not conversation.metrics_recording  # unsubscribed at the end of the block
    [measurement] = measurements
    assert measurement.name == "demo.requests" and measurement.value == 3
    # Metadata keys outside METRIC_KEYS (conversation.id: unbounded) stay off metrics.
    # Every string held to the metric tag characters (runtime/_metric_tags.py).
    assert dict(measurement.attributes) == {
        "model": "gpt-",
        "app.version": "1",
        "status": "200",
        "kind": "a_b",
    }
    with pytest.raises(TypeError):
        cast("dict[str, object]", measurement.attributes)["model"] = "x"
    telemetry.shutdown()


def test_a_subscriber_that_raises_costs_nothing_and_is_counted() -> None:
    telemetry = Telemetry(service_version="1")
    conversation = telemetry.conversation(Meta(model="m", conversation_id="c"))

    def broken(_: object) -> None:
        raise RuntimeError("subscriber bug")

    unsubscribe = telemetry.subscribe_measurements(broken)
    with telemetry.capture_measurements() as measurements:
        conversation.record(COUNTER, 1, {})
    unsubscribe()
    unsubscribe()  # a second call is harmless
    assert len(measurements) == 1
    assert telemetry.stats.subscriber_errors == 1
    telemetry.shutdown()
    with telemetry.capture_measurements() as late:
        conversation.record(COUNTER, 1, {})
    assert late == [] and telemetry.stats.dropped_after_shutdown == 1
