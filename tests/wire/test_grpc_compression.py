"""OTLP/gRPC gzip, checked on the wire.

grpcio undoes gRPC message compression before the receiver's handler runs, and grpc core
strips the reserved `grpc-encoding` header from the invocation metadata (grpcio 1.85), so
the receiver alone cannot tell a gzip call from a plain one: the decoded records match
either way. A byte-counting TCP proxy between the real runtime exporter and the real
`OtlpGrpcReceiver` sees what actually crossed the socket. Three pieces of evidence:

- the byte count: with gzip, a highly compressible payload costs the client far fewer bytes
  than the request bodies the receiver recorded; without, at least as many;
- the gRPC message prefix in the HTTP/2 DATA frames: compressed flag 1 and a gzip stream
  that inflates to exactly the body the receiver recorded (flag 0 and the body itself
  without compression);
- the HEADERS frames, HPACK-decoded: `grpc-encoding: gzip` on every call with gzip, and no
  `grpc-encoding` (or `identity`) without. grpc core writes plain metadata without Huffman
  coding, so a small decoder suffices; a Huffman-coded string is kept undecoded, and if
  `grpc-encoding` were ever among them the header check fails rather than guess.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType

import pytest
from wire.wirekit import exporter_table, metadata, otel_toml

from codex_otel.generated import events
from codex_otel.runtime import TelemetryStats
from receivers import EXPORT_METHOD, HTTP2_PREFACE, OtlpGrpcReceiver
from receivers.fixtures import ReceiverFactory
from support.telemetry import TelemetryFactory

pytestmark = [pytest.mark.wire]

#: The catalog's cap on prompts (generated/events.py truncates to it).
CAP = 16384
#: Prompts per run: 40 x 16 KiB, about 650 KB of request bodies, well under the 4 MiB
#: grpcio accepts per message even if the batch processor sends them all in one call.
PROMPTS = 40
NO_LOSS = TelemetryStats(
    dropped_after_shutdown=0,
    dropped_queue_full=0,
    export_failures=0,
    subscriber_errors=0,
    emit_errors=0,
)


# --- the proxy -------------------------------------------------------------------------------


class ByteCountingProxy:
    """A TCP proxy on 127.0.0.1 (ephemeral port) to ``target_port``, keeping every byte.

    Each accepted connection gets its own upstream connection and two pump threads; what
    the client sends is kept per connection (``client_streams``), what the server sends is
    only counted. A byte is recorded before it is forwarded, so once the receiver has a
    request, the proxy has already counted all of it.
    """

    def __init__(self, target_port: int, *, host: str = "127.0.0.1") -> None:
        self._target = (host, target_port)
        self._listener = socket.create_server((host, 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._client_streams: list[bytearray] = []
        self._server_bytes = 0
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._spawn(self._accept_loop, "accept")

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``: an insecure gRPC endpoint, as the exporter takes it."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def client_to_server(self) -> int:
        with self._lock:
            return sum(len(stream) for stream in self._client_streams)

    @property
    def server_to_client(self) -> int:
        with self._lock:
            return self._server_bytes

    def client_streams(self) -> list[bytes]:
        """Per connection, in accept order, everything the client sent."""
        with self._lock:
            return [bytes(stream) for stream in self._client_streams]

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(
            target=target,
            args=args,
            name=f"tcp-proxy:{self.port}:{name}",
            daemon=True,
        )
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            try:
                upstream = socket.create_connection(self._target, timeout=5.0)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._closed:  # close() ran meanwhile: it would not see these two
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
                stream = bytearray()
                self._client_streams.append(stream)
            self._spawn(self._pump, "up", client, upstream, stream)
            self._spawn(self._pump, "down", upstream, client, None)

    def _pump(self, source: socket.socket, sink: socket.socket, kept: bytearray | None) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    if kept is None:
                        self._server_bytes += len(data)
                    else:
                        kept += data
                sink.sendall(data)
        except OSError:
            pass  # one side reset or close() tore the connection down
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)  # pass the half-close on

    def close(self) -> None:
        with self._lock:
            self._closed = True
            sockets = [self._listener, *self._sockets]
        # shutdown() wakes a thread blocked in accept()/recv() on Linux; close() alone may not.
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=5.0)

    def __enter__(self) -> ByteCountingProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# --- HTTP/2 and HPACK, as much as the checks need ----------------------------------------------

DATA, HEADERS, CONTINUATION = 0x0, 0x1, 0x9
END_HEADERS, PADDED, PRIORITY = 0x4, 0x8, 0x20

#: RFC 7541, Appendix A.
STATIC_TABLE: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.encode(), value.encode())
    for name, value in [
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"),
        (":path", "/index.html"), (":scheme", "http"), (":scheme", "https"),
        (":status", "200"), (":status", "204"), (":status", "206"), (":status", "304"),
        (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""),
        ("accept", ""), ("access-control-allow-origin", ""), ("age", ""), ("allow", ""),
        ("authorization", ""), ("cache-control", ""), ("content-disposition", ""),
        ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
        ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""),
        ("date", ""), ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""),
        ("if-match", ""), ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""),
        ("if-unmodified-since", ""), ("last-modified", ""), ("link", ""), ("location", ""),
        ("max-forwards", ""), ("proxy-authenticate", ""), ("proxy-authorization", ""),
        ("range", ""), ("referer", ""), ("refresh", ""), ("retry-after", ""), ("server", ""),
        ("set-cookie", ""), ("strict-transport-security", ""), ("transfer-encoding", ""),
        ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
    ]
)  # fmt: skip
assert len(STATIC_TABLE) == 61
#: Stands for a Huffman-coded string, which this decoder does not decode.
HUFFMAN = b"<huffman>"


class HpackDecoder:
    """HPACK (RFC 7541) without Huffman decoding; one per connection (the dynamic table).

    Evicted entries are never referenced by a conforming encoder and indices count from
    the newest entry, so keeping every entry (no eviction) decodes the same.
    """

    def __init__(self) -> None:
        self._dynamic: list[tuple[bytes, bytes]] = []  # newest first

    def decode(self, block: bytes) -> list[tuple[bytes, bytes]]:
        headers: list[tuple[bytes, bytes]] = []
        pos = 0
        while pos < len(block):
            first = block[pos]
            if first & 0x80:  # indexed header field
                index, pos = self._integer(block, pos, 7)
                headers.append(self._entry(index))
            elif first & 0xE0 == 0x20:  # dynamic table size update: nothing to decode
                _, pos = self._integer(block, pos, 5)
            else:  # a literal: with incremental indexing (01), without or never indexed
                indexing = first & 0xC0 == 0x40
                index, pos = self._integer(block, pos, 6 if indexing else 4)
                if index:
                    name = self._entry(index)[0]
                else:
                    name, pos = self._string(block, pos)
                value, pos = self._string(block, pos)
                headers.append((name, value))
                if indexing:
                    self._dynamic.insert(0, (name, value))
        return headers

    def _entry(self, index: int) -> tuple[bytes, bytes]:
        if not 0 < index <= len(STATIC_TABLE) + len(self._dynamic):
            raise ValueError(f"HPACK index {index} out of range")
        if index <= len(STATIC_TABLE):
            return STATIC_TABLE[index - 1]
        return self._dynamic[index - len(STATIC_TABLE) - 1]

    @staticmethod
    def _integer(block: bytes, pos: int, prefix: int) -> tuple[int, int]:
        mask = (1 << prefix) - 1
        value = block[pos] & mask
        pos += 1
        if value < mask:
            return value, pos
        shift = 0
        while True:
            byte = block[pos]
            pos += 1
            value += (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value, pos

    @classmethod
    def _string(cls, block: bytes, pos: int) -> tuple[bytes, int]:
        huffman = bool(block[pos] & 0x80)
        length, pos = cls._integer(block, pos, 7)
        raw = block[pos : pos + length]
        if len(raw) != length:
            raise ValueError("HPACK string runs past the header block")
        return (HUFFMAN if huffman else raw), pos + length


@dataclass
class Http2Call:
    """One HTTP/2 stream the client opened: its request headers and its DATA payload."""

    headers: dict[bytes, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)

    def grpc_messages(self) -> list[tuple[int, bytes]]:
        """The length-prefixed gRPC messages: (compressed flag, message bytes as sent)."""
        out, pos, data = [], 0, bytes(self.data)
        while pos < len(data):
            flag, length = data[pos], int.from_bytes(data[pos + 1 : pos + 5], "big")
            message = data[pos + 5 : pos + 5 + length]
            assert len(message) == length, "truncated gRPC message"
            out.append((flag, message))
            pos += 5 + length
        return out


def http2_calls(stream: bytes) -> list[Http2Call]:
    """Parse what a client sent on one connection into its calls (stream id order)."""
    assert stream.startswith(HTTP2_PREFACE), stream[:40]
    hpack = HpackDecoder()
    calls: dict[int, Http2Call] = {}
    pending: tuple[int, bytearray] | None = None  # a header block awaiting CONTINUATION
    pos = len(HTTP2_PREFACE)
    while pos + 9 <= len(stream):
        length = int.from_bytes(stream[pos : pos + 3], "big")
        kind, flags = stream[pos + 3], stream[pos + 4]
        stream_id = int.from_bytes(stream[pos + 5 : pos + 9], "big") & 0x7FFFFFFF
        payload = stream[pos + 9 : pos + 9 + length]
        pos += 9 + length
        if len(payload) < length:
            break  # the connection ended inside a frame
        if kind in (DATA, HEADERS) and flags & PADDED:
            payload = payload[1 : len(payload) - payload[0]]
        if kind == HEADERS:
            if flags & PRIORITY:
                payload = payload[5:]
            pending = (stream_id, bytearray(payload))
        elif kind == CONTINUATION:
            assert pending is not None and pending[0] == stream_id
            pending[1].extend(payload)
        elif kind == DATA:
            calls.setdefault(stream_id, Http2Call()).data.extend(payload)
        if kind in (HEADERS, CONTINUATION) and flags & END_HEADERS:
            assert pending is not None
            block_id, block = pending
            pending = None
            # The table must see every block in order, even trailers, to stay in sync.
            calls.setdefault(block_id, Http2Call()).headers.update(hpack.decode(bytes(block)))
    return [calls[key] for key in sorted(calls)]


# --- the tests -------------------------------------------------------------------------------


def test_the_hpack_decoder_reads_indexed_and_literal_fields() -> None:
    """RFC 7541, C.3.1 and C.3.2 (requests without Huffman), then a Huffman-coded value:
    the decoder the header check relies on decodes right and never guesses."""
    decoder = HpackDecoder()
    first = bytes.fromhex("828684410f7777772e6578616d706c652e636f6d")
    assert decoder.decode(first) == [
        (b":method", b"GET"),
        (b":scheme", b"http"),
        (b":path", b"/"),
        (b":authority", b"www.example.com"),
    ]
    second = bytes.fromhex("828684be58086e6f2d6361636865")  # index 62: the dynamic entry
    assert decoder.decode(second)[3:] == [
        (b":authority", b"www.example.com"),
        (b"cache-control", b"no-cache"),
    ]
    # C.4.1's :authority, Huffman-coded (H bit set): kept as the marker, not mis-decoded.
    huffman = bytes.fromhex("418cf1e3c2e5f23a6ba0ab90f4ff")
    assert HpackDecoder().decode(huffman) == [(b":authority", HUFFMAN)]


@pytest.fixture
def proxied_receiver(
    otlp_receivers: ReceiverFactory,
) -> Iterator[tuple[OtlpGrpcReceiver, ByteCountingProxy]]:
    receiver = otlp_receivers.grpc()
    with ByteCountingProxy(receiver.port) as proxy:
        yield receiver, proxy


def prompt(index: int) -> str:
    """A prompt at the catalog's cap: distinct per event, and very repetitive."""
    text = f"prompt {index:03d}: refactor the parser and keep the tests green. " * 300
    return text[:CAP]


