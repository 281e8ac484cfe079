"""PIN120: transaction-scoped settings where the code shows no transaction is open, and the code
that keeps the rule silent (a transaction around the statement, or one pinlint cannot rule out)."""

from __future__ import annotations

import json
import textwrap

import pytest

from pinlint.diagnostics import Confidence, Severity
from pinlint.engine import lint_source
from pinlint.output.json_format import render as render_json
from pinlint.settings import Settings
from pinlint.targets import Target

WARNS = "does nothing on PgBouncer (PostgreSQL only warns `SET LOCAL can only be used in transaction blocks`)"
ENDS = "does nothing on PgBouncer (the value ends with the statement itself)"
ASYNCPG_FIX = (
    "Open a transaction around it and the statements it is for: `async with conn.transaction():` "
    "(with a pool, `async with pool.acquire() as conn, conn.transaction():`)"
)
PSYCOPG_FIX = "Open a transaction around it and the statements it is for: `with conn.transaction():`"
PSYCOPG2_FIX = (
    "Open a transaction around it and the statements it is for: `with conn:` (psycopg2 2.9 and "
    "later open one there even in autocommit mode)"
)
SQLALCHEMY_FIX = (
    "Run it on a connection without AUTOCOMMIT, in a transaction with the statements it is for: "
    "`with engine.begin() as conn:`"
)
DJANGO_FIX = "Wrap it and the statements it is for in `with transaction.atomic():`"
MIGRATION_FIX = (
    "Keep it in a transaction with the statements it is for (an atomic migration); for statements "
    "that cannot run in one (`CREATE INDEX CONCURRENTLY`), use a session-level `SET` and `RESET` it "
    "afterwards, on a direct connection rather than through the pooler"
)


def lint(code: str, filename: str = "app.py", **settings):
    """Every finding, on PgBouncer (where PIN103 is silent), down to low confidence."""
    settings.setdefault("targets", (Target.PGBOUNCER,))
    settings.setdefault("min_confidence", Confidence.LOW)
    return lint_source(textwrap.dedent(code).encode(), filename, Settings(**settings)).findings


def found(code: str, **settings) -> list[tuple]:
    return [(f.row, f.col, f.code, f.message, f.fix, f.confidence.value) for f in lint(code, **settings)]


def test_asyncpg_pool_execute_runs_alone():
    code = """
    import asyncpg

    async def main(dsn, tenant):
        pool = await asyncpg.create_pool(dsn)
        await pool.execute("SELECT set_config('app.tenant_id', $1, true)", tenant)
        await pool.fetchval("SET LOCAL statement_timeout = '5s'")
    """
    assert found(code) == [
        (6, 24, "PIN120", "`set_config(..., true)` runs outside a transaction (asyncpg's `pool.execute()` sends it on "
         f"its own): {ENDS}", ASYNCPG_FIX, "high"),
        (7, 25, "PIN120", "`SET LOCAL statement_timeout` runs outside a transaction (asyncpg's `pool.fetchval()` "
         f"sends it on its own): {WARNS}", ASYNCPG_FIX, "high"),
    ]


def test_asyncpg_connection_opened_here_is_outside_a_transaction_outside_its_block():
    code = """
    import asyncpg

    async def main(dsn):
        conn = await asyncpg.connect(dsn)
        async with conn.transaction():
            await conn.execute("SET LOCAL ROLE reporting")
        await conn.execute("SET LOCAL ROLE reporting")
    """
    assert found(code) == [
        (8, 24, "PIN120", "`SET LOCAL ROLE` runs outside a transaction (asyncpg runs each statement on its own outside "
         f"`conn.transaction()`): {WARNS}", ASYNCPG_FIX, "high"),
    ]


