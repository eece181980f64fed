"""The checker: decoded records and metric points against the compiled catalog, into
aggregated findings.

`check_record` runs once per record and its attribute loop once per attribute, so it does
the least it can: a dict lookup and a class comparison per attribute; only attributes the
catalog constrains further (enums, bounds, caps, redaction, deprecation, arrays) go on
to `_check_value`. Not thread-safe: sources that check from several threads hold a lock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

from codex_otel.generator.diagnostics import with_article
from codex_otel.generator.model import Catalog

from .aggregate import Findings
from .expectations import (
    EVENT_NAME_KEY,
    AttributeExpectation,
    EventExpectation,
    MetricExpectation,
    compile_catalog,
    compile_metrics,
)
from .kinds import Severity
from .otlp_json import decode_json_line
from .records import Batch, InvalidRequest, LiveMetric, ResourceMetrics
from .secrets import SecretScan

#: The attribute a `secret` finding in a record's body names.
BODY = "(body)"
#: Keys a record may carry beyond the catalog's before coverage prunes what it remembers.
_SEEN_SLACK = 64


class LiveChecker:
    def __init__(
        self,
        catalog: Catalog,
        *,
        examples: int = 3,
        max_keys: int = 1000,
        require_redaction: bool = False,
    ) -> None:
        """`require_redaction`: the senders' privacy toggles are meant to be off, so content
        in an attribute with a redaction policy is an error; by default it is `info` (a
        toggle that is on by configuration is a choice, not a fault)."""
        self.catalog = catalog
        self.events: dict[str, EventExpectation] = compile_catalog(catalog)
        self.metrics: dict[str, MetricExpectation] = compile_metrics(catalog)
        overrides: dict[str, Severity] = {"unredacted": "error"} if require_redaction else {}
        self.findings = Findings(examples=examples, max_keys=max_keys, severities=overrides)
        #: Records and metric data points checked, and export requests (lines, bodies)
        #: read, valid or not.
        self.records = 0
        self.points = 0
        self.requests = 0
        #: `(key, kind)` of each credential in a mapping's values (the benchmark measures
        #: live-check with and without it).
        self.scan_secrets: Callable[[Mapping[str, object]], list[tuple[str, str]]] = (
            SecretScan().scan
        )

    # --- sources ---------------------------------------------------------------------

    def check_json_line(self, line: str | bytes, where: str) -> int:
        """Check one OTLP/JSON export request; a line that is not one is a finding."""
        self.requests += 1
        try:
            batches = decode_json_line(line)
        except InvalidRequest as error:
            self.invalid(where, str(error))
            return 0
        return self.check_batches(batches, where)

    def check_batches(self, batches: Iterable[Batch], where: str) -> int:
        """Check records (or metrics) grouped by resource; returns how many records and
        data points were checked."""
        checked = 0
        check = self.check_record
        for batch in batches:
            if batch.__class__ is ResourceMetrics:
                checked += self._check_metrics(batch, where)
                continue
            resource, records, scopes = batch
            if resource is not None and records:
                self._check_resource(resource, where)
            self._scan_scopes(scopes, where)
            for name, attributes, body in records:  # type: ignore[misc]  # LiveRecords
                check(name, attributes, where, body)
            checked += len(records)
        return checked

    def _check_metrics(self, batch: ResourceMetrics, where: str) -> int:
        points = sum(len(metric.points) for metric in batch.metrics)
        if batch.resource is not None and batch.metrics:
            self._check_resource(batch.resource, where)
        self._scan_scopes(batch.scopes, where)
        for metric in batch.metrics:
            self.check_metric(metric, where)
        return points

    def invalid(self, where: str, message: str) -> None:
        """A request that could not be decoded at all (bad JSON, not an export request)."""
        self.findings.add(
            "invalid_request",
            None,
            None,
            "not an OTLP logs or metrics export request",
            where,
            detail=message,
        )

    # --- records ---------------------------------------------------------------------

    def refused(self, where: str, reason: str) -> None:
        """A request the receiver turned away at its limits; the sender retries it."""
        self.findings.add(
            "refused", None, None, "turned away at the receiver's limits", where, detail=reason
        )

    def nothing_checked(self) -> None:
        """No record and no point at all: a broken export must not pass."""
        self.findings.add(
            "no_records",
            None,
            None,
            "no log record or metric point was checked (--allow-empty accepts that)",
            "this run",
            detail=f"{self.requests} request{'' if self.requests == 1 else 's'} read, "
            "no record or point in them",
        )

    def _check_resource(self, resource: Mapping[str, object], where: str) -> None:
        """Once per resource of a request: the count is of resources, not records."""
        self._scan(resource, None, None, where, "resource")
        service = resource.get("service.name")
        if service.__class__ is not str or not service:
            self.findings.add(
                "missing_service_name",
                None,
                "service.name",
                "the resource has no service.name: its records cannot be told apart by "
                "service (counted per resource)",
                where,
            )

    def check_record(
        self, name: str, attributes: Mapping[str, object], where: str, body: object = None
    ) -> None:
        self.records += 1
        if not name:
            carried = attributes.get(EVENT_NAME_KEY)
            name = carried if carried.__class__ is str else ""
        # Any record, known or not: a leak is a leak whoever sent it.
        self._scan(attributes, name or None, None, where)
        if body is not None:
            self._scan({BODY: body}, name or None, None, where)
        if not name:
            self.findings.add(
                "unknown_event",
                None,
                None,
                "the record has no EventName and no event.name attribute",
                where,
            )
            return
        event = self.events.get(name)
        if event is None:
            self.findings.add(
                "unknown_event", name, None, f"event {name!r} is not in the catalog", where
            )
            return
        event.records += 1
        findings = self.findings
        if event.deprecated is not None:
            findings.add(
                "deprecated", name, None, f"event {name!r} is deprecated: {event.deprecated}", where
            )
        if not attributes.keys() >= event.required:
            for key in sorted(event.required - attributes.keys()):
                findings.add(
                    "missing_required", name, key, f"required attribute {key!r} is absent", where
                )
        seen = event.seen
        seen.update(attributes)
        known = event.attributes
        if len(seen) > len(known) + _SEEN_SLACK:
            seen.intersection_update(known)  # keep memory bounded; unknown keys are findings
        for key, value in attributes.items():
            expected = known.get(key)
            if expected is None:
                findings.add(
                    "unknown_attribute",
                    name,
                    key,
                    f"attribute {key!r} is not defined for {name!r}",
                    where,
                    value=value,
                )
            elif value.__class__ is not expected.cls:
                self._mismatch(name, expected, value, where)
            elif not expected.plain:
                self._check_value(name, expected, value, where)

    # --- metrics ---------------------------------------------------------------------

    def check_metric(self, metric: LiveMetric, where: str) -> None:
        """One metric of an export request: its instrument and unit once, then each data
        point's value type, bucket bounds and attributes."""
        name = metric.name
        count = len(metric.points)
        self.points += count
        findings = self.findings
        for point in metric.points:  # any metric, known or not
            self._scan(point.attributes, None, name, where)
        expected = self.metrics.get(name)
        if expected is None:
            findings.add(
                "unknown_metric",
                None,
                None,
                f"metric {name!r} is not in the catalog",
                where,
                count=max(count, 1),
                metric=name,
            )
            return
        expected.points += count
        if metric.instrument not in expected.accepted_instruments:
            findings.add(
                "instrument_mismatch",
                None,
                None,
                f"{name!r} is a {expected.instrument}, but its points are those of "
                f"{with_article(_POINT_TYPE_WORDS.get(metric.instrument, metric.instrument))}",
                where,
                value=metric.instrument,
                metric=name,
            )
        if metric.unit != expected.unit:
            findings.add(
                "unit_mismatch",
                None,
                None,
                f"the unit of {name!r} must be {expected.unit!r}",
                where,
                value=metric.unit,
                metric=name,
            )
        if expected.deprecated is not None:
            findings.add(
                "deprecated",
                None,
                None,
                f"metric {name!r} is deprecated: {expected.deprecated}",
                where,
                metric=name,
            )
        for point in metric.points:
            if point.value_type is not None and point.value_type != expected.value_type:
                findings.add(
                    "value_type_mismatch",
                    None,
                    None,
                    f"the points of {name!r} must be {expected.value_type}s",
                    where,
                    value=point.value_type,
                    metric=name,
                )
            if (
                point.bounds is not None
                and expected.boundaries is not None
                and point.bounds != expected.boundaries
            ):
                findings.add(
                    "boundaries_mismatch",
                    None,
                    None,
                    f"the bucket bounds of {name!r} must be "
                    + ", ".join(f"{b:g}" for b in expected.boundaries),
                    where,
                    value=", ".join(f"{b:g}" for b in point.bounds),
                    metric=name,
                )
            self._check_point(expected, point.attributes, where)

    def _check_point(
        self, expected: MetricExpectation, attributes: Mapping[str, object], where: str
    ) -> None:
        name = expected.name
        findings = self.findings
        if not attributes.keys() >= expected.required:
            for key in sorted(expected.required - attributes.keys()):
                findings.add(
                    "missing_required",
                    None,
                    key,
                    f"required attribute {key!r} is absent",
                    where,
                    metric=name,
                )
        seen = expected.seen
        known = expected.attributes
        seen.update(key for key in attributes if key in known)
        for key, value in attributes.items():
            attribute = known.get(key)
            if attribute is None:
                findings.add(
                    "unknown_attribute",
                    None,
                    key,
                    f"attribute {key!r} is not defined for metric {name!r}",
                    where,
                    value=value,
                    metric=name,
                )
            elif value.__class__ is not attribute.cls:
                self._mismatch(None, attribute, value, where, metric=name)
            elif not attribute.plain:
                self._check_value(None, attribute, value, where, metric=name)

    # --- secrets -----------------------------------------------------------------------

    def _scan(
        self,
        attributes: Mapping[str, object],
        event: str | None,
        metric: str | None,
        where: str,
        place: str = "",
    ) -> None:
        """A `secret` finding per credential in the values. `place` names attributes that
        are not a record's or a point's (`resource`, `scope`): the finding's attribute is
        then `(resource) KEY`; a record's body is the attribute `(body)`."""
        for key, kind in self.scan_secrets(attributes):
            if place:
                subject = f"{place} attribute {key!r}"
            else:
                owner = (
                    f"metric {metric!r}" if metric else f"event {event!r}" if event else "a record"
                )
                part = "the body" if key == BODY else f"attribute {key!r}"
                subject = f"{part} of {owner}"
            self.findings.add(
                "secret",
                event,
                f"({place}) {key}" if place else key,
                f"{with_article(kind)} credential in {subject}: the sender exports it "
                "(its value is never shown)",
                where,
                metric=metric,
                credential=kind,
            )

    def _scan_scopes(self, scopes: Iterable[Mapping[str, object]], where: str) -> None:
        for attributes in scopes:
            self._scan(attributes, None, None, where, "scope")

    # --- values ------------------------------------------------------------------------

    def _mismatch(
        self,
        event: str | None,
        expected: AttributeExpectation,
        value: object,
        where: str,
        metric: str | None = None,
    ) -> None:
        self.findings.add(
            "type_mismatch",
            event,
            expected.key,
            f"{expected.key!r} must be {with_article(expected.type_text)}",
            where,
            value=value,
            redacted=expected.placeholder is not None,
            metric=metric,
        )

    def _check_value(
        self,
        event: str | None,
        expected: AttributeExpectation,
        value: object,
        where: str,
        metric: str | None = None,
    ) -> None:
        stand_in = expected.placeholder is not None and (
            value == expected.placeholder or _is_hash(value)
        )
        if stand_in:
            pass  # what a privacy mode sends instead of the content: not the content's checks
        elif expected.item_cls is not None:
            items: list[object] = value  # type: ignore[assignment]  # a list: checked by the caller
            for item in items:
                if item.__class__ is not expected.item_cls:
                    self._mismatch(event, expected, value, where, metric)
                    return
            for item in items:
                if not self._check_scalar(event, expected, item, where, metric):
                    break  # one finding per value is enough
        else:
            self._check_scalar(event, expected, value, where, metric)
        if expected.deprecated is not None:
            self.findings.add(
                "deprecated",
                event,
                expected.key,
                f"attribute {expected.key!r} is deprecated: {expected.deprecated}",
                where,
                value=value,
                redacted=expected.placeholder is not None,
                metric=metric,
            )
        if expected.placeholder is not None and not stand_in:
            self.findings.add(
                "unredacted",
                event,
                expected.key,
                f"{expected.key!r} carries its content, not the placeholder "
                f"{expected.placeholder!r}: {expected.toggle} = true sends it",
                where,
                value=value,
                redacted=True,
                metric=metric,
            )

    def _check_scalar(
        self,
        event: str | None,
        expected: AttributeExpectation,
        value: object,
        where: str,
        metric: str | None = None,
    ) -> bool:
        """Check an item's value against the enum, bounds and cap; False on a finding."""
        redacted = expected.placeholder is not None
        members = expected.members
        if members is not None and value not in members:
            if expected.key == EVENT_NAME_KEY:
                message = f"'event.name' must be the record's event name {event!r}"
            else:
                allowed = ", ".join(repr(member) for member in sorted(members, key=str))
                message = f"{expected.key!r} must be one of {allowed}"
            self.findings.add(
                "enum_violation",
                event,
                expected.key,
                message,
                where,
                value=value,
                redacted=redacted,
                metric=metric,
            )
            return False
        low, high = expected.minimum, expected.maximum
        if low is not None or high is not None:
            number: float = value  # type: ignore[assignment]  # int or float: checked by class
            if (
                (low is not None and number < low)
                or (high is not None and number > high)
                or (number.__class__ is float and math.isnan(number))
            ):
                self.findings.add(
                    "out_of_bounds",
                    event,
                    expected.key,
                    f"{expected.key!r} must be {expected.bounds_text}",
                    where,
                    value=value,
                    redacted=redacted,
                    metric=metric,
                )
                return False
        cap = expected.max_length
        if cap is not None and len(value) > cap:  # type: ignore[arg-type]  # a str
            self.findings.add(
                "too_long",
                event,
                expected.key,
                f"{expected.key!r} is longer than its cap of {cap} characters",
                where,
                value=value,
                redacted=redacted,
                metric=metric,
            )
            return False
        return True

    # --- coverage --------------------------------------------------------------------

    def coverage(self) -> dict[str, object]:
        """Which of the catalog's events, attributes and metrics were seen, and the ratio of
        each: names seen and never seen, and per event (or metric) its attributes.

        An attribute is one the catalog's events carry (their own and the common group's;
        `event.name` aside), seen when a record of an event that defines it carries it."""
        seen_events = [name for name, event in self.events.items() if event.records]
        unseen_events = [name for name, event in self.events.items() if not event.records]
        by_event: dict[str, dict[str, list[str]]] = {}
        keys: dict[str, bool] = {}  # every key the events carry, in the catalog's order
        for name, event in self.events.items():
            seen = [key for key in event.own if key in event.seen]
            unseen = [key for key in event.own if key not in event.seen]
            by_event[name] = {"seen": seen, "unseen": unseen}
            for key in event.own:
                keys[key] = keys.get(key, False) or key in event.seen
        seen_keys = [key for key, seen in keys.items() if seen]
        unseen_keys = [key for key, seen in keys.items() if not seen]
        seen_metrics = [name for name, metric in self.metrics.items() if metric.points]
        unseen_metrics = [name for name, metric in self.metrics.items() if not metric.points]
        by_metric = {
            name: {
                "seen": [key for key in metric.own if key in metric.seen],
                "unseen": [key for key in metric.own if key not in metric.seen],
            }
            for name, metric in self.metrics.items()
        }
        return {
            "events": {
                "total": len(self.events),
                "seen": seen_events,
                "unseen": unseen_events,
                "ratio": _ratio(len(seen_events), len(self.events)),
            },
            "metrics": {
                "total": len(self.metrics),
                "seen": seen_metrics,
                "unseen": unseen_metrics,
                "ratio": _ratio(len(seen_metrics), len(self.metrics)),
                "by_metric": by_metric,
            },
            "attributes": {
                "total": len(keys),
                "seen": seen_keys,
                "unseen": unseen_keys,
                "ratio": _ratio(len(seen_keys), len(keys)),
                "by_event": by_event,
            },
        }


#: How findings name the instrument a point type comes from.
_POINT_TYPE_WORDS = {
    "counter": "counter (a monotonic sum)",
    "updowncounter": "updowncounter (a non-monotonic sum)",
    "exponential_histogram": "exponential histogram",
    "empty": "metric without data",
}


def _is_hash(value: object) -> bool:
    """A policy attribute's `hash` mode: HMAC-SHA256 as 64 lowercase hex characters."""
    return value.__class__ is str and len(value) == 64 and _HEX.issuperset(value)


_HEX = frozenset("0123456789abcdef")


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


__all__ = ["LiveChecker"]
