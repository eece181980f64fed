"""`Health`: loss accounting, and which of the SDK's messages are news to the host.

The SDK's messages logged during an export whose batch then goes to the spool are no
news (the batch is delayed, not lost). An export the bounded exit cut off is still
running when shutdown reports its totals: its messages are not yet excused, and must not
be reported as unexplained either (regression: an offline run that spooled everything
printed "totals at shutdown ... 1 SDK warnings" when its start-up spool delivery was cut
off mid-export).
"""

from __future__ import annotations

import logging
import threading

import pytest

from codex_otel.runtime._health import Health


def sdk_record() -> logging.LogRecord:
    return logging.LogRecord(
        "opentelemetry.exporter.otlp", logging.WARNING, __file__, 1, "retrying", None, None
    )


def test_messages_of_an_export_still_running_at_shutdown_are_not_unexplained(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = Health(description="otlp-http http://127.0.0.1:1/v1/logs")
    health.spooling = True
    in_export, totals_done = threading.Event(), threading.Event()

    def export_cut_off() -> None:
        health.hold_sdk_messages()
        health.add_sdk_message(sdk_record())
        in_export.set()
        totals_done.wait(10)
        health.end_export(spooled=True)  # its batch was set aside for the spool

    worker = threading.Thread(target=export_cut_off)
    worker.start()
    assert in_export.wait(10)
    health.add_export_failure(spooled=True)
    with caplog.at_level(logging.INFO, logger="codex_otel"):
        health.report_totals()
    totals_done.set()
    worker.join(10)
    assert health.sdk_messages == 1
    assert health.excused_messages == 1
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []
    assert "nothing lost" in caplog.text


def test_a_message_outside_any_export_is_reported_and_counted_in_the_totals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = Health(description="otlp-http http://127.0.0.1:1/v1/logs")
    with caplog.at_level(logging.INFO, logger="codex_otel"):
        health.add_sdk_message(sdk_record())
        health.report_totals()
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(messages) == 2
    assert "the OpenTelemetry SDK logged a message at level WARNING" in messages[0]
    assert messages[1].endswith("1 SDK warnings")


def test_a_held_message_of_a_failed_export_not_spooled_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = Health(description="otlp-http http://127.0.0.1:1/v1/logs")
    with caplog.at_level(logging.INFO, logger="codex_otel"):
        health.hold_sdk_messages()
        health.add_sdk_message(sdk_record())
        health.end_export(spooled=False)
        health.add_export_failure(spooled=False)
        health.report_totals()
    assert health.excused_messages == 0
    assert "1 SDK warnings" in caplog.text
