"""Read what a statement does: its SET form, the functions it calls, the routine bodies it holds.

Everything here works on the token stream of `pinlint.sql.lexer`, so string literals, quoted
identifiers, comments and `$$` bodies can never be mistaken for keywords. The rules in
`pinlint.rules` ask these questions and decide what each answer means on each pooler.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterator, Sequence

from pinlint.sql.lexer import MYSQL, NUMBER, PARAM, POSTGRES, PUNCT, QIDENT, STRING, WORD, Statement, Token

# Keywords that begin a SQL statement: a string that starts with one of them (in capitals) and
# lexes cleanly is "unmistakable" SQL even when pinlint cannot see where it is executed.
STATEMENT_KEYWORDS = frozenset(
    """SELECT WITH INSERT UPDATE DELETE MERGE SET RESET SHOW CREATE ALTER DROP TRUNCATE GRANT
    REVOKE BEGIN START COMMIT ROLLBACK SAVEPOINT RELEASE PREPARE EXECUTE DEALLOCATE DISCARD
    DECLARE FETCH CLOSE MOVE LISTEN UNLISTEN NOTIFY LOAD LOCK UNLOCK FLUSH CALL DO COPY VALUES
    VACUUM ANALYZE EXPLAIN REPLACE USE TABLE""".split()
)

# Statements whose expressions can call functions (set_config, pg_advisory_lock, ...).
EXPRESSION_STATEMENTS = frozenset(
    "SELECT WITH INSERT UPDATE DELETE MERGE CALL VALUES DO PERFORM RETURN RETURNING".split()
)

PG_TRANSACTION_DEFAULTS = frozenset(
    {"default_transaction_isolation", "default_transaction_read_only",
     "default_transaction_deferrable"}
)

# MySQL session variables that RDS Proxy tracks: setting them does not pin.
MYSQL_TRACKED = frozenset(
    """autocommit auto_increment_increment character_set_client character_set_connection
    character_set_database character_set_filesystem character_set_results character_set_server
    collation_connection collation_database collation_server interactive_timeout
    net_write_timeout query_cache_type session_track_schema sql_mode time_zone
    transaction_isolation tx_isolation transaction_read_only tx_read_only wait_timeout""".split()
)


@dataclass(frozen=True)
class PgSet:
    """A PostgreSQL `SET` or `RESET` at the head of a statement, read by PostgreSQL's grammar
    (`VariableSetStmt` and `VariableResetStmt`): `SET ROLE x`, `SET ROLE TO x` and `SET role = x`
    are one statement."""

    verb: str  # SET | RESET
    scope: str  # SESSION | LOCAL | ""
    kind: str  # parameter | role | authorization | characteristics | transaction | constraints | all
    name: str  # the parameter, lower-cased; "" when it is not a plain name
    # What a keyword in place of a value means: DEFAULT (`TO DEFAULT`, `SESSION AUTHORIZATION
    # DEFAULT`, `TIME ZONE LOCAL`, `NAMES` alone), NONE (`ROLE NONE`) or CURRENT (`FROM CURRENT`);
    # "" when a value is given.
    value: str = ""

    @property
    def is_local(self) -> bool:
        return self.scope == "LOCAL"

    @property
    def changes_value(self) -> bool:
        """Whether the statement gives a value of its own. RESET, `TO DEFAULT`, `ROLE NONE` and
        `TIME ZONE LOCAL` bring the session's default back and `FROM CURRENT` keeps the value, so
        they leave nothing for the backend's next client."""
        return self.verb == "SET" and not self.value

    @property
    def spelled(self) -> str:
        """The statement as a message shows it: `SET ROLE NONE`, `RESET search_path`, ..."""
        ending = {"": "", "CURRENT": " FROM CURRENT", "NONE": " NONE"}.get(self.value)
        if ending is None:  # DEFAULT
            ending = " DEFAULT" if self.kind == "authorization" else " TO DEFAULT"
        return f"{self.verb} {self.subject}{ending}"

    @property
    def subject(self) -> str:
        """What is set, as a message names it: `ROLE`, `TRANSACTION`, `search_path`, ..."""
        if self.kind in _SUBJECTS and not (self.kind == "transaction" and self.name):
            return _SUBJECTS[self.kind]
        return self.name or "..."


