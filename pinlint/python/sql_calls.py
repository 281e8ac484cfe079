"""Where SQL enters a database from Python, and where a SQL-looking string is only text.

Execution calls are recognised by method name on any receiver (DB-API cursors, asyncpg
connections, SQLAlchemy connections and sessions, Django managers); a string only counts when
it is SQL, so an unrelated `fetch(url)` costs nothing.
"""

from __future__ import annotations

import re

# DB-API, asyncpg, SQLAlchemy and Django methods whose first argument is SQL text.
EXECUTION_METHODS = frozenset(
    {
        "execute", "executemany", "executescript", "mogrify", "callproc",  # DB-API
        "fetch", "fetchrow", "fetchval", "fetchmany", "prepare", "cursor",  # asyncpg
        "exec_driver_sql",  # SQLAlchemy
        "raw",  # Django Manager.raw
        "copy_expert",  # psycopg2
    }
)
# Callables that wrap SQL text: SQLAlchemy text()/DDL(), Django RawSQL()/RunSQL(), psycopg sql.SQL().
SQL_CONSTRUCTORS = frozenset({"text", "DDL", "RawSQL", "RunSQL", "SQL"})
# psycopg2.extras helpers: (cursor, sql, argslist, ...).
BATCH_HELPERS = frozenset({"execute_values", "execute_batch"})
SQL_KEYWORDS = frozenset({"sql", "query", "statement", "operation", "command", "stmt", "reverse_sql"})
# Keyword arguments whose strings are prose for people, never SQL.
PROSE_KEYWORDS = frozenset({"help", "description", "msg", "message", "verbose_name", "label", "doc", "help_text"})

# SQLAlchemy `func.<name>(...)` renders `name(...)`: the SQL functions the rules look at.
SQL_FUNCTIONS = frozenset(
    {
        "set_config", "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock",
        "pg_try_advisory_lock_shared", "pg_advisory_unlock", "pg_advisory_unlock_shared",
        "pg_advisory_unlock_all", "nextval", "setval", "currval", "lastval", "get_lock",
        "release_lock", "release_all_locks", "found_rows",
    }
)

_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
_TEXT_FUNCTIONS = frozenset(
    {"print", "_", "gettext", "gettext_lazy", "ngettext", "pgettext", "ugettext", "ugettext_lazy", "call", "fail", "skip", "xfail"}
)


_LOGGING_NAME = re.compile(r"(^|_)log(_|$)|^log[A-Z]|logger|logging", re.IGNORECASE)


def is_text_sink(receiver: str, name: str) -> bool:
    """Calls whose string arguments are messages or test expectations, never executed SQL."""
    if name in _LOG_METHODS and ("log" in receiver.lower() or receiver in ("warnings", "")):
        return True
    if _LOGGING_NAME.search(name):  # self._log_info(...), log_debug(...)
        return True
    if name in _TEXT_FUNCTIONS or name.startswith(("assert", "expect")) or name in ("raises", "warns"):
        return True
    return name.endswith(("Error", "Exception", "Warning"))
