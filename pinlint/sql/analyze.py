"""Run the SQL rules over one SQL text and apply the suppressions written inside it."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import Sequence

from pinlint.diagnostics import Confidence, Hit, lowest
from pinlint.drivers.api import HookKind
from pinlint.rules.base import Rule, SqlContext
from pinlint.sql.classify import STATEMENT_KEYWORDS
from pinlint.sql.lexer import WORD, Comment, SqlText, Statement, lex, statements
from pinlint.suppression import Suppression, directive_in

_LINE_BREAK = re.compile(r"\r\n?|\n")


@dataclass
class SqlAnalysis:
    sql: SqlText
    hits: list[Hit]  # not suppressed inside the text
    suppressions: list[Suppression]


def analyze_sql(
    text: str,
    dialect: str,
    rules: Sequence[Rule],
    confidence: Confidence = Confidence.HIGH,
    strict: bool = False,
    hook: HookKind | None = None,
    script: bool = False,
) -> SqlAnalysis:
    """``strict``: the text reaches no known execution call, so it must look unmistakably like SQL.

    Every statement must then start with a statement keyword; capitals keep the given
    confidence, anything else drops to low. ``script``: the text is a `.sql` file that psql
    runs (see `pinlint.sql.lexer.lex`).
    """
    sql = lex(text, dialect, script)
    stmts = statements(sql)
    if strict:
        if not sql.complete or not all(_starts_like_sql(s) for s in stmts):
            return SqlAnalysis(sql, [], [])
        if not all(s.tokens[0].text.isupper() for s in stmts):
            confidence = Confidence.LOW
    ctx = SqlContext(dialect, strict, hook)
    hits: list[Hit] = []
    for rule in rules:
        hits.extend(rule.check_text(sql, ctx))
        for stmt in stmts:
            hits.extend(rule.check(stmt, ctx))
    hits = [replace(h, confidence=lowest(h.confidence, confidence)) for h in hits]
    suppressions = _sql_suppressions(sql, stmts)
    covering = _SuppressionIndex(suppressions)
    kept = [h for h in hits if not covering.covers(h.code, sql.line_of(h.offset))]
    return SqlAnalysis(sql, kept, suppressions)


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


class _SuppressionIndex:
    """Answers `any(s.covers(code, line) for s in suppressions)` without trying every suppression,
    with the same side effect: the first covering suppression, in list order, is marked used.

    Suppressions with the same lines form one group (comments stacked above one statement); the
    groups over a line are few, and each remembers, per code, its first suppression for it.
    """

    def __init__(self, suppressions: list[Suppression]) -> None:
        self._order = {id(s): index for index, s in enumerate(suppressions)}
        groups: dict[tuple[int, int] | None, list[Suppression]] = {}
        for suppression in suppressions:
            lines = None if suppression.file_level else (suppression.first_line, suppression.last_line)
            groups.setdefault(lines, []).append(suppression)
        self._file_level = groups.pop(None, [])
        self._by_line: dict[int, list[list[Suppression]]] = {}
        for (first, last), group in groups.items():
            for line in range(first, last + 1):
                self._by_line.setdefault(line, []).append(group)
        self._first_for: dict[tuple[int, str], Suppression | None] = {}

    def covers(self, code: str, line: int) -> bool:
        candidates = [self._first_in(group, code) for group in [self._file_level, *self._by_line.get(line, ())]]
        found = [c for c in candidates if c is not None]
        if not found:
            return False
        return min(found, key=lambda s: self._order[id(s)]).covers(code, line)

    def _first_in(self, group: list[Suppression], code: str) -> Suppression | None:
        key = (id(group), code)
        if key not in self._first_for:
            self._first_for[key] = next((s for s in group if any(code.startswith(x) for x in s.selectors)), None)
        return self._first_for[key]
