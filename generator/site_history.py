"""The docs site's change history: catalog versions in, `Release`s (newest first) out.

Each consecutive pair of versions, oldest to newest and ending with the catalog the site
is built from, is compared with `diff_catalogs` and gated with `semver.gate`: the same
classification, audiences and verdict `codex-otel diff` prints. The versions come from
`--history REV:PATH ...`, or else from the git tags merged into HEAD whose tree holds the
catalog, so a project that tags its releases gets the page with no option at all. Those
tags are ordered by the `catalog_version` each holds (semver precedence, pre-release
suffixes ignored) and, for equal versions, by their place in history (an ancestor first):
not by when a tag was created, so tagging an old commit late does not put it last, and a
tag on a branch HEAD does not contain is not used.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import CatalogError
from .diff import diff_catalogs
from .model import Catalog
from .revision import GIT_TIMEOUT_S, CatalogSourceError, load_catalog_spec
from .semver import gate, version_key
from .site_model import CatalogChange, Release


def releases(versions: Sequence[Catalog], current: Catalog) -> list[Release]:
    """The changes from each version to the next, `current` last; newest release first.

    A version identical to the one before it (a tag that did not touch the catalog) adds
    no release. The last release, the one to `current`, is marked `unreleased`."""
    chain = [*versions, current]
    found = []
    for old, new in itertools.pairwise(chain):
        changes = diff_catalogs(old, new)
        if not changes and old.version == new.version:
            continue
        step = gate(old.version, new.version, changes)  # what `codex-otel diff` decides
        found.append(
            Release(
                from_version=old.version,
                to_version=new.version,
                changes=tuple(
                    CatalogChange(
                        severity=change.severity,
                        subject=change.path,
                        text=change.message,
                        audiences=change.audiences,
                    )
                    for change in changes
                ),
                unreleased=new is current,
                gate=step,
            )
        )
    return found[::-1]


def load_history(specs: Sequence[str]) -> list[Catalog]:
    """The catalogs of `--history`, in the order given (oldest first). Raises what
    `load_catalog_spec` raises, naming the spec."""
    return [load_catalog_spec(spec) for spec in specs]


@dataclass(frozen=True)
class TaggedVersion:
    """A git tag whose tree holds the catalog."""

    tag: str
    #: `TAG:PATH`, PATH relative to the repository's root.
    spec: str


class TaggedHistoryError(Exception):
    """A tag picked by default for the history holds a catalog that cannot be loaded. The
    message names the tag, says it was picked by default and how to choose instead."""

    def __init__(self, tagged: TaggedVersion, cause: CatalogError | CatalogSourceError) -> None:
        self.tagged = tagged
        super().__init__(
            f"tag {tagged.tag}, picked by default for the changes page's history (every git "
            f"tag merged into HEAD that holds the catalog), has a catalog that cannot be "
            f"loaded ({tagged.spec}):\n"
            f"{cause}\n"
            f"Pass the versions explicitly with `--history REV:PATH ...` (oldest first), or "
            f"`--history` alone for no changes page."
        )


def _git_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """git's result in `folder`; None when git is missing or hangs."""
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


def tagged_versions(catalog_path: Path) -> list[TaggedVersion]:
    """The git tags merged into HEAD whose tree holds the catalog at `catalog_path`, in
    the order of history: a tag's commit after every commit it descends from (tags on one
    commit by name). Empty outside a git checkout or without such tags."""
    folder = catalog_path.resolve().parent

    def git(*args: str) -> str | None:
        result = _git_in(folder, *args)
        return result.stdout if result is not None and result.returncode == 0 else None

    top = git("rev-parse", "--show-toplevel")
    if top is None:
        return []
    relative = catalog_path.resolve().relative_to(Path(top.strip()).resolve()).as_posix()
    # `*objectname` is the commit an annotated tag points to; empty for a lightweight tag.
    refs = git(
        "for-each-ref",
        "--merged",
        "HEAD",
        "--format=%(refname:strip=2) %(objectname) %(*objectname)",
        "refs/tags",
    )
    history = git("rev-list", "--topo-order", "--reverse", "HEAD")
    if refs is None or history is None:
        return []
    position = {commit: index for index, commit in enumerate(history.split())}
    found: list[tuple[int, str]] = []
    for line in refs.splitlines():
        tag, *objects = line.split()
        commit = objects[-1]  # the peeled commit when there is one
        if git("cat-file", "-e", f"{tag}:{relative}") is not None:
            found.append((position.get(commit, len(position)), tag))
    return [TaggedVersion(tag, f"{tag}:{relative}") for _, tag in sorted(found)]


def tagged_history(catalog_path: Path) -> list[Catalog]:
    """The catalogs of `tagged_versions`, oldest first: ordered by their `catalog_version`
    and, for equal versions, by their place in history. Read from the catalog's own
    repository, wherever the current directory is. Raises TaggedHistoryError naming the
    tag whose catalog cannot be loaded."""
    folder = catalog_path.resolve().parent
    found = []
    for tagged in tagged_versions(catalog_path):
        try:
            found.append(load_catalog_spec(tagged.spec, cwd=folder))
        except (CatalogError, CatalogSourceError) as error:
            raise TaggedHistoryError(tagged, error) from error
    return sorted(found, key=lambda catalog: version_key(catalog.version))  # stable
