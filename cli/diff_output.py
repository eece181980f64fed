"""`codex-otel diff` output: text for terminals and CI logs, JSON, and Markdown.

The JSON shape is a stable interface (docs/evolution.md):
`{"old_version", "new_version", "required_bump", "declared_bump", "ok", "changes": [...]}`,
each change `{"kind", "path", "severity", "audiences", "old", "new", "message"}`.
"""

from __future__ import annotations

import json
from typing import Any

from codex_otel.generator.diff import SEVERITIES, Change
from codex_otel.generator.render import md, md_code
from codex_otel.generator.semver import GateResult

_HEADINGS = {"breaking": "Breaking", "compatible": "Compatible", "info": "Information only"}


def _printable(text: str) -> str:
    """Catalog text made safe for a terminal: control characters and lone surrogates
    spelled as escapes, so a hostile description cannot move the cursor or crash print."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _count(changes: tuple[Change, ...]) -> str:
    return f"{len(changes)} change{'s' if len(changes) != 1 else ''}"


def as_text(result: GateResult) -> str:
    """Grouped by severity; one line per change, then its kind and audiences."""
    lines = [
        f"Catalog {result.old_version} -> {result.new_version}: {_count(result.changes)}.",
    ]
    for severity in SEVERITIES:
        group = [c for c in result.changes if c.severity == severity]
        if not group:
            continue
        lines.append("")
        lines.append(f"{_HEADINGS[severity]} ({len(group)}):")
        for change in group:
            breaks = f"; breaks {', '.join(change.audiences)}" if change.audiences else ""
            lines.append(f"  {_printable(change.path)}")
            lines.append(f"      {_printable(change.message)}  [{change.kind}{breaks}]")
    lines.append("")
    lines.append(result.verdict)
    return "\n".join(lines) + "\n"


def as_json(result: GateResult) -> str:
    document: dict[str, Any] = {
        "old_version": result.old_version,
        "new_version": result.new_version,
        "required_bump": result.required_bump,
        "declared_bump": result.declared_bump,
        "ok": result.ok,
        "changes": [
            {
                "kind": change.kind,
                "path": change.path,
                "severity": change.severity,
                "audiences": list(change.audiences),
                "old": change.old,
                "new": change.new,
                "message": change.message,
            }
            for change in result.changes
        ],
    }
    # ASCII: a lone surrogate from the catalog is then an escape, never an encoding error.
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def markdown_table(changes: list[Change]) -> str:
    """The changes as a Markdown table (one severity's worth, usually)."""
    rows = ["| Change | Where | Breaks | Old | New |", "|---|---|---|---|---|"]
    for change in changes:
        breaks = ", ".join(change.audiences) or "nobody"
        old = "" if change.old is None else md_code(change.old)
        new = "" if change.new is None else md_code(change.new)
        rows.append(f"| {md(change.message)} | {md_code(change.path)} | {breaks} | {old} | {new} |")
    return "\n".join(rows)


def as_markdown(result: GateResult) -> str:
    """A CHANGELOG entry or pull-request comment."""
    lines = [
        f"## Catalog changes {md(result.old_version)} → {md(result.new_version)}",
        "",
        f"{_count(result.changes).capitalize()}. Required bump: **{result.required_bump}**; "
        f"declared: **{result.declared_bump}** "
        f"({'ok' if result.ok else '**too small**'}).",
    ]
    for severity in SEVERITIES:
        group = [c for c in result.changes if c.severity == severity]
        if group:
            lines += ["", f"### {_HEADINGS[severity]}", "", markdown_table(group)]
    return "\n".join(lines) + "\n"


FORMATS = {"text": as_text, "json": as_json, "markdown": as_markdown}
