"""Nothing from a scanned file reaches the terminal or a CI log as a control sequence, a line break
or a workflow command; odd text (lone surrogates, names that are not UTF-8, UTF-16 files) loses
no output.

The command line runs in a subprocess with a time limit, so a regression fails instead of hanging,
and its output is compared as bytes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, budget
from pinlint.diagnostics import Confidence, Finding, Severity
from pinlint.engine import Report
from pinlint.output import writer
from pinlint.output.text import visible, visible_path
from pinlint.settings import OUTPUT_FORMATS

SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
HUMAN_FORMATS = ("full", "concise")
JSON_FORMATS = ("json", "json-lines", "sarif", "gitlab")

# What no line of human-readable output may hold: C0 controls but tab, DEL, C1 controls (U+0085
# among them), line and paragraph separators, bidi embeddings, overrides and isolates, surrogates.
FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

# The reproduction: a quoted identifier whose line break starts a workflow command.
INJECTED = 'SET "x\n::error file=README.md,line=1::injected" TO 1;\n'
INJECTED_SHOWN = "x\\n::error file=README.md,line=1::injected"
SET_FIX = (
    "Set it per role or database instead (`ALTER ROLE app SET {0} = ...`); behind PgBouncer alone, "
    "`SET LOCAL {0} ...` inside a transaction also works (outside one it silently does nothing)"
)
SET_A_CONCISE = f"PIN101 `SET a` changes a session setting: pins the session on RDS Proxy. Fix: {SET_FIX.format('a')}\n"


def pinlint(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """`pinlint check --no-cache --target rds-proxy ARGS` in ``cwd``, on this checkout's code."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    for name in ("GITHUB_STEP_SUMMARY", "PYTHONIOENCODING"):
        if name not in (env or {}):
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "pinlint", "check", "--no-cache", "--target", "rds-proxy", *args],
        cwd=cwd, capture_output=True, timeout=60, env=environment,
    )


def assert_harmless(text: str) -> None:
    """Every line shows scanned content visibly: no control, separator, bidi control or
    surrogate, no line that GitHub Actions would run as a command (`::x` after blanks, or the
    legacy `##[x]` anywhere)."""
    for line in text.split("\n"):
        assert not FORBIDDEN.search(line), repr(line)
        assert not line.lstrip().startswith("::"), repr(line)
        assert "##[" not in line and "##vso[" not in line, repr(line)


def _strings(document) -> list[str]:
    """Every string in a parsed JSON document."""
    if isinstance(document, dict):
        return [text for value in document.values() for text in _strings(value)]
    if isinstance(document, list):
        return [text for value in document for text in _strings(value)]
    return [document] if isinstance(document, str) else []


# --- line breaks, terminal escapes and workflow commands --------------------------------------


def test_a_line_break_in_scanned_sql_cannot_start_a_workflow_command(tmp_path):
    (tmp_path / "a.sql").write_text(INJECTED, encoding="utf-8")
    full = pinlint(tmp_path, "a.sql")
    assert full.returncode == 1
    assert full.stdout.decode() == (
        f"a.sql:1:1: PIN101 [warning] `SET {INJECTED_SHOWN}` changes a session setting: pins the session on RDS Proxy\n"
        "  |\n"
        '1 | SET "x\n'
        "  | ^^^^^^\n"
        "  |\n"
        f"  = help: {SET_FIX.format(INJECTED_SHOWN)}\n"
        "\n"
    )
    assert full.stderr == b"Found 1 finding (0 errors, 1 warning) in 1 file. Targets: rds-proxy.\n"
    concise = pinlint(tmp_path, "--output-format", "concise", "a.sql")
    assert concise.stdout.decode() == (
        f"a.sql:1:1: PIN101 `SET {INJECTED_SHOWN}` changes a session setting: pins the session on RDS Proxy. "
        f"Fix: {SET_FIX.format(INJECTED_SHOWN)}\n"
    )


def test_the_code_frame_shows_controls_escaped_with_the_caret_under_them(tmp_path):
    # A bidi override and an ESC inside the span, the legacy `##[error]` command after it.
    (tmp_path / "b.sql").write_text('SELECT 1; SET "\u202e\x1b[31m" TO 1; -- ##[error]x\n', encoding="utf-8")
    result = pinlint(tmp_path, "b.sql")
    shown = "\\u202e\\x1b[31m"
    assert result.stdout.decode() == (
        f"b.sql:1:11: PIN101 [warning] `SET {shown}` changes a session setting: pins the session on RDS Proxy\n"
        "  |\n"
        f'1 | SELECT 1; SET "{shown}" TO 1; -- #\\x23[error]x\n'
        f"  |           {'^' * 25}\n"
        "  |\n"
        f"  = help: {SET_FIX.format(shown)}\n"
        "\n"
    )


