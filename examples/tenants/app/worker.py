"""A job worker that waits for notifications and keeps a scratch table."""

import asyncpg


async def work(dsn):
    conn = await asyncpg.connect(dsn)
    await conn.execute("LISTEN jobs")
    await conn.execute(
        """
        CREATE TEMP TABLE scratch (
            job_id bigint PRIMARY KEY
        )
        """
    )
    job_id = await conn.fetchval("INSERT INTO jobs (state) VALUES ('new'); SELECT currval('jobs_id_seq')")
    return job_id


async def make_pool(dsn):
    # The recipe for slow enum introspection: RDS Proxy refuses the jit startup parameter, and
    # the pool's default reset runs RESET ALL at every release.
    return await asyncpg.create_pool(dsn, server_settings={"jit": "off"})
