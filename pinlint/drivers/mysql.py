"""MySQL drivers: mysql-connector-python, PyMySQL, mysqlclient (MySQLdb), aiomysql, asyncmy.

* `init_command` runs on every new connection.
* mysql-connector `cursor(prepared=True)` prepares on the server (COM_STMT_PREPARE), and
  `start_transaction(isolation_level=, readonly=)` sends `SET TRANSACTION ...` first.
"""

from __future__ import annotations

from typing import Iterator

from pinlint.connections.model import AIOMYSQL, ASYNCMY, CONNECT, MYSQL_CONNECTOR, MYSQLCLIENT, POOL, PYMYSQL, Connection
from pinlint.drivers.api import ApiCall, HookKind
from pinlint.drivers.site import CallSite

ALIASES = {
    "mysql.connector.connection.MySQLConnection": "mysql.connector.connect",
    "mysql.connector.MySQLConnection": "mysql.connector.connect",
    "mysql.connector.connection_cext.CMySQLConnection": "mysql.connector.connect",
    "mysql.connector.CMySQLConnection": "mysql.connector.connect",
    "mysql.connector.aio.connect": "mysql.connector.connect",
    "mysql.connector.pooling.connect": "mysql.connector.connect",
    "mysql.connector.pooling.MySQLConnectionPool": "mysql.connector.Pool",
    "mysql.connector.cursor.MySQLCursorPrepared": "mysql.connector.MySQLCursorPrepared",
    "mysql.connector.cursor_cext.CMySQLCursorPrepared": "mysql.connector.MySQLCursorPrepared",
    "MySQLdb.Connect": "MySQLdb.connect",
    "MySQLdb.Connection": "MySQLdb.connect",
    "MySQLdb.connections.Connection": "MySQLdb.connect",
    "pymysql.Connect": "pymysql.connect",
    "pymysql.Connection": "pymysql.connect",
    "pymysql.connections.Connection": "pymysql.connect",
    "aiomysql.pool.create_pool": "aiomysql.create_pool",
    "asyncmy.pool.create_pool": "asyncmy.create_pool",
}
RETURNS = {
    "mysql.connector.connect": "mysql.connector.Connection",
    "mysql.connector.Pool": "mysql.connector.Pool",
    "mysql.connector.Pool.get_connection": "mysql.connector.Connection",
}
_CONNECTS = {
    "mysql.connector.connect": (MYSQL_CONNECTOR, CONNECT), "mysql.connector.Pool": (MYSQL_CONNECTOR, POOL),
    "pymysql.connect": (PYMYSQL, CONNECT), "MySQLdb.connect": (MYSQLCLIENT, CONNECT),
    "aiomysql.connect": (AIOMYSQL, CONNECT), "aiomysql.create_pool": (AIOMYSQL, POOL),
    "asyncmy.connect": (ASYNCMY, CONNECT), "asyncmy.create_pool": (ASYNCMY, POOL),
}


def recognise(site: CallSite) -> Iterator[object]:
    if site.qualified in _CONNECTS:
        driver, kind = _CONNECTS[site.qualified]
        yield Connection(driver, kind, f"`{site.qualified}()`", site.keywords(), site.node, complete=not site.has_star_kwargs)
    elif site.qualified == "mysql.connector.MySQLCursorPrepared":
        yield ApiCall("mysql.connector.Connection.cursor", site.described, {}, site.node, facts={"prepared": True})
    elif site.is_method and site.method in ("cursor", "start_transaction"):
        resolved = site.receiver == "mysql.connector.Connection"
        if not resolved and not site.may_be("mysql.connector"):
            return
        keywords = site.keywords()
        if site.method == "cursor":
            cursor_class = site.argument(None, "cursor_class")
            prepared = keywords.get("prepared") is not None and keywords["prepared"].value is True or (
                cursor_class is not None and "Prepared" in (site.resolve(cursor_class) or "")
            )
            if prepared:
                yield ApiCall("mysql.connector.Connection.cursor", site.described, keywords, site.node,
                              site.confidence(resolved), facts={"prepared": True})
        else:
            yield ApiCall("mysql.connector.Connection.start_transaction", site.described, keywords, site.node,
                          site.confidence(resolved))


def hooks(site: CallSite) -> Iterator[tuple[object, HookKind]]:
    return iter(())
