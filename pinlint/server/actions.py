"""The edits behind the editor's actions on a finding: suppress it on its line or in its file.

Each suppression is written where `pinlint.suppression` reads it, in the file's own comment form:
- Python: `# pinlint: ignore[CODE]` at the end of the finding's logical line (a comment there
  covers every physical line of the statement, SQL strings inside it too);
- SQL: `-- pinlint: ignore[CODE]` after the statement, on the line it ends on;
- config files: `# pinlint: ignore[CODE]` on a line of its own above the value (a trailing
  comment would become part of an INI value);
- file level: `pinlint: file-ignore[CODE]` on a line of its own at the top (in Python, below a
  shebang and an encoding declaration, which must stay on the first two lines).
A directive already where the new one would go gets the code added to its list instead.
Edits are character offsets into the text, as `pinlint.fixes` makes them.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import NamedTuple

from pinlint.reading import source_lines
from pinlint.server.documents import PYTHON, SQL
from pinlint.sql.lexer import line_starts
from pinlint.suppression import python_suppressions

# The meta rules are about the run: a PIN900 file holds no suppression that is read, and an
# unused suppression (PIN901) is removed, not suppressed.
NOT_SUPPRESSIBLE = ("PIN900", "PIN901")
_LIST_OPEN = re.compile(r"pinlint\s*:\s*(?P<kind>ignore|file-ignore)\s*\[", re.IGNORECASE)
_ENCODING_DECLARATION = re.compile(r"[ \t\f]*#.*?coding[:=]")
# What may follow a statement on its last line for a trailing comment to go there.
_SQL_TAIL = re.compile(r"[ \t;]*(?P<comment>--.*)?")
_OWN_LINE_COMMENT = {SQL: re.compile(r"[ \t]*--"), PYTHON: re.compile(r"[ \t]*#")}
_CONFIG_OWN_LINE_COMMENT = re.compile(r"[ \t]*[#;!]")


class Edit(NamedTuple):
    start: int
    end: int
    replacement: str


class _Source:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = source_lines(text)
        self.starts = line_starts(text)
        found = re.search(r"\r\n?|\n", text)
        self.newline = found.group() if found else "\n"

    def line(self, row: int) -> str:
        return self.lines[row - 1] if 1 <= row <= len(self.lines) else ""

    def trailing(self, row: int, comment: str) -> Edit:
        """``comment`` at the end of line ``row``, in place of the blanks that end it."""
        line = self.line(row)
        kept = len(line.rstrip(" \t"))
        return Edit(self.starts[row - 1] + kept, self.starts[row - 1] + len(line), comment)

    def merged(self, row: int, search_from: int, code: str, file_level: bool) -> Edit | None:
        """``code`` added to the directive of the right kind in line ``row`` after column
        ``search_from`` (from 0), if there is one with its `]`."""
        line = self.line(row)
        for match in _LIST_OPEN.finditer(line, search_from):
            if (match.group("kind").lower() == "file-ignore") != file_level:
                continue
            close = line.find("]", match.end())
            if close < 0:
                return None
            separator = ", " if line[match.end() : close].strip() else ""
            offset = self.starts[row - 1] + close
            return Edit(offset, offset, f"{separator}{code}")
        return None


def ignore_on_line(text: str, kind: str, code: str, row: int, end_row: int, end_col: int) -> Edit | None:
    """The edit that suppresses ``code`` for the finding at ``row`` (ending at ``end_row``:``end_col``),
    or None where no comment can be placed with certainty."""
    source = _Source(text)
    if kind == PYTHON:
        return _python_line(source, code, row)
    if kind == SQL:
        return _sql_line(source, code, end_row, end_col)
    return _config_line(source, code, row)


def ignore_in_file(text: str, kind: str, code: str) -> Edit:
    """The edit that suppresses ``code`` in the whole file."""
    source = _Source(text)
    for row, column in _file_directives(source, kind):
        merged = source.merged(row, column, code, file_level=True)
        if merged is not None:
            return merged
    top = 0
    if kind == PYTHON:
        while top < min(2, len(source.lines)) and (
            (top == 0 and source.lines[0].startswith("#!")) or _ENCODING_DECLARATION.match(source.lines[top])
        ):
            top += 1
    mark = "--" if kind == SQL else "#"
    if top < len(source.starts):
        offset, before = source.starts[top], ""
    else:  # the last line is one to keep above, and has no line break
        offset, before = len(text), source.newline
    return Edit(offset, offset, f"{before}{mark} pinlint: file-ignore[{code}]{source.newline}")


def _python_line(source: _Source, code: str, row: int) -> Edit | None:
    end = _logical_line_end(source.text, row)
    if end is None:
        return None
    last, comment = end
    if comment is not None and (merged := source.merged(last, comment, code, file_level=False)) is not None:
        return merged
    return source.trailing(last, f"  # pinlint: ignore[{code}]")


def _logical_line_end(text: str, row: int) -> tuple[int, int | None] | None:
    """The last physical line of the logical line that holds ``row``, and the column (from 0)
    of the comment that ends it, if any. None when the tokenizer cannot read the source."""
    start = comment = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comment = token.start
            elif token.type == tokenize.NEWLINE:
                if start is not None and start <= row <= token.start[0]:
                    return token.start[0], comment[1] if comment and comment[0] == token.start[0] else None
                start = comment = None
            elif token.type == tokenize.ENDMARKER:
                return None
            elif token.type not in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT) and start is None:
                if token.start[0] > row:
                    return None
                start = token.start[0]
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _sql_line(source: _Source, code: str, end_row: int, end_col: int) -> Edit | None:
    """After the statement on the line it ends on, when only `;`, blanks or a `--` comment
    follow it there: anything else may be a string the comment would land in."""
    if not 1 <= end_row <= len(source.lines):
        return None
    tail = _SQL_TAIL.fullmatch(source.line(end_row), end_col - 1)
    if tail is None:
        return None
    if tail.group("comment") is not None:
        merged = source.merged(end_row, tail.start("comment"), code, file_level=False)
        if merged is not None:
            return merged
    return source.trailing(end_row, f" -- pinlint: ignore[{code}]")


def _config_line(source: _Source, code: str, row: int) -> Edit | None:
    """A comment line above the value's, which covers the next line."""
    if not 1 <= row <= len(source.lines):
        return None
    above = source.line(row - 1)
    if row > 1 and (comment := _CONFIG_OWN_LINE_COMMENT.match(above)) is not None:
        merged = source.merged(row - 1, comment.end(), code, file_level=False)
        if merged is not None:
            return merged
    line = source.line(row)
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    offset = source.starts[row - 1]
    return Edit(offset, offset, f"{indent}# pinlint: ignore[{code}]{source.newline}")


def _file_directives(source: _Source, kind: str):
    """(row, column from 0) of the comments that may hold a `file-ignore` list already."""
    if kind == PYTHON:
        # Tokenized: a line that only looks like a comment may be inside a string.
        for suppression in python_suppressions(source.text):
            if suppression.file_level:
                yield suppression.row, suppression.col - 1
        return
    pattern = _OWN_LINE_COMMENT[SQL] if kind == SQL else _CONFIG_OWN_LINE_COMMENT
    for row, line in enumerate(source.lines, 1):
        if (comment := pattern.match(line)) is not None and "file-ignore" in line.lower():
            yield row, comment.end()
