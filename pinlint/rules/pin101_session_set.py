"""PIN101 session-set: a session-level `SET`/`RESET` leaves state on the pooled backend."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.fixes.repairs import set_local
from pinlint.rules.base import Case, FixCase, SqlContext, SqlRule
from pinlint.sql.classify import MYSQL_TRACKED, PG_TRANSACTION_DEFAULTS, mysql_set, pg_set
from pinlint.sql.lexer import MYSQL, Statement
from pinlint.targets import Target, leaks, leaks_unless_tracked, pins


class SessionSet(SqlRule):
    code = "PIN101"
    name = "session-set"
    summary = "Session-level SET or RESET leaves state on a pooled backend"

    VALID = [
        Case("SET LOCAL search_path TO tenant_a"),
        Case("UPDATE accounts SET balance = 0 WHERE id = 1"),
        Case("ALTER ROLE app SET search_path = tenant_a"),
        Case("INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 2"),
        Case("SET TIME ZONE 'UTC'", targets=[Target.PGBOUNCER]),
        Case("SET application_name = 'worker'", targets=[Target.PGBOUNCER]),
        Case("RESET ALL", targets=[Target.PGBOUNCER]),
        Case("SHOW search_path"),
        Case("SET NAMES utf8mb4", dialect=MYSQL),
        Case("SET SESSION sql_mode = 'STRICT_ALL_TABLES', autocommit = 1", dialect=MYSQL),
        Case("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", dialect=MYSQL),
        Case("SET GLOBAL max_connections = 10", dialect=MYSQL),
        Case("SET statement_timeout TO DEFAULT", targets=[Target.PGBOUNCER]),
        Case("SET search_path FROM CURRENT", targets=[Target.PGBOUNCER]),
    ]
    INVALID = [
        Case("SET search_path TO tenant_a, public"),
        Case("SET SESSION statement_timeout = '5s'"),
        Case("set statement_timeout to default"),
        Case("SET TIME ZONE 'UTC'", targets=[Target.RDS_PROXY]),
        Case("SET application_name = 'worker'", targets=[Target.PGBOUNCER_LEGACY]),
        Case("RESET ALL", targets=[Target.RDS_PROXY]),
        Case('SET "app"."tenant" = \'acme\''),
        Case("SET SCHEMA 'tenant_a'"),
        Case("SET search_path FROM CURRENT", targets=[Target.RDS_PROXY]),
        Case("SET foreign_key_checks = 0", dialect=MYSQL),
        Case("SET @@session.sql_safe_updates = 1", dialect=MYSQL),
        Case("SET autocommit = 1, session_track_system_variables = '*'", dialect=MYSQL),
        Case("SET LOCAL group_concat_max_len = 100000", dialect=MYSQL),
    ]

    FIXES = [
        FixCase("BEGIN;\nSET search_path TO tenant_a;\nSELECT 1;\nCOMMIT;\n",
                "BEGIN;\nSET LOCAL search_path TO tenant_a;\nSELECT 1;\nCOMMIT;\n", "case.sql", unsafe=True),
        FixCase("begin;\nset session statement_timeout = '5s';\ncommit;\n",
                "begin;\nset local statement_timeout = '5s';\ncommit;\n", "case.sql", unsafe=True),
        FixCase("START TRANSACTION;\nSET TIME ZONE 'UTC';\nROLLBACK TO SAVEPOINT a;\nSET DateStyle = ISO;\n",
                "START TRANSACTION;\nSET LOCAL TIME ZONE 'UTC';\nROLLBACK TO SAVEPOINT a;\nSET LOCAL DateStyle = ISO;\n",
                "case.sql", unsafe=True, targets=[Target.RDS_PROXY]),
        FixCase("import psycopg\ndef f(conn: psycopg.Connection):\n    with conn.transaction():\n"
                "        conn.execute('SET search_path TO tenant_a')\n",
                "import psycopg\ndef f(conn: psycopg.Connection):\n    with conn.transaction():\n"
                "        conn.execute('SET LOCAL search_path TO tenant_a')\n", unsafe=True),
        FixCase("from django.db import connection, transaction\ndef f():\n    with transaction.atomic():\n"
                "        connection.cursor().execute(\"SET search_path TO %s\", [tenant])\n",
                "from django.db import connection, transaction\ndef f():\n    with transaction.atomic():\n"
                "        connection.cursor().execute(\"SET LOCAL search_path TO %s\", [tenant])\n", unsafe=True),
        FixCase("def f(cur):\n    cur.execute('BEGIN; SET search_path TO tenant_a; SELECT 1')\n",
                "def f(cur):\n    cur.execute('BEGIN; SET LOCAL search_path TO tenant_a; SELECT 1')\n", unsafe=True),
        # No transaction in sight: SET LOCAL would silently do nothing.
        FixCase("SET search_path TO tenant_a;\n", None, "case.sql", unsafe=True),
        FixCase("BEGIN;\nSELECT 1;\nCOMMIT;\nSET search_path TO tenant_a;\n", None, "case.sql", unsafe=True),
        FixCase("def f(cur):\n    cur.execute('SET search_path TO tenant_a')\n", None, unsafe=True),
        FixCase("import asyncpg\nasync def f(pool: asyncpg.Pool, conn: asyncpg.Connection):\n"
                "    async with conn.transaction():\n        await pool.execute('SET search_path TO a')\n", None, unsafe=True),
        # The literal's text is not the SQL's character for character.
        FixCase("def f(cur):\n    with cur.connection.transaction():\n        cur.execute('SET search_path TO \\x61')\n",
                None, unsafe=True),
        FixCase("def f(cur, s):\n    with cur.connection.transaction():\n        cur.execute(f'SET search_path TO {s}')\n",
                None, unsafe=True),
        FixCase("BEGIN;\nRESET ALL;\nCOMMIT;\n", None, "case.sql", unsafe=True, targets=[Target.RDS_PROXY]),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect == MYSQL:
            yield from self._mysql(stmt)
            return
        command = pg_set(stmt)
        if (
            command is None
            or command.kind not in ("parameter", "all")
            or command.is_local
            or command.name in PG_TRANSACTION_DEFAULTS
        ):
            return
        if not command.changes_value:
            # Harmless on PgBouncer by itself: it leaves the session's own value, on whichever
            # backend it lands on. RDS Proxy pins on any of them.
            if command.value == "CURRENT":
                subject, fix = "is a session-level SET", "Remove it: it keeps the value the setting already has"
            else:
                subject = "changes session settings"
                fix = (f"Remove the {command.verb}: set defaults per role or database (`ALTER ROLE app SET ...`) "
                       "so there is nothing to undo")
            yield Hit(self.code, f"`{command.spelled}` {subject}", {Target.RDS_PROXY: pins()}, fix, stmt.start)
            return
        name = command.name if command.name and set(command.name) != {"_"} else ""
        yield Hit(
            self.code,
            f"`SET {name or '...'}` changes a session setting",
            {Target.RDS_PROXY: pins(), **leaks_unless_tracked(name)},
            _pg_fix(name),
            stmt.start,
            repair=set_local(stmt.tokens) if command.verb == "SET" else None,
        )

    def _mysql(self, stmt: Statement) -> Iterator[Hit]:
        command = mysql_set(stmt)
        if command is None or command.kind != "assignments":
            return
        untracked = [
            a for a in command.assignments
            if not a.user_variable and a.scope in ("", "SESSION", "LOCAL") and a.name not in MYSQL_TRACKED
        ]
        if not untracked:
            return
        names = ", ".join(a.name for a in untracked)
        if all(a.scope == "LOCAL" for a in untracked):
            consequence = leaks(
                "leaks the value to the next client",
                "RDS Proxy does not pin SET LOCAL, but LOCAL means SESSION in MySQL",
            )
        else:
            consequence = pins()
        yield Hit(
            self.code,
            f"`SET {names}` changes a session variable RDS Proxy does not track",
            {Target.RDS_PROXY: consequence},
            "Move it to the RDS Proxy initialization query or the DB parameter group, or scope it "
            f"to one statement with an optimizer hint (`/*+ SET_VAR({untracked[0].name} = ...) */`)",
            stmt.start,
        )


def _pg_fix(name: str) -> str:
    shown = name or "the_parameter"
    fix = f"Set it per role or database instead (`ALTER ROLE app SET {shown} = ...`)"
    if name == "search_path":
        fix += ", or schema-qualify table names (SQLAlchemy `schema_translate_map`)"
    return fix + (
        f"; behind PgBouncer alone, `SET LOCAL {shown} ...` inside a transaction also works (outside one it "
        "silently does nothing)"
    )
