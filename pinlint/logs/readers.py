"""Read production logs into `LogEvent`s, whatever wrote them and however they were saved.

`read_logs(paths)` takes files (plain, gzip, bzip2 or xz, told apart by their first bytes) and "-"
for standard input, and works out each one's format from its first lines:

- PostgreSQL `jsonlog` (a line per JSON object starting `{"timestamp":"`) and `csvlog`;
- CloudWatch exports, JSON (`aws logs filter-log-events`, `get-query-results`) or Logs Insights
  CSV, whose messages are read as lines below;
- lines of text: PostgreSQL stderr logs, PgBouncer logs, RDS Proxy enhanced logging. Each line
  goes to the reader of the kind most of the first lines were, and to the others when that one
  does not know it, so logs concatenated into one file are read too.

Reading streams: memory stays flat whatever the size of a log (see `streams` for the limits). A
file that cannot be read, or the parts of one that could not, become `LogProblem`s in the
``problems`` list, and the other files are read all the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain, count, islice, repeat

from pinlint.logs.cloudwatch import Record, csv_export_records, insights_header, json_records
from pinlint.logs.events import LogEvent
from pinlint.logs.pgbouncer import PgBouncerLines
from pinlint.logs.postgresql import KNOWN_PREFIXES, WINDOW, PostgresLines, compile_prefix, csvlog_events, jsonlog_events
from pinlint.logs.rds_proxy import RdsProxyLines
from pinlint.logs.streams import DAMAGED, LogProblem, LogReadError, Problems, bounded_lines, csv_records, open_log, peek_text

__all__ = ["LogProblem", "read_logs"]

# How many lines tell a log's format.
SAMPLE = 200
_CSVLOG = re.compile(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [A-Za-z0-9+\-]+)?,(?:"[^"]*"|[^,"]*),(?:"[^"]*"|[^,"]*),\d*,')


def read_logs(
    paths: Iterable[str], log_line_prefix: str | None = None, problems: list[LogProblem] | None = None
) -> Iterator[LogEvent]:
    """The events of every log in ``paths``, file by file, in the order they were written.

    ``log_line_prefix`` is the server's setting, for PostgreSQL stderr logs whose prefix is none
    of `KNOWN_PREFIXES`. What could not be read, and what was repaired on the way, is appended to
    ``problems`` as `LogProblem`s (one per file and kind of problem) when the list is given; no
    file ever stops the others.
    """
    prefixes = [compile_prefix(log_line_prefix)] if log_line_prefix is not None else [compile_prefix(known) for known in KNOWN_PREFIXES]
    for path in paths:
        report = Problems(path, problems)
        try:
            with open_log(path) as stream:
                yield from _read(path, stream, prefixes, log_line_prefix, report)
        except LogReadError as error:
            report.add(0, str(error))
        except DAMAGED as error:  # a damaged header, before any line
            report.add(0, f"cannot be read: {error}")
        finally:
            report.finish()


def _read(path: str, stream, prefixes: list[re.Pattern], given: str | None, report: Problems) -> Iterator[LogEvent]:
    head = peek_text(stream).lstrip()
    if head.startswith('{"timestamp":"'):
        yield from jsonlog_events(bounded_lines(stream, report), path, report)
        return
    if head[:1] in ("{", "["):
        yield from _lines(json_records(stream, report), path, prefixes, given, report)
        return
    lines = bounded_lines(stream, report)
    first = list(islice(lines, SAMPLE))
    lines = chain(first, lines)
    if first and insights_header(first[0]):
        yield from _lines(csv_export_records(lines, report), path, prefixes, given, report)
    elif first and _CSVLOG.match(first[0]):  # a csvlog file starts with a record
        yield from csvlog_events(csv_records(lines, report), path, report)
    else:
        yield from _lines(zip(lines, count(1), repeat(None)), path, prefixes, given, report)


def _lines(records: Iterator[Record], path: str, prefixes: list[re.Pattern], given: str | None, report: Problems) -> Iterator[LogEvent]:
    """The events of lines of text, each read by the reader that knows it."""
    records = iter(records)
    first = list(islice(records, SAMPLE))
    out: list[LogEvent] = []
    postgres = PostgresLines(path, out, _prefixes_of(first, prefixes, given, report))
    readers = sorted(
        (postgres, PgBouncerLines(path, out), RdsProxyLines(path, out)),
        key=lambda reader: -_known(reader, first),
    )
    current = readers[0]
    skipped = blank = first_skipped = seen = 0
    for seen, (line, number, timestamp) in enumerate(chain(first, records), 1):
        if not current.feed(line, number, timestamp):
            current.end()
            for reader in readers:
                if reader is not current and reader.feed(line, number, timestamp):
                    current = reader
                    break
            else:
                if not line.strip():
                    blank += 1
                else:
                    skipped += 1
                    first_skipped = first_skipped or number
        if out:
            yield from out
            out.clear()
    current.end()
    yield from out
    if skipped and skipped + blank == seen:
        report.add(0, "no PostgreSQL, PgBouncer or RDS Proxy log lines in it: nothing was read")
    elif skipped:
        report.add(
            first_skipped,
            "a line that is no PostgreSQL, PgBouncer or RDS Proxy log line was skipped"
            + (f" (and {skipped - 1} more like it)" if skipped > 1 else ""),
        )


def _known(reader, lines: list[Record]) -> int:
    """How many of ``lines`` a fresh reader like ``reader`` knows."""
    out: list[LogEvent] = []
    if isinstance(reader, PostgresLines):
        fresh = PostgresLines(reader.filename, out, reader.prefixes)
    else:
        fresh = type(reader)(reader.filename, out)
    return sum(1 for line, number, timestamp in lines if not line.startswith("\t") and fresh.feed(line, number, timestamp))


def _prefixes_of(lines: list[Record], prefixes: list[re.Pattern], given: str | None, report: Problems) -> list[re.Pattern]:
    """``prefixes`` (the known ones, or the one the user gave), the most common in ``lines``
    first; none when the user's does not fit lines that are PostgreSQL's (then lines are read up
    to their severity)."""
    counts = {prefix: sum(1 for line, _number, _timestamp in lines if prefix.match(line, 0, WINDOW)) for prefix in prefixes}
    if given is not None and not any(counts.values()):
        if any(PostgresLines("", [], []).feed_loose(line, number, timestamp) for line, number, timestamp in lines):
            report.add(0, f"its PostgreSQL lines do not start with the log_line_prefix {given!r}: read without it (times, users and databases may be missing)")
            return []
    return sorted(prefixes, key=lambda prefix: -counts[prefix])
