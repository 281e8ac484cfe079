"""The SQL classifier against every statement form of RULES.md and the look-alikes of the catalog."""

from __future__ import annotations

import pytest

from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source
from pinlint.settings import Settings
from pinlint.sql.classify import PgSet, function_calls, mysql_set, pg_set
from pinlint.sql.lexer import lex, statements
from pinlint.targets import Target

RDS = (Target.RDS_PROXY,)
PGB = (Target.PGBOUNCER,)
LEGACY = (Target.PGBOUNCER_LEGACY,)
ALL = tuple(Target)


def codes(sql: str, targets=ALL, dialect="postgres") -> list[str]:
    settings = Settings(targets=targets, dialect=dialect, min_confidence=Confidence.LOW)
    return sorted({f.code for f in lint_source(sql.encode(), "t.sql", settings).findings})


STATEMENT_FORMS = [
    # PIN101 session-set (PostgreSQL)
    ("SET search_path TO tenant_a", ALL, "postgres", ["PIN101"]),
    ("SET SESSION search_path = tenant_a", ALL, "postgres", ["PIN101"]),
    ("SET statement_timeout TO DEFAULT", ALL, "postgres", ["PIN101"]),
    ("SET TIME ZONE 'UTC'", RDS, "postgres", ["PIN101"]),
    ("SET TIME ZONE 'UTC'", PGB, "postgres", []),
    ("SET NAMES 'UTF8'", RDS, "postgres", ["PIN101"]),
    ("SET NAMES 'UTF8'", PGB, "postgres", []),
    ("SET application_name = 'x'", PGB, "postgres", []),
    ("SET application_name = 'x'", LEGACY, "postgres", ["PIN101"]),
    ("SET SCHEMA 'tenant_a'", PGB, "postgres", ["PIN101"]),
    ("RESET search_path", RDS, "postgres", ["PIN101"]),
    ("RESET ALL", PGB, "postgres", []),
    # PIN101 (MySQL)
    ("SET foreign_key_checks = 0", RDS, "mysql", ["PIN101"]),
    ("SET SESSION sql_safe_updates = 1", RDS, "mysql", ["PIN101"]),
    ("SET @@session.group_concat_max_len = 100000", RDS, "mysql", ["PIN101"]),
    ("SET autocommit = 1, session_track_state_change = 1", RDS, "mysql", ["PIN101"]),
    ("SET NAMES utf8mb4", RDS, "mysql", []),
    ("SET CHARACTER SET utf8mb4", RDS, "mysql", []),
    ("SET autocommit = 0", RDS, "mysql", []),
    ("SET sql_mode = 'STRICT_ALL_TABLES'", RDS, "mysql", []),
    ("SET time_zone = '+00:00'", RDS, "mysql", []),
    ("SET @@session.transaction_isolation = 'READ-COMMITTED'", RDS, "mysql", []),
    ("SET GLOBAL max_connections = 100", RDS, "mysql", []),
    ("SET foreign_key_checks = 0", PGB, "mysql", []),
    # PIN102
    ("SELECT set_config('app.tenant_id', 'acme', false)", ALL, "postgres", ["PIN102"]),
    ("SELECT set_config('search_path', $1, $2)", ALL, "postgres", ["PIN102"]),
    ("SELECT set_config('TimeZone', 'UTC', false)", PGB, "postgres", []),
    # asyncpg queries and server-log digests write positional parameters without spaces
    ("SELECT set_config($2,$1,$3)", ALL, "postgres", ["PIN102"]),
    ("set search_path to $1,$2,$3", ALL, "postgres", ["PIN101"]),
    # PIN103
    ("SET LOCAL search_path TO tenant_a", RDS, "postgres", ["PIN103"]),
    ("SET LOCAL search_path TO tenant_a", PGB, "postgres", []),
    ("SELECT set_config('app.tenant_id', 'acme', true)", RDS, "postgres", ["PIN103"]),
    ("SELECT set_config('app.tenant_id', 'acme', true)", PGB, "postgres", []),
    ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", RDS, "postgres", ["PIN103"]),
    ("SET CONSTRAINTS ALL DEFERRED", RDS, "postgres", ["PIN103"]),
    # PIN104
    ("SET ROLE admin_role", PGB, "postgres", ["PIN104"]),
    ("SET SESSION AUTHORIZATION admin_role", PGB, "postgres", ["PIN104"]),
    ("RESET ROLE", RDS, "postgres", ["PIN104"]),
    ("RESET ROLE", PGB, "postgres", []),
    ("SET LOCAL ROLE admin_role", PGB, "postgres", []),
    # PIN105
    ("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED", ALL, "postgres", ["PIN105"]),
    ("SET default_transaction_read_only = on", ALL, "postgres", ["PIN105"]),
    ("SET default_transaction_deferrable TO on", PGB, "postgres", ["PIN105"]),
    ("SET TRANSACTION ISOLATION LEVEL READ COMMITTED", RDS, "mysql", ["PIN105"]),
    ("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", RDS, "mysql", []),
    ("START TRANSACTION READ ONLY", RDS, "mysql", []),
    ("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE", ALL, "postgres", []),
    # PIN106
    ("PREPARE get_marker AS SELECT 1", PGB, "postgres", ["PIN106"]),
    ("EXECUTE get_marker", PGB, "postgres", ["PIN106"]),
    ("DEALLOCATE get_marker", PGB, "postgres", ["PIN106"]),
    ("DEALLOCATE PREPARE ALL", LEGACY, "postgres", ["PIN106"]),
    ("PREPARE TRANSACTION 'tx'", ALL, "postgres", []),
    ("COMMIT PREPARED 'tx'", ALL, "postgres", []),
    ("PREPARE s FROM 'SELECT 1'", RDS, "mysql", ["PIN106"]),
    ("DEALLOCATE PREPARE s", RDS, "mysql", ["PIN106"]),
    ("DROP PREPARE s", RDS, "mysql", ["PIN106"]),
    # PIN107
    ("DISCARD ALL", PGB, "postgres", []),
    ("DISCARD ALL", LEGACY, "postgres", ["PIN107"]),
    ("DISCARD TEMP", PGB, "postgres", ["PIN107"]),
    ("DISCARD SEQUENCES", RDS, "postgres", ["PIN107"]),
    # PIN108
    ("CREATE TEMP TABLE scratch (id int)", PGB, "postgres", ["PIN108"]),
    ("CREATE GLOBAL TEMPORARY TABLE scratch (id int)", PGB, "postgres", ["PIN108"]),
    ("CREATE TEMP SEQUENCE s", PGB, "postgres", ["PIN108"]),
    ("CREATE TEMP TABLE scratch AS SELECT 1", PGB, "postgres", ["PIN108"]),
    ("CREATE TABLE pg_temp.scratch (id int)", PGB, "postgres", ["PIN108"]),
    ("SELECT 1 AS id INTO TEMPORARY TABLE scratch", PGB, "postgres", ["PIN108"]),
    ("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", PGB, "postgres", []),
    ("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", RDS, "postgres", ["PIN108"]),
    ("CREATE TEMPORARY TABLE scratch (id INT)", RDS, "mysql", ["PIN108"]),
    ("CREATE TABLE templates (id int)", ALL, "postgres", []),
    # PIN109
    ("SELECT pg_advisory_lock(1)", PGB, "postgres", ["PIN109"]),
    ("SELECT pg_try_advisory_lock_shared(1, 2)", PGB, "postgres", ["PIN109"]),
    ("SELECT pg_advisory_unlock_shared(1)", PGB, "postgres", ["PIN109"]),
    ("SELECT pg_catalog.pg_advisory_unlock_all()", PGB, "postgres", ["PIN109"]),
    ("SELECT pg_advisory_xact_lock(1)", ALL, "postgres", []),
    ("SELECT pg_try_advisory_xact_lock(1)", ALL, "postgres", []),
    ("SELECT GET_LOCK('job', 5)", RDS, "mysql", ["PIN109"]),
    ("SELECT RELEASE_ALL_LOCKS()", RDS, "mysql", ["PIN109"]),
    # PIN110
    ("LISTEN jobs", PGB, "postgres", ["PIN110"]),
    ("UNLISTEN *", RDS, "postgres", ["PIN110"]),
    ("NOTIFY jobs, 'x'", ALL, "postgres", []),
    ("SELECT pg_notify('jobs', 'x')", ALL, "postgres", []),
    # PIN111
    ("DECLARE c1 BINARY SCROLL CURSOR WITH HOLD FOR SELECT 1", PGB, "postgres", ["PIN111"]),
    ("DECLARE c1 CURSOR WITHOUT HOLD FOR SELECT 1", PGB, "postgres", []),
    ("DECLARE c1 CURSOR FOR SELECT 1", RDS, "postgres", ["PIN111"]),
    # PIN112
    ("LOAD 'auto_explain'", PGB, "postgres", ["PIN112"]),
    ("LOAD DATA LOCAL INFILE 'x.csv' INTO TABLE t", RDS, "mysql", []),
    # PIN113
    ("SELECT currval('s')", PGB, "postgres", ["PIN113"]),
    ("SELECT lastval()", PGB, "postgres", ["PIN113"]),
    ("SELECT nextval('s')", RDS, "postgres", ["PIN113"]),
    ("SELECT nextval('s')", PGB, "postgres", []),
    ("INSERT INTO t (id) VALUES (setval('s', 1))", RDS, "postgres", ["PIN113"]),
    # PIN114
    ("LOCK TABLES t WRITE, u READ", RDS, "mysql", ["PIN114"]),
    ("FLUSH TABLES WITH READ LOCK", RDS, "mysql", ["PIN114"]),
    ("LOCK TABLE t IN SHARE MODE", ALL, "postgres", []),
    # PIN115
    ("SET @n = 1", RDS, "mysql", ["PIN115"]),
    ("SELECT @n := @n + 1", RDS, "mysql", ["PIN115"]),
    ("SELECT id INTO @a FROM t LIMIT 1", RDS, "mysql", ["PIN115"]),
    ("SELECT @@version", RDS, "mysql", []),
    # PIN116
    ("/*!40101 SET NAMES utf8 */", RDS, "mysql", ["PIN116"]),
    ("/*M!100100 SET x = 1 */", RDS, "mysql", ["PIN116"]),
    ("/*+ SET_VAR(sort_buffer_size = 16M) */ SELECT 1", RDS, "mysql", []),
    # PIN117
    ("SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 5", RDS, "mysql", ["PIN117"]),
    ("SELECT FOUND_ROWS()", RDS, "mysql", ["PIN117"]),
    # PIN119
    ("DO $$ BEGIN PERFORM set_config('search_path', 'a', false); END $$", PGB, "postgres", ["PIN119"]),
    ("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SET ROLE admin_role; END $$", RDS, "postgres", ["PIN119"]),
    ("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN LISTEN jobs; END $$", PGB, "postgres", ["PIN119"]),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT pg_advisory_lock(1); END", PGB, "postgres", ["PIN119"]),
    ("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql SET search_path = a AS $$ BEGIN UPDATE t SET x = 1; END $$", ALL, "postgres", []),
]


