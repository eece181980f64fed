"""Import generated modules from temp folders."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent.parent
_counter = itertools.count()

#: The `generate_module` fixture (tests/conftest.py): catalog text or path -> imported emitters.
GenerateFn = Callable[[str], ModuleType]


def import_generated(out_dir: Path) -> ModuleType:
    """Import `out_dir/events.py` under a fresh module name."""
    name = f"generated_under_test_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, out_dir / "events.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look the module up while building the class
    spec.loader.exec_module(module)
    return module