_SUBJECTS = {
    "role": "ROLE",
    "authorization": "SESSION AUTHORIZATION",
    "characteristics": "SESSION CHARACTERISTICS",
    "transaction": "TRANSACTION",
    "constraints": "CONSTRAINTS",
    "all": "ALL",
}

# Parameters that the special forms set: `SET role = x` is `SET ROLE x`.
_IDENTITY_PARAMETERS = {"role": "role", "session_authorization": "authorization"}
# Each transaction starts from the `default_transaction_*` values: setting these lasts one
# transaction, as `SET TRANSACTION` does.
_TRANSACTION_PARAMETERS = frozenset({"transaction_isolation", "transaction_read_only", "transaction_deferrable"})

# `SET TIME ZONE value`, `SET NAMES value`, ...: special forms that set one parameter.
_PG_SET_SPECIAL = {
    ("TIME", "ZONE"): "timezone",
    ("NAMES",): "client_encoding",
    ("SCHEMA",): "search_path",
    ("XML", "OPTION"): "xmloption",
}


def pg_set(stmt: Statement) -> PgSet | None:
    verb = stmt.word(0)
    if verb == "RESET":
        return _pg_reset(stmt)
    if verb != "SET":
        return None
    index, scope = 1, ""
    # `SET SESSION AUTHORIZATION` and `SET SESSION CHARACTERISTICS` begin with SESSION, which
    # is then part of the form, not its scope.
    form_starts = stmt.words(1, 2) in (("SESSION", "AUTHORIZATION"), ("SESSION", "CHARACTERISTICS"))
    if stmt.word(1) in ("SESSION", "LOCAL") and not form_starts:
        scope, index = stmt.word(1), 2
    tokens = stmt.tokens
    rest = len(tokens) - index  # tokens from the form's first word on
    head = stmt.word(index)
    if stmt.words(index, 2) == ("SESSION", "CHARACTERISTICS"):
        return PgSet("SET", scope, "characteristics", "")
    if head == "ROLE" and rest == 2:  # `ROLE name`; `ROLE TO name` is the generic form below
        return PgSet("SET", scope, "role", "role", _role_value(tokens[index + 1]))
    if stmt.words(index, 2) == ("SESSION", "AUTHORIZATION"):
        if rest != 3:
            return None
        return PgSet("SET", scope, "authorization", "session_authorization", _keyword(tokens[index + 2], "DEFAULT"))
    if head == "TRANSACTION":
        return PgSet("SET", scope, "transaction", "")
    if head == "CONSTRAINTS":
        return PgSet("SET", scope, "constraints", "")
    if head == "NAMES" and rest <= 2:  # `SET NAMES` alone sets the default encoding
        value = "DEFAULT" if rest == 1 else _keyword(tokens[index + 1], "DEFAULT")
        return PgSet("SET", scope, "parameter", "client_encoding", value)
    for words, name in _PG_SET_SPECIAL.items():
        if stmt.words(index, len(words)) == words and rest > len(words):
            # `TIME ZONE LOCAL` is the server's default, as `TIME ZONE DEFAULT` is.
            value = "DEFAULT" if name == "timezone" and rest == 3 and _keyword(tokens[-1], "DEFAULT", "LOCAL") else ""
            return PgSet("SET", scope, "parameter", name, value)
    name, after = _dotted_name(tokens, index)
    if name is None or after >= len(tokens):
        return None
    lowered = name.lower()
    kind = _IDENTITY_PARAMETERS.get(lowered) or ("transaction" if lowered in _TRANSACTION_PARAMETERS else "parameter")
    if stmt.words(after, 2) == ("FROM", "CURRENT") and after + 2 == len(tokens):
        return PgSet("SET", scope, kind, name, "CURRENT")
    assign = tokens[after]
    if not (assign.upper == "TO" or assign.kind == PUNCT and assign.text == "="):
        return None
    values = tokens[after + 1 :]
    if not _is_value_list(values):
        return None  # "set the flag to prevent it": prose, not a SET
    value = _keyword(values[0], "DEFAULT") if len(values) == 1 else ""
    if kind == "role" and not value and len(values) == 1:
        value = _role_value(values[0])
    return PgSet("SET", scope, kind, name, value)


