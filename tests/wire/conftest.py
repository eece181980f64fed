"""Fixtures of the wire tests (the receivers' fixtures come from tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

import pytest
from wire.wirekit import ENVIRON, VERSION

from codex_otel.runtime import Telemetry, load_config


@pytest.fixture(autouse=True)
def ca_bundle_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE are set on this machine and in CI.

    requests lets them replace a session's own CA (psf/requests#3829), which would make
    the configured `ca-certificate` useless; every wire test runs with them set, to a
    bundle that does not hold the test CA.
    """
    import certifi

    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if not os.environ.get(name):
            monkeypatch.setenv(name, certifi.where())


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
