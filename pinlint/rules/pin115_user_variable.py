"""PIN115 user-variable: MySQL `@variables` are session state."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.classify import mysql_set
from pinlint.sql.lexer import MYSQL, PARAM, PUNCT, Statement
from pinlint.targets import Target, pins


class UserVariable(SqlRule):
    code = "PIN115"
    name = "user-variable"
    summary = "MySQL user variable assignment"

    VALID = [
        Case("SELECT @@session.sql_mode", dialect=MYSQL),
        Case("SET @@session.autocommit = 1", dialect=MYSQL),
        Case("SELECT @total", dialect=MYSQL),
    ]
    INVALID = [
        Case("SET @total = 0", dialect=MYSQL),
        Case("SELECT @rank := @rank + 1 FROM marker", dialect=MYSQL),
        Case("SELECT COUNT(*) INTO @total FROM marker", dialect=MYSQL),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != MYSQL:
            return
        names = []
        command = mysql_set(stmt)
        if command is not None and command.kind == "assignments":
            names = [a.name for a in command.assignments if a.user_variable]
        tokens = stmt.outer_tokens
        for index in range(len(tokens) - 1):
            if not (tokens[index].kind == PARAM and tokens[index].text == "@"):
                continue
            following = tokens[index + 2] if index + 2 < len(tokens) else None
            assigned = following is not None and following.kind == PUNCT and following.text == ":="
            into = index > 0 and (stmt.word(index - 1) == "INTO" or _in_into_list(stmt, index))
            if (assigned or into) and tokens[index + 1].text.lower() not in names:
                names.append(tokens[index + 1].text.lower())
        if names:
            yield Hit(
                self.code,
                "user variable " + ", ".join(f"`@{n}`" for n in names) + " is session state",
                {Target.RDS_PROXY: pins()},
                "Keep the value in the application, or compute it in a CTE or derived table",
                stmt.start,
            )


def _in_into_list(stmt: Statement, index: int) -> bool:
    """`SELECT a, b INTO @x, @y`: a variable after a comma that follows another INTO target."""
    while index >= 2 and stmt.tokens[index - 1].kind == PUNCT and stmt.tokens[index - 1].text == ",":
        index -= 3
        if index >= 0 and stmt.tokens[index].kind == PARAM and stmt.word(index - 1) == "INTO":
            return True
    return False