def _keyword(token: Token, *keywords: str) -> str:
    """The keyword ``token`` is, if it is one of ``keywords``; else "" (a value)."""
    return token.upper if token.upper in keywords else ""


def _role_value(token: Token) -> str:
    # The role parameter reads `none` (NONE unquoted, or the string 'none') as no role at all.
    return "NONE" if token.upper == "NONE" or token.kind == STRING and token.text == "none" else ""


def _is_value_list(tokens: list[Token]) -> bool:
    """`SET x TO` takes one value or a comma-separated list of single values, never phrases."""
    items = split_top_level(tokens)
    if not items or len(tokens) != sum(len(i) for i in items) + len(items) - 1:
        return False
    for item in items:
        if item[0].kind == PUNCT and item[0].text in ("-", "+"):
            item = item[1:]
        if len(item) != 1 or item[0].kind == PUNCT:
            return False
    return True


def _pg_reset(stmt: Statement) -> PgSet | None:
    """`RESET name | ALL | TIME ZONE | SESSION AUTHORIZATION | TRANSACTION ISOLATION LEVEL`."""
    special = _PG_RESET_SPECIAL.get(stmt.words(1, len(stmt.tokens) - 1))
    if special is not None:
        return PgSet("RESET", "", *special)
    name, after = _dotted_name(stmt.tokens, 1)
    if name is None or after != len(stmt.tokens):
        return None
    return PgSet("RESET", "", _IDENTITY_PARAMETERS.get(name.lower(), "parameter"), name)


_PG_RESET_SPECIAL = {
    ("ALL",): ("all", ""),
    ("SESSION", "AUTHORIZATION"): ("authorization", "session_authorization"),
    ("TIME", "ZONE"): ("parameter", "timezone"),
    ("TRANSACTION", "ISOLATION", "LEVEL"): ("parameter", "transaction_isolation"),
}


def _dotted_name(tokens: list[Token], index: int) -> tuple[str | None, int]:
    """Read `name` or `"Quoted".name` starting at ``index``; return it lower-cased and the next index."""
    parts = []
    while index < len(tokens) and tokens[index].kind in (WORD, QIDENT):
        token = tokens[index]
        parts.append(token.text if token.kind == QIDENT else token.text.lower())
        index += 1
        if index < len(tokens) and tokens[index].kind == PUNCT and tokens[index].text == ".":
            index += 1
            continue
        break
    return (".".join(parts) if parts else None), index


@dataclass(frozen=True)
class MySqlAssignment:
    scope: str  # SESSION | LOCAL | GLOBAL | PERSIST | PERSIST_ONLY | ""
    name: str  # lower-cased; for user variables without the `@`
    user_variable: bool


@dataclass(frozen=True)
class MySqlSet:
    kind: str  # assignments | transaction | session-transaction | global | names | role
    assignments: tuple[MySqlAssignment, ...] = ()


_MYSQL_SCOPES = ("SESSION", "LOCAL", "GLOBAL", "PERSIST", "PERSIST_ONLY")


def mysql_set(stmt: Statement) -> MySqlSet | None:
    if stmt.word(0) != "SET" or len(stmt.tokens) < 2:
        return None
    first = stmt.word(1)
    if first == "TRANSACTION":
        return MySqlSet("transaction")
    if first in _MYSQL_SCOPES and stmt.word(2) == "TRANSACTION":
        return MySqlSet("global" if first.startswith(("GLOBAL", "PERSIST")) else "session-transaction")
    if first in ("NAMES", "CHARSET") or stmt.words(1, 2) == ("CHARACTER", "SET"):
        return MySqlSet("names")
    if first in ("ROLE", "PASSWORD") or stmt.words(1, 2) == ("DEFAULT", "ROLE"):
        return MySqlSet("role" if first == "ROLE" else "global")
    items = [_mysql_assignment(item) for item in split_top_level(stmt.tokens[1:])]
    if not items or None in items:
        return None
    return MySqlSet("assignments", tuple(items))


