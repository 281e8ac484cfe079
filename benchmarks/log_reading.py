"""How fast `pinlint logs` reads a large log, next to `wc -l` and `cat` on the same file, and how
much memory it takes at two sizes (it must not grow with the log).

Usage: python benchmarks/log_reading.py [--size 1G] [--formats] [--format-size 64M] [--keep DIR]

The log is built in a temporary directory from realistic lines, block by block in a random order:
a PostgreSQL stderr log under `log_statement = 'all'` (statements, extended-protocol executes with
their parameters, multi-line statements, errors with their statement, connections) with blocks
of PgBouncer and RDS Proxy lines between (as when logs are pasted together into one file). A
copy of half the size shows that the time grows with the log and the memory does not.

For each file (read once before timing, so every tool reads from the page cache):
- `wc -l FILE` and `cat FILE > /dev/null`: what reading the bytes costs;
- a Python loop over the file's lines (`for line in file`), the floor of any reader in Python;
- `read_logs([FILE])`, all events consumed: wall and CPU time, events, and the peak resident
  memory of its process (Linux's VmHWM; `ru_maxrss` elsewhere), next to that of a process that
  only imports it; then the same skimmed (`skim="auto"`), as `pinlint logs` reads: only the
  events that can be incidents.
Each runs in a fresh process. `--formats` also reads a log of each single format (`--format-size`
each). The exit code is 0 whatever the numbers are (it measures, it does not test); 2 on bad usage.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1 << 20
BLOCK = 256 << 10  # bytes of lines per block; the log is blocks in a random order
BLOCKS = 48  # distinct blocks of each kind

# --- realistic lines ------------------------------------------------------------------------------

TABLES = ("orders", "customers", "invoices", "carts", "payments", "shipments")
USERS = ("orders_app", "billing", "checkout", "reporting")
PREPARED = ("<unnamed>", "<unnamed>", "<unnamed>", "_pg3_0", "_pg3_4", "__asyncpg_stmt_1a__", "S_3")


class Clock:
    """Timestamps that move forward a few milliseconds per line."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ms = 1_795_000_000_000 + rng.randrange(10**9)

    def tick(self) -> int:
        self.ms += self.rng.randrange(1, 40)
        return self.ms

    def postgres(self) -> str:
        ms = self.tick()
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d} UTC"

    def iso(self) -> str:
        ms = self.tick()
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def postgres_reports(rng: random.Random, clock: Clock):
    """(time, pid, user, severity, message, detail, statement) of server reports, endlessly."""
    while True:
        pid, user = str(rng.randrange(1000, 60000)), rng.choice(USERS)
        table, key = rng.choice(TABLES), rng.randrange(10**6)
        roll = rng.random()
        if roll < 0.45:
            yield clock.postgres(), pid, user, "LOG", f"statement: SELECT * FROM {table} WHERE id = {key}", "", ""
        elif roll < 0.65:
            name = rng.choice(PREPARED)
            yield (clock.postgres(), pid, user, "LOG", f"execute {name}: SELECT id, total FROM {table} WHERE customer_id = $1 AND state = $2",
                   f"parameters: $1 = '{key}', $2 = 'open'", "")
        elif roll < 0.75:
            columns = ",\n".join(f"       {table}.c{i}" for i in range(rng.randrange(2, 8)))
            yield clock.postgres(), pid, user, "LOG", f"statement: SELECT {table}.id,\n{columns}\nFROM {table}\nWHERE {table}.id > {key}\nORDER BY 1", "", ""
        elif roll < 0.80:
            statement = rng.choice(("SET search_path TO tenant_%d, public" % key, "SELECT set_config('app.tenant', '%d', false)" % key,
                                    "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            yield clock.postgres(), pid, user, "LOG", f"statement: {statement}", "", ""
        elif roll < 0.83:
            name = rng.choice(PREPARED[3:])
            yield (clock.postgres(), pid, user, "ERROR", f'prepared statement "{name}" does not exist', "",
                   f"SELECT id FROM {table} WHERE id = $1")
        elif roll < 0.97:
            host = f"10.0.{rng.randrange(256)}.{rng.randrange(256)}"
            yield clock.postgres(), pid, "", "LOG", f"connection received: host={host} port={rng.randrange(30000, 60000)}", "", ""
            yield clock.postgres(), pid, user, "LOG", f"connection authorized: user={user} database=shop application_name=worker", "", ""
        else:
            yield clock.postgres(), pid, user, "LOG", f"duration: {rng.random() * 900:.3f} ms", "", ""


def stderr_lines(rng: random.Random, clock: Clock):
    for stamp, pid, _user, severity, message, detail, statement in postgres_reports(rng, clock):
        head = f"{stamp} [{pid}] "
        yield head + severity + ":  " + message.replace("\n", "\n\t") + "\n"
        if detail:
            yield head + "DETAIL:  " + detail + "\n"
        if statement:
            yield head + "STATEMENT:  " + statement.replace("\n", "\n\t") + "\n"


def _csv(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if value else ""


def csvlog_lines(rng: random.Random, clock: Clock):
    for number, (stamp, pid, user, severity, message, detail, statement) in enumerate(postgres_reports(rng, clock), 1):
        state = "00000" if severity == "LOG" else "26000"
        yield (f'{stamp},{_csv(user)},"shop",{pid},"10.0.1.2:5{pid[-4:]}",6b10bd49.{pid},{number},"idle",{stamp[:19]} UTC,3/{number},0,'
               f'{severity},{state},{_csv(message)},{_csv(detail)},,,,,{_csv(statement)},,,"worker","client backend",,0\n')


def jsonlog_lines(rng: random.Random, clock: Clock):
    for stamp, pid, user, severity, message, detail, statement in postgres_reports(rng, clock):
        report = {"timestamp": stamp, "user": user, "dbname": "shop", "pid": int(pid), "error_severity": severity, "message": message}
        if detail:
            report["detail"] = detail
        if statement:
            report["state_code"], report["statement"] = "26000", statement
        yield json.dumps(report, separators=(",", ":")) + "\n"


def pgbouncer_lines(rng: random.Random, clock: Clock):
    while True:
        client = f"C-0x{rng.randrange(16**12):012x}: shop/{rng.choice(USERS)}@10.0.{rng.randrange(256)}.{rng.randrange(256)}:{rng.randrange(30000, 60000)}"
        stamp = clock.postgres()
        roll = rng.random()
        if roll < 0.9:
            yield f"{stamp} [301] LOG {client} login attempt: db=shop user=app tls=no\n"
            yield f"{clock.postgres()} [301] LOG {client} closing because: client close request (age={rng.randrange(100)}s)\n"
        elif roll < 0.95:
            yield f"{stamp} [301] WARNING {client} unsupported startup parameter: options=-c statement_timeout=5s\n"
            yield f"{stamp} [301] LOG {client} closing because: unsupported startup parameter: options (age=0s)\n"
            yield f"{stamp} [301] WARNING {client} pooler error: unsupported startup parameter: options\n"
        else:
            yield f"{stamp} [301] LOG stats: 112 xacts/s, 340 queries/s, in 40511 B/s, out 118264 B/s, xact 2904 us, query 771 us, wait 12 us\n"


DIGESTS = ("set search_path to $1,$2,$3", "select pg_advisory_unlock_all(); close all; unlisten *; reset all;",
           "set session characteristics as transaction isolation level $1 uncommitted")
UNTRACKED = ("SQL changed session settings that the proxy doesn't track. Consider moving session configuration to the proxy's "
             "initialization query. Digest: ")


def rds_proxy_lines(rng: random.Random, clock: Clock):
    while True:
        client = f"[proxyEndpoint=default] [clientConnection={rng.randrange(10**9)}]"
        yield f"{clock.iso()} [INFO] {client} A new client connected from 10.0.{rng.randrange(256)}.{rng.randrange(256)}:{rng.randrange(30000, 60000)}.\n"
        if rng.random() < 0.5:
            yield (f"{clock.iso()} [WARN] {client} The client session was pinned to the database connection [dbConnection={rng.randrange(10**9)}] "
                   f"for the remainder of the session. The proxy can't reuse this connection until the session ends. Reason: {UNTRACKED}"
                   f'"{rng.choice(DIGESTS)}".\n')
        yield f"{clock.iso()} [INFO] {client} The client connection closed. Reason: The client requested that the connection close.\n"


def cloudwatch_page(rng: random.Random, clock: Clock) -> str:
    """One `aws logs filter-log-events` page of RDS Proxy events, as the CLI prints it."""
    events, size = [], 0
    for line in rds_proxy_lines(rng, clock):
        events.append({"logStreamName": "proxy-2026-11-20", "timestamp": clock.ms, "message": line.rstrip("\n"),
                       "ingestionTime": clock.ms + 400, "eventId": str(rng.randrange(10**56))})
        size += len(line) + 200
        if size > BLOCK:
            break
    return json.dumps({"events": events, "nextToken": "Bxkq6kVGFtq2y_" + "x" * 40}, indent=4) + "\n"


def _block(lines) -> str:
    chunk, size = [], 0
    for line in lines:
        chunk.append(line)
        size += len(line)
        if size >= BLOCK:
            return "".join(chunk)
    return "".join(chunk)


def blocks(kind: str, rng: random.Random) -> list[str]:
    clock = Clock(rng)
    if kind == "cloudwatch":
        return [cloudwatch_page(rng, clock) for _ in range(BLOCKS)]
    made = {"postgresql": stderr_lines, "csvlog": csvlog_lines, "jsonlog": jsonlog_lines, "pgbouncer": pgbouncer_lines, "rds-proxy": rds_proxy_lines}
    return [_block(made[kind](rng, clock)) for _ in range(BLOCKS)]


MIXED = (("postgresql", 0.8), ("pgbouncer", 0.1), ("rds-proxy", 0.1))


def write_log(path: Path, size: int, kinds: tuple[tuple[str, float], ...], seed: int) -> int:
    """Write blocks of ``kinds`` (by weight) in a random order until ``size`` bytes; the lines."""
    rng = random.Random(seed)
    made = {kind: [block.encode() for block in blocks(kind, rng)] for kind, _weight in kinds}
    names, weights = [kind for kind, _ in kinds], [weight for _, weight in kinds]
    written = lines = 0
    with path.open("wb") as out:
        while written < size:
            block = rng.choice(made[rng.choices(names, weights)[0]])
            out.write(block)
            written += len(block)
            lines += block.count(b"\n")
    return lines


# --- measuring ------------------------------------------------------------------------------------

# The peak resident memory of this process: Linux's VmHWM, which starts afresh at exec, where
# ru_maxrss keeps the peak of the parent it was forked from (here, the builder of the logs).
READER = """
import json, resource, sys, time
from pinlint.logs.readers import read_logs

def peak():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)

path, mode = sys.argv[1], sys.argv[2]
wall, cpu, events, problems = time.perf_counter(), time.process_time(), 0, []
if mode != "import only":
    for _event in read_logs([path], None, problems, skim="auto" if mode == "skim" else None):
        events += 1
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "events": events,
                  "problems": [str(problem) for problem in problems], "rss": peak()}))
"""
LINE_LOOP = """
import sys, time
wall = time.perf_counter()
with open(sys.argv[1], "rb") as log:
    for _line in log:
        pass
print(time.perf_counter() - wall)
"""


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _python(script: str, *args: str) -> str:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", script, *args], check=True, capture_output=True, text=True, env=environment).stdout


def measure(path: Path) -> dict[str, object]:
    size = path.stat().st_size
    subprocess.run(["cat", str(path)], check=True, stdout=subprocess.DEVNULL)  # into the page cache
    reading = json.loads(_python(READER, str(path), "read"))
    skimming = json.loads(_python(READER, str(path), "skim"))
    idle = json.loads(_python(READER, str(path), "import only"))
    return {
        "size": size,
        "wc -l": _timed(["wc", "-l", str(path)]),
        "cat": _timed(["sh", "-c", 'cat "$1" > /dev/null', "cat", str(path)]),
        "python line loop": float(_python(LINE_LOOP, str(path))),
        "read_logs": reading["wall"],
        "read_logs cpu": reading["cpu"],
        "events": reading["events"],
        "skimmed": skimming["wall"],
        "skimmed cpu": skimming["cpu"],
        "skimmed events": skimming["events"],
        "problems": sorted(set(reading["problems"] + skimming["problems"])),
        "rss": max(reading["rss"], skimming["rss"]),
        "rss of imports": idle["rss"],
    }


def _rate(size: int, seconds: float) -> str:
    return f"{seconds:8.2f} s {size / MIB / seconds:8.1f} MiB/s" if seconds > 0 else f"{seconds:8.2f} s"


def report(title: str, results: list[dict[str, object]]) -> None:
    print(f"\n{title}")
    print(f"  {'':22}" + "".join(f"{result['size'] / MIB:>22.0f} MiB" for result in results))
    for row in ("wc -l", "cat", "python line loop", "read_logs", "read_logs cpu", "skimmed", "skimmed cpu"):
        print(f"  {row:22}" + "".join(f"{_rate(result['size'], result[row]):>26}" for result in results))
    print(f"  {'events':22}" + "".join(f"{result['events']:>26,}" for result in results))
    print(f"  {'events skimmed':22}" + "".join(f"{result['skimmed events']:>26,}" for result in results))
    print(f"  {'peak memory (RSS)':22}" + "".join(f"{result['rss'] / MIB:>22.1f} MiB" for result in results))
    print(f"  {'  of which imports':22}" + "".join(f"{result['rss of imports'] / MIB:>22.1f} MiB" for result in results))
    if len(results) > 1 and results[0]["read_logs cpu"]:
        first, last = results[0], results[-1]
        growth = (last["read_logs cpu"] / first["read_logs cpu"]) / (last["size"] / first["size"])
        skimmed = (last["skimmed cpu"] / first["skimmed cpu"]) / (last["size"] / first["size"])
        print(f"  CPU time per byte, largest over smallest: {growth:.2f}, skimmed {skimmed:.2f} (1.00 is linear); "
              f"peak memory grew by {(last['rss'] - first['rss']) / MIB:+.1f} MiB")
    for result in results:
        for problem in result["problems"]:
            print(f"  problem: {problem}")


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    try:
        return int(float(text[:-1]) * units[text[-1]]) if text[-1:] in units else int(text)
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (say 1G, 256M or a number of bytes)") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=_size, default=1 << 30, help="size of the mixed log (default 1G); also read at half of it")
    parser.add_argument("--formats", action="store_true", help="also read a log of each single format")
    parser.add_argument("--format-size", type=_size, default=64 << 20, help="size of each single-format log (default 64M)")
    parser.add_argument("--gzip", action="store_true", help="also read the mixed log gzip-compressed (next to zcat | wc -l)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build the logs in DIR and keep them")
    args = parser.parse_args(argv)
    if not shutil.which("wc") or not shutil.which("cat"):
        parser.error("needs wc and cat on PATH")
    directory = args.keep or Path(tempfile.mkdtemp(prefix="pinlint-logs-"))
    directory.mkdir(parents=True, exist_ok=True)
    try:
        results = []
        for size in (args.size // 2, args.size):
            path = directory / f"mixed-{size // MIB}M.log"
            started = time.perf_counter()
            lines = write_log(path, size, MIXED, seed=size)
            print(f"built {path.name}: {path.stat().st_size / MIB:.0f} MiB, {lines:,} lines in {time.perf_counter() - started:.1f} s",
                  file=sys.stderr)
            results.append(measure(path))
            if size != args.size:
                path.unlink()
        report("mixed log: PostgreSQL stderr (80% of blocks), PgBouncer (10%), RDS Proxy (10%)", results)
        if args.gzip:
            compressed = directory / "mixed.log.gz"
            with path.open("rb") as plain, gzip.open(compressed, "wb", compresslevel=1) as packed:
                shutil.copyfileobj(plain, packed, 1 << 20)
            zcat = _timed(["sh", "-c", 'zcat "$1" | wc -l', "zcat", str(compressed)])
            reading = json.loads(_python(READER, str(compressed), "read"))
            print(f"\ngzip-compressed ({compressed.stat().st_size / MIB:.0f} MiB on disk, {path.stat().st_size / MIB:.0f} MiB of log):")
            print(f"  zcat | wc -l {_rate(path.stat().st_size, zcat)}   read_logs {_rate(path.stat().st_size, reading['wall'])}"
                  f"   peak memory {reading['rss'] / MIB:.1f} MiB")
            compressed.unlink()
        path.unlink()
        if args.formats:
            kinds = ["postgresql", "csvlog", "jsonlog", "pgbouncer", "rds-proxy", "cloudwatch"]
            rows = []
            for kind in kinds:
                path = directory / f"{kind}.log"
                write_log(path, args.format_size, ((kind, 1.0),), seed=len(kind))
                rows.append((kind, measure(path)))
                path.unlink()
            print(f"\nsingle formats, {args.format_size / MIB:.0f} MiB each")
            print(f"  {'format':12}{'wc -l':>28}{'read_logs':>28}{'events':>12}{'peak memory':>14}")
            for kind, result in rows:
                print(f"  {kind:12}{_rate(result['size'], result['wc -l']):>28}{_rate(result['size'], result['read_logs']):>28}"
                      f"{result['events']:>12,}{result['rss'] / MIB:>10.1f} MiB")
    finally:
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
