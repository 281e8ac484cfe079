"""Where SQL is found in Python, how sure pinlint is, and where the finding is placed."""

from __future__ import annotations

import textwrap

import pytest

from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source
from pinlint.settings import Settings


def lint(code: str, **settings):
    settings.setdefault("min_confidence", Confidence.LOW)
    report = lint_source(textwrap.dedent(code).encode(), "app.py", Settings(**settings))
    return [(f.row, f.col, f.code, f.confidence.value) for f in report.findings]


def test_literal_in_execute_is_high_confidence_at_the_opening_quote():
    assert lint('cur.execute("SET search_path TO tenant_a")\n') == [(1, 13, "PIN101", "high")]


def test_prefixed_literal_is_reported_at_its_quote_not_its_prefix():
    assert lint('cur.execute(rb"LISTEN jobs")\n') == [(1, 15, "PIN110", "high")]


def test_finding_spans_the_whole_string():
    report = lint_source(b'cur.execute("LISTEN jobs")\n', "app.py", Settings())
    finding = report.findings[0]
    assert (finding.row, finding.col, finding.end_row, finding.end_col) == (1, 13, 1, 26)


def test_multiline_string_is_reported_at_the_line_of_its_opening_quote():
    code = '''
    cur.execute(
        """
        SELECT 1;
        LISTEN jobs;
        """
    )
    '''
    assert lint(code) == [(3, 5, "PIN110", "high")]


@pytest.mark.parametrize(
    "expression, column",
    [
        ('f"SET search_path TO {tenant}"', 14),
        ('"SET search_path TO %s" % tenant', 13),
        ('"SET search_path TO {}".format(tenant)', 13),
        ('"SET search_path TO " + tenant', 13),
        ('"SET search_path " "TO " + tenant', 13),
    ],
)
def test_composed_strings_are_judged_by_their_constant_parts(expression, column):
    assert lint(f"cur.execute({expression})\n") == [(1, column, "PIN101", "medium")]


def test_implicitly_concatenated_literal_stays_high_confidence():
    assert lint('cur.execute("SET search_path "\n            "TO tenant_a")\n') == [(1, 13, "PIN101", "high")]


def test_constant_executed_elsewhere_is_reported_at_the_constant():
    code = '''
    TENANT_SQL = "SET search_path TO tenant_a"

    def switch(cur):
        cur.execute(TENANT_SQL)
    '''
    assert lint(code) == [(2, 14, "PIN101", "medium")]


def test_function_constant_with_template_flows_into_execute():
    code = '''
    def lock(cur, key):
        sql = "SELECT pg_advisory_lock(%s)"
        cur.execute(sql, (key,))
        cur.execute(sql % key)
    '''
    assert lint(code) == [(3, 11, "PIN109", "medium")]


@pytest.mark.parametrize(
    "call",
    [
        'session.execute(text("LISTEN jobs"))',
        'conn.exec_driver_sql("LISTEN jobs")',
        'DDL("LISTEN jobs")',
        'Model.objects.raw("LISTEN jobs")',
        'RawSQL("LISTEN jobs", [])',
        'await conn.fetch("LISTEN jobs")',
        'await conn.fetchval("LISTEN jobs")',
        'sql.SQL("LISTEN {}").format(sql.Identifier(channel))',
        'cursor.mogrify("LISTEN jobs")',
        'migrations.RunSQL(["SELECT 1", "LISTEN jobs"])',
        'migrations.RunSQL(sql=[("LISTEN jobs", None)])',
        'execute_values(cur, "LISTEN jobs", rows)',
    ],
)
def test_execution_calls_and_sql_constructors(call):
    found = lint(f"async def f():\n    {call}\n")
    assert [(code, confidence) for _, _, code, confidence in found if code == "PIN110"] in (
        [("PIN110", "high")],
        [("PIN110", "medium")],
    )


def test_sqlalchemy_func_is_classified_like_the_sql_function():
    code = '''
    from sqlalchemy import func, select

    stmt = select(func.pg_advisory_lock(42), func.set_config("app.tenant", "acme", False))
    ok = select(func.pg_advisory_xact_lock(42), func.set_config("app.tenant", "acme", True))
    '''
    assert lint(code, targets=("pgbouncer",)) == [(4, 15, "PIN109", "high"), (4, 42, "PIN102", "high")]


