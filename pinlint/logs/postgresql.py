"""PostgreSQL's server log: stderr lines under any `log_line_prefix`, `csvlog` and `jsonlog`.

What the server writes with `log_statement = 'all'` (PostgreSQL 10 to 18, default prefix `%m [%p] `):

    2026-12-03 00:38:02.612 UTC [14722] LOG:  statement: SELECT 1 AS one,
    	       'two' AS two
    2026-12-03 00:38:02.616 UTC [14722] LOG:  execute <unnamed>: select set_config('app.tenant_id', $1, false)
    2026-12-03 00:38:02.616 UTC [14722] DETAIL:  parameters: $1 = 'acme'
    2026-12-03 00:38:02.628 UTC [14722] ERROR:  prepared statement "_pg3_0" already exists
    2026-12-03 00:38:02.628 UTC [14722] STATEMENT:  SELECT $1::int + 1

A report starts with a prefix and a severity followed by a colon and two spaces; on stderr every
further line of it starts with a tab, and its DETAIL, HINT, CONTEXT and STATEMENT parts follow
at once on lines of their own. `statement:` and `execute <name>:` lines (also after
`duration: ... ms  `) become STATEMENT events, naming the `prepared_statement` unless it is
`<unnamed>` and carrying the DETAIL's `parameters`; ERROR, FATAL and PANIC reports become ERROR
events with the statement they were raised by (`text`, empty when the log does not say) and the
`prepared_statement` their message names; WARNINGs become NOTICE events the same way (`SET LOCAL
can only be used in transaction blocks`; by default the server logs no statement with a warning:
the events before it of the same pid tell what ran). Everything else the server says
(connections, checkpoints, parse and bind durations) is read and left.

Severity words are matched in English: a server with `lc_messages` in another language writes them
translated, and its reports are not read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from pinlint.logs.events import ERROR, NOTICE, POSTGRESQL, STATEMENT, LogEvent
from pinlint.logs.streams import LINE_LIMIT, Problems

_SEVERITIES = r"(?P<severity>LOG|ERROR|WARNING|FATAL|PANIC|DETAIL|HINT|CONTEXT|STATEMENT|QUERY|LOCATION|NOTICE|INFO|DEBUG[1-5]?)"
_SEVERITY = _SEVERITIES + ":  "
_ATTACHED = frozenset({"DETAIL", "HINT", "CONTEXT", "STATEMENT", "QUERY", "LOCATION"})
_ERRORS = frozenset({"ERROR", "FATAL", "PANIC"})
_KEPT = _ERRORS | {"WARNING"}  # reports kept whatever they say (LOG ones only with a statement)
# The LOG messages that carry a statement; the others are not kept.
_STATEMENT_MESSAGES = ("statement: ", "execute ", "duration: ")
_PREPARED = re.compile(r'prepared statement "(?P<name>[^"]*)" (?:does not exist|already exists)$')
# A prefix and severity are looked for in a line's first WINDOW characters only, which bounds
# the work on a hostile line whatever the prefix.
WINDOW = 4096

# Tried in turn on a log's first lines when the user does not say which prefix the server used.
KNOWN_PREFIXES = (
    "%m [%p] ",  # PostgreSQL's default since 10
    "%m [%p] %q%u@%d ",  # Debian and Ubuntu packages
    "%t:%r:%u@%d:[%p]:",  # Amazon RDS and Aurora
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",  # pgBadger's advice
)

_ZONE = r"(?: [A-Za-z0-9+\-]+)?"
_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
_TEXT = None  # a free-text escape: it ends where the next literal character of the prefix is
# escape -> (the detail it gives, or None, and its pattern)
_ESCAPES = {
    "m": ("timestamp", _TIME + r"\.\d+" + _ZONE),
    "t": ("timestamp", _TIME + _ZONE),
    "n": ("timestamp", r"\d+\.\d+"),
    "s": (None, _TIME + _ZONE),
    "p": ("pid", r"\d+"),
    "P": (None, r"\d*"),
    "l": (None, r"\d+"),
    "x": (None, r"\d+"),
    "v": (None, r"[0-9/]*"),
    "c": ("session", r"[0-9a-f]+\.[0-9a-f]+"),
    "e": ("sqlstate", r"[0-9A-Z]{5}"),
    "Q": (None, r"-?\d+"),
    "r": ("client", r"(?:\[local\]|[^ (\n]*\(\d*\))?"),
    "u": ("user", _TEXT),
    "d": ("database", _TEXT),
    "a": ("application", _TEXT),
    "h": ("client", _TEXT),
    "b": (None, _TEXT),
    "i": (None, _TEXT),
}
_PREFIX_PART = re.compile(r"%(?P<pad>-?\d*)(?P<escape>.)|(?P<literal>[^%]+)|%$", re.S)

# Without a known prefix: the first severity in the line, and a time and `[pid]` before it.
# A severity is a word right before a colon and two spaces: found by looking for those first.
_SEVERITY_WORD = re.compile(r"(?:^|[^A-Za-z])" + _SEVERITIES + "$")
_ANY_TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?: ?[A-Za-z]{1,5}|[+-]\d\d(?::?\d\d)?|Z)?")
_ANY_PID = re.compile(r"\[(\d+)\]")


def compile_prefix(prefix: str) -> re.Pattern:
    """A pattern for a line that starts with ``prefix`` (a `log_line_prefix`) and a severity.

    Like the server, unknown escapes stand for nothing and `%q` makes the rest optional (lines of
    processes without a session stop there). A free-text escape (`%u`, `%d`, `%a`, `%h`, ...)
    ends at the next literal character of the prefix, so nothing in the pattern can backtrack
    more than once over a character.
    """
    parts = [(part["pad"], part["escape"], part["literal"]) for part in _PREFIX_PART.finditer(prefix)]
    pieces: list[str] = []
    named: set[str] = set()
    optional_at = None
    for index, (pad, escape, literal) in enumerate(parts):
        if literal is not None:
            pieces.append(re.escape(literal))
            continue
        if escape is None:  # a lone % at the end
            continue
        if escape == "%":
            pieces.append("%")
            continue
        if escape == "q":
            optional_at = optional_at if optional_at is not None else len(pieces)
            continue
        name, pattern = _ESCAPES.get(escape, (None, ""))
        if pattern is _TEXT:
            following = next((later[2] for later in parts[index + 1:] if later[1] is not None or later[2] is not None), None)
            # padded on the right, the text stops before the spaces (lazily: they are next)
            lazy = "?" if pad.startswith("-") else ""
            pattern = f"[^{re.escape(following[0])}\\n]*{lazy}" if following else ".*?"
        if name is not None and name not in named:
            named.add(name)
            pattern = f"(?P<{name}>{pattern})"
        if pad:  # the server pads with spaces, on the right when the width is negative
            pattern = f"{pattern} *" if pad.startswith("-") else f" *{pattern}"
        pieces.append(pattern)
    if optional_at is not None:
        pieces[optional_at:] = [f"(?:{''.join(pieces[optional_at:])})?"]
    return re.compile("".join(pieces) + _SEVERITY)


class _Report:
    """A report being read: its first line's message, then the lines of its parts."""

    __slots__ = ("severity", "message", "detail", "statement", "current", "timestamp", "number", "facts", "size", "truncated")

    def __init__(self, severity: str, message: str, timestamp: str | None, number: int, facts: dict[str, str]) -> None:
        self.severity = severity
        self.message = [message]
        self.detail: list[str] = []
        self.statement: list[str] = []
        self.current: list[str] | None = self.message  # where the next tab-indented line goes
        self.timestamp = timestamp
        self.number = number
        self.facts = facts
        self.size = len(message)
        self.truncated = False

    def add(self, text: str) -> None:
        if self.current is not None:
            self.size += len(text)
            if self.size <= LINE_LIMIT:
                self.current.append(text)
            else:
                self.truncated = True
                self.current = None


