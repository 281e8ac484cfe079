"""SQL a PL/pgSQL body builds and runs: `EXECUTE 'LISTEN jobs'`,
`EXECUTE format('CREATE TEMP TABLE %I (id int)', name)`, `EXECUTE 'SET search_path = ' || quote_ident(s)`.

The executed text is composed from the string literals of the `EXECUTE` argument, joined by
`||`, with their quotes undone; every other part (a variable, `quote_ident(...)`) is a hole,
`__`. `format()`'s `%I`, `%L` and `%s` take the argument they name when it is a literal
(`format('SELECT set_config(%L, %L, %L)', 'search_path', v, 'false')` runs
`SELECT set_config('search_path', __, 'false')`) and are holes otherwise. An offset in the
composed text maps back to the body: into a literal exactly, elsewhere to the part it stands for.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterator

from pinlint.sql.lexer import POSTGRES, PUNCT, STRING, SqlText, Token, statements

HOLE = "__"  # as `pinlint.python.strings` writes a value known only at run time
# format()'s specifiers: %[position$][-][width]type, the width a number, `*` or `*position$`.
_FORMAT_SPECIFIER = re.compile(r"%%|%(?:(?P<position>\d+)\$)?-?(?P<width>\d+|\*(?:\d+\$)?)?(?P<type>[sIL])")
_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_$]*")
_ARGUMENT_ENDS = {"INTO", "USING", "LOOP"}  # `FOR r IN EXECUTE ... LOOP`


@dataclass(frozen=True)
class ExecutedSql:
    text: str
    _starts: tuple[int, ...]  # where each piece starts in ``text``
    _origins: tuple[int, ...]  # where each piece starts in the body
    _literal: tuple[bool, ...]  # False for a hole

    def body_offset(self, offset: int) -> int:
        """Where ``offset`` in the executed text comes from in the body."""
        index = max(bisect.bisect_right(self._starts, offset) - 1, 0)
        return self._origins[index] + (offset - self._starts[index] if self._literal[index] else 0)


def executed_sql(body: SqlText) -> Iterator[ExecutedSql]:
    """The SQL text each `EXECUTE` of a PL/pgSQL body runs, where string literals make it."""
    if body.dialect != POSTGRES:
        return
    for stmt in statements(body):
        tokens = stmt.tokens
        index = 0
        while index < len(tokens):
            if tokens[index].upper != "EXECUTE":
                index += 1
                continue
            parts, index = _argument(tokens, index + 1)
            executed = _compose(body.source, parts) if parts[0] else None
            if executed is not None:
                yield executed


def _argument(tokens: list[Token], start: int) -> tuple[list[list[Token]], int]:
    """The `||`-separated parts of the expression after `EXECUTE`, up to `INTO`, `USING` or
    `LOOP`, and where it ends."""
    parts: list[list[Token]] = [[]]
    depth = 0
    index = start
    while index < len(tokens):
        token = tokens[index]
        if token.kind == PUNCT and token.text in ("(", "["):
            depth += 1
        elif token.kind == PUNCT and token.text in (")", "]"):
            depth -= 1
        elif depth == 0 and token.upper in _ARGUMENT_ENDS:
            break
        elif depth == 0 and token.kind == PUNCT and token.text == "||":
            parts.append([])
            index += 1
            continue
        parts[-1].append(token)
        index += 1
    return parts, index


def _compose(source: str, parts: list[list[Token]]) -> ExecutedSql | None:
    pieces: list[tuple[str, int, bool]] = []  # text, origin, literal
    for part in parts:
        literal = _literal_pieces(source, part)
        if literal is None:
            pieces.append((HOLE, part[0].start if part else 0, False))
        else:
            pieces.extend(literal)
    if not any(literal for _, _, literal in pieces):
        return None
    starts, at = [], 0
    for text, _, _ in pieces:
        starts.append(at)
        at += len(text)
    return ExecutedSql(
        "".join(text for text, _, _ in pieces), tuple(starts),
        tuple(origin for _, origin, _ in pieces), tuple(literal for _, _, literal in pieces),
    )


def _literal_pieces(source: str, part: list[Token]) -> list[tuple[str, int, bool]] | None:
    """A part's text with where it comes from: a string literal, or what `format('...', ...)`
    makes; None for anything else."""
    if len(part) == 1 and part[0].kind == STRING:
        return _unquoted(source, part[0])
    if len(part) < 4 or part[0].upper != "FORMAT" or part[1].kind != PUNCT or part[1].text != "(":
        return None
    arguments = _call_arguments(part, 1)
    if not arguments or len(arguments[0]) != 1 or arguments[0][0].kind != STRING:
        return None
    template = _unquoted(source, arguments[0][0])
    if template is None:
        return None
    values = [_literal_text(source, argument) for argument in arguments[1:]]
    pieces: list[tuple[str, int, bool]] = []
    following = 0  # the argument a specifier without a position takes
    for text, origin, _ in template:
        at = 0
        for specifier in _FORMAT_SPECIFIER.finditer(text):
            pieces.append((text[at : specifier.start()], origin + at, True))
            value, following = _formatted(specifier, values, following)
            pieces.append((value, origin + specifier.start(), False))
            at = specifier.end()
        pieces.append((text[at:], origin + at, True))
    return pieces


def _call_arguments(tokens: list[Token], opening: int) -> list[list[Token]]:
    """The top-level arguments of the call whose `(` is at ``opening``."""
    arguments: list[list[Token]] = [[]]
    depth = 0
    for token in tokens[opening + 1 :]:
        if token.kind == PUNCT and token.text in ("(", "["):
            depth += 1
        elif token.kind == PUNCT and token.text in (")", "]"):
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and token.kind == PUNCT and token.text == ",":
            arguments.append([])
            continue
        arguments[-1].append(token)
    return arguments if arguments[0] else []


def _literal_text(source: str, argument: list[Token]) -> str | None:
    if len(argument) != 1 or argument[0].kind != STRING:
        return None
    pieces = _unquoted(source, argument[0])
    return None if pieces is None else "".join(text for text, _, _ in pieces)


def _formatted(specifier: re.Match, values: list[str | None], following: int) -> tuple[str, int]:
    """What one specifier writes, and the argument the next one without a position takes."""
    if specifier.group() == "%%":
        return "%", following
    width = specifier.group("width") or ""
    if width.startswith("*"):
        return HOLE, len(values)  # a width taken from the arguments: give up on the rest
    index = int(specifier.group("position")) - 1 if specifier.group("position") else following
    value = values[index] if 0 <= index < len(values) else None
    if value is None:
        return HOLE, index + 1
    kind = specifier.group("type")
    if kind == "L":
        value = "'" + value.replace("'", "''") + "'"
    elif kind == "I" and not _PLAIN_IDENTIFIER.fullmatch(value):
        value = '"' + value.replace('"', '""') + '"'
    return value, index + 1


def _unquoted(source: str, token: Token) -> list[tuple[str, int, bool]] | None:
    """A literal's text in pieces split where a doubled quote stands for one; None for the
    kinds not read here (`E'...'`, bit and national strings)."""
    if token.body_start >= 0:  # $tag$ ... $tag$: no escapes
        tag = token.body_start - token.start
        return [(source[token.body_start : token.end - tag], token.body_start, True)]
    if source[token.start] != "'":
        return None
    pieces = []
    index, stop = token.start + 1, token.end - 1
    while (doubled := source.find("''", index, stop)) >= 0:
        pieces.append((source[index : doubled + 1], index, True))
        index = doubled + 2
    pieces.append((source[index:stop], index, True))
    return pieces
