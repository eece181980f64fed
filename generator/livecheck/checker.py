"""The checker: decoded records against the compiled catalog, into aggregated findings.

`check_record` runs once per record and its attribute loop once per attribute, so it does
the least it can: a dict lookup and a class comparison per attribute; only attributes the
catalog constrains further (enums, bounds, caps, redaction, deprecation, arrays) go on
to `_check_value`. Not thread-safe: sources that check from several threads hold a lock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from ..diagnostics import with_article
from ..model import Catalog
from .aggregate import Findings
from .expectations import EVENT_NAME_KEY, AttributeExpectation, EventExpectation, compile_catalog
from .otlp_json import decode_json_line
from .records import InvalidRequest, ResourceRecords

#: Keys a record may carry beyond the catalog's before coverage prunes what it remembers.
_SEEN_SLACK = 64


class LiveChecker:
    def __init__(self, catalog: Catalog, *, examples: int = 3, max_keys: int = 1000) -> None:
        self.catalog = catalog
        self.events: dict[str, EventExpectation] = compile_catalog(catalog)
        self.findings = Findings(examples=examples, max_keys=max_keys)
        #: Records checked, and export requests (lines, bodies) read, valid or not.
        self.records = 0
        self.requests = 0

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

    def check_batches(self, batches: Iterable[ResourceRecords], where: str) -> int:
        """Check records grouped by resource; returns how many records were checked."""
        checked = 0
        check = self.check_record
        for resource, records in batches:
            if resource is not None and records:
                self._check_resource(resource, len(records), where)
            for name, attributes in records:
                check(name, attributes, where)
            checked += len(records)
        return checked

    def invalid(self, where: str, message: str) -> None:
        """A request that could not be decoded at all (bad JSON, not an export request)."""
        self.findings.add(
            "invalid_request", None, None, "not an OTLP logs export request", where, detail=message
        )

    # --- records ---------------------------------------------------------------------

    def _check_resource(self, resource: Mapping[str, object], count: int, where: str) -> None:
        service = resource.get("service.name")
        if service.__class__ is not str or not service:
            self.findings.add(
                "missing_service_name",
                None,
                "service.name",
                "the resource has no service.name: the records cannot be told apart by service",
                where,
                count=count,
            )

    def check_record(self, name: str, attributes: Mapping[str, object], where: str) -> None:
        self.records += 1
        if not name:
            carried = attributes.get(EVENT_NAME_KEY)
            if carried.__class__ is not str or not carried:
                self.findings.add(
                    "unknown_event",
                    None,
                    None,
                    "the record has no EventName and no event.name attribute",
                    where,
                )
                return
            name = carried
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

    def _mismatch(
        self, event: str, expected: AttributeExpectation, value: object, where: str
    ) -> None:
        self.findings.add(
            "type_mismatch",
            event,
            expected.key,
            f"{expected.key!r} must be {with_article(expected.type_text)}",
            where,
            value=value,
            redacted=expected.placeholder is not None,
        )

    def _check_value(
        self, event: str, expected: AttributeExpectation, value: object, where: str
    ) -> None:
        if expected.item_cls is not None:
            items: list[object] = value  # type: ignore[assignment]  # a list: checked by the caller
            for item in items:
                if item.__class__ is not expected.item_cls:
                    self._mismatch(event, expected, value, where)
                    return
            for item in items:
                if not self._check_scalar(event, expected, item, where):
                    break  # one finding per value is enough
        else:
            self._check_scalar(event, expected, value, where)
        if expected.deprecated is not None:
            self.findings.add(
                "deprecated",
                event,
                expected.key,
                f"attribute {expected.key!r} is deprecated: {expected.deprecated}",
                where,
                value=value,
                redacted=expected.placeholder is not None,
            )
        if expected.placeholder is not None and value != expected.placeholder:
            self.findings.add(
                "unredacted",
                event,
                expected.key,
                f"{expected.key!r} carries its content, not the placeholder "
                f"{expected.placeholder!r}: its redaction toggle is on",
                where,
                value=value,
                redacted=True,
            )

    def _check_scalar(
        self, event: str, expected: AttributeExpectation, value: object, where: str
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
            )
            return False
        return True

    # --- coverage --------------------------------------------------------------------

    def coverage(self) -> dict[str, object]:
        """Which of the catalog's events and attributes were seen, and the ratio of each."""
        seen_events = [name for name, event in self.events.items() if event.records]
        unseen_events = [name for name, event in self.events.items() if not event.records]
        by_event: dict[str, dict[str, list[str]]] = {}
        seen_pairs = total_pairs = 0
        for name, event in self.events.items():
            seen = [key for key in event.own if key in event.seen]
            unseen = [key for key in event.own if key not in event.seen]
            by_event[name] = {"seen": seen, "unseen": unseen}
            seen_pairs += len(seen)
            total_pairs += len(event.own)
        return {
            "events": {
                "total": len(self.events),
                "seen": seen_events,
                "unseen": unseen_events,
                "ratio": _ratio(len(seen_events), len(self.events)),
            },
            "attributes": {
                "total": total_pairs,
                "seen": seen_pairs,
                "ratio": _ratio(seen_pairs, total_pairs),
                "by_event": by_event,
            },
        }


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


__all__ = ["LiveChecker"]
