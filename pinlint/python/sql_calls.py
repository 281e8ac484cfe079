"""Where SQL enters a database from Python, and where a SQL-looking string is only text.

Execution calls are recognised by method name on any receiver (DB-API cursors, asyncpg
connections, SQLAlchemy connections and sessions, Django managers, ORM and toolkit databases);
a string only counts when it is SQL, so an unrelated `fetch(url)` costs nothing. Method names
too common to say so alone (`query`, `run`) count only on the library's objects
(`LIBRARY_METHODS`).
"""

from __future__ import annotations

import re

# DB-API, asyncpg, SQLAlchemy and Django methods whose first argument is SQL text.
EXECUTION_METHODS = frozenset(
    {
        "execute", "executemany", "executescript", "mogrify", "callproc",  # DB-API
        "fetch", "fetchrow", "fetchval", "fetchmany", "prepare", "cursor",  # asyncpg
        "exec_driver_sql",  # SQLAlchemy
        "raw",  # Django Manager.raw, Piccolo and tortoise Model.raw
        "copy_expert",  # psycopg2
        "execute_sql",  # peewee Database
        "execute_query", "execute_query_dict", "execute_script", "execute_insert", "execute_many",  # tortoise
        "fetch_all", "fetch_one", "fetch_val",  # encode/databases (and its execute, execute_many)
        "cmd_query",  # mysql-connector, its C extension too
        "exec_", "exec_params", "send_query", "send_query_params",  # psycopg's libpq wrapper `pgconn` (bytes)
        "run_ddl",  # Piccolo engines
    }
)
# Common method names that send SQL only on some libraries' objects, with those libraries: such a
# call counts when its receiver comes from one, or is a plain name in a module that imports one.
LIBRARY_METHODS: dict[str, tuple[str, ...]] = {
    # MySQLdb/mysqlclient, PyMySQL, aiomysql and asyncmy `conn.query(sql)`; mysql-connector's C extension.
    "query": ("MySQLdb", "_mysql", "pymysql", "aiomysql", "asyncmy", "mysql.connector", "_mysql_connector"),
    "run": ("pg8000",),  # pg8000.native `conn.run(sql)`
    "iterate": ("databases",),  # encode/databases `database.iterate(query)`
    "sql": ("playhouse.migrate",),  # peewee's `migrate(migrator.sql(...))`
}
# Callables that wrap SQL text: SQLAlchemy text()/DDL(), Django RawSQL()/RunSQL(), psycopg sql.SQL()
# (and peewee's SQL()), Piccolo QueryString().
SQL_CONSTRUCTORS = frozenset({"text", "DDL", "RawSQL", "RunSQL", "SQL", "QueryString"})
# psycopg2.extras helpers: (cursor, sql, argslist, ...).
BATCH_HELPERS = frozenset({"execute_values", "execute_batch"})
SQL_KEYWORDS = frozenset({"sql", "query", "statement", "operation", "command", "stmt", "reverse_sql"})
# Keyword arguments whose strings are prose for people, never SQL.
PROSE_KEYWORDS = frozenset({"help", "description", "msg", "message", "verbose_name", "label", "doc", "help_text"})
# What a mock gives back instead of a database (`Mock(return_value=...)`, `m.side_effect = [...]`):
# rows or statuses a test made up, never SQL sent.
MOCK_ATTRIBUTES = frozenset({"return_value", "side_effect"})

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
    if name in _TEXT_FUNCTIONS or name.lstrip("_").startswith(("assert", "expect")) or name in ("raises", "warns"):
        return True
    return name.endswith(("Error", "Exception", "Warning"))
