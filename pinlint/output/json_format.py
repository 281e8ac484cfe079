"""`json` (one array) and `json-lines` (one object a line), with ruff's field names.

`json` also tells, for each finding about SQL, the dialect the SQL was read in and the evidence
behind it, strongest first (`dialect`; null for findings about code, settings or files)."""

from __future__ import annotations

from pinlint.diagnostics import DialectReading, Finding
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


def dialect_dict(reading: DialectReading | None) -> dict | None:
    if reading is None:
        return None
    return {
        "name": reading.name,
        "evidence": [
            {"from": e.source, "dialect": e.dialect, "reason": e.reason, "path": e.path} for e in reading.evidence
        ],
    }


def render(report: Report) -> str:
    return json_text([{**as_dict(f), "dialect": dialect_dict(f.dialect)} for f in report.findings], indent=2) + "\n"


def render_lines(report: Report) -> str:
    return "".join(json_text(as_dict(f)) + "\n" for f in report.findings)
