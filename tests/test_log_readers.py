"""The log readers on realistic samples of every format (tests/data/logs/), and on hostile input:
exact events (source, kind, text, reason, time, line and detail) and exact problems."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT, budget
from pinlint.logs.events import CLOSED, ERROR, NOTICE, PGBOUNCER, PINNED, POSTGRESQL, RDS_PROXY, REFUSED, STATEMENT
from pinlint.logs.postgresql import compile_prefix
from pinlint.logs.readers import LogProblem, read_logs
from pinlint.logs.streams import LINE_LIMIT

LOGS = ROOT / "tests" / "data" / "logs"


def events(*paths, log_line_prefix=None, source=None):
    """(line, kind, text, reason, timestamp, detail) of every event, and the problems as text. All
    events come from ``source`` and name the file they were read from."""
    problems: list[LogProblem] = []
    found = []
    for event in read_logs([str(path) for path in paths], log_line_prefix, problems):
        assert event.filename in [str(path) for path in paths]
        if source is not None:
            assert event.source == source, event
        found.append((event.line, event.kind, event.text, event.reason, event.timestamp, event.detail))
    return found, [str(problem) for problem in problems]


def without_lines(found):
    return [event[1:] for event in found]


# --- PostgreSQL ---------------------------------------------------------------------------------

JIT_OFF = "\n                    SELECT\n                        current_setting('jit') AS cur,\n                        set_config('jit', 'off', false) AS new\n                    "
JIT_BACK = "\n                SELECT\n                    set_config('jit', $1, false)\n                "
DEFAULT_PREFIX_EVENTS = [
    (5, STATEMENT, "SET search_path TO tenant_a, public", "", "2026-12-03 00:38:02.611 UTC", {"pid": "14722"}),
    (6, STATEMENT, "SELECT 1 AS one,\n       'two' AS two\nFROM pg_class\n\tWHERE false", "", "2026-12-03 00:38:02.612 UTC", {"pid": "14722"}),
    (10, STATEMENT, "select set_config('app.tenant_id', $1, false)", "", "2026-12-03 00:38:02.616 UTC", {"pid": "14722", "parameters": "$1 = 'acme'"}),
    (12, STATEMENT, "PREPARE get_marker AS SELECT 2", "", "2026-12-03 00:38:02.620 UTC", {"pid": "14722"}),
    (13, ERROR, "PREPARE get_marker AS SELECT 2", 'prepared statement "get_marker" already exists', "2026-12-03 00:38:02.620 UTC", {"pid": "14722", "prepared_statement": "get_marker"}),
    (15, STATEMENT, "SELECT $1::int + 1", "", "2026-12-03 00:38:02.624 UTC", {"pid": "14722", "prepared_statement": "_pg3_0", "parameters": "$1 = '0'"}),
    (17, ERROR, "SELECT $1::int + 1", 'prepared statement "_pg3_0" already exists', "2026-12-03 00:38:02.628 UTC", {"pid": "14722", "prepared_statement": "_pg3_0"}),
    (19, ERROR, "SELECT $1::int + 1", 'prepared statement "_pg3_0" does not exist', "2026-12-03 00:38:02.629 UTC", {"pid": "14723", "prepared_statement": "_pg3_0"}),
    # the parse and bind durations before each execute are not events
    (26, STATEMENT, JIT_OFF, "", "2026-12-03 00:50:30.935 UTC", {"pid": "4935", "prepared_statement": "__asyncpg_stmt_2__"}),
    (37, STATEMENT, JIT_BACK, "", "2026-12-03 00:50:30.968 UTC", {"pid": "4935", "prepared_statement": "__asyncpg_stmt_4__", "parameters": "$1 = 'on'"}),
    (42, STATEMENT, "SET LOCAL statement_timeout = 5", "", "2026-12-03 00:50:30.969 UTC", {"pid": "4935"}),
    (43, NOTICE, "", "SET LOCAL can only be used in transaction blocks", "2026-12-03 00:50:30.969 UTC", {"pid": "4935"}),
    (44, STATEMENT, "SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;", "", "2026-12-03 00:50:30.996 UTC", {"pid": "4936"}),
    (49, ERROR, "", "terminating connection due to administrator command", "2026-12-03 00:38:05.256 UTC", {"pid": "14722"}),
]


def test_postgresql_default_prefix():
    assert events(LOGS / "postgresql-default.log", source=POSTGRESQL) == (DEFAULT_PREFIX_EVENTS, [])


ORDERS = {"user": "orders_app", "database": "orders"}
RDS_PREFIX_EVENTS = [
    (4, STATEMENT, "SELECT set_config('TimeZone', 'UTC', false)", "", "2026-11-20 09:14:05 UTC", {**ORDERS, "pid": "9917", "client": "10.0.12.7(51234)"}),
    (5, STATEMENT, "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED", "", "2026-11-20 09:14:06 UTC", {**ORDERS, "pid": "9917", "client": "10.0.12.7(51234)"}),
    (6, STATEMENT, "SELECT o.id, o.total\nFROM orders o\nWHERE o.customer_id = $1", "", "2026-11-20 09:14:06 UTC",
     {**ORDERS, "pid": "9917", "client": "10.0.12.7(51234)", "prepared_statement": "__asyncpg_stmt_a__", "parameters": "$1 = '42'"}),
    (10, ERROR, "SELECT o.id, o.total\nFROM orders o\nWHERE o.customer_id = $1", 'prepared statement "__asyncpg_stmt_a__" does not exist', "2026-11-20 09:14:07 UTC",
     {**ORDERS, "pid": "9921", "client": "10.0.12.9(40112)", "prepared_statement": "__asyncpg_stmt_a__"}),
    (14, ERROR, "SELECT * FROM orders WHERE id = $1", "cached plan must not change result type", "2026-11-20 09:14:08 UTC", {**ORDERS, "pid": "9921", "client": "10.0.12.9(40112)"}),
    (16, STATEMENT, "SELECT 1", "", "2026-11-20 09:14:09 UTC", {"user": "rdsadmin", "database": "rdsadmin", "pid": "9930", "client": "[local]"}),
]


def test_postgresql_rds_prefix():
    assert events(LOGS / "postgresql-rds.log", source=POSTGRESQL) == (RDS_PREFIX_EVENTS, [])


CUSTOM_PREFIX = "%m [%p] %q%u@%d/%a (%e) "
CHECKOUT = {"user": "checkout", "database": "shop", "pid": "23001", "application": "checkout-worker"}
CUSTOM_EVENTS = [
    (1, STATEMENT, "LISTEN order_events", "", "2026-11-21 16:02:11.118 CET", CHECKOUT),
    (2, ERROR, "SELECT id FROM carts WHERE token = $1", 'prepared statement "__asyncpg_stmt_1__" already exists', "2026-11-21 16:02:11.120 CET",
     {**CHECKOUT, "sqlstate": "42P05", "prepared_statement": "__asyncpg_stmt_1__"}),
    (5, ERROR, "UPDATE carts SET seen = now() WHERE id = $1", 'prepared statement "_pg3_2" does not exist', "2026-11-21 16:02:12.310 CET",
     {"user": "app", "database": "shop", "pid": "23002", "application": "[unknown]", "sqlstate": "26000", "prepared_statement": "_pg3_2"}),
]


def test_postgresql_prefix_the_user_gives():
    assert events(LOGS / "postgresql-custom-prefix.log", log_line_prefix=CUSTOM_PREFIX, source=POSTGRESQL) == (CUSTOM_EVENTS, [])


def test_postgresql_unknown_prefix_is_read_up_to_the_severity():
    """Without the setting, the time and pid still come out; the rest of the prefix is unknown."""
    found, problems = events(LOGS / "postgresql-custom-prefix.log")
    assert found == [(line, kind, text, reason, stamp, {key: detail[key] for key in ("pid", "prepared_statement") if key in detail})
                     for line, kind, text, reason, stamp, detail in CUSTOM_EVENTS]
    assert problems == []


def test_postgresql_wrong_prefix_is_said_and_the_lines_still_read():
    found, problems = events(LOGS / "postgresql-rds.log", log_line_prefix="%m [%p] ")
    assert [event[:5] for event in found] == [event[:5] for event in RDS_PREFIX_EVENTS]
    assert problems == [
        f"{LOGS / 'postgresql-rds.log'}: its PostgreSQL lines do not start with the log_line_prefix '%m [%p] ': "
        "read without it (times, users and databases may be missing)"
    ]


APP_LIVE = {"user": "app", "database": "live"}
SESSION_1 = {**APP_LIVE, "pid": "8473", "client": "127.0.0.1:37264", "session": "6b10bd49.2119"}
SESSION_2 = {**APP_LIVE, "pid": "8487", "client": "127.0.0.1:37280", "session": "6b10bd4a.2127"}
DIVISION = "SELECT 'it''s'\n  ,\n  1/0"
CSVLOG_EVENTS = [
    (3, STATEMENT, "SET search_path TO tenant_a, public", "", "2026-12-03 00:52:25.185 UTC", SESSION_1),
    (4, STATEMENT, "SELECT 1 AS one,\n       'two' AS two\nFROM pg_class\n\tWHERE false", "", "2026-12-03 00:52:25.185 UTC", SESSION_1),
    (8, STATEMENT, "select set_config('app.tenant_id', $1, false)", "", "2026-12-03 00:52:25.186 UTC", {**SESSION_1, "parameters": "$1 = 'acme'"}),
    (9, STATEMENT, "CREATE TEMP TABLE scratch (id int)", "", "2026-12-03 00:52:25.187 UTC", SESSION_1),
    (10, STATEMENT, "PREPARE get_marker AS SELECT 1", "", "2026-12-03 00:52:25.191 UTC", SESSION_1),
    (11, STATEMENT, "PREPARE get_marker AS SELECT 2", "", "2026-12-03 00:52:25.192 UTC", SESSION_1),
    (12, ERROR, "PREPARE get_marker AS SELECT 2", 'prepared statement "get_marker" already exists', "2026-12-03 00:52:25.192 UTC",
     {**SESSION_1, "sqlstate": "42P05", "prepared_statement": "get_marker"}),
    (13, STATEMENT, "SELECT $1::int + 1", "", "2026-12-03 00:52:25.195 UTC", {**SESSION_1, "prepared_statement": "_pg3_0", "parameters": "$1 = '0'"}),
    *[(line, STATEMENT, "SELECT $1::int + 1", "", stamp, {**SESSION_1, "parameters": "$1 = '1'"})
      for line, stamp in ((14, "2026-12-03 00:52:25.196 UTC"), (15, "2026-12-03 00:52:25.196 UTC"), (16, "2026-12-03 00:52:25.197 UTC"),
                          (17, "2026-12-03 00:52:25.197 UTC"), (18, "2026-12-03 00:52:25.197 UTC"))],
    (19, ERROR, "SELECT $1::int + 1", 'prepared statement "_pg3_0" already exists', "2026-12-03 00:52:25.197 UTC",
     {**SESSION_1, "sqlstate": "42P05", "prepared_statement": "_pg3_0"}),
    (21, STATEMENT, "SET statement_timeout = 1000", "", "2026-12-03 00:52:26.785 UTC", SESSION_2),
    (22, STATEMENT, "EXECUTE missing_one", "", "2026-12-03 00:52:26.785 UTC", SESSION_2),
    (23, ERROR, "EXECUTE missing_one", 'prepared statement "missing_one" does not exist', "2026-12-03 00:52:26.785 UTC",
     {**SESSION_2, "sqlstate": "26000", "prepared_statement": "missing_one"}),
    (24, STATEMENT, DIVISION, "", "2026-12-03 00:52:26.785 UTC", SESSION_2),
    (27, ERROR, DIVISION, "division by zero", "2026-12-03 00:52:26.786 UTC", {**SESSION_2, "sqlstate": "22012"}),
    (32, ERROR, "", "terminating connection due to administrator command", "2026-12-03 00:52:26.797 UTC", {**SESSION_1, "sqlstate": "57P01"}),
]


def test_postgresql_csvlog():
    assert events(LOGS / "postgresql.csv", source=POSTGRESQL) == (CSVLOG_EVENTS, [])


def test_postgresql_jsonlog():
    """The same server's jsonlog (PostgreSQL 15+) says the same as its csvlog."""
    found, problems = events(LOGS / "postgresql.json", source=POSTGRESQL)
    same_in_csvlog = {(kind, text, reason, stamp, json.dumps(detail, sort_keys=True)) for _line, kind, text, reason, stamp, detail in CSVLOG_EVENTS}
    assert [(kind, text, reason, stamp, json.dumps(detail, sort_keys=True)) in same_in_csvlog for _line, kind, text, reason, stamp, detail in found] == [True] * 11
    assert [(line, kind, text) for line, kind, text, *_ in found] == [
        (2, STATEMENT, "SET search_path TO tenant_a, public"),
        (3, STATEMENT, "SELECT 1 AS one,\n       'two' AS two\nFROM pg_class\n\tWHERE false"),
        (4, STATEMENT, "select set_config('app.tenant_id', $1, false)"),
        (5, STATEMENT, "PREPARE get_marker AS SELECT 2"),
        (6, ERROR, "PREPARE get_marker AS SELECT 2"),
        (7, STATEMENT, "SELECT $1::int + 1"),
        (8, STATEMENT, "SELECT $1::int + 1"),
        (9, STATEMENT, "EXECUTE missing_one"),
        (10, ERROR, "EXECUTE missing_one"),
        (11, ERROR, DIVISION),
        (12, ERROR, ""),
    ]
    assert problems == []


