"""Fixtures of the semconv tests: a conventions checkout in the upstream layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from semconv.upstream import write_checkout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A conventions checkout in the upstream layout (see `semconv.upstream.FILES`)."""
    return write_checkout(tmp_path / "semconv")
