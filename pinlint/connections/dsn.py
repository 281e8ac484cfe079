"""Read connection strings: libpq URIs and `key=value` conninfo, SQLAlchemy URLs, JDBC URLs,
and the `-c name=value` settings inside libpq's `options`.

URLs are split with `urllib.parse` and their query values percent-decoded the way libpq does
(`options=-c%20search_path%3Dx` is `-c search_path=x`); conninfo strings follow libpq's grammar
(single quotes, backslash escapes). A string that does not parse is not a connection string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from pinlint.connections.model import (
    AIOMYSQL, ASYNCMY, ASYNCPG, LIBPQ, MYSQL_CONNECTOR, MYSQL_JDBC, MYSQLCLIENT, PG8000, PGJDBC, PSYCOPG,
    PSYCOPG2, PYMYSQL, URL, Connection, Setting,
)
from pinlint.diagnostics import Confidence
from pinlint.sql.lexer import MYSQL, POSTGRES

# SQLAlchemy's `dialect+driver` names; a bare dialect uses its default driver.
_SQLALCHEMY_DRIVERS = {
    ("postgresql", ""): PSYCOPG2, ("postgresql", "psycopg2"): PSYCOPG2, ("postgresql", "psycopg2cffi"): PSYCOPG2,
    ("postgresql", "psycopg"): PSYCOPG, ("postgresql", "psycopg_async"): PSYCOPG,
    ("postgresql", "asyncpg"): ASYNCPG, ("postgresql", "pg8000"): PG8000,
    ("mysql", ""): MYSQLCLIENT, ("mysql", "mysqldb"): MYSQLCLIENT, ("mysql", "pymysql"): PYMYSQL,
    ("mysql", "mysqlconnector"): MYSQL_CONNECTOR, ("mysql", "aiomysql"): AIOMYSQL, ("mysql", "asyncmy"): ASYNCMY,
}
_DIALECTS = {"postgresql": POSTGRES, "postgres": POSTGRES, "mysql": MYSQL, "mariadb": MYSQL}
_JDBC = {"postgresql": PGJDBC, "mysql": MYSQL_JDBC, "mariadb": MYSQL_JDBC}

# libpq's connection keywords (PostgreSQL 17); a conninfo string may use no others.
LIBPQ_KEYWORDS = frozenset(
    """host hostaddr port dbname user password passfile require_auth channel_binding connect_timeout
    client_encoding options application_name fallback_application_name keepalives keepalives_idle
    keepalives_interval keepalives_count tcp_user_timeout replication gssencmode sslmode requiressl
    sslnegotiation sslcompression sslcert sslkey sslkeylogfile sslpassword sslcertmode sslrootcert
    sslcrl sslcrldir sslsni requirepeer ssl_min_protocol_version ssl_max_protocol_version
    min_protocol_version max_protocol_version krbsrvname gsslib gssdelegation service
    target_session_attrs load_balance_hosts""".split()
)
# Keywords that make a free-standing `key=value` string unmistakably a conninfo.
_CONNINFO_ANCHORS = frozenset({"host", "hostaddr", "dbname", "user", "service", "options"})


@dataclass(frozen=True)
class ConnectionString:
    dialect: str  # postgres | mysql
    driver: str  # pinlint.connections.model driver name
    params: dict[str, str]  # decoded query or conninfo parameters
    sqlalchemy: bool = False  # a SQLAlchemy `dialect+driver://` URL
    form: str = "URL"  # URL | conninfo | JDBC URL


def parse_connection_string(text: str, strict: bool = False) -> ConnectionString | None:
    """``strict``: the string reaches no connect call, so a conninfo must name a host, database,
    user, service or options to count."""
    stripped = text.strip()
    if "://" in stripped:
        return _parse_url(stripped)
    params = parse_conninfo(stripped)
    if params is None or (strict and (len(params) < 2 or not _CONNINFO_ANCHORS & params.keys())):
        return None
    return ConnectionString(POSTGRES, LIBPQ, params, form="conninfo")


def string_connection(
    parsed: ConnectionString, described: str, anchor: object = None, confidence: Confidence = Confidence.HIGH
) -> Connection:
    """What a connection string says about the connection, wherever it was written."""
    params = {k: Setting(v, anchor) for k, v in parsed.params.items()}
    return Connection(parsed.driver, URL, described, params, anchor, confidence=confidence)


def _parse_url(text: str) -> ConnectionString | None:
    if any(c.isspace() for c in text):
        return None
    jdbc = text[:5].lower() == "jdbc:"
    # The scheme is split off here: urlsplit takes no `_` in one, SQLAlchemy does (`postgresql+psycopg_async`).
    scheme, _, rest = (text[5:] if jdbc else text).partition("://")
    try:
        parts = urlsplit("//" + rest)
    except ValueError:
        return None
    dialect_name, _, driver_name = scheme.lower().partition("+")
    dialect = _DIALECTS.get(dialect_name)
    if dialect is None:
        return None
    params = _query(parts.query)
    if jdbc:  # pgJDBC takes `jdbc:postgresql:` only, not `jdbc:postgres:`
        driver = _JDBC.get(dialect_name)
        return None if driver is None else ConnectionString(dialect, driver, params, form="JDBC URL")
    canonical = "postgresql" if dialect == POSTGRES else "mysql"
    if driver_name:
        driver = _SQLALCHEMY_DRIVERS.get((canonical, driver_name))
        return None if driver is None else ConnectionString(dialect, driver, params, sqlalchemy=True)
    # A plain URL: libpq's for PostgreSQL; for MySQL whichever driver reads it.
    return ConnectionString(dialect, LIBPQ if dialect == POSTGRES else "", params)


def _query(query: str) -> dict[str, str]:
    """URL query parameters, percent-decoded as libpq does (`+` stays a plus sign)."""
    params: dict[str, str] = {}
    for pair in query.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            params[unquote(key)] = unquote(value)
    return params


_CONNINFO_PAIR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*")
_NOT_BLANK = re.compile(r"\S")


def parse_conninfo(text: str) -> dict[str, str] | None:
    """A libpq `key=value` connection string, or None when ``text`` is not one."""
    params: dict[str, str] = {}
    position = 0
    # Only blanks left ends the string: looked for forward from here, never by copying the rest.
    while _NOT_BLANK.search(text, position):
        match = _CONNINFO_PAIR.match(text, position)
        if match is None or match.group(1) not in LIBPQ_KEYWORDS:
            return None
        position = match.end()
        value, position = _conninfo_value(text, position)
        if value is None:
            return None
        params[match.group(1)] = value
    return params or None


def _conninfo_value(text: str, position: int) -> tuple[str | None, int]:
    quoted = position < len(text) and text[position] == "'"
    if quoted:
        position += 1
    chars = []
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            chars.append(text[position + 1])
            position += 2
            continue
        if (quoted and char == "'") or (not quoted and char.isspace()):
            position += 1
            break
        chars.append(char)
        position += 1
    else:
        if quoted:
            return None, position  # unterminated quote
    if quoted and position < len(text) and not text[position].isspace():
        return None, position  # `'a'b` is not a value
    return "".join(chars), position


@dataclass(frozen=True)
class StartupOptions:
    """libpq `options`: the `-c name=value` settings and whether anything else is there."""

    settings: tuple[tuple[str, str], ...]
    other: tuple[str, ...]
    long_names: frozenset[str] = frozenset()  # the settings written `--name=value`


def startup_options(options: str) -> StartupOptions:
    words = _option_words(options)
    settings, other, long_names = [], [], set()
    index = 0
    while index < len(words):
        word = words[index]
        if word == "-c" and index + 1 < len(words):
            written, setting, index = f"-c {words[index + 1]}", words[index + 1], index + 2
        elif word.startswith(("-c", "--")):
            written, setting, index = word, word[2:], index + 1
        else:
            written, setting, index = word, "", index + 1
        # PostgreSQL refuses a setting without a value ("-c name requires a value").
        if "=" not in setting:
            other.append(written)
            continue
        name, _, value = setting.partition("=")
        name = name.replace("-", "_")
        settings.append((name, value))
        if word.startswith("--"):
            long_names.add(name)
    return StartupOptions(tuple(settings), tuple(other), frozenset(long_names))


def _option_words(options: str) -> list[str]:
    """Split on whitespace; a backslash escapes the next character (libpq's rule for `options`)."""
    words, current, escaped = [], [], False
    for char in options:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char.isspace():
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words
