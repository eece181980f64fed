"""The contract between generated code and the runtime: every name a generated module
imports, and every member of `Conversation` it reads or calls.

Generated modules import from here only (`from codex_otel.runtime._contract import ...`),
never from `codex_otel.runtime`, whose `__all__` is what applications call. The generator
never imports the runtime, so it keeps the same names in `generator/naming.py`
(`RUNTIME_HELPERS`, `RUNTIME_CONSTANTS`, `CONVERSATION_MEMBERS`, `CATALOG_REGISTRATION`);
`tests/generator/test_contract.py` holds the lists equal, checks that every name here
exists, and that the generated modules use no other.

Hand-written helpers that emit like generated code (`codex_otel.instrument`) use this
module too: `note_emit_error` counts a failure of theirs as the runtime counts its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._arguments import (
    is_array_of,
    not_a_member,
    not_members,
    out_of_range,
    wire_members,
    wrong_int_items,
    wrong_items,
    wrong_type,
)
from ._catalogs import register_catalog
from ._int64 import INT64_MAX, INT64_MIN
from ._metric_tags import metric_tag_value
from ._truncation import truncate
from .metrics import MetricDefinition
from .spans import SpanDefinition, SpanHandle, SpanScope
from .telemetry import Conversation, Telemetry
from .types import Attributes

if TYPE_CHECKING:
    from ._deprecation import deprecated

#: The functions generated code calls (`deprecated` is loaded on first use: only modules
#: that deprecate something import it).
HELPERS = (
    "deprecated",
    "is_array_of",
    "not_a_member",
    "not_members",
    "out_of_range",
    "metric_tag_value",
    "truncate",
    "wire_members",
    "wrong_int_items",
    "wrong_items",
    "wrong_type",
)

#: The types and constants generated code imports (`SpanDefinition`, `SpanHandle`,
#: `SpanScope`: a span's constant, the base of its handle class, its helper's result).
CONSTANTS = (
    "Attributes",
    "Conversation",
    "INT64_MAX",
    "INT64_MIN",
    "MetricDefinition",
    "SpanDefinition",
    "SpanHandle",
    "SpanScope",
)

#: What a generated package's `__init__` calls to hand its catalog's decisions over.
CATALOG_REGISTRATION = "register_catalog"

#: The members of `Conversation` generated emitters and recorders read or call:
#: `recording` and `metrics_recording` (the cheap early return), `allows` (a privacy
#: toggle), `protect` (a policy attribute, as its toggle's mode says), `emit` (a finished
#: event), `metric_attributes` (the metadata every metric carries), `record_point` (a
#: finished point) and `start_span` (a span helper's scope).
CONVERSATION_MEMBERS = (
    "allows",
    "emit",
    "metric_attributes",
    "metrics_recording",
    "protect",
    "record_point",
    "recording",
    "start_span",
)

__all__ = [  # noqa: RUF022 (grouped as above: the helpers, the constants, the rest)
    "deprecated",
    "is_array_of",
    "not_a_member",
    "not_members",
    "out_of_range",
    "metric_tag_value",
    "truncate",
    "wire_members",
    "wrong_int_items",
    "wrong_items",
    "wrong_type",
    "Attributes",
    "Conversation",
    "INT64_MAX",
    "INT64_MIN",
    "MetricDefinition",
    "SpanDefinition",
    "SpanHandle",
    "SpanScope",
    "register_catalog",
    "note_emit_error",
]


def note_emit_error(telemetry: Telemetry) -> None:
    """Count a failure of a hand-written helper while emitting, as `Conversation.emit`
    counts its own (`TelemetryStats.emit_errors`; the first one is reported)."""
    telemetry._note_emit_error()


def __getattr__(name: str) -> object:
    # PEP 702's decorator is loaded only by generated modules that deprecate something, so
    # importing the contract loads nothing outside the standard library.
    if name == "deprecated":
        from ._deprecation import deprecated

        return deprecated
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
