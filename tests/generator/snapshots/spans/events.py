# Generated from spans.yaml (catalog version 0.2.0) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
# ruff: noqa: SIM108, RUF100
"""Typed emitters for the events of spans.yaml, and recorders for its metrics.

Catalog version 0.2.0.

Its spans are started by the helpers at the end (`<span>_span(conversation, ...)`), each
returning the scope of a typed handle.

Spans of a tiny CI runner, used to test the generator's span helpers.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Final, Literal, TypeAlias, TypeVar

from codex_otel.runtime._contract import (
    INT64_MAX,
    Attributes,
    Conversation,
    MetricDefinition,
    SpanDefinition,
    SpanHandle,
    SpanScope,
    deprecated,
    is_array_of,
    not_a_member,
    not_members,
    out_of_range,
    truncate,
    wire_members,
    wrong_items,
    wrong_type,
)

_Item = TypeVar("_Item")
#: An array argument: a list or a tuple of its items. Not any Sequence: a str is a
#: sequence of str, which type checkers would let through where the check refuses it.
ArrayOf: TypeAlias = list[_Item] | tuple[_Item, ...]

CATALOG_VERSION: Final = "0.2.0"

#: Privacy toggles the catalog's redaction policies name, with their defaults.
TOGGLES: Final[dict[str, bool]] = {}

#: Every event this module emits, in catalog order.
EVENT_NAMES: Final[tuple[str, ...]] = ("job.log",)

#: Every metric this module records, in catalog order.
METRIC_NAMES: Final[tuple[str, ...]] = ("job.runs",)


class JobPriority(enum.Enum):
    """Scheduling priority."""

    LOW = 1
    """Runs when the queue is idle."""

    HIGH = 5
    """Runs first."""


#: JobPriority members and their values, mapped to the value sent on the wire.
_JOB_PRIORITY_WIRE: Final[dict[object, int]] = {
    JobPriority.LOW: 1,
    JobPriority.HIGH: 5,
    1: 1,
    5: 5,
}


class JobStages(enum.Enum):
    """Stages the job went through."""

    FETCH = "fetch"
    """The sources were fetched."""

    TEST = "test"
    """The tests ran."""


#: JobStages members and their values, mapped to the value sent on the wire.
_JOB_STAGES_WIRE: Final[dict[object, str]] = {
    JobStages.FETCH: "fetch",
    JobStages.TEST: "test",
    "fetch": "fetch",
    "test": "test",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Metadata:
    """Metadata shared by every event.

    One per conversation: pass it to `Telemetry.conversation`, and every event emitted
    through that conversation carries these attributes. Optional fields left as None
    are omitted from the wire, never sent empty.
    """

    COMPUTED: ClassVar[Mapping[str, str]] = {}
    #: Wire keys of the metadata that every metric carries too.
    METRIC_KEYS: ClassVar[tuple[str, ...]] = ()

    host_name: str
    """host.name: Host the runner runs on."""

    def __post_init__(self) -> None:
        if not isinstance(self.host_name, str):
            wrong_type("Metadata", "host_name", "str", self.host_name)

    def to_attributes(self) -> Attributes:
        """The metadata as wire attributes; unknown optional values are omitted."""
        attributes: Attributes = {
            "host.name": self.host_name,
        }
        return attributes


def job_log(
    conversation: Conversation[Metadata],
    *,
    job_retries: int | None = None,
) -> None:
    """A line of the job's log was written (its length only).

    Emits `job.log`.

    Args:
        job_retries: `job.retries`, optional. Retries the job took. Must be at least 0.
    """
    if job_retries is not None:
        if type(job_retries) is not int:
            wrong_type("job.log", "job_retries", "int", job_retries)
        if not 0 <= job_retries <= INT64_MAX:
            out_of_range("job.log", "job_retries", "between 0 and 9223372036854775807", job_retries)
    if not conversation.recording:
        return
    _attributes: Attributes = {}
    if job_retries is not None:
        _attributes["job.retries"] = job_retries
    conversation.emit("job.log", _attributes)


_METRIC_JOB_RUNS: Final = MetricDefinition(
    name="job.runs",
    instrument="counter",
    unit="{job}",
    description="Jobs run.",
    value_type="int",
    boundaries=None,
)


def record_job_runs(
    conversation: Conversation[Metadata],
    value: int = 1,
) -> None:
    """Jobs run.

    Records `job.runs`: a counter of int values in `{job}`.

    Args:
        value: The value to record, in `{job}` (1 when left out). Must be at least 0.
    """
    if type(value) is not int:
        wrong_type("job.runs", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("job.runs", "value", "between 0 and 9223372036854775807", value)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = dict(conversation.metric_attributes)
    conversation.record_point(_METRIC_JOB_RUNS, value, _attributes)


CI_PIPELINE_SPAN: Final = SpanDefinition(
    id="ci.pipeline",
    name="pipeline {job.name}",
    kind="server",
    parents=frozenset(),
    root=True,
    name_keys=("job.name",),
)


class CiPipelineSpan(SpanHandle):
    """The handle of a `ci.pipeline` span: sets the attributes known only at its end."""

    __slots__ = ()

    def set_job_ratio(self, value: float) -> None:
        """`job.ratio`, conditional: when the budget is known. Fraction of the job's budget used.
        Must be between 0 and 1.5.
        """
        if type(value) not in (int, float):
            wrong_type("ci.pipeline", "job_ratio", "float", value)
        if not 0 <= value <= 1.5:
            out_of_range("ci.pipeline", "job_ratio", "between 0 and 1.5", value)
        self._set("job.ratio", float(value))

    def set_job_weights(self, value: ArrayOf[float]) -> None:
        """`job.weights`, optional. Weights of the job's steps."""
        if not is_array_of(value, (int, float)):
            wrong_items("ci.pipeline", "job_weights", "a list or tuple of float", value)
        self._set("job.weights", [float(item) for item in value])

    def set_job_cached(self, value: bool) -> None:
        """`job.cached`, optional. Whether the job's result came from the cache."""
        if type(value) is not bool:
            wrong_type("ci.pipeline", "job_cached", "bool", value)
        self._set("job.cached", value)

    def set_error_type(self, value: str) -> None:
        """`error.type`, conditional: when the pipeline failed. The class of error the job ended
        with.
        """
        if not isinstance(value, str):
            wrong_type("ci.pipeline", "error_type", "str", value)
        self._set("error.type", value)