@pytest.mark.parametrize("sql, targets, dialect, expected", STATEMENT_FORMS, ids=lambda v: v if isinstance(v, str) else None)
def test_statement_forms(sql, targets, dialect, expected):
    assert codes(sql, targets, dialect) == expected


# pinning-catalog.md section 6: look risky, are fine (on the targets given).
TRICKY_NEGATIVES = [
    "UPDATE t SET col = 1",
    "INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET col = 2",
    "ALTER TABLE t SET (fillfactor = 70)",
    "ALTER TABLE t ALTER COLUMN c SET DEFAULT 0",
    "ALTER ROLE app SET search_path = tenant_a",
    "ALTER DATABASE app SET statement_timeout = '5s'",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = a AS $$ SELECT 1 $$",
    "SELECT 'SET search_path TO x'",
    "-- SET search_path TO x\nSELECT 1",
    "/* LISTEN jobs */ SELECT 1",
    "SELECT $$ SET ROLE admin $$",
    "NOTIFY jobs",
    "SELECT pg_notify('jobs', 'x')",
    "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE",
    "SELECT id FROM t FOR UPDATE SKIP LOCKED",
    "SAVEPOINT a",
    "ROLLBACK TO SAVEPOINT a",
    "SHOW search_path",
    "SELECT current_setting('search_path')",
    "SELECT pg_advisory_xact_lock(1)",
    "SELECT pg_try_advisory_xact_lock_shared(1)",
    "INSERT INTO t (v) VALUES ('x')",
]


