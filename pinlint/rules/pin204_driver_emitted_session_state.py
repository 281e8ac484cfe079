"""PIN204 driver-emitted-session-state: the library sends a session `SET` the code never wrote."""

from __future__ import annotations

from typing import Iterator

from pinlint.connections.model import (
    ASYNCPG, DJANGO, MYSQL_DRIVERS, PG8000, PSYCOPG, SQLALCHEMY, TENANT_BACKENDS, Connection,
)
from pinlint.diagnostics import Confidence, Hit
from pinlint.drivers.api import NEW_CONNECTION, ApiCall
from pinlint.project_versions import Known
from pinlint.rules.base import DriverRule, PythonCase, SqlContext
from pinlint.sql.lexer import MYSQL, lex, statements
from pinlint.targets import Consequence, Target, leaks, on_pgbouncers, pins

from pinlint.rules.pin101_session_set import SessionSet
from pinlint.rules.pin104_role_switch import RoleSwitch
from pinlint.rules.pin105_session_characteristics import SessionCharacteristics
from pinlint.rules.pin115_user_variable import UserVariable

_INIT_COMMAND_RULES = (SessionSet(), RoleSwitch(), SessionCharacteristics(), UserVariable())
_JIT = {Target.RDS_PROXY: pins(), **on_pgbouncers(leaks("can leak `jit = off` to the next client",
                                                          "the toggle and its restore may land on different backends"))}
JIT_FIX = (
    "Register a codec on connect for each enum the queries use (`await conn.set_type_codec('mood', encoder=str, "
    "decoder=str, schema='public')` looks the type up without the toggle), or on connect "
    "`conn._server_caps = conn._server_caps._replace(jit=False)` (a private attribute: pin the asyncpg version)"
)
ASYNCPG_JIT_TOGGLE = (0, 29)  # `_introspect_types()` turns jit off and back on (asyncpg #1082)
DJANGO_PSYCOPG3 = (4, 2)  # Django runs on psycopg 3 when it is installed, else on psycopg2


def _assumed(known: Known | None) -> str:
    return "" if known is None else f" ({known.pin})"


def _django_on_psycopg2(connection: Connection) -> str | bool | None:
    """Why Django runs this project on psycopg2 (False: it runs on psycopg 3; None: not known).
    Django 4.2+ imports psycopg 3 when it is installed."""
    django = connection.versions.since("Django", DJANGO_PSYCOPG3)
    if django is not None and not django.at_least:
        return f"{django.pin} runs on psycopg2 only"
    installed = connection.versions.installed("psycopg")
    if installed is False:
        return f"{connection.versions.lock} installs no psycopg 3"
    return False if installed and django is not None else None


def _characteristics(setting: str) -> dict[Target, Consequence]:
    return {Target.RDS_PROXY: pins(), **on_pgbouncers(leaks(f"leaks `{setting}` to the next client"))}