def test_postgresql_exported_from_cloudwatch():
    """RDS publishes its PostgreSQL log to CloudWatch one report per event, lines joined."""
    found, problems = events(LOGS / "postgresql-cloudwatch.json", source=POSTGRESQL)
    assert found == [(1, *event[1:]) for event in RDS_PREFIX_EVENTS]
    assert problems == []


@pytest.mark.parametrize(
    ("prefix", "line", "expected"),
    [
        ("%-10u|%5p|", "app       |   42|LOG:  statement: SELECT 1", {"user": "app", "pid": "42"}),
        ("%%%t%% ", "%2026-01-02 03:04:05 UTC% LOG:  statement: SELECT 1", {"timestamp": "2026-01-02 03:04:05 UTC"}),
        ("%m %z%Y[%p] ", "2026-01-02 03:04:05.678 UTC [9] LOG:  statement: SELECT 1", {"timestamp": "2026-01-02 03:04:05.678 UTC", "pid": "9"}),
        ("%n [%p] %q%a:", "1767323045.678 [9] LOG:  statement: SELECT 1", {"timestamp": "1767323045.678", "pid": "9", "application": None}),
        ("%n [%p] %q%a:", "1767323045.678 [9] psql 16:LOG:  statement: SELECT 1", {"timestamp": "1767323045.678", "pid": "9", "application": "psql 16"}),
        ("%t:%r:%u@%d:[%p]:", "2026-01-02 03:04:05 UTC:2001:db8::1(5432):app@db:[9]:LOG:  statement: SELECT 1", {"client": "2001:db8::1(5432)", "user": "app"}),
        ("%t:%r:%u@%d:[%p]:", "2026-01-02 03:04:05 UTC:[local]:app@db:[9]:STATEMENT:  SELECT 1", {"client": "[local]", "database": "db"}),
        ("%m [%p] ", "2026-01-02 03:04:05.678 UTC [9] LOG kernel file descriptor limit: 20000", None),  # PgBouncer's
        ("%t:%r:%u@%d:[%p]:", "2026-01-02 03:04:05 UTC::@:[9]:LOG:  statement: SELECT 1", {"client": "", "user": "", "database": ""}),
    ],
)
def test_log_line_prefix_escapes(prefix, line, expected):
    """Padding, literal %, unknown escapes (nothing, as the server does), %q, and free text that
    ends at the next literal character."""
    found = compile_prefix(prefix).match(line)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert {name: found[name] for name in expected} == expected


