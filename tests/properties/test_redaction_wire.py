"""Property: redaction holds on the wire.

With `log_user_prompt = false`, no part of any prompt reaches the collector; with
`log_tool_details = false`, the same holds for tool arguments and tool output. The events
go through the real runtime (`Telemetry` with the `otlp-http` exporter, protobuf or JSON,
or the `otlp-grpc` exporter; each plain or gzip) to a real OTLP/HTTP or OTLP/gRPC receiver
on loopback, and the check runs on the raw request bodies the receiver read, not on decoded
records: for HTTP the body after removing Content-Encoding, for gRPC the request message
exactly as the exporter serialized it (after grpcio undid gRPC's gzip).

What "no byte of the secret" means: one random byte trivially occurs in protobuf framing,
so a secret is drawn as text of at least `WINDOW` (8) characters, and the property is that
no `WINDOW`-character slice of it (nor the whole string) occurs, UTF-8 encoded, in any body.
For JSON bodies the strings are also decoded (so an escaped `\\"` or `\\uXXXX` cannot hide
a leak) and searched the same way. A slice only counts as leaked if it is absent from the
bodies of a *baseline* exchange: the same calls with every secret replaced by a decoy of the
same length. That rules out false alarms when Hypothesis draws text that is on the wire
anyway (it likes to reuse string literals such as "codex.user_prompt" or "[REDACTED]"); a
secret made only of such text is not checked, and no real leak can hide behind it.

The control cases (toggle on) run the same detector and must find the secret, which proves
the check can fail. One receiver per protocol serves the whole module and one `Telemetry` per
exporter setting is kept; each example clears the receiver, emits, and flushes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.proto")

from codex_otel.generated import events
from codex_otel.runtime import Conversation, Telemetry, load_config
from codex_otel.runtime._truncation import truncate
from receivers import OtlpGrpcReceiver, OtlpHttpReceiver, ReceivedRecord, ReceivedRequest
from support.metadata import make_metadata

pytestmark = [pytest.mark.wire, pytest.mark.slow]

#: Length of the slices of a secret that must not appear on the wire.
WINDOW = 8
PLACEHOLDER = "[REDACTED]"
#: The fields of `Calls` that the toggles redact.
CALL_SECRETS = {"prompt", "arguments", "output"}
#: The catalog's cap on prompts, tool arguments and tool output.
CAP = 16384

METADATA = make_metadata(conversation_id="conv-prop")

#: (protocol, compression): "binary" and "json" are the otlp-http exporter's protocols,
#: "grpc" stands for the otlp-grpc exporter.
TRANSPORTS = [
    ("binary", "none"),
    ("binary", "gzip"),
    ("json", "none"),
    ("json", "gzip"),
    ("grpc", "none"),
    ("grpc", "gzip"),
]

PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# --- the wire ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """What one round of emitting and flushing put on the wire."""

    requests: list[ReceivedRequest]
    records: list[ReceivedRecord]

    def views(self) -> list[bytes]:
        """Every body, plus for JSON bodies the decoded strings joined with NUL bytes."""
        out: list[bytes] = []
        for request in self.requests:
            out.append(request.body)
            if request.content_type == "application/json":
                decoded = "\x00".join(_json_strings(json.loads(request.body)))
                out.append(decoded.encode("utf-8", "surrogatepass"))
        return out


def _json_strings(document: object) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for key, value in document.items():
            yield key
            yield from _json_strings(value)
    elif isinstance(document, list):
        for item in document:
            yield from _json_strings(item)


class Wire:
    """One receiver per protocol for the module and one `Telemetry` per (transport, toggles),
    made lazily."""

    def __init__(self, http: OtlpHttpReceiver, grpc: OtlpGrpcReceiver) -> None:
        self.http = http
        self.grpc = grpc
        self._telemetries: dict[tuple[str, str, bool, bool], Telemetry] = {}
        self._receivers: dict[Telemetry, OtlpHttpReceiver | OtlpGrpcReceiver] = {}

    def telemetry(
        self, transport: tuple[str, str], *, prompts: bool, tool_details: bool
    ) -> Telemetry:
        key = (*transport, prompts, tool_details)
        if key not in self._telemetries:
            protocol, compression = transport
            receiver: OtlpHttpReceiver | OtlpGrpcReceiver
            if protocol == "grpc":
                receiver = self.grpc
                exporter = f"""otlp-grpc = {{ endpoint = "{receiver.endpoint}", \
compression = "{compression}", timeout = 5.0 }}"""
            else:
                receiver = self.http
                exporter = f"""otlp-http = {{ endpoint = "{receiver.endpoint}", \
protocol = "{protocol}", compression = "{compression}", timeout = 5.0 }}"""
            text = f"""\
