"""The checker: decoded records, metric points and spans against the compiled catalog, into
aggregated findings.

`check_record` runs once per record and its attribute loop once per attribute, so it does
the least it can: a dict lookup and a class comparison per attribute; only attributes the
catalog constrains further (enums, bounds, caps, redaction, deprecation, arrays) go on
to `_check_value`. Not thread-safe: sources that check from several threads hold a lock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from codex_otel.generator.diagnostics import with_article
from codex_otel.generator.model import Catalog

from .aggregate import Findings
from .expectations import (
    EVENT_NAME_KEY,
    AttributeExpectation,
    EventExpectation,
    MetricExpectation,
    SpanExpectation,
    compile_catalog,
    compile_metrics,
    compile_spans,
    content_keys,
)
from .kinds import Severity
from .otlp_json import decode_json_line
from .records import Batch, InvalidRequest, LiveMetric, LiveSpan, ResourceMetrics, ResourceSpans
from .secrets import SecretScan
from .span_tree import SpanTree

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
        span_attributes: Iterable[str] = (),
    ) -> None:
        """`require_redaction`: the senders' privacy toggles are meant to be off, so content
        in an attribute with a redaction policy is an error; by default it is `info` (a
        toggle that is on by configuration is a choice, not a fault). `span_attributes`:
        keys the senders' `span_attributes` setting puts on every span (constant strings
        the catalog cannot know), accepted on any catalog span as strings."""
        self.catalog = catalog
        self.events: dict[str, EventExpectation] = compile_catalog(catalog)
        self.metrics: dict[str, MetricExpectation] = compile_metrics(catalog)
        #: Catalog spans by id; those with a fixed name by name, the templated ones apart.
        self.spans: dict[str, SpanExpectation] = compile_spans(catalog)
        self._fixed_spans: dict[str, list[SpanExpectation]] = {}
        self._templated_spans: list[SpanExpectation] = []
        for span in self.spans.values():
            if span.name_keys:
                self._templated_spans.append(span)
            else:
                self._fixed_spans.setdefault(span.template, []).append(span)
        #: Keys that are content somewhere in the catalog: never on a span.
        self.content_keys = content_keys(catalog)
        self.span_attributes = {key: replace(_CONFIGURED, key=key) for key in span_attributes}
        #: The received spans' catalog ids, and the spans waiting for their parent.
        self.span_tree: SpanTree[tuple[SpanExpectation, str]] = SpanTree()
        overrides: dict[str, Severity] = {"unredacted": "error"} if require_redaction else {}
        self.findings = Findings(examples=examples, max_keys=max_keys, severities=overrides)
        #: Records, metric data points and spans checked, and export requests (lines,
        #: bodies) read, valid or not.
        self.records = 0
        self.points = 0
        self.span_count = 0
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
        """Check records (or metrics, or spans) grouped by resource; returns how many
        records, data points and spans were checked."""
        checked = 0
        check = self.check_record
        for batch in batches:
            if batch.__class__ is ResourceMetrics:
                checked += self._check_metrics(batch, where)
                continue
            if batch.__class__ is ResourceSpans:
                checked += self._check_spans(batch, where)
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
            "not an OTLP logs, metrics or traces export request",
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
            "no log record, metric point or span was checked (--allow-empty accepts that)",
            "this run",
            detail=f"{self.requests} request{'' if self.requests == 1 else 's'} read, "
            "no record, point or span in them",
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

    # --- spans -------------------------------------------------------------------------

    def _check_spans(self, batch: ResourceSpans, where: str) -> int:
        if batch.resource is not None and batch.spans:
            self._check_resource(batch.resource, where)
        self._scan_scopes(batch.scopes, where)
        for span in batch.spans:
            self.check_span(span, where)
        return len(batch.spans)

    def check_span(self, span: LiveSpan, where: str) -> None:
        """One ended span: matched to a catalog span by name and kind, its attributes
        checked (required ones whenever they are known: it ended), its parent checked
        once the parent is known, and any span scanned for content and credentials."""
        self.span_count += 1
        findings = self.findings
        expected = self._match_span(span, where)
        label = expected.id if expected is not None else span.name
        self._scan(span.attributes, None, None, where, span=label)
        for event_name, event_attributes in span.events:
            if event_attributes:
                self._scan(event_attributes, None, None, where, f"event {event_name}", span=label)
        for resolution in self.span_tree.received(
            span.trace_id,
            span.span_id,
            span.parent_span_id,
            None if expected is None else expected.id,
            None if expected is None else (expected, where),
        ):
            self._check_parent(*resolution)
        if expected is None:
            for key, value in span.attributes.items():
                if key in self.content_keys:
                    self._content(label, key, value, where)
            return
        name = expected.id
        expected.spans += 1
        if expected.deprecated is not None:
            findings.add(
                "deprecated",
                None,
                None,
                f"span {name!r} is deprecated: {expected.deprecated}",
                where,
                span=name,
            )
        attributes = span.attributes
        if not attributes.keys() >= expected.required:
            for key in sorted(expected.required - attributes.keys()):
                findings.add(
                    "missing_required",
                    None,
                    key,
                    f"required attribute {key!r} is absent (spans are checked once ended)",
                    where,
                    span=name,
                )
        known = expected.attributes
        expected.seen.update(key for key in attributes if key in known)
        for key, value in attributes.items():
            attribute = known.get(key) or self.span_attributes.get(key)
            if attribute is None:
                if key in self.content_keys:
                    self._content(name, key, value, where)
                else:
                    findings.add(
                        "unknown_attribute",
                        None,
                        key,
                        f"attribute {key!r} is not defined for span {name!r}",
                        where,
                        value=value,
                        span=name,
                    )
            elif value.__class__ is not attribute.cls:
                self._mismatch(None, attribute, value, where, span=name)
            elif not attribute.plain:
                self._check_value(None, attribute, value, where, span=name)

    def _match_span(self, span: LiveSpan, where: str) -> SpanExpectation | None:
        """The catalog span whose name, its template filled from the span's attributes, is
        the span's name, of the span's kind (another kind: a `span_kind_mismatch`, and the
        span is checked as that catalog span); None, reported, when none has the name."""
        named: list[SpanExpectation] = [
            *self._fixed_spans.get(span.name, ()),
            *(e for e in self._templated_spans if e.name_for(span.attributes) == span.name),
        ]
        if not named:
            near = [e for e in self._templated_spans if e.shape.fullmatch(span.name)]
            if near:
                keys = ", ".join(repr(key) for key in near[0].name_keys)
                message = (
                    f"no catalog span is named {span.name!r}: it has the shape of "
                    f"{near[0].id!r} ({near[0].template!r}), but the span's {keys} "
                    "do not fill it so"
                )
            else:
                message = f"span {span.name!r} is not in the catalog"
            self.findings.add("unknown_span", None, None, message, where, span=span.name)
            return None
        for expected in named:
            if expected.kind == span.kind:
                return expected
        expected = named[0]
        self.findings.add(
            "span_kind_mismatch",
            None,
            None,
            f"span {expected.id!r} must be of kind {expected.kind}",
            where,
            value=span.kind,
            span=expected.id,
        )
        return expected

    def _check_parent(
        self, item: tuple[SpanExpectation, str], parent: str | None, shown: str
    ) -> None:
        expected, where = item
        allowed = expected.root if parent is None else parent in expected.parents
        if not allowed:
            self.findings.add(
                "span_parent",
                None,
                None,
                f"span {expected.id!r} must start {expected.allowed_parents}",
                where,
                value=shown,
                span=expected.id,
            )

    def finish_spans(self) -> None:
        """The end of the traffic: spans still waiting for a parent never got it (a
        foreign parent, or one not exported): each must be allowed as a root."""
        for resolution in self.span_tree.finish():
            self._check_parent(*resolution)

    def _content(self, span: str, key: str, value: object, where: str) -> None:
        self.findings.add(
            "span_content",
            None,
            key,
            f"{key!r} is content in the catalog: spans carry sizes and counts, never content",
            where,
            value=value,
            redacted=True,
            span=span,
        )

    # --- secrets -----------------------------------------------------------------------

    def _scan(
        self,
        attributes: Mapping[str, object],
        event: str | None,
        metric: str | None,
        where: str,
        place: str = "",
        *,
        span: str | None = None,
    ) -> None:
        """A `secret` finding per credential in the values. `place` names attributes that
        are not a record's, a point's or a span's (`resource`, `scope`, a span's `event
        exception`): the finding's attribute is then `(resource) KEY`; a record's body is
        the attribute `(body)`."""
        for key, kind in self.scan_secrets(attributes):
            if span is not None:
                owner = f"span {span!r}"
            elif metric:
                owner = f"metric {metric!r}"
            else:
                owner = f"event {event!r}" if event else "a record"
            if place:
                subject = f"{place} attribute {key!r}" + (f" of {owner}" if span else "")
            else:
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
                span=span,
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
        *,
        metric: str | None = None,
        span: str | None = None,
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
            span=span,
        )

    def _check_value(
        self,
        event: str | None,
        expected: AttributeExpectation,
        value: object,
        where: str,
        *,
        metric: str | None = None,
        span: str | None = None,
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
                    self._mismatch(event, expected, value, where, metric=metric, span=span)
                    return
            for item in items:
                if not self._check_scalar(event, expected, item, where, metric=metric, span=span):
                    break  # one finding per value is enough
        else:
            self._check_scalar(event, expected, value, where, metric=metric, span=span)
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
                span=span,
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
                span=span,
            )

    def _check_scalar(
        self,
        event: str | None,
        expected: AttributeExpectation,
        value: object,
        where: str,
        *,
        metric: str | None = None,
        span: str | None = None,
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
                span=span,
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
                    span=span,
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
                span=span,
            )
            return False
        return True

    # --- coverage --------------------------------------------------------------------

    def coverage(self) -> dict[str, object]:
        """Which of the catalog's events, attributes, metrics and spans were seen, and the
        ratio of each: names seen and never seen, and per event (or metric, or span) its
        attributes.

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
        seen_spans = [name for name, span in self.spans.items() if span.spans]
        unseen_spans = [name for name, span in self.spans.items() if not span.spans]
        by_span = {
            name: {
                "seen": [key for key in span.own if key in span.seen],
                "unseen": [key for key in span.own if key not in span.seen],
            }
            for name, span in self.spans.items()
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
            "spans": {
                "total": len(self.spans),
                "seen": seen_spans,
                "unseen": unseen_spans,
                "ratio": _ratio(len(seen_spans), len(self.spans)),
                "by_span": by_span,
            },
        }


#: How findings name the instrument a point type comes from.
_POINT_TYPE_WORDS = {
    "counter": "counter (a monotonic sum)",
    "updowncounter": "updowncounter (a non-monotonic sum)",
    "exponential_histogram": "exponential histogram",
    "empty": "metric without data",
}


#: A key of the senders' `span_attributes` setting: a string on every span.
_CONFIGURED = AttributeExpectation(
    key="",
    type_text="string",
    cls=str,
    item_cls=None,
    plain=True,
    members=None,
    minimum=None,
    maximum=None,
    bounds_text="",
    max_length=None,
    placeholder=None,
    toggle=None,
    deprecated=None,
)


def _is_hash(value: object) -> bool:
    """A policy attribute's `hash` mode: HMAC-SHA256 as 64 lowercase hex characters."""
    return value.__class__ is str and len(value) == 64 and _HEX.issuperset(value)


_HEX = frozenset("0123456789abcdef")


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


__all__ = ["LiveChecker"]
