"""Show that no scan grows faster than its input.

Each family builds one kind of pathological file at doubling sizes and lints it in a fresh
process (so a superlinear scan is cut off by the time limit instead of hanging the benchmark).
For every doubling it prints the time and the growth factor: a linear scan takes about 2x as
long for twice the input, a quadratic one 4x, an exponential one runs into the limit.

Usage: python benchmarks/growth.py [--family NAME ...] [--steps N] [--limit SECONDS] [--list]

The exit code is 0 whatever the numbers are (it measures, it does not test); 2 on bad usage.
"""

from __future__ import annotations

import argparse
import multiprocessing
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


def _python(head: str, body: Callable[[int], str]) -> Callable[[int], bytes]:
    return lambda n: (head + body(n)).encode()


FAMILIES: list[Family] = [
    # First pass: SQL comments inside the gaps before a statement keyword.
    Family("first-pass-comment-gap", "'/**/' runs in a comment before a keyword", "a.py",
           lambda n: ("# into " + "/**/" * n + "x\n").encode(), 4000),
    Family("first-pass-string-gap", "'/**/' runs in an executed string", "a.py",
           _python("import psycopg2\n", lambda n: 'cur.execute("' + "/**/" * n + 'x")\n'), 4000),
    Family("first-pass-options-gap", "'/**/' runs next to options=", "a.py",
           lambda n: ('f(options=1, q="' + "/**/" * n + 'x")\n').encode(), 4000),
    Family("first-pass-newlines", "line breaks inside one executed string", "a.py",
           _python("import psycopg2\n", lambda n: 'cur.execute("""' + "\n" * n + 'x""")\n'), 2000),
    # SQL files: one finding per statement.
    Family("sql-many-findings", "a .sql file with one finding per statement", "a.sql",
           lambda n: ("SET a TO 1;\n" * n).encode(), 2000),
    # Suppressions: every finding checked against every suppression.
    Family("suppressed-findings", "one suppressed finding per line", "a.py",
           _python("import psycopg2\n", lambda n: 'cur.execute("SET a TO 1")  # noqa: PIN101\n' * n), 500),
    Family("noqa-repeated", "one long comment of repeated noqa", "a.py",
           lambda n: ("x = 1  # " + "noqa" * n + "\n").encode(), 4000),
    Family("ignore-repeated", "one long comment of repeated 'pinlint: ignore['", "a.py",
           lambda n: ("x = 1  # " + "pinlint: ignore[" * n + "\n").encode(), 2000),
    Family("percent-repeated", "one long string of repeated '%('", "a.py",
           _python("import psycopg2\n", lambda n: 'cur.execute("SET a TO ' + "%(" * n + '")\n'), 2000),
    # libcst: one recursion per term of a boolean chain; one literal per line of a long query.
    Family("python-boolean-chain", "'a and a and ...' in a file that needs the full analysis", "a.py",
           _python("import psycopg2\n", lambda n: "x = " + " and ".join(["a"] * n) + "\n"), 2000),
    Family("python-long-concatenation", "an executed query of one literal per line", "a.py",
           _python("import psycopg2\n", lambda n: "cur.execute(\n" + '    "SELECT 1 "\n' * n + ")\n"), 1000),
    # Config readers.
    Family("ini-form-feeds", "an .ini value that starts with form feeds", "a.ini",
           lambda n: ("[db]\nurl = " + "\f" * n + "postgresql://h/d?options=-c%20a%3D1\n").encode(), 2000),
]


def _lint_once(data: bytes, display: str, queue) -> None:
    from pinlint.engine import lint_source
    from pinlint.settings import Settings

    settings = Settings()
    lint_source(data, display, settings)  # imports and caches warmed on the same input shape
    times = []
    for _ in range(3):
        started = time.perf_counter()
        lint_source(data, display, settings)
        times.append(time.perf_counter() - started)
    queue.put(min(times))


def _measure(family: Family, n: int, limit: float) -> float | None:
    """The best of three lint times of the input of size ``n``; None when it ran over ``limit``."""
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_lint_once, args=(family.build(n), family.display, queue))
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
