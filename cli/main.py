"""The `codex-otel` command: `generate`, `validate`, `diff`, `docs`, `demo` and `live-check`.

Exit codes: 0 success, 1 stale output (`generate --check`, `docs --check`), a failed demo
export, a version bump smaller than `diff` requires, or a live-check finding at or above
`--fail-on`; 2 bad input (a catalog, a config or a path); 141 when standard output's
reader closed the pipe (`codex-otel demo | head`), quietly, as for a process SIGPIPE ends.
Errors are one paragraph, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import os
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from .version import PrintVersion

if TYPE_CHECKING:
    from codex_otel.generator.model import Catalog

EXIT_OK = 0
EXIT_STALE = 1
EXIT_BAD_INPUT = 2
#: Standard output's reader closed the pipe: 128 + SIGPIPE, as for `yes | head`.
EXIT_READER_GONE = 141

SCHEMA_HELP = "catalog YAML (default: ./schema/catalog.yaml if it exists, else the bundled one)"


def _package_dir(module_name: str) -> Path:
    """The real folder of a codex_otel sub-package (through editable-install symlinks),
    found without running it: the generated package's `__init__` registers its catalog
    with the runtime, which `generate` must not need (nor a stale copy break)."""
    import importlib.util

    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"no module named {module_name!r}", name=module_name)
    return Path(spec.origin).resolve().parent


#: A project laid out like this repository: its catalog and its generated folder, relative
#: to the current directory.
PROJECT_CATALOG = Path("schema") / "catalog.yaml"
PROJECT_OUTPUT = Path("generated")


def bundled_catalog() -> Path:
    """The catalog shipped inside the installed package."""
    return _package_dir("codex_otel.schema") / "catalog.yaml"


def project_catalog() -> Path | None:
    """`schema/catalog.yaml` when the current directory is a project laid out like this one
    (a checkout, whatever the kind of install), else None."""
    return PROJECT_CATALOG if PROJECT_CATALOG.is_file() else None


def default_catalog() -> Path:
    """The catalog a command reads when none is given: the current directory's
    `schema/catalog.yaml` when it has one (the file the user edits), else the bundled one.
    A non-editable install must not silently read the copy in site-packages from a checkout."""
    return project_catalog() or bundled_catalog()


def default_output() -> Path:
    """`generated/` of the current directory's project when it has both the catalog and
    that folder, else the installed package's own folder (which `generate` only writes to
    when it is a checkout's, see `in_checkout`)."""
    if project_catalog() is not None and PROJECT_OUTPUT.is_dir():
        return PROJECT_OUTPUT
    return _package_dir("codex_otel.generated")


def in_checkout(generated: Path) -> bool:
    """Whether `generated` is the `generated/` folder of a checkout of this repository
    (not the copy inside an installed package, which `generate` must never rewrite)."""
    root = generated.parent
    return (root / "pyproject.toml").is_file() and (root / "schema" / "catalog.yaml").is_file()