def test_rows_end_only_where_python_and_postgresql_end_them(tmp_path):
    # str.splitlines() also breaks at a form feed, U+0085 and U+2028: the frame showed row 4 as 5.
    (tmp_path / "a.py").write_text(
        'import psycopg2\n\x0c\ndef f(cur):\n    """a\x85b\u2028c"""\n    cur.execute("SET a TO 1")\n', encoding="utf-8"
    )
    result = pinlint(tmp_path, "a.py")
    assert result.stdout.decode() == (
        "a.py:5:17: PIN101 [warning] `SET a` changes a session setting: pins the session on RDS Proxy\n"
        "  |\n"
        '5 |     cur.execute("SET a TO 1")\n'
        "  |                 ^^^^^^^^^^^^\n"
        "  |\n"
        f"  = help: {SET_FIX.format('a')}\n"
        "\n"
    )
    # A configuration comment covers the row after it, counted the same way.
    (tmp_path / ".env").write_text(
        "A=1\x0c\n# pinlint: ignore[PIN201]\nDATABASE_URL=postgresql://h/d?options=-csearch_path%3Da\n", encoding="utf-8"
    )
    assert pinlint(tmp_path, ".env").stderr == b"All checks passed. Targets: rds-proxy.\n"


def test_log_commands_of_github_and_azure_are_shown_inert():
    assert visible("-- ##[error]x ##vso[task.setvariable variable=a]b ###vso[c") == (
        "-- #\\x23[error]x #\\x23vso[task.setvariable variable=a]b ##\\x23vso[c"
    )

def test_a_long_line_is_framed_as_a_window_around_each_span(tmp_path):
    # Minified SQL: printed whole for each of its findings, one line made output quadratic in it.
    (tmp_path / "a.sql").write_text("SELECT 1; " * 60 + "SET a TO 1; " * 1000 + "\n", encoding="utf-8")
    out = pinlint(tmp_path, "a.sql").stdout.decode()
    assert out.count("PIN101") == 1000
    assert len(out) < 1000 * 600  # each finding's text is bounded, whatever the line's length
    first, last = out.split("\n\n")[0], out.split("\n\n")[999]
    assert first.split("\n")[1:4] == [
        "  |",
        "1 | ..." + "SELECT 1; " * 6 + "SET a TO 1" + "; SET a TO 1" * 5 + "...",
        "  |    " + " " * 60 + "^" * 10,
    ]
    assert last.split("\n")[2:4] == ["1 | ..." + "SET a TO 1; " * 6, "  |    " + " " * 60 + "^" * 10]


HOSTILE_NAMES = {
    "::error file=x::n.sql": "./::error file=x::n.sql",
    " ::warning::n.sql": "./ ::warning::n.sql",
    "a\n::add-mask::b.sql": "a\\n::add-mask::b.sql",
    "\x1b]0;owned\x07.sql": "\\x1b]0;owned\\x07.sql",
    "odd%,:\r.sql": "odd%,:\\r.sql",
}


@pytest.fixture
def hostile_names(tmp_path):
    for name in HOSTILE_NAMES:
        (tmp_path / name).write_text("SET a TO 1;\n", encoding="utf-8")
    return tmp_path


def test_hostile_file_names_in_concise_output(hostile_names):
    result = pinlint(hostile_names, "--output-format", "concise")
    assert result.returncode == 1
    shown = sorted(HOSTILE_NAMES.items())  # findings are sorted by the file's real name
    assert result.stdout.decode() == "".join(f"{name}:1:1: {SET_A_CONCISE}" for _, name in shown)


def test_hostile_file_names_in_full_output(hostile_names):
    out = pinlint(hostile_names).stdout.decode()
    headers = [line for line in out.split("\n") if ":1:1: PIN101" in line]
    assert headers == [f"{name}:1:1: PIN101 [warning] `SET a` changes a session setting: pins the session on RDS Proxy"
                       for _, name in sorted(HOSTILE_NAMES.items())]
    assert_harmless(out)