class DriverEmittedSessionState(DriverRule):
    code = "PIN204"
    name = "driver-emitted-session-state"
    summary = "A driver or framework sends session state on its own"

    VALID = [
        PythonCase("import psycopg2\nconn = psycopg2.connect(dsn)\nconn.set_session(isolation_level='SERIALIZABLE')"),
        PythonCase("import mysql.connector\ncnx = mysql.connector.connect(user='app')\ncnx.start_transaction()"),
        PythonCase("import pymysql\npymysql.connect(host='db', init_command=\"SET sql_mode='STRICT_ALL_TABLES'\")"),
        PythonCase("from sqlalchemy import create_engine\n"
                   "create_engine('postgresql+psycopg://app@db/app', isolation_level='SERIALIZABLE')"),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql', 'OPTIONS': {'isolation_level': 'read committed'}}}"),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'app'}}\n"
                   "DATABASE_ROUTERS = ['django_pgschemas.routers.TenantAppsRouter']"),
    ]
    INVALID = [
        PythonCase("import asyncpg\nasync def init(conn: asyncpg.Connection):\n"
                   "    await conn.set_type_codec('pair', encoder=str, decoder=str, schema='public', format='tuple')"),
        PythonCase("import psycopg2\nconn = psycopg2.connect(dsn)\nconn.autocommit = True\n"
                   "conn.set_session(readonly=True)"),
        PythonCase("import mysql.connector\ncnx = mysql.connector.connect(user='app')\n"
                   "cnx.start_transaction(isolation_level='SERIALIZABLE')"),
        PythonCase("import pymysql\npymysql.connect(host='db', init_command='SET @tenant = 7')"),
        PythonCase("from sqlalchemy import create_engine\n"
                   "create_engine('postgresql+pg8000://app@db/app', isolation_level='SERIALIZABLE')"),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'OPTIONS': {'assume_role': 'reporting'}}}"),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django_tenants.postgresql_backend', 'NAME': 'app'}}"),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django_pgschemas.postgresql', 'NAME': 'app'}}"),
    ]

    def check_call(self, call: ApiCall) -> Iterator[Hit]:
        if call.api == "asyncpg.Connection.set_type_codec" and call.value("format") == "tuple":
            # A composite's codec introspects its fields. A scalar codec only looks the type up by
            # name or oid, which needs no introspection (seen live on asyncpg 0.29, 0.30 and 0.32).
            toggles = call.versions.since("asyncpg", ASYNCPG_JIT_TOGGLE)
            if toggles is None or toggles.at_least:
                yield Hit(
                    self.code,
                    f"{call.described} makes asyncpg introspect the composite type, which toggles jit with "
                    f"`set_config('jit', 'off', false)`{_assumed(toggles)}",
                    _JIT, JIT_FIX, confidence=call.confidence, anchor=call.anchor,
                )
        elif call.api == "psycopg2.connection.set_session":
            given = {k: s.value for k, s in call.keywords.items()}
            for name, value in zip(("isolation_level", "readonly", "deferrable", "autocommit"), (s.value for s in call.positional)):
                given.setdefault(name, value)
            characteristics = [k for k in ("isolation_level", "readonly", "deferrable") if given.get(k) is not None]
            if characteristics and (given.get("autocommit") is True or call.facts.get("autocommit")):
                setting = {"isolation_level": "default_transaction_isolation", "readonly": "default_transaction_read_only",
                           "deferrable": "default_transaction_deferrable"}[characteristics[0]]
                yield Hit(
                    self.code,
                    f"{call.described} on an autocommit connection runs `SET {setting}`",
                    _characteristics(setting),
                    "Keep autocommit off for transactions that need these characteristics (psycopg2 then puts them in "
                    "`BEGIN ...`), or use psycopg 3, which always does",
                    confidence=call.confidence, anchor=call.anchor,
                )
        elif call.api == "mysql.connector.Connection.start_transaction":
            named = [k for k in ("isolation_level", "readonly") if call.value(k) not in (None, False)]
            if named:
                yield Hit(
                    self.code,
                    f"{call.described} with `{named[0]}=` sends `SET TRANSACTION ...` before `START TRANSACTION`",
                    {Target.RDS_PROXY: pins()},
                    "Set the level once for the session with `SET SESSION TRANSACTION ISOLATION LEVEL ...` (RDS Proxy "
                    "tracks transaction_isolation), or `START TRANSACTION READ ONLY` for read-only transactions",
                    confidence=call.confidence, anchor=call.anchor,
                )

    def check_connection(self, connection: Connection) -> Iterator[Hit]:
        if connection.framework == SQLALCHEMY:
            yield from self._sqlalchemy(connection)
        elif connection.framework == DJANGO:
            yield from self._django(connection)
        if connection.driver in MYSQL_DRIVERS or (connection.framework == DJANGO and connection.driver != PSYCOPG):
            yield from self._init_command(connection)

    def _sqlalchemy(self, connection: Connection) -> Iterator[Hit]:
        isolation = connection.options.get("isolation_level")
        if connection.driver == PG8000 and isolation is not None:
            yield Hit(
                self.code,
                f"{connection.described} with `isolation_level=` on pg8000 runs "
                "`SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ...`",
                _characteristics("default_transaction_isolation"),
                "Use the psycopg (`postgresql+psycopg`) or asyncpg dialect, which put the level in each `BEGIN`",
                confidence=connection.confidence, anchor=isolation.anchor,
            )
        elif connection.driver == ASYNCPG:
            toggles = connection.versions.since("asyncpg", ASYNCPG_JIT_TOGGLE)
            if toggles is not None and not toggles.at_least:
                return  # no toggle before 0.29
            yield Hit(
                self.code,
                f"{connection.described} with `postgresql+asyncpg` lets asyncpg introspect, on each new connection, the "
                "first type a query uses that it has no codec for (an enum, a domain, a composite, an array such as "
                f"`bigint[]`), which toggles jit with `set_config('jit', 'off', false)`{_assumed(toggles)}",
                _JIT, JIT_FIX, confidence=Confidence.MEDIUM, when=NEW_CONNECTION.when, anchor=connection.anchor,
            )

    def _django(self, connection: Connection) -> Iterator[Hit]:
        role = connection.get("assume_role")
        if role is not None and role.value:
            yield Hit(
                self.code,
                f"{connection.described} `assume_role` makes Django run `SET ROLE`",
                {Target.RDS_PROXY: pins(), **on_pgbouncers(leaks("leaks the role's privileges to other clients"))},
                "Log in as that role (its own USER/PASSWORD) instead of `assume_role`",
                confidence=connection.confidence, when=NEW_CONNECTION.when, anchor=role.anchor,
            )
        isolation = connection.get("isolation_level")
        psycopg2 = _django_on_psycopg2(connection) if connection.driver == PSYCOPG and isolation is not None else False
        if psycopg2 is not False:
            yield Hit(
                self.code,
                f"{connection.described} `isolation_level` makes psycopg2 run `SET default_transaction_isolation` "
                f"on autocommit connections{f' ({psycopg2})' if psycopg2 else ''}",
                _characteristics("default_transaction_isolation"),
                "Use psycopg 3 (Django then puts the level in each `BEGIN`), or `SET TRANSACTION` inside `atomic()`",
                confidence=Confidence.HIGH if psycopg2 else Confidence.MEDIUM, when=NEW_CONNECTION.when,
                anchor=isolation.anchor,
            )
        engine = connection.options.get("ENGINE")
        if engine is not None and isinstance(engine.value, str) and engine.value in TENANT_BACKENDS:
            yield Hit(
                self.code,
                f"{connection.described} uses `{engine.value}`, which runs a session `SET search_path` for the tenant "
                "when it opens a cursor",
                {Target.RDS_PROXY: pins(), **on_pgbouncers(leaks("leaks one tenant's search_path to other clients"))},
                "Run tenants behind a session-mode pool or direct connections, or schema-qualify queries instead of "
                "switching search_path",
                confidence=connection.confidence, anchor=engine.anchor,
            )

    def _init_command(self, connection: Connection) -> Iterator[Hit]:
        command = connection.get("init_command")
        if command is None or not isinstance(command.value, str):
            return
        ctx = SqlContext(MYSQL)
        inner = [h for stmt in statements(lex(command.value, MYSQL)) for rule in _INIT_COMMAND_RULES for h in rule.check(stmt, ctx)]
        for hit in inner:
            yield Hit(
                self.code,
                f"{connection.described} `init_command` runs {hit.subject}",
                hit.consequences,
                "Move it to RDS Proxy's initialization query or the parameter group; keep `init_command` to "
                "variables RDS Proxy tracks (sql_mode, time_zone, autocommit, character set)",
                confidence=connection.confidence, when=NEW_CONNECTION.when, anchor=command.anchor,
            )
