"""The meaning checks of a catalog's metrics and `common.metric_attributes`, and their
resolution into `Metric`s: a part of the resolver (`resolve._Resolver` mixes it in).

A metric attribute must have few values (each combination is a time series), carry no
redacted value, and have a key and enum values Codex's metrics client accepts as tags;
recorder names must not collide; a histogram's boundaries must be finite and increasing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import naming
from .diagnostics import DocPath
from .model import Attribute, AttributeType, Deprecation, Event, Metric
from .resolve_checks import is_finite, suggest
from .salvage import Absent
from .wire_limits import RESERVED_TAG_KEYS, tag_problem


class MetricResolution:
    """The resolver's metric methods; the attributes and methods declared first are the
    resolver's own (`resolve._Resolver`), which this class is mixed into."""

    doc: Mapping[str, Any]
    absent: Absent
    definitions: dict[str, tuple[DocPath, Mapping[str, Any]]]
    types: dict[str, AttributeType]
    #: Attributes whose enum values were checked as metric tags (once each).
    tag_checked: set[str]

    def error(self, path: DocPath, message: str, hint: str = "", *, key: bool = False) -> None:
        raise NotImplementedError

    def resolve_group(
        self, path: DocPath, uses: list[Mapping[str, Any]], taken: Mapping[str, str], what: str
    ) -> tuple[Attribute, ...]:
        raise NotImplementedError

    def defined_twice(self, noun: str, path: DocPath, name: str, names: dict[str, DocPath]) -> bool:
        raise NotImplementedError

    def function_name_error(
        self, noun: str, path: DocPath, name: str, *, role: str, function: str, problem: str | None
    ) -> None:
        raise NotImplementedError

    def check_metric_attribute(self, path: DocPath, attribute: Attribute) -> None:
        """A metric attribute must have few values (each is a time series), no secret,
        and a key and enum values Codex's metrics client accepts as a tag."""
        self.check_tag(path, attribute)
        if attribute.redact:
            self.error(
                path,
                f"attribute {attribute.key!r} is redacted, and metrics carry no redacted values",
                "record the metric without it",
            )
        elif not attribute.is_low_cardinality:
            what = f"an unbounded {attribute.type.display}"
            if attribute.type.base == "int" and not attribute.type.is_array:
                what = "an int without both minimum and maximum"
            self.error(
                path,
                f"attribute {attribute.key!r} is unbounded ({what}): every value a metric "
                "carries makes a time series of its own",
                "mark the attribute `cardinality: low` in its definition if its values are "
                "few, or record the metric without it",
            )

    def check_tag(self, path: DocPath, attribute: Attribute) -> None:
        """The key at the metric's use (`path`); the enum values at their definitions,
        once per attribute whichever metrics use it. Free-text values are the runtime's
        to sanitise (runtime/_metric_tags.py)."""
        key = attribute.key
        problem = "is reserved (a histogram bucket's bound in Prometheus)"
        if key not in RESERVED_TAG_KEYS:
            problem = tag_problem(key) or ""
        if problem:
            self.error(
                path,
                f"attribute {key!r} cannot be a metric tag: its key {problem}",
                "record the metric without it, or rename the attribute",
            )
        if key in self.tag_checked or key not in self.definitions:
            return
        self.tag_checked.add(key)
        definition = self.definitions[key][0]
        for index, member in enumerate(attribute.type.members):
            if not isinstance(member.value, str):
                continue
            value_problem = tag_problem(member.value)
            if value_problem:
                self.error(
                    (*definition, "type", "members", index, "value"),
                    f"enum value {member.value!r} of attribute {key!r}, a metric tag, "
                    f"{value_problem}",
                    "use a value of those characters (`approved_for_session`, `gpt-5/mini`)",
                )

    def resolve_metric_keys(
        self, common: tuple[Attribute, ...], keys: list[str]
    ) -> dict[str, Attribute]:
        """The common attributes every metric carries, by key (`common.metric_attributes`)."""
        by_key = {a.key: a for a in common}
        chosen: dict[str, Attribute] = {}
        for index, key in enumerate(keys):
            path: DocPath = ("common", "metric_attributes", index)
            attribute = by_key.get(key)
            if key in chosen:
                self.error(path, f"metric attribute {key!r} is listed twice", "remove one")
            elif attribute is None:
                if not self.absent.attribute(key):
                    self.error(
                        path,
                        f"metric attribute {key!r} is not in the common group",
                        suggest(key, by_key, "add a `ref` to it under `common.attributes`"),
                    )
            elif attribute.computed:
                self.error(
                    path,
                    f"metric attribute {key!r} is computed for each event, not metadata",
                    "list a metadata attribute of the common group",
                )
            else:
                self.check_metric_attribute(path, attribute)
                chosen[key] = attribute
        return chosen

    def resolve_metrics(
        self, metric_keys: Mapping[str, Attribute], events: tuple[Event, ...]
    ) -> tuple[Metric, ...]:
        metrics: list[Metric] = []
        names: dict[str, DocPath] = {}
        recorders: dict[str, str] = {}
        constants: dict[str, str] = {}
        emitters = {e.function_name: e.name for e in events}
        enum_classes = {t.class_name for t in self.types.values() if t.class_name}
        taken = dict.fromkeys(metric_keys, "in common.metric_attributes")
        bodies = self.doc.get("metrics") or []
        for index, body in enumerate(bodies):
            path: DocPath = ("metrics", index)
            name = body["name"]
            if self.defined_twice("metric", path, name, names):
                continue
            recorder = body.get("python_name") or naming.recorder_name_for_metric(
                name, self.doc.get("namespace")
            )
            constant = naming.metric_constant_for(recorder)
            owners = ((recorders, "recorder"), (emitters, "emitter"))
            problem = naming.problem_with_function(recorder, owners, enum_classes)
            if problem is None and constant in constants:
                problem = (
                    f"gives the constant {constant}, as the recorder of "
                    f"{constants[constant]!r} does"
                )
            self.function_name_error(
                "metric", path, name, role="recorder", function=recorder, problem=problem
            )
            recorders[recorder] = name
            constants[constant] = name
            attributes = self.resolve_group(
                (*path, "attributes"), body["attributes"], taken, f"metric {name!r}"
            )
            uses: dict[str, int] = {}
            for position, use in enumerate(body["attributes"]):
                uses.setdefault(use["ref"], position)
            for attribute in attributes:
                ref_path: DocPath = (*path, "attributes", uses[attribute.key], "ref")
                self.check_metric_attribute(ref_path, attribute)
                if attribute.python_name == naming.RECORDER_VALUE:
                    self.error(
                        ref_path,
                        f"attribute {attribute.key!r} gives the Python name "
                        f"{attribute.python_name!r}, which is the recorder's value argument",
                        "set `python_name` on the attribute's definition",
                    )
            boundaries = self.check_boundaries(path, body)
            deprecated = body.get("deprecated")
            replacement = (deprecated or {}).get("replacement")
            if replacement and replacement not in {m["name"] for m in bodies}:
                self.error(
                    (*path, "deprecated", "replacement"),
                    f"replacement metric {replacement!r} is not defined",
                    suggest(replacement, names, "name a defined metric"),
                )
            metrics.append(
                Metric(
                    name=name,
                    function_name=recorder,
                    constant_name=constant,
                    instrument=body["instrument"],
                    unit=body["unit"],
                    value_type=body.get("value_type", "int"),
                    description=body["description"],
                    stability=body.get("stability", "development"),
                    deprecated=Deprecation(deprecated["note"], replacement) if deprecated else None,
                    attributes=attributes,
                    boundaries=boundaries,
                )
            )
        return tuple(metrics)

    def check_boundaries(
        self, path: DocPath, body: Mapping[str, Any]
    ) -> tuple[int | float, ...] | None:
        """A histogram's bucket boundaries: finite and strictly increasing."""
        if "boundaries" not in body:
            return None
        boundaries: list[int | float] = body["boundaries"]
        if body["instrument"] != "histogram":
            self.error(
                (*path, "boundaries"),
                f"boundaries apply only to histograms, not to a {body['instrument']}",
                "remove them, or make the metric a histogram",
            )
            return None
        for index, bound in enumerate(boundaries):
            if not is_finite(bound):
                self.error(
                    (*path, "boundaries", index), f"boundary {bound!r} is not a finite number"
                )
                return None
            if index and not bound > boundaries[index - 1]:
                self.error(
                    (*path, "boundaries", index),
                    f"boundary {bound!r} is not greater than the one before it "
                    f"({boundaries[index - 1]!r})",
                    "list the boundaries in strictly increasing order",
                )
                return None
        return tuple(boundaries)