class PostgresLines:
    """Reads stderr lines; `feed` says whether a line was one (or continued one).

    ``prefixes`` are the patterns of the prefixes lines may start with, the likeliest first; the
    last one that matched is tried first (a log can hold several: the setting changed, or logs
    were pasted together). A line that starts with none of them is read up to its first severity."""

    def __init__(self, filename: str, out: list[LogEvent], prefixes: list[re.Pattern]) -> None:
        self.filename = filename
        self.out = out
        self.prefixes = prefixes
        # each prefix's groups that are facts of the events (all but the time and severity), and
        # whether it has a time and a pid; by id, as a pattern's hash is computed afresh each time
        self._facts = {
            id(prefix): (
                tuple(name for name in prefix.groupindex if name not in ("timestamp", "severity")),
                "timestamp" in prefix.groupindex,
                "pid" in prefix.groupindex,
            )
            for prefix in prefixes
        }
        self._report: _Report | None = None

    def feed(self, line: str, number: int, timestamp: str | None) -> bool:
        if line[:1] == "\t":
            if self._report is not None:
                self._report.add(line[1:])
            return True
        found = self.prefixes[0].match(line, 0, WINDOW) if self.prefixes else None
        if found is None:
            found = self._other_prefix(line)
            if found is None:
                return self.feed_loose(line, number, timestamp)
        severity = found["severity"]
        message = line[found.end():]
        names, timed, with_pid = self._facts[id(found.re)]
        if _worth_keeping(severity, message):
            facts = {name: value for name, value in zip(names, found.group(0, *names)[1:]) if value}
            if timed:
                timestamp = found["timestamp"]
            self._start(severity, message, timestamp, number, facts)
        elif severity in _ATTACHED:
            self._attach(severity, message, found["pid"] if with_pid else None)
        else:
            self.end()
        return True

    def _other_prefix(self, line: str) -> re.Match | None:
        """A match of a prefix other than the first, which then becomes the first: the next
        lines are likely to have it too."""
        prefixes = self.prefixes
        for index in range(1, len(prefixes)):
            found = prefixes[index].match(line, 0, WINDOW)
            if found is not None:
                prefixes.insert(0, prefixes.pop(index))
                return found
        return None

    def feed_loose(self, line: str, number: int, timestamp: str | None) -> bool:
        """Read a line whose prefix is unknown: up to the first severity in it."""
        colon = line.find(":  ", 0, WINDOW)
        while True:
            if colon < 0:
                return False
            found = _SEVERITY_WORD.search(line, max(0, colon - 10), colon)
            if found is not None:
                break
            colon = line.find(":  ", colon + 1, WINDOW)
        severity = found["severity"]
        message = line[colon + 3:]
        head = line[: found.start("severity")]
        pid = _ANY_PID.search(head)
        if severity in _ATTACHED:
            self._attach(severity, message, pid[1] if pid else None)
        elif _worth_keeping(severity, message):
            stamp = _ANY_TIME.match(head)
            self._start(severity, message, stamp[0] if stamp else timestamp, number, {"pid": pid[1]} if pid else {})
        else:
            self.end()
        return True

    def end(self) -> None:
        """The report being read is complete."""
        report = self._report
        if report is None:
            return
        self._report = None
        facts = report.facts
        if report.truncated:
            facts["truncated"] = "true"
        event = report_event(
            report.severity, "\n".join(report.message), "\n".join(report.detail), "\n".join(report.statement),
            report.timestamp, self.filename, report.number, facts,
        )
        if event is not None:
            self.out.append(event)

    def _start(self, severity: str, message: str, timestamp: str | None, number: int, facts: dict[str, str]) -> None:
        self.end()
        self._report = _Report(severity, message, timestamp, number, facts)

    def _attach(self, severity: str, message: str, pid: str | None) -> None:
        report = self._report
        if report is None or (pid is not None and report.facts.get("pid", pid) != pid):
            return  # a part of a report that was not kept, or of another process's
        if severity == "STATEMENT":
            report.current = report.statement
        elif severity == "DETAIL":
            report.current = report.detail
        else:
            report.current = None
            return
        report.current.clear()
        report.add(message)


