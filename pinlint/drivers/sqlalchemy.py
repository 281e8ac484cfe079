"""SQLAlchemy: engines (the URL names the driver; `connect_args` and URL query parameters reach
it), pool events that run per connection, and streaming results through server-side cursors.

* `postgresql+asyncpg` prepares every statement through asyncpg (named, cached per connection)
  and registers JSON codecs on every new connection.
* `postgresql+pg8000` (and the base dialect) set isolation with
  `SET SESSION CHARACTERISTICS AS TRANSACTION ...`.
* `stream_results=True` / `yield_per` use named server-side cursors on psycopg2 and psycopg.
"""

from __future__ import annotations

from typing import Iterator

from pinlint.connections.dsn import parse_connection_string
from pinlint.connections.model import ASYNCPG, ENGINE, PSYCOPG, SQLALCHEMY, Connection, Setting, entries, is_complete
from pinlint.drivers.api import CHECKOUT, NEW_CONNECTION, RESET, ApiCall, HookKind
from pinlint.drivers.site import CallSite
from pinlint.diagnostics import Confidence

ALIASES = {
    "sqlalchemy.engine.create_engine": "sqlalchemy.create_engine",
    "sqlalchemy.engine.create.create_engine": "sqlalchemy.create_engine",
    "sqlmodel.create_engine": "sqlalchemy.create_engine",
    "sqlalchemy.ext.asyncio.engine.create_async_engine": "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlalchemy.event.api": "sqlalchemy.event",
}
RETURNS = {
    "sqlalchemy.create_engine": "sqlalchemy.Engine",
    "sqlalchemy.ext.asyncio.create_async_engine": "sqlalchemy.Engine",
}
_ENGINES = {"sqlalchemy.create_engine": "`create_engine()`", "sqlalchemy.ext.asyncio.create_async_engine": "`create_async_engine()`"}
_EVENTS = {"connect": NEW_CONNECTION, "first_connect": NEW_CONNECTION, "checkout": CHECKOUT, "reset": RESET, "checkin": RESET}
_MODULES = ("sqlalchemy", "sqlmodel")


def recognise(site: CallSite) -> Iterator[object]:
    if site.qualified in _ENGINES:
        yield _engine(site)
    elif site.is_method and site.method in ("execution_options", "yield_per") and any(map(site.imported, _MODULES)):
        keywords = site.keywords()
        streams = site.method == "yield_per" or keywords.get("yield_per") is not None or (
            "stream_results" in keywords and keywords["stream_results"].value is not False
        )
        if streams:
            # Whether a server-side cursor is used depends on the engine's driver, which is
            # usually configured elsewhere.
            yield ApiCall("sqlalchemy.stream_results", site.described, keywords, site.node, Confidence.MEDIUM)


def hooks(site: CallSite) -> Iterator[tuple[object, HookKind]]:
    if site.qualified not in ("sqlalchemy.event.listens_for", "sqlalchemy.event.listen"):
        return
    event = site.argument(1, "identifier")
    kind = _EVENTS.get(site.read(event)) if event is not None else None  # type: ignore[arg-type]
    if kind is None:
        return
    if site.qualified == "sqlalchemy.event.listen":
        function = site.argument(2, "fn")
        if function is not None:
            yield function, kind
    else:
        yield None, kind  # the decorated function


def _engine(site: CallSite) -> Connection:
    url = site.setting(0, "url")
    parsed = parse_connection_string(url.value) if url is not None and isinstance(url.value, str) else None
    params: dict[str, Setting] = {}
    if parsed is not None:
        params.update({k: Setting(v, url.anchor) for k, v in parsed.params.items()})  # type: ignore[union-attr]
    options = site.keywords()
    options.pop("url", None)
    connect_args = options.pop("connect_args", None)
    complete = not site.has_star_kwargs
    if connect_args is not None:
        given = entries(connect_args)
        if given is None:
            complete = False
        else:
            params.update(given)
            complete = complete and is_complete(connect_args.value)
    driver = parsed.driver if parsed is not None else _driver_by_connect_args(params)
    return Connection(
        driver, ENGINE, _ENGINES[site.qualified or ""], params, site.node, framework=SQLALCHEMY,
        complete=complete, options=options,
        confidence=Confidence.MEDIUM if parsed is None and driver else Confidence.HIGH,
    )


# Connect arguments only one DBAPI driver takes: they name the driver when the URL cannot be read
# (`create_async_engine(make_url(settings.url), connect_args={"server_settings": ...})`).
_DRIVER_ONLY_ARGUMENTS = {
    "server_settings": ASYNCPG, "statement_cache_size": ASYNCPG, "prepared_statement_cache_size": ASYNCPG,
    "prepared_statement_name_func": ASYNCPG, "command_timeout": ASYNCPG, "prepare_threshold": PSYCOPG,
}


def _driver_by_connect_args(params: dict[str, Setting]) -> str:
    drivers = {_DRIVER_ONLY_ARGUMENTS[k] for k in params if k in _DRIVER_ONLY_ARGUMENTS}
    return drivers.pop() if len(drivers) == 1 else ""
