"""Property: spans carry no content, whatever the privacy toggles say.

A turn run through `EventManager` (a prompt, a tool call with its arguments and output,
and a tool that fails with an error text) is exported over OTLP/HTTP protobuf by the real
trace pipeline to a real receiver on loopback; the check runs on the raw request bodies
the receiver read. Whatever each of `log_user_prompt`, `log_tool_details` and
`log_error_details` is set to (`true`, `false` or any mode), no 8-character slice of the
prompt, the arguments or the output is in any body: spans carry their sizes only.

An error's text is governed by its own toggle: the SDK's exception event carries it while
`log_error_details` is on (the events carry it then too), never while it is off. That
control case runs the same detector and must find the text, which proves it can fail.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.proto")

from codex_otel.instrument import EventManager
from codex_otel.runtime import Telemetry, load_config
from receivers import OtlpHttpReceiver
from support.metadata import make_metadata

pytestmark = [pytest.mark.wire, pytest.mark.slow]

WINDOW = 8
METADATA = make_metadata(conversation_id="conv-spans")
TOGGLE_VALUES = ["true", "false", '"keep"', '"redact"', '"length"', '"hash"', '"drop"']
#: Secret text: letters and digits, long enough that an 8-character slice of it does not
#: occur in protobuf framing or in the span's own names by chance.
SECRET = st.text(alphabet=string.ascii_letters + string.digits, min_size=12, max_size=40)


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpHttpReceiver]:
    with OtlpHttpReceiver() as receiver:
        yield receiver


def _leaks(secret: str, bodies: list[bytes]) -> bool:
    encoded = [secret[i : i + WINDOW].encode() for i in range(len(secret) - WINDOW + 1)]
    return any(piece in body for body in bodies for piece in encoded)


def _run(
    receiver: OtlpHttpReceiver,
    tmp: Path,
    toggles: tuple[str, str, str],
    texts: tuple[str, str, str, str],
) -> list[bytes]:
    prompt, arguments, output, error_text = texts
    base = receiver.endpoint.removesuffix("/v1/logs")
    config = load_config(
        text="[otel]\n"
        f'trace_exporter = {{ otlp-http = {{ endpoint = "{base}" }} }}\n'
        f"log_user_prompt = {toggles[0]}\n"
        f"log_tool_details = {toggles[1]}\n"
        f"log_error_details = {toggles[2]}\n"
        "shutdown_timeout = 5.0\n"
        "[otel.privacy]\n"
        f'hash_key = "{"ab" * 32}"\n',
        environ={},
    )
    receiver.clear()
    telemetry = Telemetry(config, service_version="test")
    try:
        manager = EventManager(telemetry.conversation(METADATA))
        with manager.turn():
            manager.user_prompt(prompt)
            with manager.tool_call("shell", "call_1", arguments):
                manager.log_tool_result("shell", "call_1", arguments, lambda: output)

            def broken() -> str:
                raise RuntimeError(error_text)

            with pytest.raises(RuntimeError):
                manager.log_tool_result("shell", "call_2", arguments, broken)
    finally:
        assert telemetry.shutdown()
    assert receiver.wait_for_spans(3, timeout=5)
    return [request.body for request in receiver.requests if request.path == "/v1/traces"]


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    toggles=st.tuples(*[st.sampled_from(TOGGLE_VALUES)] * 3),
    texts=st.tuples(SECRET, SECRET, SECRET, SECRET),
)
def test_no_prompt_argument_or_output_is_on_a_span(
    receiver: OtlpHttpReceiver,
    tmp_path: Path,
    toggles: tuple[str, str, str],
    texts: tuple[str, str, str, str],
) -> None:
    bodies = _run(receiver, tmp_path, toggles, texts)
    assert bodies, "no span reached the receiver"
    prompt, arguments, output, error_text = texts
    for name, secret in (("prompt", prompt), ("arguments", arguments), ("output", output)):
        if secret in error_text:
            continue  # drawn inside the error's text, which may be on the wire
        assert not _leaks(secret, bodies), f"the {name} is on a span with toggles {toggles}"
    if toggles[2] == "false":
        assert not _leaks(error_text, bodies), "an error's text is on a span with it off"


def test_the_detector_finds_an_error_text_on_a_span_while_its_toggle_is_on(
    receiver: OtlpHttpReceiver, tmp_path: Path
) -> None:
    texts = ("PromptText123", "ArgumentsText456", "OutputText789", "ErrorTextVisible0")
    bodies = _run(receiver, tmp_path, ("false", "false", "true"), texts)
    assert _leaks("ErrorTextVisible0", bodies)
    assert not _leaks("OutputText789", bodies)
