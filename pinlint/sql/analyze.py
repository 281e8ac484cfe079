"""Run the SQL rules over one SQL text and apply the suppressions written inside it."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from typing import Sequence

from pinlint.diagnostics import Confidence, DialectReading, Evidence, Hit, lowest
from pinlint.drivers.api import HookKind
from pinlint.rules.base import NoTransaction, Rule, SqlContext
from pinlint.sql.classify import STATEMENT_KEYWORDS
from pinlint.sql.dialect import SyntaxSign, read_syntax, sqlite_runs
from pinlint.sql.lexer import WORD, Comment, SqlText, Statement, lex, lex_span, statements
from pinlint.suppression import Coverage, Suppression, directive_in

_LINE_BREAK = re.compile(r"\r\n?|\n")


@dataclass
class SqlAnalysis:
    sql: SqlText
    hits: list[Hit]  # not suppressed inside the text
    suppressions: list[Suppression]
    statements: list[Statement] = field(default_factory=list)


@dataclass
class _Piece:
    """Statements read in one dialect, with what their syntax said (``by_syntax``)."""

    sql: SqlText
    statements: list[Statement]
    evidence: list[tuple[Evidence, ...]]  # per statement
    text_evidence: tuple[Evidence, ...] = ()  # for what the text as a whole shows (its comments)

    @classmethod
    def of(cls, sql: SqlText, sign: SyntaxSign) -> _Piece:
        """A piece of the text re-read in the engine ``sign`` names."""
        evidence = (Evidence("statement", sign.dialect, sign.reason),)
        stmts = statements(sql)
        return cls(sql, stmts, [evidence] * len(stmts), evidence)


def analyze_sql(
    text: str,
    dialect: str,
    rules: Sequence[Rule],
    confidence: Confidence = Confidence.HIGH,
    strict: bool = False,
    hook: HookKind | None = None,
    script: bool = False,
    no_transaction: NoTransaction | None = None,
    by_syntax: bool = False,
    talks_to_sqlite: bool = False,
) -> SqlAnalysis:
    """``strict``: the text reaches no known execution call, so it must look unmistakably like SQL.

    Every statement must then start with a statement keyword; capitals keep the given
    confidence, anything else drops to low. ``script``: the text is a `.sql` file, a template
    that psql runs (see `pinlint.sql.lexer.lex`); a statement only some of the template's
    branches produce is at most medium confidence. ``no_transaction``: what shows that the text
    runs where no transaction is open, when pinlint can see it.

    ``by_syntax``: ``dialect`` is only the default. A statement written in one engine's own
    syntax is that engine's (`pinlint.sql.dialect`), and so are the text's other statements when
    every sign in it names that engine; each hit then carries the statement evidence. With
    ``talks_to_sqlite``, a statement SQLite has, in a text whose syntax names no engine, is left alone.
    """
    sql = lex(text, dialect, script)
    stmts = statements(sql)
    if strict:
        if not sql.complete or not all(_starts_like_sql(s) for s in stmts):
            return SqlAnalysis(sql, [], [], stmts)
        if not all(s.tokens[0].text.isupper() for s in stmts):
            confidence = Confidence.LOW
    if by_syntax:
        sql, stmts, pieces = _read_by_syntax(text, sql, stmts, script, talks_to_sqlite)
    else:
        pieces = [_Piece(sql, stmts, [()] * len(stmts))]
    hits: list[Hit] = []
    for rule in rules:
        for piece in pieces:
            ctx = SqlContext(piece.sql.dialect, strict, hook, no_transaction)
            hits.extend(_read(hit, piece.sql.dialect, piece.text_evidence, by_syntax) for hit in rule.check_text(piece.sql, ctx))
            for stmt, evidence in zip(piece.statements, piece.evidence):
                hits.extend(_read(hit, piece.sql.dialect, evidence, by_syntax) for hit in rule.check(stmt, ctx))
    hits = [replace(h, confidence=lowest(h.confidence, confidence)) for h in hits]
    if sql.conditional:
        hits = _branch_hits_at_medium(hits, sql, stmts)
    suppressions = _sql_suppressions(sql, stmts)
    covering = Coverage(suppressions)
    kept = [h for h in hits if not covering.covers(h.code, sql.line_of(h.offset))]
    return SqlAnalysis(sql, kept, suppressions, stmts)


def _read(hit: Hit, dialect: str, evidence: tuple[Evidence, ...], by_syntax: bool) -> Hit:
    return replace(hit, dialect=DialectReading(dialect, evidence)) if by_syntax else hit


def _read_by_syntax(
    text: str, sql: SqlText, stmts: list[Statement], script: bool, talks_to_sqlite: bool
) -> tuple[SqlText, list[Statement], list[_Piece]]:
    """The text lexed in the one engine its syntax names (or as it was), and its pieces: the
    statements read in it, and those of another engine's syntax re-read in theirs."""
    syntax = read_syntax(sql, stmts, talks_to_sqlite)
    if syntax.engine is not None and syntax.engine != sql.dialect:
        sql = lex(text, syntax.engine, script)
        stmts = statements(sql)
        syntax = read_syntax(sql, stmts, talks_to_sqlite)
        syntax.engine = sql.dialect  # every statement here is read in it, whatever the new tokens show
    text_evidence = () if syntax.first is None else (Evidence("text", syntax.first.dialect, syntax.first.reason),)
    main = _Piece(sql, [], [], text_evidence)
    pieces = [main]
    for stmt, sign in zip(stmts, syntax.signs):
        if sign is None:
            if talks_to_sqlite and syntax.engine is None and sqlite_runs(stmt):
                continue  # may be SQLite's own
            main.statements.append(stmt)
            main.evidence.append(text_evidence if syntax.engine == sql.dialect else ())
        elif sign.dialect == sql.dialect:
            main.statements.append(stmt)
            main.evidence.append((Evidence("statement", sign.dialect, sign.reason),))
        else:  # a text with signs of both engines: this statement is read in its own
            pieces.append(_Piece.of(lex_span(sql, stmt.start, stmt.end, sign.dialect), sign))
    for sign, comment in syntax.loose:
        if sign.dialect != sql.dialect:
            pieces.append(_Piece.of(lex_span(sql, comment.start, comment.end, sign.dialect), sign))
    return sql, stmts, pieces


