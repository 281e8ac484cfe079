"""Which engine a piece of SQL is written for, by syntax that only one of them accepts.

What a text says about itself outweighs whatever its file or project says: `SET @total = 0`
is MySQL in any file. The signs are read from the lexer's tokens (so nothing inside a string
literal or a comment counts, except MySQL's executable comments), whichever dialect lexed them:
PostgreSQL's tokenizer reads a backquote as punctuation and `@@` as an operator, MySQL's reads
`$1` and `$$...$$` as punctuation.

MySQL: `@variables` and `@@system` variables, backquoted names, executable comments (`/*! */`),
its named locks (`GET_LOCK()`, ...), `FOUND_ROWS()` and `SQL_CALC_FOUND_ROWS`, `LOCK TABLES`,
`UNLOCK TABLES`, `FLUSH`, `SET GLOBAL` / `PERSIST`, `SET CHARACTER SET`, `SET CHARSET`, the
`utf8mb4` and `utf8mb3` character sets, `ON DUPLICATE KEY`, `AUTO_INCREMENT`, `ENGINE =`,
`DROP PREPARE`.

PostgreSQL: `::` casts, `$1` parameters, dollar-quoted bodies, `pg_*()` functions,
`set_config()`, `current_setting()`, sequence functions given a quoted name
(`nextval('s')`), `LISTEN`, `UNLISTEN`, `NOTIFY`, `DISCARD`, `SET SESSION AUTHORIZATION`,
`SET SESSION CHARACTERISTICS`, `SET TIME ZONE`, `SET search_path`, `SET SCHEMA`,
`RESET name` (MySQL resets only its logs and caches), `DEALLOCATE` without `PREPARE`,
`PREPARE name AS`, `DECLARE` outside a routine, `LOAD 'library'`, `CREATE TEMP`,
`INTO TEMP`, `LOCK ... IN ... MODE`, `FOR NO KEY UPDATE`, `FOR KEY SHARE`, `ON CONFLICT`, `ILIKE`,
and the types `timestamptz`, `jsonb`, `bytea`, `bigserial` and `tsvector`.

SQLite accepts backquoted names, `@name` and `$1` parameters, `CREATE TEMP` and `ON CONFLICT`
too: where a file also talks to SQLite, they say nothing in a statement SQLite has.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from itertools import chain

from pinlint.sql.classify import function_calls, mysql_table_lock
from pinlint.sql.lexer import (
    MYSQL, NUMBER, PARAM, POSTGRES, PUNCT, QIDENT, STRING, WORD, Comment, SqlText, Statement, Token,
)


@dataclass(frozen=True)
class SyntaxSign:
    """The first sign of one engine's own syntax in a text."""

    dialect: str
    reason: str  # what was seen, as a person reads it: "`@total` is a MySQL user variable"
    offset: int
    sqlite_too: bool = False  # SQLite accepts it as well (`@name` parameters, backquotes, TEMP)


_MYSQL_FUNCTIONS = frozenset(
    {"get_lock", "release_lock", "release_all_locks", "is_free_lock", "is_used_lock", "found_rows", "last_insert_id"}
)
_PG_FUNCTIONS = frozenset({"set_config", "current_setting"})
# MariaDB has sequence functions too, but takes the sequence's name unquoted.
_PG_SEQUENCE_FUNCTIONS = frozenset({"nextval", "currval", "setval"})
_MYSQL_SET_SCOPES = frozenset({"GLOBAL", "PERSIST", "PERSIST_ONLY"})
_MYSQL_CHARSETS = frozenset({"UTF8MB4", "UTF8MB3"})
# What MySQL's RESET resets: logs, caches and persisted variables, never a session setting.
_MYSQL_RESETS = frozenset({"MASTER", "SLAVE", "REPLICA", "QUERY", "PERSIST", "BINARY"})
_PG_SET_FORMS = {
    ("SESSION", "AUTHORIZATION"): "`SET SESSION AUTHORIZATION`",
    ("SESSION", "CHARACTERISTICS"): "`SET SESSION CHARACTERISTICS`",
    ("TIME", "ZONE"): "`SET TIME ZONE`",
    ("SCHEMA",): "`SET SCHEMA`",
    ("SEARCH_PATH",): "`SET search_path`",
}
_PG_HEADS = frozenset({"LISTEN", "UNLISTEN", "NOTIFY", "DISCARD"})
_PG_ROW_LOCKS = {("NO", "KEY"): "FOR NO KEY UPDATE", ("KEY", "SHARE"): "FOR KEY SHARE"}
_PG_TYPES = frozenset({"TIMESTAMPTZ", "JSONB", "BYTEA", "BIGSERIAL", "TSVECTOR"})
# Before `@@name`, what PostgreSQL's `@@` operator cannot follow: it needs an operand on its left.
_BEFORE_PREFIX = frozenset({"SELECT", "SET", "DO", "WHERE", "AND", "OR", "NOT", "WHEN", "THEN", "ELSE", "INTO"})
_POSITIONAL_PARAMETER = re.compile(r"\$\d")
_DOLLAR_QUOTE = re.compile(r"\$(?:[A-Za-z_][\w]*)?\$")


