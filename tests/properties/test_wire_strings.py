"""Property: any `str` reaches every exporter's wire as valid UTF-8, and costs nothing else.

Arbitrary text, lone surrogates and control characters included (the default text
strategy leaves surrogates out; this one does not), sometimes as a `str` subclass (which
the emitters and Metadata accept), goes into an event argument and into the conversation's
metadata. For every exporter (OTLP/HTTP protobuf, OTLP/HTTP JSON plain
and gzip, OTLP/gRPC plain and gzip, the OTLP/JSON file exporter) the property is:

- no other event is lost: the plain events sent before and after it arrive too;
- the attribute is there, valid UTF-8, each surrogate replaced by U+FFFD and every other
  character unchanged (and cut at the catalog's cap, as before);
- subscribers see the same text as the wire;
- nothing is written to file descriptor 2 and no record of the SDK's loggers reaches the
  application's (root) handlers; the SDK logged nothing on the pipeline's behalf either.

`test_a_plain_host_process_prints_nothing` proves the stderr part where it matters, in a
fresh interpreter with no logging configured (Python's last-resort handler would print
any warning there), for every exporter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.proto")
pytest.importorskip("grpc")

from codex_otel.generated import events
from codex_otel.runtime import Telemetry, load_config
from codex_otel.runtime._truncation import truncate
from receivers import (
    OtlpGrpcReceiver,
    OtlpHttpReceiver,
    ReceivedRecord,
    decode_export_request,
    flatten_request,
)
from support.awkward_text import CAP, any_text, fd2_and_root_logs, texts, wire_form
from support.metadata import make_metadata

pytestmark = [pytest.mark.wire, pytest.mark.slow]

EXPORTERS = ["binary", "binary-gzip", "json", "json-gzip", "grpc", "grpc-gzip", "file"]

# --- one exporter per kind, made once ------------------------------------------------------


@dataclass
class Setup:
    telemetry: Telemetry
    http: OtlpHttpReceiver | None = None
    grpc: OtlpGrpcReceiver | None = None
    path: Path | None = None
    read: int = 0

    def clear(self) -> None:
        if self.http is not None:
            self.http.clear()
        if self.grpc is not None:
            self.grpc.clear()

    def records(self, count: int) -> list[ReceivedRecord]:
        receiver = self.http or self.grpc
        if receiver is not None:
            assert receiver.wait_for(count, timeout=10), receiver.requests
            assert all(r.accepted for r in receiver.requests), [r.error for r in receiver.requests]
            return receiver.received_records()
        assert self.path is not None
        with self.path.open("rb") as file:
            file.seek(self.read)
            lines = file.read().decode("utf-8").splitlines()  # strict: valid UTF-8
            self.read = file.tell()
        records: list[ReceivedRecord] = []
        for line in lines:
            document = json.loads(line)
            for resource_logs in document["resourceLogs"]:
                for scope_logs in resource_logs["scopeLogs"]:
                    for log in scope_logs["logRecords"]:
                        assert "body" not in log  # no empty AnyValue in OTLP/JSON
            records += flatten_request(decode_export_request(line.encode(), json=True), "file")
        return records


class Setups:
    def __init__(self, http: OtlpHttpReceiver, grpc: OtlpGrpcReceiver, folder: Path) -> None:
        self.http, self.grpc, self.folder = http, grpc, folder
        self.made: dict[str, Setup] = {}

    def get(self, kind: str) -> Setup:
        if kind not in self.made:
            self.made[kind] = self._make(kind)
        return self.made[kind]

    def _make(self, kind: str) -> Setup:
        protocol, _, compression = kind.partition("-")
        compression = compression or "none"
        if kind == "file":
            path = self.folder / "events.jsonl"
            exporter = f'file = {{ path = "{path.as_posix()}" }}'
        elif protocol == "grpc":
            exporter = (
                f'otlp-grpc = {{ endpoint = "{self.grpc.endpoint}", '
                f'compression = "{compression}", timeout = 5.0 }}'
            )
        else:
            exporter = (
                f'otlp-http = {{ endpoint = "{self.http.endpoint}", protocol = "{protocol}", '
                f'compression = "{compression}", timeout = 5.0 }}'
            )
        text = (
            f"[otel]\nlog_tool_details = true\nexporter = {{ {exporter} }}\n"
            "[otel.batch]\nschedule_delay_ms = 20\n"
        )
        telemetry = Telemetry(load_config(text=text, environ={}), service_version="prop")
        if kind == "file":
            return Setup(telemetry, path=self.folder / "events.jsonl")
        if protocol == "grpc":
            return Setup(telemetry, grpc=self.grpc)
        return Setup(telemetry, http=self.http)

    def close(self) -> None:
        for setup in self.made.values():
            setup.telemetry.shutdown(5.0)


@pytest.fixture(scope="module")
def setups(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setups]:
    with OtlpHttpReceiver() as http, OtlpGrpcReceiver() as grpc:
        made = Setups(http, grpc, tmp_path_factory.mktemp("wire-strings"))
        try:
            yield made
        finally:
            made.close()


def metadata(terminal: str) -> events.Metadata:
    return make_metadata(
        conversation_id="conv-strings",
        app_version="1.0",
        terminal_type=terminal,
        model="gpt-test",
        slug="gpt-test",
    )


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(kind=st.sampled_from(EXPORTERS), output=texts, terminal=texts, tool=any_text)
def test_any_string_arrives_as_valid_utf8_and_costs_nothing_else(
    setups: Setups, kind: str, output: str, terminal: str, tool: str
) -> None:
    setup = setups.get(kind)
    setup.clear()
    telemetry = setup.telemetry

    with fd2_and_root_logs() as (written, root), telemetry.capture() as seen:
        plain = telemetry.conversation(metadata("xterm"))
        events.api_request(plain, attempt=1, duration_ms=1)  # before
        awkward = telemetry.conversation(metadata(terminal))
        events.tool_result(
            awkward, tool_name=tool, duration_ms=2, success="true", output=output, arguments=tool
        )
        events.api_request(plain, attempt=2, duration_ms=3)  # after
        assert telemetry.force_flush(10.0)
        records = setup.records(3)
    assert written == [b""], written
    leaked = [r for r in root.records if r.name.split(".")[0] in ("opentelemetry", "codex_otel")]
    assert leaked == [], [(r.name, r.getMessage()) for r in leaked]
    stats = telemetry.stats
    assert (stats.sdk_messages, stats.export_failures, stats.emit_errors) == (0, 0, 0)

    assert [r.event_name for r in records] == [
        "codex.api_request",
        "codex.tool_result",
        "codex.api_request",
    ]
    assert [r.attributes["attempt"] for r in records if "attempt" in r.attributes] == [1, 2]
    wire = records[1].attributes
    assert wire["output"] == truncate(wire_form(output), CAP)
    assert wire["tool_name"] == wire["arguments"] == wire_form(tool)
    assert wire["terminal.type"] == wire_form(terminal)
    for value in (wire["output"], wire["tool_name"], wire["terminal.type"]):
        assert isinstance(value, str)
        value.encode("utf-8")  # strict: raises on anything that is not valid UTF-8
    # Subscribers see what the wire carries.
    assert {k: v for k, v in seen[1].attributes.items() if k != "event.timestamp"} == {
        k: v for k, v in wire.items() if k != "event.timestamp"
    }
    # ... as ordinary strings: a subclass is cleaned and copied like any other text.
    assert all(type(v) is str for v in seen[1].attributes.values() if isinstance(v, str))


# --- a plain host process ----------------------------------------------------------------------

HOST = textwrap.dedent(
    """
    import dataclasses, json, sys
    from codex_otel.generated import events
    from codex_otel.runtime import Telemetry, load_config

    exporter = sys.argv[1]
    telemetry = Telemetry(
        load_config(text="[otel]\\nshutdown_timeout = 10.0\\nexporter = { " + exporter + " }\\n", environ={}),
        service_version="host",
    )
    conversation = telemetry.conversation(events.Metadata(
        conversation_id="host\\udc80", app_version="1", terminal_type="t\\x00\\udcff",
        model="m", slug="s"))
    for i in range(50):
        events.tool_result(conversation, tool_name="shell", duration_ms=i, success="true",
                           output="bytes \\udc80\\udcfe from surrogateescape, nul \\x00 " + str(i))
    print(json.dumps([telemetry.shutdown(), dataclasses.asdict(telemetry.stats)]))
    """
)


@pytest.mark.parametrize("kind", ["binary", "json", "grpc", "file"])
def test_a_plain_host_process_prints_nothing(kind: str, tmp_path: Path) -> None:
    with OtlpHttpReceiver() as http, OtlpGrpcReceiver() as grpc:
        receiver: OtlpHttpReceiver | OtlpGrpcReceiver | None
        if kind == "grpc":
            exporter, receiver = f'otlp-grpc = {{ endpoint = "{grpc.endpoint}" }}', grpc
        elif kind == "file":
            exporter, receiver = f'file = {{ path = "{(tmp_path / "e.jsonl").as_posix()}" }}', None
        else:
            exporter = f'otlp-http = {{ endpoint = "{http.endpoint}", protocol = "{kind}" }}'
            receiver = http
        result = subprocess.run(
            [sys.executable, "-c", HOST, exporter],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        delivered, stats = json.loads(result.stdout)
        assert delivered
        assert stats["sdk_messages"] == stats["export_failures"] == 0
        if receiver is not None:
            records = receiver.received_records()
        else:
            lines = (tmp_path / "e.jsonl").read_bytes().decode("utf-8").splitlines()
            records = [
                record
                for line in lines
                for record in flatten_request(decode_export_request(line.encode(), json=True), "f")
            ]
    assert len(records) == 50
    assert {r.attributes["terminal.type"] for r in records} == {"t\x00\ufffd"}
    assert records[7].attributes["output"] == "bytes \ufffd\ufffd from surrogateescape, nul \x00 7"
