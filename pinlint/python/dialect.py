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
# Engines pinlint's rules do not speak for: their SQL is left alone.
_OTHER_MODULES = ("oracledb", "cx_Oracle", "pyodbc", "pymssql", "sqlite3", "aiosqlite", "ibm_db", "snowflake")
_POSTGRES_URLS = ("postgresql://", "postgres://", "postgresql+", "postgres+")
_MYSQL_URLS = ("mysql://", "mysql+", "mariadb://", "mariadb+")
# A file's own location says which engine it serves (ORM backends use relative imports).
_PATH_ENGINES = {
    ("dialects", "postgresql"): "postgres", ("backends", "postgresql"): "postgres",
    ("dialects", "mysql"): "mysql", ("backends", "mysql"): "mysql",
    ("dialects", "mssql"): "other", ("dialects", "oracle"): "other", ("dialects", "sqlite"): "other",
    ("backends", "oracle"): "other", ("backends", "sqlite3"): "other",
}
_PACKAGE_ENGINES = {
    "psycopg": "postgres", "psycopg2": "postgres", "asyncpg": "postgres", "pg8000": "postgres",
    "pymysql": "mysql", "MySQLdb": "mysql", "aiomysql": "mysql", "asyncmy": "mysql",
}


class DialectEvidence:
    def __init__(self) -> None:
        self.postgres = False
        self.mysql = False
        self.other = False
        self.path_engine: str | None = None

    def saw_module(self, module: str) -> None:
        self.postgres |= _within(module, _POSTGRES_MODULES)
        self.mysql |= _within(module, _MYSQL_MODULES)
        self.other |= _within(module, _OTHER_MODULES)

    def saw_path(self, path: str) -> None:
        parts = path.replace("\\", "/").split("/")
        engines = {_PATH_ENGINES.get(pair) for pair in zip(parts, parts[1:])}
        engines |= {_PACKAGE_ENGINES.get(part) for part in parts[:-1]}
        engines.discard(None)
        if len(engines) == 1:
            self.path_engine = engines.pop()

    def saw_string(self, value: str) -> None:
        head = value[:20].lower()
        self.postgres |= head.startswith(_POSTGRES_URLS)
        self.mysql |= head.startswith(_MYSQL_URLS)

    def dialect(self, default: str = POSTGRES) -> str | None:
        """The file's dialect; None for a file that only talks to another engine (Oracle, SQLite...)."""
        if self.path_engine is not None:
            return {"postgres": POSTGRES, "mysql": MYSQL}.get(self.path_engine)
        if self.mysql and not self.postgres:
            return MYSQL
        if self.postgres and not self.mysql:
            return POSTGRES
        if self.other and not self.mysql:
            return None
        return default


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)
