# Generated from mini.yaml (catalog version 0.3.1) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
# ruff: noqa: SIM108, RUF100
"""Typed emitters for the events of mini.yaml, and recorders for its metrics.

Catalog version 0.3.1.

Build events of a tiny CI runner, used to test the generator.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Final, Literal, TypeAlias, TypeVar, overload

from codex_otel.runtime._contract import (
    INT64_MAX,
    INT64_MIN,
    Attributes,
    Conversation,
    MetricDefinition,
    deprecated,
    is_array_of,
    not_a_member,
    not_members,
    out_of_range,
    wire_members,
    wrong_int_items,
    wrong_items,
    wrong_type,
)

_Item = TypeVar("_Item")
#: An array argument: a list or a tuple of its items. Not any Sequence: a str is a
#: sequence of str, which type checkers would let through where the check refuses it.
ArrayOf: TypeAlias = list[_Item] | tuple[_Item, ...]

CATALOG_VERSION: Final = "0.3.1"

#: Privacy toggles the catalog's redaction policies name, with their defaults.
TOGGLES: Final[dict[str, bool]] = {
    "log_commands": False,
}

#: Every event this module emits, in catalog order.
EVENT_NAMES: Final[tuple[str, ...]] = (
    "step.finished",
    "build.heartbeat",
    "build.started_old",
)

#: Every metric this module records, in catalog order.
METRIC_NAMES: Final[tuple[str, ...]] = (
    "step.runs",
    "build.queue.depth",
    "step.load",
    "step.seconds",
    "step.duration_old",
)


class RunnerFeatures(enum.Enum):
    """What the runner offers its steps."""

    DOCKER = "docker"
    """Steps can run containers."""

    GPU = "gpu"
    """A GPU is attached."""


#: RunnerFeatures members and their values, mapped to the value sent on the wire.
_RUNNER_FEATURES_WIRE: Final[dict[object, str]] = {
    RunnerFeatures.DOCKER: "docker",
    RunnerFeatures.GPU: "gpu",
    "docker": "docker",
    "gpu": "gpu",
}


class Priority(enum.Enum):
    """Scheduling priority."""

    LOW = 1
    """Runs when the queue is idle."""

    HIGH = 5
    """Runs first."""


#: Priority members and their values, mapped to the value sent on the wire.
_PRIORITY_WIRE: Final[dict[object, int]] = {
    Priority.LOW: 1,
    Priority.HIGH: 5,
    1: 1,
    5: 5,
}


class StepSignals(enum.Enum):
    """Signals the step's processes received, in order."""

    INTERRUPT = 2
    """The step was interrupted (SIGINT)."""

    KILL = 9
    """The step was killed (SIGKILL)."""

    TERMINATE = 15
    """The step was asked to stop (SIGTERM)."""


