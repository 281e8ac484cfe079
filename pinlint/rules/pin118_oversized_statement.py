"""PIN118 oversized-statement: statements over 16 KB pin RDS Proxy."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Confidence, Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.lexer import Statement
from pinlint.targets import Target, pins

LIMIT_BYTES = 16384
FIX = "Send smaller batches, keep values out of the text with placeholders (server-side binding), or use `COPY`"


class OversizedStatement(SqlRule):
    code = "PIN118"
    name = "oversized-statement"
    summary = "Statement text over RDS Proxy's 16384-byte limit"

    VALID = [Case("INSERT INTO marker (v) VALUES " + ", ".join(["('x')"] * 100))]
    INVALID = [Case("INSERT INTO marker (v) VALUES " + ", ".join(["('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')"] * 600))]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        # A string literal can hold a lone surrogate: counted as the three bytes it takes in UTF-8.
        size = len(stmt.text.encode("utf-8", "surrogatepass"))
        if size > LIMIT_BYTES:
            yield Hit(
                self.code,
                f"statement text is {size} bytes",
                {Target.RDS_PROXY: pins(f"over the {LIMIT_BYTES}-byte limit")},
                FIX,
                stmt.start,
            )

    def check_batch_helper(self, helper: str) -> Hit:
        """psycopg2's `execute_values`/`execute_batch` inline every row into one statement text."""
        return Hit(
            self.code,
            f"`{helper}()` inlines parameter values into one statement that may exceed {LIMIT_BYTES} bytes",
            {Target.RDS_PROXY: pins("when a page's text is over the limit")},
            FIX + " (`page_size` small enough to stay under 16 KB)",
            confidence=Confidence.LOW,
        )
