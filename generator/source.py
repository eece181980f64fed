"""Read a catalog file into plain Python data, remembering where every value came from.

PyYAML's constructors drop positions, so the node tree is walked here: scalars are
constructed by PyYAML (so `1`, `true` and `null` get their YAML types), mappings and
sequences are rebuilt while recording each path's line and column. Duplicate mapping
keys, which PyYAML silently overwrites, are reported. Nesting is limited to MAX_DEPTH
levels and the values built (aliases expanded) to MAX_NODES, each with a located error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, DocPath


@dataclass
class Source:
    """A parsed catalog document and the positions of its parts."""

    file: str
    data: Any
    #: Path -> 1-based (line, column) of the value at that path.
    value_marks: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    #: Path -> 1-based (line, column) of the mapping key that leads to that path.
    key_marks: dict[DocPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: DocPath, *, key: bool = False) -> tuple[int, int]:
        """Position of `path` (its key if `key`), else of its nearest located ancestor."""
        marks = self.key_marks if key else self.value_marks
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in marks:
                return marks[prefix]
            if prefix in self.value_marks:
                return self.value_marks[prefix]
        return (1, 1)

    def diagnostic(
        self, path: DocPath, message: str, hint: str = "", *, key: bool = False
    ) -> Diagnostic:
        line, column = self.locate(path, key=key)
        return Diagnostic(self.file, line, column, path, message, hint)


#: Most values a document may build. Aliases are expanded, so a few lines of nested
#: aliases ("billion laughs") could otherwise build billions; a real catalog has thousands.
MAX_NODES = 100_000

#: Deepest nesting of collections; a catalog needs fewer than ten levels. Composing and
#: building recurse, so without a limit deep nesting would end in a RecursionError.
MAX_DEPTH = 100

#: How much of a too-deep value's path a diagnostic shows (and where it points).
_DEEP_PATH_SHOWN = 6


def _position(mark: yaml.Mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


class _TooManyNodes(Exception):
    """Raised once the cap is reached, so building stops at once."""


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark, path: DocPath) -> None:
        super().__init__()
        self.mark = mark
        self.path = path


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, composing at most MAX_DEPTH levels and tracking where it is."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        #: The path of the node being composed, and the start of each of its steps.
        self.steps: list[tuple[str | int, yaml.Mark]] = []

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        step: str | int | None = None
        if parent is not None:  # a sequence passes the item's index, a mapping the key node
            step = index if isinstance(index, int) else "<key>"
            if isinstance(index, yaml.ScalarNode):
                step = str(index.value)
            self.steps.append((step, self.peek_event().start_mark))  # type: ignore[no-untyped-call]
        try:
            if len(self.steps) > MAX_DEPTH:
                shown = self.steps[:_DEEP_PATH_SHOWN]
                raise _TooDeep(shown[-1][1], tuple(step for step, _ in shown))
            return super().compose_node(parent, index)
        finally:
            if step is not None:
                self.steps.pop()


class _Builder:
    def __init__(self, source: Source, diagnostics: list[Diagnostic]) -> None:
        self.source = source
        self.diagnostics = diagnostics
        self.constructor = yaml.SafeLoader("")
        #: Collection nodes being built: an alias to one of them would recurse forever.
        self.open_nodes: set[int] = set()
        self.built = 0

    def build(self, node: yaml.Node, path: DocPath) -> Any:
        self.built += 1
        if self.built > MAX_NODES:
            self.diagnostics.append(
                Diagnostic(
                    self.source.file,
                    *_position(node.start_mark),
                    path,
                    f"the document has more than {MAX_NODES:,} values once its aliases "
                    "are expanded",
                    "aliases (*name) copy what they refer to; write the values out, "
                    "or nest fewer aliases",
                )
            )
            raise _TooManyNodes
        self.source.value_marks[path] = _position(node.start_mark)
        if isinstance(node, yaml.CollectionNode):
            if id(node) in self.open_nodes:
                self.diagnostics.append(
                    Diagnostic(
                        self.source.file,
                        *_position(node.start_mark),
                        path,
                        "an alias refers to a collection that contains it",
                        "remove the recursive alias",
                    )
                )
                return None
            self.open_nodes.add(id(node))
            try:
                return self.build_collection(node, path)
            finally:
                self.open_nodes.discard(id(node))
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError) as error:  # e.g. 2025-13-45, a 5000-digit int
            problem, hint = str(error), "quote it to keep it a string"
        except yaml.MarkedYAMLError as error:  # e.g. an unknown tag such as !!python/object
            # Its text spans lines and quotes the document as "<unicode string>"; the
            # diagnostic gives the position, so only the problem is kept.
            problem = " ".join(filter(None, [error.context, error.problem])) or "bad value"
            hint = "remove the tag; a catalog holds plain strings, numbers and booleans"
        self.diagnostics.append(
            Diagnostic(
                self.source.file,
                *_position(node.start_mark),
                path,
                f"cannot read the value: {problem}",
                hint,
            )
        )
        return None

    def build_collection(self, node: yaml.CollectionNode, path: DocPath) -> Any:
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, (*path, "<key>"))
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    self.diagnostics.append(
                        Diagnostic(
                            self.source.file,
                            *_position(key_node.start_mark),
                            path,
                            f"mapping key {key!r} is not a string",
                            "quote the key",
                        )
                    )
                    continue
                child = (*path, key)
                if key in result:
                    first_line = self.source.key_marks[child][0]
                    self.diagnostics.append(
                        Diagnostic(
                            self.source.file,
                            *_position(key_node.start_mark),
                            child,
                            f"duplicate key {key!r} (first defined on line {first_line})",
                            "remove one of them; YAML keeps only the last",
                        )
                    )
                self.source.key_marks[child] = _position(key_node.start_mark)
                result[key] = self.build(value_node, child)
            self.source.value_marks.pop((*path, "<key>"), None)
            return result
        return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]


def _decode(raw: bytes, file: str, diagnostics: list[Diagnostic]) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        diagnostics.append(
            Diagnostic(
                file,
                line,
                column,
                (),
                f"invalid UTF-8 (byte 0x{raw[error.start]:02x})",
                "save the file as UTF-8",
            )
        )
        return None


def read_source(path: str | Path, diagnostics: list[Diagnostic]) -> Source | None:
    """Parse `path`; on failure append diagnostics and return None."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        diagnostics.append(
            Diagnostic(
                file, 1, 1, (), f"cannot read the file: {error.strerror or error}", "check the path"
            )
        )
        return None
    return parse_source_bytes(raw, file, diagnostics)


