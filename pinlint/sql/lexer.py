"""Split SQL text into statements and comments with sqlglot's tokenizer.

The tokenizer, not the parser, is the source of truth here: sqlglot's parser reads `LISTEN ch`,
`DISCARD ALL` and `DEALLOCATE ALL` as column aliases and refuses `NOTIFY` and `UNLISTEN *`,
while its tokenizer handles every statement pinlint cares about, including string literals,
`$$` bodies and nested comments. Comments never reach a statement: they are recovered from the
gaps between tokens, with their offsets, for suppressions and MySQL executable comments.

A `.sql` file is a script: first the template it may be written as (Jinja, Python format fields:
`pinlint.sql.templates`) is read, then what psql reads. psql's meta-commands (`\\set x 1`,
`\\c db`) run to the end of their line or to a `\\\\` separator outside their quoted arguments,
and the data after `COPY ... FROM stdin;` or `\\copy ... from stdin` runs to a line `\\.`. Neither
is SQL: both are blanked out before tokenizing, and psql variables (`:name`, `:'name'`) become
holes like template fields, so every offset stays the source's. Lines end at `\\n`, `\\r\\n` or a
lone `\\r`.

Every scan here is linear in its input: pathological SQL (unclosed comments and quotes, long
runs of placeholders, thousands of comments on one line) comes from strangers' pull requests.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pinlint.sql.templates import read_template

WORD = "word"
QIDENT = "qident"
STRING = "string"
NUMBER = "number"
PARAM = "param"
PUNCT = "punct"

POSTGRES = "postgres"
MYSQL = "mysql"
DIALECTS = (POSTGRES, MYSQL)

# DB-API placeholders are not SQL: `%(name)s` would read as a modulo and a parenthesis. A name
# stops at the next `%`, so a run of `%(` that never closes is read once, not once per `%(`.
_PYFORMAT = re.compile(r"%%|%\([^)%\n]*\)s|%s")
# PostgreSQL's positional parameters. sqlglot reads `$1,$2` as a dollar quote tagged `1,`, which
# swallows the rest of the text (asyncpg queries and server-log digests are full of them): their
# `$` is read as `?`, a placeholder of the same length and the same kind.
_POSITIONAL = re.compile(r"(?<![\w$])\$(?=\d)")
_LINE_BREAK = re.compile(r"\r\n?|\n")
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
    # A template's spans that only some of its branches produce, in order (`pinlint.sql.templates`).
    conditional: tuple[tuple[int, int], ...] = ()

    def line_of(self, offset: int) -> int:
        """1-based line of an offset."""
        if not self._line_starts:
            self._line_starts = line_starts(self.source)
        return bisect.bisect_right(self._line_starts, offset)

    def line_start_of(self, offset: int) -> int:
        """The offset where the line holding ``offset`` starts."""
        return self._line_starts[self.line_of(offset) - 1]

    def column_of(self, offset: int) -> int:
        """1-based column of an offset."""
        return offset - self.line_start_of(offset) + 1


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


def _mask_placeholders(text: str, dialect: str) -> str:
    masked = _PYFORMAT.sub(lambda m: m.group() if m.group() == "%%" else "_" * len(m.group()), text)
    return _POSITIONAL.sub("?", masked) if dialect == POSTGRES else masked


def line_starts(text: str) -> list[int]:
    """The offset of every line's first character; `\\r\\n`, `\\n` and a lone `\\r` end a line."""
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


def lex(source: str, dialect: str = POSTGRES, script: bool = False) -> SqlText:
    """Tokenize ``source``; never raises on odd SQL, it keeps what it could read.

    ``script``: the text is a `.sql` file: a template, then what psql runs, whose meta-commands
    and COPY data are not SQL.
    """
    from sqlglot.errors import TokenError

    readable, conditional = source, ()
    if script:
        template = read_template(source)
        readable, conditional = template.text, template.conditional
        if dialect == POSTGRES:
            readable = _blank_psql_lines(readable)
    tokenizer = _tokenizer_class(dialect)()
    complete = True
    try:
        raw = tokenizer.tokenize(_mask_placeholders(readable, dialect))
    except TokenError:
        raw = list(tokenizer.tokens)
        complete = False
    except Exception:  # sqlglot has raised other errors on pathological input; keep going
        raw = list(getattr(tokenizer, "tokens", []))
        complete = False
    tokens = _positional_parameters([piece for token in raw for piece in _convert(readable, token)])
    if readable is not source:
        tokens = _without_leading_holes(source, tokens)
    starts = line_starts(source)
    comments = _comments_between(readable, tokens, dialect, complete, starts)
    if readable is not source:  # a comment is what its author wrote, template fields and all
        comments = [replace(c, text=source[c.start : c.end]) for c in comments]
    return SqlText(source, dialect, tokens, comments, complete, starts, conditional)


