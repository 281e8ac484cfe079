"""The cheap first pass: which Python files can hold a finding at all.

libcst costs ten to twenty times Python's own parser, and most files of a project never touch a
database. A file goes on to the full analysis only when it shows something a rule can report;
everything else is parsed by `ast` alone, so syntax errors are still reported (in the full
analysis's words: a file Python rejects always goes on).

Every trigger is a *necessary* condition of some finding, written against what the rules and the
visitor look at. The tests lint the fixtures, the rules' cases and the docs' examples with and
without this pass, and check every file it clears anywhere in the suite under all rules.

1. In the raw text, a hit means the full analysis: a driver or ORM import (library calls are only
   recognised through imports), a database URL, `PGOPTIONS`, a Django `DATABASES = {...}`
   literal, `.iterator()`, psycopg2's batch helpers, SQLAlchemy `func.<sql function>`, and
   suppression comments (an unused one is itself a finding).
2. SQL the rules could judge: a statement keyword they look at (`SET`, `PREPARE`, `CREATE`,
   `LISTEN`, ...) opening a string, a line or a statement after `;` (past whitespace and SQL
   comments); their SQL functions (`set_config`, `pg_advisory_lock`, `nextval`, ...); `INTO TEMP`;
   libpq `options=`; MySQL syntax (`@variables`, `/*! */`, `LOCK TABLES`, ...) when the dialect can
   be MySQL. A cheap look at the raw text decides whether to look at all; the verdict comes from
   the string constants `ast` sees where the visitor would take SQL from: not docstrings, asserts,
   comparisons, exceptions, log and gettext calls, or `help=`-style arguments.
3. PIN118's 16 KB statements: only when those strings and the run-time values between them could
   add up to that much.

Keywords written with Python escapes (`"\\x53ET"`) are not recognised.
"""

from __future__ import annotations

import ast
import re
import warnings

from pinlint.python.sql_calls import BATCH_HELPERS, PROSE_KEYWORDS, SQL_FUNCTIONS, is_text_sink
from pinlint.rules.pin118_oversized_statement import LIMIT_BYTES
from pinlint.sql.lexer import MYSQL

_DRIVERS = "asyncpg|psycopg\\w*|sqlalchemy|sqlmodel|pg8000|aiopg|django_pglocks|mysql\\w*|MySQLdb|pymysql|aiomysql|asyncmy"
_FUNCTIONS = "|".join(sorted(SQL_FUNCTIONS))


def _patterns(*patterns: str, flags: int = 0) -> tuple[re.Pattern, ...]:
    """Searched one by one: a pattern that starts with a literal is found at C speed, an
    alternation of them is not (and case-insensitive ones are searched in lower-cased text)."""
    return tuple(re.compile(pattern, re.DOTALL | flags) for pattern in patterns)


# Python names are case-sensitive; a library counts when it is the module imported (the first
# name after `from`, or any of the names after `import`), as the visitor resolves calls.
_DEFINITE = _patterns(
    rf"\bfrom[ \t]+(?:{_DRIVERS})\b",
    rf"\bimport[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*(?:\\\n[ \t]*)?)*(?:{_DRIVERS})\b",
    r"PGOPTIONS",
    r"DATABASES\s*(?::[^=\n]*)?=\s*\{",
    r"\.\s*iterator\s*\(",
    rf"(?:{'|'.join(sorted(BATCH_HELPERS))})\b",
    rf"func\s*\.\s*(?:{_FUNCTIONS})\b",
)
_DEFINITE_ANY_CASE = _patterns(
    r"(?:postgres(?:ql)?|mysql|mariadb)(?:\+\w+)?://",
    r"pinlint\s*:",
    r"noqa[^\n]*pin",
)

_KEYWORDS = "SET|RESET|PREPARE|EXECUTE|DEALLOCATE|DISCARD|CREATE|DECLARE|LISTEN|UNLISTEN|LOAD"
_MYSQL_KEYWORDS = "LOCK|FLUSH|DROP"
# Between where a statement may start and its first word: whitespace and SQL comments.
_GAP = r"(?:\s|--[^\n]*\n|\#[^\n]*\n|/\*.*?\*/)*"
_END = r"(?=[\s;'\"/#-]|$)"


def _sql(keywords: str, extra: list[str]) -> re.Pattern:
    return re.compile(
        "|".join([rf"(?:^|[;\n]){_GAP}(?:{keywords}){_END}", *extra]), re.IGNORECASE | re.DOTALL
    )


# What the string values are judged by (`^` is the start of a string constant).
_SQL_VALUE = _sql(
    _KEYWORDS,
    [
        rf"(?:^|[;\n]){_GAP}DO\s*(?:\$|E?'|LANGUAGE\b)",  # a DO block runs its body
        rf"\b(?:{_FUNCTIONS})\b",
        rf"\bINTO{_GAP}(?:TEMP|$)|^{_GAP}TEMP",  # SELECT ... INTO TEMP, also split over `+`
        r"\boptions\s*=",  # libpq's startup options in a conninfo string
    ],
)
_MYSQL_VALUE = _sql(_MYSQL_KEYWORDS, [r"@\w", r"/\*M?!", r"\bSQL_CALC_FOUND_ROWS\b", r"\bDELIMITER\b"])

