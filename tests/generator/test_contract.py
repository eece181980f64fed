"""The contract between generated code and the runtime, checked from both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

import codex_otel.runtime
from codex_otel.generator import load_catalog
from codex_otel.generator.naming import RESERVED, RUNTIME_CONSTANTS, RUNTIME_HELPERS

HERE = Path(__file__).resolve().parent
CATALOGS = [HERE.parent.parent / "schema" / "catalog.yaml", HERE / "fixtures" / "mini.yaml"]


def test_every_name_the_generator_may_import_is_exported_by_the_runtime() -> None:
    exported = set(codex_otel.runtime.__all__)
    assert set(RUNTIME_HELPERS) | set(RUNTIME_CONSTANTS) <= exported


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_a_module_imports_only_contract_names(path: Path) -> None:
    imports = set(load_catalog(path).runtime_imports)
    assert imports <= set(RUNTIME_HELPERS) | set(RUNTIME_CONSTANTS)
    assert imports <= RESERVED


@pytest.mark.parametrize(
    ("helper", "value", "error", "message"),
    [
        ("wrong_type", ["zz"], TypeError, "e: argument 'f' must be x, not list"),
        ("wrong_items", [1, "zz"], TypeError, "must be x, not list holding int, str"),
        (
            "wrong_int_items",
            [1, 2**64],
            ValueError,
            "; an item exceeds 64 bits: 18446744073709551616",
        ),
        ("wrong_int_items", [1.0, "zz"], TypeError, "must be x, not list holding float, str"),
        ("not_a_member", "zz", ValueError, "must be x; got 'zz'"),
        ("not_a_member", b"zz", TypeError, "must be x, not bytes"),
        ("not_members", ["a", "zz"], ValueError, "must be x; got ['a', 'zz']"),
        ("not_members", ["zz", None], TypeError, "must be x, not list holding NoneType, str"),
    ],
)
def test_each_error_helper_raises_what_its_name_says(
    helper: str, value: object, error: type[Exception], message: str
) -> None:
    function = getattr(codex_otel.runtime, helper)
    with pytest.raises(error) as raised:
        function("e", "f", "x", value)
    assert message in str(raised.value)
    if error is TypeError:  # a value of the wrong type is named by its type only
        assert "zz" not in str(raised.value)
