"""`--add-noqa`: a suppression for each remaining finding, written where pinlint honours it.

Python: `# pinlint: ignore[CODE]` at the end of the finding's logical line (after the closing
quotes of a multi-line string, never inside it). SQL files: `-- pinlint: ignore[CODE]` at the
end of the finding's line, or on a line of its own above the statement when that line ends
inside a string. Config files: `# pinlint: ignore[CODE]` on a line of its own above the
setting. A suppression already on that line gets the new codes added.
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize

from pinlint.diagnostics import Finding
from pinlint.fixes import Edit
from pinlint.fixes.codemods import newline_of
from pinlint.rules import UNPARSABLE_FILE, UNUSED_SUPPRESSION
from pinlint.sql.lexer import line_starts
from pinlint.suppression import _DIRECTIVE, _NOQA, directive_in

# What suppressing means nothing for: a file pinlint cannot read, and a suppression itself.
_NOT_SUPPRESSIBLE = frozenset({UNPARSABLE_FILE.code, UNUSED_SUPPRESSION.code})
# A config line that sets a key (`key = value`, `key: value`, `export KEY=value`).
_CONFIG_KEY = re.compile(r"[ \t]*(?:export[ \t]+)?[\w.\-\"'\[\]]+[ \t]*[=:]")


def noqa_edits(text: str, display: str, findings: list[Finding]) -> list[Edit]:
    """The edits that suppress ``findings`` of the file ``display`` whose text is ``text``."""
    from pinlint.connections.files import config_format
    from pinlint.discovery import PYTHON_SUFFIXES

    findings = [f for f in findings if f.code not in _NOT_SUPPRESSIBLE]
    if not findings:
        return []
    if display.endswith(PYTHON_SUFFIXES):
        return _Python(text).edits(findings)
    if config_format(display) is not None:
        return _config_edits(text, findings)
    return _Sql(text).edits(findings)


def _codes(findings: list[Finding]) -> list[str]:
    return sorted({f.code for f in findings})


class _Lines:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)

    def end_of(self, row: int) -> int:
        """Where the content of ``row`` ends (before its line break and trailing blanks)."""
        start = self.starts[row - 1]
        end = self.starts[row] if row < len(self.starts) else len(self.text)
        line = self.text[start:end].rstrip("\r\n")
        return start + len(line.rstrip(" \t"))

    def line(self, row: int) -> str:
        start = self.starts[row - 1]
        end = self.starts[row] if row < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")


def _merged(comment: str, comment_start: int, codes: list[str]) -> tuple[bool, Edit | None]:
    """Whether ``comment`` (at ``comment_start``) holds a suppression, and the edit that adds
    ``codes`` to it (None when it names them all already)."""
    directive = _DIRECTIVE.search(comment)
    if directive and directive.group("kind").lower() == "ignore" and comment.find("]", directive.end()) >= 0:
        close = comment.find("]", directive.end())
        present = directive_in(comment)[1]  # type: ignore[index]
        new = [c for c in codes if not any(c.startswith(p) for p in present)]
        lead = ", " if comment[directive.end() : close].strip() else ""
        return True, Edit(comment_start + close, comment_start + close, lead + ", ".join(new)) if new else None
    noqa = _NOQA.search(comment)
    if noqa:
        present = {c.upper() for c in re.split(r"[\s,]+", noqa.group("codes"))}
        at = comment_start + noqa.end("codes")
        new = [c for c in codes if c not in present]
        return True, Edit(at, at, "".join(f", {c}" for c in new)) if new else None
    return False, None


class _Python(_Lines):
    def edits(self, findings: list[Finding]) -> list[Edit]:
        try:
            last_rows, comments = self._logical_lines()
        except (tokenize.TokenError, SyntaxError, IndentationError):
            return []
        by_row: dict[int, list[Finding]] = {}
        for finding in findings:
            by_row.setdefault(last_rows.get(finding.row, finding.row), []).append(finding)
        edits = []
        for row, found in sorted(by_row.items()):
            codes = _codes(found)
            comment = comments.get(row)
            if comment is not None:
                start, string = comment
                held, merged = _merged(string, start, codes)
                if held:
                    edits.extend([merged] if merged else [])
                    continue
            end = self.end_of(row)
            edits.append(Edit(end, end, f"  # pinlint: ignore[{', '.join(codes)}]"))
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
            elif kind not in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER):
                if first is None:
                    first = token.start[0]
        return last_rows, comments


class _Sql(_Lines):
    def edits(self, findings: list[Finding]) -> list[Edit]:
        from pinlint.sql.lexer import POSTGRES, lex, statements

        sql = lex(self.text, POSTGRES, script=True)
        spans = sorted([(t.start, t.end) for t in sql.tokens] + [(c.start, c.end) for c in sql.comments])
        comments = {sql.line_of(c.start): c for c in sql.comments if not c.own_line and c.text.startswith("--")}
        stmts = statements(sql)
        stmt_starts = [s.start for s in stmts]
        by_row: dict[int, list[Finding]] = {}
        for finding in findings:
            by_row.setdefault(finding.row, []).append(finding)
        edits = []
        for row, found in sorted(by_row.items()):
            codes = _codes(found)
            comment = comments.get(row)
            if comment is not None:
                held, merged = _merged(comment.text, comment.start, codes)
                if held:
                    edits.extend([merged] if merged else [])
                    continue
            end = self.end_of(row)
            if not _inside(spans, end):
                edits.append(Edit(end, end, f"  -- pinlint: ignore[{', '.join(codes)}]"))
                continue
            # The line ends inside a string or comment: a line of its own above the statement.
            offset = self.starts[row - 1] + found[0].col - 1
            index = bisect.bisect_right(stmt_starts, offset) - 1
            stmt = stmts[index] if index >= 0 and offset < stmts[index].end else None
            above = self.starts[sql.line_of(stmt.start) - 1] if stmt is not None else None
            if above is not None and not _inside(spans, above):
                indent = re.match(r"[ \t]*", self.text[above:]).group()  # type: ignore[union-attr]
                line = f"{indent}-- pinlint: ignore[{', '.join(codes)}]{newline_of(self.text)}"
                edits.append(Edit(above, above, line))
        return edits


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """Whether a token or comment runs across ``offset`` (a line comment may end there)."""
    index = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    return any(start < offset < end for start, end in spans[max(0, index - 2) : index + 1])


def _config_edits(text: str, findings: list[Finding]) -> list[Edit]:
    lines = _Lines(text)
    by_row: dict[int, list[Finding]] = {}
    for finding in findings:
        by_row.setdefault(finding.row, []).append(finding)
    edits = []
    for row, found in sorted(by_row.items()):
        line = lines.line(row)
        if not _CONFIG_KEY.match(line):
            continue  # a value continued from an earlier line: no comment can go above it
        codes = _codes(found)
        if row > 1:
            above = lines.line(row - 1)
            stripped = above.lstrip(" \t")
            if stripped.startswith("#") and directive_in(stripped) is not None:
                held, merged = _merged(stripped, lines.starts[row - 2] + len(above) - len(stripped), codes)
                if held:
                    edits.extend([merged] if merged else [])
                    continue
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        at = lines.starts[row - 1]
        edits.append(Edit(at, at, f"{indent}# pinlint: ignore[{', '.join(codes)}]{newline_of(text)}"))
    return edits
