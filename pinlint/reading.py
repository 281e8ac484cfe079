"""Read a file that someone else controls: never block, never read without limit.

A tree under review can hold a named pipe called `y.py` (opening it waits for a writer that never
comes) or a link `z.py -> /dev/zero` (reading it never ends). Only regular files are read: the
path is looked at before it is opened, so a device is never even opened; it is opened with
O_NONBLOCK, so a pipe swapped in meanwhile cannot block; the opened descriptor is checked again;
and no more than the limit plus one byte is read, so a file that grows while it is read is still
bounded.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class NotRegularFile(OSError):
    """The path is something other than a regular file (a pipe, a device, ...)."""

    def __init__(self, path: Path | str, mode: int) -> None:
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        super().__init__(errno.EINVAL, f"it is {kind}, not a regular file", os.fspath(path))


def file_stamp(path: Path | str) -> tuple[int, int] | None:
    """A file's modification time and size (None when it cannot be looked at): what is remembered
    of a file read before is keyed by them, so an edited file is read again."""
    try:
        stat_result = os.stat(path)
    except OSError:
        return None
    return stat_result.st_mtime_ns, stat_result.st_size


def file_stamps(paths) -> tuple[tuple[int, int] | None, ...]:
    """`file_stamp` of each of ``paths``: the key under which what was read of them is remembered."""
    return tuple(file_stamp(path) for path in paths)


def read_regular_file(path: Path | str, limit: int, follow_links: bool = True) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` + 1 of them: a result longer
    than ``limit`` means the file is larger. Raises OSError when it cannot be read, NotRegularFile
    when it is not a regular file (or, unless ``follow_links``, when it is a link)."""
    mode = (os.stat if follow_links else os.lstat)(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, mode)
    descriptor = os.open(path, _FLAGS if follow_links else _FLAGS | getattr(os, "O_NOFOLLOW", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, mode)
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(descriptor, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def read_regular_text(path: Path | str, limit: int, what: str = "file") -> str:
    """The UTF-8 text of a small regular file; OSError (with a message that says why) when it
    cannot be read, is not a regular file, is larger than ``limit`` or is not UTF-8."""
    data = read_regular_file(path, limit)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"the {what} is larger than {_size(limit)}", os.fspath(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise OSError(errno.EINVAL, f"the {what} is not UTF-8 ({error.reason} at byte {error.start})", os.fspath(path)) from None


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 2**10} KiB"


# Python, PostgreSQL and the config readers end a line at \n, \r\n or \r only; str.splitlines()
# also ends one at \f, \v, \x1c-\x1e, \x85, U+2028 and U+2029, which would shift every later row.
_LINE_BREAK = re.compile(r"\r\n?|\n")


def source_lines(text: str) -> list[str]:
    """The rows of ``text`` as findings count them (row n is item n - 1)."""
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines
