"""Name resolution on hostile input: each name's value is worked out once per analysis, so names
rebound under many conditions, long chains of names, cycles and settings shared many times cost
time linear in the module. The CLI runs in a subprocess with a time limit, so that a regression
fails instead of hanging the suite."""

from __future__ import annotations

import os
import subprocess
import sys

import libcst as cst
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from pinlint.drivers.registry import canonical, returns
from pinlint.engine import lint_source
from pinlint.python import visitor
from pinlint.python.names import MODULE, Scope, record_import, resolve
from pinlint.settings import Settings
from test_fuzz import fuzz

HANG_GUARD = 60  # seconds: a linear run takes about one


def check(tmp_path, name: str, source: str) -> tuple[int, list[str]]:
    """Exit code and concise lines (without their `. Fix: ...`) of `pinlint check` on one file."""
    (tmp_path / name).write_text(source, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "pinlint", "check", "--isolated", "--output-format", "concise", name],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=HANG_GUARD,
    )
    return done.returncode, [line.split(". Fix: ")[0] for line in done.stdout.splitlines()]


def test_a_connection_rebound_under_many_conditions_and_in_cycles(tmp_path):
    # Every `conn = conn.reconnect()` made each use follow all the others again, recursively.
    rebound = "".join(f"    if c[{i}]:\n        conn = conn.reconnect()\n" for i in range(24))
    source = (
        "import psycopg2\n\n\n"
        "def f(make, dsn, c):\n"
        "    conn = make()\n" + rebound +
        "    conn = psycopg2.connect(dsn)\n"
        "    a = b\n"
        "    b = a\n"
        "    a.cursor('a')\n"
        "    return conn.cursor('stream')\n"
    )
    assert check(tmp_path, "rebound.py", source) == (1, [
        "rebound.py:57:5: PIN111 the named cursor `a.cursor()` declares a server-side cursor: pins the session on RDS Proxy",
        "rebound.py:58:12: PIN111 the named cursor `conn.cursor()` declares a server-side cursor: pins the session on RDS Proxy",
    ])


def test_settings_dictionaries_shared_many_times_are_read_once(tmp_path):
    # Three levels of 200 entries, each naming the level below: 8 million reads when not shared.
    levels = "".join(
        f"d{level} = {{" + ", ".join(f"'k{i}': d{level - 1}" for i in range(200)) + "}\n" for level in (1, 2, 3)
    )
    source = (
        "import psycopg2\n"
        "d0 = {'options': '-c statement_timeout=5s'}\n" + levels +
        "loop = {'x': loop}\n"
        "psycopg2.connect(dsn, options=d0['options'], server_settings=d3, extra=loop)\n"
    )
    assert check(tmp_path, "settings.py", source) == (1, [
        "settings.py:7:31: PIN201 `psycopg2.connect()` passes libpq `options`, a startup parameter: "
        "rejects the connection on RDS Proxy (“RDS Proxy currently doesn't support command-line options”)",
    ])


def test_each_value_of_a_name_run_many_times_is_composed_once(monkeypatch):
    composed = []

    def counting(expr):
        composed.append(expr)
        return compose(expr)

    compose = visitor.compose
    monkeypatch.setattr(visitor, "compose", counting)
    rebound = "".join(f"    if c[{i}]:\n        sql = sql + ' AND x{i}'\n        cur.execute(sql)\n" for i in range(200))
    source = "import psycopg2\n\n\ndef f(cur, c):\n    sql = 'SET search_path TO a'\n" + rebound
    report = lint_source(source.encode(), "a.py", Settings())
    assert [(f.code, f.row, f.col) for f in report.findings] == [("PIN101", 5, 11)]
    # One composition per `sql + ...` value, not one per value per `execute`.
    assert sum(isinstance(e, cst.BinaryOperation) for e in composed) == 200


# Property: without cycles, what a name resolves to does not depend on how far it is followed or
# how often it is asked for: the same as following every binding afresh, without memo or bounds.
NAMES = [f"n{i}" for i in range(10)]
VALUES = ("psycopg2.connect(dsn)", "make()", "{name}", "{name}.cursor()", "{name}.pool", "{name} | None")


@st.composite
def acyclic_bindings(draw) -> list[tuple[str, str]]:
    bindings = []
    for index, name in enumerate(NAMES):
        for _ in range(draw(st.integers(1, 3))):
            value = draw(st.sampled_from(VALUES if index else VALUES[:2]))
            earlier = NAMES[max(0, index - draw(st.integers(1, 3)))]  # mostly the one before: long chains
            bindings.append((name, value.format(name=earlier)))
    return bindings


def reference(expr: str, bindings: list[tuple[str, str]]) -> str | None:
    if expr == "psycopg2.connect(dsn)":
        return returns("psycopg2.connect")
    if expr == "make()":
        return None
    if expr.endswith(" | None"):
        return reference(expr[: -len(" | None")], bindings)
    if expr.endswith(".cursor()"):
        base = reference(expr[: -len(".cursor()")], bindings)
        return returns(canonical(f"{base}.cursor")) if base else None
    if expr.endswith(".pool"):
        base = reference(expr[: -len(".pool")], bindings)
        return canonical(f"{base}.pool") if base else None
    values = (reference(value, bindings) for name, value in bindings if name == expr)
    return next((found for found in values if found is not None), None)


@fuzz(max_examples=300)
@given(acyclic_bindings())
def test_resolution_is_the_same_as_following_every_binding_afresh(bindings):
    scope = Scope(MODULE)
    chain = (scope,)
    record_import(scope, cst.ensure_type(cst.parse_statement("import psycopg2").body[0], cst.Import))
    for name, value in bindings:
        scope.bind(name, cst.parse_expression(value), chain)
    for name in reversed(NAMES):  # the deepest first: its chain is the longest
        assert resolve(cst.Name(name), chain) == reference(name, bindings)
