"""`pinlint logs` from log events on: classification by the rules, fingerprints, the mapping to
the project's code and to the libraries that send statements on their own, and the output.

The events are built here as the log readers produce them, so these tests do not depend on any
log format."""

from __future__ import annotations

import json
import sys
import textwrap
import types
from pathlib import Path

import pytest

from pinlint.cli import main
from pinlint.diagnostics import Severity
from pinlint.engine import lint_paths
from pinlint.logs.classify import Judge, Judgement, tally
from pinlint.logs.emitters import ASYNCPG_JIT, ASYNCPG_PREPARED, ASYNCPG_RESET
from pinlint.logs.events import (
    CLOSED, ERROR, NOTICE, PGBOUNCER, PINNED, POSTGRESQL, RDS_PROXY, REFUSED, STATEMENT, LogEvent,
)
from pinlint.logs.fingerprint import fingerprint, fingerprints, matches
from pinlint.logs.mapping import CodeIndex, Location, lint_project, map_to_code
from pinlint.logs.report import as_dict, render
from pinlint.sent import SentConnection, SentSql, StartupParameter
from pinlint.settings import Settings
from pinlint.targets import Target

SETTINGS_CHANGED = (
    "SQL changed session settings that the proxy doesn't track. Consider moving session configuration to the "
    "proxy's initialization query."
)
EVERY_TARGET = tuple(Target)

APP = '''\
import asyncpg
import psycopg
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app")


async def make_pool():
    return await asyncpg.create_pool("postgresql://app@db/app", server_settings={"jit": "off"})


async def use_tenant(conn, name):
    await conn.execute(f"SET search_path TO {name}")


def with_timeout():
    return psycopg.connect("host=db dbname=app", options="-c statement_timeout=5s")


def tag(cur, tenant_id):
    cur.execute("SELECT set_config('app.tenant', %s, false)", [tenant_id])
'''
QUERIES = """\
SELECT 1;
SET search_path TO tenant_a, public;
CREATE TEMP TABLE scratch (id int);
"""


def event(source, kind, text="", reason="", timestamp=None, line=1, **detail) -> LogEvent:
    filename = {RDS_PROXY: "proxy.log", POSTGRESQL: "postgresql.log", PGBOUNCER: "pgbouncer.log"}[source]
    return LogEvent(source, kind, text, reason, timestamp, filename, line, detail)


def pinned(digest: str, line: int = 1, reason: str = SETTINGS_CHANGED) -> LogEvent:
    return event(RDS_PROXY, PINNED, digest, reason, f"2026-03-02T10:00:{line:02d}.000Z", line)


def statement(text: str, line: int = 1, **detail) -> LogEvent:
    return event(POSTGRESQL, STATEMENT, text, "", f"2026-03-02 10:00:{line:02d}.000 UTC", line, **detail)


def judged(one: LogEvent, targets=EVERY_TARGET) -> Judgement | None:
    return Judge(targets)(one)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "db.py").write_text(APP, encoding="utf-8")
    (tmp_path / "app" / "queries.sql").write_text(QUERIES, encoding="utf-8")
    (tmp_path / ".env").write_text("PGOPTIONS='-c lock_timeout=3s'\n", encoding="utf-8")
    return tmp_path


def incidents_of(events: list[LogEvent], project: Path, targets=EVERY_TARGET) -> list[dict]:
    report = lint_project(project, Settings(root=project, targets=targets), project, jobs=1)
    return [as_dict(i) for i in map_to_code(tally(events, Judge(targets)), CodeIndex(report))]


def places(incident: dict) -> list[str]:
    return [f"{l['filename']}:{l['row']}:{l['column']}" for l in incident["locations"]]


