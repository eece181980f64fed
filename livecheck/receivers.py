"""What live-check's two OTLP receivers share: where they hand what arrives, their limits,
and the bounded decompression of HTTP bodies.

The receivers themselves are `grpc_receiver.GrpcReceiver` and `http_receiver.HttpReceiver`.
Both answer as the OpenTelemetry Collector does, so exporters neither retry nor report
failures: an empty `Export*ServiceResponse` for an export request, gRPC INVALID_ARGUMENT or
HTTP 400 for a body that is not one (exporters do not retry those either), and gRPC
RESOURCE_EXHAUSTED or HTTP 503 with `Retry-After` when the receiver is at its limits
(exporters retry those later).

grpcio and opentelemetry-proto come with the `otel` extra; `receivers_available` says
whether they are installed, and nothing here imports them before a receiver starts.
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

Encoding = Literal["protobuf", "json"]
Signal = Literal["logs", "metrics", "traces"]


class RequestSink(Protocol):
    """Where the receivers hand what arrives."""

    def accept(self, encoding: Encoding, body: bytes, where: str, signal: Signal) -> str | None:
        """Check a body; None when it was an export request, else what was wrong."""

    def reject(self, where: str, problem: str) -> None:
        """Note a request refused for what it is (malformed HTTP, a wrong path or media
        type, a body too large or that does not decompress): an `invalid_request`."""

    def turn_away(self, where: str, reason: str) -> None:
        """Note a request refused for the receiver's own limits (too many connections or
        bytes in flight): the sender retries it, a `refused` finding."""


EXPORT_METHOD = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
METRICS_EXPORT_METHOD = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
TRACES_EXPORT_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
LOGS_PATH = "/v1/logs"
METRICS_PATH = "/v1/metrics"
TRACES_PATH = "/v1/traces"
#: The HTTP paths the receiver answers, with the signal each carries.
PATHS: dict[str, Signal] = {LOGS_PATH: "logs", METRICS_PATH: "metrics", TRACES_PATH: "traces"}
#: Larger bodies are refused, before and after decompression (HTTP 413, gRPC
#: RESOURCE_EXHAUSTED); the Collector's default limit is 20 MiB after decompression.
MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one receiver holds at most, whatever its senders do."""

    #: One request's body, before and after decompression.
    max_body: int = MAX_BODY_BYTES
    #: Every body being received, decompressed or checked at once, compressed and
    #: decompressed bytes together (HTTP). A request that would pass it waits up to
    #: `busy_wait` seconds for room, then gets 503 with `Retry-After`. gRPC holds it with
    #: `in_flight // max_body` handler threads (a message is read by its thread).
    in_flight: int = 2 * MAX_BODY_BYTES
    busy_wait: float = 5.0
    #: Open connections; one more closes the longest idle (HTTP), else gets 503 (HTTP)
    #: or is refused (gRPC).
    max_connections: int = 1024
    #: Seconds a connection may stay idle (between requests, or mid-request with nothing
    #: arriving) before it is closed.
    idle_timeout: float = 30.0
    #: The listen backlog: connections the kernel queues before the receiver accepts them.
    backlog: int = 1024


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
        import h11  # noqa: F401
        from opentelemetry.proto.collector.logs.v1 import logs_service_pb2  # noqa: F401
        from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2  # noqa: F401
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2  # noqa: F401
    except ImportError as error:
        return f"{error.name or 'grpcio/h11/opentelemetry-proto'} is not installed"
    return None


class ReceiverError(OSError):
    """A receiver could not listen (the port is in use, the host is not local, ...)."""


class BodyTooLarge(ValueError):
    """A body over the limit once decompressed (a small gzip body can hold gigabytes)."""


#: Decompressed bytes produced per step: the receiver charges its in-flight budget by it.
CHUNK = 1 << 20


def decompress(encoding: str, body: bytes, limit: int = MAX_BODY_BYTES) -> Iterator[bytes]:
    """The body decompressed, a CHUNK at a time, never more than `limit` bytes in all:
    past that, `BodyTooLarge`. gzip may have several members, as `gzip.decompress` allows.
    Unsupported encodings raise ValueError, corrupt data zlib.error or EOFError."""
    if encoding in ("", "identity"):
        if len(body) > limit:
            raise BodyTooLarge(f"the body is larger than {limit} bytes")
        yield body
        return
    if encoding in ("gzip", "x-gzip"):
        wbits = 31
    elif encoding == "deflate":
        wbits = 15  # HTTP's deflate is the zlib format
    else:
        raise ValueError(f"unsupported Content-Encoding {encoding!r} (gzip and deflate are)")
    size = 0
    rest = body
    while rest:
        decompressor = zlib.decompressobj(wbits=wbits)
        while True:
            # zlib's own output buffer never grows past a chunk.
            part = decompressor.decompress(rest, min(CHUNK, limit + 1 - size))
            size += len(part)
            if size > limit:
                raise BodyTooLarge(f"the body is larger than {limit} bytes once decompressed")
            if part:
                yield part
            rest = decompressor.unconsumed_tail
            if decompressor.eof or not (rest or part):
                break
        if not decompressor.eof:
            raise EOFError("the compressed body ends before its end marker")
        rest = decompressor.unused_data
        if wbits == 15 or not rest.strip(b"\0"):  # gzip members may be zero-padded
            break
