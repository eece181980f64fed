"""Writing generated files, or checking them against what is on disk (byte-exact)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OutputFile:
    """One generated file: its path relative to the output directory, and its text."""

    path: str
    text: str


@dataclass(frozen=True)
class Change:
    """What writing (or checking) one output file found."""

    path: str
    status: str  # "written", "unchanged", "stale", "missing", "removed", "extra"
    diff: str = ""


def _managed_files(out_dir: Path) -> set[str]:
    """Files in `out_dir` that a previous run would have written."""
    found = {p for p in ("__init__.py", "events.py", "EVENTS.md") if (out_dir / p).exists()}
    schemas = out_dir / "schemas"
    if schemas.is_dir():
        found |= {f"schemas/{p.name}" for p in schemas.glob("*.json")}
    return found


def write_outputs(
    outputs: list[OutputFile],
    out_dir: str | Path,
    *,
    check: bool = False,
    managed: Callable[[Path], set[str]] = _managed_files,
) -> list[Change]:
    """Write `outputs` under `out_dir` (or, with `check`, only compare). Byte-exact.

    `managed` lists the files in `out_dir` a previous run would have written: those no
    longer among `outputs` are removed (or, with `check`, reported)."""
    root = Path(out_dir)
    changes: list[Change] = []
    expected_paths = {o.path for o in outputs}
    for output in outputs:
        target = root / output.path
        current = target.read_bytes().decode("utf-8", "replace") if target.exists() else None
        if current == output.text:
            changes.append(Change(output.path, "unchanged"))
            continue
        if check:
            diff = "".join(
                difflib.unified_diff(
                    (current or "").splitlines(keepends=True),
                    output.text.splitlines(keepends=True),
                    fromfile=f"{output.path} (on disk)",
                    tofile=f"{output.path} (from the catalog)",
                )
            )
            changes.append(Change(output.path, "missing" if current is None else "stale", diff))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(output.text.encode("utf-8"))
        changes.append(Change(output.path, "written"))
    # A schema of an event that was removed from the catalog is stale too.
    for leftover in sorted(managed(root) - expected_paths):
        if check:
            changes.append(Change(leftover, "extra", f"{leftover}: no longer generated\n"))
        else:
            (root / leftover).unlink()
            changes.append(Change(leftover, "removed"))
    return changes