def _worth_keeping(severity: str, message: str) -> bool:
    return severity in _KEPT or severity == "LOG" and message.startswith(_STATEMENT_MESSAGES)


def report_event(
    severity: str, message: str, detail: str, statement: str,
    timestamp: str | None, filename: str, number: int, facts: dict[str, str],
) -> LogEvent | None:
    """The event of one server report, whichever format it was written in."""
    if severity == "LOG":
        if message.startswith("duration: "):
            after = message.find("  ", 10)  # `duration: 0.050 ms  statement: ...`
            if after < 0:
                return None
            message = message[after + 2:]
        facts.pop("sqlstate", None)
        if message.startswith("statement: "):
            return LogEvent(POSTGRESQL, STATEMENT, message[11:], "", timestamp, filename, number, facts)
        if not message.startswith("execute "):
            return None  # parse and bind durations: the execute line says it all
        names, found, text = message[8:].partition(": ")
        if not found:
            return None
        if names.startswith("fetch from "):
            names = names[11:]
        name = names.partition("/")[0]  # `name/portal`
        if name and name != "<unnamed>":
            facts["prepared_statement"] = name
        if detail.startswith("parameters: "):
            facts["parameters"] = detail[12:]
        return LogEvent(POSTGRESQL, STATEMENT, text, "", timestamp, filename, number, facts)
    if severity in _KEPT:
        named = _PREPARED.match(message)
        if named is not None:
            facts["prepared_statement"] = named["name"]
        kind = ERROR if severity in _ERRORS else NOTICE
        return LogEvent(POSTGRESQL, kind, statement, message, timestamp, filename, number, facts)
    return None


