"""The RFC 3339 timestamps the runtime puts on every event."""

from __future__ import annotations

import time


class TimestampFormatter:
    """RFC 3339 UTC timestamps with milliseconds and `Z`, e.g. `2025-09-30T17:02:11.493Z`.

    Formatting a datetime costs microseconds; the seconds part only changes once a
    second, so it is cached and only the milliseconds are formatted per event.
    """

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        # One tuple, read and replaced whole, so threads never see a second paired with
        # another second's prefix.
        self._cache: tuple[int, str] = (-1, "")

    def format(self, time_ns: int) -> str:
        second, rest = divmod(time_ns, 1_000_000_000)
        cached_second, prefix = self._cache
        if second != cached_second:
            prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._cache = (second, prefix)
        return f"{prefix}.{rest // 1_000_000:03d}Z"