def _mysql_assignment(tokens: list[Token]) -> MySqlAssignment | None:
    index, scope, user = 0, "", False
    if index < len(tokens) and tokens[index].kind == PARAM and tokens[index].text == "@@":
        index += 1
        if index + 1 < len(tokens) and tokens[index].upper in _MYSQL_SCOPES and tokens[index + 1].text == ".":
            scope, index = tokens[index].upper, index + 2
    elif index < len(tokens) and tokens[index].kind == PARAM and tokens[index].text == "@":
        user, index = True, index + 1
    elif index < len(tokens) and tokens[index].upper in _MYSQL_SCOPES:
        scope, index = tokens[index].upper, index + 1
    if index >= len(tokens) or tokens[index].kind not in (WORD, QIDENT, STRING):
        return None
    name = tokens[index].text.lower()
    rest = tokens[index + 1 : index + 2]
    if not rest or not (rest[0].kind == PUNCT and rest[0].text in ("=", ":=") or rest[0].upper == "TO"):
        return None
    return MySqlAssignment(scope, name, user)


_TEMPORARY_OBJECTS = {"TABLE", "VIEW", "SEQUENCE"}
_CREATE_MODIFIERS = {"OR", "REPLACE", "GLOBAL", "LOCAL", "UNLOGGED", "RECURSIVE"}
# Clauses that can follow a `SELECT ... INTO` target: in `INTO temp FROM t`, `temp` is the name
# of a permanent table.
_CLAUSES = frozenset(
    "FROM WHERE GROUP HAVING WINDOW UNION INTERSECT EXCEPT ORDER LIMIT OFFSET FETCH FOR".split()
)


def temporary_object(stmt: Statement) -> str | None:
    """The temporary table, view or sequence a statement creates, as a message names it.

    PostgreSQL's `CREATE [GLOBAL | LOCAL] {TEMP | TEMPORARY} {TABLE | VIEW | SEQUENCE}` (also `AS`),
    `CREATE TABLE pg_temp.name`, and `SELECT ... INTO [GLOBAL | LOCAL] {TEMP | TEMPORARY} [TABLE]
    name` or `INTO pg_temp.name`; MySQL's `CREATE TEMPORARY TABLE`.
    """
    head = stmt.word(0)
    if head == "CREATE":
        index, temporary = 1, False
        while stmt.word(index) in _CREATE_MODIFIERS or stmt.word(index) in ("TEMP", "TEMPORARY"):
            temporary = temporary or stmt.word(index) in ("TEMP", "TEMPORARY")
            index += 1
        kind = stmt.word(index)
        if kind not in _TEMPORARY_OBJECTS:
            return None
        if temporary:
            return f"`CREATE TEMP {kind}`"
        index += 1
        if stmt.words(index, 3) == ("IF", "NOT", "EXISTS"):
            index += 3
        if stmt.dialect != MYSQL and _in_pg_temp(stmt, index):
            return f"`CREATE {kind} pg_temp.…`"
        return None
    if head in ("SELECT", "WITH") and stmt.dialect != MYSQL:
        for index in range(1, len(stmt.tokens) - 1):
            if stmt.word(index) == "INTO" and stmt.word(index - 1) not in ("INSERT", "MERGE"):
                target = _into_target(stmt, index + 1)
                if target:
                    return f"`SELECT ... INTO {target}`"
    return None


def _into_target(stmt: Statement, index: int) -> str:
    """`TEMP` or `pg_temp.…` when the `SELECT ... INTO` target at ``index`` is a temporary table."""
    if stmt.word(index) in ("GLOBAL", "LOCAL"):
        index += 1
        if stmt.word(index) not in ("TEMP", "TEMPORARY"):
            return ""
    if stmt.word(index) in ("TEMP", "TEMPORARY"):
        index += 2 if stmt.word(index + 1) == "TABLE" else 1
        named = index < len(stmt.tokens) and stmt.tokens[index].kind in (WORD, QIDENT)
        return "TEMP" if named and stmt.word(index) not in _CLAUSES else ""
    if stmt.word(index) == "TABLE":
        index += 1
    return "pg_temp.…" if _in_pg_temp(stmt, index) else ""