# --- PgBouncer ----------------------------------------------------------------------------------

SHOP = {"user": "app", "database": "shop"}
PGBOUNCER_EVENTS = [
    (5, CLOSED, "", "client close request", "2026-12-03 00:38:02.611 UTC", {"user": "app", "database": "p1"}),
    # one refusal: the warning gives the value, the closing is a CLOSED, the pooler error the REFUSED
    (7, CLOSED, "", "unsupported startup parameter: options", "2026-12-03 00:38:02.631 UTC", {}),
    (8, REFUSED, "", "unsupported startup parameter: options", "2026-12-03 00:38:02.631 UTC", {"parameter": "options", "value": "-c statement_timeout=5s"}),
    (10, CLOSED, "", "unsupported startup parameter: statement_timeout", "2026-12-03 00:38:03.448 UTC", {}),
    (11, REFUSED, "", "unsupported startup parameter: statement_timeout", "2026-12-03 00:38:03.448 UTC", {"parameter": "statement_timeout", "value": "5000"}),
    (13, CLOSED, "", "server conn crashed?", "2026-12-03 00:38:05.262 UTC", {"user": "app", "database": "p1"}),
    (15, CLOSED, "", "unsupported startup parameter in options: search_path", "2026-12-04 10:11:40.017 UTC", {}),
    (16, REFUSED, "", "unsupported startup parameter in options: search_path", "2026-12-04 10:11:40.017 UTC", {"parameter": "search_path", "value": "tenant_a"}),
    (17, ERROR, "", "prepared statement '_pg3_3' not found", "2026-12-04 10:12:03.552 UTC", {**SHOP, "prepared_statement": "_pg3_3"}),
    (18, CLOSED, "", "prepared statement did not exist", "2026-12-04 10:12:03.552 UTC", SHOP),
    # line 19, the pooler error after the named one, says nothing more
    (20, ERROR, "", "prepared statement '__asyncpg_stmt_2__' was already prepared", "2026-12-04 10:12:09.101 UTC", {**SHOP, "prepared_statement": "__asyncpg_stmt_2__"}),
    (21, ERROR, "", "query_wait_timeout", "2026-12-04 10:12:31.870 UTC", SHOP),
    (22, REFUSED, "", "unsupported startup parameter: extra_float_digits", "Dec  4 10:13:02", {**SHOP, "parameter": "extra_float_digits"}),
]


