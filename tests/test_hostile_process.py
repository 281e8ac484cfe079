"""Hostile input against the process: parser crashes, oversized files, the worker pool, signals
and start-up. Every run goes through a subprocess with a time limit, so that a crash or a hang
fails the test instead of taking the suite down with it."""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT, budget
from pinlint import engine
from pinlint.python.deep import split_long_concatenations
from pinlint.settings import Settings

TIMEOUT = 120
SET_LINE = 'cur.execute("SET a TO 1")\n'
SET_FINDING = (
    "PIN101 `SET a` changes a session setting: pins the session on RDS Proxy; leaks a to the next client on "
    "PgBouncer. Fix: Set it per role or database instead (`ALTER ROLE app SET a = ...`); behind PgBouncer "
    "alone, `SET LOCAL a ...` inside a transaction also works (outside one it silently does nothing)"
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


def set_files(directory: Path, count: int) -> list[str]:
    """``count`` files with one finding each; their concise output lines."""
    lines = []
    for number in range(count):
        (directory / f"f{number:03}.py").write_text("import psycopg2\n" + SET_LINE, encoding="utf-8")
        lines.append(f"f{number:03}.py:2:13: {SET_FINDING}")
    return lines


def test_a_long_boolean_chain_is_analysed_not_a_segfault(tmp_path):
    (tmp_path / "deep.py").write_text("import psycopg2\n" + DEEP_CHAIN + SET_LINE, encoding="utf-8")
    result = pinlint("check", "--no-cache", "--output-format", "concise", "deep.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, f"deep.py:3:13: {SET_FINDING}\n")
    assert "Traceback" not in result.stderr


def test_a_pool_of_workers_completes_beside_a_file_that_crashed_libcst(tmp_path):
    expected = set_files(tmp_path, 40)
    (tmp_path / "deep.py").write_text("import psycopg2\n" + DEEP_CHAIN + SET_LINE, encoding="utf-8")
    result = pinlint("check", "--no-cache", "--jobs", "2", "--output-format", "concise", ".", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.splitlines() == sorted([f"deep.py:3:13: {SET_FINDING}", *expected])


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
    assert result.stderr == "All checks passed. Targets: rds-proxy, pgbouncer (default; no pooler found in the project).\n"


def crash_on_marker(path: Path, display: str, settings: Settings, data: bytes | None = None):
    """`_lint_file`, but its process dies of SIGSEGV on files named crash*.py, as on a native crash."""
    if display.startswith("crash"):
        faulthandler.disable()  # pytest's, inherited: its dump would only be noise
        os.kill(os.getpid(), signal.SIGSEGV)
    return _real_lint_file(path, display, settings, data)


def test_a_worker_that_dies_loses_only_its_own_file(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "_lint_file", crash_on_marker)
    set_files(tmp_path, 40)
    for name in ("crash1.py", "crash2.py"):
        (tmp_path / name).write_text("import psycopg2\n" + SET_LINE, encoding="utf-8")
    report = engine.lint_paths([tmp_path], Settings(), tmp_path, jobs=2)
    crashed = [(f.path, f.code, f.message) for f in report.findings if f.code == "PIN900"]
    why = "pinlint crashed while linting this file (its process died of SIGSEGV); please report it"
    assert crashed == [("crash1.py", "PIN900", why), ("crash2.py", "PIN900", why)]
    assert sorted(f.path for f in report.findings if f.code == "PIN101") == [f"f{n:03}.py" for n in range(40)]
    assert report.files == 42


def _square_or_die(number: int) -> int:
    if number in (3, 7, 11):
        faulthandler.disable()
        os.kill(os.getpid(), signal.SIGSEGV)
    if number == 5:
        raise ValueError("five")
    return number * number


def test_a_worker_that_dies_inside_a_chunk_is_charged_with_its_own_task_only():
    from pinlint import workers

    results = workers.run_in_workers(_square_or_die, [(n,) for n in range(20)], 2, 4, lambda task, why: (task, why))
    expected = [n * n for n in range(20)]
    for n in (3, 7, 11):
        expected[n] = ((n,), "its process died of SIGSEGV")
    expected[5] = ((5,), "ValueError: five")
    assert results == expected


def test_jobs_are_capped_at_the_files_and_the_cpus(tmp_path, monkeypatch):
    from pinlint import workers

    seen = []
    real = workers.run_in_workers

    def recording(function, tasks, jobs, chunk, crashed):
        seen.append(jobs)
        return real(function, tasks, jobs, chunk, crashed)

    monkeypatch.setattr(workers, "run_in_workers", recording)
    set_files(tmp_path, 40)
    engine.lint_paths([tmp_path], Settings(), tmp_path, jobs=100_000)
    assert seen == [min(40, engine.MAX_JOBS_PER_CPU * engine.default_jobs())]


def test_jobs_far_beyond_the_files_finish(tmp_path):
    expected = set_files(tmp_path, 40)
    result = pinlint("check", "--no-cache", "--jobs", "100000", "--output-format", "concise", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout.splitlines()) == (1, expected)


def test_an_implicit_concatenation_beyond_libcsts_limit_is_analysed():
    literals = "".join(f'    "SELECT {n} "\n' for n in range(3_100))
    text = f"import psycopg2\nquery = (\n{literals})\n{SET_LINE}"
    report = engine.lint_source(text.encode(), "long.py", Settings())
    assert [(f.row, f.col, f.code) for f in report.findings] == [(3, 5, "PIN118"), (3_104, 13, "PIN101")]


@settings(max_examples=budget(200), deadline=None)
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


def test_a_file_too_large_to_analyse_is_reported_before_pythons_costly_check():
    text = "import psycopg2\n" + "x = 1\n" * (engine.MAX_ANALYSED_CHARACTERS // 6 + 1) + "def f(:\n"
    report = engine.lint_source(text.encode(), "big.py", Settings())
    assert [(f.row, f.col, f.code, f.message) for f in report.findings] == [(
        1, 1, "PIN900",
        "the file is too large to analyse (1.0 MiB; database code in Python files is analysed up to 1 MiB)",
    )]


def test_an_fstring_of_too_many_fields_is_reported_before_python_parses_it():
    from pinlint.python.fstrings import MAX_FIELDS

    crowded = "x = f'" + "{a}" * (MAX_FIELDS + 1) + "'\n"
    text = "import psycopg2\ncur.execute('SET a TO 1')\n  # it's f'{\n" + crowded
    report = engine.lint_source(text.encode(), "a.py", Settings())
    assert [(f.row, f.col, f.code, f.message) for f in report.findings] == [
        (4, 5, "PIN900", "an f-string with 10,001 replacement fields is too large to analyse"),
    ]


def test_fstrings_within_the_bound_are_analysed_whatever_they_hold():
    from pinlint.python.fstrings import MAX_FIELDS

    fields = "{a}" * MAX_FIELDS + "{{" * MAX_FIELDS
    text = (
        "import psycopg2\n"
        f"x = f'{fields}'\n"
        f"y = rf'''\\'''{fields}'''\n"  # the escaped quote does not end the literal
        "cur.execute('SET a TO 1')\n"
    )
    report = engine.lint_source(text.encode(), "a.py", Settings())
    assert [(f.row, f.code) for f in report.findings] == [(4, "PIN101")]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _slow_run(tmp_path: Path) -> tuple[subprocess.Popen, list[int]]:
    """A `--jobs 2` run over files that each need the full analysis, once its workers are up."""
    body = "import psycopg2\n" + "".join(f"def f{n}(cur):\n    cur.execute('SELECT {n}')\n" for n in range(400))
    for number in range(200):
        (tmp_path / f"f{number:03}.py").write_text(body, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "pinlint", "check", "--no-cache", "--jobs", "2", "."],
        cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 30
    while len(workers := _children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) == 2 and process.poll() is None
    return process, workers


def _gone_soon(pids: list[int]) -> bool:
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(_alive(pid) for pid in pids)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_ends_the_run_and_its_workers(tmp_path):
    process, workers = _slow_run(tmp_path)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=TIMEOUT)
    assert (process.returncode, out, err) == (143, "", "pinlint: terminated\n")
    assert _gone_soon(workers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path):
    process, workers = _slow_run(tmp_path)
    process.kill()
    process.communicate(timeout=TIMEOUT)
    assert _gone_soon(workers)


def test_ctrl_c_exits_130_without_a_traceback(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "pinlint", "check", "-"], cwd=tmp_path, env=_env(),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As from a terminal: a pytest-xdist worker ignores SIGINT, and its children would inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(2)  # past start-up, waiting for stdin
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=TIMEOUT)
    assert (process.returncode, out, err) == (130, "", "pinlint: interrupted\n")


def test_modules_in_the_current_directory_are_not_imported(tmp_path):
    for name in ("json", "tokenize", "ast", "libcst"):
        (tmp_path / f"{name}.py").write_text(f"print('imported {name}.py')\nraise SystemExit(7)\n", encoding="utf-8")
    (tmp_path / "a.py").write_text("import psycopg2\n" + SET_LINE, encoding="utf-8")
    result = pinlint("check", "--no-cache", "--output-format", "concise", "a.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, f"a.py:2:13: {SET_FINDING}\n")
    result = pinlint("check", "--no-cache", "--output-format", "json", "a.py", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.startswith("[")
