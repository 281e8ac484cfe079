"""Flask-SQLAlchemy: engine options written in the application's configuration.

* `SQLALCHEMY_ENGINE_OPTIONS`, and each engine of `SQLALCHEMY_BINDS` given as a dict, are
  `create_engine()` keywords: their `connect_args` reach the driver, so a libpq `options` there
  is a startup parameter.
* `SQLAlchemy(app, engine_options={...})` is the same, given to the extension.
* The URL usually lives elsewhere (`SQLALCHEMY_DATABASE_URI` from the environment), so a setting
  missing here proves nothing: the connections are never complete.
"""

from __future__ import annotations

from typing import Iterator

from pinlint.connections.dsn import parse_connection_string
from pinlint.connections.model import ENGINE, SQLALCHEMY, Connection, Setting, entries
from pinlint.drivers.api import HookKind
from pinlint.drivers.site import CallSite

ALIASES = {"flask_sqlalchemy.extension.SQLAlchemy": "flask_sqlalchemy.SQLAlchemy"}
RETURNS: dict[str, str] = {}
CONFIG_KEYS = ("SQLALCHEMY_ENGINE_OPTIONS", "SQLALCHEMY_BINDS")


def recognise(site: CallSite) -> Iterator[object]:
    if site.qualified == "flask_sqlalchemy.SQLAlchemy":
        options = site.setting(None, "engine_options")
        found = None if options is None else _engine(options, "`SQLAlchemy(engine_options=...)`")
        if found is not None:
            yield found


def hooks(site: CallSite) -> Iterator[tuple[object, HookKind]]:
    return iter(())


def config_connections(key: str, value: Setting) -> list[Connection]:
    """The engines a configuration key describes."""
    if key == "SQLALCHEMY_ENGINE_OPTIONS":
        found = _engine(value, "`SQLALCHEMY_ENGINE_OPTIONS`")
        return [] if found is None else [found]
    binds = entries(value) or {}  # bind name -> URL, or a dict of engine options with its "url"
    engines = (_engine(bind, f"`SQLALCHEMY_BINDS[{name!r}]`") for name, bind in binds.items())
    return [engine for engine in engines if engine is not None]


def _engine(options: Setting, described: str) -> Connection | None:
    fields = entries(options)
    if fields is None:
        return None
    connect_args, url = fields.pop("connect_args", None), fields.pop("url", None)
    parsed = parse_connection_string(url.value) if url is not None and isinstance(url.value, str) else None
    params: dict[str, Setting] = {}
    if parsed is not None:
        params.update({k: Setting(v, url.anchor) for k, v in parsed.params.items()})  # type: ignore[union-attr]
    if connect_args is not None:
        params.update(entries(connect_args) or {})
    driver = parsed.driver if parsed is not None else ""
    return Connection(driver, ENGINE, described, params, options.anchor, framework=SQLALCHEMY, complete=False, options=fields)
