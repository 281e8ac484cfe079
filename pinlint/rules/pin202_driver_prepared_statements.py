"""PIN202 driver-prepared-statements: named protocol-level prepared statements live on one backend."""

from __future__ import annotations

from typing import Iterator

from pinlint.connections.model import (
    ASYNCPG, CONNECT, DJANGO, ENGINE, MYSQL_JDBC, PGJDBC, POOL, PSYCOPG, SETTINGS, SQLALCHEMY, URL, Connection,
)
from pinlint.diagnostics import Confidence, Hit, lowest
from pinlint.drivers.api import ApiCall
from pinlint.fixes.repairs import Keywords, Value
from pinlint.project_versions import Known, LazyVersions
from pinlint.rules.base import DriverRule, FixCase, PythonCase
from pinlint.targets import Consequence, Target, breaks, pins

_LEGACY = "named prepared statements need PgBouncer 1.21+ with max_prepared_statements > 0"
_SUPAVISOR = "Supavisor keeps named prepared statements only with NAMED_PREPARED_STATEMENTS_ENABLED, off by default"
_RDS_MYSQL = {Target.RDS_PROXY: pins("RDS Proxy pins MySQL sessions that prepare statements")}
# psycopg's own PgBouncer support closes statements at protocol level: PgBouncer 1.22+ and libpq 17+.
_PSYCOPG_PGBOUNCER = "or run PgBouncer 1.22+ with `max_prepared_statements > 0` and libpq 17+"
PSYCOPG_FIX = (
    "Pass `prepare_threshold=None`, the only value that never prepares (psycopg_pool: "
    "`kwargs={\"prepare_threshold\": None}`; SQLAlchemy: `connect_args={\"prepare_threshold\": None}`), "
    f"{_PSYCOPG_PGBOUNCER}"
)
PSYCOPG_ATTRIBUTE_FIX = f"Set it to `None`, the only value that never prepares, {_PSYCOPG_PGBOUNCER}"
PSYCOPG_STRING_FIX = (
    "Drop it from the URL and pass `connect_args={\"prepare_threshold\": None}` to the engine: SQLAlchemy hands "
    "URL query values to psycopg as strings"
)
_STRING_THRESHOLD = {
    target: breaks("fails every query with `TypeError: '>=' not supported between instances of 'int' and 'str'`",
                   "psycopg compares each query's count of runs with it, also on a direct connection")
    for target in Target
}
ASYNCPG_FIX = (
    "Pass `statement_cache_size=0` to `asyncpg.connect()`/`asyncpg.create_pool()` so asyncpg uses "
    "unnamed statements, or run PgBouncer 1.21+ with `max_prepared_statements > 0`"
)
SQLALCHEMY_ASYNCPG_FIX = (
    "Pass `connect_args={\"statement_cache_size\": 0, \"prepared_statement_cache_size\": 0, "
    "\"prepared_statement_name_func\": lambda: f\"__asyncpg_{uuid4()}__\"}` (SQLAlchemy's asyncpg dialect "
    "always prepares, so the names must not collide; with asyncpg 0.31+ `statement_cache_size=0` alone makes them "
    "unnamed), or use `postgresql+psycopg` with `prepare_threshold=None`"
)

# The releases whose behaviour differs, as the drivers' changelogs and sources say.
ASYNCPG_UNNAMED = (0, 31)  # `prepare()` is unnamed when the statement cache is off (asyncpg #1245)
PSYCOPG_CLOSES = (3, 2)  # closes statements at protocol level (libpq 17+), which PgBouncer 1.22+ handles
SQLALCHEMY_NAME_FUNC = (2, 0, 10)  # the asyncpg dialect's `prepared_statement_name_func`
SQLALCHEMY_PSYCOPG = (2, 0)  # the `postgresql+psycopg` dialect


# Where each kind of psycopg connection takes its connect keywords.
_PSYCOPG_KEYWORDS_INTO = {CONNECT: "", POOL: "kwargs", ENGINE: "connect_args"}
# Adding a setting the code leaves at its default changes how queries are sent, not what they
# return; replacing a value someone wrote gives up the plan reuse it was chosen for.
_NEVER_PREPARE = "Set `prepare_threshold=None`"
_NO_CACHE = "Set `statement_cache_size=0`"
_UNIQUE_NAMES = (
    ("statement_cache_size", "0"), ("prepared_statement_cache_size", "0"),
    ("prepared_statement_name_func", 'lambda: f"__asyncpg_{uuid4()}__"'),
)


