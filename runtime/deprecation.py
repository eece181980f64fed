"""The PEP 702 decorator generated emitters use for deprecated events and arguments.

`typing_extensions.deprecated` is `warnings.deprecated` from Python 3.13 on, so there is
one mechanism on every version: type checkers (mypy with `--enable-error-code deprecated`,
pyright, editors) flag each call site, and at run time each call warns with a
`DeprecationWarning` attributed to the caller, which the warnings machinery shows once
per call site.
"""

from __future__ import annotations

from typing_extensions import deprecated

__all__ = ["deprecated"]
