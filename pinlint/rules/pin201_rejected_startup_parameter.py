"""PIN201 rejected-startup-parameter: server settings sent in the startup packet are refused."""

from __future__ import annotations

from typing import Iterator

from pinlint.connections.dsn import startup_options
from pinlint.connections.model import ASYNCPG, Composed, Connection, Setting, entries
from pinlint.diagnostics import Confidence, Hit, lowest
from pinlint.rules.base import DriverRule, PythonCase
from pinlint.targets import (
    PGBOUNCER_LEGACY_TRACKED, PGBOUNCER_TRACKED, PGBOUNCER_TRACKING_TRACKED, Consequence, Target, rejects,
)

# The startup parameters RDS Proxy accepts (besides user and database).
RDS_PROXY_STARTUP = frozenset({"application_name", "client_encoding", "datestyle", "timezone", "extra_float_digits", "search_path"})
# PgBouncer accepts the parameters it tracks; any other is refused unless `ignore_startup_parameters`
# lists it (then it is silently dropped). application_name was always accepted at startup.
PGBOUNCER_STARTUP = PGBOUNCER_TRACKED
PGBOUNCER_LEGACY_STARTUP = PGBOUNCER_LEGACY_TRACKED | {"application_name"}
PGBOUNCER_TRACKING_STARTUP = PGBOUNCER_TRACKING_TRACKED
# PgDog tracks what `options` and startup parameters set and re-applies it per client; Supavisor
# documents nothing about them, so neither is reported.

_RDS_OPTIONS = rejects("rejects the connection", "“RDS Proxy currently doesn't support command-line options”")


