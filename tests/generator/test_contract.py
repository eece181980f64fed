"""The contract between generated code and the runtime, checked from both sides: the
names the generator may use (`generator/naming.py`) are those the runtime's contract
module offers (`runtime/_contract.py`), each exists there (and on `Conversation`), and
the modules the generator writes use no other name of the runtime."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from codex_otel.generator import load_catalog, render
from codex_otel.generator.module_model import module_view
from codex_otel.generator.naming import (
    CATALOG_REGISTRATION,
    CONVERSATION_MEMBERS,
    RESERVED,
    RUNTIME_CONSTANTS,
    RUNTIME_HELPERS,
)
from codex_otel.runtime import Conversation, _contract

HERE = Path(__file__).resolve().parent
CATALOGS = [
    HERE.parent.parent / "schema" / "catalog.yaml",
    *sorted((HERE / "fixtures").glob("*.yaml")),
]
CONTRACT_MODULE = "codex_otel.runtime._contract"


def test_the_generator_and_the_runtime_list_the_same_names() -> None:
    assert set(RUNTIME_HELPERS) == set(_contract.HELPERS)
    assert set(RUNTIME_CONSTANTS) == set(_contract.CONSTANTS)
    assert CATALOG_REGISTRATION == _contract.CATALOG_REGISTRATION
    assert set(CONVERSATION_MEMBERS) == set(_contract.CONVERSATION_MEMBERS)
    assert set(_contract.__all__) == {
        *RUNTIME_HELPERS,
        *RUNTIME_CONSTANTS,
        CATALOG_REGISTRATION,
        "note_emit_error",  # for hand-written helpers (codex_otel.instrument)
    }


@pytest.mark.parametrize("name", sorted(_contract.__all__))
def test_every_contract_name_exists(name: str) -> None:
    assert getattr(_contract, name) is not None


@pytest.mark.parametrize("member", CONVERSATION_MEMBERS)
def test_every_conversation_member_of_the_contract_exists(member: str) -> None:
    assert member in dir(Conversation) or member in Conversation.__slots__


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_a_module_imports_only_contract_names(path: Path) -> None:
    imports = set(module_view(load_catalog(path)).runtime_imports)
    assert imports <= set(RUNTIME_HELPERS) | set(RUNTIME_CONSTANTS)
    assert imports <= RESERVED


def _runtime_uses(source: str) -> tuple[set[str], set[str], set[str]]:
    """The modules of the runtime a generated module imports from, the names it imports,
    and the attributes it reads on its `conversation` parameter."""
    modules: set[str] = set()
    names: set[str] = set()
    members: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("codex_otel"):
            modules.add(node.module or "")
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            modules |= {a.name for a in node.names if a.name.startswith("codex_otel")}
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "conversation"
        ):
            members.add(node.attr)
    return modules, names, members


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_generated_modules_use_only_the_contract(path: Path) -> None:
    files = {f.path: f.text for f in render(load_catalog(path)) if f.path.endswith(".py")}
    assert set(files) == {"__init__.py", "events.py"}
    modules, names, members = _runtime_uses(files["events.py"])
    assert modules == {CONTRACT_MODULE}
    assert names <= set(RUNTIME_HELPERS) | set(RUNTIME_CONSTANTS)
    assert members <= set(CONVERSATION_MEMBERS)
    assert {"recording", "emit"} <= members  # the scan sees what the emitters do
    modules, names, _ = _runtime_uses(files["__init__.py"])
    assert (modules, names) == ({CONTRACT_MODULE}, {CATALOG_REGISTRATION})


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
    function = getattr(_contract, helper)
    with pytest.raises(error) as raised:
        function("e", "f", "x", value)
    assert message in str(raised.value)
    if error is TypeError:  # a value of the wrong type is named by its type only
        assert "zz" not in str(raised.value)
