"""PIN109 session-advisory-lock: session-level advisory locks stay with one backend."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.drivers.api import ApiCall
from pinlint.fixes.repairs import SqlEdits, same_case
from pinlint.rules.base import Case, FixCase, PythonCase, SqlContext, SqlRule
from pinlint.sql.classify import function_calls
from pinlint.sql.lexer import MYSQL, Statement
from pinlint.targets import Target, breaks, on_transaction_poolers, pins

PG_LOCKS = frozenset(
    {"pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared"}
)
PG_UNLOCKS = frozenset({"pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all"})
MYSQL_LOCKS = frozenset({"get_lock", "release_lock", "release_all_locks"})
# Each session lock function's transaction-level twin; unlocking has none (the lock ends with the transaction).
_XACT = {name: name.replace("advisory_lock", "advisory_xact_lock") for name in PG_LOCKS}


# PgDog holds the client's server connection from the lock to its unlock (its query parser must be on).
_PGDOG = pins("PgDog keeps the client on one server connection until it unlocks")


class SessionAdvisoryLock(SqlRule):
    code = "PIN109"
    name = "session-advisory-lock"
    summary = "Session-level advisory lock on a pooled connection"

    VALID = [
        Case("SELECT pg_advisory_xact_lock(4242)"),
        Case("SELECT pg_try_advisory_xact_lock_shared(1, 2)"),
        Case("SELECT objid FROM pg_locks WHERE locktype = 'advisory'"),
        Case("SELECT IS_FREE_LOCK('job')", dialect=MYSQL),
        PythonCase("def advisory_lock(name):\n    pass\nadvisory_lock('nightly')"),
    ]
    INVALID = [
        Case("SELECT pg_advisory_lock(4242)"),
        Case("SELECT pg_try_advisory_lock(%s)"),
        Case("SELECT pg_advisory_unlock(4242)"),
        Case("SELECT pg_advisory_unlock_all()"),
        Case("SELECT GET_LOCK('job', 10)", dialect=MYSQL),
        Case("DO RELEASE_LOCK('job')", dialect=MYSQL),
        PythonCase("from django_pglocks import advisory_lock\ndef f():\n    with advisory_lock('nightly'):\n        pass"),
    ]

    FIXES = [
        FixCase("BEGIN;\nSELECT pg_advisory_lock(4242);\nUPDATE jobs SET state = 'run';\nCOMMIT;\n",
                "BEGIN;\nSELECT pg_advisory_xact_lock(4242);\nUPDATE jobs SET state = 'run';\nCOMMIT;\n", "case.sql", unsafe=True),
        FixCase("BEGIN;\nSELECT PG_TRY_ADVISORY_LOCK_SHARED(1, 2);\nCOMMIT;\n",
                "BEGIN;\nSELECT PG_TRY_ADVISORY_XACT_LOCK_SHARED(1, 2);\nCOMMIT;\n", "case.sql", unsafe=True),
        FixCase("import asyncpg\nasync def f(conn: asyncpg.Connection):\n    async with conn.transaction():\n"
                "        await conn.execute('SELECT pg_try_advisory_lock($1)', 7)\n",
                "import asyncpg\nasync def f(conn: asyncpg.Connection):\n    async with conn.transaction():\n"
                "        await conn.execute('SELECT pg_try_advisory_xact_lock($1)', 7)\n", unsafe=True),
        # Unlocking has no transaction-level form: the lock ends with the transaction.
        FixCase("BEGIN;\nSELECT pg_advisory_unlock(4242);\nCOMMIT;\n", None, "case.sql", unsafe=True),
        FixCase("SELECT pg_advisory_lock(4242);\n", None, "case.sql", unsafe=True),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        mysql = stmt.dialect == MYSQL
        for call in function_calls(stmt.outer_tokens):
            if mysql and call.name in MYSQL_LOCKS:
                yield Hit(
                    self.code,
                    f"`{call.name.upper()}()` takes or releases a session-level named lock",
                    {Target.RDS_PROXY: pins()},
                    "Lock a row of a lock table inside a transaction (`SELECT ... FOR UPDATE`)",
                    call.token.start,
                )
            elif not mysql and call.name in PG_LOCKS | PG_UNLOCKS:
                if call.name in PG_LOCKS:
                    effect = breaks("breaks mutual exclusion", "the lock stays on a backend that other clients reuse")
                else:
                    effect = breaks("unlocks the wrong backend", "the lock stays held where it was taken")
                yield Hit(
                    self.code,
                    f"`{call.name}()` is a session-level advisory lock",
                    {Target.RDS_PROXY: pins(), **on_transaction_poolers(effect, pgdog=_PGDOG if call.name in PG_LOCKS else None)},
                    "Use `pg_advisory_xact_lock(...)` / `pg_try_advisory_xact_lock(...)` inside a "
                    "transaction, or take the lock on a direct (unpooled) connection",
                    call.token.start,
                    repair=_transaction_lock(call.token),
                )

    def check_call(self, call: ApiCall) -> Iterator[Hit]:
        if call.api == "django_pglocks.advisory_lock":
            yield Hit(
                self.code,
                f"django-pglocks {call.described} takes a session-level `pg_advisory_lock`",
                {Target.RDS_PROXY: pins(), **on_transaction_poolers(
                    breaks("breaks mutual exclusion", "the lock stays on a backend that other clients reuse"), pgdog=_PGDOG)},
                "Take `pg_advisory_xact_lock(%s)` inside `transaction.atomic()` instead, or lock on a direct connection",
                confidence=call.confidence, anchor=call.anchor,
            )


def _transaction_lock(token) -> SqlEdits | None:
    xact = _XACT.get(token.text.lower())
    if xact is None:
        return None
    return SqlEdits(f"Take the lock for the transaction with `{xact}()`", False,
                    ((token.start, token.end, same_case(xact, token.text)),),
                    needs_transaction=True)
