"""The cheap first pass: which Python files can hold a finding at all.

libcst costs ten to twenty times Python's own parser, and most files of a project never touch a
database. A file goes on to the full analysis only when it shows something a rule can report.
Python's own parser is the only other cost: the engine has every file checked so that syntax
errors are reported (and never handed to libcst), without building Python's tree. Where strings
must be looked at (stage 2 below), only the logical lines that hold them are parsed, each on its
own; the whole file only when it cannot be cut into logical lines by `logical_lines`.

Every trigger is a *necessary* condition of some finding, written against what the rules and the
visitor look at. The tests lint the fixtures, the rules' cases and the docs' examples with and
without this pass, and check every file it clears anywhere in the suite under all rules.

1. In the raw text, a hit means the full analysis: a driver import (library calls are only
   recognised through imports; SQLAlchemy's together with one of the calls it is recognised
   by), a database URL, `PGOPTIONS`, `server_settings`, a Django `DATABASES = {...}` literal or
   item assignment or `getattr()` of another module, Flask-SQLAlchemy's `SQLALCHEMY_ENGINE_OPTIONS` and `SQLALCHEMY_BINDS`,
   psycopg2's batch helpers, SQLAlchemy's `func.<sql function>`, suppression comments (an unused
   one is itself a finding), and `.iterator()` when the project's Django settings keep
   server-side cursors (without a `DATABASES` in the file itself, that is the only way it is
   reported).
2. SQL the rules could judge: a statement keyword they look at (`SET`, `PREPARE`, `CREATE`,
   `LISTEN`, ...) opening a string, a line or a statement after `;` (past whitespace and SQL
   comments); their SQL functions (`set_config`, `pg_advisory_lock`, `nextval`, ...); `INTO TEMP`
   and `INTO pg_temp.`;
   a libpq conninfo with `options`; in a file that names `options`, a libpq option string
   (`-c statement_timeout=5s`, reported under any call by `pinlint.python.unmistakable_settings`;
   its `-c` or `--` written out in one literal); what only MySQL judges (`@variables`, `/*! */`,
   `LOCK TABLES`, ...): in any file, as MySQL's own syntax makes SQL MySQL's wherever it is
   written, by rarer patterns where the file's path or the configuration does not say MySQL
   (a `lock` or an `@` is in most modules). Superset patterns over the raw text
   decide whether to look at all, and which lines; the verdict comes from the texts the
   visitor would compose from the strings on those lines, where it takes SQL from: not
   docstrings, asserts, comparisons, exceptions, log, gettext and assertion-helper calls,
   `help=`-style arguments or mock return values; in test modules, not the strings of scenario
   tables (`pinlint.python.test_data`), which only count as possible option strings.
3. PIN118's 16 KB statements: only when one of those texts is that long.

Keywords written with Python escapes (`"\\x53ET"`) are not recognised.
"""

from __future__ import annotations

import ast
import re
import symtable
import warnings
from bisect import bisect_right
from functools import cached_property
from itertools import accumulate, count, repeat
from operator import add
from typing import Callable

from pinlint.connections.dsn import parse_conninfo
from pinlint.connections.pg_settings import is_option_string
from pinlint.python.dialect import left_alone_by_location
from pinlint.python.logical_lines import logical_lines
from pinlint.python.sql_calls import BATCH_HELPERS, MOCK_ATTRIBUTES, PROSE_KEYWORDS, SQL_FUNCTIONS, is_text_sink
from pinlint.python.test_data import CODE, DATA, call_context, collection_context, is_test_module
from pinlint.rules.pin118_oversized_statement import LIMIT_BYTES
from pinlint.sql.lexer import MYSQL, POSTGRES

_DRIVERS = "asyncpg|psycopg\\w*|pg8000|aiopg|django_pglocks|mysql\\w*|MySQLdb|pymysql|aiomysql|asyncmy"
_ORMS = "sqlalchemy|sqlmodel"
_FUNCTIONS = "|".join(sorted(SQL_FUNCTIONS))


def _patterns(*patterns: str, flags: int = 0) -> tuple[re.Pattern, ...]:
    """Searched one by one: a pattern that starts with a literal is found at C speed, an
    alternation of them is not (and case-insensitive ones are searched in lower-cased text)."""
    return tuple(re.compile(pattern, re.DOTALL | flags) for pattern in patterns)


