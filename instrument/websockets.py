"""The websocket transport to the model API: `codex.websocket_connect`,
`codex.websocket_request` and the `codex.websocket.*` metrics, as Codex records them.

- `WebsocketConnect` (a block): opening the connection. `codex.websocket_connect` with its
  duration, `success` ("true" when the block ended without an exception), the HTTP status
  of the handshake when known (set `.response`, or carried by the exception as for
  `codex.api_request`), `error.message` on failure. No metric, as in Codex.
- `WebsocketRequest` (a block): one request over the connection, until its response
  ended. `codex.websocket_request`, and `codex.websocket.request` +1 and
  `codex.websocket.request.duration_ms` tagged `success`.
- `websocket_event`: one message read from the connection: `codex.websocket.event` +1 and
  `codex.websocket.event.duration_ms`, tagged `kind` (the message type; `unknown` when it
  has none, or `parse_error` as the caller says) and `success`. No log event, as in Codex.

`auth.connection_reused` is the caller's to say (`connection_reused=`); the other `auth.*`
fields of these events are for callers with an authentication layer, through the
generated emitters.
"""

from __future__ import annotations

from codex_otel.generated import events
from codex_otel.runtime import Conversation
from codex_otel.runtime._contract import wrong_type

from . import measurements
from .outcomes import ResponseLike, error_status, error_text, response_status
from .recorder import Recorder
from .timed import TimedBlock


def _success(error: Exception | None) -> measurements.SuccessTag:
    return "true" if error is None else "false"


def _check(event: str, endpoint: str | None, connection_reused: bool | None) -> None:
    """The block's own arguments, checked when it is made (before the work it times): a
    wrong one raises here instead of being counted as a telemetry error at the end."""
    if endpoint is not None and not isinstance(endpoint, str):
        wrong_type(event, "endpoint", "str", endpoint)
    if connection_reused is not None and type(connection_reused) is not bool:
        wrong_type(event, "connection_reused", "bool", connection_reused)


class WebsocketConnect(TimedBlock):
    """`with manager.websocket_connect(endpoint=...) as connect: ws = open_ws(...)`."""

    __slots__ = ("connection_reused", "endpoint", "response")

    def __init__(
        self, recorder: Recorder, endpoint: str | None, connection_reused: bool | None
    ) -> None:
        _check("codex.websocket_connect", endpoint, connection_reused)
        super().__init__(recorder)
        self.endpoint = endpoint
        self.connection_reused = connection_reused
        #: The handshake's response (or the connection object), when it has a status.
        self.response: ResponseLike | object | None = None

    def _finish(self, duration_ms: int, error: Exception | None) -> None:
        if not self._recorder.recording:
            return
        status = response_status(self.response)
        if error is not None and error_status(error) is not None:
            status = error_status(error)
        events.websocket_connect(
            self._recorder.conversation,
            duration_ms=duration_ms,
            success=_success(error),
            http_response_status_code=status,
            error_message=None if error is None else error_text(error),
            endpoint=self.endpoint,
            auth_connection_reused=self.connection_reused,
        )

    def __repr__(self) -> str:
        return f"WebsocketConnect(endpoint={self.endpoint!r})"


class WebsocketRequest(TimedBlock):
    """`with manager.websocket_request() as request: ...send, read until the end...`."""

    __slots__ = ("connection_reused",)

    def __init__(self, recorder: Recorder, connection_reused: bool | None) -> None:
        _check("codex.websocket_request", None, connection_reused)
        super().__init__(recorder)
        self.connection_reused = connection_reused

    def _finish(self, duration_ms: int, error: Exception | None) -> None:
        conversation = self._recorder.conversation
        if self._recorder.recording:
            events.websocket_request(
                conversation,
                duration_ms=duration_ms,
                success=_success(error),
                error_message=None if error is None else error_text(error),
                auth_connection_reused=self.connection_reused,
            )
        measurements.websocket_request(conversation, duration_ms, succeeded=error is None)

    def __repr__(self) -> str:
        return f"WebsocketRequest(connection_reused={self.connection_reused!r})"


def websocket_event(
    conversation: Conversation[events.Metadata], kind: str | None, duration_ms: int, failed: bool
) -> None:
    """One websocket message; see the module docstring."""
    measurements.websocket_event(conversation, kind, duration_ms, succeeded=not failed)
