"""Fixtures of the wire tests (the receivers' fixtures come from tests/conftest.py)."""

from __future__ import annotations

import os

import pytest

from support.telemetry import start_telemetry

__all__ = ["ca_bundle_variables", "start_telemetry"]


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
