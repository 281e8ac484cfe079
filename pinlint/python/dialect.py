"""Which SQL dialect a file's SQL is read in.

A configured `dialect` decides alone. Otherwise the evidence, strongest first: the SQL's own
syntax (`pinlint.sql.dialect`: `SET @x` is MySQL in any file), the project around the file
(`pinlint.python.project_dialect`: Django's `ENGINE`, database URLs, declared drivers), and the
file itself: its location (ORM backends use relative imports), the drivers it imports and the
URLs it holds. With none of these, PostgreSQL.

A file that talks to SQLite still has its other SQL judged: only what SQLite itself runs
(`CREATE TEMP TABLE`, a long `INSERT`) is left alone there, unless its syntax names an engine.
A file whose only engines are ones the rules do not speak for (Oracle, SQL Server, Snowflake,
Db2, Redshift, Spark, BigQuery, ...) is left alone: their SQL shares MySQL's `@variables` and
`SET`, and PostgreSQL's `SET ROLE` and `CREATE TEMPORARY TABLE`, with other meanings. So is the
SQL of a file that names no engine in a project that declares only such engines (a dbt adapter
for Redshift or Snowflake, its `.sql` macros included).
"""

from __future__ import annotations

from functools import cached_property
from typing import Callable

from pinlint.diagnostics import DialectReading, Evidence
from pinlint.sql.lexer import MYSQL, POSTGRES

SQLITE = "sqlite"
OTHER = "other"  # an engine the rules do not speak for

_MODULES = {
    POSTGRES: (
        "psycopg", "psycopg2", "psycopg_pool", "asyncpg", "pg8000", "aiopg", "django.contrib.postgres",
        "sqlalchemy.dialects.postgresql",
    ),
    MYSQL: (
        "pymysql", "MySQLdb", "mysql.connector", "mysql", "aiomysql", "asyncmy", "mysqlclient",
        "sqlalchemy.dialects.mysql", "django.db.backends.mysql",
    ),
    SQLITE: ("sqlite3", "aiosqlite"),
    OTHER: (
        "oracledb", "cx_Oracle", "pyodbc", "pymssql", "ibm_db", "snowflake", "redshift_connector", "pyspark", "pyhive",
        "databricks.sql", "google.cloud.bigquery", "pyathena", "duckdb", "trino", "clickhouse_driver",
        "clickhouse_connect", "vertica_python", "teradatasql",
    ),
}
_POSTGRES_URLS = ("postgresql://", "postgres://", "postgresql+", "postgres+")
_MYSQL_URLS = ("mysql://", "mysql+", "mariadb://", "mariadb+")
# A file's own location says which engine it serves (ORM backends use relative imports).
_PATH_ENGINES = {
    ("dialects", "postgresql"): POSTGRES, ("backends", "postgresql"): POSTGRES,
    ("dialects", "mysql"): MYSQL, ("backends", "mysql"): MYSQL, ("mysql", "connector"): MYSQL,
    ("dialects", "sqlite"): SQLITE, ("backends", "sqlite3"): SQLITE,
    ("dialects", "mssql"): OTHER, ("dialects", "oracle"): OTHER, ("backends", "oracle"): OTHER,
}
_PACKAGE_ENGINES = {
    "psycopg": POSTGRES, "psycopg2": POSTGRES, "asyncpg": POSTGRES, "pg8000": POSTGRES,
    "pymysql": MYSQL, "MySQLdb": MYSQL, "aiomysql": MYSQL, "asyncmy": MYSQL,
    # A directory named after an engine the rules do not speak for holds that engine's SQL.
    **dict.fromkeys(
        ("trino", "trino_sql", "presto", "presto_sql", "snowflake", "redshift", "bigquery", "athena", "spark",
         "spark_sql", "clickhouse", "duckdb", "mssql", "sqlserver"),
        OTHER,
    ),
}


