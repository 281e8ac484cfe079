"""A statement's fingerprint: what stays the same however the code writes it and however a log
shows it.

The same statement reaches a log in many spellings: RDS Proxy digests (`set search_path to
$1,$2,$3`), PostgreSQL's `statement:` lines with the values filled in, extended-protocol
`execute` lines with `$n`, MySQL digests with `?`; and the code writes it with `%s`, `:name` or
an f-string. A fingerprint folds all of that away, token by token (comments and whitespace
never reach it):

- every literal, placeholder (`$1`, `?`, `%s`, `%(name)s`, `:name`) and `true`/`false` is `?`;
  an `IN (...)` list of them is one `?`, and a run of `VALUES` rows one row, however long;
- the value of a `SET` is one `?`, names included (`SET search_path TO tenant_a, public` reads as
  RDS Proxy's `set search_path to $1,$2,$3`);
- words are lower-cased and quoted names lose their quotes.

A `?` remembers the literal it stands for, which equality ignores: a logged
`set_config('jit', ...)` is not sent by the code's `set_config('app.tenant', ...)`, though both
are shown and grouped as `set_config(?, ?, ?)`; a placeholder on either side matches any literal.

The code's composed strings hold `Composed.HOLE` (`__`) where a run-time value goes: a hole
matches any run of tokens (`f"SELECT * FROM {table}"` matches `select * from users`), and a
hole inside a word any characters there.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from pinlint.connections.model import Composed
from pinlint.sql.lexer import NUMBER, PARAM, POSTGRES, QIDENT, STRING, WORD, Token, lex, statements

VALUE = "?"
HOLE = Composed.HOLE
_BOOLEANS = {"true", "false"}
# Where the value of a `SET` starts: after `TO` or `=`, or after the form's own words
# (`TIME ZONE`, `NAMES`, `ROLE`, `SESSION AUTHORIZATION`, `SCHEMA`, `ISOLATION LEVEL`).
_SET_VALUE_AFTER = {"to", "=", "zone", "names", "role", "authorization", "schema", "level"}
_UNDERSCORES = re.compile(r"_{2,}")  # a hole, and the underscores written next to it
_PYFORMAT = re.compile(r"%s|%\([^)]*\)s")
_GLUED_AFTER = {"(", ".", "::"}
_GLUED_BEFORE = {",", ")", ";", ".", "::"}
# Words a `(` after them is not a call of: it keeps its space when shown.
_SPACED_PARENTHESIS = {
    "all", "and", "any", "as", "exists", "filter", "from", "in", "into", "join", "lateral", "not", "on", "or",
    "over", "select", "table", "using", "values", "where", "with", "within",
}



class Statement(tuple):
    """A statement's fingerprint, one string per token. ``literals`` gives, for each token, the
    literal a `?` stands for (None for a placeholder and anything else); equality ignores them."""

    literals: tuple[str | None, ...]

    def __new__(cls, tokens: Iterable[str], literals: Iterable[str | None] = ()) -> Statement:
        statement = super().__new__(cls, tokens)
        statement.literals = tuple(literals) or (None,) * len(statement)
        return statement

    def same_literals(self, other: Statement) -> bool:
        """Whether no literal of the one differs from the other's in the same place."""
        return all(a is None or b is None or a == b for a, b in zip(self.literals, other.literals))


Pair = tuple[str, "str | None"]  # a token of the fingerprint and the literal it stands for


def fingerprints(text: str, dialect: str = POSTGRES) -> tuple[Statement, ...]:
    """The fingerprint of each statement of ``text``."""
    return _fingerprints(text, dialect)


@lru_cache(maxsize=4096)  # logs repeat the same few statements
def _fingerprints(text: str, dialect: str) -> tuple[Statement, ...]:
    return tuple(fingerprint for stmt in statements(lex(text, dialect)) if (fingerprint := of_tokens(stmt.tokens)))


def fingerprint(text: str, dialect: str = POSTGRES) -> str:
    """The whole text's fingerprint as one line: what incidents are grouped and shown by."""
    return "; ".join(render(statement) for statement in fingerprints(text, dialect))


def render(statement: Statement) -> str:
    """A fingerprint as SQL a person reads: `set_config(?, ?, ?)`, not `set_config ( ? , ? , ? )`."""
    pieces: list[str] = []
    for token in statement:
        call = token == "(" and pieces and pieces[-1][-1:].isalnum() and pieces[-1] not in _SPACED_PARENTHESIS
        if pieces and token not in _GLUED_BEFORE and pieces[-1] not in _GLUED_AFTER and not call:
            pieces.append(" ")
        pieces.append(token)
    return "".join(pieces)


