"""Split SQL text into statements and comments with sqlglot's tokenizer.

The tokenizer, not the parser, is the source of truth here: sqlglot's parser reads `LISTEN ch`,
`DISCARD ALL` and `DEALLOCATE ALL` as column aliases and refuses `NOTIFY` and `UNLISTEN *`,
while its tokenizer handles every statement pinlint cares about, including string literals,
`$$` bodies and nested comments. Comments never reach a statement: they are recovered from the
gaps between tokens, with their offsets, for suppressions and MySQL executable comments.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

WORD = "word"
QIDENT = "qident"
STRING = "string"
NUMBER = "number"
PARAM = "param"
PUNCT = "punct"

POSTGRES = "postgres"
MYSQL = "mysql"
DIALECTS = (POSTGRES, MYSQL)

# DB-API placeholders are not SQL: `%(name)s` would read as a modulo and a parenthesis.
_PYFORMAT = re.compile(r"%%|%\([^)\n]*\)s|%s")
_WORDS = re.compile(r"\S+")
_PARAM_TYPES = {"PARAMETER", "PLACEHOLDER", "SESSION_PARAMETER"}
_PUNCT_TYPES = {
    "L_PAREN", "R_PAREN", "L_BRACKET", "R_BRACKET", "L_BRACE", "R_BRACE", "COMMA", "SEMICOLON",
    "DOT", "EQ", "COLON_EQ", "COLON", "DCOLON", "STAR", "MOD", "PLUS", "DASH", "SLASH", "LT",
    "GT", "LTE", "GTE", "NEQ", "PIPE", "AMP", "CARET", "TILDA", "DPIPE", "ARROW", "DARROW",
}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # for strings: the content without quotes
    start: int  # offset of the token's first character in the SQL text
    end: int  # offset just past its last character
    body_start: int = -1  # `$tag$` bodies: where the body text starts

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == WORD else ""


@dataclass(frozen=True, slots=True)
class Comment:
    text: str  # including its delimiters
    start: int
    end: int
    own_line: bool  # nothing but whitespace before it on its line


@dataclass
class SqlText:
    """One piece of SQL source: a `.sql` file, or the text of a Python string."""

    source: str
    dialect: str
    tokens: list[Token]
    comments: list[Comment]
    complete: bool  # False when the tokenizer stopped early (unterminated quote)
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def line_of(self, offset: int) -> int:
        """1-based line of an offset."""
        if not self._line_starts:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.source)]
        return bisect.bisect_right(self._line_starts, offset)

    def column_of(self, offset: int) -> int:
        """1-based column of an offset."""
        line = self.line_of(offset)
        return offset - self._line_starts[line - 1] + 1


@dataclass
class Statement:
    sql: SqlText
    tokens: list[Token]

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def text(self) -> str:
        return self.sql.source[self.start : self.end]

    @property
    def dialect(self) -> str:
        return self.sql.dialect

    @property
    def outer_tokens(self) -> list[Token]:
        """The tokens outside a routine body (`BEGIN ATOMIC ... END`, MySQL `BEGIN ... END`)."""
        if _defines_routine(self.tokens):
            for index, token in enumerate(self.tokens):
                if token.upper == "BEGIN":
                    return self.tokens[:index]
        return self.tokens

    def word(self, index: int) -> str:
        """The upper-cased keyword or name at ``index``, or "" for anything else."""
        return self.tokens[index].upper if 0 <= index < len(self.tokens) else ""

    def words(self, start: int, count: int) -> tuple[str, ...]:
        return tuple(self.word(i) for i in range(start, start + count))

    def starts_with(self, *words: str) -> bool:
        return self.words(0, len(words)) == words


@lru_cache(maxsize=None)
def _tokenizer_class(dialect: str):
    from sqlglot.dialects import MySQL, Postgres

    base = (MySQL if dialect == MYSQL else Postgres)().tokenizer_class
    # sqlglot swallows the rest of a "command" (EXECUTE, DO, RESET, ...) as one string token;
    # pinlint needs those statements' words.
    return type(f"Pinlint{base.__name__}", (base,), {"COMMANDS": set()})


def _mask_placeholders(text: str) -> str:
    return _PYFORMAT.sub(lambda m: m.group() if m.group() == "%%" else "_" * len(m.group()), text)


def lex(source: str, dialect: str = POSTGRES) -> SqlText:
    """Tokenize ``source``; never raises on odd SQL, it keeps what it could read."""
    from sqlglot.errors import TokenError

    tokenizer = _tokenizer_class(dialect)()
    complete = True
    try:
        raw = tokenizer.tokenize(_mask_placeholders(source))
    except TokenError:
        raw = list(tokenizer.tokens)
        complete = False
    except Exception:  # sqlglot has raised other errors on pathological input; keep going
        raw = list(getattr(tokenizer, "tokens", []))
        complete = False
    tokens = [piece for token in raw for piece in _convert(source, token)]
    comments = _comments_between(source, tokens, dialect, complete)
    return SqlText(source, dialect, tokens, comments, complete)


def _convert(source: str, token) -> list[Token]:
    type_name = token.token_type.name
    start, end = token.start, token.end + 1
    if type_name.endswith("STRING"):
        kind = STRING
        if type_name == "HEREDOC_STRING":
            # The token's span includes `$tag$`; keep the body's own offset for routine bodies.
            return [Token(STRING, token.text, start, end, source.find("$", start + 1) + 1)]
    elif type_name == "IDENTIFIER":
        kind = QIDENT
    elif type_name == "NUMBER":
        kind = NUMBER
    elif type_name in _PARAM_TYPES:
        kind = PARAM
    elif type_name in _PUNCT_TYPES or not token.text[:1].isalnum() and token.text[:1] != "_":
        kind = PUNCT
    else:
        # Multi-word keywords ("LOCK TABLES", "ORDER BY") become one word per word.
        return [Token(WORD, m.group(), m.start(), m.end()) for m in _WORDS.finditer(source, start, end)] or [
            Token(WORD, token.text, start, end)
        ]
    return [Token(kind, token.text, start, end)]


def _comments_between(source: str, tokens: list[Token], dialect: str, complete: bool) -> list[Comment]:
    comments: list[Comment] = []
    edges = [0] + [t.end for t in tokens]
    ends = [t.start for t in tokens]
    ends.append(len(source) if complete else edges[-1])
    for gap_start, gap_end in zip(edges, ends):
        comments.extend(_scan_gap(source, gap_start, gap_end, dialect))
    return comments


def _scan_gap(source: str, start: int, end: int, dialect: str) -> list[Comment]:
    found = []
    index = start
    while index < end:
        char = source[index]
        if source.startswith("--", index) or (dialect == MYSQL and char == "#"):
            stop = source.find("\n", index, end)
            stop = end if stop < 0 else stop
        elif source.startswith("/*", index):
            stop = _block_comment_end(source, index, end, nested=dialect == POSTGRES)
        else:
            index += 1
            continue
        line_start = source.rfind("\n", 0, index) + 1
        own_line = source[line_start:index].strip() == ""
        found.append(Comment(source[index:stop], index, stop, own_line))
        index = stop
    return found


def _block_comment_end(source: str, index: int, end: int, nested: bool) -> int:
    depth = 0
    while index < end:
        if source.startswith("/*", index):
            depth = depth + 1 if nested or depth == 0 else depth
            index += 2
        elif source.startswith("*/", index):
            depth -= 1
            index += 2
            if depth == 0:
                return index
        else:
            index += 1
    return end


# Statements with a body of their own may hold semicolons that do not end them.
_ROUTINE_KINDS = {"FUNCTION", "PROCEDURE", "TRIGGER", "EVENT"}
_BLOCK_CLOSERS = {"IF", "LOOP", "WHILE", "REPEAT", "FOR"}


def statements(sql: SqlText) -> list[Statement]:
    """Split on `;`, keeping `BEGIN ... END` routine bodies (BEGIN ATOMIC, MySQL) in one piece."""
    result: list[Statement] = []
    current: list[Token] = []
    depth = 0
    tokens = sql.tokens
    skip_until = -1
    for index, token in enumerate(tokens):
        if token.start < skip_until:
            continue
        if token.upper == "DELIMITER" and sql.dialect == MYSQL and _starts_line(sql.source, token.start):
            # A mysql client directive, not SQL: it ends the statement before it.
            line_end = sql.source.find("\n", token.start)
            skip_until = len(sql.source) if line_end < 0 else line_end
            if current:
                result.append(Statement(sql, current))
            current, depth = [], 0
            continue
        if token.kind == PUNCT and token.text == ";" and depth <= 0:
            if current:
                result.append(Statement(sql, current))
            current, depth = [], 0
            continue
        current.append(token)
        if _defines_routine(current):
            word = token.upper
            if word in ("BEGIN", "CASE"):
                depth += 1
            elif word == "END" and depth > 0:
                following = tokens[index + 1].upper if index + 1 < len(tokens) else ""
                if following not in _BLOCK_CLOSERS:
                    depth -= 1
    if current:
        result.append(Statement(sql, current))
    return result


def _starts_line(source: str, offset: int) -> bool:
    return source[source.rfind("\n", 0, offset) + 1 : offset].strip() == ""


def _defines_routine(tokens: list[Token]) -> bool:
    if not tokens or tokens[0].upper != "CREATE":
        return False
    return any(t.upper in _ROUTINE_KINDS for t in tokens[1:6])
