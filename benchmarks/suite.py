"""Puts the test suite's folder (tests/) on the import path, after benchmarks/.

The benchmarks use the suite's shared pieces rather than copies of them: the conversation
metadata (tests/support/metadata.py) and the fake collectors (tests/receivers/). The
benchmarks run as a script (`python benchmarks/run.py`), so only benchmarks/ is on the path;
a module that imports `support` or `receivers` imports this one first. Appended, not
prepended: tests/ holds folders named like the project's (runtime/, generator/, ...) that
must never shadow anything.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent.parent / "tests")

if TESTS not in sys.path:
    sys.path.append(TESTS)
