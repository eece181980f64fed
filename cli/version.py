"""`codex-otel --version`: the installed distribution's version, looked up only when asked
(importlib.metadata would cost every other command ~10 ms)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any


class PrintVersion(argparse.Action):
    """Print `codex-otel VERSION` and exit, like argparse's "version" action."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "print the version and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        from codex_otel.runtime import __version__

        sys.stdout.write(f"{parser.prog} {__version__}\n")
        parser.exit()
