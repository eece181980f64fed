"""The typed reading of `[otel]` values that every part of `load_config` shares: the
errors (a `ConfigError` naming the key path, or the variable), the environment, the
getters of strings, choices, flags, seconds and counts, the maxima, and how a value is
shown in a message (never a secret: URL user info and queries masked, tables and arrays
by their kind alone).

Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import NoReturn
from urllib.parse import unquote

from . import config as model

#: The largest count or size (`max_queue_size`, `max_bytes`...): a signed 64-bit integer.
#: Far beyond any memory; an integer of thousands of digits is a ConfigError, not a
#: ValueError from int().
_MAX_COUNT = 2**63 - 1
#: The longest `shutdown_timeout` and exporter `timeout`: one hour.
_MAX_SECONDS = 3600.0
#: The longest `[otel.batch] schedule_delay_ms` (and OTEL_BLRP_SCHEDULE_DELAY): one hour.
_MAX_SCHEDULE_DELAY_MS = 3_600_000
#: The longest `[otel.metrics] export_interval_ms` (and OTEL_METRIC_EXPORT_INTERVAL): a day.
_MAX_EXPORT_INTERVAL_MS = 86_400_000


def _printable(text: str) -> str:
    """`text` with its control and other unprintable characters escaped as `repr` would
    (a CR LF in a header name must not start a new line of a log)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _shown(value: object) -> str:
    """`value` as a message shows it: a string with any URL user info or query masked (an
    endpoint written where another setting belongs still holds its token), a table or an
    array by its kind alone (it may hold headers), anything else as `repr` shows it."""
    if isinstance(value, str):
        return repr(model.url_without_secrets(value))
    if isinstance(value, (dict, list)):
        return "(not shown)"
    return _short(repr(value))


def _short(text: str) -> str:
    """A number's text cut to 40 characters: a 4000-digit integer is no message."""
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def _kind(value: object) -> str:
    """The TOML type of `value`, for messages (bool first: it is an int to Python)."""
    for python_type, name in (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (dict, "a table"),
        (list, "an array"),
    ):
        if isinstance(value, python_type):
            return name
    return "a date/time"


def _one_of(choices: Collection[str]) -> str:
    return ", ".join(f'"{choice}"' for choice in choices)


def _suggest(word: str, choices: Collection[str]) -> str:
    import difflib  # only needed on the error path

    close = difflib.get_close_matches(word, choices, n=1)
    return f"did you mean {close[0]!r}? " if close else ""


class ValueReader:
    """The typed getters of one `[otel]` table, and its errors. Knows its environment,
    its file (for messages) and the directory that relative paths start from."""

    def __init__(self, environ: Mapping[str, str], base_dir: Path, origin: str | None) -> None:
        self.environ = environ
        self.base_dir = base_dir
        self.origin = origin

    # --- errors and the environment ----------------------------------------------------

    def bad(self, where: str, problem: str) -> NoReturn:
        """Raise for a key path (prefixed with the file) or a variable name."""
        raise model.ConfigError(f"{self.named(where)}: {problem}")

    def named(self, where: str) -> str:
        """A key path as messages name it (prefixed with the file), or a variable name;
        unprintable characters (of a key or a header name) escaped."""
        where = _printable(where)
        in_file = self.origin is not None and (where == "otel" or where.startswith("otel."))
        return f"{self.origin}: {where}" if in_file else where

    def env(self, *names: str) -> tuple[str, str] | None:
        """The first of `names` that is set, as (name, value). As the OpenTelemetry spec
        asks, a variable set to an empty value counts as unset."""
        for name in names:
            value = self.environ.get(name, "").strip()
            if value:
                return name, value
        return None

    # --- typed getters: None when the key is absent (TOML has no null) --------------------

    def table(self, value: object, where: str) -> dict[str, object]:
        if not isinstance(value, dict):
            self.bad(where, f"expected a table, got {_kind(value)} {_shown(value)}")
        return value

    def sub(self, table: Mapping[str, object], path: str, key: str) -> dict[str, object] | None:
        value = table.get(key)
        return None if value is None else self.table(value, f"{path}.{key}")

    def text(self, table: Mapping[str, object], path: str, key: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.bad(f"{path}.{key}", f"expected a string, got {_kind(value)} {_shown(value)}")
        if not value.strip():
            self.bad(f"{path}.{key}", "must not be empty")
        return value

    def choice(
        self, table: Mapping[str, object], path: str, key: str, allowed: Collection[str]
    ) -> str | None:
        value = self.text(table, path, key)
        if value is not None and value not in allowed:
            self.bad(
                f"{path}.{key}", f"{value!r} is not allowed; expected one of {_one_of(allowed)}"
            )
        return value

    def flag(self, table: Mapping[str, object], path: str, key: str) -> bool | None:
        value = table.get(key)
        if value is not None and not isinstance(value, bool):
            self.bad(f"{path}.{key}", f"expected true or false, got {_kind(value)} {_shown(value)}")
        return value

    def seconds(self, table: Mapping[str, object], path: str, key: str) -> float | None:
        value = table.get(key)
        if value is None:
            return None
        where = f"{path}.{key}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.bad(where, f"expected a number of seconds, got {_kind(value)} {_shown(value)}")
        # Not math.isfinite first: an integer beyond a float's range is an OverflowError.
        if not value > 0 or (isinstance(value, float) and not math.isfinite(value)):
            self.bad(where, f"expected a positive number of seconds, got {_shown(value)}")
        if value > _MAX_SECONDS:
            self.bad(where, f"{_shown(value)} seconds is too long; at most {_MAX_SECONDS:g}")
        return float(value)

    def count(
        self, table: Mapping[str, object], path: str, key: str, *, most: int = _MAX_COUNT
    ) -> int | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.bad(
                f"{path}.{key}", f"expected a positive integer, got {_kind(value)} {_shown(value)}"
            )
        if value > most:
            self.bad(f"{path}.{key}", f"{_short(str(value))} is too large; at most {most}")
        return value

    def check_keys(
        self, table: Mapping[str, object], path: str, allowed: Collection[str], note: str = ""
    ) -> None:
        for key in table:
            if key not in allowed:
                hint = _suggest(key, allowed)
                self.bad(f"{path}.{key}", f"unknown key; {hint}allowed: {', '.join(allowed)}{note}")

    def env_count(self, var: str, value: str, *, most: int = _MAX_COUNT) -> int:
        # ASCII digits only (`isdigit` takes other scripts' digits and superscripts).
        if not (value.isascii() and value.isdigit()) or not value.strip("0"):
            self.bad(var, f"expected a positive integer, got {value!r}")
        # Compared as text first: int() refuses more than 4300 digits (a ValueError).
        digits = value.lstrip("0")
        if len(digits) > len(str(most)) or int(digits) > most:
            self.bad(
                var,
                f"{digits[:20]}{'...' if len(digits) > 20 else ''} is too large; at most {most}",
            )
        return int(digits)

    def pairs(self, var: str, raw: str, *, secret: bool) -> list[tuple[str, str]]:
        """Parse the spec's `key=value,key2=value2` lists; values are percent-decoded."""
        pairs = []
        for position, member in enumerate(raw.split(","), 1):
            if not member.strip():
                continue  # tolerate "a=1,,b=2" and a trailing comma
            key, equals, value = member.partition("=")
            if not equals or not key.strip():
                shown = f"item {position}" if secret else repr(member.strip())
                self.bad(var, f"{shown} is not key=value; expected comma-separated key=value pairs")
            pairs.append((key.strip(), unquote(value.strip())))
        return pairs
