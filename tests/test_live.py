"""Every hazard that leaks or breaks on PgBouncer, shown on a real PgBouncer in transaction mode.

Each test runs its rule's documented bad example (the `## Example` block of the rule's doc)
through PgBouncer and asserts the exact failure, runs the documented fix (`## Use instead`)
and asserts that it works, and asserts that pinlint flags the one and not the other. The docs
are the single source: change an example and the test runs the new one.

Two clients on pool `p1` share one backend, so what A leaves behind is what B gets. On `p2`,
`other_backend()` sends A's next statement to the backend A did not use, so A's state is gone.
Doc examples connect to `host=db dbname=app` / `postgresql://app@db/app`: the tests run them
against the live PgBouncer instead (`at_live_endpoint`).
"""

from __future__ import annotations

import asyncio
import shlex
import threading
import time

import asyncpg
import psycopg
import pytest

from doc_examples import DocExamples, sql_statements
from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source
from pinlint.settings import Settings
from pinlint.targets import Target

pytestmark = pytest.mark.live

errors = psycopg.errors


def codes(text: str, filename: str = "example.sql", targets: tuple[Target, ...] = tuple(Target)) -> set[str]:
    """What pinlint reports on a doc block, on every target unless told."""
    settings = Settings(targets=targets, min_confidence=Confidence.LOW)
    return {finding.code for finding in lint_source(text.encode(), filename, settings).findings}


def run(connection, statement: str, params=None):
    """Rows of a statement, or None when it returns none."""
    cursor = connection.execute(statement, params)
    return cursor.fetchall() if cursor.description else None


def run_block(connection, block: str) -> list:
    return [run(connection, statement) for statement in sql_statements(block)]


def at_live_endpoint(source: str, live, pool: str = "p1") -> str:
    """A doc example with its placeholder database swapped for the live PgBouncer pool."""
    live_source = source.replace("host=db dbname=app", live.conninfo(pool)).replace(
        "postgresql://app@db/app", live.url(pool)
    )
    assert live_source != source, "the example names no database it could be pointed at"
    return live_source


def sqlstate(error: pytest.ExceptionInfo) -> str:
    return error.value.sqlstate


def lost_on_the_other_backend(live, first: str, then: str, error: type[psycopg.Error]) -> psycopg.Error:
    """The error a p2 client gets when it runs ``first`` and then, on the backend it did not
    use, ``then``: the state ``first`` left is not there."""
    live.reset()
    live.warm_p2()
    client = live.client("p2")
    run(client, first)
    with live.other_backend(), pytest.raises(error) as raised:
        run(client, then)
    return raised.value


def test_pin101_session_set_leaks_search_path_to_the_next_client(live):
    docs = DocExamples("PIN101")
    bad = docs.example("sql")[0]
    role_default, qualified = docs.fix("sql")
    assert "PIN101" in codes(bad) and "PIN101" not in codes(role_default) | codes(qualified)

    a, b = live.client(), live.client()
    assert run_block(a, bad) == [None, [("tenant_a",)]]
    assert run(b, "SHOW search_path") == [("tenant_a, public",)]
    assert run(b, "SELECT v FROM marker") == [("tenant_a",)]  # B reads another tenant's rows

    live.reset()
    run_block(live.client(), role_default)
    live.drop_backends()
    for client in (live.client("p1"), live.client("p2")):  # every session starts with it
        assert run(client, "SHOW search_path") == [("tenant_a, public",)]
        assert run(client, "SELECT v FROM marker") == [("tenant_a",)]

    live.reset()
    assert run_block(live.client(), qualified) == [[("tenant_a",)]]
    assert run(live.client(), "SHOW search_path") == [('"$user", public',)]


# A session SET of each, and whether it leaks to the next client before PgBouncer 1.21 and from
# 1.21 on: PgBouncer restores the parameters it tracks for every client, and leaves the others
# on the backend. 1.21 and later track application_name and IntervalStyle too.
SESSION_SETTINGS = [
    ("application_name", "'client-a'", True, False),
    ("TimeZone", "'America/New_York'", False, False),
    ("DateStyle", "'SQL, DMY'", False, False),
    ("IntervalStyle", "'iso_8601'", True, False),
    ("search_path", "tenant_a, public", True, True),
    ("statement_timeout", "'5s'", True, True),
    ("work_mem", "'8MB'", True, True),
]