@dataclass
class TextSyntax:
    """What a text's syntax says: each statement's own sign, and the one engine they name."""

    signs: list[SyntaxSign | None]  # per statement: its first sign (None: none, or both engines')
    loose: list[tuple[SyntaxSign, Comment]]  # executable comments outside every statement (a dump's `/*!40101 ... */;`)
    engine: str | None  # the engine every sign names; None when there are none, or both engines'
    first: SyntaxSign | None  # the text's first sign of that engine


def read_syntax(sql: SqlText, stmts: list[Statement], talks_to_sqlite: bool = False) -> TextSyntax:
    """The signs of one engine's own syntax in ``sql``. ``talks_to_sqlite``: the file also talks
    to SQLite, so what SQLite accepts too says nothing in a statement SQLite has."""
    starts = [stmt.start for stmt in stmts]
    inside: dict[int, SyntaxSign] = {}
    loose = []
    for comment in sql.comments:
        if not comment.text.startswith(("/*!", "/*M!")):
            continue
        sign = SyntaxSign(MYSQL, "an executable comment `/*!...*/` is MySQL's", comment.start)
        index = bisect.bisect_right(starts, comment.start) - 1
        if index >= 0 and comment.end <= stmts[index].end:
            inside.setdefault(index, sign)
        else:
            loose.append((sign, comment))
    signs = [_statement_sign(stmt, inside.get(index), talks_to_sqlite) for index, stmt in enumerate(stmts)]
    named = [sign for sign in (*signs, *(sign for sign, _ in loose)) if sign is not None]
    engines = {sign.dialect for sign in named}
    if len(engines) != 1:
        return TextSyntax(signs, loose, None, None)
    return TextSyntax(signs, loose, engines.pop(), min(named, key=lambda sign: sign.offset))


def _statement_sign(stmt: Statement, comment: SyntaxSign | None, talks_to_sqlite: bool) -> SyntaxSign | None:
    """The statement's first sign; None when it has none, or signs of both engines."""
    sqlite_may_run = talks_to_sqlite and sqlite_runs(stmt)
    found: dict[str, SyntaxSign] = {}
    for sign in chain((_statement_form(stmt), comment), _token_signs(stmt)):  # lazily: two signs end it
        if sign is None or sign.dialect in found or sign.sqlite_too and sqlite_may_run:
            continue
        found[sign.dialect] = sign
        if len(found) == 2:
            return None
    return next(iter(found.values()), None)


