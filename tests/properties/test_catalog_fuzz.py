"""Property: bad catalogs never crash the generator.

Hypothesis builds catalogs that are valid or nearly so (random names that match the strict
patterns, every type, enums, arrays, requirements, toggles and redaction, a common group,
deprecations) with hostile text in every text field, then often breaks them: a key deleted,
a value of the wrong type, an event or attribute duplicated, an undefined reference, enum
values that are no identifiers, Python keywords and builtins as names, integer keys, or
the YAML text itself cut, spliced, garbled, replaced by random bytes or given nasty YAML.

Every document must end one of two ways, and nothing else (an exception of any other kind
is a generator bug):

- it is rejected: `load_catalog` raises `CatalogError` whose every diagnostic reads
  `file:line:col: error: ...` with the line and column inside the file, and the CLI's
  `validate` exits 2 printing exactly those diagnostics, no traceback; or
- it is accepted: `validate` exits 0, rendering is deterministic, the rendered module
  imports, its constants match the catalog, every event emits with random valid arguments
  (through `Telemetry.capture()`: the names, keys, values and value types are what the
  catalog says, placeholders and caps included), each JSON Schema is strict JSON (no NaN),
  a valid schema, and accepts what was emitted, EVENTS.md has no raw control characters
  and no catalog text that Markdown would read as HTML, and `ruff check` passes with the
  project's settings.

Linting: ruff takes ~20 ms per file, so every accepted module is linted in its own example
(a failure is then shrunk by Hypothesis to a small catalog). mypy --strict takes seconds,
so it runs once at the end, on up to `MYPY_SAMPLE` of the accepted modules. `ruff format
--check` is not part of the property: the templates lay code out as ruff format would for
ordinary names, but 64-character names or long enum Literals produce lines ruff would
wrap (harmless; the generated module silences E501).

Controls: `test_the_checks_catch_a_broken_generator` sabotages one filter at a time and
the same checks must fail; `test_what_the_property_found_stays_fixed` keeps every bug the
property found as a fixed example, since a random run need not draw it again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import importlib
import io
import json
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from codex_otel.cli.main import main as cli_main
from codex_otel.generator import CatalogError, load_catalog, render, write_outputs
from codex_otel.generator.model import Attribute, Catalog
from codex_otel.runtime import OtelConfig, Telemetry
from codex_otel.runtime._truncation import truncate
from support.catalog_documents import (
    MAX_CUT_CAP,
    catalogs,
    dump,
    mutated_documents,
    scalar_values,
    text_piece,
    texts,
)
from support.generation import REPO, import_generated

pytestmark = pytest.mark.slow

RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
#: How many accepted modules mypy --strict checks at the end of the run.
MYPY_SAMPLE = 12
TIMESTAMP = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")

#: YAML that PyYAML parses into surprises: recursion, huge numbers, tags, merge keys.
NASTY_YAML = [
    "x: &a [*a]\n",
    "x: &a {k: *a}\n",
    "x: " + "9" * 5000 + "\n",
    "x: -0x" + "f" * 5000 + "\n",
    "x: !!python/object:os.system {}\n",
    "x: !!python/name:os.system\n",
    "x: !!binary AAEC\n",
    "x: !!float nan\n",
    "x: !!set {a, b}\n",
    "x: !!omap [a: 1]\n",
    "x: !!timestamp 2025-13-45\n",
    "x: !!int abc\n",
    "x: 2025-01-01\n",
    "x: " + "[" * 3000 + "]" * 3000 + "\n",
    "x: " + "{a: " * 400 + "b" + "}" * 400 + "\n",
    "? [a, b]\n: c\n",
    "? {a: 1}\n: c\n",
    "<<: {catalog_version: 1.0.0}\n",
    "x: *undefined\n",
    "%YAML 1.1\n---\n",
    "--- a\n--- b\n",
    "x: 'unterminated\n",
    "\tx: 1\n",
    "x: [1, 2\n",
    "x: \x00\n",
    "- a\nb: c\n",
    "x: !unknown y\n",
]


@st.composite
def raw_documents(draw: st.DrawFn) -> bytes:
    """The catalog file's bytes: valid, mutated, or broken at the text level."""
    choice = draw(st.integers(0, 9))
    if choice <= 3:
        event("document: generated")
        return dump(draw(catalogs()), draw).encode("utf-8", "surrogatepass")
    if choice <= 6:
        event("document: mutated structure")
        return dump(draw(mutated_documents()), draw).encode("utf-8", "surrogatepass")
    event("document: mutated text")
    text = dump(draw(catalogs()), draw)
    how = draw(
        st.sampled_from(["cut", "splice", "nasty", "garbage", "bytes", "lines", "bom", "crlf"])
    )
    event(f"text mutation: {how}")
    position = draw(st.integers(0, len(text)))
    if how == "cut":
        text = text[:position]
    elif how == "splice":
        text = (
            text[:position]
            + draw(st.one_of(text_piece, st.sampled_from(NASTY_YAML)))
            + text[position:]
        )
    elif how == "nasty":
        nasty = draw(st.sampled_from(NASTY_YAML))
        text = draw(st.sampled_from([nasty + text, text + nasty]))
    elif how == "garbage":
        text = draw(st.text(max_size=200))
    elif how == "bytes":
        raw = text.encode("utf-8", "surrogatepass")
        return draw(
            st.one_of(
                st.binary(max_size=200),
                st.just(raw[:position] + draw(st.binary(min_size=1, max_size=4)) + raw[position:]),
            )
        )
    elif how == "lines":
        lines = text.splitlines(keepends=True) or [""]
        index = draw(st.integers(0, len(lines) - 1))
        if draw(st.booleans()):
            lines.insert(index, lines[index])  # duplicate keys, mostly
        else:
            del lines[index]
        text = "".join(lines)
    elif how == "bom":
        text = "\ufeff" + text
    elif how == "crlf":
        text = text.replace("\n", draw(st.sampled_from(["\r\n", "\r", "\u2028", "\x85"])))
    return text.encode("utf-8", "surrogatepass")


