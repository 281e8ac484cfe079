"""Statements no project code writes but a library sends on its own, recognised in a log, and
the connections of the project that configure that library.

A logged statement names its emitter by its exact shape (asyncpg's pool reset), by a literal
only the server log shows (`set_config('jit', ...)`, `set_config('TimeZone', ...)`; RDS Proxy's
digests fold literals away), or by the prepared statement it runs (`__asyncpg_stmt_1__`,
`_pg3_0`). The connection that configures the library is where its fix goes, and the PIN2xx
rule that explains it is the incident's code when no project code sends the statement itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from pinlint.connections.model import ASYNCPG, DJANGO, POOL, PSYCOPG, PSYCOPG2, SQLALCHEMY
from pinlint.logs.fingerprint import Statement, fingerprints
from pinlint.rules.pin202_driver_prepared_statements import ASYNCPG_FIX, PSYCOPG_FIX, SQLALCHEMY_ASYNCPG_FIX
from pinlint.rules.pin203_pool_reset_query import ASYNCPG_FIX as ASYNCPG_RESET_FIX
from pinlint.rules.pin204_driver_emitted_session_state import JIT_FIX
from pinlint.sent import SentConnection


@dataclass(frozen=True)
class Emitter:
    library: str
    sends: str  # what it sends, and when
    code: str  # the PIN2xx rule that explains it
    fix: str
    configures: Callable[[SentConnection], bool]  # which of the project's connections configure it
    # A better fix for the connections that go through a framework: {framework: fix}.
    framework_fixes: tuple[tuple[str, str], ...] = ()
    # The statement alone does not name the library (other clients send it too): it is only
    # said to send it when the project configures the library.
    only_when_configured: bool = False

    def fix_for(self, connections: list[SentConnection]) -> str:
        for framework, fix in self.framework_fixes:
            if connections and all(c.framework == framework for c in connections):
                return fix
        return self.fix


def _asyncpg(connection: SentConnection) -> bool:
    return connection.driver == ASYNCPG


ASYNCPG_JIT = Emitter(
    "asyncpg", "type introspection (the first query of a connection that uses a type asyncpg has no codec "
    "for: arrays, enums, composites) toggles jit with `set_config('jit', 'off', false)` and restores it",
    "PIN204", JIT_FIX, _asyncpg,
)
ASYNCPG_RESET = Emitter(
    "asyncpg", "the pool resets every released connection with "
    "`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`", "PIN203", ASYNCPG_RESET_FIX,
    lambda c: c.driver == ASYNCPG and c.kind == POOL,
)
SQLALCHEMY_ISOLATION = Emitter(
    "SQLAlchemy", "`isolation_level=` on the pg8000 and base PostgreSQL dialects runs "
    "`SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ...`", "PIN204",
    "Use the psycopg (`postgresql+psycopg`) or asyncpg dialect, which put the level in each `BEGIN`",
    lambda c: c.framework == SQLALCHEMY and c.driver not in (ASYNCPG, PSYCOPG, PSYCOPG2), only_when_configured=True,
)
DJANGO_TIME_ZONE = Emitter(
    "Django", "sets the connection's time zone when the server's differs from `TIME_ZONE` "
    "(`set_config('TimeZone', ..., false)`, `SET TIME ZONE` before Django 4.2)", "PIN204",
    "Give the role or database Django's time zone (`ALTER ROLE app SET timezone = 'UTC'`, or the parameter group): "
    "Django then sends nothing",
    lambda c: c.framework == DJANGO, only_when_configured=True,
)
ASYNCPG_PREPARED = Emitter(
    "asyncpg", "named prepared statements (`__asyncpg_stmt_N__`) from its statement cache", "PIN202", ASYNCPG_FIX,
    _asyncpg, ((SQLALCHEMY, SQLALCHEMY_ASYNCPG_FIX),),
)
PSYCOPG_PREPARED = Emitter(
    "psycopg", "named prepared statements (`_pg3_N`) once a query has run `prepare_threshold` times", "PIN202",
    PSYCOPG_FIX, lambda c: c.driver == PSYCOPG,
)

# Driver-made prepared statement names, each as the name shown for all of them.
_PREPARED_NAMES = (
    (re.compile(r"__asyncpg_stmt_[0-9a-f]+__"), "__asyncpg_stmt_N__", ASYNCPG_PREPARED),
    (re.compile(r"__asyncpg_.+__"), "__asyncpg_<name>__", ASYNCPG_PREPARED),  # SQLAlchemy's name func recipe
    (re.compile(r"_pg3_\d+"), "_pg3_N", PSYCOPG_PREPARED),
)
_RESET_STATEMENTS = {
    ("select", "pg_advisory_unlock_all", "(", ")"), ("close", "all"), ("unlisten", "*"), ("reset", "all"),
}
_JIT_TOGGLE = (
    "select", "current_setting", "(", "?", ")", "as", "cur", ",", "set_config", "(", "?", ",", "?", ",", "?", ")",
    "as", "new",
)
_SET_CONFIG = re.compile(r"set_config\s*\(", re.IGNORECASE)
_JIT = re.compile(r"\bjit\b", re.IGNORECASE)
_TIME_ZONE = re.compile(r"'timezone'|\btime\s+zone\b", re.IGNORECASE)


def prepared_statement_emitter(name: str) -> tuple[str, Emitter] | None:
    """The library that makes prepared statements named like ``name``, and the name shown for them."""
    for pattern, shown, emitter in _PREPARED_NAMES:
        if pattern.fullmatch(name):
            return shown, emitter
    return None


def statement_emitter(text: str, parameters: str = "") -> Emitter | None:
    """The library that sends the logged statement ``text`` on its own (``parameters``: the
    values logged with it), if it is one of those pinlint knows."""
    statements: tuple[Statement, ...] = fingerprints(text)
    if not statements:
        return None
    if len(statements) >= 2 and set(statements) <= _RESET_STATEMENTS:
        return ASYNCPG_RESET
    if statements[0][:6] == ("set", "session", "characteristics", "as", "transaction", "isolation"):
        return SQLALCHEMY_ISOLATION
    if statements[0][:3] == ("set", "time", "zone"):
        return DJANGO_TIME_ZONE
    if _SET_CONFIG.search(text):
        if statements[0] == _JIT_TOGGLE or _JIT.search(text) or _JIT.search(parameters):
            return ASYNCPG_JIT
        if _TIME_ZONE.search(text):
            return DJANGO_TIME_ZONE
    return None
