"""The demo as a traced run: with a `trace_exporter`, its spans reach a real collector
(Rotel over OTLP/gRPC, the in-repo receiver over OTLP/HTTP) nested as the catalog allows,
and the events it emits inside a span carry that span's trace and span ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from receivers import OtlpHttpReceiver
from receivers.rotel import RotelFactory
from support.demo import DEMO_SPANS, check_traced_demo, demo, session_event_count

SESSION_EVENTS = session_event_count()


def test_the_demo_sends_a_traced_run_to_the_in_repo_receiver(tmp_path: Path) -> None:
    with OtlpHttpReceiver() as receiver:
        base = receiver.endpoint.removesuffix("/v1/logs")
        config = tmp_path / "otel.toml"
        config.write_text(
            f'[otel]\nexporter = {{ otlp-http = {{ endpoint = "{base}/v1/logs" }} }}\n'
            f'trace_exporter = {{ otlp-http = {{ endpoint = "{base}", protocol = "json" }} }}\n'
            "shutdown_timeout = 5.0\n"
        )
        result = demo("--config", str(config))
        assert result.returncode == 0, result.stderr
        assert receiver.wait_for(SESSION_EVENTS, timeout=5)
        assert receiver.wait_for_spans(DEMO_SPANS, timeout=5)
        check_traced_demo(receiver.received_spans(), receiver.received_records())
    assert f"{DEMO_SPANS} spans recorded" in result.stdout
    assert "trace_exporter otlp-http" in result.stdout


@pytest.mark.rotel
def test_rotel_decodes_the_demo_s_traced_run(
    tmp_path: Path, rotel_collectors: RotelFactory
) -> None:
    rotel = rotel_collectors()
    config = tmp_path / "otel.toml"
    config.write_text(
        f'[otel]\nexporter = {{ otlp-grpc = {{ endpoint = "{rotel.grpc_endpoint}" }} }}\n'
        f'trace_exporter = {{ otlp-grpc = {{ endpoint = "{rotel.grpc_endpoint}" }} }}\n'
        "shutdown_timeout = 5.0\n"
    )
    result = demo("--config", str(config))
    assert result.returncode == 0, result.stderr
    assert rotel.wait_for(SESSION_EVENTS)
    assert rotel.wait_for_spans(DEMO_SPANS)
    check_traced_demo(rotel.received_spans(), rotel.received_records())
