"""The detail pane of a finding: what was observed, the changelog entries quoted, and why the verdict."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...judge import Finding
from ...report import observed, versions_of
from .findings_table import SEVERITY_STYLES, VERDICT_STYLES


def render_finding(finding: Finding) -> Text:
    ev = finding.evidence
    head = Text.assemble(
        (finding.verdict, VERDICT_STYLES.get(finding.verdict, "")), "  ",
        (finding.severity, SEVERITY_STYLES.get(finding.severity, "")), "  ",
        (ev.get("category_name") or finding.category, "italic"), "  ",
        (f"in {versions_of(finding)}" if finding.introduced_in else "", ""), "  ",
        (f"confidence {finding.confidence:.2f}", "dim"), "  ",
        (f"id {finding.id}", "dim"),
    )
    parts: list = [Text(finding.title, style="bold"), head, Text("")]
    lines = observed(finding, limit=6)
    if lines:
        parts += [Text("Observed", style="bold underline"), *(Text("  " + line) for line in lines), Text("")]
    if finding.changelog_refs:
        parts.append(Text("Changelog says", style="bold underline"))
        parts += [Text.assemble(("  " + ref.version + "  ", "cyan"), ("“" + ref.entry + "”", "italic")) for ref in finding.changelog_refs]
        parts.append(Text(""))
    elif finding.verdict != "unjudged":  # not judged: the changelog was not read (the note says why)
        parts += [Text("Changelog says nothing that names it.", style="bold underline"), Text("")]
    why = [ev.get("note"), *(f"missing: {m}" for m in ev.get("missing", [])), ev.get("confidence_basis")]
    parts += [Text("Why this verdict", style="bold underline"), *(Text("  " + w) for w in why if w)]
    rules = ev.get("matched_rules") or ([ev["rule"]] if ev.get("rule") else [])
    if rules:
        parts.append(Text("  rules: " + ", ".join(rules), style="dim"))
    if finding.changes:
        parts += [Text(""), Text("Enter: open the changed text in the diff viewer · a: accept it (it no longer blocks the pin)", style="dim")]
    return Text("\n").join(parts)


class FindingDetail(Static):
    """Shows one finding; empty until the table highlights one."""

    def show(self, finding: Finding) -> None:
        self.update(render_finding(finding))
