"""PIN119 state-in-routine: session state changed inside a function, procedure or `DO` body."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.lexer import MYSQL
from pinlint.rules.pin101_session_set import SessionSet
from pinlint.rules.pin102_session_set_config import SessionSetConfig
from pinlint.rules.pin104_role_switch import RoleSwitch
from pinlint.rules.pin108_temporary_object import TemporaryObject
from pinlint.rules.pin109_session_advisory_lock import SessionAdvisoryLock
from pinlint.rules.pin110_listen import Listen
from pinlint.sql.classify import routine_bodies
from pinlint.sql.lexer import POSTGRES, PUNCT, Statement, lex, statements
from pinlint.targets import Target, leaks, on_pgbouncers

_INNER_RULES = (SessionSet(), SessionSetConfig(), RoleSwitch(), TemporaryObject(), SessionAdvisoryLock(), Listen())
# Where a nested statement can start inside a PL/pgSQL or SQL/PSM block.
_BLOCK_WORDS = {"BEGIN", "ATOMIC", "THEN", "ELSE", "LOOP", "DO"}


class StateInRoutine(SqlRule):
    code = "PIN119"
    name = "state-in-routine"
    summary = "Session state changed inside a routine body, invisible to the proxy"

    VALID = [
        Case(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = tenant_a "
            "AS $$ SELECT 1 $$"
        ),
        Case("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE t SET x = 1; END $$"),
        Case("DO $$ BEGIN PERFORM pg_advisory_xact_lock(1); SET LOCAL search_path = a; END $$"),
        Case("DO $$ BEGIN CREATE TEMP TABLE s (id int) ON COMMIT DROP; RESET search_path; END $$"),
        Case("CREATE PROCEDURE p() BEGIN DECLARE n INT; SET n = 1; END", dialect=MYSQL),
    ]
    INVALID = [
        Case(
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM set_config('search_path', 'tenant_a', false); END $$"
        ),
        Case("DO $$ BEGIN SET search_path = tenant_a; END $$"),
        Case("CREATE PROCEDURE p() LANGUAGE plpgsql AS $body$ BEGIN CREATE TEMP TABLE s (id int); END $body$"),
        Case("DO $$ DECLARE ok boolean; BEGIN ok := pg_try_advisory_lock(7); END $$"),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != POSTGRES:
            return  # in MySQL routines `SET x = ...` assigns a declared local variable
        seen: set[tuple[str, int]] = set()
        for body in routine_bodies(stmt):
            inner = lex(body.text, stmt.dialect)
            for inner_stmt in statements(inner):
                for hit in _inner_hits(inner_stmt, ctx):
                    key = (hit.code, hit.offset)
                    # Only state that outlives the transaction leaks (not ON COMMIT DROP, not RESET).
                    if key in seen or Target.PGBOUNCER not in hit.consequences:
                        continue
                    seen.add(key)
                    yield Hit(
                        self.code,
                        f"{hit.subject} inside a routine body",
                        {
                            Target.RDS_PROXY: leaks("leaks the state to other clients", "the proxy cannot see inside routines"),
                            **on_pgbouncers(leaks("leaks the state to the next client")),
                        },
                        "Use the function's own `SET` clause (`CREATE FUNCTION ... SET search_path = ...`), "
                        "which is scoped to the call; keep session-level effects out of routine bodies",
                        body.offset + hit.offset,
                    )


def _inner_hits(stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
    for start in range(len(stmt.tokens)):
        token = stmt.tokens[start]
        previous = stmt.tokens[start - 1] if start else None
        at_start = previous is None or previous.upper in _BLOCK_WORDS or (previous.kind == PUNCT and previous.text == ">>")
        if not at_start or token.upper in _BLOCK_WORDS:
            continue
        nested = Statement(stmt.sql, stmt.tokens[start:])
        for rule in _INNER_RULES:
            yield from rule.check(nested, ctx)
