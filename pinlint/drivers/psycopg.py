"""psycopg 3 and psycopg_pool.

* A query executed `prepare_threshold` times (default 5) becomes a named prepared statement
  `_pg3_<n>` at its next execution: `0` prepares every query at its first, only `None` never
  prepares. It is a connect keyword and a connection attribute (`conn.prepare_threshold = 0`);
  `execute(..., prepare=True)` prepares at once.
* `conn.cursor(name)` is a server-side cursor (`DECLARE`), `withhold=True` keeps it past commit.
* psycopg_pool passes `kwargs=` to every connection and runs `configure=` / `reset=` callbacks.
"""

from __future__ import annotations

from typing import Iterator

from pinlint.connections.model import CONNECT, POOL, PSYCOPG, PSYCOPG_POOL, Connection, Setting, entries, is_complete
from pinlint.drivers.api import NAMED_CURSOR, NEW_CONNECTION, RESET, ApiCall, HookKind
from pinlint.drivers.site import AttributeAssignment, CallSite, add_conninfo, named_cursor

ALIASES = {
    "psycopg.Connection.connect": "psycopg.connect",
    "psycopg.AsyncConnection.connect": "psycopg.connect",
    "psycopg.connection.Connection": "psycopg.Connection",
    "psycopg.connection_async.AsyncConnection": "psycopg.Connection",
    "psycopg.AsyncConnection": "psycopg.Connection",
    "psycopg.cursor.Cursor": "psycopg.Cursor",
    "psycopg.AsyncCursor": "psycopg.Cursor",
    "psycopg.ClientCursor": "psycopg.Cursor",
    "psycopg.AsyncClientCursor": "psycopg.Cursor",
    "psycopg.AsyncServerCursor": "psycopg.ServerCursor",
    "psycopg.server_cursor.ServerCursor": "psycopg.ServerCursor",
    "psycopg_pool.pool.ConnectionPool": "psycopg_pool.ConnectionPool",
    "psycopg_pool.pool_async.AsyncConnectionPool": "psycopg_pool.ConnectionPool",
    "psycopg_pool.AsyncConnectionPool": "psycopg_pool.ConnectionPool",
    "psycopg_pool.NullConnectionPool": "psycopg_pool.ConnectionPool",
    "psycopg_pool.AsyncNullConnectionPool": "psycopg_pool.ConnectionPool",
}
RETURNS = {
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.cursor": "psycopg.Cursor",
    "psycopg_pool.ConnectionPool": "psycopg_pool.ConnectionPool",
    "psycopg_pool.ConnectionPool.connection": "psycopg.Connection",
    "psycopg_pool.ConnectionPool.getconn": "psycopg.Connection",
}
_POOL_HOOKS = {"configure": NEW_CONNECTION, "reset": RESET}
ATTRIBUTES = frozenset({"prepare_threshold"})


def recognise(site: CallSite) -> Iterator[object]:
    if site.qualified == "psycopg.connect":
        yield _connect(site)
    elif site.qualified == "psycopg_pool.ConnectionPool":
        yield _pool(site)
    elif site.qualified == "psycopg.ServerCursor":
        yield ApiCall(NAMED_CURSOR, site.described, site.keywords(), site.node,
                      positional=[Setting(site.read(a), a) for a in site.positional()[1:]])
    elif site.is_method and site.method in ("execute", "executemany", "cursor"):
        resolved = site.receiver in ("psycopg.Connection", "psycopg.Cursor")
        if not resolved and not site.may_be("psycopg"):
            return
        if site.method == "cursor":
            cursor = named_cursor(site, resolved)
            if cursor is not None:
                yield cursor
        elif site.argument(None, "prepare") is not None:
            yield ApiCall("psycopg.Cursor.execute", site.described, site.keywords(), site.node, site.confidence(resolved))


def hooks(site: CallSite) -> Iterator[tuple[object, HookKind]]:
    if site.qualified == "psycopg_pool.ConnectionPool":
        for keyword, kind in _POOL_HOOKS.items():
            function = site.argument(None, keyword)
            if function is not None:
                yield function, kind


def assigned(assignment: AttributeAssignment) -> Iterator[ApiCall]:
    resolved = assignment.receiver == "psycopg.Connection"
    if resolved or assignment.may_be("psycopg"):
        setting = assignment.setting
        shown = setting.value if isinstance(setting.value, int) else "..."
        # Reported at the value: the part to change.
        yield ApiCall("psycopg.Connection.prepare_threshold", f"`{assignment.owner}.{assignment.attribute} = {shown}`",
                      {assignment.attribute: setting}, assignment.value, assignment.confidence(resolved))


def _connect(site: CallSite) -> Connection:
    params = site.keywords()
    params.pop("conninfo", None)
    add_conninfo(params, site.setting(0, "conninfo"))
    return Connection(PSYCOPG, CONNECT, "`psycopg.connect()`", params, site.node, complete=not site.has_star_kwargs)


def _pool(site: CallSite) -> Connection:
    given = site.setting(None, "kwargs")
    params: dict[str, Setting] = {}
    complete = True
    if given is not None:
        params = entries(given) or {}
        complete = given.known and isinstance(given.value, dict) and is_complete(given.value)
    add_conninfo(params, site.setting(0, "conninfo"))
    return Connection(PSYCOPG, POOL, "`psycopg_pool.ConnectionPool()`", params, site.node,
                      framework=PSYCOPG_POOL, complete=complete)
