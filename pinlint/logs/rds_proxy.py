"""RDS Proxy enhanced logging: one line per thing the proxy did to a session.

    2022-05-19T17:20:40.601Z [WARN] [proxyEndpoint=default] [clientConnection=2125203372] The client
    session was pinned to the database connection [dbConnection=1953961465] for the remainder of the
    session. The proxy can't reuse this connection until the session ends. Reason: SQL changed session
    settings that the proxy doesn't track. Consider moving session configuration to the proxy's
    initialization query. Digest: "set search_path to $1,$2,$3".

(one line in the log). Older lines have no `[proxyEndpoint=...]`; articles quote the sentence alone.
The `[INFO]` line "If this prepared statement runs, the client session will be pinned ..." warns of a
pin to come at Parse time. Pins become PINNED events and those warnings NOTICE events, with the
digest as `text` and the reason without it; closed connections become CLOSED events.
"""

from __future__ import annotations

import re

from pinlint.logs.events import CLOSED, NOTICE, PINNED, RDS_PROXY, LogEvent

# Timestamp, level and the bracketed tags, each part bounded by a character it cannot contain.
LINE = re.compile(
    r"(?P<timestamp>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)? ?"
    r"\[(?:WARN|INFO|DEBUG|ERROR|TRACE)\] ?"
    r"(?P<tags>(?:\[[A-Za-z]+=[^\]\n]*\] ?)*)"
)
_TAG = re.compile(r"\[([A-Za-z]+)=([^\]]*)\]")
_TAG_DETAIL = {"proxyEndpoint": "proxy_endpoint", "clientConnection": "client_connection", "dbConnection": "db_connection"}
_PINNED_TO = " pinned to the database connection"
_CONNECTION_TAG = re.compile(r" ?\[(?:[A-Za-z]+=)?([^\]]*)\]")
_REASONS = ("Reason: ", "The reason for pinning is: ")
_DIGEST = 'Digest: "'


class RdsProxyLines:
    """Reads RDS Proxy lines; `feed` says whether a line was one."""

    def __init__(self, filename: str, out: list[LogEvent]) -> None:
        self.filename = filename
        self.out = out

    def feed(self, line: str, number: int, timestamp: str | None) -> bool:
        shape = LINE.match(line)
        if shape is None:
            if _PINNED_TO not in line:
                return False
            message, detail = line.strip(), {}
        else:
            message = line[shape.end():]
            timestamp = shape["timestamp"] or timestamp
            detail = {_TAG_DETAIL[key]: value for key, value in _TAG.findall(shape["tags"]) if key in _TAG_DETAIL}
        event = self._event(message, detail, timestamp, number)
        if event is not None:
            self.out.append(event)
        return True

    def end(self) -> None:
        """Nothing spans lines."""

    def _event(self, message: str, detail: dict[str, str], timestamp: str | None, number: int) -> LogEvent | None:
        pinned_at = message.find(_PINNED_TO)
        if pinned_at >= 0:
            kind = NOTICE if "will be" in message[:pinned_at] else PINNED
            connection = _CONNECTION_TAG.match(message, pinned_at + len(_PINNED_TO))
            if connection is not None:
                detail["db_connection"] = connection[1]
            digest, reason = _split_digest(_reason(message, pinned_at))
            return LogEvent(RDS_PROXY, kind, digest, reason, timestamp, self.filename, number, detail)
        if message.startswith(("The client connection closed.", "The database connection closed.")):
            return LogEvent(RDS_PROXY, CLOSED, "", _reason(message, 0), timestamp, self.filename, number, detail)
        return None


def _reason(message: str, start: int) -> str:
    for marker in _REASONS:
        at = message.find(marker, start)
        if at >= 0:
            return message[at + len(marker):].strip()
    return ""


def _split_digest(reason: str) -> tuple[str, str]:
    """(digest, reason without it): `... query. Digest: "set search_path to $1".`"""
    at = reason.find(_DIGEST)
    if at < 0:
        return "", reason
    digest = reason[at + len(_DIGEST):].rstrip()
    if digest.endswith("."):
        digest = digest[:-1]
    if digest.endswith('"'):
        digest = digest[:-1]
    return digest, reason[:at].rstrip()
