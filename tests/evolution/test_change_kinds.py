"""One row per change kind: an edit of the base catalog, what `diff` must call it, and the
exit status of the gate with a version bump just big enough and one just too small.

The expected severity, audiences and bump are written out here, not read from
`diff.RULES`: the table states the decisions, the code must agree with them, and
docs/evolution.md must list the same rows (checked below).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from codex_otel.cli.main import main
from codex_otel.generator import load_catalog_text, semver
from codex_otel.generator.diff import RULES, SDK_DEFAULT_BOUNDARIES, diff_catalogs
from codex_otel.generator.semver import required_bump
from support.generation import REPO

BASE = Path(__file__).parent / "fixtures" / "shop.yaml"
Doc = dict[str, Any]
Edit = Callable[[Doc], None]


def attribute(doc: Doc, key: str) -> Doc:
    return next(a for a in doc["attributes"] if a["key"] == key)


def event(doc: Doc, name: str) -> Doc:
    return next(e for e in doc["events"] if e["name"] == name)


def use(doc: Doc, event_name: str, key: str) -> Doc:
    return next(r for r in event(doc, event_name)["attributes"] if r["ref"] == key)


def metric(doc: Doc, name: str) -> Doc:
    return next(m for m in doc["metrics"] if m["name"] == name)


def metric_use(doc: Doc, metric_name: str, key: str) -> Doc:
    return next(r for r in metric(doc, metric_name)["attributes"] if r["ref"] == key)


def member(doc: Doc, key: str, value: str) -> Doc:
    return next(m for m in attribute(doc, key)["type"]["members"] if m["value"] == value)


def both(*edits: Edit) -> Edit:
    def edit(doc: Doc) -> None:
        for one in edits:
            one(doc)

    return edit


def setting(getter: Callable[[Doc], Doc], **values: Any) -> Edit:
    """An edit that sets keys (a value of None deletes the key)."""

    def edit(doc: Doc) -> None:
        target = getter(doc)
        for name, value in values.items():
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value

    return edit


def rename_coupon(until: str | None = None) -> Edit:
    """`coupon` deprecated in favour of `promo`, and shop.paid sends promo instead."""

    def edit(doc: Doc) -> None:
        deprecated: Doc = {"note": "Renamed.", "replacement": "promo"}
        if until:
            deprecated["emit_both_until"] = until
        attribute(doc, "coupon")["deprecated"] = deprecated
        use(doc, "shop.paid", "coupon")["ref"] = "promo"

    return edit


def add_ref(event_name: str, key: str, requirement: Any, **extra: Any) -> Edit:
    def edit(doc: Doc) -> None:
        event(doc, event_name)["attributes"].append(
            {"ref": key, "requirement": requirement, **extra}
        )

    return edit


def remove_ref(event_name: str, key: str) -> Edit:
    def edit(doc: Doc) -> None:
        refs = event(doc, event_name)["attributes"]
        refs.remove(next(r for r in refs if r["ref"] == key))

    return edit


def add_timestamp(computed: bool) -> Edit:
    def edit(doc: Doc) -> None:
        doc["attributes"].append({"key": "sent.at", "type": "string", "description": "When."})
        ref: Doc = {"ref": "sent.at", "requirement": "required"}
        if computed:
            ref["computed"] = "timestamp"
        doc["common"]["attributes"].append(ref)

    return edit


def no_edit(doc: Doc) -> None:
    return None


PAYMENTS = "metrics[shop.payments]"
AMOUNTS = "metrics[shop.payment.amount]"
PAID = "events[shop.paid].attributes"
REFUNDED = "events[shop.refunded].attributes"


@dataclass(frozen=True)
class Case:
    kind: str
    new: Edit
    #: Where the change is reported (each path once).
    paths: tuple[str, ...]
    severity: str
    audiences: tuple[str, ...]
    bump: str
    old: Edit = no_edit
    #: Other kinds the same edit also gives, necessarily.
    also: frozenset[str] = field(default_factory=frozenset)


def case(
    kind: str,
    new: Edit,
    paths: str | tuple[str, ...],
    severity: str,
    audiences: tuple[str, ...] = (),
    *,
    old: Edit = no_edit,
    also: tuple[str, ...] = (),
    bump: str | None = None,
) -> Case:
    """A row; the bump is the severity's unless a change in `also` needs more."""
    bump = bump or {"breaking": "major", "compatible": "minor", "info": "patch"}[severity]
    paths = (paths,) if isinstance(paths, str) else paths
    return Case(kind, new, paths, severity, audiences, bump, old, frozenset(also))


def with_spans(doc: Doc) -> None:
    """The base with spans: a checkout, a charge inside it, a refund (with a fixed value)."""
    doc["spans"] = [
        {
            "id": "shop.checkout",
            "name": "checkout {channel}",
            "kind": "internal",
            "description": "A checkout.",
            "events": ["shop.paid"],
            "metrics": ["shop.payments"],
            "attributes": [
                {"ref": "channel", "requirement": "required"},
                {"ref": "amount", "requirement": "optional", "known": "end"},
            ],
        },
        {
            "id": "shop.charge",
            "name": "charge {method}",
            "kind": "client",
            "description": "A charge of the card or the till.",
            "parents": ["shop.checkout"],
            "attributes": [
                {"ref": "method", "requirement": "required"},
                {"ref": "ratio", "requirement": "optional", "known": "end"},
            ],
        },
        {
            "id": "shop.refund",
            "name": "refund",
            "kind": "internal",
            "description": "A refund.",
            "attributes": [{"ref": "channel", "requirement": "required", "value": "store"}],
        },
    ]


