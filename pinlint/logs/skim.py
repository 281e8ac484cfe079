"""Skimming a large log: only the lines that can make an incident are parsed.

Most of what a server logs can never be an incident: statements without a word any rule reacts
to (`SELECT * FROM t WHERE id = 5`), connections, durations, checkpoints, PgBouncer's logins and
closed connections. Parsing each such line costs microseconds of Python; finding the few lines that
matter with patterns run over a whole block of lines costs nanoseconds per byte, in C. So a block
of lines is searched for *hazards*, and only the reports they are in are read, from their first
line (a hazard may sit on a tab-indented continuation line) through their continuation lines and
attached parts (`DETAIL:`, `STATEMENT:`), by the same readers as every other line.

A hazard is a necessary condition of an incident, case aside (the block is searched lower-cased):

- of a statement's verdict, the conditions `pinlint.python.first_pass.may_hold_sql` checks: a
  statement keyword a rule judges where a statement starts (after the log's `statement: `,
  `execute <name>: `, `;`, a comment or at the start of a continuation line), one of the SQL
  functions the rules know, `INTO TEMP` / `pg_temp`, MySQL's `@` and `/*!`, `DELIMITER`,
  `pinlint`, and a report too long to be sure it is under PIN118's 16 KB;
- a named prepared statement (`execute _pg3_0:`): the drivers' names are incidents on their own;
- `prepared statement` errors, PgBouncer's `pooler error:` and `unsupported startup parameter`,
  and RDS Proxy's `pinned to the database connection`.

What skimming leaves out are events that are never incidents: the reports of harmless statements,
closed connections, PostgreSQL's warnings. What it still says: lines that no reader knows are
found in the skipped lines too (by `known_lines`, a pattern for the lines the readers know,
anchored on each line start; a line it does not vouch for is handed to the readers to decide),
and so are the line numbers. Every pattern starts with a literal or a rare character, so that
the search skips ahead in C, and none can backtrack over more than one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pinlint.logs import pgbouncer, rds_proxy
from pinlint.logs.streams import line_text

# What a report's text must exceed for PIN118 (16384 bytes, and a character is at most four).
LONG = 4096

_KEYWORDS = (
    rb"(?:set|reset|prepare|execute(?! <unnamed>[:/]| fetch from <unnamed>[:/])|deallocate|discard|declare"
    rb"|listen|unlisten|load|create|do|lock|flush|drop|delimiter)"
)
_BLANKS = rb"[^\S\n]*"
# (pattern, how far past the match's start its line starts: 1 when the match starts at the line
# break before it). Each is searched on its own: one with a literal first is found at C speed, an
# alternation of them is not.
_HAZARDS = (
    # where the text of a statement starts: `statement: SET` (also after `duration: `, and an
    # error's `STATEMENT:  SET`) and `execute <unnamed>: SET` (a named one is a hazard itself)
    (re.compile(rb"statement: " + _BLANKS + _KEYWORDS), 0),
    (re.compile(rb"unnamed>[^:\n]*: " + _BLANKS + _KEYWORDS), 0),
    (re.compile(rb";" + _BLANKS + _KEYWORDS), 0),
    (re.compile(rb"\*/" + _BLANKS + _KEYWORDS), 0),
    (re.compile(rb"\n\t" + _BLANKS + _KEYWORDS), 1),
    (re.compile(rb"execute (?!<unnamed>[:/]|fetch from <unnamed>[:/])"), 0),  # a named prepared statement, also after `duration: `
    (re.compile(rb"val(?:(?<=nextval)|(?<=currval)|(?<=lastval)|(?<=setval))"), 0),
    # set_config, pg_advisory_lock and the like, get_lock, release_lock, release_all_locks,
    # found_rows and sql_calc_found_rows, INTO pg_temp
    (re.compile(rb"_(?:config|advisory|lock|rows|temp)"), 0),
    (re.compile(rb"temp(?<![a-z0-9_]temp)"), 0),  # INTO TEMP; not attempt
    (re.compile(rb"/\*m?!"), 0),
    (re.compile(rb"pinlint"), 0),
    (re.compile(rb"prepared statement"), 0),
    (re.compile(rb"pooler error"), 0),
    (re.compile(rb"unsupported"), 0),
    (re.compile(rb" pinned to the database connection"), 0),
)
# Where statements are MySQL's: a variable (`@x`) and DELIMITER anywhere. Elsewhere, a variable
# that follows no name (not `user@host`).
_MYSQL = ((re.compile(rb"@[\w{]"), 0), (re.compile(rb"delimiter"), 0))
_ELSEWHERE = ((re.compile(rb"@(?<![\w.@]@)[\w{@]"), 0),)
_REPORT_START = re.compile(rb"\n[^\t]")
_STRETCH = LONG // 2
# The parts a PostgreSQL report may have on lines of their own after its first.
_ATTACHED = re.compile(rb"(?:DETAIL|STATEMENT|HINT|CONTEXT|QUERY|LOCATION):  ")
_TAB = 9


def hazards(block: bytes, mysql: bool) -> list[int]:
    """Positions in the lines with a hazard in ``block`` (lines of a log), in order, some in the
    same line; ``mysql``: statements are judged as MySQL's, where any `@name` is a variable."""
    low = block.lower()
    found = [match.start() + offset for pattern, offset in (*_HAZARDS, *(_MYSQL if mysql else _ELSEWHERE)) for match in pattern.finditer(low)]
    # A report longer than LONG covers a whole stretch of LONG // 2 bytes from a multiple of it, in
    # which no report starts (a line break before anything but a tab): such stretches are hazards.
    starts = _REPORT_START.search
    found += [at for at in range(0, len(block) - _STRETCH + 1, _STRETCH) if starts(block, at, at + _STRETCH) is None]
    found.sort()
    return found


