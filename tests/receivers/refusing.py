"""A collector that is down, for as long as a run needs it: a bound port nobody listens on.

`unused_port` (tls.py) closes its probe socket, so the port is free again and another
process may take it during a long run; `RefusingPort` keeps it bound, so every connection
is refused at once until `close()`. The benchmarks' dead-collector and offline-exit
scenarios use it.
"""

from __future__ import annotations

import contextlib
import socket

from .http_receiver import LOGS_PATH


class RefusingPort:
    """A loopback port that is bound but not listening: every connection is refused, at
    once and for as long as this object is open (no other process can take the port)."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]

    @property
    def endpoint(self) -> str:
        """The OTLP/HTTP logs URL on the refusing port."""
        return f"http://127.0.0.1:{self.port}{LOGS_PATH}"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.close()
