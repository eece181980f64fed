"""One rename matcher for everything `diff` compares by key: events and metrics (by name),
attributes (by key), enum members (by value).

Each kind has its own evidence that an old key became a new one (a deprecated event naming
its replacement, an attribute that `replaces` another, a member keeping its name under a
new value) and hands it over as candidate pairs; the matcher applies one rule to all of
them: a rename leads from a key the old side has to a key only the new side has, and an
old key is renamed once (the first candidate wins).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

_V = TypeVar("_V")


@dataclass(frozen=True)
class Matching(Generic[_V]):
    """Two keyed collections matched; every list in its side's order."""

    old: Mapping[str, _V]
    new: Mapping[str, _V]
    #: Old key -> the new key it was renamed to.
    renamed_to: Mapping[str, str]

    @property
    def renamed_from(self) -> dict[str, str]:
        """New key -> the old key renamed to it (the first, when several were)."""
        found: dict[str, str] = {}
        for old_key, new_key in self.renamed_to.items():
            found.setdefault(new_key, old_key)
        return found

    @property
    def added(self) -> list[str]:
        """New keys that are neither on the old side nor the target of a rename."""
        targets = set(self.renamed_to.values())
        return [key for key in self.new if key not in self.old and key not in targets]

    @property
    def removed(self) -> list[str]:
        """Old keys gone from the new side without being renamed."""
        return [key for key in self.old if key not in self.new and key not in self.renamed_to]


def match(
    old: Mapping[str, _V], new: Mapping[str, _V], candidates: Iterable[tuple[str, str]]
) -> Matching[_V]:
    """Match `old` with `new`. `candidates` are (old key, new key) pairs the kind's evidence
    suggests, in order of preference; each is a rename when the old key is on the old side,
    the new key only on the new side, and the old key is not renamed yet."""
    renamed_to: dict[str, str] = {}
    for old_key, new_key in candidates:
        if old_key in old and new_key in new and new_key not in old and old_key not in renamed_to:
            renamed_to[old_key] = new_key
    return Matching(old, new, renamed_to)
