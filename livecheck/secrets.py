"""The `secret` finding's scan: which credentials an exported value carries, by kind.

Every string of an export request is read by the runtime's scrubber engine
(`codex_otel.runtime._secrets`, the one that scrubs codex-otel's own content before export),
so live-check reports what a codex-otel sender with scrubbing on would have replaced:
record attributes and bodies, metric point attributes, resource and scope attributes,
strings inside arrays and key-value lists too, from any sender, whether or not the catalog
names the key. Only kinds and counts come out, never a value nor a part of one: a report
must not become the leak it reports (`holds_secret` tells the report which values of other
findings it must not show either).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from itertools import accumulate
from typing import Final

from codex_otel.runtime._secrets import findings

#: Shorter strings are not scanned: the shortest credential any rule finds, a
#: secret-naming key with its separator and a value (`pwd=abcde`), is longer.
SHORTEST: Final = 8


def credential_kinds(value: object) -> Iterator[str]:
    """The kind of each credential in `value` (a decoded AnyValue), in order."""
    for text in _strings(value):
        for found in findings(text):
            yield found.kind


class SecretScan:
    """`scan(attributes)`: `(key, kind)` for each credential in the values (usually none).

    Two economies, because the scan reads every string of every record. Values repeat
    (a conversation id, a model, a terminal on every record of a session): short strings
    once found clean are remembered (a bounded set, emptied when full), and only the others
    are read. The engine's cost is partly per call, so a record's unread strings are read
    in one call, joined by a blank line; a credential found across a join (a private key
    cut at the end of one value, say) is no value's own, and then each is read alone.
    """

    #: Strings up to this long are remembered once found clean...
    REMEMBERED_LENGTH: Final = 256
    #: ... and at most this many (then the set starts again, empty).
    REMEMBERED: Final = 8192

    def __init__(self) -> None:
        self._clean: set[str] = set()

    def scan(self, attributes: Mapping[str, object]) -> list[tuple[str, str]]:
        clean = self._clean
        keys: list[str] = []
        texts: list[str] = []
        for key, value in attributes.items():
            if value.__class__ is str:
                if len(value) >= SHORTEST and value not in clean:
                    keys.append(key)
                    texts.append(value)
            elif value.__class__ is list or value.__class__ is dict:
                for text in _strings(value):
                    keys.append(key)
                    texts.append(text)
        if not texts:
            return []
        found = _read(keys, texts)
        if not found:
            if len(clean) > self.REMEMBERED:
                clean.clear()
            clean.update(text for text in texts if len(text) <= self.REMEMBERED_LENGTH)
        return found


def scan(attributes: Mapping[str, object]) -> list[tuple[str, str]]:
    """`(key, kind)` for each credential in the values of `attributes`, nothing remembered."""
    return SecretScan().scan(attributes)


def _read(keys: list[str], texts: list[str]) -> list[tuple[str, str]]:
    """`(key, kind)` for each credential in `texts`, `keys[i]` naming where `texts[i]` is."""
    if len(texts) == 1:
        return [(keys[0], found.kind) for found in findings(texts[0])]
    found = findings(_JOIN.join(texts))
    if not found:
        return []
    ends = list(accumulate(len(text) + len(_JOIN) for text in texts))
    result: list[tuple[str, str]] = []
    for finding in found:
        index = bisect_right(ends, finding.start)
        if finding.end > ends[index] - len(_JOIN):
            return [
                (key, each.kind)
                for key, text in zip(keys, texts, strict=True)
                for each in findings(text)
            ]
        result.append((keys[index], finding.kind))
    return result


#: Between two values read in one call: a line break ends every rule's value.
_JOIN: Final = "\n\n"


def _strings(value: object) -> Iterator[str]:
    """The strings long enough to scan in an array or key-value list, however nested."""
    if value.__class__ is str:
        if len(value) >= SHORTEST:
            yield value
    elif value.__class__ is list:
        for item in value:
            yield from _strings(item)
    elif value.__class__ is dict:
        for item in value.values():
            yield from _strings(item)


def holds_secret(value: object) -> bool:
    """Whether `value` carries a credential (a finding's example must then hide it)."""
    return next(credential_kinds(value), None) is not None


__all__ = ["SHORTEST", "SecretScan", "credential_kinds", "holds_secret", "scan"]
