"""Each finding with its source line, a caret under the span, and the fix as `help:`."""

from __future__ import annotations

from pinlint.diagnostics import Finding
from pinlint.engine import Report


def render(report: Report) -> str:
    return "".join(_one(f, report.sources.get(f.path, [])) for f in report.findings)


def _one(finding: Finding, lines: list[str]) -> str:
    text = f"{finding.path}:{finding.row}:{finding.col}: {finding.code} [{finding.severity.value}] {finding.message}\n"
    if 0 < finding.row <= len(lines):
        line = lines[finding.row - 1]
        gutter = str(finding.row)
        pad = " " * len(gutter)
        start = max(finding.col - 1, 0)
        stop = finding.end_col - 1 if finding.end_row == finding.row else len(line)
        width = max(stop - start, 1)
        indent = "".join(c if c == "\t" else " " for c in line[:start])
        text += f"{pad} |\n{gutter} | {line}\n{pad} | {indent}{'^' * width}\n{pad} |\n{pad} = help: {finding.fix}\n"
    else:
        text += f"  = help: {finding.fix}\n"
    return text + "\n"