# -- fingerprints ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, logged",
    [
        # placeholders of every driver and log, literals, case, whitespace and comments
        ("SELECT v FROM marker WHERE id = %s", "select v from marker where id = $1"),
        ("SELECT v FROM marker WHERE id = %(id)s", "SELECT v FROM marker WHERE id = 42"),
        ("SELECT v FROM marker WHERE id = :id", "select v from marker where id = ?"),
        ("SELECT v\n  FROM marker -- the marker\n WHERE id = $1", "SELECT   v FROM MARKER WHERE ID = 'x'"),
        ("SELECT v FROM marker WHERE id IN %s", "SELECT v FROM marker WHERE id IN %s"),
        ("SELECT v FROM marker WHERE id IN (1, 2, 3)", "select v from marker where id in ($1,$2)"),
        ("INSERT INTO t (a, b) VALUES (%s, %s)", "insert into t (a, b) values ($1, $2), ($3, $4), ($5, $6)"),
        # a SET's value, names included, is one value (RDS Proxy writes `$1,$2,$3` for three names)
        ("SET search_path TO tenant_a, public", "set search_path to $1,$2,$3"),
        ("SET TIME ZONE 'UTC'", "set time zone $1"),
        ("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED",
         "set session characteristics as transaction isolation level $1 uncommitted"),
        ('SET "Search_Path" = \'a\'', "SET search_path = b"),
        ("SELECT set_config($2,$1,$3)", "SELECT set_config('jit', 'off', false)"),
        # composed strings: a hole is any run of tokens, or any characters inside a word
        ("SET search_path TO __", "set search_path to tenant_a, public"),
        ("SELECT * FROM __ WHERE tenant = %s", "SELECT * FROM billing.invoices WHERE tenant = 7"),
        ("SELECT * FROM tenant___.marker", "SELECT * FROM tenant_42.marker"),
    ],
)
def test_the_code_matches_what_the_log_shows(written, logged):
    [pattern], [seen] = fingerprints(written), fingerprints(logged)
    assert matches(pattern, seen)


@pytest.mark.parametrize(
    "written, logged",
    [
        ("SELECT set_config('app.tenant', %s, false)", "SELECT set_config('jit', 'off', false)"),
        ("SELECT pg_advisory_lock(42)", "SELECT pg_advisory_lock(7)"),
        ("SELECT * FROM tenant___.marker", "SELECT * FROM public.marker"),
        ("SELECT * FROM __ WHERE tenant = %s", "SELECT * FROM invoices"),
        ("SET search_path TO a", "SET statement_timeout TO a"),
    ],
)
def test_different_statements_do_not_match(written, logged):
    [pattern], [seen] = fingerprints(written), fingerprints(logged)
    assert not matches(pattern, seen)


def test_fingerprints_read_as_sql():
    assert fingerprint("SELECT set_config($2,$1,$3)") == "select set_config(?, ?, ?)"
    assert fingerprint("select pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;") == (
        "select pg_advisory_unlock_all(); close all; unlisten *; reset all"
    )
    assert fingerprint('SELECT "Col"::int, x.y FROM a.b WHERE c IN (1, 2) AND d = true') == (
        "select col::int, x.y from a.b where c in (?) and d = ?"
    )
    assert fingerprint("SET `autocommit` = ?, `transaction_isolation` = ?", "mysql") == "set autocommit = ?"


# -- classification -----------------------------------------------------------------------------


def test_rds_proxy_digests_are_judged_by_the_rules():
    assert judged(pinned("set search_path to $1,$2,$3")) == Judgement(
        "PIN101", "set search_path to ?", "`SET search_path` changes a session setting: pins the session on RDS Proxy",
        Severity.WARNING,
        "Set it per role or database instead (`ALTER ROLE app SET search_path = ...`), or schema-qualify table names "
        "(SQLAlchemy `schema_translate_map`); behind PgBouncer alone, `SET LOCAL search_path ...` inside a "
        "transaction also works (outside one it silently does nothing)",
        ("set", "search_path", "to", "?"),
    )
    reset = judged(pinned("select pg_advisory_unlock_all(); close all; unlisten *; reset all;"))
    assert (reset.code, reset.emitter) == ("PIN109", ASYNCPG_RESET)
    assert judged(pinned("set session characteristics as transaction isolation level $1 uncommitted")).code == "PIN105"
    mysql = judged(pinned("SET `foreign_key_checks` = ?"))
    assert (mysql.code, mysql.statement) == ("PIN101", "set foreign_key_checks = ?")


