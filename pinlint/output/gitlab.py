"""GitLab Code Quality: a JSON array of Code Climate issues, shown on merge requests.

GitLab matches issues between the source and target branch by `fingerprint`, so it must not
change when lines move (see `fingerprint.py`) and must be unique within a report.
"""

from __future__ import annotations

import json

from pinlint.diagnostics import Finding, Severity
from pinlint.engine import Report
from pinlint.output.fingerprint import fingerprints

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor"}


def render(report: Report) -> str:
    issues = [_issue(f, fingerprint) for f, fingerprint in zip(report.findings, fingerprints(report))]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


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