def known_lines(prefixes: list[re.Pattern]) -> re.Pattern:
    """A pattern that matches at the start of a line the readers know for sure: a continuation,
    a PostgreSQL line under one of ``prefixes``, a PgBouncer or RDS Proxy line. It never says a
    line is known that no reader knows (none of these patterns goes past a line's end); a line it
    does not match may still be one."""
    shapes = [b"\t"]
    for pattern in (*prefixes, pgbouncer.LINE, rds_proxy.LINE):
        text = pattern.pattern
        if "\n" in text or not text.isascii():  # a prefix of the user's that could span lines
            continue
        try:
            shapes.append(re.compile(re.sub(r"(?<!\\)\(\?P<\w+>", "(?:", text).encode()).pattern)
        except re.error:
            continue
    return re.compile(b"|".join(shapes))


class Skimmer:
    """Reads the blocks of lines of one log (`pinlint.logs.streams.line_blocks`) from line
    ``number`` on through ``feed`` (a line and its number: one line parsed as the readers parse
    every line), passing over the lines no hazard is in. ``end`` ends the report read last;
    ``passed`` counts the lines passed over."""

    def __init__(self, feed: Callable[[str, int], None], end: Callable[[], None], known: re.Pattern, number: int, mysql: bool) -> None:
        self._mysql = mysql
        self._feed = feed
        self._end = end
        self._unknown = re.compile(rb"\n(?!" + known.pattern + rb")")
        self._unknown_first = re.compile(rb"(?!" + known.pattern + rb")")
        self.passed = 0
        self._number = number  # the first line of what is pending, else of the next block
        self._pending = b""  # the last report of a block, read with the next: it may go on there
        self._continuing = True  # the report read last may go on in the next block
        self._text: str | None = None  # the block being skimmed as text, when it is ASCII

    def block(self, block: bytes | list[str]) -> None:
        pending, self._pending = self._pending, b""
        if isinstance(block, list):  # lines that needed repair: each is read
            number = self._each(pending, self._number)
            for line in block:
                self._feed(line, number)
                number += 1
            self._number = number
            self._continuing = True
            return
        if pending:
            block = pending + block
        cut = _report_start(block)
        if cut == 0 and len(block) <= LONG:
            self._pending = block  # one short report so far: its end may be in the next block
            return
        if cut is None or cut == 0:  # one long report: a hazard, read on into the next block
            cut = len(block)
        self._pending = block[cut:]
        self._number = self._skim(block[:cut], self._number)

    def finish(self) -> None:
        """The log ends."""
        pending, self._pending = self._pending, b""
        if pending:
            self._number = self._skim(pending, self._number)

    def _each(self, block: bytes, number: int) -> int:
        lines = block.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        for line in lines:
            self._feed(line_text(line), number)
            number += 1
        return number

    def _skim(self, block: bytes, number: int) -> int:
        size = len(block)
        # Lines are cut from the block's text when its characters are its bytes.
        self._text = block.decode("ascii") if block.isascii() else None
        pos = 0
        if self._continuing:
            pos, number = self._read(block, 0, -1, number)
        for hit in hazards(block, self._mysql):
            if hit < pos:
                continue
            start = block.rfind(b"\n", pos, hit) + 1 or pos
            while start > pos and block[start] == _TAB:  # the report's first line
                start = block.rfind(b"\n", pos, start - 1) + 1 or pos
            if start > pos:
                number = self._pass(block, pos, start, number)
            pos, number = self._read(block, start, hit, number)
        if pos < size:
            number = self._pass(block, pos, size, number)
            self._continuing = False
        return number

    def _read(self, block: bytes, at: int, hit: int, number: int) -> tuple[int, int]:
        """Read the lines from ``at`` through the one at ``hit``, then on while they continue the
        report read last: tab-indented lines and its parts. Where it stopped, and its line."""
        feed, find, size, text = self._feed, block.find, len(block), self._text
        while at < size:
            end = find(b"\n", at)
            end = size if end < 0 else end + 1
            if at > hit and block[at] != _TAB and _ATTACHED.search(block, at, end) is None:
                self._continuing = False
                return at, number
            feed((text[at:end] if text is not None else block[at:end].decode("utf-8")).rstrip("\r\n"), number)
            number += 1
            at = end
        self._continuing = True
        return at, number

    def _pass(self, block: bytes, start: int, end: int, number: int) -> int:
        """Pass over the lines from ``start`` to ``end``: the report read last is complete. Lines
        the readers may not know are read, so that they are said when they do not."""
        self._end()
        lines = block.count(b"\n", start, end) + (block[end - 1] != 10)
        passed = lines
        miss = start if start == 0 and self._unknown_first.match(block, 0, end) else self._unknown_after(block, start, end)
        at, line = start, number
        while miss >= 0:
            line += block.count(b"\n", at, miss)
            at = block.find(b"\n", miss, end)
            at = end if at < 0 else at + 1
            self._feed((self._text[miss:at] if self._text is not None else block[miss:at].decode("utf-8")).rstrip("\r\n"), line)
            line += 1
            passed -= 1
            miss = self._unknown_after(block, at, end)
        self.passed += passed
        return number + lines

    def _unknown_after(self, block: bytes, start: int, end: int) -> int:
        """The start of the first line after the one at ``start`` (or at ``start``, unless it is
        0), up to ``end``, that the readers may not know; -1 when none."""
        found = self._unknown.search(block, max(start - 1, 0), end)
        return found.start() + 1 if found is not None and found.start() + 1 < end else -1


def _report_start(block: bytes) -> int | None:
    """Where the last line of ``block`` (whole lines) that is no continuation line starts; None
    when there is none."""
    at = block.rfind(b"\n", 0, len(block) - 1)
    while at >= 0:
        if block[at + 1] != _TAB:
            return at + 1
        at = block.rfind(b"\n", 0, at)
    return None if block[:1] == b"\t" or not block else 0
