"""A real OTLP/gRPC receiver of logs, metrics and traces on loopback (grpcio server), with
fault modes.

``Export`` is served by a generic handler with no request deserializer, so every recorded
body is the request message exactly as the client serialized it (after grpcio undid gRPC
message compression); the receiver parses it itself.
"""

from __future__ import annotations

import base64
import threading
import traceback
from concurrent import futures
from types import TracebackType
from typing import Any

from .records import (
    Fault,
    ReceivedRequest,
    Recorder,
    flatten_metrics_request,
    flatten_request,
    flatten_traces_request,
)
from .tls import TlsCerts

EXPORT_METHOD = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
METRICS_EXPORT_METHOD = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
TRACES_EXPORT_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
#: Each service's method, by signal.
_METHODS = {"logs": EXPORT_METHOD, "metrics": METRICS_EXPORT_METHOD, "traces": TRACES_EXPORT_METHOD}
_RETRY_INFO_KEY = "google.rpc.retryinfo-bin"


def _status_code(code: Any) -> Any:
    import grpc

    if isinstance(code, grpc.StatusCode):
        return code
    return grpc.StatusCode[str(code).upper()]


def _metadata_dict(metadata: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in metadata or ():
        name = str(key).lower()
        if isinstance(value, bytes):
            out[name] = base64.b64encode(value).decode("ascii")
        else:
            out[name] = str(value)
    return out


def _peer_common_name(context: Any) -> str | None:
    try:
        names = context.auth_context().get("x509_common_name")
    except Exception:
        return None
    if not names:
        return None
    first = names[0]
    return first.decode() if isinstance(first, bytes) else str(first)


class OtlpGrpcReceiver(Recorder):
    """OTLP/gRPC logs, metrics and traces receiver (``LogsService/Export``,
    ``MetricsService/Export``, ``TraceService/Export``) on ``host``, port 0 = ephemeral.

    Insecure by default; ``tls`` for TLS and ``require_client_cert`` for mTLS.
    """

    transport = "grpc"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: TlsCerts | None = None,
        require_client_cert: bool = False,
        max_workers: int = 16,
        start: bool = True,
    ) -> None:
        super().__init__()
        if require_client_cert and tls is None:
            raise ValueError("require_client_cert needs tls=")
        self.host = host
        self._port = port
        self._tls = tls
        self._require_client_cert = require_client_cert
        self._max_workers = max_workers
        self._server: Any = None
        self._executor: futures.ThreadPoolExecutor | None = None
        self._state_lock = threading.Lock()
        self._partial_success: tuple[int, str] | None = None
        if start:
            self.start()

    # -- lifecycle

    @property
    def port(self) -> int:
        return self._port

    @property
    def scheme(self) -> str:
        return "https" if self._tls is not None else "http"

    @property
    def target(self) -> str:
        """``host:port`` for ``grpc.insecure_channel`` / ``grpc.secure_channel``."""
        return f"{self.host}:{self._port}"

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT`` (insecure) or ``https://...`` (TLS), for the exporter."""
        return f"{self.scheme}://{self.target}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        import grpc

        with self._state_lock:
            if self._server is not None:
                return
            executor = futures.ThreadPoolExecutor(
                max_workers=self._max_workers, thread_name_prefix="otlp-grpc-receiver"
            )
            # so_reuseport off: never share a port with another listener by accident.
            server = grpc.server(executor, options=[("grpc.so_reuseport", 0)])
            server.add_generic_rpc_handlers(_generic_handlers(self))
            address = f"{self.host}:{self._port}"
            try:
                if self._tls is not None:
                    credentials = self._tls.grpc_server_credentials(
                        require_client_cert=self._require_client_cert
                    )
                    port = server.add_secure_port(address, credentials)
                else:
                    port = server.add_insecure_port(address)
            except RuntimeError as error:
                executor.shutdown(wait=False)
                raise OSError(f"cannot bind gRPC receiver to {address}: {error}") from error
            if not port:
                executor.shutdown(wait=False)
                raise OSError(f"cannot bind gRPC receiver to {address}")
            server.start()
            self._port = port
            self._server, self._executor = server, executor

    def stop(self) -> None:
        """Stop at once: in-flight calls are cancelled, the port refuses connections."""
        with self._state_lock:
            server, executor = self._server, self._executor
            self._server = self._executor = None
        if server is None:
            return
        # Cancelled first, then woken: a held call's client sees the collector die, not
        # the UNAVAILABLE answer a woken call gives.
        server.stop(grace=None).wait(5)
        self._release_held()
        if executor is not None:
            executor.shutdown(wait=False)

    def restart(self) -> None:
        """Stop, then listen again on the same port; recorded data is kept."""
        self.stop()
        self.start()

    def __enter__(self) -> OtlpGrpcReceiver:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- fault modes (each call queues a fault; they apply in order)

    def fail_with(
        self,
        code: Any = "UNAVAILABLE",
        *,
        times: int | None = 1,
        retry_delay: float | None = None,
        message: str = "",
    ) -> None:
        """Answer ``code`` (grpc.StatusCode or its name) to the next ``times`` calls
        (None: always). ``retry_delay`` adds RetryInfo trailing metadata, which the
        OpenTelemetry exporter uses as its backoff."""
        status = _status_code(code)
        self._faults.add(
            Fault(
                "grpc_status",
                times,
                code=status,
                delay=-1.0 if retry_delay is None else retry_delay,
                message=message or f"injected {status.name}",
            )
        )

    def fail_next(self, count: int = 1, code: Any = "UNAVAILABLE", **kwargs: Any) -> None:
        self.fail_with(code, times=count, **kwargs)

    def fail_always(self, code: Any = "UNAVAILABLE", **kwargs: Any) -> None:
        self.fail_with(code, times=None, **kwargs)

    def hang(self, *, times: int | None = None) -> None:
        """Never answer the next ``times`` calls (until heal(), stop() or the deadline)."""
        self._faults.add(Fault("hang", times))

    blackhole = hang

    def set_partial_success(self, rejected_log_records: int, error_message: str = "") -> None:
        """Successful answers carry this partial_success (rejected log records, or rejected
        spans in an answer to a traces export) until cleared (rejected=0)."""
        self._partial_success = (
            (rejected_log_records, error_message) if rejected_log_records else None
        )

    # -- the service

    def _export(self, body: bytes, context: Any, *, signal: str = "logs") -> Any:
        """Answer one ``Export`` call; ``body`` is the request message exactly as the client
        serialized it (gRPC's own message compression already undone by grpcio)."""
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
            ExportLogsPartialSuccess,
            ExportLogsServiceRequest,
            ExportLogsServiceResponse,
        )
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
            ExportMetricsServiceRequest,
            ExportMetricsServiceResponse,
        )
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTracePartialSuccess,
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        # No grpc-encoding among them: grpc core strips reserved headers (grpc-*, te,
        # content-type) from the invocation metadata, and grpcio has no other accessor for
        # the request's compression, so content_encoding stays "" (see
        # tests/wire/test_grpc_compression.py, which checks gzip on the wire instead).
        metadata = _metadata_dict(context.invocation_metadata())
        message: Any = None
        records: tuple[Any, ...] = ()
        points: tuple[Any, ...] = ()
        spans: tuple[Any, ...] = ()
        error: str | None = None
        try:
            if signal == "metrics":
                message = ExportMetricsServiceRequest.FromString(body)
                points = flatten_metrics_request(message, "grpc")
            elif signal == "traces":
                message = ExportTraceServiceRequest.FromString(body)
                spans = flatten_traces_request(message, "grpc")
            else:
                message = ExportLogsServiceRequest.FromString(body)
                records = flatten_request(message, "grpc")
        except Exception as exc:  # a client that sends garbage must not crash the receiver
            message, records, points, spans = None, (), (), ()
            error = f"cannot decode: {type(exc).__name__}: {exc}"
        common: dict[str, Any] = {
            "transport": "grpc",
            "path": _METHODS[signal],
            "points": points,
            "spans": spans,
            "headers": metadata,
            "content_type": "application/grpc",
            "body": body,
            "message": message,
            "records": records,
            "client_cert_subject": _peer_common_name(context),
        }
        fault = self._faults.take()
        if fault is not None:
            self._note_fault(fault)
            if fault.kind == "grpc_status":
                self._add_request(
                    ReceivedRequest(status=fault.code.value[0], fault=fault.describe(), **common)
                )
                trailing = () if fault.delay < 0 else ((_RETRY_INFO_KEY, _retry_info(fault.delay)),)
                raise _Failure(fault.code, fault.message, trailing)
            if fault.kind in ("hang", "blackhole"):
                hold = self._hold_event()
                self._add_request(ReceivedRequest(fault="hang", **common))
                hold.wait()
                raise _Failure(_status_code("UNAVAILABLE"), "receiver released the call")
            if fault.kind == "slow":
                self._hold_event().wait(fault.delay)

        if error is not None:
            # Like the HTTP receiver's 400: recorded with its reason, not as a receiver bug.
            invalid = _status_code("INVALID_ARGUMENT")
            self._add_request(ReceivedRequest(status=invalid.value[0], error=error, **common))
            raise _Failure(invalid, error)

        self._add_request(
            ReceivedRequest(
                accepted=True,
                fault=fault.describe() if fault is not None else None,
                **common,
            )
        )
        partial = self._partial_success
        if signal == "metrics":
            return ExportMetricsServiceResponse()
        if signal == "traces":
            traces_response = ExportTraceServiceResponse()
            if partial is not None:
                traces_response.partial_success.CopyFrom(
                    ExportTracePartialSuccess(rejected_spans=partial[0], error_message=partial[1])
                )
            return traces_response
        response = ExportLogsServiceResponse()
        if partial is not None:
            response.partial_success.CopyFrom(
                ExportLogsPartialSuccess(rejected_log_records=partial[0], error_message=partial[1])
            )
        return response