def test_rds_proxy_pins_are_incidents_even_without_a_judged_digest():
    oversized = judged(pinned("", reason="The connection ran a SQL query which exceeded the 16384 byte limit."))
    assert (oversized.code, oversized.statement, oversized.consequence) == (
        "PIN118", "", "pins the session on RDS Proxy (the statement is over 16384 bytes)",
    )
    parse = judged(pinned("", reason="A parse message was detected."))
    assert parse.code == "PIN202"
    old_style = judged(pinned("", reason="A SET statement was detected."))
    assert old_style.code == "PIN101"
    running = judged(pinned("", reason="Running a prepared statement"))
    assert running.code == "PIN202"
    flagged = judged(event(RDS_PROXY, NOTICE, "", "If this prepared statement runs, the client session will be pinned "
                                                   "to the database connection [dbConnection=7]. " + SETTINGS_CHANGED))
    assert flagged is None  # nothing to judge without its digest
    flagged = judged(event(RDS_PROXY, NOTICE, "select $1", "If this prepared statement runs, ... " + SETTINGS_CHANGED))
    assert (flagged.code, flagged.statement) == ("PIN101", "select ?")
    unknown = judged(pinned("", reason="Something new."))
    assert (unknown.code, unknown.consequence) == ("", "pins the session on RDS Proxy (Something new.)")
    # A digest no rule judges still pinned: the reason says why.
    harmless_digest = judged(pinned("select $1"))
    assert (harmless_digest.code, harmless_digest.statement) == ("PIN101", "select ?")


def test_the_reason_holds_the_digest_when_the_reader_left_it_there():
    one = event(RDS_PROXY, PINNED, "", SETTINGS_CHANGED + ' Digest: "set search_path to $1".')
    assert judged(one).statement == "set search_path to ?"


def test_rds_proxy_notices_count_only_with_a_statement():
    flagged = event(RDS_PROXY, NOTICE, "set client_encoding to $1", "If this prepared statement runs, ...")
    assert judged(flagged).code == "PIN101"
    assert judged(event(RDS_PROXY, NOTICE, "", "A new client connected from 10.0.0.5:51234.")) is None


@pytest.mark.parametrize(
    "text",
    ["SELECT 1", "UPDATE t SET a = 1", "BEGIN", "COMMIT", "SELECT v FROM marker WHERE id = $1", "SHOW search_path",
     "SELECT pg_advisory_xact_lock(1)", "INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2", ""],
)
def test_statements_that_leave_no_session_state_are_never_incidents(text):
    assert judged(statement(text)) is None


def test_server_statements_are_judged_under_the_targets():
    time_zone = statement("SET TIME ZONE 'UTC'")
    assert judged(time_zone, (Target.PGBOUNCER,)) is None  # PgBouncer restores TimeZone per client
    assert judged(time_zone, (Target.RDS_PROXY,)).consequence == (
        "`SET timezone` changes a session setting: pins the session on RDS Proxy"
    )
    jit = judged(statement("SELECT current_setting('jit') AS cur,\n       set_config('jit', 'off', false) AS new"))
    assert (jit.code, jit.emitter, jit.statement) == (
        "PIN102", ASYNCPG_JIT, "select current_setting(?) as cur, set_config(?, ?, ?) as new",
    )
    restore = judged(statement("SELECT set_config($2,$1,$3)", parameters="$1 = 'on', $2 = 'jit', $3 = 'f'"))
    assert (restore.code, restore.emitter) == ("PIN102", ASYNCPG_JIT)


def test_named_driver_statements_break_only_old_pgbouncers():
    execute = statement("SELECT v FROM marker WHERE id = $1", prepared_statement="__asyncpg_stmt_1__")
    assert judged(execute, (Target.RDS_PROXY, Target.PGBOUNCER)) is None
    legacy = judged(execute, (Target.PGBOUNCER_LEGACY,))
    assert (legacy.code, legacy.statement, legacy.emitter) == (
        "PIN202", 'prepared statement "__asyncpg_stmt_N__"', ASYNCPG_PREPARED,
    )
    assert judged(statement("SELECT 1", prepared_statement="<unnamed>"), (Target.PGBOUNCER_LEGACY,)) is None