def _statement_form(stmt: Statement) -> SyntaxSign | None:
    """A statement that only one engine has, by its first words."""
    head, start = stmt.word(0), stmt.start
    if head in _PG_HEADS:
        return SyntaxSign(POSTGRES, f"`{head}` is PostgreSQL's", start)
    if head == "SET":
        scope = stmt.word(1)
        if scope in _MYSQL_SET_SCOPES:
            return SyntaxSign(MYSQL, f"`SET {scope}` is MySQL's", start)
        if scope == "CHARSET" or stmt.words(1, 2) == ("CHARACTER", "SET"):
            return SyntaxSign(MYSQL, f"`SET {'CHARSET' if scope == 'CHARSET' else 'CHARACTER SET'}` is MySQL's", start)
        index = 2 if scope in ("SESSION", "LOCAL") and stmt.word(2) not in ("AUTHORIZATION", "CHARACTERISTICS") else 1
        for words, form in _PG_SET_FORMS.items():
            if stmt.words(index, len(words)) == words:
                return SyntaxSign(POSTGRES, f"{form} is PostgreSQL's", start)
        return None
    if head == "RESET" and len(stmt.tokens) > 1 and stmt.word(1) not in _MYSQL_RESETS:
        return SyntaxSign(POSTGRES, "`RESET` of a setting is PostgreSQL's", start)
    if head == "DEALLOCATE" and stmt.word(1) != "PREPARE":
        return SyntaxSign(POSTGRES, "`DEALLOCATE` without `PREPARE` is PostgreSQL's", start)
    if head == "PREPARE" and (stmt.word(2) == "AS" or _punct(stmt, 2, "(")):
        return SyntaxSign(POSTGRES, "`PREPARE name AS` is PostgreSQL's", start)
    if head == "DECLARE":
        return SyntaxSign(POSTGRES, "`DECLARE` outside a routine is PostgreSQL's", start)
    if head == "LOAD" and len(stmt.tokens) == 2 and stmt.tokens[1].kind == STRING:
        return SyntaxSign(POSTGRES, "`LOAD 'library'` is PostgreSQL's", start)
    if head == "CREATE" and any(stmt.word(i) == "TEMP" for i in range(1, 4)):
        return SyntaxSign(POSTGRES, "`CREATE TEMP` is PostgreSQL's (MySQL spells it `TEMPORARY`)", start, sqlite_too=True)
    if head == "FLUSH":
        return SyntaxSign(MYSQL, "`FLUSH` is MySQL's", start)
    if head == "LOCK" and stmt.word(len(stmt.tokens) - 1) in ("MODE", "NOWAIT") and "IN" in stmt.words(2, len(stmt.tokens)):
        return SyntaxSign(POSTGRES, "`LOCK ... IN ... MODE` is PostgreSQL's", start)
    if head in ("LOCK", "UNLOCK") and stmt.word(1) == "TABLES" or mysql_table_lock(stmt) is not None:
        return SyntaxSign(MYSQL, f"`{head} TABLES` is MySQL's", start)
    if head == "DROP" and stmt.word(1) == "PREPARE":
        return SyntaxSign(MYSQL, "`DROP PREPARE` is MySQL's", start)
    return None


