"""PIN108 temporary-object: temp tables, views and sequences belong to one backend session."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.lexer import MYSQL, PUNCT, Statement
from pinlint.targets import Target, leaks, on_pgbouncers, pins

_OBJECTS = {"TABLE", "VIEW", "SEQUENCE"}
_SKIPPABLE = {"OR", "REPLACE", "GLOBAL", "LOCAL", "UNLOGGED", "RECURSIVE"}


class TemporaryObject(SqlRule):
    code = "PIN108"
    name = "temporary-object"
    summary = "Temporary tables, views or sequences live on one backend"

    VALID = [
        Case("CREATE TABLE scratch (id int)"),
        Case("WITH scratch AS (SELECT 1 AS id) SELECT id FROM scratch"),
        Case("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", targets=[Target.PGBOUNCER]),
        Case("SELECT id INTO archive FROM marker"),
    ]
    INVALID = [
        Case("CREATE TEMP TABLE scratch (id int)"),
        Case("CREATE TEMPORARY TABLE IF NOT EXISTS scratch AS SELECT 1"),
        Case("CREATE OR REPLACE TEMP VIEW v AS SELECT 1"),
        Case("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", targets=[Target.RDS_PROXY]),
        Case("CREATE TABLE pg_temp.scratch (id int)"),
        Case("SELECT id INTO TEMP scratch FROM marker"),
        Case("CREATE TEMPORARY TABLE scratch (id INT)", dialect=MYSQL),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        what = _temporary_object(stmt)
        if what is None:
            return
        consequences = {Target.RDS_PROXY: pins()}
        on_commit_drop = any(stmt.words(i, 3) == ("ON", "COMMIT", "DROP") for i in range(len(stmt.tokens)))
        if stmt.dialect != MYSQL and not on_commit_drop:
            consequences.update(on_pgbouncers(leaks(
                "leaks it to the next client", "it stays on one backend, where your later statements may not run"
            )))
        yield Hit(
            self.code,
            f"{what} outlives the statement",
            consequences,
            "Use a CTE or a derived table; behind PgBouncer alone, "
            "`CREATE TEMP TABLE ... ON COMMIT DROP` inside a transaction also works",
            stmt.start,
        )


def _temporary_object(stmt: Statement) -> str | None:
    head = stmt.word(0)
    if head == "CREATE":
        index, temporary = 1, False
        while stmt.word(index) in _SKIPPABLE or stmt.word(index) in ("TEMP", "TEMPORARY"):
            temporary = temporary or stmt.word(index) in ("TEMP", "TEMPORARY")
            index += 1
        kind = stmt.word(index)
        if kind not in _OBJECTS:
            return None
        if temporary:
            return f"`CREATE TEMP {kind}`"
        index += 1
        if stmt.words(index, 3) == ("IF", "NOT", "EXISTS"):
            index += 3
        if stmt.dialect != MYSQL and stmt.word(index) == "PG_TEMP" and _dot(stmt, index + 1):
            return f"`CREATE {kind} pg_temp.…`"
        return None
    if head in ("SELECT", "WITH") and stmt.dialect != MYSQL:
        for index in range(1, len(stmt.tokens) - 1):
            if stmt.word(index) == "INTO" and stmt.word(index + 1) in ("TEMP", "TEMPORARY"):
                return "`SELECT ... INTO TEMP`"
    return None


def _dot(stmt: Statement, index: int) -> bool:
    return index < len(stmt.tokens) and stmt.tokens[index].kind == PUNCT and stmt.tokens[index].text == "."
