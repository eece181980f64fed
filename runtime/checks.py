"""Argument checks and value shaping called by generated emitters.

Generated code does the cheap type tests inline; these functions only build the errors
and do the work that is the same for every catalog (truncation, timestamps).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from typing import NoReturn, TypeVar

W = TypeVar("W", str, int)

#: Appended to a value cut to its catalog cap, so a reader sees that text is missing.
TRUNCATION_MARKER = "…[truncated {dropped} chars]"


def invalid_argument(event: str, field: str, expected: str, value: object) -> NoReturn:
    """Raise the error for an argument that breaks the catalog, naming the event and field.

    A value of the wrong type is a TypeError; a value of the right type that the catalog
    does not allow (an unknown enum member) is a ValueError. The value's type is named,
    never the value itself: it may be a secret or a prompt.
    """
    if expected.startswith("one of") and type(value) in (str, int):
        raise ValueError(f"{event}: argument {field!r} must be {expected}; got an unknown member")
    if expected.startswith("sequence of one of") and _members_or_values(value):
        raise ValueError(f"{event}: argument {field!r} must be {expected}; got an unknown member")
    if expected == "int sequence" and _all_ints(value):  # the types were right: the range was not
        raise ValueError(f"{event}: argument {field!r} must be {expected}; an item exceeds 64 bits")
    found = type(value).__name__
    if "sequence" in expected and isinstance(value, (list, tuple)) and value:
        # The container was right; say what it held (names of types, never the items).
        found += " holding " + ", ".join(sorted({type(item).__name__ for item in value}))
    raise TypeError(f"{event}: argument {field!r} must be {expected}, not {found}")


def out_of_range(event: str, field: str, bounds: str) -> NoReturn:
    """Raise the error for a number outside the catalog's bounds (`bounds`: "at least 0")."""
    raise ValueError(f"{event}: argument {field!r} must be {bounds}")


def missing_argument(event: str, field: str) -> NoReturn:
    """Raise the error for a required argument passed as None."""
    raise TypeError(f"{event}: argument {field!r} is required and may not be None")


def truncate(value: str, limit: int) -> str:
    """Cut `value` to at most `limit` characters, the marker included, when it is longer."""
    if len(value) <= limit:
        return value
    marker = TRUNCATION_MARKER.format(dropped=len(value) - limit)
    # Keep room for the marker so the result honours the cap; a cap shorter than the
    # marker still keeps the marker, since a silent cut is worse than a long one.
    keep = max(limit - len(marker), 0)
    marker = TRUNCATION_MARKER.format(dropped=len(value) - keep)
    # Counting the marker's room as dropped can add a digit to the count (1 -> 21 chars),
    # which would overrun the cap by one: keep one character less until it fits.
    while keep > 0 and keep + len(marker) > limit:
        keep -= 1
        marker = TRUNCATION_MARKER.format(dropped=len(value) - keep)
    return value[:keep] + marker


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


#: The range of an OTLP int (64-bit signed); the SDK's encoder fails a batch holding more.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def is_array_of(value: object, item_types: type | tuple[type, ...]) -> bool:
    """True for a list or tuple whose items all have exactly one of `item_types`.

    Exact types, as for scalars: a bool is not accepted where ints are expected. Ints must
    fit in 64 bits, as on the wire.
    """
    if not isinstance(value, (list, tuple)):
        return False
    allowed = item_types if isinstance(item_types, tuple) else (item_types,)
    return all(
        type(item) in allowed and (type(item) is not int or INT64_MIN <= item <= INT64_MAX)
        for item in value
    )


def wire_members(
    value: object, item_types: tuple[type, ...], wire_map: Mapping[object, W]
) -> list[W] | None:
    """The wire values of a list or tuple of enum members (or of their values).

    None when `value` is not a list or tuple, or holds an item that is not one of
    `item_types` (never a bool) or not in `wire_map`: the caller then raises.
    """
    if not isinstance(value, (list, tuple)):
        return None
    out: list[W] = []
    for item in value:
        # As for a single member: exact types, except that any str may name a value.
        if type(item) not in item_types and not (str in item_types and isinstance(item, str)):
            return None
        wire = wire_map.get(item)
        if wire is None:
            return None
        out.append(wire)
    return out


def _members_or_values(value: object) -> bool:
    """A list or tuple of strs, ints and enum members: the right shape, so an item that
    is not in the enum is a wrong value (ValueError), not a wrong type."""
    return isinstance(value, (list, tuple)) and all(
        type(item) in (str, int) or isinstance(item, enum.Enum) for item in value
    )


def _all_ints(value: object) -> bool:
    return isinstance(value, (list, tuple)) and all(type(item) is int for item in value)
