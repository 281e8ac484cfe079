"""The project's connections: what the drivers and SQLAlchemy send on their own.

The live test points `db` at its PgBouncer, runs `main()` and the functions below, feeds the
server's and PgBouncer's logs to `pinlint logs`, and expects each incident a `# logs:` mark
names on the line after the mark.
"""

import asyncpg
import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

DSN = "postgresql://app@db/app"

# SQLAlchemy's asyncpg dialect prepares every statement (named) and registers JSON codecs.
# logs: PIN202, PIN204
engine = create_async_engine("postgresql+asyncpg://app@db/app")


async def main():
    async with engine.connect() as conn:
        await conn.execute(text("""SELECT '{"a": 1}'::json"""))
    await engine.dispose()

    # A composite type's codec makes asyncpg introspect it, which toggles jit.
    # logs: PIN202, PIN204
    conn = await asyncpg.connect(DSN)
    try:
        await conn.set_type_codec("pair", encoder=tuple, decoder=tuple, schema="public", format="tuple")
        await conn.fetchval("SELECT (1, 2)::pair")
    finally:
        await conn.close()

    # Releasing a connection runs asyncpg's reset query.
    # logs: PIN203
    pool = await asyncpg.create_pool(DSN, min_size=1, max_size=1)
    async with pool.acquire() as pooled:
        await pooled.fetchval("SELECT 2")
    await pool.close()


async def with_jit_off():
    # logs: PIN201
    return await asyncpg.connect(DSN, server_settings={"jit": "off"})


def with_timeout():
    # logs: PIN201
    return psycopg.connect("host=db dbname=app", options="-c statement_timeout=5s")


def count_markers():
    """psycopg prepares `_pg3_0` at the 6th execution."""
    # logs: PIN202
    with psycopg.connect("host=db dbname=app", autocommit=True) as conn:
        for _ in range(6):
            conn.execute("SELECT count(*) FROM marker WHERE id > %s", [0])