def test_pgbouncer():
    assert events(LOGS / "pgbouncer.log", source=PGBOUNCER) == (PGBOUNCER_EVENTS, [])


# --- RDS Proxy ----------------------------------------------------------------------------------

UNTRACKED = "SQL changed session settings that the proxy doesn't track. Consider moving session configuration to the proxy's initialization query."
DEFAULT_ENDPOINT = {"proxy_endpoint": "default"}
RDS_PROXY_EVENTS = [
    (1, PINNED, "set search_path to $1,$2,$3", UNTRACKED, "2022-05-19T17:20:40.601Z",
     {**DEFAULT_ENDPOINT, "client_connection": "2125203372", "db_connection": "1953961465"}),
    (3, NOTICE, "select current_setting($1) as cur, set_config($2, $3, $4) as new", UNTRACKED, "2026-11-20T09:14:05.240Z",
     {**DEFAULT_ENDPOINT, "client_connection": "801234566", "db_connection": "3301275524"}),
    (4, PINNED, "select pg_advisory_unlock_all(); close all; unlisten *; reset all;", UNTRACKED, "2026-11-20T09:14:05.242Z",
     {**DEFAULT_ENDPOINT, "client_connection": "801234566", "db_connection": "3301275524"}),
    (5, PINNED, "", "A parse message was detected.", "2026-11-20T09:14:06.007Z",
     {"proxy_endpoint": "orders-ro", "client_connection": "801234571", "db_connection": "3301275530"}),
    (6, PINNED, "", "The connection ran a SQL query which exceeded the 16384 byte limit.", "2026-11-20T09:14:06.391Z",
     {"client_connection": "801234580", "db_connection": "3301275533"}),
    (7, CLOSED, "", "The client requested that the connection close.", "2026-11-20T09:14:07.002Z", {**DEFAULT_ENDPOINT, "client_connection": "801234566"}),
    (8, CLOSED, "", "The client connection that borrowed this database connection from the connection pool was closed in the middle of a request.",
     "2026-11-20T09:14:07.003Z", {**DEFAULT_ENDPOINT, "client_connection": "801234566"}),
    (9, PINNED, "set session characteristics as transaction isolation level $1 uncommitted", UNTRACKED, "2026-11-20T09:14:09.210Z",
     {**DEFAULT_ENDPOINT, "client_connection": "801234592", "db_connection": "3301275540"}),
    # the sentence alone, as articles quote it
    (10, PINNED, "", "A SET statement was detected.", None, {"db_connection": "C-id"}),
]


