"""Hostile and pathological input to `.sql` files, the SQL lexer, connection strings and config
files: psql scripts keep their findings exact, every line break counts, nothing raises, and no
scan grows faster than its input (each reproduction runs the CLI under a time-out, so a
regression fails instead of hanging)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pinlint
from pinlint.connections.config_file import connections_in
from pinlint.connections.dsn import parse_connection_string, parse_conninfo, startup_options
from pinlint.connections.files import config_lines, read_config_values
from pinlint.engine import lint_source
from pinlint.rules import LINT_RULES
from pinlint.settings import Settings
from pinlint.sql.analyze import analyze_sql
from pinlint.sql.lexer import MYSQL, POSTGRES, lex, statements

from test_fuzz import fuzz

SOURCE_ROOT = str(Path(pinlint.__file__).resolve().parents[1])
TIME_OUT = 60  # seconds: far above what the linear scans need, far below what the old ones took


def findings(text: str, display: str = "a.sql") -> list[tuple[int, int, int, int, str]]:
    report = lint_source(text.encode(), display, Settings())
    return [(f.row, f.col, f.end_row, f.end_col, f.code) for f in report.findings]


def run_cli(directory: Path, name: str, data: bytes) -> tuple[int, list[str]]:
    """Lint one file with the CLI in a subprocess that cannot outlive TIME_OUT."""
    (directory / name).write_bytes(data)
    # The pinlint under test, not whichever one the interpreter has installed.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [SOURCE_ROOT, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, "-m", "pinlint", "check", "--isolated", "--output-format", "concise", name],
        cwd=directory, capture_output=True, text=True, timeout=TIME_OUT, env=env,
    )
    return result.returncode, [line.split(". Fix: ")[0] for line in result.stdout.splitlines()]


# --- psql scripts -------------------------------------------------------------------------------

PSQL_SCRIPT = (
    "\\set tenant acme\n"
    "SET search_path TO a;\n"
    "\\c app\n"
    "LISTEN jobs;\n"
    "\\! echo hi \\\\ SET ROLE nobody;\n"  # `\!` takes the whole line, `\\` included
    "SELECT 1 \\gset\n"  # sends the query: the SET below is a statement of its own
    "SET ROLE admin;\n"
    "COPY t (a, b) FROM stdin;\n"
    "SET search_path TO b;\t'x\n"  # data, not SQL, and its quote does not open a string
    "\\.\n"
    "  LISTEN more; \\echo done \\\\ LISTEN last;\n"
)


def test_psql_meta_commands_and_copy_data_are_not_sql():
    assert findings(PSQL_SCRIPT) == [
        (2, 1, 2, 21, "PIN101"),
        (4, 1, 4, 12, "PIN110"),
        (7, 1, 7, 15, "PIN104"),
        (11, 3, 11, 14, "PIN110"),
        (11, 30, 11, 41, "PIN110"),
    ]


def test_copy_data_without_an_end_marker_runs_to_the_end_of_the_file():
    assert findings("LISTEN a;\ncopy t from STDIN with (format csv);\nLISTEN b;\n") == [(1, 1, 1, 9, "PIN110")]


def test_backslashes_inside_quotes_comments_and_dollar_bodies_are_sql():
    text = (
        "SELECT '\\set x', E'\\'\\c', \"\\d\" /* \\i f */; -- \\c db\n"
        "DO $$ BEGIN PERFORM '\\x'; END $$;\n"
        "LISTEN a;\n"
    )
    assert findings(text) == [(3, 1, 3, 9, "PIN110")]


def test_meta_commands_are_sql_in_python_strings_and_mysql():
    # Only a .sql file is a psql script: elsewhere a backslash stays what the tokenizer makes of it.
    assert [s.text for s in statements(lex("\\set x 1\nLISTEN a"))] == ["\\set x 1\nLISTEN a"]
    assert [s.text for s in statements(lex("\\set x 1\nLISTEN a", MYSQL, script=True))] == ["\\set x 1\nLISTEN a"]
    assert [s.text for s in statements(lex("\\set x 1\nLISTEN a", POSTGRES, script=True))] == ["LISTEN a"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_rows_and_columns_for_every_line_break(newline):
    text = newline.join(["SELECT 1;", "LISTEN a;", "  /* x */ LISTEN b;", "\\c db", "LISTEN c;", ""])
    assert findings(text) == [(2, 1, 2, 9, "PIN110"), (3, 11, 3, 19, "PIN110"), (5, 1, 5, 9, "PIN110")]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_blank_line_ends_a_suppression_comment_for_every_line_break(newline):
    text = newline.join(["-- pinlint: ignore[PIN110]", "", "LISTEN a;", "-- pinlint: ignore[PIN110]", "LISTEN b;", ""])
    assert findings(text) == [(1, 1, 1, 1, "PIN901"), (3, 1, 3, 9, "PIN110")]  # the first one covers nothing


def test_comments_on_one_line_and_own_line_comments():
    sql = lex("SELECT 1; /* a */ /* b */\n  -- c\n/* d\n */ -- e\n")
    assert [(c.text, c.own_line) for c in sql.comments] == [
        ("/* a */", False), ("/* b */", False), ("-- c", True), ("/* d\n */", True), ("-- e", False),
    ]


def test_mysql_delimiter_only_at_the_start_of_a_line():
    sql = lex("SELECT 1 DELIMITER DELIMITER;\n  DELIMITER //\nSELECT 2 //\n", MYSQL)
    assert [s.text for s in statements(sql)] == ["SELECT 1 DELIMITER DELIMITER", "SELECT 2 //"]


def test_a_lone_surrogate_in_a_python_string_is_analysed():
    report = lint_source(b'import psycopg2\ncur.execute("SET a TO 1; \\ud800")\n', "a.py", Settings())
    assert [(f.row, f.col, f.code) for f in report.findings] == [(2, 13, "PIN101")]


# --- reproductions: each finishes well inside the time-out -----------------------------------

LISTEN_MESSAGE = (
    "PIN110 `LISTEN` subscribes the backend, not the client: pins the session on RDS Proxy; loses the "
    "notifications on PgBouncer (they go to a backend the client no longer holds)"
)


@pytest.mark.slow
def test_many_findings_in_a_sql_file(tmp_path):
    code, lines = run_cli(tmp_path, "many.sql", b"LISTEN a;\n" * 32_000)
    assert code == 1
    assert lines == [f"many.sql:{row}:1: {LISTEN_MESSAGE}" for row in range(1, 32_001)]


@pytest.mark.slow
def test_many_suppressed_statements(tmp_path):
    code, lines = run_cli(tmp_path, "quiet.sql", b"-- pinlint: ignore[PIN110]\nLISTEN a;\n" * 16_000 + b"LISTEN b;\n")
    assert (code, lines) == (1, [f"quiet.sql:32001:1: {LISTEN_MESSAGE}"])


@pytest.mark.slow
def test_calls_nested_deep(tmp_path):
    depth = 3_000
    call = "set_config('a', 'b', "
    code, lines = run_cli(tmp_path, "deep.sql", ("SELECT " + call * depth + "false" + ")" * depth + ";\n").encode())
    calls = [f"deep.sql:1:{8 + len(call) * level}: PIN102" for level in range(depth)]
    assert code == 1
    assert [" ".join(line.split(" ")[:2]) for line in lines] == ["deep.sql:1:1: PIN118", *calls]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, data, first",
    [
        ("placeholders.sql", b"LISTEN a; SELECT '" + b"%(" * 200_000 + b"'\n", 1),
        ("comments.sql", b"LISTEN a; " + b"/**/ " * 200_000 + b"\n", 1),
        ("meta.sql", b"\\set x 1\nLISTEN a;\n" * 2_000, 2),
        ("copy.sql", b"COPY t FROM stdin;\n" + b"1\t'x\t/*\n" * 10_000 + b"\\.\nLISTEN a;\n", 10_003),
    ],
)
def test_long_runs_in_sql_files(tmp_path, name, data, first):
    code, lines = run_cli(tmp_path, name, data)
    assert code == 1 and lines[0] == f"{name}:{first}:1: {LISTEN_MESSAGE}"


URL = "postgresql://h/d?options=-c%20search_path%3Da"


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, data, marker, count",
    [
        ("form-feeds.ini", "".join(f"[s{i}]\nurl = \f{URL}\n" for i in range(2_000)), URL, 2_000),
        ("quotes.env", "A=\"x\nB='x\n" * 40_000 + f"DATABASE_URL={URL}\n", URL, 1),
        ("table.toml", "a = {" + ", ".join(f'k{i} = "x"' for i in range(80_000)) + f'}}\nurl = "{URL}"\n', '"' + URL, 1),
        ("array.toml", "a = [" + ", ".join(f'"\\u0041{i}"' for i in range(20_000)) + f', "{URL}"]\n', '"' + URL, 1),
        ("conninfo.env", "DATABASE_URL=" + "host=h " * 200_000 + "options=-csearch_path=a\n", "host=h", 1),
    ],
)
def test_long_config_files(tmp_path, name, data, marker, count):
    code, lines = run_cli(tmp_path, name, data.encode())
    offset = data.index(marker)
    row = data.count("\n", 0, offset) + 1
    col = offset - (data.rfind("\n", 0, offset) + 1) + 1
    assert code == 1 and len(lines) == count
    assert lines[0].startswith(f"{name}:{row}:{col}: PIN201 ")


# --- properties ---------------------------------------------------------------------------------

HOSTILE = st.sampled_from(
    ["'", '"', "`", "\\", "\\\\", "/*", "*/", "$$", "$tag$", "$1", "--", "#", "\n", "\r", "\r\n", ";", "(", ")",
     "[", "]", "%", "%(", ")s", "{", "}", "\f", "\ud800", " ", "E'", "\\.", "\\set x", "\\g", "COPY t FROM stdin",
     "DELIMITER", "SET a TO 1", "LISTEN a", "set_config(", ",", "=", "x"]
)
hostile_text = st.lists(st.one_of(HOSTILE, st.text(max_size=3)), max_size=40).map("".join)


def reference_line_starts(text: str) -> list[int]:
    starts, index = [0], 0
    while index < len(text):
        if text[index] == "\r" and text[index + 1 : index + 2] == "\n":
            index += 1
        if text[index] in "\r\n":
            starts.append(index + 1)
        index += 1
    return starts


@fuzz(max_examples=400)
@given(text=hostile_text, dialect=st.sampled_from([POSTGRES, MYSQL]), script=st.booleans())
def test_lexer_keeps_order_and_offsets(text, dialect, script):
    sql = lex(text, dialect, script)
    pieces = sorted([(t.start, t.end) for t in sql.tokens] + [(c.start, c.end) for c in sql.comments])
    for (start, end), (next_start, _) in zip(pieces, pieces[1:] + [(len(text), 0)]):
        assert 0 <= start < end <= next_start <= len(text)
    for comment in sql.comments:
        assert text[comment.start : comment.end] == comment.text
    spans = [(s.start, s.end) for s in statements(sql)]
    assert all(start < end <= next_start for (start, end), (next_start, _) in zip(spans, spans[1:] + [(len(text), 0)]))
    starts = reference_line_starts(text)
    for offset in range(len(text) + 1):
        row = sum(1 for s in starts if s <= offset)
        assert (sql.line_of(offset), sql.column_of(offset)) == (row, offset - starts[row - 1] + 1)


@fuzz(max_examples=200)
@given(text=hostile_text, dialect=st.sampled_from([POSTGRES, MYSQL]))
def test_sql_analysis_never_raises_and_places_hits_inside(text, dialect):
    analysis = analyze_sql(text, dialect, LINT_RULES, script=True)
    assert all(0 <= hit.offset <= len(text) for hit in analysis.hits)
    assert all(1 <= s.first_line <= s.last_line for s in analysis.suppressions)


def reference_conninfo(text: str) -> dict[str, str] | None:
    """libpq's grammar spelled out the slow way: copy the rest to see whether anything is left."""
    pattern = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*")
    from pinlint.connections.dsn import LIBPQ_KEYWORDS, _conninfo_value

    params, position = {}, 0
    while position < len(text) and text[position:].strip():
        match = pattern.match(text, position)
        if match is None or match.group(1) not in LIBPQ_KEYWORDS:
            return None
        value, position = _conninfo_value(text, match.end())
        if value is None:
            return None
        params[match.group(1)] = value
    return params or None


