"""Helpers of the wire tests: `[otel]` tables as users write them, every catalog call, checks.

The tests drive the product as an application does: `load_config(text=TOML, environ=...)`,
`Telemetry`, a conversation, the generated emitters, `shutdown()`; then they decode what the
real receivers in `tests/receivers` got over loopback sockets.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from importlib import resources
from typing import Any, Literal

import jsonschema

from codex_otel.generated import events
from codex_otel.generator import bundled_catalog_path, load_catalog
from codex_otel.runtime import Conversation, Telemetry
from codex_otel.runtime._truncation import truncate
from receivers import OtlpGrpcReceiver, OtlpHttpReceiver, ReceivedRecord, ReceivedRequest, TlsCerts
from receivers.fixtures import ReceiverFactory
from support.metadata import CODEX_METADATA

Transport = Literal["http-binary", "http-json", "grpc"]
TRANSPORTS: tuple[Transport, ...] = ("http-binary", "http-json", "grpc")

#: `service_version` the tests pass to `Telemetry`.
VERSION = "0.42.0-wire"
#: A fake secret: the value of ${OTLP_TOKEN}. It must reach the collector and nothing else.
TOKEN = "wire-token-7f3a9c1e"
#: What `load_config(environ=...)` sees: the header secret and the standard resource variable.
ENVIRON: Mapping[str, str] = {
    "OTLP_TOKEN": TOKEN,
    "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=ci,team=agents%20core",
}
#: The headers every test table asks for (`X-Tenant` written in capitals on purpose).
HEADERS_TOML: Mapping[str, str] = {"x-otlp-api-key": "${OTLP_TOKEN}", "X-Tenant": "acme"}
#: What the collector must receive for them (names are case-insensitive: sent lower-case).
HEADERS_ON_THE_WIRE: Mapping[str, str] = {"x-otlp-api-key": TOKEN, "x-tenant": "acme"}
#: The resource attributes OTEL_RESOURCE_ATTRIBUTES adds (values URL-decoded).
RESOURCE_FROM_ENV: Mapping[str, str] = {"deployment.environment.name": "ci", "team": "agents core"}

#: Per catalog type, the OTLP `AnyValue` field a value must travel in.
WIRE_KIND = {"integer": "int_value", "string": "string_value", "boolean": "bool_value"}
JSON_KIND = {"intValue": "int_value", "stringValue": "string_value", "boolValue": "bool_value",
             "doubleValue": "double_value", "arrayValue": "array_value"}  # fmt: skip


def schemas() -> dict[str, dict[str, Any]]:
    """The generated JSON Schema of each event (the catalog's contract), by event name."""
    folder = resources.files("codex_otel.generated") / "schemas"
    return {
        name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        for name in events.EVENT_NAMES
    }


SCHEMAS = schemas()


# --- the [otel] table --------------------------------------------------------------------


def q(value: str) -> str:
    """A TOML basic string."""
    return json.dumps(value, ensure_ascii=False)


def exporter_table(
    transport: Transport,
    endpoint: str,
    *,
    timeout: float = 2.0,
    compression: str | None = None,
    headers: Mapping[str, str] | None = HEADERS_TOML,
    ca: TlsCerts | None = None,
    client: TlsCerts | None = None,
) -> str:
    """`[otel.exporter.otlp-http]` / `[otel.exporter.otlp-grpc]` as a user writes it.

    `ca`: trust that PKI's CA; `client`: present that PKI's client certificate (mTLS).
    """
    kind = "otlp-grpc" if transport == "grpc" else "otlp-http"
    lines = [f"[otel.exporter.{kind}]", f"endpoint = {q(endpoint)}", f"timeout = {timeout}"]
    if kind == "otlp-http":
        lines.append(f"protocol = {q('json' if transport == 'http-json' else 'binary')}")
    if compression is not None:
        lines.append(f"compression = {q(compression)}")
    if headers:
        lines.append(f"[otel.exporter.{kind}.headers]")
        lines += [f"{q(name)} = {q(value)}" for name, value in headers.items()]
    if ca is not None or client is not None:
        lines.append(f"[otel.exporter.{kind}.tls]")
        if ca is not None:
            lines.append(f"ca-certificate = {q(str(ca.ca))}")
        if client is not None:
            lines.append(f"client-certificate = {q(str(client.client_cert))}")
            lines.append(f"client-private-key = {q(str(client.client_key))}")
    return "\n".join(lines) + "\n"


def otel_toml(
    exporter: str,
    *,
    environment: str = "ci",
    shutdown_timeout: float = 2.0,
    schedule_delay_ms: int = 20,
    max_queue_size: int = 2048,
    max_export_batch_size: int = 512,
    extra: str = "",
) -> str:
    """A whole `[otel]` table: settings, `[otel.batch]`, then the exporter table."""
    return (
        "[otel]\n"
        f"environment = {q(environment)}\n"
        f"shutdown_timeout = {shutdown_timeout}\n"
        f"{extra}\n"
        "[otel.batch]\n"
        f"schedule_delay_ms = {schedule_delay_ms}\n"
        f"max_queue_size = {max_queue_size}\n"
        f"max_export_batch_size = {max_export_batch_size}\n\n"
        f"{exporter}"
    )


def start_receiver(
    receivers: ReceiverFactory,
    transport: Transport,
    *,
    tls: TlsCerts | None = None,
    require_client_cert: bool = False,
    port: int = 0,
) -> OtlpHttpReceiver | OtlpGrpcReceiver:
    """A receiver of `transport`, stopped at teardown by the factory."""
    if transport == "grpc":
        return receivers.grpc(tls=tls, require_client_cert=require_client_cert, port=port)
    return receivers.http(tls=tls, require_client_cert=require_client_cert, port=port)


def endpoint_at(transport: Transport, port: int, *, tls: bool = False) -> str:
    scheme = "https" if tls else "http"
    path = "" if transport == "grpc" else "/v1/logs"
    return f"{scheme}://127.0.0.1:{port}{path}"


# --- the catalog's calls -----------------------------------------------------------------


def metadata(conversation_id: str, *, full: bool = False) -> events.Metadata:
    """Conversation metadata; `full` also sets the optional fields (auth mode, account,
    originator, e-mail, session source)."""
    return replace(
        CODEX_METADATA,
        conversation_id=conversation_id,
        auth_mode=CODEX_METADATA.auth_mode if full else None,
        user_account_id=CODEX_METADATA.user_account_id if full else None,
        originator="codex_cli_rs" if full else None,
        user_email="dev@example.com" if full else None,
        session_source="vscode" if full else None,
        terminal_type="vscode/1.95.0 ✓",
    )


@dataclass(frozen=True)
class Call:
    """One emitter call and the event-specific attributes it must put on the wire."""

    event_name: str
    full: bool
    """True: every optional field given (all schema properties); False: required only."""
    emit: Callable[[Conversation[events.Metadata]], None]
    expected: Mapping[str, str | int]


LONG_ERROR = "connection reset by peer; " * 200  # 5,200 characters: cut to 4,096
PROMPT = "Réfactor the parser 🚀\nand keep the tests green"
ARGUMENTS = '{"command": ["ls", "-la"]}'
OUTPUT = "total 8\ndrwxr-xr-x  4 user staff 128 ."
REDACTED = "[REDACTED]"


#: The bundled catalog's events, for the calls built from its examples.
CATALOG_EVENTS = {event.name: event for event in load_catalog(bundled_catalog_path()).events}
#: The bundled catalog's toggles and their defaults: a policy attribute whose toggle is on by
#: default (and that no call here turns off) is sent as given.
DEFAULT_TOGGLES = {t.name: t.default for t in load_catalog(bundled_catalog_path()).toggles}


def from_examples(
    event_name: str, given: Mapping[str, object], *, full: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The arguments and expected wire values, from each attribute's first catalog example,
    of the event's attributes that `given` (wire keys) leaves out: every one when `full`,
    else the required ones. None of these is redacted by default or long enough to be cut."""
    kwargs: dict[str, Any] = {}
    expected: dict[str, Any] = {}
    for attribute in CATALOG_EVENTS[event_name].argument_attributes:
        if attribute.key in given or not (full or attribute.requirement == "required"):
            continue
        as_given = attribute.redact is None or DEFAULT_TOGGLES[attribute.redact.toggle]
        assert as_given and attribute.examples, (event_name, attribute.key)
        value = attribute.examples[0]
        kwargs[attribute.python_name] = value
        expected[attribute.key] = value
    return kwargs, expected


def _call(
    event_name: str,
    emitter: Callable[..., None],
    kwargs: Mapping[str, Any],
    expected: Mapping[str, str | int],
    *,
    full: bool,
) -> Call:
    """A call as written, completed from the catalog's examples with the attributes it
    does not name (all of them for a `full` call): fields a catalog edit adds are sent
    and checked too."""
    more_kwargs, more_expected = from_examples(event_name, expected, full=full)
    arguments = {**more_kwargs, **kwargs}

    def emit(conversation: Conversation[events.Metadata]) -> None:
        emitter(conversation, **arguments)

    return Call(event_name, full, emit, {**more_expected, **expected})


def example_calls(written: Sequence[Call]) -> list[Call]:
    """Both calls (every field, required ones only) of each catalog event that `written`
    does not call, from the catalog's examples alone."""
    covered = {call.event_name for call in written}
    return [
        _call(name, getattr(events, event.function_name), {}, {}, full=full)
        for full in (True, False)
        for name, event in CATALOG_EVENTS.items()
        if name not in covered
    ]


def catalog_calls(*, log_user_prompt: bool = False, log_tool_details: bool = True) -> list[Call]:
    """Every catalog event twice: with every optional field, and with the required ones only.

    The expectations follow the catalog: wire keys (`http.response.status_code`, `event.kind`,
    ...), ints as ints (0 and 2**53+1 included), enum members as their wire strings, the
    "true"/"false" success strings, long text cut with the marker, redaction by toggle.
    """
    prompt = PROMPT if log_user_prompt else REDACTED
    details = log_tool_details
    written = [
        _call(
            "codex.conversation_starts",
            events.conversation_starts,
            {
                "provider_name": "openai",
                "reasoning_effort": "high",
                "reasoning_summary": "auto",
                "context_window": 272_000,
                "max_output_tokens": 128_000,
                "auto_compact_token_limit": 2**53 + 1,
                "approval_policy": "on-request",
                "sandbox_policy": "workspace-write",
                "mcp_servers": "github, linear",
                "active_profile": "work",
            },
            {
                "provider_name": "openai",
                "reasoning_effort": "high",
                "reasoning_summary": "auto",
                "context_window": 272_000,
                "max_output_tokens": 128_000,
                "auto_compact_token_limit": 2**53 + 1,
                "approval_policy": "on-request",
                "sandbox_policy": "workspace-write",
                "mcp_servers": "github, linear",
                "active_profile": "work",
            },
            full=True,
        ),
        _call(
            "codex.api_request",
            events.api_request,
            {
                "attempt": 2,
                "duration_ms": 1_234,
                "http_response_status_code": 503,
                "error_message": LONG_ERROR,
                "cf_ray": "8f1c2a3b4c5d-SJC",
            },
            {
                "attempt": 2,
                "duration_ms": 1_234,
                "http.response.status_code": 503,
                "error.message": truncate(LONG_ERROR, 4096),
                "cf_ray": "8f1c2a3b4c5d-SJC",
            },
            full=True,
        ),
        _call(
            "codex.sse_event",
            events.sse_event,
            {
                "event_kind": "response.completed",
                "duration_ms": 0,
                "error_message": "stream disconnected before completion",
                "input_token_count": 1_200,
                "output_token_count": 345,
                "cached_token_count": 0,
                "reasoning_token_count": 64,
                "tool_token_count": 7,
            },
            {
                "event.kind": "response.completed",
                "duration_ms": 0,
                "error.message": "stream disconnected before completion",
                "input_token_count": 1_200,
                "output_token_count": 345,
                "cached_token_count": 0,
                "reasoning_token_count": 64,
                "tool_token_count": 7,
            },
            full=True,
        ),
        _call(
            "codex.user_prompt",
            events.user_prompt,
            {"prompt_length": len(PROMPT), "prompt": PROMPT},
            {"prompt_length": len(PROMPT), "prompt": prompt},
            full=True,
        ),
        _call(
            "codex.tool_decision",
            events.tool_decision,
            {
                "tool_name": "shell",
                "call_id": "call_Xf3kq9",
                "decision": events.Decision.APPROVED_FOR_SESSION,
                "source": events.Source.USER,
            },
            {
                "tool_name": "shell",
                "call_id": "call_Xf3kq9",
                "decision": "approved_for_session",
                "source": "user",
            },
            full=True,
        ),
        _call(
            "codex.tool_result",
            events.tool_result,
            {
                "tool_name": "apply_patch",
                "call_id": "call_Xf3kq9",
                "arguments": ARGUMENTS,
                "duration_ms": 412,
                "success": events.Success.TRUE,
                "output": OUTPUT,
            },
            {
                "tool_name": "apply_patch",
                "call_id": "call_Xf3kq9",
                "arguments": ARGUMENTS if details else REDACTED,
                "duration_ms": 412,
                "success": "true",
                "output": OUTPUT if details else REDACTED,
            },
            full=True,
        ),
        # --- required fields only: every optional one must be absent, never empty
        _call(
            "codex.conversation_starts",
            events.conversation_starts,
            {
                "provider_name": "azure",
                "reasoning_summary": "none",
                "approval_policy": "never",
                "sandbox_policy": "read-only",
                "mcp_servers": "",
            },
            {
                "provider_name": "azure",
                "reasoning_summary": "none",
                "approval_policy": "never",
                "sandbox_policy": "read-only",
                "mcp_servers": "",
            },
            full=False,
        ),
        _call(
            "codex.api_request",
            events.api_request,
            {"attempt": 1, "duration_ms": 88},
            {"attempt": 1, "duration_ms": 88},
            full=False,
        ),
        _call("codex.sse_event", events.sse_event, {}, {}, full=False),
        _call(
            "codex.user_prompt",
            events.user_prompt,
            {"prompt_length": 2, "prompt": "hi"},
            {"prompt_length": 2, "prompt": "hi" if log_user_prompt else REDACTED},
            full=False,
        ),
        _call(
            "codex.tool_decision",
            events.tool_decision,
            {"tool_name": "shell", "call_id": "call_0", "decision": "denied", "source": "config"},
            {"tool_name": "shell", "call_id": "call_0", "decision": "denied", "source": "config"},
            full=False,
        ),
        _call(
            "codex.tool_result",
            events.tool_result,
            {
                "tool_name": "shell",
                "duration_ms": 0,
                "success": "false",
                "output": "command not found",
            },
            {
                "tool_name": "shell",
                "duration_ms": 0,
                "success": "false",
                "output": "command not found" if details else REDACTED,
            },
            full=False,
        ),
    ]
    return [*written, *example_calls(written)]


@dataclass(frozen=True)
class Emitted:
    """What `emit_catalog` sent: the calls, per conversation id, and the clock around them."""

    calls: Mapping[str, Sequence[Call]]
    metadata: Mapping[str, events.Metadata]
    before_ns: int
    after_ns: int

    @property
    def count(self) -> int:
        return sum(len(calls) for calls in self.calls.values())


def emit_catalog(
    telemetry: Telemetry,
    run_id: str,
    *,
    log_user_prompt: bool = False,
    log_tool_details: bool = True,
) -> Emitted:
    """Emit every catalog call through `telemetry`: two conversations, full and minimal."""
    calls = catalog_calls(log_user_prompt=log_user_prompt, log_tool_details=log_tool_details)
    full_id, minimal_id = f"{run_id}-full", f"{run_id}-minimal"
    metas = {full_id: metadata(full_id, full=True), minimal_id: metadata(minimal_id)}
    conversations = {cid: telemetry.conversation(meta) for cid, meta in metas.items()}
    before = time.time_ns()
    for call in calls:
        call.emit(conversations[full_id if call.full else minimal_id])
    after = time.time_ns()
    return Emitted(
        calls={full_id: [c for c in calls if c.full], minimal_id: [c for c in calls if not c.full]},
        metadata=metas,
        before_ns=before,
        after_ns=after,
    )


# --- checks --------------------------------------------------------------------------------


def rfc3339_ms(time_ns: int) -> str:
    """`2025-09-30T17:02:11.493Z`: UTC, milliseconds (truncated), `Z`."""
    seconds, rest = divmod(time_ns, 1_000_000_000)
    prefix = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{prefix}.{rest // 1_000_000:03d}Z"


def record_key(record: ReceivedRecord) -> tuple[str, str]:
    return str(record.attributes.get("conversation.id")), record.event_name


def check_catalog(records: Sequence[ReceivedRecord], emitted: Emitted) -> None:
    """Every call arrived exactly once, with exactly the catalog's fields and values."""
    keys = [record_key(r) for r in records]
    assert len(keys) == len(set(keys)), "an event arrived twice"
    assert len(records) == emitted.count
    received = dict(zip(keys, records, strict=True))
    for conversation_id, calls in emitted.calls.items():
        common = emitted.metadata[conversation_id].to_attributes()
        for call in calls:
            record = received[(conversation_id, call.event_name)]
            schema = SCHEMAS[call.event_name]
            attributes = record.attributes
            # Names: every property (full call) or exactly the required ones (optional
            # fields left as None are omitted, never sent empty).
            # A policy's `<key>.length` companion is sent only in length mode, and a
            # required policy attribute (not required by the schema, which allows the
            # modes that omit it) is sent in the default modes.
            wanted = set(schema["properties"] if call.full else schema["required"])
            wanted -= {k for k, p in schema["properties"].items() if "x-length-of" in p}
            wanted |= {
                a.key
                for a in CATALOG_EVENTS[call.event_name].required_attributes
                if a.redact is not None
            }
            assert set(attributes) == wanted, (call.event_name, call.full)
            jsonschema.validate(attributes, schema)  # types, enums, max lengths
            # The name is in the record's own field and, as Codex sends it, an attribute.
            assert attributes["event.name"] == record.event_name == call.event_name
            for key, value in {**common, **call.expected}.items():
                assert attributes[key] == value, (call.event_name, key)
                assert type(attributes[key]) is type(value), (call.event_name, key)
            # Timestamps: the record's own time, and the attribute derived from it.
            assert emitted.before_ns <= record.time_unix_nano <= emitted.after_ns
            assert record.observed_time_unix_nano == record.time_unix_nano
            assert attributes["event.timestamp"] == rfc3339_ms(record.time_unix_nano)
            # The record itself: an event (name in event_name, no body), INFO, no trace.
            assert record.scope_name == "codex_otel"
            assert (record.severity_number, record.severity_text) == (9, "INFO")
            assert record.body is None
            assert (record.trace_id, record.span_id) == ("", "")


def check_resource(
    records: Sequence[ReceivedRecord],
    *,
    service_name: str = "codex-cli",
    environment: str = "ci",
    extra: Mapping[str, str] = RESOURCE_FROM_ENV,
    version: str = VERSION,
) -> dict[str, Any]:
    """One resource for the whole process, with the runtime's and the environment's keys."""
    assert records
    distinct = {json.dumps(r.resource, sort_keys=True) for r in records}
    assert len(distinct) == 1, "records of one process carry different resources"
    resource = dict(records[0].resource)
    expected = {
        **extra,
        "service.name": service_name,
        "service.version": version,
        "env": environment,
        "telemetry.sdk.language": "python",
        "telemetry.sdk.name": "opentelemetry",
    }
    assert {key: resource.get(key) for key in expected} == expected
    assert isinstance(resource.get("telemetry.sdk.version"), str)
    assert isinstance(resource.get("service.instance.id"), str)
    assert resource["service.instance.id"]
    return resource


def proto_kinds(requests: Iterable[ReceivedRequest]) -> dict[tuple[str, str], dict[str, str]]:
    """The `AnyValue` field each attribute travelled in, per (conversation id, event)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for request in requests:
        if not request.accepted:
            continue
        for resource_logs in request.message.resource_logs:
            for scope_logs in resource_logs.scope_logs:
                for log in scope_logs.log_records:
                    kinds = {kv.key: kv.value.WhichOneof("value") for kv in log.attributes}
                    values = {kv.key: kv.value.string_value for kv in log.attributes}
                    out[(values.get("conversation.id", ""), log.event_name)] = kinds
    return out


def json_kinds(documents: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, str]]:
    """The same, read from OTLP/JSON text itself (`intValue`, `stringValue`, ...)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for document in documents:
        for resource_logs in document["resourceLogs"]:
            for scope_logs in resource_logs["scopeLogs"]:
                for log in scope_logs["logRecords"]:
                    kinds: dict[str, str] = {}
                    conversation = ""
                    for item in log["attributes"]:
                        ((kind, value),) = item["value"].items()
                        kinds[item["key"]] = JSON_KIND[kind]
                        if item["key"] == "conversation.id":
                            conversation = value
                    out[(conversation, log["eventName"])] = kinds
    return out


def check_kinds(kinds: Mapping[tuple[str, str], Mapping[str, str]], emitted: Emitted) -> None:
    """Ints travel as `intValue`, strings as `stringValue`, exactly as the catalog types say."""
    checked = 0
    for conversation_id, calls in emitted.calls.items():
        for call in calls:
            properties = SCHEMAS[call.event_name]["properties"]
            got = kinds[(conversation_id, call.event_name)]
            assert got == {key: WIRE_KIND[properties[key]["type"]] for key in got}
            checked += len(got)
    assert checked > 0


# --- emit latency --------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    """Per-emit latencies (ns) of two conversations measured interleaved, and their ratios."""

    healthy_median: float
    faulty_median: float
    healthy_p99: float
    faulty_p99: float
    healthy_max: float
    faulty_max: float

    @property
    def median_ratio(self) -> float:
        return self.faulty_median / self.healthy_median

    @property
    def p99_ratio(self) -> float:
        return self.faulty_p99 / self.healthy_p99

    def __str__(self) -> str:
        return (
            f"median {self.healthy_median / 1000:.1f}us -> {self.faulty_median / 1000:.1f}us "
            f"(x{self.median_ratio:.2f}), p99 {self.healthy_p99 / 1000:.1f}us -> "
            f"{self.faulty_p99 / 1000:.1f}us (x{self.p99_ratio:.2f}), max "
            f"{self.healthy_max / 1000:.1f}us -> {self.faulty_max / 1000:.1f}us"
        )


def p99(samples: Sequence[int]) -> float:
    return float(sorted(samples)[int(len(samples) * 0.99)])


def compare_emit_latency(
    healthy: Conversation[events.Metadata], faulty: Conversation[events.Metadata], n: int = 300
) -> Latency:
    """Time `n` emits on each conversation, alternating, so machine noise hits both alike."""
    samples: dict[int, list[int]] = {id(healthy): [], id(faulty): []}
    clock = time.perf_counter_ns
    for i in range(n):
        for conversation in (healthy, faulty) if i % 2 else (faulty, healthy):
            began = clock()
            events.api_request(conversation, attempt=i, duration_ms=1)
            samples[id(conversation)].append(clock() - began)
    good, bad = samples[id(healthy)], samples[id(faulty)]
    return Latency(
        statistics.median(good),
        statistics.median(bad),
        p99(good),
        p99(bad),
        float(max(good)),
        float(max(bad)),
    )
