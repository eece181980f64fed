"""Rewrite the GenAI semantic-conventions snapshot from a checkout of the conventions.

The snapshot (`gen_ai-<release>.yaml` beside this script) is codex-otel's own compact
record of the OpenTelemetry GenAI conventions: attributes, metrics, events and spans, with
their types, units, requirement levels, stability and deprecations. This script is the only
writer of it; `codex_otel.generator.semconv` is its reader.

Usage, from the repository root:

    git clone https://github.com/open-telemetry/semantic-conventions /tmp/semconv
    git -C /tmp/semconv checkout v1.41.1
    python schema/semconv/refresh.py /tmp/semconv --release v1.41.1 \
        --commit "$(git -C /tmp/semconv rev-parse HEAD)"

`--check` writes nothing and fails if the committed snapshot is not what the checkout
gives (a hand edit, or a refresh forgotten after a change to this script). A new release
is a new file (`gen_ai-1.42.0.yaml`): `load_semconv()` picks the newest,
`load_semconv("1.41.1")` still reads the older one.

What it reads, relative to the checkout of `semantic-conventions` (v1.41.1 is the last
release holding `model/gen-ai/`; from v1.42 only deprecation stubs remain there):

- every `model/gen-ai/**/*.yaml`: groups of type `attribute_group` (attributes defined
  with `id:`, referenced with `ref:`), `metric`, `event` and `span`; `extends` chains are
  resolved, a child's fields overriding its parent's;
- `docs/gen-ai/gen-ai-metrics.md`: each metric's recommended explicit bucket boundaries
  and its metric requirement level, which the conventions give only in prose, in front of
  the `<!-- semconv metric.ID -->` marker of the metric's table;
- every other `model/**/*.yaml` of the checkout (and of each `--also-model` directory)
  only to resolve attributes the GenAI groups reference (`server.address`, `error.type`)
  or name as a replacement (`openai.request.service_tier`); `--also-model CORE/model`
  adds a checkout of core conventions to resolve from, for a tree that lacks them.

The conventions' new home, `open-telemetry/semantic-conventions-genai`, has no release yet
and writes its model in Weaver's `file_format: definition/2` (top-level `attributes:` with
`key:`, `attribute_groups:` with `ref_group:`, `metrics:`, `spans:` keyed by `type:`).
This script reads the `groups:` format of the released conventions and refuses a
definition/2 file by name rather than write a snapshot with its contents missing.

An attribute referenced but defined nowhere is an error, never a silent gap.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FORMAT_VERSION = 1
GENAI_MODEL = Path("model") / "gen-ai"
METRICS_DOC = Path("docs") / "gen-ai" / "gen-ai-metrics.md"
HERE = Path(__file__).resolve().parent

SPAN_NAME = re.compile(r"\*\*Span name\*\*\s+SHOULD\s+be\s+`([^`]+)`")
METRIC_MARKER = re.compile(r"<!--\s*semconv\s+metric\.([\w.]+)\s*-->")
TABLE_END = re.compile(r"<!--\s*endsemconv\s*-->")
BUCKETS = re.compile(r"\[ExplicitBucketBoundaries\]\s+of\s+\[([^\]]*)\]")
METRIC_REQUIREMENT = re.compile(r"This metric is \[([a-z ]+?)\]")


class RefreshError(Exception):
    """The checkout does not hold what the snapshot needs; the message names file and item."""


@dataclass
class Group:
    """One group of a model file, with the file it came from."""

    data: dict[str, Any]
    path: str

    @property
    def id(self) -> str:
        return str(self.data["id"])


def yaml_files(root: Path) -> Iterator[Path]:
    yield from sorted(p for p in root.rglob("*.yaml") if p.is_file())


def read_groups(path: Path, checkout: Path) -> list[Group]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RefreshError(f"{path}: not YAML: {error}") from error
    relative = path.relative_to(checkout).as_posix() if path.is_relative_to(checkout) else str(path)
    if isinstance(document, dict) and document.get("file_format", "definition/1") != "definition/1":
        raise RefreshError(
            f"{relative}: file_format {document['file_format']} is not read by this script "
            "(it reads the released conventions' `groups:` files, definition/1)"
        )
    if not isinstance(document, dict) or not isinstance(document.get("groups"), list):
        return []  # manifests and other non-model files
    groups = []
    for index, data in enumerate(document["groups"]):
        if not isinstance(data, dict) or "id" not in data:
            raise RefreshError(f"{relative}: groups[{index}] has no id")
        groups.append(Group(data, relative))
    return groups


def one_line(text: object) -> str:
    """A brief or note as one line: YAML folded and literal blocks alike."""
    return " ".join(str(text).split()) if text is not None else ""


def requirement(level: object) -> dict[str, str]:
    """`recommended` or `{conditionally_required: "If available."}` as requirement + condition."""
    if isinstance(level, str):
        return {"requirement": level}
    if isinstance(level, dict) and len(level) == 1:
        ((name, condition),) = level.items()
        return {"requirement": str(name), "condition": one_line(condition)}
    raise RefreshError(f"unreadable requirement_level {level!r}")


def deprecation(data: object, where: str) -> dict[str, str] | None:
    if data is None:
        return None
    if not isinstance(data, dict) or "reason" not in data:
        raise RefreshError(f"{where}: deprecated has no reason")
    out = {"reason": str(data["reason"])}
    if data.get("renamed_to") is not None:
        out["renamed_to"] = str(data["renamed_to"])
    if data.get("note") is not None:
        out["note"] = one_line(data["note"])
    return out


def attribute_record(data: dict[str, Any], path: str) -> dict[str, Any]:
    """A registry attribute in the snapshot's form: enums become their base type + members."""
    where = f"{path}: attribute {data['id']}"
    raw_type = data.get("type")
    record: dict[str, Any] = {}
    if isinstance(raw_type, dict):
        members = []
        for member in raw_type.get("members", []):
            entry: dict[str, Any] = {"id": str(member["id"]), "value": member["value"]}
            if member.get("stability") is not None:
                entry["stability"] = str(member["stability"])
            if member.get("brief") is not None:
                entry["brief"] = one_line(member["brief"])
            gone = deprecation(member.get("deprecated"), f"{where} member {member['id']}")
            if gone:
                entry["deprecated"] = gone
            members.append(entry)
        values = {type(m["value"]) for m in members}
        if values == {str}:
            record["type"] = "string"
        elif values == {int}:
            record["type"] = "int"
        else:
            raise RefreshError(f"{where}: enum members mix value types {sorted(map(str, values))}")
        record["members"] = members
    elif isinstance(raw_type, str):
        record["type"] = raw_type
    else:
        raise RefreshError(f"{where}: has no type")
    record["brief"] = one_line(data.get("brief"))
    if data.get("stability") is not None:
        record["stability"] = str(data["stability"])
    gone = deprecation(data.get("deprecated"), where)
    if gone:
        record["deprecated"] = gone
    record["defined_in"] = path
    return record


