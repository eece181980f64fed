"""A turn, timed from its start: time to first token, to first message, end to end, and
its tool calls, as Codex's turn metrics measure them.

    with manager.turn() as turn:
        ...                     # send the request
        turn.first_token()      # the first token of the response arrived
        turn.first_message()    # the first whole message arrived
        turn.tool_call()        # once per tool call the turn makes
    # left: the turn ended

- `first_token`: the `codex.turn_ttft` event and `codex.turn.ttft.duration_ms` (the
  first call only: a turn has one first token);
- `first_message`: `codex.turn.ttfm.duration_ms` (first call only; no event, as in Codex);
- leaving the block, with or without an exception (the turn ended either way):
  `codex.turn.e2e_duration_ms` and `codex.turn.tool.call`, the number of `tool_call()`s.
  An interruption (`KeyboardInterrupt`, `asyncio.CancelledError`) records nothing.

The block is also the turn's span (`codex.turn`, see `spans`), started before the clock
and ended after the metrics are recorded, so they are recorded inside it; `turn.span` is
its handle (None when spans are not recorded). The token usage of the responses read
inside the block is summed onto the span at its end.

Each duration is whole milliseconds since the block was entered, by the manager's clock.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType

from codex_otel.generated import events
from codex_otel.runtime import Conversation

from . import measurements, spans
from .recorder import Recorder
from .timed import TimedBlock


def emit_ttft(conversation: Conversation[events.Metadata], duration_ms: int) -> None:
    """`codex.turn_ttft` and `codex.turn.ttft.duration_ms`: the event is emitted first, so
    a value it refuses records no metric either."""
    events.turn_ttft(conversation, duration_ms=duration_ms)
    measurements.turn_ttft(conversation, duration_ms)


class Turn(TimedBlock):
    """One turn as a block; see the module docstring."""

    __slots__ = ("_block", "_first_message_seen", "_first_token_seen", "span", "tool_calls")

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(recorder)
        self._first_token_seen = False
        self._first_message_seen = False
        self._block: AbstractContextManager[events.TurnSpan | None] | None = None
        #: The turn's span, while the block runs (None when spans are not recorded).
        self.span: events.TurnSpan | None = None
        #: Tool calls counted so far by `tool_call()`.
        self.tool_calls = 0

    def __enter__(self) -> Turn:
        block = spans.turn_span(self._recorder)
        self.span = block.__enter__()
        self._block = block
        return super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            super().__exit__(exc_type, exc, tb)
        finally:
            block, self._block = self._block, None
            if block is not None:
                block.__exit__(exc_type, exc, tb)

    def first_token(self) -> None:
        """The first token of the turn's response arrived (later calls do nothing)."""
        if self._first_token_seen:
            return
        self._first_token_seen = True
        duration = self._elapsed_since_start()
        if duration is None or not self._recorder.observed:
            return
        with self._recorder.guard:
            emit_ttft(self._recorder.conversation, duration)

    def first_message(self) -> None:
        """The turn's first message arrived (later calls do nothing)."""
        if self._first_message_seen:
            return
        self._first_message_seen = True
        duration = self._elapsed_since_start()
        if duration is None:
            return
        with self._recorder.guard:
            measurements.turn_ttfm(self._recorder.conversation, duration)

    def tool_call(self) -> None:
        """Count one tool call of the turn."""
        self.tool_calls += 1

    def _finish(self, duration_ms: int, error: Exception | None) -> None:
        measurements.turn_ended(self._recorder.conversation, duration_ms, self.tool_calls)

    def __repr__(self) -> str:
        return f"Turn(tool_calls={self.tool_calls})"