def _positional_parameters(tokens: list[Token]) -> list[Token]:
    """`$1` as one placeholder (the tokenizer reads a `$` and a number), so `SET x TO $1` holds
    one value as `SET x TO %s` does."""
    joined: list[Token] = []
    for token in tokens:
        previous = joined[-1] if joined else None
        if token.kind == NUMBER and previous is not None and previous.kind == PARAM and previous.text == "$" and previous.end == token.start:
            joined[-1] = Token(PARAM, "$" + token.text, previous.start, token.end)
        else:
            joined.append(token)
    return joined


def _without_leading_holes(source: str, tokens: list[Token]) -> list[Token]:
    """Drop the holes a script's template puts before a statement's first word: dbt's
    `{{ config(...) }}` or `{{ sql_header }}` is no part of the `create ...` after it."""
    kept: list[Token] = []
    for token in tokens:
        at_start = not kept or kept[-1].kind == PUNCT and kept[-1].text == ";"
        if at_start and _is_template_hole(source, token):
            continue
        kept.append(token)
    return kept


def _is_template_hole(source: str, token: Token) -> bool:
    return token.kind == WORD and token.text.strip("_") == "" and source[token.start : token.end] != token.text


def lex_span(sql: SqlText, start: int, end: int, dialect: str) -> SqlText:
    """Tokenize only ``sql.source[start:end]``, in ``dialect``: a piece of a text that another
    engine's syntax claims. Offsets stay the whole source's, so the piece's findings are placed
    in it as the rest are."""
    piece = lex(sql.source[start:end], dialect)
    tokens = [
        Token(t.kind, t.text, t.start + start, t.end + start, t.body_start + start if t.body_start >= 0 else -1)
        for t in piece.tokens
    ]
    comments = [Comment(c.text, c.start + start, c.end + start, c.own_line) for c in piece.comments]
    return SqlText(sql.source, dialect, tokens, comments, piece.complete, sql._line_starts or line_starts(sql.source))


# ASCII letters, digits and `_`, and every other character, named by the ASCII they exclude: a
# class that spells out the range up to U+10FFFF takes milliseconds to compile, in every process.
_WORD_CHAR = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
_WORD_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"  # the same but digits
_IDENTIFIER_CHAR_CLASS = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"  # the same and `$`
# What psql's own lexer stops at: quotes, comments, dollar quotes, backslashes, semicolons, and
# variables (`:name`, `:'name'`, `:"name"`, `:{?name}`; never the second colon of a `::` cast).
_PSQL_VARIABLE = rf"""(?<!:):(?:{_WORD_CHAR}+|'{_WORD_CHAR}+'|"{_WORD_CHAR}+"|\{{\?{_WORD_CHAR}+\}})"""
_PSQL_SPECIAL = re.compile(
    rf"""[Ee]'|'|"|--|/\*|\$(?:{_WORD_START}{_WORD_CHAR}*)?\$|\\|;|""" + _PSQL_VARIABLE
)
_IDENTIFIER_CHAR = re.compile(_IDENTIFIER_CHAR_CLASS)
# Meta-commands whose argument is the whole line, a `\\\\` included; `\\g |cmd` and the like too.
_WHOLE_LINE_COMMANDS = re.compile(
    r"\\(?:!|(?:copy|ef|ev|sf|sv|h|help)(?![A-Za-z])|(?:g|gx|o|out|w|write)[ \t]+\|)", re.IGNORECASE
)
# Meta-commands that send the query buffer: they end the statement before them, as `;` does.
_SENDS_QUERY = re.compile(r"\\(?:g|gx|gset|gexec|gdesc|crosstabview|watch)(?![A-Za-z])")
_COPY_FROM_STDIN = re.compile(r"\s*copy\s.*\sfrom\s+stdin\b", re.IGNORECASE | re.DOTALL)
# `\copy ... from stdin` in a script reads its data from the script, as COPY does (`pstdin` does not).
_META_COPY_FROM_STDIN = re.compile(r"\\copy\s.*\sfrom\s+stdin\b", re.IGNORECASE)
# Inside a meta-command's arguments: quotes, and the `\\` that hands the rest of the line back to SQL.
_META_ARGUMENT_SPECIAL = re.compile(r"""['"`]|\\\\""")
_END_OF_COPY_DATA = re.compile(r"(?:^|(?<=[\r\n]))\\\.[ \t]*(?:\r\n?|\n|$)")
_NOT_LINE_BREAK = re.compile(r"[^\r\n]")


