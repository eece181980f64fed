"""The docs site's change history: catalog versions in, `Release`s (newest first) out.

Each consecutive pair of versions, oldest to newest and ending with the catalog the site
is built from, is compared with `diff_catalogs`, the same classification `codex-otel diff`
prints. The versions come from `--history REV:PATH ...`, or else from the git tags whose
tree holds the catalog (oldest tag first), so a project that tags its releases gets the
page with no option at all.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .diff import diff_catalogs
from .model import Catalog
from .revision import GIT_TIMEOUT_S, load_catalog_spec
from .site_model import CatalogChange, Release


def releases(versions: Sequence[Catalog], current: Catalog) -> list[Release]:
    """The changes from each version to the next, `current` last; newest release first.

    A version identical to the one before it (a tag that did not touch the catalog) adds
    no release."""
    chain = [*versions, current]
    found = []
    for old, new in itertools.pairwise(chain):
        changes = diff_catalogs(old, new)
        if not changes and old.version == new.version:
            continue
        found.append(
            Release(
                from_version=old.version,
                to_version=new.version,
                changes=tuple(
                    CatalogChange(
                        severity=change.severity, subject=change.path, text=change.message
                    )
                    for change in changes
                ),
            )
        )
    return found[::-1]


def load_history(specs: Sequence[str]) -> list[Catalog]:
    """The catalogs of `--history`, in the order given (oldest first). Raises what
    `load_catalog_spec` raises, naming the spec."""
    return [load_catalog_spec(spec) for spec in specs]


def tagged_versions(catalog_path: Path) -> list[str]:
    """`TAG:PATH` specs for the git tags whose tree holds the catalog at `catalog_path`,
    oldest tag first; empty outside a git checkout or without tags."""
    folder = catalog_path.resolve().parent

    def git(*args: str) -> subprocess.CompletedProcess[str] | None:
        try:
            return subprocess.run(
                ["git", *args],
                cwd=folder,
                capture_output=True,
                text=True,
                check=False,
                timeout=GIT_TIMEOUT_S,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None

    top = git("rev-parse", "--show-toplevel")
    if top is None or top.returncode != 0:
        return []
    relative = catalog_path.resolve().relative_to(Path(top.stdout.strip()).resolve()).as_posix()
    tags = git("tag", "--list", "--sort=creatordate")
    if tags is None or tags.returncode != 0:
        return []
    specs = []
    for tag in tags.stdout.split():
        present = git("cat-file", "-e", f"{tag}:{relative}")
        if present is not None and present.returncode == 0:
            specs.append(f"{tag}:{relative}")
    return specs