def _in_pg_temp(stmt: Statement, index: int) -> bool:
    """Whether the name at ``index`` is qualified by `pg_temp`, the session's temporary schema."""
    tokens = stmt.tokens
    return (
        index + 2 < len(tokens)
        and tokens[index].kind in (WORD, QIDENT)
        and (tokens[index].text if tokens[index].kind == QIDENT else tokens[index].text.lower()) == "pg_temp"
        and tokens[index + 1].kind == PUNCT
        and tokens[index + 1].text == "."
    )


def mysql_table_lock(stmt: Statement) -> str | None:
    """The MySQL statement that takes table locks the session holds until `UNLOCK TABLES`.

    `LOCK {TABLE | TABLES} t [[AS] a] {READ [LOCAL] | [LOW_PRIORITY] WRITE} [, ...]`, and
    `FLUSH [NO_WRITE_TO_BINLOG | LOCAL] {TABLE | TABLES} [t, ...] {WITH READ LOCK | FOR EXPORT}`.
    PostgreSQL's `LOCK [TABLE] t [IN ... MODE]` names no lock type: it is not one.
    """
    if stmt.word(0) == "LOCK" and stmt.word(1) in ("TABLE", "TABLES"):
        items = split_top_level(stmt.tokens[2:])
        return "LOCK TABLES" if items and all(_has_lock_type(item) for item in items) else None
    if stmt.word(0) != "FLUSH":
        return None
    index = 2 if stmt.word(1) in ("NO_WRITE_TO_BINLOG", "LOCAL") else 1
    if stmt.word(index) not in ("TABLE", "TABLES"):
        return None
    count = len(stmt.tokens)
    if stmt.words(count - 3, 3) == ("WITH", "READ", "LOCK") and count - 3 > index:
        return "FLUSH TABLES WITH READ LOCK"
    if stmt.words(count - 2, 2) == ("FOR", "EXPORT") and count - 2 > index + 1:  # a table list is required
        return "FLUSH TABLES ... FOR EXPORT"
    return None


def _has_lock_type(item: list[Token]) -> bool:
    words = [t.upper for t in item[-2:]]
    return len(item) >= 2 and (words[-1] in ("READ", "WRITE") or words == ["READ", "LOCAL"])


def split_top_level(tokens: list[Token]) -> list[list[Token]]:
    """Split a token run on commas that are not inside parentheses."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == PUNCT:
            if token.text in ("(", "["):
                depth += 1
            elif token.text in (")", "]"):
                depth -= 1
            elif token.text == "," and depth == 0:
                parts.append([])
                continue
        parts[-1].append(token)
    return [part for part in parts if part]


class TokenRun(Sequence[Token]):
    """A run of a token list read in place, so nested calls never copy each other's arguments."""

    __slots__ = ("_tokens", "_start", "_stop")

    def __init__(self, tokens: list[Token], start: int, stop: int) -> None:
        self._tokens, self._start, self._stop = tokens, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self._tokens[self._start : self._stop][index])
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        return self._tokens[self._start + position]


@dataclass(frozen=True)
class FunctionCall:
    name: str  # lower-cased, without a `pg_catalog.` qualifier
    args: tuple[TokenRun, ...]  # the top-level arguments
    token: Token