[otel]
log_user_prompt = {str(prompts).lower()}
log_tool_details = {str(tool_details).lower()}
exporter = {{ {exporter} }}

[otel.batch]
schedule_delay_ms = 20
"""
            config = load_config(text=text, environ={})
            telemetry = Telemetry(config, service_version="prop-test")
            self._telemetries[key] = telemetry
            self._receivers[telemetry] = receiver
        return self._telemetries[key]

    def exchange(
        self, telemetry: Telemetry, emit: Callable[[Conversation[events.Metadata]], int]
    ) -> Exchange:
        """Emit through `telemetry`, flush, and return what its receiver got for it."""
        receiver = self._receivers[telemetry]
        receiver.clear()
        count = emit(telemetry.conversation(METADATA))
        assert telemetry.force_flush(10.0), "the flush timed out"
        assert receiver.wait_for(count, timeout=10.0), receiver.requests
        assert telemetry.stats.export_failures == 0
        requests = receiver.requests
        assert all(r.accepted for r in requests), [r.error for r in requests]
        assert receiver.server_errors == []
        return Exchange(requests, receiver.received_records())

    def close(self) -> None:
        for telemetry in self._telemetries.values():
            telemetry.shutdown(5.0)


@pytest.fixture(scope="module")
def wire() -> Iterator[Wire]:
    pytest.importorskip("grpc")
    with OtlpHttpReceiver() as http, OtlpGrpcReceiver() as grpc:
        shared = Wire(http, grpc)
        try:
            yield shared
        finally:
            shared.close()


# --- the detector ----------------------------------------------------------------------------


def windows(secret: str) -> set[str]:
    """The whole secret and each of its `WINDOW`-character slices."""
    return {secret} | {secret[i : i + WINDOW] for i in range(max(len(secret) - WINDOW + 1, 0))}


def leaks(secret: str, views: Sequence[bytes], baseline: Sequence[bytes] | None) -> list[str]:
    """Slices of `secret` that occur in `views` and not in `baseline` (None: no baseline)."""
    found = []
    for window in sorted(windows(secret)):
        needle = window.encode("utf-8")
        if any(needle in view for view in views) and not (
            baseline is not None and any(needle in view for view in baseline)
        ):
            found.append(window)
    return found


def decoy(secrets: Sequence[str], length: int) -> str:
    """A string of `length` copies of a character no secret contains."""
    used = set("".join(secrets))
    char = next(c for c in "~^#@%QZXJ" + "".join(map(chr, range(0x4E00, 0x4F00))) if c not in used)
    return char * length


def test_the_detector_finds_a_secret_and_ignores_framing() -> None:
    secret = "hunter2-is-my-password"
    body = b"\x0a\x12prompt\x12" + secret[3:14].encode() + b"\x18\x2a"
    assert leaks(secret, [body], None) == sorted(w for w in windows(secret) if w.encode() in body)
    assert leaks(secret, [body], None)  # a partial leak (11 characters) is found
    assert leaks(secret, [body], [body]) == []  # what the baseline has too is not a leak
    assert leaks("codex.user_prompt", [b"..codex.user_prompt.."], [b"codex.user_prompt"]) == []


# --- strategies ------------------------------------------------------------------------------

#: Secrets: any text of at least WINDOW characters, sometimes longer than the cap.
secrets = st.one_of(
    st.text(min_size=WINDOW, max_size=200),
    st.text(min_size=WINDOW, max_size=40).map(lambda s: s * (CAP // len(s) + 2)),
)
#: Text that is allowed on the wire (tool names, call ids).
public_text = st.text(max_size=30)


@dataclass(frozen=True)
class Calls:
    """The arguments of one user_prompt and one tool_result call."""

    prompt: str
    tool_name: str
    call_id: str | None
    arguments: str | None
    output: str
    duration_ms: int

    def emit(self, conversation: Conversation[events.Metadata]) -> int:
        events.user_prompt(conversation, prompt_length=len(self.prompt), prompt=self.prompt)
        events.tool_result(
            conversation,
            tool_name=self.tool_name,
            call_id=self.call_id,
            arguments=self.arguments,
            duration_ms=self.duration_ms,
            success=events.Success.TRUE,
            output=self.output,
        )
        return 2

    def decoyed(self, hidden: set[str]) -> Calls:
        """The same calls with the `hidden` fields replaced by decoys of the same length."""
        used = [self.prompt, self.output, self.arguments or ""]

        def swap(field: str, value: str) -> str:
            return decoy(used, len(value)) if field in hidden else value

        return dataclasses.replace(
            self,
            prompt=swap("prompt", self.prompt),
            arguments=None if self.arguments is None else swap("arguments", self.arguments),
            output=swap("output", self.output),
        )


def common_prefix(first: str, second: str) -> str:
    size = 0
    while size < min(len(first), len(second)) and first[size] == second[size]:
        size += 1
    return first[:size]


calls = st.builds(
    Calls,
    prompt=secrets,
    tool_name=public_text,
    call_id=st.none() | public_text,
    arguments=st.none() | secrets,
    output=secrets,
    duration_ms=st.integers(0, 2**40),
)


def record(exchange: Exchange, name: str) -> ReceivedRecord:
    matching = [r for r in exchange.records if r.event_name == name]
    assert len(matching) == 1, exchange.records
    return matching[0]


# --- properties ------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(
    call=calls,
    transport=st.sampled_from(TRANSPORTS),
    toggles=st.sampled_from([(False, False), (False, True), (True, False)]),
)
def test_redacted_secrets_never_reach_the_wire(
    wire: Wire, call: Calls, transport: tuple[str, str], toggles: tuple[bool, bool]
) -> None:
    prompts_on, tools_on = toggles
    telemetry = wire.telemetry(transport, prompts=prompts_on, tool_details=tools_on)
    exchange = wire.exchange(telemetry, call.emit)

    prompt = record(exchange, "codex.user_prompt").attributes
    assert prompt["prompt_length"] == len(call.prompt)
    assert prompt["prompt"] == (truncate(call.prompt, CAP) if prompts_on else PLACEHOLDER)
    tool = record(exchange, "codex.tool_result").attributes
    assert tool["output"] == (truncate(call.output, CAP) if tools_on else PLACEHOLDER)
    if call.arguments is None:
        assert "arguments" not in tool
    else:
        assert tool["arguments"] == (truncate(call.arguments, CAP) if tools_on else PLACEHOLDER)

    hidden = [] if prompts_on else [("prompt", call.prompt)]
    if not tools_on:
        hidden += [("output", call.output)]
        hidden += [("arguments", call.arguments)] if call.arguments is not None else []
    views = exchange.views()
    suspects = {name: leaks(secret, views, None) for name, secret in hidden}
    if any(suspects.values()):
        # Only now pay for the baseline: slices that are on the wire without the secret
        # (framing, keys, metadata, drawn public text) are not leaks.
        baseline = wire.exchange(telemetry, call.decoyed(set(suspects)).emit).views()
        suspects = {name: leaks(secret, views, baseline) for name, secret in hidden}
    assert not any(suspects.values()), f"redacted text reached the wire: {suspects}"

    # What the toggles let through is on the wire, so the detector above was looking.
    shown = [call.prompt] if prompts_on else []
    shown += [call.output, *([call.arguments] if call.arguments else [])] if tools_on else []
    for secret in shown:
        sent = truncate(secret, CAP).encode("utf-8")
        assert any(sent in view for view in views)


@settings(PROPERTY_SETTINGS, max_examples=50)
@given(call=calls, transport=st.sampled_from(TRANSPORTS))
def test_control_unredacted_secrets_do_reach_the_wire(
    wire: Wire, call: Calls, transport: tuple[str, str]
) -> None:
    """With both toggles on, the same detector finds every secret: the check can fail."""
    telemetry = wire.telemetry(transport, prompts=True, tool_details=True)
    exchange = wire.exchange(telemetry, call.emit)
    views = exchange.views()
    baseline = wire.exchange(telemetry, call.decoyed(CALL_SECRETS).emit).views()
    secrets_sent = [call.prompt, call.output, *([call.arguments] if call.arguments else [])]
    for secret in secrets_sent:
        sent = truncate(secret, CAP)
        assert any(sent.encode("utf-8") in view for view in views), (secret, transport)
        # Every slice of what survived the cap is reported, except text that is on the
        # wire anyway (then the secret is, say, "codex.user_prompt" and proves nothing).
        kept = common_prefix(secret, sent)
        ambient = set(leaks(kept, baseline, None))
        assert set(leaks(kept, views, baseline)) == windows(kept) - ambient
    assert record(exchange, "codex.user_prompt").attributes["prompt"] == truncate(call.prompt, CAP)
