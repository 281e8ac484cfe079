"""Show that no scan grows faster than its input.

Each family builds one kind of pathological file at doubling sizes and lints it in a fresh
process (so a superlinear scan is cut off by the time limit instead of hanging the benchmark);
a family that names an output format also renders the report in it, to measure the writers.
For every doubling it prints the time and the growth factor: a linear scan takes about 2x as
long for twice the input, a quadratic one 4x, an exponential one runs into the limit.

Usage: python benchmarks/growth.py [--family NAME ...] [--steps N] [--limit SECONDS] [--list]

The exit code is 0 whatever the numbers are (it measures, it does not test); 2 on bad usage.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Callable

# Growth per doubling above which a family is called superlinear: 2x is linear, and timer
# noise on small inputs stays well under this; a quadratic scan shows 4x.
SUPERLINEAR = 2.8


@dataclass(frozen=True)
class Family:
    name: str
    what: str  # one line: the scan it exercises
    display: str  # the file name the input is linted as (decides Python, SQL or a config format)
    build: Callable[[int], bytes]  # the input for ``n`` repetitions of the pattern
    start: int  # n of the first step
    output_format: str = ""  # also render the report in this format, for the writers' scans
    # What is timed, given the input and ``display``: by default, linting it as that file.
    run: Callable[[bytes, str], object] | None = None


def _python(head: str, body: Callable[[int], str]) -> Callable[[int], bytes]:
    return lambda n: (head + body(n)).encode()


def _lint_in_project(data: bytes, display: str) -> object:
    """Lint ``data`` as a module of a fresh project with a module `svc` (so its imports are
    looked up in the project index, and no index of a previous run helps)."""
    import shutil
    import tempfile
    from pathlib import Path

    from pinlint.engine import lint_source
    from pinlint.settings import Settings

    top = Path(tempfile.mkdtemp())
    try:
        (top / "pyproject.toml").write_text("[project]\nname = 'svc'\n")
        (top / "svc.py").write_text("import asyncpg\n\ndef make(dsn, **kw):\n    return asyncpg.connect(dsn, **kw)\n")
        (top / display).write_bytes(data)
        return lint_source(data, display, Settings(), path=top / display)
    finally:
        shutil.rmtree(top)


def _walk_with_gitignore(data: bytes, display: str) -> object:
    """Discovery of a small fresh tree (so no cache of a previous run helps) under ``data`` as
    its `.gitignore`."""
    import tempfile
    from pathlib import Path

    from pinlint.discovery import Discovery
    from pinlint.settings import Settings

    top = Path(tempfile.mkdtemp())
    try:
        (top / ".git").mkdir()
        (top / display).write_bytes(data)
        for directory in range(10):
            (top / f"pkg{directory}").mkdir()
            for module in range(10):
                (top / f"pkg{directory}" / f"m{module}.py").write_text("x = 1\n")
        (top / ("a" * 250)).write_text("x = 1\n")  # for patterns that would backtrack on a long name
        return Discovery(Settings(root=top)).files([top])
    finally:
        shutil.rmtree(top)


def _lint_with_per_file_ignores(data: bytes, display: str) -> object:
    """Validate ``data``'s lines as per-file-ignores patterns, then lint a file against them."""
    from pinlint.config import apply
    from pinlint.engine import lint_source
    from pinlint.settings import Settings

    patterns = {line: ["PIN101"] for line in data.decode().splitlines()}
    settings = apply(Settings(), {"per-file-ignores": patterns}, "benchmark")
    return lint_source(b'cur.execute("SET search_path TO a")\n', display, settings)


def _cache_round_trip(data: bytes, display: str) -> object:
    """Write a cache of int(``data``) entries, then load it and look every entry up."""
    import tempfile
    from pathlib import Path

    from pinlint.cache import Cache
    from pinlint.engine import lint_source
    from pinlint.settings import Settings

    top = Path(tempfile.mkdtemp())
    try:
        settings = Settings(root=top)
        report = lint_source(b'cur.execute("SET search_path TO a")\n', display, settings)
        cache = Cache(top / "cache", settings)
        displays = [f"pkg/m{i}.py" for i in range(int(data))]
        for shown in displays:
            cache.put(shown, Cache.digest(shown.encode()), report)
        cache.save(top)
        cache = Cache(top / "cache", settings)
        return [cache.get(shown, Cache.digest(shown.encode())) for shown in displays]
    finally:
        shutil.rmtree(top)