def function_calls(tokens: list[Token]) -> Iterator[FunctionCall]:
    """Every `name(...)` in a token run, with its top-level arguments.

    One pass pairs the parentheses and files each comma under its bracket depth; a call's
    top-level commas are then the ones at the depth just inside its `(`, found by bisection.
    """
    closing, depth_inside, commas = _brackets(tokens)
    for index in range(len(tokens) - 1):
        token, following = tokens[index], tokens[index + 1]
        if token.kind != WORD or following.kind != PUNCT or following.text != "(":
            continue
        if index > 0 and tokens[index - 1].kind == PUNCT and tokens[index - 1].text == ".":
            qualifier = tokens[index - 2].text.lower() if index > 1 else ""
            if qualifier != "pg_catalog":
                continue
        opening = index + 1
        close = closing.get(opening, len(tokens))
        level = commas.get(depth_inside[opening], [])
        separators = level[bisect.bisect_right(level, opening) : bisect.bisect_left(level, close)]
        bounds = [opening, *separators, close]
        args = tuple(TokenRun(tokens, a + 1, b) for a, b in zip(bounds, bounds[1:]) if b > a + 1)
        yield FunctionCall(token.text.lower(), args, token)


def _brackets(tokens: list[Token]) -> tuple[dict[int, int], dict[int, int], dict[int, list[int]]]:
    """Each `(`'s matching `)`, the bracket depth just inside each `(`, and the commas by depth.

    Depth counts `(` and `[` alike, as `split_top_level` does; only `)` closes a `(`.
    """
    closing: dict[int, int] = {}
    depth_inside: dict[int, int] = {}
    commas: dict[int, list[int]] = {}
    open_parens: list[int] = []
    depth = 0
    for index, token in enumerate(tokens):
        if token.kind != PUNCT:
            continue
        if token.text in ("(", "["):
            depth += 1
            if token.text == "(":
                open_parens.append(index)
                depth_inside[index] = depth
        elif token.text in (")", "]"):
            depth -= 1
            if token.text == ")" and open_parens:
                closing[open_parens.pop()] = index
        elif token.text == ",":
            commas.setdefault(depth, []).append(index)
    return closing, depth_inside, commas


_TRUE_WORDS = {"TRUE", "T", "ON", "YES", "Y", "1"}
_FALSE_WORDS = {"FALSE", "F", "OFF", "NO", "N", "0"}


def bool_constant(arg: Sequence[Token]) -> bool | None:
    """The value of a constant boolean argument (`false`, `'f'`, `0`, `'true'::bool`), else None."""
    count = len(arg)
    if count >= 3 and arg[-2].kind == PUNCT and arg[-2].text == "::":
        count -= 2
    if count != 1 or arg[0].kind not in (WORD, STRING, NUMBER):
        return None
    text = arg[0].text.strip().upper()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    return None


def string_constant(arg: Sequence[Token]) -> str | None:
    return arg[0].text if len(arg) == 1 and arg[0].kind == STRING else None


@dataclass(frozen=True)
class RoutineBody:
    text: str
    offset: int  # where the body starts in the statement's SQL text


def routine_bodies(stmt: Statement) -> list[RoutineBody]:
    """Bodies of `CREATE FUNCTION/PROCEDURE` and `DO` blocks: their code runs inside the server."""
    head = stmt.word(0)
    if head == "DO":
        return [_body(t) for t in stmt.tokens[1:] if t.kind == STRING][:1]
    if head != "CREATE" or not any(t.upper in ("FUNCTION", "PROCEDURE") for t in stmt.tokens[1:6]):
        return []
    bodies = []
    for index, token in enumerate(stmt.tokens):
        if token.upper == "AS" and index + 1 < len(stmt.tokens) and stmt.tokens[index + 1].kind == STRING:
            bodies.append(_body(stmt.tokens[index + 1]))
        elif token.upper == "BEGIN" and (stmt.dialect != POSTGRES or stmt.word(index + 1) == "ATOMIC"):
            # `BEGIN ATOMIC ... END` (PostgreSQL 14+) and MySQL routine bodies are plain tokens.
            start = stmt.tokens[index + 1].start if index + 1 < len(stmt.tokens) else token.end
            text = stmt.sql.source[start : stmt.end]
            bodies.append(RoutineBody(text, start))
            break
    return bodies


def _body(token: Token) -> RoutineBody:
    start = token.body_start if token.body_start >= 0 else token.start + 1
    return RoutineBody(token.text, start)


def is_param(token: Token) -> bool:
    return token.kind == PARAM or token.kind == WORD and set(token.text) == {"_"}
