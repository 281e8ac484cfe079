"""Fuzzing: whatever bytes it is given, `lint_source` never raises and places every finding
inside the file (random Python, Python that passes random SQL to drivers, SQL, config files)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from conftest import budget
from pinlint.diagnostics import Confidence
from pinlint.engine import Report, lint_source
from pinlint.settings import DIALECT_CHOICES, Settings

# Even without an example database, Hypothesis caches Unicode tables and the constants of local
# modules in ./.hypothesis (its pytest plugin does so while collecting); keep them out of the checkout.
HYPOTHESIS_HOME = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") or Path(tempfile.gettempdir(), "pinlint-hypothesis")
set_hypothesis_home_dir(HYPOTHESIS_HOME)

REPORT_ALL = Settings(min_confidence=Confidence.LOW)
EACH_DIALECT = st.sampled_from([replace(REPORT_ALL, dialect=dialect) for dialect in DIALECT_CHOICES])


def fuzz(max_examples: int):
    return hypothesis_settings(
        max_examples=budget(max_examples),
        deadline=None,
        database=None,
        derandomize=True,  # the same examples on every run, so CI cannot flake
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


SQL_WORDS = (
    "SET", "RESET", "LOCAL", "SESSION", "PREPARE", "EXECUTE", "DEALLOCATE", "DISCARD", "ALL",
    "CREATE", "TEMP", "TABLE", "FUNCTION", "DO", "$$", "LISTEN", "DECLARE", "CURSOR", "WITH", "HOLD",
    "LOAD", "LOCK", "TABLES", "set_config", "pg_advisory_lock", "nextval", "currval", "GET_LOCK",
    "FOUND_ROWS", "SQL_CALC_FOUND_ROWS", "@var", ":=", "/*!", "*/", "--", "#", "'", '"', "`", "E'\\",
    "$tag$", ";", "(", ")", "=", "TO", "DEFAULT",
    # Further paths: roles, transactions, routines, MySQL's DELIMITER, placeholders, suppressions.
    "search_path", "ROLE", "TRANSACTION", "ISOLATION", "LEVEL", "BEGIN", "END", "PROCEDURE",
    "DELIMITER", "//", "$1", "%s", "%(name)s", "?", ":name", "{}", "\\", "SELECT", "FROM",
    "pinlint: ignore[PIN101]", "pinlint: file-ignore[PIN]", "noqa: PIN110",
)
# A statement for each SQL rule, so random words also land inside, between and after real hazards.
HAZARDS = (
    "SET search_path TO tenant_a, public", "SET LOCAL statement_timeout = '5s'", "SET ROLE admin", "RESET ALL",
    "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", "ALTER ROLE app SET search_path = a",
    "SELECT set_config('app.tenant', 'acme', false)", "PREPARE p AS SELECT 1", "EXECUTE p", "DEALLOCATE ALL",
    "DISCARD ALL", "CREATE TEMP TABLE t (id int)", "SELECT pg_advisory_lock(42)", "LISTEN jobs",
    "DECLARE c CURSOR WITH HOLD FOR SELECT 1", "LOAD 'auto_explain'", "SELECT nextval('s'), currval('s')",
    "LOCK TABLES t WRITE", "SET @tenant := 'acme'", "/*!40101 SET NAMES utf8mb4 */", "SELECT GET_LOCK('a', 1)",
    "SELECT SQL_CALC_FOUND_ROWS id FROM t LIMIT 10", "SELECT FOUND_ROWS()", "SELECT '" + "x" * 16384 + "'",
    "DO $$ BEGIN PERFORM set_config('search_path', 'a', false); END $$",
    "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$ BEGIN SET search_path = a; END $body$",
    "DELIMITER //\nCREATE PROCEDURE p() BEGIN SET @x = 1; END //\nDELIMITER ;",
    "SELECT E'\\'' || $tag$ ; $tag$ -- pinlint: ignore[PIN101]",
)
OPTION_WORDS = (
    "-c", "--", "search_path=", "statement_timeout=0", "role=admin", "-c search_path=a,b", "\\ ",
    "'", '"', "%20", "=", "options=", "-c default_transaction_read_only=on", "TimeZone=UTC",
)


def joined(*choices: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Known pieces and random text, run together or apart by spaces, line breaks and semicolons."""
    piece = st.one_of(*map(st.sampled_from, choices), st.text(max_size=8))
    separator = st.sampled_from(["", " ", "  ", "\n", "\t", ";\n", "\r\n"])
    return st.lists(st.tuples(piece, separator), max_size=20).map(lambda parts: "".join(p + s for p, s in parts))


def sql_text() -> st.SearchStrategy[str]:
    return joined(HAZARDS, SQL_WORDS)


def startup_options() -> st.SearchStrategy[str]:
    return st.one_of(joined(OPTION_WORDS), st.text(max_size=20))


def connection_strings() -> st.SearchStrategy[str]:
    scheme = st.sampled_from(["postgresql", "postgres", "postgresql+psycopg", "mysql+pymysql", "redis", ""])
    host = st.sampled_from(["u:p@pgbouncer:6432/app", "h/db", "", "[::1]:5432", "%2Fvar%2Frun"])
    key = st.sampled_from(["options", "prepare_threshold", "sslmode", ""])
    query = st.lists(st.tuples(key, startup_options()), max_size=3)
    url = st.builds(lambda s, h, q: f"{s}://{h}?" + "&".join(f"{k}={v}" for k, v in q), scheme, host, query)
    conninfo = startup_options().map(lambda options: f"host=h dbname=app options='{options}'")
    return st.one_of(url, conninfo, st.text(max_size=30))


