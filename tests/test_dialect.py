"""The dialect of each piece of SQL: its own syntax first, then the project, then the file.

`SET @x = 1` is MySQL's in a file that imports nothing; a Django app whose settings name
`django.db.backends.mysql` has its `SET NAMES` read as MySQL's (tracked by RDS Proxy), not as
PostgreSQL's `client_encoding`; one `import sqlite3` no longer silences a file.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from pinlint.cache import Cache
from pinlint.cli import main
from pinlint.diagnostics import Confidence
from pinlint.engine import lint_paths, lint_source
from pinlint.settings import Settings
from pinlint.sql.dialect import read_syntax
from pinlint.sql.lexer import MYSQL, POSTGRES, lex, statements


def findings(source: str, name: str = "app.py", path: Path | None = None, **settings) -> list[tuple[int, int, str]]:
    settings.setdefault("min_confidence", Confidence.LOW)
    report = lint_source(textwrap.dedent(source).encode(), name, Settings(**settings), path=path)
    return [(f.row, f.col, f.code) for f in report.findings]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- the statement's own syntax ---------------------------------------------------------------


@pytest.mark.parametrize(
    "sql, reason",
    [
        ("SET @total = 0", "`@total` is a MySQL user variable"),
        ("SELECT @@session.sql_mode", "`@@session` is a MySQL system variable"),
        ("SELECT * FROM `orders`", "the backquoted name `orders` is MySQL's quoting"),
        ("SELECT GET_LOCK('job', 10)", "`GET_LOCK()` is MySQL's"),
        ("LOCK TABLES orders WRITE", "`LOCK TABLES` is MySQL's"),
        ("LOCK TABLE orders READ", "`LOCK TABLES` is MySQL's"),
        ("UNLOCK TABLES", "`UNLOCK TABLES` is MySQL's"),
        ("FLUSH TABLES WITH READ LOCK", "`FLUSH` is MySQL's"),
        ("/*!40101 SET NAMES utf8 */", "an executable comment `/*!...*/` is MySQL's"),
        ("SELECT /*!40000 STRAIGHT_JOIN */ 1", "an executable comment `/*!...*/` is MySQL's"),
        ("SET GLOBAL max_connections = 10", "`SET GLOBAL` is MySQL's"),
        ("SET CHARACTER SET utf8", "`SET CHARACTER SET` is MySQL's"),
        ("SET NAMES utf8mb4", "`utf8mb4` is MySQL's"),
        ("SELECT SQL_CALC_FOUND_ROWS id FROM t", "`SQL_CALC_FOUND_ROWS` is MySQL's"),
        ("INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 2", "`ON DUPLICATE KEY` is MySQL's"),
        ("CREATE TABLE t (id INT AUTO_INCREMENT)", "`AUTO_INCREMENT` is MySQL's"),
        ("CREATE TABLE t (id INT) ENGINE=InnoDB", "a table `ENGINE =` is MySQL's"),
        ("DROP PREPARE stmt", "`DROP PREPARE` is MySQL's"),
    ],
)
def test_mysql_syntax_is_mysql_whichever_lexer_read_it(sql, reason):
    for lexed_as in (POSTGRES, MYSQL):
        text = lex(sql, lexed_as)
        syntax = read_syntax(text, statements(text))
        assert (syntax.engine, syntax.first.reason if syntax.first else None) == (MYSQL, reason), lexed_as


@pytest.mark.parametrize(
    "sql, reason",
    [
        ("SELECT id::text FROM t", "a `::` cast is PostgreSQL's"),
        ("SELECT * FROM t WHERE id = $1", "the `$1` parameter is PostgreSQL's"),
        ("DO $$ BEGIN PERFORM 1; END $$", "a dollar-quoted body is PostgreSQL's"),
        ("SELECT pg_advisory_lock(1)", "`pg_advisory_lock()` is PostgreSQL's"),
        ("SELECT set_config('a.b', 'c', false)", "`set_config()` is PostgreSQL's"),
        ("SELECT nextval('orders_id_seq')", "`nextval('...')` is PostgreSQL's"),
        ("LISTEN jobs", "`LISTEN` is PostgreSQL's"),
        ("DISCARD ALL", "`DISCARD` is PostgreSQL's"),
        ("SET search_path TO tenant", "`SET search_path` is PostgreSQL's"),
        ("SET SESSION AUTHORIZATION app", "`SET SESSION AUTHORIZATION` is PostgreSQL's"),
        ("SET TIME ZONE 'UTC'", "`SET TIME ZONE` is PostgreSQL's"),
        ("RESET statement_timeout", "`RESET` of a setting is PostgreSQL's"),
        ("DEALLOCATE ALL", "`DEALLOCATE` without `PREPARE` is PostgreSQL's"),
        ("PREPARE q AS SELECT 1", "`PREPARE name AS` is PostgreSQL's"),
        ("DECLARE c CURSOR FOR SELECT 1", "`DECLARE` outside a routine is PostgreSQL's"),
        ("LOAD 'auto_explain'", "`LOAD 'library'` is PostgreSQL's"),
        ("CREATE TEMP TABLE s (id int)", "`CREATE TEMP` is PostgreSQL's (MySQL spells it `TEMPORARY`)"),
        ("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", "`LOCK ... IN ... MODE` is PostgreSQL's"),
        ("SELECT * FROM t FOR NO KEY UPDATE", "`FOR NO KEY UPDATE` is PostgreSQL's"),
        ("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", "`ON CONFLICT` is PostgreSQL's"),
        ("SELECT * FROM t WHERE name ILIKE 'a%'", "`ILIKE` is PostgreSQL's"),
        ("ALTER TABLE t ADD COLUMN at timestamptz", "`timestamptz` is PostgreSQL's"),
    ],
)
def test_postgresql_syntax_is_postgresql_whichever_lexer_read_it(sql, reason):
    for lexed_as in (POSTGRES, MYSQL):
        text = lex(sql, lexed_as)
        syntax = read_syntax(text, statements(text))
        assert (syntax.engine, syntax.first.reason if syntax.first else None) == (POSTGRES, reason), lexed_as


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "SET NAMES latin1",  # both engines have it
        "SELECT data @> '{}' FROM t WHERE tags <@ ARRAY['a'] AND doc @@ query",  # PostgreSQL's operators
        "SELECT 'admin@example.com', '`quoted`', 'pg_sleep(1)', '$1'",  # inside string literals
        "-- @x := 1, `t`, /*! not a comment of its own */\nSELECT 1",  # inside a line comment
        "SELECT a FROM t WHERE b = %(name)s AND c = %s",  # DB-API placeholders
        "LOCK TABLE orders",  # both: PostgreSQL's, and MySQL would refuse it without READ or WRITE
        "DEALLOCATE PREPARE q",  # both
        "SET @x = 1; LISTEN jobs",  # signs of both engines: the text says nothing
    ],
)
def test_look_alikes_name_no_engine(sql):
    for lexed_as in (POSTGRES, MYSQL):
        text = lex(sql, lexed_as)
        assert read_syntax(text, statements(text)).engine is None, lexed_as


def test_mysql_statements_are_reported_in_a_file_that_names_no_engine():
    source = """\
        def job(cur):
            cur.execute("SET @total = 0")
            cur.execute("SELECT GET_LOCK('nightly', 10)")
            cur.execute("LOCK TABLES orders WRITE")
            cur.execute("SELECT SQL_CALC_FOUND_ROWS id FROM `orders` LIMIT 10")
            cur.execute("/*!40101 SET NAMES utf8 */")
        """
    assert findings(source) == [(2, 17, "PIN115"), (3, 17, "PIN109"), (4, 17, "PIN114"), (5, 17, "PIN117"), (6, 17, "PIN116")]


def test_mysql_statements_are_reported_in_a_postgresql_file():
    source = 'import psycopg2\ncur.execute("SELECT RELEASE_LOCK(\'nightly\')")\ncur.execute("SELECT pg_advisory_lock(1)")\n'
    assert findings(source) == [(2, 13, "PIN109"), (3, 13, "PIN109")]


def test_a_tracked_set_names_is_mysqls_when_its_syntax_or_its_text_says_so():
    assert findings('cur.execute("SET NAMES latin1")\n') == [(1, 13, "PIN101")]  # PostgreSQL's client_encoding
    assert findings('cur.execute("SET NAMES utf8mb4")\n') == []
    assert findings('cur.execute("SET NAMES latin1 COLLATE latin1_swedish_ci; SELECT * FROM `t`")\n') == []


def test_postgresql_statements_are_reported_in_a_mysql_file():
    source = 'import pymysql\ncur.execute("LISTEN jobs")\ncur.execute("SELECT pg_advisory_lock(1)")\n'
    assert findings(source) == [(2, 13, "PIN110"), (3, 13, "PIN109")]


def test_a_text_with_both_engines_statements_reads_each_in_its_own():
    source = "cur.execute(\"SELECT GET_LOCK('a', 1); SELECT pg_advisory_lock(1); SET NAMES latin1\")\n"
    report = lint_source(source.encode(), "app.py", Settings())
    assert [(f.code, f.dialect.name, f.message.split(":")[0]) for f in report.findings] == [
        ("PIN101", POSTGRES, "`SET client_encoding` changes a session setting"),
        ("PIN109", MYSQL, "`GET_LOCK()` takes or releases a session-level named lock"),
        ("PIN109", POSTGRES, "`pg_advisory_lock()` is a session-level advisory lock"),
    ]


def test_a_drivers_own_code_is_read_in_its_engine():
    # mysql-connector's modules import each other relatively: their location says MySQL.
    source = 'class Cursor:\n    def names(self):\n        self.execute("SET NAMES latin1")\n'
    assert findings(source, "lib/mysql/connector/cursor.py") == []
    assert findings(source, "lib/mysql/connector/cursor.py".replace("mysql/connector", "pg/connector")) == [(3, 22, "PIN101")]


def test_the_configured_dialect_outweighs_everything():
    source = 'cur.execute("SELECT GET_LOCK(\'a\', 1)")\ncur.execute("SET NAMES latin1")\n'
    assert findings(source, dialect="postgres") == [(2, 13, "PIN101")]
    assert findings(source, dialect="mysql") == [(1, 13, "PIN109")]


# -- SQLite and the engines the rules do not speak for ------------------------------------------


def test_an_sqlite3_import_silences_only_what_sqlite_runs():
    source = """\
        import sqlite3

        def migrate(db, cur):
            db.execute("CREATE TEMP TABLE scratch (id INTEGER)")
            db.execute("INSERT INTO t SELECT * FROM `legacy`")
            cur.execute("SET search_path TO tenant")
            cur.execute("SET @batch = 0")
            cur.execute("SELECT GET_LOCK('import', 10)")
            cur.execute("CREATE TEMP TABLE s (id int) ON COMMIT PRESERVE ROWS; SELECT 1::int")
        """
    assert findings(source) == [(6, 17, "PIN101"), (7, 17, "PIN115"), (8, 17, "PIN109"), (9, 17, "PIN108")]


def test_a_file_for_engines_the_rules_do_not_speak_for_stays_silent():
    # T-SQL writes variables as `@x` and sets them with SET: not MySQL's.
    assert findings('import pyodbc\ncur.execute("DECLARE @n INT; SET @n = 1")\ncur.execute("SET NOCOUNT ON")\n') == []
    assert findings('import pyodbc, psycopg2\ncur.execute("SET search_path TO a")\n') == [(2, 13, "PIN101")]


# -- the project --------------------------------------------------------------------------------


def _django_project(root: Path, engine: str) -> Path:
    write(root / "manage.py", 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n')
    write(root / "mysite" / "settings.py", f"DATABASES = {{'default': {{'ENGINE': 'django.db.backends.{engine}'}}}}\n")
    return write(
        root / "shop" / "views.py",
        """\
        from django.db import connection

        def report():
            with connection.cursor() as cur:
                cur.execute("SET NAMES latin1")
                cur.execute("SET sql_mode = 'ANSI'")
        """,
    )


def test_a_django_app_is_read_as_its_settings_engine(tmp_path):
    views = _django_project(tmp_path, "mysql")
    assert findings(views.read_text(), "shop/views.py", views) == []  # both tracked by RDS Proxy
    views = _django_project(tmp_path, "postgresql")
    assert findings(views.read_text(), "shop/views.py", views) == [(5, 21, "PIN101"), (6, 21, "PIN101")]
    assert findings(views.read_text(), "shop/views.py", None) == [(5, 21, "PIN101"), (6, 21, "PIN101")]  # no project


@pytest.mark.parametrize(
    "name, text, dialect",
    [
        ("alembic.ini", "[alembic]\nsqlalchemy.url = mysql+pymysql://app@db/app\n", MYSQL),
        (".env", "DATABASE_URL=postgres://app@db/app\n", POSTGRES),
        ("requirements.txt", "Django>=4.2\nmysqlclient==2.2.0  # the driver\n", MYSQL),
        ("requirements/base.txt", "PyMySQL\n", MYSQL),
        ("pyproject.toml", '[project]\nname = "x"\ndependencies = ["sqlalchemy[asyncio,postgresql_asyncpg]"]\n', POSTGRES),
        ("setup.py", 'setup(install_requires=["aiomysql>=0.2"])\n', MYSQL),
        # A library for either engine declares both: the project says nothing, the default decides.
        ("pyproject.toml", '[project.optional-dependencies]\nmysql = ["mysqlclient"]\npg = ["psycopg[binary]"]\n', POSTGRES),
        ("pyproject.toml", '[tool.poetry.group.db.dependencies]\nPyMySQL = "^1.1"\n', MYSQL),
        ("pyproject.toml", '[dependency-groups]\ntest = ["pytest", "psycopg2-binary>=2.9"]\n', POSTGRES),
        ("Pipfile", '[packages]\nmysql-connector-python = "*"\n', MYSQL),
        ("setup.cfg", "[options]\ninstall_requires =\n    requests\n    asyncmy>=0.2\n", MYSQL),
        ("setup.py", 'setup(name="app", extras_require={"db": ["databases[mysql]"]})\n', MYSQL),
        # Names that only mention a driver are not declarations.
        ("pyproject.toml", '[tool.mypy]\nmodule = ["pymysql.*"]\nkeywords = ["mysql", "postgresql"]\n', POSTGRES),
        ("setup.py", 'setup(name="django-mysql", description="Django-MySQL extends Django")\n', POSTGRES),
        ("pyproject.toml", '[project]\nname = "aiomysql"\nurls.Home = "https://github.com/aio-libs/aiomysql"\n', POSTGRES),
    ],
)
def test_project_files_name_the_engine(tmp_path, name, text, dialect):
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path / name, text)
    app = write(tmp_path / "src" / "app.py", 'cur.execute("SET NAMES latin1")\n')
    report = lint_source(app.read_bytes(), "src/app.py", Settings(), path=app)
    assert [f.code for f in report.findings] == ([] if dialect == MYSQL else ["PIN101"])


def test_the_project_outweighs_the_files_imports_and_the_statement_outweighs_both(tmp_path):
    write(tmp_path / "requirements.txt", "mysqlclient\n")
    app = write(tmp_path / "app.py", 'import psycopg2\ncur.execute("SET NAMES latin1")\ncur.execute("DISCARD ALL")\n')
    assert findings(app.read_text(), "app.py", app) == [(3, 13, "PIN107")]


def test_without_a_project_root_nothing_around_the_file_is_read(tmp_path):
    write(tmp_path / "requirements.txt", "mysqlclient\n")  # no marker of a project root above the file
    write(tmp_path / "deep" / "er" / "stray.txt", "")
    app = write(tmp_path / "deep" / "er" / "app.py", 'cur.execute("SET NAMES latin1")\n')
    assert findings(app.read_text(), "app.py", app) == []  # requirements.txt is a root of its own
    (tmp_path / "requirements.txt").unlink()
    assert findings(app.read_text(), "app.py", app) == [(1, 13, "PIN101")]


# -- `.sql` files -------------------------------------------------------------------------------


def test_a_mysql_dump_is_read_as_mysql():
    dump = """\
        /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
        SET NAMES utf8mb4;
        SET time_zone = '+00:00';
        LOCK TABLES `orders` WRITE;
        INSERT INTO `orders` VALUES (1);
        UNLOCK TABLES;
        """
    assert findings(dump, "dump.sql") == [(1, 1, "PIN116"), (4, 1, "PIN114")]


def test_a_sql_file_follows_its_project(tmp_path):
    write(tmp_path / "requirements.txt", "PyMySQL\n")
    script = write(tmp_path / "db" / "setup.sql", "SET NAMES latin1;\nSET sql_safe_updates = 1;\n")
    assert findings(script.read_text(), "db/setup.sql", script) == [(2, 1, "PIN101")]
    assert findings(script.read_text(), "db/setup.sql", None) == [(1, 1, "PIN101"), (2, 1, "PIN101")]


def test_a_project_of_engines_the_rules_do_not_speak_for_is_left_alone(tmp_path):
    # A dbt adapter for Redshift: its driver is declared, its macros and modules name no engine.
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\ndependencies = ['dbt-core', 'redshift-connector>=2']\n")
    macro = write(tmp_path / "macros" / "adapters.sql", "{% macro set_group(g) %}\nSET query_group TO '{{ g }}';\n{% endmacro %}\n")
    impl = write(tmp_path / "src" / "impl.py", 'cursor.execute("RESET query_group")\ncursor.execute("SET ROLE admin")\n')
    assert findings(macro.read_text(), "macros/adapters.sql", macro) == []
    assert findings(impl.read_text(), "src/impl.py", impl) == []
    # A file that names PostgreSQL itself is read as PostgreSQL all the same.
    pg = write(tmp_path / "src" / "pg.py", 'import psycopg2\ncursor.execute("SET ROLE admin")\n')
    assert findings(pg.read_text(), "src/pg.py", pg) == [(2, 16, "PIN104")]
    # A PostgreSQL driver declared beside it makes the project PostgreSQL's.
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\ndependencies = ['redshift-connector', 'psycopg2']\n")
    assert [row for row, _, _ in findings(impl.read_text(), "src/impl.py", impl)] == [1, 2]


def test_a_file_importing_such_an_engines_driver_stays_silent():
    assert findings('import redshift_connector\ncur.execute("SET query_group TO \'etl\'")\n') == []
    assert findings('from pyspark.sql import SparkSession\ncursor.execute("CREATE TEMPORARY VIEW v AS SELECT 1")\n') == []


# -- the evidence, in JSON ----------------------------------------------------------------------


def test_json_shows_why_each_finding_was_read_in_its_dialect(tmp_path, monkeypatch, capsys):
    _django_project(tmp_path, "mysql")
    write(tmp_path / "shop" / "locks.py", 'import sqlite3\ncur.execute("SELECT GET_LOCK(\'a\', 1)")\ncur.execute("SET sql_safe_updates = 1")\n')
    write(tmp_path / "shop" / "plain.py", 'cur.execute("LISTEN jobs")\n')
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-cache", "--output-format", "json", "shop"]) == 1
    out = json.loads(capsys.readouterr().out)
    project = {"from": "project", "dialect": "mysql", "reason": "Django `ENGINE` is `django.db.backends.mysql`", "path": "mysite/settings.py"}
    assert [(f["filename"], f["location"]["row"], f["code"], f["dialect"]) for f in out] == [
        ("shop/locks.py", 2, "PIN109", {"name": "mysql", "evidence": [
            {"from": "statement", "dialect": "mysql", "reason": "`GET_LOCK()` is MySQL's", "path": None},
            project,
            {"from": "file", "dialect": "sqlite", "reason": "imports `sqlite3`", "path": None},
        ]}),
        ("shop/locks.py", 3, "PIN101", {"name": "mysql", "evidence": [
            project, {"from": "file", "dialect": "sqlite", "reason": "imports `sqlite3`", "path": None},
        ]}),
        ("shop/plain.py", 1, "PIN110", {"name": "postgres", "evidence": [
            {"from": "statement", "dialect": "postgres", "reason": "`LISTEN` is PostgreSQL's", "path": None}, project,
        ]}),
    ]
    # Every other format is as it was: no word of dialects.
    assert main(["check", "--no-cache", "--output-format", "json-lines", "shop"]) == 1
    assert all("dialect" not in json.loads(line) for line in capsys.readouterr().out.splitlines())


def test_findings_about_code_carry_no_dialect(tmp_path, monkeypatch, capsys):
    write(tmp_path / "db.py", 'import psycopg\npsycopg.connect("postgresql://db/app?options=-c%20search_path%3Da")\n')
    monkeypatch.chdir(tmp_path)
    main(["check", "--no-cache", "--output-format", "json", "db.py"])
    assert [(f["code"], f["dialect"]) for f in json.loads(capsys.readouterr().out)] == [("PIN201", None)]


# -- the cache ----------------------------------------------------------------------------------


def test_edited_and_new_project_files_invalidate_cached_reports(tmp_path, monkeypatch):
    from pinlint import engine
    from pinlint.python import project_dialect

    _django_project(tmp_path, "mysql")
    settings = Settings(root=tmp_path)
    linted: list[str] = []
    real = engine.lint_source
    monkeypatch.setattr(engine, "lint_source", lambda data, display, *a, **k: linted.append(display) or real(data, display, *a, **k))

    def run() -> list[str]:
        linted.clear()
        cache = Cache(tmp_path / "cache", settings)
        report = lint_paths([tmp_path / "shop"], settings, tmp_path, cache=cache)
        cache.save(tmp_path)
        return [f"{f.code}:{f.dialect.name}" for f in report.findings]

    assert (run(), linted) == ([], ["shop/views.py"])
    write(tmp_path / "mysite" / "settings.py", "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}\n")
    assert (run(), linted) == (["PIN101:postgres", "PIN101:postgres"], ["shop/views.py"])
    assert (run(), linted) == (["PIN101:postgres", "PIN101:postgres"], [])  # from the cache, with the evidence
    write(tmp_path / "requirements.txt", "mysqlclient\n")  # a file the project did not have
    # As a new run starts: which files a directory holds is remembered for one run.
    remembered = (
        project_dialect._files, project_dialect.project_levels, project_dialect.directory_names, project_dialect._telling_files,
    )
    for cached in remembered:
        cached.cache_clear()
    assert (run(), linted) == ([], ["shop/views.py"])


def test_a_directory_named_after_such_an_engine_holds_its_sql(tmp_path):
    write(tmp_path / "requirements.txt", "psycopg2\n")
    trino = write(tmp_path / "db" / "trino_sql" / "summary.sql", "CREATE TEMPORARY TABLE t AS SELECT 1;\n")
    postgres = write(tmp_path / "db" / "sql" / "summary.sql", "CREATE TEMPORARY TABLE t AS SELECT 1;\n")
    assert findings(trino.read_text(), "db/trino_sql/summary.sql", trino) == []
    assert findings(postgres.read_text(), "db/sql/summary.sql", postgres) == [(1, 1, "PIN108")]


def test_a_class_named_after_an_engine_holds_its_sql():
    # peewee keeps both engines in one module: `SET TRANSACTION` is MySQL's next-transaction scope
    # (PIN105) in MySQLDatabase, and PostgreSQL's transaction scope (PIN103) in PostgresqlDatabase.
    code = """\
        import psycopg2
        import pymysql

        class MySQLDatabase:
            def begin(self, level):
                self.execute_sql("SET TRANSACTION ISOLATION LEVEL %s" % level)

        class PostgresqlDatabase:
            def begin(self, level):
                self.cursor().execute("SET TRANSACTION ISOLATION LEVEL %s" % level)
        """
    assert findings(code) == [(6, 26, "PIN105"), (10, 31, "PIN103")]
    assert findings(code.replace("MySQLDatabase", "Database")) == [(6, 26, "PIN103"), (10, 31, "PIN103")]


def test_a_class_named_after_an_engine_the_rules_do_not_speak_for_is_left_alone():
    code = """\
        import psycopg2

        class CockroachDatabase:
            def begin(self):
                self.cursor().execute("SET TRANSACTION AS OF SYSTEM TIME '-1s'")

        class PostgresqlDatabase:
            def begin(self):
                self.cursor().execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        """
    assert findings(code) == [(9, 31, "PIN103")]
