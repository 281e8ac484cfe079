"""PIN114 table-lock: MySQL `LOCK TABLES` holds locks for the session, not a transaction."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.classify import mysql_table_lock
from pinlint.sql.lexer import MYSQL, Statement
from pinlint.targets import Target, pins


class TableLock(SqlRule):
    code = "PIN114"
    name = "table-lock"
    summary = "MySQL LOCK TABLES / FLUSH TABLES WITH READ LOCK"

    VALID = [
        Case("LOCK TABLE marker IN ACCESS EXCLUSIVE MODE"),
        Case("SELECT id FROM marker WHERE id = 1 FOR UPDATE", dialect=MYSQL),
        Case("UNLOCK TABLES", dialect=MYSQL),
        Case("LOCK TABLE marker IN SHARE MODE", dialect=MYSQL),
    ]
    INVALID = [
        Case("LOCK TABLES marker WRITE", dialect=MYSQL),
        Case("lock table marker read", dialect=MYSQL),
        Case("FLUSH TABLES WITH READ LOCK", dialect=MYSQL),
        Case("FLUSH TABLES marker WITH READ LOCK", dialect=MYSQL),
        Case("FLUSH LOCAL TABLES WITH READ LOCK", dialect=MYSQL),
        Case("FLUSH TABLE marker FOR EXPORT", dialect=MYSQL),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != MYSQL:
            return
        what = mysql_table_lock(stmt)
        if what is None:
            return
        yield Hit(
            self.code,
            f"`{what}` holds table locks for the session",
            {Target.RDS_PROXY: pins()},
            "Lock rows inside a transaction instead (`SELECT ... FOR UPDATE`)",
            stmt.start,
        )