def matches(pattern: Statement, statement: Statement) -> bool:
    """Whether the code's ``pattern`` (a fingerprint with holes) can send ``statement``: a hole
    token stands for one or more tokens, a hole inside a word for any characters there."""
    if HOLE not in "".join(pattern):
        return pattern == statement and pattern.same_literals(statement)
    # reachable[j]: the tokens of ``pattern`` seen so far can match the first j of ``statement``.
    reachable = [True] + [False] * len(statement)
    for token, literal in zip(pattern, pattern.literals):
        following = [False] * (len(statement) + 1)
        if _is_hole(token):
            seen = False
            for j in range(1, len(statement) + 1):
                seen = seen or reachable[j - 1]
                following[j] = seen
        else:
            same = _token_matcher(token)
            for j in range(1, len(statement) + 1):
                other = statement.literals[j - 1]
                following[j] = (
                    reachable[j - 1] and same(statement[j - 1]) and (literal is None or other is None or literal == other)
                )
        reachable = following
    return reachable[-1]


def of_tokens(tokens: list[Token]) -> Statement:
    """The fingerprint of one lexed statement."""
    pairs = list(_folded(tokens))
    if pairs and pairs[0][0] == "set":
        start = next((i for i, (word, _) in enumerate(pairs) if i and word in _SET_VALUE_AFTER), None)
        if start is not None and start + 1 < len(pairs):
            pairs = pairs[: start + 1] + [(VALUE, None)]
    pairs = _one_row_of_values(_one_value_per_in_list(pairs))
    return Statement((token for token, _ in pairs), (literal for _, literal in pairs))


def _folded(tokens: list[Token]) -> Iterable[Pair]:
    named = -1  # the name after a `:` placeholder, which the `?` already stands for
    for index, token in enumerate(tokens):
        if index == named:
            continue
        if token.kind in (STRING, NUMBER):
            yield VALUE, token.text
        elif token.kind == PARAM:
            yield VALUE, None
        elif token.kind == WORD:
            word = token.text.lower()
            if word in _BOOLEANS:
                yield VALUE, word
            elif _PYFORMAT.fullmatch(word):
                yield VALUE, None
            else:
                yield word, None
        elif token.kind == QIDENT:
            yield token.text.lower(), None
        elif token.text == ":" and _names_parameter(tokens, index):
            named = index + 1  # SQLAlchemy's `:name`
            yield VALUE, None
        else:
            yield token.text, None


def _names_parameter(tokens: list[Token], colon: int) -> bool:
    following = tokens[colon + 1] if colon + 1 < len(tokens) else None
    return following is not None and following.kind == WORD and following.start == tokens[colon].end


def _one_value_per_in_list(pairs: list[Pair]) -> list[Pair]:
    """`in (?, ?, ?)` -> `in (?)`, standing for no one literal."""
    kept: list[Pair] = []
    index = 0
    while index < len(pairs):
        if [t for t, _ in kept[-3:]] == ["in", "(", VALUE] and [t for t, _ in pairs[index : index + 2]] == [",", VALUE]:
            kept[-1] = (VALUE, None)
            index += 2
            continue
        kept.append(pairs[index])
        index += 1
    return kept


def _one_row_of_values(pairs: list[Pair]) -> list[Pair]:
    """`values (?, ?), (?, ?)` -> `values (?, ?)`: a batch's rows are one row, standing for none
    of their literals."""
    tokens = [token for token, _ in pairs]
    if "values" not in tokens:
        return pairs
    start = tokens.index("values") + 1
    if start >= len(tokens) or tokens[start] != "(" or ")" not in tokens[start:]:
        return pairs
    end = tokens.index(")", start) + 1
    row = tokens[start:end]
    after = end
    while tokens[after : after + 1] == [","] and tokens[after + 1 : after + 1 + len(row)] == row:
        after += 1 + len(row)
    if after == end:
        return pairs
    return pairs[:start] + [(token, None) for token in row] + pairs[after:]


def _is_hole(token: str) -> bool:
    return len(token) >= len(HOLE) and set(token) == {"_"}


@lru_cache(maxsize=1024)
def _token_matcher(token: str):
    if HOLE not in token:
        return token.__eq__
    pattern = re.compile(".*".join(re.escape(part) for part in _UNDERSCORES.split(token)), re.DOTALL)
    return lambda other: pattern.fullmatch(other) is not None