def _token_signs(stmt: Statement):
    """Signs anywhere in a statement: variables, quoting, casts, parameters, functions, words."""
    tokens, source = stmt.tokens, stmt.sql.source
    for index, token in enumerate(tokens):
        kind, text = token.kind, token.text
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        name = following.text if following is not None else ""
        if kind in (PARAM, PUNCT) and text == "@@" and _adjacent_name(token, following):
            if index == 0 or _may_precede_prefix(tokens[index - 1]):
                yield SyntaxSign(MYSQL, f"`@@{name}` is a MySQL system variable", token.start)
        elif kind == PARAM and text == "@" and _adjacent_name(token, following):
            if not (index > 0 and tokens[index - 1].text == "<"):
                yield SyntaxSign(MYSQL, f"`@{name}` is a MySQL user variable", token.start, sqlite_too=True)
        elif source.startswith("`", token.start):
            quoted = text if kind == QIDENT else name  # PostgreSQL's tokenizer: a backquote, then the name
            yield SyntaxSign(MYSQL, f"the backquoted name `{quoted}` is MySQL's quoting", token.start, sqlite_too=True)
        elif kind == PUNCT and text == "::":
            yield SyntaxSign(POSTGRES, "a `::` cast is PostgreSQL's", token.start)
        elif _POSITIONAL_PARAMETER.match(source, token.start) and (
            kind == PUNCT  # MySQL's tokenizer
            or kind == PARAM and (text != "$" or following is not None and following.kind == NUMBER)
        ):
            parameter = source[token.start : token.start + 2]
            yield SyntaxSign(POSTGRES, f"the `{parameter}` parameter is PostgreSQL's", token.start, sqlite_too=True)
        elif kind == STRING and token.body_start >= 0 or kind == PUNCT and _DOLLAR_QUOTE.match(text):
            yield SyntaxSign(POSTGRES, "a dollar-quoted body is PostgreSQL's", token.start)
        elif kind == WORD:
            upper = token.upper
            if upper in _MYSQL_CHARSETS or upper == "SQL_CALC_FOUND_ROWS" or upper == "AUTO_INCREMENT":
                yield SyntaxSign(MYSQL, f"`{text}` is MySQL's", token.start)
            elif upper == "DUPLICATE" and stmt.word(index - 1) == "ON" and stmt.word(index + 1) == "KEY":
                yield SyntaxSign(MYSQL, "`ON DUPLICATE KEY` is MySQL's", token.start)
            elif upper == "ENGINE" and following is not None and following.text == "=":
                yield SyntaxSign(MYSQL, "a table `ENGINE =` is MySQL's", token.start)
            elif upper == "ILIKE" or upper in _PG_TYPES:
                yield SyntaxSign(POSTGRES, f"`{text}` is PostgreSQL's", token.start)
            elif upper == "FOR" and stmt.words(index + 1, 2) in _PG_ROW_LOCKS:
                yield SyntaxSign(POSTGRES, f"`{_PG_ROW_LOCKS[stmt.words(index + 1, 2)]}` is PostgreSQL's", token.start)
            elif upper == "ON" and stmt.word(index + 1) == "CONFLICT":
                yield SyntaxSign(POSTGRES, "`ON CONFLICT` is PostgreSQL's", token.start, sqlite_too=True)
            elif upper == "TEMP" and stmt.word(index - 1) == "INTO":
                yield SyntaxSign(POSTGRES, "`INTO TEMP` is PostgreSQL's", token.start)
        elif kind == STRING and text.upper() in _MYSQL_CHARSETS:
            yield SyntaxSign(MYSQL, f"`{text}` is MySQL's", token.start)
    for call in function_calls(tokens):
        name = call.name
        if name in _MYSQL_FUNCTIONS:
            yield SyntaxSign(MYSQL, f"`{name.upper()}()` is MySQL's", call.token.start)
        elif name.startswith("pg_") or name in _PG_FUNCTIONS:
            yield SyntaxSign(POSTGRES, f"`{name}()` is PostgreSQL's", call.token.start)
        elif name in _PG_SEQUENCE_FUNCTIONS and call.args and call.args[0][0].kind == STRING:
            yield SyntaxSign(POSTGRES, f"`{name}('...')` is PostgreSQL's", call.token.start)


def _adjacent_name(token: Token, following: Token | None) -> bool:
    return following is not None and following.start == token.end and following.kind in (WORD, QIDENT, STRING)


def _may_precede_prefix(token: Token) -> bool:
    """Whether ``token`` leaves `@@` no left operand: punctuation other than a closing bracket,
    or a keyword that starts an expression."""
    if token.kind == PUNCT:
        return token.text not in (")", "]")
    return token.upper in _BEFORE_PREFIX


def _punct(stmt: Statement, index: int, text: str) -> bool:
    return index < len(stmt.tokens) and stmt.tokens[index].kind == PUNCT and stmt.tokens[index].text == text


# Statements SQLite has: in a file that talks to SQLite, one of these may be SQLite's own.
_SQLITE_HEADS = frozenset(
    """SELECT WITH INSERT UPDATE DELETE REPLACE VALUES CREATE DROP ALTER BEGIN COMMIT END ROLLBACK
    SAVEPOINT RELEASE PRAGMA ATTACH DETACH VACUUM ANALYZE REINDEX EXPLAIN""".split()
)


def sqlite_runs(stmt: Statement) -> bool:
    """Whether SQLite has the statement (`CREATE TEMP TABLE` is SQLite's too; `SET` is not)."""
    return stmt.word(0) in _SQLITE_HEADS
