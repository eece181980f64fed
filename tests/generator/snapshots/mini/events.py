# Generated from mini.yaml (catalog version 0.3.1) by `codex-otel generate`.
# Do not edit: change the catalog or a template, then regenerate.
# ruff: noqa: SIM108, RUF100
"""Typed emitters for the events of mini.yaml.

Catalog version 0.3.1.

Build events of a tiny CI runner, used to test the generator.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final, Literal, overload

from codex_otel.runtime import (
    INT64_MAX,
    Attributes,
    Conversation,
    deprecated,
    is_array_of,
    not_a_member,
    not_members,
    out_of_range,
    truncate,
    wire_members,
    wrong_int_items,
    wrong_items,
    wrong_type,
)

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

    host_name: str
    """host.name: Host the runner runs on."""

    build_id: int | None = None
    """build.id: Number of the build."""

    runner_features: Sequence[RunnerFeatures | Literal["docker", "gpu"]] | None = None
    """runner.features: What the runner offers its steps."""

    def __post_init__(self) -> None:
        if not isinstance(self.host_name, str):
            wrong_type("Metadata", "host_name", "str", self.host_name)
        if self.build_id is not None and type(self.build_id) is not int:
            wrong_type("Metadata", "build_id", "int", self.build_id)
        if self.build_id is not None and not 1 <= self.build_id <= INT64_MAX:
            out_of_range("Metadata", "build_id", "between 1 and 9223372036854775807")
        if self.runner_features is not None:
            _runner_features = wire_members(
                self.runner_features, (str, RunnerFeatures), _RUNNER_FEATURES_WIRE
            )
            if _runner_features is None:
                not_members(
                    "Metadata",
                    "runner_features",
                    "sequence of one of 'docker', 'gpu'",
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
    step_tags: Sequence[str] | None = None,
    step_exit_codes: Sequence[int] | None = None,
    step_signals: Sequence[StepSignals | Literal[2, 9, 15]] | None = None,
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
    step_tags: Sequence[str] | None = None,
    step_exit_codes: Sequence[int] | None = None,
    step_signals: Sequence[StepSignals | Literal[2, 9, 15]] | None = None,
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
    step_tags: Sequence[str] | None = None,
    step_exit_codes: Sequence[int] | None = None,
    step_signals: Sequence[StepSignals | Literal[2, 9, 15]] | None = None,
    step_legacy_id: str | None = None,
) -> None:
    """A build step finished.

    Emits `step.finished`.

    Args:
        step_name: `step.name`, required. Name of the step.
        step_command: `step.command`, required. Shell command of the step, which may contain
            "secrets" and \\backslashes\\. Replaced by '<hidden>' unless the `log_commands` toggle
            is on. Cut to 64 characters.
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
            out_of_range("step.finished", "step_ratio", "between 0 and 1.5")
    if step_tags is not None and not is_array_of(step_tags, str):
        wrong_items("step.finished", "step_tags", "str sequence", step_tags)
    if step_exit_codes is not None and not is_array_of(step_exit_codes, int):
        wrong_int_items("step.finished", "step_exit_codes", "int sequence", step_exit_codes)
    _step_signals = None
    if step_signals is not None:
        _step_signals = wire_members(step_signals, (int, StepSignals), _STEP_SIGNALS_WIRE)
        if _step_signals is None:
            not_members(
                "step.finished", "step_signals", "sequence of one of 2, 9, 15", step_signals
            )
    if step_legacy_id is not None and not isinstance(step_legacy_id, str):
        wrong_type("step.finished", "step_legacy_id", "str", step_legacy_id)
    if not conversation.recording:
        return
    if conversation.allows("log_commands"):
        _step_command = truncate(step_command, 64)
    else:
        _step_command = "<hidden>"
    _attributes: Attributes = {
        "step.name": step_name,
        "step.command": _step_command,
        "step.cached": step_cached,
        "step.priority": _priority,
    }
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
            "secrets" and \\backslashes\\. Replaced by '<hidden>' unless the `log_commands` toggle
            is on. Cut to 48 characters.
    """
    if step_command is not None and not isinstance(step_command, str):
        wrong_type("build.started_old", "step_command", "str", step_command)
    if not conversation.recording:
        return
    _attributes: Attributes = {}
    if step_command is not None:
        if conversation.allows("log_commands"):
            _attributes["step.command"] = truncate(step_command, 48)
        else:
            _attributes["step.command"] = "<hidden>"
    conversation.emit("build.started_old", _attributes)
