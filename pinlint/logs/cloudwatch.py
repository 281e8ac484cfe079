"""CloudWatch Logs exports: the log lines inside them, wherever the console or the CLI put them.

- `aws logs filter-log-events` and `get-log-events` write JSON, `{"events": [{"timestamp": 1652980840601,
  "message": "...", ...}], "nextToken": ...}`; pages fetched one by one are often saved one after the
  other in one file, so documents may follow each other. `--query events` leaves the bare list.
- `aws logs get-query-results` (Logs Insights) writes `{"results": [[{"field": "@timestamp", "value":
  ...}, {"field": "@message", "value": ...}], ...]}`.
- The Logs Insights console exports CSV with a header row naming `@timestamp` and `@message`.

Each yields (line, where it starts in the file, the event's time) for every line of every
message. The JSON is read in chunks, never whole: only one event is held at a time, and an event
larger than `EVENT_LIMIT` (CloudWatch's own events are far smaller) ends the reading of that file with a
problem.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import BinaryIO

from pinlint.logs.streams import CHUNK, DAMAGED, Problems, csv_records

EVENT_LIMIT = 16 << 20
_SPACE = re.compile(r"[ \t\r\n]*")
_SCALAR = re.compile(r"-?[0-9][0-9.eE+\-]*|true|false|null")
# Inside a string: runs without quote or backslash, and escapes; never ends on a lone backslash.
_STRING_BODY = re.compile(r'[^"\\]*(?:\\[^\n][^"\\]*)*')
_EVENT_LISTS = ("events", "results")
_EVENT_FIELDS = ("message", "@message", "timestamp", "@timestamp")

Record = tuple[str, int, "str | None"]


class _Text:
    """The decoded text of a stream, read a chunk at a time, with line numbers of positions."""

    def __init__(self, stream: BinaryIO, problems: Problems) -> None:
        self._read = stream.read
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._problems = problems
        self.buffer = ""
        self.at = 0
        self.eof = False
        self._line = 1  # the line of `_counted`
        self._counted = 0

    def more(self) -> bool:
        """Read another chunk; False at the end of the stream."""
        if self.eof:
            return False
        try:
            data = self._read(CHUNK)
        except DAMAGED as error:
            self._problems.add(self.line(len(self.buffer)), f"the file is damaged from here on and was read no further ({error})")
            data = b""
        text = self._decoder.decode(data, final=not data)
        if not data:
            self.eof = True
        if self.at > CHUNK:  # drop what was read, keeping line numbers right
            self.line(self.at)
            self.buffer = self.buffer[self.at:]
            self._counted -= self.at
            self.at = 0
        self.buffer += text
        return bool(data) or bool(text)

    def line(self, position: int) -> int:
        """The line of ``position``, which never goes back."""
        if position > self._counted:
            self._line += self.buffer.count("\n", self._counted, position)
            self._counted = position
        return self._line

    def next_char(self) -> str | None:
        """The next character that is not white space (not consumed); None at the end."""
        while True:
            self.at = _SPACE.match(self.buffer, self.at).end()
            if self.at < len(self.buffer):
                return self.buffer[self.at]
            if not self.more():
                return None

    def value(self) -> tuple[object, int]:
        """The JSON value at the cursor and its line, consumed."""
        if self.next_char() is None:
            raise _NotJson(_NOT_JSON)
        start = self.at
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, start)
            except RecursionError:
                raise _NotJson("a JSON value nested too deeply: the rest of the file was not read") from None
            except json.JSONDecodeError:
                if len(self.buffer) - start > EVENT_LIMIT:
                    raise _NotJson(f"a JSON value larger than {EVENT_LIMIT >> 20} MiB: the rest of the file was not read") from None
                if not self.more():
                    raise _NotJson(_NOT_JSON) from None
                start = self.at  # `more` may have moved the buffer
                continue
            if end == len(self.buffer) and isinstance(value, (int, float)) and self.more():
                start = self.at  # a number may go on in the next chunk
                continue
            self.at = end
            return value, self.line(start)

    def skip(self) -> None:
        """Consume the value at the cursor without keeping it."""
        depth = 0
        while True:
            char = self.next_char()
            if char is None:
                raise _NotJson(_NOT_JSON)
            if char == '"':
                self._skip_string()
            elif char in "[{":
                depth += 1
                self.at += 1
            elif char in "]}":
                depth -= 1
                self.at += 1
            elif char in ",:" and depth > 0:
                self.at += 1
            else:
                scalar = _SCALAR.match(self.buffer, self.at)
                if scalar is None:
                    raise _NotJson(_NOT_JSON)
                if scalar.end() == len(self.buffer) and self.more():
                    continue
                self.at = scalar.end()
            if depth == 0:
                return
            if depth < 0:
                raise _NotJson(_NOT_JSON)

    def _skip_string(self) -> None:
        self.at += 1
        while True:
            self.at = _STRING_BODY.match(self.buffer, self.at).end()
            if self.at < len(self.buffer) and self.buffer[self.at] == '"':
                self.at += 1
                return
            if self.at < len(self.buffer) - 1 or not self.more():  # an escaped line break, or the end
                raise _NotJson(_NOT_JSON)


class _NotJson(Exception):
    """Where the JSON stops making sense; the message says how."""


_NOT_JSON = "not CloudWatch JSON from here on: the rest of the file was not read"
_DECODER = json.JSONDecoder()


def json_records(stream: BinaryIO, problems: Problems) -> Iterator[Record]:
    """The log lines of CloudWatch JSON output: `events[].message`, Logs Insights `results`
    rows, or a bare list of events; one document after another."""
    text = _Text(stream, problems)
    try:
        while (char := text.next_char()) is not None:
            if char == "[":
                yield from _events(text)
            elif char == "{":
                yield from _document(text)
            else:
                raise _NotJson(_NOT_JSON)
    except _NotJson as error:
        problems.add(text.line(text.at), str(error))


def _document(text: _Text) -> Iterator[Record]:
    """Read one object: the lists of events in it yield their lines, and so does the object
    itself when it is an event (one per line, as `jq -c '.events[]'` writes them)."""
    text.at += 1
    line = text.line(text.at)
    own: dict[str, object] = {}
    while (char := text.next_char()) != "}":
        if char == ",":
            text.at += 1
            continue
        if char != '"':
            raise _NotJson(_NOT_JSON)
        key = text.value()[0]
        if text.next_char() != ":":
            raise _NotJson(_NOT_JSON)
        text.at += 1
        if key in _EVENT_LISTS and text.next_char() == "[":
            yield from _events(text)
        elif key in _EVENT_FIELDS:
            own[key] = text.value()[0]
        else:
            text.skip()
    text.at += 1
    message, timestamp = _message(own)
    if message is not None:
        yield from _lines_of(message, line, timestamp)


def _events(text: _Text) -> Iterator[Record]:
    """Read a list of events."""
    text.at += 1
    while (char := text.next_char()) != "]":
        if char == ",":
            text.at += 1
            continue
        if char is None:
            raise _NotJson(_NOT_JSON)
        event, line = text.value()
        message, timestamp = _message(event)
        if message is not None:
            yield from _lines_of(message, line, timestamp)
    text.at += 1


def _message(event: object) -> tuple[str | None, str | None]:
    """(message, time) of an event object or of a Logs Insights row."""
    if isinstance(event, list):  # a row: [{"field": ..., "value": ...}, ...]
        event = {cell.get("field"): cell.get("value") for cell in event if isinstance(cell, dict)}
    if not isinstance(event, dict):
        return None, None
    message = event.get("message", event.get("@message"))
    if not isinstance(message, str):
        return None, None
    stamp = event.get("timestamp", event.get("@timestamp"))
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        return message, _from_milliseconds(int(stamp))
    return message, stamp if isinstance(stamp, str) else None


def _from_milliseconds(milliseconds: int) -> str | None:
    try:
        moment = datetime.fromtimestamp(milliseconds / 1000, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{milliseconds % 1000:03d}Z"


def _lines_of(message: str, line: int, timestamp: str | None) -> Iterator[Record]:
    """A message can hold a whole multi-line report (PostgreSQL logs exported by RDS)."""
    if "\n" not in message:
        yield message.rstrip("\r"), line, timestamp
        return
    for part in message.rstrip("\n").split("\n"):
        yield part.rstrip("\r"), line, timestamp


def insights_header(line: str) -> bool:
    """Whether a CSV header row is a Logs Insights export's."""
    return "@message" in line and "," in line


def csv_export_records(lines: Iterator[str], problems: Problems) -> Iterator[Record]:
    """The log lines of a Logs Insights CSV export (header row first)."""
    records = csv_records(lines, problems)
    header = next(records, None)
    if header is None:
        return
    names = [name.strip() for name in header[1]]
    if "@message" not in names:
        problems.add(header[0], "the header row has no @message column: nothing was read")
        return
    message_at = names.index("@message")
    time_at = names.index("@timestamp") if "@timestamp" in names else None
    for number, fields in records:
        if len(fields) <= message_at:
            if fields and any(fields):
                problems.repeated("short row", number, "a row without a @message column: skipped")
            continue
        timestamp = fields[time_at] if time_at is not None and time_at < len(fields) and fields[time_at] else None
        yield from _lines_of(fields[message_at], number, timestamp)
