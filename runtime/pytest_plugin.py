"""pytest plugin (registered as `codex_otel` through the `pytest11` entry point).

Offers the `otel_capture` fixture to applications that test their instrumentation:

    def test_prompt_is_logged(otel_capture):
        conversation = otel_capture.telemetry.conversation(events.Metadata(...))
        events.user_prompt(conversation, prompt_length=2, prompt="hi")
        assert otel_capture.names() == ["codex.user_prompt"]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from .config import OtelConfig
from .telemetry import CapturedEvent, Telemetry


@dataclass
class OtelCapture:
    """A `Telemetry` that exports nothing, and every event it saw."""

    telemetry: Telemetry
    events: list[CapturedEvent] = field(default_factory=list)

    def names(self) -> list[str]:
        """The names of the captured events, in order."""
        return [event.name for event in self.events]

    def of(self, name: str) -> list[CapturedEvent]:
        """The captured events called `name`."""
        return [event for event in self.events if event.name == name]


@pytest.fixture
def otel_capture() -> Iterator[OtelCapture]:
    """Telemetry with `exporter = "none"` whose events are collected for assertions."""
    telemetry = Telemetry(OtelConfig(), service_version="test")
    with telemetry.capture() as events:
        yield OtelCapture(telemetry, events)
    telemetry.shutdown()
