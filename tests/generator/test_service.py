"""The catalog's `service` key: the default `service.name` and instrumentation scope the
generated package hands the runtime, their defaults, and the errors of a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_otel.generator import CatalogError, load_catalog, load_catalog_text

REPO = Path(__file__).resolve().parents[2]

BASE = """\
catalog_version: 1.0.0
{top}attributes:
  - key: step.name
    type: string
    description: Step.
events:
  - name: forge.step
    description: A step.
    attributes:
      - {{ref: step.name, requirement: required}}
"""


def names(top: str) -> tuple[str, str]:
    catalog = load_catalog_text(BASE.format(top=top), "cat.yaml")
    return catalog.service_name, catalog.scope_name


def test_the_bundled_catalog_names_codex() -> None:
    catalog = load_catalog(REPO / "schema" / "catalog.yaml")
    assert (catalog.service_name, catalog.scope_name) == ("codex-cli", "codex_otel")


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        ("service: {name: forge-ci, scope: forge.telemetry}\n", ("forge-ci", "forge.telemetry")),
        ("namespace: forge\n", ("forge", "forge")),
        ("namespace: forge\nservice: {name: forge-ci}\n", ("forge-ci", "forge")),
        ("namespace: forge\nservice: {scope: forge.otel}\n", ("forge", "forge.otel")),
        ("service: {name: forge-ci}\n", ("forge-ci", "forge-ci")),
        ("", ("unknown_service", "unknown_service")),
    ],
)
def test_defaults_come_from_the_namespace_never_from_codex(
    top: str, expected: tuple[str, str]
) -> None:
    assert names(top) == expected


@pytest.mark.parametrize(
    ("service", "where"),
    [
        ('{name: " forge"}', "service.name"),
        ('{scope: "forge\\u00e9"}', "service.scope"),
        ('{name: ""}', "service.name"),
        ("{host: forge}", "service"),
    ],
)
def test_a_bad_service_value_is_located(service: str, where: str) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(BASE.format(top=f"service: {service}\n"), "cat.yaml")
    messages = [str(d) for d in caught.value.diagnostics]
    assert len(messages) == 1, messages
    assert messages[0].startswith("cat.yaml:2:") and f"error: {where}" in messages[0], messages
