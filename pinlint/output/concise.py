"""`path:row:col: CODE message`, one finding a line: what flake8-style tools parse."""

from __future__ import annotations

from pinlint.engine import Report


def render(report: Report) -> str:
    return "".join(f"{f.path}:{f.row}:{f.col}: {f.code} {f.message}\n" for f in report.findings)
