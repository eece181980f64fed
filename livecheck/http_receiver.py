"""OTLP/HTTP receiver: `POST /v1/logs`, `POST /v1/metrics` and `POST /v1/traces`, protobuf
or JSON bodies, gzip or deflate, over h11 on asyncio.

Why h11: the HTTP a receiver meets from a broken or hostile sender (a negative or absent
`Content-Length`, chunked bodies, keep-alive, pipelined requests, a body left unread after
a refusal) is a framing question, and h11 (python-hyper, the parser under httpx and
uvicorn's h11 mode) answers it strictly: `Content-Length` must be digits and agree with any
duplicate, chunked framing is checked, a connection cannot start its next request until
the previous body was read to its end, headers are held to a size. It is pure Python and
has no dependencies. aiohttp's server, the other candidate compared (docs/live-check.md,
"The HTTP receiver"), held the same hostile cases and was as fast on live-check's
traffic (checking dominates a request, not parsing it), but brings seven packages with C
extensions, has no limit on open connections and decompresses bodies itself, so the
in-flight budget could not see the decompressed bytes. h11 leaves the I/O to us, which is
what the limits need:

- every connection is a task on one event loop thread: thousands of idle connections cost
  memory, not threads, and stopping cancels them all at once;
- at most `max_connections` are open (below the process's file descriptor limit): one
  more closes the connection idle the longest (waiting for its next request, which a
  client sends on a new connection), or is answered 503 when none is idle; the listen
  backlog is `backlog`; a connection idle for `idle_timeout` is closed;
- compressed and decompressed bytes of every request in flight are charged to one budget
  (`in_flight`): a request that would pass it waits for room, then gets 503 with
  `Retry-After`, as a collector answers when its memory limiter refuses;
- a refused request is answered and its connection closed, so an unread body is never
  read as the next request; every refusal is reported with its reason (`RequestSink`);
- a peer that resets or goes away ends its connection without a word on standard error.

Decoding and checking run on one worker thread (the checker's lock serialises them
anyway), so a large body never stalls the other connections; the copy decoding makes is
charged to the budget before it starts.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import socket
import threading
import zlib
from dataclasses import dataclass
from typing import Any

from .receivers import (
    LOGS_PATH,
    METRICS_PATH,
    PATHS,
    TRACES_PATH,
    BodyTooLarge,
    Encoding,
    Limits,
    ReceiverError,
    RequestSink,
    Signal,
    decompress,
)

#: A request line and its headers, at most (h11's own default).
MAX_HEADER_BYTES = 16 * 1024
#: What one read from a socket asks for.
_READ_SIZE = 64 * 1024
#: google.rpc.Status codes of the refusals, in the JSON body exporters log.
_STATUS_CODES = {400: 3, 404: 12, 405: 12, 411: 3, 413: 8, 415: 3, 503: 14}
_REASONS = {
    200: b"OK",
    400: b"Bad Request",
    404: b"Not Found",
    405: b"Method Not Allowed",
    408: b"Request Timeout",
    411: b"Length Required",
    413: b"Content Too Large",
    415: b"Unsupported Media Type",
    503: b"Service Unavailable",
}


class _Refused(Exception):
    """A request answered with an error status and its connection closed."""

    def __init__(self, status: int, message: str, *, busy: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        #: Refused for the receiver's limits (503), not for what the request is.
        self.busy = busy


class _Gone(Exception):
    """The peer closed, reset or went idle: the connection ends without an answer."""


class _Budget:
    """Bytes in flight across every connection, on the event loop's thread."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._changed = asyncio.Condition()

    async def take(self, size: int, wait: float, held: int) -> bool:
        """Charge `size` more bytes to a request that holds `held`, waiting up to `wait`
        seconds for room; False if none came. A request alone in flight always gets its
        bytes (one body is held to max_body), so the budget can never block itself."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        async with self._changed:
            while self.used > held and self.used + size > self.limit:
                left = deadline - loop.time()
                if left <= 0:
                    return False
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)
            self.used += size
            return True

    async def give(self, size: int) -> None:
        async with self._changed:
            self.used -= size
            self._changed.notify_all()


@dataclass
class _Request:
    where: str
    signal: Signal
    encoding: Encoding
    coding: str
    charged: int = 0


class HttpReceiver:
    """OTLP/HTTP on host:port (0 = any free port)."""

    kind = "OTLP/HTTP"

    def __init__(
        self,
        host: str,
        port: int,
        sink: RequestSink,
        *,
        max_body: int | None = None,
        limits: Limits | None = None,
    ) -> None:
        import dataclasses

        import h11

        self._h11 = h11
        limits = limits or Limits()
        if max_body is not None:
            limits = dataclasses.replace(limits, max_body=max_body)
        self.limits = limits
        self._sink = sink
        self._count = 0
        try:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            listener = socket.create_server((host, port), family=family, backlog=limits.backlog)
        except OSError as error:
            reason = error.strerror or str(error)
            raise ReceiverError(f"cannot listen on {host}:{port} (OTLP/HTTP): {reason}") from None
        self.host, self.port = host, listener.getsockname()[1]
        self._listener = listener
        self._checking = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="live-http-check"
        )
        self._max_connections = _connection_limit(limits.max_connections)
        self._loop = asyncio.new_event_loop()
        self._connections: set[asyncio.Task[None]] = set()
        #: Connections waiting for their next request, the longest waiting first.
        self._idle: dict[asyncio.Task[None], None] = {}
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-http", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    # --- the event loop thread ---------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        self._budget = _Budget(self.limits.in_flight)
        server = await asyncio.start_server(
            self._connection, sock=self._listener, backlog=self.limits.backlog
        )
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for task in list(self._connections):
                task.cancel()
            if self._connections:
                await asyncio.wait(list(self._connections), timeout=5)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        try:
            if len(self._connections) >= self._max_connections and self._idle:
                oldest = next(iter(self._idle))
                del self._idle[oldest]
                oldest.cancel()  # its peer reconnects for its next request
                self._connections.discard(oldest)
            if len(self._connections) >= self._max_connections:
                where = self._next_where(None)
                reason = f"{len(self._connections)} connections are open, the receiver's limit"
                self._sink.turn_away(where, reason)
                await self._refuse(reader, writer, _Refused(503, reason, busy=True))
                return
            self._connections.add(task)
            await self._exchange(reader, writer)
        except (_Gone, ConnectionError, OSError, asyncio.IncompleteReadError):
            pass  # a reset, a close or an idle peer: nothing to answer, nothing to print
        except asyncio.CancelledError:
            # Closed for a newer connection, or at the stop. The task ends normally: asyncio
            # (3.11) logs the exception of a connection task that ends cancelled.
            pass
        finally:
            self._connections.discard(task)
            writer.transport.abort()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Request after request on one connection, until it closes or a refusal."""
        h11 = self._h11
        connection = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER_BYTES)
        while True:
            request: _Request | None = None
            try:
                event = await self._next_event(connection, reader)
                if isinstance(event, h11.ConnectionClosed):
                    return
                request = self._start(event)
                status, content_type, body = await self._receive(
                    connection, reader, writer, request
                )
            except _Refused as refused:
                await self._refuse(reader, writer, refused)
                return  # a body left unread is never taken for the next request
            except h11.RemoteProtocolError as error:
                problem = f"malformed HTTP request: {error}"
                where = request.where if request is not None else self._next_where(None)
                self._sink.reject(where, problem)
                if connection.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    await self._refuse(reader, writer, _Refused(400, problem))
                return
            headers = [
                (b"content-type", content_type.encode()),
                (b"content-length", b"%d" % len(body)),
            ]
            out = connection.send(
                h11.Response(status_code=status, headers=headers, reason=_REASONS[status])
            )
            if body:
                out += connection.send(h11.Data(data=body))
            out += connection.send(h11.EndOfMessage())
            writer.write(out)
            await writer.drain()
            if connection.our_state is not h11.DONE or connection.their_state is not h11.DONE:
                return
            connection.start_next_cycle()

    async def _next_event(self, connection: Any, reader: asyncio.StreamReader) -> Any:
        """The next h11 event, reading as needed. A peer silent for `idle_timeout`, or one
        that closes mid-request, is gone: there is nobody to answer."""
        h11 = self._h11
        while True:
            event = connection.next_event()
            if event is not h11.NEED_DATA:
                return event
            task = asyncio.current_task()
            assert task is not None
            if connection.their_state is h11.IDLE and not connection.trailing_data[0]:
                self._idle[task] = None
            try:
                data = await asyncio.wait_for(reader.read(_READ_SIZE), self.limits.idle_timeout)
            except asyncio.TimeoutError:
                raise _Gone from None
            finally:
                self._idle.pop(task, None)
            if not data and (connection.their_state is not h11.IDLE or connection.trailing_data[0]):
                raise _Gone
            connection.receive_data(data)

    async def _refuse(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, refused: _Refused
    ) -> None:
        """The refusal written, then a lingering close: the sending side is shut and what
        the peer still sends is read and dropped for a moment, so the answer is not lost
        to a reset (closing with unread data resets the connection)."""
        status, content_type, body = _status_json(refused.status, refused.message)
        self._write(writer, status, content_type, body)
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 1.0
        with contextlib.suppress(asyncio.TimeoutError):
            while loop.time() < deadline:
                left = deadline - loop.time()
                if not await asyncio.wait_for(reader.read(_READ_SIZE), left):
                    break

    def _next_where(self, what: str | None) -> str:
        self._count += 1
        return f"otlp-http request {self._count}" + (f" ({what})" if what else "")

    def _start(self, event: Any) -> _Request:
        """The request line and headers checked: what the body holds, or a refusal."""
        h11 = self._h11
        if not isinstance(event, h11.Request):
            raise h11.RemoteProtocolError(f"expected a request, got {type(event).__name__}")
        headers = {name.lower(): value for name, value in event.headers}
        target = event.target.decode("ascii", "replace")
        path = target.split("?")[0]
        method = event.method.decode("ascii", "replace")
        signal = PATHS.get(path)
        media = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        encoding: Encoding | None = {
            "application/x-protobuf": "protobuf",
            "application/json": "json",
        }.get(media)  # type: ignore[assignment]
        what = None
        if encoding is not None:
            what = f"{encoding} {signal}" if signal in ("metrics", "traces") else encoding
        where = self._next_where(what)
        refused: _Refused | None = None
        if method != "POST":
            refused = _Refused(
                405,
                f"{method} {target}: this is an OTLP receiver; exporters POST to "
                f"{LOGS_PATH}, {METRICS_PATH} and {TRACES_PATH}",
            )
        elif signal is None:
            refused = _Refused(
                404,
                f"unknown path {target!r}: OTLP logs go to {LOGS_PATH}, metrics to "
                f"{METRICS_PATH}, traces to {TRACES_PATH}",
            )
        elif encoding is None:
            refused = _Refused(
                415,
                f"unsupported Content-Type {media!r} (application/x-protobuf or application/json)",
            )
        elif b"content-length" not in headers and b"transfer-encoding" not in headers:
            refused = _Refused(411, "Content-Length (or chunked Transfer-Encoding) is required")
        elif int(headers.get(b"content-length", b"0")) > self.limits.max_body:
            refused = _Refused(413, f"the body is larger than {self.limits.max_body} bytes")
        if refused is not None:
            self._sink.reject(where, refused.message)
            raise refused
        assert signal is not None and encoding is not None
        coding = headers.get(b"content-encoding", b"").decode("latin-1").strip().lower()
        return _Request(where, signal, encoding, coding)

    async def _receive(
        self,
        connection: Any,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: _Request,
    ) -> tuple[int, str, bytes]:
        """The body read, decompressed and checked, every byte charged to the budget while
        it is held; the answer."""
        try:
            return await self._checked(connection, reader, writer, request)
        finally:
            if request.charged:
                await self._budget.give(request.charged)

    async def _charge(self, request: _Request, size: int) -> None:
        if not await self._budget.take(size, self.limits.busy_wait, request.charged):
            reason = (
                f"{self._budget.used} bytes are in flight; {size} more would pass the "
                f"receiver's limit of {self._budget.limit}"
            )
            self._sink.turn_away(request.where, reason)
            raise _Refused(503, reason, busy=True)
        request.charged += size

    async def _joined(self, request: _Request, parts: list[bytes]) -> bytes:
        """The parts as one bytes object; the copy is charged while both are held, and the
        parts are emptied (the caller's list): only the copy stays."""
        size = sum(len(part) for part in parts)
        await self._charge(request, size)
        joined = b"".join(parts)
        parts.clear()
        await self._budget.give(size)
        request.charged -= size
        return joined

    async def _checked(
        self,
        connection: Any,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: _Request,
    ) -> tuple[int, str, bytes]:
        h11 = self._h11
        limit = self.limits.max_body
        if connection.they_are_waiting_for_100_continue:
            writer.write(connection.send(h11.InformationalResponse(status_code=100, headers=[])))
        parts: list[bytes] = []
        size = 0
        while True:
            event = await self._next_event(connection, reader)
            if isinstance(event, h11.EndOfMessage):
                break
            if isinstance(event, h11.ConnectionClosed):
                raise _Gone
            size += len(event.data)
            if size > limit:
                too_large = f"the body is larger than {limit} bytes"
                self._sink.reject(request.where, too_large)
                raise _Refused(413, too_large)
            await self._charge(request, len(event.data))
            parts.append(bytes(event.data))
        raw = await self._joined(request, parts)
        try:
            if request.coding in ("", "identity"):
                body = raw
            else:
                pieces: list[bytes] = []
                for piece in decompress(request.coding, raw, limit):
                    await self._charge(request, len(piece))
                    pieces.append(piece)
                body = await self._joined(request, pieces)
        except BodyTooLarge as error:
            self._sink.reject(request.where, str(error))
            raise _Refused(413, str(error)) from None
        except (EOFError, zlib.error, ValueError) as error:
            undecodable = f"cannot decompress the body: {error}"
            self._sink.reject(request.where, undecodable)
            raise _Refused(400, undecodable) from None
        # Decoding makes a copy at least as large (JSON: the text; protobuf: the message):
        # charged too, so the budget holds what checking holds.
        await self._charge(request, len(body))
        problem: str | None = await asyncio.get_running_loop().run_in_executor(
            self._checking, self._check, request, body
        )
        if problem is not None:
            return _status_json(400, problem)
        if request.encoding == "json":
            return 200, "application/json", b"{}"
        return 200, "application/x-protobuf", b""

    def _check(self, request: _Request, body: bytes) -> str | None:
        """On a checking thread: the sink's verdict on the body."""
        return self._sink.accept(request.encoding, body, request.where, request.signal)

    def _write(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        content_type: str,
        body: bytes,
    ) -> None:
        """A refusal, written directly (it may come in any h11 state); it closes."""
        headers = [
            b"HTTP/1.1 %d %s" % (status, _REASONS.get(status, b"Error")),
            b"Content-Type: " + content_type.encode(),
            b"Content-Length: %d" % len(body),
        ]
        if status == 503:
            headers.append(b"Retry-After: %d" % max(1, round(self.limits.busy_wait)))
        if status == 405:
            headers.append(b"Allow: POST")
        headers.append(b"Connection: close")
        writer.write(b"\r\n".join(headers) + b"\r\n\r\n" + body)

    # --- the caller's thread -----------------------------------------------------------

    def stop(self) -> None:
        """Stop listening and close every connection; prompt however many are open."""
        if self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(10)
        self._checking.shutdown(wait=False, cancel_futures=True)
        self._listener.close()


def _connection_limit(wanted: int) -> int:
    """`wanted`, kept below the file descriptors this process may open (each connection
    holds one; the rest of the process needs some): past that limit accept() would fail."""
    try:
        import resource
    except ImportError:  # not on Windows
        return wanted
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - 64))


def _status_json(status: int, message: str) -> tuple[int, str, bytes]:
    """A refusal's body: google.rpc.Status in JSON form, which exporters log."""
    body = json.dumps({"code": _STATUS_CODES.get(status, 2), "message": message})
    return status, "application/json", body.encode()
