"""PIN112 load-library: `LOAD` loads a shared library into one backend."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.lexer import MYSQL, POSTGRES, STRING, Statement
from pinlint.targets import Target, leaks, on_transaction_poolers, pins


class LoadLibrary(SqlRule):
    code = "PIN112"
    name = "load-library"
    summary = "LOAD of a shared library into a pooled backend"

    VALID = [
        Case("LOAD DATA INFILE 'x.csv' INTO TABLE t", dialect=MYSQL),
        Case("ALTER ROLE app SET session_preload_libraries = 'auto_explain'"),
    ]
    INVALID = [Case("LOAD 'auto_explain'"), Case("load '$libdir/plugins/auto_explain'")]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != POSTGRES or stmt.word(0) != "LOAD" or len(stmt.tokens) != 2:
            return
        if stmt.tokens[1].kind != STRING:
            return
        library = stmt.tokens[1].text
        yield Hit(
            self.code,
            f"`LOAD '{library}'` loads a library into the session",
            {Target.RDS_PROXY: pins(), **on_transaction_poolers(leaks("leaves it loaded on the backend for the next client"))},
            f"Preload it per role or database: `ALTER ROLE app SET session_preload_libraries = '{library}'` "
            "(or the DB parameter group)",
            stmt.start,
        )
