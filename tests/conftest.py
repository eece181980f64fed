"""Shared test helpers: generate a catalog into a temp folder and import the result."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from codex_otel.generator import load_catalog, load_catalog_text, render, write_outputs

REPO = Path(__file__).resolve().parent.parent
_counter = itertools.count()


def import_generated(out_dir: Path) -> ModuleType:
    """Import `out_dir/events.py` under a fresh module name."""
    name = f"generated_under_test_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, out_dir / "events.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look the module up while building the class
    spec.loader.exec_module(module)
    return module


GenerateFn = Callable[[str], ModuleType]


@pytest.fixture
def generate_module(tmp_path: Path) -> GenerateFn:
    """Generate catalog text (or a path) into a temp folder and import the emitters."""

    def generate(catalog: str) -> ModuleType:
        out = tmp_path / f"out{next(_counter)}"
        if catalog.endswith((".yaml", ".yml")) and "\n" not in catalog:
            loaded = load_catalog(catalog)
        else:
            loaded = load_catalog_text(catalog, "test.yaml")
        write_outputs(render(loaded), out)
        return import_generated(out)

    return generate
