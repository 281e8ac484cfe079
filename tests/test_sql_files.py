"""`.sql` files as people write them: psql scripts (meta-commands, COPY data, variables), Python
format templates, Jinja and dbt macros, and the SQL PL/pgSQL bodies run with EXECUTE. Every
finding keeps its exact row and column in the file as written."""

from __future__ import annotations

import pytest

from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source
from pinlint.settings import Settings
from pinlint.sql.lexer import lex, statements
from pinlint.sql.templates import read_template

from test_hostile_sql import LISTEN_MESSAGE, run_cli

HIGH, MEDIUM = "high", "medium"


def findings(text: str, min_confidence: Confidence = Confidence.LOW) -> list[tuple[int, int, str, str]]:
    report = lint_source(text.encode(), "script.sql", Settings(min_confidence=min_confidence))
    return [(f.row, f.col, f.code, f.confidence.value) for f in report.findings]


# --- psql scripts -------------------------------------------------------------------------------


def test_a_backslash_pair_inside_quoted_meta_command_arguments_does_not_end_the_command():
    text = (
        "\\set dir 'C:\\\\tmp'\n"  # one argument, C:\tmp: no `\\` separator in it
        "SET ROLE admin;\n"
        "\\echo \"a\\\\b\" `echo \\\\ '`\n"
        "LISTEN jobs;\n"
        "\\set x 'it''s' \\\\ LISTEN more;\n"  # outside the quotes, `\\` hands the line back to SQL
    )
    assert findings(text) == [(2, 1, "PIN104", HIGH), (4, 1, "PIN110", HIGH), (5, 19, "PIN110", HIGH)]


def test_backslash_copy_from_stdin_reads_its_data_from_the_script():
    text = (
        "\\copy t (a) from stdin with (format csv)\n"
        "LISTEN data_row;\n"
        "\\.\n"
        "LISTEN after_data;\n"
        "\\copy t from pstdin\n"  # psql's own standard input: the script goes on with SQL
        "LISTEN not_data;\n"
    )
    assert findings(text) == [(4, 1, "PIN110", HIGH), (6, 1, "PIN110", HIGH)]


def test_psql_variables_are_holes():
    text = (
        "SET search_path TO :schema;\n"
        "SET search_path TO :'schema';\n"
        "  SET ROLE :\"role\";\n"
        "SELECT x::text, y::int FROM t WHERE a = :'v';\n"  # casts are no variables
        "DO $$ BEGIN PERFORM 1 WHERE :x; END $$;\n"  # nor is anything in a dollar-quoted body
    )
    assert findings(text) == [(1, 1, "PIN101", HIGH), (2, 1, "PIN101", HIGH), (3, 3, "PIN104", HIGH)]


def test_psql_names_are_ascii_letters_digits_underscores_and_any_other_character():
    import re

    from pinlint.sql import lexer

    every = "".join(map(chr, range(0x110000)))
    word = {c for c in every if not c.isascii() or c.isalnum() or c == "_"}
    assert set(re.findall(lexer._WORD_CHAR, every)) == word
    assert set(re.findall(lexer._WORD_START, every)) == {c for c in word if not "0" <= c <= "9"}
    assert set(lexer._IDENTIFIER_CHAR.findall(every)) == word | {"$"}


# --- Python format templates --------------------------------------------------------------------


def test_python_format_fields_are_holes():
    text = (
        "LISTEN {channel_name};\n"
        "SET search_path TO %(schema)s;\n"
        "SET ROLE {0};\n"
        "  CREATE TEMP TABLE {table.name!s:>10} (id int);\n"
        "SELECT '{}'::int[], '{1,2}'::int[];\n"
    )
    assert findings(text) == [(1, 1, "PIN110", HIGH), (2, 1, "PIN101", HIGH), (3, 1, "PIN104", HIGH), (4, 3, "PIN108", HIGH)]


# --- Jinja and dbt ------------------------------------------------------------------------------

