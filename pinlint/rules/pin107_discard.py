"""PIN107 discard: `DISCARD` wipes session state of whichever backend it reaches."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.lexer import POSTGRES, Statement
from pinlint.targets import Target, breaks, on_transaction_poolers, pins

_WHAT = {"ALL", "PLANS", "SEQUENCES", "TEMP", "TEMPORARY"}


class Discard(SqlRule):
    code = "PIN107"
    name = "discard"
    summary = "DISCARD resets session state on a shared backend"

    VALID = [
        Case("SELECT 'DISCARD ALL'"),
        Case("-- DISCARD ALL\nSELECT 1"),
        Case("DISCARD ALL", targets=[Target.PGBOUNCER]),
    ]
    INVALID = [
        Case("DISCARD ALL"),
        Case("DISCARD ALL", targets=[Target.PGBOUNCER_LEGACY]),
        Case("discard temp", targets=[Target.PGBOUNCER]),
        Case("DISCARD PLANS"),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != POSTGRES or stmt.word(0) != "DISCARD" or len(stmt.tokens) != 2:
            return
        if stmt.word(1) not in _WHAT:
            return
        wipes = breaks("wipes the state of whichever backend it lands on")
        consequences = {Target.RDS_PROXY: pins(), **on_transaction_poolers(wipes)}
        if stmt.word(1) == "ALL":  # PgBouncer >= 1.22 understands DISCARD ALL
            del consequences[Target.PGBOUNCER], consequences[Target.PGBOUNCER_TRACKING]
        yield Hit(
            self.code,
            f"`DISCARD {stmt.word(1)}` resets session state",
            consequences,
            "Remove it; behind a pooler rely on ROLLBACK, and do not use DISCARD as a pool reset query",
            stmt.start,
        )
