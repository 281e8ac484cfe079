"""PIN116 executable-comment: MySQL `/*! ... */` comments are SQL the proxy cannot read."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.lexer import MYSQL, SqlText
from pinlint.targets import Target, pins


class ExecutableComment(SqlRule):
    code = "PIN116"
    name = "executable-comment"
    summary = "MySQL/MariaDB executable comment"

    VALID = [
        Case("/* plain comment */ SELECT 1", dialect=MYSQL),
        Case("SELECT /*+ MAX_EXECUTION_TIME(1000) */ id FROM marker", dialect=MYSQL),
        Case("/*!40101 SET NAMES utf8 */"),  # PostgreSQL: an ordinary comment
    ]
    INVALID = [
        Case("/*!40101 SET NAMES utf8 */", dialect=MYSQL),
        Case("SELECT /*M!100101 SQL_NO_CACHE */ 1", dialect=MYSQL),
    ]

    def check_text(self, sql: SqlText, ctx: SqlContext) -> Iterator[Hit]:
        if sql.dialect != MYSQL:
            return
        for comment in sql.comments:
            if comment.text.startswith(("/*!", "/*M!")):
                yield Hit(
                    self.code,
                    "executable comment `" + comment.text[:12] + "...`",
                    {Target.RDS_PROXY: pins("the proxy cannot parse SQL inside it")},
                    "Strip version comments from application SQL; run dumps directly against the database",
                    comment.start,
                )