#: File names: the catalog's name reaches the generated headers and docstrings.
FILE_NAMES = [
    "catalog.yaml",
    "catalog.yaml",
    "catalog.yaml",
    "my catalog.yml",
    'q"""x\\.yaml',
    "new\nline.yaml",
    "line\u2028sep.yaml",
    "{{x}}.yaml",
    "\x1b[1m.yaml",
]


# --- checking one document -------------------------------------------------------------------

_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def check_location(message: str, line: int, column: int, raw: bytes) -> None:
    """Line and column are 1-based and inside the file (YAML's line breaks; bytes for UTF-8 errors)."""
    text = raw.decode("utf-8-sig", "replace")
    char_lines = _BREAKS.split(text)
    byte_lines = raw.split(b"\n")
    assert 1 <= line <= max(len(char_lines), len(byte_lines)), message
    width = max(
        len(char_lines[line - 1]) if line <= len(char_lines) else 0,
        len(byte_lines[line - 1]) if line <= len(byte_lines) else 0,
    )
    assert 1 <= column <= width + 1, message


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(list(args))
    return code, out.getvalue(), err.getvalue()


def check_rejected(error: CatalogError, path: Path, raw: bytes) -> None:
    assert error.diagnostics, "a CatalogError without diagnostics"
    for diagnostic in error.diagnostics:
        text = str(diagnostic)
        assert diagnostic.file == str(path)
        assert text.startswith(f"{path}:{diagnostic.line}:{diagnostic.column}: error: "), text
        check_location(text, diagnostic.line, diagnostic.column, raw)
    code, out, err = run_cli("validate", str(path))
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and out == ""
    assert err == str(error) + "\n"


@dataclasses.dataclass
class Argument:
    """One argument of a call, and what must arrive on the wire for it (None: absent)."""

    value: Any
    wire: Any


def utf8_safe(value: Any) -> Any:
    """`value` as OTLP carries it: each lone surrogate of a string (alone or in an array)
    replaced by U+FFFD, one for one (runtime/_wire_strings.py)."""
    if isinstance(value, str):
        return re.sub("[\ud800-\udfff]", "\ufffd", value)
    if isinstance(value, (list, tuple)):
        return type(value)(utf8_safe(item) for item in value)
    return value


def wire_value(attribute: Attribute, value: Any, toggles: dict[str, bool]) -> Any:
    """What the catalog says is sent for a valid `value` of `attribute`."""
    return utf8_safe(_catalog_value(attribute, value, toggles))