def _branch_hits_at_medium(hits: list[Hit], sql: SqlText, stmts: list[Statement]) -> list[Hit]:
    """Hits in a statement that overlaps a span of the template's branches: the statement as
    read is not what every rendering sends."""
    starts = [s.start for s in stmts]
    branch_starts = [start for start, _ in sql.conditional]
    lowered = []
    for hit in hits:
        index = bisect.bisect_right(starts, hit.offset) - 1
        start, end = hit.offset, hit.offset + 1
        if index >= 0 and hit.offset < stmts[index].end:
            start, end = stmts[index].start, stmts[index].end
        # The last span starting before the statement ends is the only one that can overlap it.
        branch = bisect.bisect_left(branch_starts, end) - 1
        if branch >= 0 and sql.conditional[branch][1] > start:
            hit = replace(hit, confidence=lowest(hit.confidence, Confidence.MEDIUM))
        lowered.append(hit)
    return lowered


def _starts_like_sql(stmt: Statement) -> bool:
    first = stmt.tokens[0]
    return first.kind == WORD and first.upper in STATEMENT_KEYWORDS


def _sql_suppressions(sql: SqlText, stmts: list[Statement]) -> list[Suppression]:
    found = []
    layout = None
    for comment in sql.comments:
        directive = directive_in(comment.text)
        if directive is None:
            continue
        file_level, selectors = directive
        layout = layout or _Layout(sql, stmts)
        first, last = layout.covered_lines(comment)
        found.append(Suppression(selectors, file_level, first, last, sql.line_of(comment.start), sql.column_of(comment.start)))
    return found


class _Layout:
    """Where statements and blank lines are, so each suppression comment is placed by bisection."""

    def __init__(self, sql: SqlText, stmts: list[Statement]) -> None:
        self._sql = sql
        self._stmts = stmts
        self._starts = [s.start for s in stmts]
        self._first_lines = [sql.line_of(s.start) for s in stmts]
        self._last_lines = [sql.line_of(s.end) for s in stmts]
        # Each blank line (nothing but spaces and tabs) as the start of the line break before it
        # and the end of the one after it.
        breaks = list(_LINE_BREAK.finditer(sql.source))
        self._blank_lines = [
            (before.start(), after.end())
            for before, after in zip(breaks, breaks[1:])
            if sql.source[before.end() : after.start()].strip(" \t") == ""
        ]
        self._blank_starts = [start for start, _ in self._blank_lines]

    def covered_lines(self, comment: Comment) -> tuple[int, int]:
        """An own-line comment covers the statement that follows it; a trailing one, its statement."""
        line = self._sql.line_of(comment.start)
        if comment.own_line:
            following = bisect.bisect_left(self._starts, comment.end)
            if following < len(self._stmts) and not self._blank_line_between(comment.end, self._starts[following]):
                return self._first_lines[following], self._last_lines[following]
            return line + 1, line + 1
        # The statements on the comment's line are a run: those from the first that ends on or
        # after it to the last that starts on or before it.
        first_touching = bisect.bisect_left(self._last_lines, line)
        after_touching = bisect.bisect_right(self._first_lines, line)
        if first_touching >= after_touching:
            return line, line
        return min(line, self._first_lines[first_touching]), max(line, self._last_lines[after_touching - 1])

    def _blank_line_between(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self._blank_starts, start)
        return index < len(self._blank_lines) and self._blank_lines[index][1] <= end
