"""The pinned OpenTelemetry GenAI semantic conventions, typed.

Reads a snapshot written by `schema/semconv/refresh.py` (`schema/semconv/gen_ai-*.yaml`,
shipped as package data of `codex_otel.schema`) into a `Registry` of frozen records: the
conventions' attributes, metrics, events and spans, looked up by id, type, unit and
deprecation. The snapshot is data we own; this module only reads it, and a malformed one
is an error naming the file and the item, never a half-loaded registry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import yaml

#: The snapshot format this reader understands (`format:` in the file).
FORMAT_VERSION = 1
SNAPSHOT_NAME = re.compile(r"gen_ai-(\d+)\.(\d+)\.(\d+)\.yaml")
REQUIREMENTS = frozenset({"required", "conditionally_required", "recommended", "opt_in"})
#: Attribute types of the conventions (enums carry their members beside the base type).
TYPES = frozenset(
    {"string", "int", "double", "boolean", "string[]", "int[]", "double[]", "boolean[]", "any"}
)
INSTRUMENTS = frozenset({"counter", "updowncounter", "histogram", "gauge"})

_Record = TypeVar("_Record")


class SemconvError(Exception):
    """A snapshot that cannot be read, or a lookup of an id the snapshot does not hold."""


@dataclass(frozen=True)
class Deprecation:
    """Why an id is deprecated: `renamed` (to `renamed_to`), `obsoleted` or `uncategorized`."""

    reason: str
    renamed_to: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class EnumMember:
    id: str
    value: str | int
    stability: str | None
    brief: str
    deprecation: Deprecation | None


@dataclass(frozen=True)
class Attribute:
    """A registry attribute; `type` is the base type, `members` is set for enums."""

    id: str
    type: str
    brief: str
    stability: str | None
    members: tuple[EnumMember, ...]
    deprecation: Deprecation | None
    defined_in: str

    @property
    def is_enum(self) -> bool:
        return bool(self.members)

    def member(self, value: str | int) -> EnumMember | None:
        return next((m for m in self.members if m.value == value), None)


@dataclass(frozen=True)
class AttributeUse:
    """An attribute on a metric, event or span, with its requirement level there."""

    id: str
    requirement: str
    condition: str | None


@dataclass(frozen=True)
class Metric:
    name: str
    instrument: str
    unit: str
    value_type: str | None
    brief: str
    stability: str | None
    requirement: str | None
    bucket_boundaries: tuple[float, ...] | None
    attributes: tuple[AttributeUse, ...]
    deprecation: Deprecation | None


@dataclass(frozen=True)
class Event:
    name: str
    brief: str
    stability: str | None
    attributes: tuple[AttributeUse, ...]
    deprecation: Deprecation | None


@dataclass(frozen=True)
class Span:
    """A span convention; `name` is its span name pattern (`execute_tool {gen_ai.tool.name}`)."""

    id: str
    name: str | None
    kind: str
    brief: str
    stability: str | None
    attributes: tuple[AttributeUse, ...]
    deprecation: Deprecation | None


@dataclass(frozen=True)
class Source:
    repository: str
    release: str
    commit: str
    files: Mapping[str, str]


@dataclass(frozen=True)
class Registry:
    """One snapshot of the conventions; every lookup of an unknown id raises `SemconvError`."""

    version: str
    source: Source
    attributes: Mapping[str, Attribute]
    metrics: Mapping[str, Metric]
    events: Mapping[str, Event]
    spans: Mapping[str, Span]

    def attribute(self, attribute_id: str) -> Attribute:
        return _lookup(self.attributes, attribute_id, "attribute", self.version)

    def metric(self, name: str) -> Metric:
        return _lookup(self.metrics, name, "metric", self.version)

    def event(self, name: str) -> Event:
        return _lookup(self.events, name, "event", self.version)

    def span(self, span_id: str) -> Span:
        return _lookup(self.spans, span_id, "span", self.version)

    def attributes_of_type(self, type_name: str) -> tuple[Attribute, ...]:
        return tuple(a for a in self.attributes.values() if a.type == type_name)

    def metrics_with_unit(self, unit: str) -> tuple[Metric, ...]:
        return tuple(m for m in self.metrics.values() if m.unit == unit)

    def deprecated_attributes(self) -> tuple[Attribute, ...]:
        return tuple(a for a in self.attributes.values() if a.deprecation is not None)

    def current_name(self, attribute_id: str) -> str | None:
        """The id to use instead of `attribute_id`, following renames; None if it was removed.

        An attribute that is not deprecated is its own current name.
        """
        seen: list[str] = []
        name = attribute_id
        while True:
            deprecation = self.attribute(name).deprecation
            if deprecation is None:
                return name
            if deprecation.renamed_to is None:
                return None
            seen.append(name)
            name = deprecation.renamed_to
            if name in seen:
                raise SemconvError(f"semconv {self.version}: rename cycle {' -> '.join(seen)}")


def _lookup(table: Mapping[str, _Record], key: str, kind: str, version: str) -> _Record:
    try:
        return table[key]
    except KeyError:
        close = sorted(k for k in table if k.split(".")[:2] == key.split(".")[:2])[:5]
        hint = f" (close: {', '.join(close)})" if close else ""
        raise SemconvError(f"no {kind} {key!r} in GenAI semconv {version}{hint}") from None


def snapshot_dir() -> Path:
    """The folder of the snapshots shipped with the package."""
    return Path(str(resources.files("codex_otel.schema").joinpath("semconv")))


def available_versions(folder: Path | None = None) -> list[str]:
    """The versions of the snapshots in `folder` (the shipped ones by default), oldest first."""
    found = []
    for path in (folder or snapshot_dir()).glob("gen_ai-*.yaml"):
        match = SNAPSHOT_NAME.fullmatch(path.name)
        if match:
            found.append(tuple(int(part) for part in match.groups()))
    return [".".join(map(str, version)) for version in sorted(found)]


def load_semconv(version: str | None = None) -> Registry:
    """The shipped snapshot of `version` (`1.41.1`), or the newest one shipped."""
    versions = available_versions()
    if not versions:
        raise SemconvError(f"no GenAI semconv snapshot in {snapshot_dir()}")
    wanted = (version or versions[-1]).removeprefix("v")
    if wanted not in versions:
        raise SemconvError(f"no GenAI semconv snapshot {wanted}; shipped: {', '.join(versions)}")
    return load_semconv_file(snapshot_dir() / f"gen_ai-{wanted}.yaml")


def load_semconv_file(path: Path) -> Registry:
    """A snapshot read from `path`, checked as it is read."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SemconvError(f"{path}: cannot read the snapshot: {error}") from error
    return _Reader(path).registry(document)


