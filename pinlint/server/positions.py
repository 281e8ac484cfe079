"""Positions between pinlint and an editor.

pinlint counts rows and columns from 1, columns in code points; LSP counts both from 0, columns in
the code units of the encoding the client and server agreed on (UTF-16 unless the client offers
another). Lines end at `\\r\\n`, `\\n` or a lone `\\r` on both sides: the editor's lines are
pinlint's rows (`pinlint.reading.source_lines`), never `str.splitlines()`'s, which also break at
form feeds and U+2028.
"""

from __future__ import annotations

import bisect

from lsprotocol import types

from pinlint.reading import source_lines
from pinlint.sql.lexer import line_starts


def _utf16(text: str) -> int:
    # surrogatepass: a lone surrogate (JSON can carry one) is one code unit, as in the editor.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


_COUNTERS = {
    types.PositionEncodingKind.Utf16: _utf16,
    types.PositionEncodingKind.Utf8: _utf8,
    types.PositionEncodingKind.Utf32: len,
}


class Text:
    """A document's text with its lines, converting positions in both directions."""

    def __init__(self, source: str, encoding: str | None = types.PositionEncodingKind.Utf16) -> None:
        self.source = source
        self.lines = source_lines(source)
        self._starts = line_starts(source)
        self._units = _COUNTERS.get(encoding, _utf16)  # type: ignore[arg-type]

    def line(self, index: int) -> str:
        """Line ``index`` (from 0), "" past the last one."""
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def position(self, row: int, col: int) -> types.Position:
        """pinlint's ``row``:``col`` (from 1, code points) as an LSP position."""
        line = self.line(row - 1)
        return types.Position(line=max(row - 1, 0), character=self._units(line[: max(col - 1, 0)]))

    def range(self, row: int, col: int, end_row: int, end_col: int) -> types.Range:
        return types.Range(start=self.position(row, col), end=self.position(end_row, end_col))

    def offset_position(self, offset: int) -> types.Position:
        """A character offset into the source as an LSP position."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return self.position(index + 1, offset - self._starts[index] + 1)

    def row_col(self, position: types.Position) -> tuple[int, int]:
        """An LSP position as pinlint's row and column (from 1, code points), within the line."""
        line = self.line(position.line)
        if self._units is len:
            return position.line + 1, min(position.character, len(line)) + 1
        units = 0
        for index, char in enumerate(line):
            if units >= position.character:
                return position.line + 1, index + 1
            units += self._units(char)
        return position.line + 1, len(line) + 1
