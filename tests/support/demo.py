"""What the demo's scripted session emits, counted by running it in process: tests of the
demo compare what reached a collector, a file or the spool with it, so their expectation
follows the session (and the catalog it covers) instead of a number written by hand."""

from __future__ import annotations

import functools

from codex_otel.cli.demo import run_session
from codex_otel.instrument import EventManager
from codex_otel.runtime import Telemetry
from support.metadata import make_metadata


@functools.cache
def session_event_count() -> int:
    """How many events one run of the scripted session emits."""
    telemetry = Telemetry(service_version="test")
    try:
        with telemetry.capture() as captured:
            run_session(EventManager(telemetry.conversation(make_metadata())))
    finally:
        telemetry.shutdown()
    return len(captured)
