"""Real OTLP receivers of logs, metrics and traces for end-to-end tests (test fixtures, not
part of the package).

- ``OtlpHttpReceiver``: OTLP/HTTP (protobuf and JSON, gzip/deflate) on a ThreadingHTTPServer.
- ``OtlpGrpcReceiver``: OTLP/gRPC on a grpcio server.
- ``ResettingListener``: a TCP port that resets every connection (any protocol, e.g. gRPC).
- Both on 127.0.0.1, ephemeral port, optional TLS / mTLS, fault injection, ``restart()``.
- ``make_tls_certs``: a throw-away CA with server and client certificates (trustme).
- ``unused_port``: a port nobody listens on ("collector down").
- ``RefusingPort``: a port kept bound and not listening, for a collector down for long.

Importing this package needs only the standard library; protobuf, grpcio and trustme are
imported when a receiver starts or certificates are made.
"""

from .grpc_receiver import (
    EXPORT_METHOD,
    METRICS_EXPORT_METHOD,
    TRACES_EXPORT_METHOD,
    OtlpGrpcReceiver,
)
from .http_receiver import LOGS_PATH, METRICS_PATH, TRACES_PATH, OtlpHttpReceiver, abortive_close
from .records import (
    Fault,
    ReceivedPoint,
    ReceivedRecord,
    ReceivedRequest,
    ReceivedSpan,
    ReceivedSpanEvent,
    Recorder,
    Value,
    any_value_to_python,
    decode_export_request,
    decode_metrics_request,
    decode_traces_request,
    flatten_metrics_request,
    flatten_request,
    flatten_traces_request,
)
from .refusing import RefusingPort
from .tcp_resetter import HTTP2_PREFACE, ResettingListener
from .tls import TlsCerts, make_tls_certs, unused_port

__all__ = [
    "EXPORT_METHOD",
    "HTTP2_PREFACE",
    "LOGS_PATH",
    "METRICS_EXPORT_METHOD",
    "METRICS_PATH",
    "TRACES_EXPORT_METHOD",
    "TRACES_PATH",
    "Fault",
    "OtlpGrpcReceiver",
    "OtlpHttpReceiver",
    "ReceivedPoint",
    "ReceivedRecord",
    "ReceivedRequest",
    "ReceivedSpan",
    "ReceivedSpanEvent",
    "Recorder",
    "RefusingPort",
    "ResettingListener",
    "TlsCerts",
    "Value",
    "abortive_close",
    "any_value_to_python",
    "decode_export_request",
    "decode_metrics_request",
    "decode_traces_request",
    "flatten_metrics_request",
    "flatten_request",
    "flatten_traces_request",
    "make_tls_certs",
    "unused_port",
]
