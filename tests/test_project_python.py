"""PIN900 judges a file by the Python versions its project supports, not by the Python that runs
pinlint: syntax newer than the interpreter is analysed from libcst's tree, a project that supports
no Python with that syntax gets its syntax error, a file no grammar pinlint has reads is a
"needs Python ≥ X to check" warning when the project supports only newer Pythons, and hostile
sources stay as cheap as before.

The sources use constructs of Python 3.11 to 3.15, so most expectations hold on every interpreter
the suite runs on: the same file is either accepted by the running Python or judged by the project.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import libcst as cst
import pytest

from pinlint.cache import Cache
from pinlint.diagnostics import Confidence, Severity
from pinlint.engine import lint_paths, lint_source
from pinlint.project_python import ProjectPython, declaration_files, project_python
from pinlint.python.nesting import MAX_DEPTH, nests_deeper_than
from pinlint.python.newer_syntax import RUNNING, newer_constructs, newest_readable
from pinlint.settings import Settings

SESSION_SET = (
    "PIN101",
    "`SET search_path` changes a session setting: pins the session on RDS Proxy; leaks search_path to the next"
    " client on PgBouncer",
)
# PEP 701: the f-string's own quotes and a backslash in its fields (Python 3.12).
PEP_701 = textwrap.dedent('''\
    import psycopg2

    def switch(cur, tenant):
        log(f"{tenant["name"]}: {"\\n".join(tenant["roles"])}")
        cur.execute("SET search_path TO tenant")
''')
BROKEN = "import psycopg2\ndef f(:\n    pass\n"
LAZY_IMPORT = "import psycopg2\n\nlazy import json\ncur.execute('SET search_path TO tenant')\n"


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _pyproject(specifier: str) -> str:
    return f'[project]\nname = "app"\nrequires-python = "{specifier}"\n'


def _findings(root: Path, settings: Settings | None = None) -> list[tuple]:
    report = lint_paths([root], settings or Settings(root=root), root)
    return [(f.path, f.row, f.col, f.code, f.message) for f in report.findings]


def _python_error(source: str) -> tuple[int, int, str]:
    """Where and why the running Python refuses ``source``: what PIN900 reported before."""
    try:
        ast.parse(source)
    except SyntaxError as error:
        return error.lineno, error.offset, f"syntax error: {error.msg}"
    raise AssertionError("the running Python accepts it")


def _needs_libcst(*node_types: str):
    missing = [name for name in node_types if not hasattr(cst, name)]
    return pytest.mark.skipif(bool(missing), reason=f"this libcst does not read {missing}")


# -- newer syntax is analysed -------------------------------------------------------------------------------------


@pytest.mark.parametrize("pyproject", [_pyproject(">=3.12"), _pyproject(">=3.8"), None], ids=["3.12+", "3.8+", "none"])
def test_pep_701_fstrings_are_analysed_where_the_project_supports_python_3_12(tmp_path, pyproject):
    files = {"app.py": PEP_701} if pyproject is None else {"app.py": PEP_701, "pyproject.toml": pyproject}
    assert _findings(_project(tmp_path, files)) == [("app.py", 5, 17, *SESSION_SET)]


@pytest.mark.parametrize(
    "fstring",
    [
        'f"{tenant["name"]}"',  # its own quotes
        "f'{'\\n'.join(roles)}'",  # a backslash, in a string of its own quotes
        'f"{name # who\n}"',  # a comment, and a line break in a one-line literal
        'f"{x:{y:{z}}}"',  # a field in the specifier of a field in a specifier
        'f"""{"""a"""}"""',  # a triple-quoted one's own quotes
        'f"{a}" "b" f"{c[\'d\']}" \\\n    f"{e["f"]}"',  # in a concatenation: Python reports its last line
        'f"{f"{f"{x}"}"}"',  # nested in its own quotes
        'rf"{x["\\\\"]}"',
    ],
    ids=["quotes", "backslash", "comment", "nested-specifiers", "triple-quotes", "concatenation", "nesting", "raw"],
)
def test_each_freedom_of_pep_701_is_analysed(fstring):
    source = f"import psycopg2\nx = {fstring}\ncur.execute('SET search_path TO tenant')\n"
    row = source.count("\n")
    findings = lint_source(source.encode(), "app.py", Settings()).findings
    assert [(f.row, f.col, f.code, f.message) for f in findings] == [(row, 13, *SESSION_SET)]


def test_fstrings_older_pythons_read_are_not_newer_syntax():
    module = cst.parse_module(
        "x = f'{a!r:>{width}}' f\"{d['k']}\" f'''{\n    b}''' f'{\"#\"}' f'{x:#x}' f'{x:\\n}' rf'\\d{x}'\n"
    )
    assert newer_constructs(module) == []


NEWER_CONSTRUCTS = [
    pytest.param("try:\n    pass\nexcept* ValueError:\n    pass\n", (3, 11), id="except-star"),
    pytest.param("x = a[*b]\n", (3, 11), id="starred-subscript"),
    pytest.param("def f(*args: *Ts):\n    pass\n", (3, 11), id="starred-annotation"),
    pytest.param("type Rows = list[tuple]\n", (3, 12), id="type-alias"),
    pytest.param("def first[T](rows: list[T]) -> T:\n    return rows[0]\n", (3, 12), id="generic-function"),
    pytest.param("class Box[T]:\n    pass\n", (3, 12), id="generic-class"),
    pytest.param("def f[T = int]():\n    pass\n", (3, 13), id="type-parameter-default",
                 marks=_needs_libcst("TypeParam")),
    pytest.param('x = t"{y}"\n', (3, 14), id="template-string", marks=_needs_libcst("TemplatedString")),
    pytest.param("try:\n    pass\nexcept KeyError, ValueError:\n    pass\n", (3, 14), id="unparenthesized-except",
                 marks=_needs_libcst("TemplatedString")),
    pytest.param("lazy import json\n", (3, 15), id="lazy-import", marks=_needs_libcst("LazyImport")),
    pytest.param("x = [*rows for rows in pages]\n", (3, 15), id="starred-comprehension", marks=_needs_libcst("LazyImport")),
    pytest.param("x = {**d for d in ds}\n", (3, 15), id="dict-unpacking-comprehension", marks=_needs_libcst("StarredDictComp")),
]


@pytest.mark.parametrize("construct, version", NEWER_CONSTRUCTS)
def test_constructs_of_newer_pythons_are_analysed(construct, version):
    source = f"import psycopg2\n{construct}cur.execute('SET search_path TO tenant')\n"
    row = source.count("\n")
    findings = lint_source(source.encode(), "app.py", Settings()).findings
    assert [(f.row, f.col, f.code, f.message) for f in findings] == [(row, 13, *SESSION_SET)]
    newest = max((v for _, v in newer_constructs(cst.parse_module(construct))), default=None)
    assert newest == (version if version > RUNNING else None)


def test_newer_syntax_is_analysed_the_same_with_and_without_the_first_pass():
    # No driver import: the first pass must look at the strings, and cannot in Python's tree.
    sources = [PEP_701.replace("import psycopg2\n", ""), "type X = int\nx = 'SELECT 1'\n", "type X = int\n"]
    for source in sources:
        with_pass = lint_source(source.encode(), "app.py", Settings()).findings
        assert with_pass == lint_source(source.encode(), "app.py", replace(Settings(), first_pass=False)).findings
    assert [f.code for f in lint_source(sources[0].encode(), "app.py", Settings()).findings] == ["PIN101"]


# -- syntax errors stay syntax errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("pyproject", [_pyproject(">=3.12"), None], ids=["3.12+", "none"])
def test_a_real_syntax_error_is_reported_as_before(tmp_path, pyproject):
    files = {"app.py": BROKEN} if pyproject is None else {"app.py": BROKEN, "pyproject.toml": pyproject}
    report = lint_paths([_project(tmp_path, files)], Settings(root=tmp_path), tmp_path)
    assert [(f.path, f.row, f.col, f.code, f.message) for f in report.findings] == [
        ("app.py", 2, 7, "PIN900", "syntax error: invalid syntax")
    ]
    assert (report.findings[0].severity, report.findings[0].confidence) == (Severity.ERROR, Confidence.HIGH)


def test_an_error_before_newer_syntax_is_reported():
    # The running Python stops at the error, outside any newer construct, whatever it is.
    source = "import psycopg2\ndef f(:\n    pass\ntype X = int\nx = f'{d['k']}'\n"
    findings = lint_source(source.encode(), "app.py", Settings()).findings
    assert [(f.row, f.col, f.code, f.message) for f in findings] == [(2, 7, "PIN900", "syntax error: invalid syntax")]


@_needs_libcst("LazyImport")
@pytest.mark.skipif(RUNNING >= (3, 15), reason="the running Python reads lazy imports")
def test_newer_syntax_the_project_does_not_support_is_a_syntax_error(tmp_path):
    root = _project(tmp_path, {"app.py": LAZY_IMPORT, "pyproject.toml": _pyproject(">=3.10,<3.15")})
    row, col, message = _python_error(LAZY_IMPORT)
    assert _findings(root) == [(
        "app.py", row, col, "PIN900",
        f"{message} (this syntax needs Python ≥ 3.15, and the project requires Python >=3.10,<3.15)",
    )]


def test_pep_701_in_a_project_older_than_python_3_12(tmp_path):
    root = _project(tmp_path, {"app.py": PEP_701, "pyproject.toml": _pyproject(">=3.8,<3.12")})
    if RUNNING >= (3, 12):  # what the running Python accepts is not looked at again
        assert _findings(root) == [("app.py", 5, 17, *SESSION_SET)]
        return
    row, col, message = _python_error(PEP_701)
    assert _findings(root) == [(
        "app.py", row, col, "PIN900",
        f"{message} (this syntax needs Python ≥ 3.12, and the project requires Python >=3.8,<3.12)",
    )]


def test_a_file_no_grammar_reads_in_a_project_of_newer_pythons_cannot_be_checked(tmp_path):
    report = lint_paths([_project(tmp_path, {"app.py": BROKEN, "pyproject.toml": _pyproject(">=3.30")})], Settings(root=tmp_path), tmp_path)
    newest = ".".join(map(str, newest_readable()))
    assert [(f.path, f.row, f.col, f.code, f.message, f.fix) for f in report.findings] == [(
        "app.py", 2, 7, "PIN900",
        f"needs Python ≥ 3.30 to check: the project requires Python >=3.30, and pinlint reads Python up to {newest}",
        "Run pinlint on that Python, or with a libcst that reads it",
    )]
    assert (report.findings[0].severity, report.findings[0].confidence) == (Severity.WARNING, Confidence.LOW)


def test_pinlint_reads_the_newest_grammar_of_its_python_and_libcst():
    assert newest_readable() >= max(RUNNING, (3, 12))
    if hasattr(cst, "LazyImport"):
        assert newest_readable() == max(RUNNING, (3, 15))


# -- hostile sources ----------------------------------------------------------------------------------------------


def test_brackets_nested_deeper_than_python_allows_are_an_error_before_newer_syntax():
    source = "import psycopg2\nx = " + "(" * 2_000 + ")" * 2_000 + '\ny = f"{d["k"]}"\ntype X = int\n'
    findings = lint_source(source.encode(), "app.py", Settings()).findings
    assert [(f.row, f.col, f.code, f.message) for f in findings] == [
        (2, 205, "PIN900", "syntax error: too many nested parentheses")
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    "nested",
    [
        'f"{d["k"]}{' + "(" * 2_000 + "1" + ")" * 2_000 + '}"',  # libcst takes minutes over 2,000 brackets
        'f"{' * 5_000 + "x" + '}"' * 5_000,  # and gigabytes over 5,000 f-strings
        'f"{d["k"]}"\nx = ' + "f(" * 2_000 + ")" * 2_000,
    ],
    ids=["brackets-in-a-field", "fstrings-in-fields", "calls-after-pep-701"],
)
def test_newer_syntax_nested_deeper_than_python_allows_is_an_error_in_time(tmp_path, nested):
    path = tmp_path / "app.py"
    path.write_text(f"import psycopg2\ny = {nested}\ncur.execute('SET a TO 1')\n")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pinlint", "check", "--no-cache", "--output-format", "concise", str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert time.monotonic() - started < 30
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith(str(path))]
    # Where the running Python stops first: the f-string or the brackets.
    assert re.match(rf"{re.escape(str(path))}:[23]:\d+: PIN900 syntax error: ", line), line


@pytest.mark.slow
@pytest.mark.skipif(RUNNING >= (3, 12), reason="the running Python reads it: it is not judged")
def test_a_long_chain_of_newer_syntax_is_judged_on_a_large_stack():
    chain = " and ".join(["a"] * 9_000)  # beyond what the main thread's C stack holds for libcst
    source = f'import psycopg2\ny = f"{{d["k"]}}"\nx = {chain}\ncur.execute("SET search_path TO tenant")\n'
    findings = lint_source(source.encode(), "app.py", Settings()).findings
    assert [(f.row, f.code) for f in findings] == [(4, "PIN101")]


def _depth(text: str) -> int:
    depth = 0
    while nests_deeper_than(text, depth):
        depth += 1
    return depth


@pytest.mark.parametrize(
    "text, depth",
    [
        ("x = f(a[1], {2: (3,)})", 3),
        ("x = '((((' + \"[[\" + '''{{\n{''' + r'\\'(' # ((((\n", 0),  # brackets in strings and comments
        ('f"{x}"', 1),
        ('f"{{x}}"', 0),  # doubled braces are text
        ('f"{x:{y}}"', 2),
        ('f"{x:{{y}}}"', 3),  # not in a specifier: a field, then a set
        ('f"{x:{y:{z}}}"', 3),
        ('f"{f"{f"{x}"}"}"', 3),
        ("f'{d['k']}'", 2),
        ('f"{x # }\n}"', 1),  # a brace in a comment in a field
        ('f"\\N{DASH}{x}"', 1),  # a named character is no field
        ('rf"\\N{x}"', 1),  # but it is in a raw literal
        ('t"{x[0]}"', 2),
        ('f"{a!r:>{w}}" + (1)', 2),
        ("x = in'(' + elif\"[\"", 0),  # letters that end a keyword prefix nothing
        ("f'{(' + \"\n", 2),  # an unterminated string ends the count
    ],
)
def test_nesting_is_measured_as_python_3_12_tokenizes(text, depth):
    assert _depth(text) == depth


@pytest.mark.skipif(RUNNING < (3, 12), reason="Python's tokenizer reads f-string fields since 3.12")
def test_nesting_of_this_suite_is_that_of_pythons_tokenizer():
    import io
    import tokenize

    for path in sorted(Path(__file__).parent.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        depth = deepest = 0
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
                deepest = max(deepest, depth)
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
        assert _depth(text) == deepest, path.name


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        '""' * 400_000, "()" * 400_000, 'f"' + "{x}" * 300_000 + '"', 'f""' * 300_000, "#\n" * 400_000,
        'f"{x:' + "{y}" * 300_000, 'f"{' + '"a" ' * 200_000, "'''" * 300_000, 'f"' + "\\N{" * 300_000,
    ],
    ids=["strings", "brackets", "fields", "fstrings", "comments", "specifiers", "field-strings", "quotes", "escapes"],
)
def test_nesting_is_measured_in_one_pass(text):
    started = time.monotonic()
    assert not nests_deeper_than(text) or text.startswith('f"\\N')
    assert time.monotonic() - started < 10


def test_nesting_stops_past_pythons_limit():
    assert not nests_deeper_than("(" * MAX_DEPTH + ")" * MAX_DEPTH)
    assert nests_deeper_than("(" * (MAX_DEPTH + 1))


# -- reading the project's Python ---------------------------------------------------------------------------------


def _declared(root: Path, *path: str) -> ProjectPython:
    directory = root.joinpath(*path)
    directory.mkdir(parents=True, exist_ok=True)
    return project_python(directory)


def test_requires_python_is_read_from_the_project_table(tmp_path):
    _project(tmp_path, {"pyproject.toml": _pyproject(">=3.9, <3.13")})
    supported = _declared(tmp_path, "src", "app")
    assert (supported.declared, supported.minimum) == (">=3.9, <3.13", (3, 9))
    assert supported.admits_from((3, 12)) and not supported.admits_from((3, 13))


def test_setup_cfg_and_setup_py_declare_it_without_a_project_table(tmp_path):
    _project(tmp_path, {
        "a/setup.cfg": "[options]\npython_requires = >=3.11\n",
        "b/setup.py": "from setuptools import setup\nsetup(name='b', python_requires='~=3.10.2')\n",
        "c/pyproject.toml": '[project]\nname = "c"\ndynamic = ["requires-python"]\n',
        "c/setup.cfg": "[options]\npython_requires = ==3.12.*\n",
        "d/setup.py": "setup(python_requires=MINIMUM)\n",
    })
    assert _declared(tmp_path, "a").minimum == (3, 11)
    assert _declared(tmp_path, "b").minors == frozenset({10})
    assert _declared(tmp_path, "c").minors == frozenset({12})
    assert _declared(tmp_path, "d") == ProjectPython()  # not a literal: any version


def test_the_nearest_project_root_declares_it(tmp_path):
    _project(tmp_path, {
        "pyproject.toml": _pyproject(">=3.12"),
        "tools/pyproject.toml": "[tool.black]\nline-length = 100\n",  # tools' settings: not a root
        "lib/pyproject.toml": '[project]\nname = "lib"\n',  # a root that declares nothing
    })
    assert _declared(tmp_path, "tools", "x").minimum == (3, 12)
    assert _declared(tmp_path, "lib", "x") == ProjectPython()


def test_the_search_stops_at_the_repository_root(tmp_path):
    _project(tmp_path, {"pyproject.toml": _pyproject(">=3.12"), "repo/.git/HEAD": "ref: refs/heads/main\n"})
    assert _declared(tmp_path, "repo", "src") == ProjectPython()
    assert declaration_files(tmp_path / "repo" / "src") == ()


@pytest.mark.parametrize(
    "specifier, minors",
    [
        (">=3.12", range(12, 100)),
        (">=3.8,<3.12", range(8, 12)),
        ("~=3.10", range(10, 100)),
        ("!=3.11.*, >=3.10", [10, *range(12, 100)]),
        (">3.11", range(11, 100)),  # 3.11.1 is after 3.11
        ("<=3.11", range(0, 12)),
        (">=3.12.0rc1", range(12, 100)),
        ("== 3.11", [11]),
    ],
)
def test_specifiers_are_evaluated_on_each_python_3(tmp_path, specifier, minors):
    _project(tmp_path, {"pyproject.toml": _pyproject(specifier)})
    assert _declared(tmp_path).minors == frozenset(minors)


@pytest.mark.parametrize("specifier", ["3.12", ">=3.12;", "^3.8", ">=2.7,<3", "", ">=" + "3." * 600 + "1"])
def test_a_declaration_that_cannot_be_used_supports_any_python(tmp_path, specifier):
    _project(tmp_path, {"pyproject.toml": _pyproject(specifier)})
    assert _declared(tmp_path) == ProjectPython()


def test_unreadable_declarations_support_any_python(tmp_path):
    _project(tmp_path, {"a/pyproject.toml": "[project\n", "b/setup.cfg": "python_requires = 3\n"})
    assert _declared(tmp_path, "a") == ProjectPython()
    assert _declared(tmp_path, "b") == ProjectPython()


# -- the cache ----------------------------------------------------------------------------------------------------


@_needs_libcst("LazyImport")
@pytest.mark.skipif(RUNNING >= (3, 15), reason="the running Python reads lazy imports")
def test_an_edited_declaration_invalidates_the_entries_it_judged(tmp_path, monkeypatch):
    from pinlint import engine

    root = _project(tmp_path, {
        "pyproject.toml": _pyproject(">=3.10,<3.15"), "src/app.py": LAZY_IMPORT,
        "src/plain.py": "import psycopg2\ncur.execute('SET search_path TO tenant')\n",
    })
    linted: list[str] = []
    real = engine.lint_source
    monkeypatch.setattr(engine, "lint_source", lambda data, display, *a, **k: linted.append(display) or real(data, display, *a, **k))
    settings = Settings(root=root)

    def run() -> list[tuple]:
        cache = Cache(root / "cache", settings)
        report = lint_paths([root / "src"], settings, root, cache=cache)
        cache.save(root)
        return [(f.path, f.code) for f in report.findings]

    assert run() == [("src/app.py", "PIN900"), ("src/plain.py", "PIN101")]
    assert run() == [("src/app.py", "PIN900"), ("src/plain.py", "PIN101")]
    assert linted == ["src/app.py", "src/plain.py"]
    (root / "pyproject.toml").write_text(_pyproject(">=3.10"))
    assert run() == [("src/app.py", "PIN101"), ("src/plain.py", "PIN101")]
    # plain.py is linted again too: its SQL was read in the dialect the project's declared drivers name.
    assert linted == ["src/app.py", "src/plain.py", "src/app.py", "src/plain.py"]