class Model:
    """Every group of the GenAI model files, and every attribute definition in reach."""

    def __init__(self, checkout: Path, also_model: Iterable[Path]) -> None:
        genai = checkout / GENAI_MODEL
        if not genai.is_dir():
            raise RefreshError(
                f"{checkout}: no {GENAI_MODEL.as_posix()}/ (not a conventions checkout?)"
            )
        self.checkout = checkout
        self.read: list[Path] = []
        self.groups: dict[str, Group] = {}
        for path in yaml_files(genai):
            self.read.append(path)
            for group in read_groups(path, checkout):
                self.groups[group.id] = group
        self.definitions: dict[str, dict[str, Any]] = {}
        roots = [checkout / "model", *also_model]
        for root in roots:
            for path in yaml_files(root):
                for group in read_groups(path, checkout):
                    for attribute in group.data.get("attributes") or []:
                        if "id" in attribute and attribute["id"] not in self.definitions:
                            self.definitions[attribute["id"]] = attribute_record(
                                attribute, group.path
                            )
        self.genai_defined = sorted(
            str(attribute["id"])
            for group in self.groups.values()
            if group.data.get("type") in (None, "attribute_group")
            for attribute in group.data.get("attributes") or []
            if "id" in attribute
        )

    def resolved_refs(self, group_id: str, seen: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
        """The attribute references of a group after its `extends` chain, in order."""
        if group_id in seen:
            raise RefreshError(f"extends cycle: {' -> '.join((*seen, group_id))}")
        group = self.groups.get(group_id)
        if group is None:
            raise RefreshError(f"{seen[-1] if seen else '?'} extends unknown group {group_id}")
        refs: dict[str, dict[str, Any]] = {}
        parent = group.data.get("extends")
        if parent:
            refs = {
                k: dict(v) for k, v in self.resolved_refs(str(parent), (*seen, group_id)).items()
            }
        for attribute in group.data.get("attributes") or []:
            name = attribute.get("ref", attribute.get("id"))
            merged = refs.setdefault(str(name), {})
            if "requirement_level" in attribute:
                merged.pop("condition", None)
                merged.update(requirement(attribute["requirement_level"]))
        for merged in refs.values():
            merged.setdefault("requirement", "recommended")  # the conventions' default
        return refs


def metric_prose(checkout: Path) -> dict[str, dict[str, Any]]:
    """Bucket boundaries and requirement level per metric id, from the metrics document."""
    doc = checkout / METRICS_DOC
    if not doc.is_file():
        return {}
    text = doc.read_text(encoding="utf-8")
    found: dict[str, dict[str, Any]] = {}
    start = 0
    for marker in METRIC_MARKER.finditer(text):
        prose = text[start : marker.start()]  # since the previous metric's table ended
        table_end = TABLE_END.search(text, marker.end())
        start = table_end.end() if table_end else marker.end()
        entry: dict[str, Any] = {}
        buckets = BUCKETS.search(prose)
        if buckets:
            numbers = [n.strip() for n in buckets.group(1).split(",") if n.strip()]
            # As written: `1` stays an int (token counts), `1.0` a float (seconds).
            entry["bucket_boundaries"] = [float(n) if "." in n else int(n) for n in numbers]
        level = METRIC_REQUIREMENT.search(prose)
        if level:
            entry["requirement"] = level.group(1).replace(" ", "_")
        found["metric." + marker.group(1)] = entry
    return found


def metric_facts_from_prose(prose: dict[str, dict[str, Any]], metric_id: str) -> dict[str, Any]:
    """A metric's prose facts; their absence is said on stderr, not silently dropped."""
    facts = prose.get(metric_id, {})
    missing = [k for k in ("bucket_boundaries", "requirement") if k not in facts]
    if missing:
        print(
            f"refresh: warning: {METRICS_DOC.as_posix()} gives no {' or '.join(missing)} "
            f"for {metric_id}",
            file=sys.stderr,
        )
    return facts


def signal_attributes(model: Model, group_id: str) -> dict[str, dict[str, Any]]:
    refs = model.resolved_refs(group_id)
    missing = [name for name in refs if name not in model.definitions]
    if missing:
        raise RefreshError(
            f"{model.groups[group_id].path}: {group_id} references attributes defined nowhere: "
            f"{', '.join(missing)} (pass --also-model with the core conventions' model/)"
        )
    return refs


def span_name(model: Model, group_id: str) -> str | None:
    """The `**Span name** SHOULD be `...`` pattern of a span, or of the span it extends."""
    group: Group | None = model.groups[group_id]
    while group is not None:
        found = SPAN_NAME.search(f"{group.data.get('note', '')}\n{group.data.get('brief', '')}")
        if found:
            return found.group(1)
        parent = group.data.get("extends")
        group = model.groups.get(str(parent)) if parent else None
    return None


def build(
    checkout: Path, repository: str, release: str, commit: str, also_model: Iterable[Path]
) -> dict[str, Any]:
    model = Model(checkout, also_model)
    prose = metric_prose(checkout)
    metrics: dict[str, Any] = {}
    events: dict[str, Any] = {}
    spans: dict[str, Any] = {}
    for group in model.groups.values():
        data, kind = group.data, group.data.get("type")
        common: dict[str, Any] = {"brief": one_line(data.get("brief"))}
        if data.get("stability") is not None:
            common["stability"] = str(data["stability"])
        gone = deprecation(data.get("deprecated"), f"{group.path}: {group.id}")
        if gone:
            common["deprecated"] = gone
        if kind == "metric":
            value_type = (data.get("annotations") or {}).get("code_generation", {})
            entry = {
                "instrument": str(data["instrument"]),
                "unit": str(data["unit"]),
                **({"value_type": value_type["metric_value_type"]} if value_type else {}),
                **common,
                **metric_facts_from_prose(prose, group.id),
                "attributes": signal_attributes(model, group.id),
                "defined_in": group.path,
            }
            metrics[str(data["metric_name"])] = entry
        elif kind == "event":
            events[str(data["name"])] = {
                **common,
                "attributes": signal_attributes(model, group.id),
                "defined_in": group.path,
            }
        elif kind == "span":
            name = span_name(model, group.id)
            spans[group.id] = {
                "kind": str(data["span_kind"]),
                **({"name": name} if name else {}),
                **common,
                "attributes": signal_attributes(model, group.id),
                "defined_in": group.path,
            }

    wanted = list(model.genai_defined)
    for signal in (*metrics.values(), *events.values(), *spans.values()):
        wanted.extend(signal["attributes"])
    attributes: dict[str, Any] = {}
    while wanted:  # replacements pull in their targets, transitively
        name = wanted.pop(0)
        if name in attributes:
            continue
        if name not in model.definitions:
            raise RefreshError(f"attribute {name} is named as a replacement but defined nowhere")
        attributes[name] = model.definitions[name]
        target = (attributes[name].get("deprecated") or {}).get("renamed_to")
        if target:
            wanted.append(target)

    files = {
        path.relative_to(checkout).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in [*model.read, checkout / METRICS_DOC]
        if path.is_file()
    }
    return {
        "format": FORMAT_VERSION,
        "source": {
            "repository": repository,
            "release": release,
            "commit": commit,
            "files": files,
        },
        "attributes": dict(sorted(attributes.items())),
        "metrics": dict(sorted(metrics.items())),
        "events": dict(sorted(events.items())),
        "spans": dict(sorted(spans.items())),
    }


class _Dumper(yaml.SafeDumper):
    """Lists of scalars (bucket boundaries) on one line; everything else in block style."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(item, (int, float, str)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def render(snapshot: dict[str, Any]) -> str:
    source = snapshot["source"]
    header = (
        "# OpenTelemetry GenAI semantic conventions, as codex-otel reads them.\n"
        f"# Source: {source['repository']} at {source['release']} ({source['commit']}),\n"
        "# its model/gen-ai/ registry files and docs/gen-ai/gen-ai-metrics.md (bucket\n"
        "# boundaries).\n"
        "# Written by schema/semconv/refresh.py: do not edit by hand, re-run it.\n"
    )
    return header + yaml.dump(
        snapshot, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a checkout of the conventions at a release")
    parser.add_argument(
        "--repository",
        default="https://github.com/open-telemetry/semantic-conventions",
        help="where the checkout came from (recorded in the snapshot)",
    )
    parser.add_argument("--release", required=True, help="the checkout's tag, e.g. v1.41.1")
    parser.add_argument("--commit", required=True, help="the checkout's commit hash")
    parser.add_argument(
        "--also-model",
        type=Path,
        action="append",
        default=[],
        help="another model/ directory to resolve referenced attributes from (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=HERE, help="directory of the snapshot")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the snapshot differs from what the checkout gives",
    )
    args = parser.parse_args(argv)
    if not re.fullmatch(r"v?\d+\.\d+\.\d+[\w.-]*", args.release):
        parser.error(f"--release {args.release!r} is not a version tag like v1.41.1")
    try:
        snapshot = build(
            args.checkout.resolve(), args.repository, args.release, args.commit, args.also_model
        )
    except RefreshError as error:
        print(f"refresh: {error}", file=sys.stderr)
        return 1
    target = args.out / f"gen_ai-{args.release.removeprefix('v')}.yaml"
    text = render(snapshot)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            state = "differs from" if current is not None else "is missing for"
            print(f"refresh: {target} {state} {args.checkout}", file=sys.stderr)
            return 1
        print(f"{target} is what {args.checkout} gives")
        return 0
    target.write_text(text, encoding="utf-8")
    counts = ", ".join(
        f"{len(snapshot[k])} {k}" for k in ("attributes", "metrics", "events", "spans")
    )
    print(f"wrote {target} ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
