"""Hostile input to the Python-side scans (the first pass, the logical-line cutter, suppressions):
each run ends in time with the same verdicts and findings as before, whatever the input repeats.

The command-line tests run pinlint in a subprocess with a time limit far above what they need, so
that a scan that grows exponentially or quadratically with its input fails them instead of
hanging the suite."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_fuzz import fuzz
from test_logical_lines import _assert_cut_as_python_does
from pinlint.python import first_pass
from pinlint.python.first_pass import may_hold_sql, needs_full_analysis
from pinlint.python.logical_lines import logical_lines
from pinlint.sql.lexer import MYSQL, POSTGRES
from pinlint.suppression import Coverage, Suppression, directive_in

ROOT = Path(__file__).resolve().parent.parent
COMMENTS = "/**/" * 40
SET_FINDING = (
    "PIN101 `SET a` changes a session setting: pins the session on RDS Proxy; leaks a to the next client on PgBouncer."
    " Fix: Set it per role or database instead (`ALTER ROLE app SET a = ...`); behind PgBouncer alone,"
    " `SET LOCAL a ...` inside a transaction also works (outside one it silently does nothing)"
)


def _check(path: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pinlint", "check", "--no-cache", "--output-format", "concise", *options, str(path)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )


def _assert_passes(path: Path, *options: str) -> None:
    result = _check(path, *options)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "All checks passed. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n")


@pytest.mark.slow
@pytest.mark.parametrize(
    "source",
    [
        f"# into {COMMENTS}x\n",  # 120 bytes that took minutes
        f'f(options=1, q="{COMMENTS}x")\n',
        "x = 1  # " + "noqa" * 400_000 + "\n",
        "x = 1  # " + "pinlint: ignore[" * 60_000 + "\n",  # under the 1 MiB analysis limit
        "x = 1  # DATABASES: " + "DATABASES: " * 100_000 + "\n",
        "q = '" + "\\n" * 200_000 + "x'\n",
        "q = '" + "SET --;" * 100_000 + "x'\n",
        "q = '" + "into #" * 100_000 + "'\n",
        'import psycopg2\ncur.execute("""' + "\n" * 40_000 + 'x""")\n',  # 40 KB that took two minutes
    ],
    ids=[
        "comments-after-into", "comments-next-to-options", "repeated-noqa", "repeated-ignore",
        "repeated-databases-annotation", "escaped-line-breaks", "line-comments-after-keywords",
        "comments-after-into-repeated", "line-breaks-in-an-executed-string",
    ],
)
def test_repetitive_sources_without_findings_pass_in_time(tmp_path, source):
    path = tmp_path / "a.py"
    path.write_text(source, encoding="utf-8")
    _assert_passes(path)


def test_a_finding_after_a_run_of_comments_is_reported_in_time(tmp_path):
    path = tmp_path / "a.py"
    path.write_text(f'import psycopg2\ncur.execute("{COMMENTS}x; SET a TO 1")\n', encoding="utf-8")
    result = _check(path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{path}:2:13: {SET_FINDING}"]


@pytest.mark.slow
def test_a_long_run_of_creates_is_judged_in_time(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("q = '''" + "\nCREATE" * 100_000 + "'''\n", encoding="utf-8")
    result = _check(path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}:1:5: PIN118 statement text is 699999 bytes: pins the session on RDS Proxy (over the 16384-byte limit)."
        " Fix: Send smaller batches, keep values out of the text with placeholders (server-side binding), or use `COPY`"
    ]


def test_many_findings_among_many_suppressions_are_matched_in_time(tmp_path):
    path = tmp_path / "a.py"
    statements = "SET a TO 1; " * 2_000
    path.write_text(
        "import psycopg2\n" + "# noqa: PIN102\n" * 100_000 + f'cur.execute("{statements}")  # noqa: PIN101\n',
        encoding="utf-8",
    )
    _assert_passes(path, "--select", "PIN101")


# The first pass's verdicts, as the patterns before the linear scans gave them (they still finish
# on these): a run of SQL comments counts as one from its first `/*` to any later `*/`.
@pytest.mark.parametrize(
    "text, verdict",
    [
        ("/* a */ SET x = 1", True),
        ("/* a */ b */ SET x = 1", True),
        ("x; /* a */ b /* c */ SET x = 1", True),
        ("x /* a */ SET x = 1", False),
        ("/*/ SET x = 1", False),
        ("/**/SET x", True),
        ("SET /* a */", False),
        ("SET /* a */ b */ -- c\n;", False),
        ("SET /* a */ b", True),
        ("SET -- a\n-- b\n;", False),
        ("SET -- a\nb", True),
        ("\n\t SET x", True),
        ("CREATE INDEX i; CREATE TEMP TABLE t", True),
        ("CREATE INDEX i; x TEMP", False),
        ("-- x\nDO $$ $$", True),
    ],
)
def test_statement_verdicts_are_those_of_the_patterns_before(text, verdict):
    assert may_hold_sql(text, POSTGRES) is verdict


@pytest.mark.parametrize(
    "source, verdict",
    [
        ("q = ('select 1 into '  # a comment between literals\n     'temp t')", True),
        ("x = 1  # select 1 into /* a */ temp t", False),  # no string holds it
        ("DATABASES: MY_DATABASES_T = {", True),
        ("DATABASES: dict = 1\nx = {", False),
        ("x = 1  # noqa noqa: PIN101", True),
        ("x = 1  # noqa\n# pin", False),
    ],
)
def test_first_pass_verdicts_on_repeated_starts_are_those_of_the_patterns_before(source, verdict):
    assert needs_full_analysis(source, "app.py", "auto") is verdict


def test_a_directive_runs_to_the_first_closing_bracket_after_it():
    assert directive_in("pinlint: ignore[PIN101 pinlint: ignore[PIN102] x]") == (False, ("PIN101", "PINLINT:", "IGNORE[PIN102"))
    assert directive_in("pinlint: ignore[PIN101 " + "pinlint: ignore[" * 3) is None


def test_the_first_covering_suppression_in_order_is_the_one_used():
    suppressions = [
        Suppression(("PIN2",), False, 1, 3),
        Suppression(("PIN10",), False, 2, 2),
        Suppression(("PIN101", "PIN1"), False, 2, 4),
        Suppression(("PIN1",), True, 0, 0),
    ]
    coverage = Coverage(suppressions)
    assert [coverage.covers("PIN101", line) for line in (1, 2, 4, 5)] == [True, True, True, True]
    assert [s.used for s in suppressions] == [set(), {"PIN10"}, {"PIN101", "PIN1"}, {"PIN1"}]
    assert not Coverage(suppressions[:3]).covers("PIN301", 2)


# Property-based: adversarial pieces of SQL and Python source.
PIECES = [
    "/*", "*/", "/**/", "--", "#", "$$", "\n", "\r", "\r\n", " ", "\t", ";", "'", '"', "\\", "\\n", "\\t", "+", "(", ")",
    "[", "]", "{", "}", "%", "%(", "\ud800", "set", "SET", "create", "temp", "function", "do", "into", "lock", "e'",
    "language", "x", "noqa", "pin", "pinlint: ignore[", "DATABASES", ":", "=", "options",
]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)

# The patterns before the linear scans, as the reference on texts short enough for them.
_STARTS = r"(?:^|[;\n])(?:\s|--[^\n]*\n|\#[^\n]*\n|/\*.*?\*/)*"
_END = r"(?=[\s;'\"#]|--|/\*|$)"
_NOT_ALONE = r"(?!(?:[\s;]|--[^\n]*(?:\n|$)|/\*.*?\*/)*$)"
_FUNCTIONS = "|".join(sorted(first_pass.SQL_FUNCTIONS))


def _reference(*patterns: str) -> re.Pattern:
    return re.compile("|".join(patterns), re.IGNORECASE | re.DOTALL)


_SQL_VALUE = _reference(
    rf"{_STARTS}(?:{first_pass._KEYWORDS}){_END}{_NOT_ALONE}",
    rf"{_STARTS}CREATE{_END}[^;]*?(?:TEMP|FUNCTION|PROCEDURE)",
    rf"{_STARTS}DO\s*(?:\$|E?'|LANGUAGE\b)",
    rf"\b(?:{_FUNCTIONS})\b",
    r"\bINTO\s+TEMP(?:ORARY)?\b",
)
_MYSQL_VALUE = _reference(
    rf"{_STARTS}(?:{first_pass._MYSQL_KEYWORDS}){_END}{_NOT_ALONE}", r"@[\w{]", r"/\*M?!", r"\bSQL_CALC_FOUND_ROWS\b",
    r"\bDELIMITER\b",
)


# Where the default is not MySQL, MySQL's own syntax anywhere in a text makes its statements
# MySQL's (`pinlint.sql.dialect`): their first words count, and so do its variables and comments.
_MYSQL_ELSEWHERE = _reference(
    rf"{_STARTS}(?:{first_pass._MYSQL_KEYWORDS}){_END}{_NOT_ALONE}", r"(?<![\w.@])@[\w{@]", r"/\*M?!",
    r"\bSQL_CALC_FOUND_ROWS\b",
)


def _reference_may_hold_sql(text: str, dialect: str) -> bool:
    mysql_elsewhere = dialect != MYSQL and first_pass._MYSQL_SYNTAX.search(text) is not None
    return bool(
        _SQL_VALUE.search(text) or dialect == MYSQL and _MYSQL_VALUE.search(text)
        or mysql_elsewhere and _MYSQL_ELSEWHERE.search(text) or "pinlint" in text.lower()
        or first_pass._over_limit(text)
    )


@fuzz(600)
@given(TEXTS, st.sampled_from([POSTGRES, MYSQL]))
def test_statement_verdicts_on_adversarial_text_are_those_of_the_patterns_before(text, dialect):
    assert may_hold_sql(text, dialect) is _reference_may_hold_sql(text, dialect)


@fuzz(400)
@given(TEXTS)
def test_statement_keywords_in_adversarial_source_are_found_backwards_as_forwards(text):
    from test_first_pass import _forward_statement_keywords

    lowered = text.lower()
    assert {match.end() for match in first_pass._SQL_RAW[0].finditer(lowered)} == _forward_statement_keywords(lowered)


@fuzz(300)
@given(TEXTS, st.sampled_from(["a.py", "backends/mysql/a.py"]))
def test_the_first_pass_verdict_on_adversarial_source_is_that_of_the_full_analysis(text, path):
    """Whatever it clears holds nothing a rule reports: its strings' SQL as the full analysis sees it."""
    source = f"import x\nq = {text!r}\ncur.execute({text!r})\n# {text.splitlines()[0] if text.strip() else ''}\n"
    if needs_full_analysis(source, path, "auto"):
        return
    dialect = MYSQL if "mysql" in path else POSTGRES
    assert not may_hold_sql(text, dialect)