def _retry_info(delay: float) -> bytes:
    from google.rpc.error_details_pb2 import (  # type: ignore[import-untyped, unused-ignore]
        RetryInfo,
    )

    info = RetryInfo()
    info.retry_delay.seconds = int(delay)
    info.retry_delay.nanos = round((delay - int(delay)) * 1e9)
    data: bytes = info.SerializeToString()
    return data


class _Failure(Exception):
    def __init__(self, code: Any, message: str, trailing: tuple[tuple[str, bytes], ...] = ()):
        super().__init__(message)
        self.code = code
        self.message = message
        self.trailing = trailing


def _generic_handlers(receiver: OtlpGrpcReceiver) -> tuple[Any, ...]:
    """The three services' ``Export`` as generic handlers: no request deserializer, so the
    handler gets the raw request bytes (what the generated servicer would parse, then drop)."""
    import grpc
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
        ExportLogsServiceResponse,
    )
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceResponse,
    )
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceResponse,
    )

    responses: dict[str, Any] = {
        "logs": ExportLogsServiceResponse,
        "metrics": ExportMetricsServiceResponse,
        "traces": ExportTraceServiceResponse,
    }

    def handler(signal: str) -> Any:
        def export(body: bytes, context: Any) -> Any:
            try:
                return receiver._export(body, context, signal=signal)
            except _Failure as failure:
                if failure.trailing:
                    context.set_trailing_metadata(failure.trailing)
                context.abort(failure.code, failure.message)
            except Exception:
                receiver._note_server_error(traceback.format_exc())
                raise

        return grpc.unary_unary_rpc_method_handler(
            export,
            request_deserializer=None,  # None: the behaviour gets the bytes as received
            response_serializer=responses[signal].SerializeToString,
        )

    handlers = []
    for signal, method in _METHODS.items():
        service, name = method[1:].rsplit("/", 1)
        handlers.append(grpc.method_handlers_generic_handler(service, {name: handler(signal)}))
    return tuple(handlers)
