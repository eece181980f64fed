"""`codex-otel diff OLD [NEW]`: load both catalogs as `validate` does, diff, gate, print.

Exit 0 when the declared version bump allows the changes, 1 when it is too small, 2 on
bad input (a catalog that does not validate, a git revision or path that does not exist).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from codex_otel.generator import CatalogError
from codex_otel.generator.diff import diff_catalogs
from codex_otel.generator.model import Catalog
from codex_otel.generator.revision import CatalogSourceError, git_output, load_catalog_spec
from codex_otel.generator.semver import GateResult, gate

from .diff_output import FORMATS

EXIT_OK, EXIT_BUMP_TOO_SMALL, EXIT_BAD_INPUT = 0, 1, 2


def _load(spec: str) -> Catalog | None:
    try:
        return load_catalog_spec(spec)
    except CatalogError as error:
        print(error, file=sys.stderr)  # exactly what `validate` prints
    except CatalogSourceError as error:
        print(f"codex-otel: error: {error}", file=sys.stderr)
    return None


def run_diff(old_spec: str, new_spec: str, output_format: str) -> int:
    # Both are loaded before either error is reported, so one run names every bad input.
    old, new = _load(old_spec), _load(new_spec)
    if old is None or new is None:
        return EXIT_BAD_INPUT
    result = gate(old.version, new.version, diff_catalogs(old, new))
    sys.stdout.write(FORMATS[output_format](result))
    return EXIT_OK if result.ok else EXIT_BUMP_TOO_SMALL


def evolution_since(baseline_spec: str, catalog: Catalog) -> GateResult | None:
    """The diff from the baseline catalog to `catalog`, for `generate --baseline`; None
    (the error already printed) when the baseline cannot be loaded."""
    baseline = _load(baseline_spec)
    if baseline is None:
        return None
    return gate(baseline.version, catalog.version, diff_catalogs(baseline, catalog))


def _say(message: str) -> None:
    print(f"codex-otel: gate: {message}", file=sys.stderr)


def merge_base_gate(main_refs: Sequence[str], catalog: str, output_format: str = "text") -> int:
    """The CI gate (`codex-otel diff --against-merge-base REF`, which `nox -s gate` runs):
    diff the catalog at the merge base of HEAD with the first of `main_refs` that git
    knows against the working tree's `catalog`, and exit as `diff` does.

    It says what it compares with, on stderr. It passes (exit 0), saying why, only when
    there is genuinely nothing to compare with: a repository with no commit yet, the main
    branch's first commit, or no catalog at the base. No git repository at all, a REF that
    git does not know (none of them, when several are given) or one with no common
    history with HEAD is bad input (exit 2, naming it): a source archive, a typo or a
    shallow CI clone must not pass the gate.
    On the main branch itself the merge base is HEAD, which would compare the catalog
    with itself; it compares with the previous commit, HEAD^, instead."""
    if _load(catalog) is None:  # reported as `diff` reports it
        return EXIT_BAD_INPUT
    top = git_output("rev-parse", "--show-toplevel")
    head = git_output("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if top is None:
        # Not "no history": the history is not here to look at (a source archive, a CI
        # job without the clone), and passing would be a false green.
        print(
            f"codex-otel: error: --against-merge-base: {catalog} is not in a git repository "
            "(or git is not installed): the gate compares with the git history; run it in a "
            "clone, or compare two files with `codex-otel diff OLD NEW`.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if head is None:
        _say("the git repository has no commit yet: no history to compare with; passing.")
        return EXIT_OK
    try:
        path = Path(catalog).resolve().relative_to(Path(top).resolve()).as_posix()
    except ValueError:
        print(f"codex-otel: error: {catalog} is not in the git repository {top}", file=sys.stderr)
        return EXIT_BAD_INPUT
    known = [
        ref
        for ref in main_refs
        if git_output("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    ]
    if not known:
        names = ", ".join(main_refs)
        print(
            f"codex-otel: error: --against-merge-base: git knows no commit named {names} "
            f"in {top}. Name the main branch as git knows it (`git branch -a` lists them); "
            "in a CI clone, fetch it first (e.g. actions/checkout with fetch-depth: 0).",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    ref = known[0]
    base = git_output("merge-base", "HEAD", ref)
    if base is None:
        print(
            f"codex-otel: error: --against-merge-base: HEAD and {ref} have no common history "
            "to find a merge base in (unrelated histories, or a shallow clone: fetch the full "
            "history, e.g. `git fetch --unshallow`).",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    what = f"the merge base {base[:12]} of {ref}"
    if base == head:
        parent = git_output("rev-parse", "--verify", "--quiet", "HEAD^1")
        if parent is None:
            _say(f"HEAD is {ref} itself and has no previous commit to compare with; passing.")
            return EXIT_OK
        base = parent
        what = (
            f"the previous commit {base[:12]} (HEAD^: HEAD is the merge base with {ref}, "
            "so comparing with it would compare the catalog with itself)"
        )
    if git_output("cat-file", "-e", f"{base}:{path}") is None:
        _say(f"{path} does not exist at {what}; passing.")
        return EXIT_OK
    _say(f"comparing {path} with {what}")
    return run_diff(f"{base}:{path}", catalog, output_format)
