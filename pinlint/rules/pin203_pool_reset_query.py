"""PIN203 pool-reset-query: a client-side pool that resets connections with session commands."""

from __future__ import annotations

from typing import Iterator

from pinlint.connections.model import ASYNCPG, POOL, Connection
from pinlint.diagnostics import Hit
from pinlint.fixes.repairs import Keywords
from pinlint.rules.base import DriverRule, FixCase, PythonCase, SqlContext
from pinlint.sql.classify import pg_set
from pinlint.sql.lexer import POSTGRES, Statement, lex, statements
from pinlint.targets import Target, pins

_RESET_QUERY = "SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL"
_EVERY_CONNECTION = {Target.RDS_PROXY: pins("every connection of the pool, at every release")}
ASYNCPG_FIX = (
    "asyncpg 0.30+: `create_pool(..., reset=keep_session)` with `async def keep_session(conn): pass` "
    "(asyncpg still rolls back an open transaction and drops listener callbacks before calling it)"
)
ASYNCPG_RESET = (0, 30)  # `create_pool(reset=...)` (asyncpg #1191)
# asyncpg awaits what `reset` returns, after its own rollback and listener cleanup.
_KEEP_SESSION = "lambda conn: asyncio.sleep(0)"
_KEEP_SESSION_TITLE = "Reset with a no-op `reset=` (asyncpg 0.30+)"


class PoolResetQuery(DriverRule):
    code = "PIN203"
    name = "pool-reset-query"
    summary = "The pool's reset query pins every pooled connection"

    VALID = [
        PythonCase("import asyncpg\nasyncpg.create_pool(dsn, reset=rollback_only)"),
        PythonCase("import asyncpg\nasyncpg.connect(dsn)"),
        PythonCase("import asyncpg\nasyncpg.create_pool(dsn)", targets=[Target.PGBOUNCER]),
        PythonCase("from psycopg_pool import ConnectionPool\n"
                   "def reset(conn):\n    conn.execute('ROLLBACK')\nConnectionPool(dsn, reset=reset)"),
        PythonCase("[pgbouncer]\nserver_reset_query =\n", filename="pgbouncer.ini"),
    ]
    INVALID = [
        PythonCase("import asyncpg\nasyncpg.create_pool(dsn)"),
        PythonCase("import asyncpg\nasyncpg.create_pool(dsn, reset=None)"),
        PythonCase("from asyncpg import create_pool as make\nasync def f():\n    return await make(dsn, min_size=1)"),
        PythonCase("from psycopg_pool import ConnectionPool\n"
                   "def reset(conn):\n    conn.execute('DISCARD ALL')\nConnectionPool(dsn, reset=reset)"),
        PythonCase("[pgbouncer]\nserver_reset_query = DISCARD ALL\n", filename="pgbouncer.ini"),
        PythonCase("from sqlalchemy import event\n@event.listens_for(engine, 'reset')\n"
                   "def reset(dbapi_connection, record, state):\n    dbapi_connection.cursor().execute('RESET ALL')"),
    ]

    FIXES = [
        FixCase("import asyncpg\npool = asyncpg.create_pool(dsn)\n",
                "import asyncpg\nimport asyncio\npool = asyncpg.create_pool(dsn, reset=lambda conn: asyncio.sleep(0))\n",
                unsafe=True),
        FixCase("import asyncio\nimport asyncpg\npool = asyncpg.create_pool(dsn, reset=None)\n",
                "import asyncio\nimport asyncpg\npool = asyncpg.create_pool(dsn, reset=lambda conn: asyncio.sleep(0))\n",
                unsafe=True),
        FixCase("from psycopg_pool import ConnectionPool\n"
                "def reset(conn):\n    conn.execute('DISCARD ALL')\nConnectionPool(dsn, reset=reset)\n", None, unsafe=True),
    ]

    def check_connection(self, connection: Connection) -> Iterator[Hit]:
        reset = connection.get("reset")
        default_reset = reset.value is None if reset is not None else connection.complete  # `reset=None` is the default
        if connection.driver == ASYNCPG and connection.kind == POOL and default_reset:
            # Unsafe: session state the application sets is then no longer reset for the next user;
            # not offered where the project pins an asyncpg that has no `reset=`.
            known = connection.versions.since("asyncpg", ASYNCPG_RESET)
            repair = None if known is not None and not known.at_least else Keywords(
                _KEEP_SESSION_TITLE, False, (("reset", _KEEP_SESSION),), imports=(("asyncio", "import asyncio"),)
            )
            yield Hit(
                self.code,
                f"{connection.described} resets every released connection with `{_RESET_QUERY}`",
                _EVERY_CONNECTION, _asyncpg_fix(connection), confidence=connection.confidence, anchor=connection.anchor,
                repair=repair,
            )

        query = connection.get("reset_query")
        if query is not None and isinstance(query.value, str):
            resets = [s for s in statements(lex(query.value, POSTGRES)) if _resets_session(s)]
            if resets:
                yield Hit(
                    self.code,
                    f"{connection.described} runs `{_head(resets[0])}` whenever the pool releases a server "
                    "connection (a pooler in front of RDS Proxy)",
                    _EVERY_CONNECTION,
                    "Leave the reset query empty in front of RDS Proxy (transaction pooling needs none)",
                    confidence=connection.confidence,
                )

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        """`DISCARD` or `RESET ALL` in a function the pool runs to reset connections."""
        if ctx.hook is None or not ctx.hook.resets or stmt.dialect != POSTGRES:
            return
        if _resets_session(stmt):
            yield Hit(
                self.code,
                f"the pool's reset runs `{_head(stmt)}`",
                _EVERY_CONNECTION,
                "Reset with `ROLLBACK` only (or nothing): session state should not be set in the first place",
                stmt.start,
            )


def _asyncpg_fix(connection: Connection) -> str:
    known = connection.versions.since("asyncpg", ASYNCPG_RESET)
    if known is None or known.at_least:
        return ASYNCPG_FIX
    return (
        f"{known.pin} has no `reset=`: upgrade to asyncpg 0.30+ and pass `create_pool(..., reset=keep_session)` with "
        "`async def keep_session(conn): pass`, or pool with SQLAlchemy, whose pool only rolls back"
    )


def _resets_session(stmt: Statement) -> bool:
    command = pg_set(stmt)
    return stmt.word(0) == "DISCARD" or (command is not None and command.verb == "RESET" and command.kind == "all")


def _head(stmt: Statement) -> str:
    return " ".join(t.text for t in stmt.tokens[:2])
