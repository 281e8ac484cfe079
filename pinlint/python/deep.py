"""Run libcst where deep input cannot crash the process.

libcst's native parser recurses once per nesting level (each term of an `a and b and ...`
chain is one), and so do the visitors that walk its trees. On the main thread's 8 MiB C stack
about 8,000 terms overflow it and the process dies of SIGSEGV, which no `except` catches. On a
thread of its own with a large stack the same code runs: the stack is reserved, not allocated,
so only the depth actually reached costs memory.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable, TypeVar

Result = TypeVar("Result")

# libcst's native parser takes about 1 KiB of C stack per level. The engine hands it at most
# MAX_ANALYSED_CHARACTERS (1 Mi) of source, and a level takes at least 4 of them (`1or `), so at
# most 256 Ki levels: 256 MiB of stack. Four times that is the margin.
STACK_BYTES = 1024 * 1024 * 1024

# Python frames that recurse through C (libcst's visitors do) also take C stack: a few KiB each
# at worst, so this many fit in the large stack. Beyond it a RecursionError is raised, and caught.
RECURSION_LIMIT = 100_000


def on_large_stack(function: Callable[..., Result], *args) -> Result:
    """``function(*args)`` on a thread with a large C stack and recursion limit; its exception is
    raised here. Where no such thread can be made (a tight address-space limit), it runs here."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as error:  # handed to the caller's thread, which decides
            outcome.append((False, error))

    previous_limit = sys.getrecursionlimit()
    try:
        previous_size = threading.stack_size(STACK_BYTES)
    except (ValueError, RuntimeError):  # the platform refuses the size
        return function(*args)
    try:
        # A daemon, so that Ctrl-C in the waiting thread ends the process without waiting for it.
        thread = threading.Thread(target=run, name="pinlint-large-stack", daemon=True)
        sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))
        try:
            thread.start()
        except RuntimeError:  # no room for the stack
            sys.setrecursionlimit(previous_limit)
            return function(*args)
    finally:
        threading.stack_size(previous_size)
    try:
        thread.join()
    finally:
        sys.setrecursionlimit(previous_limit)
    succeeded, value = outcome[0]
    if succeeded:
        return value
    raise value


# libcst refuses an implicit concatenation of more than 3,000 literals ("shorter concatenated
# string"), which a long SQL query written one line per literal can reach.
_LIBCST_MAX_PARTS = 3000
_PARTS_PER_GROUP = 2000


def split_long_concatenations(text: str) -> str:
    """``text`` with every implicit concatenation of more than libcst's limit of literals cut
    into groups joined by `+`: the same string for the analysis (it composes `+` of literals),
    and the same length and line breaks, as the `+` replaces a blank between two literals, so
    every position stays where it was. A cut with no blank to replace is left out."""
    import io
    import tokenize

    line_starts = [0]
    lines = io.StringIO(text)

    def readline() -> str:
        line = lines.readline()
        line_starts.append(line_starts[-1] + len(line))
        return line

    def offset(position: tuple[int, int]) -> int:
        row, col = position
        return line_starts[row - 1] + col

    cuts: list[int | None] = []  # where `+` goes
    run_cuts: list[int | None] = []  # the current run's, kept if it turns out longer than the limit
    parts = 0  # literals in the current run
    last_end = 0  # where the run's last literal ends
    depth = 0  # inside an f-string's tokens (Python 3.12 and later split them up)
    try:
        for token in tokenize.generate_tokens(readline):
            kind = tokenize.tok_name[token.type]
            if depth:
                depth += {"FSTRING_START": 1, "FSTRING_END": -1}.get(kind, 0)
                if not depth:
                    last_end = offset(token.end)
            elif kind in ("STRING", "FSTRING_START"):
                if parts and parts % _PARTS_PER_GROUP == 0:
                    run_cuts.append(_blank_between(text, last_end, offset(token.start)))
                parts += 1
                depth = int(kind == "FSTRING_START")
                last_end = offset(token.end)
            elif kind not in ("NL", "COMMENT"):
                if parts > _LIBCST_MAX_PARTS:
                    cuts.extend(run_cuts)
                parts, run_cuts = 0, []
    except (tokenize.TokenError, SyntaxError):
        return text
    chars = list(text)
    for cut in cuts:
        if cut is not None:
            chars[cut] = "+"
    return "".join(chars) if cuts else text


def _blank_between(text: str, start: int, end: int) -> int | None:
    """The first space or tab between two literals, outside a comment."""
    in_comment = False
    for index in range(start, end):
        char = text[index]
        if char == "#":
            in_comment = True
        elif char in "\r\n":
            in_comment = False
        elif char in " \t" and not in_comment:
            return index
    return None