def _breaks(statement: str) -> dict[Target, Consequence]:
    return {
        Target.PGBOUNCER_LEGACY: breaks(f"breaks with `prepared statement \"{statement}\" does not exist`", _LEGACY),
        Target.SUPAVISOR: breaks(f"breaks with `prepared statement \"{statement}\" does not exist`", _SUPAVISOR),
    }


def _old_psycopg(versions: LazyVersions) -> Known | None:
    """The project's psycopg when it is older than 3.2, which deallocates with SQL `DEALLOCATE`."""
    known = versions.since("psycopg", PSYCOPG_CLOSES)
    return known if known is not None and not known.at_least else None


def _psycopg_breaks(versions: LazyVersions) -> dict[Target, Consequence]:
    consequences = _breaks("_pg3_0")
    old = _old_psycopg(versions)
    if old is not None:
        consequences[Target.PGBOUNCER] = breaks(
            "breaks with `prepared statement \"_pg3_0\" does not exist` once psycopg deallocates a statement "
            "(its cache keeps 100)",
            f"{old.pin} deallocates with SQL `DEALLOCATE`, which PgBouncer does not translate; psycopg 3.2+ with libpq 17+ "
            "closes statements at protocol level",
        )
    return consequences


def _psycopg_fix(fix: str, versions: LazyVersions) -> str:
    old = _old_psycopg(versions)
    return fix if old is None else fix.replace(_PSYCOPG_PGBOUNCER, f"or upgrade psycopg to 3.2+ ({old.pin}) and {_PSYCOPG_PGBOUNCER[3:]}")


