"""Mask hooks that `[otel.privacy] mask` names in the tests (`privacy.masks:...`)."""

from __future__ import annotations

import re

CALLS: list[str] = []


def hide_hostnames(text: str) -> str:
    """Replace internal host names, as a user's mask would."""
    CALLS.append(text)
    return re.sub(r"[a-z0-9-]+\.internal\b", "[HOST]", text)


def broken(text: str) -> str:
    raise RuntimeError("the mask's own bug: " + text)


def not_a_string(text: str) -> str:
    return len(text)  # type: ignore[return-value]


NOT_CALLABLE = "a string"
