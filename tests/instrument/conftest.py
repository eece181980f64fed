"""Fixtures of the instrument tests: a fake monotonic clock, a manager, captured events.

Durations are never measured by sleeping: the code under test advances `clock` itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from codex_otel.generated import events
from codex_otel.instrument import EventManager
from codex_otel.runtime import CapturedEvent, OtelConfig, Telemetry
from support.instrument import FakeClock, Recorded
from support.metadata import make_metadata

METADATA = make_metadata(
    conversation_id="conv-1",
    app_version="0.42.0",
    terminal_type="xterm-256color",
    model="gpt-5-codex",
    slug="gpt-5-codex",
)

#: The common attributes every event of `METADATA`'s conversation carries.
COMMON = {
    "conversation.id": "conv-1",
    "app.version": "0.42.0",
    "terminal.type": "xterm-256color",
    "model": "gpt-5-codex",
    "slug": "gpt-5-codex",
}

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    telemetry = Telemetry(service_version="test")
    yield telemetry
    telemetry.shutdown()


@pytest.fixture
def metadata() -> events.Metadata:
    return METADATA


@pytest.fixture
def manager(telemetry: Telemetry, clock: FakeClock) -> EventManager:
    return EventManager(telemetry.conversation(METADATA), clock=clock)


@pytest.fixture
def captured(telemetry: Telemetry) -> Iterator[list[CapturedEvent]]:
    with telemetry.capture() as captured:
        yield captured


def own_attributes(event: CapturedEvent, common: dict[str, str] = COMMON) -> dict[str, Any]:
    """The event's attributes without the common metadata, which is checked exactly."""
    attributes = dict(event.attributes)
    assert TIMESTAMP.fullmatch(str(attributes.pop("event.timestamp")))
    assert attributes.pop("event.name") == event.name  # sent as an attribute too, as Codex does
    for key, value in common.items():
        assert attributes.pop(key) == value, key
    return attributes


@pytest.fixture
def own() -> Callable[..., dict[str, Any]]:
    """`own_attributes`, for tests that check events of other metadata or telemetry."""
    return own_attributes


@pytest.fixture
def common() -> dict[str, str]:
    return dict(COMMON)


@pytest.fixture
def recorded(captured: list[CapturedEvent]) -> Recorded:
    """Call it to get the captured events as (name, own attributes), common metadata checked."""

    def recorded() -> list[tuple[str, dict[str, Any]]]:
        return [(event.name, own_attributes(event)) for event in captured]

    return recorded


@pytest.fixture
def prompt_telemetry() -> Iterator[Telemetry]:
    """Telemetry whose config exports prompt text (`log_user_prompt = true`)."""
    config = OtelConfig(toggles={"log_user_prompt": True, "log_tool_details": True})
    telemetry = Telemetry(config, service_version="test")
    yield telemetry
    telemetry.shutdown()


@pytest.fixture
def private_telemetry() -> Iterator[Telemetry]:
    """Telemetry whose config redacts tool details (`log_tool_details = false`)."""
    config = OtelConfig(toggles={"log_user_prompt": False, "log_tool_details": False})
    telemetry = Telemetry(config, service_version="test")
    yield telemetry
    telemetry.shutdown()
