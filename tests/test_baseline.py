"""Baselines: `--write-baseline` records the findings, `--baseline` (or the `baseline` key) leaves
them out, matched by fingerprint as a multiset, and counts the entries no longer found."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from git_repo import Repo
from pinlint.cli import main

LISTEN = 'def wait(cur):\n    cur.execute("LISTEN jobs")\n'
LISTEN_TWICE = 'def wait(cur):\n    cur.execute("LISTEN jobs")\n    cur.execute("LISTEN jobs")\n'
MESSAGE = (
    "`LISTEN` subscribes the backend, not the client: pins the session on RDS Proxy; loses the notifications "
    "on PgBouncer (they go to a backend the client no longer holds)"
)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    repo = Repo(tmp_path / "project")
    repo.write("app/db.py", LISTEN)
    repo.write("db/schema.sql", "CREATE TABLE t (id int);\nLISTEN jobs;\n")
    repo.commit("the code as it is")
    monkeypatch.chdir(repo.root)
    return repo


TARGETS = " Targets: rds-proxy, pgbouncer (default; no pooler found in the project)."  # ends every summary


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    """Exit code, concise lines without their fix, and stderr."""
    code = main(["check", "--no-cache", "--output-format", "concise", *args])
    out, err = capsys.readouterr()
    return code, [line.split(". Fix: ")[0] for line in out.splitlines()], err


def fingerprint(code: str, path: str, text: str, index: int = 0) -> str:
    """The fingerprint SARIF and GitLab reports give, as the baseline's format documents it."""
    return hashlib.sha256("\0".join((code, path, text, str(index))).encode()).hexdigest()[:32]


def test_the_baseline_file_is_sorted_versioned_and_names_files_relative_to_itself(repo, capsys):
    code, lines, err = run(capsys, "--write-baseline", "pinlint-baseline.json")
    assert (code, lines, err) == (0, [], "pinlint: recorded 2 findings in pinlint-baseline.json\n")
    assert json.loads((repo.root / "pinlint-baseline.json").read_text(encoding="utf-8")) == {
        "version": 1,
        "findings": [
            {"path": "app/db.py", "code": "PIN110", "fingerprint": fingerprint("PIN110", "app/db.py", '"LISTEN jobs"'),
             "message": MESSAGE},
            {"path": "db/schema.sql", "code": "PIN110", "fingerprint": fingerprint("PIN110", "db/schema.sql", "LISTEN jobs"),
             "message": MESSAGE},
        ],
    }
    text = (repo.root / "pinlint-baseline.json").read_text(encoding="utf-8")
    assert text.startswith('{\n  "version": 1,\n  "findings": [\n    {\n      "path": "app/db.py",\n') and text.endswith("}\n")
    # Into a file elsewhere, with absolute paths: the paths are relative to the file.
    code = main(["check", "--no-cache", str(repo.root), "--write-baseline", str(repo.root / "app" / "b.json")])
    capsys.readouterr()
    assert code == 0
    paths = [entry["path"] for entry in json.loads((repo.root / "app" / "b.json").read_text())["findings"]]
    assert paths == ["../db/schema.sql", "db.py"]


def test_known_findings_are_left_out_and_a_copy_of_one_is_new(repo, capsys):
    run(capsys, "--write-baseline", "baseline.json")
    repo.commit("the baseline")
    assert run(capsys, "--baseline", "baseline.json") == (0, [], "All checks passed. 2 findings in the baseline not shown." + TARGETS + "\n")

    repo.git("checkout", "--quiet", "-b", "feature")
    # Lines moving above a known finding keep it known; a second identical one is new.
    repo.write("app/db.py", "import os\n\n\n" + LISTEN_TWICE)
    repo.commit("listen twice")
    assert run(capsys, "--baseline", "baseline.json") == (
        1,
        [f"app/db.py:6:17: PIN110 {MESSAGE}"],
        "Found 1 finding (1 error, 0 warnings) in 1 file. 2 findings in the baseline not shown." + TARGETS + "\n",
    )
    # Every output format and the exit code see only the new finding.
    code = main(["check", "--no-cache", "--baseline", "baseline.json", "--output-format", "json"])
    assert code == 1 and [f["location"]["row"] for f in json.loads(capsys.readouterr().out)] == [6]
    assert main(["check", "--no-cache", "--baseline", "baseline.json", "--exit-zero"]) == 0


def test_the_baseline_matches_from_any_working_directory(repo, capsys, monkeypatch):
    run(capsys, "--write-baseline", "baseline.json")
    monkeypatch.chdir(repo.root / "app")
    assert run(capsys, "..", "--baseline", "../baseline.json") == (
        0, [], "All checks passed. 2 findings in the baseline not shown." + TARGETS + "\n"
    )


