"""Fixtures of the live-check tests."""

from __future__ import annotations

from live_check.process import live_check
from support.telemetry import start_telemetry

__all__ = ["live_check", "start_telemetry"]
