"""Run the SQL rules over one SQL text and apply the suppressions written inside it."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from pinlint.diagnostics import Confidence, Hit, lowest
from pinlint.drivers.api import HookKind
from pinlint.rules.base import Rule, SqlContext
from pinlint.sql.classify import STATEMENT_KEYWORDS
from pinlint.sql.lexer import WORD, Comment, SqlText, Statement, lex, statements
from pinlint.suppression import Suppression, directive_in

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


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
) -> SqlAnalysis:
    """``strict``: the text reaches no known execution call, so it must look unmistakably like SQL.

    Every statement must then start with a statement keyword; capitals keep the given
    confidence, anything else drops to low.
    """
    sql = lex(text, dialect)
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
    kept = [h for h in hits if not any(s.covers(h.code, sql.line_of(h.offset)) for s in suppressions)]
    return SqlAnalysis(sql, kept, suppressions)


def _starts_like_sql(stmt: Statement) -> bool:
    first = stmt.tokens[0]
    return first.kind == WORD and first.upper in STATEMENT_KEYWORDS


def _sql_suppressions(sql: SqlText, stmts: list[Statement]) -> list[Suppression]:
    found = []
    for comment in sql.comments:
        directive = directive_in(comment.text)
        if directive is None:
            continue
        file_level, selectors = directive
        first, last = _covered_lines(sql, stmts, comment)
        found.append(Suppression(selectors, file_level, first, last, sql.line_of(comment.start), sql.column_of(comment.start)))
    return found


def _covered_lines(sql: SqlText, stmts: list[Statement], comment: Comment) -> tuple[int, int]:
    """An own-line comment covers the statement that follows it; a trailing one, its statement."""
    line = sql.line_of(comment.start)
    if comment.own_line:
        following = next((s for s in stmts if s.start >= comment.end), None)
        if following is not None and not _BLANK_LINE.search(sql.source, comment.end, following.start):
            return sql.line_of(following.start), sql.line_of(following.end)
        return line + 1, line + 1
    first, last = line, line
    for stmt in stmts:
        if sql.line_of(stmt.start) <= line <= sql.line_of(stmt.end) or stmt.end <= comment.start and sql.line_of(stmt.end) == line:
            first = min(first, sql.line_of(stmt.start))
            last = max(last, sql.line_of(stmt.end))
    return first, last