def test_prepared_statement_errors():
    missing = event(POSTGRESQL, ERROR, "SELECT v FROM marker WHERE id = $1",
                    'prepared statement "__asyncpg_stmt_3__" does not exist', sqlstate="26000")
    assert judged(missing) == Judgement(
        "PIN202", 'prepared statement "__asyncpg_stmt_N__"',
        'breaks behind the pooler (`prepared statement "__asyncpg_stmt_3__" does not exist`)', Severity.ERROR,
        ASYNCPG_PREPARED.fix, emitter=ASYNCPG_PREPARED,
    )
    sql_level = event(POSTGRESQL, ERROR, "EXECUTE get_marker", 'prepared statement "get_marker" does not exist',
                      sqlstate="26000")
    assert (judged(sql_level).code, judged(sql_level).statement) == ("PIN106", "execute get_marker")
    psycopg = event(PGBOUNCER, ERROR, "", "prepared statement '_pg3_0' was already prepared")
    assert (judged(psycopg).code, judged(psycopg).statement, judged(psycopg).consequence) == (
        "PIN202", 'prepared statement "_pg3_N"', "breaks on PgBouncer (`prepared statement '_pg3_0' was already prepared`)",
    )
    jdbc = event(POSTGRESQL, ERROR, "", 'prepared statement "S_1" already exists', sqlstate="42P05")
    assert (judged(jdbc).code, judged(jdbc).emitter) == ("PIN202", None)
    assert judged(event(POSTGRESQL, ERROR, "SELECT 1/0", "division by zero", sqlstate="22012")) is None


def test_refused_startup_parameters():
    options = event(PGBOUNCER, REFUSED, "", "unsupported startup parameter: options", parameter="options")
    assert (judged(options).code, judged(options).statement, judged(options).consequence) == (
        "PIN201", "startup parameter options", "rejects the connection on PgBouncer (`unsupported startup parameter: options`)",
    )
    inside = event(PGBOUNCER, REFUSED, "", "unsupported startup parameter in options: statement_timeout")
    assert judged(inside).parameter == "statement_timeout"
    rds = event(RDS_PROXY, REFUSED, "", "Feature not supported: RDS Proxy currently doesn't support the option jit.")
    assert judged(rds).parameter == "jit"
    libpq = event(RDS_PROXY, REFUSED, "", "Feature not supported: RDS Proxy currently doesn't support command-line options.")
    assert judged(libpq).parameter == "options"
    assert judged(event(PGBOUNCER, CLOSED, "", "client close request")) is None


def test_events_are_counted_per_incident_most_frequent_first():
    events = [
        pinned("set search_path to $1", 3), pinned("SET search_path TO $1,$2", 1), statement("SELECT 1", 2),
        pinned("select set_config($1, $2, $3)", 4), pinned("set search_path to $1", 2),
    ]
    [search_path, set_config] = tally(events, Judge(EVERY_TARGET))
    assert (search_path.count, search_path.first_seen, search_path.last_seen, search_path.first_logged) == (
        3, "2026-03-02T10:00:01.000Z", "2026-03-02T10:00:03.000Z", "proxy.log:3",
    )
    assert (set_config.judgement.code, set_config.count) == ("PIN102", 1)


# -- the engine keeps what the project can send ------------------------------------------------