DBT_MACROS = """\
{% macro postgres__create_table_as(temporary, relation, sql) -%}
  {%- set sql_header = config.get('sql_header', none) -%}

  {{ sql_header if sql_header is not none }}

  create {% if temporary -%}
    temporary
  {%- endif %} table {{ relation }}
  as (
    {{ sql }}
  )
{%- endmacro %}

{% macro scratch_table() %}
  {% call statement('scratch') -%}
    create temporary table scratch (id int)
  {%- endcall %}
{% endmacro %}
"""


def test_a_dbt_statement_only_one_branch_makes_is_medium_and_macros_are_statements_of_their_own():
    assert findings(DBT_MACROS) == [(6, 3, "PIN108", MEDIUM), (16, 5, "PIN108", HIGH)]
    assert findings(DBT_MACROS, Confidence.HIGH) == [(16, 5, "PIN108", HIGH)]


def test_branches_of_a_template_are_medium_and_what_follows_is_not():
    text = (
        "{% if target.name == 'prod' %}\n"
        "SET ROLE admin;\n"
        "{% elif x %}{{ 'SET ROLE nobody' }};\n"
        "{% else %}\n"
        "  LISTEN jobs;\n"
        "{% endif %}\n"
        "DISCARD ALL;\n"
        "{% for schema in schemas %}\n"
        "SET search_path TO {{ schema }};\n"
        "{% endfor %}\n"
    )
    assert findings(text) == [
        (2, 1, "PIN104", MEDIUM), (5, 3, "PIN110", MEDIUM), (7, 1, "PIN107", HIGH), (9, 1, "PIN101", HIGH),
    ]


def test_jinja_set_comments_and_expressions_are_never_findings():
    text = (
        "{{ config(materialized='table', pre_hook='SET ROLE admin') }}\n"
        "{% set q = 'SET ROLE admin' %}\n"
        "{% set captured %}\n"
        "LISTEN jobs;\n"
        "{% endset %}\n"
        "{%- set filtered | trim -%}SET search_path TO a;{%- endset -%}\n"
        "{# LISTEN commented; #}\n"
        "{% docs listener %}LISTEN documented;{% enddocs %}\n"
        "{% do run_query(q) %}\n"
        "select * from {{ ref('orders') }}\n"
    )
    assert findings(text) == []


def test_raw_blocks_are_kept_as_written_and_holes_keep_positions():
    text = (
        "{% raw %}LISTEN raw_channel;{% endraw %}\n"
        "{{ config(\n    materialized='view'\n) }}  /* header */ LISTEN {{ channel }};\n"
        "\tCREATE TEMP TABLE {{ this.identifier }}_{{ suffix }} (id int);\n"
    )
    assert findings(text) == [(1, 10, "PIN110", HIGH), (4, 20, "PIN110", HIGH), (5, 2, "PIN108", HIGH)]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_positions_after_multi_line_templates_for_every_line_break(newline):
    text = newline.join(["{#", " a comment", "#}{% if x", "%}SET ROLE a;{% endif %}", "{{ x", "}} LISTEN b;", ""])
    assert findings(text) == [(4, 3, "PIN104", MEDIUM), (6, 4, "PIN110", HIGH)]


def test_a_template_that_never_closes_is_read_up_to_there():
    # Jinja refuses such a template; what comes before is still judged, the rest is left as written.
    for unclosed in ("{{ x", "{% if x", "{# note", "{{ 'quote }}", "{% raw %}"):
        assert findings(f"LISTEN a;\n{unclosed}\nLISTEN b;\n")[0] == (1, 1, "PIN110", HIGH)
    assert read_template("{{ 'quote }}\nLISTEN b;").text == "{{ 'quote }}\nLISTEN b;"
    assert read_template("{% if x %}LISTEN b;").conditional == ((0, 19),)


def test_template_braces_in_plain_sql_are_harmless():
    text = (
        "SELECT '{\"a\": 1}'::jsonb, '{{1,2},{3,4}}'::int[][], name LIKE '{%' FROM t;\n"
        "LISTEN after_braces;\n"
    )
    assert findings(text) == [(2, 1, "PIN110", HIGH)]


def test_comments_keep_the_text_their_author_wrote():
    sql = lex("-- {{ x }} and {name}\nSELECT 1; /* {% if y %} */", script=True)
    assert [c.text for c in sql.comments] == ["-- {{ x }} and {name}", "/* {% if y %} */"]
    assert [s.text for s in statements(sql)] == ["SELECT 1"]


