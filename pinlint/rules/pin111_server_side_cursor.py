"""PIN111 server-side-cursor: `DECLARE ... CURSOR` keeps a cursor on one backend."""

from __future__ import annotations

from typing import Iterator

from pinlint.diagnostics import Confidence, Hit
from pinlint.drivers.api import NAMED_CURSOR, ApiCall
from pinlint.python.project import SETTINGS_UNREADABLE
from pinlint.rules.base import Case, PythonCase, SqlContext, SqlRule
from pinlint.sql.lexer import POSTGRES, QIDENT, WORD, Statement
from pinlint.targets import Target, breaks, on_transaction_poolers, pins

_MODIFIERS = {"BINARY", "ASENSITIVE", "INSENSITIVE", "NO", "SCROLL"}
_BREAKS_HOLD = breaks("breaks the cursor", 'later FETCHes land on another backend: `cursor "..." does not exist`')
_ITERATOR_FIX = (
    "Set `DISABLE_SERVER_SIDE_CURSORS = True` for the database in DATABASES; behind PgBouncer alone, "
    "running the iteration inside `transaction.atomic()` also works"
)
_FIX = (
    "Page with keyset pagination (`WHERE id > $1 ORDER BY id LIMIT n`); behind PgBouncer "
    "alone, a cursor WITHOUT HOLD used inside one transaction also works"
)


class ServerSideCursor(SqlRule):
    code = "PIN111"
    name = "server-side-cursor"
    summary = "Server-side cursor held across transactions, or any cursor on RDS Proxy"

    VALID = [
        Case("DECLARE c1 CURSOR FOR SELECT 1", targets=[Target.PGBOUNCER]),
        Case("DECLARE c1 CURSOR WITHOUT HOLD FOR SELECT 1", targets=[Target.PGBOUNCER]),
        Case("FETCH 10 FROM c1"),
        Case("SELECT * FROM marker ORDER BY id LIMIT 100"),
        PythonCase("import psycopg\nwith psycopg.connect(dsn) as conn:\n    cur = conn.cursor(name='export')",
                   targets=[Target.PGBOUNCER]),
        PythonCase("import psycopg2\nconn = psycopg2.connect(dsn)\ncur = conn.cursor()"),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'DISABLE_SERVER_SIDE_CURSORS': True}}\n"
                   "def f(Order):\n    return list(Order.objects.filter(paid=True).iterator())"),
        PythonCase("def f(rows):\n    return rows.iterator()"),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n"
                   "def f(Order, paid):\n    orders = paid or [Order()]\n    return orders.iterator()"),
    ]
    INVALID = [
        Case("DECLARE c1 CURSOR WITH HOLD FOR SELECT generate_series(1, 10)"),
        Case("DECLARE c1 NO SCROLL CURSOR WITH HOLD FOR SELECT 1", targets=[Target.PGBOUNCER]),
        Case("DECLARE c1 CURSOR FOR SELECT 1", targets=[Target.RDS_PROXY]),
        PythonCase("import psycopg2\nconn = psycopg2.connect(dsn)\ncur = conn.cursor('export', withhold=True)"),
        PythonCase("import psycopg\nwith psycopg.connect(dsn) as conn:\n    cur = conn.cursor(name='export')",
                   targets=[Target.RDS_PROXY]),
        PythonCase("from sqlalchemy import select\ndef f(conn, t):\n    return conn.execution_options(stream_results=True).execute(select(t))"),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n"
                   "def f(Order):\n    return list(Order.objects.filter(paid=True).iterator())"),
        PythonCase("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n"
                   "def f(Order):\n    orders = Order.objects.filter(paid=True)\n    orders = orders.order_by('id')\n"
                   "    return list(orders.iterator())"),
    ]

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        if stmt.dialect != POSTGRES or stmt.word(0) != "DECLARE" or len(stmt.tokens) < 4:
            return
        if stmt.tokens[1].kind not in (WORD, QIDENT):
            return
        index = 2
        while stmt.word(index) in _MODIFIERS:
            index += 1
        if stmt.word(index) != "CURSOR":
            return
        with_hold = stmt.words(index + 1, 2) == ("WITH", "HOLD")
        consequences = {Target.RDS_PROXY: pins()}
        if with_hold:
            consequences.update(on_transaction_poolers(_BREAKS_HOLD))
        yield Hit(
            self.code,
            "`DECLARE ... CURSOR WITH HOLD` outlives its transaction" if with_hold else "`DECLARE ... CURSOR` opens a server-side cursor",
            consequences,
            _FIX,
            stmt.start,
        )

    def check_call(self, call: ApiCall) -> Iterator[Hit]:
        if call.api == NAMED_CURSOR:
            name = call.positional[0].value if call.positional else None
            if name is None or name == "":
                return  # psycopg's `cursor(name="")` is a client-side cursor
            hold = call.value("withhold")
            consequences = {Target.RDS_PROXY: pins()}
            if hold is not None and hold is not False:
                consequences.update(on_transaction_poolers(_BREAKS_HOLD))
            if len(consequences) == 1:
                subject = "declares a server-side cursor"
            elif hold is True:
                subject = "with `withhold=True` outlives its transaction"
            else:
                subject = "outlives its transaction whenever `withhold=` is true at run time"
            yield Hit(self.code, f"the named cursor {call.described} {subject}", consequences,
                      "Use a client-side cursor (psycopg 3: `cursor.stream()` streams rows without `DECLARE`); "
                      "behind PgBouncer alone, a named cursor without `withhold` inside one transaction also works",
                      confidence=call.confidence, anchor=call.anchor)
        elif call.api == "sqlalchemy.stream_results":
            yield Hit(self.code, f"{call.described} streams results through a named server-side cursor (psycopg2/psycopg)",
                      {Target.RDS_PROXY: pins()}, "Page with keyset pagination instead of streaming a server-side cursor",
                      confidence=Confidence.MEDIUM, anchor=call.anchor)
        elif call.api == "django.QuerySet.iterator" and call.facts.get("server_side_cursors") == SETTINGS_UNREADABLE:
            yield Hit(self.code, f"{call.described} declares a server-side cursor unless the settings set "
                      "`DISABLE_SERVER_SIDE_CURSORS` (pinlint cannot read the project's `DATABASES`)",
                      _iterator_consequences(call),
                      _ITERATOR_FIX,
                      confidence=Confidence.LOW, anchor=call.anchor)
        elif call.api == "django.QuerySet.iterator" and call.facts.get("server_side_cursors") is True:
            consequences = _iterator_consequences(call)
            yield Hit(self.code, f"{call.described} declares a server-side cursor (the settings lack "
                      "`DISABLE_SERVER_SIDE_CURSORS`)", consequences,
                      _ITERATOR_FIX,
                      confidence=call.confidence, anchor=call.anchor)


def _iterator_consequences(call: ApiCall) -> dict:
    consequences = {Target.RDS_PROXY: pins()}
    if not call.facts.get("in_atomic"):
        consequences.update(on_transaction_poolers(breaks(
            "breaks the cursor", "in autocommit mode Django declares it WITH HOLD: `cursor \"_django_curs_...\" does not exist`"
        )))
    return consequences