def test_rds_proxy_text():
    assert events(LOGS / "rds-proxy.log", source=RDS_PROXY) == (RDS_PROXY_EVENTS, [])


def test_rds_proxy_filter_log_events_pages():
    """`aws logs filter-log-events` output, two pages saved one after the other."""
    found, problems = events(LOGS / "rds-proxy-filter-log-events.json", source=RDS_PROXY)
    assert without_lines(found) == without_lines(RDS_PROXY_EVENTS[:-1])
    assert [event[0] for event in found] == [3, 17, 24, 31, 49, 56, 63, 70]  # each event's object
    assert problems == []


def test_rds_proxy_logs_insights_csv():
    found, problems = events(LOGS / "rds-proxy-insights.csv", source=RDS_PROXY)
    assert without_lines(found) == without_lines(RDS_PROXY_EVENTS[:-1])
    assert [event[0] for event in found] == [2, 4, 5, 6, 7, 8, 9, 10]
    assert problems == []


def test_rds_proxy_logs_insights_query_results():
    """`aws logs get-query-results`: rows of field/value cells."""
    found, problems = events(LOGS / "rds-proxy-query-results.json", source=RDS_PROXY)
    assert found == [(3, *RDS_PROXY_EVENTS[0][1:]), (31, *RDS_PROXY_EVENTS[1][1:])]
    assert problems == []


