"""The stages import one way: the runtime knows no catalog (it imports neither the
generated package, nor the generator, nor live-check), and the generator does not import
the runtime. Read from the source (every `import` statement, lazy ones included), not
from what happens to be loaded."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _imports(path: Path, package: str) -> set[str]:
    """Every module `path` imports, absolute (relative imports resolved in `package`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
                found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
            elif node.module:
                found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _stage_imports(folder: str) -> dict[str, set[str]]:
    root = REPO / folder
    result = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).with_suffix("")
        package = ".".join(("codex_otel", folder, *relative.parts[:-1]))
        result[path.relative_to(REPO).as_posix()] = _imports(path, package)
    return result


def _reaching(imports: dict[str, set[str]], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    return {
        path: sorted(m for m in modules if m.startswith(forbidden))
        for path, modules in imports.items()
        if any(m.startswith(forbidden) for m in modules)
    }


def test_the_scan_sees_relative_and_lazy_imports() -> None:
    imports = _stage_imports("runtime")
    assert "codex_otel.runtime._int64" in imports["runtime/_arguments.py"]
    # `_start_pipeline` imports the background start inside a method.
    assert "codex_otel.runtime._startup" in imports["runtime/telemetry.py"]


def test_the_runtime_imports_no_catalog_nor_the_stages_above_it() -> None:
    forbidden = ("codex_otel.generated", "codex_otel.generator", "codex_otel.livecheck")
    found = _reaching(_stage_imports("runtime"), tuple(f + "." for f in forbidden) + forbidden)
    assert found == {}, found


def test_the_generator_does_not_import_the_runtime_nor_its_output() -> None:
    forbidden = ("codex_otel.runtime", "codex_otel.generated")
    assert _reaching(_stage_imports("generator"), forbidden) == {}


@pytest.mark.parametrize("stage", ["runtime", "generator"])
def test_each_stage_is_scanned(stage: str) -> None:
    assert len(_stage_imports(stage)) > 5
