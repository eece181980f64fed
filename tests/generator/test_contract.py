"""The contract between generated code and the runtime, checked from both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

import codex_otel.runtime
from codex_otel.generator import load_catalog
from codex_otel.generator.module_model import module_view
from codex_otel.generator.naming import RESERVED, RUNTIME_CONSTANTS, RUNTIME_HELPERS

HERE = Path(__file__).resolve().parent
CATALOGS = [HERE.parent.parent / "schema" / "catalog.yaml", HERE / "fixtures" / "mini.yaml"]


def test_every_name_the_generator_may_import_is_exported_by_the_runtime() -> None:
    exported = set(codex_otel.runtime.__all__)
    assert set(RUNTIME_HELPERS) | set(RUNTIME_CONSTANTS) <= exported


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_a_module_imports_only_contract_names(path: Path) -> None:
    imports = set(module_view(load_catalog(path)).runtime_imports)
    assert imports <= set(RUNTIME_HELPERS) | set(RUNTIME_CONSTANTS)
    assert imports <= RESERVED


@pytest.mark.parametrize(
    ("helper", "value", "error", "message"),
    [
        ("wrong_type", [1], TypeError, "e: argument 'f' must be x, not list"),
        ("wrong_items", [1, "a"], TypeError, "must be x, not list holding int, str"),
        ("wrong_int_items", [2**64], ValueError, "must be x; an item exceeds 64 bits"),
        ("wrong_int_items", [1.0], TypeError, "must be x, not list holding float"),
        ("not_a_member", "zz", ValueError, "must be x; got an unknown member"),
        ("not_a_member", 1.5, TypeError, "must be x, not float"),
        ("not_members", ["zz"], ValueError, "must be x; got an unknown member"),
        ("not_members", [None], TypeError, "must be x, not list holding NoneType"),
    ],
)
def test_each_error_helper_raises_what_its_name_says(
    helper: str, value: object, error: type[Exception], message: str
) -> None:
    function = getattr(codex_otel.runtime, helper)
    with pytest.raises(error) as raised:
        function("e", "f", "x", value)
    assert message in str(raised.value)
    assert "zz" not in str(raised.value)  # the value itself is never shown
