"""Where SQL is sent: ORM and toolkit methods, the drivers' low-level query(), project helpers (in
the module and across modules); a name's expected SQL is what its value is made of; and in test
modules, what is data about SQL is not SQL."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pinlint.cache import Cache
from pinlint.diagnostics import Confidence
from pinlint.engine import lint_paths, lint_source
from pinlint.python.first_pass import needs_full_analysis
from pinlint.settings import Settings


def lint(code: str, filename: str = "app.py", **settings) -> list[tuple]:
    settings.setdefault("min_confidence", Confidence.LOW)
    report = lint_source(textwrap.dedent(code).encode(), filename, Settings(**settings))
    return [(f.row, f.col, f.code, f.confidence.value) for f in report.findings]


# -- execution methods of ORMs, toolkits and drivers ---------------------------------------


@pytest.mark.parametrize(
    "imports, call, code",
    [
        ("import peewee", 'db.execute_sql("set search_path to a")', "PIN101"),
        ("from tortoise import connections", 'conn.execute_query("set role admin")', "PIN104"),
        ("from tortoise import connections", 'conn.execute_query_dict("select pg_advisory_lock(1)")', "PIN109"),
        ("from tortoise import connections", 'conn.execute_script("listen jobs")', "PIN110"),
        ("from tortoise import connections", 'conn.execute_insert("discard all", [])', "PIN107"),
        ("import databases", 'database.fetch_all("set role admin")', "PIN104"),
        ("import databases", 'database.fetch_one(query="listen jobs")', "PIN110"),
        ("import databases", 'database.fetch_val("select lastval()")', "PIN113"),
        ("import databases", 'database.execute_many("set role admin", [])', "PIN104"),
        ("import piccolo", 'engine.run_ddl("create temp table t (a int)")', "PIN108"),
        ("from piccolo.querystring import QueryString", 'QueryString("listen {}", channel)', "PIN110"),
        ("import psycopg", 'conn.pgconn.exec_(b"set search_path to a")', "PIN101"),
        ("import psycopg", 'conn.pgconn.send_query(b"listen jobs")', "PIN110"),
        ("import psycopg", 'conn.pgconn.exec_params(b"set role admin", [])', "PIN104"),
        ("import mysql.connector", 'conn.cmd_query("lock tables t write")', "PIN114"),
    ],
)
def test_orm_toolkit_and_driver_methods_send_their_literal_as_high_confidence_sql(imports, call, code):
    """In lower case, the same strings reaching no known call would only be low confidence."""
    column = call.index('"') + 1  # the opening quote, after a `b` prefix
    assert lint(f"{imports}\n{call}\n") == [(2, column, code, "high")]


def test_a_constant_sent_by_an_orm_method_is_medium_confidence_at_the_constant():
    code = '''
    import peewee
    TENANT = "set search_path to tenant_a"
    db.execute_sql(TENANT)
    '''
    assert lint(code) == [(3, 10, "PIN101", "medium")]


@pytest.mark.parametrize(
    "code, expected",
    [
        # The receiver is made by the library: high.
        ('import pymysql\nconn = pymysql.connect()\nconn.query("set @x = 1")\n', [(3, 12, "PIN115", "high")]),
        ('import MySQLdb\nwith MySQLdb.connect() as conn:\n    conn.query("set @x = 1")\n', [(3, 16, "PIN115", "high")]),
        ('import pg8000.native\nconn = pg8000.native.Connection("u")\nconn.run("set role admin")\n', [(3, 10, "PIN104", "high")]),
        ('import aiomysql\nasync def f():\n    conn = await aiomysql.connect()\n    await conn.query("set @x = 1")\n',
         [(4, 22, "PIN115", "high")]),
        ('import databases\ndatabases.Database("u").iterate("listen jobs")\n', [(2, 33, "PIN110", "high")]),
        # A plain name in a module that imports the library: medium.
        ('import pg8000\ndef f(conn):\n    conn.run("set role admin")\n', [(3, 14, "PIN104", "medium")]),
        ('import pymysql\ndef f(self):\n    self.conn.query("set @x = 1")\n', [(3, 21, "PIN115", "medium")]),
    ],
)
def test_query_and_run_send_sql_on_their_libraries_objects(code, expected):
    assert lint(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        'import subprocess\nsubprocess.run("set role admin")\n',  # another module's run()
        'import asyncio\nasyncio.run("set role admin")\n',
        'def f(app):\n    app.run("set role admin")\n',  # no pg8000 imported
        'import pg8000\nclass Job:\n    def go(self):\n        self.run("set role admin")\n',  # the class's own method
        'import sqlalchemy\ndef f(session):\n    session.query("set role admin")\n',
        'import pymysql\nimport requests\nrequests.get("u").query("set @x = 1")\n',
    ],
)
def test_query_and_run_of_other_objects_leave_their_strings_free(code):
    """What reaches no known call stays a free string: in lower case, low confidence."""
    assert [finding[3] for finding in lint(code)] == ["low"]


# -- project helpers that send the SQL they are given ------------------------------------------


def test_a_string_given_to_a_helper_method_is_sql_though_its_result_is_compared():
    code = '''
    class Session:
        def _execute(self, cur, sql):
            cur.execute(sql)
            return cur.statusmessage

        def configure(self, cur):
            status = self._execute(cur, "set statement_timeout = 5000")
            if status is not None:
                return status
    '''
    assert lint(code) == [(8, 37, "PIN101", "high")]


@pytest.mark.parametrize(
    "definition, call, column",
    [
        ("def run(cur, sql):\n    cur.execute(sql)", 'run(cur, "set role admin")', 10),
        ("def run(cur, sql):\n    cur.execute(sql % ())", 'run(cur, sql="set role admin")', 14),
        ("def run(cur, *, sql):\n    cur.execute(text(sql))", 'run(cur, sql="set role admin")', 14),
        ("def run(sql, cur):\n    cur.execute(sql.format())", 'run("set role admin", cur)', 5),
        ("def inner(cur, q):\n    cur.fetch(q)\ndef run(c, s):\n    inner(c, s)", 'run(cur, "set role admin")', 10),
        ("def run(cur, sql):\n    return peewee_db.execute_sql(sql)", 'x = run(cur, "set role admin")', 14),
    ],
)
def test_helpers_of_the_module_pass_their_sql_parameter_on(definition, call, column):
    lines = definition.count("\n") + 1
    assert lint(f"{definition}\n{call}\n") == [(lines + 1, column, "PIN104", "high")]


def test_a_base_classs_helper_is_followed_when_the_subclass_has_none_of_that_name():
    code = '''
    class Base:
        def _run(self, cur, sql):
            cur.execute(sql)

    class Tenant(Base):
        def switch(self, cur):
            self._run(cur, "set search_path to a")

    class Other:
        def _run(self, cur, sql):
            pass

        def switch(self, cur):
            self._run(cur, "set search_path to b")
    '''
    assert lint(code) == [(8, 24, "PIN101", "high"), (15, 24, "PIN101", "low")]


@pytest.mark.parametrize(
    "call",
    [
        'run(cur, "SELECT 1", "set role admin")',  # the parameters, not the SQL
        'run(*args, "set role admin")',  # its position is unknown
        'other.run(cur, "set role admin")',  # not this module's function
    ],
)
def test_other_arguments_of_a_helper_are_not_sql(call):
    assert [finding[3] for finding in lint(f"def run(cur, sql, params=None):\n    cur.execute(sql, params)\n{call}\n")] == ["low"]


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'svc'\n")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def _findings(root: Path, *paths: str, cache: Cache | None = None) -> list[tuple]:
    settings = Settings(root=root, min_confidence=Confidence.LOW)
    report = lint_paths([root / p for p in paths], settings, root, cache=cache)
    return [(f.path, f.row, f.col, f.code, f.confidence.value) for f in report.findings]


DB = '''
def run_sql(cursor, sql, params=None):
    cursor.execute(sql, params)


def run_twice(cursor, statement):
    run_sql(cursor, statement)
    run_sql(cursor, statement)
'''


def test_helpers_of_another_module_pass_their_sql_parameter_on(tmp_path):
    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/db.py": DB,
        # A module that sends SQL itself is parsed, and its helpers of helpers found.
        "svc/layer.py": "from svc.db import run_sql\n\n\ndef in_layer(cur, text):\n    cur.execute('SELECT 1')\n    run_sql(cur, text)\n",
        "svc/api.py": '''
            from svc import db
            from svc.db import run_twice
            from .layer import in_layer

            QUERY = "set role reporting"


            def switch(cur):
                db.run_sql(cur, "set search_path to a")
                run_twice(cur, statement="listen jobs")
                in_layer(cur, "discard all")
                db.run_sql(cur, QUERY)
                db.run_sql(cur, "SELECT 1", "set search_path to b")
            ''',
    })
    assert _findings(root, "svc/api.py") == [
        ("svc/api.py", 6, 9, "PIN104", "medium"),
        ("svc/api.py", 10, 21, "PIN101", "high"),
        ("svc/api.py", 11, 30, "PIN110", "high"),
        ("svc/api.py", 12, 19, "PIN107", "high"),
        ("svc/api.py", 14, 33, "PIN101", "low"),
    ]


def test_an_edited_helper_module_invalidates_the_cached_callers(tmp_path):
    root = _project(tmp_path, {
        "svc/__init__.py": "",
        "svc/db.py": "def run_sql(cursor, sql):\n    return None\n",
        "svc/api.py": 'from svc.db import run_sql\n\nrun_sql(cur, "set role admin")\n',
    })
    settings = Settings(root=root)
    cache = Cache(root / ".cache", settings)
    assert lint_paths([root / "svc/api.py"], settings, root, cache=cache).findings == []
    cache.save(root)
    (root / "svc" / "db.py").write_text("def run_sql(cursor, sql):\n    cursor.execute(sql)\n")
    again = lint_paths([root / "svc/api.py"], settings, root, cache=Cache(root / ".cache", settings))
    assert [(f.row, f.code) for f in again.findings] == [(3, "PIN104")]


# -- expected SQL: a name is judged by the value it holds ------------------------------------


def test_a_compared_name_does_not_silence_a_string_its_call_was_given():
    code = '''
    def configure(helper, cur):
        status = helper.run_statement(cur, "SET statement_timeout = 5000")
        if status is not None:
            return status
    '''
    assert lint(code) == [(3, 40, "PIN101", "medium")]


def test_a_name_compared_in_one_function_does_not_silence_the_same_name_in_another():
    code = '''
    from textwrap import dedent

    def test_expected(cur):
        expected = dedent("""SET search_path TO a""")
        assert cur.query == expected

    def other():
        expected = "SET ROLE admin"
        return expected
    '''
    assert lint(code) == [(9, 16, "PIN104", "medium")]


def test_sql_that_reaches_an_execution_call_is_a_finding_whatever_its_name_is_compared_to():
    code = '''
    def run(cur):
        sql = "SET search_path TO a"
        cur.execute(sql)
        assert sql != ""
    '''
    assert lint(code) == [(3, 11, "PIN101", "medium")]


# -- test modules -------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["tests/app.py", "pkg/tests/sub/app.py", "test_app.py", "app_test.py", "conftest.py"])
def test_in_test_modules_strings_that_reach_no_execution_call_are_low_confidence(filename):
    code = 'EXPECTED = "SET search_path TO a"\ncur.execute("SET ROLE admin")\n'
    assert lint(code, filename) == [(1, 12, "PIN101", "low"), (2, 13, "PIN104", "high")]
    assert lint(code, "app.py") == [(1, 12, "PIN101", "medium"), (2, 13, "PIN104", "high")]


@pytest.mark.parametrize(
    "code",
    [
        'CASES = [("DISCARD ALL", dict(query="DISCARD ALL", pins=True))]',
        'CASES = {"reset": {"query": "RESET ALL"}}',
        'for sql in ("SET ROLE a", "SET ROLE b"):\n    check(sql)',
        '@pytest.mark.parametrize("sql", ["SET ROLE a", pytest.param("LISTEN x", id="x")])\ndef test(sql):\n    pass',
        'cursor.fetchone.return_value = ["RESET SEQUENCE"]',
        'cursor.execute.side_effect = ("SET ROLE admin",)',
        'pool = mock.Mock(return_value="DISCARD ALL")',
        'mock.patch.object(db, "reset", side_effect=["DISCARD ALL"])',
        'self._assertSplitSql("set x = 1; set y = 2")',
    ],
)
def test_in_test_modules_scenario_tables_mocks_and_assertion_helpers_are_not_sql(code):
    assert lint(code + "\n", "tests/test_validator.py") == []
    cleared = not needs_full_analysis(code + "\n", "tests/test_validator.py", "auto")
    assert cleared, "the first pass skips what the visitor skips"


@pytest.mark.parametrize(
    "code, expected",
    [
        ('OPERATIONS = [migrations.RunSQL("LISTEN jobs")]', [(1, 33, "PIN110", "high")]),
        ('cur.execute("SET ROLE admin", ["RESET ALL"])', [(1, 13, "PIN104", "high"), (1, 32, "PIN101", "low")]),
        ('run(["SET ROLE admin"])', [(1, 6, "PIN104", "low")]),
        ('CASES = [check("SET ROLE admin")]', [(1, 16, "PIN104", "low")]),
    ],
)
def test_in_test_modules_calls_in_tables_and_collections_given_to_calls_are_not_tables(code, expected):
    assert lint(code + "\n", "tests/test_app.py") == expected


def test_outside_test_modules_tables_stay_sql_but_mock_values_do_not():
    code = 'CASES = [("DISCARD ALL", 1)]\nm.return_value = "RESET ALL"\n'
    assert lint(code) == [(1, 11, "PIN107", "medium")]
    assert needs_full_analysis(code, "app.py", "auto")


def test_connection_strings_in_a_test_modules_tables_are_still_read():
    code = 'DSNS = [("host=db options=\'-c search_path=a\'", True)]\n'
    assert [f[2] for f in lint(code, "tests/test_dsn.py")] == ["PIN201"]


def test_each_branch_of_a_conditional_expression_is_sql_sent():
    assert lint("""\
        import psycopg

        def deallocate(conn, name):
            stmt = b"DEALLOCATE " + name if name is not None else b"DEALLOCATE ALL"
            conn.execute(stmt)
            conn.execute(b"DEALLOCATE " + name if name else b"SELECT 1")
        """) == [(4, 13, "PIN106", "medium"), (4, 60, "PIN106", "medium"), (6, 19, "PIN106", "medium")]