def test_asyncpg_acquire_from_an_unresolved_pool_is_medium_confidence():
    code = """
    import asyncpg

    async def main(pool):
        async with pool.acquire() as conn:
            await conn.execute("SET LOCAL lock_timeout = '1s'")
        async with pool.acquire() as conn2, conn2.transaction():
            await conn2.execute("SET LOCAL lock_timeout = '1s'")
    """
    assert [(row, col, confidence) for row, col, _, _, _, confidence in found(code)] == [(6, 28, "medium")]


def test_psycopg_connection_made_in_autocommit_mode():
    code = """
    import psycopg

    conn = psycopg.connect("dbname=app", autocommit=True)
    conn.execute("SET LOCAL statement_timeout = '5s'")
    with conn.transaction():
        conn.execute("SET LOCAL statement_timeout = '5s'")

    def report():
        conn.execute("SET LOCAL work_mem = '64MB'")
    """
    assert found(code) == [
        (5, 14, "PIN120", f"`SET LOCAL statement_timeout` runs outside a transaction (`conn` is in autocommit mode): {WARNS}",
         PSYCOPG_FIX, "high"),
        (10, 18, "PIN120", f"`SET LOCAL work_mem` runs outside a transaction (`conn` is in autocommit mode): {WARNS}",
         PSYCOPG_FIX, "high"),
    ]


def test_psycopg2_cursor_of_a_connection_switched_to_autocommit_before_the_statement():
    code = """
    import psycopg2

    def export(dsn):
        conn = psycopg2.connect(dsn)
        cur = conn.cursor()
        cur.execute("SET LOCAL statement_timeout = '5min'")
        conn.commit()
        conn.set_session(autocommit=True)
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        with conn:
            cur.execute("SET LOCAL statement_timeout = '5min'")
    """
    assert found(code) == [
        (10, 17, "PIN120", "`SET CONSTRAINTS` runs outside a transaction (`conn` is in autocommit mode): does nothing on "
         "PgBouncer (PostgreSQL only warns `SET CONSTRAINTS can only be used in transaction blocks`)", PSYCOPG2_FIX, "high"),
    ]


def test_transaction_parameters_end_with_their_statement():
    code = """
    import psycopg

    conn = psycopg.connect("dbname=app", autocommit=True)
    conn.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
    conn.execute("SET transaction_read_only = on")
    """
    assert [message for _, _, _, message, _, _ in found(code)] == [
        "`SET TRANSACTION` runs outside a transaction (`conn` is in autocommit mode): does nothing on PgBouncer "
        "(PostgreSQL only warns `SET TRANSACTION can only be used in transaction blocks`)",
        f"`SET transaction_read_only` runs outside a transaction (`conn` is in autocommit mode): {ENDS}",
    ]


def test_sqlalchemy_autocommit_engine_even_in_begin():
    code = """
    from sqlalchemy import create_engine, func, select, text

    engine = create_engine("postgresql://app@db/app")
    autocommit_engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    def job(tenant):
        with autocommit_engine.begin() as conn:
            conn.execute(select(func.set_config("app.tenant_id", tenant, True)))
        with engine.connect() as plain:
            plain.execution_options(isolation_level="AUTOCOMMIT")
            plain.execute(text("SET LOCAL lock_timeout = '1s'"))
        with engine.begin() as transactional:
            transactional.execute(text("SET LOCAL lock_timeout = '1s'"))
    """
    why = "its isolation level is AUTOCOMMIT, where SQLAlchemy's `begin()` opens no transaction either"
    assert found(code) == [
        (9, 29, "PIN120", f"`set_config(..., true)` runs outside a transaction ({why}): {ENDS}", SQLALCHEMY_FIX, "high"),
        (12, 28, "PIN120", f"`SET LOCAL lock_timeout` runs outside a transaction ({why}): {WARNS}", SQLALCHEMY_FIX, "high"),
    ]


def test_alembic_autocommit_block():
    code = """
    from alembic import op

    def upgrade():
        op.execute("SET LOCAL lock_timeout = '1s'")
        with op.get_context().autocommit_block():
            op.execute("SET LOCAL lock_timeout = '1s'")
    """
    assert found(code) == [
        (7, 20, "PIN120", "`SET LOCAL lock_timeout` runs outside a transaction (Alembic's `autocommit_block()` runs it "
         f"in autocommit mode): {WARNS}", MIGRATION_FIX, "high"),
    ]


