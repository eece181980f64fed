"""pytest plugin (registered as `codex_otel` through the `pytest11` entry point).

Offers the `otel_capture` fixture to applications that test their instrumentation:

    def test_prompt_is_logged(otel_capture):
        conversation = otel_capture.telemetry.conversation(events.Metadata(...))
        events.user_prompt(conversation, prompt_length=2, prompt="hi")
        assert otel_capture.names() == ["codex.user_prompt"]
        otel_capture.assert_conforms()  # every event and measurement conforms

`assert_conforms(events, measurements=...)` (from `codex_otel.runtime.conformance`) checks
any captured events and measurements against the catalog; at the end of the run the plugin
prints the catalog's events, metrics and attributes those checks never saw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .config import OtelConfig
from .conformance import assert_conforms, reset_session_coverage, session_coverage
from .metrics import CapturedMeasurement
from .telemetry import CapturedEvent, Telemetry

if TYPE_CHECKING:
    from codex_otel.livecheck import Report


@dataclass
class OtelCapture:
    """A `Telemetry` that exports nothing, and every event and measurement it saw."""

    telemetry: Telemetry
    events: list[CapturedEvent] = field(default_factory=list)
    measurements: list[CapturedMeasurement] = field(default_factory=list)

    def names(self) -> list[str]:
        """The names of the captured events, in order."""
        return [event.name for event in self.events]

    def of(self, name: str) -> list[CapturedEvent]:
        """The captured events called `name`."""
        return [event for event in self.events if event.name == name]

    def assert_conforms(
        self, *, schema: str | Path | None = None, fail_on: str = "error"
    ) -> Report:
        """Fail unless every captured event and measurement conforms to the catalog (see
        conformance)."""
        return assert_conforms(
            self.events, measurements=self.measurements, schema=schema, fail_on=fail_on
        )


@pytest.fixture
def otel_capture() -> Iterator[OtelCapture]:
    """Telemetry with `exporter = "none"` whose events and measurements are collected for
    assertions."""
    telemetry = Telemetry(OtelConfig(), service_version="test")
    with telemetry.capture() as events, telemetry.capture_measurements() as measurements:
        yield OtelCapture(telemetry, events, measurements)
    telemetry.shutdown()


def pytest_sessionstart(session: pytest.Session) -> None:
    reset_session_coverage()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The catalog coverage of the events `assert_conforms` checked, when it was called."""
    for path, coverage in session_coverage().items():
        events, attributes = coverage["events"], coverage["attributes"]
        terminalreporter.write_sep("-", f"codex-otel catalog coverage ({Path(path).name})")
        terminalreporter.write_line(
            f"events {len(events['seen'])}/{events['total']} ({events['ratio']:.0%}), "
            f"attributes {len(attributes['seen'])}/{attributes['total']} "
            f"({attributes['ratio']:.0%})"
        )
        if events["unseen"]:
            terminalreporter.write_line("never emitted: " + ", ".join(events["unseen"]))
        metrics = coverage.get("metrics")
        if metrics and metrics["total"]:
            terminalreporter.write_line(
                f"metrics {len(metrics['seen'])}/{metrics['total']} ({metrics['ratio']:.0%})"
            )
            if metrics["unseen"]:
                terminalreporter.write_line("never recorded: " + ", ".join(metrics["unseen"]))
