"""Property: any `str` in a metric's attributes reaches every metrics exporter's wire as
valid UTF-8, and costs no other data point.

The same strategies as test_wire_strings.py (lone surrogates and control characters
included, sometimes as a `str` subclass) go into a metric tag (`tool` of `codex.tool.call`) and into the conversation's
metadata (`model`, a key every metric carries). For OTLP/HTTP protobuf, OTLP/HTTP JSON,
OTLP/gRPC and the OTLP/JSON file exporter:

- the plain points recorded before and after arrive too;
- the tags are there, valid UTF-8 and valid metric tags as Codex's client has them
  (`runtime/_metric_tags.py`: a value outside its characters is sanitised as Codex's
  `sanitize_metric_tag_value` does, a valid one unchanged); measurement subscribers see
  the same text;
- nothing is written to file descriptor 2, and the SDK logged nothing for the pipeline.

Temporality is delta, so each export holds only the points of one example.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.proto")
pytest.importorskip("grpc")

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config
from codex_otel.runtime._metric_tags import is_valid_tag, metric_tag_value
from receivers import (
    OtlpGrpcReceiver,
    OtlpHttpReceiver,
    ReceivedPoint,
    decode_metrics_request,
    flatten_metrics_request,
)
from support.awkward_text import any_text, fd2_and_root_logs, texts
from support.metadata import make_metadata

pytestmark = [pytest.mark.wire, pytest.mark.slow]

EXPORTERS = ["binary", "json", "grpc", "file"]


@dataclass
class Setup:
    telemetry: Telemetry
    receiver: OtlpHttpReceiver | OtlpGrpcReceiver | None = None
    path: Path | None = None
    read: int = 0
    file_points: list[ReceivedPoint] = field(default_factory=list)

    def clear(self) -> None:
        if self.receiver is not None:
            self.receiver.clear()
        self.file_points = []

    def points(self, tools: set[str]) -> list[ReceivedPoint]:
        """The `codex.tool.call` points once every tag in `tools` arrived."""

        def arrived(points: list[ReceivedPoint]) -> bool:
            return tools <= {str(p.attributes.get("tool")) for p in points}

        if self.receiver is not None:
            assert self.receiver.wait_for_points(arrived, timeout=10), self.receiver.requests
            assert all(r.accepted for r in self.receiver.requests)
            return self.receiver.received_points("codex.tool.call")
        assert self.path is not None
        with self.path.open("rb") as file:
            file.seek(self.read)
            lines = file.read().decode("utf-8").splitlines()  # strict: valid UTF-8
            self.read = file.tell()
        for line in lines:
            request = decode_metrics_request(line.encode(), json=True)
            self.file_points += flatten_metrics_request(request, "file")
        assert arrived(self.file_points), self.file_points
        return [p for p in self.file_points if p.name == "codex.tool.call"]


class Setups:
    def __init__(self, http: OtlpHttpReceiver, grpc: OtlpGrpcReceiver, folder: Path) -> None:
        self.http, self.grpc, self.folder = http, grpc, folder
        self.made: dict[str, Setup] = {}

    def get(self, kind: str) -> Setup:
        if kind not in self.made:
            self.made[kind] = self._make(kind)
        return self.made[kind]

    def _make(self, kind: str) -> Setup:
        base = self.http.endpoint.removesuffix("/v1/logs")
        if kind == "file":
            path = self.folder / "metrics.jsonl"
            exporter = f'file = {{ path = "{path.as_posix()}" }}'
        elif kind == "grpc":
            exporter = f'otlp-grpc = {{ endpoint = "{self.grpc.endpoint}", timeout = 5.0 }}'
        else:
            exporter = (
                f'otlp-http = {{ endpoint = "{base}/v1/metrics", protocol = "{kind}", '
                "timeout = 5.0 }"
            )
        text = (
            f'[otel]\nmetrics_exporter = {{ {exporter} }}\n[otel.metrics]\ntemporality = "delta"\n'
        )
        telemetry = Telemetry(load_config(text=text, environ={}), service_version="prop")
        assert telemetry.wait_until_started(30)
        if kind == "file":
            return Setup(telemetry, path=self.folder / "metrics.jsonl")
        return Setup(telemetry, receiver=self.grpc if kind == "grpc" else self.http)

    def close(self) -> None:
        for setup in self.made.values():
            setup.telemetry.shutdown(5.0)


@pytest.fixture(scope="module")
def setups(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setups]:
    with OtlpHttpReceiver() as http, OtlpGrpcReceiver() as grpc:
        made = Setups(http, grpc, tmp_path_factory.mktemp("metric-strings"))
        try:
            yield made
        finally:
            made.close()


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(kind=st.sampled_from(EXPORTERS), tool=texts, model=any_text)
def test_any_string_in_a_metric_arrives_as_valid_utf8_and_costs_nothing_else(
    setups: Setups, kind: str, tool: str, model: str
) -> None:
    setup = setups.get(kind)
    setup.clear()
    telemetry = setup.telemetry
    plain = telemetry.conversation(
        make_metadata(conversation_id="c", app_version="1", terminal_type="t", model="m", slug="s")
    )
    awkward = telemetry.conversation(
        make_metadata(
            conversation_id="c", app_version="1", terminal_type="t", model=model, slug="s"
        )
    )
    with fd2_and_root_logs() as (written, root), telemetry.capture_measurements() as seen:
        events.record_tool_call(plain, tool="before", success="true")
        events.record_tool_call(awkward, tool=tool, success="false")
        events.record_tool_call(plain, tool="after", success="true")
        assert telemetry.force_flush(10.0)
        points = setup.points({"before", "after", metric_tag_value(tool)})
    assert written == [b""], written
    leaked = [r for r in root.records if r.name.split(".")[0] in ("opentelemetry", "codex_otel")]
    assert leaked == [], [(r.name, r.getMessage()) for r in leaked]
    stats = telemetry.stats
    assert (stats.sdk_messages, stats.metric_export_failures, stats.emit_errors) == (0, 0, 0)

    awkward_points = [p for p in points if p.attributes["success"] == "false"]
    assert len(awkward_points) == 1, points
    wire = awkward_points[0].attributes
    assert wire["tool"] == metric_tag_value(tool)
    assert wire["model"] == metric_tag_value(model)
    for value, given_text in ((wire["tool"], tool), (wire["model"], model)):
        assert isinstance(value, str)
        value.encode("utf-8")  # strict: raises on anything that is not valid UTF-8
        assert is_valid_tag(value), value
        if is_valid_tag(given_text):
            assert value == given_text  # a valid tag is sent as given
    assert {p.attributes["tool"] for p in points if p.attributes["success"] == "true"} == {
        "before",
        "after",
    }
    assert all(p.value == 1 for p in points)
    # Subscribers see what the wire carries.
    assert seen[1].attributes["tool"] == wire["tool"]
    assert seen[1].attributes["model"] == wire["model"]
    assert type(seen[1].attributes["model"]) is str  # a subclass is copied as it is cleaned