def span(doc: Doc, span_id: str) -> Doc:
    return next(s for s in doc["spans"] if s["id"] == span_id)


def span_use(doc: Doc, span_id: str, key: str) -> Doc:
    return next(r for r in span(doc, span_id)["attributes"] if r["ref"] == key)


def on_spans(*edits: Edit) -> Edit:
    """The base with spans, then `edits`."""
    return both(with_spans, *edits)


CHARGE = "spans[shop.charge]"
CHECKOUT = "spans[shop.checkout]"


deprecate_refunded = setting(
    lambda d: event(d, "shop.refunded"), deprecated={"note": "Use shop.paid."}
)
deprecate_coupon = setting(lambda d: attribute(d, "coupon"), deprecated={"note": "Unused."})

CASES = [
    # the catalog
    case(
        "catalog.namespace_changed",
        lambda d: d.update(namespace="store"),
        "namespace",
        "info",
        also=("event.python_name_changed", "metric.python_name_changed"),
        bump="major",
    ),
    case(
        "catalog.description_changed",
        lambda d: d.update(description="Other."),
        "description",
        "info",
    ),
    case(
        "common.description_changed",
        setting(lambda d: d["common"], description="Other."),
        "common.description",
        "info",
    ),
    case(
        "catalog.differences_changed",
        lambda d: d.update(
            differences={
                "name": "Till",
                "reference": "the old till's log",
                "notes": [{"topic": "Amounts", "reference": "Strings.", "here": "Ints."}],
            }
        ),
        "differences",
        "info",
    ),
    # toggles
    case(
        "toggle.added",
        lambda d: d["toggles"].update(log_more={"default": False, "description": "More."}),
        "toggles[log_more]",
        "compatible",
    ),
    case(
        "toggle.removed",
        lambda d: d["toggles"].pop("log_debug"),
        "toggles[log_debug]",
        "breaking",
        ("api",),
    ),
    case(
        "toggle.default_enabled",
        setting(lambda d: d["toggles"]["log_notes"], default=True),
        "toggles[log_notes]",
        "breaking",
        ("privacy",),
    ),
    case(
        "toggle.default_disabled",
        setting(lambda d: d["toggles"]["log_debug"], default=False),
        "toggles[log_debug]",
        "breaking",
        ("wire",),
    ),
    case(
        "toggle.description_changed",
        setting(lambda d: d["toggles"]["log_debug"], description="Other."),
        "toggles[log_debug]",
        "info",
    ),
    # events
    case(
        "event.added",
        lambda d: d["events"].append(
            {"name": "shop.opened", "description": "Open.", "attributes": []}
        ),
        "events[shop.opened]",
        "compatible",
    ),
    case(
        "event.removed",
        lambda d: d["events"].remove(event(d, "shop.refunded")),
        "events[shop.refunded]",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "event.renamed",
        both(
            setting(
                lambda d: event(d, "shop.refunded"),
                deprecated={"note": "Renamed.", "replacement": "shop.returned"},
            ),
            lambda d: d["events"].append(
                {"name": "shop.returned", "description": "Returned.", "attributes": []}
            ),
        ),
        "events[shop.returned]",
        "compatible",
    ),
    case(
        "event.python_name_changed",
        setting(lambda d: event(d, "shop.paid"), python_name="order_paid"),
        "events[shop.paid]",
        "breaking",
        ("api",),
    ),
    case(
        "event.deprecated",
        deprecate_refunded,
        "events[shop.refunded].deprecated",
        "compatible",
    ),
    case(
        "event.undeprecated",
        no_edit,
        "events[shop.refunded].deprecated",
        "compatible",
        old=deprecate_refunded,
    ),
    case(
        "event.deprecation_changed",
        setting(lambda d: event(d, "shop.refunded"), deprecated={"note": "Other."}),
        "events[shop.refunded].deprecated",
        "info",
        old=deprecate_refunded,
    ),
    case(
        "event.stabilized",
        setting(lambda d: event(d, "shop.refunded"), stability="stable"),
        "events[shop.refunded].stability",
        "compatible",
    ),
    case(
        "event.destabilized",
        setting(lambda d: event(d, "shop.paid"), stability="development"),
        "events[shop.paid].stability",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "event.description_changed",
        setting(lambda d: event(d, "shop.paid"), description="Other."),
        "events[shop.paid]",
        "info",
    ),
    # attributes
    case(
        "attribute.added",
        add_ref("shop.refunded", "note", "optional"),
        f"{REFUNDED}[note]",
        "compatible",
    ),
    case(
        "attribute.added",
        add_timestamp(computed=True),
        "common.attributes[sent.at]",
        "compatible",
    ),
    case(
        "attribute.added_required",
        add_ref("shop.refunded", "note", "required"),
        f"{REFUNDED}[note]",
        "breaking",
        ("api",),
    ),
    case(
        "attribute.removed",
        remove_ref("shop.paid", "coupon"),
        f"{PAID}[coupon]",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "attribute.renamed",
        rename_coupon(),
        f"{PAID}[coupon]",
        "breaking",
        ("api", "wire"),
        also=("attribute.destabilized", "attribute.description_changed"),  # promo vs coupon
    ),
    case(
        "attribute.renamed_dual_emitted",
        rename_coupon(until="3.0.0"),
        f"{PAID}[coupon]",
        "breaking",
        ("api",),
        also=("attribute.destabilized", "attribute.description_changed"),
    ),
    case(
        "attribute.python_name_changed",
        setting(lambda d: attribute(d, "amount"), python_name="cents"),
        (f"{PAID}[amount]", f"{REFUNDED}[amount]"),
        "breaking",
        ("api",),
    ),
    case(
        "attribute.type_changed",
        setting(lambda d: attribute(d, "tags"), type="int[]"),
        f"{PAID}[tags].type",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "attribute.scalar_to_array",
        setting(lambda d: attribute(d, "coupon"), type="string[]"),
        f"{PAID}[coupon].type",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "attribute.array_to_scalar",
        setting(lambda d: attribute(d, "tags"), type="string"),
        f"{PAID}[tags].type",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "attribute.int_to_double",
        setting(lambda d: attribute(d, "amount"), type="double"),
        (f"{PAID}[amount].type", f"{REFUNDED}[amount].type"),
        "breaking",
        ("wire",),
    ),
    case(
        "attribute.double_to_int",
        setting(lambda d: attribute(d, "ratio"), type="int"),
        f"{PAID}[ratio].type",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "attribute.enum_to_scalar",
        setting(lambda d: attribute(d, "method"), type="string"),
        f"{PAID}[method].type",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "attribute.scalar_to_enum",
        setting(
            lambda d: attribute(d, "coupon"),
            type={"members": [{"value": "spring", "description": "Spring sale."}]},
        ),
        f"{PAID}[coupon].type",
        "breaking",
        ("api",),
    ),
    case(
        "attribute.requirement_tightened",
        setting(lambda d: use(d, "shop.paid", "ratio"), requirement="required"),
        f"{PAID}[ratio].requirement",
        "breaking",
        ("api",),
    ),
    case(
        "attribute.requirement_loosened",
        setting(lambda d: use(d, "shop.paid", "amount"), requirement={"conditional": "if known"}),
        f"{PAID}[amount].requirement",
        "breaking",
        ("wire",),
    ),
    case(
        "attribute.requirement_reworded",
        setting(lambda d: use(d, "shop.paid", "ratio"), requirement={"conditional": "if split"}),
        f"{PAID}[ratio].requirement",
        "info",
    ),
    case(
        "attribute.bounds_tightened",
        setting(lambda d: attribute(d, "amount"), maximum=500),
        (f"{PAID}[amount]", f"{REFUNDED}[amount]"),
        "breaking",
        ("api",),
    ),
    case(
        "attribute.bounds_tightened",  # a shift narrows one side: still breaks callers
        setting(lambda d: attribute(d, "amount"), minimum=10, maximum=5000),
        (f"{PAID}[amount]", f"{REFUNDED}[amount]"),
        "breaking",
        ("api",),
    ),
    case(
        "attribute.bounds_loosened",
        setting(lambda d: attribute(d, "amount"), minimum=None),
        (f"{PAID}[amount]", f"{REFUNDED}[amount]"),
        "compatible",
    ),
    case(
        "attribute.max_length_lowered",
        setting(lambda d: attribute(d, "note"), max_length=50),
        f"{PAID}[note].max_length",
        "breaking",
        ("wire",),
    ),
    case(
        "attribute.max_length_raised",
        setting(lambda d: attribute(d, "note"), max_length=None),
        f"{PAID}[note].max_length",
        "compatible",
    ),
    case(
        "attribute.redaction_added",
        setting(
            lambda d: attribute(d, "coupon"), redact={"toggle": "log_notes", "placeholder": "-"}
        ),
        f"{PAID}[coupon].redact",
        "breaking",
        ("wire",),
    ),
    case(
        "attribute.redaction_added_under_new_toggle",
        both(
            lambda d: d["toggles"].update(log_coupons={"default": True, "description": "C."}),
            setting(
                lambda d: attribute(d, "coupon"),
                redact={"toggle": "log_coupons", "placeholder": "-"},
            ),
        ),
        f"{PAID}[coupon].redact",
        "compatible",
        also=("toggle.added",),
    ),
    case(
        "attribute.redaction_added",
        both(
            lambda d: d["toggles"].update(log_coupons={"default": False, "description": "C."}),
            setting(
                lambda d: attribute(d, "coupon"),
                redact={"toggle": "log_coupons", "placeholder": "-"},
            ),
        ),
        f"{PAID}[coupon].redact",
        "breaking",
        ("wire",),
        also=("toggle.added",),
    ),
    case(
        "attribute.redaction_removed",
        setting(lambda d: attribute(d, "note"), redact=None),
        f"{PAID}[note].redact",
        "breaking",
        ("privacy",),
    ),
    case(
        "attribute.redaction_toggle_changed",
        setting(
            lambda d: attribute(d, "note"),
            redact={"toggle": "log_debug", "placeholder": "[REDACTED]"},
        ),
        f"{PAID}[note].redact.toggle",
        "breaking",
        ("privacy",),
    ),
    case(
        "attribute.redaction_placeholder_changed",
        setting(
            lambda d: attribute(d, "note"), redact={"toggle": "log_notes", "placeholder": "***"}
        ),
        f"{PAID}[note].redact.placeholder",
        "breaking",
        ("wire",),
    ),
    case(
        "attribute.off_mode_loosened",
        setting(
            lambda d: attribute(d, "note"),
            redact={"toggle": "log_notes", "placeholder": "[REDACTED]", "mode": "hash"},
        ),
        f"{PAID}[note].redact.mode",
        "breaking",
        ("privacy",),
    ),
    case(
        "attribute.off_mode_tightened",
        setting(
            lambda d: attribute(d, "note"),
            redact={"toggle": "log_notes", "placeholder": "[REDACTED]", "mode": "drop"},
        ),
        f"{PAID}[note].redact.mode",
        "compatible",
    ),
    case(
        "attribute.off_mode_loosened",
        setting(
            lambda d: attribute(d, "note"),
            redact={"toggle": "log_notes", "placeholder": "[REDACTED]", "mode": "length"},
        ),
        f"{PAID}[note].redact.mode",
        "breaking",
        ("privacy",),
        old=setting(
            lambda d: attribute(d, "note"),
            redact={"toggle": "log_notes", "placeholder": "[REDACTED]", "mode": "drop"},
        ),
    ),
    case(
        "attribute.sensitivity_lowered",
        setting(lambda d: attribute(d, "note"), sensitivity="identifier"),
        f"{PAID}[note].sensitivity",
        "breaking",
        ("privacy",),
        old=setting(lambda d: attribute(d, "note"), sensitivity="content"),
    ),
    case(
        "attribute.sensitivity_lowered",
        setting(lambda d: attribute(d, "coupon"), sensitivity="metadata"),
        (f"{PAID}[coupon].sensitivity",),
        "breaking",
        ("privacy",),
        old=setting(lambda d: attribute(d, "coupon"), sensitivity="identifier"),
    ),
    case(
        "attribute.sensitivity_raised",
        setting(lambda d: attribute(d, "note"), sensitivity="content"),
        f"{PAID}[note].sensitivity",
        "compatible",
    ),
    case(
        "attribute.computed_changed",
        add_timestamp(computed=False),
        "common.attributes[sent.at]",
        "breaking",
        ("api", "wire"),
        old=add_timestamp(computed=True),
    ),
    case(
        "attribute.dual_emission_started",
        rename_coupon(until="3.0.0"),
        f"{PAID}[promo].also_sent_as[coupon]",
        "compatible",
        old=rename_coupon(),
    ),
    case(
        "attribute.dual_emission_ended",
        rename_coupon(),
        f"{PAID}[promo].also_sent_as[coupon]",
        "breaking",
        ("wire",),
        old=rename_coupon(until="3.0.0"),
    ),
    case(
        "attribute.dual_emission_changed",
        rename_coupon(until="4.0.0"),
        f"{PAID}[promo].also_sent_as[coupon]",
        "info",
        old=rename_coupon(until="3.0.0"),
    ),
    case(
        "attribute.deprecated",
        deprecate_coupon,
        f"{PAID}[coupon].deprecated",
        "compatible",
    ),
    case(
        "attribute.undeprecated",
        no_edit,
        f"{PAID}[coupon].deprecated",
        "compatible",
        old=deprecate_coupon,
    ),
    case(
        "attribute.deprecation_changed",
        setting(lambda d: attribute(d, "coupon"), deprecated={"note": "Other."}),
        f"{PAID}[coupon].deprecated",
        "info",
        old=deprecate_coupon,
    ),
    case(
        "attribute.stabilized",
        setting(lambda d: attribute(d, "ratio"), stability="stable"),
        f"{PAID}[ratio].stability",
        "compatible",
    ),
    case(
        "attribute.destabilized",
        setting(lambda d: attribute(d, "coupon"), stability=None),
        f"{PAID}[coupon].stability",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "attribute.description_changed",
        setting(lambda d: use(d, "shop.paid", "ratio"), description="Other."),
        f"{PAID}[ratio]",
        "info",
    ),
    case(
        "attribute.examples_changed",
        setting(lambda d: attribute(d, "amount"), type="double", examples=[100.0]),
        (f"{PAID}[amount]", f"{REFUNDED}[amount]"),
        "info",
        old=setting(lambda d: attribute(d, "amount"), type="double"),
    ),
    case(
        "attribute.cardinality_changed",
        setting(lambda d: attribute(d, "ratio"), cardinality="low"),
        f"{PAID}[ratio].cardinality",
        "info",
    ),
    case(
        "attribute.reference_type_changed",
        setting(lambda d: attribute(d, "ratio"), reference_type="string"),
        f"{PAID}[ratio]",
        "info",
    ),
    # enum members
    case(
        "enum.member_added",
        lambda d: attribute(d, "method")["type"]["members"].append(
            {"value": "voucher", "description": "Paid by voucher."}
        ),
        f"{PAID}[method].type.members[voucher]",
        "compatible",
    ),
    case(
        "enum.member_removed",
        lambda d: attribute(d, "method")["type"]["members"].pop(),
        f"{PAID}[method].type.members[cash]",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "enum.member_value_changed",
        setting(lambda d: member(d, "method", "cash"), value="coins", id="CASH"),
        f"{PAID}[method].type.members[cash]",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "enum.member_renamed",
        setting(lambda d: member(d, "method", "cash"), id="MONEY"),
        f"{PAID}[method].type.members[cash]",
        "breaking",
        ("api",),
    ),
    case(
        "enum.member_description_changed",
        setting(lambda d: member(d, "method", "cash"), description="Other."),
        f"{PAID}[method].type.members[cash]",
        "info",
    ),
    # a metric's attributes: the same kinds as an event's
    case(
        "attribute.added",
        lambda d: metric(d, "shop.payments")["attributes"].append(
            {"ref": "amount", "requirement": "optional"}
        ),
        f"{PAYMENTS}.attributes[amount]",
        "compatible",
    ),
    case(
        "attribute.added_required",
        lambda d: metric(d, "shop.payments")["attributes"].append(
            {"ref": "amount", "requirement": "required"}
        ),
        f"{PAYMENTS}.attributes[amount]",
        "breaking",
        ("api",),
    ),
    case(
        "attribute.removed",
        lambda d: metric(d, "shop.payments")["attributes"].clear(),
        f"{PAYMENTS}.attributes[channel]",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "attribute.requirement_tightened",
        setting(lambda d: metric_use(d, "shop.payment.amount", "channel"), requirement="required"),
        f"{AMOUNTS}.attributes[channel].requirement",
        "breaking",
        ("api",),
    ),
    case(
        "attribute.requirement_loosened",
        setting(lambda d: metric_use(d, "shop.payments", "channel"), requirement="optional"),
        f"{PAYMENTS}.attributes[channel].requirement",
        "breaking",
        ("wire",),
    ),
    case(
        "attribute.cardinality_changed",
        setting(lambda d: attribute(d, "channel"), cardinality="low"),
        (
            f"{PAYMENTS}.attributes[channel].cardinality",
            f"{AMOUNTS}.attributes[channel].cardinality",
        ),
        "info",
    ),
    # the metadata every metric carries
    case(
        "metric_attribute.added",
        no_edit,
        "common.metric_attributes[host.name]",
        "compatible",
        old=lambda d: d["common"].update(metric_attributes=[]),
    ),
    case(
        "metric_attribute.removed",
        lambda d: d["common"].update(metric_attributes=[]),
        "common.metric_attributes[host.name]",
        "breaking",
        ("wire",),
    ),
    # metrics
    case(
        "metric.added",
        lambda d: d["metrics"].append(
            {
                "name": "shop.visits",
                "instrument": "counter",
                "unit": "{visit}",
                "description": "Visits.",
                "attributes": [],
            }
        ),
        "metrics[shop.visits]",
        "compatible",
    ),
    case(
        "metric.removed",
        lambda d: d["metrics"].remove(metric(d, "shop.payments")),
        PAYMENTS,
        "breaking",
        ("api", "wire"),
    ),
    case(
        "metric.renamed",
        both(
            setting(
                lambda d: metric(d, "shop.payments"),
                deprecated={"note": "Renamed.", "replacement": "shop.payments_taken"},
            ),
            lambda d: d["metrics"].append(
                {**copy.deepcopy(metric(d, "shop.payments")), "name": "shop.payments_taken"}
            ),
            lambda d: metric(d, "shop.payments_taken").pop("deprecated"),
        ),
        "metrics[shop.payments_taken]",
        "compatible",
    ),
    case(
        "metric.python_name_changed",
        setting(lambda d: metric(d, "shop.payments"), python_name="record_payment"),
        PAYMENTS,
        "breaking",
        ("api",),
    ),
    case(
        "metric.deprecated",
        setting(lambda d: metric(d, "shop.payments"), deprecated={"note": "Unused."}),
        f"{PAYMENTS}.deprecated",
        "compatible",
    ),
    case(
        "metric.undeprecated",
        no_edit,
        f"{PAYMENTS}.deprecated",
        "compatible",
        old=setting(lambda d: metric(d, "shop.payments"), deprecated={"note": "Unused."}),
    ),
    case(
        "metric.deprecation_changed",
        setting(lambda d: metric(d, "shop.payments"), deprecated={"note": "Other."}),
        f"{PAYMENTS}.deprecated",
        "info",
        old=setting(lambda d: metric(d, "shop.payments"), deprecated={"note": "Unused."}),
    ),
    case(
        "metric.stabilized",
        setting(lambda d: metric(d, "shop.payments"), stability="stable"),
        f"{PAYMENTS}.stability",
        "compatible",
    ),
    case(
        "metric.destabilized",
        no_edit,
        f"{PAYMENTS}.stability",
        "breaking",
        ("api", "wire"),
        old=setting(lambda d: metric(d, "shop.payments"), stability="stable"),
    ),
    case(
        "metric.description_changed",
        setting(lambda d: metric(d, "shop.payments"), description="Other."),
        PAYMENTS,
        "info",
    ),
    case(
        "metric.instrument_changed",
        setting(lambda d: metric(d, "shop.payments"), instrument="updowncounter"),
        f"{PAYMENTS}.instrument",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "metric.instrument_changed",
        setting(lambda d: metric(d, "shop.payment.amount"), instrument="gauge", boundaries=None),
        f"{AMOUNTS}.instrument",
        "breaking",
        ("api", "wire"),
    ),
    case(
        "metric.unit_changed",
        setting(lambda d: metric(d, "shop.payment.amount"), unit="{dollar}"),
        f"{AMOUNTS}.unit",
        "breaking",
        ("wire",),
    ),
    case(
        "metric.int_to_double",
        setting(lambda d: metric(d, "shop.payments"), value_type="double"),
        f"{PAYMENTS}.value_type",
        "breaking",
        ("wire",),
    ),
    case(
        "metric.double_to_int",
        no_edit,
        f"{PAYMENTS}.value_type",
        "breaking",
        ("api", "wire"),
        old=setting(lambda d: metric(d, "shop.payments"), value_type="double"),
    ),
    case(
        "metric.histogram_int_to_double",
        setting(lambda d: metric(d, "shop.payment.amount"), value_type="double"),
        f"{AMOUNTS}.value_type",
        "compatible",
    ),
    case(
        "metric.histogram_double_to_int",
        no_edit,
        f"{AMOUNTS}.value_type",
        "breaking",
        ("api",),
        old=setting(lambda d: metric(d, "shop.payment.amount"), value_type="double"),
    ),
    case(
        "metric.boundaries_refined",
        setting(lambda d: metric(d, "shop.payment.amount"), boundaries=[100, 250, 500, 1000]),
        f"{AMOUNTS}.boundaries",
        "compatible",
    ),
    case(
        "metric.boundaries_changed",
        setting(lambda d: metric(d, "shop.payment.amount"), boundaries=[100, 500]),
        f"{AMOUNTS}.boundaries",
        "breaking",
        ("wire",),
    ),
    case(
        "metric.boundaries_changed",
        setting(lambda d: metric(d, "shop.payment.amount"), boundaries=None),
        f"{AMOUNTS}.boundaries",
        "breaking",
        ("wire",),
        old=setting(lambda d: metric(d, "shop.payment.amount"), boundaries=[100, 300]),
    ),
    case(
        "metric.boundaries_refined",
        setting(
            lambda d: metric(d, "shop.payment.amount"),
            # The SDK's defaults, which a histogram without boundaries gets, and one more.
            boundaries=[*SDK_DEFAULT_BOUNDARIES, 20000],
        ),
        f"{AMOUNTS}.boundaries",
        "compatible",
        old=setting(lambda d: metric(d, "shop.payment.amount"), boundaries=None),
    ),
    # spans
    case(
        "span.added",
        on_spans(
            lambda d: d["spans"].append(
                {
                    "id": "shop.audit",
                    "name": "audit",
                    "kind": "internal",
                    "description": "An audit.",
                }
            )
        ),
        "spans[shop.audit]",
        "compatible",
        old=with_spans,
    ),
    case(
        "span.removed",
        on_spans(lambda d: d["spans"].remove(span(d, "shop.charge"))),
        CHARGE,
        "breaking",
        ("api", "wire"),
        old=with_spans,
    ),
    case(
        "span.python_name_changed",
        on_spans(setting(lambda d: span(d, "shop.charge"), python_name="pay")),
        CHARGE,
        "breaking",
        ("api",),
        old=with_spans,
    ),
    case(
        "span.name_changed",
        on_spans(setting(lambda d: span(d, "shop.charge"), name="pay {method}")),
        f"{CHARGE}.name",
        "breaking",
        ("wire",),
        old=with_spans,
    ),
    case(
        "span.kind_changed",
        on_spans(setting(lambda d: span(d, "shop.charge"), kind="internal")),
        f"{CHARGE}.kind",
        "breaking",
        ("wire",),
        old=with_spans,
    ),
    case(
        "span.parents_narrowed",
        with_spans,
        f"{CHARGE}.parents",
        "breaking",
        ("api",),
        old=on_spans(
            setting(lambda d: span(d, "shop.charge"), parents=["shop.checkout", "shop.refund"])
        ),
    ),
    case(
        "span.parents_widened",
        on_spans(
            setting(lambda d: span(d, "shop.charge"), parents=["shop.checkout", "shop.refund"])
        ),
        f"{CHARGE}.parents",
        "compatible",
        old=with_spans,
    ),
    case(
        "span.root_disallowed",
        with_spans,
        f"{CHARGE}.root",
        "breaking",
        ("api",),
        old=on_spans(setting(lambda d: span(d, "shop.charge"), root=True)),
    ),
    case(
        "span.root_allowed",
        on_spans(setting(lambda d: span(d, "shop.charge"), root=True)),
        f"{CHARGE}.root",
        "compatible",
        old=with_spans,
    ),
    case(
        "span.events_changed",
        on_spans(
            setting(lambda d: span(d, "shop.checkout"), events=["shop.paid", "shop.refunded"])
        ),
        f"{CHECKOUT}.events",
        "info",
        old=with_spans,
    ),
    case(
        "span.metrics_changed",
        on_spans(setting(lambda d: span(d, "shop.checkout"), metrics=None)),
        f"{CHECKOUT}.metrics",
        "info",
        old=with_spans,
    ),
    case(
        "span.deprecated",
        on_spans(setting(lambda d: span(d, "shop.charge"), deprecated={"note": "Unused."})),
        f"{CHARGE}.deprecated",
        "compatible",
        old=with_spans,
    ),
    case(
        "span.undeprecated",
        with_spans,
        f"{CHARGE}.deprecated",
        "compatible",
        old=on_spans(setting(lambda d: span(d, "shop.charge"), deprecated={"note": "Unused."})),
    ),
    case(
        "span.deprecation_changed",
        on_spans(setting(lambda d: span(d, "shop.charge"), deprecated={"note": "Gone soon."})),
        f"{CHARGE}.deprecated",
        "info",
        old=on_spans(setting(lambda d: span(d, "shop.charge"), deprecated={"note": "Unused."})),
    ),
    case(
        "span.stabilized",
        on_spans(setting(lambda d: span(d, "shop.charge"), stability="stable")),
        f"{CHARGE}.stability",
        "compatible",
        old=with_spans,
    ),
    case(
        "span.destabilized",
        with_spans,
        f"{CHARGE}.stability",
        "breaking",
        ("api", "wire"),
        old=on_spans(setting(lambda d: span(d, "shop.charge"), stability="stable")),
    ),
    case(
        "span.description_changed",
        on_spans(setting(lambda d: span(d, "shop.charge"), description="Other.")),
        CHARGE,
        "info",
        old=with_spans,
    ),
    case(
        "attribute.known_changed",
        on_spans(setting(lambda d: span_use(d, "shop.checkout", "amount"), known=None)),
        f"{CHECKOUT}.attributes[amount].known",
        "breaking",
        ("api",),
        old=with_spans,
    ),
    case(
        "attribute.value_changed",
        on_spans(setting(lambda d: span_use(d, "shop.refund", "channel"), value="web")),
        "spans[shop.refund].attributes[channel].value",
        "breaking",
        ("wire",),
        old=with_spans,
    ),
    # ... and a span's attributes as an event's: a removed one breaks both audiences.
    case(
        "attribute.removed",
        on_spans(lambda d: span(d, "shop.charge")["attributes"].pop()),
        f"{CHARGE}.attributes[ratio]",
        "breaking",
        ("api", "wire"),
        old=with_spans,
    ),
    case(
        "attribute.computed_changed",
        on_spans(setting(lambda d: span_use(d, "shop.refund", "channel"), value=None)),
        "spans[shop.refund].attributes[channel]",
        "breaking",
        ("api", "wire"),
        old=with_spans,
    ),
]