class DriverPreparedStatements(DriverRule):
    code = "PIN202"
    name = "driver-prepared-statements"
    summary = "The driver prepares named statements on a pooled backend"

    LEGACY = [Target.PGBOUNCER_LEGACY]
    VALID = [
        PythonCase("import psycopg\npsycopg.connect(dsn, prepare_threshold=None)", targets=LEGACY),
        PythonCase("import asyncpg\nasyncpg.create_pool(dsn, statement_cache_size=0, reset=r)", targets=LEGACY),
        PythonCase("import psycopg\npsycopg.connect(dsn)"),  # fine on RDS Proxy and PgBouncer 1.21+
        PythonCase("import psycopg\ndef f(cur): cur.execute('SELECT 1', prepare=False)", targets=LEGACY),
        PythonCase("import psycopg\npsycopg.connect(dsn, **options)", targets=LEGACY),
        PythonCase("payload = {'prepare': True, 'statement_cache_size': 100}", targets=LEGACY),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'OPTIONS': {'prepare_threshold': 5}}}", targets=LEGACY),
        PythonCase("url = 'jdbc:postgresql://db/app?prepareThreshold=0'", targets=LEGACY),
        PythonCase("from psycopg_pool import ConnectionPool\nConnectionPool(dsn, kwargs=dict(prepare_threshold=None))",
                   targets=LEGACY),
        PythonCase("import psycopg\nconn = psycopg.connect(dsn, prepare_threshold=None)\nconn.prepare_threshold = None",
                   targets=LEGACY),
        PythonCase("def f(conn):\n    conn.prepare_threshold = 0", targets=LEGACY),  # no psycopg in sight
        PythonCase("import psycopg2\nconn = psycopg2.connect(dsn)\nconn.prepare_threshold = 0", targets=LEGACY),
        PythonCase("payload = {'prepare_threshold': 0}", targets=LEGACY),
        PythonCase("from sqlalchemy import create_engine\n"  # connect_args overrides the URL's query
                   "create_engine('postgresql+psycopg://app@db/app?prepare_threshold=0', "
                   "connect_args={'prepare_threshold': None})", targets=LEGACY),
    ]
    INVALID = [
        PythonCase("import psycopg\npsycopg.connect(dsn)", targets=LEGACY),
        PythonCase("from psycopg import connect as c\nc(dsn, prepare_threshold=5)", targets=LEGACY),
        PythonCase("from psycopg_pool import ConnectionPool\nConnectionPool(dsn)", targets=LEGACY),
        PythonCase("import psycopg\ndef f(conn: psycopg.Connection): conn.execute('SELECT 1', prepare=True)", targets=LEGACY),
        PythonCase("import asyncpg\nasyncpg.connect(dsn)", targets=LEGACY),
        PythonCase("import asyncpg\nasync def f():\n    conn = await asyncpg.connect(dsn, statement_cache_size=0)\n"
                   "    await conn.prepare('SELECT 1')", targets=LEGACY),
        PythonCase("from sqlalchemy.ext.asyncio import create_async_engine\n"
                   "create_async_engine('postgresql+asyncpg://app@db/app', connect_args={'statement_cache_size': 0})",
                   targets=LEGACY),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', "
                   "'OPTIONS': {'server_side_binding': True, 'prepare_threshold': 5}}}", targets=LEGACY),
        PythonCase("url = 'jdbc:postgresql://db/app'", targets=LEGACY),
        PythonCase("import psycopg\npsycopg.connect(dsn, prepare_threshold=0)", targets=LEGACY),
        PythonCase("from psycopg_pool import ConnectionPool\nConnectionPool(dsn, kwargs=dict(prepare_threshold=0))",
                   targets=LEGACY),
        PythonCase("from sqlalchemy import create_engine\n"
                   "create_engine('postgresql+psycopg://app@db/app', connect_args={'prepare_threshold': 0})",
                   targets=LEGACY),
        PythonCase("from sqlalchemy import create_engine\n"
                   "create_engine('postgresql+psycopg://app@db/app?prepare_threshold=None')"),
        PythonCase("import psycopg\nconn = psycopg.connect(dsn, prepare_threshold=None)\nconn.prepare_threshold = 0",
                   targets=LEGACY),
        PythonCase("import psycopg\ndef f(conn):\n    conn.prepare_threshold = 5", targets=LEGACY),
        PythonCase("import mysql.connector\ncnx = mysql.connector.connect(user='app')\ncur = cnx.cursor(prepared=True)"),
        PythonCase("url = 'jdbc:mysql://db/app?useServerPrepStmts=true'"),
    ]

    FIXES = [
        FixCase("import psycopg\npsycopg.connect(dsn)\n", "import psycopg\npsycopg.connect(dsn, prepare_threshold=None)\n",
                targets=LEGACY),
        FixCase("from psycopg_pool import ConnectionPool\nConnectionPool(dsn)\n",
                "from psycopg_pool import ConnectionPool\nConnectionPool(dsn, kwargs={\"prepare_threshold\": None})\n",
                targets=LEGACY),
        FixCase("from psycopg_pool import ConnectionPool\nConnectionPool(dsn, kwargs=dict(autocommit=True))\n",
                "from psycopg_pool import ConnectionPool\n"
                "ConnectionPool(dsn, kwargs=dict(autocommit=True, prepare_threshold=None))\n", targets=LEGACY),
        FixCase("from psycopg_pool import ConnectionPool\nConnectionPool(dsn, kwargs={'autocommit': True})\n",
                "from psycopg_pool import ConnectionPool\n"
                "ConnectionPool(dsn, kwargs={'autocommit': True, 'prepare_threshold': None})\n", targets=LEGACY),
        FixCase("from sqlalchemy import create_engine\ne = create_engine('postgresql+psycopg://app@db/app')\n",
                "from sqlalchemy import create_engine\n"
                "e = create_engine('postgresql+psycopg://app@db/app', connect_args={\"prepare_threshold\": None})\n",
                targets=LEGACY),
        FixCase("import asyncpg\n\n\nasync def main(dsn):\n    return await asyncpg.create_pool(\n        dsn,\n"
                "        reset=keep,  # asyncpg 0.30\n    )\n",
                "import asyncpg\n\n\nasync def main(dsn):\n    return await asyncpg.create_pool(\n        dsn,\n"
                "        reset=keep,  # asyncpg 0.30\n        statement_cache_size=0,\n    )\n", targets=LEGACY),
        FixCase("from sqlalchemy.ext.asyncio import create_async_engine\n\n"
                "engine = create_async_engine('postgresql+asyncpg://app@db/app', connect_args={'statement_cache_size': 0})\n",
                "from sqlalchemy.ext.asyncio import create_async_engine\nfrom uuid import uuid4\n\n"
                "engine = create_async_engine('postgresql+asyncpg://app@db/app', connect_args={'statement_cache_size': 0, "
                "'prepared_statement_cache_size': 0, 'prepared_statement_name_func': lambda: f\"__asyncpg_{uuid4()}__\"})\n",
                targets=LEGACY),
        FixCase("import psycopg\npsycopg.connect(dsn, prepare_threshold=0)\n",
                "import psycopg\npsycopg.connect(dsn, prepare_threshold=None)\n", unsafe=True, targets=LEGACY),
        FixCase("import psycopg\ndef f(conn):\n    conn.prepare_threshold = 5\n",
                "import psycopg\ndef f(conn):\n    conn.prepare_threshold = None\n", unsafe=True, targets=LEGACY),
        FixCase("import asyncpg\nasyncpg.connect(dsn, statement_cache_size=100)\n",
                "import asyncpg\nasyncpg.connect(dsn, statement_cache_size=0)\n", unsafe=True, targets=LEGACY),
        # Settings written elsewhere are not rewritten from the call.
        FixCase("from psycopg_pool import ConnectionPool\nOPTIONS = {'autocommit': True}\nConnectionPool(dsn, kwargs=OPTIONS)\n",
                None, targets=LEGACY),
        FixCase("from sqlalchemy import create_engine\ne = create_engine('postgresql+psycopg://app@db/app?prepare_threshold=None')\n",
                None),
        FixCase("url = 'jdbc:postgresql://db/app'\n", None, targets=LEGACY),
    ]

    def check_connection(self, connection: Connection) -> Iterator[Hit]:
        if connection.driver == PSYCOPG and connection.kind in (CONNECT, POOL, ENGINE, URL):
            yield from self._psycopg(connection)
        elif connection.driver == PSYCOPG and connection.framework == DJANGO and connection.kind == SETTINGS:
            yield from self._django(connection)
        elif connection.driver == ASYNCPG and connection.kind in (CONNECT, POOL):
            yield from self._asyncpg(connection)
        elif connection.driver == ASYNCPG and connection.framework == SQLALCHEMY:
            yield from self._sqlalchemy_asyncpg(connection)
        elif connection.driver == PGJDBC and connection.kind == URL:
            threshold = connection.get("prepareThreshold")
            if threshold is None or threshold.value != "0":
                yield self._hit(connection, f"{connection.described} leaves pgJDBC's `prepareThreshold` at "
                                f"{threshold.value if threshold else 5}", _breaks("S_1"),
                                "Add `prepareThreshold=0` to the JDBC URL")
        elif connection.driver == MYSQL_JDBC and connection.kind == URL:
            server = connection.get("useServerPrepStmts")
            if server is not None and str(server.value).lower() == "true":
                yield self._hit(connection, f"{connection.described} sets `useServerPrepStmts=true`", _RDS_MYSQL,
                                "Remove `useServerPrepStmts=true` (Connector/J then binds parameters on the client)")

    def check_call(self, call: ApiCall) -> Iterator[Hit]:
        if call.api == "psycopg.Cursor.execute" and call.value("prepare") is True:
            yield Hit(self.code, f"{call.described} with `prepare=True` creates a named prepared statement",
                      _psycopg_breaks(call.versions), "Drop `prepare=True`", confidence=call.confidence, anchor=call.anchor)
        elif call.api == "psycopg.Connection.prepare_threshold" and _is_integer(call.value("prepare_threshold")):
            yield Hit(self.code, f"{call.described} makes psycopg {_prepares(call.value('prepare_threshold'))}",
                      _psycopg_breaks(call.versions), _psycopg_fix(PSYCOPG_ATTRIBUTE_FIX, call.versions),
                      confidence=call.confidence, anchor=call.anchor, repair=Value("Set it to `None`", False, "None"))
        elif call.api == "asyncpg.Connection.prepare":
            yield self._asyncpg_prepare(call)
        elif call.api == "mysql.connector.Connection.cursor" and call.facts.get("prepared"):
            yield Hit(self.code, f"{call.described} makes a server-side prepared cursor (COM_STMT_PREPARE)",
                      _RDS_MYSQL, "Use a plain cursor: `cnx.cursor()` binds parameters on the client",
                      confidence=call.confidence, anchor=call.anchor)

    def _asyncpg_prepare(self, call: ApiCall) -> Hit:
        known = call.versions.since("asyncpg", ASYNCPG_UNNAMED)
        if known is not None and known.at_least:
            # Unnamed exactly when the connection's cache is off, which this call cannot see.
            return Hit(self.code, f"{call.described} creates a named prepared statement unless the connection has "
                       f"`statement_cache_size=0` ({known.pin} then leaves it unnamed)", _breaks("__asyncpg_stmt_1__"),
                       "Pass `statement_cache_size=0` to the connection or pool this runs on",
                       confidence=lowest(call.confidence, Confidence.MEDIUM), anchor=call.anchor)
        named = (f"creates a named prepared statement, even with `statement_cache_size=0` ({known.pin})" if known is not None
                 else "creates a named prepared statement (unnamed only with asyncpg 0.31+ and `statement_cache_size=0`)")
        return Hit(self.code, f"{call.described} {named}", _breaks("__asyncpg_stmt_1__"),
                   "Run the query directly (`conn.fetch(query, *args)`) with `statement_cache_size=0`, "
                   "or upgrade to asyncpg 0.31+", confidence=call.confidence, anchor=call.anchor)

    def _psycopg(self, connection: Connection) -> Iterator[Hit]:
        threshold = connection.get("prepare_threshold")
        fix = _psycopg_fix(PSYCOPG_FIX, connection.versions)
        if threshold is None:
            if connection.complete and connection.kind != URL:
                into = _PSYCOPG_KEYWORDS_INTO.get(connection.kind)
                repair = None if into is None else Keywords(_NEVER_PREPARE, True, (("prepare_threshold", "None"),), into)
                yield self._hit(connection, f"{connection.described} leaves `prepare_threshold` at 5: psycopg "
                                f"{_prepares(5, 's')}", _psycopg_breaks(connection.versions), fix, repair=repair)
        elif _is_integer(threshold.value):
            yield self._hit(connection, f"`prepare_threshold={threshold.value}` makes psycopg {_prepares(threshold.value)}",
                            _psycopg_breaks(connection.versions), fix, threshold.anchor, Value(_NEVER_PREPARE, False, "None"))
        elif isinstance(threshold.value, str) and (connection.framework == SQLALCHEMY or connection.kind == URL):
            wanted = "`None`" if threshold.value == "None" else "a number"
            yield self._hit(connection, f"`prepare_threshold={threshold.value}` reaches psycopg as a string, not as {wanted}",
                            _STRING_THRESHOLD, PSYCOPG_STRING_FIX, threshold.anchor)

    def _django(self, connection: Connection) -> Iterator[Hit]:
        # Django's default client-side cursors never prepare; prepare_threshold only counts with
        # server-side binding.
        threshold, binding = connection.get("prepare_threshold"), connection.get("server_side_binding")
        if threshold is not None and threshold.value is not None and binding is not None and binding.value is True:
            yield self._hit(connection, f"{connection.described} sets `prepare_threshold` with `server_side_binding`: "
                            "psycopg prepares named statements", _psycopg_breaks(connection.versions),
                            "Remove `prepare_threshold` from OPTIONS (Django then disables prepared statements)",
                            threshold.anchor)

    def _asyncpg(self, connection: Connection) -> Iterator[Hit]:
        size = connection.get("statement_cache_size")
        if size is None:
            if connection.complete:
                yield self._hit(connection, f"{connection.described} leaves `statement_cache_size` at 100: asyncpg "
                                "prepares every query as a named statement", _breaks("__asyncpg_stmt_1__"), ASYNCPG_FIX,
                                repair=Keywords(_NO_CACHE, True, (("statement_cache_size", "0"),)))
        elif isinstance(size.value, int) and size.value != 0:
            yield self._hit(connection, f"`statement_cache_size={size.value}` makes asyncpg prepare named statements",
                            _breaks("__asyncpg_stmt_1__"), ASYNCPG_FIX, size.anchor, Value(_NO_CACHE, False, "0"))

    def _sqlalchemy_asyncpg(self, connection: Connection) -> Iterator[Hit]:
        unnamed = connection.versions.since("asyncpg", ASYNCPG_UNNAMED)
        # asyncpg 0.31+ leaves the dialect's statements unnamed once its own cache is off.
        needed = (("statement_cache_size", 0),) if unnamed is not None and unnamed.at_least else (
            ("statement_cache_size", 0), ("prepared_statement_cache_size", 0), ("prepared_statement_name_func", None))
        missing = [name for name, wanted in needed if not _satisfied(connection.get(name), wanted)]
        if not missing or not (connection.complete or any(connection.get(m) is not None for m in missing)):
            return
        why = f"missing {', '.join(f'`{m}`' for m in missing)}"
        if unnamed is not None:
            why += f"; {unnamed.pin} " + ("leaves them unnamed once it is 0" if unnamed.at_least else "names them")
        yield self._hit(connection, f"{connection.described} with `postgresql+asyncpg` prepares every statement "
                        f"under asyncpg's names ({why})", _breaks("__asyncpg_stmt_1__"),
                        _sqlalchemy_asyncpg_fix(connection.versions, unnamed), repair=_sqlalchemy_asyncpg_repair(connection, missing))

    def _hit(self, connection: Connection, subject: str, consequences, fix: str, anchor: object = None,
             repair: object = None) -> Hit:
        return Hit(self.code, subject, consequences, fix, confidence=connection.confidence,
                   anchor=anchor if anchor is not None else connection.anchor, repair=repair)


