"""The argument checks generated emitters call, and the errors they raise.

Generated code does the cheap type tests inline and, when one fails, calls the helper
named for the check that failed: the generator knows which check that is, so no helper
reads the expected type's wording to choose between TypeError and ValueError.
Every error names the event and the field. A value of the wrong type is named by its
type only: it may be a secret or a prompt (a redacted attribute is always a plain string,
whose only check is its type). A value of the right type that the catalog refuses (not a
member of an enum, outside the bounds, an int past 64 bits) is shown, cut to
`SHOWN_CHARS` characters: the catalog's generator refuses redaction on enums and numbers,
so such a value is never one a toggle would have hidden. `expected` is the catalog's type
in words ("str", "one of 'a', 'b'"), for the message only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import NoReturn, TypeVar

from ._int64 import INT64_MAX, INT64_MIN

W = TypeVar("W", str, int)

#: The most characters of a refused value an error message shows.
SHOWN_CHARS = 40


def shown(value: object) -> str:
    """`value` as an error message shows it: its repr, cut to `SHOWN_CHARS` characters
    (an int too long to print is described by its size: repr would fail past 4300
    digits)."""
    if type(value) is int and not -(10**SHOWN_CHARS) < value < 10**SHOWN_CHARS:
        return f"an int of {value.bit_length()} bits"
    if isinstance(value, (list, tuple)):
        text = "[" + ", ".join(shown(item) for item in value[:SHOWN_CHARS]) + "]"
    else:
        text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def wrong_type(event: str, field: str, expected: str, value: object) -> NoReturn:
    """Raise the TypeError for a scalar argument of the wrong type."""
    raise TypeError(f"{event}: argument {field!r} must be {expected}, not {type(value).__name__}")


def wrong_items(event: str, field: str, expected: str, value: object) -> NoReturn:
    """Raise the TypeError for an array argument that is not a list or tuple of the
    catalog's item type, saying what the container held (names of types, never items)."""
    found = type(value).__name__
    if isinstance(value, (list, tuple)) and value:
        found += " holding " + ", ".join(sorted({type(item).__name__ for item in value}))
    raise TypeError(f"{event}: argument {field!r} must be {expected}, not {found}")


def wrong_int_items(event: str, field: str, expected: str, value: object) -> NoReturn:
    """Raise the error for an int array `is_array_of` refused: a ValueError when every
    item is an int (the types were right: an item exceeds 64 bits), else `wrong_items`."""
    if isinstance(value, (list, tuple)) and all(type(item) is int for item in value):
        big = [item for item in value if not INT64_MIN <= item <= INT64_MAX]
        raise ValueError(
            f"{event}: argument {field!r} must be {expected}; an item exceeds 64 bits"
            + (f": {shown(big[0])}" if big else "")
        )
    wrong_items(event, field, expected, value)


def not_a_member(event: str, field: str, expected: str, value: object) -> NoReturn:
    """Raise the error for a scalar enum argument that is no member (nor a member's value):
    a ValueError for a str or int (a wrong value), a TypeError for anything else."""
    if type(value) in (str, int):
        raise ValueError(f"{event}: argument {field!r} must be {expected}; got {shown(value)}")
    wrong_type(event, field, expected, value)


def not_members(event: str, field: str, expected: str, value: object) -> NoReturn:
    """Raise the error for an enum array argument `wire_members` refused: a ValueError when
    it has the right shape (strs, ints and enum members) but an item is not in the enum,
    else `wrong_items`."""
    if isinstance(value, (list, tuple)) and all(
        type(item) in (str, int) or isinstance(item, enum.Enum) for item in value
    ):
        raise ValueError(f"{event}: argument {field!r} must be {expected}; got {shown(value)}")
    wrong_items(event, field, expected, value)


def out_of_range(event: str, field: str, bounds: str, value: object) -> NoReturn:
    """Raise the error for a number outside the catalog's bounds (`bounds`: "at least 0")."""
    raise ValueError(f"{event}: argument {field!r} must be {bounds}; got {shown(value)}")


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
