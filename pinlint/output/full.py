"""Each finding with its source line, a caret under the span, and the fix as `help:`.

Scanned text (the file name, message, fix and source line) is shown through `visible`, and the
caret is placed under the escaped line. A long source line (minified SQL, a line of data) is shown
as a window around the span, or a line with many findings would be printed whole for each one and
the output would grow with the square of the line.
"""

from __future__ import annotations

from pinlint.diagnostics import Finding
from pinlint.engine import Report
from pinlint.output.text import visible, visible_path

LONG_LINE = 500  # characters of a source line shown whole; a longer one is shown as a window
CONTEXT = 60  # characters of a long line shown before the span, and after it when there is room
_CUT = "..."


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
        line, start, stop = _window(line, start, stop)
        span = line[start:stop]
        # An escape is wider than the character it shows: the caret widens and moves with it.
        width = max(stop - start, 1) + len(visible(span)) - len(span)
        indent = "".join(c if c == "\t" else " " for c in visible(line[:start]))
        text += f"{pad} |\n{gutter} | {visible(line)}\n{pad} | {indent}{'^' * width}\n{pad} |\n{pad} = help: {fix}\n"
    else:
        text += f"  = help: {fix}\n"
    return text + "\n"


def _window(line: str, start: int, stop: int) -> tuple[str, int, int]:
    """The part of ``line`` to show, at most `LONG_LINE` characters from `CONTEXT` before the
    span, marked `...` where it is cut; and the span's start and stop in it."""
    if len(line) <= LONG_LINE:
        return line, start, stop
    first = min(max(start - CONTEXT, 0), len(line))
    last = min(len(line), first + LONG_LINE, max(stop, start + 1) + CONTEXT)
    head = _CUT if first else ""
    tail = _CUT if last < len(line) else ""
    return head + line[first:last] + tail, len(head) + start - first, len(head) + min(stop, last) - first
