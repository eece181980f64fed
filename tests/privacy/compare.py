"""The scrubber side by side with detect-secrets on the generated corpora (not a test).

    python tests/privacy/compare.py [--size BYTES]

Prints, for each engine: recall over the planted credentials (a credential counts as found
when a finding covers it whole, or for detect-secrets, whose findings are values and line
numbers, when a reported value lies inside it or holds it), false positives per MB of the clean corpus,
and MB/s (CPU time, the best of three). detect-secrets is optional (`pip install
detect-secrets`); it scans line by line with its default plugins.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from codex_otel.runtime import _secrets as secrets
from codex_otel.runtime._secrets import findings

if __package__:
    from . import corpus
else:  # run as a script
    import corpus  # type: ignore[no-redef,import-not-found]


def _best_cpu(action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        action()
        best = min(best, time.process_time() - start)
    return best


def ours(text: str, plants: list[corpus.Plant], clean: str) -> tuple[float, float, float]:
    found = findings(text)
    covered = sum(any(f.start <= p.start and f.end >= p.end for f in found) for p in plants)
    false = len(findings(clean))
    seconds = _best_cpu(lambda: findings(clean))
    return covered / len(plants), false / (len(clean) / 1e6), len(clean) / 1e6 / seconds


def ours_stdlib(text: str, plants: list[corpus.Plant], clean: str) -> tuple[float, float, float]:
    """The same rules with the anchors found by `bytes.find` (no google-re2)."""
    saved = secrets._CASED, secrets._LOWER
    secrets._CASED, secrets._LOWER = secrets.scanners(accelerated=False)
    try:
        return ours(text, plants, clean)
    finally:
        secrets._CASED, secrets._LOWER = saved


def detect_secrets_side(
    text: str, plants: list[corpus.Plant], clean: str
) -> tuple[float, float, float]:
    """detect-secrets' file scan (`SecretsCollection.scan_file`, default plugins and
    filters) of each corpus written to a `.txt` file."""
    # Optional (not a dev dependency): `pip install detect-secrets` to compare.
    from detect_secrets.core.secrets_collection import (  # type: ignore[import-not-found,unused-ignore]
        SecretsCollection,
    )
    from detect_secrets.settings import (  # type: ignore[import-not-found,unused-ignore]
        default_settings,
    )

    def values(document: str) -> list[str]:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "output.txt"
            path.write_text(document, encoding="utf-8", errors="surrogatepass")
            with default_settings():
                collection = SecretsCollection()
                collection.scan_file(str(path))
            return [secret.secret_value or "" for _, secret in collection]

    reported = values(text)
    covered = sum(
        any(
            value and (value in text[p.start : p.end] or text[p.start : p.end] in value)
            for value in reported
        )
        for p in plants
    )
    false = len(values(clean))
    seconds = _best_cpu(lambda: values(clean))
    return covered / len(plants), false / (len(clean) / 1e6), len(clean) / 1e6 / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=2_300_000)
    size = parser.parse_args().size
    text, plants = corpus.planted(size=size)
    clean = corpus.clean(size=size)
    print(
        f"corpus: {len(text) / 1e6:.2f} MB, {len(plants)} planted credentials of "
        f"{len({p.kind for p in plants})} kinds; clean: {len(clean) / 1e6:.2f} MB"
    )
    sides = (
        ("codex-otel _secrets, google-re2 search", ours),
        ("codex-otel _secrets, stdlib search", ours_stdlib),
        ("detect-secrets 1.5.0 (default plugins)", detect_secrets_side),
    )
    for name, side in sides:
        try:
            recall, false, speed = side(text, plants, clean)
        except ImportError:
            print(f"{name}: not installed")
            continue
        print(f"{name}: recall {recall:.1%}, false positives {false:.1f}/MB, {speed:.2f} MB/s")


if __name__ == "__main__":
    main()