@pytest.mark.parametrize("sql", TRICKY_NEGATIVES)
def test_tricky_negatives_are_silent(sql):
    assert codes(sql) == []


@pytest.mark.parametrize("sql", ["SET LOCAL x = 1", "SELECT set_config('x', 'y', true)", "CREATE TEMP TABLE t (id int) ON COMMIT DROP", "DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1", "SELECT nextval('s')"])
def test_fine_on_pgbouncer_but_pins_rds_proxy(sql):
    assert codes(sql, PGB) == []
    assert codes(sql, RDS) != []


@pytest.mark.parametrize(
    "sql", ["SET NAMES utf8", "SET autocommit = 1", "SET sql_mode = ''", "SET time_zone = 'UTC'", "USE app", "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"]
)
def test_mysql_tracked_settings_are_silent(sql):
    assert codes(sql, RDS, "mysql") == []


def test_pg_set_reads_scope_kind_and_name():
    def first(sql):
        return pg_set(statements(lex(sql))[0])

    assert first("SET LOCAL search_path = a") == PgSet("SET", "LOCAL", "parameter", "search_path")
    assert first("SET SESSION AUTHORIZATION x") == PgSet("SET", "", "authorization", "session_authorization")
    assert first('SET "App".x TO 1') == PgSet("SET", "", "parameter", "App.x")
    assert first("SET TIME ZONE LOCAL") == PgSet("SET", "", "parameter", "timezone", "DEFAULT")
    assert first("SET ROLE TO admin") == PgSet("SET", "", "role", "role")
    assert first("set local Role = 'none'") == PgSet("SET", "LOCAL", "role", "role", "NONE")
    assert first("SET LOCAL SESSION AUTHORIZATION DEFAULT") == PgSet("SET", "LOCAL", "authorization", "session_authorization", "DEFAULT")
    assert first("SET search_path FROM CURRENT") == PgSet("SET", "", "parameter", "search_path", "CURRENT")
    assert first("RESET TIME ZONE") == PgSet("RESET", "", "parameter", "timezone")
    assert first("SET the flag") is None


