"""`path:row:col: CODE message. Fix: ...`, one finding a line: what flake8-style tools parse."""

from __future__ import annotations

from pinlint.engine import Report


def render(report: Report) -> str:
    return "".join(f"{f.path}:{f.row}:{f.col}: {f.line_text}\n" for f in report.findings)