def test_github_escapes_file_names_as_the_runner_unescapes_them(hostile_names):
    lines = pinlint(hostile_names, "--output-format", "github").stdout.decode().split("\n")
    files = [re.match(r"::warning file=(.*?),line=1,", line)[1] for line in lines if line]
    # `%`, CR, LF, `:` and `,` escaped; the rest of the name kept, so the annotation lands on the file.
    assert files == [
        "\x1b]0;owned\x07.sql",
        " %3A%3Awarning%3A%3An.sql",
        "%3A%3Aerror file=x%3A%3An.sql",
        "a%0A%3A%3Aadd-mask%3A%3Ab.sql",
        "odd%25%2C%3A%0D.sql",
    ]
    assert all(line.endswith(f"::`SET a` changes a session setting: pins the session on RDS Proxy%0AFix: {SET_FIX.format('a')}")
               for line in lines if line)


def test_github_messages_escape_scanned_controls(tmp_path):
    (tmp_path / "a.sql").write_text('SET "50%\r\n::x,\x1b[2J" TO 1;\n', encoding="utf-8")
    out = pinlint(tmp_path, "--output-format", "github").stdout.decode()
    shown = "50%25\\r\\n::x,\\x1b[2J"
    assert out == (
        "::warning file=a.sql,line=1,endLine=2,title=pinlint PIN101 (session-set)::"
        f"`SET {shown}` changes a session setting: pins the session on RDS Proxy%0AFix: {SET_FIX.format(shown)}\n"
    )


# Scanned text reaches messages in many ways: SQL identifiers, config keys, option names in URLs,
# rule names in suppressions, file names; each with every kind of control.
CONTROLS = ["\n", "\r", "\x0b", "\x0c", "\x1b[2J", "\x1b]8;;https:x\x07", "\x7f", "\x85", "\x9b31m", "\u2028",
            "\u2029", "\u202e", "\u2067", "\x00"]


@pytest.fixture
def hostile_tree(tmp_path):
    for number, control in enumerate(CONTROLS):
        quoted = control.replace('"', "")
        (tmp_path / f"set{number}.sql").write_text(f'SET "a{quoted}::error::b" TO 1;\n', encoding="utf-8")
        (tmp_path / f"suppression{number}.sql").write_text(f"SELECT 1; -- pinlint: ignore[PIN{quoted}]\n", encoding="utf-8")
        if control != "\x00":  # the one character a file name cannot hold
            (tmp_path / f"name{number}{control}.sql").write_text("SET a TO 1;\n", encoding="utf-8")
        yaml_key = json.dumps(f"DATABASE_URL{control}::error::k")  # a JSON string is a YAML scalar
        (tmp_path / f"config{number}.yaml").write_text(
            f'{yaml_key}: "postgresql://h/d?options=-c%20a%3D1"\n', encoding="utf-8"
        )
    (tmp_path / "libpq.py").write_text(
        'import psycopg2\npsycopg2.connect(host="h", options="-c a\\x1b[2J=1")\n'
        'cur.execute("SET \\"\\x1b]0;t\\x07\\u202e\\" TO 1")\n',
        encoding="utf-8",
    )
    return tmp_path


def test_no_human_readable_line_carries_a_control_or_a_command(hostile_tree):
    findings = json.loads(pinlint(hostile_tree, "--output-format", "json").stdout)
    # One finding a file, two in the Python file; none where a line break ends the suppression.
    assert len(findings) == 55
    for args in (("--output-format", "full"), ("--output-format", "concise"), ("--statistics",)):
        result = pinlint(hostile_tree, *args)
        assert result.returncode == 1
        assert_harmless(result.stdout.decode())
        assert_harmless(result.stderr.decode())
        if "concise" in args:
            assert result.stdout.count(b"\n") == len(findings)  # one line a finding


def test_the_flake8_plugin_yields_one_harmless_line_a_finding(hostile_tree, monkeypatch):
    from pinlint.flake8_plugin import PinlintChecker

    monkeypatch.chdir(hostile_tree)
    lines = (hostile_tree / "libpq.py").read_text(encoding="utf-8").splitlines(keepends=True)
    texts = [text for _, _, text, _ in PinlintChecker(None, "libpq.py", lines).run()]
    assert texts == [
        "PIN201 `psycopg2.connect()` sends `options=-c a\\x1b[2J=1` as a startup parameter: rejects the "
        "connection on RDS Proxy (“RDS Proxy currently doesn't support command-line options”); rejects the "
        "connection on PgBouncer (“unsupported startup parameter in options: a\\x1b[2J”). Fix: Set it for the role "
        "instead: `ALTER ROLE app SET a\\x1b[2J = '1'` (or `ALTER DATABASE`, or RDS Proxy's initialization query), "
        "and keep startup parameters to application_name, client_encoding, DateStyle and TimeZone",
        "PIN101 `SET \\x1b]0;t\\x07\\u202e` changes a session setting: pins the session on RDS Proxy; leaks "
        "\\x1b]0;t\\x07\\u202e to the next client on PgBouncer. Fix: "
        + SET_FIX.format("\\x1b]0;t\\x07\\u202e"),
    ]