# Whether the raw text is worth a look at its strings: a superset of the above, as written in
# source (quotes and escapes), searched in lower-cased text. Escapes (`\\n`) stand where values have whitespace, so no `\\b`.
_RAW_GAP = r"(?:\s|\\[ntr\n]|--[^\n]*?(?:\n|\\n)|\#[^\n]*?(?:\n|\\n)|/\*.*?\*/)*"
_SQL_RAW = _patterns(
    rf"(?:[\"';\n]|\\[nr]){_RAW_GAP}(?:{_KEYWORDS.lower()}|do)(?:{_END}|[\\$])",
    rf"(?:{_FUNCTIONS})\b",
    r"into(?:\s|\\[ntr\n]|[\"'+()]|--[^\n]*?(?:\n|\\n)|/\*.*?\*/)*(?:temp|[\"'])",
    r"options\s*=",
)
_MYSQL_RAW = _patterns(rf"{_MYSQL_KEYWORDS.lower()}", r"@\w", r"/\*m?!", "sql_calc_found_rows", "delimiter")
_MYSQL_PATH = re.compile(r"mysql|asyncmy", re.IGNORECASE)  # `backends/mysql/`, `pymysql/`, ...
_HOLE_BYTES = 2  # a run-time value in composed SQL (`pinlint.python.strings.HOLE`)


def needs_full_analysis(text: str, path: str, dialect: str) -> bool:
    """False only when no rule can report anything in this Python source and Python parses it.
    ``dialect`` is the configured one: auto, postgres or mysql."""
    lowered = text.lower()
    if any(p.search(text) for p in _DEFINITE) or any(p.search(lowered) for p in _DEFINITE_ANY_CASE):
        return True
    try:
        tree = _parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    mysql = dialect == "mysql" or dialect == "auto" and bool(_MYSQL_PATH.search(path))
    sql_like = any(p.search(lowered) for p in _SQL_RAW) or mysql and any(p.search(lowered) for p in _MYSQL_RAW)
    large = len(text.encode("utf-8", "surrogatepass")) > LIMIT_BYTES
    if not sql_like and not large:
        return False
    strings, holes = _strings_that_may_be_sql(tree)
    if large and sum(len(s.encode("utf-8", "surrogatepass")) for s in strings) + holes * _HOLE_BYTES > LIMIT_BYTES:
        return True
    return sql_like and any(_SQL_VALUE.search(s) or mysql and _MYSQL_VALUE.search(s) for s in strings)


def may_hold_sql(text: str, dialect: str) -> bool:
    """Whether SQL composed from Python can give any rule a hit (or hold a suppression): the same
    necessary conditions, checked on each piece of SQL before it is tokenised."""
    return bool(
        _SQL_VALUE.search(text)
        or dialect == MYSQL and _MYSQL_VALUE.search(text)
        or "pinlint" in text.lower()
        or len(text) * 4 > LIMIT_BYTES and len(text.encode("utf-8", "surrogatepass")) > LIMIT_BYTES
    )


def _parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings are not ours to print
        return ast.parse(text)


def _strings_that_may_be_sql(tree: ast.Module) -> tuple[list[str], int]:
    """The string constants where the visitor takes SQL from, and how many run-time values
    (`+` operands, f-string fields) could sit between them."""
    strings: list[str] = []
    holes = 0
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if type(value) is str:
                strings.append(value)
            elif type(value) is bytes:
                strings.append(value.decode("utf-8", "replace"))
            continue
        if _never_sql(node, kind):
            continue
        if kind is ast.BinOp or kind is ast.FormattedValue:
            holes += 1
        stack.extend(ast.iter_child_nodes(node))
    return strings, holes


def _never_sql(node: ast.AST, kind: type) -> bool:
    """Subtrees the visitor does not take SQL from (see `pinlint.python.visitor`)."""
    if kind is ast.Expr:
        return type(node.value) in (ast.Constant, ast.JoinedStr)  # type: ignore[attr-defined]
    if kind is ast.Assert or kind is ast.Raise or kind is ast.Compare:
        return True
    if kind is ast.keyword:
        return node.arg in PROSE_KEYWORDS  # type: ignore[attr-defined]
    if kind is ast.Call:
        func = node.func  # type: ignore[attr-defined]
        if type(func) is ast.Name:
            return is_text_sink("", func.id)
        if type(func) is ast.Attribute:
            receiver = func.value
            if type(receiver) is ast.Name:
                return is_text_sink(receiver.id, func.attr)
            if type(receiver) is ast.Attribute:
                return is_text_sink(receiver.attr, func.attr)
    return False