def ci_pipeline_span(
    conversation: Conversation[Metadata],
    *,
    job_name: str,
    job_priority: JobPriority | Literal[1, 5],
    job_tags: ArrayOf[str] | None = None,
    job_stages: ArrayOf[JobStages | Literal["fetch", "test"]] | None = None,
) -> SpanScope[CiPipelineSpan]:
    """A pipeline run, from its trigger to its verdict.

    Starts `ci.pipeline`, a span of kind server named `pipeline {job.name}`, a root span (started
    with no catalog span around it).

    Use it as `with ci_pipeline_span(conversation, ...) as span:` (or `async with`); set what is
    known only at the end through the handle (`span.set_job_ratio(...)`). An exception leaving the
    block sets the error status and `error.type`.

    Args:
        job_name: `job.name`, required. Name of the job. Cut to 40 characters.
        job_priority: `job.priority`, required. Scheduling priority.
        job_tags: `job.tags`, optional. Tags of the job.
        job_stages: `job.stages`, optional. Stages the job went through.
    """
    if not isinstance(job_name, str):
        wrong_type("ci.pipeline", "job_name", "str", job_name)
    _job_priority = None
    if type(job_priority) in (int, JobPriority):
        _job_priority = _JOB_PRIORITY_WIRE.get(job_priority)
    if _job_priority is None:
        not_a_member("ci.pipeline", "job_priority", "one of 1, 5", job_priority)
    if job_tags is not None and not is_array_of(job_tags, str):
        wrong_items("ci.pipeline", "job_tags", "a list or tuple of str", job_tags)
    _job_stages = None
    if job_stages is not None:
        _job_stages = wire_members(job_stages, (str, JobStages), _JOB_STAGES_WIRE)
        if _job_stages is None:
            not_members(
                "ci.pipeline",
                "job_stages",
                "a list or tuple, each item one of 'fetch', 'test'",
                job_stages,
            )
    _attributes: Attributes = {
        "job.version": 2.0,
        "job.name": truncate(job_name, 40),
        "job.priority": _job_priority,
    }
    if job_tags is not None:
        _attributes["job.tags"] = job_tags
    if _job_stages is not None:
        _attributes["job.stages"] = _job_stages
    return conversation.start_span(CI_PIPELINE_SPAN, _attributes, CiPipelineSpan)


