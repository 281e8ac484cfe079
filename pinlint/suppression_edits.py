"""Where a suppression comment is written so that `pinlint.suppression` reads it: the one place
`--add-noqa` and the editor's "ignore on this line" and "ignore in this file" actions ask.

Line level, in the file's own comment form:
- Python: `# pinlint: ignore[CODE]` at the end of the finding's logical line (after the closing
  quotes of a multi-line string, never inside it: a comment there covers every physical line of
  the statement, the SQL strings inside it too);
- SQL: `-- pinlint: ignore[CODE]` at the end of the line the finding's statement ends on, or on a
  line of its own above the statement when that line ends inside a string or comment;
- config files: `# pinlint: ignore[CODE]` on a line of its own above the setting (a trailing
  comment would become part of an INI value); none for a value continued from an earlier line.
File level: `pinlint: file-ignore[CODE]` on a line of its own at the top (in Python, below a
shebang and an encoding declaration, which must stay on the first two lines).

A directive of the same kind already there (in Python a `noqa: ...` list too) gets the codes added
instead. A comment whose first directive is of the other kind takes no new one: only the first
is read.
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize

from pinlint.connections.files import config_format
from pinlint.diagnostics import Finding
from pinlint.fixes import Edit
from pinlint.reading import source_lines
from pinlint.rules import UNPARSABLE_FILE, UNUSED_SUPPRESSION
from pinlint.sql.lexer import POSTGRES, lex, line_starts, statements
from pinlint.suppression import (
    NOQA,
    config_suppressions,
    find_directive,
    python_suppressions,
)

# What suppressing means nothing for: a file pinlint cannot read, and a suppression itself
# (an unused one is removed, not suppressed).
NOT_SUPPRESSIBLE = frozenset({UNPARSABLE_FILE.code, UNUSED_SUPPRESSION.code})
# A config line that sets a key (`key = value`, `key: value`, `export KEY=value`).
_CONFIG_KEY = re.compile(r"[ \t]*(?:export[ \t]+)?[\w.\-\"'\[\]]+[ \t]*[=:]")
_CONFIG_OWN_LINE_COMMENT = re.compile(r"[ \t]*[#;!]")
_ENCODING_DECLARATION = re.compile(r"[ \t\f]*#.*?coding[:=]")
_NEWLINE = re.compile(r"\r\n?|\n")
_INDENT = re.compile(r"[ \t]*")
_LAYOUT = (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER)
# How codes join a comment already where a suppression would go.
_JOINED, _AFTER, _TAKEN = "joined", "after", "taken"


def line_suppressions(text: str, display: str, is_python: bool, findings: list[Finding]) -> list[Edit]:
    """The edits that suppress each of ``findings`` on its line, in the file ``display`` whose text
    is ``text`` (Python, or else as the engine tells config files from SQL by name). A finding
    that no comment can be placed for with certainty gets none."""
    findings = [f for f in findings if f.code not in NOT_SUPPRESSIBLE]
    if not findings:
        return []
    if is_python:
        return _Python(text).edits(findings)
    if config_format(display) is not None:
        return _Config(text).edits(findings)
    return _Sql(text).edits(findings)


def file_suppression(text: str, display: str, is_python: bool, code: str) -> Edit:
    """The edit that suppresses ``code`` in the whole file: into a `file-ignore` list there, or a
    new line at the top."""
    lines = _Lines(text)
    for start, comment in _file_directives(lines, display, is_python):
        how, edit = _added(comment, start, [code], file_level=True)
        if how == _JOINED and edit is not None:
            return edit
    top = 0
    if is_python:
        while top < min(2, len(lines.lines)) and (
            (top == 0 and lines.lines[0].startswith("#!")) or _ENCODING_DECLARATION.match(lines.lines[top])
        ):
            top += 1
    mark = "--" if not is_python and config_format(display) is None else "#"
    if top < len(lines.starts):
        offset, before = lines.starts[top], ""
    else:  # the last line is one to keep above, and has no line break
        offset, before = len(text), lines.newline
    return Edit(offset, offset, f"{before}{mark} pinlint: file-ignore[{code}]{lines.newline}")


def _added(comment: str, start: int, codes: list[str], file_level: bool, noqa: bool = False) -> tuple[str, Edit | None]:
    """How ``codes`` join ``comment`` (at offset ``start``, running to its line's end): `_JOINED`
    with the edit that adds them to its directive of that level, or with ``noqa`` (Python) to its
    `noqa:` list (None when it names them all); `_AFTER` when a new directive may follow it;
    `_TAKEN` when its first directive is of the other level, or lacks its `]`."""
    directive = find_directive(comment)
    if directive is not None and directive.file_level == file_level and directive.close >= 0:
        new = [c for c in codes if not any(c.startswith(s) for s in directive.selectors)]
        lead = ", " if directive.selectors else ""
        at = start + directive.close
        return _JOINED, Edit(at, at, lead + ", ".join(new)) if new else None
    listed = NOQA.search(comment) if noqa and not file_level else None
    if listed:
        present = {c.upper() for c in re.split(r"[\s,]+", listed.group("codes"))}
        at = start + listed.end("codes")
        new = [c for c in codes if c not in present]
        return _JOINED, Edit(at, at, "".join(f", {c}" for c in new)) if new else None
    return (_TAKEN if directive is not None else _AFTER), None


def _grouped(findings: list[Finding], row_of) -> list[tuple[int, list[str], Finding]]:
    """The codes of ``findings`` by the row ``row_of`` gives each, rows rising, with the first
    finding of each row."""
    by_row: dict[int, list[Finding]] = {}
    for finding in findings:
        by_row.setdefault(row_of(finding), []).append(finding)
    return [(row, sorted({f.code for f in found}), found[0]) for row, found in sorted(by_row.items())]


class _Lines:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = source_lines(text)
        self.starts = line_starts(text)
        found = _NEWLINE.search(text)
        self.newline = found.group() if found else "\n"

    def line(self, row: int) -> str:
        return self.lines[row - 1] if 1 <= row <= len(self.lines) else ""

    def end_of(self, row: int) -> int:
        """Where the content of ``row`` ends (before its trailing blanks)."""
        return self.starts[row - 1] + len(self.line(row).rstrip(" \t"))

    def trailing(self, row: int, comment: str) -> Edit:
        """``comment`` at the end of line ``row``, in place of the blanks that end it."""
        return Edit(self.end_of(row), self.starts[row - 1] + len(self.line(row)), comment)

    def above(self, offset: int, comment: str) -> Edit:
        """``comment`` on a line of its own before the line that starts at ``offset``, indented alike."""
        indent = _INDENT.match(self.text, offset).group()  # type: ignore[union-attr]
        return Edit(offset, offset, f"{indent}{comment}{self.newline}")


class _Python(_Lines):
    def edits(self, findings: list[Finding]) -> list[Edit]:
        try:
            last_rows, comments = self._logical_lines()
        except (tokenize.TokenError, SyntaxError):
            return []
        edits = []
        for row, codes, _ in _grouped(findings, lambda f: last_rows.get(f.row, f.row)):
            if row in comments:
                start, comment = comments[row]
                how, edit = _added(comment, start, codes, file_level=False, noqa=True)
                if how != _AFTER:
                    edits.extend([edit] if edit else [])
                    continue
            edits.append(self.trailing(row, f"  # pinlint: ignore[{', '.join(codes)}]"))
        return edits

    def _logical_lines(self) -> tuple[dict[int, int], dict[int, tuple[int, str]]]:
        """Each row's logical line's last row, and the comment (offset, text) ending each row."""
        last_rows: dict[int, int] = {}
        comments: dict[int, tuple[int, str]] = {}
        first = None
        for token in tokenize.generate_tokens(io.StringIO(self.text).readline):
            kind = token.type
            if kind == tokenize.COMMENT:
                row, col = token.start
                comments[row] = (self.starts[row - 1] + col, token.string)
            elif kind == tokenize.NEWLINE:
                end_row = token.start[0]
                for row in range(first or end_row, end_row + 1):
                    last_rows[row] = end_row
                first = None
            elif first is None and kind not in _LAYOUT:
                first = token.start[0]
        return last_rows, comments


class _Sql(_Lines):
    def edits(self, findings: list[Finding]) -> list[Edit]:
        sql = lex(self.text, POSTGRES, script=True)
        spans = sorted([(t.start, t.end) for t in sql.tokens] + [(c.start, c.end) for c in sql.comments])
        comments = {sql.line_of(c.start): c for c in sql.comments if not c.own_line and c.text.startswith("--")}
        stmts = statements(sql)
        stmt_starts = [s.start for s in stmts]

        def statement_of(finding: Finding):
            offset = self.starts[finding.row - 1] + finding.col - 1
            index = bisect.bisect_right(stmt_starts, offset) - 1
            return stmts[index] if index >= 0 and offset < stmts[index].end else None

        def last_row(finding: Finding) -> int:
            stmt = statement_of(finding)
            return sql.line_of(stmt.end) if stmt is not None else finding.row

        edits = []
        for row, codes, first in _grouped(findings, last_row):
            comment = comments.get(row)
            how = _AFTER
            if comment is not None:
                how, edit = _added(comment.text, comment.start, codes, file_level=False)
                if how == _JOINED:
                    edits.extend([edit] if edit else [])
                    continue
            end = self.end_of(row)
            if how == _AFTER and not _inside(spans, end):
                edits.append(self.trailing(row, f"  -- pinlint: ignore[{', '.join(codes)}]"))
                continue
            # That line ends inside a string or comment: a line of its own above the statement.
            stmt = statement_of(first)
            above = self.starts[sql.line_of(stmt.start) - 1] if stmt is not None else None
            if above is not None and not _inside(spans, above):
                edits.append(self.above(above, f"-- pinlint: ignore[{', '.join(codes)}]"))
        return edits


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """Whether a token or comment runs across ``offset`` (a line comment may end there)."""
    index = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    return any(start < offset < end for start, end in spans[max(0, index - 2) : index + 1])


class _Config(_Lines):
    def edits(self, findings: list[Finding]) -> list[Edit]:
        edits = []
        for row, codes, _ in _grouped(findings, lambda f: f.row):
            if not _CONFIG_KEY.match(self.line(row)):
                continue  # a value continued from an earlier line: no comment can go above it
            above = self.line(row - 1) if row > 1 else ""
            marker = _CONFIG_OWN_LINE_COMMENT.match(above)
            if marker is not None:
                start = marker.end() - 1
                how, edit = _added(above[start:], self.starts[row - 2] + start, codes, file_level=False)
                if how == _JOINED:
                    edits.extend([edit] if edit else [])
                    continue
            edits.append(self.above(self.starts[row - 1], f"# pinlint: ignore[{', '.join(codes)}]"))
        return edits


def _file_directives(lines: _Lines, display: str, is_python: bool):
    """(offset, text to its line's end) of each comment whose directive is read as file level."""
    if is_python or config_format(display) is not None:
        # Read as the engine reads them: a line that only looks like a comment may be in a string.
        found = python_suppressions(lines.text) if is_python else config_suppressions(lines.text)
        for suppression in found:
            if suppression.file_level:
                column = suppression.col - 1 if is_python else suppression.col
                yield lines.starts[suppression.row - 1] + column, lines.line(suppression.row)[column:]
        return
    for comment in lex(lines.text, POSTGRES, script=True).comments:
        directive = find_directive(comment.text)
        if directive is not None and directive.file_level:
            yield comment.start, comment.text
