"""The `codex_otel` package itself, whose sub-packages are the pipeline's folders.

pyproject.toml maps `codex_otel` here and each stage folder to `codex_otel.<folder>`; this
file exists so that `codex_otel.__version__` does. It imports nothing, so importing any
stage costs nothing more than it did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    #: The installed codex-otel distribution's version (looked up on first access).
    __version__: str


def __getattr__(name: str) -> object:
    if name == "__version__":
        # The runtime looks it up once (importlib.metadata costs ~10 ms) and keeps it.
        from codex_otel.runtime import __version__

        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
