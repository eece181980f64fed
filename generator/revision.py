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


def _git(args: list[str], spec: str, cwd: str | Path | None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args],
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
            f"cannot read {spec}: git {args[0]} took over {GIT_TIMEOUT_S} s"
        ) from None


def _git_said(result: subprocess.CompletedProcess[bytes]) -> str:
    """What git said on failure: every `fatal:`/`error:` line, then its hints (from a
    subfolder the reason is on the `fatal:` line and the fix on the `hint:` one)."""
    lines = [line.strip() for line in result.stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return f"git exit {result.returncode}"
    reasons = [
        line.removeprefix("fatal: ").removeprefix("error: ")
        for line in lines
        if not line.startswith("hint:")
    ]
    hints = [line.removeprefix("hint:").strip() for line in lines if line.startswith("hint:")]
    said = "; ".join(reasons) if reasons else lines[-1]
    return said + "".join(f" (hint: {hint})" for hint in hints if hint)


def read_git_object(spec: str, cwd: str | Path | None = None) -> bytes:
    """The bytes of the blob `REV:PATH`; CatalogSourceError when git cannot give them."""
    if spec.startswith("-"):
        # git would read it as an option (`--output=FILE:x` writes a file): never pass it.
        raise CatalogSourceError(f"cannot read {spec} from git: a revision cannot start with '-'")
    # `--end-of-options`: whatever the spec is, git reads it as a revision, never an option.
    result = _git(["show", "--no-textconv", "--end-of-options", spec], spec, cwd)
    if result.returncode != 0:
        raise CatalogSourceError(f"cannot read {spec} from git: {_git_said(result)}")
    if result.stdout.startswith(f"tree {spec}\n".encode()):
        # `git show` lists a folder; a catalog that starts so is checked, not guessed.
        kind = _git(["cat-file", "-t", "--end-of-options", spec], spec, cwd)
        if kind.stdout.strip() == b"tree":
            path = spec.partition(":")[2]
            raise CatalogSourceError(
                f"cannot read {spec} from git: {path!r} is a folder (a git tree), "
                "not a catalog file"
            )
    return result.stdout


def git_output(*args: str, cwd: str | Path | None = None) -> str | None:
    """git's output, stripped, or None when git fails (no repository, an unknown ref, no
    git). For questions such as `merge-base`, where failing is an answer."""
    try:
        result = _git(list(args), " ".join(args), cwd)
    except CatalogSourceError:
        return None
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", "replace").strip()


def load_catalog_spec(spec: str | Path, cwd: str | Path | None = None) -> Catalog:
    """Load, check and resolve the catalog at a path or git `REV:PATH`.

    Raises CatalogError (every problem, as `validate` reports them; diagnostics name the
    spec as the file) or CatalogSourceError (a revision or path git does not know)."""
    text = str(spec)
    if isinstance(spec, str) and not spec.strip():
        # Path("") is the current folder: "Is a directory" would not say what is wrong.
        raise CatalogSourceError(f"the catalog path is empty ({spec!r}): name a file or REV:PATH")
    if isinstance(spec, Path) or not is_git_spec(text):
        return load_catalog(spec)
    return load_catalog_bytes(read_git_object(text, cwd), text)