@pytest.mark.parametrize("compression", ["gzip", "none", None], ids=["gzip", "none", "default"])
def test_grpc_gzip_is_applied_on_the_wire(
    compression: str | None,
    proxied_receiver: tuple[OtlpGrpcReceiver, ByteCountingProxy],
    start_telemetry: TelemetryFactory,
) -> None:
    receiver, proxy = proxied_receiver
    gzip_on = compression == "gzip"
    exporter = exporter_table("grpc", proxy.endpoint, compression=compression)
    # Batches of 10: several calls on one connection, so the later ones carry grpc-encoding
    # as an HPACK dynamic-table reference, which the header check must decode too.
    toml = otel_toml(exporter, extra="log_user_prompt = true", max_export_batch_size=10)
    telemetry = start_telemetry(toml)
    conversation = telemetry.conversation(metadata(f"grpc-compression-{compression}"))
    prompts = [prompt(index) for index in range(PROMPTS)]
    for text in prompts:
        events.user_prompt(conversation, prompt_length=len(text), prompt=text)
    assert telemetry.shutdown()

    # Everything arrived, prompts intact: compression changed the bytes, not the records.
    records = receiver.received_records("codex.user_prompt")
    assert sorted(str(r.attributes["prompt"]) for r in records) == sorted(prompts)
    assert telemetry.stats == NO_LOSS
    assert receiver.server_errors == []
    requests = receiver.requests
    assert len(requests) >= PROMPTS // 10
    assert all(r.accepted for r in requests)
    bodies = [r.body for r in requests]
    raw_total = sum(map(len, bodies))
    assert raw_total > PROMPTS * CAP  # the prompts are in the bodies, uncompressed
    # The finding that makes the proxy necessary: grpc core removes grpc-encoding (and
    # every other reserved header) from the metadata the handler sees. If this starts to
    # fail, grpcio passes it on, and the receiver could record it in content_encoding.
    assert all("grpc-encoding" not in r.headers for r in requests)

    # 1. Byte counts: the whole client side of the connection (preface, settings, headers,
    # frames) against the bodies alone.
    sent = proxy.client_to_server
    ratio = sent / raw_total
    if gzip_on:
        # Measured about 0.9% (6 KB for 670 KB); 5% leaves room for other gzip settings.
        assert ratio < 0.05, f"gzip: {sent} bytes sent for {raw_total} of bodies ({ratio:.3f})"
    else:
        assert sent >= raw_total, f"no compression: {sent} bytes sent for {raw_total} of bodies"
    assert proxy.server_to_client > 0  # the answers came back through the proxy too

    # 2 and 3. What the calls carried: the gRPC message flag and bytes, and the headers.
    calls = [call for stream in proxy.client_streams() for call in http2_calls(stream)]
    exports = [call for call in calls if call.headers.get(b":path") == EXPORT_METHOD.encode()]
    assert len(exports) == len(requests)
    wire_bodies = []
    for call in exports:
        ((flag, message),) = call.grpc_messages()  # unary: exactly one message per call
        # A Huffman-coded name could be grpc-encoding itself: then the check cannot tell.
        assert HUFFMAN not in call.headers, "a Huffman-coded header name: cannot check"
        encoding = call.headers.get(b"grpc-encoding")
        assert encoding != HUFFMAN, "grpc-encoding was Huffman-coded: cannot check it"
        if gzip_on:
            assert (flag, message[:2], encoding) == (1, b"\x1f\x8b", b"gzip")
            wire_bodies.append(gzip.decompress(message))
        else:
            assert flag == 0
            assert encoding in (None, b"identity")
            wire_bodies.append(message)
    # The receiver's bodies are the bytes the client sent (inflated): raw, not re-encoded.
    assert sorted(wire_bodies) == sorted(bodies)


