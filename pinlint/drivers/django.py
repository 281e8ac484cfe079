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

from pinlint.connections.model import DJANGO, MYSQLCLIENT, PSYCOPG, SETTINGS, TENANT_BACKENDS, Connection, Setting
from pinlint.drivers.api import NEW_CONNECTION, ApiCall, HookKind
from pinlint.drivers.site import CallSite

ALIASES = {
    "django.dispatch.dispatcher.receiver": "django.dispatch.receiver",
    "django.db.transaction.Atomic": "django.db.transaction.atomic",
}
RETURNS: dict[str, str] = {}
CONNECTION_CREATED = "django.db.backends.signals.connection_created"
_QUERYSET_METHODS = frozenset(
    """all filter exclude order_by values values_list select_related prefetch_related only defer
    annotate distinct using alias extra reverse none union intersection difference""".split()
)


def recognise(site: CallSite) -> Iterator[object]:
    if site.qualified == "django_pglocks.advisory_lock":
        yield ApiCall("django_pglocks.advisory_lock", site.described, site.keywords(), site.node)
    elif site.method == "iterator" and site.is_method and site.receiver is None:
        chain = _queryset_chain(site.node.func.value)  # type: ignore[attr-defined]
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


def _queryset_chain(receiver: cst.BaseExpression) -> bool | None:
    """True for `Model.objects...`, None when a queryset method is called on something unknown,
    False when nothing says it is a queryset."""
    saw_method = False
    node = receiver
    while True:
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            if node.attr.value == "objects":
                return True
            saw_method |= node.attr.value in _QUERYSET_METHODS
            node = node.value
        else:
            return None if saw_method else False


def settings_connections(databases: cst.Dict, read: Callable[[cst.BaseExpression], object]) -> list[Connection]:
    """One connection per alias of a `DATABASES = {...}` literal."""
    found = []
    for element in databases.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.value, cst.Dict):
            continue
        alias = read(element.key)
        entries = _entries(element.value)
        engine = read(entries["ENGINE"]) if "ENGINE" in entries else None
        driver = _driver(engine)
        if driver is None:
            continue
        options_node = entries.get("OPTIONS")
        params: dict[str, Setting] = {}
        complete = options_node is None
        if isinstance(options_node, cst.Dict):
            params = {k: Setting(read(v), v) for k, v in _entries(options_node).items()}
            complete = all(isinstance(e, cst.DictElement) for e in options_node.elements)
        options = {k: Setting(read(v), v) for k, v in entries.items() if k != "OPTIONS"}
        name = alias if isinstance(alias, str) else "..."
        found.append(Connection(driver, SETTINGS, f"`DATABASES[{name!r}]`", params, element.value,
                                framework=DJANGO, complete=complete, options=options))
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


def _entries(node: cst.Dict) -> dict[str, cst.BaseExpression]:
    return {
        e.key.raw_value: e.value  # type: ignore[union-attr]
        for e in node.elements
        if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
    }


def _driver(engine: object) -> str | None:
    if not isinstance(engine, str):
        return ""  # not written out: judged by the options it uses
    if "postgres" in engine or "postgis" in engine or engine in TENANT_BACKENDS:
        return PSYCOPG
    if "mysql" in engine:
        return MYSQLCLIENT
    return None