def _error(message: str) -> int:
    print(f"codex-otel: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def regenerate_command(args: argparse.Namespace) -> str:
    """The `codex-otel generate` command that rewrites what `generate --check` checked:
    the same options, `--check` left out, quoted for a POSIX shell."""
    words = ["codex-otel", "generate"]
    for option, value in (
        ("--schema", args.schema),
        ("--out", args.out),
        ("--templates", args.templates),
        ("--baseline", args.baseline),
    ):
        if value:
            words += [option, value]
    return shlex.join(words)


def cmd_generate(args: argparse.Namespace) -> int:
    from codex_otel.generator import CatalogError, load_catalog, render, write_outputs

    schema = Path(args.schema) if args.schema else default_catalog()
    out = Path(args.out) if args.out else default_output()
    if not args.out and not args.check and out != PROJECT_OUTPUT and not in_checkout(out):
        example = (
            f"--schema {PROJECT_CATALOG.as_posix()} --out {PROJECT_OUTPUT.as_posix()}/"
            if project_catalog() is not None
            else "--out generated/"
        )
        return _error(
            f"--out is required outside a checkout of codex-otel: the default, {out}, is "
            f"inside the installed package. Pass --out DIR, e.g. {example}"
        )
    if out.exists() and not out.is_dir():
        return _error(
            f"--out {out} is not a directory: generate writes a package folder "
            "(__init__.py, events.py, EVENTS.md, schemas/); name a folder, e.g. --out my_events/"
        )
    if args.templates and not Path(args.templates).is_dir():
        return _error(f"template directory {args.templates} does not exist")
    try:
        catalog = load_catalog(schema)
    except CatalogError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    evolution = None
    if args.baseline:
        from .diff_command import evolution_since

        evolution = evolution_since(args.baseline, catalog)
        if evolution is None:
            return EXIT_BAD_INPUT
    try:
        outputs = render(catalog, args.templates, evolution)
        changes = write_outputs(outputs, out, check=args.check)
    except OSError as error:
        return _error(f"cannot write to {out}: {error.strerror or error}")
    except Exception as error:  # a broken user template: name it, no traceback
        return _error(f"rendering failed: {type(error).__name__}: {error}")
    stale = [
        change for change in changes if change.status not in ("unchanged", "written", "removed")
    ]
    if not args.check:
        print(f"catalog: {schema}")
    for change in changes:
        if args.check:
            if change.status != "unchanged":
                print(f"{change.status}: {out / change.path}")
                sys.stdout.write(change.diff)
        elif not args.quiet or change.status != "unchanged":
            print(f"{change.status}: {out / change.path}")
    if args.check:
        if stale:
            print(
                f"{len(stale)} generated file(s) in {out} are out of date with {schema}; "
                f"run `{regenerate_command(args)}` and commit the result.",
                file=sys.stderr,
            )
            return EXIT_STALE
        print(f"{out} is up to date with {schema}.")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from codex_otel.generator import CatalogError, load_catalog

    status = EXIT_OK
    for file in args.files or [str(default_catalog())]:
        try:
            catalog = load_catalog(file)
        except CatalogError as error:
            print(error, file=sys.stderr)
            status = EXIT_BAD_INPUT
        else:
            print(f"{file}: valid (catalog version {catalog.version}, {_contents(catalog)})")
    return status


def _contents(catalog: Catalog) -> str:
    """ "14 events, 17 metrics, 4 spans": what the catalog declares (metrics and spans only
    when it has some, so an events-only catalog reads as before)."""
    counts = [(len(catalog.events), "event")]
    counts += [
        (n, noun)
        for n, noun in ((len(catalog.metrics), "metric"), (len(catalog.spans), "span"))
        if n
    ]
    return ", ".join(f"{n} {noun}{'' if n == 1 else 's'}" for n, noun in counts)


def cmd_diff(args: argparse.Namespace) -> int:
    from .diff_command import run_diff

    if args.against_merge_base:
        from .diff_command import merge_base_gate

        if args.new is not None:
            print(
                "codex-otel diff: error: with --against-merge-base give one catalog, not two",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        catalog = args.old or project_catalog()
        if catalog is None:
            return _error(
                f"diff --against-merge-base: no catalog given, and there is no "
                f"./{PROJECT_CATALOG.as_posix()} here: name the catalog to gate, e.g. "
                f"`codex-otel diff --against-merge-base {args.against_merge_base[0]} "
                "path/to/catalog.yaml`"
            )
        return merge_base_gate(args.against_merge_base, str(catalog), args.format)
    if args.old is None:
        print("codex-otel diff: error: the following arguments are required: OLD", file=sys.stderr)
        return EXIT_BAD_INPUT
    new = args.new or project_catalog()
    if new is None:
        # The bundled catalog is Codex's, not the user's: comparing a user's file with it
        # would report changes nobody made and pass or fail on them.
        return _error(
            f"diff: NEW is required here (there is no ./{PROJECT_CATALOG.as_posix()} to "
            f"compare {args.old} with): `codex-otel diff OLD NEW`, e.g. "
            f"`codex-otel diff {args.old} catalog.yaml` or `codex-otel diff "
            f"HEAD~1:catalog.yaml catalog.yaml`"
        )
    if args.new is None:
        print(f"codex-otel: diff: NEW is {new}", file=sys.stderr)
    return run_diff(args.old, str(new), args.format)


def cmd_docs(args: argparse.Namespace) -> int:
    from .docs import build_docs

    return build_docs(
        Path(args.schema) if args.schema else None,
        Path(args.out),
        templates=args.templates,
        check=args.check,
        history=args.history,
        force=args.force,
    )


class ReaderGone(BaseException):
    """Standard output's reader closed the pipe (`codex-otel demo | head`). A
    BaseException, so that the demo's printing subscriber stops the command rather than
    being counted and reported as "a subscriber raised" by `Telemetry`, which catches
    `Exception`."""


class _PipeOut(io.TextIOBase):
    """Standard output, written through at once, raising `ReaderGone` when the reader
    has gone: the command then stops quietly, as a process killed by SIGPIPE does."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        try:
            self._stream.write(text)
            self._stream.flush()
        except BrokenPipeError:
            raise ReaderGone from None
        return len(text)


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(args.config, cast(TextIO, _PipeOut(sys.stdout)), sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codex-otel",
        description="Schema-first OpenTelemetry log events for AI coding agents.",
    )
    parser.add_argument("--version", action=PrintVersion)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser(
        "generate",
        help="render the catalog into emitters, docs and JSON Schemas",
        description=(
            "Render a catalog into a Python package: typed emitters and metric recorders "
            "(events.py, __init__.py), their documentation (EVENTS.md) and a wire JSON "
            "Schema per event (schemas/). Files that did not change are left alone; files "
            "a previous run wrote and the catalog no longer needs are removed."
        ),
        epilog=(
            "exit codes: 0 written (or, with --check, up to date); 1 with --check, a file "
            "is stale or missing (a diff of each on stdout); 2 bad input (an invalid "
            "catalog, a missing template folder, an --out that is not a folder, a "
            "template that fails to render)."
        ),
    )
    generate.add_argument("--schema", metavar="FILE", help=SCHEMA_HELP)
    generate.add_argument(
        "--out",
        metavar="DIR",
        help="output folder (default: ./generated/ if it exists beside ./schema/catalog.yaml; "
        "else the package's own folder when it is a checkout's, and otherwise required)",
    )
    generate.add_argument(
        "--templates",
        metavar="DIR",
        help="folder of templates overriding the packaged ones by name",
    )
    generate.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 with a diff if anything is stale",
    )
    generate.add_argument("--quiet", "-q", action="store_true", help="list only files that changed")
    generate.add_argument(
        "--baseline",
        metavar="REV:PATH",
        help='catalog (a path or git REV:PATH) whose changes EVENTS.md lists under "Changes since"',
    )
    generate.set_defaults(handler=cmd_generate)

    validate = commands.add_parser("validate", help="check catalog files; exit 2 on any error")
    validate.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="catalog YAML files (default: " + SCHEMA_HELP.split("(default: ", 1)[1],
    )
    validate.set_defaults(handler=cmd_validate)

    diff = commands.add_parser(
        "diff",
        help="classify the changes between two catalogs; exit 1 if the version bump is too small",
        description=(
            "Classify every change from catalog OLD to catalog NEW (field by field: kind, "
            "path, severity, whom it breaks), derive the version bump the changes need, and "
            "compare it with the bump between the two catalog_versions (below 1.0.0, "
            "Cargo's rule: 0.3 -> 0.4 may break, 0.3.0 -> 0.3.1 may not). OLD and NEW are "
            "catalog paths or git objects REV:PATH (e.g. origin/main:schema/catalog.yaml)."
        ),
        epilog=(
            "exit codes: 0 the declared bump allows the changes; 1 the declared bump is "
            "smaller than the changes need; 2 bad input (a missing file, an unknown git "
            "revision or path, an invalid catalog)."
        ),
    )
    diff.add_argument("old", metavar="OLD", nargs="?", help="catalog path or git REV:PATH")
    diff.add_argument(
        "new",
        metavar="NEW",
        nargs="?",
        help="catalog path or git REV:PATH (default: ./schema/catalog.yaml; required where "
        "there is none)",
    )
    diff.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    diff.add_argument(
        "--against-merge-base",
        metavar="REF",
        action="append",
        help=(
            "the CI gate: compare the one catalog given (default: ./schema/catalog.yaml) "
            "with itself at the merge base of HEAD and REF (repeat for fallbacks, the first "
            "git knows wins); on REF itself, with HEAD^. A REF git does not know is exit 2; "
            "passes, saying so, only when there is no history (no commit yet, REF's first "
            "commit, no catalog at the base)"
        ),
    )
    diff.set_defaults(handler=cmd_diff)

    docs = commands.add_parser(
        "docs",
        help="build the static documentation site of the catalog (HTML, no network)",
        description=(
            "Build a static documentation site from a catalog: an index with search, a "
            "page per event and metric, a privacy page and (with history) a changes page. "
            "The same catalog gives the same bytes; the folder works from disk (file://) "
            "and from any static host. Files the site did not write are left alone; a "
            "folder holding files it would overwrite that an earlier build did not write "
            "is refused unless --force."
        ),
        epilog=(
            "exit codes: 0 built (or, with --check, up to date); 1 with --check, the site "
            "differs from the catalog (each file that differs listed); 2 bad input (an "
            "invalid catalog or history, a missing template folder, an --out that is not "
            "a folder or holds files of another site, a template that fails to render)."
        ),
    )
    docs.add_argument("--out", metavar="DIR", required=True, help="folder to write the site to")
    docs.add_argument(
        "--force",
        action="store_true",
        help="write into --out even where it holds files the site would overwrite that "
        "codex-otel docs did not write",
    )
    docs.add_argument("--schema", metavar="FILE", help=SCHEMA_HELP)
    docs.add_argument(
        "--templates",
        metavar="DIR",
        help="folder of templates overriding the packaged ones by name (site/*.html.jinja)",
    )
    docs.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 with a summary of what differs if the site is stale",
    )
    docs.add_argument(
        "--history",
        metavar="REV:PATH",
        nargs="*",
        help="earlier catalog versions, oldest first (paths or git REV:PATH), for the changes "
        "page; default: the git tags that hold the catalog; with no value: no changes page",
    )
    docs.set_defaults(handler=cmd_docs)

    demo = commands.add_parser(
        "demo",
        help="run a scripted agent session that emits every event of the catalog",
        description=(
            "Run a scripted agent session through the real helpers and emitters: every "
            "event of the bundled catalog in each of its forms, and the metrics recorded "
            "beside them. The events and a summary of the measurements are printed "
            "readably to standard output, or to standard error when the config's file "
            'exporter writes the telemetry itself to standard output (path = "-"), so '
            "that `codex-otel demo --config c.toml | codex-otel live-check --input -` "
            "reads OTLP/JSON alone. The telemetry goes where the --config file's [otel] "
            "table and the standard OTEL_* variables say, the table winning (without "
            "either, nowhere), as docs/configuration.md describes."
        ),
        epilog=(
            "exit codes: 0 nothing to export, or everything delivered; 1 an export "
            "failed or the collector was not reached (events kept in the spool for the "
            "next run are reported, on stderr, with where they wait); 2 bad input (a "
            "config file that is missing or invalid); 141 standard output's reader "
            "closed the pipe."
        ),
    )
    demo.add_argument(
        "--config",
        metavar="FILE",
        help="TOML file whose [otel] table to use (default: none; the defaults and the "
        "OTEL_* variables decide, so nothing is exported unless an endpoint variable is "
        "set); the events are printed readably either way",
    )
    demo.set_defaults(handler=cmd_demo)

    from .live_check import add_parser as add_live_check

    add_live_check(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command; `argv` None means it runs as its own process (the console script,
    `python -m codex_otel.cli`), whose exit status is settled once the command returns."""
    args = build_parser().parse_args(argv)
    status: int | None = None
    try:
        status = args.handler(args)
        if argv is None:
            _settle_exit_status()
        sys.stdout.flush()  # a closed pipe shows here, not as a message at exit
    except KeyboardInterrupt:
        if status is None:
            return 130
        # The command had finished when the Ctrl-C came: its verdict stands.
        if argv is None:
            _settle_exit_status()
        return status
    except (BrokenPipeError, ReaderGone):
        # `codex-otel ... | head`: the reader has what it wanted. No traceback, no
        # message; the status a shell gives a process killed by SIGPIPE.
        if argv is None:
            _discard_stdout()
        return EXIT_READER_GONE
    return status


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush of what is
    still buffered does not fail again on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # no real file descriptor behind sys.stdout: nothing will be flushed to it
    finally:
        os.close(devnull)


def _settle_exit_status() -> None:
    """The command is done: its status is the verdict. A Ctrl-C or SIGTERM arriving while
    the interpreter exits (a shell sends Ctrl-C to a whole pipeline; live-check is often
    its last stage) must not turn it into 130 or 143: Python puts the default actions
    back at exit, but leaves ignored signals ignored.

    The two are blocked first, so none can arrive between the two `signal.signal` calls
    (a burst of Ctrl-Cs once beat three retries); one that arrived before the block may
    still raise here, once per signal, and is retried. Ignoring a blocked signal discards
    it, so unblocking afterwards delivers nothing."""
    if threading.current_thread() is not threading.main_thread():
        return
    both = {signal.SIGINT, signal.SIGTERM}
    block = getattr(signal, "pthread_sigmask", None)  # not on Windows
    for _ in range(8):
        try:
            if block is not None:
                block(signal.SIG_BLOCK, both)
            for number in both:
                signal.signal(number, signal.SIG_IGN)
            if block is not None:
                block(signal.SIG_UNBLOCK, both)
            return
        except KeyboardInterrupt:
            continue  # one came just before it was blocked: the verdict still stands


if __name__ == "__main__":
    sys.exit(main())
