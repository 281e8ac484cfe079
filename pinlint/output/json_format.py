"""`json` (one array) and `json-lines` (one object a line), with ruff's field names."""

from __future__ import annotations

from pinlint.diagnostics import Finding
from pinlint.engine import Report
from pinlint.output.text import json_text
from pinlint.rules import BY_CODE


def as_dict(finding: Finding) -> dict:
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "fix": {"message": finding.fix},
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "consequences": finding.consequences,
        "filename": finding.path,
        "location": {"row": finding.row, "column": finding.col},
        "end_location": {"row": finding.end_row, "column": finding.end_col},
        "url": BY_CODE[finding.code].url,
    }


def render(report: Report) -> str:
    return json_text([as_dict(f) for f in report.findings], indent=2) + "\n"


def render_lines(report: Report) -> str:
    return "".join(json_text(as_dict(f)) + "\n" for f in report.findings)
