"""Fixtures of the live-check tests."""

from __future__ import annotations

from livecheck.process import live_check

__all__ = ["live_check"]
