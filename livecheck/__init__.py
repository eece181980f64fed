"""live-check: hold OTLP log records and metrics against the resolved catalog.

Pure: decoded records in, aggregated findings and coverage out. The sources that read
files and listen on ports are the CLI's (`codex_otel.cli.live_check`); the in-process
helper for test suites is in the pytest plugin (`codex_otel.runtime.pytest_plugin`).
One job per module: `records` (the neutral shape), `otlp_json` and `otlp_proto`
(decoding), `expectations` (compiled once per catalog), `checker`, `aggregate`,
`kinds`, `report`.
"""

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
    ResourceMetrics,
    ResourceRecords,
)
from .report import FAIL_ON_CHOICES, Report, build_report, render

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
    "Report",
    "ResourceMetrics",
    "ResourceRecords",
    "build_report",
    "decode_json_line",
    "decode_json_request",
    "decode_proto_request",
    "proto_available",
    "render",
]
