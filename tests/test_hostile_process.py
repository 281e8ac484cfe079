"""Hostile input against the process: parser crashes, oversized files, the worker pool, signals
and start-up. Every run goes through a subprocess with a time limit, so that a crash or a hang
fails the test instead of taking the suite down with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings, strategies as st

from conftest import ROOT
from pinlint import engine
from pinlint.python.deep import split_long_concatenations
from pinlint.settings import Settings

TIMEOUT = 120
SET_LINE = 'cur.execute("SET a TO 1")\n'
SET_FINDING = (
    "PIN101 `SET a` changes a session setting: pins the session on RDS Proxy; leaks a to the next client on "
    "PgBouncer. Fix: Set it per role or database instead (`ALTER ROLE app SET a = ...`); behind PgBouncer "
    "alone, `SET LOCAL a ...` inside a transaction also works"
)
# libcst's native parser overflowed the main thread's C stack on this many terms (SIGSEGV).
DEEP_CHAIN = "x = " + " and ".join(["a"] * 12_000) + "\n"
_real_lint_file = engine._lint_file


def pinlint(*args: str, cwd: Path, **options) -> subprocess.CompletedProcess:
    """The CLI as a user runs it, importing this checkout's pinlint from any directory."""
    return subprocess.run(
        [sys.executable, "-m", "pinlint", *args], cwd=cwd, env=_env(), capture_output=True, text=True,
        timeout=TIMEOUT, **options,
    )


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_a_long_boolean_chain_is_analysed_not_a_segfault(tmp_path):
    (tmp_path / "deep.py").write_text("import psycopg2\n" + DEEP_CHAIN + SET_LINE, encoding="utf-8")
    result = pinlint("check", "--no-cache", "--output-format", "concise", "deep.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, f"deep.py:3:13: {SET_FINDING}\n")
    assert "Traceback" not in result.stderr


def test_the_flake8_plugin_survives_a_long_boolean_chain(tmp_path):
    (tmp_path / "deep.py").write_text("import psycopg2\n" + DEEP_CHAIN + SET_LINE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "PIN", "--format=%(row)d:%(col)d:%(code)s", "deep.py"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert (result.returncode, result.stdout, result.stderr) == (1, "3:13:PIN101\n", "")


def test_django_settings_with_deep_brackets_are_skipped_not_a_segfault(tmp_path):
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "settings.py").write_text("X = " + "[" * 2000 + "]" * 2000 + "\n", encoding="utf-8")
    (tmp_path / "views.py").write_text("def rows(q):\n    return q.iterator()\n", encoding="utf-8")
    result = pinlint("check", "--no-cache", "--output-format", "concise", "views.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "All checks passed.\n"


def test_an_implicit_concatenation_beyond_libcsts_limit_is_analysed():
    literals = "".join(f'    "SELECT {n} "\n' for n in range(3_100))
    text = f"import psycopg2\nquery = (\n{literals})\n{SET_LINE}"
    report = engine.lint_source(text.encode(), "long.py", Settings())
    assert [(f.row, f.col, f.code) for f in report.findings] == [(3, 5, "PIN118"), (3_104, 13, "PIN101")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(['"a"', "'b'", 'f"{x}"', "b''", " ", "\n", "\t", "# c\n", "\\\n", "(", ")", "+", "x"]), max_size=40))
def test_splitting_concatenations_keeps_every_position(pieces):
    text = "".join(pieces)
    split = split_long_concatenations(text)
    assert len(split) == len(text)
    assert all(a == b or (a in " \t" and b == "+") for a, b in zip(text, split))


def test_splitting_cuts_only_runs_over_the_limit():
    short = "x = (\n" + '    "a"\n' * 3_000 + ")\n"
    assert split_long_concatenations(short) == short
    long = "x = (\n" + '    "a"\n' * 4_001 + ")\n"
    split = split_long_concatenations(long).splitlines()
    assert [row for row, line in enumerate(split, 1) if "+" in line] == [2_002, 4_002]
    assert split[2_001] == '+   "a"'


def test_a_file_too_large_to_analyse_is_reported():
    text = "import psycopg2\n" + "x = 1\n" * (engine.MAX_ANALYSED_CHARACTERS // 6 + 1)
    report = engine.lint_source(text.encode(), "big.py", Settings())
    assert [(f.row, f.col, f.code, f.message) for f in report.findings] == [(
        1, 1, "PIN900",
        "the file is too large to analyse (1.0 MiB; database code in Python files is analysed up to 1 MiB)",
    )]