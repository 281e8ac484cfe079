"""Settings that speak for themselves: a libpq option string under `options` and a `server_settings`
mapping are PIN201 findings at medium confidence whatever call receives them, look-alikes are not,
and a value a recognised connection holds is reported once, by that connection."""

from __future__ import annotations

import textwrap

import pytest

from pinlint.connections.model import UNKNOWN
from pinlint.connections.pg_settings import is_connection_setting, is_option_string, is_server_settings
from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source
from pinlint.python.first_pass import needs_full_analysis
from pinlint.settings import Settings
from pinlint.targets import Target

RDS_PROXY_OPTIONS = "rejects the connection on RDS Proxy (“RDS Proxy currently doesn't support command-line options”)"


def lint(source: str, targets=(Target.RDS_PROXY, Target.PGBOUNCER)):
    settings = Settings(targets=targets, min_confidence=Confidence.LOW)
    return lint_source(textwrap.dedent(source).encode(), "app.py", settings).findings


def summary(findings) -> list[tuple[int, int, str, str]]:
    return [(f.row, f.col, f.code, f.confidence.value) for f in findings]


def test_an_option_string_given_to_an_unknown_helper_is_reported_at_the_string():
    [finding] = lint("from tests.helpers import make_conn\n\nconn = make_conn(options='-c search_path=a')\n")
    assert summary([finding]) == [(3, 26, "PIN201", "medium")]
    assert finding.message == (
        "this option string sends `options=-c search_path=a` as a startup parameter: " + RDS_PROXY_OPTIONS +
        "; rejects the connection on PgBouncer (“unsupported startup parameter in options: search_path”)"
    )
    assert finding.fix.startswith("Set it for the role instead: `ALTER ROLE app SET search_path = 'a'`")


def test_a_server_settings_mapping_given_to_an_unknown_pool_is_reported():
    [finding] = lint("from app.db import some_pool\npool = some_pool(server_settings={'jit': 'off'})\n")
    assert summary([finding]) == [(2, 42, "PIN201", "medium")]
    assert finding.message == (
        "this mapping sends `server_settings` `jit` as startup parameters: "
        "rejects the connection on RDS Proxy (“RDS Proxy currently doesn't support the option jit”); "
        "rejects the connection on PgBouncer (“unsupported startup parameter: jit”)"
    )


def test_keys_and_keywords_anywhere_are_read_through_names_and_reported_where_the_value_is_written():
    findings = lint(
        """
        import pytest
        from helpers import connect_with, with_connection

        DEFAULTS = "--statement-timeout=5s"
        connect_with({"host": "db", "options": "-c statement_timeout=5s"})
        connect_with(dict(options=DEFAULTS))
        connect_with(options=DEFAULTS, retries=3)


        @pytest.fixture
        def postgresql_options():
            return {"options": "-c lock_timeout=1s -c app.tenant=acme"}


        @with_connection(server_settings={"search_path": "app", "myext.mode": "fast"})
        def job(conn):
            pass
        """
    )
    assert [(f.row, f.col, f.message.split(":")[0]) for f in findings] == [
        (5, 12, "this option string sends `options=-c statement_timeout=5s` as a startup parameter"),
        (6, 40, "this option string sends `options=-c statement_timeout=5s` as a startup parameter"),
        (13, 24, "this option string sends `options=-c lock_timeout=1s -c app.tenant=acme` as a startup parameter"),
        (16, 50, "this mapping sends `server_settings` `search_path`, `myext.mode` as startup parameters"),
    ]
    assert {f.confidence for f in findings} == {Confidence.MEDIUM}


def test_settings_every_pooler_accepts_stay_silent():
    source = "from helpers import make_conn\nmake_conn(options='-c TimeZone=UTC', server_settings={'application_name': 'web'})\n"
    assert lint(source, targets=(Target.PGBOUNCER,)) == []
    assert summary(lint(source)) == [(2, 19, "PIN201", "medium")]  # RDS Proxy refuses any `options`


@pytest.mark.parametrize(
    "source",
    [
        "run({'options': '-c pytest.ini'})",  # pytest's `-c <config file>`
        "run(options='-c')",
        "subprocess.run(['psql', '-c', 'statement_timeout=5s'])",  # a command line is a list
        "run(options=['-c', 'statement_timeout=5s'])",
        "launch(options='--headless=new --no-sandbox')",  # a browser's flags
        "launch(options='--window-size=800,600')",
        "run(options='-c search_path=a --verbose')",  # libpq `options` with a word it does not take
        "run(options='-c 1st=x')",
        "run(options={'statement_timeout': '5s'}, other={'options': 3})",
        "parser.add_argument('--options', default='-c')",
        "@click.option('--options', default='')\ndef cli(options): pass",
        "serve(server_settings={'motd': 'hello', 'jit': 'off'})",  # not every key is a setting
        "start_cluster(server_settings={'max_wal_senders': 10, 'wal_level': 'hot_standby'})",  # a server's
        "testcontainer(options='-c fsync=off -c shared_buffers=256MB')",
        "serve(server_settings=['jit'])",
        "serve(server_settings={})",
        "logger.info('connecting', extra={'options': '-c search_path=a'})",  # log calls are prose
        "OPTS = '-c search_path=a'\nOPTS = '-c search_path=b'\nrun(options=OPTS)",  # bound twice: not read
    ],
)
def test_look_alikes_stay_silent(source):
    assert lint(source) == []
    assert lint_source(source.encode(), "app.py", Settings(first_pass=False, min_confidence=Confidence.LOW)).findings == []


