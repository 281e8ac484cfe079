"""The editor's actions on a finding, "ignore on this line" and "ignore in this file": the edits
`pinlint.suppression_edits` makes (as for `--add-noqa`), for the document as it was linted."""

from __future__ import annotations

from pinlint.diagnostics import Finding
from pinlint.fixes import Edit
from pinlint.server.documents import PYTHON, Linted
from pinlint.suppression_edits import (
    NOT_SUPPRESSIBLE,
    file_suppression,
    line_suppressions,
)


def ignore_edits(linted: Linted, finding: Finding) -> list[tuple[str, Edit]]:
    """(title, edit) of each action that suppresses ``finding``: none for what cannot be
    suppressed, none on its line where no comment can be placed there with certainty."""
    if finding.code in NOT_SUPPRESSIBLE:
        return []
    is_python = linted.kind == PYTHON
    actions = [
        (f"pinlint: ignore {finding.code} on this line", edit)
        for edit in line_suppressions(linted.source, linted.display, is_python, [finding])
    ]
    in_file = file_suppression(linted.source, linted.display, is_python, finding.code)
    return [*actions, (f"pinlint: ignore {finding.code} in this file", in_file)]
