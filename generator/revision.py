"""Find a catalog by path or as a git object `REV:PATH`, and load it as `validate` does.

`REV:PATH` is read with `git show` in the current directory's repository, so PATH is
relative to the repository's root (or to the current directory, written `REV:./PATH`),
exactly as git reads it. A spec that names an existing file is always a path.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .catalog import load_catalog, load_catalog_bytes
from .model import Catalog

#: `git show` of one blob; bounded so a hung git (a lock, a prompt) cannot hang the CLI.
GIT_TIMEOUT_S = 60


class CatalogSourceError(Exception):
    """The catalog could not be read at all: a missing git, revision or path. The message
    names the spec and says what git said."""


def is_git_spec(spec: str) -> bool:
    """Whether `spec` is `REV:PATH` rather than a file path."""
    if ":" not in spec:
        return False
    try:
        if Path(spec).exists():
            return False
    except (OSError, ValueError):  # a NUL byte, a name too long: not a file
        pass
    revision, _, path = spec.partition(":")
    # `C:\\catalog.yaml` is a Windows path, not revision `C`.
    return bool(revision) and bool(path) and not (len(revision) == 1 and path[:1] in "\\/")


def read_git_object(spec: str, cwd: str | Path | None = None) -> bytes:
    """The bytes of the blob `REV:PATH`; CatalogSourceError when git cannot give them."""
    try:
        result = subprocess.run(
            ["git", "show", "--no-textconv", spec],
            cwd=cwd,
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise CatalogSourceError(f"cannot read {spec}: git is not installed") from None
    except subprocess.TimeoutExpired:
        raise CatalogSourceError(
            f"cannot read {spec}: git show took over {GIT_TIMEOUT_S} s"
        ) from None
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1].removeprefix("fatal: ") if said else f"git exit {result.returncode}"
        raise CatalogSourceError(f"cannot read {spec} from git: {reason}")
    return result.stdout


def load_catalog_spec(spec: str | Path, cwd: str | Path | None = None) -> Catalog:
    """Load, check and resolve the catalog at a path or git `REV:PATH`.

    Raises CatalogError (every problem, as `validate` reports them; diagnostics name the
    spec as the file) or CatalogSourceError (a revision or path git does not know)."""
    text = str(spec)
    if isinstance(spec, Path) or not is_git_spec(text):
        return load_catalog(spec)
    return load_catalog_bytes(read_git_object(text, cwd), text)
