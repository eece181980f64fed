"""A real OTLP/HTTP receiver of logs, metrics and traces on loopback (stdlib
ThreadingHTTPServer), with fault modes."""

from __future__ import annotations

import contextlib
import gzip
import socket
import socketserver
import ssl
import struct
import sys
import threading
import traceback
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .records import (
    Fault,
    ReceivedRequest,
    Recorder,
    decode_export_request,
    decode_metrics_request,
    decode_traces_request,
    flatten_metrics_request,
    flatten_request,
    flatten_traces_request,
)
from .serving import ServedOnLoopback
from .tls import TlsCerts

LOGS_PATH = "/v1/logs"
METRICS_PATH = "/v1/metrics"
TRACES_PATH = "/v1/traces"
_PROTOBUF_TYPES = frozenset({"application/x-protobuf", "application/protobuf"})
_JSON_TYPE = "application/json"
_MAX_BODY = 64 * 1024 * 1024


class _Abort(Exception):
    """Raised inside a handler to drop the connection without answering."""


def abortive_close(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP RST instead of a FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True  # SO_REUSEADDR: restart() binds the same port at once
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], receiver: OtlpHttpReceiver) -> None:
        self.receiver = receiver
        self.open_connections: set[socket.socket] = set()
        self.held_sockets: list[socket.socket] = []
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def _track(self, sock: socket.socket, *, add: bool) -> None:
        with self.connections_lock:
            if add:
                self.open_connections.add(sock)
            else:
                self.open_connections.discard(sock)

    def process_request(self, request: Any, client_address: Any) -> None:
        rx = self.receiver
        rx._note_connection()
        fault = rx._faults.take(at_accept=True)
        if fault is not None:
            rx._note_fault(fault)
            if fault.kind == "blackhole":  # keep it open, never read, never answer
                with self.connections_lock:
                    self.held_sockets.append(request)
                return
            abortive_close(request)
            return
        self._track(request, add=True)
        super().process_request(request, client_address)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Runs in the per-connection thread: the TLS handshake happens here, not in accept.
        connection = request
        context = self.receiver._ssl_context
        try:
            if context is not None:
                request.settimeout(10.0)
                try:
                    connection = context.wrap_socket(request, server_side=True)
                except (OSError, ValueError) as error:
                    self.receiver._note_tls_error(error)
                    return
                finally:
                    self._track(request, add=False)
                self._track(connection, add=True)
            _Handler(connection, client_address, self)
        finally:
            self._track(connection, add=False)
            if connection is not request:
                with contextlib.suppress(OSError):
                    connection.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away or the receiver stopped: expected with faults
        self.receiver._note_server_error(traceback.format_exc())

    def close_held(self) -> None:
        with self.connections_lock:
            held, self.held_sockets = self.held_sockets, []
        for sock in held:
            with contextlib.suppress(OSError):
                sock.close()

    def close_connections(self) -> None:
        self.close_held()
        with self.connections_lock:
            connections = list(self.open_connections)
            self.open_connections.clear()
        for sock in connections:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real collector
    timeout = 30.0
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except _Abort:
            self.close_connection = True

    def do_POST(self) -> None:
        self.server.receiver._handle_post(self)

    def reset(self) -> None:
        """Send a TCP RST now (the makefile() reference must go first to really close)."""
        with contextlib.suppress(OSError):
            self.rfile.close()
        abortive_close(self.connection)
        raise _Abort

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            raise ValueError(f"body too large: {length}")
        return self.rfile.read(length) if length else b""

    def respond(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


def _peer_common_name(connection: Any) -> str | None:
    if not isinstance(connection, ssl.SSLSocket):
        return None
    cert: Any = connection.getpeercert()
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


def _decompress(body: bytes, encoding: str) -> bytes:
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if encoding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


def _status_body(code: int, message: str, *, json: bool) -> tuple[bytes, str]:
    """An OTLP error body: a google.rpc.Status in the request's encoding."""
    try:
        from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]
        from google.rpc import status_pb2  # type: ignore[import-untyped, unused-ignore]
    except ImportError:  # pragma: no cover - protobuf is present wherever receivers run
        return message.encode(), "text/plain"
    status = status_pb2.Status(code=code, message=message)
    if json:
        return json_format.MessageToJson(status).encode(), _JSON_TYPE
    return status.SerializeToString(), "application/x-protobuf"