def test_the_engine_keeps_sql_and_connections_only_when_asked(project):
    kept = lint_paths([project], Settings(root=project, collect_sent=True), project)
    assert sorted(kept.sent_sql, key=lambda s: (s.path, s.row)) == [
        SentSql("app/db.py", 13, 25, "SET search_path TO __"),
        SentSql("app/db.py", 21, 17, "SELECT set_config('app.tenant', %s, false)"),
        SentSql("app/queries.sql", 1, 1, "SELECT 1"),
        SentSql("app/queries.sql", 2, 1, "SET search_path TO tenant_a, public"),
        SentSql("app/queries.sql", 3, 1, "CREATE TEMP TABLE scratch (id int)"),
    ]
    assert sorted(kept.sent_connections, key=lambda c: (c.path, c.row)) == [
        SentConnection(".env", 1, 11, "libpq", "", "environment", "`PGOPTIONS`",
                       (StartupParameter("options", 1, 11), StartupParameter("lock_timeout", 1, 11))),
        SentConnection("app/db.py", 5, 10, "asyncpg", "sqlalchemy", "engine", "`create_async_engine()`"),
        SentConnection("app/db.py", 9, 18, "asyncpg", "", "pool", "`asyncpg.create_pool()`",
                       (StartupParameter("jit", 9, 89),)),
        SentConnection("app/db.py", 17, 12, "psycopg", "", "connection", "`psycopg.connect()`",
                       (StartupParameter("options", 17, 58), StartupParameter("statement_timeout", 17, 58))),
    ]
    plain = lint_paths([project], Settings(root=project), project)
    assert (plain.sent_sql, plain.sent_connections) == ([], [])


def test_keeping_them_changes_no_finding_of_a_project_with_wrappers(repo_root):
    """Settings a project wrapper writes belong to the wrapper's module: they are kept there."""
    billing = repo_root / "tests" / "fixtures" / "projects" / "billing"
    kept = lint_paths([billing], Settings(root=billing, collect_sent=True), billing)
    assert kept.findings == lint_paths([billing], Settings(root=billing), billing).findings
    assert kept.sent_connections and not [f for f in kept.findings if f.code == "PIN900"]


# -- mapping to code --------------------------------------------------------------------------


def test_project_sql_is_found_by_fingerprint(project):
    [incident] = incidents_of([pinned("set search_path to $1,$2,$3")], project)
    assert places(incident) == ["app/db.py:13:25", "app/queries.sql:2:1"]  # the f-string and the script
    [temp] = incidents_of([statement("create temp table scratch (id int)")], project)
    assert (temp["code"], places(temp)) == ("PIN108", ["app/queries.sql:3:1"])


def test_literals_tell_the_projects_set_config_from_asyncpgs(project):
    tagged, restored = incidents_of([
        statement("SELECT set_config('app.tenant', 'acme', false)", 1),
        statement("SELECT set_config('jit', $1, false)", 2, parameters="$1 = 'on'"),
    ], project)
    assert (tagged["code"], places(tagged), tagged["emitter"]) == ("PIN102", ["app/db.py:21:17"], None)
    assert (restored["code"], places(restored), restored["emitter"]) == (
        "PIN204", ["app/db.py:5:10", "app/db.py:9:18"], f"asyncpg: {ASYNCPG_JIT.sends}",
    )


def test_every_literal_an_incident_was_logged_with_is_looked_for(tmp_path_factory):
    locks = tmp_path_factory.mktemp("locks")
    (locks / "locks.sql").write_text("SELECT pg_advisory_lock(42);\nSELECT pg_advisory_lock(8);\n", encoding="utf-8")
    [incident] = incidents_of([statement("SELECT pg_advisory_lock(7)", 1), statement("SELECT pg_advisory_lock(42)", 2)], locks)
    assert (incident["count"], incident["statement"], places(incident)) == (2, "select pg_advisory_lock(?)", ["locks.sql:1:1"])


def test_library_emitters_map_to_the_line_that_configures_the_library(project):
    missing, reset = incidents_of([
        pinned("select pg_advisory_unlock_all(); close all; unlisten *; reset all;", 1),
        event(POSTGRESQL, ERROR, "SELECT 1", 'prepared statement "__asyncpg_stmt_a__" does not exist', sqlstate="26000"),
    ], project)
    assert (reset["code"], places(reset), reset["fix"]) == ("PIN203", ["app/db.py:9:18"], ASYNCPG_RESET.fix)
    assert (missing["code"], places(missing)) == ("PIN202", ["app/db.py:5:10", "app/db.py:9:18"])


