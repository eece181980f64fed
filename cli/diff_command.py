"""`codex-otel diff OLD [NEW]`: load both catalogs as `validate` does, diff, gate, print.

Exit 0 when the declared version bump allows the changes, 1 when it is too small, 2 on
bad input (a catalog that does not validate, a git revision or path that does not exist).
"""

from __future__ import annotations

import sys

from codex_otel.generator import CatalogError
from codex_otel.generator.diff import diff_catalogs
from codex_otel.generator.model import Catalog
from codex_otel.generator.revision import CatalogSourceError, load_catalog_spec
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
