"""The `[otel]` keys of traces, read by `load_config` (`_config_loader`): the trace
exporter (`trace_exporter`, read as `exporter` is, with OTEL_EXPORTER_OTLP_TRACES_*),
the sampler (`traces_sampler`, `traces_sampler_arg`, else OTEL_TRACES_SAMPLER and
OTEL_TRACES_SAMPLER_ARG), `span_attributes` and `span_parents`.

As for every setting: the table, else the variable, else the default; anything wrong is a
`ConfigError` naming the key (or the variable), the value and what is allowed.

Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import config as model
from ._config_values import _kind, _one_of

if TYPE_CHECKING:
    from ._config_exporters import ExporterReader, _Signal

#: The samplers that keep a share of the traces: they take an argument.
RATIO_SAMPLERS = ("traceidratio", "parentbased_traceidratio")
_SPAN_PARENTS = ("count", "raise")
#: The keys this module reads from `[otel]`.
TRACES_KEYS = (
    "trace_exporter",
    "traces_sampler",
    "traces_sampler_arg",
    "span_attributes",
    "span_parents",
)


def read_traces(
    reader: ExporterReader, otel: Mapping[str, object], signal: _Signal
) -> dict[str, Any]:
    """The `OtelConfig` fields of traces, from the `[otel]` table `otel` and the
    environment; `signal` is the trace exporter's (its key, variables and OTLP path)."""
    sampler = _sampler(reader, otel)
    return {
        "trace_exporter": reader.exporter(otel, signal),
        "traces_sampler": sampler,
        "traces_sampler_arg": _sampler_arg(reader, otel, sampler),
        "span_attributes": _span_attributes(reader, otel),
        "span_parents": reader.choice(otel, "otel", "span_parents", _SPAN_PARENTS) or "count",
    }


def _sampler(reader: ExporterReader, otel: Mapping[str, object]) -> str:
    chosen = reader.choice(otel, "otel", "traces_sampler", model.TRACES_SAMPLERS)
    if chosen is not None:
        return chosen
    found = reader.env("OTEL_TRACES_SAMPLER")
    if found is None:
        return "parentbased_always_on"
    var, value = found
    # The SDKs read the spec's names case-blind.
    if value.lower() not in model.TRACES_SAMPLERS:
        reader.bad(
            var, f"{value!r} is not allowed; expected one of {_one_of(model.TRACES_SAMPLERS)}"
        )
    return value.lower()


def _sampler_arg(reader: ExporterReader, otel: Mapping[str, object], sampler: str) -> float:
    """The ratio of a ratio sampler: the table's, else OTEL_TRACES_SAMPLER_ARG, else 1.
    The table giving one to a sampler that takes none is a mistake (refused); the
    variable is ignored then, as the spec says (it is set for whichever sampler)."""
    where = "otel.traces_sampler_arg"
    value = otel.get("traces_sampler_arg")
    if value is not None:
        if sampler not in RATIO_SAMPLERS:
            reader.bad(
                where,
                f"the sampler {sampler!r} takes no argument; only {_one_of(RATIO_SAMPLERS)} do",
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            reader.bad(where, f"expected a number from 0 to 1, got {_kind(value)}")
        return _ratio(reader, float(value), where, repr(value))
    found = reader.env("OTEL_TRACES_SAMPLER_ARG")
    if found is None or sampler not in RATIO_SAMPLERS:
        return 1.0
    var, text = found
    try:
        number = float(text)
    except ValueError:
        reader.bad(var, f"expected a number from 0 to 1, got {text!r}")
    return _ratio(reader, number, var, repr(text))


def _ratio(reader: ExporterReader, number: float, where: str, shown: str) -> float:
    if not (math.isfinite(number) and 0.0 <= number <= 1.0):
        reader.bad(where, f"expected a number from 0 to 1, got {shown}")
    return number


def _span_attributes(reader: ExporterReader, otel: Mapping[str, object]) -> dict[str, str]:
    """`span_attributes = { key = "value", ... }`: string values, non-empty keys (Codex
    refuses an empty key: "configured span attribute key must not be empty")."""
    table = reader.sub(otel, "otel", "span_attributes")
    if table is None:
        return {}
    attributes: dict[str, str] = {}
    for key, value in table.items():
        where = f"otel.span_attributes.{key}"
        if not key.strip():
            reader.bad(where, "a span attribute key must not be empty")
        if not isinstance(value, str):
            reader.bad(where, f"expected a string, got {_kind(value)}")
        attributes[key] = value
    return attributes
