"""`--input` files: OTLP/JSON export requests, one per line, or whole JSON documents.

A file is read as JSON lines (what file exporters write) unless its first non-blank line
opens a JSON object or array without closing it: then it is read as whole JSON documents,
one or several, with any whitespace between and inside them (how people write examples
and test fixtures, such as opentelemetry-proto's `examples/logs.json`). The report says
which way each input was read (`Session.inputs`).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .session import Session

#: One document of a documents-mode input is held whole: at most this much of it.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


@contextlib.contextmanager
def _opened(name: str) -> Iterator[BinaryIO]:
    if name == "-":
        # A reader of its own on the descriptor, never closed: the reading thread may still
        # be blocked in it when the command ends, and nothing at exit waits for it.
        yield open(sys.stdin.fileno(), "rb", closefd=False)  # noqa: SIM115
        return
    with open(name, "rb") as handle:
        yield handle


def label_of(name: str) -> str:
    return "<stdin>" if name == "-" else name


def _starts_a_document(line: bytes) -> bool:
    """A first line that opens a JSON object or array but is not JSON on its own."""
    if line.lstrip()[:1] not in (b"{", b"["):
        return False
    try:
        json.loads(line)
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
        return True
    except RecursionError:
        return False  # nested too deep on one line: a line of its own, reported as such
    return False


def read_input(session: Session, name: str) -> None:
    """Check every request of one input (a file, or `-`) until its end or the session
    stops."""
    label = label_of(name)
    documents: _Documents | None = None
    with _opened(name) as handle:
        for number, line in enumerate(handle, 1):
            if session.stopped.is_set():
                return
            if documents is not None:
                documents.add(number, line)
                continue
            if not line.strip():
                continue  # blank lines (a trailing newline) are not requests
            if label not in session.inputs:
                if _starts_a_document(line):
                    session.inputs[label] = "documents"
                    documents = _Documents(session, label)
                    documents.add(number, line)
                    continue
                session.inputs[label] = "lines"
            session.check_line(line, f"{label}:{number}")
    if documents is not None and not session.stopped.is_set():
        documents.finish()


class _Documents:
    """Whole JSON documents, one after the other, read as lines arrive (an input that
    stays open is checked as it comes). A document is parsed when a line closes it at the
    top level: one starting with `}` or `]` at its first column, as pretty-printers write
    the end of a document, or a one-line document. One that does not parse is an invalid
    request at its line, and reading goes on with the next."""

    def __init__(self, session: Session, label: str) -> None:
        self.session = session
        self.label = label
        self.held: list[bytes] = []
        self.size = 0
        self.first = 0
        self.decoder = json.JSONDecoder()

    def add(self, number: int, line: bytes) -> None:
        if not self.held:
            if not line.strip():
                return
            self.first = number
        self.held.append(line)
        self.size += len(line)
        if self.size > MAX_DOCUMENT_BYTES:
            self.session.bad(
                f"{self.label}:{self.first}",
                f"a JSON document larger than {MAX_DOCUMENT_BYTES} bytes: "
                "write one request per line",
            )
            self._drop()
            return
        closes = line[:1] in (b"}", b"]") or (
            len(self.held) == 1 and line.rstrip()[-1:] in (b"}", b"]")
        )
        if closes:
            self._parse(final=False)

    def finish(self) -> None:
        if self.held:
            self._parse(final=True)

    def _drop(self) -> None:
        self.held, self.size = [], 0

    def _parse(self, *, final: bool) -> None:
        data = b"".join(self.held)
        first = self.first
        self._drop()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            self.session.bad(f"{self.label}:{first}", f"not UTF-8 text: {error.reason}")
            return
        position = 0
        while True:
            start = _skip_space(text, position)
            if start == len(text):
                return
            line = first + text.count("\n", 0, start)
            try:
                _, end = self.decoder.raw_decode(text, start)
            except json.JSONDecodeError as error:
                if not final and error.pos >= len(text.rstrip()):
                    # Not closed yet (a `}` closed an inner object): wait for more lines.
                    rest = text[start:].encode()
                    self.held, self.size, self.first = [rest], len(rest), line
                    return
                at = first + text.count("\n", 0, error.pos)
                self.session.bad(f"{self.label}:{at}", f"not valid JSON: {error.msg}")
                return
            except RecursionError:
                self.session.bad(
                    f"{self.label}:{line}", "not valid JSON: nested deeper than the parser allows"
                )
                return
            self.session.check_line(text[start:end], f"{self.label}:{line}")
            position = end


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def read_inputs(session: Session, names: list[str], *, last_source: bool) -> None:
    """The reading thread: every input in turn; at their end, the session stops when no
    receiver runs. An input that cannot be read stops it too, noted for exit 2."""
    try:
        for name in names:
            read_input(session, name)
    except OSError as error:
        session.read_error = f"cannot read the input: {error.strerror or error}"
    except Exception as error:  # a bug: exit 2 and its traceback, never a silent hang
        session.read_error = f"reading the input failed: {error!r}"
        raise
    finally:
        if last_source or session.read_error is not None:
            session.stopped.set()


def unreadable(names: list[str]) -> str | None:
    """What is wrong with the first input that cannot be read, else None."""
    for name in names:
        if name == "-":
            continue
        path = Path(name)
        if not path.is_file():
            return (
                f"--input {name}: no such file"
                if not path.exists()
                else f"--input {name}: not a file"
            )
        try:
            with open(path, "rb"):
                pass
        except OSError as error:
            return f"--input {name}: cannot read it: {error.strerror or error}"
    return None