class OtlpHttpReceiver(ServedOnLoopback, Recorder):
    """OTLP/HTTP logs, metrics and traces receiver on ``host`` (default 127.0.0.1), port 0 =
    ephemeral.

    Accepts protobuf and JSON bodies (gzip/deflate Content-Encoding) on ``logs_path``,
    ``metrics_path`` and ``traces_path``, answers with the signal's ``Export...ServiceResponse``
    in the same encoding. Requests to other paths are recorded
    and answered 404. Pass ``tls`` for HTTPS and ``require_client_cert`` for mTLS.
    """

    transport = "http"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: TlsCerts | None = None,
        require_client_cert: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        logs_path: str = LOGS_PATH,
        metrics_path: str = METRICS_PATH,
        traces_path: str = TRACES_PATH,
        start: bool = True,
    ) -> None:
        Recorder.__init__(self)
        if ssl_context is None and tls is not None:
            ssl_context = tls.server_ssl_context(require_client_cert=require_client_cert)
        elif require_client_cert and tls is None:
            raise ValueError("require_client_cert needs tls=")
        self._ssl_context = ssl_context
        ServedOnLoopback.__init__(self, host, port)
        self.logs_path = logs_path
        self.metrics_path = metrics_path
        self.traces_path = traces_path
        self._partial_success: tuple[int, str] | None = None
        if start:
            self.start()

    # -- lifecycle (start, stop, restart: `ServedOnLoopback`)

    thread_name = "otlp-http-receiver"

    def _make_server(self) -> _Server:
        return _Server((self.host, self._port), self)

    def _after_close(self, server: socketserver.BaseServer) -> None:
        # Every open connection goes too, like a killed collector: closed first, so a
        # held request's client sees its connection die, not an answer.
        if isinstance(server, _Server):
            server.close_connections()
        self._release_held()

    @property
    def scheme(self) -> str:
        return "https" if self._ssl_context is not None else "http"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self._port}"

    @property
    def endpoint(self) -> str:
        """Full logs URL, e.g. ``http://127.0.0.1:PORT/v1/logs``."""
        return self.base_url + self.logs_path

    @property
    def metrics_endpoint(self) -> str:
        """Full metrics URL, e.g. ``http://127.0.0.1:PORT/v1/metrics``."""
        return self.base_url + self.metrics_path

    @property
    def traces_endpoint(self) -> str:
        """Full traces URL, e.g. ``http://127.0.0.1:PORT/v1/traces``."""
        return self.base_url + self.traces_path

    # -- fault modes (each call queues a fault; they apply in order)

    def respond_with_status(
        self,
        status: int,
        *,
        times: int | None = 1,
        retry_after: float | str | None = None,
    ) -> None:
        """Answer ``status`` (e.g. 503, 429) to the next ``times`` requests (None: always)."""
        header = None if retry_after is None else _retry_after_text(retry_after)
        self._faults.add(Fault("status", times, status=status, retry_after=header))

    def fail_next(
        self, count: int = 1, status: int = 503, *, retry_after: float | str | None = None
    ) -> None:
        """Shorthand: answer ``status`` to the next ``count`` requests."""
        self.respond_with_status(status, times=count, retry_after=retry_after)

    def fail_always(self, status: int = 503, *, retry_after: float | str | None = None) -> None:
        self.respond_with_status(status, times=None, retry_after=retry_after)

    def blackhole(self, *, times: int | None = None, stage: str = "request") -> None:
        """Never answer; hold the connection until heal() or stop().

        ``stage="request"``: read the request (recorded with fault "blackhole", its records
        not counted), then hold. ``stage="accept"``: accept the TCP connection and never
        read from it (no TLS handshake either); a request on an already open keep-alive
        connection is held as with "request"."""
        if stage not in ("accept", "request"):
            raise ValueError("stage must be 'accept' or 'request'")
        self._faults.add(Fault("blackhole", times, stage=stage))

    def heal(self) -> None:
        """Drop queued faults, release held requests and close held (accepted) sockets."""
        super().heal()
        server = self._server
        if isinstance(server, _Server):
            server.close_held()

    def reset_connections(self, *, times: int | None = 1, stage: str = "accept") -> None:
        """Abort with TCP RST. ``stage="accept"``: right after accept (a request on an
        already open keep-alive connection is reset after its headers);
        ``stage="headers"``: after reading the request headers, before the body."""
        if stage not in ("accept", "headers"):
            raise ValueError("stage must be 'accept' or 'headers'")
        self._faults.add(Fault("reset", times, stage=stage))

    def set_partial_success(self, rejected_log_records: int, error_message: str = "") -> None:
        """Successful answers carry this partial_success until cleared (rejected=0): as
        rejected log records, or rejected spans in an answer to a traces export."""
        self._partial_success = (
            (rejected_log_records, error_message) if rejected_log_records else None
        )

    # -- request handling

    def _handle_post(self, handler: _Handler) -> None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        raw_type = headers.get("content-type", "")
        content_type = raw_type.split(";", 1)[0].strip().lower()
        encoding = headers.get("content-encoding", "").strip().lower()
        is_json = content_type == _JSON_TYPE
        common: dict[str, Any] = {
            "transport": "http",
            "path": handler.path,
            "headers": headers,
            "content_type": content_type,
            "content_encoding": encoding,
            "client_cert_subject": _peer_common_name(handler.connection),
        }

        fault = self._faults.take()
        if fault is not None and fault.kind == "reset":
            self._note_fault(fault)
            self._add_request(ReceivedRequest(body=b"", fault=fault.describe(), **common))
            handler.reset()

        body = handler.read_body()
        message: Any = None
        records: tuple[Any, ...] = ()
        points: tuple[Any, ...] = ()
        spans: tuple[Any, ...] = ()
        error: str | None = None
        status = 200
        path = handler.path.split("?", 1)[0]
        is_metrics = path == self.metrics_path
        is_traces = path == self.traces_path
        if path != self.logs_path and not is_metrics and not is_traces:
            status, error = 404, f"unknown path {handler.path!r}"
        elif content_type not in _PROTOBUF_TYPES and not is_json:
            status, error = 415, f"unsupported Content-Type {raw_type!r}"
        try:
            body = _decompress(body, encoding)
            if status == 415:
                pass
            elif is_metrics:
                message = decode_metrics_request(body, json=is_json)
                points = flatten_metrics_request(message, "http")
            elif is_traces:
                message = decode_traces_request(body, json=is_json)
                spans = flatten_traces_request(message, "http")
            else:
                message = decode_export_request(body, json=is_json)
                records = flatten_request(message, "http")
        except Exception as exc:
            if error is None:
                status, error = 400, f"cannot decode: {type(exc).__name__}: {exc}"

        if fault is not None:
            self._note_fault(fault)
            if fault.kind == "status":
                self._add_request(
                    ReceivedRequest(
                        body=body,
                        message=message,
                        records=records,
                        points=points,
                        spans=spans,
                        status=fault.status,
                        fault=fault.describe(),
                        **common,
                    )
                )
                payload, payload_type = _status_body(
                    14 if fault.status in (502, 503, 504) else 8 if fault.status == 429 else 2,
                    f"injected HTTP {fault.status}",
                    json=is_json,
                )
                extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                handler.respond(fault.status, payload, payload_type, extra)
                return
            if fault.kind == "blackhole":
                hold = self._hold_event()
                self._add_request(
                    ReceivedRequest(
                        body=body,
                        message=message,
                        records=records,
                        points=points,
                        spans=spans,
                        fault="blackhole",
                        **common,
                    )
                )
                hold.wait()
                raise _Abort
            if fault.kind == "slow":
                self._hold_event().wait(fault.delay)

        if error is not None:
            self._add_request(
                ReceivedRequest(
                    body=body,
                    message=message,
                    records=records,
                    points=points,
                    spans=spans,
                    status=status,
                    error=error,
                    **common,
                )
            )
            payload, payload_type = _status_body(3, error, json=is_json)
            handler.respond(status, payload, payload_type)
            return

        self._add_request(
            ReceivedRequest(
                body=body,
                message=message,
                records=records,
                points=points,
                spans=spans,
                accepted=True,
                status=200,
                fault=fault.describe() if fault is not None else None,
                **common,
            )
        )
        signal = "metrics" if is_metrics else "traces" if is_traces else "logs"
        payload, payload_type = self._success_body(json=is_json, signal=signal)
        handler.respond(200, payload, payload_type)

    def _success_body(self, *, json: bool, signal: str = "logs") -> tuple[bytes, str]:
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
            ExportLogsPartialSuccess,
            ExportLogsServiceResponse,
        )
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
            ExportMetricsServiceResponse,
        )
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTracePartialSuccess,
            ExportTraceServiceResponse,
        )

        response: Any
        partial = self._partial_success
        if signal == "metrics":
            response = ExportMetricsServiceResponse()
        elif signal == "traces":
            response = ExportTraceServiceResponse()
            if partial is not None:
                response.partial_success.CopyFrom(
                    ExportTracePartialSuccess(rejected_spans=partial[0], error_message=partial[1])
                )
        else:
            response = ExportLogsServiceResponse()
            if partial is not None:
                response.partial_success.CopyFrom(
                    ExportLogsPartialSuccess(
                        rejected_log_records=partial[0], error_message=partial[1]
                    )
                )
        if json:
            from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]

            return json_format.MessageToJson(response, indent=None).encode(), _JSON_TYPE
        return response.SerializeToString(), "application/x-protobuf"


def _retry_after_text(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
