"""Open a log however it was stored and read it in bounded pieces.

Logs come from strangers' machines and can be anything: compressed, cut off, not UTF-8, one line of
a gigabyte. A log is opened by its content (gzip, bzip2 and xz by their magic bytes, never by the
name), read line by line with no more than `LINE_LIMIT` bytes of a line ever held (the rest of a
longer line is read and dropped), decoded as UTF-8 with undecodable bytes replaced, and every such
repair is said once per file through `Problems`, which never stops the reading.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import lzma
import os
import re
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

# What is kept of one line; a longer line keeps its first LINE_LIMIT bytes. Generous: a statement
# with a long IN list is legitimately megabytes long.
LINE_LIMIT = 8 << 20
# Bytes read from the file at a time.
CHUNK = 1 << 20

# What a damaged compressed stream raises part-way through.
DAMAGED = (OSError, EOFError, zlib.error, lzma.LZMAError)

_COMPRESSED = (  # gzip, bzip2, xz
    (b"\x1f\x8b", lambda raw: gzip.GzipFile(fileobj=raw, mode="rb")),
    (b"BZh", lambda raw: bz2.BZ2File(raw, mode="rb")),
    (b"\xfd7zXZ\x00", lambda raw: lzma.LZMAFile(raw, mode="rb")),
)
# Formats pinlint does not decompress, so the user hears why instead of a list of junk lines.
_UNREAD = ((b"\x28\xb5\x2f\xfd", "zstd", "zstd -d"), (b"PK\x03\x04", "zip", "unzip"), (b"\x04\x22\x4d\x18", "lz4", "lz4 -d"))


class LogReadError(Exception):
    """A log that cannot be read at all; the message says why (and becomes its `LogProblem`)."""


@dataclass(frozen=True)
class LogProblem:
    """Something a reader repaired, skipped or could not read; the reading went on."""

    filename: str
    line: int  # 0 when it concerns the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}: {self.message}" if self.line else f"{self.filename}: {self.message}"


class Problems:
    """The problems of one file. Repairs that can repeat on every line (undecodable bytes, long
    lines, junk) are said once with the first line they happened on and a count at the end."""

    def __init__(self, filename: str, sink: list[LogProblem] | None) -> None:
        self.filename = filename
        self._sink = sink
        self._repeated: dict[str, list] = {}  # what -> [first line, count, message]

    def add(self, line: int, message: str) -> None:
        if self._sink is not None:
            self._sink.append(LogProblem(self.filename, line, message))

    def repeated(self, what: str, line: int, message: str) -> None:
        seen = self._repeated.get(what)
        if seen is None:
            self._repeated[what] = [line, 1, message]
        else:
            seen[1] += 1

    def finish(self) -> None:
        for line, count, message in self._repeated.values():
            self.add(line, message if count == 1 else f"{message} (and {count - 1} more like it)")
        self._repeated.clear()


@contextmanager
def open_log(path: str) -> Iterator[BinaryIO]:
    """The decompressed bytes of the log at ``path`` ("-" for standard input). Raises
    LogReadError when it cannot be read."""
    if path == "-":
        if sys.stdin is None:
            raise LogReadError("there is no standard input to read")
        raw = sys.stdin.buffer
        owned = False
    else:
        if os.path.isdir(path):
            raise LogReadError("it is a directory, not a log file")
        try:
            raw = open(path, "rb", buffering=CHUNK)  # noqa: SIM115 - closed below
        except OSError as error:
            raise LogReadError(f"cannot be read: {error.strerror or error}") from None
        owned = True
    try:
        try:
            magic = raw.peek(8)[:8]
        except OSError as error:
            raise LogReadError(f"cannot be read: {error.strerror or error}") from None
        for signature, opener in _COMPRESSED:
            if magic.startswith(signature):
                with opener(raw) as decompressed:
                    yield decompressed
                return
        for signature, name, command in _UNREAD:
            if magic.startswith(signature):
                raise LogReadError(f"it is compressed with {name}, which pinlint does not read: decompress it first ({command})")
        yield raw
    finally:
        if owned:
            raw.close()


def peek_text(stream: BinaryIO, size: int = 1 << 16) -> str:
    """The first bytes of ``stream`` (without consuming them) as text, without a byte order mark."""
    try:
        head = stream.peek(size)[:size]
    except DAMAGED:
        return ""
    return head.decode("utf-8", "replace").lstrip("\ufeff")


def bounded_lines(stream: BinaryIO, problems: Problems) -> Iterator[str]:
    """Every line of ``stream`` without its line ending, at most `LINE_LIMIT` bytes of each. A
    damaged compressed stream ends the lines with a problem where it broke."""
    for block in line_blocks(stream, problems):
        yield from block_lines(block)


def line_blocks(stream: BinaryIO, problems: Problems) -> Iterator[bytes | list[str]]:
    """The lines of ``stream`` in blocks of about `CHUNK` bytes, so that a reader can look at a
    block at once: the bytes of whole lines (each with its line break, but for the last line of
    the file) when they are UTF-8 and none is `LINE_LIMIT` bytes long, else the block's lines as
    text, repaired (undecodable bytes replaced, a long line kept up to `LINE_LIMIT` bytes and the
    rest of it read and dropped) and each repair said through ``problems``."""
    number = 1  # the first line of the next block
    parts: list[bytes] = []  # the start of a line that has no line break yet
    size = 0
    try:
        if stream.peek(3)[:3] == b"\xef\xbb\xbf":
            stream.read(3)
        read = getattr(stream, "read1", stream.read)
        while data := read(CHUNK):
            end = data.rfind(b"\n") + 1
            if end == 0:  # no line ends in it: keep it (in parts, never copied again) until one does
                parts.append(data)
                size += len(data)
                if size >= LINE_LIMIT:
                    line = b"".join(parts)[:LINE_LIMIT]
                    parts, size = [], 0
                    yield [_long_line(line, number, problems)]
                    number += 1
                    rest = _drop_line(read)
                    if rest:
                        parts, size = [rest], len(rest)
                continue
            if parts:
                data = b"".join((*parts, data))
                end += size
                parts, size = [], 0
            first = data.find(b"\n")
            if first >= LINE_LIMIT:  # a long line that ends here
                yield [_long_line(data[:LINE_LIMIT], number, problems)]
                number += 1
                data, end = data[first + 1:], end - first - 1
            if end < len(data):
                parts, size = [data[end:]], len(data) - end
                data = data[:end]
            if data:
                yield _checked(data, number, problems)
                number += data.count(b"\n")
        if parts:
            yield _checked(b"".join(parts), number, problems)
    except DAMAGED as error:
        problems.add(number, f"the file is damaged from here on and was read no further ({_why(error)})")


def block_lines(block: bytes | list[str]) -> list[str]:
    """The lines of a block of `line_blocks`, without their line endings."""
    if isinstance(block, list):
        return block
    text = block.decode("utf-8")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines] if "\r" in text else lines


def line_text(line: bytes) -> str:
    """One line of a block of `line_blocks`, without its line ending."""
    return line.decode("utf-8").rstrip("\r\n")


def _checked(block: bytes, number: int, problems: Problems) -> bytes | list[str]:
    """``block`` when it is UTF-8, else its lines with undecodable bytes replaced."""
    if block.isascii():
        return block
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return block
    lines = []
    for at, raw in enumerate(block.removesuffix(b"\n").split(b"\n"), number):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            problems.repeated("undecodable", at, "bytes that are not UTF-8 were replaced with U+FFFD")
        lines.append(text.rstrip("\r"))
    return lines


def _long_line(line: bytes, number: int, problems: Problems) -> str:
    problems.repeated("long line", number, f"a line longer than {LINE_LIMIT >> 20} MiB: only its first {LINE_LIMIT >> 20} MiB were read")
    return line.decode("utf-8", "replace")


def _drop_line(read) -> bytes:
    """Read the rest of a line and drop it; what follows its line break."""
    while data := read(CHUNK):
        end = data.find(b"\n")
        if end >= 0:
            return data[end + 1:]
    return b""


def _why(error: BaseException) -> str:
    if isinstance(error, EOFError):
        return "it ends in the middle of its compressed data"
    return str(error) or type(error).__name__


def csv_records(lines: Iterator[str], problems: Problems) -> Iterator[tuple[int, list[str]]]:
    """(first line, fields) of each CSV record; a quoted field may hold line breaks. A record that
    grows past `LINE_LIMIT` (a quote that never closes) is dropped with a problem, and reading
    starts again at the next line."""
    parts: list[str] = []
    size = 0
    quoted = False
    start = 0
    for number, line in enumerate(lines, 1):
        if not parts:
            start = number
        if line.count('"') % 2:
            quoted = not quoted
        size += len(line) + 1
        if size > LINE_LIMIT:
            problems.repeated(
                "open quote", start, f"a CSV record longer than {LINE_LIMIT >> 20} MiB (a quote that never closes?) was skipped"
            )
            parts, size, quoted = [], 0, False
            continue
        parts.append(line)
        if quoted:
            continue
        record = parts[0] if len(parts) == 1 else "\n".join(parts)
        parts, size = [], 0
        yield start, split_csv(record)
    if parts:
        problems.add(start, "the last CSV record ends inside a quoted field: skipped")


_CSV_FIELD = re.compile(r'"([^"]*(?:""[^"]*)*)"|([^,"]*)')


def split_csv(record: str) -> list[str]:
    """The fields of one CSV record (RFC 4180: `"` quotes, `""` inside quotes is one `"`). A
    stray quote in an unquoted field is kept as text."""
    if len(record) <= csv.field_size_limit():  # no field can be too long for the csv module
        try:
            return next(csv.reader((record,)))
        except (csv.Error, StopIteration):
            pass
    fields = []
    at, end = 0, len(record)
    while True:
        field = _CSV_FIELD.match(record, at)
        quoted, plain = field.groups()
        at = field.end()
        if quoted is not None and (at >= end or record[at] == ","):
            fields.append(quoted.replace('""', '"'))
        else:
            comma = record.find(",", at)
            comma = end if comma < 0 else comma
            fields.append(record[field.start():comma] if quoted is not None else plain + record[at:comma])
            at = comma
        if at >= end:
            return fields
        at += 1