@pytest.mark.parametrize(
    ("name", "value", "leaks_before_1_21", "leaks_from_1_21"), SESSION_SETTINGS, ids=[s[0] for s in SESSION_SETTINGS]
)
def test_pin101_leaks_exactly_the_parameters_pgbouncer_does_not_track(live, name, value, leaks_before_1_21, leaks_from_1_21):
    # Tracking follows PgBouncer's version alone, not `max_prepared_statements`.
    recent = live.pgbouncer_version >= (1, 21)
    tracking = Target.PGBOUNCER if recent else Target.PGBOUNCER_LEGACY
    statement = f"SET {name} = {value};"

    a, b = live.client(), live.client()
    before = run(b, f"SHOW {name}")
    run(a, statement)
    assert run(a, f"SHOW {name}") != before  # A's own session has it
    leaked = run(b, f"SHOW {name}") != before  # B, on the same backend, got it too
    assert leaked == (leaks_from_1_21 if recent else leaks_before_1_21)
    assert ("PIN101" in codes(statement, targets=(tracking,))) == leaked
    assert "PIN101" in codes(statement, targets=(Target.RDS_PROXY,))  # it pins there either way


def test_pin102_set_config_false_leaks_the_setting(live):
    docs = DocExamples("PIN102")
    bad, [fix] = docs.example("sql")[0], docs.fix("sql")
    assert "PIN102" in codes(bad) and "PIN102" not in codes(fix)

    run_block(live.client(), bad)
    assert run(live.client(), "SELECT current_setting('app.tenant_id', true)") == [("acme",)]

    live.reset()
    a = live.client()
    assert run_block(a, fix) == [None, [("acme",)], [("public",), ("public-2",)], None]
    # The placeholder exists on that backend now, but its value ended with the transaction.
    assert run(live.client(), "SELECT current_setting('app.tenant_id', true)") == [("",)]


def test_pin104_set_role_hands_the_role_to_the_next_client(live):
    docs = DocExamples("PIN104")
    bad, [fix] = docs.example("sql")[0], docs.fix("sql")
    assert "PIN104" in codes(bad) and "PIN104" not in codes(fix)

    assert run_block(live.client(), bad) == [None, [("admin_role",)]]
    assert run(live.client(), "SELECT current_user") == [("admin_role",)]

    live.reset()
    assert run_block(live.client(), fix) == [None, None, [("admin_role",)], None]
    assert run(live.client(), "SELECT current_user") == [("app",)]


def test_pin105_session_characteristics_leak_the_isolation_level(live):
    docs = DocExamples("PIN105")
    bad, fixes = docs.example("sql")[0], docs.fix("sql")
    assert "PIN105" in codes(bad) and not any("PIN105" in codes(fix) for fix in fixes)

    run_block(live.client(), bad)
    b = live.client()
    assert run(b, "SHOW default_transaction_isolation") == [("serializable",)]

    live.reset()
    for fix in fixes:
        assert run_block(live.client(), fix) == [None, [("public",), ("public-2",)], None]
    b = live.client()
    assert run(b, "SHOW default_transaction_isolation") == [("read committed",)]
    assert run(b, "SHOW default_transaction_read_only") == [("off",)]


def test_pin106_sql_prepare_is_shared_and_then_missing(live):
    docs = DocExamples("PIN106")
    bad, [fix] = docs.example("sql")[0], docs.fix("sql")
    prepare, execute = sql_statements(bad)
    assert "PIN106" in codes(bad) and "PIN106" not in codes(fix)

    a, b = live.client(), live.client()
    run(a, prepare)
    assert run(b, execute) == [("public",), ("public-2",)]  # B runs A's statement
    with pytest.raises(errors.DuplicatePreparedStatement) as duplicate:
        run(b, prepare)
    assert sqlstate(duplicate) == "42P05" and 'prepared statement "get_marker" already exists' in str(duplicate.value)

    missing = lost_on_the_other_backend(live, prepare, execute, errors.InvalidSqlStatementName)
    assert missing.sqlstate == "26000" and 'prepared statement "get_marker" does not exist' in str(missing)

    live.reset()
    live.warm_p2()
    a = psycopg.connect(live.conninfo("p2"), autocommit=True, prepare_threshold=None, cursor_factory=psycopg.RawCursor)
    assert run(a, fix, [1]) == [("public",)]
    with live.other_backend():
        assert run(a, fix, [1]) == [("public",)]