# Python source built from adversarial pieces, each kept valid: string literals of any content,
# comments, brackets nested and spread over lines, line continuations and `\r` line breaks.
_LITERALS = TEXTS.map(repr)
_ATOMS = st.one_of(_LITERALS, st.sampled_from(["x", "1", "f(x)", "b''", "r'\\\\'"]))


def _nested(atoms):
    return st.one_of(
        atoms,
        st.tuples(st.sampled_from(["(", "[", "{"]), st.lists(atoms, max_size=3), st.sampled_from([",\n", ", ", ",  # }\n"]))
        .map(lambda t: t[0] + t[2].join(t[1]) + {"(": ")", "[": "]", "{": "}"}[t[0]]),
    )


_EXPRESSIONS = st.recursive(_ATOMS, _nested, max_leaves=8)
_STATEMENTS = st.one_of(
    _EXPRESSIONS.map(lambda e: f"q = {e}"),
    st.tuples(_EXPRESSIONS, _EXPRESSIONS).map(lambda t: f"q = {t[0]} + \\\n    {t[1]}"),
    _EXPRESSIONS.map(lambda e: f"if {e}:  # {'{'}\n    pass"),
    TEXTS.map(lambda t: "# " + re.sub("[\r\n\ud800]", " ", t)),  # a lone surrogate only in literals
)
_SOURCES = st.tuples(st.lists(_STATEMENTS, max_size=6), st.sampled_from(["\n", "\r\n", "\r"])).map(
    lambda t: "".join(statement.replace("\n", t[1]) + t[1] for statement in t[0])
)