def _sqlalchemy_asyncpg_repair(connection: Connection, missing: list[str]) -> Keywords | None:
    """The missing settings, in `connect_args`; none where the project's SQLAlchemy has no
    `prepared_statement_name_func` to pass."""
    if "prepared_statement_name_func" in missing:
        sqlalchemy = connection.versions.since("SQLAlchemy", SQLALCHEMY_NAME_FUNC)
        if sqlalchemy is not None and not sqlalchemy.at_least:
            return None
    pairs = tuple(pair for pair in _UNIQUE_NAMES if pair[0] in missing)
    # A value someone wrote (a cache size of 100) is a choice the fix overrides.
    written = any(connection.get(m) is not None for m in missing)
    imports = (("uuid4", "from uuid import uuid4"),) if "prepared_statement_name_func" in missing else ()
    return Keywords(f"Set {', '.join(f'`{name}`' for name, _ in pairs)} in `connect_args`", not written, pairs,
                    "connect_args", imports)


def _sqlalchemy_asyncpg_fix(versions: LazyVersions, unnamed: Known | None) -> str:
    if unnamed is not None and unnamed.at_least:
        return (f"Pass `connect_args={{\"statement_cache_size\": 0}}`: {unnamed.pin} then prepares unnamed statements, "
                "or use `postgresql+psycopg` with `prepare_threshold=None`")
    sqlalchemy = versions.since("SQLAlchemy", SQLALCHEMY_NAME_FUNC)
    if sqlalchemy is None or sqlalchemy.at_least:
        return SQLALCHEMY_ASYNCPG_FIX
    psycopg = versions.since("SQLAlchemy", SQLALCHEMY_PSYCOPG)
    return (
        f"{sqlalchemy.pin} has no `prepared_statement_name_func` (SQLAlchemy 2.0.10+): upgrade asyncpg to 0.31+ and pass "
        "`connect_args={\"statement_cache_size\": 0}` (its statements are then unnamed), or upgrade SQLAlchemy"
        + (", or use `postgresql+psycopg` with `prepare_threshold=None`" if psycopg is not None and psycopg.at_least else "")
    )


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _prepares(threshold: int, verb_ending: str = "") -> str:
    """What psycopg does under `prepare_threshold=threshold`: it prepares a query once it has run
    that many times, so `0` (or less) prepares at the first execution, unlike JDBC's `prepareThreshold=0`."""
    if threshold <= 0:
        return f"prepare{verb_ending} every statement at its first execution"
    return f"prepare{verb_ending} a query after {threshold} execution{'s' if threshold != 1 else ''}"


def _satisfied(setting, wanted: object) -> bool:
    if setting is None:
        return False
    if not setting.known or wanted is None:  # any name function
        return True
    return setting.value in (wanted, str(wanted))
