"""PIN120 local-set-outside-transaction: `SET LOCAL` where no transaction is open does nothing."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import PythonCase, SqlContext, SqlRule
from pinlint.rules.pin103_transaction_scoped_set import ScopedForm, transaction_scoped_forms
from pinlint.sql.lexer import SqlText, statements
from pinlint.targets import Consequence, Target, ignored


class LocalSetOutsideTransaction(SqlRule):
    code = "PIN120"
    name = "local-set-outside-transaction"
    summary = "SET LOCAL or set_config(..., true) where no transaction is open does nothing"

    VALID = [
        PythonCase(
            "import asyncpg\n"
            "async def main(dsn):\n"
            "    conn = await asyncpg.connect(dsn)\n"
            "    async with conn.transaction():\n"
            "        await conn.execute(\"SET LOCAL statement_timeout = '5s'\")\n"
        ),
        PythonCase(  # one string runs as one implicit transaction
            "import asyncpg\n"
            "async def main(dsn):\n"
            "    conn = await asyncpg.connect(dsn)\n"
            "    await conn.execute(\"SET LOCAL statement_timeout = '5s'; SELECT 1\")\n"
        ),
        PythonCase(  # the caller may hold a transaction
            "async def set_tenant(conn, tenant):\n"
            "    await conn.execute(\"SELECT set_config('app.tenant', $1, true)\", tenant)\n"
        ),
        PythonCase(
            "import psycopg\n"
            "conn = psycopg.connect(dsn, autocommit=True)\n"
            "with conn.transaction():\n"
            "    conn.execute(\"SET LOCAL ROLE reporting\")\n"
        ),
        PythonCase(
            "import psycopg2\n"
            "conn = psycopg2.connect(dsn)\n"
            "conn.cursor().execute(\"SET LOCAL search_path TO tenant_a\")\n"
        ),
        PythonCase(
            "from sqlalchemy import create_engine, text\n"
            "engine = create_engine(url)\n"
            "with engine.connect() as conn:\n"
            "    conn.execute(text(\"SET LOCAL lock_timeout = '1s'\"))\n"
        ),
        PythonCase(
            "from django.db import migrations\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunSQL(\"SET LOCAL lock_timeout = '1s'\")]\n"
        ),
    ]
    INVALID = [
        PythonCase(
            "import asyncpg\n"
            "async def main(dsn):\n"
            "    pool = await asyncpg.create_pool(dsn)\n"
            "    await pool.execute(\"SET LOCAL statement_timeout = '5s'\")\n"
        ),
        PythonCase(
            "import asyncpg\n"
            "async def main(pool: asyncpg.Pool, tenant):\n"
            "    async with pool.acquire() as conn:\n"
            "        await conn.execute(\"SELECT set_config('app.tenant', $1, true)\", tenant)\n"
        ),
        PythonCase(
            "import psycopg\n"
            "conn = psycopg.connect(dsn, autocommit=True)\n"
            "conn.execute(\"SET LOCAL ROLE reporting\")\n"
        ),
        PythonCase(
            "import psycopg2\n"
            "conn = psycopg2.connect(dsn)\n"
            "conn.autocommit = True\n"
            "cur = conn.cursor()\n"
            "cur.execute(\"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE\")\n"
        ),
        PythonCase(
            "from sqlalchemy import create_engine, text\n"
            "engine = create_engine(url, isolation_level='AUTOCOMMIT')\n"
            "with engine.begin() as conn:\n"
            "    conn.execute(text(\"SET LOCAL lock_timeout = '1s'\"))\n"
        ),
        PythonCase(
            "from alembic import op\n"
            "def upgrade():\n"
            "    with op.get_context().autocommit_block():\n"
            "        op.execute(\"SET LOCAL lock_timeout = '1s'\")\n"
        ),
        PythonCase(
            "from django.db import migrations\n"
            "class Migration(migrations.Migration):\n"
            "    atomic = False\n"
            "    operations = [migrations.RunSQL(\"SET LOCAL lock_timeout = '1s'; CREATE INDEX CONCURRENTLY i ON t (c)\")]\n"
        ),
    ]

    def check_text(self, sql: SqlText, ctx: SqlContext) -> Iterator[Hit]:
        outside = ctx.no_transaction
        if outside is None:
            return
        stmts = statements(sql)
        why = outside.why
        if len(stmts) > 1:
            if not outside.one_by_one:
                return  # PostgreSQL runs one multi-statement string as one implicit transaction
            why += f"; {outside.one_by_one}"
        for stmt in stmts:
            for form in transaction_scoped_forms(stmt):
                yield Hit(
                    self.code,
                    f"{form.spelled} runs outside a transaction ({why})",
                    {target: _consequence(form) for target in Target},
                    outside.fix,
                    form.offset,
                    confidence=outside.confidence,
                )


def _consequence(form: ScopedForm) -> Consequence:
    """What PostgreSQL does with the form outside a transaction block, on any pooler or none."""
    if form.statement_type:
        return ignored(f"PostgreSQL only warns `{form.statement_type} can only be used in transaction blocks`")
    return ignored("the value ends with the statement itself")