def test_strings_that_are_not_executed_sql_are_silent():
    code = '''
    """Module docstring: SET search_path TO tenant_a."""
    import logging

    log = logging.getLogger(__name__)

    def f(cur, schema):
        """SET ROLE admin_role is what we avoid."""
        # SET search_path TO tenant_a
        log.info("SET search_path TO %s", schema)
        logger.warning(f"LISTEN {schema} failed")
        print("DISCARD ALL")
        warnings.warn("SET ROLE admin is deprecated")
        raise ValueError("SET search_path TO x is not allowed")

    def test_queries(self, cur):
        assert cur.query == "SET search_path TO tenant_a"
        self.assertEqual(cur.queries, ["LISTEN jobs"])
        cur.execute.assert_called_with("SET ROLE admin_role")
        mock_cursor.execute.assert_has_calls([call("DISCARD ALL")])
        expected = "SELECT pg_advisory_lock(1)"
        assert captured == expected
        parser.add_argument("--x", help="SET search_path TO the schema")
        message = "Set the search path to the tenant schema"
    '''
    assert lint(code) == []


def test_unmistakable_sql_outside_known_calls_is_medium_and_capitals_matter():
    code = '''
    MIGRATION = "SET search_path TO tenant_a"
    other = "set search_path to tenant_a"
    english = "SET the search path TO tenant A"
    '''
    assert lint(code) == [(2, 13, "PIN101", "medium"), (3, 9, "PIN101", "low")]


def test_low_confidence_is_hidden_by_default():
    report = lint_source(b'other = "set search_path to tenant_a"\n', "app.py", Settings())
    assert report.findings == []


def test_dialect_is_inferred_from_imports():
    mysql = 'import pymysql\ncur.execute("SET foreign_key_checks = 0")\ncur.execute("SET @x = 1")\n'
    postgres = 'import psycopg\ncur.execute("SET foreign_key_checks = 0")\n'
    assert [c for _, _, c, _ in lint(mysql)] == ["PIN101", "PIN115"]
    assert [c for _, _, c, _ in lint(postgres)] == ["PIN101"]
    assert lint('import pymysql\ncur.execute("SET NAMES utf8mb4")\n') == []


def test_sqlalchemy_url_decides_the_dialect():
    code = 'engine = create_engine("mysql+pymysql://u@h/db")\nconn.execute(text("SELECT GET_LOCK(\'a\', 1)"))\n'
    assert [c for _, _, c, _ in lint(code)] == ["PIN109"]


def test_configured_dialect_overrides_inference():
    code = 'import psycopg\ncur.execute("SET NAMES latin1")\n'
    assert [c for _, _, c, _ in lint(code)] == ["PIN101"]  # PostgreSQL's client_encoding
    assert lint(code, dialect="mysql") == []  # MySQL's, which RDS Proxy tracks
    # Even over the SQL's own syntax: `GET_LOCK()` is MySQL's in any file, unless configured otherwise.
    code = 'import psycopg\ncur.execute("SELECT GET_LOCK(\'a\', 1)")\n'
    assert [c for _, _, c, _ in lint(code)] == ["PIN109"]
    assert lint(code, dialect="postgres") == []


def test_batch_helpers_are_low_confidence_oversized_statement_risks():
    code = "from psycopg2.extras import execute_values\nexecute_values(cur, 'INSERT INTO t VALUES %s', rows)\n"
    assert lint(code) == [(2, 1, "PIN118", "low")]
    assert lint_source(code.encode(), "app.py", Settings()).findings == []


@pytest.mark.parametrize(
    "literal",
    ['"abc"', "'''a\nb'''", 'b"xyz"', 'rb"x"', 'u""', '""""""', 'R"""q"""', "'é'", r"'a\nb'", r"b'\xff'",
     "'''a\r\nb'''", r"r'\d'"],
)
def test_a_string_literal_is_read_as_python_reads_it(literal):
    import libcst as cst

    from pinlint.python.strings import _simple_value

    node = cst.parse_expression(literal)
    value = node.evaluated_value
    assert _simple_value(node) == (value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
