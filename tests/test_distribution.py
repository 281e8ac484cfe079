"""The release: the sdist carries everything its own test suite reads, and `pip install` of it into
a clean virtualenv, with its test extra, gives a pinlint that works from any directory and passes
the sdist's own tests. The release workflow does the same with the built wheel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, building_the_checkout

# `python -m build` writes its egg-info into the checkout: one test building or installing it at a time.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("installs-the-checkout")]

# What the tests read from the tree beside the package, and the example project the README lints.
NEEDED = (
    "pyproject.toml", "README.md", "LICENSE", "action.yml", ".pre-commit-hooks.yaml",
    "tests/conftest.py", "tests/fixture_expectations.py", "tests/doc_examples.py", "tests/live_pooler.py",
    "tests/data/sarif-schema-2.1.0.json", "tests/data/logs/pgbouncer.log",
    "tests/fixtures/config/.env", "tests/fixtures/projects/billing", "tests/live_logs_project/app.py",
    "benchmarks/real_code.py", "benchmarks/real_code_sources.py", "benchmarks/real_code_corpus.toml",
    "examples/tenants/.env", "pinlint/rules/pin110_listen.md",
)

# The sdist's own tests that read the tree (rule docs, fixtures, log samples, the benchmark's
# modules) and run the command line, in the README's test command.
OWN_TESTS = ("tests/test_rule_docs.py", "tests/test_fixtures.py", "tests/test_log_readers.py", "tests/test_real_code.py", "tests/test_cli.py")


def _clean_environment() -> dict[str, str]:
    """This process's environment without what would point the venv at the checkout's pinlint."""
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def _run(*command, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=_clean_environment(), capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    with building_the_checkout():
        built = _run(sys.executable, "-m", "build", "--sdist", "--outdir", out, ROOT, cwd=out)
    assert built.returncode == 0, built.stdout + built.stderr
    [archive] = out.glob("pinlint_db-*.tar.gz")
    return archive


@pytest.fixture(scope="module")
def unpacked(sdist, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("unpacked")
    subprocess.run(["tar", "-xzf", sdist, "-C", target], check=True)
    [root] = target.iterdir()
    return root


@pytest.fixture(scope="module")
def venv(sdist, tmp_path_factory) -> Path:
    """A clean virtualenv with the sdist installed (pip builds its wheel) and its test extra."""
    venv = tmp_path_factory.mktemp("venv")
    created = _run(sys.executable, "-m", "venv", venv, cwd=venv)
    assert created.returncode == 0, created.stderr
    installed = _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", f"{sdist}[test]", cwd=venv)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return venv


def test_the_sdist_holds_what_the_tests_read(sdist, unpacked):
    missing = [name for name in NEEDED if not (unpacked / name).exists()]
    assert missing == []
    shipped = {p.relative_to(unpacked).as_posix() for p in unpacked.rglob("*") if p.is_file()}
    on_disk = {
        p.relative_to(ROOT).as_posix()
        for top in ("tests", "benchmarks", "examples", "pinlint")
        for p in (ROOT / top).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(on_disk - shipped) == []
    assert not any(name.endswith(".pyc") for name in shipped)


def test_the_installed_pinlint_works_from_another_directory(venv, tmp_path):
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "db.py").write_text('def f(cur):\n    cur.execute("LISTEN jobs")\n', encoding="utf-8")
    bin_ = venv / "bin"

    where = _run(bin_ / "python", "-c", "import pinlint; print(pinlint.__file__)", cwd=project)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr

    check = _run(bin_ / "pinlint", "check", "--no-cache", "--output-format", "concise", "app", cwd=project)
    assert check.returncode == 1, check.stderr
    assert check.stdout.startswith("app/db.py:2:17: PIN110 `LISTEN` subscribes the backend, not the client")

    rule = _run(bin_ / "pinlint", "rule", "PIN110", cwd=project)  # the rule docs are package data
    assert rule.stdout == (ROOT / "pinlint" / "rules" / "pin110_listen.md").read_text(encoding="utf-8")

    plugin = _run(bin_ / "flake8", "--select", "PIN", "app", cwd=project)  # the entry point is registered
    assert plugin.stdout.startswith("app/db.py:2:17: PIN110 "), plugin.stdout + plugin.stderr


def test_the_sdists_own_tests_pass_against_the_installed_package(venv, unpacked):
    # `pytest`, not `python -m pytest`: the unpacked directory stays off sys.path, so the tests
    # import the installed pinlint, as the header says.
    result = _run(venv / "bin" / "pytest", "-p", "no:cacheprovider", *OWN_TESTS, cwd=unpacked)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert f"pinlint: {venv}" in result.stdout
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
