"""GitHub Actions workflow commands, one annotation per finding, and a job-summary table.

GitHub's rules (actions/toolkit `command.ts`, and the annotation API): `%`, CR and LF are
escaped in messages, and `:` and `,` as well in property values; `col`/`endColumn` are only
valid on a single line (a multi-line span with them is dropped from the diff view); a step
shows at most 10 annotations per level, so the rest are counted in a notice and listed in full
in the job summary (`$GITHUB_STEP_SUMMARY`).

Messages and fixes are shown through `visible` first, as in the other human-readable formats (a
raw ESC would still colour the log); the `file` property keeps the exact name, escaped as GitHub
requires, so the annotation lands on the file.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Mapping

from pinlint.diagnostics import Finding, Severity
from pinlint.engine import Report
from pinlint.output.text import visible
from pinlint.rules import BY_CODE

ANNOTATIONS_PER_LEVEL = 10


def render(report: Report) -> str:
    lines = [_annotation(finding) for finding in report.findings]
    levels = Counter(finding.severity for finding in report.findings)
    if any(count > ANNOTATIONS_PER_LEVEL for count in levels.values()):
        counted = " and ".join(_count(levels[s], s.value) for s in Severity if levels[s])
        # The CLI writes the job summary wherever the runner provides one.
        where = "the step log and the job summary" if os.environ.get("GITHUB_STEP_SUMMARY") else "the step log"
        message = (
            f"pinlint found {counted}; GitHub annotates at most {ANNOTATIONS_PER_LEVEL} of each level per step, "
            f"so all of them are listed in {where}"
        )
        lines.append(f"::notice title=pinlint::{escape_data(message)}")
    return "".join(line + "\n" for line in lines)


def _annotation(finding: Finding) -> str:
    properties = [("file", finding.path), ("line", finding.row), ("endLine", finding.end_row)]
    if finding.end_row == finding.row:
        properties += [("col", finding.col), ("endColumn", max(finding.end_col, finding.col))]
    properties.append(("title", f"pinlint {finding.code} ({finding.name})"))
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    message = escape_data(f"{visible(finding.message)}\nFix: {visible(finding.fix)}")
    return f"::{finding.severity.value} {rendered}::{message}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def step_summary(report: Report, environ: Mapping[str, str] = os.environ) -> str:
    """A Markdown table of every finding for `$GITHUB_STEP_SUMMARY`, linking each to its line
    at the commit being checked when the workflow's environment says where that is."""
    if not report.findings:
        return "### pinlint\n\nNo findings.\n"
    levels = Counter(finding.severity for finding in report.findings)
    files = len({finding.path for finding in report.findings})
    counted = ", ".join(_count(levels[s], s.value) for s in Severity if levels[s])
    rows = [
        "### pinlint",
        "",
        f"{_count(len(report.findings), 'finding')} ({counted}) in {_count(files, 'file')}.",
        "",
        "| Location | Rule | Severity | Finding | Fix |",
        "| --- | --- | --- | --- | --- |",
    ]
    for finding in report.findings:
        place = f"{finding.path}:{finding.row}:{finding.col}"
        link = _blob_url(finding, environ)
        location = f"[`{_cell(place)}`]({link})" if link else f"`{_cell(place)}`"
        rule = f"[{finding.code}]({BY_CODE[finding.code].url}) `{finding.name}`"
        rows.append(
            f"| {location} | {rule} | {finding.severity.value} | {_cell(finding.message)} | {_cell(finding.fix)} |"
        )
    return "\n".join(rows) + "\n"


def _blob_url(finding: Finding, environ: Mapping[str, str]) -> str | None:
    try:
        server, repository, sha, workspace = (
            environ[k] for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_WORKSPACE")
        )
        path = (Path.cwd() / finding.path).resolve().relative_to(Path(workspace).resolve())
    except (KeyError, ValueError):
        return None
    return f"{server}/{repository}/blob/{sha}/{path.as_posix()}#L{finding.row}"


def _cell(text: str) -> str:
    return visible(text).replace("|", "\\|")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"
