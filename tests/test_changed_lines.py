"""`--changed-since REF`: only findings on lines added or changed since the merge base of REF
and HEAD, in real git repositories made here."""

from __future__ import annotations

import os

import pytest

from git_repo import Repo
from pinlint.changed_lines import parse_diff
from pinlint.cli import main

LISTEN = 'def wait(cur):\n    cur.execute("LISTEN jobs")\n'
LISTEN_MESSAGE = (
    "PIN110 `LISTEN` subscribes the backend, not the client: pins the session on RDS Proxy; loses the "
    "notifications on PgBouncer (they go to a backend the client no longer holds)"
)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    repo = Repo(tmp_path / "project")
    # Settings that change git's output, which pinlint must override.
    for key, value in (
        ("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true"), ("color.diff", "always"),
        ("diff.relative", "true"), ("core.quotePath", "false"), ("diff.external", "false"),
    ):
        repo.git("config", key, value)
    repo.write("app/db.py", LISTEN)
    repo.write("app/old name.py", "import os\n\n" + LISTEN)
    repo.write("db/schema.sql", "CREATE TABLE t (id int);\nLISTEN jobs;\n")
    repo.write("deploy/.env", "DATABASE_URL=postgresql://db:6432/app\n")
    repo.commit("the code as it is")
    repo.git("checkout", "--quiet", "-b", "feature")
    monkeypatch.chdir(repo.root)
    return repo


TARGETS = " Targets: rds-proxy, pgbouncer."  # named: deploy/.env's port 6432 would say PgBouncer alone


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    """Exit code, concise lines without their fix, and stderr."""
    code = main(["check", "--no-cache", "--output-format", "concise", "--target", "rds-proxy", "--target", "pgbouncer", *args])
    out, err = capsys.readouterr()
    return code, [line.split(". Fix: ")[0] for line in out.splitlines()], err


def test_only_findings_on_lines_a_branch_adds_or_changes(repo, capsys):
    assert run(capsys, "--changed-since", "main") == (
        0, [], "All checks passed. 3 findings on lines unchanged since main not shown." + TARGETS + "\n"
    )
    # Committed: a line added in a known file, a renamed file with one line edited, a new file.
    repo.write("app/db.py", LISTEN + '    cur.execute("LISTEN more")\n')
    repo.git("mv", "app/old name.py", "app/new name.py")
    repo.write("app/new name.py", "import sys\n\n" + LISTEN)
    repo.write("app/jobs.py", LISTEN)
    repo.commit("more listening")
    # Not committed: a changed SQL line, a changed setting, an untracked file.
    repo.write("db/schema.sql", "CREATE TABLE t (id int);\nLISTEN jobs2;\n")
    repo.write("deploy/.env", "DATABASE_URL=postgresql://db:6432/app?options=-c%20search_path%3Dtenant\n")
    repo.write("scratch/ünï côde.sql", "SELECT 1;\nLISTEN x;\n")
    code, lines, err = run(capsys, "--changed-since", "main", "--select", "PIN110,PIN201")
    assert code == 1
    assert lines == [
        f"app/db.py:3:17: {LISTEN_MESSAGE}",
        f"app/jobs.py:2:17: {LISTEN_MESSAGE}",
        f"db/schema.sql:2:1: {LISTEN_MESSAGE}",
        "deploy/.env:1:14: PIN201 the URL in `DATABASE_URL` sends `options=-c search_path=tenant` as a startup "
        "parameter: rejects the connection on RDS Proxy (“RDS Proxy currently doesn't support command-line "
        "options”); rejects the connection on PgBouncer (“unsupported startup parameter in options: search_path”)",
        f"scratch/ünï côde.sql:2:1: {LISTEN_MESSAGE}",
    ]
    assert err == "Found 5 findings (5 errors, 0 warnings) in 5 files. 2 findings on lines unchanged since main not shown." + TARGETS + "\n"


def test_what_the_base_branch_gained_since_the_branch_left_it_is_not_the_branchs(repo, capsys):
    repo.git("checkout", "--quiet", "main")
    repo.write("app/db.py", LISTEN + '    cur.execute("LISTEN on_main")\n')
    repo.commit("main moves on")
    repo.git("checkout", "--quiet", "feature")
    repo.write("app/jobs.py", LISTEN)
    repo.commit("the branch's work")
    assert run(capsys, "--changed-since", "main")[1] == [f"app/jobs.py:2:17: {LISTEN_MESSAGE}"]
    # HEAD itself: only what is not committed.
    assert run(capsys, "--changed-since", "HEAD")[1] == []
    repo.write("app/db.py", LISTEN + "\n" + LISTEN)
    assert run(capsys, "--changed-since", "HEAD")[1] == [f"app/db.py:5:17: {LISTEN_MESSAGE}"]


