"""The cheap first pass clears files without losing findings, and keeps libcst and sqlglot out of
runs that do not need them, and the cycle collector out of the way while a file is linted. (Every in-process lint of the suite is also checked by the
`first_pass_loses_nothing` fixture in conftest.py.)"""

from __future__ import annotations

import gc
import re
import subprocess
import sys
from dataclasses import replace

import pytest

from conftest import FIXTURES
from doc_examples import DocExamples
from fixture_expectations import fixture_settings
from pinlint.discovery import is_lintable
from pinlint.engine import lint_source
from pinlint.python.first_pass import check_python, needs_full_analysis, parse_python
from pinlint.rules import LINT_RULES
from pinlint.rules.base import PythonCase
from pinlint.settings import Settings

FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and is_lintable(p))


def _findings(data: bytes, name: str, settings: Settings) -> list[tuple]:
    report = lint_source(data, name, settings)
    return [(f.row, f.col, f.end_row, f.end_col, f.code, f.message) for f in report.findings]


def _same_with_and_without(data: bytes, name: str, settings: Settings) -> None:
    with_pass = _findings(data, name, settings)
    assert with_pass == _findings(data, name, replace(settings, first_pass=False))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixtures_give_identical_findings_with_and_without_the_first_pass(path):
    _same_with_and_without(path.read_bytes(), path.name, fixture_settings(path))


def _python_snippets():
    for rule in LINT_RULES:
        for index, case in enumerate((*rule.VALID, *rule.INVALID)):
            if isinstance(case, PythonCase):
                yield pytest.param(case.source, case.filename, id=f"{rule.code}-case-{index}")
        for index, block in enumerate(DocExamples(rule.code).example("python") + DocExamples(rule.code).fix("python")):
            yield pytest.param(block, "example.py", id=f"{rule.code}-doc-{index}")


@pytest.mark.parametrize("source, filename", list(_python_snippets()))
def test_rule_cases_and_doc_examples_give_identical_findings(source, filename):
    _same_with_and_without(source.encode(), filename, Settings())


@pytest.mark.parametrize(
    "source",
    [
        'cur.execute("SET search_path TO tenant")',
        'cur.execute("""\n    -- per tenant\n    set search_path to tenant""")',
        "QUERY = 'SELECT 1; /* then */ PREPARE q AS SELECT 2'",
        'sql = "\\nLISTEN jobs"',
        'run("DO $$ BEGIN PERFORM 1; END $$")',
        'engine.execute(text("SELECT * INTO " "TEMP t FROM x"))',
        'run("CREATE " + "TEMP TABLE t (id int)")',
        'run("CREATE FUNCTION f() RETURNS void AS $$ BEGIN SET search_path = a; END $$ LANGUAGE plpgsql")',
        "select(func.pg_advisory_lock(1))",
        "execute_values(cur, sql, rows)",
        "import asyncpg",
        "from sqlalchemy import create_engine",
        "URL = 'postgresql+asyncpg://app@db/app'",
        "DSN = 'host=db options=-csearch_path=a'",
        "DSN = 'options=' + value",
        "os.environ['PGOPTIONS'] = value",
        "DATABASES = {'default': {}}",
        "DATABASES = dj_database_url.config()\nDATABASES['default']['CONN_MAX_AGE'] = 0",
        "if DEBUG:\n    DATABASES: dict = load()\n    DATABASES['default'].update(OPTIONS={})",
        "rows = Book.objects.all().iterator()",
        "x = 1  # noqa: PIN101",
        "x = 1  # pinlint: ignore[PIN101]",
        '@pytest.mark.parametrize("sql", ["SET search_path TO a"])\ndef test(sql, cur):\n    cur.execute(sql)',
        '@register(\n    "SET search_path TO a",\n)\nclass Tenant:\n    pass',
    ],
)
def test_sources_a_rule_can_report_go_to_the_full_analysis(source):
    assert needs_full_analysis(source, "app.py", "auto")


@pytest.mark.parametrize(
    "source",
    [
        "values = set(items)\nload(path)\ndo_work()",
        'URL = "https://example.com/docs"  # see the options page',
        'log("Update the settings table")',
        "@property\ndef name(self):\n    return self._name",
        'TEMPLATE = "template_name"\nCOOKIE = "Set-Cookie"\nURLS = ["reset/done/"]',
        'run("CREATE INDEX i ON t (a)")\nhelp_text = _("Set the value")',
        'def f():\n    """\n    Set up the table.\n    """\n    logger.info("SET search_path is gone")',
        "with counter.get_lock():\n    counter.value += 1",  # multiprocessing, not SQLAlchemy's func
        "expected = \"EXECUTE:BaseCommand labels=(), options=[('force_color', False)]\"",  # no conninfo
        # `DATABASES` items the module does not build: read from the settings, or named in a string
        'ENGINE = settings.DATABASES[db.DEFAULT_DB_ALIAS]["ENGINE"]',
        'write_settings(sdict={"BAD_VAR": \'DATABASES["blah"]\'})\nif DATABASES == other:\n    pass',
        "def f(:\n",  # a syntax error: the engine reports it whether or not the file is cleared
    ],
)
def test_sources_without_database_code_are_cleared(source):
    assert not needs_full_analysis(source, "app.py", "auto")


def test_a_file_whose_location_names_an_engine_the_rules_do_not_speak_for_is_cleared():
    source = 'import psycopg2\ncursor.execute("SET CONSTRAINTS ALL IMMEDIATE")\n'
    for path in ("django/db/backends/oracle/base.py", "sqlalchemy/dialects/mssql/base.py", "adapters/snowflake/impl.py"):
        assert not needs_full_analysis(source, path, "auto")
        assert needs_full_analysis(source, path, "postgres")  # a configured dialect decides alone
        # Its suppressions are still reported when they suppress nothing.
        assert needs_full_analysis(source + "x = 1  # noqa: PIN101\n", path, "auto")
    assert needs_full_analysis(source, "django/db/backends/postgresql/base.py", "auto")
    assert needs_full_analysis(source, "oracle/backends/base.py", "auto")  # no engine's place


def test_mysql_syntax_counts_in_any_file_and_decorators_emails_and_matrices_never_do():
    # MySQL's own syntax makes SQL MySQL's whatever the file says.
    for sql in (
        "SELECT @total := 1", "SELECT COUNT(*) INTO @n FROM t", "LOCK TABLES t WRITE", "FLUSH TABLES t FOR EXPORT",
        "DROP PREPARE stmt", "/*!40101 SET NAMES utf8 */",
    ):
        for path, dialect in (("app.py", "auto"), ("app.py", "mysql"), ("backends/mysql/ops.py", "auto")):
            assert needs_full_analysis(f'run("{sql}")\n', path, dialect), (sql, path, dialect)
    # Elsewhere `_MYSQL_ONLY_RAW`'s rarer patterns stand for MySQL's: an `@` and a `lock` are in most modules.
    plain = '@decorated\ndef f(): pass\nEMAIL = "admin@example.com"\nproduct = a @ b\nlock = threading.Lock()\n'
    assert not needs_full_analysis(plain, "app.py", "auto")
    assert not needs_full_analysis(plain, "app.py", "postgres")