def _blank_psql_lines(source: str) -> str:
    """``source`` with psql meta-commands and COPY data turned into spaces (line breaks kept).

    A meta-command that sends the query (`\\g`, `\\gset`, ...) becomes a `;` and spaces; a
    variable becomes a hole, underscores.
    """
    blanks: list[tuple[int, int, str, str]] = []  # start, end, what the first character and the rest become
    statement: list[str] = []  # the current statement's text outside quotes and comments
    index = 0
    while match := _PSQL_SPECIAL.search(source, index):
        statement.append(source[index : match.start()])
        found, index = match.group(), match.end()
        if found.startswith(":"):
            blanks.append((match.start(), index, "_", "_"))
        elif found.endswith("'"):
            escapes = found[0] in "Ee" and not (match.start() > 0 and _IDENTIFIER_CHAR.match(source, match.start() - 1))
            index = _quote_end(source, index, "'", escapes)
        elif found == '"':
            index = _quote_end(source, index, '"', False)
        elif found == "--":
            index = _line_end(source, index, len(source))
        elif found == "/*":
            index = _block_comment_end(source, match.start(), len(source), nested=True)
        elif found.startswith("$"):
            if match.start() > 0 and _IDENTIFIER_CHAR.match(source, match.start() - 1):
                index = match.start() + 1  # `a$b$`: a dollar inside a name, not a quote
                continue
            close = source.find(found, index)
            index = len(source) if close < 0 else close + len(found)
        elif found == "\\" and source.startswith(";", index):
            blanks.append((match.start(), index, " ", " "))  # `\\;` puts a plain `;` in the query
        elif found == "\\":
            sends = _SENDS_QUERY.match(source, match.start())
            index = _meta_command_end(source, match.start())
            blanks.append((match.start(), index, ";" if sends else " ", " "))
            if sends:
                index = _after_statement(source, index, statement, blanks)
                statement = []
            elif _META_COPY_FROM_STDIN.match(source, match.start(), index):
                index = _after_copy(source, index, blanks)
        else:
            index = _after_statement(source, index, statement, blanks)
            statement = []
    if not blanks:
        return source
    pieces, kept_from = [], 0
    for start, end, first, rest in blanks:
        pieces.append(source[kept_from:start])
        pieces.append(first + _NOT_LINE_BREAK.sub(rest, source[start + 1 : end]))
        kept_from = end
    pieces.append(source[kept_from:])
    return "".join(pieces)


def _after_statement(source: str, index: int, statement: list[str], blanks: list[tuple[int, int, str, str]]) -> int:
    """Where SQL resumes after a statement that ends at ``index``: past the data of a
    `COPY ... FROM stdin`."""
    if not _COPY_FROM_STDIN.match(" ".join(statement)):
        return index
    return _after_copy(source, index, blanks)


def _after_copy(source: str, index: int, blanks: list[tuple[int, int, str, str]]) -> int:
    """Past COPY data, which starts on the line after ``index`` and ends at a line `\\.` (or the file)."""
    data_start = _line_end(source, index, len(source))
    data_end = _END_OF_COPY_DATA.search(source, data_start)
    end = data_end.end() if data_end else len(source)
    blanks.append((data_start, end, source[data_start : data_start + 1], " "))
    return end


def _quote_end(source: str, index: int, quote: str, escapes: bool) -> int:
    """Just past the quote that closes a literal whose content starts at ``index``."""
    while True:
        close = source.find(quote, index)
        if close < 0:
            return len(source)
        if escapes:
            backslashes = close - index - len(source[index:close].rstrip("\\"))
            if backslashes % 2:
                index = close + 1
                continue
        if source.startswith(quote, close + 1):  # a doubled quote stands for itself
            index = close + 2
            continue
        return close + 1


def _meta_command_end(source: str, start: int) -> int:
    """A meta-command runs to the end of its line, or to a `\\\\` outside its quoted arguments
    (`\\set dir 'C:\\\\tmp'` is one argument) that hands the line back to SQL."""
    end = _line_end(source, start, len(source))
    if _WHOLE_LINE_COMMANDS.match(source, start):
        return end
    index = start + 1
    while match := _META_ARGUMENT_SPECIAL.search(source, index, end):
        if match.group() == "\\\\":
            return match.end()
        index = _meta_quote_end(source, match.end(), end, match.group())
    return end