def test_pin107_discard_wipes_whichever_backend_it_lands_on(live):
    """DISCARD ALL drops the protocol-level prepared statements another client's driver made on
    that backend: they break on `pgbouncer-legacy`, while PgBouncer >= 1.22 with
    `max_prepared_statements > 0` prepares them again, so PIN107 leaves DISCARD ALL alone there.
    DISCARD TEMP is reported on every PgBouncer: it drops another client's temporary table."""
    docs = DocExamples("PIN107")
    [bad], [fix] = docs.example("sql"), docs.fix("sql")
    breaks = live.target is Target.PGBOUNCER_LEGACY
    assert ("PIN107" in codes(bad, targets=(live.target,))) == breaks
    assert "PIN107" not in codes(fix)
    query = "SELECT v FROM marker WHERE id = %s"

    driver = psycopg.connect(live.conninfo(), autocommit=True)  # psycopg prepares from the 6th run on
    for _ in range(6):
        assert run(driver, query, [1]) == [("public",)]
    run_block(live.client(), bad)  # another client's DISCARD ALL lands on the same backend
    if breaks:
        with pytest.raises(errors.InvalidSqlStatementName) as missing:
            run(driver, query, [1])
        assert sqlstate(missing) == "26000" and 'prepared statement "_pg3_0" does not exist' in str(missing.value)
    else:
        assert run(driver, query, [1]) == [("public",)]

    live.reset()
    discard_temp = "DISCARD TEMP;"
    assert "PIN107" in codes(discard_temp, targets=(live.target,))
    owner = live.client()
    run(owner, "CREATE TEMP TABLE scratch (id int)")
    run_block(live.client(), discard_temp)
    with pytest.raises(errors.UndefinedTable):
        run(owner, "SELECT count(*) FROM scratch")

    live.reset()
    driver = psycopg.connect(live.conninfo(), autocommit=True)
    for _ in range(6):
        run(driver, query, [1])
    assert run_block(live.client(), fix) == [None, [("public",), ("public-2",)], None]
    assert run(driver, query, [1]) == [("public",)]


def test_pin108_temp_table_is_seen_by_the_next_client_and_lost_by_its_owner(live):
    docs = DocExamples("PIN108")
    bad, [fix] = docs.example("sql")[0], docs.fix("sql")
    create, insert, count = sql_statements(bad)
    assert "PIN108" in codes(bad) and "PIN108" not in codes(fix)

    assert run_block(live.client(), bad)[-1] == [(2,)]
    assert run(live.client(), count) == [(2,)]  # B sees A's temporary rows

    missing = lost_on_the_other_backend(live, create, insert, errors.UndefinedTable)
    assert missing.sqlstate == "42P01" and 'relation "scratch" does not exist' in str(missing)

    live.reset()
    assert run_block(live.client(), fix) == [[(2,)]]
    with pytest.raises(errors.UndefinedTable):
        run(live.client(), count)


def test_pin109_session_advisory_lock_breaks_mutual_exclusion(live):
    docs = DocExamples("PIN109")
    bad, [fix] = docs.example("sql")[0], docs.fix("sql")
    lock, update, unlock = sql_statements(bad)
    assert "PIN109" in codes(bad) and "PIN109" not in codes(fix)

    a, b = live.client(), live.client()
    run(a, lock)
    held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242"
    assert run(live.superuser(), held) == [(1,)]  # held by a backend that A no longer occupies
    assert run(b, "SELECT pg_try_advisory_lock(4242)") == [(True,)]  # B "gets" A's lock too

    live.reset()
    live.warm_p2()
    a = live.client("p2")
    run(a, lock)
    run(a, update)
    with live.other_backend():
        assert run(a, unlock) == [(False,)]  # "you don't own a lock of type ExclusiveLock"
    assert run(live.superuser(), held) == [(1,)]  # still held by the first backend

    live.reset()
    live.warm_p2()
    begin, xact_lock, fix_update, commit = sql_statements(fix)
    a, b = live.client("p2"), live.client("p2")
    run(a, begin)
    run(a, xact_lock)
    assert run(b, "SELECT pg_try_advisory_xact_lock(4242)") == [(False,)]  # excluded, on the other backend
    run(a, fix_update)
    run(a, commit)
    assert run(live.superuser(), held) == [(0,)]
    assert run(b, "SELECT pg_try_advisory_xact_lock(4242)") == [(True,)]
    assert run(b, "SELECT v FROM marker WHERE id = 1") == [("done",)]


