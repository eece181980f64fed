"""Every way a record leaves the pipeline is cleaned once: the export, the queue drained
straight to the spool (a stuck export), and the file exporter's own encoder."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_otel.runtime._pipeline import start_pipeline
from codex_otel.runtime._privacy import Cleaned, Privacy
from codex_otel.runtime.config import BatchConfig, FileExporter, OtelConfig, PrivacyConfig

from . import credentials as cred
from .planted import registered

GITHUB = cred.github_pat(random.Random(7))


@pytest.fixture(autouse=True)
def bundled_scanned() -> Iterator[None]:
    with registered():
        yield


def test_records_drained_from_the_queue_are_cleaned_before_the_spool(tmp_path: Path) -> None:
    calls: list[str] = []

    def mask(text: str) -> str:
        calls.append(text)
        return text

    config = OtelConfig(
        exporter=FileExporter(str(tmp_path / "out.jsonl")),
        batch=BatchConfig(schedule_delay_ms=3_600_000, max_queue_size=64, max_export_batch_size=64),
        privacy=PrivacyConfig(mask=mask),
    )
    pipeline = start_pipeline(config, service_version="1", privacy=Privacy(config))
    assert pipeline is not None
    try:
        pipeline.emit("codex.tool_result", {"output": f"token {GITHUB}", "tool_name": "x"}, 1)
        [record] = pipeline.take_queued()
        attributes = record.log_record.attributes
        assert type(attributes) is Cleaned
        assert attributes["output"] == "token [SECRET:github-pat]"
        # Handed on (the spool keeper cleans what it is given): not cleaned a second time.
        pipeline._exporter.clean([record])
        assert calls == ["token [SECRET:github-pat]"]
    finally:
        pipeline.shutdown(2.0)


def test_the_file_exporter_writes_the_cleaned_values(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    config = OtelConfig(exporter=FileExporter(str(path)))
    pipeline = start_pipeline(config, service_version="1")
    assert pipeline is not None
    pipeline.emit("codex.tool_result", {"output": f"export GH={GITHUB}", "call_id": "c"}, 1)
    assert pipeline.shutdown(5.0)
    text = path.read_text(encoding="utf-8")
    assert GITHUB not in text
    [line] = text.splitlines()
    record = json.loads(line)["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
    values = {item["key"]: item["value"] for item in record["attributes"]}
    assert values["output"] == {"stringValue": "export GH=[SECRET:github-pat]"}
