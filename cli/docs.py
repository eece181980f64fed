"""`codex-otel docs`: build (or check) the static documentation site of a catalog."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from codex_otel.generator import CatalogError, load_catalog
from codex_otel.generator.render import Change
from codex_otel.generator.revision import CatalogSourceError
from codex_otel.generator.site import build_site, site_files, write_site
from codex_otel.generator.site_history import (
    TaggedHistoryError,
    load_history,
    releases,
    tagged_history,
)

EXIT_OK = 0
EXIT_STALE = 1
EXIT_BAD_INPUT = 2


def _line_counts(diff: str) -> str:
    added = sum(
        1 for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")
    )
    removed = sum(
        1 for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")
    )
    return f" (+{added} -{removed} lines)" if added or removed else ""


def rebuild_command(
    out: Path, schema: Path | None, templates: str | None, history: list[str] | None
) -> str:
    """The `codex-otel docs` command that rebuilds the site as it was checked: the same
    options, `--check` left out, quoted for a POSIX shell."""
    words = ["codex-otel", "docs", "--out", str(out)]
    if schema is not None:
        words += ["--schema", str(schema)]
    if templates:
        words += ["--templates", templates]
    if history is not None:  # last: it takes every word after it
        words += ["--history", *history]
    return shlex.join(words)


def _report_check(changes: list[Change], out: Path, schema: Path, rebuild: str) -> int:
    """One line per file that differs, with its line counts (HTML diffs are long and say
    little; rebuild and use `git diff` to read them), then the verdict."""
    stale = [change for change in changes if change.status != "unchanged"]
    for change in stale:
        print(f"{change.status}: {out / change.path}{_line_counts(change.diff)}")
    if stale:
        print(
            f"{len(stale)} file(s) of the site in {out} are out of date with {schema}; "
            f"run `{rebuild}` and commit the result.",
            file=sys.stderr,
        )
        return EXIT_STALE
    print(f"{out} is up to date with {schema}.")
    return EXIT_OK


#: What every page of a site codex-otel docs built says in its head.
GENERATOR_MARK = '<meta name="generator" content="codex-otel docs">'


def _foreign_files(out: Path, paths: list[str]) -> list[str]:
    """The files in `out` that building the site would overwrite or remove although no
    earlier build wrote them: none when the folder's index.html is one of ours (a
    rebuild), else every such file that exists (an unrelated index.html, say). Files
    the site never writes (a CNAME, a README) are left alone either way."""
    if not out.is_dir():
        return []
    index = out / "index.html"
    try:
        if index.is_file() and GENERATOR_MARK in index.read_text("utf-8", "replace"):
            return []
    except OSError:
        pass  # unreadable: treat it as someone else's
    return sorted({path for path in paths if (out / path).exists()} | site_files(out))


def build_docs(
    schema: Path | None,
    out: Path,
    *,
    templates: str | None,
    check: bool,
    history: list[str] | None = None,
    force: bool = False,
) -> int:
    """Build the site of `schema` (None: `./schema/catalog.yaml` when the current directory
    has one, else the bundled catalog) into `out`, or with `check`
    only compare. Errors are one paragraph on stderr and exit 2, never a traceback.

    `history` lists earlier catalog versions (paths or `REV:PATH`, oldest first) for the
    changes page; None looks for the git tags merged into HEAD that hold the catalog (see
    `site_history`); `[]` means no page."""
    rebuild = rebuild_command(out, schema, templates, history)
    if schema is None:
        from .main import default_catalog

        schema = default_catalog()
    if out.exists() and not out.is_dir():
        print(f"codex-otel: error: --out {out} is not a directory", file=sys.stderr)
        return EXIT_BAD_INPUT
    if templates and not Path(templates).is_dir():
        print(f"codex-otel: error: template directory {templates} does not exist", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        catalog = load_catalog(schema)
        versions = tagged_history(schema) if history is None else load_history(history)
        history_releases = releases(versions, catalog)
    except TaggedHistoryError as error:
        print(f"codex-otel: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except CatalogError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    except CatalogSourceError as error:
        print(f"codex-otel: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        outputs = build_site(catalog, templates, releases=history_releases)
        foreign = [] if check or force else _foreign_files(out, [o.path for o in outputs])
        if foreign:
            shown = ", ".join(str(out / path) for path in foreign[:3])
            more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
            print(
                f"codex-otel: error: {out} holds files that codex-otel docs did not write and "
                f"would overwrite or remove ({shown}{more}): choose an empty folder, or pass "
                "--force to replace them.",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        changes = write_site(outputs, out, check=check)
    except OSError as error:
        print(
            f"codex-otel: error: cannot write to {out}: {error.strerror or error}", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    except Exception as error:  # a broken user template: name it, no traceback
        print(
            f"codex-otel: error: rendering failed: {type(error).__name__}: {error}", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    if check:
        return _report_check(changes, out, schema, rebuild)
    written = [change for change in changes if change.status != "unchanged"]
    for change in written:
        print(f"{change.status}: {out / change.path}")
    print(
        f"{out}: {len(outputs)} files from {schema}, {len(written)} changed; "
        f"open {out / 'index.html'}"
    )
    return EXIT_OK
