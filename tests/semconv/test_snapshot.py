"""The shipped snapshot: consistent in itself, and holding what codex-otel will map onto.

The snapshot is not compared with a hand-copied list: ids, types and references are checked
against the snapshot's own structure (every use resolves, every enum value has its type,
every rename lands), and the refresh tests check the script against source files.
"""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from codex_otel.generator.semconv import (
    Event,
    Metric,
    SemconvError,
    Span,
    available_versions,
    iter_deprecated,
    load_semconv,
    snapshot_dir,
)

#: UCUM case-sensitive symbols as OpenTelemetry writes units: `s`, `By`, `By/s`, `1`, or an
#: annotation in braces (`{token}`), optionally `unit/unit`; never spaces or plain words.
UCUM_LIKE = re.compile(r"(?:1|[A-Za-z%]{1,3}|\{[a-z_.]+\})(?:/(?:[A-Za-z]{1,3}|\{[a-z_.]+\}))?")


def test_the_newest_snapshot_is_the_default_and_names_its_source() -> None:
    versions = available_versions()
    assert versions, snapshot_dir()
    registry = load_semconv()
    assert registry.version == versions[-1]
    assert registry.source.release.removeprefix("v") == registry.version
    assert re.fullmatch(r"[0-9a-f]{40}", registry.source.commit)
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in registry.source.files.values())
    text = (snapshot_dir() / f"gen_ai-{registry.version}.yaml").read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert f"{registry.source.release} ({registry.source.commit})" in header
    assert "refresh.py" in header


def test_an_unknown_version_or_id_is_an_error_naming_it() -> None:
    with pytest.raises(SemconvError, match=r"no GenAI semconv snapshot 0\.0\.1; shipped: "):
        load_semconv("0.0.1")
    registry = load_semconv()
    with pytest.raises(SemconvError, match=r"no attribute 'gen_ai\.usage\.input_token' .*close: "):
        registry.attribute("gen_ai.usage.input_token")
    with pytest.raises(SemconvError, match=r"no metric 'gen_ai\.client\.tokens'"):
        registry.metric("gen_ai.client.tokens")


def test_every_deprecated_id_names_a_replacement_that_exists_or_says_it_was_removed() -> None:
    registry = load_semconv()
    seen = 0
    for where, deprecation in iter_deprecated(registry):
        seen += 1
        if deprecation.reason == "renamed":
            assert deprecation.renamed_to, where
            if "=" in where:  # an enum member is renamed to another member of its attribute
                attribute = registry.attribute(where.split("=")[0])
                assert deprecation.renamed_to in {m.id for m in attribute.members}, where
            elif where.startswith(("metric ", "event ", "span ")):
                kind = where.split(" ", 1)[0]
                table = {
                    "metric": registry.metrics,
                    "event": registry.events,
                    "span": registry.spans,
                }
                assert deprecation.renamed_to in table[kind], where
            else:
                assert deprecation.renamed_to in registry.attributes, where
                assert registry.current_name(where) is not None
        else:
            assert deprecation.reason in ("obsoleted", "uncategorized"), where
            assert deprecation.renamed_to is None, where
            assert deprecation.note, f"{where}: {deprecation.reason} without a note saying why"
    assert seen, "a GenAI snapshot without deprecations: the renames were not read"


def test_attribute_types_and_enum_values_agree() -> None:
    registry = load_semconv()
    for attribute in registry.attributes.values():
        for member in attribute.members:
            assert type(member.value).__name__ == {"string": "str", "int": "int"}[attribute.type]
        assert registry.attributes_of_type(attribute.type).count(attribute) == 1


def test_every_signal_attribute_is_in_the_registry_with_a_requirement_level() -> None:
    registry = load_semconv()
    signals: list[Metric | Event | Span] = [
        *registry.metrics.values(),
        *registry.events.values(),
        *registry.spans.values(),
    ]
    for signal in signals:
        for use in signal.attributes:
            assert use.id in registry.attributes, (signal, use.id)
            if use.requirement == "conditionally_required":
                assert use.condition, (signal, use)
            if use.condition is not None:  # `recommended: if available` has one too
                assert use.requirement in ("conditionally_required", "recommended"), (signal, use)


def test_units_are_ucum_like() -> None:
    registry = load_semconv()
    for metric in registry.metrics.values():
        assert UCUM_LIKE.fullmatch(metric.unit), f"{metric.name}: unit {metric.unit!r}"
    assert registry.metrics_with_unit("s")
    assert not UCUM_LIKE.fullmatch("tokens per second")  # the check can fail
    assert not UCUM_LIKE.fullmatch("{ token }")


def test_the_two_client_metrics_with_instrument_unit_and_attributes() -> None:
    registry = load_semconv()
    tokens = registry.metric("gen_ai.client.token.usage")
    duration = registry.metric("gen_ai.client.operation.duration")
    assert (tokens.instrument, tokens.unit, tokens.value_type) == ("histogram", "{token}", "int")
    assert (duration.instrument, duration.unit, duration.value_type) == ("histogram", "s", "double")
    token_uses = {use.id: use.requirement for use in tokens.attributes}
    duration_uses = {use.id: use.requirement for use in duration.attributes}
    for uses in (token_uses, duration_uses):
        assert uses["gen_ai.operation.name"] == "required"
        assert uses["gen_ai.provider.name"] == "required"
        assert uses["gen_ai.request.model"] == "conditionally_required"
        assert {"gen_ai.response.model", "server.address", "server.port"} <= set(uses)
    assert token_uses["gen_ai.token.type"] == "required"
    assert duration_uses["error.type"] == "conditionally_required"
    token_type = registry.attribute("gen_ai.token.type")
    assert {"input", "output"} <= {m.value for m in token_type.members}
    # The advisory bucket boundaries: powers of four for tokens, doubling seconds for time.
    assert tokens.bucket_boundaries is not None and duration.bucket_boundaries is not None
    assert all(b == 4 * a for a, b in pairwise(tokens.bucket_boundaries))
    assert all(b == pytest.approx(2 * a) for a, b in pairwise(duration.bucket_boundaries))


def test_the_agent_spans_and_the_inference_details_event() -> None:
    registry = load_semconv()
    tool = registry.span("span.gen_ai.execute_tool.internal")
    assert (tool.kind, tool.name) == ("internal", "execute_tool {gen_ai.tool.name}")
    assert {u.id: u.requirement for u in tool.attributes}["gen_ai.tool.name"] == "required"
    agent = registry.span("span.gen_ai.invoke_agent.internal")
    assert agent.name is not None and agent.name.startswith("invoke_agent")
    chat = registry.span("span.gen_ai.inference.client")
    assert (chat.kind, chat.name) == ("client", "{gen_ai.operation.name} {gen_ai.request.model}")
    details = registry.event("gen_ai.client.inference.operation.details")
    assert "gen_ai.usage.input_tokens" in {u.id for u in details.attributes}
    chat_operation = registry.attribute("gen_ai.operation.name").member("chat")
    assert chat_operation is not None and chat_operation.deprecation is None