def _catalog_value(attribute: Attribute, value: Any, toggles: dict[str, bool]) -> Any:
    attribute_type = attribute.type
    if attribute_type.is_enum:

        def member_value(item: Any) -> Any:
            return item.value if isinstance(item, enum.Enum) else item

        return [member_value(i) for i in value] if attribute_type.is_array else member_value(value)
    if attribute.redact and not toggles.get(attribute.redact.toggle, False):
        return attribute.redact.placeholder
    if attribute_type.base == "double":
        return [float(v) for v in value] if attribute_type.is_array else float(value)
    if attribute.max_length:
        return truncate(value, attribute.max_length)
    return value


def draw_argument(
    data: st.DataObject,
    module: ModuleType,
    attribute: Attribute,
    toggles: dict[str, bool],
    *,
    metadata: bool,
) -> Argument:
    attribute_type = attribute.type
    if not attribute.is_required and data.draw(st.booleans()):
        return Argument(None, None)
    value: Any
    if attribute_type.is_enum:
        enum_class = getattr(module, attribute_type.class_name or "")
        # A member's value or the member itself; a list or tuple of them for an array.
        item = st.sampled_from(attribute_type.members).flatmap(
            lambda member: st.sampled_from([member.value, enum_class[member.name]])
        )
        value = data.draw(
            st.one_of(st.lists(item, max_size=3), st.lists(item, max_size=3).map(tuple))
            if attribute_type.is_array
            else item
        )
    elif attribute_type.is_array:
        value = data.draw(st.lists(scalar_values(attribute_type.base), max_size=3))
        if attribute_type.base != "double" and data.draw(st.booleans()):
            value = tuple(value)
    elif attribute_type.base == "string" and attribute.max_length:
        cap = attribute.max_length
        # Past the cap: a drawn piece repeated (Hypothesis cannot draw huge texts directly).
        longer = st.tuples(texts, st.integers(1, 40)).map(
            lambda drawn: (drawn[0] * (cap // len(drawn[0]) + 1))[:cap] + drawn[0] * drawn[1]
        )
        # A cap can be drawn up to 2**31 characters: a value past it would take gigabytes
        # (an example once took 24 GB and was OOM-killed), so large caps get short values.
        value = data.draw(st.one_of(texts, longer) if cap <= MAX_CUT_CAP else texts)
    elif attribute.has_bounds and attribute_type.base == "int":
        # Ints: the catalog checked the bounds; a missing one is OTLP's 64-bit limit (an
        # unbounded draw once gave 1.3e21 for `minimum: -176`, which the emitter refuses).
        low, high = attribute.minimum, attribute.maximum
        value = data.draw(
            st.integers(
                -(2**63) if low is None else int(low), 2**63 - 1 if high is None else int(high)
            )
        )
    elif attribute.has_bounds:
        value = data.draw(st.floats(attribute.minimum, attribute.maximum, allow_nan=False))
    else:
        value = data.draw(scalar_values(attribute_type.base))
    wire = wire_value(attribute, value, toggles)
    # Unknown optional metadata is omitted: None, and for strings also "".
    plain_string = attribute_type.base == "string" and not (
        attribute_type.is_array or attribute_type.is_enum
    )
    if metadata and not attribute.is_required and plain_string and wire == "":
        wire = None
    # Metadata keeps a tuple copy of a sequence, sent as it is (enum and double arrays are
    # mapped item by item into a new list, as emitters send them).
    plain_array = attribute_type.is_array and not (
        attribute_type.is_enum or attribute_type.base == "double"
    )
    if metadata and plain_array and wire is not None:
        wire = tuple(wire)
    return Argument(value, wire)


def markup_outside_code(markdown: str) -> list[str]:
    """Each `<` or `>` that Markdown would read as HTML rather than show as text.

    A simplified CommonMark/GFM reading: table rows split at unescaped pipes, backslash
    escapes, and code spans (a backtick run closed by the next run of the same length),
    whose text is shown literally. Catalog text must only ever reach the page as entities.
    """
    found = []
    for line in markdown.splitlines():
        for cell in re.split(r"(?<!\\)\|", line):
            index = 0
            while index < len(cell):
                char = cell[index]
                if char == "\\":
                    index += 2
                elif char == "`":
                    end = index
                    while end < len(cell) and cell[end] == "`":
                        end += 1
                    run = cell[index:end]
                    closing = re.compile(f"(?<!`){run}(?!`)").search(cell, end)
                    index = closing.end() if closing else end
                else:
                    if char in "<>":
                        found.append(line)
                    index += 1
    return found


def strict_json(text: str) -> Any:
    def reject(constant: str) -> Any:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=reject)


def without_max_length(schema: Any) -> Any:
    """The truncation marker may overrun `maxLength` (documented), so types are what is checked."""
    if isinstance(schema, dict):
        return {k: without_max_length(v) for k, v in schema.items() if k != "maxLength"}
    if isinstance(schema, list):
        return [without_max_length(v) for v in schema]
    return schema


def check_accepted(catalog: Catalog, path: Path, out: Path, data: st.DataObject) -> None:
    code, stdout, stderr = run_cli("validate", str(path))
    assert (code, stderr) == (0, ""), stderr
    assert stdout.startswith(f"{path}: valid")
    outputs = render(catalog)
    assert render(load_catalog(path)) == outputs, "rendering is not deterministic"
    write_outputs(outputs, out)
    assert {o.path for o in outputs} == {
        "__init__.py",
        "events.py",
        "EVENTS.md",
        *(f"schemas/{e.name}.json" for e in catalog.events),
    }

    lint(out / "events.py")
    compile((out / "__init__.py").read_text("utf-8"), str(out / "__init__.py"), "exec")
    markdown = (out / "EVENTS.md").read_text("utf-8")
    assert not [c for c in markdown if not c.isprintable() and c != "\n"], (
        "raw control characters in EVENTS.md"
    )
    assert not markup_outside_code(markdown.split("\n", 1)[1]), "raw HTML in EVENTS.md"
    schemas = {}
    for event_ in catalog.events:
        schema = strict_json((out / "schemas" / f"{event_.name}.json").read_text("utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"] == f"{event_.name}.json"
        schemas[event_.name] = without_max_length(schema)

    module = import_generated(out)
    try:
        assert tuple(e.name for e in catalog.events) == module.EVENT_NAMES
        assert catalog.version == module.CATALOG_VERSION
        assert {t.name: t.default for t in catalog.toggles} == module.TOGGLES
        emit_everything(catalog, module, schemas, data)
    finally:
        sys.modules.pop(module.__name__, None)


def emit_everything(
    catalog: Catalog, module: ModuleType, schemas: dict[str, Any], data: st.DataObject
) -> None:
    toggles = {t.name: data.draw(st.booleans()) for t in catalog.toggles}
    fields = {
        a.python_name: draw_argument(data, module, a, toggles, metadata=True)
        for a in catalog.metadata_fields
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        metadata = module.Metadata(
            **{name: arg.value for name, arg in fields.items() if arg.value is not None}
        )
    # A deprecated field warns when it is set, attributed to this construction.
    deprecated_set = [
        a
        for a in catalog.metadata_fields
        if a.deprecated and fields[a.python_name].value is not None
    ]
    assert [w.category for w in caught] == [DeprecationWarning] * len(deprecated_set)
    assert all(w.filename == __file__ for w in caught)
    common = {
        a.key: fields[a.python_name].wire
        for a in catalog.metadata_fields
        if fields[a.python_name].wire is not None
    }
    telemetry = Telemetry(OtelConfig(toggles=toggles), service_version="fuzz")
    conversation = telemetry.conversation(metadata)
    calls = []
    for event_ in catalog.events:
        arguments = {
            a.python_name: draw_argument(data, module, a, toggles, metadata=False)
            for a in event_.attributes
            if a.computed is None  # a policy's `<key>.length` is the runtime's, not an argument
        }
        calls.append((event_, arguments))
    try:
        with telemetry.capture() as captured, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for event_, arguments in calls:
                emitter: Callable[..., None] = getattr(module, event_.function_name)
                emitter(
                    conversation,
                    **{n: a.value for n, a in arguments.items() if a.value is not None},
                )
    finally:
        telemetry.shutdown()
    # A deprecated event warns first (its decorator), then each deprecated argument passed.
    deprecations = []
    for event_, arguments in calls:
        if event_.deprecated:
            deprecations.append(f"event {event_.name}")
        for a in event_.deprecated_attributes:
            if arguments[a.python_name].value is not None:
                key = f" ({a.key})" if a.key != a.python_name else ""
                deprecations.append(f"argument {a.python_name}{key} of {event_.function_name}()")
    assert [
        str(w.message).split(" is deprecated")[0]
        for w in caught
        if w.category is DeprecationWarning
    ] == deprecations
    assert [c.name for c in captured] == [e.name for e in catalog.events]
    computed = [a.key for a in catalog.common if a.computed]
    for record, (event_, arguments) in zip(captured, calls, strict=True):
        attributes = dict(record.attributes)
        for key in computed:
            assert TIMESTAMP.match(str(attributes.pop(key))), key
        expected = {
            **common,
            **{
                a.key: arguments[a.python_name].wire
                for a in event_.attributes
                if a.computed is None and arguments[a.python_name].wire is not None
            },
        }
        assert attributes == expected, event_.name
        for key, value in attributes.items():
            assert type(value) is type(expected[key]), key
        jsonschema.validate(json.loads(json.dumps(dict(record.attributes))), schemas[event_.name])


def lint(path: Path) -> None:
    """`ruff check` with the project's settings (the pyproject.toml in the run's folder)."""
    command = [RUFF, "check", "--no-cache", "--quiet", str(path)]
    result = subprocess.run(command, cwd=path.parent, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the property ----------------------------------------------------------------------------

FUZZ_SETTINGS = settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


def note(label: str) -> None:
    """Count `label` in Hypothesis's statistics, when running under Hypothesis."""
    if currently_in_test_context():
        event(label)


class Workspace:
    """A folder per document under `root`, which holds the project's ruff settings."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.counter = 0
        self.accepted: list[Path] = []
        self.rejected = 0
        shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")

    def check(self, raw: bytes, name: str, data: st.DataObject | None = None) -> None:
        """One document: rejected with located diagnostics, or generated and working.

        `data` draws the arguments of the emitters; only accepted documents need it.
        """
        self.counter += 1
        work = self.root / f"c{self.counter}"
        work.mkdir()
        path = work / name
        path.write_bytes(raw)
        try:
            catalog = load_catalog(path)
        except CatalogError as error:
            note("rejected")
            check_rejected(error, path, raw)
            self.rejected += 1
            return
        note("accepted")
        assert data is not None, "an accepted document needs data to draw arguments"
        check_accepted(catalog, path, work / "out", data)
        self.accepted.append(work / "out" / "events.py")


@pytest.mark.slow
def test_bad_catalogs_never_crash_the_generator(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)

    @FUZZ_SETTINGS
    @given(raw=raw_documents(), name=st.sampled_from(FILE_NAMES), data=st.data())
    def check(raw: bytes, name: str, data: st.DataObject) -> None:
        workspace.check(raw, name, data)

    check()
    # Both outcomes must be common, or the strategies have stopped exploring one of them.
    # About one document in eight is accepted; 1 in 20 leaves room for a run's chance
    # (22 of 250 was seen) while a strategy that stopped producing valid catalogs fails.
    total = len(workspace.accepted) + workspace.rejected
    assert len(workspace.accepted) >= total // 20, (len(workspace.accepted), total)
    assert workspace.rejected >= total // 4, (workspace.rejected, total)
    step = max(len(workspace.accepted) // MYPY_SAMPLE, 1)
    mypy_check(workspace.accepted[::step][:MYPY_SAMPLE], tmp_path)


def mypy_check(paths: list[Path], cwd: Path) -> None:
    """mypy --strict on generated modules (each in its own folder, so as its own package)."""
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
    command += ["--python-version", "3.10", *(str(p.relative_to(cwd)) for p in paths)]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"no issues found in {len(paths)} source files" in result.stdout, result.stdout


# --- the checks can fail ---------------------------------------------------------------------

#: A catalog that exercises what each sabotage below breaks: hostile text, a double, a cap.
CONTROL_CATALOG = '''\
catalog_version: 1.0.0
description: 'He said """hi""" \\ {{ x }} </script><script>alert(1)</script>'
attributes:
  - key: ratio
    type: double
    description: 'A "ratio" with a trailing quote"'
  - key: text
    type: string
    description: '`unclosed </script><script>alert(1)</script>'
    max_length: 38
    examples: ['<b>bold</b>']
events:
  - name: thing.done
    description: Done.
    attributes:
      - {ref: ratio, requirement: required}
      - {ref: text, requirement: required}
'''


def _naive_docstring(text: str, indent: int, lead: int = 0) -> str:
    return text


def _wire_value_without_float(attribute: Attribute) -> str:
    name = attribute.python_name
    return f"truncate({name}, {attribute.max_length})" if attribute.max_length else name


def _naive_md(text: object) -> str:
    return str(text)


@pytest.mark.parametrize(
    ("module", "target", "replacement"),
    [
        # quotes end the docstring: ruff / import fail
        ("templating", "docstring", _naive_docstring),
        ("code_model", "wire_value", _wire_value_without_float),  # a double sent as an int
        ("templating", "md", _naive_md),  # catalog text becomes HTML in EVENTS.md
    ],
)
def test_the_checks_catch_a_broken_generator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, target: str, replacement: object
) -> None:
    generator_module = importlib.import_module(f"codex_otel.generator.{module}")
    monkeypatch.setattr(generator_module, target, replacement)
    workspace = Workspace(tmp_path)

    # No shrinking: each step would regenerate, import and lint the module again.
    @settings(FUZZ_SETTINGS, max_examples=25, phases=[Phase.generate])
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        workspace.check(CONTROL_CATALOG.encode(), "control.yaml", data)

    with pytest.raises((AssertionError, SyntaxError)):
        check()


def test_the_checks_catch_misplaced_diagnostics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = b"catalog_version: 1.0.0\nattributes: []\nevents: [1, 2\n"
    workspace = Workspace(tmp_path)
    workspace.check(document, "x.yaml")
    assert workspace.rejected == 1
    source = importlib.import_module("codex_otel.generator.source")
    # Off by one: YAML's marks are 0-based, diagnostics 1-based.
    monkeypatch.setattr(source, "_position", lambda mark: (mark.line, mark.column))
    with pytest.raises(AssertionError):
        workspace.check(document, "y.yaml")


# --- what the property found ------------------------------------------------------------------


def _catalog(attributes: str, common: str = "", uses: str = "") -> str:
    """A small catalog: attribute definitions, an optional common group, one event."""
    text = "catalog_version: 1.0.0\ntoggles:\n  show: {default: false, description: d}\n"
    text += f"attributes:\n{attributes}"
    if common:
        text += f"common:\n  attributes:\n{common}"
    return (
        text + f"events:\n  - name: e\n    description: d\n    attributes:\n{uses or '      []'}\n"
    )


_ENUM = "{members: [{value: a, description: m}]}"

#: (document, file name, a phrase every rejection must contain; None: must be accepted).
FOUND: dict[str, tuple[str, str, str | None]] = {
    "file name with a line break ends the header comment": (
        _catalog("  []\n"),
        "new\nline.yaml",
        None,
    ),
    "lone surrogate in class docstrings and JSON": (
        _catalog(
            f'  - {{key: k, type: {_ENUM}, description: "\\ud800"}}\n',
            "    - {ref: k, requirement: required}\n",
        ).replace("description: d\n    attributes", 'description: "\\udfff"\n    attributes'),
        "catalog.yaml",
        None,
    ),
    "recursive alias": ("x: &a [*a]\n" + _catalog("  []\n"), "c.yaml", "alias refers"),
    "deep nesting": ("x: " + "[" * 3000 + "]" * 3000 + "\n", "c.yaml", "nests too deeply"),
    "impossible date": ("x: 2025-13-45\n" + _catalog("  []\n"), "c.yaml", "cannot read"),
    "5000-digit integer": ("x: " + "9" * 5000 + "\n", "c.yaml", "cannot read"),
    "list example of an enum": (
        _catalog(f"  - {{key: k, type: {_ENUM}, description: d, examples: [[a]]}}\n"),
        "c.yaml",
        "is not an enum",
    ),
    "date example on a reference": (
        _catalog(
            "  - {key: k, type: string, description: d}\n",
            uses="      - {ref: k, requirement: required, examples: [[2025-01-01]]}",
        ),
        "c.yaml",
        "is not a string",
    ),
    "16.0 as a cap": (
        _catalog("  - {key: k, type: string, description: d, max_length: 16.0}\n"),
        "c.yaml",
        "expected integer, found float",
    ),
    "1.0 as an enum value": (
        _catalog(
            "  - {key: k, type: {members: [{value: 1.0, id: ONE, description: m}]}, description: d}\n"
        ),
        "c.yaml",
        "found float",
    ),
    "enum, double and cap in the common group": (
        _catalog(
            f"  - {{key: kind, type: {_ENUM}, description: d}}\n"
            "  - {key: ratio, type: double, description: d}\n"
            "  - {key: note, type: string, description: d, max_length: 38}\n",
            "    - {ref: kind, requirement: required}\n"
            "    - {ref: ratio, requirement: optional}\n"
            "    - {ref: note, requirement: optional}\n",
        ),
        "c.yaml",
        None,
    ),
    "redaction in the common group": (
        _catalog(
            "  - {key: k, type: string, description: d, redact: {toggle: show, placeholder: x}}\n",
            "    - {ref: k, requirement: required}\n",
        ),
        "c.yaml",
        "common group's metadata is sent as given",
    ),
    "ambiguous parameter l": (
        _catalog(
            "  - {key: l, type: string, description: d}\n",
            uses="      - {ref: l, requirement: required}",
        ),
        "c.yaml",
        "ambiguous",
    ),
    "ambiguous enum class I": (
        _catalog(f"  - {{key: i, type: {_ENUM}, description: d}}\n"),
        "c.yaml",
        "ambiguous",
    ),
    "ambiguous enum member O": (
        _catalog("  - {key: k, type: {members: [{value: o, description: m}]}, description: d}\n"),
        "c.yaml",
        "ambiguous",
    ),
    "enum class shadowing an import": (
        _catalog(f"  - {{key: class_var, type: {_ENUM}, description: d}}\n"),
        "c.yaml",
        "'ClassVar' is already used",
    ),
    "enum class that is a keyword": (
        _catalog(f"  - {{key: 'true', type: {_ENUM}, description: d}}\n"),
        "c.yaml",
        "keyword",
    ),
    "enum class shadowing a builtin": (
        _catalog(f"  - {{key: deprecation_warning, type: {_ENUM}, description: d}}\n"),
        "c.yaml",
        "builtin",
    ),
    "metadata field to_attributes": (
        _catalog(
            "  - {key: to_attributes, type: string, description: d}\n",
            "    - {ref: to_attributes, requirement: required}\n",
        ),
        "c.yaml",
        "reserved",
    ),
    "NaN and infinity as examples": (
        _catalog("  - {key: k, type: double, description: d, examples: [.nan, -.inf]}\n"),
        "c.yaml",
        "is not a double",
    ),
    "quote before trailing spaces ends a one-line docstring": (
        _catalog(
            "  - {key: k, type: {members: [{value: a, description: 'quote\" '}]},"
            " description: 'also\"  '}\n",
            uses="      - {ref: k, requirement: required}",
        ),
        "c.yaml",
        None,
    ),
    "stray backtick pairs with a code span and frees its HTML": (
        _catalog(
            "  - key: k\n    type: {members: [{value: '</script><script>x()</script>', id: X,"
            " description: m}]}\n    description: '`oops'\n",
            uses="      - {ref: k, requirement: required}",
        ),
        "c.yaml",
        None,
    ),
    "a policy's length companion is no emitter argument": (
        _catalog(
            "  - {key: said.text, type: string, description: d, max_length: 38,"
            " redact: {toggle: show, placeholder: x}}\n",
            uses="      - {ref: said.text, requirement: required}",
        ),
        "c.yaml",
        None,
    ),
}


@pytest.mark.parametrize("case", list(FOUND))
def test_what_the_property_found_stays_fixed(tmp_path: Path, case: str) -> None:
    document, name, phrase = FOUND[case]
    workspace = Workspace(tmp_path)
    if phrase is not None:
        workspace.check(document.encode("utf-8", "surrogatepass"), name)
        assert workspace.rejected == 1
        path = workspace.root / f"c{workspace.counter}" / name
        with pytest.raises(CatalogError, match=re.escape(phrase)):
            load_catalog(path)
        return

    @settings(FUZZ_SETTINGS, max_examples=10, phases=[Phase.generate])
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        workspace.check(document.encode("utf-8", "surrogatepass"), name, data)

    check()
    assert workspace.accepted
