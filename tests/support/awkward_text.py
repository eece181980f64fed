"""Text that breaks encoders, and a watch on what a process prints: for the properties that
any `str` reaches the wire as valid UTF-8 (tests/properties)."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import strategies as st

#: The catalog's cap on tool output.
CAP = 16384


class SubStr(str):
    """A `str` subclass: the emitters' and Metadata's checks accept one (`isinstance`), and
    it must not slip past the cleaning that a fast path does for exact `str`."""

    __slots__ = ()


def with_subclass(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`strategy`'s strings, some of them as a `SubStr` holding the same characters."""
    return st.one_of(strategy, strategy.map(SubStr))


#: Any code point: surrogates and control characters included (categories=None).
plain_any_text = st.text(st.characters(codec=None, categories=None), max_size=200)
#: The same, sometimes as a `str` subclass.
any_text = with_subclass(plain_any_text)
#: Text with lone surrogates for sure, as `errors="surrogateescape"` produces them.
surrogate_text = st.builds(
    lambda head, bad, tail: head + bad + tail,
    plain_any_text,
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=5),
    plain_any_text,
)
texts = with_subclass(
    st.one_of(
        plain_any_text,
        surrogate_text,
        st.text(st.sampled_from("\x00\x01\x1b\n\r\t\x7f\u2028\ufeff\ud800\udfffa"), max_size=50),
        plain_any_text.map(lambda s: (s + "\udc80") * (CAP // (len(s) + 1) + 2)),  # over the cap
    )
)


def wire_form(text: str) -> str:
    """What the wire must carry: each surrogate as U+FFFD, everything else as it is."""
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


# --- capturing what the process prints and logs --------------------------------------------


class _RootRecords(logging.Handler):
    """Every record that reaches the root logger's handlers: what a host application sees."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def fd2_and_root_logs() -> Iterator[tuple[list[bytes], _RootRecords]]:
    """Redirect file descriptor 2 to a file and watch the root logger, for the block."""
    written: list[bytes] = []
    root = logging.getLogger()
    handler = _RootRecords()
    root.addHandler(handler)
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield written, handler
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            root.removeHandler(handler)
            sink.seek(0)
            written.append(sink.read())
