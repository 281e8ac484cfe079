"""`path:row:col: CODE message. Fix: ...`, one finding a line: what flake8-style tools parse.

Scanned text is shown through `visible`, so each finding stays one line."""

from __future__ import annotations

from pinlint.engine import Report
from pinlint.output.text import visible, visible_path


def render(report: Report) -> str:
    return "".join(f"{visible_path(f.path)}:{f.row}:{f.col}: {visible(f.line_text)}\n" for f in report.findings)