CI_STEP_SPAN: Final = SpanDefinition(
    id="ci.step",
    name="step",
    kind="internal",
    parents=frozenset({"ci.pipeline", "ci.step"}),
    root=False,
    name_keys=(),
)


class CiStepSpan(SpanHandle):
    """The handle of a `ci.step` span: sets the attributes known only at its end."""

    __slots__ = ()

    def set_job_stages(self, value: ArrayOf[JobStages | Literal["fetch", "test"]]) -> None:
        """`job.stages`, required. Stages the job went through."""
        _job_stages = wire_members(value, (str, JobStages), _JOB_STAGES_WIRE)
        if _job_stages is None:
            not_members(
                "ci.step", "job_stages", "a list or tuple, each item one of 'fetch', 'test'", value
            )
        self._set("job.stages", _job_stages)

    @deprecated(
        "set_job_old_name() of CiStepSpan (job.old_name) is deprecated: Replaced by job.name."
    )
    def set_job_old_name(self, value: str) -> None:
        """`job.old_name`, optional. Old name of the job. Deprecated: Replaced by job.name. Use
        `job.name` instead.
        """
        if not isinstance(value, str):
            wrong_type("ci.step", "job_old_name", "str", value)
        self._set("job.old_name", value)


def ci_step_span(
    conversation: Conversation[Metadata],
    *,
    job_retries: int | None = None,
) -> SpanScope[CiStepSpan]:
    """One step of a pipeline; a step may run steps of its own.

    Starts `ci.step`, a span of kind internal named `step`, started under `ci.pipeline` or
    `ci.step`.

    Use it as `with ci_step_span(conversation, ...) as span:` (or `async with`); set what is known
    only at the end through the handle (`span.set_job_stages(...)`). An exception leaving the block
    sets the error status and `error.type`.

    Args:
        job_retries: `job.retries`, optional. Retries the job took. Must be at least 0.
    """
    if job_retries is not None:
        if type(job_retries) is not int:
            wrong_type("ci.step", "job_retries", "int", job_retries)
        if not 0 <= job_retries <= INT64_MAX:
            out_of_range("ci.step", "job_retries", "between 0 and 9223372036854775807", job_retries)
    _attributes: Attributes = {}
    if job_retries is not None:
        _attributes["job.retries"] = job_retries
    return conversation.start_span(CI_STEP_SPAN, _attributes, CiStepSpan)


CI_LEGACY_RUN_SPAN: Final = SpanDefinition(
    id="ci.legacy_run",
    name="run {job.old_name}",
    kind="consumer",
    parents=frozenset(),
    root=True,
    name_keys=("job.old_name",),
)


class CiLegacyRunSpan(SpanHandle):
    """The handle of a `ci.legacy_run` span: sets the attributes known only at its end."""

    __slots__ = ()

    def set_error_type(self, value: str) -> None:
        """`error.type`, optional. The class of error the job ended with."""
        if not isinstance(value, str):
            wrong_type("ci.legacy_run", "error_type", "str", value)
        self._set("error.type", value)