@fuzz(300)
@given(_SOURCES)
def test_adversarial_python_is_cut_as_pythons_tokenizer_cuts_it(source):
    compile(source, "<adversarial>", "exec")  # the strategy builds only valid Python
    _assert_cut_as_python_does(source)


@fuzz(200)
@given(st.lists(st.sampled_from(PIECES + ["pinlint: ignore[PIN101]", "noqa: PIN1", "]", ","]), max_size=12).map("".join))
def test_directives_in_adversarial_comments_are_those_of_the_pattern_before(comment):
    before = re.compile(r"pinlint\s*:\s*(?P<kind>ignore|file-ignore)\s*\[(?P<items>[^\]]*)\]", re.IGNORECASE).search(comment)
    found = directive_in(comment)
    assert (found is None) is (before is None)
    if before is not None:
        assert found == directive_in(before.group())


_SUPPRESSIONS = st.lists(
    st.builds(
        Suppression,
        st.lists(st.sampled_from(["PIN", "PIN1", "PIN10", "PIN101", "PIN102", "PIN2", "X1"]), min_size=1, max_size=3).map(tuple),
        st.booleans(), st.integers(1, 6), st.integers(1, 6),
    ),
    max_size=8,
)


@fuzz(300)
@given(_SUPPRESSIONS, st.lists(st.tuples(st.sampled_from(["PIN101", "PIN102", "PIN201"]), st.integers(1, 7)), max_size=10))
def test_coverage_marks_and_keeps_as_checking_every_suppression_in_order_does(suppressions, findings):
    copies = [Suppression(s.selectors, s.file_level, s.first_line, s.last_line) for s in suppressions]
    indexed = Coverage(suppressions)
    assert [indexed.covers(code, line) for code, line in findings] == [
        any(s.covers(code, line) for s in copies) for code, line in findings
    ]
    assert [s.used for s in suppressions] == [s.used for s in copies]


def test_logical_lines_of_many_brackets_and_quotes_are_cut_in_one_pass():
    source = "x = (" * 12 + "'a', \"b\", " * 20_000 + ")" * 12 + "\n" + "y = '''" + "'' " * 20_000 + "'''\n"
    lines = logical_lines(source)
    assert lines is not None and len(lines) == 2 and "".join(lines) == source