def f_string(sql: str) -> str:
    """An f-string literal whose constant part is ``sql`` and which interpolates ``x``."""
    return "f" + repr(sql.replace("{", "{{").replace("}", "}}") + "{x}")


PYTHON_TEMPLATES = (
    "import asyncpg\nasync def f(conn):\n    await conn.execute({sql!r})\n",
    "def f(cur, x):\n    cur.execute({fsql})\n",
    "def f(cur, x):\n    cur.execute({sql!r} % x)\n    cur.execute({sql!r}.format(x) + {sql!r})\n",
    # Not escaped on purpose: the SQL may end the string early or break the file; still no crash.
    'def f(cur):\n    cur.execute("""{sql}""")\n',
    "from sqlalchemy import text\nq = text({sql!r})\n",
    "import psycopg\nconn = psycopg.connect({dsn!r}, options={opt!r})\nconn.execute({sql!r}, [x])\n",
    "import psycopg\nwith psycopg.connect({dsn!r}) as conn:\n    with conn.cursor(name='c') as cur:\n"
    "        cur.execute({sql!r})  # pinlint: ignore[PIN111]\n",
    "DATABASES = {{'default': {{'ENGINE': 'django.db.backends.postgresql', 'OPTIONS': {{'options': {opt!r}}}}}}}\n",
    "DATABASES = {{'default': {{'ENGINE': 'django_tenants.postgresql_backend',"
    " 'OPTIONS': {{'assume_role': {opt!r}}}}}}}\n",
    "import asyncpg\npool = asyncpg.create_pool({dsn!r}, server_settings={{'search_path': {opt!r}}},"
    " init=lambda c: c.set_type_codec('hstore', encoder=str, decoder=str))\n",
    "from sqlalchemy import create_engine, event\n"
    "engine = create_engine({dsn!r}, connect_args={{'options': {opt!r}}})\n"
    "@event.listens_for(engine, 'connect')\ndef on_connect(dbapi_connection, record):\n"
    "    dbapi_connection.cursor().execute({sql!r})\n",
    "import pymysql\nconn = pymysql.connect(host='h', init_command={sql!r})\nconn.cursor().execute({sql!r})\n",
    "import mysql.connector\ncnx = mysql.connector.connect(host='h')\n"
    "cnx.cursor(prepared=True).execute({sql!r}, (1,))\n",
    "from sqlalchemy.ext.asyncio import create_async_engine\nengine = create_async_engine({dsn!r})\n",
    "import psycopg2\nconn = psycopg2.connect({dsn!r})\nconn.set_session(isolation_level={opt!r})\n",
)


@st.composite
def python_with_sql(draw) -> str:
    template = draw(st.sampled_from(PYTHON_TEMPLATES))
    sql = draw(sql_text())
    dsn, opt = draw(connection_strings()), draw(startup_options())
    return template.format(sql=sql, fsql=f_string(sql), dsn=dsn, opt=opt)


CONFIG_LINES = (
    "PGOPTIONS={opt}", "DATABASE_URL={dsn}", 'export DATABASE_URL="{dsn}"', "[database]", "url = {dsn}",
    "options = '{opt}'", "database:\n  url: {dsn}\n  options: \"{opt}\"", "- {dsn}", '[tool.app]\nurl = "{dsn}"',
    "db.url={dsn}", "  ", "# pinlint: ignore[PIN201]",
)


@st.composite
def config_line(draw) -> str:
    return draw(st.sampled_from(CONFIG_LINES)).format(dsn=draw(connection_strings()), opt=draw(startup_options()))


def config_text() -> st.SearchStrategy[str]:
    return st.lists(st.one_of(config_line(), st.text(max_size=20)), max_size=8).map("\n".join)


def python_programs() -> st.SearchStrategy[str]:
    hypothesmith = pytest.importorskip("hypothesmith")
    return st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())


def assert_placed_in(report: Report, text: str) -> None:
    # splitlines() breaks at every line separator Python or SQL knows, so it never undercounts;
    # a finding may sit just past the last line (an unexpected end of file).
    last_row = len(text.splitlines()) + 1
    for finding in report.findings:
        assert finding.code.startswith("PIN"), finding
        assert 1 <= finding.row <= last_row, finding
        assert finding.col >= 1, finding


def lint(text: str, display: str, lint_settings: Settings) -> None:
    assert_placed_in(lint_source(text.encode(), display, lint_settings), text)


# Deferred: hypothesmith's strategies take seconds to build, so they are built once, and only this
# test is skipped without hypothesmith. Its filter compiles each program: the warnings are noise.
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@fuzz(max_examples=50)
@given(code=st.deferred(python_programs), lint_settings=EACH_DIALECT)
def test_random_python(code, lint_settings):
    lint(code, "fuzz.py", lint_settings)


@fuzz(max_examples=300)
@given(code=python_with_sql(), lint_settings=EACH_DIALECT)
def test_python_passing_random_sql(code, lint_settings):
    lint(code, "fuzz.py", lint_settings)


@fuzz(max_examples=500)
@given(sql=st.one_of(sql_text(), st.text()), lint_settings=EACH_DIALECT)
def test_random_sql(sql, lint_settings):
    lint(sql, "fuzz.sql", lint_settings)


@fuzz(max_examples=200)
@given(data=st.binary(), display=st.sampled_from(["fuzz.sql", "fuzz.py", ".env"]), lint_settings=EACH_DIALECT)
def test_random_bytes(data, display, lint_settings):
    report = lint_source(data, display, lint_settings)
    assert_placed_in(report, data.decode("utf-8", "replace"))


@fuzz(max_examples=200)
@given(text=config_text(), display=st.sampled_from([".env", "app.yaml", "app.ini", "pyproject.toml", "app.properties"]))
def test_random_config(text, display):
    lint(text, display, REPORT_ALL)
