"""The refresh script, run as a child process on a conventions checkout in the upstream layout.

Expected ids and types are computed here from the fixture's own YAML, walked independently
of the script, so the test checks that the snapshot carries what the source files say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from codex_otel.generator.semconv import Registry, load_semconv_file
from semconv.upstream import FILES, refresh, write_checkout

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def refreshed(checkout: Path, out: Path, *extra: str | Path) -> Registry:
    out.mkdir(exist_ok=True)
    result = refresh(checkout, "--release", "v9.8.7", "--commit", COMMIT, "--out", out, *extra)
    assert result.returncode == 0, result.stderr
    return load_semconv_file(out / "gen_ai-9.8.7.yaml")


def source_groups(checkout: Path, folder: str) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for path in sorted((checkout / folder).rglob("*.yaml")):
        groups.extend(yaml.safe_load(path.read_text(encoding="utf-8"))["groups"])
    return groups


def declared_type(attribute: dict[str, Any]) -> str:
    raw = attribute["type"]
    if isinstance(raw, str):
        return raw
    kinds = {type(member["value"]) for member in raw["members"]}
    return {frozenset({str}): "string", frozenset({int}): "int"}[frozenset(kinds)]


def test_attribute_ids_and_types_are_the_source_files(checkout: Path, tmp_path: Path) -> None:
    registry = refreshed(checkout, tmp_path / "out")
    everywhere = {
        attribute["id"]: attribute
        for group in source_groups(checkout, "model")
        for attribute in group.get("attributes", [])
        if "id" in attribute
    }
    genai_defined = {
        attribute["id"]
        for group in source_groups(checkout, "model/gen-ai")
        for attribute in group.get("attributes", [])
        if "id" in attribute
    }
    genai_referenced = {
        attribute["ref"]
        for group in source_groups(checkout, "model/gen-ai")
        for attribute in group.get("attributes", [])
        if "ref" in attribute
    }
    renamed_to = {
        attribute["deprecated"]["renamed_to"]
        for attribute in everywhere.values()
        if "renamed_to" in attribute.get("deprecated", {})
    }
    # Everything GenAI defines, what its signals use and what its renames point to; no more.
    assert set(registry.attributes) == genai_defined | genai_referenced | renamed_to
    assert "server.unrelated" not in registry.attributes
    for name, attribute in registry.attributes.items():
        assert attribute.type == declared_type(everywhere[name]), name
        raw = everywhere[name]["type"]
        if isinstance(raw, dict):
            assert [(m.id, m.value) for m in attribute.members] == [
                (m["id"], m["value"]) for m in raw["members"]
            ]
        assert attribute.stability == everywhere[name].get("stability"), name


def test_signals_are_the_source_files_groups(checkout: Path, tmp_path: Path) -> None:
    registry = refreshed(checkout, tmp_path / "out")
    groups = source_groups(checkout, "model/gen-ai")
    metrics = {g["metric_name"]: g for g in groups if g["type"] == "metric"}
    assert set(registry.metrics) == set(metrics)
    for name, metric in registry.metrics.items():
        assert (metric.instrument, metric.unit) == (
            metrics[name]["instrument"],
            metrics[name]["unit"],
        )
    assert set(registry.events) == {g["name"] for g in groups if g["type"] == "event"}
    assert set(registry.spans) == {g["id"] for g in groups if g["type"] == "span"}


def test_extends_chains_are_resolved_with_the_childs_requirement_levels(
    checkout: Path, tmp_path: Path
) -> None:
    registry = refreshed(checkout, tmp_path / "out")
    usage = {
        u.id: (u.requirement, u.condition)
        for u in registry.metric("gen_ai.client.token.usage").attributes
    }
    assert usage == {
        "server.address": ("recommended", None),
        "gen_ai.request.model": ("conditionally_required", "If available."),
        "gen_ai.provider.name": ("required", None),
        "gen_ai.operation.name": ("required", None),
        "gen_ai.token.type": ("required", None),
    }
    span = {
        u.id: (u.requirement, u.condition)
        for u in registry.span("span.gen_ai.inference.client").attributes
    }
    # A ref without requirement_level keeps its parent's (with the condition), or the default.
    assert span["gen_ai.request.model"] == ("conditionally_required", "If available.")
    assert span["gen_ai.request.temperature"] == ("recommended", None)
    assert span["gen_ai.usage.input_tokens"] == ("opt_in", None)
    vendor = registry.span("span.vendor.inference.client")
    assert {u.id for u in vendor.attributes} == set(span) | {"gen_ai.request.stop_sequences"}
    details = registry.event("gen_ai.client.inference.operation.details")
    assert [u.id for u in details.attributes][:2] == [
        "gen_ai.operation.name",
        "gen_ai.request.model",
    ]


def test_span_names_kinds_and_inherited_names(checkout: Path, tmp_path: Path) -> None:
    registry = refreshed(checkout, tmp_path / "out")
    tool = registry.span("span.gen_ai.execute_tool.internal")
    assert (tool.name, tool.kind) == ("execute_tool {gen_ai.tool.name}", "internal")
    inference = registry.span("span.gen_ai.inference.client")
    assert inference.name == "{gen_ai.operation.name} {gen_ai.request.model}"
    assert registry.span("span.vendor.inference.client").name == inference.name


def test_bucket_boundaries_and_metric_requirement_come_from_the_metrics_document(
    checkout: Path, tmp_path: Path
) -> None:
    registry = refreshed(checkout, tmp_path / "out")
    tokens = registry.metric("gen_ai.client.token.usage")
    duration = registry.metric("gen_ai.client.operation.duration")
    assert tokens.bucket_boundaries == (1, 4, 16, 64)
    assert duration.bucket_boundaries == (0.01, 0.02, 1.0, 2.56)  # a list broken over lines
    assert (tokens.requirement, duration.requirement) == ("recommended", "required")
    assert tokens.value_type == "int"
    text = (tmp_path / "out" / "gen_ai-9.8.7.yaml").read_text(encoding="utf-8")
    # As written upstream: token counts stay ints, 1.0 seconds stays a float.
    assert "bucket_boundaries: [1, 4, 16, 64]" in text
    assert "bucket_boundaries: [0.01, 0.02, 1.0, 2.56]" in text


def test_deprecations_keep_reason_replacement_and_note(checkout: Path, tmp_path: Path) -> None:
    registry = refreshed(checkout, tmp_path / "out")
    assert registry.current_name("gen_ai.usage.prompt_tokens") == "gen_ai.usage.input_tokens"
    assert (
        registry.current_name("gen_ai.openai.response.service_tier")
        == "openai.response.service_tier"
    )
    assert registry.current_name("gen_ai.prompt") is None
    prompt = registry.attribute("gen_ai.prompt").deprecation
    assert prompt is not None
    assert (prompt.reason, prompt.note) == ("obsoleted", "Removed, no replacement at this time.")
    completion = registry.attribute("gen_ai.token.type").members[1].deprecation
    assert completion is not None and completion.renamed_to == "output"
    user = registry.event("gen_ai.user.message").deprecation
    assert user is not None and user.reason == "uncategorized"


def test_header_and_source_name_the_release_commit_and_file_digests(
    checkout: Path, tmp_path: Path
) -> None:
    registry = refreshed(checkout, tmp_path / "out")
    text = (tmp_path / "out" / "gen_ai-9.8.7.yaml").read_text(encoding="utf-8")
    assert text.startswith("# OpenTelemetry GenAI semantic conventions")
    assert f"at v9.8.7 ({COMMIT})" in text.split("\nformat:")[0]
    assert registry.version == "9.8.7"
    assert registry.source.commit == COMMIT
    assert set(registry.source.files) == {
        *(p.relative_to(checkout).as_posix() for p in (checkout / "model/gen-ai").rglob("*.yaml")),
        "docs/gen-ai/gen-ai-metrics.md",
    }


def test_check_passes_on_a_fresh_snapshot_and_fails_after_a_change(
    checkout: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    refreshed(checkout, out)
    args = ("--release", "v9.8.7", "--commit", COMMIT, "--out", out, "--check")
    assert refresh(checkout, *args).returncode == 0
    before = (out / "gen_ai-9.8.7.yaml").read_bytes()
    registry = checkout / "model/gen-ai/registry.yaml"
    registry.write_text(registry.read_text().replace("type: double", "type: int"))
    changed = refresh(checkout, *args)
    assert changed.returncode == 1
    assert "differs from" in changed.stderr
    assert (out / "gen_ai-9.8.7.yaml").read_bytes() == before  # --check writes nothing


def test_an_attribute_defined_nowhere_is_an_error_naming_file_group_and_id(tmp_path: Path) -> None:
    files = {k: v for k, v in FILES.items() if k != "model/server/registry.yaml"}
    checkout = write_checkout(tmp_path / "genai", files)
    out = tmp_path / "out"
    out.mkdir()
    result = refresh(checkout, "--release", "v1.0.0", "--commit", COMMIT, "--out", out)
    assert result.returncode == 1
    assert "model/gen-ai/metrics.yaml" in result.stderr
    assert "metric.gen_ai.client.token.usage" in result.stderr
    assert "server.address" in result.stderr
    assert not list(out.iterdir())
    # The standalone GenAI repository takes core attributes from core conventions.
    core = write_checkout(
        tmp_path / "core", {"model/server/registry.yaml": FILES["model/server/registry.yaml"]}
    )
    registry = refreshed(checkout, tmp_path / "out2", "--also-model", core / "model")
    assert registry.attribute("server.address").defined_in.endswith("model/server/registry.yaml")


def test_not_a_checkout_and_not_a_release_are_refused(tmp_path: Path) -> None:
    missing = refresh(tmp_path, "--release", "v1.0.0", "--commit", COMMIT, "--out", tmp_path)
    assert missing.returncode == 1
    assert "no model/gen-ai/" in missing.stderr
    bad = refresh(tmp_path, "--release", "main", "--commit", COMMIT, "--out", tmp_path)
    assert bad.returncode == 2
    assert "not a version tag" in bad.stderr


def test_refresh_is_deterministic(checkout: Path, tmp_path: Path) -> None:
    refreshed(checkout, tmp_path / "a")
    refreshed(checkout, tmp_path / "b")
    assert (tmp_path / "a" / "gen_ai-9.8.7.yaml").read_bytes() == (
        tmp_path / "b" / "gen_ai-9.8.7.yaml"
    ).read_bytes()


def test_a_definition_2_file_is_refused_by_name_not_skipped(checkout: Path, tmp_path: Path) -> None:
    # semantic-conventions-genai writes Weaver's definition/2; an empty snapshot would pass
    # every later check, so the script must stop at such a file.
    v2 = checkout / "model/gen-ai/usage-metrics.yaml"
    v2.write_text(
        "file_format: definition/2\nmetrics:\n  - name: gen_ai.client.inference.tokens\n"
        "    instrument: counter\n    unit: '{token}'\n",
        encoding="utf-8",
    )
    result = refresh(checkout, "--release", "v1.0.0", "--commit", COMMIT, "--out", tmp_path)
    assert result.returncode == 1
    assert "model/gen-ai/usage-metrics.yaml: file_format definition/2 is not read" in result.stderr
    assert not list(tmp_path.glob("gen_ai-*.yaml"))


def test_a_metric_without_buckets_in_the_metrics_document_is_reported(
    checkout: Path, tmp_path: Path
) -> None:
    doc = checkout / "docs/gen-ai/gen-ai-metrics.md"
    doc.write_text(doc.read_text().replace("[1, 4, 16, 64]", "(none)"), encoding="utf-8")
    result = refresh(checkout, "--release", "v9.8.7", "--commit", COMMIT, "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "gives no bucket_boundaries for metric.gen_ai.client.token.usage" in result.stderr
    registry = load_semconv_file(tmp_path / "gen_ai-9.8.7.yaml")
    assert registry.metric("gen_ai.client.token.usage").bucket_boundaries is None
    assert registry.metric("gen_ai.client.operation.duration").bucket_boundaries is not None
