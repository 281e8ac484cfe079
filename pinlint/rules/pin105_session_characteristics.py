"""PIN105 session-characteristics: session-wide transaction defaults instead of per-transaction ones."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.classify import PG_TRANSACTION_DEFAULTS, mysql_set, pg_set
from pinlint.sql.lexer import MYSQL, Statement
from pinlint.targets import Target, leaks, on_transaction_poolers, pins


class SessionCharacteristics(SqlRule):
    code = "PIN105"
    name = "session-characteristics"
    summary = "Session-wide transaction characteristics leave state on a pooled backend"

    VALID = [
        Case("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
        Case("START TRANSACTION READ ONLY", dialect=MYSQL),
        Case("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", dialect=MYSQL),
        Case("SET LOCAL default_transaction_read_only = on", targets=[Target.PGBOUNCER]),
    ]
    INVALID = [
        Case("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"),
        Case("SET default_transaction_isolation TO 'serializable'"),
        Case("SET default_transaction_read_only = on"),
        Case("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", dialect=MYSQL),
        Case("SET TRANSACTION READ ONLY", dialect=MYSQL),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect == MYSQL:
            command = mysql_set(stmt)
            if command is not None and command.kind == "transaction":
                yield Hit(
                    self.code,
                    "`SET TRANSACTION` without SESSION sets the next transaction's characteristics",
                    {Target.RDS_PROXY: pins("only session scope is tracked")},
                    "Use `SET SESSION TRANSACTION ISOLATION LEVEL ...` (tracked by RDS Proxy) or "
                    "`START TRANSACTION READ ONLY`",
                    stmt.start,
                )
            return
        command = pg_set(stmt)
        if command is None or command.is_local:
            return
        if command.kind == "characteristics":
            what = "SET SESSION CHARACTERISTICS"
        elif command.kind == "parameter" and command.name in PG_TRANSACTION_DEFAULTS:
            what = f"{command.verb} {command.name}"
        else:
            return
        consequences = {Target.RDS_PROXY: pins()}
        if command.changes_value:
            leak = leaks("leaks the transaction defaults to the next client")
            # PgDog re-syncs `SET name = value` per client, not `SET SESSION CHARACTERISTICS`.
            consequences.update(on_transaction_poolers(leak, pgdog=None if command.kind == "parameter" else leak))
        yield Hit(
            self.code,
            f"`{what}` changes the session's transaction defaults",
            consequences,
            "Give each transaction its characteristics: `BEGIN ISOLATION LEVEL ... [READ ONLY]` "
            "(psycopg 3 and asyncpg do this; psycopg2 does it with autocommit off)",
            stmt.start,
        )