def test_a_statement_over_16_kb_is_found_in_a_file_without_any_other_trigger():
    pieces = "".join(f'    "SELECT {i:05d} FROM t UNION ALL "\n' for i in range(600))
    source = f"QUERY = (\n{pieces}    'SELECT 0'\n)\nrun(QUERY)\n"
    assert needs_full_analysis(source, "app.py", "auto")
    assert [f.code for f in lint_source(source.encode(), "app.py", Settings()).findings] == ["PIN118"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("before", ["", "# \u212a\u212a\u212a\n", "# \u0130\u0130\u0130\n"])  # lower() shortens, lengthens
def test_only_code_on_the_lines_a_raw_pattern_hits_is_composed_and_nothing_there_is_missed(newline, before):
    lines = [
        "def plain(x):", "    return x + 1", "", "QUERY = (", '    "SELECT 1; "', '    "SET search_path = a"', ")",
        "def other(cur):", "    cur.run(QUERY)",
    ]
    source = before.replace("\n", newline) + newline.join(lines) + newline
    assert needs_full_analysis(source, "app.py", "auto")
    assert [f.code for f in lint_source(source.encode(), "app.py", Settings()).findings] == ["PIN101"]
    cleared = source.replace("SET search_path", "SELECT search_path")
    assert not needs_full_analysis(cleared, "app.py", "auto")


def test_a_large_file_of_short_strings_is_cleared():
    source = "".join(f"def f{i}(x):\n    return x + {i}  # {'pad' * 20}\n" for i in range(400))
    assert len(source) > 16384
    assert not needs_full_analysis(source, "app.py", "auto")


@pytest.mark.parametrize(
    "source, row",
    [
        (b"def f(:\n    pass\n", 1),  # cleared: checked without Python's tree
        (b"def f(:\n    pass\ncur.execute('SET search_path = a')\n", 1),  # parsed for its strings
        (b"import psycopg\ndef f(:\n    pass\n", 2),  # a trigger of its own: checked without the tree
    ],
)
def test_a_syntax_error_is_reported_the_same_with_and_without_the_first_pass(source, row):
    assert _findings(source, "app.py", Settings()) == [(row, 7, row, 7, "PIN900", "syntax error: invalid syntax")]
    _same_with_and_without(source, "app.py", Settings())


@pytest.mark.parametrize(
    "source",
    [
        "def f(:\n",
        "x = 1\n\x00\n",
        "(" * 1300,
        "nonlocal x\n",  # Python's compiler refuses it, its parser does not
        "from __future__ import braces\n",
        "def f(a, a):\n    pass\n",
        "x = '\\d'\n",  # only a SyntaxWarning
        "async def f():\n    return [await x for x in y]\n",
    ],
)
def test_the_cheap_syntax_check_rejects_exactly_what_pythons_parse_rejects(source):
    def outcome(check):
        try:
            check(source)
        except Exception as error:
            return type(error), str(error)
        return None

    assert outcome(check_python) == outcome(parse_python)


def test_a_one_file_run_without_database_code_loads_neither_libcst_nor_sqlglot(tmp_path):
    (tmp_path / "plain.py").write_text("def add(a, b):\n    return a + b\n")
    script = (
        "import sys\nfrom pinlint.cli import main\ncode = main(['check', 'plain.py'])\n"
        "print(code, sorted(m for m in ('libcst', 'sqlglot', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.splitlines()[-1] == "0 []", result.stderr


def test_the_first_pass_composes_strings_with_the_visitors_placeholder():
    from pinlint.python import first_pass, strings

    assert first_pass.HOLE == strings.HOLE


@pytest.mark.parametrize("verdict", [True, False, None])
def test_iterator_counts_only_when_the_projects_settings_keep_server_side_cursors(verdict):
    source = "def f(Book):\n    return Book.objects.all().iterator()\n"
    assert needs_full_analysis(source, "app.py", "auto", server_side_cursors=lambda: verdict) is bool(verdict)
    with_databases = "DATABASES = {'default': {}}\n" + source
    assert needs_full_analysis(with_databases, "app.py", "auto", server_side_cursors=lambda: verdict)


def test_sqlalchemy_counts_with_the_calls_it_is_recognised_by():
    assert not needs_full_analysis("from sqlalchemy.orm import Session\n\ndef f(s: Session): ...\n", "app.py", "auto")
    assert needs_full_analysis("import sqlalchemy as sa\nengine = sa.create_engine(url)\n", "app.py", "auto")
    assert needs_full_analysis("from sqlmodel import select\nq = select(A).execution_options(yield_per=10)\n", "a.py", "auto")
    assert needs_full_analysis("from sqlalchemy import func as f\nq = select(f.nextval('s'))\n", "app.py", "auto")


@pytest.mark.parametrize("source", [b"(" * 1300, b"x = [" * 1300, b'cur.execute("""SET x \\N""")\n'])
def test_what_python_rejects_is_reported_and_never_crashes_libcst(source):
    # libcst accepts some of these and overflows the C stack, or takes minutes, on the others: it is
    # asked about newer syntax only within Python's nesting limit, on a large stack.
    assert [f.code for f in lint_source(source, "app.py", Settings()).findings] == ["PIN900"]


def test_the_cycle_collector_never_runs_while_a_file_is_linted_and_is_left_as_it_was():
    started: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(info["generation"])

    source = ("def f(cur):\n" + "    cur.execute('SET search_path = a')\n" * 500).encode()
    gc.callbacks.append(record)
    try:
        report = lint_source(source, "app.py", Settings())
        during = list(started)
    finally:
        gc.callbacks.remove(record)
    assert len(during) <= 1  # the one that collects what the file left, once it resumes
    assert [f.code for f in report.findings] == ["PIN101"] * 500
    assert gc.isenabled()
    gc.disable()
    try:
        lint_source(source, "app.py", Settings())
        assert not gc.isenabled()
    finally:
        gc.enable()


# What may stand between a start and a statement keyword in source: whitespace, escapes, quotes,
# `+` between literals and SQL comments. Exponential in the number of comments: the definition,
# for short texts only.
_RAW_GAP = r"(?:\s|\\[ntr\n]|[\"'+()]|--[^\n]*?(?:\n|\\n)|\#[^\n]*?(?:\n|\\n)|/\*.*?\*/)*"


def _forward_statement_keywords(lowered: str) -> set[int]:
    """Where statement keywords end, as one forward pattern finds them (the definition)."""
    from pinlint.python import first_pass

    words = "|".join([*first_pass._KEYWORDS.lower().split("|"), "create", "do"])
    forward = re.compile(rf"(?:[\"';\n]|\\[nr]){_RAW_GAP}(?:{words})(?=[\s;'\"#/$\\-]|$)", re.DOTALL)
    return {match.end() for match in forward.finditer(lowered)}


_KEYWORD_CASES = [
    'cur.execute("set x = 1")', "q = '''\n  -- note\n  /* more */\n  reset all'''", 'a = "x;  prepare p"',
    'a = "\\n\\tdo $$"', "a = 'x' + '\\\\\nset y'", "# set x\nsettings = 1", "q = '-- set x' + y", "q = ' /* set */ x'",
    "q = '/* a\n b */ declare c'", "q = 'x--y\\\\nload z'", "q = \"x #c\nlisten q\"", "create\nset", "undo set_x = do",
    "q = ' -- a\\\\n -- b\\\\n discard all'", "q = (\"\" \n +   \"execute p\")", "x = 'do'", 'q = "\\rset a"',
]


@pytest.mark.parametrize("source", _KEYWORD_CASES + [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.py"))])
def test_statement_keywords_found_backwards_are_those_a_forward_scan_finds(source):
    from pinlint.python import first_pass

    lowered = source.lower()
    backwards = {match.end() for match in first_pass._SQL_RAW[0].finditer(lowered)}
    assert backwards == _forward_statement_keywords(lowered)
