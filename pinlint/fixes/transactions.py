"""Whether a script shows a statement inside a transaction it opens itself: a transaction-scoped
replacement (`SET LOCAL`, `pg_advisory_xact_lock`) is only offered where it takes effect."""

from __future__ import annotations

import bisect

from pinlint.sql.lexer import POSTGRES, lex, statements

_OPENS = {("BEGIN",), ("START", "TRANSACTION")}
_ENDS = {"COMMIT", "ROLLBACK", "END", "ABORT"}


class ScriptTransactions:
    """Which statements of one SQL text (a `.sql` file's with ``script``) follow a `BEGIN` (or
    `START TRANSACTION`) of the same text with no `COMMIT`, `ROLLBACK`, `END`, `ABORT` or
    `PREPARE TRANSACTION` between them (`ROLLBACK TO SAVEPOINT` ends nothing). Read once per
    text, then asked per offset."""

    def __init__(self, sql: str, script: bool = True) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._inside: list[bool] = []
        open_ = False
        for stmt in statements(lex(sql, POSTGRES, script=script)):
            self._starts.append(stmt.start)
            self._ends.append(stmt.end)
            self._inside.append(open_)
            first = stmt.word(0)
            if (first,) in _OPENS or stmt.words(0, 2) in _OPENS:
                open_ = True
            elif first in _ENDS and "TO" not in stmt.words(1, 3) or stmt.words(0, 2) == ("PREPARE", "TRANSACTION"):
                open_ = False

    def inside(self, offset: int) -> bool:
        """Whether the statement at ``offset`` runs inside a transaction the text opened."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return index >= 0 and offset < self._ends[index] and self._inside[index]
