"""What the project around a file says about its database engine.

Three sources, strongest first: Django's `ENGINE` in the settings `pinlint.python.project` finds;
database URLs (`mysql+pymysql://`, `postgres://`) in those settings, `alembic.ini`, `.env` files
and compose files; and the drivers the project declares (`pyproject.toml`, `setup.cfg`,
`setup.py`, `Pipfile`, `requirements*.txt`, `requirements/*.txt`): mysqlclient, PyMySQL,
mysql-connector-python, aiomysql, asyncmy, mariadb and django-mysql against psycopg, psycopg2,
asyncpg, pg8000 and aiopg (or an extra such as `sqlalchemy[postgresql]`). The first source that
names one of PostgreSQL and MySQL decides; one that names both (a library for either) leaves the
project undecided, and the file's own evidence decides. A project that names neither but declares
drivers of engines the rules do not speak for (redshift-connector, snowflake-connector-python,
pyspark, ...) is theirs: its SQL is left alone unless a file names PostgreSQL or MySQL itself.

The files are looked for in the file's directory and each parent up to the project root: the
nearest directory holding `.git`, `pyproject.toml`, `setup.py` or `setup.cfg`, else `manage.py`,
`Pipfile` or `requirements.txt`. Without a root, there is no project, and nothing is read.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from pinlint.diagnostics import Evidence
from pinlint.python.dialect import OTHER
from pinlint.python.project import MAX_SETTINGS_CHARACTERS, django_settings_files
from pinlint.python.requirements import declared_requirements
from pinlint.reading import file_stamps, read_regular_file
from pinlint.sql.lexer import MYSQL, POSTGRES

_ROOTS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
_WEAK_ROOTS = ("manage.py", "Pipfile", "requirements.txt")
_DECLARING = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile")  # and requirements files
_TELLING = frozenset(
    (*_DECLARING, "alembic.ini", "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml", ".env")
)
_TELLING_NAMES = re.compile(r"requirements.*\.txt|\.env\..+")

_ENGINE = re.compile(
    r"""["']((?:[\w.]*\.)?backends\.(postgresql\w*|postgis|mysql|sqlite3|spatialite|oracle)|mysql\.connector\.django)["']"""
)
_ENGINES = {"mysql": MYSQL, "postgis": POSTGRES, "sqlite3": "sqlite", "spatialite": "sqlite", "oracle": "other"}
_URL = re.compile(r"\b(postgres(?:ql)?|mysql|mariadb)(?:\+\w+)?://", re.IGNORECASE)
_DRIVERS = {
    POSTGRES: ("psycopg2-binary", "psycopg2", "psycopg-binary", "psycopg-pool", "psycopg", "asyncpg", "pg8000", "aiopg"),
    MYSQL: (
        "mysqlclient", "pymysql", "mysql-connector-python", "mysql-connector", "aiomysql", "asyncmy", "mariadb",
        "django-mysql",
    ),
    # Engines the rules do not speak for: a project that declares only these is left alone.
    OTHER: (
        "redshift-connector", "snowflake-connector-python", "snowflake-sqlalchemy", "pyspark", "pyhive",
        "databricks-sql-connector", "google-cloud-bigquery", "sqlalchemy-bigquery", "pyathena", "duckdb", "trino",
        "clickhouse-driver", "clickhouse-connect", "oracledb", "cx-oracle", "pyodbc", "pymssql", "ibm-db",
        "vertica-python", "teradatasql",
    ),
}
# Names as PEP 503 compares them: `-`, `_` and `.` alike, any case.
_DRIVER_ENGINES = {name.replace("-", ""): engine for engine, names in _DRIVERS.items() for name in names}
# An extra that installs a driver: `sqlalchemy[postgresql_asyncpg]`, `databases[mysql]`.
_EXTRA_ENGINE = re.compile(r"(postgres|asyncpg|psycopg)|(mysql|aiomysql|pymysql|asyncmy|mariadb)", re.IGNORECASE)


def project_dialect_files(directory: Path) -> tuple[Path, ...]:
    """The files that tell the engine of the project around ``directory``."""
    return _files(directory.resolve())


