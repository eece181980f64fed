"""Test certificates (a throw-away CA, a server and a client certificate) made with trustme."""

from __future__ import annotations

import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TlsCerts:
    """PEM files of one test PKI. ``server_cert`` is valid for localhost and 127.0.0.1."""

    directory: Path
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    client_common_name: str

    def server_ssl_context(self, *, require_client_cert: bool = False) -> ssl.SSLContext:
        """A server context; with ``require_client_cert`` it demands a cert from this CA."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.server_cert), str(self.server_key))
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cafile=str(self.ca))
        return context

    def client_ssl_context(self, *, with_client_cert: bool = False) -> ssl.SSLContext:
        """A client context trusting this CA (for raw clients in tests)."""
        context = ssl.create_default_context(cafile=str(self.ca))
        if with_client_cert:
            context.load_cert_chain(str(self.client_cert), str(self.client_key))
        return context

    def grpc_server_credentials(self, *, require_client_cert: bool = False) -> Any:
        """``grpc.ssl_server_credentials`` for this server cert (mTLS if required)."""
        import grpc

        return grpc.ssl_server_credentials(
            [(self.server_key.read_bytes(), self.server_cert.read_bytes())],
            root_certificates=self.ca.read_bytes() if require_client_cert else None,
            require_client_auth=require_client_cert,
        )

    def grpc_channel_credentials(self, *, with_client_cert: bool = False) -> Any:
        """``grpc.ssl_channel_credentials`` trusting this CA (with the client cert for mTLS)."""
        import grpc

        if with_client_cert:
            return grpc.ssl_channel_credentials(
                root_certificates=self.ca.read_bytes(),
                private_key=self.client_key.read_bytes(),
                certificate_chain=self.client_cert.read_bytes(),
            )
        return grpc.ssl_channel_credentials(root_certificates=self.ca.read_bytes())


def make_tls_certs(
    directory: str | os.PathLike[str],
    *,
    server_names: tuple[str, ...] = ("localhost", "127.0.0.1"),
    client_name: str = "otlp-test-client",
) -> TlsCerts:
    """Create a new CA, a server and a client certificate as PEM files in ``directory``.

    Files: ca.pem, server.pem (leaf + chain), server-key.pem, client.pem, client-key.pem.
    Every call makes an unrelated CA, so a second call gives an "untrusted" set.
    """
    import trustme

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA(organization_name="codex-otel test CA")
    server = authority.issue_cert(*server_names)
    client = authority.issue_cert(client_name, common_name=client_name)

    certs = TlsCerts(
        directory=folder,
        ca=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server-key.pem",
        client_cert=folder / "client.pem",
        client_key=folder / "client-key.pem",
        client_common_name=client_name,
    )
    authority.cert_pem.write_to_path(str(certs.ca))
    _write_chain(server, certs.server_cert)
    server.private_key_pem.write_to_path(str(certs.server_key))
    _write_chain(client, certs.client_cert)
    client.private_key_pem.write_to_path(str(certs.client_key))
    return certs


def _write_chain(leaf: Any, path: Path) -> None:
    path.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))


def unused_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago: reserved, then closed, so connect is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port
