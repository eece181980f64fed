"""The semver gate: the bump a set of changes requires, against the bump two versions declare.

Required: `major` for any breaking change, `minor` for any compatible one, `patch` for
information only, `none` for no change. Declared: what going from the old
`catalog_version` to the new one allows. Below 1.0.0 this follows Cargo's convention:
the left-most non-zero part is the major one, so 0.3.x -> 0.4.0 may break and
0.3.0 -> 0.3.1 may add but not break (and 0.0.x -> 0.0.y may break).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .diff import Change

Bump = Literal["none", "patch", "minor", "major"]
BUMPS: tuple[Bump, ...] = ("none", "patch", "minor", "major")

_VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?")


def required_bump(changes: Iterable[Change]) -> Bump:
    """The smallest bump that allows every change."""
    severities = {change.severity for change in changes}
    if "breaking" in severities:
        return "major"
    if "compatible" in severities:
        return "minor"
    return "patch" if severities else "none"


def _parts(version: str) -> tuple[int, int, int]:
    match = _VERSION.fullmatch(version)
    if match is None:  # the catalog's JSON Schema enforces the pattern before this
        raise ValueError(f"{version!r} is not a semantic version")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def version_key(version: str) -> tuple[int, int, int]:
    """A key that sorts versions by precedence: major, minor, patch as numbers (a
    pre-release suffix is ignored, so `1.0.0-rc.1` and `1.0.0` are equal)."""
    return _parts(version)


def declared_bump(old_version: str, new_version: str) -> Bump:
    """What going from `old_version` to `new_version` allows, with Cargo's rule for 0.x.

    A version that does not go up (the same, a lower one, or only a pre-release tag
    changed) allows `none`."""
    old, new = _parts(old_version), _parts(new_version)
    if new <= old:
        return "none"
    # The index of the first part that went up, read as major/minor/patch, then shifted
    # by the leading zeros of the old version (Cargo: 0.y is major-like, 0.0.z too).
    changed = next(index for index in range(3) if new[index] != old[index])
    leading_zeros = 0
    while leading_zeros < 2 and old[leading_zeros] == 0 and new[leading_zeros] == 0:
        leading_zeros += 1
    level = max(changed - leading_zeros, 0)
    return ("major", "minor", "patch")[level]


def allows(declared: Bump, required: Bump) -> bool:
    """Whether the declared bump is at least the required one."""
    return BUMPS.index(declared) >= BUMPS.index(required)


@dataclass(frozen=True)
class GateResult:
    """What the gate decided for one pair of catalogs (the JSON output's top level)."""

    old_version: str
    new_version: str
    required_bump: Bump
    declared_bump: Bump
    changes: tuple[Change, ...]

    @property
    def ok(self) -> bool:
        return allows(self.declared_bump, self.required_bump)

    @property
    def is_downgrade(self) -> bool:
        """Whether the new version is lower than the old one (a downgrade allows no change)."""
        return version_key(self.new_version) < version_key(self.old_version)

    @property
    def verdict(self) -> str:
        """The gate's verdict in one line, as `codex-otel diff` prints it and the docs
        site's changes page shows it for each version step: OK, or FAIL with the bump the
        changes need and the one the versions declare; a downgrade is said so."""
        versions = f"{self.old_version} -> {self.new_version}"
        if self.required_bump == "none":
            down = ", a downgrade" if self.is_downgrade else ""
            return f"OK: no change, so any version will do ({versions}{down})."
        if self.is_downgrade:
            return (
                f"FAIL: the changes need a {self.required_bump} bump, but {versions} is a "
                "downgrade, which allows no change."
            )
        declared = f"a {self.declared_bump} bump"
        if self.ok:
            return f"OK: the changes need a {self.required_bump} bump; {versions} is {declared}."
        return f"FAIL: the changes need a {self.required_bump} bump, but {versions} is {declared}."


def gate(old_version: str, new_version: str, changes: Iterable[Change]) -> GateResult:
    """The required and declared bumps of a set of changes between two versions."""
    found = tuple(changes)
    return GateResult(
        old_version,
        new_version,
        required_bump(found),
        declared_bump(old_version, new_version),
        found,
    )