def test_mysql_set_splits_assignments_outside_parentheses():
    command = mysql_set(statements(lex("SET @a = CONCAT('x', 'y'), SESSION b = 1, @@local.c = 2", "mysql"))[0])
    assert [(a.scope, a.name, a.user_variable) for a in command.assignments] == [
        ("", "a", True), ("SESSION", "b", False), ("LOCAL", "c", False),
    ]


def test_function_calls_see_arguments_and_skip_strings():
    stmt = statements(lex("SELECT set_config('a', lower('B'), false), 'pg_advisory_lock(1)'"))[0]
    calls = list(function_calls(stmt.tokens))
    assert [c.name for c in calls] == ["set_config", "lower"]
    assert [len(a) for a in calls[0].args] == [1, 4, 1]


def test_positional_parameters_are_one_placeholder_each():
    sql = lex("INSERT INTO t VALUES ($1,$2); SELECT a$1, $$ $1 $$, '$1'")
    assert sql.complete
    assert [(t.kind, t.text) for t in sql.tokens if t.text.startswith("$") or "$" in t.text] == [
        ("param", "$1"), ("param", "$2"), ("word", "a$1"), ("string", " $1 "),
    ]


def test_unterminated_quote_keeps_the_statements_before_it():
    sql = lex("SET search_path TO a; SELECT 'oops")
    assert not sql.complete
    assert [s.text for s in statements(sql)] == ["SET search_path TO a", "SELECT"]


def test_routine_with_begin_end_is_one_statement():
    sql = lex("CREATE PROCEDURE p() BEGIN IF x THEN SET @a = 1; END IF; SET @b = 2; END; SELECT 1", "mysql")
    assert [s.tokens[0].text for s in statements(sql)] == ["CREATE", "SELECT"]