def test_entries_no_longer_found_are_counted_for_the_files_linted(repo, capsys):
    run(capsys, "--write-baseline", "baseline.json")
    repo.write("app/db.py", "def wait(cur):\n    pass\n")
    assert run(capsys, "--baseline", "baseline.json") == (
        0, [], "All checks passed. 1 finding in the baseline not shown. "
        "1 baseline entry no longer found (--write-baseline updates it)." + TARGETS + "\n",
    )
    # Linting another file only, an entry of a file that was not linted is not stale...
    assert run(capsys, "db", "--baseline", "baseline.json")[2] == "All checks passed. 1 finding in the baseline not shown." + TARGETS + "\n"
    # ...unless the file is gone.
    (repo.root / "app" / "db.py").unlink()
    assert run(capsys, "db", "--baseline", "baseline.json")[2] == (
        "All checks passed. 1 finding in the baseline not shown. 1 baseline entry no longer found (--write-baseline updates it)." + TARGETS + "\n"
    )


def test_the_configuration_names_the_baseline_relative_to_itself(repo, capsys, monkeypatch):
    repo.write("pyproject.toml", '[tool.pinlint]\nbaseline = "ci/pinlint-baseline.json"\n')
    (repo.root / "ci").mkdir()
    # Writing ignores the configured baseline: every finding is recorded.
    assert run(capsys, "--write-baseline", "ci/pinlint-baseline.json")[0] == 0
    repo.write("db/schema.sql", "LISTEN jobs;\nLISTEN jobs;\n")
    monkeypatch.chdir(repo.root / "db")
    assert run(capsys, "schema.sql") == (
        1, [f"schema.sql:2:1: PIN110 {MESSAGE}"],
        "Found 1 finding (1 error, 0 warnings) in 1 file. 1 finding in the baseline not shown." + TARGETS + "\n",
    )
    # --baseline on the command line wins, and is relative to the working directory.
    (repo.root / "db" / "empty.json").write_text('{"version": 1, "findings": []}\n', encoding="utf-8")
    assert run(capsys, "schema.sql", "--baseline", "empty.json")[1] == [
        f"schema.sql:1:1: PIN110 {MESSAGE}", f"schema.sql:2:1: PIN110 {MESSAGE}"
    ]


def test_a_baseline_with_stdin(repo, capsys, monkeypatch):
    import io
    import sys

    run(capsys, "--write-baseline", "baseline.json")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LISTEN_TWICE.encode())))
    assert run(capsys, "-", "--stdin-filename", "app/db.py", "--baseline", "baseline.json")[1] == [
        f"app/db.py:3:17: PIN110 {MESSAGE}"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "baseline b.json is not JSON (Expecting value: line 1 column 1 (char 0)); write it with --write-baseline"),
        (b"{\x1b[2J", "baseline b.json is not JSON (Expecting property name enclosed in double quotes: line 1 column 2 "
         "(char 1)); write it with --write-baseline"),
        (b"\xff\xfe", "cannot read the baseline b.json: the baseline is not UTF-8 (invalid start byte at byte 0)"),
        (b"[]", "baseline b.json is not a pinlint baseline (no version); write it with --write-baseline"),
        (b'{"version": 2, "findings": []}', "baseline b.json has version 2; this pinlint reads version 1"),
        (b'{"version": true, "findings": []}', "baseline b.json has version True; this pinlint reads version 1"),
        (b'{"version": "1\\n::error::x"}', "baseline b.json has version '1\\n::error::x'; this pinlint reads version 1"),
        (b'{"version": 1}', "baseline b.json: `findings` must be a list"),
        (b'{"version": 1, "findings": [{"path": "a.py"}]}',
         "baseline b.json: finding 1 needs a `path` and a `fingerprint` of 32 hex digits"),
        (b'{"version": 1, "findings": [{"path": "a.py", "fingerprint": "%s"}]}' % (b"A" * 32),
         "baseline b.json: finding 1 needs a `path` and a `fingerprint` of 32 hex digits"),
        (b"[" * 100_000 + b"]" * 100_000, "baseline b.json is not a pinlint baseline (nested too deeply)"),
    ],
)
def test_a_bad_baseline_is_a_clear_usage_error(repo, capsys, content, message):
    (repo.root / "b.json").write_bytes(content)
    assert run(capsys, "--baseline", "b.json") == (2, [], f"pinlint: error: {message}\n")


def test_a_baseline_that_cannot_be_read_or_written_is_a_usage_error(repo, capsys):
    assert run(capsys, "--baseline", "missing.json") == (
        2, [], "pinlint: error: cannot read the baseline missing.json: No such file or directory\n"
    )
    assert run(capsys, "--baseline", "app") == (
        2, [], "pinlint: error: cannot read the baseline app: it is a directory, not a regular file\n"
    )
    assert run(capsys, "--write-baseline", "nowhere/b.json") == (
        2, [], "pinlint: error: cannot write the baseline nowhere/b.json: No such file or directory\n"
    )
    assert run(capsys, "--write-baseline", "b.json", "--changed-since", "main") == (
        2, [], "pinlint: error: --write-baseline records every finding; it cannot be combined with --changed-since\n"
    )
    repo.write("pinlint.toml", "baseline = 3\n")
    assert run(capsys)[2].endswith("/pinlint.toml: baseline: expected the baseline file's path, got 3\n")
    assert sorted(p.name for p in repo.root.iterdir()) == [".git", "app", "db", "pinlint.toml"]  # nothing left behind
