"""The flake8 plugin reports what `pinlint check` reports, under the same configuration."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from itertools import groupby
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from fixture_expectations import fixture_settings
from pinlint.settings import Settings

pytestmark = pytest.mark.integration

PYTHON_FIXTURES = sorted(FIXTURES.glob("python/*.py"))
_ROW_FORMAT = "%(path)s\t%(row)d\t%(col)d\t%(code)s"
_BARE_NOQA = re.compile(r"#\s*noqa\s*$", re.IGNORECASE)


def flake8(*args: str, cwd: Path = ROOT, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args], cwd=cwd, input=stdin, capture_output=True, text=True
    )


def flake8_rows(*args: str, cwd: Path = ROOT) -> set[tuple[str, int, int, str]]:
    result = flake8("--select", "PIN", f"--format={_ROW_FORMAT}", *args, cwd=cwd)
    assert result.returncode in (0, 1) and result.stderr == "", result.stderr
    rows = set()
    for line in result.stdout.splitlines():
        path, row, col, code = line.split("\t")
        rows.add((path.removeprefix("./"), int(row), int(col), code))  # flake8 names walked files ./x
    return rows


def pinlint_rows(*args: str, cwd: Path = ROOT) -> set[tuple[str, int, int, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "pinlint", "check", "--output-format", "json", *args], cwd=cwd, capture_output=True, text=True
    )
    assert result.returncode in (0, 1), result.stderr
    return {(f["filename"], f["location"]["row"], f["location"]["column"], f["code"]) for f in json.loads(result.stdout)}


def _options(settings: Settings) -> tuple[list[str], list[str]]:
    """The same settings as `pinlint check` flags and as flake8 options."""
    cli = [f"--target={t.value}" for t in settings.targets]
    cli += [f"--dialect={settings.dialect}", f"--min-confidence={settings.min_confidence.value}"]
    plugin = [f"--pinlint-target={','.join(t.value for t in settings.targets)}"]
    plugin += [f"--pinlint-dialect={settings.dialect}", f"--pinlint-min-confidence={settings.min_confidence.value}"]
    return cli, plugin


def _fixture_groups():
    """Python fixtures grouped by the settings their header asks for."""
    def key(path: Path):
        return _options(fixture_settings(path))

    for (cli, plugin), paths in groupby(sorted(PYTHON_FIXTURES, key=key), key=key):
        yield cli, plugin, [p.relative_to(ROOT).as_posix() for p in paths]


def _bare_noqa_rows(files: list[str]) -> set[tuple[str, int]]:
    return {
        (name, row)
        for name in files
        for row, line in enumerate((ROOT / name).read_text(encoding="utf-8").splitlines(), 1)
        if _BARE_NOQA.search(line)
    }


@pytest.mark.slow
def test_flake8_and_the_cli_report_the_same_rows_on_the_fixtures():
    checked = 0
    for cli, plugin, files in _fixture_groups():
        expected = pinlint_rows(*cli, *files)
        # flake8's own bare `# noqa` hides everything on its line; pinlint does not honour it.
        bare = _bare_noqa_rows(files)
        assert flake8_rows(*plugin, *files) == {r for r in expected if (r[0], r[1]) not in bare}
        assert flake8_rows("--disable-noqa", *plugin, *files) == expected
        checked += len(expected)
    assert checked > 80  # the comparison covers every kind of Python finding


def test_bare_noqa_is_the_only_difference_on_the_noqa_fixture():
    files = ["tests/fixtures/python/noqa.py"]
    assert _bare_noqa_rows(files) == {("tests/fixtures/python/noqa.py", 39)}
    assert pinlint_rows(*files) - flake8_rows(*files) == {("tests/fixtures/python/noqa.py", 39, 21, "PIN107")}


@pytest.fixture
def project(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent("""\
            [tool.pinlint]
            targets = ["pgbouncer"]
            ignore = ["PIN110"]
            extend-exclude = ["migrations"]
            per-file-ignores = { "app/legacy.py" = ["PIN101"] }
        """),
        encoding="utf-8",
    )
    code = 'def f(cur):\n    cur.execute("SET search_path TO a")\n    cur.execute("LISTEN jobs")\n    cur.execute("SET ROLE admin")\n'
    for name in ("app/db.py", "app/legacy.py", "migrations/0001.py"):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(code, encoding="utf-8")
    return tmp_path


def test_the_plugin_reads_tool_pinlint_from_pyproject(project):
    rows = flake8_rows(cwd=project)
    assert rows == pinlint_rows(cwd=project)
    assert rows == {("app/db.py", 2, 17, "PIN101"), ("app/db.py", 4, 17, "PIN104"), ("app/legacy.py", 4, 17, "PIN104")}


def test_flake8_options_override_the_configuration(project):
    # SET ROLE pins RDS Proxy; with rds-proxy alone SET search_path still pins too.
    assert flake8_rows("--pinlint-target=rds-proxy", "app/db.py", cwd=project) == {
        ("app/db.py", 2, 17, "PIN101"), ("app/db.py", 4, 17, "PIN104"),
    }
    (project / "setup.cfg").write_text("[flake8]\npinlint-min-confidence = high\npinlint-target = rds-proxy\n")
    # Not `flake8()`: its --isolated would ignore the setup.cfg this checks.
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "PIN", f"--format={_ROW_FORMAT}", "app/db.py"],
        cwd=project, capture_output=True, text=True,
    )
    assert result.stdout.splitlines() == ["app/db.py\t2\t17\tPIN101", "app/db.py\t4\t17\tPIN104"]


def test_the_plugin_lints_what_the_cli_lints(tmp_path):
    code = 'def f(cur):\n    cur.execute("LISTEN jobs")\n'
    for name in ("env/lib/site-packages/pkg/db.py", "env/lib/site-packages/pkg/build/gen.py", "app/db.py",
                 "app/build/gen.py", "tools/venv/lib/db.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(code, encoding="utf-8")
    (tmp_path / "tools" / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    # A directory named explicitly is linted even inside an excluded one (site-packages); the
    # excludes still apply below it (build), and virtualenvs are never walked into.
    named = ("env/lib/site-packages/pkg", "app/db.py", "tools")
    expected = {("env/lib/site-packages/pkg/db.py", 2, 17, "PIN110"), ("app/db.py", 2, 17, "PIN110")}
    assert flake8_rows(*named, cwd=tmp_path) == pinlint_rows(*named, cwd=tmp_path) == expected
    assert flake8_rows(cwd=tmp_path) == pinlint_rows(cwd=tmp_path) == {("app/db.py", 2, 17, "PIN110")}


def test_noqa_works_through_flake8(project):
    (project / "app" / "db.py").write_text(
        'def f(cur):\n    cur.execute("SET search_path TO a")  # noqa: PIN101\n    cur.execute("SET ROLE admin")  # noqa\n'
    )
    assert flake8_rows("app/db.py", cwd=project) == set()
    assert pinlint_rows("app/db.py", cwd=project) == {("app/db.py", 3, 17, "PIN104")}


def test_flake8_lines_carry_the_message_and_the_fix(project):
    result = flake8("--select", "PIN", "app/db.py", cwd=project)
    assert result.stdout.splitlines()[0] == (
        "app/db.py:2:17: PIN101 `SET search_path` changes a session setting: leaks search_path to the next client "
        "on PgBouncer. Fix: Set it per role or database instead (`ALTER ROLE app SET search_path = ...`), or "
        "schema-qualify table names (SQLAlchemy `schema_translate_map`); behind PgBouncer alone, "
        "`SET LOCAL search_path ...` inside a transaction also works (outside one it silently does nothing)"
    )


def test_stdin_through_flake8(tmp_path):
    result = flake8("--select", "PIN", "-", cwd=tmp_path, stdin='cur.execute("LISTEN jobs")\n')
    assert result.returncode == 1 and result.stdout.startswith("stdin:1:13: PIN110 `LISTEN`")


def test_bad_configuration_is_a_usage_error(project):
    (project / "pyproject.toml").write_text("[tool.pinlint]\ntargets = ['haproxy']\n")
    result = flake8("--select", "PIN", "app/db.py", cwd=project)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "pinlint: " in result.stderr and "unknown target 'haproxy'" in result.stderr
    result = flake8("--select", "PIN", "--pinlint-dialect=oracle", "app/db.py", cwd=project)
    assert result.returncode == 2 and "invalid choice: 'oracle'" in result.stderr


def test_flake8_version_lists_pinlint():
    assert "pinlint-db: " in flake8("--version").stdout
