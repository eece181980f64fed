"""pytest fixtures for the OTLP receivers.

Use from a conftest (``pytest_plugins = ["receivers.fixtures"]``) or a test module.
Every receiver a fixture makes is stopped at teardown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .grpc_receiver import OtlpGrpcReceiver
from .http_receiver import OtlpHttpReceiver
from .rotel import rotel_collector, rotel_collectors
from .tcp_resetter import ResettingListener
from .tls import TlsCerts, make_tls_certs, unused_port


class ReceiverFactory:
    """Makes receivers with any options; stops them all at teardown."""

    def __init__(self, tls_certs: TlsCerts | None = None) -> None:
        self._tls_certs = tls_certs
        self._receivers: list[OtlpHttpReceiver | OtlpGrpcReceiver | ResettingListener] = []

    def http(self, **options: Any) -> OtlpHttpReceiver:
        receiver = OtlpHttpReceiver(**options)
        self._receivers.append(receiver)
        return receiver

    def grpc(self, **options: Any) -> OtlpGrpcReceiver:
        pytest.importorskip("grpc")
        receiver = OtlpGrpcReceiver(**options)
        self._receivers.append(receiver)
        return receiver

    def resetter(self, **options: Any) -> ResettingListener:
        """A port that resets every TCP connection (see ``ResettingListener``)."""
        receiver = ResettingListener(**options)
        self._receivers.append(receiver)
        return receiver

    def close(self) -> None:
        while self._receivers:
            self._receivers.pop().stop()


@pytest.fixture(scope="session")
def tls_certs(tmp_path_factory: pytest.TempPathFactory) -> TlsCerts:
    """CA + server cert (localhost, 127.0.0.1) + client cert, as PEM files."""
    pytest.importorskip("trustme")
    return make_tls_certs(tmp_path_factory.mktemp("otlp-tls"))


@pytest.fixture(scope="session")
def untrusted_tls_certs(tmp_path_factory: pytest.TempPathFactory) -> TlsCerts:
    """A second, unrelated PKI: its CA does not trust ``tls_certs`` and vice versa."""
    pytest.importorskip("trustme")
    return make_tls_certs(tmp_path_factory.mktemp("otlp-tls-untrusted"))


@pytest.fixture
def otlp_receivers() -> Iterator[ReceiverFactory]:
    """Factory: ``otlp_receivers.http(tls=..., require_client_cert=True)``, ``.grpc(...)``."""
    factory = ReceiverFactory()
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def http_receiver() -> Iterator[OtlpHttpReceiver]:
    """Plain OTLP/HTTP receiver; ``http_receiver.endpoint`` is ``http://127.0.0.1:P/v1/logs``."""
    pytest.importorskip("opentelemetry.proto")
    with OtlpHttpReceiver() as receiver:
        yield receiver


@pytest.fixture
def https_receiver(tls_certs: TlsCerts) -> Iterator[OtlpHttpReceiver]:
    pytest.importorskip("opentelemetry.proto")
    with OtlpHttpReceiver(tls=tls_certs) as receiver:
        yield receiver


@pytest.fixture
def mtls_http_receiver(tls_certs: TlsCerts) -> Iterator[OtlpHttpReceiver]:
    pytest.importorskip("opentelemetry.proto")
    with OtlpHttpReceiver(tls=tls_certs, require_client_cert=True) as receiver:
        yield receiver


@pytest.fixture
def grpc_receiver() -> Iterator[OtlpGrpcReceiver]:
    """Insecure OTLP/gRPC receiver; ``grpc_receiver.endpoint`` is ``http://127.0.0.1:P``."""
    pytest.importorskip("grpc")
    pytest.importorskip("opentelemetry.proto")
    with OtlpGrpcReceiver() as receiver:
        yield receiver


@pytest.fixture
def grpc_tls_receiver(tls_certs: TlsCerts) -> Iterator[OtlpGrpcReceiver]:
    pytest.importorskip("grpc")
    with OtlpGrpcReceiver(tls=tls_certs) as receiver:
        yield receiver


@pytest.fixture
def grpc_mtls_receiver(tls_certs: TlsCerts) -> Iterator[OtlpGrpcReceiver]:
    pytest.importorskip("grpc")
    with OtlpGrpcReceiver(tls=tls_certs, require_client_cert=True) as receiver:
        yield receiver


@pytest.fixture
def down_port() -> int:
    """A loopback port with no listener: connecting is refused ("collector down")."""
    return unused_port()


@pytest.fixture
def down_http_endpoint(down_port: int) -> str:
    return f"http://127.0.0.1:{down_port}/v1/logs"


@pytest.fixture
def down_grpc_endpoint(down_port: int) -> str:
    return f"http://127.0.0.1:{down_port}"


__all__ = [
    "ReceiverFactory",
    "down_grpc_endpoint",
    "down_http_endpoint",
    "down_port",
    "grpc_mtls_receiver",
    "grpc_receiver",
    "grpc_tls_receiver",
    "http_receiver",
    "https_receiver",
    "mtls_http_receiver",
    "otlp_receivers",
    "rotel_collector",
    "rotel_collectors",
    "tls_certs",
    "untrusted_tls_certs",
]
