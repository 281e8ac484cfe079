"""PIN204 on a real PgBouncer: the session state asyncpg sends on its own, by asyncpg version.

When asyncpg introspects a type it has no codec for, it wraps the catalog query in
`SELECT current_setting('jit') AS cur, set_config('jit', 'off', false) AS new` and a restoring
`set_config('jit', $1, false)`: session state the code never wrote, which pins on RDS Proxy and,
on a PgBouncer backend, is what the other clients read meanwhile. Each case runs, in a fresh
interpreter with the asyncpg version under test, through the live PgBouncer with
`log_statement = 'all'` for the application's role; the server's own log counts the toggles.
The installed asyncpg and 0.30.0 (the last before 0.31 stopped looking built-in types up) are
both run; 0.30.0 is installed into a cache directory on first use.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from doc_examples import DocExamples
from live_pooler import REQUIRE
from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source
from pinlint.settings import Settings
from pinlint.targets import Target

# What asyncpg sends does not depend on the pooler: the default target's PgBouncer relays it.
pytestmark = [pytest.mark.live, pytest.mark.pgbouncer_targets(Target.PGBOUNCER)]

TOGGLE = "set_config('jit', 'off', false)"
OLDER_ASYNCPG = "0.30.0"

PLAIN_CONNECTION = '''
import asyncpg


async def main():
    return await asyncpg.connect("postgresql://app@db/app")
'''
ENUM_CODEC = '''
import asyncpg


async def main():
    conn = await asyncpg.connect("postgresql://app@db/app")
    await conn.set_type_codec("mood", encoder=str, decoder=str, schema="public")
    return conn
'''
# Run after each case's code: what `main()` returns (or the module's `engine`) runs QUERIES and is closed.
DRIVE = '''
import asyncio


async def use(conn):
    if COMPOSITE_CODEC:
        await conn.set_type_codec("pair", encoder=tuple, decoder=tuple, schema="public", format="tuple")
    for query in QUERIES:
        await conn.fetchval(query)


async def drive():
    made = await main() if "main" in globals() else engine
    if hasattr(made, "connect"):  # a SQLAlchemy engine
        from sqlalchemy import text

        async with made.connect() as conn:
            for query in QUERIES:
                await conn.execute(text(query))
        await made.dispose()
    elif hasattr(made, "acquire"):  # an asyncpg pool: `init=` ran on each of its connections
        async with made.acquire() as conn:
            await use(conn)
        await made.close()
    else:
        await use(made)
        await made.close()


asyncio.run(drive())
'''
UNKNOWN_TYPES = ["SELECT 'happy'::mood", "SELECT 'sad'::mood", "SELECT ARRAY[1, 2]::bigint[]", "SELECT ARRAY[3]::bigint[]"]


def reported(source: str) -> set[Confidence]:
    """The confidences PIN204 reports ``source`` with, on RDS Proxy and PgBouncer."""
    settings = Settings(targets=(Target.RDS_PROXY, Target.PGBOUNCER), min_confidence=Confidence.LOW)
    findings = lint_source(source.encode(), "example.py", settings).findings
    return {finding.confidence for finding in findings if finding.code == "PIN204"}


@pytest.fixture(scope="session", params=["installed", OLDER_ASYNCPG], ids=lambda v: f"asyncpg-{v}")
def asyncpg_path(request) -> str:
    """PYTHONPATH that puts the asyncpg version under test first ("" for the installed one)."""
    if request.param == "installed":
        return ""
    cache = Path(os.environ.get("PINLINT_CI_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pinlint-ci")
    target = cache / f"asyncpg-{request.param}-py{sys.version_info.major}.{sys.version_info.minor}"
    if not (target / ".complete").exists():
        installed = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, f"asyncpg=={request.param}"],
            capture_output=True, text=True,
        )
        if installed.returncode:
            message = f"could not install asyncpg {request.param}: {installed.stderr.strip()[-500:]}"
            pytest.fail(message) if REQUIRE else pytest.skip(message)
        (target / ".complete").touch()
    found = subprocess.run(
        [sys.executable, "-c", "import asyncpg; print(asyncpg.__version__)"],
        env=with_asyncpg(str(target)), capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert found == request.param, f"{target} holds asyncpg {found}"
    return str(target)


def with_asyncpg(asyncpg_path: str) -> dict[str, str]:
    """The environment of an interpreter that imports asyncpg from ``asyncpg_path`` first."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [asyncpg_path, os.environ.get("PYTHONPATH")]))}