def test_json_formats_stay_valid_and_keep_the_text(hostile_tree):
    for output_format in JSON_FORMATS:
        out = pinlint(hostile_tree, "--output-format", output_format).stdout.decode()
        if output_format == "json-lines":
            documents = [json.loads(line) for line in out.split("\n")[:-1]]
        else:
            documents = json.loads(out)
        if output_format == "sarif":
            jsonschema.validate(documents, SARIF_SCHEMA)
        assert any("`SET a\n::error::b`" in text for text in _strings(documents)), output_format
    assert all(line[0] in "[]{ " for line in pinlint(hostile_tree, "--output-format", "json").stdout.decode().split("\n")[:-1])


def test_messages_outside_the_findings_are_one_line(tmp_path):
    hostile = tmp_path / "x\n::error::y"
    hostile.mkdir()
    (hostile / "pyproject.toml").write_text("[tool]\npinlint = 1\n", encoding="utf-8")
    (hostile / "a.py").write_text("", encoding="utf-8")
    result = pinlint(tmp_path, "x\n::error::y/a.py")
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == f"pinlint: error: {tmp_path}/x\\n::error::y/pyproject.toml: [tool.pinlint] must be a table, got 1\n"
    (tmp_path / "empty\x1b[2J").mkdir()
    result = pinlint(tmp_path, "empty\x1b[2J")
    assert result.stderr == (
        b"pinlint: warning: no .py, .pyi, .sql or configuration (.env, .ini, .cfg, .toml, .yaml, .yml, .properties, .tf) "
        b"files to lint under empty\\x1b[2J\nAll checks passed. Targets: rds-proxy.\n"
    )


# --- lone surrogates, names that are not UTF-8, consoles that are not UTF-8 ------------------

SURROGATE_PY = 'import psycopg2\ncur.execute("SET \\"\\ud800\\" TO 1")\n'


@pytest.mark.parametrize("output_format", OUTPUT_FORMATS)
def test_a_lone_surrogate_loses_no_output(tmp_path, output_format):
    (tmp_path / "lone.py").write_text(SURROGATE_PY, encoding="utf-8")
    (tmp_path / "normal.sql").write_text("SET a TO 1;\n", encoding="utf-8")
    result = pinlint(tmp_path, "--output-format", output_format)
    assert result.returncode == 1, result.stderr
    out = result.stdout.decode("utf-8")  # strictly: nothing unencodable was written
    assert "normal.sql" in out and "PIN900" not in out
    if output_format in HUMAN_FORMATS:
        assert "`SET \\ud800`" in out
        assert_harmless(out)
    elif output_format == "github":
        assert "::warning file=lone.py,line=2,endLine=2,col=13,endColumn=34,title=pinlint PIN101 (session-set)::`SET \\ud800`" in out
    else:
        documents = [json.loads(line) for line in out.split("\n")[:-1]] if output_format == "json-lines" else json.loads(out)
        assert any("`SET \ud800`" in text for text in _strings(documents))


def _finding(path: str, message: str, fix: str = "Fix it") -> Finding:
    return Finding(
        path=path, row=1, col=2, code="PIN101", message=message, end_row=1, end_col=4, name="session-set", fix=fix,
        severity=Severity.ERROR, confidence=Confidence.HIGH, consequences={"rds-proxy": "pins"},
    )


# github's `file` property keeps the name's characters so the annotation lands on the file; what
# UTF-8 cannot carry there is escaped when it is written (see the test of a name that is not UTF-8).
@pytest.mark.parametrize("output_format", [f for f in OUTPUT_FORMATS if f != "github"])
def test_every_writer_returns_text_that_can_be_written_as_utf8(output_format):
    report = Report(
        # A name that is not UTF-8 is read into surrogates U+DC80-U+DCFF; a message can hold any.
        findings=[_finding("\udcff.sql", "`SET \ud800`", "\udfff"), _finding("normal.sql", "`SET a`")],
        sources={"\udcff.sql": ["x\ud800y"], "normal.sql": ["SET a TO 1;"]},
    )
    text = writer(output_format)(report)
    assert "normal.sql" in text.encode("utf-8").decode("utf-8")


