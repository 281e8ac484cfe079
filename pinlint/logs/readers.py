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

`pinlint logs` skims (``skim``): after its first lines, a log of lines of text is searched in
blocks for what an incident needs (`pinlint.logs.skim`), and only those reports are parsed.
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
from pinlint.logs.skim import Skimmer, known_lines
from pinlint.logs.streams import (
    DAMAGED, LogProblem, LogReadError, Problems, block_lines, bounded_lines, csv_records, line_blocks, line_text, open_log, peek_text,
)
from pinlint.sql.lexer import MYSQL

__all__ = ["LogProblem", "read_logs"]

# How many lines tell a log's format.
SAMPLE = 200
_CSVLOG = re.compile(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [A-Za-z0-9+\-]+)?,(?:"[^"]*"|[^,"]*),(?:"[^"]*"|[^,"]*),\d*,')


def read_logs(
    paths: Iterable[str], log_line_prefix: str | None = None, problems: list[LogProblem] | None = None, skim: str | None = None
) -> Iterator[LogEvent]:
    """The events of every log in ``paths``, file by file, in the order they were written.

    ``log_line_prefix`` is the server's setting, for PostgreSQL stderr logs whose prefix is none
    of `KNOWN_PREFIXES`. What could not be read, and what was repaired on the way, is appended to
    ``problems`` as `LogProblem`s (one per file and kind of problem) when the list is given; no
    file ever stops the others. With ``skim`` (the SQL dialect statements are judged in, as
    `pinlint.logs.classify.Judge` takes it), logs of lines of text are skimmed
    (`pinlint.logs.skim`): every event that can be an incident is read all the same, but the
    events of harmless lines (statements no rule reacts to, closed connections, warnings) may be
    missing or cut short.
    """
    prefixes = [compile_prefix(log_line_prefix)] if log_line_prefix is not None else [compile_prefix(known) for known in KNOWN_PREFIXES]
    for path in paths:
        report = Problems(path, problems)
        try:
            with open_log(path) as stream:
                yield from _read(path, stream, prefixes, log_line_prefix, report, skim)
        except LogReadError as error:
            report.add(0, str(error))
        except DAMAGED as error:  # a damaged header, before any line
            report.add(0, f"cannot be read: {error}")
        finally:
            report.finish()


def _read(path: str, stream, prefixes: list[re.Pattern], given: str | None, report: Problems, skim: str | None) -> Iterator[LogEvent]:
    head = peek_text(stream).lstrip()
    if head.startswith('{"timestamp":"'):
        yield from jsonlog_events(bounded_lines(stream, report), path, report)
        return
    if head[:1] in ("{", "["):
        yield from _lines(json_records(stream, report), path, prefixes, given, report)
        return
    blocks = line_blocks(stream, report)
    first, rest = _sample(blocks)
    lines = chain(first, (line for block in rest for line in block_lines(block)))
    if first and insights_header(first[0]):
        yield from _lines(csv_export_records(lines, report), path, prefixes, given, report)
    elif first and _CSVLOG.match(first[0]):  # a csvlog file starts with a record
        yield from csvlog_events(csv_records(lines, report), path, report)
    elif skim is not None:
        yield from _skimmed(first, rest, path, prefixes, given, report, skim == MYSQL)
    else:
        yield from _lines(zip(lines, count(1), repeat(None)), path, prefixes, given, report)


def _sample(blocks: Iterator[bytes | list[str]]) -> tuple[list[str], Iterator[bytes | list[str]]]:
    """The first `SAMPLE` lines of ``blocks``, and the blocks of the lines after them."""
    first: list[str] = []
    for block in blocks:
        if isinstance(block, list):
            taken = SAMPLE - len(first)
            first += block[:taken]
            rest: bytes | list[str] = block[taken:]
        else:
            at = 0
            while len(first) < SAMPLE and at < len(block):
                end = block.find(b"\n", at)
                end = len(block) if end < 0 else end + 1
                first.append(line_text(block[at:end]))
                at = end
            rest = block[at:]
        if len(first) == SAMPLE:
            return first, chain([rest] if rest else [], blocks)
    return first, iter(())


class _TextLines:
    """Lines of text, each read by the reader that knows it; what no reader knows is counted."""

    def __init__(self, path: str, first: list[Record], prefixes: list[re.Pattern], given: str | None, report: Problems) -> None:
        self.out: list[LogEvent] = []
        self.postgres = PostgresLines(path, self.out, _prefixes_of(first, prefixes, given, report))
        self.readers = sorted(
            (self.postgres, PgBouncerLines(path, self.out), RdsProxyLines(path, self.out)),
            key=lambda reader: -_known(reader, first),
        )
        self.current = self.readers[0]
        self.skipped = self.blank = self.first_skipped = self.seen = 0

    def feed(self, line: str, number: int, timestamp: str | None = None) -> None:
        self.seen += 1
        if self.current.feed(line, number, timestamp):
            return
        self.current.end()
        for reader in self.readers:
            if reader is not self.current and reader.feed(line, number, timestamp):
                self.current = reader
                return
        if not line.strip():
            self.blank += 1
        else:
            self.skipped += 1
            self.first_skipped = self.first_skipped or number

    def end(self) -> None:
        self.current.end()

    def finish(self, report: Problems) -> None:
        self.current.end()
        if self.skipped and self.skipped + self.blank == self.seen:
            report.add(0, "no PostgreSQL, PgBouncer or RDS Proxy log lines in it: nothing was read")
        elif self.skipped:
            report.add(
                self.first_skipped,
                "a line that is no PostgreSQL, PgBouncer or RDS Proxy log line was skipped"
                + (f" (and {self.skipped - 1} more like it)" if self.skipped > 1 else ""),
            )


def _lines(records: Iterator[Record], path: str, prefixes: list[re.Pattern], given: str | None, report: Problems) -> Iterator[LogEvent]:
    """The events of lines of text, each read by the reader that knows it."""
    records = iter(records)
    first = list(islice(records, SAMPLE))
    lines = _TextLines(path, first, prefixes, given, report)
    out, feed = lines.out, lines.feed
    for line, number, timestamp in chain(first, records):
        feed(line, number, timestamp)
        if out:
            yield from out
            out.clear()
    lines.finish(report)
    yield from out


def _skimmed(first: list[str], blocks: Iterator[bytes | list[str]], path: str, prefixes: list[re.Pattern], given: str | None,
             report: Problems, mysql: bool) -> Iterator[LogEvent]:
    """The events of lines of text that can be incidents: ``first``, the log's first lines, are
    read one by one, the blocks after them skimmed."""
    lines = _TextLines(path, [(line, number, None) for number, line in enumerate(first, 1)], prefixes, given, report)
    out = lines.out
    for number, line in enumerate(first, 1):
        lines.feed(line, number)
    skimmer = Skimmer(lines.feed, lines.end, known_lines(lines.postgres.prefixes), len(first) + 1, mysql)
    for block in blocks:
        skimmer.block(block)
        yield from out
        out.clear()
    skimmer.finish()
    lines.seen += skimmer.passed
    lines.finish(report)
    yield from out


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