# --- the receiver records raw bytes ------------------------------------------------------------

#: A valid ExportLogsServiceRequest that no protobuf library would write: ResourceLogs
#: (field 1) carries schema_url (field 3) twice. Parsing keeps the last; re-serializing
#: the parsed message writes it once, so only a receiver that keeps the raw bytes has these.
NON_CANONICAL = b"\x0a\x08" + b"\x1a\x02v1" + b"\x1a\x02v2"
GARBAGE = b"\xff\xff\xff\xff"


@pytest.mark.parametrize("compression", ["gzip", "none"])
def test_the_receiver_records_the_bytes_the_client_sent(
    compression: str, otlp_receivers: ReceiverFactory
) -> None:
    import grpc

    receiver = otlp_receivers.grpc()
    mode = grpc.Compression.Gzip if compression == "gzip" else grpc.Compression.NoCompression
    with grpc.insecure_channel(receiver.target, compression=mode) as channel:
        # No serializers: the client sends these bytes as the message, unchanged.
        export = channel.unary_unary(EXPORT_METHOD)
        assert export(NON_CANONICAL, timeout=2.0) == b""  # an empty ExportLogsServiceResponse
        with pytest.raises(grpc.RpcError) as failure:
            export(GARBAGE, timeout=2.0)
        assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        # Still serving after the bad request.
        assert export(NON_CANONICAL, timeout=2.0) == b""

    good, bad, again = receiver.requests
    assert good.body == again.body == NON_CANONICAL
    assert good.message.SerializeToString() != NON_CANONICAL  # the check above can fail
    assert good.message.resource_logs[0].schema_url == "v2"
    assert (good.accepted, good.status, good.error) == (True, 0, None)
    # The bad one is recorded with its reason (like the HTTP receiver's 400), not lost.
    assert (bad.body, bad.message, bad.records, bad.accepted) == (GARBAGE, None, (), False)
    assert bad.status == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert bad.error is not None and bad.error.startswith("cannot decode: ")
    assert receiver.server_errors == []
