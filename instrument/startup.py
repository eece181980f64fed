"""Starting a thread: `codex.startup_phase` and `codex.startup.phase.duration_ms` per
timed phase, and `codex.thread.started`, as Codex records them.

    with manager.startup_phase("thread_start_total") as phase:
        ...                      # the phase's work
        phase.status = "ok"      # optional: how it ended, sent as `startup.status`

Leaving the block emits `codex.startup_phase` (`startup.phase`, `startup.status` when set,
`duration_ms`) and records `codex.startup.phase.duration_ms` tagged `phase` (and `status`
when set), whether the
block ended normally or with an exception (which propagates unchanged); an interruption
records nothing. The phase names are the caller's; Codex's are `thread_start_create_thread`,
`thread_start_total` and `startup_prewarm_*`.
"""

from __future__ import annotations

from codex_otel.generated import events
from codex_otel.runtime._contract import wrong_type

from . import measurements
from .recorder import Recorder
from .timed import TimedBlock

_EVENT = "codex.startup_phase"


class StartupPhase(TimedBlock):
    """One startup phase as a block; see the module docstring."""

    __slots__ = ("phase", "status")

    def __init__(self, recorder: Recorder, phase: str, status: str | None = None) -> None:
        if not isinstance(phase, str):  # checked before the phase runs, never after
            wrong_type(_EVENT, "phase", "str", phase)
        if status is not None and not isinstance(status, str):
            wrong_type(_EVENT, "status", "str", status)
        super().__init__(recorder)
        self.phase = phase
        #: How the phase ended (`startup.status`), when the caller says.
        self.status = status

    def _finish(self, duration_ms: int, error: Exception | None) -> None:
        emit_phase(self._recorder, self.phase, self.status, duration_ms)

    def __repr__(self) -> str:
        return f"StartupPhase({self.phase!r}, status={self.status!r})"


def emit_phase(recorder: Recorder, phase: str, status: str | None, duration_ms: int) -> None:
    """The event, then (its checks passed) the metric."""
    conversation = recorder.conversation
    if recorder.recording:
        events.startup_phase(
            conversation, startup_phase=phase, startup_status=status, duration_ms=duration_ms
        )
    measurements.startup_phase(conversation, phase, duration_ms, status)
