"""What the instrument tests' fixtures (tests/instrument/conftest.py) hand out, as types
the test modules can import: a conftest is not a module to import from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: The `recorded` fixture: the captured events as (name, own attributes).
Recorded = Callable[[], list[tuple[str, dict[str, Any]]]]


class FakeClock:
    """A monotonic nanosecond clock that only moves when told to (or by `step_ms` per read)."""

    def __init__(self) -> None:
        self.now_ns = 7_000_000_000
        self.step_ns = 0
        self.reads = 0

    def __call__(self) -> int:
        self.reads += 1
        value = self.now_ns
        self.now_ns += self.step_ns
        return value

    def advance(self, ms: float) -> None:
        self.now_ns += round(ms * 1_000_000)