#: The smallest version after 1.0.0 that declares each bump, and the largest that does not.
ENOUGH = {"major": "2.0.0", "minor": "1.1.0", "patch": "1.0.1"}
TOO_SMALL = {"major": "1.1.0", "minor": "1.0.1", "patch": "1.0.0"}


def catalog_text(edit: Edit, version: str = "1.0.0") -> str:
    doc = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    edit(doc)
    doc["catalog_version"] = version
    return yaml.safe_dump(doc, sort_keys=False)


def case_id(row: Case) -> str:
    return row.kind + ("" if row.old is no_edit else " (edited base)")


@pytest.mark.parametrize("row", CASES, ids=[f"{i}:{case_id(r)}" for i, r in enumerate(CASES)])
def test_each_change_kind_is_classified_as_the_table_says(row: Case) -> None:
    old = load_catalog_text(catalog_text(row.old), "old.yaml")
    new = load_catalog_text(catalog_text(row.new), "new.yaml")
    changes = diff_catalogs(old, new)
    mine = [c for c in changes if c.kind == row.kind]
    assert {c.kind for c in changes} - {row.kind} <= row.also, changes
    assert sorted(c.path for c in mine) == sorted(row.paths), changes
    for change in mine:
        assert (change.severity, change.audiences) == (row.severity, row.audiences)
        assert change.message
    assert required_bump(changes) == row.bump


@pytest.mark.parametrize("row", CASES, ids=[f"{i}:{case_id(r)}" for i, r in enumerate(CASES)])
def test_the_gate_exits_by_the_declared_bump(
    row: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(catalog_text(row.old), encoding="utf-8")
    for version, status in ((ENOUGH[row.bump], 0), (TOO_SMALL[row.bump], 1)):
        new = tmp_path / f"new-{version}.yaml"
        new.write_text(catalog_text(row.new, version), encoding="utf-8")
        assert main(["diff", str(old), str(new), "--format", "json"]) == status
        report = json.loads(capsys.readouterr().out)
        assert report["required_bump"] == row.bump
        assert report["ok"] is (status == 0)
        assert row.kind in {c["kind"] for c in report["changes"]}


def test_every_kind_of_the_table_has_a_row_here() -> None:
    assert {row.kind for row in CASES} == set(RULES)


def test_docs_list_every_kind_with_its_severity_audiences_and_reason() -> None:
    text = (REPO / "docs" / "evolution.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_.]+)` \| (\w+) \| ([^|]*) \| ([^|]+) \|$", text, re.MULTILINE)
    documented = {
        kind: (
            severity,
            tuple(a.strip() for a in audiences.split(",") if a.strip() != "-"),
            reason.strip(),
        )
        for kind, severity, audiences, reason in rows
    }
    expected = {kind: (rule.severity, rule.audiences, rule.reason) for kind, rule in RULES.items()}
    assert documented == expected
    assert [kind for kind, *_ in rows] == list(RULES)  # the same order, one row each


def test_order_and_formatting_alone_give_no_change() -> None:
    doc = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    shuffled = copy.deepcopy(doc)
    for group in (
        shuffled["attributes"],
        shuffled["events"],
        *(e["attributes"] for e in shuffled["events"]),
        shuffled["metrics"],
        *(m["attributes"] for m in shuffled["metrics"]),
    ):
        group.reverse()
    shuffled["toggles"] = dict(reversed(shuffled["toggles"].items()))
    attribute(shuffled, "method")["type"]["members"].reverse()
    text = yaml.safe_dump(shuffled, default_flow_style=True, width=10_000)
    old = load_catalog_text(BASE.read_text(encoding="utf-8"), "a.yaml")
    assert diff_catalogs(old, load_catalog_text(text, "b.yaml")) == []
    assert diff_catalogs(old, old) == []


def test_writing_out_the_sdk_default_boundaries_is_no_change() -> None:
    def explicit(doc: Doc) -> None:
        metric(doc, "shop.payment.amount")["boundaries"] = list(SDK_DEFAULT_BOUNDARIES)

    implicit = setting(lambda d: metric(d, "shop.payment.amount"), boundaries=None)
    old = load_catalog_text(catalog_text(implicit), "old.yaml")
    new = load_catalog_text(catalog_text(explicit), "new.yaml")
    assert diff_catalogs(old, new) == []


def test_a_value_type_change_says_what_happens_to_calls_and_points() -> None:
    to_double = setting(lambda d: metric(d, "shop.payments"), value_type="double")
    old = load_catalog_text(catalog_text(no_edit), "old.yaml")
    (change,) = diff_catalogs(old, load_catalog_text(catalog_text(to_double), "new.yaml"))
    assert "ints are still accepted" in change.message
    assert "points carry doubles" in change.message


# --- the 0.x rule (Cargo's) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "declared", "allows_breaking", "allows_additions"),
    [
        ("0.3.0", "0.4.0", "major", True, True),  # 0.y: the minor part is the major one
        ("0.3.5", "0.4.0", "major", True, True),
        ("0.3.0", "0.3.1", "minor", False, True),  # 0.3.z: may add, never break
        ("0.0.3", "0.0.4", "major", True, True),  # 0.0.z: every bump may break
        ("0.3.0", "1.0.0", "major", True, True),
        ("0.3.1", "0.3.1", "none", False, False),
        ("0.4.0", "0.3.9", "none", False, False),
        ("1.2.3", "1.2.4", "patch", False, False),
    ],
)
def test_declared_bump_follows_cargo_below_1_0_0(
    old: str, new: str, declared: str, allows_breaking: bool, allows_additions: bool
) -> None:
    assert semver.declared_bump(old, new) == declared
    assert semver.allows(semver.declared_bump(old, new), "major") is allows_breaking
    assert semver.allows(semver.declared_bump(old, new), "minor") is allows_additions


def test_a_breaking_change_in_a_0_x_patch_release_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BASE.read_text(encoding="utf-8")
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text(text.replace("catalog_version: 1.0.0", "catalog_version: 0.3.0"), "utf-8")
    breaking = text.replace("catalog_version: 1.0.0", "catalog_version: 0.3.1").replace(
        "  - name: shop.refunded\n    description: An order was refunded.\n"
        "    attributes:\n      - {ref: amount, requirement: required}\n",
        "",
    )
    new.write_text(breaking, "utf-8")
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "FAIL: the changes need a major bump, but 0.3.0 -> 0.3.1 is a minor bump." in out
    new.write_text(breaking.replace("catalog_version: 0.3.1", "catalog_version: 0.4.0"), "utf-8")
    assert main(["diff", str(old), str(new)]) == 0
