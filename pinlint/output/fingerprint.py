"""Fingerprints that identify a finding across edits: they survive lines moving above it.

A fingerprint hashes the rule, the file and the whitespace-normalised text the finding points at
(the SQL string, the statement, the call), plus its index among findings with the same three,
so two identical statements in one file stay distinct (semgrep's `ci_unique_key`). Line numbers
are left out on purpose: they change with every edit above the finding.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Callable

from pinlint.diagnostics import Finding
from pinlint.engine import Report


def fingerprints(report: Report, path_of: Callable[[Finding], str] | None = None) -> list[str]:
    """One hex fingerprint per finding of ``report``, in the same order. ``path_of`` names the
    file as the fingerprint knows it (default: as shown); a baseline names it relative to itself,
    so that it matches from any working directory."""
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in report.findings:
        path = finding.path if path_of is None else path_of(finding)
        key = (finding.code, path, flagged_text(finding, report.sources.get(finding.path, [])))
        index = seen[key]
        seen[key] += 1
        # surrogatepass: a name or message can hold lone surrogates, and valid text hashes as before.
        result.append(hashlib.sha256("\0".join((*key, str(index))).encode("utf-8", "surrogatepass")).hexdigest()[:32])
    return result


def flagged_text(finding: Finding, lines: list[str]) -> str:
    """The source text of the finding's span, whitespace-normalised; its whole line when the
    span is empty (a suppression comment's position, an unparsable file's first error)."""
    if not 0 < finding.row <= len(lines):
        return ""
    span = lines[finding.row - 1 : finding.end_row]
    if finding.end_row == finding.row:
        span = [span[0][finding.col - 1 : finding.end_col - 1]]
    else:
        span[0] = span[0][finding.col - 1 :]
        span[-1] = span[-1][: finding.end_col - 1]
    text = " ".join(" ".join(span).split())
    return text or " ".join(lines[finding.row - 1].split())