def test_refused_startup_parameters_map_to_what_sends_them(project):
    jit, options, timeout = incidents_of([
        event(PGBOUNCER, REFUSED, "", "unsupported startup parameter: jit", line=1),
        event(PGBOUNCER, REFUSED, "", "unsupported startup parameter: options", line=2),
        event(PGBOUNCER, REFUSED, "", "unsupported startup parameter in options: statement_timeout", line=3),
    ], project)
    assert places(jit) == ["app/db.py:9:89"]
    assert places(options) == [".env:1:11", "app/db.py:17:58"]
    assert places(timeout) == ["app/db.py:17:58"]


def test_what_no_code_sends_says_so(project, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("empty")
    [lock] = incidents_of([statement("SELECT pg_advisory_lock(42)", user="app", database="live")], project)
    assert (lock["code"], lock["locations"], lock["unlocated"]) == (
        "PIN109", [], "no code location found: sent at run time by `app@live` from a library or from SQL the "
        "project builds where pinlint cannot follow it",
    )
    # Other clients than SQLAlchemy's send it too: without an engine that would, nothing is blamed.
    [characteristics] = incidents_of([pinned("set session characteristics as transaction isolation level $1")], project)
    assert (characteristics["code"], characteristics["emitter"], characteristics["locations"]) == ("PIN105", None, [])
    [toggle] = incidents_of([pinned("select current_setting($1) as cur, set_config($2, $3, $4) as new")], tmp_path)
    assert (toggle["code"], toggle["unlocated"]) == (
        "PIN204", "no code location found: sent at run time from asyncpg, which no connection in the project configures",
    )


# -- output -----------------------------------------------------------------------------------


def sample(project) -> list:
    events = [
        pinned("set search_path to $1", 1), pinned("set search_path to $1", 2),
        event(PGBOUNCER, REFUSED, "", "unsupported startup parameter: jit", "2026-03-02 10:00:05.000 UTC", 7),
    ]
    report = lint_project(project, Settings(root=project), project, jobs=1)
    return map_to_code(tally(events, Judge(EVERY_TARGET)), CodeIndex(report))


def test_json_output(project):
    assert json.loads(render(sample(project), "json")) == [
        {
            "source": "rds-proxy", "code": "PIN101", "name": "session-set", "severity": "warning",
            "consequence": "`SET search_path` changes a session setting: pins the session on RDS Proxy",
            "statement": "set search_path to ?", "count": 2,
            "first_seen": "2026-03-02T10:00:01.000Z", "last_seen": "2026-03-02T10:00:02.000Z",
            "locations": [{"filename": "app/db.py", "row": 13, "column": 25},
                          {"filename": "app/queries.sql", "row": 2, "column": 1}],
            "emitter": None,
            "fix": judged(pinned("set search_path to $1")).fix,
            "first_logged": "proxy.log:1", "unlocated": None,
        },
        {
            "source": "pgbouncer", "code": "PIN201", "name": "rejected-startup-parameter", "severity": "error",
            "consequence": "rejects the connection on PgBouncer (`unsupported startup parameter: jit`)",
            "statement": "startup parameter jit", "count": 1,
            "first_seen": "2026-03-02 10:00:05.000 UTC", "last_seen": "2026-03-02 10:00:05.000 UTC",
            "locations": [{"filename": "app/db.py", "row": 9, "column": 89}],
            "emitter": None,
            "fix": "Set it for the role instead: `ALTER ROLE app SET jit = ...` (or `ALTER DATABASE`, or RDS Proxy's "
                   "initialization query), and keep startup parameters to application_name, client_encoding, "
                   "DateStyle and TimeZone",
            "first_logged": "pgbouncer.log:7", "unlocated": None,
        },
    ]


def test_full_output(project):
    first, second = render(sample(project), "full").split("\n\n")[:2]
    assert first.splitlines()[:6] == [
        "PIN101 session-set [warning] rds-proxy: seen 2 times, 2026-03-02T10:00:01.000Z to 2026-03-02T10:00:02.000Z "
        "(first at proxy.log:1)",
        "  statement: set search_path to ?",
        "  `SET search_path` changes a session setting: pins the session on RDS Proxy",
        "  --> app/db.py:13:25",
        "  --> app/queries.sql:2:1",
        "  = help: Set it per role or database instead (`ALTER ROLE app SET search_path = ...`), or schema-qualify "
        "table names (SQLAlchemy `schema_translate_map`); behind PgBouncer alone, `SET LOCAL search_path ...` "
        "inside a transaction also works (outside one it silently does nothing)",
    ]
    assert second.splitlines()[0] == (
        "PIN201 rejected-startup-parameter [error] pgbouncer: seen 1 time, 2026-03-02 10:00:05.000 UTC to "
        "2026-03-02 10:00:05.000 UTC (first at pgbouncer.log:7)"
    )


def test_hostile_log_text_never_reaches_the_terminal_as_control_or_line_break(project):
    hostile = "SET search_path TO \x1b[31mred\x1b[0m\n::error file=x::owned\u202e"
    events = [pinned(hostile, 1), event(POSTGRESQL, ERROR, "", 'prepared statement "\x1b]0;x\x07\n##[error]" does not exist',
                                        "10:00\n::warning::", 2, sqlstate="26000")]
    report = lint_project(project, Settings(root=project), project, jobs=1)
    incidents = map_to_code(tally(events, Judge(EVERY_TARGET)), CodeIndex(report))
    for output_format in ("full", "github"):
        text = render(incidents, output_format)
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        assert not any(line.startswith(("::error file=x", "::warning::", "##[")) for line in text.splitlines())
    [error] = [i for i in json.loads(render(incidents, "json")) if i["source"] == POSTGRESQL]
    assert error["consequence"].startswith('breaks behind the pooler (`prepared statement "\x1b]0;x\x07\n##[error]"')


def test_sarif_annotates_every_mapped_line(project):
    sarif = json.loads(render(sample(project), "sarif"))
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("PIN101", "app/db.py", 13), ("PIN101", "app/queries.sql", 2), ("PIN201", "app/db.py", 9),
    ]


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def logged(monkeypatch):
    """`pinlint.logs.readers` replaced by one that yields the events a test gives it."""
    given: list[LogEvent] = []
    calls: list[tuple] = []

    def read_logs(paths, log_line_prefix=None, problems=None, skim=None):
        calls.append((list(paths), log_line_prefix, skim))
        yield from given

    monkeypatch.setitem(sys.modules, "pinlint.logs.readers", types.SimpleNamespace(read_logs=read_logs))
    return given, calls


