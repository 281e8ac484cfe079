"""What a rule is: a code, a name, its documentation beside it, and VALID/INVALID cases."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from pinlint.diagnostics import Hit
from pinlint.sql.lexer import POSTGRES, SqlText, Statement
from pinlint.targets import DEFAULT_TARGETS, Target


@dataclass(frozen=True)
class Case:
    """A snippet and the settings it is judged under (Fixit's VALID/INVALID, for SQL)."""

    sql: str
    dialect: str = POSTGRES
    targets: Sequence[Target] = DEFAULT_TARGETS


@dataclass(frozen=True)
class SqlContext:
    dialect: str
    # True when the SQL reaches no known execution call: only unmistakable forms count there.
    strict: bool = False


class Rule:
    code: str
    name: str
    summary: str
    VALID: Sequence[Case] = ()
    INVALID: Sequence[Case] = ()

    @property
    def doc(self) -> str:
        """The rule's Markdown documentation, kept in a `.md` file beside its module."""
        module_file = Path(sys.modules[type(self).__module__].__file__ or "")
        return module_file.with_suffix(".md").read_text(encoding="utf-8")


class SqlRule(Rule):
    """A rule that judges SQL: one statement at a time, or a whole text (comments, sizes)."""

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        return iter(())

    def check_text(self, sql: SqlText, ctx: SqlContext) -> Iterator[Hit]:
        return iter(())


class MetaRule(Rule):
    """Findings about the lint run itself; the engine raises them, the class documents them."""


