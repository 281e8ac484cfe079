"""Every documented form of each statement family the SQL rules judge, and its look-alikes.

A table per family, one row per form of the reference page's synopsis (and of the grammar where
it accepts more), each with the exact codes it gets on the targets given. Look-alikes — the same
words in literals, comments, column names, other statements or scopes — sit in the same table
with the codes they must not get.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source, lint_text
from pinlint.settings import Settings
from pinlint.sql.lexer import MYSQL, POSTGRES
from pinlint.targets import Target

RDS = (Target.RDS_PROXY,)
PGB = (Target.PGBOUNCER,)
LEGACY = (Target.PGBOUNCER_LEGACY,)
ALL = (*RDS, *PGB, *LEGACY)  # the targets the expected messages name


def findings(sql: str, dialect: str, targets=ALL):
    settings = Settings(targets=targets, dialect=dialect, min_confidence=Confidence.LOW)
    return lint_text(sql, "forms.sql", settings, is_python=False).findings


def codes(sql: str, dialect: str, targets=ALL) -> list[str]:
    return sorted(f.code for f in findings(sql, dialect, targets))


# https://www.postgresql.org/docs/current/sql-set.html
PG_SET = [
    ("SET search_path TO tenant_a, public", ALL, ["PIN101"]),
    ("SET search_path = tenant_a", ALL, ["PIN101"]),
    ("SET SESSION search_path TO tenant_a", ALL, ["PIN101"]),
    ("SET statement_timeout TO '5s'", PGB, ["PIN101"]),
    ("SET statement_timeout = 5000", PGB, ["PIN101"]),
    ("SET extra_float_digits = -3", PGB, ["PIN101"]),
    ("SET \"app\".\"tenant\" TO 'acme'", PGB, ["PIN101"]),
    ("SET datestyle TO postgres, dmy", RDS, ["PIN101"]),
    ("SET datestyle TO postgres, dmy", LEGACY, []),  # PgBouncer restores it per client
    ("SET statement_timeout TO DEFAULT", RDS, ["PIN101"]),
    ("SET statement_timeout = DEFAULT", RDS, ["PIN101"]),
    ("SET statement_timeout TO DEFAULT", PGB, []),  # the session's default comes back: nothing leaks
    ("SET search_path FROM CURRENT", RDS, ["PIN101"]),
    ("SET search_path FROM CURRENT", PGB, []),  # keeps the value it has
    ("SET TIME ZONE 'Europe/Rome'", RDS, ["PIN101"]),
    ("SET TIME ZONE 'Europe/Rome'", PGB, []),
    ("SET TIME ZONE -7", RDS, ["PIN101"]),
    ("SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE", RDS, ["PIN101"]),
    ("SET TIME ZONE LOCAL", RDS, ["PIN101"]),
    ("SET TIME ZONE DEFAULT", RDS, ["PIN101"]),
    ("SET SESSION TIME ZONE 'UTC'", RDS, ["PIN101"]),
    ("SET SCHEMA 'tenant_a'", PGB, ["PIN101"]),  # an alias of search_path
    ("SET NAMES 'UTF8'", RDS, ["PIN101"]),
    ("SET NAMES 'UTF8'", PGB, []),
    ("SET NAMES", RDS, ["PIN101"]),
    ("SET XML OPTION DOCUMENT", PGB, ["PIN101"]),
    ("SET SEED TO 0.5", PGB, ["PIN101"]),
    # Look-alikes.
    ("SET LOCAL search_path TO tenant_a", PGB, []),
    ("SET LOCAL search_path TO tenant_a", RDS, ["PIN103"]),
    ("SET LOCAL TIME ZONE 'UTC'", RDS, ["PIN103"]),
    ("UPDATE settings SET search_path = 'x'", ALL, []),
    ("ALTER ROLE app SET search_path = tenant_a", ALL, []),
    ("ALTER DATABASE app SET statement_timeout TO '5s'", ALL, []),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT 1 $$", ALL, []),
    ("SELECT 'SET search_path TO x'", ALL, []),
    ("-- SET search_path TO x\nSELECT 1", ALL, []),
    ("SHOW search_path", ALL, []),
    ("SET the flag to prevent it", ALL, []),
]

# https://www.postgresql.org/docs/current/sql-set-role.html
PG_SET_ROLE = [
    ("SET ROLE admin_role", PGB, ["PIN104"]),
    ("SET ROLE 'admin_role'", PGB, ["PIN104"]),
    ("SET SESSION ROLE admin_role", PGB, ["PIN104"]),
    ("SET ROLE TO admin_role", PGB, ["PIN104"]),
    ("SET ROLE = admin_role", PGB, ["PIN104"]),
    ("set role = 'admin_role'", PGB, ["PIN104"]),
    ('SET "role" TO admin_role', PGB, ["PIN104"]),
    ("SET ROLE NONE", RDS, ["PIN104"]),
    ("SET SESSION ROLE NONE", RDS, ["PIN104"]),
    ("SET ROLE NONE", PGB, []),  # back to the login role: the earlier switch is what leaked
    ("SET role TO 'none'", PGB, []),
    ("SET role TO DEFAULT", RDS, ["PIN104"]),
    ("SET role TO DEFAULT", PGB, []),
    ("RESET ROLE", RDS, ["PIN104"]),
    ("RESET ROLE", PGB, []),
    ("SET LOCAL ROLE admin_role", RDS, ["PIN103"]),
    ("SET LOCAL ROLE admin_role", PGB, []),
    ("SET LOCAL role = admin_role", RDS, ["PIN103"]),
    ("SET LOCAL ROLE NONE", RDS, ["PIN103"]),
    ("DO $$ BEGIN SET ROLE TO admin_role; END $$", PGB, ["PIN119"]),  # inside a routine body
    # Look-alikes.
    ("ALTER ROLE app SET role = 'reader'", ALL, []),
    ("UPDATE users SET role = 'admin' WHERE id = 1", ALL, []),
    ("SELECT 'SET ROLE admin_role'", ALL, []),
    ("-- SET ROLE admin_role\nSELECT current_user", ALL, []),
    ("/* SET ROLE admin_role */ SELECT current_user", ALL, []),
    ("GRANT admin_role TO app", ALL, []),
]

# https://www.postgresql.org/docs/current/sql-set-session-authorization.html
PG_SET_SESSION_AUTHORIZATION = [
    ("SET SESSION AUTHORIZATION admin_role", PGB, ["PIN104"]),
    ("SET SESSION AUTHORIZATION 'admin_role'", PGB, ["PIN104"]),
    ("SET SESSION SESSION AUTHORIZATION admin_role", PGB, ["PIN104"]),
    ("SET session_authorization TO admin_role", PGB, ["PIN104"]),
    ("SET SESSION AUTHORIZATION DEFAULT", RDS, ["PIN104"]),
    ("SET SESSION AUTHORIZATION DEFAULT", PGB, []),
    ("RESET SESSION AUTHORIZATION", RDS, ["PIN104"]),
    ("RESET SESSION AUTHORIZATION", PGB, []),
    ("SET LOCAL SESSION AUTHORIZATION admin_role", RDS, ["PIN103"]),
    ("SET LOCAL SESSION AUTHORIZATION admin_role", PGB, []),
    # Look-alikes.
    ("SELECT session_user, current_user", ALL, []),
]

# https://www.postgresql.org/docs/current/sql-reset.html
PG_RESET = [
    ("RESET search_path", RDS, ["PIN101"]),
    ("RESET search_path", PGB, []),
    ("RESET ALL", RDS, ["PIN101"]),
    ("RESET ALL", PGB, []),
    ("RESET TIME ZONE", RDS, ["PIN101"]),
    ("RESET \"app\".tenant", RDS, ["PIN101"]),
    ("RESET default_transaction_isolation", RDS, ["PIN105"]),
    ("RESET default_transaction_isolation", PGB, []),
    # Look-alikes.
    ("ALTER ROLE app RESET search_path", ALL, []),
    ("ALTER SYSTEM RESET ALL", ALL, []),
]

# https://www.postgresql.org/docs/current/sql-set-transaction.html
# https://www.postgresql.org/docs/current/sql-set-constraints.html
PG_SET_TRANSACTION = [
    ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", RDS, ["PIN103"]),
    ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", PGB, []),
    ("SET TRANSACTION READ ONLY, DEFERRABLE", RDS, ["PIN103"]),
    ("SET TRANSACTION SNAPSHOT '00000003-0000001B-1'", RDS, ["PIN103"]),
    ("SET transaction_isolation = 'serializable'", RDS, ["PIN103"]),
    ("SET transaction_isolation = 'serializable'", PGB, []),  # lasts one transaction, as SET TRANSACTION does
    ("SET transaction_read_only TO on", RDS, ["PIN103"]),
    ("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED", PGB, ["PIN105"]),
    ("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", RDS, ["PIN105"]),
    ("SET default_transaction_isolation TO 'serializable'", PGB, ["PIN105"]),
    ("SET default_transaction_read_only = on", PGB, ["PIN105"]),
    ("SET default_transaction_read_only TO DEFAULT", RDS, ["PIN105"]),
    ("SET default_transaction_read_only TO DEFAULT", PGB, []),
    ("SET LOCAL default_transaction_read_only = on", RDS, ["PIN103"]),
    ("SET LOCAL default_transaction_read_only = on", PGB, []),
    ("SET CONSTRAINTS ALL DEFERRED", RDS, ["PIN103"]),
    ("SET CONSTRAINTS fk_a, fk_b IMMEDIATE", RDS, ["PIN103"]),
    ("SET CONSTRAINTS ALL DEFERRED", PGB, []),
    # Look-alikes: inside a transaction it is the PgBouncer fix.
    ("BEGIN; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SELECT 1; COMMIT", PGB, []),
    ("BEGIN; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SELECT 1; COMMIT", RDS, ["PIN103"]),
    ("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE", ALL, []),
    ("START TRANSACTION ISOLATION LEVEL REPEATABLE READ", ALL, []),
    ("SHOW transaction_isolation", ALL, []),
]

# https://www.postgresql.org/docs/current/sql-prepare.html
# https://www.postgresql.org/docs/current/sql-execute.html
# https://www.postgresql.org/docs/current/sql-deallocate.html
PG_PREPARED_STATEMENTS = [
    ("PREPARE fooplan (int, text, bool, numeric) AS INSERT INTO foo VALUES ($1, $2, $3, $4)", PGB, ["PIN106"]),
    ("PREPARE usrrptplan (int) AS SELECT * FROM users u WHERE u.usrid = $1", PGB, ["PIN106"]),
    ("PREPARE q AS SELECT 1", PGB, ["PIN106"]),
    ("EXECUTE fooplan(1, 'Hunter Valley', 't', 200.00)", PGB, ["PIN106"]),
    ("EXECUTE q", PGB, ["PIN106"]),
    ("DEALLOCATE q", PGB, ["PIN106"]),
    ("DEALLOCATE PREPARE q", PGB, ["PIN106"]),
    ("DEALLOCATE ALL", PGB, []),  # PgBouncer >= 1.22 handles it
    ("DEALLOCATE ALL", LEGACY, ["PIN106"]),
    ("DEALLOCATE PREPARE ALL", RDS, ["PIN106"]),
    # Look-alikes.
    ("PREPARE TRANSACTION 'foobar'", ALL, []),
    ("COMMIT PREPARED 'foobar'", ALL, []),
    ("ROLLBACK PREPARED 'foobar'", ALL, []),
    ("EXECUTE 'SELECT 1'", ALL, []),  # PL/pgSQL's dynamic EXECUTE
    ("CREATE TRIGGER t AFTER INSERT ON foo FOR EACH ROW EXECUTE FUNCTION f()", ALL, []),
    ("SELECT name FROM pg_prepared_statements", ALL, []),
]

# https://dev.mysql.com/doc/refman/8.4/en/prepare.html
# https://dev.mysql.com/doc/refman/8.4/en/execute.html
# https://dev.mysql.com/doc/refman/8.4/en/deallocate-prepare.html
MYSQL_PREPARED_STATEMENTS = [
    ("PREPARE stmt1 FROM 'SELECT SQRT(POW(?,2) + POW(?,2)) AS hypotenuse'", RDS, ["PIN106"]),
    ("PREPARE stmt2 FROM @s", RDS, ["PIN106"]),
    ("EXECUTE stmt1 USING @a, @b", RDS, ["PIN106"]),
    ("EXECUTE stmt1", RDS, ["PIN106"]),
    ("DEALLOCATE PREPARE stmt1", RDS, ["PIN106"]),
    ("DROP PREPARE stmt1", RDS, ["PIN106"]),
]

# https://www.postgresql.org/docs/current/sql-declare.html
PG_DECLARE = [
    ("DECLARE liahona CURSOR WITH HOLD FOR SELECT * FROM films", PGB, ["PIN111"]),
    ("DECLARE c BINARY INSENSITIVE NO SCROLL CURSOR WITH HOLD FOR SELECT 1", PGB, ["PIN111"]),
    ("DECLARE c ASENSITIVE SCROLL CURSOR WITH HOLD FOR SELECT 1", PGB, ["PIN111"]),
    ("DECLARE c CURSOR FOR SELECT 1", RDS, ["PIN111"]),
    ("DECLARE c CURSOR FOR SELECT 1", PGB, []),  # gone at COMMIT, as PgBouncer expects
    ("DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1", RDS, ["PIN111"]),
    ("DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1", PGB, []),
    # Look-alikes.
    ("FETCH FORWARD 5 FROM liahona", ALL, []),
    ("MOVE FORWARD 5 IN liahona", ALL, []),
    ("CLOSE liahona", ALL, []),
]

# https://www.postgresql.org/docs/current/sql-listen.html
# https://www.postgresql.org/docs/current/sql-unlisten.html
PG_LISTEN = [
    ("LISTEN virtual", PGB, ["PIN110"]),
    ('LISTEN "Jobs"', PGB, ["PIN110"]),
    ("UNLISTEN virtual", RDS, ["PIN110"]),
    ("UNLISTEN *", RDS, ["PIN110"]),
    ("UNLISTEN *", PGB, []),
    # Look-alikes.
    ("NOTIFY virtual", ALL, []),
    ("NOTIFY virtual, 'payload'", ALL, []),
    ("SELECT pg_notify('virtual', 'payload')", ALL, []),
    ("SELECT listen FROM subscriptions", ALL, []),
    ("SELECT listen, unlisten FROM subscriptions", ALL, []),
    ("UPDATE subscriptions SET listen = true", ALL, []),
    ("CREATE TABLE listen (id int)", ALL, []),
    ("SELECT 'LISTEN jobs'", ALL, []),
    ("-- LISTEN jobs\nSELECT 1", ALL, []),
]

# https://www.postgresql.org/docs/current/sql-lock.html: transaction-scoped, never a finding.
PG_LOCK = [
    ("LOCK TABLE films IN SHARE ROW EXCLUSIVE MODE", ALL, []),
    ("LOCK films", ALL, []),
    ("LOCK TABLE ONLY films, shows IN ACCESS EXCLUSIVE MODE NOWAIT", ALL, []),
]

# https://www.postgresql.org/docs/current/sql-load.html
PG_LOAD = [
    ("LOAD 'auto_explain'", PGB, ["PIN112"]),
    ("LOAD '$libdir/plugins/auto_explain'", PGB, ["PIN112"]),
    # Look-alikes.
    ("CREATE EXTENSION pg_stat_statements", ALL, []),
    ("SET auto_explain.log_min_duration = 0", RDS, ["PIN101"]),
]

# https://www.postgresql.org/docs/current/sql-discard.html
PG_DISCARD = [
    ("DISCARD ALL", LEGACY, ["PIN107"]),
    ("DISCARD ALL", PGB, []),  # PgBouncer >= 1.22 handles it
    ("DISCARD PLANS", PGB, ["PIN107"]),
    ("DISCARD SEQUENCES", PGB, ["PIN107"]),
    ("DISCARD TEMPORARY", PGB, ["PIN107"]),
    ("DISCARD TEMP", RDS, ["PIN107"]),
    # Look-alikes.
    ("SELECT 'DISCARD ALL'", ALL, []),
    ("CLOSE ALL", ALL, []),
]

# https://www.postgresql.org/docs/current/sql-createtable.html
# https://www.postgresql.org/docs/current/sql-createtableas.html
# https://www.postgresql.org/docs/current/sql-createview.html
# https://www.postgresql.org/docs/current/sql-createsequence.html
# https://www.postgresql.org/docs/current/sql-selectinto.html
PG_TEMPORARY_OBJECTS = [
    ("CREATE TEMP TABLE t (id int)", PGB, ["PIN108"]),
    ("CREATE TEMPORARY TABLE t (id int)", PGB, ["PIN108"]),
    ("CREATE LOCAL TEMP TABLE t (id int)", PGB, ["PIN108"]),
    ("CREATE LOCAL TEMPORARY TABLE t (id int)", PGB, ["PIN108"]),
    ("CREATE GLOBAL TEMPORARY TABLE t (id int)", PGB, ["PIN108"]),
    ("CREATE TEMP TABLE IF NOT EXISTS t (id int)", PGB, ["PIN108"]),
    ("CREATE TEMP TABLE t (id int) ON COMMIT DELETE ROWS", PGB, ["PIN108"]),
    ("CREATE TEMP TABLE t (id int) ON COMMIT PRESERVE ROWS", PGB, ["PIN108"]),
    ("CREATE TEMP TABLE t (id int) ON COMMIT DROP", RDS, ["PIN108"]),
    ("CREATE TEMP TABLE t (id int) ON COMMIT DROP", PGB, []),
    ("CREATE TEMP TABLE t AS SELECT 1", PGB, ["PIN108"]),
    ("CREATE TEMPORARY TABLE t (a) AS SELECT 1 WITH NO DATA", PGB, ["PIN108"]),
    ("CREATE TABLE pg_temp.t (id int)", PGB, ["PIN108"]),
    ('CREATE TABLE "pg_temp".t (id int)', PGB, ["PIN108"]),
    ("CREATE TABLE IF NOT EXISTS pg_temp.t AS SELECT 1", PGB, ["PIN108"]),
    ("CREATE TEMP VIEW v AS SELECT 1", PGB, ["PIN108"]),
    ("CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1", PGB, ["PIN108"]),
    ("CREATE TEMP RECURSIVE VIEW v (n) AS VALUES (1) UNION ALL SELECT n + 1 FROM v WHERE n < 5", PGB, ["PIN108"]),
    ("CREATE VIEW pg_temp.v AS SELECT 1", PGB, ["PIN108"]),
    ("CREATE TEMP SEQUENCE s", PGB, ["PIN108"]),
    ("CREATE TEMPORARY SEQUENCE IF NOT EXISTS s START 101", PGB, ["PIN108"]),
    ("CREATE SEQUENCE pg_temp.s", PGB, ["PIN108"]),
    ("SELECT * INTO TEMP films_recent FROM films", PGB, ["PIN108"]),
    ("SELECT * INTO TEMPORARY TABLE films_recent FROM films", PGB, ["PIN108"]),
    ("SELECT * INTO LOCAL TEMP films_recent FROM films", PGB, ["PIN108"]),
    ("SELECT * INTO GLOBAL TEMPORARY TABLE films_recent FROM films", PGB, ["PIN108"]),
    ("SELECT * INTO pg_temp.films_recent FROM films", PGB, ["PIN108"]),
    ("SELECT * INTO TABLE pg_temp.films_recent FROM films", PGB, ["PIN108"]),
    ("WITH r AS (SELECT 1 AS id) SELECT id INTO TEMP t FROM r", PGB, ["PIN108"]),
    # Look-alikes.
    ("CREATE TABLE temp (id int)", ALL, []),
    ("CREATE TABLE templates (id int)", ALL, []),
    ("CREATE UNLOGGED TABLE t (id int)", ALL, []),
    ("SELECT * INTO UNLOGGED films_recent FROM films", ALL, []),
    ("SELECT * INTO films_recent FROM films", ALL, []),
    ("SELECT * INTO temp FROM films", ALL, []),  # a permanent table named temp
    ("INSERT INTO temp VALUES (1)", ALL, []),
    ("WITH w AS (INSERT INTO temp VALUES (1) RETURNING id) SELECT id FROM w", ALL, []),
    ("SELECT temp FROM readings", ALL, []),
    ("DO $$ DECLARE temp int; BEGIN SELECT count(*) INTO temp FROM readings; END $$", ALL, []),  # a variable
]

# https://dev.mysql.com/doc/refman/8.4/en/create-temporary-table.html
MYSQL_TEMPORARY_OBJECTS = [
    ("CREATE TEMPORARY TABLE new_tbl SELECT * FROM orig_tbl LIMIT 0", RDS, ["PIN108"]),
    ("CREATE TEMPORARY TABLE IF NOT EXISTS t (id INT)", RDS, ["PIN108"]),
    ("CREATE TEMPORARY TABLE t LIKE u", RDS, ["PIN108"]),
    # Look-alikes.
    ("CREATE TABLE t (id INT)", RDS, []),
    ("DROP TEMPORARY TABLE t", RDS, []),
]

# https://dev.mysql.com/doc/refman/8.4/en/set-variable.html
# https://dev.mysql.com/doc/refman/8.4/en/user-variables.html
# https://dev.mysql.com/doc/refman/8.4/en/set-names.html
# https://dev.mysql.com/doc/refman/8.4/en/set-character-set.html
# https://dev.mysql.com/doc/refman/8.4/en/set-transaction.html
# https://dev.mysql.com/doc/refman/8.4/en/set-role.html
# https://dev.mysql.com/doc/refman/8.4/en/set-default-role.html
# https://dev.mysql.com/doc/refman/8.4/en/set-password.html
MYSQL_SET = [
    ("SET foreign_key_checks = 0", RDS, ["PIN101"]),
    ("SET foreign_key_checks := 0", RDS, ["PIN101"]),
    ("SET SESSION foreign_key_checks = 0", RDS, ["PIN101"]),
    ("SET LOCAL foreign_key_checks = 0", RDS, ["PIN101"]),
    ("SET @@session.foreign_key_checks = 0", RDS, ["PIN101"]),
    ("SET @@SESSION.foreign_key_checks = 0", RDS, ["PIN101"]),
    ("SET @@local.foreign_key_checks = 0", RDS, ["PIN101"]),
    ("SET @@foreign_key_checks = 0", RDS, ["PIN101"]),
    ("SET `foreign_key_checks` = 0", RDS, ["PIN101"]),
    ("SET foreign_key_checks = DEFAULT", RDS, ["PIN101"]),
    ("SET sql_mode = 'TRADITIONAL', foreign_key_checks = 0", RDS, ["PIN101"]),
    ("SET GLOBAL max_connections = 1000, SESSION foreign_key_checks = 0", RDS, ["PIN101"]),
    ("SET @name = 43", RDS, ["PIN115"]),
    ("SET @name := 43", RDS, ["PIN115"]),
    ("SET @total_tax = (SELECT SUM(tax) FROM taxable_transactions)", RDS, ["PIN115"]),
    ("SET @x = 1, SESSION sql_mode = ''", RDS, ["PIN115"]),
    ("SELECT @a := id FROM t", RDS, ["PIN115"]),
    ("SELECT id INTO @a FROM t LIMIT 1", RDS, ["PIN115"]),
    ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", RDS, ["PIN105"]),
    ("SET TRANSACTION READ ONLY", RDS, ["PIN105"]),
    ("SET TRANSACTION ISOLATION LEVEL READ COMMITTED, READ WRITE", RDS, ["PIN105"]),
    ("SET ROLE DEFAULT", RDS, ["PIN104"]),
    ("SET ROLE NONE", RDS, ["PIN104"]),
    ("SET ROLE ALL EXCEPT 'role1'", RDS, ["PIN104"]),
    ("SET ROLE 'role1', 'role2'", RDS, ["PIN104"]),
    # Look-alikes: tracked by RDS Proxy, not session state, or not a SET.
    ("SET sql_mode = 'TRADITIONAL'", RDS, []),
    ("SET SESSION time_zone = '+00:00'", RDS, []),
    ("SET autocommit = 0", RDS, []),
    ("SET @@session.transaction_isolation = 'READ-COMMITTED'", RDS, []),
    ("SET GLOBAL max_connections = 1000", RDS, []),
    ("SET @@GLOBAL.max_connections = 1000", RDS, []),
    ("SET PERSIST max_connections = 1000", RDS, []),
    ("SET @@PERSIST.max_connections = 1000", RDS, []),
    ("SET PERSIST_ONLY back_log = 100", RDS, []),
    ("SET @@PERSIST_ONLY.back_log = 100", RDS, []),
    ("SET NAMES utf8mb4", RDS, []),
    ("SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'", RDS, []),
    ("SET NAMES DEFAULT", RDS, []),
    ("SET CHARACTER SET utf8mb4", RDS, []),
    ("SET CHARSET utf8mb4", RDS, []),
    ("SET CHARACTER SET DEFAULT", RDS, []),
    ("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", RDS, []),
    ("SET GLOBAL TRANSACTION READ ONLY", RDS, []),
    ("SET DEFAULT ROLE ALL TO 'u1'@'localhost'", RDS, []),
    ("SET PASSWORD = 'auth_string'", RDS, []),
    ("SET PASSWORD FOR 'jeffrey'@'localhost' = 'auth_string'", RDS, []),
    ("SET STATEMENT max_statement_time = 1000 FOR SELECT 1", RDS, []),  # MariaDB: one statement only
    ("SELECT @@session.sql_mode, @a", RDS, []),
    ("UPDATE flags SET foreign_key_checks = 0", RDS, []),
    ("SELECT 'SET foreign_key_checks = 0'", RDS, []),
    ("SET foreign_key_checks = 0", PGB, []),  # MySQL is not behind PgBouncer
]

# https://dev.mysql.com/doc/refman/8.4/en/lock-tables.html
# https://dev.mysql.com/doc/refman/8.4/en/flush.html
# https://dev.mysql.com/doc/refman/8.4/en/locking-functions.html
MYSQL_LOCKS = [
    ("LOCK TABLES t1 READ", RDS, ["PIN114"]),
    ("LOCK TABLES t1 READ LOCAL", RDS, ["PIN114"]),
    ("LOCK TABLES t1 AS a READ, t2 WRITE", RDS, ["PIN114"]),
    ("LOCK TABLES t1 a LOW_PRIORITY WRITE", RDS, ["PIN114"]),
    ("LOCK TABLE t1 WRITE", RDS, ["PIN114"]),
    ("lock tables t1 write", RDS, ["PIN114"]),
    ("FLUSH TABLES WITH READ LOCK", RDS, ["PIN114"]),
    ("FLUSH TABLES t1, t2 WITH READ LOCK", RDS, ["PIN114"]),
    ("FLUSH TABLE t1 WITH READ LOCK", RDS, ["PIN114"]),
    ("FLUSH LOCAL TABLES WITH READ LOCK", RDS, ["PIN114"]),
    ("FLUSH NO_WRITE_TO_BINLOG TABLES WITH READ LOCK", RDS, ["PIN114"]),
    ("FLUSH TABLES t1 FOR EXPORT", RDS, ["PIN114"]),  # read-locked until UNLOCK TABLES
    ("SELECT GET_LOCK('lock1', 10)", RDS, ["PIN109"]),
    ("DO GET_LOCK('lock1', 10)", RDS, ["PIN109"]),
    ("SELECT RELEASE_LOCK('lock1')", RDS, ["PIN109"]),
    ("SELECT RELEASE_ALL_LOCKS()", RDS, ["PIN109"]),
    ("SET @locked = GET_LOCK('lock1', 10)", RDS, ["PIN109", "PIN115"]),
    # Look-alikes.
    ("UNLOCK TABLES", RDS, []),
    ("FLUSH TABLES", RDS, []),
    ("FLUSH TABLES t1", RDS, []),
    ("FLUSH PRIVILEGES", RDS, []),
    ("FLUSH LOCAL PRIVILEGES", RDS, []),
    ("LOCK TABLE t1 IN SHARE MODE", RDS, []),  # PostgreSQL's spelling: no MySQL lock type
    ("LOCK TABLE t1", RDS, []),
    ("SELECT * FROM t1 FOR UPDATE", RDS, []),
    ("SELECT * FROM t1 LOCK IN SHARE MODE", RDS, []),
    ("SELECT IS_FREE_LOCK('lock1'), IS_USED_LOCK('lock1')", RDS, []),
    ("SELECT 'GET_LOCK(1, 2)'", RDS, []),
]

FAMILIES = {
    "set": (POSTGRES, PG_SET),
    "set-role": (POSTGRES, PG_SET_ROLE),
    "set-session-authorization": (POSTGRES, PG_SET_SESSION_AUTHORIZATION),
    "reset": (POSTGRES, PG_RESET),
    "set-transaction": (POSTGRES, PG_SET_TRANSACTION),
    "prepare": (POSTGRES, PG_PREPARED_STATEMENTS),
    "mysql-prepare": (MYSQL, MYSQL_PREPARED_STATEMENTS),
    "declare": (POSTGRES, PG_DECLARE),
    "listen": (POSTGRES, PG_LISTEN),
    "lock": (POSTGRES, PG_LOCK),
    "load": (POSTGRES, PG_LOAD),
    "discard": (POSTGRES, PG_DISCARD),
    "temporary": (POSTGRES, PG_TEMPORARY_OBJECTS),
    "mysql-temporary": (MYSQL, MYSQL_TEMPORARY_OBJECTS),
    "mysql-set": (MYSQL, MYSQL_SET),
    "mysql-locks": (MYSQL, MYSQL_LOCKS),
}

FORMS = [
    pytest.param(dialect, sql, targets, expected, id=f"{family}: {sql} [{'+'.join(t.value for t in targets)}]")
    for family, (dialect, rows) in FAMILIES.items()
    for sql, targets, expected in rows
]


@pytest.mark.parametrize("dialect, sql, targets, expected", FORMS)
def test_each_form_gets_exactly_its_codes(dialect, sql, targets, expected):
    assert codes(sql, dialect, targets) == expected


@pytest.mark.parametrize("dialect, sql, targets, expected", FORMS)
def test_python_that_sends_a_form_gets_the_same_codes_with_and_without_the_first_pass(dialect, sql, targets, expected):
    source = f"def run(cur):\n    cur.execute({sql!r})\n".encode()
    settings = Settings(targets=targets, dialect=dialect, min_confidence=Confidence.LOW)
    for first_pass in (True, False):
        report = lint_source(source, "app.py", replace(settings, first_pass=first_pass))
        assert sorted(f.code for f in report.findings) == expected


MESSAGES = [
    (
        POSTGRES, "SET ROLE TO admin_role", "PIN104",
        "`SET ROLE` switches the session's role: pins the session on RDS Proxy; leaks the role's privileges "
        "to the next client on PgBouncer and PgBouncer < 1.21",
    ),
    (POSTGRES, "SET ROLE NONE", "PIN104", "`SET ROLE NONE` changes the session's role: pins the session on RDS Proxy"),
    (
        POSTGRES, "SET SESSION AUTHORIZATION DEFAULT", "PIN104",
        "`SET SESSION AUTHORIZATION DEFAULT` changes the session's role: pins the session on RDS Proxy",
    ),
    (
        POSTGRES, "SET search_path FROM CURRENT", "PIN101",
        "`SET search_path FROM CURRENT` is a session-level SET: pins the session on RDS Proxy",
    ),
    (
        POSTGRES, "SET TIME ZONE LOCAL", "PIN101",
        "`SET timezone TO DEFAULT` changes session settings: pins the session on RDS Proxy",
    ),
    (
        POSTGRES, "SET transaction_isolation = 'serializable'", "PIN103",
        "`SET transaction_isolation` is transaction-scoped: pins the session on RDS Proxy "
        "(RDS Proxy documents no exemption for it)",
    ),
    (
        POSTGRES, "SELECT * INTO TABLE pg_temp.films_recent FROM films", "PIN108",
        "`SELECT ... INTO pg_temp.…` outlives the statement: pins the session on RDS Proxy; leaks it to the next "
        "client on PgBouncer and PgBouncer < 1.21 (it stays on one backend, where your later statements may not run)",
    ),
    (
        MYSQL, "FLUSH TABLES t1 FOR EXPORT", "PIN114",
        "`FLUSH TABLES ... FOR EXPORT` holds table locks for the session: pins the session on RDS Proxy",
    ),
]


@pytest.mark.parametrize("dialect, sql, code, message", MESSAGES, ids=[m[1] for m in MESSAGES])
def test_newly_covered_forms_say_what_was_written(dialect, sql, code, message):
    assert [(f.code, f.message) for f in findings(sql, dialect)] == [(code, message)]
