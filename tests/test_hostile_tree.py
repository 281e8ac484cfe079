"""One tree holding every kind of hostile file at once, linted in all seven output formats, with one
process and with a worker pool: the run ends in time, says what it could not lint, never prints a
traceback, never lets scanned content start a workflow command or a terminal escape in the
human-readable formats, and still reports the ordinary findings of the other files. Each class has
its own exact tests in the other `test_hostile_*` modules; this is the run a pull request from a
stranger would get."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pinlint.settings import OUTPUT_FORMATS

TIMEOUT = 120  # seconds for a whole run; each hostile file alone takes well under one

BAD_PY = 'import psycopg2\n\ndef switch(cur):\n    cur.execute("SET search_path TO tenant_a")\n'


def _hostile_tree(root: Path) -> None:
    files: dict[str, str | bytes] = {
        "app/bad.py": BAD_PY,
        # Exponential and quadratic scans.
        "scan/comment_gap.py": "# into " + "/**/" * 40 + "x\n",
        "scan/string_gap.py": 'import psycopg2\ncur.execute("' + "/**/" * 40 + 'x")\n',
        "scan/options_gap.py": 'f(options=1, q="' + "/**/" * 40 + 'x")\n',
        "scan/newlines.py": 'import psycopg2\ncur.execute("""' + "\n" * 20_000 + 'x""")\n',
        "scan/noqa.py": "x = 1  # " + "noqa" * 20_000 + "\n",
        "scan/ignore.py": "x = 1  # " + "pinlint: ignore[" * 5_000 + "\n",
        "scan/percent.py": 'import psycopg2\ncur.execute("SET a TO ' + "%(" * 20_000 + '")\n',
        "scan/many.sql": "SET a TO 1;\n" * 2_000,
        "scan/form_feeds.ini": "[db]\nurl = " + "\f" * 20_000 + "postgresql://h/d\n",
        "scan/reassigned.py": "import sqlalchemy as sa\n\ndef f(conn, t, *c):\n    query = sa.select(t)\n"
        + "".join(f"    if c[{i}]:\n        query = query.where(t.c.x == {i})\n" for i in range(30))
        + "    return conn.execute(query)\n",
        # What crashes or exhausts a parser.
        "parse/and_chain.py": "import psycopg2\nx = " + " and ".join(["a"] * 10_000) + "\n",
        "parse/concatenation.py": 'import psycopg2\ncur.execute(\n' + '    "SELECT 1 "\n' * 3_500 + '    "; SET search_path TO a"\n)\n',
        "parse/nested.py": "import psycopg2\nx = " + "(" * 2_000 + ")" * 2_000 + "\n",
        "django/settings.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\nX = " + "[" * 2_000 + "]" * 2_000 + "\n",
        "django/views.py": "def rows(qs):\n    return qs.iterator()\n",
        "parse/binary.py": b"\x00\x01\x02import psycopg2\n",
        "parse/undecodable.sql": b"SET a TO '\xff\xfe\xfa';\n",
        # Content that would inject lines or escapes into a log.
        "inject/newline.sql": 'SET "x\n::error file=README.md,line=1::injected" TO 1;\n',
        "inject/escape.sql": 'SET "x\x1b]8;;https://example.invalid\x07y\x1b[2J" TO 1;\n',
        "inject/bidi.py": 'import psycopg2\ncur.execute("SET search_path TO \u202etenant")\n',
        "inject/key.yaml": '"k\\n::add-mask::x": "postgresql://h/d?options=-c%20search_path%3Da"\n',
        "inject/::error file=x::name.sql": "SET search_path TO a;\n",
        "inject/new\nline.sql": "SET search_path TO a;\n",
        # Text a writer cannot encode, and encodings.
        "text/surrogate.py": 'import psycopg2\ncur.execute("SET search_path TO \\ud800")\n',
        "text/url.py": 'URL = "postgresql://h/d?options=-c%20search_path%3D%ED%A0%80"\n',
        "text/utf16.sql": "\ufeffSET search_path TO a;\n".encode("utf-16-le"),
        "text/cr_only.sql": "SELECT 1;\rSET search_path TO a;\r",
        "text/psql.sql": "\\set ON_ERROR_STOP 1\nSET search_path TO a;\n\\c app\nLISTEN jobs;\n",
        "text/copy.sql": "COPY t FROM stdin;\nSET a TO 1\n\\.\nLISTEN jobs;\n",
    }
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    # Enough ordinary files for a worker pool to start.
    for number in range(40):
        (root / "pad").mkdir(exist_ok=True)
        (root / "pad" / f"m{number}.py").write_text(f"VALUE = {number}\n")
    # Files that are not regular files, and links that go nowhere or in circles.
    (root / "fs").mkdir()
    os.mkfifo(root / "fs" / "fifo.py")
    os.mkfifo(root / "fs" / "fifo.toml")
    os.symlink("/dev/zero", root / "fs" / "zero.py")
    os.symlink("l2.py", root / "fs" / "l1.py")
    os.symlink("l1.py", root / "fs" / "l2.py")
    os.symlink("nothere.sql", root / "fs" / "dangling.sql")


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# What may never reach a human-readable line from scanned content: C0 controls other than tab,
# DEL, C1 controls, and the line and bidi separators a terminal or a log viewer acts on.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    _hostile_tree(root)
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pinlint", "check", "--no-cache", *args],
        cwd=root, capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
    )


# The worker pool lints the whole tree again, in every format: slow. The default run keeps one
# process in every format; a pool gives one process's output (tests/test_cli.py) and outlives a
# crashing file (tests/test_hostile_process.py).
@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])
@pytest.mark.parametrize("output_format", OUTPUT_FORMATS)
def test_a_hostile_tree_is_linted_in_every_format(hostile, output_format, jobs):
    before = _listing(hostile)
    result = _run(hostile, "--output-format", output_format, "--jobs", jobs)
    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert result.returncode == 1, err
    assert "Traceback" not in err and "Traceback" not in out
    assert _listing(hostile) == before  # nothing written into the tree
    assert "app/bad.py" in out and "PIN101" in out  # the ordinary finding survives everything
    if output_format in ("json", "sarif", "gitlab"):
        json.loads(out)
    elif output_format == "json-lines":
        for line in out.splitlines():
            json.loads(line)
    elif output_format in ("full", "concise"):
        for line in out.splitlines() + err.splitlines():
            assert not line.startswith("::"), line
            assert not _UNSAFE.search(line), line
    else:  # github: workflow commands, each on one line with its data escaped
        for line in out.splitlines():
            assert line.startswith(("::error ", "::warning ", "::notice ")) or not line.startswith("::"), line
            assert not _UNSAFE.search(line), line
