"""Shared test helpers: generate a catalog into a temp folder and import the result."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from codex_otel.generator import load_catalog, load_catalog_text, render, write_outputs
from support.generation import import_generated

_counter = itertools.count()

#: Real OTLP receivers (HTTP, gRPC, TLS) as fixtures, for the wire tests.
pytest_plugins = ["receivers.fixtures"]

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
