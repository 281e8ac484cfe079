"""PIN103 transaction-scoped-set: `SET LOCAL` and friends are fine on PgBouncer but pin RDS Proxy."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.classify import bool_constant, function_calls, pg_set
from pinlint.sql.lexer import POSTGRES, Statement
from pinlint.targets import Target, pins


class TransactionScopedSet(SqlRule):
    code = "PIN103"
    name = "transaction-scoped-set"
    summary = "SET LOCAL, set_config(..., true), SET TRANSACTION or SET CONSTRAINTS on RDS Proxy"

    VALID = [
        Case("SET LOCAL search_path TO tenant_a", targets=[Target.PGBOUNCER]),
        Case("SELECT set_config('app.tenant_id', 'acme', true)", targets=[Target.PGBOUNCER]),
        Case("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY"),
        Case("SET search_path TO tenant_a"),
    ]
    INVALID = [
        Case("SET LOCAL search_path TO tenant_a"),
        Case("SET LOCAL ROLE admin_role"),
        Case("SET LOCAL role TO admin_role"),
        Case("SET transaction_isolation = 'serializable'"),
        Case("SELECT set_config('pghistory.context_id', %s, true)"),
        Case("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"),
        Case("SET CONSTRAINTS ALL IMMEDIATE"),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != POSTGRES:
            return
        command = pg_set(stmt)
        if command is not None and command.verb == "SET":
            if command.kind in ("transaction", "constraints") and command.scope != "SESSION":
                yield self._hit(stmt, f"`SET {command.subject}`", _FIXES[command.kind])
            elif command.is_local:
                yield self._hit(stmt, f"`SET LOCAL {command.subject}`", _FIXES["local"])
        for call in function_calls(stmt.outer_tokens):
            if call.name == "set_config" and len(call.args) == 3 and bool_constant(call.args[2]) is True:
                yield Hit(
                    self.code,
                    "`set_config(..., true)` changes a transaction-scoped setting",
                    {Target.RDS_PROXY: pins("observed in the field")},
                    _FIXES["local"],
                    call.token.start,
                )

    def _hit(self, stmt: Statement, what: str, fix: str) -> Hit:
        return Hit(
            self.code,
            f"{what} is transaction-scoped",
            {Target.RDS_PROXY: pins("RDS Proxy documents no exemption for it")},
            fix,
            stmt.start,
        )


_FIXES = {
    "local": "On RDS Proxy, set the value per role or database (`ALTER ROLE app SET ...`) or pass "
    "it as a query parameter; PgBouncer alone is fine with it",
    "transaction": "Start the transaction with its characteristics instead: "
    "`BEGIN ISOLATION LEVEL SERIALIZABLE [READ ONLY]`",
    "constraints": "Declare the constraints `DEFERRABLE INITIALLY DEFERRED` (or IMMEDIATE) so no "
    "SET is needed per transaction",
}
