"""A multi-tenant service behind a transaction pooler: every pattern here has bitten someone."""

import psycopg
from sqlalchemy import func, select, text

TENANT_SCHEMA_SQL = "SET search_path TO {}, public"


def connect(dsn):
    return psycopg.connect(dsn, autocommit=True)


def use_tenant(conn, tenant):
    # Leaks the tenant's search_path to whichever client gets this backend next.
    conn.execute(TENANT_SCHEMA_SQL.format(tenant))


def run_report(conn):
    conn.execute("SET statement_timeout = '30s'")
    conn.execute("SET LOCAL work_mem = '256MB'")  # fine on PgBouncer, pins RDS Proxy
    return conn.execute("SELECT count(*) FROM orders").fetchone()


def act_as_admin(conn):
    conn.execute("SET ROLE admin_role")


def nightly_cleanup(session):
    # Only one worker may run the cleanup... unless the lock lands on a shared backend.
    session.execute(select(func.pg_advisory_lock(4242)))
    session.execute(text("DELETE FROM sessions WHERE expires_at < now()"))
    session.execute(select(func.pg_advisory_unlock(4242)))


def safe_cleanup(session):
    with session.begin():
        session.execute(select(func.pg_advisory_xact_lock(4242)))
        session.execute(text("DELETE FROM sessions WHERE expires_at < now()"))


def log_query(logger, tenant):
    logger.info("SET search_path TO %s", tenant)  # a log message, not SQL
