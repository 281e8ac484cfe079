"""`pinlint logs` output: incidents ranked by count, in the formats `pinlint check` writes.

Everything an incident shows came from a log or a file name, written by whoever could reach the
server: `full` shows it through `visible` (no control sequence or line break reaches the
terminal), `json` escapes by construction, and `sarif` and `github` are `pinlint check`'s own
writers, given one finding per code location of an incident. Those two annotate lines, so an
incident with no code location is left to the other formats (and still fails the run).
"""

from __future__ import annotations

from pinlint.diagnostics import Confidence, Finding
from pinlint.engine import Report
from pinlint.logs.mapping import Incident
from pinlint.output.github import escape_data
from pinlint.output.text import json_text, visible, visible_path
from pinlint.rules import BY_CODE


def render(incidents: list[Incident], output_format: str) -> str:
    if output_format == "json":
        return json_text([as_dict(incident) for incident in incidents], indent=2) + "\n"
    if output_format == "sarif":
        from pinlint.output.sarif import render as sarif

        return sarif(_as_report(incidents))
    if output_format == "github":
        from pinlint.output.github import render as github

        unlocated = [i for i in incidents if not i.locations]
        notices = "".join(f"::{i.severity.value} title=pinlint logs::{escape_data(visible(_message(i)))}\n" for i in unlocated)
        return github(_as_report(incidents)) + notices
    return "".join(_full(incident) for incident in incidents)


def as_dict(incident: Incident) -> dict:
    return {
        "source": incident.source,
        "code": incident.code or None,
        "name": incident.name or None,
        "severity": incident.severity.value,
        "consequence": incident.consequence,
        "statement": incident.statement,
        "count": incident.count,
        "first_seen": incident.first_seen,
        "last_seen": incident.last_seen,
        "locations": [{"filename": l.filename, "row": l.row, "column": l.column} for l in incident.locations],
        "emitter": incident.emitter,
        "fix": incident.fix,
        "first_logged": incident.first_logged,
        "unlocated": incident.unlocated or None,
    }


def summary(incidents: list[Incident]) -> str:
    if not incidents:
        return "No incidents."
    events = sum(i.count for i in incidents)
    located = sum(1 for i in incidents if i.locations)
    noun = "incident" if len(incidents) == 1 else "incidents"
    return f"Found {len(incidents)} {noun} ({events} logged event{'s' * (events != 1)}), {located} mapped to code."


def _full(incident: Incident) -> str:
    code = f"{incident.code} {incident.name}" if incident.code else "(no rule)"
    seen = f"{incident.count} time{'s' * (incident.count != 1)}"
    if incident.first_seen:
        seen += f", {visible(incident.first_seen)} to {visible(incident.last_seen or incident.first_seen)}"
    lines = [
        f"{code} [{incident.severity.value}] {incident.source}: seen {seen} (first at {visible_path(incident.first_logged)})",
        f"  {visible(incident.consequence)}",
    ]
    if incident.statement:
        lines.insert(1, f"  statement: {visible(incident.statement)}")
    if incident.emitter:
        lines.append(f"  sent by {visible(incident.emitter)}")
    lines += [f"  --> {visible_path(l.filename)}:{l.row}:{l.column}" for l in incident.locations]
    if incident.unlocated:
        lines.append(f"  {visible(incident.unlocated)}")
    lines.append(f"  = help: {visible(incident.fix)}")
    return "\n".join(lines) + "\n\n"


def _message(incident: Incident) -> str:
    seen = f"{incident.count} time{'s' * (incident.count != 1)}"
    if incident.first_seen:
        seen += f", {incident.first_seen} to {incident.last_seen or incident.first_seen}"
    sent = f"; sent by {incident.emitter}" if incident.emitter else ""
    where = "" if incident.locations else f"; {incident.unlocated}"
    logged = f"`{incident.statement}`" if incident.statement else "an incident"
    return f"{incident.source} logged {logged} ({seen}): {incident.consequence}{sent}{where}"


def _as_report(incidents: list[Incident]) -> Report:
    """One finding per code location of each incident a rule explains."""
    findings = [
        Finding(
            path=location.filename, row=location.row, col=location.column, code=incident.code,
            message=_message(incident), end_row=location.row, end_col=location.column, name=incident.name,
            fix=incident.fix, severity=incident.severity, confidence=Confidence.HIGH, consequences={},
        )
        for incident in incidents if incident.code in BY_CODE
        for location in incident.locations
    ]
    return Report(findings=findings)
