"""PIN119 state-in-routine: session state changed inside a function, procedure or `DO` body."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Confidence, Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.lexer import MYSQL
from pinlint.rules.pin101_session_set import SessionSet
from pinlint.rules.pin102_session_set_config import SessionSetConfig
from pinlint.rules.pin104_role_switch import RoleSwitch
from pinlint.rules.pin108_temporary_object import TemporaryObject
from pinlint.rules.pin109_session_advisory_lock import SessionAdvisoryLock
from pinlint.rules.pin110_listen import Listen
from pinlint.rules.pin115_user_variable import UserVariable
from pinlint.sql.classify import function_calls, mysql_set, pg_set, routine_bodies, split_top_level
from pinlint.sql.dynamic import executed_sql
from pinlint.sql.lexer import PUNCT, QIDENT, STRING, WORD, Statement, Token, lex, statements
from pinlint.targets import Target, leaks, on_transaction_poolers

_INNER_RULES = (
    SessionSet(), SessionSetConfig(), RoleSwitch(), TemporaryObject(), SessionAdvisoryLock(), Listen(), UserVariable(),
)
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
        Case("DO $$ BEGIN EXECUTE format('CREATE TEMP TABLE %I (id int) ON COMMIT DROP', 's'); EXECUTE sql_text; END $$"),
        Case("CREATE PROCEDURE p(IN m INT) BEGIN DECLARE n INT; SET n = 1; SET m = 2; END", dialect=MYSQL),
    ]
    INVALID = [
        Case(
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM set_config('search_path', 'tenant_a', false); END $$"
        ),
        Case("DO $$ BEGIN SET search_path = tenant_a; END $$"),
        Case("CREATE PROCEDURE p() LANGUAGE plpgsql AS $body$ BEGIN CREATE TEMP TABLE s (id int); END $body$"),
        Case("DO $$ DECLARE ok boolean; BEGIN ok := pg_try_advisory_lock(7); END $$"),
        Case("DO $$ BEGIN EXECUTE format('CREATE TEMP TABLE %I (id int)', 'scratch'); END $$"),
        Case("CREATE PROCEDURE p() BEGIN SET foreign_key_checks = 0; END", dialect=MYSQL),
        # Saved first and put back: low confidence (an error between the two still leaks it).
        Case("DO $$ DECLARE old text; BEGIN old := current_setting('search_path'); "
             "PERFORM set_config('search_path', 'partman', false); PERFORM set_config('search_path', old, false); END $$"),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        seen: set[tuple[str, int]] = set()
        for body in routine_bodies(stmt):
            inner = lex(body.text, stmt.dialect)
            local_names = _local_variables(stmt, statements(inner)) if stmt.dialect == MYSQL else set()
            found = [(hit, hit.offset, name) for s in statements(inner) for hit, name in _inner_hits(s, ctx, local_names)]
            # The text a body runs with `EXECUTE` is judged as if the body held it.
            for executed in executed_sql(inner):
                for s in statements(lex(executed.text, stmt.dialect)):
                    found.extend((hit, executed.body_offset(hit.offset), name) for hit, name in _inner_hits(s, ctx, set()))
            saved = _saved_settings(inner.tokens)
            for hit, offset, name in found:
                key = (hit.code, offset)
                # Only state that outlives the transaction leaks (not ON COMMIT DROP, not RESET);
                # MySQL findings only ever name RDS Proxy.
                if key in seen or not (Target.PGBOUNCER in hit.consequences or stmt.dialect == MYSQL):
                    continue
                seen.add(key)
                restores = name is not None and name in saved
                yield Hit(
                    self.code,
                    f"{hit.subject} inside a routine body" + (
                        f" (the routine reads `current_setting('{name}')` first: it probably puts it back)" if restores else ""
                    ),
                    {
                        Target.RDS_PROXY: leaks("leaks the state to other clients", "the proxy cannot see inside routines"),
                        **on_transaction_poolers(leaks("leaks the state to the next client")),
                    },
                    "Use the function's own `SET` clause (`CREATE FUNCTION ... SET search_path = ...`), "
                    "which is scoped to the call; keep session-level effects out of routine bodies",
                    body.offset + offset,
                    Confidence.LOW if restores else Confidence.HIGH,
                )


def _inner_hits(stmt: Statement, ctx: SqlContext, local_names: set[str]) -> Iterator[tuple[Hit, str | None]]:
    """The inner rules' hits on each statement nested in a body, with the setting it changes."""
    for start in range(len(stmt.tokens)):
        token = stmt.tokens[start]
        previous = stmt.tokens[start - 1] if start else None
        at_start = previous is None or previous.upper in _BLOCK_WORDS or (previous.kind == PUNCT and previous.text == ">>")
        if not at_start or token.upper in _BLOCK_WORDS:
            continue
        nested = Statement(stmt.sql, stmt.tokens[start:])
        command = mysql_set(nested) if local_names else None
        if command is not None and command.kind == "assignments" and all(
            not a.user_variable and not a.scope and a.name in local_names for a in command.assignments
        ):
            continue  # `SET n = 1` assigns the routine's own variable
        name = _setting_changed(nested)
        for rule in _INNER_RULES:
            yield from ((hit, name) for hit in rule.check(nested, ctx))


def _setting_changed(stmt: Statement) -> str | None:
    """The setting `SET name ...` or a `set_config('name', ...)` in the statement changes."""
    found = pg_set(stmt)
    if found is not None:
        return found.name or None
    for call in function_calls(list(stmt.tokens)):
        if call.name == "set_config" and call.args and len(call.args[0]) == 1 and call.args[0][0].kind == STRING:
            return call.args[0][0].text.lower()
    return None


def _saved_settings(tokens: list[Token]) -> set[str]:
    """Settings a body reads with `current_setting('name')`: the idiom that saves one to restore it
    (`old := current_setting('search_path'); ...; PERFORM set_config('search_path', old, false)`)."""
    return {
        call.args[0][0].text.lower()
        for call in function_calls(tokens)
        if call.name == "current_setting" and call.args and len(call.args[0]) == 1 and call.args[0][0].kind == STRING
    }


def _local_variables(routine: Statement, body: list[Statement]) -> set[str]:
    """Names a MySQL routine declares (`DECLARE n INT`) or takes as parameters."""
    names = {s.tokens[1].text.lower() for s in body if s.word(0) == "DECLARE" and len(s.tokens) > 1}
    tokens = routine.outer_tokens
    opening = next((i for i, t in enumerate(tokens) if t.kind == PUNCT and t.text == "("), None)
    if opening is not None:
        for parameter in split_top_level(tokens[opening + 1 :]):
            words = [t for t in parameter if t.kind in (WORD, QIDENT)]
            if words and words[0].upper in ("IN", "OUT", "INOUT") and len(words) > 1:
                words = words[1:]
            if words:
                names.add(words[0].text.lower())
            if any(t.kind == PUNCT and t.text == ")" for t in parameter):
                break
    return names
