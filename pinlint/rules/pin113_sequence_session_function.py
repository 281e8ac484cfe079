"""PIN113 sequence-session-function: `currval()`/`lastval()` read state of the session's backend."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Hit
from pinlint.rules.base import Case, SqlContext, SqlRule
from pinlint.sql.classify import function_calls
from pinlint.sql.lexer import POSTGRES, Statement
from pinlint.targets import Target, breaks, on_transaction_poolers, pins

SESSION_READS = frozenset({"currval", "lastval"})
SEQUENCE_WRITES = frozenset({"nextval", "setval"})


class SequenceSessionFunction(SqlRule):
    code = "PIN113"
    name = "sequence-session-function"
    summary = "currval()/lastval() read session state; nextval()/setval() pin RDS Proxy"

    VALID = [
        Case("INSERT INTO marker (v) VALUES ('x') RETURNING id"),
        Case("SELECT nextval('marker_id_seq')", targets=[Target.PGBOUNCER]),
        # A column default is evaluated later, by INSERTs that do not name the function.
        Case("CREATE TABLE t (id bigint DEFAULT nextval('t_id_seq'))"),
        Case("ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('t_id_seq')"),
    ]
    INVALID = [
        Case("SELECT currval('marker_id_seq')"),
        Case("SELECT lastval()", targets=[Target.PGBOUNCER]),
        Case("SELECT nextval('marker_id_seq')"),
        Case("SELECT setval('marker_id_seq', 42)"),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != POSTGRES or stmt.word(0) in ("CREATE", "ALTER"):
            return
        for call in function_calls(stmt.outer_tokens):
            if call.name in SESSION_READS:
                yield Hit(
                    self.code,
                    f"`{call.name}()` reads the session's last sequence value",
                    {Target.RDS_PROXY: pins(), **on_transaction_poolers(breaks(
                        "returns another session's value", "it comes from whichever backend the statement lands on"
                    ))},
                    "Return the id from the write itself: `INSERT ... RETURNING id`",
                    call.token.start,
                )
            elif call.name in SEQUENCE_WRITES:
                yield Hit(
                    self.code,
                    f"`{call.name}()` manipulates a sequence",
                    {Target.RDS_PROXY: pins()},
                    "Let an identity or serial column default assign ids and read them with "
                    "`INSERT ... RETURNING id`",
                    call.token.start,
                )
