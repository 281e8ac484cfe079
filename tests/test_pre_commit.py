"""The pre-commit hook, installed by pre-commit itself from this repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(not (ROOT / ".git").exists(), reason="pre-commit installs hooks from a git checkout"),
]

FINDING = (
    "app.py:2:17: PIN101 [error] `SET search_path` changes a session setting: pins the session on RDS Proxy; "
    "leaks search_path to the next client on PgBouncer"
)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def consumer(tmp_path) -> Path:
    """A project with a pinning statement, a clean file and an excluded one, all staged."""
    files = {
        "app.py": 'def f(cur):\n    cur.execute("SET search_path TO tenant_a")\n',
        "clean.py": 'def f(cur):\n    cur.execute("SELECT 1")\n',
        "migrations/0001.sql": "LISTEN jobs;\n",
        "pyproject.toml": '[tool.pinlint]\nextend-exclude = ["migrations"]\n',
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    return tmp_path


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_try_repo_fails_and_prints_the_finding(consumer, pre_commit_home):
    result = pre_commit(consumer, pre_commit_home, "try-repo", str(ROOT), "pinlint", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pinlint..................................................................Failed" in result.stdout
    assert FINDING in result.stdout
    assert "migrations/0001.sql" not in result.stdout  # --force-exclude keeps the project's excludes


def use_this_repository(consumer: Path, *args: str) -> None:
    """A `.pre-commit-config.yaml` with a normal `repos:` entry for this repository's HEAD."""
    revision = git(ROOT, "rev-parse", "HEAD").strip()
    hook_args = f"\n        args: [{', '.join(args)}]" if args else ""
    (consumer / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {revision}\n    hooks:\n      - id: pinlint{hook_args}\n",
        encoding="utf-8",
    )


def test_a_repos_entry_runs_the_hook(consumer, pre_commit_home):
    use_this_repository(consumer)
    result = pre_commit(consumer, pre_commit_home, "run", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert FINDING in result.stdout
    (consumer / "app.py").write_text('def f(cur):\n    cur.execute("SET LOCAL search_path TO tenant_a")\n', encoding="utf-8")
    use_this_repository(consumer, "--target", "pgbouncer")
    result = pre_commit(consumer, pre_commit_home, "run", "--files", "app.py", "clean.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pinlint..................................................................Passed" in result.stdout
