"""PgBouncer's log: `<time> [<pid>] <LEVEL> <C|S>-0x<ptr>: <db>/<user>@<addr>:<port> <message>`.

What PgBouncer 1.9 to 1.25 write about a client it refuses or breaks (the same words in the
log file, on stderr and in syslog, where the time, pid and level are syslog's own):

    WARNING C-0x55d: (nodb)/(nouser)@127.0.0.1:36846 unsupported startup parameter: options=-c statement_timeout=5s
    LOG C-0x55d: (nodb)/(nouser)@127.0.0.1:36846 closing because: unsupported startup parameter: options (age=0s)
    WARNING C-0x55d: (nodb)/(nouser)@127.0.0.1:36846 pooler error: unsupported startup parameter: options

(1.20+ says `unsupported startup parameter in options: search_path` for a key inside `options`).
One refusal is one REFUSED event, from its `pooler error:` line, with the refused `parameter` and,
when the warning before it gave one, its `value`; the `closing because:` line is a CLOSED event as
every other one is. With `max_prepared_statements` (1.21+), `prepared statement '%s' not found` and
`... was already prepared` are ERROR events naming the `prepared_statement`; the `pooler error:`
that follows them for the same client adds nothing and is not repeated. Other pooler errors
(`query_wait_timeout`, `no more connections allowed`, ...) are ERROR events.
"""

from __future__ import annotations

import re

from pinlint.logs.events import CLOSED, ERROR, PGBOUNCER, REFUSED, LogEvent

_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [A-Za-z0-9+\-:/_]+)?"
# The log file and stderr (`[pid]` since 1.12, a bare pid before), then syslog and journald.
LINE = re.compile(
    rf"(?:(?P<timestamp>{_TIME}) (?:\[\d+\]|\d+) (?:LOG|WARNING|ERROR|FATAL|DEBUG|NOISE) "
    r"|(?P<syslog_time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) [^ \n]+ pgbouncer\[\d+\]: )"
)
_SOCKET = re.compile(r"[CS]-0x[0-9a-fA-F]+: (?:(?P<database>[^/ ]*)/(?P<user>[^@ ]*)|peer-\d+)@[^ ]* ")
_AGE = re.compile(r" \(age=\d+s?\)$")
_STARTUP = ("unsupported startup parameter in options: ", "unsupported startup parameter: ")
_OPTIONS_FORM = "unsupported options startup parameter"
_NAMED_ERROR = re.compile(r"prepared statement '(?P<name>[^']*)' (?:not found|was already prepared)$")
_PREPARED_POOLER_ERRORS = ("prepared statement did not exist", "prepared statement name is already in use")
# What PgBouncer writes before it knows a client's database and user; `peer-N` sockets have neither.
_UNKNOWN = ("(nodb)", "(nouser)", None)
# Clients remembered between the lines of one refusal; old ones are forgotten first.
_REMEMBERED = 1024


class PgBouncerLines:
    """Reads PgBouncer lines; `feed` says whether a line was one."""

    def __init__(self, filename: str, out: list[LogEvent]) -> None:
        self.filename = filename
        self.out = out
        # client -> what its earlier line said: the refused parameter's value, or a named error.
        self._clients: dict[str, tuple[str, str]] = {}

    def feed(self, line: str, number: int, timestamp: str | None) -> bool:
        shape = LINE.match(line)
        if shape is None:
            return False
        timestamp = shape["timestamp"] or shape["syslog_time"] or timestamp
        message = line[shape.end():]
        socket = _SOCKET.match(message)
        if socket is None:
            return True  # PgBouncer's own news: started, stats, signals
        client = message[: socket.end()]
        message = message[socket.end():]
        detail = {key: socket[key] for key in ("user", "database") if socket[key] not in _UNKNOWN}
        event = self._event(client, message, detail, timestamp, number)
        if event is not None:
            self.out.append(event)
        return True

    def end(self) -> None:
        """Nothing spans lines."""

    def _event(self, client: str, message: str, detail: dict, timestamp: str | None, number: int) -> LogEvent | None:
        if message.startswith("pooler error: "):
            reason = message[len("pooler error: "):]
            earlier = self._clients.pop(client, None)
            for form in _STARTUP:
                if reason.startswith(form):
                    detail["parameter"] = reason[len(form):]
                    if earlier is not None and earlier[0] == "value":
                        detail["value"] = earlier[1]
                    return LogEvent(PGBOUNCER, REFUSED, "", reason, timestamp, self.filename, number, detail)
            if reason.startswith(_OPTIONS_FORM):
                detail["parameter"] = "options"
                return LogEvent(PGBOUNCER, REFUSED, "", reason, timestamp, self.filename, number, detail)
            if reason in _PREPARED_POOLER_ERRORS and earlier is not None and earlier[0] == "named error":
                return None
            return LogEvent(PGBOUNCER, ERROR, "", reason, timestamp, self.filename, number, detail)
        if message.startswith("closing because: "):
            reason = _AGE.sub("", message[len("closing because: "):])
            return LogEvent(PGBOUNCER, CLOSED, "", reason, timestamp, self.filename, number, detail)
        for form in _STARTUP:
            if message.startswith(form):
                self._remember(client, ("value", message[len(form):].partition("=")[2]))
                return None
        named = _NAMED_ERROR.match(message)
        if named is not None:
            detail["prepared_statement"] = named["name"]
            self._remember(client, ("named error", named["name"]))
            return LogEvent(PGBOUNCER, ERROR, "", message, timestamp, self.filename, number, detail)
        return None

    def _remember(self, client: str, what: tuple[str, str]) -> None:
        self._clients.pop(client, None)
        self._clients[client] = what
        if len(self._clients) > _REMEMBERED:
            del self._clients[next(iter(self._clients))]
