"""The value checks of the resolver, one function each: whether an example or a fixed
value fits its type and bounds, a type's wire shape, a did-you-mean for a misspelt name.

Pure functions of their arguments (no document, no diagnostics), shared by the stages of
resolution (`resolve`, `resolve_metrics`, `resolve_spans`).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping

from .model import AttributeType
from .wire_limits import INT64_MAX, INT64_MIN


def shape(attribute_type: AttributeType) -> tuple[object, ...]:
    """What a value of the type looks like on the wire (names and docs aside)."""
    members = tuple((type(m.value).__name__, m.value) for m in attribute_type.members)
    return (attribute_type.base, attribute_type.is_array, members)


def suggest(word: str, known: Mapping[str, object], fallback: str) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else fallback


def example_fits(example: object, attribute_type: AttributeType) -> bool:
    if attribute_type.is_array:
        return isinstance(example, list) and all(
            item_fits(item, attribute_type) for item in example
        )
    return item_fits(example, attribute_type)


def item_fits(value: object, attribute_type: AttributeType) -> bool:
    """Whether `value` is one value of the type (one item, for an array type)."""
    if attribute_type.is_enum:
        # Only a str or int can be a member's value (and a list cannot be looked up).
        return (
            isinstance(value, (str, int))
            and not isinstance(value, bool)
            and value in {m.value for m in attribute_type.members}
        )
    return scalar_fits(value, attribute_type.base)


def is_finite(value: float) -> bool:
    """Whether `value` is a finite number; an int too large for a float is not one."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def within(value: object, low: float | None, high: float | None) -> bool:
    """Whether a numeric `value` lies within the bounds (anything else has no bounds)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return True
    if low is not None and isinstance(low, (int, float)) and value < low:
        return False
    return not (high is not None and isinstance(high, (int, float)) and value > high)


def scalar_fits(value: object, base: str) -> bool:
    if base == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if base == "int":  # an OTLP int: 64 bits
        return isinstance(value, int) and INT64_MIN <= value <= INT64_MAX
    if base == "double":  # NaN and infinity have no JSON form, and examples are JSON
        return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    return isinstance(value, str)
