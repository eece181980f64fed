"""OTLP log and metric receivers for `codex-otel live-check`: gRPC and HTTP, answering as
a collector.

Each receiver hands every request body to a `RequestSink`, with the signal the transport
says it holds (the gRPC service, the HTTP path), and answers as the OpenTelemetry
Collector does, so exporters neither retry nor report failures: gRPC `Export` returns an
empty `ExportLogsServiceResponse` (or `ExportMetricsServiceResponse`); HTTP `POST
/v1/logs` and `POST /v1/metrics` return 200 with an empty response in the request's own
encoding (protobuf or JSON). A body that
is not an export request gets gRPC INVALID_ARGUMENT or HTTP 400, which exporters do not
retry either. gzip is accepted on both (gRPC message compression, HTTP Content-Encoding).

grpcio and opentelemetry-proto come with the `otel` extra; `receivers_available` says
whether they are installed, and nothing here imports them before a receiver starts.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import zlib
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Protocol

Encoding = Literal["protobuf", "json"]
Signal = Literal["logs", "metrics"]


class RequestSink(Protocol):
    """Where the receivers hand what arrives."""

    def accept(self, encoding: Encoding, body: bytes, where: str, signal: Signal) -> str | None:
        """Check a body; None when it was an export request, else what was wrong."""

    def reject(self, where: str, problem: str) -> None:
        """Note a request that could not even be read (a body that does not decompress)."""


EXPORT_METHOD = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
METRICS_EXPORT_METHOD = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
LOGS_PATH = "/v1/logs"
METRICS_PATH = "/v1/metrics"
#: The HTTP paths the receiver answers, with the signal each carries.
PATHS: dict[str, Signal] = {LOGS_PATH: "logs", METRICS_PATH: "metrics"}
#: Larger bodies are refused, before and after decompression (HTTP 413, gRPC
#: RESOURCE_EXHAUSTED); the Collector's default limit is 20 MiB after decompression.
MAX_BODY_BYTES = 64 * 1024 * 1024


def quiet_grpc() -> None:
    """gRPC's own log lines off (`GRPC_VERBOSITY=NONE`) unless the user set a verbosity:
    a port in use would otherwise print gRPC's internal error line (`E... add_port.cc:83
    Failed to add port ...`) before the command's own message. gRPC reads the variable
    when it is imported: this runs first, in live-check alone, never for an application
    that imports codex-otel."""
    if "grpc" not in sys.modules:
        os.environ.setdefault("GRPC_VERBOSITY", "NONE")


def receivers_available() -> str | None:
    """None when the receivers can run here, else what is missing."""
    quiet_grpc()
    try:
        import grpc  # noqa: F401
        from opentelemetry.proto.collector.logs.v1 import logs_service_pb2  # noqa: F401
        from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2  # noqa: F401
    except ImportError as error:
        return f"{error.name or 'grpcio/opentelemetry-proto'} is not installed"
    return None


class ReceiverError(OSError):
    """A receiver could not listen (the port is in use, the host is not local, ...)."""


class GrpcReceiver:
    """OTLP/gRPC `LogsService/Export` and `MetricsService/Export` on host:port (0 = any
    free port)."""

    kind = "OTLP/gRPC"

    def __init__(
        self, host: str, port: int, sink: RequestSink, *, max_body: int = MAX_BODY_BYTES
    ) -> None:
        quiet_grpc()
        import grpc

        self._sink = sink
        self._count = 0
        self._count_lock = threading.Lock()
        self._executor = futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="live-grpc")
        options = [
            # so_reuseport off: a port another process listens on is refused, not shared.
            ("grpc.so_reuseport", 0),
            # The HTTP receiver's limit; gRPC holds a message to it after decompression
            # too (RESOURCE_EXHAUSTED past it), so a small gzip message cannot fill memory.
            ("grpc.max_receive_message_length", max_body),
        ]
        server = grpc.server(self._executor, options=options)
        services = (
            (EXPORT_METHOD, self._export_logs),
            (METRICS_EXPORT_METHOD, self._export_metrics),
        )
        server.add_generic_rpc_handlers(
            tuple(
                grpc.method_handlers_generic_handler(
                    method.split("/")[1],
                    {
                        "Export": grpc.unary_unary_rpc_method_handler(
                            export, request_deserializer=None, response_serializer=None
                        )
                    },
                )
                for method, export in services
            )
        )
        address = f"{host}:{port}"
        try:
            bound = server.add_insecure_port(address)
        except RuntimeError as error:
            self._executor.shutdown(wait=False)
            raise ReceiverError(f"cannot listen on {address} (OTLP/gRPC): {error}") from None
        if not bound:
            self._executor.shutdown(wait=False)
            raise ReceiverError(f"cannot listen on {address} (OTLP/gRPC): the port is in use")
        self.host, self.port = host, bound
        self._server = server
        server.start()

    def _export_logs(self, body: bytes, context: Any) -> bytes:
        return self._export(body, context, "logs")

    def _export_metrics(self, body: bytes, context: Any) -> bytes:
        return self._export(body, context, "metrics")

    def _export(self, body: bytes, context: Any, signal: Signal) -> bytes:
        import grpc

        with self._count_lock:
            self._count += 1
            where = f"otlp-grpc request {self._count}" + (
                " (metrics)" if signal == "metrics" else ""
            )
        problem = self._sink.accept("protobuf", body, where, signal)
        if problem is not None:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, problem)
        return b""  # an empty Export*ServiceResponse: everything accepted

    def stop(self) -> None:
        self._server.stop(grace=1.0).wait(5)
        self._executor.shutdown(wait=False)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    # A port another process listens on is refused, not shared.
    allow_reuse_address = False
    sink: RequestSink
    max_body = MAX_BODY_BYTES
    count = 0
    count_lock: threading.Lock


class BodyTooLarge(ValueError):
    """A body over the limit once decompressed (a small gzip body can hold gigabytes)."""


def _decompress(encoding: str, body: bytes, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body decompressed, never more than `limit` bytes of it held: past that,
    `BodyTooLarge`. gzip may have several members, as `gzip.decompress` allows."""
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        wbits = 31
    elif encoding == "deflate":
        wbits = 15  # HTTP's deflate is the zlib format
    else:
        raise ValueError(f"unsupported Content-Encoding {encoding!r} (gzip and deflate are)")
    parts: list[bytes] = []
    size = 0
    rest = body
    while rest:
        decompressor = zlib.decompressobj(wbits=wbits)
        while True:
            # A MiB at a time: zlib's own output buffer never grows past it.
            part = decompressor.decompress(rest, min(_CHUNK, limit + 1 - size))
            size += len(part)
            if size > limit:
                raise BodyTooLarge(f"the body is larger than {limit} bytes once decompressed")
            parts.append(part)
            rest = decompressor.unconsumed_tail
            if decompressor.eof or not (rest or part):
                break
        if not decompressor.eof:
            raise EOFError("the compressed body ends before its end marker")
        rest = decompressor.unused_data
        if wbits == 15 or not rest.strip(b"\0"):  # gzip members may be zero-padded
            break
    return b"".join(parts)


_CHUNK = 1 << 20


class _ExportHandler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the report says what arrived; no access log on the terminal

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self, status: int, message: str) -> None:
        # google.rpc.Status in JSON form: exporters log the message.
        # INVALID_ARGUMENT, RESOURCE_EXHAUSTED, else UNIMPLEMENTED
        code = {400: 3, 413: 8}.get(status, 12)
        body = json.dumps({"code": code, "message": message}).encode()
        self._answer(status, "application/json", body)

    def do_POST(self) -> None:
        signal = PATHS.get(self.path.split("?")[0])
        if signal is None:
            self._refuse(
                404,
                f"unknown path {self.path!r}: OTLP logs go to {LOGS_PATH}, "
                f"metrics to {METRICS_PATH}",
            )
            return
        media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        encoding: Encoding
        if media == "application/x-protobuf":
            encoding = "protobuf"
        elif media == "application/json":
            encoding = "json"
        else:
            self._refuse(415, f"unsupported Content-Type {media!r}")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._refuse(411, "Content-Length is required")
            return
        with self.server.count_lock:
            self.server.count += 1
            what = encoding if signal == "logs" else f"{encoding} metrics"
            where = f"otlp-http request {self.server.count} ({what})"
        limit = self.server.max_body
        if length > limit:
            # Not read: the connection closes after the answer (Connection: close).
            self.close_connection = True
            too_large = f"the body is larger than {limit} bytes"
            self.server.sink.reject(where, too_large)
            self._refuse(413, too_large)
            return
        raw = self.rfile.read(length)
        try:
            coding = self.headers.get("Content-Encoding", "").strip().lower()
            body = _decompress(coding, raw, limit)
        except BodyTooLarge as error:
            self.server.sink.reject(where, str(error))
            self._refuse(413, str(error))
            return
        except (OSError, EOFError, zlib.error, ValueError) as error:
            self.server.sink.reject(where, f"cannot decompress the body: {error}")
            self._refuse(400, f"cannot decompress the body: {error}")
            return
        problem = self.server.sink.accept(encoding, body, where, signal)
        if problem is not None:
            self._refuse(400, problem)
        elif encoding == "json":
            self._answer(200, "application/json", b"{}")
        else:
            self._answer(200, "application/x-protobuf", b"")


class HttpReceiver:
    """OTLP/HTTP `POST /v1/logs` and `POST /v1/metrics` on host:port (0 = any free port)."""

    kind = "OTLP/HTTP"

    def __init__(
        self, host: str, port: int, sink: RequestSink, *, max_body: int = MAX_BODY_BYTES
    ) -> None:
        try:
            server = _HttpServer((host, port), _ExportHandler)
        except OSError as error:
            reason = error.strerror or str(error)
            raise ReceiverError(f"cannot listen on {host}:{port} (OTLP/HTTP): {reason}") from None
        server.sink = sink
        server.max_body = max_body
        server.count_lock = threading.Lock()
        self._server = server
        self.host, self.port = host, server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
