"""A loopback TCP listener that resets every connection: a collector (or a load balancer in
front of one) that keeps dropping the exporter. Protocol-agnostic, so it stands in for a
gRPC collector, whose grpcio server cannot be made to reset a connection."""

from __future__ import annotations

import contextlib
import socket
import socketserver
from typing import Any

from .http_receiver import abortive_close
from .records import Fault, Recorder
from .serving import ServedOnLoopback

#: What every HTTP/2 client (gRPC included) sends first on a connection (RFC 9113, 3.4).
HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: ResettingListener) -> None:
        self.owner = owner
        super().__init__(address, socketserver.BaseRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.owner._note_connection()
        super().process_request(request, client_address)

    def finish_request(self, request: Any, client_address: Any) -> None:
        self.owner._reset(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client went away first: nothing to reset


class ResettingListener(ServedOnLoopback, Recorder):
    """Accepts TCP connections on ``host`` (port 0 = ephemeral) and aborts each with RST.

    ``stage="read"`` (default): first read what the client sends (for gRPC, the HTTP/2
    preface and its first frames; kept in ``first_bytes``), then reset: the exporter has
    started its call. ``stage="accept"``: reset right after accept. Every reset is an
    applied fault (``reset@read`` / ``reset@accept``); nothing is ever received.
    """

    transport = "tcp"

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, stage: str = "read", start: bool = True
    ) -> None:
        Recorder.__init__(self)
        if stage not in ("accept", "read"):
            raise ValueError("stage must be 'accept' or 'read'")
        ServedOnLoopback.__init__(self, host, port)
        self.stage = stage
        self._first_bytes: list[bytes] = []
        if start:
            self.start()

    thread_name = "tcp-resetter"

    def _make_server(self) -> _Server:
        return _Server((self.host, self._port), self)

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``: an insecure gRPC endpoint, as the exporter takes it."""
        return f"http://{self.host}:{self._port}"

    @property
    def first_bytes(self) -> list[bytes]:
        """Per reset connection (stage "read"), the bytes read before the reset."""
        with self._cond:
            return list(self._first_bytes)

    def _reset(self, sock: socket.socket) -> None:
        data = b""
        if self.stage == "read":
            sock.settimeout(5.0)
            with contextlib.suppress(OSError):
                data = sock.recv(65536)
        abortive_close(sock)
        with self._cond:
            self._first_bytes.append(data)
        self._note_fault(Fault("reset", None, stage=self.stage))


__all__ = ["HTTP2_PREFACE", "ResettingListener"]
