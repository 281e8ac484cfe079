"""PIN106 sql-prepared-statement: SQL-level `PREPARE`/`EXECUTE`/`DEALLOCATE` live on one backend."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.lexer import MYSQL, PUNCT, QIDENT, WORD, Statement
from pinlint.targets import Target, breaks, on_transaction_poolers, pins

_FIX = (
    "Bind parameters through the driver instead (`cur.execute(sql, params)`); if you must, keep "
    "PREPARE, EXECUTE and DEALLOCATE inside one transaction (PgBouncer)"
)
_BREAKS = breaks("breaks the prepared statement", 'it exists on one backend only: `prepared statement "..." does not exist`')


class SqlPreparedStatement(SqlRule):
    code = "PIN106"
    name = "sql-prepared-statement"
    summary = "SQL-level PREPARE / EXECUTE / DEALLOCATE depends on one backend"

    VALID = [
        Case("PREPARE TRANSACTION 'tx1'"),
        Case("COMMIT PREPARED 'tx1'"),
        Case("SELECT v FROM marker WHERE id = $1"),
        Case("DEALLOCATE ALL", targets=[Target.PGBOUNCER]),
    ]
    INVALID = [
        Case("PREPARE get_marker AS SELECT v FROM marker"),
        Case("PREPARE get_marker (int) AS SELECT v FROM marker WHERE id = $1"),
        Case("EXECUTE get_marker"),
        Case("EXECUTE get_marker(1)"),
        Case("DEALLOCATE PREPARE get_marker"),
        Case("DEALLOCATE ALL", targets=[Target.PGBOUNCER_LEGACY]),
        Case("PREPARE stmt FROM 'SELECT 1'", dialect=MYSQL),
        Case("EXECUTE stmt USING @a", dialect=MYSQL),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        verb = stmt.word(0)
        if verb == "PREPARE":
            if not (_is_name(stmt, 1) and (stmt.word(2) in ("AS", "FROM") or _is_punct(stmt, 2, "("))):
                return
        elif verb == "EXECUTE":
            if not (_is_name(stmt, 1) and (len(stmt.tokens) == 2 or _is_punct(stmt, 2, "(") or stmt.word(2) == "USING")):
                return
        elif verb in ("DEALLOCATE", "DROP") and stmt.word(1) == "PREPARE" or verb == "DEALLOCATE":
            offset = 2 if stmt.word(1) == "PREPARE" else 1
            if len(stmt.tokens) != offset + 1 or not (_is_name(stmt, offset) or stmt.word(offset) == "ALL"):
                return
            if stmt.word(offset) == "ALL" and stmt.dialect != MYSQL:
                # PgBouncer >= 1.22 understands DEALLOCATE ALL; older ones let it hit any backend.
                yield Hit(
                    self.code,
                    "`DEALLOCATE ALL` drops prepared statements of whichever backend it lands on",
                    {Target.RDS_PROXY: pins(), Target.PGBOUNCER_LEGACY: _BREAKS, Target.SUPAVISOR: _BREAKS, Target.PGDOG: _BREAKS},
                    _FIX,
                    stmt.start,
                )
                return
        else:
            return
        consequences = {Target.RDS_PROXY: pins()}
        if stmt.dialect != MYSQL:
            # PgDog rewrites SQL-level names only with `prepared_statements = "full"`, which is off by default.
            consequences.update(on_transaction_poolers(_BREAKS))
        yield Hit(self.code, f"SQL-level `{verb}` of a prepared statement", consequences, _FIX, stmt.start)


def _is_name(stmt: Statement, index: int) -> bool:
    return index < len(stmt.tokens) and stmt.tokens[index].kind in (WORD, QIDENT) and stmt.word(index) != "TRANSACTION"


def _is_punct(stmt: Statement, index: int, text: str) -> bool:
    return index < len(stmt.tokens) and stmt.tokens[index].kind == PUNCT and stmt.tokens[index].text == text