def test_pin110_listen_on_the_pooler_loses_notifications(live):
    docs = DocExamples("PIN110")
    [bad] = docs.example("sql")
    poll, direct = docs.fix("sql")[0], docs.fix("python")[0]
    assert "PIN110" in codes(bad) and "PIN110" not in codes(poll)
    # Documented: a LISTEN on a direct connection is still reported, since pinlint cannot
    # tell which endpoint a DSN reaches.
    assert "PIN110" in codes(direct, "example.py")

    listener, sender = live.client(), live.client()
    listener.execute(bad)
    sender.execute("NOTIFY jobs, 'hello'")
    assert list(listener.notifies(timeout=1, stop_after=1)) == []
    # The sender ran on the backend that executed LISTEN, so the notification went to it.
    assert [n.payload for n in sender.notifies(timeout=1, stop_after=1)] == ["hello"]

    live.reset()
    assert run_block(live.client(), poll) == [[(1, "public"), (2, "public-2")]]

    received: list[str] = []

    class Received(Exception):
        pass

    def handle(payload: str) -> None:
        received.append(payload)
        raise Received

    def notify_soon() -> None:
        with live.client() as notifier:  # senders stay on the pooler
            for _ in range(50):
                notifier.execute("NOTIFY jobs, 'hello'")
                if received:
                    return
                time.sleep(0.1)

    thread = threading.Thread(target=notify_soon)
    thread.start()
    with pytest.raises(Received):
        exec(direct, {"psycopg": psycopg, "DIRECT_DSN": live.direct_conninfo(), "handle": handle})
    thread.join()
    assert received == ["hello"]


def test_pin111_with_hold_cursor_is_stolen_and_then_missing(live):
    docs = DocExamples("PIN111")
    bad, [fix] = docs.example("sql")[0], docs.fix("sql")
    declare, fetch = sql_statements(bad)
    assert "PIN111" in codes(bad) and "PIN111" not in codes(fix)

    a, b = live.client(), live.client()
    assert run_block(a, bad) == [None, [(1,), (2,), (3,)]]
    assert run(b, fetch) == [(4,), (5,), (6,)]  # B reads the rows A was paging through
    assert run(a, fetch) == [(7,), (8,), (9,)]

    missing = lost_on_the_other_backend(live, declare, fetch, errors.InvalidCursorName)
    assert missing.sqlstate == "34000" and 'cursor "c1" does not exist' in str(missing)

    live.reset()
    assert run_block(live.client(), fix) == [[(1, "public"), (2, "public-2")]]


def test_pin112_load_leaves_the_library_loaded_for_the_next_client(live):
    docs = DocExamples("PIN112")
    bad, [fix] = docs.example("sql")[0], docs.fix("sql")
    assert "PIN112" in codes(bad) and "PIN112" not in codes(fix)
    probe = "SHOW auto_explain.log_min_duration"

    # LOAD of a library outside $libdir/plugins needs a superuser; both clients are one.
    with pytest.raises(errors.UndefinedObject):
        run(live.client(user="postgres"), probe)
    live.drop_backends()
    assert run_block(live.client(user="postgres"), bad) == [None, [("public",), ("public-2",)]]
    assert run(live.client(user="postgres"), probe) == [("-1",)]  # loaded in B's session too

    live.reset()
    run_block(live.superuser(), fix)  # session_preload_libraries is superuser-only
    live.drop_backends()
    for client in (live.client("p1"), live.client("p2")):  # every new app session loads it
        assert run(client, probe) == [("-1",)]


def test_pin113_currval_reads_another_clients_value_or_none(live):
    docs = DocExamples("PIN113")
    bad, [fix] = docs.example("sql")[0], docs.fix("sql")
    insert, currval = sql_statements(bad)
    assert "PIN113" in codes(bad) and "PIN113" not in codes(fix)

    a, b = live.client(), live.client()
    assert run_block(a, bad) == [None, [(101,)]]
    assert run(b, currval) == [(101,)]  # B gets A's id without inserting anything

    undefined = lost_on_the_other_backend(live, insert, currval, errors.ObjectNotInPrerequisiteState)
    assert undefined.sqlstate == "55000"
    assert 'currval of sequence "marker_id_seq" is not yet defined in this session' in str(undefined)

    live.reset()
    live.warm_p2()
    a = live.client("p2")
    create, insert_returning = sql_statements(fix)
    run(a, create)
    assert run(a, insert_returning) == [(1,)]
    with live.other_backend():
        assert run(a, insert_returning) == [(2,)]


