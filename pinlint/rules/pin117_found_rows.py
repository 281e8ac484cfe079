"""PIN117 found-rows: `SQL_CALC_FOUND_ROWS`/`FOUND_ROWS()` read the previous statement's session state."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.classify import function_calls
from pinlint.sql.lexer import MYSQL, Statement
from pinlint.targets import Target, pins


class FoundRows(SqlRule):
    code = "PIN117"
    name = "found-rows"
    summary = "MySQL SQL_CALC_FOUND_ROWS / FOUND_ROWS()"

    VALID = [Case("SELECT COUNT(*) FROM marker", dialect=MYSQL), Case("SELECT found_rows FROM stats", dialect=MYSQL)]
    INVALID = [
        Case("SELECT SQL_CALC_FOUND_ROWS id FROM marker LIMIT 10", dialect=MYSQL),
        Case("SELECT FOUND_ROWS()", dialect=MYSQL),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != MYSQL:
            return
        calc = next((t for t in stmt.outer_tokens if t.upper == "SQL_CALC_FOUND_ROWS"), None)
        call = next((c for c in function_calls(stmt.outer_tokens) if c.name == "found_rows"), None)
        hit = calc or (call.token if call else None)
        if hit is not None:
            yield Hit(
                self.code,
                f"`{'SQL_CALC_FOUND_ROWS' if calc else 'FOUND_ROWS()'}` depends on the session's previous query",
                {Target.RDS_PROXY: pins()},
                "Run a separate `SELECT COUNT(*) ...` with the same filter",
                hit.start,
            )
