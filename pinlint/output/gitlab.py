"""GitLab Code Quality: a JSON array of Code Climate issues, shown on merge requests.

GitLab matches issues between the source and target branch by `fingerprint`, so it must not
change when lines move (see `fingerprint.py`) and must be unique within a report.
"""

from __future__ import annotations

from pinlint.diagnostics import Finding, Severity
from pinlint.engine import Report
from pinlint.output.fingerprint import fingerprints
from pinlint.output.text import json_text

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor"}


def render(report: Report) -> str:
    issues = [_issue(f, fingerprint) for f, fingerprint in zip(report.findings, fingerprints(report))]
    return json_text(issues, indent=2) + "\n"


def _issue(finding: Finding, fingerprint: str) -> dict:
    return {
        "description": f"{finding.code} {finding.message}. Fix: {finding.fix}",
        "check_name": finding.code,
        "fingerprint": fingerprint,
        "severity": _SEVERITY[finding.severity],
        "location": {
            "path": finding.path,
            "positions": {
                "begin": {"line": finding.row, "column": finding.col},
                "end": {"line": finding.end_row, "column": finding.end_col},
            },
        },
    }