# --- EXECUTE in PL/pgSQL bodies -----------------------------------------------------------------

ROUTINE = """\
CREATE FUNCTION switch_tenant(p_schema text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT set_config(%L, %L, %L)', 'search_path', p_schema, 'false');
    EXECUTE 'SELECT ''tenant''; LISTEN ' || quote_ident(p_schema);
    EXECUTE format('CREATE TEMP TABLE %I (id int)', 'seen_' || p_schema) USING p_schema;
    EXECUTE $q$SET ROLE tenant_admin$q$;
    EXECUTE format('SET LOCAL search_path = %I', p_schema);
    EXECUTE format('CREATE TEMP TABLE %I (id int) ON COMMIT DROP', 'scratch');
    EXECUTE p_statement;
    EXECUTE format('%s', 'LISTEN hidden');
END
$$;
"""


def test_sql_a_routine_runs_with_execute_is_judged_where_it_is_written():
    assert findings(ROUTINE) == [
        (3, 28, "PIN119", HIGH), (4, 33, "PIN119", HIGH), (5, 21, "PIN119", HIGH), (6, 16, "PIN119", HIGH),
        (10, 21, "PIN119", HIGH),
    ]
    messages = [f.message for f in lint_source(ROUTINE.encode(), "f.sql", Settings()).findings]
    assert messages[0].startswith("`set_config(..., false)` changes a session setting inside a routine body")


# --- hostile input ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, data, first",
    [
        ("tags.sql", b"LISTEN a; " + b"{% " * 100_000 + b"\n", 1),
        ("expressions.sql", b"LISTEN a; " + b"{{ (" * 100_000 + b"\n", 1),
        ("strings.sql", b"LISTEN a; " + b"{{ '" * 100_000 + b"\n", 1),
        ("fields.sql", b"LISTEN a; " + b"{x.y[" * 100_000 + b"\n", 1),
        ("ifs.sql", b"{% if x %}{{ y }}" * 20_000 + b"\nLISTEN a;\n" + b"{% endif %}" * 20_000, 2),
        ("meta-quotes.sql", b"\\set x " + b"'\\\\' " * 100_000 + b"\nLISTEN a;\n", 2),
        ("execute.sql", b"DO $$ BEGIN EXECUTE " + b"'SET a TO 1' || " * 20_000 + b"'LISTEN a'; END $$;\nLISTEN a;\n", 2),
    ],
)
def test_long_runs_of_template_syntax(tmp_path, name, data, first):
    code, lines = run_cli(tmp_path, name, data)
    assert code == 1 and f"{name}:{first}:1: {LISTEN_MESSAGE}" in lines


def test_a_routine_that_saves_a_setting_before_changing_it_is_low_confidence():
    from pinlint.diagnostics import Confidence
    from pinlint.engine import lint_text
    from pinlint.settings import Settings

    sql = (
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\n"
        "DECLARE v_old text;\n"
        "BEGIN\n"
        "  v_old := current_setting('search_path');\n"
        "  EXECUTE format('SELECT set_config(%L, %L, %L)', 'search_path', 'partman,public', 'false');\n"
        "  PERFORM set_config('statement_timeout', '5s', false);\n"
        "  EXECUTE format('SELECT set_config(%L, %L, %L)', 'search_path', v_old, 'false');\n"
        "END $$;\n"
    )
    found = lint_text(sql, "f.sql", Settings(min_confidence=Confidence.LOW), is_python=False).findings
    assert [(f.row, f.code, f.confidence.value, f.message.split(":")[0]) for f in found] == [
        (5, "PIN119", "low", "`set_config(..., false)` changes a session setting inside a routine body (the routine "
         "reads `current_setting('search_path')` first"),
        (6, "PIN119", "high", "`set_config(..., false)` changes a session setting inside a routine body"),
        (7, "PIN119", "low", "`set_config(..., false)` changes a session setting inside a routine body (the routine "
         "reads `current_setting('search_path')` first"),
    ]
