"""Cutting a string to its catalog cap, with a visible marker (called by generated code)."""

from __future__ import annotations

#: Appended to a value cut to its catalog cap, so a reader sees that text is missing.
TRUNCATION_MARKER = "…[truncated {dropped} chars]"


def truncate(value: str, limit: int, dropped_before: int = 0) -> str:
    """Cut `value` to at most `limit` characters, the marker included, when it is longer.

    `dropped_before`: characters already cut from the end of `value` (the privacy pre-cut,
    `_privacy.py`): the marker counts them too, so it says how much of the original is
    missing."""
    if len(value) <= limit and not dropped_before:
        return value
    marker = TRUNCATION_MARKER.format(dropped=len(value) - limit + dropped_before)
    # Keep room for the marker so the result honours the cap; a cap shorter than the
    # marker still keeps the marker, since a silent cut is worse than a long one.
    keep = max(limit - len(marker), 0)
    marker = TRUNCATION_MARKER.format(dropped=len(value) - keep + dropped_before)
    # Counting the marker's room as dropped can add a digit to the count (1 -> 21 chars),
    # which would overrun the cap by one: keep one character less until it fits.
    while keep > 0 and keep + len(marker) > limit:
        keep -= 1
        marker = TRUNCATION_MARKER.format(dropped=len(value) - keep + dropped_before)
    return value[:keep] + marker
