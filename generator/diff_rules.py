"""The classification table of catalog changes: one row per kind of change, with its
severity, the audiences it breaks and the reason.

Audiences: `api`, code that calls the generated emitters, recorders and span helpers (a
call that worked stops type-checking or raises); `wire`, whatever reads the records and
traces (collectors, queries, dashboards: a key, type, value, name or guarantee they relied
on goes away); `privacy`, what leaves the user's machine (content that was withheld is
exported).

The table is data so that the documentation (docs/evolution.md) and the tests check
against the same rows `diff` applies. No module over ~600 lines without a reason: this one
is the table, 100-odd rows of it, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, Union

Severity = Literal["breaking", "compatible", "info"]
Audience = Literal["api", "wire", "privacy"]
#: What `Change.old` and `Change.new` hold: JSON values, so every output format can show them.
Value = Union[str, int, float, bool, None, list["Value"]]  # noqa: UP007 (recursive alias)

SEVERITIES: tuple[Severity, ...] = ("breaking", "compatible", "info")
#: How outputs head each severity's changes, listed in `SEVERITIES` order.
SEVERITY_HEADINGS: dict[str, str] = {
    "breaking": "Breaking",
    "compatible": "Compatible",
    "info": "Information only",
}
AUDIENCES: tuple[Audience, ...] = ("api", "wire", "privacy")


@dataclass(frozen=True)
class Rule:
    """One row of the classification table."""

    kind: str
    severity: Severity
    audiences: tuple[Audience, ...]
    reason: str


@dataclass(frozen=True)
class Change:
    """One difference between two catalogs.

    `path` names what changed (`events[shop.paid].attributes[amount]`); `old` and `new`
    are JSON values (None when absent); `message` is one line for people."""

    kind: str
    path: str
    severity: Severity
    audiences: tuple[Audience, ...]
    old: Value
    new: Value
    message: str


BREAKING: Final = "breaking"
COMPATIBLE: Final = "compatible"
INFO: Final = "info"

#: The classification table, one row per kind, in the order docs/evolution.md lists it.
_TABLE: tuple[Rule, ...] = (
    Rule(
        "catalog.namespace_changed",
        INFO,
        (),
        "The namespace only derives emitter names; each emitter name that changes is reported as "
        "its own change.",
    ),
    Rule("catalog.description_changed", INFO, (), "Documentation only."),
    Rule("common.description_changed", INFO, (), "Documentation only."),
    Rule(
        "catalog.differences_changed",
        INFO,
        (),
        "The differences from the reference implementation are documentation only.",
    ),
    Rule(
        "toggle.added",
        COMPATIBLE,
        (),
        "A new key the [otel] table accepts; nothing that worked stops working.",
    ),
    Rule(
        "toggle.removed",
        BREAKING,
        ("api",),
        "Configuration files that set it are rejected as naming an unknown key.",
    ),
    Rule(
        "toggle.default_enabled",
        BREAKING,
        ("privacy",),
        "Users who never set the toggle start exporting the content it guards.",
    ),
    Rule(
        "toggle.default_disabled",
        BREAKING,
        ("wire",),
        "Users who never set the toggle start sending placeholders where readers saw values.",
    ),
    Rule("toggle.description_changed", INFO, (), "Documentation only."),
    Rule(
        "event.added",
        COMPATIBLE,
        (),
        "A new emitter and a new record; existing calls and readers are untouched.",
    ),
    Rule(
        "event.removed",
        BREAKING,
        ("api", "wire"),
        "Calls to its emitter fail, and readers stop receiving its records.",
    ),
    Rule(
        "event.renamed",
        COMPATIBLE,
        (),
        "The new event is added and the old one stays, deprecated, naming it as its replacement: a "
        "migration, nothing removed yet.",
    ),
    Rule(
        "event.python_name_changed",
        BREAKING,
        ("api",),
        "Calls to the old emitter name fail; the records are unchanged.",
    ),
    Rule(
        "event.deprecated",
        COMPATIBLE,
        (),
        "A deprecation is announced (semantic versioning: a minor release); type checkers and the "
        "runtime warn callers, nothing stops working.",
    ),
    Rule(
        "event.undeprecated",
        COMPATIBLE,
        (),
        "The deprecation warning goes away; nothing stops working.",
    ),
    Rule(
        "event.deprecation_changed",
        INFO,
        (),
        "The note, replacement or migration window of a deprecation changed: documentation and "
        "warning text.",
    ),
    Rule(
        "event.stabilized",
        COMPATIBLE,
        (),
        "A development event becomes stable: a stronger promise, nothing changes shape.",
    ),
    Rule(
        "event.destabilized",
        BREAKING,
        ("api", "wire"),
        "A stable event goes back to development: callers and readers lose the promise that it "
        "will not change.",
    ),
    Rule("event.description_changed", INFO, (), "Documentation only."),
    Rule(
        "attribute.added",
        COMPATIBLE,
        (),
        "An optional or conditional argument (or a computed attribute): existing calls still work, "
        "readers ignore the new key.",
    ),
    Rule(
        "attribute.added_required",
        BREAKING,
        ("api",),
        "Every existing call lacks the new required argument (a required Metadata field, in the "
        "common group).",
    ),
    Rule(
        "attribute.removed",
        BREAKING,
        ("api", "wire"),
        "Calls passing the argument fail, and readers stop receiving the key.",
    ),
    Rule(
        "attribute.renamed",
        BREAKING,
        ("api", "wire"),
        "The argument and the key change: calls with the old name fail, readers of the old key get "
        "nothing.",
    ),
    Rule(
        "attribute.renamed_dual_emitted",
        BREAKING,
        ("api",),
        "The argument changes name, but the old key is still sent beside the new one until the "
        "migration window ends, so readers have time to move.",
    ),
    Rule(
        "attribute.python_name_changed",
        BREAKING,
        ("api",),
        "Calls with the old argument name (or the old enum class name) fail; the key on the wire "
        "is unchanged.",
    ),
    Rule(
        "attribute.type_changed",
        BREAKING,
        ("api", "wire"),
        "Arguments of the old type are refused, and readers receive another type.",
    ),
    Rule(
        "attribute.scalar_to_array",
        BREAKING,
        ("api", "wire"),
        "A single value is refused where a list is wanted, and readers receive an array value.",
    ),
    Rule(
        "attribute.array_to_scalar",
        BREAKING,
        ("api", "wire"),
        "A list is refused where a single value is wanted, and readers receive a scalar value.",
    ),
    Rule(
        "attribute.int_to_double",
        BREAKING,
        ("wire",),
        "Callers' ints are still accepted, but records carry a double where readers expected an "
        "int.",
    ),
    Rule(
        "attribute.double_to_int",
        BREAKING,
        ("api", "wire"),
        "Non-integral arguments are refused, and records carry an int where readers expected a "
        "double.",
    ),
    Rule(
        "attribute.enum_to_scalar",
        BREAKING,
        ("api", "wire"),
        "The enum class disappears from the generated module, and readers may receive values "
        "outside the former members.",
    ),
    Rule(
        "attribute.scalar_to_enum",
        BREAKING,
        ("api",),
        "Values outside the members are refused; readers receive a subset of what they received "
        "before.",
    ),
    Rule(
        "attribute.requirement_tightened",
        BREAKING,
        ("api",),
        "An optional or conditional argument becomes required: calls that omitted it fail.",
    ),
    Rule(
        "attribute.requirement_loosened",
        BREAKING,
        ("wire",),
        "A required attribute may now be absent: readers that counted on it find records without "
        "it.",
    ),
    Rule(
        "attribute.requirement_reworded",
        INFO,
        (),
        "Optional and conditional are both omittable: only the documented condition changed.",
    ),
    Rule(
        "attribute.bounds_tightened",
        BREAKING,
        ("api",),
        "Values that were accepted are now refused with ValueError.",
    ),
    Rule(
        "attribute.bounds_loosened",
        COMPATIBLE,
        (),
        "More values are accepted; every value that was valid still is.",
    ),
    Rule(
        "attribute.max_length_lowered",
        BREAKING,
        ("wire",),
        "Values are cut shorter than before: readers receive less of each value.",
    ),
    Rule(
        "attribute.max_length_raised",
        COMPATIBLE,
        (),
        "Values are cut later (or never): readers receive more of each value, nothing less.",
    ),
    Rule(
        "attribute.redaction_added",
        BREAKING,
        ("wire",),
        "Unless the toggle is on, readers receive a placeholder where they received the value.",
    ),
    Rule(
        "attribute.redaction_added_under_new_toggle",
        COMPATIBLE,
        (),
        "A toggle the catalog adds, on by default, now governs the attribute: the value is sent "
        "as before unless a user turns the new toggle off.",
    ),
    Rule(
        "attribute.redaction_removed",
        BREAKING,
        ("privacy",),
        "Content that was replaced by a placeholder by default is now exported as it is.",
    ),
    Rule(
        "attribute.redaction_toggle_changed",
        BREAKING,
        ("privacy",),
        "Another toggle now controls the redaction: users who kept the old one off may export the "
        "content.",
    ),
    Rule(
        "attribute.redaction_placeholder_changed",
        BREAKING,
        ("wire",),
        "Readers that recognise the placeholder (to filter or count redacted values) no longer do.",
    ),
    Rule(
        "attribute.off_mode_loosened",
        BREAKING,
        ("privacy",),
        "With the toggle off, more of the value leaves the machine (the order is drop, redact, "
        "length, hash): users who turned the toggle off export what they withheld.",
    ),
    Rule(
        "attribute.off_mode_tightened",
        COMPATIBLE,
        (),
        "With the toggle off, less of the value leaves the machine; with it on, nothing changes.",
    ),
    Rule(
        "attribute.sensitivity_lowered",
        BREAKING,
        ("privacy",),
        "The values are classed less sensitive (content, identifier, metadata): a policy may "
        "no longer be required, and metadata is not scanned for secrets.",
    ),
    Rule(
        "attribute.sensitivity_raised",
        COMPATIBLE,
        (),
        "The values are classed more sensitive: the runtime scans them for secrets (a secret "
        "in them is replaced by a marker).",
    ),
    Rule(
        "attribute.computed_changed",
        BREAKING,
        ("api", "wire"),
        "Whether the runtime computes the value changed: the Metadata fields change and so does "
        "what is sent.",
    ),
    Rule(
        "attribute.dual_emission_started",
        COMPATIBLE,
        (),
        "The value is also sent under a legacy key: an addition on the wire.",
    ),
    Rule(
        "attribute.dual_emission_ended",
        BREAKING,
        ("wire",),
        "The legacy key is no longer sent: readers still reading it get nothing.",
    ),
    Rule(
        "attribute.dual_emission_changed",
        INFO,
        (),
        "The migration window's end version changed: documentation only.",
    ),
    Rule(
        "attribute.deprecated",
        COMPATIBLE,
        (),
        "A deprecation is announced: passing the argument warns, nothing stops working.",
    ),
    Rule(
        "attribute.undeprecated",
        COMPATIBLE,
        (),
        "The deprecation warning goes away; nothing stops working.",
    ),
    Rule(
        "attribute.deprecation_changed",
        INFO,
        (),
        "The note, replacement or migration window of a deprecation changed: documentation and "
        "warning text.",
    ),
    Rule(
        "attribute.stabilized",
        COMPATIBLE,
        (),
        "A development attribute becomes stable: a stronger promise, nothing changes shape.",
    ),
    Rule(
        "attribute.destabilized",
        BREAKING,
        ("api", "wire"),
        "A stable attribute goes back to development: callers and readers lose the promise that it "
        "will not change.",
    ),
    Rule("attribute.description_changed", INFO, (), "Documentation only."),
    Rule("attribute.examples_changed", INFO, (), "Documentation only."),
    Rule(
        "attribute.reference_type_changed",
        INFO,
        (),
        "The type the reference implementation sends is documentation only: the wire carries "
        "the attribute's type.",
    ),
    Rule(
        "attribute.cardinality_changed",
        INFO,
        (),
        "Whether metrics may carry the attribute (`cardinality: low`) changed: a metric that "
        "carries one that is no longer low-cardinality is refused by validation before any diff, "
        "so nothing that is sent changes.",
    ),
    Rule(
        "enum.member_added",
        COMPATIBLE,
        (),
        "One more value is accepted; readers may see a new value, which a closed set of members "
        "always allowed to grow.",
    ),
    Rule(
        "enum.member_removed",
        BREAKING,
        ("api", "wire"),
        "Calls passing the member fail, and readers counting that value see it stop.",
    ),
    Rule(
        "enum.member_value_changed",
        BREAKING,
        ("api", "wire"),
        "The member (same Python name) sends another value: literal values in calls fail, readers "
        "see the value change.",
    ),
    Rule(
        "enum.member_renamed",
        BREAKING,
        ("api",),
        "The Python name of a member changed: code naming the old one fails; the value sent is the "
        "same.",
    ),
    Rule("enum.member_description_changed", INFO, (), "Documentation only."),
    Rule(
        "metric_attribute.added",
        COMPATIBLE,
        (),
        "Every metric carries one more metadata key: queries that aggregate keep working, though "
        "each series splits by the new key's values.",
    ),
    Rule(
        "metric_attribute.removed",
        BREAKING,
        ("wire",),
        "Every metric stops carrying the key: queries and alerts that group or filter by it get "
        "nothing.",
    ),
    Rule(
        "metric.added",
        COMPATIBLE,
        (),
        "A new recorder and a new metric; existing calls and readers are untouched.",
    ),
    Rule(
        "metric.removed",
        BREAKING,
        ("api", "wire"),
        "Calls to its recorder fail, and dashboards and alerts on it stop receiving points.",
    ),
    Rule(
        "metric.renamed",
        COMPATIBLE,
        (),
        "The new metric is added and the old one stays, deprecated, naming it as its replacement: "
        "a migration, nothing removed yet.",
    ),
    Rule(
        "metric.python_name_changed",
        BREAKING,
        ("api",),
        "Calls to the old recorder name fail; the points are unchanged.",
    ),
    Rule(
        "metric.deprecated",
        COMPATIBLE,
        (),
        "A deprecation is announced: type checkers and the runtime warn callers of the recorder, "
        "nothing stops working.",
    ),
    Rule(
        "metric.undeprecated",
        COMPATIBLE,
        (),
        "The deprecation warning goes away; nothing stops working.",
    ),
    Rule(
        "metric.deprecation_changed",
        INFO,
        (),
        "The note or replacement of a deprecation changed: documentation and warning text.",
    ),
    Rule(
        "metric.stabilized",
        COMPATIBLE,
        (),
        "A development metric becomes stable: a stronger promise, nothing changes shape.",
    ),
    Rule(
        "metric.destabilized",
        BREAKING,
        ("api", "wire"),
        "A stable metric goes back to development: callers and readers lose the promise that it "
        "will not change.",
    ),
    Rule("metric.description_changed", INFO, (), "Documentation only."),
    Rule(
        "metric.instrument_changed",
        BREAKING,
        ("api", "wire"),
        "The recorder's contract changes (a counter's value defaults to 1 and refuses negatives; "
        "others differ), and readers receive another point type: a sum becomes a histogram or a "
        "gauge, so rates, quantiles and alerts on it stop working.",
    ),
    Rule(
        "metric.unit_changed",
        BREAKING,
        ("wire",),
        "Readers receive numbers in another unit (ms to s: a thousand times smaller) and backends "
        "that put the unit into the series name (Prometheus: `_milliseconds`) start a new series.",
    ),
    Rule(
        "metric.int_to_double",
        BREAKING,
        ("wire",),
        "Callers' ints are still accepted, but counter, up-down counter and gauge points carry a "
        "double (asDouble) where readers expected an int (asInt).",
    ),
    Rule(
        "metric.double_to_int",
        BREAKING,
        ("api", "wire"),
        "Float values are refused, and counter, up-down counter and gauge points carry an int "
        "(asInt) where readers expected a double (asDouble).",
    ),
    Rule(
        "metric.histogram_int_to_double",
        COMPATIBLE,
        (),
        "Callers' ints are still accepted, and a histogram's points have the same shape whatever "
        "the value type (a double sum, bucket counts): only fractional values become possible.",
    ),
    Rule(
        "metric.histogram_double_to_int",
        BREAKING,
        ("api",),
        "Float values are refused; a histogram's points have the same shape whatever the value "
        "type.",
    ),
    Rule(
        "metric.boundaries_refined",
        COMPATIBLE,
        (),
        "Bucket bounds are only added: every former bound stays, so cumulative buckets (`le`) "
        "keep their meaning and readers get finer ones; dashboards estimating percentiles across "
        "the change show a step.",
    ),
    Rule(
        "metric.boundaries_changed",
        BREAKING,
        ("wire",),
        "A bucket bound that readers may query (an SLO on `le=500`) disappears, and percentiles "
        "estimated across the change mix two bucket layouts.",
    ),
    # Spans. `api` is code that opens them through the generated helpers; `wire`, whatever
    # reads the traces (trace views, queries by span name, live-check).
    Rule(
        "span.added",
        COMPATIBLE,
        (),
        "A new span helper and a new span; existing calls and readers are untouched.",
    ),
    Rule(
        "span.removed",
        BREAKING,
        ("api", "wire"),
        "Calls to its helper fail, and trace readers stop receiving the span (and its children "
        "lose their parent).",
    ),
    Rule(
        "span.python_name_changed",
        BREAKING,
        ("api",),
        "Calls to the old helper name, and code naming the old handle class, fail; the spans are "
        "unchanged.",
    ),
    Rule(
        "span.name_changed",
        BREAKING,
        ("wire",),
        "The span's wire name changes: trace queries, dashboards and sampling rules that select "
        "it by name stop matching.",
    ),
    Rule(
        "span.kind_changed",
        BREAKING,
        ("wire",),
        "Readers that select or draw spans by kind (client spans as dependencies, service maps) "
        "see it elsewhere.",
    ),
    Rule(
        "span.parents_narrowed",
        BREAKING,
        ("api",),
        "Code that starts the span under a parent no longer listed breaks the parent rule: an "
        "error where `span_parents` raises, a counted error otherwise.",
    ),
    Rule(
        "span.parents_widened",
        COMPATIBLE,
        (),
        "The span may start under more parents; every nesting that was allowed still is.",
    ),
    Rule(
        "span.root_disallowed",
        BREAKING,
        ("api",),
        "Code that starts the span with no catalog span above it breaks the parent rule.",
    ),
    Rule(
        "span.root_allowed",
        COMPATIBLE,
        (),
        "The span may also start with no catalog span above it; every nesting that was allowed "
        "still is.",
    ),
    Rule(
        "span.events_changed",
        INFO,
        (),
        "Which events are expected inside the span is documentation (and live-check's "
        "coverage); no call or record changes.",
    ),
    Rule(
        "span.metrics_changed",
        INFO,
        (),
        "Which metrics are expected inside the span is documentation; no call or record changes.",
    ),
    Rule(
        "span.deprecated",
        COMPATIBLE,
        (),
        "A deprecation is announced (semantic versioning: a minor release); nothing stops working.",
    ),
    Rule(
        "span.undeprecated",
        COMPATIBLE,
        (),
        "The deprecation goes away; nothing stops working.",
    ),
    Rule(
        "span.deprecation_changed",
        INFO,
        (),
        "The note or replacement of a deprecation changed: documentation only.",
    ),
    Rule(
        "span.stabilized",
        COMPATIBLE,
        (),
        "A development span becomes stable: a stronger promise, nothing changes shape.",
    ),
    Rule(
        "span.destabilized",
        BREAKING,
        ("api", "wire"),
        "A stable span goes back to development: callers and readers lose the promise that it "
        "will not change.",
    ),
    Rule("span.description_changed", INFO, (), "Documentation only."),
    Rule(
        "attribute.known_changed",
        BREAKING,
        ("api",),
        "A span attribute moves between the helper's arguments (known at start) and the handle's "
        "setters (known at end): calls passing it, or setting it, fail.",
    ),
    Rule(
        "attribute.value_changed",
        BREAKING,
        ("wire",),
        "A span attribute's fixed value changes: readers that select spans by the old value stop "
        "matching.",
    ),
)

#: The classification table by kind.
RULES: dict[str, Rule] = {rule.kind: rule for rule in _TABLE}


def change(kind: str, path: str, old: Value, new: Value, message: str) -> Change:
    """A change of `kind`, classified by its row of the table."""
    rule = RULES[kind]
    return Change(kind, path, rule.severity, rule.audiences, old, new, message)