class DialectEvidence:
    """What a file's location, imports and URLs say: the first sign of each engine."""

    def __init__(self) -> None:
        self._seen: dict[str, Evidence] = {}
        self._path: Evidence | None = None

    def saw_module(self, module: str) -> None:
        for engine, packages in _MODULES.items():
            if engine not in self._seen and any(module == p or module.startswith(p + ".") for p in packages):
                self._seen[engine] = Evidence("file", engine, f"imports `{module}`")

    def saw_path(self, path: str) -> None:
        parts = path.replace("\\", "/").split("/")
        found = {(a, b): _PATH_ENGINES[(a, b)] for a, b in zip(parts, parts[1:]) if (a, b) in _PATH_ENGINES}
        found.update({(part,): _PACKAGE_ENGINES[part] for part in parts[:-1] if part in _PACKAGE_ENGINES})
        if len(set(found.values())) == 1:
            where, engine = next(iter(found.items()))
            self._path = Evidence("file", engine, f"lies in `{'/'.join(where)}/`")

    def saw_string(self, value: str) -> None:
        head = value[:20].lower()
        for engine, schemes in ((POSTGRES, _POSTGRES_URLS), (MYSQL, _MYSQL_URLS)):
            if engine not in self._seen and head.startswith(schemes):
                self._seen[engine] = Evidence("file", engine, f"holds a `{head.split(':')[0]}:` URL")

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for e in (self._path, *self._seen.values()) if e is not None)

    def engines(self) -> set[str]:
        """The engines the file speaks to; its location, when it names one, outweighs the rest."""
        if self._path is not None:
            return {self._path.dialect}
        return set(self._seen)


def left_alone_by_location(path: str) -> bool:
    """Whether the file's location alone leaves its SQL alone, whatever else the file shows: it
    names only an engine the rules do not speak for (`backends/oracle/`), and the location
    outweighs imports and URLs (`FileDialect.left_alone` with no dialect configured)."""
    evidence = DialectEvidence()
    evidence.saw_path(path)
    return evidence.engines() == {OTHER}


class FileDialect:
    """How one file's SQL is read: its default dialect, and whether it is left alone. The project
    is asked only once a piece of SQL needs the default."""

    def __init__(
        self, configured: str | None, file: DialectEvidence, project: Callable[[], tuple[str | None, tuple[Evidence, ...]]]
    ) -> None:
        self._configured, self._file, self._project = configured, file, project
        engines = file.engines()
        self._judged = engines & {POSTGRES, MYSQL}
        # Only engines the rules do not speak for: the file's SQL is theirs.
        self.left_alone = configured is None and OTHER in engines and not self._judged
        # SQLite without PostgreSQL or MySQL: what SQLite runs may be SQLite's.
        self.sqlite_only = SQLITE in engines and not self._judged

    @property
    def default(self) -> str:
        """The dialect SQL is read in when its syntax does not say; `OTHER` when the project's
        engines are all ones the rules do not speak for (then its SQL is left alone)."""
        return self._decided[0]

    @cached_property
    def _decided(self) -> tuple[str, tuple[Evidence, ...]]:
        """The default dialect and the evidence behind it, strongest first."""
        configured, file_evidence = self._configured, self._file.evidence
        if configured is not None:
            return configured, (Evidence("configuration", configured, f"`dialect = \"{configured}\"` is configured"), *file_evidence)
        project_dialect, project_evidence = self._project()
        evidence = (*project_evidence, *file_evidence)
        if project_dialect is not None and not (project_dialect == OTHER and self._judged):
            return project_dialect, evidence
        if len(self._judged) == 1:
            return next(iter(self._judged)), evidence
        why = "both engines are named" if self._judged else "nothing names an engine"
        return POSTGRES, (*evidence, Evidence("default", POSTGRES, f"{why}: PostgreSQL unless the SQL's syntax says otherwise"))

    def with_evidence(self, reading: DialectReading | None) -> DialectReading:
        """``reading``, what a piece of SQL's syntax said (None: it was not asked, the SQL was read
        in the default), followed by what the configuration, the project and the file say."""
        if reading is None:
            return DialectReading(self.default, self._decided[1])
        return DialectReading(reading.name, (*reading.evidence, *self._decided[1]))
