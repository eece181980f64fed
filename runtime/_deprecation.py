"""The PEP 702 decorator generated emitters use for deprecated events and arguments.

`typing_extensions.deprecated` is `warnings.deprecated` from Python 3.13 on (imported
from `warnings` there, so nothing else loads): one mechanism on every version. Type
checkers (mypy with `--enable-error-code deprecated`, pyright, editors) flag each call
site, and at run time each call warns with a `DeprecationWarning` attributed to the
caller, which the warnings machinery shows once per call site.
"""

from __future__ import annotations

import sys

if sys.version_info >= (3, 13):
    from warnings import deprecated
else:  # the same object: typing_extensions re-exports warnings.deprecated from 3.13 on
    from typing_extensions import deprecated

__all__ = ["deprecated"]
