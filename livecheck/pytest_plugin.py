"""pytest plugin (registered as `codex_otel` through the `pytest11` entry point).

Offers the `otel_capture` fixture to applications that test their instrumentation:

    def test_prompt_is_logged(otel_capture):
        conversation = otel_capture.telemetry.conversation(events.Metadata(...))
        events.user_prompt(conversation, prompt_length=2, prompt="hi")
        assert otel_capture.names() == ["codex.user_prompt"]
        otel_capture.assert_conforms()  # every event, measurement and span conforms

`assert_conforms(events, measurements=..., spans=...)` (from
`codex_otel.livecheck.conformance`) checks any captured events, measurements and spans
against the catalog; at the end of the run the plugin prints, per catalog, the events,
metrics, spans and attributes those checks never saw.

An application sets its catalog once: the `codex_otel_catalog` ini option (a path, relative
to the ini file), which both `otel_capture` and `assert_conforms` then use, or a conftest
that overrides the `otel_catalog` fixture (`otel_capture` alone).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from codex_otel.runtime import (
    CapturedEvent,
    CapturedMeasurement,
    CapturedSpan,
    OtelConfig,
    Telemetry,
)

from .conformance import (
    assert_conforms,
    reset_session_coverage,
    session_catalogs,
    set_default_catalog,
)

if TYPE_CHECKING:
    from .report import Report

#: The ini option naming the application's catalog.
CATALOG_OPTION = "codex_otel_catalog"


@dataclass
class OtelCapture:
    """A `Telemetry` that exports nothing, and every event, measurement and span it saw."""

    telemetry: Telemetry
    events: list[CapturedEvent] = field(default_factory=list)
    measurements: list[CapturedMeasurement] = field(default_factory=list)
    #: Every catalog span that ended, in the order they ended (children before parents).
    spans: list[CapturedSpan] = field(default_factory=list)
    #: The catalog `assert_conforms` holds them against (None: the session's default).
    schema: str | Path | None = None

    def names(self) -> list[str]:
        """The names of the captured events, in order."""
        return [event.name for event in self.events]

    def of(self, name: str) -> list[CapturedEvent]:
        """The captured events called `name`."""
        return [event for event in self.events if event.name == name]

    def assert_conforms(
        self, *, schema: str | Path | None = None, fail_on: str = "error"
    ) -> Report:
        """Fail unless every captured event, measurement and span conforms to the catalog
        (see conformance)."""
        return assert_conforms(
            self.events,
            measurements=self.measurements,
            spans=self.spans,
            schema=schema if schema is not None else self.schema,
            fail_on=fail_on,
        )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        CATALOG_OPTION,
        "codex-otel: the catalog otel_capture and assert_conforms check against "
        "(a path relative to the ini file; default: the bundled catalog)",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    value = str(config.getini(CATALOG_OPTION) or "")
    if not value:
        set_default_catalog(None)
        return
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    path = base / value
    if not path.is_file():
        raise pytest.UsageError(f"{CATALOG_OPTION} = {value}: no catalog at {path}")
    set_default_catalog(path)


@pytest.fixture
def otel_catalog() -> str | Path | None:
    """The catalog `otel_capture.assert_conforms()` checks against: None is the
    `codex_otel_catalog` ini option's, else the bundled one. Override it in a conftest to
    give a directory of tests a catalog of its own."""
    return None


@pytest.fixture
def otel_capture(otel_catalog: str | Path | None) -> Iterator[OtelCapture]:
    """Telemetry with `exporter = "none"` whose events, measurements and spans are
    collected for assertions."""
    telemetry = Telemetry(OtelConfig(), service_version="test")
    with (
        telemetry.capture() as events,
        telemetry.capture_measurements() as measurements,
        telemetry.capture_spans() as spans,
    ):
        yield OtelCapture(telemetry, events, measurements, spans, schema=otel_catalog)
    telemetry.shutdown()


def pytest_sessionstart(session: pytest.Session) -> None:
    reset_session_coverage()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Per catalog, the coverage of the events `assert_conforms` checked, when it was
    called; each named by its namespace and path (an application's catalog and the
    bundled one may both be checked in one run)."""
    for name, path, coverage in session_catalogs():
        events, attributes = coverage["events"], coverage["attributes"]
        terminalreporter.write_sep("-", f"codex-otel catalog coverage: {name} ({path})")
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
        spans = coverage.get("spans")
        if spans and spans["total"]:
            terminalreporter.write_line(
                f"spans {len(spans['seen'])}/{spans['total']} ({spans['ratio']:.0%})"
            )
            if spans["unseen"]:
                terminalreporter.write_line("never started: " + ", ".join(spans["unseen"]))