conninfo_text = st.lists(
    st.one_of(st.sampled_from(["host", "options", "user", "=", " ", "'", "\\", "\\ ", "-c", "\f", "\ud800", "\n", "x=y"]),
              st.text(max_size=3)),
    max_size=20,
).map("".join)


@fuzz(max_examples=400)
@given(text=conninfo_text)
def test_conninfo_parses_like_libpq_grammar(text):
    assert parse_conninfo(text) == reference_conninfo(text)
    parse_connection_string(text)
    parse_connection_string("postgresql://h/d?" + text)
    startup_options(text)


CONFIG_PIECES = st.sampled_from(
    ["url", "=", ":", " = ", "- ", "[s]", "[", "]", "{", "}", '"', "'", '"""', "\\", "#", ";", "!", "\n", "\r", "\r\n",
     "\f", "\ud800", "\t", "export ", URL, "host=h options=-csearch_path=a", "%", "&", ","]
)
config_text = st.lists(st.one_of(CONFIG_PIECES, st.text(max_size=3)), max_size=30).map("".join)


# YAML also ends lines at NEL and the Unicode line and paragraph separators.
_YAML_LINE_BREAK = re.compile("[\n\x85\u2028\u2029]")


@fuzz(max_examples=300)
@given(text=config_text, fmt=st.sampled_from(["env", "ini", "toml", "yaml", "properties"]))
def test_config_readers_never_raise_and_place_values_on_their_lines(text, fmt):
    lines = config_lines(text)
    if fmt == "yaml":
        lines = _YAML_LINE_BREAK.split("\n".join(lines))
    for value in read_config_values(text, fmt):
        assert value.value
        assert 1 <= value.row <= len(lines) and 1 <= value.col <= len(lines[value.row - 1]) + 1
    for _, (row, col, length) in connections_in(text, fmt):
        assert 1 <= row <= len(lines) and col >= 1 and length >= 0