def test_cli_exit_codes_and_output(project, logged, capsys):
    given, calls = logged
    (project / "proxy.log").write_text("", encoding="utf-8")
    assert main(["logs", "proxy.log"]) == 0
    assert capsys.readouterr().err == "No incidents.\n"
    given.append(pinned("set search_path to $1"))
    assert main(["logs", "proxy.log", "--log-line-prefix", "%m [%p] ", "--output-format", "json"]) == 1
    out, err = capsys.readouterr()
    assert [places(i) for i in json.loads(out)] == [["app/db.py:13:25", "app/queries.sql:2:1"]]
    assert calls[-1] == (["proxy.log"], "%m [%p] ", "auto")  # skimmed for what the statements are judged as
    assert main(["logs", "proxy.log", "--exit-zero"]) == 0
    assert capsys.readouterr().err.endswith("Found 1 incident (1 logged event), 1 mapped to code.\n")
    assert main(["logs", "missing.log"]) == 2
    assert "no such file or directory: missing.log" in capsys.readouterr().err
    assert main(["logs", "-", "proxy.log"]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["logs"])
    assert usage.value.code == 2


def test_cli_maps_to_another_project_and_judges_under_the_targets(project, logged, capsys, tmp_path_factory):
    given, _ = logged
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "proxy.log").write_text("", encoding="utf-8")
    given.append(statement("SET TIME ZONE 'UTC'"))
    assert main(["logs", str(elsewhere / "proxy.log"), "--target", "pgbouncer"]) == 0
    capsys.readouterr()
    assert main(["logs", str(elsewhere / "proxy.log"), "--target", "rds-proxy", "--project", "app",
                 "--output-format", "json"]) == 1
    [incident] = json.loads(capsys.readouterr().out)
    assert (incident["code"], incident["locations"]) == ("PIN101", [])