def test_a_value_a_recognised_connection_holds_is_reported_once_by_that_connection():
    findings = lint(
        """
        import asyncpg
        import psycopg
        from sqlalchemy import create_engine
        from helpers import make_conn, retrying

        CONNECT_ARGS = {"options": "-c statement_timeout=5s"}
        OPTIONS = "-c lock_timeout=1s"
        SERVER_SETTINGS = {"jit": "off"}
        engine = create_engine("postgresql+psycopg://db/app", connect_args=CONNECT_ARGS)
        conn = psycopg.connect("host=db", options=OPTIONS)
        retrying(make_conn, options=OPTIONS)


        async def main():
            return await asyncpg.create_pool("postgresql://db/app", server_settings=SERVER_SETTINGS)


        retrying(make_conn, server_settings=SERVER_SETTINGS)
        DB_OPTIONS = {"options": "-c search_path=app"}
        DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": DB_OPTIONS["options"]}}}
        """
    )
    assert [(f.row, f.col, f.confidence.value, f.message.split(" sends ")[0]) for f in findings if f.code == "PIN201"] == [
        (7, 28, "high", "`create_engine()`"),
        (9, 27, "high", "`asyncpg.create_pool()`"),
        (11, 43, "high", "`psycopg.connect()`"),
        (21, 92, "medium", "`DATABASES['default']` passes libpq `options`, a startup parameter: " + RDS_PROXY_OPTIONS),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "make_conn(options='-c search_path=a')",
        "DEFAULTS = {'options': '-c statement_timeout=5s'}",
        "OPTS = (\n    '--statement-timeout=5s '\n    '-c lock_timeout=1s'\n)\nconnect(options=OPTS)",
        "pool = some_pool(server_settings=SETTINGS)",
    ],
)
def test_the_first_pass_sends_settings_that_speak_for_themselves_on(source):
    assert needs_full_analysis(source, "app.py", "auto")


@pytest.mark.parametrize(
    "source",
    [
        "run({'options': '-c pytest.ini'})",
        "launch(options='--headless=new')",
        "subprocess.run(['psql', '-c', 'statement_timeout=5s'], options=None)",
        "OPTS = '-c statement_timeout=5s'  # no key or keyword names it",
    ],
)
def test_the_first_pass_clears_look_alikes(source):
    assert not needs_full_analysis(source, "app.py", "auto")


def test_settings_a_client_sends_are_postgresqls_and_custom_dotted_ones():
    assert all(map(is_connection_setting, ["statement_timeout", "TimeZone", "datestyle", "jit", "app.tenant", "myext.x$1"]))
    assert not any(map(is_connection_setting, ["headless", "motd", "window_size", "a.b.c", ".x", "1x.y"]))
    # The server's own configuration: PostgreSQL refuses it from a client.
    assert not any(map(is_connection_setting, ["port", "shared_buffers", "wal_level", "max_wal_senders", "fsync"]))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-c statement_timeout=5s", True),
        ("  -csearch_path=a,b\t-c lock_timeout=1s", True),
        ("-c anything_named_like_a_setting=1", True),  # `-c` is libpq's own spelling
        ("-c search_path=", True),
        ("--work-mem=4MB --app.tenant=acme", True),
        ("--headless=new", False),  # `--name=value` counts only for PostgreSQL's settings
        ("-c pytest.ini", False),  # no value: PostgreSQL refuses it, pytest reads a file
        ("-c a.b.c=1", False),
        ("-c search_path=a -e", False),
        ("-c shared_buffers=1GB -c fsync=off", False),  # a server's command line
        ("--port=5432", False),
        ("search_path=a", False),
        ("", False),
        (["-c", "x=y"], False),
    ],
)
def test_option_strings_are_settings_only(text, expected):
    assert is_option_string(text) is expected


def test_server_settings_are_mappings_of_setting_names_to_strings():
    assert is_server_settings({"jit": "off", "app.tenant": "acme", "application_name": UNKNOWN})
    assert not is_server_settings({"jit": "off", "debug": "1"})
    assert not is_server_settings({"jit": False})  # asyncpg takes strings only
    assert not is_server_settings({"wal_level": "hot_standby"})  # a test cluster's configuration
    assert not is_server_settings({})
    assert not is_server_settings("jit=off")


def test_an_option_string_assigned_to_an_options_key_of_any_dict():
    """Flask-SQLAlchemy's `apply_driver_hacks(self, app, info, options)` override fills the engine
    options it is handed: no call in the module receives them."""
    assert summary(lint("""\
        from flask_sqlalchemy import SQLAlchemy as _SQLAlchemy

        class SQLAlchemy(_SQLAlchemy):
            def apply_driver_hacks(self, app, info, options):
                super().apply_driver_hacks(app, info, options)
                options['connect_args']['options'] = '-c statement_timeout={}'.format(app.config['TIMEOUT'])
                options['connect_args']['application_name'] = 'api'
                options['options'] = '--headless=new'
        """)) == [(6, 46, "PIN201", "medium")]
