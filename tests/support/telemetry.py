"""Telemetry started from `[otel]` TOML for wire-level tests, shut down at teardown.

`start_telemetry` is a fixture: a conftest (or test module) that wants it imports it, as
tests/wire/conftest.py and tests/live_check/conftest.py do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
from wire.wirekit import ENVIRON, VERSION

from codex_otel.runtime import Telemetry, load_config


class TelemetryFactory:
    """Starts `Telemetry` from `[otel]` TOML; every instance is shut down at teardown."""

    def __init__(self) -> None:
        self.started: list[Telemetry] = []

    def __call__(
        self,
        toml: str,
        *,
        environ: Mapping[str, str] = ENVIRON,
        service_version: str = VERSION,
    ) -> Telemetry:
        telemetry = Telemetry(
            load_config(text=toml, environ=environ), service_version=service_version
        )
        self.started.append(telemetry)
        # The SDK starts in the background; the tests measure and inspect the running one.
        assert telemetry.wait_until_started(10)
        return telemetry

    def close(self) -> None:
        for telemetry in self.started:
            telemetry.shutdown(0.2)  # idempotent; bounded even when a test failed midway


@pytest.fixture
def start_telemetry() -> Iterator[TelemetryFactory]:
    factory = TelemetryFactory()
    try:
        yield factory
    finally:
        factory.close()
