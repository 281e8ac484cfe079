"""psycopg2: client-side binding only (no prepared statements), but:

* `conn.cursor(name)` declares a server-side cursor; `withhold=True` keeps it past commit.
* `set_session(isolation_level=/readonly=/deferrable=)` on an autocommit connection runs
  `SET default_transaction_isolation ...` and friends: session state.
"""

from __future__ import annotations

from typing import Iterator

from pinlint.connections.model import CONNECT, POOL, PSYCOPG2, Connection
from pinlint.drivers.api import ApiCall, HookKind
from pinlint.drivers.site import AttributeAssignment, CallSite, add_conninfo, named_cursor

ALIASES = {
    "psycopg2.extensions.connection": "psycopg2.connection",
    "psycopg2.extensions.cursor": "psycopg2.cursor",
    "psycopg2._psycopg.connection": "psycopg2.connection",
    "psycopg2.pool.SimpleConnectionPool": "psycopg2.pool.Pool",
    "psycopg2.pool.ThreadedConnectionPool": "psycopg2.pool.Pool",
    "psycopg2.pool.AbstractConnectionPool": "psycopg2.pool.Pool",
}
RETURNS = {
    "psycopg2.connect": "psycopg2.connection",
    "psycopg2.pool.Pool": "psycopg2.pool.Pool",
    "psycopg2.pool.Pool.getconn": "psycopg2.connection",
    "psycopg2.connection.cursor": "psycopg2.cursor",
}
# `conn.isolation_level = ...` and friends: the setters behave like set_session().
ATTRIBUTES = frozenset({"isolation_level", "readonly", "deferrable"})


def recognise(site: CallSite) -> Iterator[object]:
    if site.qualified == "psycopg2.connect":
        params = site.keywords()
        params.pop("dsn", None)
        add_conninfo(params, site.setting(0, "dsn"))
        yield Connection(PSYCOPG2, CONNECT, "`psycopg2.connect()`", params, site.node, complete=not site.has_star_kwargs)
    elif site.qualified == "psycopg2.pool.Pool":
        params = site.keywords()
        add_conninfo(params, site.setting(2, "dsn"))
        yield Connection(PSYCOPG2, POOL, "`psycopg2.pool`", params, site.node, complete=not site.has_star_kwargs)
    elif site.is_method and site.method in ("cursor", "set_session"):
        resolved = site.receiver == "psycopg2.connection"
        if not resolved and not site.may_be("psycopg2"):
            return
        if site.method == "cursor":
            cursor = named_cursor(site, resolved)
            if cursor is not None:
                yield cursor
        else:
            yield ApiCall("psycopg2.connection.set_session", site.described, site.keywords(), site.node,
                          site.confidence(resolved), facts={"autocommit": site.autocommit})


def hooks(site: CallSite) -> Iterator[tuple[object, HookKind]]:
    return iter(())


def assigned(assignment: AttributeAssignment) -> Iterator[ApiCall]:
    resolved = assignment.receiver == "psycopg2.connection"
    if resolved or assignment.may_be("psycopg2"):
        yield ApiCall("psycopg2.connection.set_session", assignment.described,
                      {assignment.attribute: assignment.setting}, assignment.target,
                      assignment.confidence(resolved), facts={"autocommit": assignment.autocommit})
