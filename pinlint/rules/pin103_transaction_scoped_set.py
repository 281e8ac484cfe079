"""PIN103 transaction-scoped-set: `SET LOCAL` and friends are fine on PgBouncer but pin RDS Proxy."""

from __future__ import annotations

from dataclasses import dataclass
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
        for form in transaction_scoped_forms(stmt):
            if form.kind == "set_config":
                yield Hit(
                    self.code,
                    f"{form.spelled} changes a transaction-scoped setting",
                    {Target.RDS_PROXY: pins("observed in the field")},
                    _FIXES["local"],
                    form.offset,
                )
            else:
                yield Hit(
                    self.code,
                    f"{form.spelled} is transaction-scoped",
                    {Target.RDS_PROXY: pins("RDS Proxy documents no exemption for it")},
                    _FIXES[form.kind],
                    form.offset,
                )


@dataclass(frozen=True)
class ScopedForm:
    """A PostgreSQL statement (or call in one) whose effect ends with the transaction."""

    kind: str  # local | transaction | constraints | set_config
    spelled: str  # as a message shows it: "`SET LOCAL search_path`"
    offset: int
    # How PostgreSQL's warning outside a transaction block names the statement ("SET LOCAL");
    # "" for the forms it runs without a warning.
    statement_type: str = ""


def transaction_scoped_forms(stmt: Statement) -> Iterator[ScopedForm]:
    """`SET LOCAL ...`, `SET TRANSACTION ...` (and the `transaction_*` parameters), `SET
    CONSTRAINTS ...` and `set_config(..., true)` in one statement."""
    if stmt.dialect != POSTGRES:
        return
    command = pg_set(stmt)
    if command is not None and command.verb == "SET":
        if command.kind in ("transaction", "constraints") and command.scope != "SESSION":
            statement_type = "SET LOCAL" if command.is_local else f"SET {command.subject}" if not command.name else ""
            yield ScopedForm(command.kind, f"`SET {command.subject}`", stmt.start, statement_type)
        elif command.is_local:
            yield ScopedForm("local", f"`SET LOCAL {command.subject}`", stmt.start, "SET LOCAL")
    for call in function_calls(stmt.outer_tokens):
        if call.name == "set_config" and len(call.args) == 3 and bool_constant(call.args[2]) is True:
            yield ScopedForm("set_config", "`set_config(..., true)`", call.token.start)


_FIXES = {
    "local": "On RDS Proxy, set the value per role or database (`ALTER ROLE app SET ...`) or pass "
    "it as a query parameter; PgBouncer alone is fine with it",
    "transaction": "Start the transaction with its characteristics instead: "
    "`BEGIN ISOLATION LEVEL SERIALIZABLE [READ ONLY]`",
    "constraints": "Declare the constraints `DEFERRABLE INITIALLY DEFERRED` (or IMMEDIATE) so no "
    "SET is needed per transaction",
}
