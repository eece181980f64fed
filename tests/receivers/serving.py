"""The lifecycle shared by the socketserver-based receivers: serve on a background thread,
stop like a killed process, listen again on the same port."""

from __future__ import annotations

import socketserver
import threading
from types import TracebackType
from typing import TypeVar

S = TypeVar("S", bound="ServedOnLoopback")


class ServedOnLoopback:
    """Start, stop and restart a socketserver on ``host`` and ``_port`` (0 = ephemeral).

    Subclasses build their server in ``_make_server`` and may close what else it holds in
    ``_after_close``; ``thread_name`` names the serving thread.
    """

    thread_name = "loopback-server"

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self._port = port
        self._server: socketserver.BaseServer | None = None
        self._thread: threading.Thread | None = None
        self._state_lock = threading.Lock()

    def _make_server(self) -> socketserver.TCPServer:
        raise NotImplementedError

    def _after_close(self, server: socketserver.BaseServer) -> None:
        """Called after the listener closed, before the serving thread is joined."""

    @property
    def port(self) -> int:
        return self._port

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        with self._state_lock:
            if self._server is not None:
                return
            server = self._make_server()
            self._port = server.server_address[1]
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"{self.thread_name}:{self._port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread

    def stop(self) -> None:
        """Close the listener (and, per subclass, its connections), like a killed process."""
        with self._state_lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        self._after_close(server)
        if thread is not None:
            thread.join(timeout=5)

    def restart(self) -> None:
        """Stop, then listen again on the same port; recorded data is kept."""
        self.stop()
        self.start()

    def __enter__(self: S) -> S:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
