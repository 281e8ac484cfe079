"""Which SQL dialect a Python file speaks, from the drivers it imports and the URLs it holds."""

from __future__ import annotations

from pinlint.sql.lexer import MYSQL, POSTGRES

_POSTGRES_MODULES = (
    "psycopg", "psycopg2", "psycopg_pool", "asyncpg", "pg8000", "aiopg", "django.contrib.postgres",
    "sqlalchemy.dialects.postgresql",
)
_MYSQL_MODULES = (
    "pymysql", "MySQLdb", "mysql.connector", "mysql", "aiomysql", "asyncmy", "mysqlclient",
    "sqlalchemy.dialects.mysql", "django.db.backends.mysql",
)
_POSTGRES_URLS = ("postgresql://", "postgres://", "postgresql+", "postgres+")
_MYSQL_URLS = ("mysql://", "mysql+", "mariadb://", "mariadb+")


class DialectEvidence:
    def __init__(self) -> None:
        self.postgres = False
        self.mysql = False

    def saw_module(self, module: str) -> None:
        self.postgres |= _within(module, _POSTGRES_MODULES)
        self.mysql |= _within(module, _MYSQL_MODULES)

    def saw_string(self, value: str) -> None:
        head = value[:20].lower()
        self.postgres |= head.startswith(_POSTGRES_URLS)
        self.mysql |= head.startswith(_MYSQL_URLS)

    def dialect(self, default: str = POSTGRES) -> str:
        if self.mysql and not self.postgres:
            return MYSQL
        if self.postgres and not self.mysql:
            return POSTGRES
        return default


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)
