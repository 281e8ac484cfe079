"""PIN111 server-side-cursor: `DECLARE ... CURSOR` keeps a cursor on one backend."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.lexer import POSTGRES, QIDENT, WORD, Statement
from pinlint.targets import Target, breaks, on_pgbouncers, pins

_MODIFIERS = {"BINARY", "ASENSITIVE", "INSENSITIVE", "NO", "SCROLL"}


class ServerSideCursor(SqlRule):
    code = "PIN111"
    name = "server-side-cursor"
    summary = "Server-side cursor held across transactions, or any cursor on RDS Proxy"

    VALID = [
        Case("DECLARE c1 CURSOR FOR SELECT 1", targets=[Target.PGBOUNCER]),
        Case("DECLARE c1 CURSOR WITHOUT HOLD FOR SELECT 1", targets=[Target.PGBOUNCER]),
        Case("FETCH 10 FROM c1"),
        Case("SELECT * FROM marker ORDER BY id LIMIT 100"),
    ]
    INVALID = [
        Case("DECLARE c1 CURSOR WITH HOLD FOR SELECT generate_series(1, 10)"),
        Case("DECLARE c1 NO SCROLL CURSOR WITH HOLD FOR SELECT 1", targets=[Target.PGBOUNCER]),
        Case("DECLARE c1 CURSOR FOR SELECT 1", targets=[Target.RDS_PROXY]),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != POSTGRES or stmt.word(0) != "DECLARE" or len(stmt.tokens) < 4:
            return
        if stmt.tokens[1].kind not in (WORD, QIDENT):
            return
        index = 2
        while stmt.word(index) in _MODIFIERS:
            index += 1
        if stmt.word(index) != "CURSOR":
            return
        with_hold = stmt.words(index + 1, 2) == ("WITH", "HOLD")
        consequences = {Target.RDS_PROXY: pins()}
        if with_hold:
            consequences.update(on_pgbouncers(breaks(
                "breaks the cursor", 'later FETCHes land on another backend: `cursor "..." does not exist`'
            )))
        yield Hit(
            self.code,
            "`DECLARE ... CURSOR WITH HOLD` outlives its transaction" if with_hold else "`DECLARE ... CURSOR` opens a server-side cursor",
            consequences,
            "Page with keyset pagination (`WHERE id > $1 ORDER BY id LIMIT n`); behind PgBouncer "
            "alone, a cursor WITHOUT HOLD used inside one transaction also works",
            stmt.start,
        )
