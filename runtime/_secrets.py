"""Credentials found in free text and replaced by a marker naming their kind.

    >>> scrub("export GITHUB_TOKEN=ghp_...")        # doctest: +SKIP
    Scrubbed(text='export GITHUB_TOKEN=[SECRET:github-pat]', kinds=('github-pat',))

`scrub(text)` returns the text with every credential replaced by `[SECRET:<kind>]` and the
kinds it replaced, in order; `findings(text)` returns where they are (for a leak report
that names kinds and counts, never values); `might_contain_secret(text)` answers whether
`scrub` would change anything. A cheaper prefilter does not pay: `scrub` starts with the
anchor search such a filter would make, and text without anchors costs only that. None
of them raises for any `str` (lone surrogates included) and each runs in time linear in
the text: the patterns (`_secret_rules`) have bounded repetitions and literal anchors, and
adversarial megabytes are part of the tests.

How it scans. Every credential format is ASCII, so the engine works on the text's ASCII
view, `text.encode("ascii", "replace")`: one byte per character (anything else becomes
`?`), so offsets are the text's own; the case-insensitive rules (secret-naming keys such
as `DB_PASSWORD=`, `Authorization:` headers) read the lower-cased view. Each rule starts
with a literal anchor (`ghp_`, `AKIA`, `-----BEGIN`, `token`); the scanner finds every
occurrence of every anchor, tries the rule's pattern there, and judges the generic rules'
candidates in Python (the whole key name; the value: not a number, a placeholder, a
variable, a type annotation or a call). With google-re2 installed, one pass of a single RE2
automaton finds the anchors (for keys, only where a separator follows); without it, one
`bytes.find` loop per anchor: the same positions, so the same results (a test holds them
equal), at a quarter of the speed. Overlapping matches keep the earliest, then the longest, then
the specific rule over the generic one.

Documented example credentials (AWS's `AKIAIOSFODNN7EXAMPLE` and its secret key, jwt.io's
sample token) are left as they are: they appear in documentation and test fixtures an agent
reads, they grant nothing, and only those exact strings are spared, so a real key differing
by one character is still scrubbed.

Measured side by side (`python tests/privacy/compare.py`, 2026-12-07, CPython 3.11.7 on
2 shared cores, CPU time; corpora of tests/privacy/corpus.py: 2.3 MB of agent tool output
with 574 planted credentials of 29 kinds, and 2.3 MB of clean output rich in lookalikes):

| engine | recall | false positives per MB | MB/s |
|---|---|---|---|
| this module, google-re2 1.1 search | 100% | 0 | 81 |
| this module, stdlib search | 100% | 0 | 24 |
| detect-secrets 1.5.0, default plugins | 58.7% | 292 | 0.25 |

detect-secrets scans line by line with every plugin, and its entropy plugins flag hashes,
UUIDs and base64 (its false positives); it has no rules for several formats planted here
(Anthropic, OpenAI project keys, GitLab routable tokens, passwords in URLs, most vendors'
prefixed tokens), and it reports values, not spans, so it cannot replace them in place.
This module is kept: it meets the recall and false-positive targets and is two orders of
magnitude faster (`scrub_mb_per_s` in benchmarks/ measures it in wall-clock time). Its
rules still miss what no rule names (a bare random string with no telling key), and a
secret-naming key's unquoted value that reads as code (`password = user_input`, an
identifier after a spaced `=`) is taken for code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Final, NamedTuple

from ._secret_rules import ASSIGNMENTS, CONTEXTUAL, FLAG_STEMS, KEY_TAIL, SPECIFIC, Rule

#: The marker that replaces a credential; `{kind}` names its format.
MARKER: Final = "[SECRET:{kind}]"
#: The kind that replaces a whole text the scan failed on.
UNSCANNED: Final = "unscanned"

#: Exact documented example values, left alone (see the module's docstring).
DOCUMENTED_EXAMPLES: Final[frozenset[str]] = frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
        "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    }
)


class Finding(NamedTuple):
    """A credential: its kind and where it is (`text[start:end]`)."""

    kind: str
    start: int
    end: int


class Scrubbed(NamedTuple):
    """The scrubbed text and the kinds replaced, in order of appearance."""

    text: str
    kinds: tuple[str, ...]


def scrub(text: str) -> Scrubbed:
    """`text` with each credential replaced by `[SECRET:<kind>]`.

    Should the scan itself fail (a bug, never a property of the text), the whole text is
    replaced: a scrubber that fails must not let through what it could not read.
    """
    text = _exact(text)
    try:
        found = findings(text)
    except Exception:
        return Scrubbed(MARKER.format(kind=UNSCANNED), (UNSCANNED,))
    if not found:
        return Scrubbed(text, ())
    parts: list[str] = []
    position = 0
    for finding in found:
        parts.append(text[position : finding.start])
        parts.append(MARKER.format(kind=finding.kind))
        position = finding.end
    parts.append(text[position:])
    return Scrubbed("".join(parts), tuple(finding.kind for finding in found))


def might_contain_secret(text: str) -> bool:
    """Whether `scrub` would replace anything in `text` (as costly as `findings`)."""
    return bool(findings(_exact(text)))


def findings(text: str) -> list[Finding]:
    """The credentials in `text`, in order, none overlapping."""
    text = _exact(text)
    data = text.encode("ascii", "replace")
    candidates: list[tuple[int, int, int, str]] = []
    for view, scanner in ((data, _CASED), (data.lower(), _LOWER)):
        # A rule does not look again inside what it found (`password=` a thousand times
        # over is one value, not a thousand); other rules still look there.
        ends: dict[int, int] = {}  # id(rule) -> the end of its last finding
        for position, rule in scanner.positions(view):
            if position < ends.get(id(rule), 0):
                continue
            match = rule.pattern.match(view, position)
            found = None if match is None else _judge(rule, match, view)
            if found is not None:
                start, end, kind = found
                # Sorted by start, then longest, then specific before generic.
                candidates.append((start, start - end, int(rule.generic), kind))
                ends[id(rule)] = end
    if not candidates:
        return []
    candidates.sort()
    result: list[Finding] = []
    reached = 0
    for start, negative_length, _, kind in candidates:
        if start < reached:
            continue
        end = start - negative_length
        if text[start:end] in DOCUMENTED_EXAMPLES:
            continue
        result.append(Finding(kind, start, end))
        reached = end
    return result


# --- judging one match --------------------------------------------------------------------


def _judge(rule: Rule, match: re.Match[bytes], view: bytes) -> tuple[int, int, str] | None:
    """The span and kind `match` scrubs, or None when it is no credential."""
    start = match.start()
    if rule.back is not None:
        start -= rule.back_len
        if start < 0 or not rule.back.fullmatch(view, start, match.start()):
            return None
    if rule.before and start > 0 and view[start - 1] in rule.before:
        return None
    if rule.assignment:
        return _assignment(match, view, start)
    kind = _kind(rule, match)
    if "v" in rule.pattern.groupindex:
        value_start, value_end = match.span("v")
        if _placeholder(view[value_start:value_end]):
            return None
        return value_start, value_end, kind
    return start, match.end(), kind


def _kind(rule: Rule, match: re.Match[bytes]) -> str:
    for name, value in match.groupdict().items():
        if value is not None and name.startswith("k_"):
            return name[2:].replace("_", "-")
    return rule.kind


_KEY_CHARS: Final = b"abcdefghijklmnopqrstuvwxyz0123456789_.-"
_SEPARATORS: Final = b"_.-"
_SEPARATORS_AND_QUOTE: Final = b'_.-"'

#: What may follow a stem in a secret-naming key (separators removed): `secret_key`,
#: `AWS_SECRET_ACCESS_KEY`, `SECRET_KEY_BASE`, `client_secrets`.
_TAILS: Final[frozenset[bytes]] = frozenset(
    {
        b"",
        b"s",
        b"key",
        b"accesskey",
        b"keybase",
        b"base",
        b"value",
        b"b64",
        b"base64",
        b"hex",
        b"token",
        b"str",
    }
)
#: Keys ending in `key` that name a secret; any other `...key` (sort_key, cache key) does not.
_SECRET_KEYS: Final = (
    b"apikey",
    b"accesskey",
    b"privatekey",
    b"secretkey",
    b"accountkey",
    b"sharedaccesskey",
    b"authkey",
    b"clientkey",
    b"signingkey",
    b"encryptionkey",
    b"masterkey",
    b"subscriptionkey",
    b"adminkey",
    b"appkey",
    b"licensekey",
    b"servicekey",
    b"webhookkey",
    b"hmackey",
)
#: `...token` keys that hold a cursor, not a credential.
_CURSORS: Final = (
    b"pagetoken",
    b"nexttoken",
    b"continuationtoken",
    b"synctoken",
    b"cancellationtoken",
    b"paginationtoken",
    b"resumetoken",
    b"cursortoken",
)
#: Values that are words of a language or a format, never a credential.
_NOT_VALUES: Final[frozenset[bytes]] = frozenset(
    b"true false null none nil undefined yes no on off required optional disabled enabled"
    b" str bytes string int integer number bool boolean any object secretstr secretbytes"
    b" optional union dict list text varchar char unknown never void password secret token"
    b" redacted masked hidden removed omitted empty default auto env environ"
    b" os.environ process.env".split()
)
_NUMBER: Final = re.compile(rb"[-+]?[0-9][0-9_.,:]*[a-z%]{0,3}")
_IDENTIFIER: Final = re.compile(rb"[a-z_][a-z0-9_]*")
#: A call (`get_token()`, `parse(&header)?`, `os.environ.get(` cut at its quote).
_CALL: Final = re.compile(rb"[a-z_$][a-z0-9_$.:]*\((?:.*\))?[?!;.]*")
_DOTTED: Final = re.compile(rb"[a-z_$][a-z0-9_$]*(?:\.[a-z_$][a-z0-9_$]*)+")
_PLACEHOLDER_START: Final = (
    b"$",
    b"{",
    b"<",
    b"[",
    b"%(",
    b"%s",
    b"***",
    b"!ref",
    b"!vault",
    b"your",
    b"xxx",
    b"...",
    b"redacted",
    b"placeholder",
)


def _assignment(
    match: re.Match[bytes], view: bytes, stem_start: int
) -> tuple[int, int, str] | None:
    """A `KEY=value`, `key: value` or `"key": "value"` whose key names a secret."""
    before = view[max(0, stem_start - 40) : stem_start]
    key_start = stem_start - (len(before) - len(before.rstrip(_KEY_CHARS)))
    if view.endswith(b"[secret:", 0, key_start) or view.startswith(
        b"[secret:", max(key_start - 1, 0)
    ):
        return None  # the kind in a marker of an earlier scrub, or its `SECRET:`
    key = view[key_start : match.end("t")].translate(None, _SEPARATORS_AND_QUOTE)
    stem = view[stem_start : match.start("t")].lstrip(b'"')
    tail = match.group("t").translate(None, _SEPARATORS)
    if tail not in _TAILS:
        return None
    if stem == b"key" and not key.endswith(_SECRET_KEYS):
        return None
    if stem == b"pwd" and key in (b"pwd", b"oldpwd"):
        return None
    if stem == b"auth" and key != b"auth":
        return None
    if stem == b"token" and key.endswith(_CURSORS):
        return None
    if not match.group("sep").strip() and view[key_start : key_start + 1] != b"-":
        return None  # `password X` is prose; `--password X` is a command line
    quoted = match.group("q") is not None
    group = "qv" if quoted else "v"
    value_start, value_end = match.span(group)
    value = view[value_start:value_end]
    if not _plausible_value(value, key, quoted=quoted):
        return None
    if not quoted and not _bare_literal(match, view, value, key):
        return None
    return value_start, value_end, _assignment_kind(key)


def _plausible_value(value: bytes, key: bytes, *, quoted: bool) -> bool:
    if len(value) < (4 if quoted else 5) or not any(byte in _ALNUM for byte in value):
        return False
    if value in _NOT_VALUES or _NUMBER.fullmatch(value) or _placeholder(value):
        return False
    return value.translate(None, _SEPARATORS) != key


def _bare_literal(match: re.Match[bytes], view: bytes, value: bytes, key: bytes) -> bool:
    """An unquoted value that is a literal, not code (a call, a variable, a type)."""
    after = view[match.end() : match.end() + 1]
    if _CALL.fullmatch(value):
        return False  # a call: get_token(), os.environ.get("TOKEN")
    value = value.rstrip(b"):")  # the end of the arguments around `token=token):`
    if after == b"[":
        return False
    if _DOTTED.fullmatch(value):
        return False
    if _IDENTIFIER.fullmatch(value):
        # password=password, token=token) (keyword arguments); password = user_input
        # (an assignment from a variable); but DB_PASSWORD=hunter2 is a password.
        if after in (b",", b")") or value == key or b")" in match.group("v"):
            return False
        spaced = view[match.start("sep") - 1 : match.start("sep")] == b" "
        if spaced and not any(48 <= byte <= 57 for byte in value):
            return False
    return True


_ALNUM: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _placeholder(value: bytes) -> bool:
    """A template, a variable reference, a mask or an already scrubbed value."""
    lower = value.lower()
    if lower.startswith(_PLACEHOLDER_START) or b"[secret:" in lower:
        return True
    return len(set(lower)) <= 2


def _assignment_kind(key: bytes) -> str:
    if key.endswith(b"secretaccesskey"):
        return "aws-secret-access-key"
    if key == b"accountkey":
        return "azure-storage-key"
    if key == b"sharedaccesskey":
        return "azure-shared-access-key"
    for word, kind in _KEY_KINDS:
        if word in key:
            return kind
    return "secret"


_KEY_KINDS: Final = (
    (b"pass", "password"),
    (b"pwd", "password"),
    (b"privatekey", "private-key"),
    (b"apikey", "api-key"),
    (b"token", "token"),
    (b"secret", "secret"),
    (b"credential", "credential"),
    (b"key", "key"),
    (b"auth", "credential"),
)


def _exact(text: str) -> str:
    """An exact `str` with the same characters (a subclass's methods are never asked)."""
    if type(text) is str:
        return text
    if isinstance(text, str):
        return str.__str__(text)
    raise TypeError(f"scrub takes a str, not {type(text).__name__}")


# --- finding the anchors ------------------------------------------------------------------


class _Scanner:
    """Where the rules of one view may match: every occurrence of each rule's anchors.

    With google-re2 installed, one linear-time pass of a single automaton over all the
    anchors (with, for the secret-naming keys, the separator that must follow) finds them;
    otherwise one `bytes.find` loop per anchor. Both report the same positions to the same
    patterns, so the results are the same; only the speed differs (see the docstring).
    """

    def __init__(
        self, rules: tuple[Rule, ...], contexts: dict[bytes, bytes], *, accelerated: bool
    ) -> None:
        #: Every (anchor, rule) pair, in the order both searches report them at one position.
        self.pairs = [(anchor, rule) for rule in rules for anchor in rule.anchors]
        #: first byte -> the pairs whose anchor starts with it
        self.table: dict[int, list[tuple[bytes, Rule]]] = {}
        for anchor, rule in self.pairs:
            self.table.setdefault(anchor[0], []).append((anchor, rule))
        alternatives = sorted(
            {re.escape(anchor) + contexts.get(anchor, b"") for r in rules for anchor in r.anchors}
        )
        self.automaton: Any = (
            _re2.compile(b"|".join(alternatives)) if accelerated and _re2 is not None else None
        )
        #: RE2's own search (google-re2's `_regexp.Match`), skipping the wrapper's match
        #: object for each of the many hits; the public `search` where it is missing.
        self._search: Callable[[bytes, int], int] | None = None
        if self.automaton is not None:
            self._search = _raw_search(self.automaton)

    def positions(self, view: bytes) -> Iterator[tuple[int, Rule]]:
        """Each position where an anchor starts, in order, with the rule to try there."""
        if self.automaton is None:
            found: list[tuple[int, int]] = []
            for index, (anchor, _) in enumerate(self.pairs):
                position = view.find(anchor)
                while position >= 0:
                    found.append((position, index))
                    position = view.find(anchor, position + 1)
            found.sort()
            for position, index in found:
                yield position, self.pairs[index][1]
            return
        assert self._search is not None
        search = self._search
        position = search(view, 0)
        while position >= 0:
            for anchor, rule in self.table[view[position]]:
                if view.startswith(anchor, position):
                    yield position, rule
            position = search(view, position + 1)


def _raw_search(automaton: Any) -> Callable[[bytes, int], int]:
    """`search(view, pos)`: where the next hit starts, or -1."""
    raw = getattr(automaton, "_regexp", None)
    unanchored = getattr(getattr(_re2, "_Anchor", None), "UNANCHORED", None)
    if raw is not None and unanchored is not None and hasattr(raw, "Match"):
        match = raw.Match

        def search(view: bytes, position: int) -> int:
            return int(match(unanchored, view, position, len(view))[0][0])

        return search

    def public_search(view: bytes, position: int) -> int:
        hit = automaton.search(view, position)
        return -1 if hit is None else int(hit.start())

    return public_search


try:  # an optional accelerator: the same positions, found in one pass
    import re2 as _re2  # type: ignore[import-untyped,import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the environment
    _re2 = None

#: After a key's stem, what must follow for an assignment to be possible (the RE2 pass
#: reports only those; the patterns decide the rest): the rest of the name, a closing
#: quote, the separator.
_SEPARATOR = rb"[ \t]{0,8}(?::=|=>|=[^=]|:[^:]|[:=]$)"
_AFTER_STEM = b"(?:" + KEY_TAIL + rb")\\?[\"'\]]{0,2}" + _SEPARATOR
_AFTER_FLAG = b"(?:" + KEY_TAIL + rb")\\?[\"'\]]{0,2}(?:" + _SEPARATOR + rb"|[ \t])"


def scanners(*, accelerated: bool) -> tuple[_Scanner, _Scanner]:
    """The scanners of the text's own view and of its lower-cased view."""
    cased = tuple(rule for rule in SPECIFIC + CONTEXTUAL if not rule.lower)
    lower = tuple(rule for rule in SPECIFIC + CONTEXTUAL + ASSIGNMENTS if rule.lower)
    contexts = {
        anchor: (b"(?:or)?d" if anchor == b"passw" else b"")
        + (_AFTER_FLAG if anchor in FLAG_STEMS else _AFTER_STEM)
        for rule in ASSIGNMENTS
        for anchor in rule.anchors
    }
    return (
        _Scanner(cased, {}, accelerated=accelerated),
        _Scanner(lower, contexts, accelerated=accelerated),
    )


#: Whether google-re2 finds the anchors (else `bytes.find`): the results are the same.
ACCELERATED: Final = _re2 is not None
_CASED, _LOWER = scanners(accelerated=ACCELERATED)