class _Reader:
    """Turns the parsed YAML into records; `fail` names the file and the item."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> SemconvError:
        return SemconvError(f"{self.path}: {where}: {message}")

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, found {type(value).__name__}")
        return value

    def text(
        self, data: Mapping[str, Any], key: str, where: str, default: str | None = None
    ) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(where, f"{key} must be a string, found {value!r}")
        return value

    def optional_text(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        return self.text(data, key, where) if data.get(key) is not None else None

    def registry(self, document: object) -> Registry:
        root = self.mapping(document, "(document)")
        if root.get("format") != FORMAT_VERSION:
            raise self.fail("format", f"expected {FORMAT_VERSION}, found {root.get('format')!r}")
        source_data = self.mapping(root.get("source"), "source")
        files = self.mapping(source_data.get("files", {}), "source.files")
        source = Source(
            repository=self.text(source_data, "repository", "source"),
            release=self.text(source_data, "release", "source"),
            commit=self.text(source_data, "commit", "source"),
            files={str(k): str(v) for k, v in files.items()},
        )
        attributes = {
            name: self.attribute(name, self.mapping(data, f"attributes.{name}"))
            for name, data in self.mapping(root.get("attributes"), "attributes").items()
        }
        metrics = {
            name: self.metric(name, self.mapping(data, f"metrics.{name}"))
            for name, data in self.mapping(root.get("metrics"), "metrics").items()
        }
        events = {
            name: self.event(name, self.mapping(data, f"events.{name}"))
            for name, data in self.mapping(root.get("events"), "events").items()
        }
        spans = {
            name: self.span(name, self.mapping(data, f"spans.{name}"))
            for name, data in self.mapping(root.get("spans"), "spans").items()
        }
        for kind, signals in (("metrics", metrics), ("events", events), ("spans", spans)):
            for name, signal in signals.items():
                for use in signal.attributes:
                    if use.id not in attributes:
                        raise self.fail(
                            f"{kind}.{name}", f"attribute {use.id} is not in the snapshot"
                        )
        return Registry(
            version=source.release.removeprefix("v"),
            source=source,
            attributes=attributes,
            metrics=metrics,
            events=events,
            spans=spans,
        )

    def deprecation(self, value: object, where: str) -> Deprecation | None:
        if value is None:
            return None
        data = self.mapping(value, f"{where}.deprecated")
        return Deprecation(
            reason=self.text(data, "reason", f"{where}.deprecated"),
            renamed_to=self.optional_text(data, "renamed_to", f"{where}.deprecated"),
            note=self.optional_text(data, "note", f"{where}.deprecated"),
        )

    def attribute(self, name: str, data: Mapping[str, Any]) -> Attribute:
        where = f"attributes.{name}"
        type_name = self.text(data, "type", where)
        if type_name not in TYPES:
            raise self.fail(
                where, f"unknown type {type_name!r} (known: {', '.join(sorted(TYPES))})"
            )
        members = []
        for index, raw in enumerate(data.get("members") or []):
            at = f"{where}.members[{index}]"
            member = self.mapping(raw, at)
            value = member.get("value")
            expected = {"string": str, "int": int}.get(type_name)
            if not isinstance(value, (str, int)) or type(value) is not expected:
                raise self.fail(at, f"value {value!r} is not of the enum's type {type_name}")
            members.append(
                EnumMember(
                    id=self.text(member, "id", at),
                    value=value,
                    stability=self.optional_text(member, "stability", at),
                    brief=self.text(member, "brief", at, ""),
                    deprecation=self.deprecation(member.get("deprecated"), at),
                )
            )
        return Attribute(
            id=name,
            type=type_name,
            brief=self.text(data, "brief", where, ""),
            stability=self.optional_text(data, "stability", where),
            members=tuple(members),
            deprecation=self.deprecation(data.get("deprecated"), where),
            defined_in=self.text(data, "defined_in", where),
        )

    def uses(self, value: object, where: str) -> tuple[AttributeUse, ...]:
        out = []
        for name, raw in self.mapping(value, f"{where}.attributes").items():
            at = f"{where}.attributes.{name}"
            data = self.mapping(raw, at)
            level = self.text(data, "requirement", at)
            if level not in REQUIREMENTS:
                raise self.fail(at, f"unknown requirement {level!r}")
            out.append(AttributeUse(name, level, self.optional_text(data, "condition", at)))
        return tuple(out)

    def metric(self, name: str, data: Mapping[str, Any]) -> Metric:
        where = f"metrics.{name}"
        instrument = self.text(data, "instrument", where)
        if instrument not in INSTRUMENTS:
            raise self.fail(where, f"unknown instrument {instrument!r}")
        buckets = data.get("bucket_boundaries")
        if buckets is not None:
            if not isinstance(buckets, list) or not all(
                isinstance(b, (int, float)) and not isinstance(b, bool) for b in buckets
            ):
                raise self.fail(where, f"bucket_boundaries must be a list of numbers: {buckets!r}")
            if any(a >= b for a, b in pairwise(buckets)):
                raise self.fail(where, f"bucket_boundaries must increase: {buckets!r}")
        return Metric(
            name=name,
            instrument=instrument,
            unit=self.text(data, "unit", where),
            value_type=self.optional_text(data, "value_type", where),
            brief=self.text(data, "brief", where, ""),
            stability=self.optional_text(data, "stability", where),
            requirement=self.optional_text(data, "requirement", where),
            bucket_boundaries=tuple(float(b) for b in buckets) if buckets is not None else None,
            attributes=self.uses(data.get("attributes", {}), where),
            deprecation=self.deprecation(data.get("deprecated"), where),
        )

    def event(self, name: str, data: Mapping[str, Any]) -> Event:
        where = f"events.{name}"
        return Event(
            name=name,
            brief=self.text(data, "brief", where, ""),
            stability=self.optional_text(data, "stability", where),
            attributes=self.uses(data.get("attributes", {}), where),
            deprecation=self.deprecation(data.get("deprecated"), where),
        )

    def span(self, span_id: str, data: Mapping[str, Any]) -> Span:
        where = f"spans.{span_id}"
        return Span(
            id=span_id,
            name=self.optional_text(data, "name", where),
            kind=self.text(data, "kind", where),
            brief=self.text(data, "brief", where, ""),
            stability=self.optional_text(data, "stability", where),
            attributes=self.uses(data.get("attributes", {}), where),
            deprecation=self.deprecation(data.get("deprecated"), where),
        )


def iter_deprecated(registry: Registry) -> Iterator[tuple[str, Deprecation]]:
    """Every deprecated id of the snapshot (attributes, enum members, signals) with its why."""
    for attribute in registry.attributes.values():
        if attribute.deprecation:
            yield attribute.id, attribute.deprecation
        for member in attribute.members:
            if member.deprecation:
                yield f"{attribute.id}={member.id}", member.deprecation
    for kind, signals in (
        ("metric", registry.metrics),
        ("event", registry.events),
        ("span", registry.spans),
    ):
        for name, signal in signals.items():
            if signal.deprecation:
                yield f"{kind} {name}", signal.deprecation
