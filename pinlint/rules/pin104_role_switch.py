"""PIN104 role-switch: `SET ROLE` hands the next client of the backend your privileges."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.fixes.repairs import set_local
from pinlint.rules.base import Case, FixCase, SqlContext, SqlRule
from pinlint.sql.classify import mysql_set, pg_set
from pinlint.sql.lexer import MYSQL, Statement
from pinlint.targets import Target, leaks, on_transaction_poolers, pins

_FIX = (
    "Connect as that role (a pool per role); behind PgBouncer alone, `SET LOCAL ROLE ...` inside a "
    "transaction (outside one it silently does nothing); on RDS Proxy, put it in the proxy's initialization query"
)


class RoleSwitch(SqlRule):
    code = "PIN104"
    name = "role-switch"
    summary = "SET ROLE / SET SESSION AUTHORIZATION switches privileges for the whole session"

    VALID = [
        Case("SET LOCAL ROLE admin_role"),
        Case("ALTER ROLE app SET role = 'reader'"),
        Case("RESET ROLE", targets=[Target.PGBOUNCER]),
        Case("SET ROLE NONE", targets=[Target.PGBOUNCER]),
        Case("SET SESSION AUTHORIZATION DEFAULT", targets=[Target.PGBOUNCER]),
        Case("SELECT current_user"),
    ]
    INVALID = [
        Case("SET ROLE admin_role"),
        Case("SET SESSION AUTHORIZATION admin_role"),
        Case("set session role 'admin_role'"),
        Case("SET ROLE TO admin_role"),
        Case("SET role = 'admin_role'"),
        Case("SET ROLE NONE", targets=[Target.RDS_PROXY]),
        Case("RESET ROLE", targets=[Target.RDS_PROXY]),
        Case("SET ROLE reporting", dialect=MYSQL),
    ]

    FIXES = [
        FixCase("BEGIN;\nSET ROLE reporting;\nSELECT 1;\nCOMMIT;\n",
                "BEGIN;\nSET LOCAL ROLE reporting;\nSELECT 1;\nCOMMIT;\n", "case.sql", unsafe=True),
        FixCase("BEGIN;\nset session role 'admin_role';\nCOMMIT;\n",
                "BEGIN;\nset local role 'admin_role';\nCOMMIT;\n", "case.sql", unsafe=True),
        FixCase("BEGIN;\nSET SESSION AUTHORIZATION admin_role;\nCOMMIT;\n",
                "BEGIN;\nSET LOCAL SESSION AUTHORIZATION admin_role;\nCOMMIT;\n", "case.sql", unsafe=True),
        FixCase("BEGIN;\nRESET ROLE;\nCOMMIT;\n", None, "case.sql", unsafe=True, targets=[Target.RDS_PROXY]),
        FixCase("SET ROLE reporting;\n", None, "case.sql", unsafe=True),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect == MYSQL:
            command = mysql_set(stmt)
            if command is not None and command.kind == "role":
                yield Hit(self.code, "`SET ROLE` switches the session's roles", {Target.RDS_PROXY: pins()}, _FIX, stmt.start)
            return
        command = pg_set(stmt)
        if command is None or command.kind not in ("role", "authorization") or command.is_local:
            return
        if not command.changes_value:
            # Back to the login role: nothing leaks on PgBouncer by itself; the earlier switch did.
            yield Hit(
                self.code,
                f"`{command.spelled}` changes the session's role",
                {Target.RDS_PROXY: pins()},
                "Remove it together with the SET it undoes: connect as the role you need",
                stmt.start,
            )
            return
        yield Hit(
            self.code,
            f"`SET {command.subject}` switches the session's role",
            {Target.RDS_PROXY: pins(), **on_transaction_poolers(leaks("leaks the role's privileges to the next client"))},
            _FIX,
            stmt.start,
            repair=set_local(stmt.tokens) if command.verb == "SET" else None,
        )