class RejectedStartupParameter(DriverRule):
    code = "PIN201"
    name = "rejected-startup-parameter"
    summary = "Server settings passed as startup parameters are refused by the pooler"

    VALID = [
        PythonCase("import asyncpg\nasyncpg.connect(dsn, server_settings={'application_name': 'worker'})"),
        PythonCase("import psycopg\npsycopg.connect('host=db dbname=app application_name=web')"),
        PythonCase("import psycopg\npsycopg.connect(dsn, options='-c TimeZone=UTC')", targets=[Target.PGBOUNCER]),
        PythonCase("DATABASE_URL = 'postgresql://app@db/app?application_name=web'"),
        PythonCase("DATABASE_URL=postgresql://app@db/app?sslmode=require\n", filename=".env"),
        # Look-alikes of settings handed to unknown calls: pytest's config file, command lines,
        # a browser's flags, `options` that are no string, keys that are no server settings.
        PythonCase("from helpers import run\nrun({'options': '-c pytest.ini'})"),
        PythonCase("import subprocess\nsubprocess.run(['psql', '-c', 'statement_timeout=5s'], check=True)"),
        PythonCase("from helpers import launch\nbrowser = launch(options='--headless=new --no-sandbox')"),
        PythonCase("from helpers import run\nrun(options=['-c', 'statement_timeout=5s'], flags={'options': 3})"),
        PythonCase("import argparse\nargparse.ArgumentParser().add_argument('--options', default='')"),
        PythonCase("from helpers import serve\nserve(server_settings={'motd': 'hello', 'port': '8080'})"),
        PythonCase("from helpers import some_pool\npool = some_pool(server_settings={'application_name': 'worker'})"),
    ]
    INVALID = [
        PythonCase("import psycopg\npsycopg.connect(dsn, options='-c statement_timeout=5s')"),
        PythonCase("import asyncpg\nasyncpg.create_pool(dsn, server_settings={'jit': 'off'})"),
        PythonCase("import asyncpg\nasyncpg.connect(dsn, server_settings={'search_path': 'a'})", targets=[Target.PGBOUNCER]),
        PythonCase("from sqlalchemy import create_engine\ncreate_engine(url, connect_args={'options': '-csearch_path=a'})"),
        PythonCase("DATABASE_URL = 'postgresql://app@db/app?options=-c%20statement_timeout%3D5s'"),
        PythonCase("import os\nos.environ['PGOPTIONS'] = '-c lock_timeout=3s'"),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'OPTIONS': {'options': '-c search_path=app'}}}"),
        PythonCase("PGOPTIONS='-c statement_timeout=5s'\n", filename=".env"),
        PythonCase("url = 'jdbc:postgresql://db/app?options=-c%20statement_timeout=5s'"),
        # Settings that speak for themselves, whatever call receives them.
        PythonCase("from helpers import make_conn\nconn = make_conn(options='-c search_path=a')"),
        PythonCase("from helpers import connect_with\nconnect_with({'options': '-c statement_timeout=5s'})"),
        PythonCase("from helpers import some_pool\npool = some_pool(server_settings={'jit': 'off'})"),
        PythonCase(
            "import pytest\n\n\n@pytest.fixture\ndef postgresql_options():\n"
            "    return {'options': '--statement-timeout=5s'}"
        ),
    ]

    def check_connection(self, connection: Connection) -> Iterator[Hit]:
        options = connection.get("options")
        if options is not None and (connection.is_postgres or connection.driver == ""):
            yield from self._options(options, connection)
        settings = connection.get("server_settings")
        if settings is not None and connection.driver in (ASYNCPG, ""):
            yield from self._server_settings(settings, connection)

    def _options(self, options: Setting, connection: Connection) -> Iterator[Hit]:
        if not options.known:
            yield Hit(
                self.code, f"{connection.described} passes libpq `options`, a startup parameter",
                {Target.RDS_PROXY: _RDS_OPTIONS}, _fix("statement_timeout", "5s"),
                confidence=Confidence.MEDIUM, anchor=options.anchor,
            )
            return
        if not isinstance(options.value, str) or not options.value.strip():
            return
        parsed = startup_options(options.value)
        names = [name for name, _ in parsed.settings]
        consequences: dict[Target, Consequence] = {Target.RDS_PROXY: _RDS_OPTIONS}
        untracked = [n for n in names if n.lower() not in PGBOUNCER_STARTUP] or list(parsed.other)
        if untracked:
            consequences[Target.PGBOUNCER] = rejects(
                "rejects the connection", f"“unsupported startup parameter in options: {untracked[0]}”"
            )
        untracked = [n for n in names if n.lower() not in PGBOUNCER_TRACKING_STARTUP] or list(parsed.other)
        if untracked:
            consequences[Target.PGBOUNCER_TRACKING] = rejects(
                "rejects the connection", f"“unsupported startup parameter in options: {untracked[0]}”"
            )
        legacy_untracked = [n for n in names if n.lower() not in PGBOUNCER_LEGACY_STARTUP] or list(parsed.other)
        consequences[Target.PGBOUNCER_LEGACY] = rejects(
            "rejects the connection",
            f"“unsupported startup parameter in options: {legacy_untracked[0]}”" if legacy_untracked
            else "“unsupported startup parameter: options” before PgBouncer 1.20",
        )
        shown = (" ".join(f"-c {n}={v}" for n, v in parsed.settings) or options.value.strip()).replace(Composed.HOLE, "…")
        name, value = parsed.settings[0] if parsed.settings else ("statement_timeout", "5s")
        value = value.replace(Composed.HOLE, "...")
        yield Hit(
            self.code, f"{connection.described} sends `options={shown}` as a startup parameter",
            consequences, _fix(name, value), confidence=lowest(connection.confidence, options.confidence),
            anchor=options.anchor,
        )

    def _server_settings(self, settings: Setting, connection: Connection) -> Iterator[Hit]:
        if not isinstance(settings.value, dict):
            return
        keys = list(settings.value)
        consequences: dict[Target, Consequence] = {}
        for target, accepted, what in (
            (Target.RDS_PROXY, RDS_PROXY_STARTUP, "“RDS Proxy currently doesn't support the option {}”"),
            (Target.PGBOUNCER, PGBOUNCER_STARTUP, "“unsupported startup parameter: {}”"),
            (Target.PGBOUNCER_LEGACY, PGBOUNCER_LEGACY_STARTUP, "“unsupported startup parameter: {}”"),
            (Target.PGBOUNCER_TRACKING, PGBOUNCER_TRACKING_STARTUP, "“unsupported startup parameter: {}”"),
        ):
            refused = [k for k in keys if k.lower() not in accepted]
            if refused:
                consequences[target] = rejects("rejects the connection", what.format(refused[0]))
        if not consequences:
            return
        refused_anywhere = [k for k in keys if k.lower() not in RDS_PROXY_STARTUP & PGBOUNCER_STARTUP]
        first = entries(settings)[refused_anywhere[0]]  # type: ignore[index]
        yield Hit(
            self.code,
            f"{connection.described} sends `server_settings` {', '.join(f'`{k}`' for k in refused_anywhere)} "
            "as startup parameters",
            consequences, _fix(refused_anywhere[0], first.value if isinstance(first.value, str) else "..."),
            confidence=lowest(connection.confidence, first.confidence), anchor=first.anchor,
        )


def _fix(name: str, value: str) -> str:
    return (
        f"Set it for the role instead: `ALTER ROLE app SET {name} = '{value}'` (or `ALTER DATABASE`, "
        "or RDS Proxy's initialization query), and keep startup parameters to application_name, "
        "client_encoding, DateStyle and TimeZone"
    )