def _read_log(data: bytes, display: str) -> object:
    """Read ``data`` as a log file named ``display`` with `pinlint logs`' readers: every line,
    and skimmed as the command reads."""
    import tempfile
    from pathlib import Path

    from pinlint.logs.readers import read_logs

    top = Path(tempfile.mkdtemp())
    try:
        (top / display).write_bytes(data)
        return list(read_logs([str(top / display)], None, [])) + list(read_logs([str(top / display)], None, [], skim="auto"))
    finally:
        shutil.rmtree(top)


FAMILIES: list[Family] = [
    # First pass: SQL comments inside the gaps before a statement keyword.
    Family("first-pass-comment-gap", "'/**/' runs in a comment before a keyword", "a.py",
           lambda n: ("# into " + "/**/" * n + "x\n").encode(), 4000),
    Family("first-pass-string-gap", "'/**/' runs in an executed string", "a.py",
           _python("import psycopg2\n", lambda n: 'cur.execute("' + "/**/" * n + 'x")\n'), 4000),
    Family("first-pass-options-gap", "'/**/' runs next to options=", "a.py",
           lambda n: ('f(options=1, q="' + "/**/" * n + 'x")\n').encode(), 4000),
    Family("first-pass-option-words", "a long libpq option string with a word it does not take last", "a.py",
           lambda n: ("f(options=x)\nq = '" + "-c a=b --work-mem=1 " * n + "-x'\n").encode(), 2000),
    Family("first-pass-newlines", "line breaks inside one executed string", "a.py",
           _python("import psycopg2\n", lambda n: 'cur.execute("""' + "\n" * n + 'x""")\n'), 2000),
    # First pass: repeated statement starts, each of which a pattern scanned past the others.
    Family("first-pass-keyword-comments", "'SET --;' runs: keywords followed by line comments", "a.py",
           lambda n: ("q = '" + "SET --;" * n + "x'\n").encode(), 4000),
    Family("first-pass-creates", "CREATE at the start of each of many lines", "a.py",
           lambda n: ("q = '''" + "\nCREATE" * n + "'''\n").encode(), 4000),
    Family("first-pass-into-comments", "'into #' runs: INTO before a comment", "a.py",
           lambda n: ("q = '" + "into #" * n + "'\n").encode(), 4000),
    Family("first-pass-databases", "repeated 'DATABASES:' annotations", "a.py",
           lambda n: ("x = 1  # " + "DATABASES: " * n + "\n").encode(), 4000),
    Family("first-pass-escaped-breaks", "'\\n' escapes in one string", "a.py",
           lambda n: ("q = '" + "\\n" * n + "x'\n").encode(), 16000),  # past PIN118's 16 KB from the start
    Family("first-pass-blank-run", "a long run of blanks inside a line", "a.py",
           lambda n: ("q = 'x" + " " * n + "y'\n").encode(), 32000),
    # The logical-line cutter: brackets twelve deep around many strings of both quotes.
    Family("cutter-brackets-quotes", "deep brackets around many quoted strings", "a.py",
           lambda n: ("q = 'set'\nq = " + "(" * 12 + "'a', \"b\", " * n + ")" * 12 + "\n").encode(), 4000),
    # SQL files: one finding per statement.
    Family("sql-many-findings", "a .sql file with one finding per statement", "a.sql",
           lambda n: ("SET a TO 1;\n" * n).encode(), 2000),
    Family("sql-utf16-many-findings", "the same file saved as UTF-16 (decoded by its byte order mark)", "a.sql",
           lambda n: ("SET a TO 1;\n" * n).encode("utf-16"), 2000),
    # Writers: the full format's code frame of one long line with a finding per statement, and
    # the escaping of scanned text full of controls.
    Family("full-one-long-line", "one line of statements, each a finding, in full output", "a.sql",
           lambda n: ("SET a TO 1; " * n).encode(), 500, "full"),
    Family("full-escaped-controls", "a finding whose SQL and line are all control characters", "a.sql",
           lambda n: ('SET "' + "\x1b\u202e" * n + '" TO 1;\n').encode(), 4000, "full"),
    # Suppressions: every finding checked against every suppression.
    Family("suppressed-findings", "one suppressed finding per line", "a.py",
           _python("import psycopg2\n", lambda n: 'cur.execute("SET a TO 1")  # noqa: PIN101\n' * n), 500),
    Family("noqa-repeated", "one long comment of repeated noqa", "a.py",
           lambda n: ("x = 1  # " + "noqa" * n + "\n").encode(), 4000),
    Family("ignore-repeated", "one long comment of repeated 'pinlint: ignore['", "a.py",
           lambda n: ("x = 1  # " + "pinlint: ignore[" * n + "\n").encode(), 2000),
    Family("percent-repeated", "one long string of repeated '%('", "a.py",
           _python("import psycopg2\n", lambda n: 'cur.execute("SET a TO ' + "%(" * n + '")\n'), 2000),
    # Name resolution: each name's value is worked out once, however often it is rebound or used.
    Family("names-reassigned", "`query = query.where(...)` under n conditions", "a.py",
           _python("import psycopg2\nimport sqlalchemy as sa\ndef f(conn, t, c):\n    query = sa.select(t)\n",
                   lambda n: "".join(f"    if c{i}:\n        query = query.where(t.c.x == {i})\n" for i in range(n))
                   + "    return conn.execute(query)\n"), 100),
    Family("names-chain", "n names, each built from the one before", "a.py",
           _python("import psycopg2\nimport sqlalchemy as sa\ndef f(conn, t):\n    q0 = sa.select(t)\n",
                   lambda n: "".join(f"    q{i + 1} = q{i}.where(t.c.x == {i})\n" for i in range(n))
                   + f"    return conn.execute(q{n}.limit(1))\n"), 100),
    Family("names-used-often", "n names, each used four times", "a.py",
           _python("import psycopg2\ndef f(dsn):\n",
                   lambda n: "".join(f"    c{i} = psycopg2.connect(dsn)\n" + f"    c{i}.cursor().execute(s{i})\n" * 4
                                     for i in range(n))), 50),
    Family("names-sql-reassigned", "`sql = sql + ' AND ...'` under n conditions, each run", "a.py",
           _python("import psycopg2\ndef f(cur, c):\n    sql = 'SET a TO 1'\n",
                   lambda n: "".join(f"    if c{i}:\n        sql = sql + ' AND x{i}'\n        cur.execute(sql)\n"
                                     for i in range(n))), 100),
    Family("names-dict-fan-out", "n-entry dictionaries of n-entry dictionaries read as settings", "a.py",
           lambda n: ("import psycopg2\nd0 = {'options': '-c a=1'}\n"
                      + "".join(f"d{level} = {{" + ", ".join(f"'k{i}': d{level - 1}" for i in range(n)) + "}\n"
                                for level in (1, 2))
                      + "psycopg2.connect(dsn, options=d2)\n").encode(), 250),
    Family("names-shared-server-settings", "one n-key server_settings mapping given to n unknown calls", "a.py",
           lambda n: ("S = {" + ", ".join(f"'app.k{i}': '1'" for i in range(n)) + "}\n"
                      + "f(server_settings=S)\n" * n).encode(), 500),
    # SQL lexer and statement analysis.
    Family("sql-many-statements", "a .sql file of many statements without findings", "a.sql",
           lambda n: ("SELECT 1;\n" * n).encode(), 2000),
    Family("sql-dollar-body", "one long dollar-quoted body", "a.sql",
           lambda n: ("DO $body$ BEGIN " + "PERFORM 1; " * n + "END $body$;\n").encode(), 1000),
    Family("sql-unclosed-comments", "many '/*' that never close", "a.sql",
           lambda n: ("SELECT 1 " + "/* " * n).encode(), 2000),
    Family("sql-nested-comments", "comments nested n deep", "a.sql",
           lambda n: ("/* " * n + "*/ " * n + "SET a TO 1;\n").encode(), 2000),
    Family("sql-many-quotes", "a run of quotes that ends unterminated", "a.sql",
           lambda n: ("SET a TO 1; SELECT " + "' " * (2 * n + 1)).encode(), 2000),
    Family("sql-comments-one-line", "many comments on one line", "a.sql",
           lambda n: ("SET a TO 1; " + "/**/ " * n + "\n").encode(), 2000),
    Family("sql-percent-open", "a run of '%(' placeholders that never close", "a.sql",
           lambda n: ("SET a TO 1; SELECT " + "%(" * n + "\n").encode(), 2000),
    Family("sql-nested-calls", "function calls nested n deep", "a.sql",
           lambda n: ("SELECT " + "set_config(" * n + "1" + ")" * n + ";\n").encode(), 500),
    Family("sql-suppression-comments", "one suppression comment per statement", "a.sql",
           lambda n: ("-- pinlint: ignore[PIN101]\nSET a TO 1;\n" * n).encode(), 1000),
    Family("sql-meta-commands", "psql meta-command lines between statements", "a.sql",
           lambda n: ("\\set x 1\nSET a TO 1;\n" * n).encode(), 1000),
    Family("sql-copy-data", "COPY ... FROM stdin data rows", "a.sql",
           lambda n: ("COPY t FROM stdin;\n" + "1\t'x\t/*\n" * n + "\\.\nSET a TO 1;\n").encode(), 2000),
    Family("sql-meta-quoted-arguments", "one meta-command of many quoted arguments holding `\\\\`", "a.sql",
           lambda n: ("\\set x " + "'\\\\' " * n + "\nSET a TO 1;\n").encode(), 2000),
    Family("sql-psql-variables", "psql variables and casts", "a.sql",
           lambda n: ("SELECT " + ":a::int, :'b', " * n + "1;\n").encode(), 2000),
    # Templates: Jinja and Python format fields in .sql files.
    Family("sql-jinja-unclosed-tags", "many '{% x' that never close", "a.sql",
           lambda n: ("SET a TO 1; " + "{% x " * n).encode(), 2000),
    Family("sql-jinja-unclosed-strings", "an expression of quotes and brackets that never closes", "a.sql",
           lambda n: ("SET a TO 1; " + "{{ ('" * n).encode(), 2000),
    Family("sql-jinja-nested-blocks", "blocks nested n deep, closed by tags of other blocks", "a.sql",
           lambda n: ("{% for x in y %}" * n + "{% if z %}{% endif %}" * n + "{% endset %}" * n
                      + "SET a TO 1;\n").encode(), 1000),
    Family("sql-jinja-captured", "one {% set %} block of many expressions", "a.sql",
           lambda n: ("{% set x %}" + "{{ y }} SET a TO 1;" * n + "{% endset %}SET a TO 1;\n").encode(), 1000),
    Family("sql-format-fields", "a run of format fields that never close", "a.sql",
           lambda n: ("SET a TO 1; SELECT " + "{x.y[" * n + "\n").encode(), 2000),
    Family("sql-execute-concatenation", "one EXECUTE of many concatenated literals", "a.sql",
           lambda n: ("DO $$ BEGIN EXECUTE " + "'SET a TO 1' || " * n + "'x'; END $$;\n").encode(), 500),
    Family("sql-execute-many", "many EXECUTE in one statement of a body", "a.sql",
           lambda n: ("DO $$ BEGIN " + "EXECUTE format('SET a TO %L', 'x') " * n + "; END $$;\n").encode(), 500),
    # libcst: one recursion per term of a boolean chain; one literal per line of a long query.
    Family("python-boolean-chain", "'a and a and ...' in a file that needs the full analysis", "a.py",
           _python("import psycopg2\n", lambda n: "x = " + " and ".join(["a"] * n) + "\n"), 2000),
    Family("python-crowded-fstring", "one f-string of many replacement fields", "a.py",
           _python("import psycopg2\n", lambda n: "x = f'" + "{a}" * n + "'\n"), 20000),
    Family("python-nested-item-assignments", "many items assigned into one nested settings dict", "a.py",
           _python("import psycopg\nD = {'a': {}}\n",
                   lambda n: "".join(f"D['a']['k{i}'] = '{i}'\n" for i in range(n)) + "psycopg.connect(**D['a'])\n"), 1000),
    Family("python-imports-on-one-line", "one line of many imports of a project module", "a.py",
           lambda n: ("x = 1; " + "import svc; " * n + "\n").encode(), 2000, run=_lint_in_project),
    Family("python-unclosed-imports", "many 'from svc import (' that never close", "a.py",
           lambda n: ("from svc import (\n" * n + "from svc import make\nmake(DSN)\n").encode(), 2000,
           run=_lint_in_project),
    Family("python-long-concatenation", "an executed query of one literal per line", "a.py",
           _python("import psycopg2\n", lambda n: "cur.execute(\n" + '    "SELECT 1 "\n' * n + ")\n"), 1000),
    # Config readers.
    Family("ini-form-feeds", "an .ini value that starts with form feeds", "a.ini",
           lambda n: ("[db]\nurl = " + "\f" * n + "postgresql://h/d?options=-c%20a%3D1\n").encode(), 2000),
    Family("ini-form-feed-values", "many .ini values that start with a form feed", "a.ini",
           lambda n: "".join(f"[s{i}]\nurl = \fpostgresql://h/d?options=-c%20a%3D1\n" for i in range(n)).encode(), 500),
    Family("env-unclosed-quotes", "many .env values whose quote never closes", ".env",
           lambda n: ("A=\"x\nB='x\n" * n).encode(), 1000),
    Family("yaml-many-values", "many YAML values holding connection strings", "a.yaml",
           lambda n: ("- postgresql://h/d?options=-c%20a%3D1\n" * n).encode(), 1000),
    Family("toml-one-line-table", "an inline TOML table of many keys on one line", "a.toml",
           lambda n: ("a = {" + ", ".join(f'k{i} = "x"' for i in range(n)) + "}\n").encode(), 1000),
    Family("toml-escaped-items", "a TOML array of strings written with escapes", "a.toml",
           lambda n: ("a = [" + ", ".join(f'"\\u0041{i}"' for i in range(n)) + "]\n").encode(), 1000),
    Family("properties-continuations", "one .properties value continued over many lines", "a.properties",
           lambda n: ("url = postgresql://h/d?options=-c%20a%3D1 \\\n" + "  x \\\n" * n + "  x\n").encode(), 2000),
    Family("lines-fallback", "a broken YAML file read by the line scanner", "a.yaml",
           lambda n: ("a: [\n" + "- - - k: = : = postgresql://h/d?options=-c%20a%3D1 #\n" * n).encode(), 1000),
    # Connection strings.
    Family("conninfo-many-pairs", "a conninfo string of many key=value pairs", ".env",
           lambda n: ("DATABASE_URL=" + "host=h " * n + "options=-csearch_path=a\n").encode(), 2000),
    Family("url-many-parameters", "a URL with many query parameters", ".env",
           lambda n: ("DATABASE_URL=postgresql://h/d?" + "a=1&" * n + "options=-csearch_path%3Da\n").encode(), 2000),
    # Files and configuration: every walked name against every .gitignore line, every file
    # against every per-file-ignores pattern, every cache entry validated and checked.
    Family("gitignore-many-lines", "a .gitignore of many distinct lines, walked", ".gitignore",
           lambda n: "".join(f"build{i}/\n*.tmp{i}.sql\n" for i in range(n)).encode(), 250, run=_walk_with_gitignore),
    Family("gitignore-backtracking", "a .gitignore line of many '*a' against a long name", ".gitignore",
           lambda n: ("*a" * n + "*b\n").encode(), 250, run=_walk_with_gitignore),
    Family("gitignore-bad-lines", "a .gitignore of many lines pinlint cannot use", ".gitignore",
           lambda n: "".join(f"x{i}[z-a]\n" for i in range(n)).encode(), 250, run=_walk_with_gitignore),
    Family("per-file-ignores-many", "many per-file-ignores patterns, validated and matched", "a.py",
           lambda n: "".join(f"dir{i}/**/*.py\n" for i in range(n)).encode(), 250, run=_lint_with_per_file_ignores),
    Family("cache-many-entries", "a cache of many entries, written, read and checked", "a.py",
           lambda n: str(n).encode(), 1000, run=_cache_round_trip),
    # Log readers (`pinlint logs`): hostile logs read as a whole.
    Family("log-long-line", "a PostgreSQL log line that never ends", "postgresql.log",
           lambda n: ("2026-01-01 00:00:00.000 UTC [1] LOG:  statement: SELECT " + "x, " * n).encode(), 20000, run=_read_log),
    Family("log-continuations", "one logged statement continued over many lines", "postgresql.log",
           lambda n: ("2026-01-01 00:00:00.000 UTC [1] LOG:  statement: SELECT\n" + "\tx,\n" * n).encode(), 4000, run=_read_log),
    Family("log-severity-lookalikes", "many lines of severities without their two spaces", "postgresql.log",
           lambda n: ("LOG:LOG: ERROR: STATEMENT " * 40 + "\n").encode() * n, 250, run=_read_log),
    Family("log-prefix-lookalikes", "many lines of an RDS prefix's separators", "postgresql.log",
           lambda n: ("2026-01-01 00:00:00 UTC:" + "a@b:(" * 200 + "\n").encode() * n, 250, run=_read_log),
    Family("log-hazard-lookalikes", "lines of what skimming looks for, each almost a hazard", "postgresql.log",
           lambda n: ("2026-01-01 00:00:00.000 UTC [1] LOG:  statement: " + ":  \t" * 200 + "execute <unnamed>: attempt_x@"
                      + " " * 2000 + "\n\t ;\t\n").encode() * n, 250, run=_read_log),
    Family("log-unclosed-csv-quote", "a csvlog record whose quote never closes", "postgresql.csv",
           lambda n: ('2026-01-01 00:00:00.000 UTC,"app","live",1,"h:1",s.1,1,"idle",t,1/1,0,LOG,00000,"statement: SELECT\n'
                      + "x,\n" * n).encode(), 4000, run=_read_log),
    Family("log-json-escapes", "a CloudWatch export of escaped strings, kept and skipped", "export.json",
           lambda n: ('{"nextToken": "' + '\\"' * n + '", "events": [' + ", ".join(['{"message": "\\"x\\\\"}'] * n)
                      + "]}").encode(), 2000, run=_read_log),
    Family("log-json-nesting", "a CloudWatch export with a deeply nested value to skip", "export.json",
           lambda n: ('{"other": ' + "[" * n + "]" * n + ', "events": []}').encode(), 4000, run=_read_log),

]