PIN_LINE = (LOGS / "rds-proxy.log").read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize(
    "export",
    [
        json.dumps({"events": [{"timestamp": 1652980840601, "message": PIN_LINE}]}),  # compact, one line
        json.dumps([{"timestamp": 1652980840601, "message": PIN_LINE}]),  # --query events
        json.dumps({"timestamp": 1652980840601, "message": PIN_LINE}) + "\n",  # jq -c '.events[]'
        json.dumps({"nextToken": "x" * 100_000, "searchedLogStreams": [{"a": [1, 2.5e3, None, True]}] * 500,
                    "events": [{"message": PIN_LINE, "timestamp": 1652980840601}]}),
    ],
    ids=["compact", "bare-list", "json-lines", "large-fields-skipped"],
)
def test_rds_proxy_other_json_shapes(tmp_path, export):
    path = tmp_path / "export.json"
    path.write_text(export, encoding="utf-8")
    assert events(path) == ([(1, *RDS_PROXY_EVENTS[0][1:])], [])


def test_cloudwatch_time_is_the_events_when_the_message_has_none(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"events": [{"timestamp": 1652980840601, "message": PIN_LINE.split(" ", 1)[1]}]}), encoding="utf-8")
    assert events(path)[0][0][4] == "2022-05-19T17:20:40.601Z"


# --- mixed logs, compression, standard input ----------------------------------------------------


def test_logs_concatenated_into_one_file(tmp_path):
    """Each line goes to the reader that knows it, so logs pasted together are all read."""
    parts = ["postgresql-rds.log", "pgbouncer.log", "rds-proxy.log", "postgresql-default.log"]
    texts = [(LOGS / name).read_text(encoding="utf-8") for name in parts]
    path = tmp_path / "incident.log"
    path.write_text("".join(texts), encoding="utf-8")
    offsets = [0]
    for text in texts[:-1]:
        offsets.append(offsets[-1] + text.count("\n"))
    expected = [
        (line + offset, *rest)
        for offset, part in zip(offsets, (RDS_PREFIX_EVENTS, PGBOUNCER_EVENTS, RDS_PROXY_EVENTS, DEFAULT_PREFIX_EVENTS))
        for line, *rest in part
    ]
    assert events(path) == (expected, [])


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress], ids=["gzip", "bzip2", "xz"])
def test_compressed_logs_are_known_by_their_bytes_not_their_name(tmp_path, compress):
    path = tmp_path / "postgresql.log"  # no .gz: the name says nothing
    path.write_bytes(compress((LOGS / "postgresql-default.log").read_bytes()))
    assert events(path) == (DEFAULT_PREFIX_EVENTS, [])


def test_windows_line_endings(tmp_path):
    path = tmp_path / "postgresql.log"
    path.write_bytes((LOGS / "postgresql-default.log").read_bytes().replace(b"\n", b"\r\n"))
    assert events(path) == (DEFAULT_PREFIX_EVENTS, [])


def test_compressed_cloudwatch_export(tmp_path):
    path = tmp_path / "export"
    path.write_bytes(gzip.compress((LOGS / "rds-proxy-filter-log-events.json").read_bytes()))
    assert without_lines(events(path)[0]) == without_lines(RDS_PROXY_EVENTS[:-1])


def test_standard_input(monkeypatch):
    data = gzip.compress((LOGS / "pgbouncer.log").read_bytes())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    found = list(read_logs(["-"]))
    assert {event.filename for event in found} == {"-"}
    assert [(event.line, event.kind, event.text, event.reason, event.timestamp, event.detail) for event in found] == PGBOUNCER_EVENTS


