"""Fixes for findings, as edits of a file's text: libcst codemods for Python, token edits for SQL.

`fixes_for` is the one entry point (the CLI's `--fix`/`--diff` and the editor server's quick
fixes). A fix is *safe* when it keeps what the program does (it only changes how a driver sends
queries: unnamed statements instead of named ones); *unsafe* when it changes what a statement
means (a session `SET` that becomes `SET LOCAL`), and those are only offered on request. A fix
is offered only where it can be written exactly: a plain literal whose text maps one to one, a
call whose arguments are written out, a transaction that is seen around a transaction-scoped
replacement.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pinlint.diagnostics import Finding
    from pinlint.settings import Settings


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` (character offsets into the file's text) with ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    code: str  # the finding it fixes (row and column 1-based, as `Finding`)
    row: int
    col: int
    title: str  # "Set `statement_cache_size=0`"
    safe: bool
    edits: tuple[Edit, ...]


def fixes_for(
    text: str, display: str, findings: list[Finding], settings: Settings, unsafe: bool = False, path: Path | None = None
) -> list[Fix]:
    """The fixes for ``findings`` of the file ``display`` whose text is ``text``: safe ones, and
    with ``unsafe`` the others too. ``path`` (default: ``display``, when that is a file) lets
    the project around the file be consulted as linting it did."""
    from pinlint.fixes.build import build_fixes

    if path is None and Path(display).is_file():
        path = Path(display)
    return [fix for fix in build_fixes(text, display, settings, path, findings) if fix.safe or unsafe]


def apply_edits(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    """``text`` with ``edits`` made; they must not overlap (identical ones count once)."""
    pieces, at = [], 0
    for edit in sorted(set(edits), key=lambda e: (e.start, e.end, e.replacement)):
        if edit.start < at:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        pieces += [text[at : edit.start], edit.replacement]
        at = edit.end
    pieces.append(text[at:])
    return "".join(pieces)
