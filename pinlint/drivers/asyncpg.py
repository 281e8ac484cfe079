"""asyncpg: connections, pools, and the statements it sends on its own.

* Every new query becomes a named prepared statement (`statement_cache_size=100`).
* A pool's release runs `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
  unless `reset=` replaces it (asyncpg >= 0.30).
* Type introspection (custom codecs, non-built-in types) toggles `jit` with
  `set_config('jit', 'off', false)`.
* A DSN's unknown query parameters become `server_settings` (startup parameters).
"""

from __future__ import annotations

from typing import Iterator

from pinlint.connections.dsn import parse_connection_string
from pinlint.connections.model import ASYNCPG, CONNECT, POOL, Connection, Setting
from pinlint.drivers.api import CHECKOUT, NEW_CONNECTION, RESET, ApiCall, HookKind
from pinlint.drivers.site import CallSite

ALIASES = {
    "asyncpg.connection.connect": "asyncpg.connect",
    "asyncpg.pool.create_pool": "asyncpg.create_pool",
    "asyncpg.connection.Connection": "asyncpg.Connection",
    "asyncpg.pool.Pool": "asyncpg.Pool",
    "asyncpg.pool.PoolConnectionProxy": "asyncpg.Connection",
}
RETURNS = {
    "asyncpg.connect": "asyncpg.Connection",
    "asyncpg.create_pool": "asyncpg.Pool",
    "asyncpg.Pool": "asyncpg.Pool",
    "asyncpg.Pool.acquire": "asyncpg.Connection",
}
# DSN query parameters asyncpg reads itself; any other becomes a server setting.
_DSN_PARAMETERS = frozenset(
    """host port dbname database user password passfile sslmode sslcert sslkey sslrootcert sslcrl
    sslpassword ssl_min_protocol_version ssl_max_protocol_version target_session_attrs krbsrvname
    gsslib service servicefile""".split()
)
_METHODS = frozenset({"add_listener", "set_type_codec", "set_builtin_type_codec", "prepare"})
_POOL_HOOKS = {"init": NEW_CONNECTION, "setup": CHECKOUT, "reset": RESET}


def recognise(site: CallSite) -> Iterator[object]:
    if site.qualified == "asyncpg.connect":
        yield _connection(site, CONNECT, "`asyncpg.connect()`")
    elif site.qualified in ("asyncpg.create_pool", "asyncpg.Pool"):
        yield _connection(site, POOL, "`asyncpg.create_pool()`")
    elif site.is_method and site.method in _METHODS:
        resolved = site.receiver in ("asyncpg.Connection", "asyncpg.Pool")
        if not resolved and not site.may_be("asyncpg"):
            return
        if site.method == "prepare" and not site.positional() and site.argument(None, "query") is None:
            return  # `transaction.prepare()` of two-phase commit, not asyncpg's
        yield ApiCall(
            f"asyncpg.Connection.{site.method}", site.described, site.keywords(), site.node,
            site.confidence(resolved), [Setting(site.read(a), a) for a in site.positional()],
        )


def hooks(site: CallSite) -> Iterator[tuple[object, HookKind]]:
    if site.qualified in ("asyncpg.create_pool", "asyncpg.Pool"):
        for keyword, kind in _POOL_HOOKS.items():
            function = site.argument(None, keyword)
            if function is not None:
                yield function, kind


def _connection(site: CallSite, kind: str, described: str) -> Connection:
    params = site.keywords()
    params.pop("dsn", None)
    dsn = site.setting(0, "dsn")
    if dsn is not None and isinstance(dsn.value, str):
        parsed = parse_connection_string(dsn.value)
        extra = {k: v for k, v in parsed.params.items() if k not in _DSN_PARAMETERS} if parsed else {}
        if "options" in extra:  # libpq's `options`, sent as the startup parameter of that name
            params["options"] = Setting(extra.pop("options"), dsn.anchor)
        if extra:
            given = params.get("server_settings")
            merged = dict(extra)
            if given is not None and isinstance(given.value, dict):
                merged.update(given.value)
            params["server_settings"] = Setting(merged, dsn.anchor if given is None else given.anchor)
    return Connection(ASYNCPG, kind, described, params, site.node, complete=not site.has_star_kwargs)