def test_standard_input_of_a_process():
    """Through a real pipe, as `zcat log.gz | pinlint logs -` gives it."""
    script = "from pinlint.logs.readers import read_logs\nfor e in read_logs(['-']): print(e.line, e.kind, e.text)"
    result = subprocess.run(
        [sys.executable, "-c", script], input=(LOGS / "rds-proxy.log").read_bytes(), capture_output=True, timeout=120,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert result.stderr == b""
    assert result.stdout.decode().splitlines()[:2] == ["1 pinned set search_path to $1,$2,$3", "3 notice select current_setting($1) as cur, set_config($2, $3, $4) as new"]


# --- what cannot be read ------------------------------------------------------------------------


def test_junk_lines_are_skipped_and_said_once():
    path = LOGS / "postgresql-with-junk.log"
    assert events(path) == (
        [
            (3, STATEMENT, "SET search_path TO billing", "", "2026-12-05 08:00:01.101 UTC", {"pid": "7001"}),
            # the junk line ends the statement: the tab-indented line after it continues nothing
            (4, STATEMENT, "SELECT count(*)\nFROM invoices", "", "2026-12-05 08:00:01.102 UTC", {"pid": "7001"}),
            (8, ERROR, "SELECT id FROM invoices WHERE due < $1", 'prepared statement "__asyncpg_stmt_7__" does not exist', "2026-12-05 08:00:01.103 UTC",
             {"pid": "7001", "prepared_statement": "__asyncpg_stmt_7__"}),
            (12, STATEMENT, "UNLISTEN *", "", "2026-12-05 08:00:01.104 UTC", {"pid": "7001"}),
        ],
        [f"{path}:1: a line that is no PostgreSQL, PgBouncer or RDS Proxy log line was skipped (and 3 more like it)"],
    )


def test_undecodable_bytes_are_replaced(tmp_path):
    path = tmp_path / "latin1.log"
    path.write_bytes(
        b"2026-12-05 08:00:01.101 UTC [7001] LOG:  statement: SELECT 'caf\xe9'\n"
        b"2026-12-05 08:00:01.102 UTC [7001] LOG:  statement: SELECT '\xff\xfe'\n"
    )
    assert events(path) == (
        [
            (1, STATEMENT, "SELECT 'caf\ufffd'", "", "2026-12-05 08:00:01.101 UTC", {"pid": "7001"}),
            (2, STATEMENT, "SELECT '\ufffd\ufffd'", "", "2026-12-05 08:00:01.102 UTC", {"pid": "7001"}),
        ],
        [f"{path}:1: bytes that are not UTF-8 were replaced with U+FFFD (and 1 more like it)"],
    )


def test_a_file_that_is_no_log(tmp_path):
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(bytes(range(256)) * 40)
    prose = tmp_path / "notes.txt"
    prose.write_text("We saw pinning yesterday.\nNobody knows why.\n", encoding="utf-8")
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    found, problems = events(binary, prose, empty)
    assert found == []
    assert problems == [
        f"{binary}: no PostgreSQL, PgBouncer or RDS Proxy log lines in it: nothing was read",
        f"{binary}:2: bytes that are not UTF-8 were replaced with U+FFFD (and 39 more like it)",  # line 1 is bytes 0 to 10
        f"{prose}: no PostgreSQL, PgBouncer or RDS Proxy log lines in it: nothing was read",
    ]


def test_one_bad_file_never_stops_the_others(tmp_path):
    zstd = tmp_path / "log.zst"
    zstd.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 20)
    damaged = tmp_path / "damaged.gz"
    whole = gzip.compress((LOGS / "rds-proxy.log").read_bytes())
    damaged.write_bytes(whole[: len(whole) * 2 // 3])
    found, problems = events(tmp_path / "missing.log", tmp_path, zstd, damaged, LOGS / "pgbouncer.log")
    assert found[-len(PGBOUNCER_EVENTS):] == PGBOUNCER_EVENTS
    assert 0 < len(found) - len(PGBOUNCER_EVENTS) < len(RDS_PROXY_EVENTS)  # what came before the damage
    assert problems[:3] == [
        f"{tmp_path / 'missing.log'}: cannot be read: No such file or directory",
        f"{tmp_path}: it is a directory, not a log file",
        f"{zstd}: it is compressed with zstd, which pinlint does not read: decompress it first (zstd -d)",
    ]
    assert len(problems) == 4
    assert problems[3].startswith(f"{damaged}:")
    assert problems[3].endswith("the file is damaged from here on and was read no further (it ends in the middle of its compressed data)")


def test_broken_cloudwatch_json_keeps_what_came_before(tmp_path):
    path = tmp_path / "export.json"
    text = (LOGS / "rds-proxy-filter-log-events.json").read_text(encoding="utf-8")
    path.write_text(text[: text.index('"message"', text.index("A parse message"))] + "}", encoding="utf-8")
    found, problems = events(path)
    assert without_lines(found) == without_lines(RDS_PROXY_EVENTS[:4])
    assert problems == [f"{path}:49: not CloudWatch JSON from here on: the rest of the file was not read"]


def test_csv_quote_that_never_closes(tmp_path):
    path = tmp_path / "postgresql.csv"
    lines = (LOGS / "postgresql.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:5]), encoding="utf-8")  # cut inside the multi-line statement of line 4
    found, problems = events(path)
    assert found == CSVLOG_EVENTS[:1]
    assert problems == [f"{path}:4: the last CSV record ends inside a quoted field: skipped"]


def test_a_huge_line_keeps_memory_flat(tmp_path):
    """A line of 64 MiB with no line break: only LINE_LIMIT of it is ever held."""
    path = tmp_path / "one-line.log"
    statement = b"2026-12-05 08:00:01.101 UTC [7001] LOG:  statement: SELECT '" + b"x" * (64 << 20) + b"'\n"
    path.write_bytes(statement + b"2026-12-05 08:00:01.102 UTC [7001] LOG:  statement: RESET ALL\n")
    del statement
    tracemalloc.start()
    try:
        found, problems = events(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 6 * LINE_LIMIT  # a few copies of what is kept, never the line
    assert [(line, kind, len(text)) for line, kind, text, *_ in found] == [(1, STATEMENT, LINE_LIMIT - 52), (2, STATEMENT, 9)]
    assert problems == [f"{path}:1: a line longer than 8 MiB: only its first 8 MiB were read"]


def test_a_huge_json_event_stops_that_file_only(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"events": [{"message": PIN_LINE}, {"message": "x" * (20 << 20)}, {"message": PIN_LINE}]}), encoding="utf-8")
    found, problems = events(path, LOGS / "rds-proxy.log")
    assert len(found) == 1 + len(RDS_PROXY_EVENTS)
    assert problems == [f"{path}:1: a JSON value larger than 16 MiB: the rest of the file was not read"]


@settings(max_examples=budget(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=80),
            st.sampled_from((LOGS / "postgresql-default.log").read_bytes().splitlines(keepends=True)
                            + (LOGS / "pgbouncer.log").read_bytes().splitlines(keepends=True)
                            + (LOGS / "postgresql.csv").read_bytes().splitlines(keepends=True)),
            st.sampled_from([b"{", b"[", b'"', b"\t", b"\\", b"\r\n", b'{"events": [', b'{"timestamp":"', b"@timestamp,@message\n", b"\x1f\x8b"]),
        ),
        max_size=12,
    )
)
def test_hostile_bytes_never_raise(tmp_path_factory, parts):
    path = tmp_path_factory.mktemp("fuzz") / "log"
    path.write_bytes(b"".join(parts))
    events(path)


def test_deeply_nested_json_is_said_not_raised(tmp_path):
    kept = tmp_path / "kept.json"
    kept.write_text('{"events": [' + "[" * 100_000 + "]" * 100_000 + "]}", encoding="utf-8")
    skipped = tmp_path / "skipped.json"
    skipped.write_text('{"other": ' + "[" * 100_000 + "]" * 100_000 + ', "events": [{"message": ' + json.dumps(PIN_LINE) + "}]}", encoding="utf-8")
    jsonlog = tmp_path / "postgresql.json"
    jsonlog.write_text('{"timestamp":"x","a":' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    found, problems = events(kept, skipped, jsonlog)
    assert found == [(1, *RDS_PROXY_EVENTS[0][1:])]
    assert problems == [
        f"{kept}:1: a JSON value nested too deeply: the rest of the file was not read",
        f"{jsonlog}:1: a line that is not a JSON object: skipped",
    ]
