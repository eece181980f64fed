"""A counting OTLP/HTTP logs receiver in its own process, and the handle that runs it.

Run as a script it serves on 127.0.0.1 (ephemeral port, printed as the first line of
standard output): `POST /<key>/v1/logs` decodes the protobuf `ExportLogsServiceRequest`,
adds its log records to the count of `<key>` and answers an empty
`ExportLogsServiceResponse`; `GET /count/<key>` returns that count. Counting needs only
the decoded message, so the receiver stays far faster than the exporters it serves and
each side of a comparison gets its own key. It keeps connections alive like a collector.

`ReceiverProcess` starts it (with this interpreter) and reads counts. It is the
benchmarks' own, not one of the suite's receivers (tests/receivers/): those record and
decode every request in the test's process, which would measure the receiver too. A
collector that is down is the suite's `receivers.RefusingPort`.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any

LOGS_SUFFIX = "/v1/logs"


# --- the receiver (child process) ---------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that exits (or gives up at its shutdown timeout) may reset its
        # keep-alive connection: expected, not worth a traceback in the table's output.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
            ExportLogsServiceRequest,
            ExportLogsServiceResponse,
        )

        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.path.endswith(LOGS_SUFFIX):
            self._answer(404, b"", "text/plain")
            return
        if self.headers.get("Content-Encoding", "") == "gzip":
            body = gzip.decompress(body)
        request = ExportLogsServiceRequest.FromString(body)
        records = sum(
            len(scope.log_records)
            for resource in request.resource_logs
            for scope in resource.scope_logs
        )
        key = self.path[: -len(LOGS_SUFFIX)].strip("/")
        with self.server.lock:
            self.server.counts[key] += records
        self._answer(200, ExportLogsServiceResponse().SerializeToString(), "application/x-protobuf")

    def do_GET(self) -> None:
        prefix = "/count/"
        if not self.path.startswith(prefix):
            self._answer(404, b"", "text/plain")
            return
        with self.server.lock:
            count = self.server.counts[self.path[len(prefix) :]]
        self._answer(200, str(count).encode(), "text/plain")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve() -> None:
    server = _Server()
    print(server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.1)


# --- the handle (benchmark process) -------------------------------------------------------


class ReceiverProcess:
    """The receiver running in a child process on loopback."""

    def __init__(self, environment: dict[str, str] | None = None) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__],
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        stdout: IO[str] | None = self._process.stdout
        line = stdout.readline() if stdout is not None else ""
        if not line.strip().isdigit():
            self.close()
            raise RuntimeError(f"the receiver did not start (said {line!r})")
        self.port = int(line)

    def endpoint(self, key: str) -> str:
        """The OTLP/HTTP logs URL whose records are counted under `key`."""
        return f"http://127.0.0.1:{self.port}/{key}{LOGS_SUFFIX}"

    def count(self, key: str) -> int:
        url = f"http://127.0.0.1:{self.port}/count/{key}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.read())

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


if __name__ == "__main__":
    serve()
