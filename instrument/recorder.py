"""What every instrument needs: the conversation to emit and record through, a clock, and a
guard.

The guard is what keeps telemetry from ever breaking the host: anything that goes wrong
while classifying an outcome, emitting its event or recording its metrics is counted
(`Telemetry.stats.emit_errors`) and reported once, never raised into the code being
instrumented.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from datetime import timedelta
from types import TracebackType
from typing import TypeAlias

from codex_otel.generated import events
from codex_otel.runtime import Conversation
from codex_otel.runtime._contract import note_emit_error

#: A monotonic clock in integer nanoseconds, such as `time.perf_counter_ns` (the default)
#: or `time.monotonic_ns`. Tests inject a fake one.
Clock: TypeAlias = Callable[[], int]

#: A duration given by the caller: a `timedelta`, or seconds as an int or float.
Duration: TypeAlias = timedelta | float

_NS_PER_MS = 1_000_000
_ONE_MS = timedelta(milliseconds=1)


def millis_between(start_ns: int, end_ns: int) -> int:
    """Whole milliseconds from `start_ns` to `end_ns`, truncated like Rust's `as_millis`."""
    return max(end_ns - start_ns, 0) // _NS_PER_MS


def duration_ms(duration: Duration, *, event: str, field: str = "duration") -> int:
    """A caller's duration in whole milliseconds, truncated (never rounded up).

    Float seconds go through `timedelta` (microsecond resolution), so `1.005` is 1005 ms
    and not 1004 as `int(1.005 * 1000)` would give.
    """
    if isinstance(duration, timedelta):
        value = duration
    elif isinstance(duration, (int, float)) and not isinstance(duration, bool):
        if not math.isfinite(duration):
            raise ValueError(f"{event}: argument {field!r} must be a finite number of seconds")
        value = timedelta(seconds=duration)
    else:
        raise TypeError(
            f"{event}: argument {field!r} must be a timedelta or seconds as int or float, "
            f"not {type(duration).__name__}"
        )
    if value < timedelta(0):
        raise ValueError(f"{event}: argument {field!r} must not be negative")
    return value // _ONE_MS


class _Guard:
    """`with recorder.guard:` swallows and counts any error of the telemetry inside it."""

    __slots__ = ("_recorder",)

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if isinstance(exc, Exception):
            self._recorder.failed()
            return True
        return False


#: The sandbox tags of tool call metrics (`sandbox`, `sandbox_policy`), None when unknown.
SandboxTags: TypeAlias = tuple[str | None, str | None]


class Recorder:
    """A conversation plus a clock; shared by the instruments of one `EventManager`, with
    the sandbox its tool calls run in (`EventManager.with_sandbox`) and the names its
    spans carry (`provider`: `gen_ai.provider.name`; `agent_name`: `gen_ai.agent.name`)."""

    __slots__ = ("agent_name", "clock", "conversation", "guard", "provider", "sandbox_tags")

    def __init__(
        self,
        conversation: Conversation[events.Metadata],
        clock: Clock,
        sandbox_tags: SandboxTags = (None, None),
        *,
        provider: str = "openai",
        agent_name: str = "codex",
    ) -> None:
        self.conversation = conversation
        self.clock = clock
        self.sandbox_tags = sandbox_tags
        self.provider = provider
        self.agent_name = agent_name
        self.guard = _Guard(self)

    def copy(
        self,
        conversation: Conversation[events.Metadata] | None = None,
        sandbox_tags: SandboxTags | None = None,
    ) -> Recorder:
        """A recorder like this one with another conversation or sandbox."""
        return Recorder(
            self.conversation if conversation is None else conversation,
            self.clock,
            self.sandbox_tags if sandbox_tags is None else sandbox_tags,
            provider=self.provider,
            agent_name=self.agent_name,
        )

    @property
    def recording(self) -> bool:
        """False when nobody would see an event: instruments then skip the event's work."""
        return self.conversation.recording

    @property
    def observed(self) -> bool:
        """False when nobody would see an event or a measurement: instruments then skip
        all their work."""
        conversation = self.conversation
        return conversation.recording or conversation.metrics_recording

    def now(self) -> int | None:
        """The clock's reading, or None (counted) when the injected clock fails."""
        try:
            return self.clock()
        except Exception:
            self.failed()
            return None

    def elapsed_ms(self, start_ns: int | None) -> int | None:
        """Milliseconds since `start_ns`; None when either clock reading failed."""
        end_ns = self.now()
        if start_ns is None or end_ns is None:
            return None
        try:
            return millis_between(start_ns, end_ns)
        except Exception:  # a clock returning something that is not an int
            self.failed()
            return None

    def failed(self) -> None:
        """Count one internal telemetry failure; reported once by the runtime."""
        with contextlib.suppress(Exception):  # the runtime's counter itself failing
            note_emit_error(self.conversation.telemetry)