def _lint(data: bytes, display: str, output_format: str = "") -> object:
    from pinlint.engine import lint_source
    from pinlint.output import writer
    from pinlint.settings import Settings

    report = lint_source(data, display, Settings())
    if output_format:
        writer(output_format)(report)
    return report


def _lint_once(run: Callable[..., object], data: bytes, display: str, output_format: str, queue) -> None:
    arguments = (data, display, output_format) if output_format else (data, display)
    run(*arguments)  # imports and caches warmed on the same input shape
    times = []
    for _ in range(3):
        started = time.perf_counter()
        run(*arguments)
        times.append(time.perf_counter() - started)
    queue.put(min(times))


def _measure(family: Family, n: int, limit: float) -> float | None:
    """The best of three lint times of the input of size ``n``; None when it ran over ``limit``."""
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(
        target=_lint_once, args=(family.run or _lint, family.build(n), family.display, family.output_format, queue)
    )
    process.start()
    process.join(limit * 4 + 5)  # a warm-up and three timed runs
    if process.is_alive():
        process.kill()
        process.join()
        return None
    return queue.get() if not queue.empty() else None


def run(family: Family, steps: int, limit: float) -> tuple[list[tuple[int, int, float | None]], str]:
    rows: list[tuple[int, int, float | None]] = []
    n = family.start
    for _ in range(steps):
        size = len(family.build(n))
        seconds = _measure(family, n, limit)
        rows.append((n, size, seconds))
        if seconds is None or seconds > limit:
            break
        n *= 2
    factors = [b[2] / a[2] for a, b in zip(rows, rows[1:]) if a[2] and b[2]]
    if rows[-1][2] is None:
        verdict = "SUPERLINEAR (ran over the limit)"
    elif not factors:
        verdict = "too few steps"
    else:
        last = statistics.median(factors[-2:])
        verdict = "linear" if last <= SUPERLINEAR else f"SUPERLINEAR ({last:.1f}x per doubling)"
    return rows, verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", action="append", metavar="NAME", help="only these families (repeatable)")
    parser.add_argument("--steps", type=int, default=5, help="doublings per family (default 5)")
    parser.add_argument("--limit", type=float, default=10.0, help="seconds one lint may take (default 10)")
    parser.add_argument("--list", action="store_true", help="list the families and exit")
    args = parser.parse_args(argv)
    if args.list:
        for family in FAMILIES:
            print(f"{family.name:28} {family.what}")
        return 0
    chosen = [f for f in FAMILIES if not args.family or f.name in args.family]
    unknown = set(args.family or ()) - {f.name for f in FAMILIES}
    if unknown:
        parser.error(f"unknown family: {', '.join(sorted(unknown))} (see --list)")
    summary = []
    for family in chosen:
        rows, verdict = run(family, args.steps, args.limit)
        print(f"\n{family.name}: {family.what} ({family.display})")
        previous = None
        for n, size, seconds in rows:
            shown = "over the limit" if seconds is None else f"{seconds * 1000:9.1f} ms"
            growth = f"{seconds / previous:5.2f}x" if seconds and previous else "     "
            print(f"  n={n:>8}  {size:>10,} bytes  {shown:>14}  {growth}")
            previous = seconds
        print(f"  -> {verdict}")
        summary.append((family.name, verdict))
        sys.stdout.flush()
    print("\nsummary")
    for name, verdict in summary:
        print(f"  {name:28} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
