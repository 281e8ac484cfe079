"""Python source cut into logical lines by one regular expression, without Python's parser.

The first pass must look at the strings on a few lines of a file; parsing the whole file into an
`ast` tree for that costs several times more than cutting it into logical lines (statements, or
a compound statement's header) and parsing only those. A logical line ends at a line break that
is outside brackets, strings and comments and not escaped by a backslash: the same rule as
Python's tokenizer, for source that Python accepts (whether it does is checked apart).

Until Python 3.12 a string's end is found by its quotes alone. Since then (PEP 701) an f-string's
fields may hold strings in the same quotes, comments and line breaks; sources with f-strings are
not cut there. Brackets are followed twelve deep; deeper ones (a JSON schema written out) are
not cut either. Before Python 3.11 `re` has no possessive quantifiers, without which this
expression backtracks exponentially: sources are not cut there, and the first pass parses them whole.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache

_STRING = (
    r"'''[^'\\]*+(?:(?:\\.|'(?!''))[^'\\]*+)*+'''"
    r'|"""[^"\\]*+(?:(?:\\.|"(?!""))[^"\\]*+)*+"""'
    r"|'[^'\\\r\n]*+(?:\\(?:\r\n|.)[^'\\\r\n]*+)*+'"
    r'|"[^"\\\r\n]*+(?:\\(?:\r\n|.)[^"\\\r\n]*+)*+"'
)
_COMMENT = r"\#[^\r\n]*+"
_CONTINUATION = r"\\(?:\r\n|\r|\n)"
_BREAK = r"(?:\r\n|\r|\n)"
# Inside brackets a line break is whitespace; which closing bracket closes which opening one
# needs no checking in source that parses.
_IN_BRACKETS = rf"(?:[^\"'#\\()\[\]{{}}]++|{_STRING}|{_COMMENT}|{_CONTINUATION})"
_DEPTH = 12


def _bracketed(depth: int) -> str:
    group = rf"[(\[{{]{_IN_BRACKETS}*+[)\]}}]"
    for _ in range(depth - 1):
        group = rf"[(\[{{](?:{_IN_BRACKETS}|{group})*+[)\]}}]"
    return group


@lru_cache(maxsize=None)
def _logical_line() -> re.Pattern:
    """Compiled when first needed, as it takes milliseconds that most one-file runs need not
    spend. It is tried only where a physical line starts, so a line that cannot be matched (brackets
    nested too deep) leaves text uncovered instead of costing a try at each of its characters."""
    code = rf"(?:[^\"'#\\()\[\]{{}}\r\n]++|{_STRING}|{_COMMENT}|{_CONTINUATION}|{_bracketed(_DEPTH)})"
    return re.compile(rf"(?<![^\r\n])(?!\Z){code}*+(?:{_BREAK}|\Z)", re.DOTALL)


# An f-string (or a template string) prefix, wherever it stands: read past only before 3.12.
_FORMATTED = re.compile(r"(?<![\w])(?:[rRbB]?[fFtT]|[fFtT][rRbB])['\"]")


def logical_lines(text: str) -> list[str] | None:
    """``text`` cut after each logical line's line break (blank and comment-only lines are lines
    of their own), or None where that cannot be done by quotes and brackets alone."""
    if sys.version_info < (3, 11):
        return None
    if sys.version_info >= (3, 12) and _FORMATTED.search(text):
        return None
    lines = _logical_line().findall(text)
    if sum(map(len, lines)) != len(text):
        return None
    return lines