#: StepSignals members and their values, mapped to the value sent on the wire.
_STEP_SIGNALS_WIRE: Final[dict[object, int]] = {
    StepSignals.INTERRUPT: 2,
    StepSignals.KILL: 9,
    StepSignals.TERMINATE: 15,
    2: 2,
    9: 9,
    15: 15,
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
    METRIC_KEYS: ClassVar[tuple[str, ...]] = ("host.name",)

    host_name: str
    """host.name: Host the runner runs on."""

    build_id: int | None = None
    """build.id: Number of the build."""

    runner_features: ArrayOf[RunnerFeatures | Literal["docker", "gpu"]] | None = None
    """runner.features: What the runner offers its steps."""

    def __post_init__(self) -> None:
        if not isinstance(self.host_name, str):
            wrong_type("Metadata", "host_name", "str", self.host_name)
        if self.build_id is not None and type(self.build_id) is not int:
            wrong_type("Metadata", "build_id", "int", self.build_id)
        if self.build_id is not None and not 1 <= self.build_id <= INT64_MAX:
            out_of_range("Metadata", "build_id", "between 1 and 9223372036854775807", self.build_id)
        if self.runner_features is not None:
            _runner_features = wire_members(
                self.runner_features, (str, RunnerFeatures), _RUNNER_FEATURES_WIRE
            )
            if _runner_features is None:
                not_members(
                    "Metadata",
                    "runner_features",
                    "a list or tuple, each item one of 'docker', 'gpu'",
                    self.runner_features,
                )
        # Copies the caller cannot change after the checks (the wire values come later).
        if self.runner_features is not None:
            object.__setattr__(self, "runner_features", tuple(self.runner_features))

    def to_attributes(self) -> Attributes:
        """The metadata as wire attributes; unknown optional values are omitted."""
        attributes: Attributes = {
            "host.name": self.host_name,
        }
        if self.build_id is not None:
            attributes["build.id"] = self.build_id
        if self.runner_features is not None:
            attributes["runner.features"] = [
                _RUNNER_FEATURES_WIRE[item] for item in self.runner_features
            ]
        return attributes


@overload
def step_finished(
    conversation: Conversation[Metadata],
    *,
    step_name: str,
    step_command: str,
    step_cached: bool,
    priority: Priority | Literal[1, 5],
    step_ratio: float | None = None,
    step_tags: ArrayOf[str] | None = None,
    step_exit_codes: ArrayOf[int] | None = None,
    step_signals: ArrayOf[StepSignals | Literal[2, 9, 15]] | None = None,
) -> None: ...
@overload
@deprecated(
    "argument step_legacy_id (step.legacy_id) of step_finished() is deprecated: Replaced by "
    "step.name.",
)
def step_finished(
    conversation: Conversation[Metadata],
    *,
    step_name: str,
    step_command: str,
    step_cached: bool,
    priority: Priority | Literal[1, 5],
    step_ratio: float | None = None,
    step_tags: ArrayOf[str] | None = None,
    step_exit_codes: ArrayOf[int] | None = None,
    step_signals: ArrayOf[StepSignals | Literal[2, 9, 15]] | None = None,
    step_legacy_id: str | None = None,
) -> None: ...
def step_finished(
    conversation: Conversation[Metadata],
    *,
    step_name: str,
    step_command: str,
    step_cached: bool,
    priority: Priority | Literal[1, 5],
    step_ratio: float | None = None,
    step_tags: ArrayOf[str] | None = None,
    step_exit_codes: ArrayOf[int] | None = None,
    step_signals: ArrayOf[StepSignals | Literal[2, 9, 15]] | None = None,
    step_legacy_id: str | None = None,
) -> None:
    """A build step finished.

    Emits `step.finished`.

    Args:
        step_name: `step.name`, required. Name of the step.
        step_command: `step.command`, required. Shell command of the step, which may contain
            "secrets" and \\backslashes\\. Governed by the `log_commands` toggle; when it is off,
            the wire carries the placeholder <hidden>. Cut to 64 characters.
        step_ratio: `step.ratio`, optional. Fraction of the step's budget used. Must be between
            0 and 1.5.
        step_cached: `step.cached`, required. Whether the step's result came from the cache.
        step_tags: `step.tags`, optional. Tags of the step.
        step_exit_codes: `step.exit_codes`, conditional: when the step ran commands. Exit codes
            of the step's commands.
        priority: `step.priority`, required. Scheduling priority.
        step_signals: `step.signals`, conditional: when the step was signalled. Signals the
            step's processes received, in order.
        step_legacy_id: `step.legacy_id`, optional. Old identifier of the step. Deprecated:
            Replaced by step.name. Use `step.name` instead.
    """
    if step_legacy_id is not None:
        warnings.warn(
            "argument step_legacy_id (step.legacy_id) of step_finished() is deprecated: Replaced "
            "by step.name.",
            DeprecationWarning,
            stacklevel=2,
        )
    if not isinstance(step_name, str):
        wrong_type("step.finished", "step_name", "str", step_name)
    if not isinstance(step_command, str):
        wrong_type("step.finished", "step_command", "str", step_command)
    if type(step_cached) is not bool:
        wrong_type("step.finished", "step_cached", "bool", step_cached)
    _priority = None
    if type(priority) in (int, Priority):
        _priority = _PRIORITY_WIRE.get(priority)
    if _priority is None:
        not_a_member("step.finished", "priority", "one of 1, 5", priority)
    if step_ratio is not None:
        if type(step_ratio) not in (int, float):
            wrong_type("step.finished", "step_ratio", "float", step_ratio)
        if not 0 <= step_ratio <= 1.5:
            out_of_range("step.finished", "step_ratio", "between 0 and 1.5", step_ratio)
    if step_tags is not None and not is_array_of(step_tags, str):
        wrong_items("step.finished", "step_tags", "a list or tuple of str", step_tags)
    if step_exit_codes is not None and not is_array_of(step_exit_codes, int):
        wrong_int_items(
            "step.finished", "step_exit_codes", "a list or tuple of int", step_exit_codes
        )
    _step_signals = None
    if step_signals is not None:
        _step_signals = wire_members(step_signals, (int, StepSignals), _STEP_SIGNALS_WIRE)
        if _step_signals is None:
            not_members(
                "step.finished",
                "step_signals",
                "a list or tuple, each item one of 2, 9, 15",
                step_signals,
            )
    if step_legacy_id is not None and not isinstance(step_legacy_id, str):
        wrong_type("step.finished", "step_legacy_id", "str", step_legacy_id)
    if not conversation.recording:
        return
    _attributes: Attributes = {
        "step.name": step_name,
        "step.cached": step_cached,
        "step.priority": _priority,
    }
    conversation.protect(
        _attributes, "step.command", step_command, "log_commands", "<hidden>", "redact", 64
    )
    if step_ratio is not None:
        _attributes["step.ratio"] = float(step_ratio)
    if step_tags is not None:
        _attributes["step.tags"] = step_tags
    if step_exit_codes is not None:
        _attributes["step.exit_codes"] = step_exit_codes
    if _step_signals is not None:
        _attributes["step.signals"] = _step_signals
    if step_legacy_id is not None:
        _attributes["step.legacy_id"] = step_legacy_id
    conversation.emit("step.finished", _attributes)


def build_heartbeat(
    conversation: Conversation[Metadata],
) -> None:
    """The runner is alive.

    Emits `build.heartbeat`.
    """
    if not conversation.recording:
        return
    _attributes: Attributes = {}
    conversation.emit("build.heartbeat", _attributes)


@deprecated("event build.started_old is deprecated: Emit step.finished events instead.")
def build_started_legacy(
    conversation: Conversation[Metadata],
    *,
    step_command: str | None = None,
) -> None:
    """The build started (old form).

    Emits `build.started_old`.

    Deprecated: Emit step.finished events instead. Use `step.finished` instead.

    Args:
        step_command: `step.command`, optional. Shell command of the step, which may contain
            "secrets" and \\backslashes\\. Governed by the `log_commands` toggle; when it is off,
            the wire carries the placeholder <hidden>. Cut to 48 characters.
    """
    if step_command is not None and not isinstance(step_command, str):
        wrong_type("build.started_old", "step_command", "str", step_command)
    if not conversation.recording:
        return
    _attributes: Attributes = {}
    if step_command is not None:
        conversation.protect(
            _attributes, "step.command", step_command, "log_commands", "<hidden>", "redact", 48
        )
    conversation.emit("build.started_old", _attributes)


_METRIC_STEP_RUNS: Final = MetricDefinition(
    name="step.runs",
    instrument="counter",
    unit="{step}",
    description="Steps run.",
    value_type="int",
    boundaries=None,
)


def record_step_runs(
    conversation: Conversation[Metadata],
    value: int = 1,
    *,
    step_cached: bool,
    priority: Priority | Literal[1, 5],
    runner_slot: int | None = None,
) -> None:
    """Steps run.

    Records `step.runs`: a counter of int values in `{step}`.

    Args:
        value: The value to record, in `{step}` (1 when left out). Must be at least 0.
        step_cached: `step.cached`, required. Whether the step's result came from the cache.
        priority: `step.priority`, required. Scheduling priority.
        runner_slot: `runner.slot`, optional. Slot of the runner the step ran in. Must be
            between 0 and 15.
    """
    if type(value) is not int:
        wrong_type("step.runs", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("step.runs", "value", "between 0 and 9223372036854775807", value)
    if type(step_cached) is not bool:
        wrong_type("step.runs", "step_cached", "bool", step_cached)
    _priority = None
    if type(priority) in (int, Priority):
        _priority = _PRIORITY_WIRE.get(priority)
    if _priority is None:
        not_a_member("step.runs", "priority", "one of 1, 5", priority)
    if runner_slot is not None:
        if type(runner_slot) is not int:
            wrong_type("step.runs", "runner_slot", "int", runner_slot)
        if not 0 <= runner_slot <= 15:
            out_of_range("step.runs", "runner_slot", "between 0 and 15", runner_slot)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = {
        **conversation.metric_attributes,
        "step.cached": step_cached,
        "step.priority": _priority,
    }
    if runner_slot is not None:
        _attributes["runner.slot"] = runner_slot
    conversation.record_point(_METRIC_STEP_RUNS, value, _attributes)


_METRIC_BUILD_QUEUE_DEPTH: Final = MetricDefinition(
    name="build.queue.depth",
    instrument="updowncounter",
    unit="{build}",
    description="Builds waiting for a runner.",
    value_type="int",
    boundaries=None,
)


def record_build_queue_depth(
    conversation: Conversation[Metadata],
    value: int,
) -> None:
    """Builds waiting for a runner.

    Records `build.queue.depth`: an updowncounter of int values in `{build}`.

    Args:
        value: The value to record, in `{build}`.
    """
    if type(value) is not int:
        wrong_type("build.queue.depth", "value", "int", value)
    if not INT64_MIN <= value <= INT64_MAX:
        out_of_range("build.queue.depth", "value", "a 64-bit integer", value)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = dict(conversation.metric_attributes)
    conversation.record_point(_METRIC_BUILD_QUEUE_DEPTH, value, _attributes)


_METRIC_STEP_LOAD: Final = MetricDefinition(
    name="step.load",
    instrument="gauge",
    unit="1",
    description='Load of the runner while the step ran, "from 0 to 1" (a \\backslash too).',
    value_type="double",
    boundaries=None,
)


def record_step_load(
    conversation: Conversation[Metadata],
    value: float,
    *,
    step_signals: ArrayOf[StepSignals | Literal[2, 9, 15]] | None = None,
) -> None:
    """Load of the runner while the step ran, "from 0 to 1" (a \\backslash too).

    Records `step.load`: a gauge of float values in `1`.

    Args:
        value: The value to record, in `1`.
        step_signals: `step.signals`, optional. Signals the step got, as a tag.
    """
    if type(value) not in (int, float):
        wrong_type("step.load", "value", "float", value)
    _step_signals = None
    if step_signals is not None:
        _step_signals = wire_members(step_signals, (int, StepSignals), _STEP_SIGNALS_WIRE)
        if _step_signals is None:
            not_members(
                "step.load",
                "step_signals",
                "a list or tuple, each item one of 2, 9, 15",
                step_signals,
            )
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = dict(conversation.metric_attributes)
    if _step_signals is not None:
        _attributes["step.signals"] = _step_signals
    conversation.record_point(_METRIC_STEP_LOAD, float(value), _attributes)


_METRIC_STEP_TIME: Final = MetricDefinition(
    name="step.seconds",
    instrument="histogram",
    unit="s",
    description="How long steps took.",
    value_type="double",
    boundaries=(0.5, 1, 5, 30),
)


def record_step_time(
    conversation: Conversation[Metadata],
    value: float,
    *,
    priority: Priority | Literal[1, 5] | None = None,
) -> None:
    """How long steps took.

    Records `step.seconds`: a histogram of float values in `s`. Bucket boundaries: 0.5, 1, 5, 30.

    Args:
        value: The value to record, in `s`. Must be at least 0.
        priority: `step.priority`, conditional: when the step was scheduled. Scheduling
            priority.
    """
    if type(value) not in (int, float):
        wrong_type("step.seconds", "value", "float", value)
    if not value >= 0:
        out_of_range("step.seconds", "value", "at least 0", value)
    _priority = None
    if priority is not None:
        _priority = None
        if type(priority) in (int, Priority):
            _priority = _PRIORITY_WIRE.get(priority)
        if _priority is None:
            not_a_member("step.seconds", "priority", "one of 1, 5", priority)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = dict(conversation.metric_attributes)
    if _priority is not None:
        _attributes["step.priority"] = _priority
    conversation.record_point(_METRIC_STEP_TIME, float(value), _attributes)


_METRIC_STEP_DURATION_OLD: Final = MetricDefinition(
    name="step.duration_old",
    instrument="histogram",
    unit="ms",
    description="How long steps took, in milliseconds.",
    value_type="int",
    boundaries=None,
)


@deprecated("metric step.duration_old is deprecated: Record step.seconds instead.")
def record_step_duration_old(
    conversation: Conversation[Metadata],
    value: int,
) -> None:
    """How long steps took, in milliseconds.

    Records `step.duration_old`: a histogram of int values in `ms`.

    Deprecated: Record step.seconds instead. Use `step.seconds` instead.

    Args:
        value: The value to record, in `ms`. Must be at least 0.
    """
    if type(value) is not int:
        wrong_type("step.duration_old", "value", "int", value)
    if not 0 <= value <= INT64_MAX:
        out_of_range("step.duration_old", "value", "between 0 and 9223372036854775807", value)
    if not conversation.metrics_recording:
        return
    _attributes: Attributes = dict(conversation.metric_attributes)
    conversation.record_point(_METRIC_STEP_DURATION_OLD, value, _attributes)