def test_non_atomic_django_migration_splits_a_runsql_string_but_not_a_list_item():
    code = """
    from django.db import migrations

    class Migration(migrations.Migration):
        atomic = False
        operations = [
            migrations.RunSQL("SET LOCAL lock_timeout = '1s'; CREATE INDEX CONCURRENTLY i ON t (c)"),
            migrations.RunSQL(["SET LOCAL lock_timeout = '1s'; ANALYZE t", "SET LOCAL lock_timeout = '1s'"]),
        ]
    """
    why = "the migration sets `atomic = False`, so Django runs it in autocommit mode"
    assert found(code) == [
        (7, 27, "PIN120", f"`SET LOCAL lock_timeout` runs outside a transaction ({why}; each statement of a RunSQL "
         f"string is sent on its own): {WARNS}", MIGRATION_FIX, "high"),
        (8, 72, "PIN120", f"`SET LOCAL lock_timeout` runs outside a transaction ({why}): {WARNS}", MIGRATION_FIX, "high"),
    ]


def test_atomic_django_migration_is_silent():
    code = """
    from django.db import migrations

    class Migration(migrations.Migration):
        atomic = True
        operations = [migrations.RunSQL("SET LOCAL lock_timeout = '1s'; ALTER TABLE t ADD COLUMN c int")]
    """
    assert found(code) == []


def test_django_cursor_outside_atomic():
    code = """
    from django.db import connection, connections, transaction

    @transaction.non_atomic_requests
    def export(request):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = '30s'")

    def report(request):
        cursor = connections["replica"].cursor()
        cursor.execute("SET LOCAL statement_timeout = '30s'")
        with transaction.atomic():
            cursor.execute("SET LOCAL statement_timeout = '30s'")
    """
    assert found(code) == [
        (7, 24, "PIN120", "`SET LOCAL statement_timeout` runs outside a transaction (the view is `non_atomic_requests`, "
         f"so Django runs it in autocommit mode): {WARNS}", DJANGO_FIX, "high"),
        (11, 20, "PIN120", "`SET LOCAL statement_timeout` runs outside a transaction (Django runs in autocommit mode "
         f"outside `atomic()`, unless a caller holds a transaction): {WARNS}", DJANGO_FIX, "low"),
    ]
    # A caller may hold the transaction: not reported at the default threshold.
    assert [f.row for f in lint(code, min_confidence=Confidence.MEDIUM)] == [7]