def test_a_file_name_that_is_not_utf8(tmp_path):
    (tmp_path / os.fsdecode(b"\xff\x1b.sql")).write_text("SET a TO 1;\n", encoding="utf-8")
    outputs = {}
    for output_format in OUTPUT_FORMATS:
        result = pinlint(tmp_path, "--output-format", output_format)
        assert result.returncode == 1, (output_format, result.stderr)
        outputs[output_format] = result.stdout.decode("utf-8")
    assert outputs["concise"] == "\\udcff\\x1b.sql:1:1: " + SET_A_CONCISE
    sarif = json.loads(outputs["sarif"])
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "%FF%1B.sql", "uriBaseId": "%SRCROOT%"}  # the name's own bytes


def test_a_console_that_is_not_utf8(tmp_path):
    (tmp_path / "a.sql").write_text('SET "é" TO 1;\n', encoding="utf-8")
    result = pinlint(tmp_path, "--output-format", "concise", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 1, result.stderr
    assert result.stdout.decode("ascii").startswith("a.sql:1:1: PIN101 `SET \\xe9` changes a session setting")


# --- UTF-16 and UTF-32 files ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_files_with_a_utf16_or_utf32_bom_are_linted(tmp_path, encoding):
    text = "-- ünïcode 😀\nSELECT 1;   SET a TO 1;\n"
    (tmp_path / "a.sql").write_bytes("\ufeff".encode(encoding) + text.encode(encoding))
    python = 'import psycopg2\n\ncur.execute("SET a TO 1")  # 😀\n'
    (tmp_path / "b.py").write_bytes("\ufeff".encode(encoding) + python.encode(encoding))
    result = pinlint(tmp_path, "--output-format", "concise")
    assert result.stdout.decode() == f"a.sql:2:13: {SET_A_CONCISE}b.py:3:13: {SET_A_CONCISE}"
    frame = pinlint(tmp_path, "a.sql").stdout.decode().split("\n")[2:4]
    assert frame == ["2 | SELECT 1;   SET a TO 1;", "  |             ^^^^^^^^^^"]


def test_a_utf16_file_that_is_cut_short_is_reported(tmp_path):
    (tmp_path / "a.sql").write_bytes(b"\xff\xfeS\x00E\x00T\x00 ")
    result = pinlint(tmp_path, "--output-format", "concise")
    assert result.stdout.decode() == (
        "a.sql:1:1: PIN900 cannot decode the file: truncated data. "
        "Fix: Make the file readable by Python or PostgreSQL, or exclude it from linting\n"
    )


# --- properties -------------------------------------------------------------------------------

HOSTILE_TEXT = st.lists(
    st.sampled_from(["'", '"', "\\", "/*", "*/", "$$", "--", "\n", "\r", "\t", "[", "]", "(", ")", "%", "{", "}", ":",
                     "::", "#", "##[", " ", "a", "é", "😀", "\x1b", "\x00", "\x7f", "\x85", "\x9b", "\u2028", "\u2029",
                     "\u202e", "\u2066", "\u200b", "\ufeff", "\ud800", "\udcff"]),
    max_size=20,
).map("".join)


def _reference_visible(text: str) -> str:
    """Character by character, as the docstring says."""
    shown = "".join(c if c.isprintable() or c == "\t" else ascii(c)[1:-1] for c in text)
    return shown.replace("##[", "#\\x23[")


@settings(max_examples=budget(300), deadline=None)
@given(HOSTILE_TEXT)
def test_visible_is_one_harmless_line_and_says_what_it_hides(text):
    shown = visible(text)
    assert shown == _reference_visible(text)
    assert_harmless(visible_path(text))
    if text.isprintable() and "##[" not in text:
        assert shown == text


@settings(max_examples=budget(200), deadline=None)
@given(HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT, st.integers(1, 45), st.integers(0, 45))
def test_human_writers_keep_each_finding_on_its_lines(path, message, line, col, length):
    finding = Finding(
        path=path or "a.sql", row=1, col=col, code="PIN101", message=message, end_row=1, end_col=col + length,
        name="session-set", fix=message, severity=Severity.ERROR, confidence=Confidence.HIGH, consequences={},
    )
    report = Report(findings=[finding], sources={finding.path: [line]})
    concise = writer("concise")(report)
    full = writer("full")(report)
    for text in (concise, full):
        assert_harmless(text)
        text.encode("utf-8")
    assert concise.count("\n") == 1
    assert full.count("\n") == 7
    frame = full.split("\n")
    # The caret starts under the span's first character, escaped as the line is.
    assert frame[3].index("^") - len("  | ") == len(visible(line[: col - 1]))
