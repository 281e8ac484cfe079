"""One shape for every way a program says how to connect: driver calls, URLs, settings files.

The rules in `pinlint.rules` judge a `Connection` without caring whether it came from
`asyncpg.create_pool(...)`, a Django `DATABASES` entry or a line of a `.env` file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pinlint.diagnostics import Confidence
from pinlint.project_versions import NO_VERSIONS, LazyVersions


class _Unknown:
    """A value pinlint cannot read statically (a variable, a call, an environment lookup)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()

# Driver names: what actually talks to the server, whatever wraps it.
ASYNCPG = "asyncpg"
PSYCOPG = "psycopg"  # psycopg 3
PSYCOPG2 = "psycopg2"
PG8000 = "pg8000"
LIBPQ = "libpq"  # a libpq connection string whose driver is not known
PGJDBC = "pgjdbc"
MYSQL_JDBC = "mysql-jdbc"
MYSQL_CONNECTOR = "mysql-connector"
PYMYSQL = "pymysql"
MYSQLCLIENT = "mysqlclient"
AIOMYSQL = "aiomysql"
ASYNCMY = "asyncmy"

POSTGRES_DRIVERS = frozenset({ASYNCPG, PSYCOPG, PSYCOPG2, PG8000, LIBPQ, PGJDBC})
MYSQL_DRIVERS = frozenset({MYSQL_JDBC, MYSQL_CONNECTOR, PYMYSQL, MYSQLCLIENT, AIOMYSQL, ASYNCMY})
# Drivers whose connection parameters are libpq's (`options`, conninfo keywords).
LIBPQ_DRIVERS = frozenset({PSYCOPG, PSYCOPG2, LIBPQ})

# What wraps the driver: its defaults and the place its settings are written differ.
SQLALCHEMY = "sqlalchemy"
DJANGO = "django"
# Django backends (`ENGINE`, the package Django imports `base` from) that switch schemas per
# tenant with a plain `SET search_path` per cursor. django-pgschemas named its backend
# `postgresql_backend` before 1.0.
TENANT_BACKENDS = frozenset({
    "django_tenants.postgresql_backend", "tenant_schemas.postgresql_backend",
    "django_pgschemas.postgresql", "django_pgschemas.postgresql_backend",
})
PSYCOPG_POOL = "psycopg_pool"

# What the program creates.
CONNECT = "connection"
POOL = "pool"
ENGINE = "engine"
URL = "connection string"
SETTINGS = "settings"
ENVIRONMENT = "environment"


@dataclass(frozen=True)
class Setting:
    """One connection parameter: its value (or UNKNOWN) and where it is written."""

    value: object
    anchor: object = field(default=None, compare=False)
    # MEDIUM for a value only some paths of the code set (under an `if`, in a loop).
    confidence: Confidence = field(default=Confidence.HIGH, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.value, Default) and self.confidence is Confidence.HIGH:
            object.__setattr__(self, "confidence", Confidence.MEDIUM)

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN


class Composed(str):
    """A string built at run time (f-string, `.format()`, `%`, `+`) whose constant parts are
    known; each part only known at run time is `HOLE`. `-c statement_timeout={timeout}` still
    names the setting it sends."""

    HOLE = "__"


class Default(str):
    """A settings class's default (a pydantic `BaseSettings` field): the environment usually
    replaces it in a deployment, so what it says holds at medium confidence."""


class Mapping(dict):
    """A dict read from code (see `pinlint.python.values`), with where each key's value is written
    (``anchors``), the keys only some paths put there (``conditional``), and whether something
    unseen may add keys (``complete``)."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: dict[str, object] = {}
        self.conditional: set[str] = set()
        self.complete = True

    def put(self, key: str, value: object, anchor: object, conditional: bool = False) -> None:
        self[key] = value
        if anchor is not None:
            self.anchors[key] = anchor
        if conditional:
            self.conditional.add(key)
        else:
            self.conditional.discard(key)

    def merge(self, other: object, anchor: object, conditional: bool = False) -> None:
        """Everything ``other`` holds, as `{**other}` or `.update(other)` would add it."""
        if not isinstance(other, dict):
            self.complete = False
            return
        for key, value in other.items():
            if isinstance(other, Mapping):
                self.put(key, value, other.anchors.get(key, anchor), conditional or key in other.conditional)
            else:
                self.put(key, value, anchor, conditional)
        if isinstance(other, Mapping) and not other.complete:
            self.complete = False


def entries(setting: Setting) -> dict[str, Setting] | None:
    """The keys of a setting whose value is a dict, each as a Setting anchored where its value is
    written (the dict itself when that is not known); None when the value is no dict."""
    value = setting.value
    if not isinstance(value, dict):
        return None
    anchors = value.anchors if isinstance(value, Mapping) else {}
    conditional = value.conditional if isinstance(value, Mapping) else set()
    return {
        key: Setting(item, anchors.get(key, setting.anchor), Confidence.MEDIUM if key in conditional else setting.confidence)
        for key, item in value.items()
    }


def is_complete(value: object) -> bool:
    return not isinstance(value, Mapping) or value.complete


@dataclass
class Connection:
    driver: str
    kind: str
    described: str  # how the user wrote it, for messages: "`asyncpg.create_pool()`"
    params: dict[str, Setting]
    anchor: object  # where findings about a missing setting are reported
    framework: str = ""
    # False when `**kwargs`, a DSN held in a variable or similar may supply settings pinlint
    # cannot see: a *missing* setting then proves nothing.
    complete: bool = True
    confidence: Confidence = Confidence.HIGH
    options: dict[str, Setting] = field(default_factory=dict)  # the wrapper's own: engine keywords
    # The versions of drivers and frameworks the project installs (known once the file is linted).
    versions: LazyVersions = NO_VERSIONS

    def get(self, name: str) -> Setting | None:
        return self.params.get(name)

    @property
    def is_postgres(self) -> bool:
        return self.driver in POSTGRES_DRIVERS

    @property
    def is_mysql(self) -> bool:
        return self.driver in MYSQL_DRIVERS


def pgoptions(value: Setting, anchor: object = None) -> Connection:
    """`PGOPTIONS` in the environment is libpq's `options` for every connection of the process."""
    return Connection(LIBPQ, ENVIRONMENT, "`PGOPTIONS`", {"options": value}, anchor)
