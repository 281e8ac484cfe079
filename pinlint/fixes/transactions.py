"""Whether a script shows a statement inside a transaction it opens itself: a transaction-scoped
replacement (`SET LOCAL`, `pg_advisory_xact_lock`) is only offered where it takes effect."""

from __future__ import annotations

from pinlint.sql.lexer import POSTGRES, lex, statements

_OPENS = {("BEGIN",), ("START", "TRANSACTION")}
_ENDS = {"COMMIT", "ROLLBACK", "END", "ABORT"}


def in_script_transaction(sql: str, offset: int, script: bool = True) -> bool:
    """Whether the statement at ``offset`` of ``sql`` (a `.sql` file's text with ``script``)
    follows a `BEGIN` (or `START TRANSACTION`) of the same text with no `COMMIT`, `ROLLBACK`,
    `END`, `ABORT` or `PREPARE TRANSACTION` between them (`ROLLBACK TO SAVEPOINT` ends nothing)."""
    open_ = False
    for stmt in statements(lex(sql, POSTGRES, script=script)):
        if stmt.start <= offset < stmt.end or stmt.start > offset:
            return open_ and stmt.start <= offset
        first = stmt.word(0)
        if (first,) in _OPENS or stmt.words(0, 2) in _OPENS:
            open_ = True
        elif first in _ENDS and stmt.word(1) != "TO" and "TO" not in stmt.words(1, 2):
            open_ = False
        elif stmt.words(0, 2) == ("PREPARE", "TRANSACTION"):
            open_ = False
    return False
