"""PIN110 listen: `LISTEN` subscribes a backend, not the client."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.drivers.api import ApiCall
from pinlint.rules.base import Case, PythonCase, SqlContext, SqlRule
from pinlint.sql.lexer import POSTGRES, PUNCT, QIDENT, WORD, Statement
from pinlint.targets import Target, breaks, on_transaction_poolers, pins

_FIX = "Listen on a dedicated direct (unpooled) connection, or poll"
_LOST = breaks("loses the notifications", "they go to a backend the client no longer holds")


class Listen(SqlRule):
    code = "PIN110"
    name = "listen"
    summary = "LISTEN on a pooled connection"

    VALID = [
        Case("NOTIFY jobs, 'hello'"),
        Case("SELECT pg_notify('jobs', 'hello')"),
        Case("UNLISTEN *", targets=[Target.PGBOUNCER]),
        PythonCase("def f(bus):\n    bus.add_listener('jobs', print)"),
    ]
    INVALID = [
        Case("LISTEN jobs"), Case('listen "Jobs"'), Case("UNLISTEN *"), Case("UNLISTEN jobs"),
        PythonCase("import asyncpg\nasync def f(pool: asyncpg.Pool):\n    async with pool.acquire() as conn:\n"
                   "        await conn.add_listener('jobs', print)"),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != POSTGRES or len(stmt.tokens) != 2:
            return
        verb, channel = stmt.word(0), stmt.tokens[1]
        named = channel.kind in (WORD, QIDENT)
        if verb == "LISTEN" and named:
            yield Hit(
                self.code,
                "`LISTEN` subscribes the backend, not the client",
                {Target.RDS_PROXY: pins(), **on_transaction_poolers(_LOST)},
                _FIX,
                stmt.start,
            )
        elif verb == "UNLISTEN" and (named or channel.kind == PUNCT and channel.text == "*"):
            yield Hit(self.code, "`UNLISTEN` changes the session's subscriptions", {Target.RDS_PROXY: pins()}, _FIX, stmt.start)

    def check_call(self, call: ApiCall) -> Iterator[Hit]:
        if call.api == "asyncpg.Connection.add_listener":
            yield Hit(self.code, f"{call.described} sends `LISTEN`, which subscribes the backend, not the client",
                      {Target.RDS_PROXY: pins(), **on_transaction_poolers(_LOST)}, _FIX,
                      confidence=call.confidence, anchor=call.anchor)
