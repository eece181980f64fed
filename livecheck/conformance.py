"""Check captured events, measurements and spans against the catalog in an application's own
tests.

`assert_conforms(events, measurements=..., spans=...)` holds what `telemetry.capture()`,
`telemetry.capture_measurements()` and `telemetry.capture_spans()` (or the `otel_capture`
fixture) collected against the catalog with live-check's checker, and fails the test with
every finding; each call also adds to a per-session coverage tally, which the pytest plugin
prints at the end of the run (the catalog's events, metrics and spans the tests never
recorded). A captured span is checked as live-check checks one received: matched by its
wire name and kind, its parent found by its parent span id among the spans given.

The catalog is the bundled one unless `schema=` names another, or the application set
its own once (`set_default_catalog`, which the pytest plugin calls with the
`codex_otel_catalog` ini option). The checker needs the generator (the resolved catalog);
both are imported on the first call, so applications that never check pay nothing for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codex_otel.runtime import CapturedEvent, CapturedMeasurement, CapturedSpan

if TYPE_CHECKING:
    from .checker import LiveChecker
    from .report import Report

#: Per catalog file: a checker that has seen every event checked this session (coverage).
_session: dict[str, LiveChecker] = {}
_catalogs: dict[str, Any] = {}
#: The catalog `schema=None` means, when the application set one.
_default: list[str] = []


def set_default_catalog(schema: str | Path | None) -> None:
    """The catalog every check uses unless `schema=` says otherwise (None: the bundled one)."""
    _default[:] = [] if schema is None else [str(Path(schema).resolve())]


def _catalog_path(schema: str | Path | None) -> str:
    if schema is not None:
        return str(Path(schema).resolve())
    if _default:
        return _default[0]
    from codex_otel.generator import bundled_catalog_path

    return str(bundled_catalog_path())


def _catalog(path: str) -> Any:
    if path not in _catalogs:
        from codex_otel.generator import load_catalog

        _catalogs[path] = load_catalog(path)
    return _catalogs[path]


def _feed(checker: LiveChecker, events: Iterable[CapturedEvent]) -> None:
    for index, event in enumerate(events):
        attributes = {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in event.attributes.items()
        }
        checker.check_record(event.name, attributes, f"event {index} ({event.name})")


def _feed_measurements(checker: LiveChecker, measurements: Sequence[CapturedMeasurement]) -> None:
    from .records import LiveMetric, LivePoint

    for index, measurement in enumerate(measurements):
        metric = measurement.metric
        histogram = metric.instrument == "histogram"
        # What the exporter would send: a sum or gauge point's value is asInt or asDouble
        # by the instrument's value type; a histogram point carries its bucket bounds.
        point = LivePoint(
            dict(measurement.attributes),
            None if histogram else ("int" if type(measurement.value) is int else "double"),
            metric.boundaries if histogram else None,
        )
        live = LiveMetric(metric.name, metric.instrument, metric.unit, [point])
        checker.check_metric(live, f"measurement {index} ({metric.name})")


def _feed_spans(checker: LiveChecker, spans: Sequence[CapturedSpan]) -> None:
    from .records import LiveSpan

    for index, span in enumerate(spans):
        # What the exporter would send: arrays as lists, the events' names (their
        # attributes are the SDK's `exception.*`, not the catalog's).
        attributes: dict[str, object] = {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in span.attributes.items()
        }
        live = LiveSpan(
            span.name,
            span.kind,
            span.trace_id,
            span.span_id,
            span.parent_span_id or "",
            attributes,
            span.status,
            tuple((name, {}) for name in span.events),
        )
        checker.check_span(live, f"span {index} ({span.definition})")
    # The spans given are all there is: a parent not among them is none of the catalog's.
    checker.finish_spans()


def check_events(
    events: Iterable[CapturedEvent],
    *,
    measurements: Iterable[CapturedMeasurement] = (),
    spans: Iterable[CapturedSpan] = (),
    schema: str | Path | None = None,
    fail_on: str = "error",
) -> Report:
    """The live-check report of `events`, `measurements` and `spans` against the catalog
    (default: the application's, `set_default_catalog`, else the bundled one)."""
    from .checker import LiveChecker
    from .report import build_report

    events, measured, ended = list(events), list(measurements), list(spans)
    path = _catalog_path(schema)
    checker = LiveChecker(_catalog(path))
    if path not in _session:
        _session[path] = LiveChecker(_catalog(path))
    for each in (checker, _session[path]):
        _feed(each, events)
        _feed_measurements(each, measured)
        _feed_spans(each, ended)
    return build_report(checker, fail_on=fail_on)


def assert_conforms(
    events: Iterable[CapturedEvent],
    *,
    measurements: Iterable[CapturedMeasurement] = (),
    spans: Iterable[CapturedSpan] = (),
    schema: str | Path | None = None,
    fail_on: str = "error",
) -> Report:
    """Fail (AssertionError listing the findings) unless every event, measurement and span
    conforms to the catalog: no finding at or above `fail_on`. Returns the report (its
    coverage says which of the catalog's events, metrics, spans and attributes they
    exercised)."""
    from .report import render

    report = check_events(
        events, measurements=measurements, spans=spans, schema=schema, fail_on=fail_on
    )
    if not report.ok:
        raise AssertionError(
            "the captured telemetry does not conform to the catalog:\n" + render(report, "text")
        )
    return report


def session_coverage() -> dict[str, dict[str, Any]]:
    """Per catalog file, the coverage of every event checked so far in this process."""
    return {path: checker.coverage() for path, checker in _session.items()}


def session_catalogs() -> list[tuple[str, str, dict[str, Any]]]:
    """Per catalog checked so far in this process: its namespace (or file name), its path
    and the coverage of everything checked against it."""
    return [
        (checker.catalog.namespace or Path(path).name, path, checker.coverage())
        for path, checker in _session.items()
    ]


def reset_session_coverage() -> None:
    _session.clear()