def test_from_a_subdirectory_with_paths_and_with_stdin(repo, capsys, monkeypatch):
    import io
    import sys

    repo.write("app/db.py", LISTEN + '    cur.execute("LISTEN more")\n')
    monkeypatch.chdir(repo.root / "app")
    assert run(capsys, ".", "--changed-since", "main")[1] == [f"db.py:3:17: {LISTEN_MESSAGE}"]
    # A file named on the command line; then the same text through stdin, named as the file.
    assert run(capsys, "old name.py", "--changed-since", "main")[1] == []
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((repo.root / "app" / "db.py").read_bytes())))
    assert run(capsys, "-", "--stdin-filename", "db.py", "--changed-since", "main")[1] == [
        f"db.py:3:17: {LISTEN_MESSAGE}"
    ]


def test_a_finding_whose_span_holds_a_changed_line(repo, capsys):
    repo.write("app/multi.py", 'def f(cur):\n    cur.execute("""\n        LISTEN\n        jobs\n    """)\n')
    repo.commit("a statement over lines")
    repo.git("checkout", "--quiet", "-b", "edit")
    repo.write("app/multi.py", 'def f(cur):\n    cur.execute("""\n        LISTEN\n        jobs2\n    """)\n')
    assert run(capsys, "app/multi.py", "--changed-since", "feature")[1] == [
        f"app/multi.py:2:17: {LISTEN_MESSAGE}"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--changed-since", "nope"], "--changed-since nope: no such git revision here (fetch it first; a shallow clone "
         "needs more history: actions/checkout's `fetch-depth: 0`, or `git fetch --unshallow`)"),
        (["--changed-since=--output=x"], "--changed-since --output=x: not a git revision"),
        (["--changed-since", "main\x1b[2J"], "--changed-since main\\x1b[2J: no such git revision here (fetch it "
         "first; a shallow clone needs more history: actions/checkout's `fetch-depth: 0`, or `git fetch --unshallow`)"),
        (["--changed-since", "orphan"], "--changed-since orphan: it shares no history with HEAD here (a shallow clone "
         "needs more history: actions/checkout's `fetch-depth: 0`, or `git fetch --unshallow`)"),
    ],
)
def test_a_revision_git_cannot_use_is_a_usage_error(repo, capsys, args, message):
    repo.git("checkout", "--quiet", "--orphan", "orphan")
    repo.commit("unrelated")
    repo.git("checkout", "--quiet", "feature")
    assert run(capsys, *args) == (2, [], f"pinlint: error: {message}\n")
    assert not (repo.root / "x").exists()


def test_outside_a_work_tree_or_without_git(tmp_path, capsys, monkeypatch):
    (tmp_path / "a.sql").write_text("LISTEN a;\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert run(capsys, "--changed-since", "main") == (
        2, [], f"pinlint: error: --changed-since main: {tmp_path} is not in a git work tree\n"
    )
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert run(capsys, "--changed-since", "main") == (
        2, [], "pinlint: error: --changed-since main: git is needed, and it is not on PATH\n"
    )


def test_the_diff_is_read_as_git_writes_it():
    diff = b"".join([
        b'diff --git "a/tab\\there.py" "b/tab\\there.py"\n',
        b'--- "a/tab\\there.py"\n',
        b'+++ "b/tab\\there.py"\n',
        b"@@ -0,0 +1 @@\n",
        b"+x\n",
        b"diff --git a/x y.py b/z w.py\n",
        b"similarity index 50%\n",
        b"rename from x y.py\n",
        b"rename to z w.py\n",
        b"--- a/x y.py\t\n",
        b"+++ b/z w.py\t\n",
        # Body lines that look like headers are body lines.
        b"@@ -1,2 +2,3 @@ def f():\n",
        b"--- a/not-a-file\n",
        b"-diff --git a/b b/b\n",
        b"+++ b/not-a-file-either\n",
        b"+@@ -1 +1 @@\n",
        b"++++ b/no\n",
        b"\\ No newline at end of file\n",
        b"@@ -9,0 +11,2 @@\n",
        b"+a\n",
        b"+b\n",
        b'diff --git "a/\\303\\274n\\303\\257.sql" "b/\\303\\274n\\303\\257.sql"\n',
        b"new file mode 100644\n",
        b"--- /dev/null\n",
        b'+++ "b/\\303\\274n\\303\\257.sql"\n',
        b"@@ -0,0 +1,2 @@\n",
        b"+SELECT 1;\n",
        b"+LISTEN x;\n",
        b"diff --git a/gone.py b/gone.py\n",
        b"deleted file mode 100644\n",
        b"--- a/gone.py\n",
        b"+++ /dev/null\n",
        b"@@ -1 +0,0 @@\n",
        b"-x\n",
        b"diff --git a/only-deleted.py b/only-deleted.py\n",
        b"--- a/only-deleted.py\n",
        b"+++ b/only-deleted.py\n",
        b"@@ -3 +2,0 @@\n",
        b"-x\n",
    ])
    assert parse_diff(diff) == {
        "tab\there.py": [(1, 2)],
        "z w.py": [(2, 5), (11, 13)],
        "ünï.sql": None,
        "only-deleted.py": [],
    }
    assert parse_diff(b'+++ "b/\\377\\"q\\\\"\n@@ -0,0 +1 @@\n+x\n') == {os.fsdecode(b'\xff"q\\'): [(1, 2)]}
