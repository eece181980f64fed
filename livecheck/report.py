"""The report: what the checker found and covered, as text, JSON or Markdown.

The JSON shape is a stable interface (docs/live-check.md):
`{"records", "points", "spans", "requests", "findings": [...], "coverage": {...}, "ok",
"fail_on", "catalog"}`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .aggregate import Finding
from .checker import LiveChecker
from .kinds import SEVERITIES, at_or_above

#: `--fail-on`: the severities, and `never`.
FAIL_ON_CHOICES = ("error", "warning", "info", "never")


@dataclass(frozen=True)
class Report:
    records: int
    requests: int
    findings: list[Finding]
    coverage: dict[str, Any]
    fail_on: str
    catalog: str
    #: Metric data points checked.
    points: int = 0
    #: Spans checked.
    spans: int = 0
    #: How each `--input` was read: `lines` or `documents`, by its name.
    inputs: dict[str, str] = field(default_factory=dict)

    @property
    def failing(self) -> list[Finding]:
        """The findings at or above `fail_on`."""
        return [f for f in self.findings if at_or_above(f.severity, self.fail_on)]

    @property
    def ok(self) -> bool:
        return not self.failing

    def to_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "points": self.points,
            "spans": self.spans,
            "requests": self.requests,
            "catalog": self.catalog,
            "findings": [finding.to_json() for finding in self.findings],
            "coverage": self.coverage,
            "inputs": [{"input": name, "read_as": how} for name, how in self.inputs.items()],
            "fail_on": self.fail_on,
            "ok": self.ok,
        }


def build_report(
    checker: LiveChecker, *, fail_on: str = "error", inputs: dict[str, str] | None = None
) -> Report:
    if fail_on not in FAIL_ON_CHOICES:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON_CHOICES)}, not {fail_on!r}")
    checker.finish_spans()  # the traffic ended: spans whose parent never came are roots
    catalog = checker.catalog
    name = f"{catalog.namespace or catalog.file_name} {catalog.version}"
    return Report(
        records=checker.records,
        requests=checker.requests,
        findings=checker.findings.sorted(),
        coverage=checker.coverage(),
        fail_on=fail_on,
        catalog=name,
        points=checker.points,
        spans=checker.span_count,
        inputs=inputs or {},
    )


def render(report: Report, output_format: str) -> str:
    if output_format == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    if output_format == "markdown":
        return format_markdown(report)
    return format_text(report)


def _counts(report: Report) -> str:
    by_severity = Counter(f.severity for f in report.findings)
    # `info` only when a finding has it.
    shown = [s for s in SEVERITIES if s != "info" or by_severity[s]]
    parts = [_plural(by_severity[s], s) for s in shown]
    return ", ".join(parts) + " (distinct findings)"


def _subject(finding: Finding) -> str:
    """`event attribute`, `metric NAME attribute`, `span NAME attribute`, or only the parts
    a finding has."""
    owner = _owner(finding)
    return " ".join(part for part in (owner, finding.attribute) if part)


_READ_AS = {"lines": "JSON lines", "documents": "whole JSON documents"}


def _owner(finding: Finding) -> str | None:
    if finding.metric:
        return f"metric {finding.metric}"
    if finding.span:
        return f"span {finding.span}"
    return finding.event


def _inputs_line(report: Report) -> list[str]:
    return [f"read {name} as {_READ_AS.get(how, how)}" for name, how in report.inputs.items()]


def _examples(finding: Finding) -> list[str]:
    """One line per example with a value or detail; places alone on one line."""
    places = [e.where for e in finding.examples if e.type is None and e.detail is None]
    lines = [
        f"        e.g. {e.text()}"
        for e in finding.examples
        if e.type is not None or e.detail is not None
    ]
    if places:
        lines.append("        e.g. at " + ", ".join(places))
    return lines


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.0f}%"


def _coverage_lines(coverage: dict[str, Any]) -> list[str]:
    events, attributes = coverage["events"], coverage["attributes"]
    lines = [
        f"events {len(events['seen'])}/{events['total']} ({_percent(events['ratio'])}), "
        f"attributes {len(attributes['seen'])}/{attributes['total']} "
        f"({_percent(attributes['ratio'])})"
    ]
    if events["unseen"]:
        lines.append("never seen: " + ", ".join(events["unseen"]))
    if attributes["unseen"]:
        lines.append("attributes never seen: " + ", ".join(attributes["unseen"]))
    for name, keys in attributes["by_event"].items():
        if name in events["seen"] and keys["unseen"]:
            lines.append(f"{name}: never seen " + ", ".join(keys["unseen"]))
    metrics = coverage.get("metrics")
    if metrics and metrics["total"]:
        lines.append(
            f"metrics {len(metrics['seen'])}/{metrics['total']} ({_percent(metrics['ratio'])})"
        )
        if metrics["unseen"]:
            lines.append("metrics never seen: " + ", ".join(metrics["unseen"]))
        for name, keys in metrics["by_metric"].items():
            if name in metrics["seen"] and keys["unseen"]:
                lines.append(f"metric {name}: never seen " + ", ".join(keys["unseen"]))
    spans = coverage.get("spans")
    if spans and spans["total"]:
        lines.append(f"spans {len(spans['seen'])}/{spans['total']} ({_percent(spans['ratio'])})")
        if spans["unseen"]:
            lines.append("spans never seen: " + ", ".join(spans["unseen"]))
        for name, keys in spans["by_span"].items():
            if name in spans["seen"] and keys["unseen"]:
                lines.append(f"span {name}: never seen " + ", ".join(keys["unseen"]))
    return lines


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counted(report: Report) -> str:
    """What was checked: records, and metric data points and spans when there were any."""
    parts = [_plural(report.records, "record")]
    if report.points:
        parts.append(_plural(report.points, "metric point"))
    if report.spans:
        parts.append(_plural(report.spans, "span"))
    what = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{what} in {_plural(report.requests, 'request')}"


def _verdict(report: Report) -> str:
    if report.ok:
        return f"OK: no finding at or above --fail-on {report.fail_on}"
    failing = _plural(len(report.failing), "finding")
    return f"FAIL: {failing} at or above --fail-on {report.fail_on}"


def format_text(report: Report) -> str:
    lines = [
        f"live-check: {_counted(report)}, checked against catalog {report.catalog}",
        *_inputs_line(report),
        "",
    ]
    if report.findings:
        lines.append(f"Findings: {_counts(report)}; occurrences by kind:")
        by_kind = Counter[str]()
        for finding in report.findings:
            by_kind[finding.kind] += finding.count
        for kind, count in by_kind.most_common():
            lines.append(f"  {kind:<22} {count:>8}")
        lines.append("")
        for finding in report.findings:
            subject = _subject(finding)
            lines.append(
                f"{finding.severity.upper():<7} {finding.kind}{' ' if subject else ''}{subject} "
                f"x{finding.count}: {finding.message}"
            )
            lines.extend(_examples(finding))
    else:
        lines.append("Findings: none")
    lines.append("")
    lines.append("Coverage: " + "\n  ".join(_coverage_lines(report.coverage)))
    lines.append("")
    lines.append(_verdict(report))
    return "\n".join(lines) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def format_markdown(report: Report) -> str:
    lines = [
        "# live-check report",
        "",
        f"{_counted(report)}, checked against catalog {report.catalog}. **{_verdict(report)}**",
        "",
        *(f"- {_cell(line)}" for line in _inputs_line(report)),
        *([""] if report.inputs else []),
        "## Findings",
        "",
    ]
    if report.findings:
        lines += [
            "| severity | kind | event, metric or span | attribute | count | message | example |",
            "|---|---|---|---|---:|---|---|",
        ]
        for finding in report.findings:
            example = finding.examples[0].text() if finding.examples else ""
            lines.append(
                "| "
                + " | ".join(
                    _cell(cell)
                    for cell in (
                        finding.severity,
                        f"`{finding.kind}`",
                        _owner(finding) or "",
                        finding.attribute or "",
                        finding.count,
                        finding.message,
                        example,
                    )
                )
                + " |"
            )
    else:
        lines.append("None.")
    lines += ["", "## Coverage", ""]
    lines += [f"- {_cell(line)}" for line in _coverage_lines(report.coverage)]
    return "\n".join(lines) + "\n"