def test_pin119_function_body_set_config_leaks_search_path(live):
    docs = DocExamples("PIN119")
    bad, [fix] = docs.example("sql")[0], docs.fix("sql")
    assert "PIN119" in codes(bad) and "PIN119" not in codes(fix)
    call = "SELECT tenant_a_marker_count()"

    a, b = live.client(), live.client()
    run_block(a, bad)
    assert run(a, call) == [(1,)]
    assert run(b, "SHOW search_path") == [("tenant_a",)]
    assert run(b, "SELECT v FROM marker") == [("tenant_a",)]

    live.reset()
    a, b = live.client(), live.client()
    run_block(a, fix)
    assert run(a, call) == [(1,)]
    assert run(b, "SHOW search_path") == [('"$user", public',)]


def test_pin120_set_local_outside_a_transaction_does_nothing(live):
    docs = DocExamples("PIN120")
    bad, fix = docs.example("python")[0], docs.fix("python")[0]
    assert "PIN120" in codes(bad, "example.py") and "PIN120" not in codes(fix, "example.py")
    warned = ("WARNING", "SET LOCAL can only be used in transaction blocks")

    def run_example(source: str) -> tuple[dict, list[tuple[str, str]]]:
        """The example's names after it ran, and the notices its connection received."""
        notices: list[tuple[str, str]] = []
        connect = psycopg.connect

        def connect_and_listen(*args, **kwargs):
            conn = connect(*args, **kwargs)
            conn.add_notice_handler(lambda d: notices.append((d.severity_nonlocalized, d.message_primary)))
            return conn

        namespace: dict = {}
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(psycopg, "connect", connect_and_listen)
            exec(source, namespace)
        return namespace, notices

    direct = bad.replace("host=db dbname=app", live.direct_conninfo())
    for source in (at_live_endpoint(bad, live), direct):  # through PgBouncer, and without a pooler
        namespace, notices = run_example(source)
        with namespace["conn"] as conn:
            assert namespace["timeout"] == "0"  # the SET LOCAL changed nothing
            assert notices == [warned]
            assert run(conn, "SHOW statement_timeout") == [("0",)]

    live.reset()
    namespace, notices = run_example(at_live_endpoint(fix, live))
    with namespace["conn"] as conn:
        assert namespace["timeout"] == "5s"  # in force inside the transaction
        assert notices == []
        assert run(conn, "SHOW statement_timeout") == [("0",)]  # and gone with it
    assert run(live.client(), "SHOW statement_timeout") == [("0",)]


def test_pin201_startup_options_are_refused(live):
    docs = DocExamples("PIN201")
    psycopg_bad, asyncpg_bad = docs.example("python")
    [dotenv_bad] = docs.example("dotenv")
    [role_default] = docs.fix("sql")
    psycopg_fix, asyncpg_fix = docs.fix("python")
    assert "PIN201" in codes(psycopg_bad, "example.py") & codes(asyncpg_bad, "example.py") & codes(dotenv_bad, ".env")
    assert "PIN201" not in codes(role_default) | codes(psycopg_fix, "example.py") | codes(asyncpg_fix, "example.py")
    refused = (
        # PgBouncer < 1.20 refuses `options` whatever it holds; later versions name the setting.
        "unsupported startup parameter: options" if live.pgbouncer_version < (1, 20)
        else "unsupported startup parameter in options: statement_timeout"
    )

    with pytest.raises(psycopg.OperationalError, match=refused):
        exec(at_live_endpoint(psycopg_bad, live), {})
    with pytest.raises(asyncpg.ProtocolViolationError, match="unsupported startup parameter: jit"):
        namespace: dict = {}
        exec(at_live_endpoint(asyncpg_bad, live), namespace)
        asyncio.run(namespace["main"]())
    [(name, value)] = [line.split("=", 1) for line in dotenv_bad.splitlines()]
    with pytest.MonkeyPatch.context() as patch, pytest.raises(psycopg.OperationalError, match=refused):
        patch.setenv(name, shlex.split(value)[0])  # libpq reads PGOPTIONS from the environment
        psycopg.connect(live.conninfo())

    run_block(live.client(), role_default)
    live.drop_backends()
    for client in (live.client("p1"), live.client("p2")):
        assert run(client, "SHOW statement_timeout") == [("5s",)]
    live.reset()
    namespace = {}
    exec(at_live_endpoint(psycopg_fix, live), namespace)
    with namespace["conn"] as conn:
        assert run(conn, "SHOW application_name") == [("web",)]
    namespace = {}
    exec(at_live_endpoint(asyncpg_fix, live), namespace)

    async def application_name() -> str:
        conn = await namespace["main"]()
        try:
            return await conn.fetchval("SHOW application_name")
        finally:
            await conn.close()

    assert asyncio.run(application_name()) == "worker"


