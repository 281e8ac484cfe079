"""`pinlint logs` from the files a user has to the lines of their project: one compressed log that
mixes PostgreSQL, PgBouncer and RDS Proxy lines (taken from the realistic samples in
tests/data/logs), read by the real readers and mapped onto the live test's project."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from pinlint.cli import main

DATA = Path(__file__).parent / "data" / "logs"
PROJECT = Path(__file__).parent / "live_logs_project"

# Statements that leave no session state: never incidents, whoever logs them.
HARMLESS = [
    "2026-12-03 00:38:02.640 UTC [14722] LOG:  statement: SELECT 1",
    "2026-12-03 00:38:02.641 UTC [14722] LOG:  statement: UPDATE marker SET v = v + 1 WHERE id = 1",
    "2026-12-03 00:38:02.642 UTC [14722] LOG:  statement: BEGIN",
    "2026-12-03 00:38:02.643 UTC [14722] LOG:  statement: SHOW search_path",
    "2026-12-03 00:38:02.644 UTC [14722] LOG:  statement: COMMIT",
    '2026-11-20T09:14:07.001Z [INFO] [proxyEndpoint=default] [clientConnection=801234570] A new client connected from 10.0.12.7:51240.',
]


def lines(name: str, first: int, last: int) -> list[str]:
    return DATA.joinpath(name).read_text(encoding="utf-8").splitlines()[first - 1 : last]


def test_a_log_mixing_every_source_maps_each_incident_to_code_or_a_library(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    mixed = [
        *lines("postgresql-default.log", 1, 5),  # start-up, a connection, SET search_path
        *HARMLESS[:2],
        *lines("rds-proxy.log", 3, 3),  # asyncpg's introspection digest, pinned if it runs
        *lines("pgbouncer.log", 6, 11),  # options= and statement_timeout= refused
        *lines("postgresql-default.log", 10, 20),  # set_config, PREPARE, psycopg's _pg3_0 errors
        *HARMLESS[2:],
        *lines("rds-proxy.log", 9, 9),  # SET SESSION CHARACTERISTICS pinned
        *lines("postgresql-default.log", 44, 47),  # asyncpg's pool reset
    ]
    log = tmp_path / "mixed.log.gz"
    log.write_bytes(gzip.compress("\n".join(mixed).encode() + b"\n"))
    monkeypatch.chdir(project)

    assert main(["logs", str(log), "--output-format", "json"]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    found = [
        (i["source"], i["code"], i["statement"], [f"{l['filename']}:{l['row']}" for l in i["locations"]], bool(i["emitter"]))
        for i in json.loads(out)
    ]
    asyncpg_connects = ["app.py:17", "app.py:27", "app.py:36", "app.py:44"]
    assert found == [
        ("postgresql", "PIN106", "prepare get_marker as select ?", [], False),
        ("postgresql", "PIN202", 'prepared statement "_pg3_N"', ["app.py:49", "app.py:55"], True),
        ("pgbouncer", "PIN201", "startup parameter options", ["app.py:49"], False),
        ("pgbouncer", "PIN201", "startup parameter statement_timeout", ["app.py:49"], False),
        ("postgresql", "PIN101", "set search_path to ?", ["queries.sql:8"], False),
        ("postgresql", "PIN102", "select set_config(?, ?, ?)", ["queries.sql:10"], False),
        ("postgresql", "PIN203", "select pg_advisory_unlock_all(); close all; unlisten *; reset all", ["app.py:36"], True),
        ("rds-proxy", "PIN204", "select current_setting(?) as cur, set_config(?, ?, ?) as new", asyncpg_connects, True),
        ("rds-proxy", "PIN105", "set session characteristics as transaction isolation level ?", ["queries.sql:16"], False),
    ]


def test_what_a_reader_skips_is_a_warning_and_the_rest_is_read(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "server.log"
    log.write_text(
        "2026-12-03 00:38:02.611 UTC [14722] LOG:  statement: SET search_path TO tenant_a\n"
        "\x1b[31mnot a log line\n",
        encoding="utf-8",
    )
    assert main(["logs", "server.log", "--output-format", "json"]) == 1
    out, err = capsys.readouterr()
    assert [i["code"] for i in json.loads(out)] == ["PIN101"]
    assert err == (
        "pinlint: warning: server.log:2: a line that is no PostgreSQL, PgBouncer or RDS Proxy log line was skipped\n"
    )