@pytest.fixture
def logged(live):
    """Runs a case against the live pooler and returns what the server logged for it."""
    with psycopg.connect(live.direct_conninfo(), autocommit=True) as owner:
        owner.execute("DROP TYPE IF EXISTS pair, mood")
        owner.execute("CREATE TYPE pair AS (a int, b int)")
        owner.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")
    with live.superuser() as admin:
        admin.execute("ALTER ROLE app SET log_statement = 'all'")
    live.drop_backends()  # new backends start with it

    def run(source: str, asyncpg_path: str, queries: list[str] = (), composite_codec: bool = False) -> str:
        start = live.pg_log.stat().st_size
        program = (
            source.replace("app@db/app", f"app@127.0.0.1:{live.pgbouncer_port}/p1")
            + f"\nQUERIES = {list(queries)!r}\nCOMPOSITE_CODEC = {composite_codec}\n" + DRIVE
        )
        ran = subprocess.run(
            [sys.executable, "-c", program], env=with_asyncpg(asyncpg_path), capture_output=True, text=True, timeout=60
        )
        assert ran.returncode == 0, ran.stderr
        done = f"pinlint-case-done-{start}"
        with live.client() as last:  # the server writes its log as it goes: wait for this one
            last.execute(f"SELECT '{done}'")
        deadline = time.monotonic() + 15
        while done.encode() not in live.pg_log.read_bytes()[start:]:
            assert time.monotonic() < deadline, f"{done!r} never reached {live.pg_log}"
            time.sleep(0.05)
        return live.pg_log.read_bytes()[start:].decode(errors="replace")

    yield run
    with live.superuser() as admin:
        admin.execute("ALTER ROLE app RESET log_statement")


def test_pin204_composite_codec_toggles_jit_on_every_asyncpg(logged, asyncpg_path):
    docs = DocExamples("PIN204")
    [pool_init] = [block for block in docs.example("python") if 'format="tuple"' in block]
    assert reported(pool_init) == {Confidence.MEDIUM}  # `init`'s `conn` is not annotated as asyncpg's
    log = logged(pool_init, asyncpg_path)
    assert log.count(TOGGLE) == 10  # once for each connection the pool opens (asyncpg's min_size)
    # A toggle that reads `off` restores nothing. The pool opens its first connection alone,
    # and the other nine together, all on the one backend of `p1`: their toggles run before
    # their restores, so most of them read the `off` another client's toggle left there.
    restores = log.count("set_config('jit', $1, false)")
    assert 1 <= restores < 10

    # The documented fix, with a composite codec on a pooled connection: no toggle. pinlint
    # cannot see the fix, so it is suppressed where it is in place.
    [fix] = [block for block in docs.fix("python") if "_server_caps" in block and "create_pool" in block]
    assert "jit" not in logged(fix, asyncpg_path, composite_codec=True)


def test_pin204_a_type_without_a_codec_toggles_once_per_connection(logged, asyncpg_path):
    """An enum and `bigint[]` each make asyncpg introspect them at their first query on a
    connection: two toggles for four queries. PIN204 reports this for SQLAlchemy engines only."""
    assert logged(PLAIN_CONNECTION, asyncpg_path, UNKNOWN_TYPES).count(TOGGLE) == 2


def test_pin204_sqlalchemy_engine_toggles_at_its_first_query_on_an_unknown_type(logged, asyncpg_path):
    [engine] = [block for block in DocExamples("PIN204").example("python") if "create_async_engine" in block]
    assert reported(engine) == {Confidence.MEDIUM}  # pinlint cannot see which types the queries use
    # Connecting registers the dialect's JSON codecs: a catalog lookup, no toggle.
    connected = logged(engine, asyncpg_path, ["SELECT 1"])
    assert "LOG:  execute" in connected and TOGGLE not in connected
    assert logged(engine, asyncpg_path, ["SELECT 1", *UNKNOWN_TYPES]).count(TOGGLE) == 2


def test_pin204_scalar_codec_toggles_nothing_and_spares_the_queries_the_toggle(logged, asyncpg_path):
    """The fix the doc gives for enums: registering their codec on connect is a plain lookup."""
    assert reported(ENUM_CODEC) == set()
    log = logged(ENUM_CODEC, asyncpg_path, UNKNOWN_TYPES[:2])
    assert "LOG:  execute" in log and TOGGLE not in log