ASYNCPG_DEFAULT_CACHE = """
import asyncpg


async def main(query):
    conn = await asyncpg.connect("postgresql://app@db/app")
    await conn.fetch(query, 1)
    return conn
"""


def test_pin202_driver_prepared_statements_break_exactly_where_reported(live):
    """Protocol-level prepared statements: PgBouncer before 1.21, or with
    `max_prepared_statements = 0`, forwards them to whichever backend it picks (the target
    `pgbouncer-legacy`); from 1.21 on with `max_prepared_statements > 0` (`pgbouncer`) it
    prepares them again on each backend. PIN202 is reported on the one and silent on the other."""
    docs = DocExamples("PIN202")
    bad = docs.example("python")[0]
    psycopg_fix, asyncpg_fix = docs.fix("python")[:2]
    breaks = live.target is Target.PGBOUNCER_LEGACY
    on_target = (live.target,)
    assert ("PIN202" in codes(bad, "example.py", on_target)) == breaks
    assert ("PIN202" in codes(ASYNCPG_DEFAULT_CACHE, "example.py", on_target)) == breaks
    assert "PIN202" not in codes(psycopg_fix, "example.py") | codes(asyncpg_fix, "example.py")
    version = ".".join(map(str, live.pgbouncer_version))

    exec(at_live_endpoint(bad, live), {})  # prepares `_pg3_0` at its 6th execution
    if breaks:
        with pytest.raises(errors.DuplicatePreparedStatement) as duplicate:
            exec(at_live_endpoint(bad, live), {})  # the next client on that backend does the same
        assert sqlstate(duplicate) == "42P05", f"PgBouncer {version}"
        assert 'prepared statement "_pg3_0" already exists' in str(duplicate.value)
    else:
        exec(at_live_endpoint(bad, live), {})

    # A client whose statement was prepared on one backend, running it on the other.
    query = "SELECT v FROM marker WHERE id = %s"
    live.reset()
    live.warm_p2()
    client = psycopg.connect(live.conninfo("p2"), autocommit=True)
    for _ in range(6):
        run(client, query, [1])
    with live.other_backend():
        if breaks:
            with pytest.raises(errors.InvalidSqlStatementName, match='prepared statement "_pg3_0" does not exist'):
                run(client, query, [1])
        else:
            assert run(client, query, [1]) == [("public",)]
    client.close()

    live.reset()
    live.warm_p2()
    namespace: dict = {}
    exec(at_live_endpoint(ASYNCPG_DEFAULT_CACHE, live, "p2"), namespace)
    loop = asyncio.new_event_loop()
    try:
        query = "SELECT v FROM marker WHERE id = $1"
        conn = loop.run_until_complete(namespace["main"](query))  # prepares `__asyncpg_stmt_<n>__`
        with live.other_backend():
            if breaks:
                with pytest.raises(asyncpg.InvalidSQLStatementNameError, match=r'"__asyncpg_stmt_\w+__" does not exist'):
                    loop.run_until_complete(conn.fetch(query, 1))
            else:
                assert [tuple(row) for row in loop.run_until_complete(conn.fetch(query, 1))] == [("public",)]
        loop.run_until_complete(conn.close())
    finally:
        loop.close()

    live.reset()
    live.warm_p2()
    namespace: dict = {}
    exec(at_live_endpoint(psycopg_fix, live, "p2"), namespace)
    conn, pool = namespace["conn"], namespace["pool"]
    try:
        with conn.transaction():
            for marker_id in range(10):
                conn.execute("SELECT v FROM marker WHERE id = %s", [marker_id])
        for _ in range(2):
            with pool.connection() as pooled:
                for marker_id in range(10):
                    pooled.execute("SELECT v FROM marker WHERE id = %s", [marker_id])
        conn.autocommit = True
        with live.other_backend():
            assert run(conn, "SELECT v FROM marker WHERE id = %s", [1]) == [("public",)]
    finally:
        pool.close()
        conn.close()

    namespace = {}
    exec(at_live_endpoint(asyncpg_fix, live, "p2"), namespace)
    for _ in range(3):
        assert [tuple(row) for row in asyncio.run(namespace["main"]())] == [("public",)]
