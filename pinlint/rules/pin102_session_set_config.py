"""PIN102 session-set-config: `set_config(name, value, false)` is a session SET in a function call."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.fixes.repairs import SqlEdits, same_case
from pinlint.rules.base import Case, FixCase, SqlContext, SqlRule
from pinlint.sql.classify import bool_constant, function_calls, string_constant
from pinlint.sql.lexer import POSTGRES, WORD, Statement
from pinlint.targets import Target, leaks_unless_tracked, pins


class SessionSetConfig(SqlRule):
    code = "PIN102"
    name = "session-set-config"
    summary = "set_config(..., false) changes a session setting on a pooled backend"

    VALID = [
        Case("SELECT set_config('app.tenant_id', 'acme', true)"),
        Case("SELECT current_setting('app.tenant_id', true)"),
        Case("SELECT 'set_config(a, b, false)'"),
        Case("SELECT set_config('TimeZone', 'UTC', false)", targets=[Target.PGBOUNCER]),
    ]
    INVALID = [
        Case("SELECT set_config('app.tenant_id', 'acme', false)"),
        Case("select pg_catalog.set_config('search_path', %s, 'f')"),
        Case("SELECT set_config('app.user', $1, $2)"),
        Case("SELECT current_setting('jit') AS cur, set_config('jit', 'off', false) AS new"),
    ]

    FIXES = [
        FixCase("BEGIN;\nSELECT set_config('app.tenant_id', 'acme', false);\nCOMMIT;\n",
                "BEGIN;\nSELECT set_config('app.tenant_id', 'acme', true);\nCOMMIT;\n", "case.sql", unsafe=True),
        FixCase("BEGIN;\nselect pg_catalog.set_config('search_path', 'a', 'f');\nCOMMIT;\n",
                "BEGIN;\nselect pg_catalog.set_config('search_path', 'a', true);\nCOMMIT;\n", "case.sql", unsafe=True),
        FixCase("BEGIN;\nSELECT set_config('app.user', $1, $2);\nCOMMIT;\n", None, "case.sql", unsafe=True),
        FixCase("SELECT set_config('app.tenant_id', 'acme', FALSE);\n", None, "case.sql", unsafe=True),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != POSTGRES:
            return
        for call in function_calls(stmt.outer_tokens):
            if call.name != "set_config" or len(call.args) != 3:
                continue
            is_local = bool_constant(call.args[2])
            if is_local is True:
                continue  # transaction-scoped: PIN103
            name = (string_constant(call.args[0]) or "").lower()
            subject = (
                "`set_config(..., false)` changes a session setting"
                if is_local is False
                else "`set_config()` with a non-constant third argument may change a session setting"
            )
            yield Hit(
                self.code,
                subject,
                {Target.RDS_PROXY: pins(), **leaks_unless_tracked(name)},
                "Use `set_config(..., true)` inside a transaction (PgBouncer; outside one it silently does "
                f"nothing), or set the value per role or database (`ALTER ROLE app SET {name or 'the_parameter'} = ...`)",
                call.token.start,
                repair=_transaction_scoped(call.args[2]) if is_local is False else None,
            )


def _transaction_scoped(flag) -> SqlEdits | None:
    """The constant `false` (or `'f'`, ...) as `true`, when it is one token."""
    if len(flag) != 1:
        return None
    token = flag[0]
    shown = same_case("true", token.text) if token.kind == WORD else "true"
    return SqlEdits("Scope it to the transaction with `set_config(..., true)`", False,
                    ((token.start, token.end, shown),), needs_transaction=True)
