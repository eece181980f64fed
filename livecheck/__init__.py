"""live-check: hold OTLP log records, metrics and spans against the resolved catalog.

The core is pure (decoded records in, aggregated findings and coverage out): `records`
(the neutral shape), `otlp_json` and `otlp_proto` (decoding), `expectations` (compiled
once per catalog), `checker`, `aggregate`, `kinds`, `report`. Around it, the sources of a
run: `session` (the checker every source shares, behind one lock), `inputs` (`--input`
files), the receivers (`receivers`, `grpc_receiver`, `http_receiver`) and `run` (a whole
run, which `codex-otel live-check` calls). In an application's tests: `conformance`
(`assert_conforms`) and `pytest_plugin` (the `otel_capture` fixture).

Names are imported on first use: the pytest plugin loads this package in every test run
of an application, which must not pay for the generator it needs to check.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .aggregate import Example, Finding
    from .checker import LiveChecker
    from .kinds import KINDS, SEVERITIES
    from .otlp_json import decode_json_line, decode_json_request
    from .otlp_proto import decode_proto_request, proto_available
    from .records import (
        Batch,
        InvalidRequest,
        LiveMetric,
        LivePoint,
        LiveRecord,
        LiveSpan,
        ResourceMetrics,
        ResourceRecords,
        ResourceSpans,
    )
    from .report import FAIL_ON_CHOICES, Report, build_report, render

_WHERE = {
    "Example": "aggregate",
    "Finding": "aggregate",
    "LiveChecker": "checker",
    "KINDS": "kinds",
    "SEVERITIES": "kinds",
    "decode_json_line": "otlp_json",
    "decode_json_request": "otlp_json",
    "decode_proto_request": "otlp_proto",
    "proto_available": "otlp_proto",
    "Batch": "records",
    "InvalidRequest": "records",
    "LiveMetric": "records",
    "LivePoint": "records",
    "LiveRecord": "records",
    "LiveSpan": "records",
    "ResourceMetrics": "records",
    "ResourceRecords": "records",
    "ResourceSpans": "records",
    "FAIL_ON_CHOICES": "report",
    "Report": "report",
    "build_report": "report",
    "render": "report",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "FAIL_ON_CHOICES",
    "KINDS",
    "SEVERITIES",
    "Batch",
    "Example",
    "Finding",
    "InvalidRequest",
    "LiveChecker",
    "LiveMetric",
    "LivePoint",
    "LiveRecord",
    "LiveSpan",
    "Report",
    "ResourceMetrics",
    "ResourceRecords",
    "ResourceSpans",
    "build_report",
    "decode_json_line",
    "decode_json_request",
    "decode_proto_request",
    "proto_available",
    "render",
]
