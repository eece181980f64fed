"""Strings made safe for every exporter: valid UTF-8, whatever a `str` holds.

A Python `str` may hold code points that UTF-8 cannot encode: the surrogates
U+D800-U+DFFF, which is how `errors="surrogateescape"` (file names, subprocess output,
environment variables) hands over bytes that are not UTF-8. OTLP strings must be valid
UTF-8, and the SDK's encoders do not cope: the protobuf encoder drops the attribute and
prints a traceback, the JSON encoder fails the whole batch. So every string is checked
once, before subscribers and the exporter see it, and each surrogate becomes U+FFFD (the
replacement character), one for one, so lengths and the truncation caps are unchanged.

Everything else is kept as it is: NUL and the other control characters are valid UTF-8
and valid OTLP (protobuf carries them as bytes; the JSON encoders escape them as
`\\u0000`), and what the receiver does with them is its own business.

The check costs one `str.isascii()` (constant time in CPython) for an ASCII string; only
other strings are encoded to find out, and only strings that fail are rebuilt.

The callers' fast paths test `type(value) is str`; a `str` subclass (which the emitters'
`isinstance` checks and Metadata accept) takes a fallback instead: `plain_string` turns it
into an ordinary `str` holding the same characters (what every encoder would read), which
is then cleaned like any other. A subclass's own `isascii`, `encode` or `__str__` is never
asked.
"""

from __future__ import annotations

import re
from typing import Final

from .types import Attributes, AttributeValue

#: What replaces a code point that UTF-8 cannot encode.
REPLACEMENT: Final = "\ufffd"

_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def wire_string(value: str) -> str:
    """`value`, with every surrogate code point replaced by U+FFFD."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(REPLACEMENT, value)
    return value


def plain_string(value: str) -> str:
    """`value` as an ordinary, valid UTF-8 `str`: a subclass's characters (read by
    `str.__str__`, which copies them into an exact `str`, whatever the subclass overrides)
    with every surrogate replaced."""
    return wire_string(str.__str__(value))


def wire_value(value: AttributeValue) -> AttributeValue:
    """An attribute value whose strings (alone or in an array) are all valid UTF-8 and
    ordinary `str` objects (a subclass becomes one: see `plain_string`).

    The value itself is returned when nothing needed replacing; an array that held a bad
    string (or a subclass) comes back as a new list or tuple, as it was given.
    """
    if type(value) is str:
        return value if value.isascii() else wire_string(value)
    if isinstance(value, (list, tuple)):
        for item in value:
            if type(item) is str:
                if item.isascii() or wire_string(item) is item:
                    continue
            elif not isinstance(item, str):
                continue
            items = [plain_string(i) if isinstance(i, str) else i for i in value]
            return tuple(items) if isinstance(value, tuple) else items
        return value
    if isinstance(value, str):
        return plain_string(value)
    return value


def wire_attributes(attributes: Attributes) -> Attributes:
    """`attributes` with `wire_value` applied to each value (a new dict only when needed)."""
    out: Attributes | None = None
    for key, value in attributes.items():
        clean = wire_value(value)
        if clean is not value:
            if out is None:
                out = dict(attributes)
            out[key] = clean
    return attributes if out is None else out