# csvlog columns (the same first 23 from PostgreSQL 9.0 to 18; later versions add more at the end).
_CSV_COLUMNS = 23
_CSV_FACTS = (("user", 1), ("database", 2), ("pid", 3), ("client", 4), ("session", 5), ("sqlstate", 12), ("application", 22))


def csvlog_events(records: Iterator[tuple[int, list[str]]], filename: str, problems: Problems) -> Iterator[LogEvent]:
    """Events of csvlog records (line, fields)."""
    for number, fields in records:
        if len(fields) < _CSV_COLUMNS:
            problems.repeated("csvlog", number, f"a record with fewer than {_CSV_COLUMNS} fields is not a csvlog record: skipped")
            continue
        severity, message = fields[11], fields[13]
        if not _worth_keeping(severity, message):
            continue
        facts = {name: fields[column] for name, column in _CSV_FACTS if fields[column]}
        event = report_event(severity, message, fields[14], fields[19], fields[0], filename, number, facts)
        if event is not None:
            yield event


_JSON_FACTS = (("user", "user"), ("database", "dbname"), ("pid", "pid"), ("session", "session_id"), ("sqlstate", "state_code"), ("application", "application_name"))


def jsonlog_events(lines: Iterator[str], filename: str, problems: Problems) -> Iterator[LogEvent]:
    """Events of jsonlog lines (PostgreSQL 15+): one JSON object per line."""
    loads = json.loads
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            report = loads(line)
        except (ValueError, RecursionError):
            report = None
        if not isinstance(report, dict):
            problems.repeated("jsonlog", number, "a line that is not a JSON object: skipped")
            continue
        severity, message = _string(report.get("error_severity")), _string(report.get("message"))
        if not _worth_keeping(severity, message):
            continue
        facts = {name: _string(report[key]) for name, key in _JSON_FACTS if report.get(key) not in (None, "")}
        if "remote_host" in report:
            port = report.get("remote_port")
            facts["client"] = _string(report["remote_host"]) + (f":{port}" if port is not None else "")
        event = report_event(
            severity, message, _string(report.get("detail")), _string(report.get("statement")),
            _string(report.get("timestamp")) or None, filename, number, facts,
        )
        if event is not None:
            yield event


def _string(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)
