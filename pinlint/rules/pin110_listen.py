"""PIN110 listen: `LISTEN` subscribes a backend, not the client."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.lexer import POSTGRES, PUNCT, QIDENT, WORD, Statement
from pinlint.targets import Target, breaks, on_pgbouncers, pins

_FIX = "Listen on a dedicated direct (unpooled) connection, or poll"


class Listen(SqlRule):
    code = "PIN110"
    name = "listen"
    summary = "LISTEN on a pooled connection"

    VALID = [
        Case("NOTIFY jobs, 'hello'"),
        Case("SELECT pg_notify('jobs', 'hello')"),
        Case("UNLISTEN *", targets=[Target.PGBOUNCER]),
    ]
    INVALID = [Case("LISTEN jobs"), Case('listen "Jobs"'), Case("UNLISTEN *"), Case("UNLISTEN jobs")]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != POSTGRES or len(stmt.tokens) != 2:
            return
        verb, channel = stmt.word(0), stmt.tokens[1]
        named = channel.kind in (WORD, QIDENT)
        if verb == "LISTEN" and named:
            yield Hit(
                self.code,
                "`LISTEN` subscribes the backend, not the client",
                {Target.RDS_PROXY: pins(), **on_pgbouncers(breaks(
                    "loses the notifications", "they go to a backend the client no longer holds"
                ))},
                _FIX,
                stmt.start,
            )
        elif verb == "UNLISTEN" and (named or channel.kind == PUNCT and channel.text == "*"):
            yield Hit(self.code, "`UNLISTEN` changes the session's subscriptions", {Target.RDS_PROXY: pins()}, _FIX, stmt.start)