@deprecated("span ci.legacy_run is deprecated: Use ci.pipeline.")
def ci_legacy_run_span(
    conversation: Conversation[Metadata],
    *,
    job_old_name: str | None = None,
) -> SpanScope[CiLegacyRunSpan]:
    """A run of the old scheduler.

    Starts `ci.legacy_run`, a span of kind consumer named `run {job.old_name}`, a root span (started
    with no catalog span around it).

    Use it as `with ci_legacy_run_span(conversation, ...) as span:` (or `async with`); set what is
    known only at the end through the handle (`span.set_error_type(...)`). An exception leaving the
    block sets the error status and `error.type`.

    Deprecated: Use ci.pipeline. Use `ci.pipeline` instead.

    Args:
        job_old_name: `job.old_name`, optional. Old name of the job. Deprecated: Replaced by
            job.name. Use `job.name` instead.
    """
    if job_old_name is not None:
        warnings.warn(
            "argument job_old_name (job.old_name) of ci_legacy_run_span() is deprecated: Replaced "
            "by job.name.",
            DeprecationWarning,
            stacklevel=3,
        )
    if job_old_name is not None and not isinstance(job_old_name, str):
        wrong_type("ci.legacy_run", "job_old_name", "str", job_old_name)
    _attributes: Attributes = {}
    if job_old_name is not None:
        _attributes["job.old_name"] = job_old_name
    return conversation.start_span(CI_LEGACY_RUN_SPAN, _attributes, CiLegacyRunSpan)


CI_TICK_SPAN: Final = SpanDefinition(
    id="ci.tick",
    name="tick",
    kind="producer",
    parents=frozenset({"ci.pipeline"}),
    root=True,
    name_keys=(),
)


class CiTickSpan(SpanHandle):
    """The handle of a `ci.tick` span (no attribute is known only at its end)."""

    __slots__ = ()


def ci_tick_span(
    conversation: Conversation[Metadata],
) -> SpanScope[CiTickSpan]:
    """The scheduler's clock ticked, on its own or inside a pipeline.

    Starts `ci.tick`, a span of kind producer named `tick`, started under `ci.pipeline` or as a
    root.

    Use it as `with ci_tick_span(conversation) as span:` (or `async with`). An exception leaving the
    block sets the error status and `error.type`.
    """
    _attributes: Attributes = {}
    return conversation.start_span(CI_TICK_SPAN, _attributes, CiTickSpan)


CI_ORPHAN_A_SPAN: Final = SpanDefinition(
    id="ci.orphan_a",
    name="orphan_a",
    kind="internal",
    parents=frozenset({"ci.orphan_b"}),
    root=False,
    name_keys=(),
)


class CiOrphanASpan(SpanHandle):
    """The handle of a `ci.orphan_a` span (no attribute is known only at its end)."""

    __slots__ = ()


def ci_orphan_a_span(
    conversation: Conversation[Metadata],
) -> SpanScope[CiOrphanASpan]:
    """Starts only under ci.orphan_b.

    Starts `ci.orphan_a`, a span of kind internal named `orphan_a`, started under `ci.orphan_b`.

    Use it as `with ci_orphan_a_span(conversation) as span:` (or `async with`). An exception leaving
    the block sets the error status and `error.type`.
    """
    _attributes: Attributes = {}
    return conversation.start_span(CI_ORPHAN_A_SPAN, _attributes, CiOrphanASpan)


CI_ORPHAN_B_SPAN: Final = SpanDefinition(
    id="ci.orphan_b",
    name="orphan_b",
    kind="internal",
    parents=frozenset({"ci.orphan_a"}),
    root=False,
    name_keys=(),
)


class CiOrphanBSpan(SpanHandle):
    """The handle of a `ci.orphan_b` span (no attribute is known only at its end)."""

    __slots__ = ()


def ci_orphan_b_span(
    conversation: Conversation[Metadata],
) -> SpanScope[CiOrphanBSpan]:
    """Starts only under ci.orphan_a.

    Starts `ci.orphan_b`, a span of kind internal named `orphan_b`, started under `ci.orphan_a`.

    Use it as `with ci_orphan_b_span(conversation) as span:` (or `async with`). An exception leaving
    the block sets the error status and `error.type`.
    """
    _attributes: Attributes = {}
    return conversation.start_span(CI_ORPHAN_B_SPAN, _attributes, CiOrphanBSpan)
