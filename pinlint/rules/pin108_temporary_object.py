"""PIN108 temporary-object: temp tables, views and sequences belong to one backend session."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.classify import temporary_object
from pinlint.sql.lexer import MYSQL, Statement
from pinlint.targets import Target, leaks, on_transaction_poolers, pins


class TemporaryObject(SqlRule):
    code = "PIN108"
    name = "temporary-object"
    summary = "Temporary tables, views or sequences live on one backend"

    VALID = [
        Case("CREATE TABLE scratch (id int)"),
        Case("WITH scratch AS (SELECT 1 AS id) SELECT id FROM scratch"),
        Case("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", targets=[Target.PGBOUNCER]),
        Case("SELECT id INTO archive FROM marker"),
        Case("SELECT id INTO temp FROM marker"),
    ]
    INVALID = [
        Case("CREATE TEMP TABLE scratch (id int)"),
        Case("CREATE TEMPORARY TABLE IF NOT EXISTS scratch AS SELECT 1"),
        Case("CREATE OR REPLACE TEMP VIEW v AS SELECT 1"),
        Case("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", targets=[Target.RDS_PROXY]),
        Case("CREATE TABLE pg_temp.scratch (id int)"),
        Case("SELECT id INTO TEMP scratch FROM marker"),
        Case("SELECT id INTO LOCAL TEMPORARY TABLE scratch FROM marker"),
        Case("SELECT id INTO pg_temp.scratch FROM marker"),
        Case("CREATE TEMPORARY TABLE scratch (id INT)", dialect=MYSQL),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        what = temporary_object(stmt)
        if what is None:
            return
        consequences = {Target.RDS_PROXY: pins()}
        on_commit_drop = any(stmt.words(i, 3) == ("ON", "COMMIT", "DROP") for i in range(len(stmt.tokens)))
        if stmt.dialect != MYSQL and not on_commit_drop:
            consequences.update(on_transaction_poolers(
                leaks("leaks it to the next client", "it stays on one backend, where your later statements may not run"),
                pgdog=pins("PgDog keeps the client on one server connection from then on"),
            ))
        yield Hit(
            self.code,
            f"{what} outlives the statement",
            consequences,
            "Use a CTE or a derived table; behind PgBouncer alone, "
            "`CREATE TEMP TABLE ... ON COMMIT DROP` inside a transaction also works",
            stmt.start,
        )