def project_dialect(files: tuple[Path, ...]) -> tuple[str | None, tuple[Evidence, ...]]:
    """The project's dialect (None: undecided) and the evidence, strongest source first. Evidence
    paths are the files' own."""
    return _verdict(files, file_stamps(files))



@lru_cache(maxsize=256)
def project_levels(directory: Path) -> tuple[Path, ...]:
    """``directory`` (resolved) and each parent up to the project's root; () outside a project."""
    levels = (directory, *directory.parents)
    root = _nearest(levels, _ROOTS)
    if root is None:
        root = _nearest(levels, _WEAK_ROOTS)
    return () if root is None else levels[: root + 1]


@lru_cache(maxsize=256)
def _files(directory: Path) -> tuple[Path, ...]:
    levels = project_levels(directory)
    if not levels:
        return ()
    found = list(django_settings_files(directory))
    for level in levels:
        found.extend(path for path in _telling_files(level) if path not in found)
    return tuple(found)


def _nearest(levels: tuple[Path, ...], markers: tuple[str, ...]) -> int | None:
    return next((i for i, level in enumerate(levels) if not directory_names(level).isdisjoint(markers)), None)


# Directories are shared by many linted files' walks up: each is listed once.
@lru_cache(maxsize=1024)
def directory_names(directory: Path) -> frozenset[str]:
    try:
        return frozenset(os.listdir(directory))
    except OSError:
        return frozenset()


@lru_cache(maxsize=1024)
def _telling_files(directory: Path) -> tuple[Path, ...]:
    """The files in ``directory`` (and its `requirements/`) that may tell the project's engine."""
    names = directory_names(directory)
    chosen = [directory / name for name in sorted(names) if name in _TELLING or _TELLING_NAMES.fullmatch(name)]
    if "requirements" in names:
        requirements = directory / "requirements"
        chosen.extend(requirements / name for name in sorted(directory_names(requirements)) if name.endswith(".txt"))
    return tuple(path for path in chosen if path.is_file())


@lru_cache(maxsize=256)
def _verdict(files: tuple[Path, ...], stamps: tuple) -> tuple[str | None, tuple[Evidence, ...]]:
    engines: dict[str, Evidence] = {}
    urls: dict[str, Evidence] = {}
    drivers: dict[str, Evidence] = {}
    for path in files:
        try:
            text = read_regular_file(path, MAX_SETTINGS_CHARACTERS).decode("utf-8", errors="replace")
        except OSError:
            continue  # a file pinlint cannot read is no evidence either way
        if path.suffix == ".py" and path.name != "setup.py":
            for match in _ENGINE.finditer(text):
                engine = _ENGINES.get(match.group(2) or "mysql", POSTGRES)  # `mysql.connector.django` has none
                engines.setdefault(engine, Evidence("project", engine, f"Django `ENGINE` is `{match.group(1)}`", str(path)))
        if not (path.name in _DECLARING or path.name.startswith("requirements") or path.parent.name == "requirements"):
            for match in _URL.finditer(text):
                engine = MYSQL if match.group(1).lower() in ("mysql", "mariadb") else POSTGRES
                urls.setdefault(engine, Evidence("project", engine, f"names a `{match.group(1).lower()}:` database URL", str(path)))
            continue
        for requirement in declared_requirements(path, text):
            engine = _DRIVER_ENGINES.get(re.sub(r"[-_.]", "", requirement.name.lower()))
            if engine is not None:
                drivers.setdefault(engine, Evidence("project", engine, f"declares `{requirement.name}`", str(path)))
            for extra in requirement.extras:
                match = _EXTRA_ENGINE.match(extra)
                if match:
                    engine = POSTGRES if match.group(1) else MYSQL
                    reason = f"declares `{requirement.name}[{extra}]`"
                    drivers.setdefault(engine, Evidence("project", engine, reason, str(path)))
    dialect = None
    for source in (engines, urls, drivers):
        named = source.keys() & {POSTGRES, MYSQL}
        if named:
            dialect = named.pop() if len(named) == 1 else None
            break
    else:
        if OTHER in engines or OTHER in drivers:
            dialect = OTHER  # only engines the rules do not speak for
    return dialect, (*engines.values(), *urls.values(), *drivers.values())
