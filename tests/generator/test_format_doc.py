"""schema/FORMAT.md says what the generator does: the templates a `--templates` folder may
override are exactly the packaged ones."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from codex_otel.generator.site import site_environment
from codex_otel.generator.templating import check_template_dir, known_template_names

REPO = Path(__file__).resolve().parents[2]
FORMAT = REPO / "schema" / "FORMAT.md"


def overridable_in_format_md() -> set[str]:
    text = FORMAT.read_text(encoding="utf-8")
    paragraph = text[text.index("`--templates TDIR`") :].split("\n\n", 1)[0]
    return set(re.findall(r"`([\w./]+\.jinja)`", paragraph))


def test_format_md_names_every_template_a_folder_may_override(tmp_path: Path) -> None:
    named = overridable_in_format_md()
    assert named == set(known_template_names())
    for name in named:  # and each is accepted as an override
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    check_template_dir(tmp_path)


def test_every_filter_is_used_by_a_packaged_template() -> None:
    """The environments register the filters the packaged templates use, and no other:
    a filter no template uses is dead code a template author would take for an API."""
    templates = REPO / "generator" / "templates"
    text = "\n".join(p.read_text(encoding="utf-8") for p in templates.rglob("*.jinja"))
    used = set(re.findall(r"\|\s*(\w+)", text)) | set(re.findall(r"map\(\"(\w+)\"\)", text))
    ours = set(site_environment().filters) - set(jinja2.Environment().filters)
    assert ours, "no filter found: the check would be vacuous"
    assert ours - used == set(), "registered, used by no template"


def test_tuples_are_laid_out_as_ruff_format_lays_them_out() -> None:
    """One layout of tuples (py_layout.tuple_literal) for the constants and arguments."""
    from codex_otel.generator.py_layout import tuple_literal

    assert tuple_literal([], 0, lead="X = ") == "X = ()"
    assert tuple_literal(["'a'"], 0, lead="X = ", expand=True) == "X = ('a',)"
    assert tuple_literal(["1", "2"], 4, lead="b=", tail=",") == "b=(1, 2)"
    assert (
        tuple_literal(["1", "2"], 4, lead="X = ", expand=True)
        == "X = (\n        1,\n        2,\n    )"
    )
    long = [str(10**12 + n) for n in range(10)]
    assert tuple_literal(long, 4, lead="b=", tail=",").count("\n") == len(long) + 1


#: Where the docs name the bundled catalog's version (not an example's): "the bundled
#: catalog (1.3.0)", "catalog 1.3.0", a report's `"catalog": "codex 1.3.0"`, the changes
#: page's "1.3.0 (unreleased changes)".
VERSION_MENTIONS = (
    r"bundled catalog \((\d+\.\d+\.\d+)\)",
    r"\bcatalog (\d+\.\d+\.\d+)\b",
    r'"codex (\d+\.\d+\.\d+)"',
    r"(\d+\.\d+\.\d+) \(unreleased changes\)",
)


def test_every_mention_of_the_bundled_catalogs_version_is_its_version() -> None:
    from codex_otel.generator import load_catalog

    version = load_catalog(REPO / "schema" / "catalog.yaml").version
    documents = [REPO / "README.md", FORMAT, *sorted((REPO / "docs").glob("*.md"))]
    found = []
    for document in documents:
        text = document.read_text(encoding="utf-8")
        for pattern in VERSION_MENTIONS:
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                found.append((f"{document.relative_to(REPO)}:{line}", match.group(1)))
    assert found  # the docs do name it: the check is not vacuous
    assert [where for where, named in found if named != version] == [], (version, found)


def test_architecture_names_every_generator_module_and_the_model_imports_no_view() -> None:
    """docs/ARCHITECTURE.md's generator sections name every module of generator/, and the
    import graph is the one they describe: the resolved model imports no view model, and
    the view models no template code."""
    import ast

    text = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    modules = sorted(p.stem for p in (REPO / "generator").glob("*.py") if p.stem != "__init__")
    assert [m for m in modules if f"`{m}`" not in text] == []

    def imports(module: str) -> set[str]:
        tree = ast.parse((REPO / "generator" / f"{module}.py").read_text(encoding="utf-8"))
        return {
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1
        }

    assert imports("model") <= {"wire_limits"}
    views = ("code_model", "module_model", "docs_model", "site_model")
    for view in views:
        assert not imports(view) & {"templating", "render", "site", "markdown"}, view
    assert "docs_model" in imports("site_model") and "docs_model" in imports("render")
