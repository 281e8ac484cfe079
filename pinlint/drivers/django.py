"""Django: `DATABASES` settings, `connection_created` receivers, `QuerySet.iterator()` and the
django-pglocks `advisory_lock` helper.

* On PostgreSQL `.iterator()` declares a named server-side cursor, `WITH HOLD` in autocommit
  mode, unless the database sets `DISABLE_SERVER_SIDE_CURSORS`.
* `OPTIONS["assume_role"]` runs `SET ROLE` on every new connection; `OPTIONS["options"]` is
  libpq's startup `options`; `OPTIONS["prepare_threshold"]` only prepares with
  `server_side_binding` (Django's default client-side cursors never prepare).
* Backends that switch schemas per tenant (django-tenants, django-tenant-schemas,
  django-pgschemas) run a plain `SET search_path` when a cursor is created.
"""

from __future__ import annotations

from typing import Callable, Iterator

import libcst as cst

from pinlint.connections.model import (
    DJANGO, MYSQLCLIENT, PSYCOPG, SETTINGS, TENANT_BACKENDS, Connection, Setting, entries, is_complete,
)
from pinlint.drivers.api import NEW_CONNECTION, ApiCall, HookKind
from pinlint.drivers.site import CallSite

ALIASES = {
    "django.dispatch.dispatcher.receiver": "django.dispatch.receiver",
    "django.db.transaction.Atomic": "django.db.transaction.atomic",
}
RETURNS = {"environ.Env": "environ.Env"}  # django-environ: `env = environ.Env(); env.db()`
CONNECTION_CREATED = "django.db.backends.signals.connection_created"
_QUERYSET_METHODS = frozenset(
    """all filter exclude order_by values values_list select_related prefetch_related only defer
    annotate distinct using alias extra reverse none union intersection difference""".split()
)


def recognise(site: CallSite) -> Iterator[object]:
    if site.qualified == "django_pglocks.advisory_lock":
        yield ApiCall("django_pglocks.advisory_lock", site.described, site.keywords(), site.node)
    elif site.method == "iterator" and site.is_method and site.receiver is None:
        chain = _queryset_chain(site.node.func.value, site.bound)  # type: ignore[attr-defined]
        if chain or (chain is None and site.imported("django.db")):
            yield ApiCall("django.QuerySet.iterator", site.described, site.keywords(), site.node,
                          site.confidence(bool(chain)), facts={"in_atomic": site.in_atomic})


def hooks(site: CallSite) -> Iterator[tuple[object, HookKind]]:
    if site.qualified == f"{CONNECTION_CREATED}.connect":
        function = site.argument(0, "receiver")
        if function is not None:
            yield function, NEW_CONNECTION
    elif site.qualified == "django.dispatch.receiver":
        signal = site.argument(0, "signal")
        signals = [e.value for e in signal.elements] if isinstance(signal, (cst.List, cst.Tuple)) else [signal]
        if any(s is not None and site.resolve(s) == CONNECTION_CREATED for s in signals):
            yield None, NEW_CONNECTION


def _queryset_chain(
    receiver: cst.BaseExpression, bound: Callable[[str], list[cst.BaseExpression]] | None = None
) -> bool | None:
    """True for `Model.objects...`, None when a queryset method is called on something unknown,
    False when nothing says it is a queryset. With ``bound``, a name (`qs`, `self.qs`) is judged by
    the values its scope assigns it (`qs = Model.objects.all()`; `qs = qs.filter(...)` only
    narrows it): a queryset when they all are. Names in those values are not followed: they
    belong to the value's own scope."""
    saw_method = False
    node = receiver
    while True:
        name = _bound_name(node)
        if name is not None:
            values = [value for value in (bound(name) if bound else ()) if _base_name(value) != name]
            verdicts = [_queryset_chain(value) for value in values]
            if not verdicts or False in verdicts:
                return None if saw_method else False
            return True if all(verdicts) else None
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            if node.attr.value == "objects":
                return True
            saw_method |= node.attr.value in _QUERYSET_METHODS
            node = node.value
        else:
            return None if saw_method else False


def _base_name(node: cst.BaseExpression) -> str | None:
    """The name a chain of calls and attributes starts from (`qs` in `qs.filter(x).order_by(y)`)."""
    while (name := _bound_name(node)) is None:
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            node = node.value
        else:
            return None
    return name


def _bound_name(node: cst.BaseExpression) -> str | None:
    """The name a scope binds for ``node``: `qs`, or `self.qs` as a class scope binds it."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        return f"self.{node.attr.value}"
    return None


def settings_connections(databases: object, anchor: object) -> list[Connection]:
    """One connection per alias of a `DATABASES` mapping as read from code (``anchor``: where it
    is written, for aliases whose own place is not known)."""
    if not isinstance(databases, dict):
        return []
    found = []
    for alias, entry in (entries(Setting(databases, anchor)) or {}).items():
        fields = entries(entry)
        if fields is None:
            continue
        engine = fields.get("ENGINE")
        driver = _driver(engine.value if engine is not None else None)
        if driver is None:
            continue
        options = fields.get("OPTIONS")
        params = {} if options is None else entries(options) or {}
        complete = options is None or (isinstance(options.value, dict) and is_complete(options.value))
        found.append(Connection(
            driver, SETTINGS, f"`DATABASES[{alias!r}]`", params, entry.anchor, framework=DJANGO,
            complete=complete, options={k: v for k, v in fields.items() if k != "OPTIONS"},
        ))
    return found


def server_side_cursors(connections: list[Connection]) -> bool:
    """Whether any PostgreSQL database of these settings keeps Django's server-side cursors."""
    for connection in connections:
        if connection.driver != PSYCOPG:
            continue
        disabled = connection.options.get("DISABLE_SERVER_SIDE_CURSORS")
        if disabled is None or disabled.value is False:
            return True
    return False


def _driver(engine: object) -> str | None:
    if not isinstance(engine, str):
        return ""  # not written out: judged by the options it uses
    if "postgres" in engine or "postgis" in engine or engine in TENANT_BACKENDS:
        return PSYCOPG
    if "mysql" in engine:
        return MYSQLCLIENT
    return None