def _imports(modules: str) -> tuple[str, str]:
    """Python names are case-sensitive; a library counts when it is the module imported (the
    first name after `from`, or any of the names after `import`), as the visitor resolves calls.
    No `\\b` before the keyword: a pattern that starts with a literal is searched much faster."""
    return (
        rf"from[ \t]+(?:{modules})\b",
        rf"import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*(?:\\\n[ \t]*)?)*(?:{modules})\b",
    )


_DEFINITE = _patterns(
    *_imports(_DRIVERS),
    r"PGOPTIONS",
    r"server_settings",  # a mapping of server settings is a finding whatever call receives it
    # An annotation ends where another `DATABASES:` starts: that one is tried on its own.
    r"DATABASES\s*(?::(?:[^=\nD]|D(?!ATABASES\s*:))*)?=\s*\{",
    r"DATABASES\s*=\s*getattr\s*\(",  # read from another module (`getattr(configuration, "DATABASES")`)
    r"SQLALCHEMY_(?:ENGINE_OPTIONS|BINDS)\b",  # Flask-SQLAlchemy engine options
    rf"(?:{'|'.join(sorted(BATCH_HELPERS))})\b",
    rf"func[\s)\\]*\.[\s\\]*(?:{_FUNCTIONS})\b",  # SQLAlchemy's `func.<name>()`
)
_ITERATOR = re.compile(r"\.\s*iterator\s*\(")
# `DATABASES` built by item assignment (`DATABASES = dj_database_url.config()`, then
# `DATABASES["default"]["OPTIONS"] = ...`): the visitor reads only a `DATABASES` the module
# binds, so an item read elsewhere (`settings.DATABASES["default"]`) or named in a string is none.
_DATABASES_ITEM = re.compile(r"DATABASES\s*\[")
_DATABASES_BOUND = re.compile(r"^[ \t]*DATABASES[ \t]*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
_ORM_IMPORTS = _patterns(*_imports(_ORMS))
# What `pinlint.drivers.sqlalchemy` recognises besides SQL text: an ORM's own modules import it
# everywhere, so the import alone does not send a file on. `.<name>()` is `func` imported as
# another name.
_SQLALCHEMY_API = _patterns(
    r"(?:create_engine|create_async_engine|execution_options|yield_per)\b", rf"\.[\s\\]*(?:{_FUNCTIONS})\b"
)
_SUPPRESSIONS_ANY_CASE = _patterns(
    r"pinlint\s*:",
    r"noqa(?:[^\nnp]|n(?!oqa)|p(?!in))*pin",  # up to the next `noqa`, that is tried on its own
)
_DEFINITE_ANY_CASE = _patterns(
    r"postgres(?:ql)?(?:\+\w+)?://", r"mysql(?:\+\w+)?://", r"mariadb(?:\+\w+)?://",
) + _SUPPRESSIONS_ANY_CASE

_KEYWORDS = "SET|RESET|PREPARE|EXECUTE|DEALLOCATE|DISCARD|DECLARE|LISTEN|UNLISTEN|LOAD"
_MYSQL_KEYWORDS = "LOCK|FLUSH|DROP"
_END = r"(?=[\s;'\"#]|--|/\*|$)"  # what may follow a statement's first word


def _sql(*patterns: str) -> re.Pattern:
    return re.compile("|".join(patterns), re.IGNORECASE | re.DOTALL)


# What the SQL composed from a module's strings is judged by. Statements are judged by their first
# words where a statement starts: the start of the text, a line or after `;`, past whitespace and
# SQL comments. A comment's text is not read, so comments count as one from the first `/*` at a
# start to any later `*/`; line comments need no reading, as the line break that ends one is a
# start of its own. So a statement's first word stands after a start and blanks, or after a `*/`
# and blanks once such a `/*` stood before it: two scans that never go back, where one pattern
# with the comments in a repeated group took time exponential in their number.
_HEADS = (
    rf"(?P<keyword>{_KEYWORDS}){_END}",
    rf"(?P<create>CREATE){_END}",  # among CREATEs, only temporary objects (PIN108) and routines (PIN119)
    r"DO\s*(?:\$|E?'|LANGUAGE\b)",  # a DO block runs its body
)
_MYSQL_HEAD = rf"(?P<mysql_keyword>{_MYSQL_KEYWORDS}){_END}"
_AFTER_START = r"(?<![^;\n])[^\S\n]*(?:"
_AFTER_COMMENT = r"\*/[^\S\n]*(?:"
_HEADS_AFTER_START = _sql(_AFTER_START + "|".join(_HEADS) + ")")
_HEADS_AFTER_COMMENT = _sql(_AFTER_COMMENT + "|".join(_HEADS) + ")")
_MYSQL_HEADS_AFTER_START = _sql(_AFTER_START + "|".join((*_HEADS, _MYSQL_HEAD)) + ")")
_MYSQL_HEADS_AFTER_COMMENT = _sql(_AFTER_COMMENT + "|".join((*_HEADS, _MYSQL_HEAD)) + ")")
_COMMENT_AT_START = re.compile(r"(?<![^;\n])[^\S\n]*/\*")
_CREATED = _sql("TEMP|FUNCTION|PROCEDURE")
_SQL_WORDS = _sql(
    rf"\b(?:{_FUNCTIONS})\b",
    r"\bINTO\s+(?:(?:LOCAL|GLOBAL)\s+)?TEMP(?:ORARY)?\b",
    r"\bINTO\s+(?:TABLE\s+)?PG_TEMP\s*\.",
)
# `{` stands for a str.format field, which becomes a name-like placeholder.
_MYSQL_WORDS = _sql(r"@[\w{]", r"/\*M?!", r"\bSQL_CALC_FOUND_ROWS\b", r"\bDELIMITER\b")
# The same where the default is not MySQL: a variable's `@` follows no name (`to@example.com`).
_MYSQL_WORDS_ELSEWHERE = _sql(r"(?<![\w.@])@[\w{@]", r"/\*M?!", r"\bSQL_CALC_FOUND_ROWS\b")
# Whatever syntax can make a text MySQL's in any file (`pinlint.sql.dialect`), and more.
_MYSQL_SYNTAX = _sql(
    r"[@`]", r"/\*M?!",
    r"(?:GLOBAL|PERSIST|CHARSET|CHARACTER|LOCK|FLUSH|PREPARE|UTF8MB|SQL_CALC_FOUND_ROWS|AUTO_INCREMENT|DUPLICATE"
    r"|ENGINE|GET_LOCK|RELEASE_LOCK|RELEASE_ALL_LOCKS|IS_FREE_LOCK|IS_USED_LOCK|FOUND_ROWS|LAST_INSERT_ID)",
)
_BLANKS = re.compile(r"[\s;]*")
_BLANK_LINE = re.compile(r"(?:[^\S\n]|;)*(?:--[^\n]*)?")


class _Statements:
    """Whether SQL text holds a statement a rule judges, by its first words: each scan of it goes
    once over the text, whatever the number of statements, comments and line breaks."""

    def __init__(self, text: str, mysql: bool) -> None:
        self._text = text
        self._mysql = mysql
        self._line_ends: dict[int, int] = {}  # where blanks from a line's start end
        # A position, and the first line break, `;` or word CREATE looks for at or after it (-1 or
        # None: none); searched for when first needed, from past the end until then.
        unsearched = len(text) + 1
        self._newline = (unsearched, -1)
        self._semicolon = (unsearched, -1)
        self._created: tuple[int, re.Match | None] = (unsearched, None)

    def judged(self) -> bool:
        text = self._text
        after_start = _MYSQL_HEADS_AFTER_START if self._mysql else _HEADS_AFTER_START
        if any(self._counts(match) for match in after_start.finditer(text)):
            return True
        comment = _COMMENT_AT_START.search(text) if "*/" in text else None
        if comment is None:
            return False
        after_comment = _MYSQL_HEADS_AFTER_COMMENT if self._mysql else _HEADS_AFTER_COMMENT
        return any(self._counts(match) for match in after_comment.finditer(text, comment.end()))

    def _counts(self, head: re.Match) -> bool:
        kind = head.lastgroup
        if kind == "create":
            return self._creates_what_is_judged(head.end())
        if kind is None:  # a DO block
            return True
        return not self._alone(head.end())

    def _creates_what_is_judged(self, position: int) -> bool:
        """Whether TEMP, FUNCTION or PROCEDURE follows ``position`` before the next `;`. Asked at
        rising positions (twice over), so each is searched for once or twice."""
        at, created = self._created
        if at > position or created is not None and created.start() < position:
            created = _CREATED.search(self._text, position)
            self._created = (position, created)
        at, semicolon = self._semicolon
        if at > position or 0 <= semicolon < position:
            semicolon = self._text.find(";", position)
            self._semicolon = (position, semicolon)
        return created is not None and (semicolon < 0 or created.start() < semicolon)

    def _alone(self, position: int) -> bool:
        """Whether nothing but `;`, whitespace and comments follows ``position``: a keyword there
        is no statement (a bare "SET" is mostly an on_delete name or a cache method)."""
        text = self._text
        blank_end = self._blank_end(position)
        if blank_end == len(text):
            return True
        return text.startswith("/*", blank_end) and blank_end + 4 <= self._end_of_last_comment_before_blanks

    def _blank_end(self, position: int) -> int:
        """Where whitespace, `;` and line comments from ``position`` end. Blanks that go on past a
        line comment are those from the next line's start, remembered for other keywords."""
        text = self._text
        line_starts = []
        while position not in self._line_ends:
            position = _BLANKS.match(text, position).end()
            if not text.startswith("--", position):
                break
            newline = self._newline_after(position)
            position = len(text) if newline < 0 else newline + 1
            line_starts.append(position)
        else:
            position = self._line_ends[position]
        for start in line_starts:
            self._line_ends[start] = position
        return position

    def _newline_after(self, position: int) -> int:
        at, newline = self._newline
        if at > position or 0 <= newline < position:
            newline = self._text.find("\n", position)
            self._newline = (position, newline)
        return newline

    @cached_property
    def _end_of_last_comment_before_blanks(self) -> int:
        """The end of the last `*/` with nothing but blanks after it; -1 when there is none. Only
        the trailing lines of blanks and line comments, and the line before them, can hold it."""
        text = self._text
        end = len(text)
        while True:
            start = text.rfind("\n", 0, end) + 1
            comment = text.rfind("*/", start, end)
            while comment >= 0:
                if _BLANK_LINE.fullmatch(text, comment + 2, end):
                    return comment + 2
                comment = text.rfind("*/", start, comment + 1)
            if start == 0 or not _BLANK_LINE.fullmatch(text, start, end):
                return -1
            end = start - 1


# Whether the raw text is worth composing its strings: a superset of the above as written in
# source (quotes, escapes, `+` between literals), searched in lower-cased text. Escapes such as
# `\\n` stand where the values have whitespace, so no `\\b` before a word. Read backwards from
# a keyword: what stands between literals and escapes for blanks (`\\t`, a line continuation),
# then a start: a quote, a line break, `;` or a `\\n` or `\\r` escape (a comment before the
# keyword ends at one of those too). Past a `*/`, a start is found when a `/*` stands after one.
_RAW_BLANKS_REVERSED = r"(?:[^\S\n]|[t\n]\\|[+()])*"
# MySQL's `DROP PREPARE` is its `DEALLOCATE PREPARE`: that keyword stands after a `DROP` at a start.
_RAW_START_REVERSED = re.compile(rf"{_RAW_BLANKS_REVERSED}(?:pord{_RAW_BLANKS_REVERSED})?(?:[\"';\n]|[nr]\\)")
_RAW_COMMENT_END_REVERSED = re.compile(rf"{_RAW_BLANKS_REVERSED}/\*")


class _StatementKeyword:
    """A keyword where a statement can start: after a quote, a line break, `;` or a `\\n` escape,
    past blanks and SQL comments, and followed by the end of a word. Starts are everywhere and
    the keywords are not, so each keyword is found first and its start looked for backwards, in
    the reversed text. The matches are the keywords: the lines that matter are theirs."""

    def __init__(self, words: list[str]) -> None:
        self._words = _patterns(*(rf"{word}(?=[\s;'\"#/$\\-]|$)" for word in words))

    def finditer(self, lowered: str):
        reversed_text = None
        first_comment: int | None = None  # where the first `/*` after a start is; -1: none
        size = len(lowered)
        for pattern in self._words:
            for match in pattern.finditer(lowered):
                if reversed_text is None:
                    reversed_text = lowered[::-1]
                if _RAW_START_REVERSED.match(reversed_text, size - match.start()):
                    yield match
                    continue
                comment_end = _RAW_COMMENT_END_REVERSED.match(reversed_text, size - match.start())
                if comment_end is None:
                    continue
                if first_comment is None:
                    first_comment = _first_comment_after_start(lowered, reversed_text)
                if 0 <= first_comment <= size - comment_end.end() - 2:
                    yield match


def _first_comment_after_start(lowered: str, reversed_text: str) -> int:
    """Where the first `/*` with a start before it (past blanks) is; -1 when there is none."""
    size = len(lowered)
    comment = lowered.find("/*")
    while comment >= 0 and not _RAW_START_REVERSED.match(reversed_text, size - comment):
        comment = lowered.find("/*", comment + 1)
    return comment


def _by_prefix(words: frozenset[str]) -> list[str]:
    """One pattern for the words that share their first three letters: each still starts with a
    literal, and there are half as many texts to search."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words):
        groups.setdefault(word[:3], []).append(re.escape(word[3:]))
    return [rf"{re.escape(prefix)}(?:{'|'.join(rests)})\b" for prefix, rests in groups.items()]


_SQL_RAW = (
    _StatementKeyword([*_KEYWORDS.lower().split("|"), "create", "do"]),
    *_patterns(
        *_by_prefix(SQL_FUNCTIONS),
        # INTO [LOCAL] TEMP and INTO [TABLE] pg_temp have only whitespace between their words; past
        # a comment, any word may follow. `INTO @x` is MySQL's in any file.
        r"into(?:\s|\\[ntr\n]|[\"'+()])*(?:(?:local|global|table)(?:\s|\\[ntr\n]|[\"'+()])+)?"
        r"(?:temp|pg_temp|\#|--|/\*|@)",
        r"options\s*=",
    ),
)
_MYSQL_RAW = _patterns(
    *_MYSQL_KEYWORDS.lower().split("|"), r"@[\w{]", r"/\*m?!", "sql_calc_found_rows", "delimiter"
)
_RAW_SEPARATOR = r"(?:\s|\\[ntr\n]|[\"'+()])+"
# In any other file, what only MySQL judges and only MySQL's syntax can name, by rarer words than
# `_MYSQL_RAW`'s, whose `lock` and `@` are in every other module. The rest is `_SQL_RAW`'s: MySQL's
# functions, `SQL_CALC_FOUND_ROWS` (its `found_rows`), `INTO @x`, `SET @x` and `DROP PREPARE`
# (statement keywords). Each is one more scan of every file: they start with a literal, and are few.
_MYSQL_ONLY_RAW = _patterns(
    rf"lock{_RAW_SEPARATOR}tables?\b",
    rf"flush{_RAW_SEPARATOR}(?:no_write_to_binlog|local|tables?)\b",
    r"@[\w{][\w{}]*[ \t]*:=",
    r"/\*m?!",
)
# Where a libpq option string can be written: it starts with `-c` or `--`.
_OPTION_STRING_RAW = _patterns("-c", "--")
_MYSQL_PATH = re.compile(r"mysql|asyncmy", re.IGNORECASE)  # `backends/mysql/`, `pymysql/`, ...
HOLE = "__"  # a value known only at run time, as `pinlint.python.strings` writes it


def needs_full_analysis(
    text: str, path: str, dialect: str, tree: Callable[[], ast.Module] | None = None,
    server_side_cursors: Callable[[], bool | None] = lambda: True,
    calls_wrapper: Callable[[], bool] = lambda: False,
) -> bool:
    """False only when no rule can report anything in this Python source (whether Python accepts
    it is `check_python`'s question). ``dialect`` is the configured one: auto, postgres or mysql;
    ``tree``, what gives the source parsed by `parse_python` when its strings must be looked at
    and it cannot be cut into logical lines (what it raises, this raises);
    ``server_side_cursors``, whether the project's Django settings keep them (asked only when the
    source calls `.iterator()`); ``calls_wrapper``, whether it calls a project function that
    passes its arguments on to a database library (`pinlint.python.project_index`)."""
    lowered = text.lower()
    if dialect == "auto" and left_alone_by_location(path):
        # Its SQL is another engine's; only its suppressions can be reported (as unused).
        return any(p.search(lowered) for p in _SUPPRESSIONS_ANY_CASE)
    if any(p.search(text) for p in _DEFINITE) or any(p.search(lowered) for p in _DEFINITE_ANY_CASE):
        return True
    if _DATABASES_ITEM.search(text) and _DATABASES_BOUND.search(text):
        return True
    if _ITERATOR.search(text) and server_side_cursors():
        return True
    if any(p.search(text) for p in _ORM_IMPORTS) and any(p.search(text) for p in _SQLALCHEMY_API):
        return True
    if calls_wrapper():
        return True
    mysql = dialect == "mysql" or dialect == "auto" and bool(_MYSQL_PATH.search(path))
    options_named = "options" in text  # a key or keyword that may take a libpq option string
    raw = _SQL_RAW + (_MYSQL_RAW if mysql else _MYSQL_ONLY_RAW)
    lines = _Lines(text, lowered, raw + _OPTION_STRING_RAW if options_named else raw)
    if not lines.sql_like and not lines.large:
        return False
    test_module = is_test_module(path)
    texts = _texts_of_logical_lines(text, lines, test_module)
    if texts is None:
        if tree is None:
            try:
                parsed = parse_python(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return True
        else:
            parsed = tree()
        try:
            texts = _sql_texts(parsed, lines, test_module=test_module)
        except RecursionError:
            return True
    dialect_of_file = MYSQL if mysql else POSTGRES
    return any(
        type(text) is not DataText and may_hold_sql(text, dialect_of_file) or _passes_startup_options(text, options_named)
        for text in texts
    )


class DataText(str):
    """The text of a string in a test module's scenario table: never SQL, but a setting still."""


def _passes_startup_options(text: str, options_named: bool) -> bool:
    """A libpq conninfo with `options`, or an option string where the file names `options`
    (PIN201). Connection URLs, `PGOPTIONS` and connect calls' `options=` are triggers of their
    own; a free-standing string counts only when it is one of these, so `options=` in prose or a
    log line does not."""
    if options_named and is_option_string(text):
        return True
    if "options" not in text:
        return False
    params = parse_conninfo(text.strip())
    return params is not None and "options" in params


def may_hold_sql(text: str, dialect: str) -> bool:
    """Whether SQL composed from Python can give any rule a hit (or hold a suppression): the same
    necessary conditions, checked on each piece of SQL before it is tokenised. ``dialect`` is the
    default: MySQL's own syntax makes a text MySQL's in any file."""
    mysql = dialect == MYSQL or _MYSQL_SYNTAX.search(text) is not None
    return bool(
        _SQL_WORDS.search(text)
        or mysql and (_MYSQL_WORDS if dialect == MYSQL else _MYSQL_WORDS_ELSEWHERE).search(text)
        or _Statements(text, mysql).judged()
        or "pinlint" in text.lower()
        or _over_limit(text)
    )


def _over_limit(text: str) -> bool:
    """Whether ``text`` is over PIN118's limit in UTF-8; it is not encoded when it cannot be (a
    character takes at most four bytes)."""
    return len(text) * 4 > LIMIT_BYTES and len(text.encode("utf-8", "surrogatepass")) > LIMIT_BYTES


def parse_python(text: str) -> ast.Module:
    """Python's own parse; raises what `ast.parse` raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings are not ours to print
        return ast.parse(text)


def check_python(text: str) -> None:
    """Raise what `parse_python` raises, at a third less cost: Python's parser runs without
    building its tree (its symbol table is built instead, and that is cheap). Only when that
    fails does `ast.parse` run, so that errors beyond the parser's (`nonlocal` at module level)
    count only where `ast.parse` reports them too."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symtable.symtable(text, "<unknown>", "exec")
    except Exception:
        parse_python(text)


_LINE_BREAK = re.compile(r"\r\n?|\n")  # as Python counts lines


class _Lines:
    """Which source lines a text that may hold SQL can come from. A text composed from literals
    is no longer, in UTF-8, than their source, and each of its words is written in the source
    (escapes aside), so only code on the lines the raw patterns hit, or spanning more than 16 KB,
    needs composing."""

    def __init__(self, text: str, lowered: str, raw: tuple[re.Pattern, ...]) -> None:
        spans = [(match.start(), match.end()) for pattern in raw for match in pattern.finditer(lowered)]
        self.sql_like = bool(spans)  # the raw text is worth composing
        self._text = text
        self.large = _over_limit(text)
        self.hit_lines: list[int] = []
        self._hits: list[int] = []  # lines 1..n hit, counted up to each line; empty when none is
        if not self.sql_like and not self.large:
            return  # nothing will be composed
        spans.extend((match.start(), match.end()) for match in _PINLINT.finditer(lowered))
        if not spans:
            return  # a large file without hits: no line needs counting
        starts = _line_starts(lowered)  # lower() keeps line breaks, not always offsets
        hit_lines: set[int] = set()
        for start, end in spans:
            hit_lines.update(range(bisect_right(starts, start), bisect_right(starts, max(start, end - 1)) + 1))
        self.hit_lines = sorted(hit_lines)
        hit = [0] * (len(starts) + 1)
        for line in self.hit_lines:
            hit[line] = 1
        self._hits = list(accumulate(hit))

    @cached_property
    def _starts(self) -> list[int]:
        """Where each line starts in the text, and where it ends: counted only when a large
        file's lines are asked about."""
        return [*_line_starts(self._text), len(self._text)]

    @cached_property
    def _bytes_before(self) -> list[int]:
        """The UTF-8 size of the text before each line (and of all of it): any range of lines is
        measured without encoding it again, however many nodes share one long line."""
        starts = self._starts
        sizes = (len(self._text[a:b].encode("utf-8", "surrogatepass")) for a, b in zip(starts, starts[1:]))
        return [0, *accumulate(sizes)]

    def relevant(self, first: int, last: int) -> bool:
        """Whether code on lines ``first`` to ``last`` can compose a text that may hold SQL."""
        if self._hits and self._hits[last] > self._hits[first - 1]:
            return True
        if not self.large:
            return False
        return self._bytes_before[last] - self._bytes_before[first - 1] > LIMIT_BYTES


_PINLINT = re.compile("pinlint")  # `may_hold_sql` keeps texts that mention it


def _line_starts(text: str) -> list[int]:
    """Where each line starts; Python counts `\\r\\n`, `\\r` and `\\n` as line breaks."""
    if "\r" in text:
        return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
    return [0, *map(add, accumulate(map(len, text.split("\n")[:-1])), count(1))]


def _texts_of_logical_lines(text: str, lines: _Lines, test_module: bool = False) -> list[str] | None:
    """`_sql_texts` of only the logical lines that hold a line that matters, each parsed on its
    own: the same texts, as every expression lies within one logical line and what excludes one
    (a docstring, an assert, a sink's call) lies within it too. None when the source cannot be
    cut by `logical_lines`, or a line cannot be parsed alone (a clause such as `elif`)."""
    cut = logical_lines(text)
    if cut is None:
        return None
    if "\r" in text:
        breaks = [len(_LINE_BREAK.findall(line)) for line in cut]
    else:
        breaks = list(map(str.count, cut, repeat("\n")))
    firsts = list(accumulate(breaks, initial=1))[:-1]  # the physical line each starts on
    chosen = {bisect_right(firsts, line) - 1 for line in lines.hit_lines}
    if lines.large:
        chosen.update(index for index, line in enumerate(cut) if _over_limit(line))
    texts: list[str] = []
    for index in sorted(chosen):
        try:
            texts.extend(_sql_texts(_parse_logical_line(cut[index]), lines, firsts[index] - 1, test_module))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    return texts


# The end of a compound statement's header: past it goes a body. A `#` inside a string on that
# line leaves the string unclosed, so the header cannot parse by mistake.
# Blanks are tried from their first only, so a long run of them is not scanned once per blank.
_HEADER_END = re.compile(r"(?<![ \t\f])[ \t\f]*(?:\#[^\r\n]*)?(?:\r\n|\r|\n)?\Z")


def _parse_logical_line(line: str) -> ast.Module:
    """One logical line parsed on its own, into the same nodes it has in its file; raises what
    `parse_python` raises when it cannot be (a clause such as `else:`)."""
    source = line.lstrip(" \t\f")
    if source.startswith("@"):
        # A decorator's expression, assigned: an expression statement would stand for a docstring.
        return parse_python("_=" + source[1:])
    try:
        return parse_python(source)
    except SyntaxError:
        return parse_python(_HEADER_END.sub(" pass", source, count=1))


_DECORATED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _sql_texts(tree: ast.Module, lines: _Lines, offset: int = 0, test_module: bool = False) -> list[str]:
    """Every text the visitor could take as SQL on the ``lines`` that matter: each string, and
    each expression built from strings (`+`, `%`, `.format()`, f-strings) composed as
    `pinlint.python.strings` composes it. Its str.format fields stay as written: whatever they
    could match, the text here matches too. In a test module, the texts of scenario tables are
    `DataText`s."""
    texts: list[str] = []
    stack: list[tuple[ast.AST, str]] = [(tree, CODE)]
    while stack:
        node, context = stack.pop()
        kind = type(node)
        first = getattr(node, "lineno", None)
        if kind in _DECORATED and node.decorator_list:  # type: ignore[attr-defined]
            first = node.decorator_list[0].lineno  # type: ignore[attr-defined]  # its `lineno` is the `def` line
        if first is not None and not lines.relevant(first + offset, node.end_lineno + offset):  # type: ignore[attr-defined]
            continue
        if kind is ast.Constant or kind is ast.JoinedStr:
            text = _compose(node)  # what is inside an f-string's fields is never taken as SQL
            if text is not None:
                texts.append(DataText(text) if context == DATA else text)
            continue
        if _never_sql(node, kind):
            continue
        if kind is ast.BinOp or kind is ast.Call:
            text = _compose(node)
            if text is not None:
                texts.append(DataText(text) if context == DATA else text)
        if test_module:
            context = _context_of(node, kind, context)
        stack.extend((child, context) for child in ast.iter_child_nodes(node))
    return texts


def _context_of(node: ast.AST, kind: type, around: str) -> str:
    """What the strings under a node of a test module are, as the visitor judges them."""
    if kind is ast.List or kind is ast.Tuple or kind is ast.Set or kind is ast.Dict:
        return collection_context(around)
    if kind is ast.Call:
        func = node.func  # type: ignore[attr-defined]
        if type(func) is ast.Attribute:
            return call_context(around, func.attr, True)
        return call_context(around, func.id if type(func) is ast.Name else "", False)
    return around


def _compose(node: ast.AST) -> str | None:
    kind = type(node)
    if kind is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        if type(value) is str:
            return value
        return value.decode("utf-8", "replace") if type(value) is bytes else None
    if kind is ast.JoinedStr:
        return "".join(_compose(part) or "" if type(part) is ast.Constant else HOLE for part in node.values)  # type: ignore[attr-defined]
    if kind is ast.BinOp:
        operator = type(node.op)  # type: ignore[attr-defined]
        if operator is ast.Add:
            left, right = _compose(node.left), _compose(node.right)  # type: ignore[attr-defined]
            if left is None and right is None:
                return None
            return (HOLE if left is None else left) + (HOLE if right is None else right)
        if operator is ast.Mod:
            return _compose(node.left)  # type: ignore[attr-defined]
    if kind is ast.Call:
        func = node.func  # type: ignore[attr-defined]
        if type(func) is ast.Attribute and func.attr == "format":
            return _compose(func.value)
    return None


def _never_sql(node: ast.AST, kind: type) -> bool:
    """Subtrees the visitor does not take SQL from (see `pinlint.python.visitor`)."""
    if kind is ast.Expr:
        return type(node.value) in (ast.Constant, ast.JoinedStr)  # type: ignore[attr-defined]
    if kind is ast.Assert or kind is ast.Raise or kind is ast.Compare:
        return True
    if kind is ast.keyword:
        return node.arg in PROSE_KEYWORDS or node.arg in MOCK_ATTRIBUTES  # type: ignore[attr-defined]
    if kind is ast.Assign:  # `cursor.fetchone.return_value = (...)`
        return any(type(t) is ast.Attribute and t.attr in MOCK_ATTRIBUTES for t in node.targets)  # type: ignore[attr-defined]
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