@pytest.mark.parametrize(
    "code",
    [
        # A connection handed in: the caller may hold the transaction.
        "async def f(conn):\n    await conn.execute(\"SET LOCAL ROLE r\")\n",
        "def f(cur):\n    cur.execute(\"SELECT set_config('a.b', 'c', true)\")\n",
        # One string runs as one implicit transaction.
        "import psycopg\nconn = psycopg.connect(autocommit=True)\nconn.execute(\"SET LOCAL a.b = 1; SELECT 1\")\n",
        # The SQL is a constant: where it runs is not followed.
        "import psycopg\nQ = \"SET LOCAL a.b = 1\"\nconn = psycopg.connect(autocommit=True)\nconn.execute(Q)\n",
        # psycopg2 without autocommit opens a transaction before the first statement.
        "import psycopg2\nconn = psycopg2.connect('')\nconn.cursor().execute(\"SET LOCAL a.b = 1\")\n",
        # Autocommit switched on only after the statement.
        "import psycopg2\ndef f(conn):\n    conn.cursor().execute(\"SET LOCAL a.b = 1\")\n    conn.autocommit = True\n",
        # psycopg2 2.9+: `with psycopg2.connect() as conn:` is a transaction.
        "import psycopg2\nwith psycopg2.connect('') as conn:\n    conn.autocommit = True\n"
        "    conn.cursor().execute(\"SET LOCAL a.b = 1\")\n",
        # A function that opens or ends transactions by hand.
        "import psycopg\ndef f():\n    conn = psycopg.connect(autocommit=True)\n    conn.execute('BEGIN')\n"
        "    conn.execute(\"SET LOCAL a.b = 1\")\n",
        "import psycopg2\ndef f(conn):\n    conn.autocommit = True\n    conn.autocommit = False\n"
        "    conn.cursor().execute(\"SET LOCAL a.b = 1\")\n",
        "from django.db import connection, transaction\ndef f():\n    transaction.set_autocommit(False)\n"
        "    connection.cursor().execute(\"SET LOCAL a.b = 1\")\n",
        # A decorator that opens a transaction.
        "from django.db import connection, transaction\n@transaction.atomic\ndef f():\n"
        "    connection.cursor().execute(\"SET LOCAL a.b = 1\")\n",
        # Session-level statements are other rules' business.
        "import psycopg\nconn = psycopg.connect(autocommit=True)\nconn.execute(\"SELECT set_config('a.b', 'c', false)\")\n",
        # MySQL's SET LOCAL is SET SESSION.
        "import pymysql\nconn = pymysql.connect(autocommit=True)\nconn.cursor().execute(\"SET LOCAL sql_mode = ''\")\n",
    ],
)
def test_silent_where_no_missing_transaction_is_shown(code):
    assert [f.code for f in lint(code, targets=tuple(Target)) if f.code == "PIN120"] == []


def test_a_sql_file_has_no_transaction_context():
    assert [f.code for f in lint("SET LOCAL statement_timeout = '5s';\n", "schema.sql")] == []


def test_a_warning_on_every_target_with_the_word_ignored():
    code = 'import psycopg\nconn = psycopg.connect(autocommit=True)\nconn.execute("SET LOCAL a.b = 1")\n'
    report = lint_source(code.encode(), "app.py", Settings(targets=tuple(Target)))
    [finding] = [f for f in report.findings if f.code == "PIN120"]
    assert finding.severity == Severity.WARNING
    assert finding.message == (
        "`SET LOCAL a.b` runs outside a transaction (`conn` is in autocommit mode): does nothing on RDS Proxy and "
        "PgBouncer and PgBouncer < 1.21 (PostgreSQL only warns `SET LOCAL can only be used in transaction blocks`)"
    )
    [entry] = [e for e in json.loads(render_json(report)) if e["code"] == "PIN120"]
    assert entry["consequences"] == {"rds-proxy": "ignored", "pgbouncer": "ignored", "pgbouncer-legacy": "ignored"}


def test_suppressed_like_any_rule():
    code = 'import psycopg\nconn = psycopg.connect(autocommit=True)\nconn.execute("SET LOCAL a.b = 1")  # noqa: PIN120\n'
    assert [f.code for f in lint(code)] == []


@pytest.mark.parametrize(
    ("base", "reported"),
    [
        ("from django.test import TestCase", []),
        ("from tenant_schemas.test.cases import TenantTestCase as TestCase", []),
        ("from django.test import TransactionTestCase as TestCase", [9]),
        ("from unittest import TestCase", [9]),
    ],
)
def test_django_test_cases_that_wrap_each_test_in_atomic(base, reported):
    code = f"""\
    {base}
    from django.db import connection


    class SchemaTests(TestCase):
        def test_search_path(self):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.execute("SET LOCAL search_path TO tenant")
    """
    assert [f.row for f in lint(code) if f.code == "PIN120"] == reported


def test_code_that_asks_whether_a_transaction_is_open_is_silent():
    code = """\
    from django.db import connection


    def ignore(name):
        if not connection.in_atomic_block:
            raise RuntimeError("must be called in a transaction")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL pgtrigger.ignore = %s", [name])
    """
    assert [f.code for f in lint(code)] == []
