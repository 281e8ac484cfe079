"""The cheap first pass: which Python files can hold a finding at all.

libcst costs ten to twenty times Python's own parser, and most files of a project never touch a
database. A file goes on to the full analysis only when its raw text shows something a rule can
report; everything else is parsed by `ast` alone, to report syntax errors the same way.

Every trigger below is a *necessary* condition of some finding, written against what the rules
and the visitor look at (the fixtures and the rules' own cases are linted with and without this
pass in the tests, and must agree):

* SQL the rules judge by its first word (`SET`, `PREPARE`, `CREATE`, `LISTEN`, ...): the word
  opens a string literal or follows a `;`, after any whitespace, escapes and SQL comments.
* SQL functions and phrases the rules find anywhere in a statement (`set_config`,
  `pg_advisory_lock`, `nextval`, `INTO TEMP`, ...), and SQLAlchemy's `func.<name>()`.
* Connections: a driver or ORM import (calls are only recognised through imports), a database URL,
  a libpq `options=` keyword, `PGOPTIONS`, a Django `DATABASES = {...}` literal, `.iterator()`.
* MySQL-only syntax (`@variables`, `/*! ... */`, `LOCK TABLES`, ...) when the file can be MySQL
  (by setting or path; a file that mentions MySQL goes on anyway).
* psycopg2's batch helpers, and suppression comments (an unused one is itself a finding).
* Statements over PIN118's 16 KB limit: only when the file's string constants could add up to it.
"""

from __future__ import annotations

import ast
import re
import warnings

from pinlint.python.sql_calls import BATCH_HELPERS, SQL_FUNCTIONS
from pinlint.rules.pin118_oversized_statement import LIMIT_BYTES

# What may sit between a string's opening quote (or a `;`) and the statement's first word:
# whitespace, escapes as written in Python source, and SQL comments.
_GAP = r"(?:\s|\\[ntr\n]|--[^\n]*?(?:\n|\\n)|\#[^\n]*?(?:\n|\\n)|/\*.*?\*/)*"
_END = r"(?=\s|;|\\[ntr]|['\"]|$)"


def _leading(*words: str) -> str:
    return rf"[\"';]{_GAP}(?:{'|'.join(words)}){_END}"


_ANYWHERE = re.compile(
    "|".join(
        [
            _leading("SET", "RESET", "PREPARE", "EXECUTE", "DEALLOCATE", "DISCARD", "CREATE", "DECLARE",
                     "LISTEN", "UNLISTEN", "LOAD"),
            rf"[\"';]{_GAP}DO(?:\s|\\[ntr])+(?:\$|\\?'|LANGUAGE\b)",  # a DO block runs its body
            r"\b(?:" + "|".join(sorted(SQL_FUNCTIONS | BATCH_HELPERS)) + r")\b",
            rf"\bINTO\b(?:{_GAP}|[\"'+()])*TEMP",  # SELECT ... INTO TEMP[ORARY]
            r"\b(?:asyncpg|psycopg\w*|sqlalchemy|sqlmodel|pg8000|aiopg|django_pglocks)\b",
            r"mysql|mariadb|asyncmy",  # MySQLdb, pymysql, aiomysql, mysql.connector, URLs
            r"\b(?:postgres(?:ql)?|mysql|mariadb)(?:\+\w+)?://",
            r"\boptions\s*=",  # libpq's startup options, in a conninfo string
            r"PGOPTIONS",
            r"\bDATABASES\s*(?::[^=\n]*)?=\s*\{",
            r"\.\s*iterator\s*\(",
            r"pinlint\s*:|\bnoqa\b[^\n]*PIN",
        ]
    ),
    re.IGNORECASE | re.DOTALL,
)
# MySQL's own syntax only counts in files whose dialect can be MySQL.
_MYSQL_ONLY = re.compile(
    "|".join([_leading("LOCK", "FLUSH", "DROP"), r"@\w", r"/\*M?!", r"\bSQL_CALC_FOUND_ROWS\b", r"\bDELIMITER\b"]),
    re.IGNORECASE | re.DOTALL,
)
_MYSQL_PATH = re.compile(r"mysql|asyncmy", re.IGNORECASE)  # `backends/mysql/`, `pymysql/`, ...
_HOLE_BYTES = 2  # a run-time value in composed SQL (`pinlint.python.strings.HOLE`)


def needs_full_analysis(text: str, path: str, dialect: str) -> bool:
    """False only when no rule can report anything in this Python source and Python parses it
    (the full analysis words syntax errors). ``dialect`` is the configured one: auto, postgres
    or mysql."""
    if _ANYWHERE.search(text):
        return True
    if (dialect == "mysql" or dialect == "auto" and _MYSQL_PATH.search(path)) and _MYSQL_ONLY.search(text):
        return True
    try:
        tree = _parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    size = len(text.encode("utf-8", "surrogatepass"))
    return size > LIMIT_BYTES and _string_bytes(tree) > LIMIT_BYTES


def _parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings are not ours to print
        return ast.parse(text)


def _string_bytes(tree: ast.Module) -> int:
    """An upper bound on the UTF-8 size of any SQL text composed from this module's strings."""
    total = 0
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Constant:
            value = node.value
            if type(value) is str:
                total += len(value.encode("utf-8", "surrogatepass"))
            elif type(value) is bytes:
                total += 3 * len(value)  # undecodable bytes become U+FFFD, three bytes each
        elif kind is ast.BinOp or kind is ast.FormattedValue:
            total += _HOLE_BYTES
    return total
