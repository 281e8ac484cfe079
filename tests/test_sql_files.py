"""`.sql` files as people write them: psql scripts (meta-commands, COPY data, variables). Every
finding keeps its exact row and column in the file as written."""

from __future__ import annotations

import pytest

from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source
from pinlint.settings import Settings

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


# --- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data, first",
    [
        ("meta-quotes.sql", b"\\set x " + b"'\\\\' " * 100_000 + b"\nLISTEN a;\n", 2),
    ],
)
def test_long_runs_of_script_syntax(tmp_path, name, data, first):
    code, lines = run_cli(tmp_path, name, data)
    assert code == 1 and f"{name}:{first}:1: {LISTEN_MESSAGE}" in lines
