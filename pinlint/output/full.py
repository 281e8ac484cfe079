"""Each finding with its source line, a caret under the span, and the fix as `help:`.

Scanned text (the file name, message, fix and source line) is shown through `visible`, and the
caret is placed under the escaped line.
"""

from __future__ import annotations

from pinlint.diagnostics import Finding
from pinlint.engine import Report
from pinlint.output.text import visible, visible_path


def render(report: Report) -> str:
    return "".join(_one(f, report.sources.get(f.path, [])) for f in report.findings)


def _one(finding: Finding, lines: list[str]) -> str:
    text = (
        f"{visible_path(finding.path)}:{finding.row}:{finding.col}: {finding.code} [{finding.severity.value}] "
        f"{visible(finding.message)}\n"
    )
    fix = visible(finding.fix)
    if 0 < finding.row <= len(lines):
        line = lines[finding.row - 1]
        gutter = str(finding.row)
        pad = " " * len(gutter)
        start = max(finding.col - 1, 0)
        stop = finding.end_col - 1 if finding.end_row == finding.row else len(line)
        span = line[start:stop]
        # An escape is wider than the character it shows: the caret widens and moves with it.
        width = max(stop - start, 1) + len(visible(span)) - len(span)
        indent = "".join(c if c == "\t" else " " for c in visible(line[:start]))
        text += f"{pad} |\n{gutter} | {visible(line)}\n{pad} | {indent}{'^' * width}\n{pad} |\n{pad} = help: {fix}\n"
    else:
        text += f"  = help: {fix}\n"
    return text + "\n"