def parse_source_bytes(raw: bytes, file: str, diagnostics: list[Diagnostic]) -> Source | None:
    """Parse the bytes of a catalog (UTF-8 checked as for a file); `file` names it."""
    text = _decode(raw, file, diagnostics)
    if text is None:
        return None
    return parse_source(text, file, diagnostics)


#: `_compose_fast` could not (or must not) compose: use the pure-Python loader.
_SLOW_PATH: Any = object()

#: libyaml's loader when PyYAML was built with it (its wheels are), else None.
_C_LOADER: Any = getattr(yaml, "CSafeLoader", None)

_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _compose_fast(text: str) -> Any:
    """The node tree composed by libyaml, or `_SLOW_PATH`.

    libyaml composes a large catalog about twice as fast as PyYAML's Python composer, but
    it cannot say where nesting became too deep. So its event stream (cheap) is checked
    for depth first, and anything unusual (too deep, any YAML error) is left to the
    Python loader, which gives the located diagnostics. Both build the same nodes.
    """
    # Characters PyYAML refuses (libyaml is laxer about some): its error says where.
    if _C_LOADER is None or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return _SLOW_PATH
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_C_LOADER):
            if isinstance(event, _OPENING):
                depth += 1
                if depth > MAX_DEPTH:
                    return _SLOW_PATH
            elif isinstance(event, _CLOSING):
                depth -= 1
        return yaml.compose(text, Loader=_C_LOADER)
    except yaml.YAMLError:
        return _SLOW_PATH


def parse_source(text: str, file: str, diagnostics: list[Diagnostic]) -> Source | None:
    """Parse catalog text; `file` is the name used in diagnostics."""
    try:
        node = _compose_fast(text)
        if node is _SLOW_PATH:
            node = yaml.compose(text, Loader=_Loader)
    except _TooDeep as error:
        diagnostics.append(_too_deep(file, *_position(error.mark), error.path))
        return None
    except RecursionError:
        diagnostics.append(_too_deep(file))
        return None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = _position(mark) if mark else (1, 1)
        problem = " ".join(filter(None, [error.context, error.problem]))
        diagnostics.append(
            Diagnostic(
                file,
                line,
                column,
                (),
                f"YAML syntax error: {problem}",
                "fix the YAML; indentation and unquoted ':' are the usual causes",
            )
        )
        return None
    except yaml.YAMLError as error:
        diagnostics.append(Diagnostic(file, 1, 1, (), f"YAML error: {error}", "fix the YAML"))
        return None
    if node is None:
        diagnostics.append(
            Diagnostic(
                file,
                1,
                1,
                (),
                "the catalog is empty",
                "start with `catalog_version:`, `attributes:` and `events:`",
            )
        )
        return None
    source = Source(file, None)
    try:
        source.data = _Builder(source, diagnostics).build(node, ())
    except RecursionError:
        diagnostics.append(_too_deep(file))
        return None
    except _TooManyNodes:
        return None
    except yaml.YAMLError as error:  # e.g. a bad timestamp or binary scalar
        mark = getattr(error, "problem_mark", None)
        line, column = _position(mark) if mark else (1, 1)
        diagnostics.append(
            Diagnostic(file, line, column, (), f"YAML error: {error}", "fix the value")
        )
        return None
    if not isinstance(source.data, dict):
        diagnostics.append(
            source.diagnostic(
                (),
                f"the top level must be a mapping, not {type(source.data).__name__}",
                "start with `catalog_version:`, `attributes:` and `events:`",
            )
        )
        return None
    return source


def _too_deep(file: str, line: int = 1, column: int = 1, path: DocPath = ()) -> Diagnostic:
    return Diagnostic(
        file,
        line,
        column,
        path,
        f"the document nests too deeply (more than {MAX_DEPTH} levels inside this value)",
        "a catalog needs only a few levels",
    )
