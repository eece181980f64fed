"""OTLP/gRPC receiver: `LogsService/Export`, `MetricsService/Export` and
`TraceService/Export`.

grpcio's server parses HTTP/2 and gRPC framing; what live-check adds is its limits, as
channel options: a message is held to `max_body` after decompression (RESOURCE_EXHAUSTED
past it, before live-check sees it), at most `max_connections` connections are accepted,
connections idle for `idle_timeout` are closed, and a message is read by the handler thread
that checks it, so `in_flight // max_body` threads (at most 4) hold at most `in_flight`
decompressed bytes at once (HTTP/2 flow control holds the rest on the senders' side).
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent import futures
from typing import Any

from .receivers import (
    EXPORT_METHOD,
    METRICS_EXPORT_METHOD,
    TRACES_EXPORT_METHOD,
    Limits,
    ReceiverError,
    RequestSink,
    Signal,
    quiet_grpc,
)


class GrpcReceiver:
    """OTLP/gRPC on host:port (0 = any free port)."""

    kind = "OTLP/gRPC"

    def __init__(
        self,
        host: str,
        port: int,
        sink: RequestSink,
        *,
        max_body: int | None = None,
        limits: Limits | None = None,
    ) -> None:
        quiet_grpc()
        import grpc

        limits = limits or Limits()
        if max_body is not None:
            limits = dataclasses.replace(limits, max_body=max_body)
        self._sink = sink
        self._count = 0
        self._count_lock = threading.Lock()
        # A message is read by the thread that checks it: threads times max_body is what
        # gRPC holds decompressed at once (checking is serialised anyway: a few suffice).
        workers = max(1, min(4, limits.in_flight // limits.max_body))
        self._executor = futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="live-grpc"
        )
        options = [
            # so_reuseport off: a port another process listens on is refused, not shared.
            ("grpc.so_reuseport", 0),
            ("grpc.max_receive_message_length", limits.max_body),
            ("grpc.max_allowed_incoming_connections", limits.max_connections),
            ("grpc.max_connection_idle_ms", int(limits.idle_timeout * 1000)),
        ]
        server = grpc.server(self._executor, options=options)
        services = (
            (EXPORT_METHOD, self._export_logs),
            (METRICS_EXPORT_METHOD, self._export_metrics),
            (TRACES_EXPORT_METHOD, self._export_traces),
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

    def _export_traces(self, body: bytes, context: Any) -> bytes:
        return self._export(body, context, "traces")

    def _export(self, body: bytes, context: Any, signal: Signal) -> bytes:
        import grpc

        with self._count_lock:
            self._count += 1
            where = f"otlp-grpc request {self._count}" + (
                f" ({signal})" if signal != "logs" else ""
            )
        problem = self._sink.accept("protobuf", body, where, signal)
        if problem is not None:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, problem)
        return b""  # an empty Export*ServiceResponse: everything accepted

    def stop(self) -> None:
        self._server.stop(grace=1.0).wait(5)
        self._executor.shutdown(wait=False)
