"""`check --fix`, `--unsafe-fixes`, `--diff` and `--add-noqa` on real git repositories: what each
leaves in the working tree (`git diff`), prints and exits with."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from pinlint.cli import main

APP = """\
import asyncpg
import psycopg


async def main(dsn):
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,  # one is enough
    )
    conn = psycopg.connect(dsn)
    with conn.transaction():
        conn.execute(\"\"\"
            SET search_path TO tenant_a
        \"\"\")
    return pool
"""
SCHEMA = "BEGIN;\nSET search_path TO tenant_a;\nSELECT pg_advisory_lock(1);\nCOMMIT;\nSET statement_timeout = '5s';\n"
TARGETS = ["--target", "pgbouncer-legacy", "--target", "rds-proxy"]


def git(repo, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    git(tmp_path, "init", "-q")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    (tmp_path / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    git(tmp_path, "add", "-A")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out, err


def diff(repo) -> str:
    return git(repo, "diff", "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/")


def body(patch: str) -> str:
    """A git diff without its `index` lines (blob hashes)."""
    return "".join(line for line in patch.splitlines(keepends=True) if not line.startswith("index "))


SAFE_DIFF = """\
diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -6,8 +6,9 @@ async def main(dsn):
     pool = await asyncpg.create_pool(
         dsn,
         min_size=1,  # one is enough
+        statement_cache_size=0,
     )
-    conn = psycopg.connect(dsn)
+    conn = psycopg.connect(dsn, prepare_threshold=None)
     with conn.transaction():
         conn.execute(\"\"\"
             SET search_path TO tenant_a
"""


def test_fix_applies_the_safe_fixes_and_reports_what_remains(repo, capsys):
    code, out, err = run(capsys, "--fix", *TARGETS, "--output-format", "concise")
    assert code == 1
    assert body(diff(repo)) == SAFE_DIFF
    assert [line.split(" ", 2)[:2] for line in out.splitlines()] == [
        ["app.py:6:18:", "PIN203"], ["app.py:13:22:", "PIN101"],
        ["schema.sql:2:1:", "PIN101"], ["schema.sql:3:8:", "PIN109"], ["schema.sql:5:1:", "PIN101"],
    ]
    assert err == (
        "Fixed 2 findings in 1 file (4 more fixes with --unsafe-fixes).\n"
        "Found 5 findings (4 errors, 1 warning) in 2 files. Targets: pgbouncer-legacy, rds-proxy.\n"
    )
    # A second run has nothing left to fix.
    assert run(capsys, "--fix", *TARGETS, "--output-format", "concise")[2].startswith("Fixed 0 findings in 0 files (4 more")


def test_unsafe_fixes_change_what_statements_mean_where_a_transaction_is_seen(repo, capsys):
    code, out, err = run(capsys, "--fix", "--unsafe-fixes", *TARGETS, "--output-format", "concise")
    assert body(diff(repo)) == """\
diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1,15 +1,18 @@
 import asyncpg
 import psycopg
+import asyncio
 
 
 async def main(dsn):
     pool = await asyncpg.create_pool(
         dsn,
         min_size=1,  # one is enough
+        statement_cache_size=0,
+        reset=lambda conn: asyncio.sleep(0),
     )
-    conn = psycopg.connect(dsn)
+    conn = psycopg.connect(dsn, prepare_threshold=None)
     with conn.transaction():
         conn.execute(\"\"\"
-            SET search_path TO tenant_a
+            SET LOCAL search_path TO tenant_a
         \"\"\")
     return pool
diff --git a/schema.sql b/schema.sql
--- a/schema.sql
+++ b/schema.sql
@@ -1,5 +1,5 @@
 BEGIN;
-SET search_path TO tenant_a;
-SELECT pg_advisory_lock(1);
+SET LOCAL search_path TO tenant_a;
+SELECT pg_advisory_xact_lock(1);
 COMMIT;
 SET statement_timeout = '5s';
"""
    # What remains: SET LOCAL still pins on RDS Proxy (PIN103), and the SET after COMMIT has no transaction.
    assert [line.split(" ", 2)[:2] for line in out.splitlines()] == [
        ["app.py:15:22:", "PIN103"], ["schema.sql:2:1:", "PIN103"], ["schema.sql:5:1:", "PIN101"],
    ]
    assert err.splitlines()[0] == "Fixed 6 findings in 2 files."
    assert code == 1


def test_diff_prints_the_fixes_and_writes_nothing(repo, capsys):
    code, out, err = run(capsys, "--diff", *TARGETS)
    assert code == 1
    assert out == """\
--- app.py
+++ app.py
@@ -6,8 +6,9 @@
     pool = await asyncpg.create_pool(
         dsn,
         min_size=1,  # one is enough
+        statement_cache_size=0,
     )
-    conn = psycopg.connect(dsn)
+    conn = psycopg.connect(dsn, prepare_threshold=None)
     with conn.transaction():
         conn.execute(\"\"\"
             SET search_path TO tenant_a
"""
    assert err == "Would fix 2 findings (4 more fixes with --unsafe-fixes).\n"
    assert git(repo, "status", "--porcelain") == ""
    code, out, err = run(capsys, "--diff", "--unsafe-fixes", "schema.sql")
    assert (code, err) == (1, "Would fix 2 findings.\n")
    assert out.startswith("--- schema.sql\n+++ schema.sql\n@@ -1,5 +1,5 @@\n BEGIN;\n-SET search_path TO tenant_a;\n")
    assert git(repo, "status", "--porcelain") == ""


def test_diff_with_nothing_to_fix_exits_0(repo, capsys):
    (repo / "clean.py").write_text("import psycopg\nconn = psycopg.connect(dsn, prepare_threshold=None)\n", encoding="utf-8")
    assert run(capsys, "--diff", *TARGETS, "clean.py") == (0, "", "Would fix 0 findings.\n")


def test_diff_shows_control_characters_escaped_and_a_missing_last_line_break(repo, capsys):
    (repo / "esc.py").write_text("import psycopg\nconn = psycopg.connect(dsn)  # \x1b[31m", encoding="utf-8")
    code, out, _ = run(capsys, "--diff", *TARGETS, "esc.py")
    assert code == 1
    assert out == (
        "--- esc.py\n+++ esc.py\n@@ -1,2 +1,2 @@\n import psycopg\n"
        "-conn = psycopg.connect(dsn)  # \\x1b[31m\n\\ No newline at end of file\n"
        "+conn = psycopg.connect(dsn, prepare_threshold=None)  # \\x1b[31m\n\\ No newline at end of file\n"
    )


def test_add_noqa_suppresses_every_finding_where_it_is_honoured(repo, capsys):
    (repo / "more.py").write_text(
        "def f(cur):\n"
        "    cur.execute('SET ROLE admin')  # noqa: E501\n"
        "    cur.execute('DISCARD ALL')  # pinlint: ignore[PIN101] -- reason\n",
        encoding="utf-8",
    )
    git(repo, "add", "more.py")
    code, out, err = run(capsys, "--add-noqa", *TARGETS)
    assert (code, out, err) == (0, "", "Added 8 suppressions in 3 files.\n")
    assert body(diff(repo)) == """\
diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -6,10 +6,10 @@ async def main(dsn):
     pool = await asyncpg.create_pool(
         dsn,
         min_size=1,  # one is enough
-    )
-    conn = psycopg.connect(dsn)
+    )  # pinlint: ignore[PIN202, PIN203]
+    conn = psycopg.connect(dsn)  # pinlint: ignore[PIN202]
     with conn.transaction():
         conn.execute(\"\"\"
             SET search_path TO tenant_a
-        \"\"\")
+        \"\"\")  # pinlint: ignore[PIN101]
     return pool
diff --git a/more.py b/more.py
--- a/more.py
+++ b/more.py
@@ -1,3 +1,3 @@
 def f(cur):
-    cur.execute('SET ROLE admin')  # noqa: E501
-    cur.execute('DISCARD ALL')  # pinlint: ignore[PIN101] -- reason
+    cur.execute('SET ROLE admin')  # noqa: E501, PIN104
+    cur.execute('DISCARD ALL')  # pinlint: ignore[PIN101, PIN107] -- reason
diff --git a/schema.sql b/schema.sql
--- a/schema.sql
+++ b/schema.sql
@@ -1,5 +1,5 @@
 BEGIN;
-SET search_path TO tenant_a;
-SELECT pg_advisory_lock(1);
+SET search_path TO tenant_a;  -- pinlint: ignore[PIN101]
+SELECT pg_advisory_lock(1);  -- pinlint: ignore[PIN109]
 COMMIT;
-SET statement_timeout = '5s';
+SET statement_timeout = '5s';  -- pinlint: ignore[PIN101]
"""
    # Only the suppression that was there and suppresses nothing remains.
    code, out, _ = run(capsys, *TARGETS, "--output-format", "concise")
    assert out.splitlines() == [(
        "more.py:3:33: PIN901 unused suppression of `PIN101`: nothing here is reported under it. "
        "Fix: Remove the suppression (or the code from it)"
    )]


def test_add_noqa_in_sql_whose_line_ends_inside_a_string(repo, capsys):
    (repo / "schema.sql").write_text("SELECT 1;\nSET search_path TO a; SELECT 'b\n-- c';\n", encoding="utf-8")
    assert run(capsys, "--add-noqa", "schema.sql")[0] == 0
    assert (repo / "schema.sql").read_text(encoding="utf-8") == (
        "SELECT 1;\n-- pinlint: ignore[PIN101]\nSET search_path TO a; SELECT 'b\n-- c';\n"
    )
    assert run(capsys, "schema.sql")[0] == 0


def test_files_keep_their_encoding_byte_order_mark_and_line_breaks(repo, capsys):
    latin = "# -*- coding: latin-1 -*-\r\nimport psycopg\r\nconn = psycopg.connect(dsn)  # café\r\n"
    (repo / "latin.py").write_bytes(latin.encode("latin-1"))
    wide = "BEGIN;\r\nSET ROLE reporting;\r\nCOMMIT;\r\n"
    (repo / "wide.sql").write_bytes(b"\xff\xfe" + wide.encode("utf-16-le"))
    run(capsys, "--fix", "--unsafe-fixes", *TARGETS, "latin.py", "wide.sql")
    assert (repo / "latin.py").read_bytes() == latin.replace("(dsn)", "(dsn, prepare_threshold=None)").encode("latin-1")
    assert (repo / "wide.sql").read_bytes() == b"\xff\xfe" + wide.replace("SET ROLE", "SET LOCAL ROLE").encode("utf-16-le")


def test_a_file_that_cannot_be_written_back_is_left_alone(repo, capsys):
    (repo / "bad.py").write_bytes(b"import psycopg\nconn = psycopg.connect(dsn)  # \xff\n")
    code, _, err = run(capsys, "--fix", *TARGETS, "bad.py", "app.py")
    assert (repo / "bad.py").read_bytes() == b"import psycopg\nconn = psycopg.connect(dsn)  # \xff\n"
    assert "statement_cache_size=0" in (repo / "app.py").read_text(encoding="utf-8")
    assert code == 1 and "Fixed 2 findings in 1 file" in err


def test_fixing_stdin_prints_the_fixed_text(repo, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"import psycopg\nconn = psycopg.connect(dsn)\n")))
    code, out, _ = run(capsys, "--fix", *TARGETS, "--stdin-filename", "app.py", "-")
    assert (code, out) == (0, "import psycopg\nconn = psycopg.connect(dsn, prepare_threshold=None)\n")


@pytest.mark.parametrize("flags, message", [
    (["--unsafe-fixes"], "--unsafe-fixes applies with --fix or --diff"),
    (["--add-noqa", "--fix"], "--add-noqa cannot be combined with --fix or --diff"),
])
def test_usage_errors(repo, capsys, flags, message):
    assert run(capsys, *flags) == (2, "", f"pinlint: error: {message}\n")


def test_fixes_follow_the_versions_the_project_pins(repo, capsys):
    (repo / "requirements.txt").write_text("asyncpg==0.29.0\nSQLAlchemy==2.0.5\n", encoding="utf-8")
    (repo / "engine.py").write_text(
        "from sqlalchemy.ext.asyncio import create_async_engine\n"
        "engine = create_async_engine('postgresql+asyncpg://app@db/app')\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "--diff", "--unsafe-fixes", *TARGETS, "app.py", "engine.py")
    # No `reset=` before asyncpg 0.30, no `prepared_statement_name_func` before SQLAlchemy 2.0.10.
    assert "reset=" not in out and "engine.py" not in out
    assert "statement_cache_size=0" in out
    assert (code, err) == (1, "Would fix 3 findings.\n")