def _meta_quote_end(source: str, index: int, end: int, quote: str) -> int:
    """Just past a quoted meta-command argument whose text starts at ``index``; quotes never
    span lines. In single quotes a backslash escapes the next character; any quote doubles."""
    while (close := source.find(quote, index, end)) >= 0:
        if quote == "'" and (close - index - len(source[index:close].rstrip("\\"))) % 2:
            index = close + 1
        elif source.startswith(quote, close + 1):
            index = close + 2
        else:
            return close + 1
    return end


def _convert(source: str, token) -> list[Token]:
    type_name = token.token_type.name
    start, end = token.start, token.end + 1
    if type_name.endswith("STRING"):
        kind = STRING
        if type_name == "HEREDOC_STRING":
            # The token's span includes `$tag$`; keep the body's own offset for routine bodies,
            # and its text as written: `format('%s', ...)` in a body is no DB-API placeholder.
            body_start = source.find("$", start + 1) + 1
            return [Token(STRING, source[body_start : end - (body_start - start)], start, end, body_start)]
    elif type_name == "IDENTIFIER":
        kind = QIDENT
    elif type_name == "NUMBER":
        kind = NUMBER
    elif type_name in _PARAM_TYPES:
        return [Token(PARAM, source[start:end], start, end)]  # as written: `$`, not the `?` it was read as
    elif type_name in _PUNCT_TYPES or not token.text[:1].isalnum() and token.text[:1] != "_":
        kind = PUNCT
    else:
        # Multi-word keywords ("LOCK TABLES", "ORDER BY") become one word per word.
        return [Token(WORD, m.group(), m.start(), m.end()) for m in _WORDS.finditer(source, start, end)] or [
            Token(WORD, token.text, start, end)
        ]
    return [Token(kind, token.text, start, end)]


def _comments_between(
    source: str, tokens: list[Token], dialect: str, complete: bool, starts: list[int]
) -> list[Comment]:
    comments: list[Comment] = []
    edges = [0] + [t.end for t in tokens]
    ends = [t.start for t in tokens]
    ends.append(len(source) if complete else edges[-1])
    for gap_start, gap_end in zip(edges, ends):
        comments.extend(_scan_gap(source, gap_start, gap_end, dialect, starts))
    return comments


_GAP_COMMENT_START = {POSTGRES: re.compile(r"--|/\*"), MYSQL: re.compile(r"--|/\*|#")}


def _scan_gap(source: str, start: int, end: int, dialect: str, starts: list[int]) -> list[Comment]:
    found = []
    index = start
    previous_end = start  # where the token or comment before this comment ends
    while match := _GAP_COMMENT_START[dialect].search(source, index, end):
        index = match.start()
        if match.group() == "/*":
            stop = _block_comment_end(source, index, end, nested=dialect == POSTGRES)
        else:
            stop = _line_end(source, index, end)
        line_start = starts[bisect.bisect_right(starts, index) - 1]
        # Only the part of the line inside this gap is looked at, so each character once.
        own_line = previous_end <= line_start and source[line_start:index].strip() == ""
        found.append(Comment(source[index:stop], index, stop, own_line))
        index = previous_end = stop
    return found


def _line_end(source: str, index: int, end: int) -> int:
    """Where the line holding ``index`` ends (before its line break), but not past ``end``."""
    match = _LINE_BREAK.search(source, index, end)
    return match.start() if match else end


_COMMENT_DELIMITER = re.compile(r"/\*|\*/")


def _block_comment_end(source: str, index: int, end: int, nested: bool) -> int:
    depth = 0
    for match in _COMMENT_DELIMITER.finditer(source, index, end):
        if match.group() == "/*":
            depth = depth + 1 if nested or depth == 0 else depth
        else:
            depth -= 1
            if depth == 0:
                return match.end()
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
        if token.upper == "DELIMITER" and sql.dialect == MYSQL and _starts_line(sql, tokens, index):
            # A mysql client directive, not SQL: it ends the statement before it.
            skip_until = _line_end(sql.source, token.start, len(sql.source))
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


def _starts_line(sql: SqlText, tokens: list[Token], index: int) -> bool:
    """Whether nothing but blanks comes before ``tokens[index]`` on its line."""
    offset = tokens[index].start
    line_start = sql.line_start_of(offset)
    if index > 0 and tokens[index - 1].end > line_start:
        return False
    # The previous token ends before the line: only this gap's part of the line is read.
    return sql.source[line_start:offset].strip() == ""


def _defines_routine(tokens: list[Token]) -> bool:
    if not tokens or tokens[0].upper != "CREATE":
        return False
    return any(t.upper in _ROUTINE_KINDS for t in tokens[1:6])
