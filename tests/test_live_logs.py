"""`pinlint logs` on the real logs of a real PostgreSQL and PgBouncer.

The project in `live_logs_project/` is pointed at the live PgBouncer (pool `p1`), on each
flavour: where PgBouncer forwards protocol-level prepared statements (the `pgbouncer-legacy`
target) they collide, and where it tracks them (`pgbouncer`) they are no incident. With
`log_statement = 'all'` for the application's role, the test runs the project's SQL statement by
statement, its asyncpg and SQLAlchemy code, and the connections PgBouncer refuses; then it feeds
the part of the server's own log and of PgBouncer's own log written meanwhile to `pinlint logs`
and asserts that every incident a `# logs:` / `-- logs:` mark names is mapped to the line after
the mark, and that the harmless statements are no incidents.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import asyncpg
import psycopg
import pytest

from pinlint.cli import main
from pinlint.sql.lexer import lex, statements
from pinlint.targets import Target

pytestmark = pytest.mark.live

PROJECT = Path(__file__).parent / "live_logs_project"
_MARK = re.compile(r"^\s*(?:#|--)\s*logs:\s*(?P<codes>PIN\d{3}(?:\s*,\s*PIN\d{3})*)\s*$")
DONE = "pinlint-live-logs-done"


def marked(path: Path) -> set[tuple[str, int, str]]:
    """(file, line, code) for every code a mark names, on the next line that is not a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = set()
    for index, line in enumerate(lines):
        mark = _MARK.match(line)
        if mark is None:
            continue
        row = next(i for i in range(index + 1, len(lines)) if lines[i].strip() and not lines[i].lstrip().startswith(("#", "--")))
        found.update((path.name, row + 1, code.strip()) for code in mark["codes"].split(","))
    return found


def at_live_endpoint(source: str, live) -> str:
    """The project's placeholder database (`db`, database `app`) swapped for the live PgBouncer;
    each swap stays on its line, so lines keep their numbers."""
    return source.replace("host=db dbname=app", live.conninfo()).replace("@db/app", f"@127.0.0.1:{live.pgbouncer_port}/p1")


def tail(log: Path, start: int, into: Path) -> Path:
    with log.open("rb") as source:
        source.seek(start)
        into.write_bytes(source.read())
    return into


def wait_for(log: Path, start: int, text: str) -> None:
    """Until ``text`` is in what ``log`` got since ``start`` (servers write their logs as they go)."""
    deadline = time.monotonic() + 15
    while text.encode() not in log.read_bytes()[start:]:
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never reached {log}")
        time.sleep(0.05)


def test_logs_map_every_incident_to_its_line(live, tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("queries.sql", "app.py"):
        (project / name).write_text(at_live_endpoint((PROJECT / name).read_text(encoding="utf-8"), live), encoding="utf-8")
    expected = marked(PROJECT / "queries.sql") | marked(PROJECT / "app.py")
    if live.target is Target.PGBOUNCER:
        # PgBouncer >= 1.21 with `max_prepared_statements` prepares the drivers' statements under
        # its own names on each backend: no error, and no statement of the project's to blame.
        expected = {mark for mark in expected if mark[2] != "PIN202"}

    with psycopg.connect(live.direct_conninfo(), autocommit=True) as owner:
        owner.execute("DROP TYPE IF EXISTS pair")
        owner.execute("CREATE TYPE pair AS (a int, b int)")
    with live.superuser() as admin:
        admin.execute("ALTER ROLE app SET log_statement = 'all'")
    live.drop_backends()  # new backends start with it
    pg_start, pgbouncer_start = live.pg_log.stat().st_size, live.pgbouncer_log.stat().st_size
    try:
        client = live.client()
        for stmt in statements(lex((project / "queries.sql").read_text(encoding="utf-8"), script=True)):
            client.execute(stmt.text)
        client.close()

        namespace: dict = {"__name__": "live_logs_project"}
        exec(compile((project / "app.py").read_text(encoding="utf-8"), str(project / "app.py"), "exec"), namespace)
        live.drop_backends()  # the session state the SQL above left
        asyncio.run(namespace["main"]())
        with pytest.raises(asyncpg.ProtocolViolationError, match="unsupported startup parameter: jit"):
            asyncio.run(namespace["with_jit_off"]())
        with pytest.raises(psycopg.OperationalError, match="unsupported startup parameter"):
            namespace["with_timeout"]()
        namespace["count_markers"]()  # prepares `_pg3_0` on the one backend of `p1`
        if live.target is Target.PGBOUNCER_LEGACY:
            with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
                namespace["count_markers"]()  # and the next client on it prepares it again
        else:
            namespace["count_markers"]()

        with live.client() as last:
            last.execute(f"SELECT '{DONE}'")
        wait_for(live.pg_log, pg_start, DONE)
        wait_for(live.pgbouncer_log, pgbouncer_start, "unsupported startup parameter")
    finally:
        with live.superuser() as admin:
            admin.execute("ALTER ROLE app RESET log_statement")

    logs = tmp_path / "logs"
    logs.mkdir()
    server_log = tail(live.pg_log, pg_start, logs / "postgresql.log")
    pgbouncer_log = tail(live.pgbouncer_log, pgbouncer_start, logs / "pgbouncer.log")
    monkeypatch.chdir(project)
    targets = ["--target", "rds-proxy", "--target", "pgbouncer", "--target", "pgbouncer-legacy"]
    code = main(["logs", str(server_log), str(pgbouncer_log), *targets, "--isolated", "--output-format", "json"])
    out, err = capsys.readouterr()
    incidents = json.loads(out)
    assert code == 1, err

    found = {(l["filename"], l["row"], i["code"]) for i in incidents for l in i["locations"]}
    shown = "\n".join(f"{i['code']} {i['source']} {i['statement']!r} {i['locations']}" for i in incidents)
    assert sorted(expected - found) == [], f"not mapped to their lines:\n{shown}\n\nthe logs read: {logs}"
    harmless = [i for i in incidents if i["statement"] in ("select ?", "update marker set v = ? where id = ?")]
    if live.target is Target.PGBOUNCER:
        assert "PGBOUNCER_" in server_log.read_text(encoding="utf-8", errors="replace")
        assert [i for i in incidents if i["code"] == "PIN202"] == []
    assert harmless == []
    by_code = {}
    for incident in incidents:
        by_code.setdefault(incident["code"], []).append(incident)
    # The library's own statements are blamed on the library, not on the project's SQL.
    [reset] = by_code["PIN203"]
    assert reset["emitter"].startswith("asyncpg: the pool resets") and reset["source"] == "postgresql"
    assert any(i["emitter"] and i["emitter"].startswith("asyncpg: type introspection") for i in by_code["PIN204"])
    refused = {i["statement"] for i in by_code["PIN201"] if i["source"] == "pgbouncer"}
    assert "startup parameter jit" in refused
