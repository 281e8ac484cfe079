"""F-strings too large for Python's own parser.

CPython parses the replacement fields of one f-string in time that grows with the square of their
number (3.10-3.12: 100,000 fields in one literal take 1-6 s and hundreds of MiB, and the file is
parsed twice). Real code holds a few fields per literal; a file holding thousands in one is
generated or hostile, and is reported instead of parsed.
"""

from __future__ import annotations

import re

MAX_FIELDS = 10_000

# Where a comment or a string literal may start; the prefix is read backwards from the quote.
_OPENING = re.compile(r"#|'''|\"\"\"|'|\"")
_PREFIX_LETTERS = frozenset("rRbBuUfF")
# What ends the search for a literal's closing quote: the quote, a backslash (which hides the next
# character, in raw literals too) or, for a one-line literal, the end of the line.
_STOPS = {
    quote: re.compile(re.escape(quote) + r"|\\" + ("" if len(quote) == 3 else r"|\n"))
    for quote in ("'''", '"""', "'", '"')
}


def crowded_fstring(source: str) -> tuple[int, int] | None:
    """The offset and field count of the first f-string literal in ``source`` with more than
    `MAX_FIELDS` replacement fields, or None. One forward pass, never going back."""
    if source.count("{") <= MAX_FIELDS:  # the common case costs one C-speed count
        return None
    position = 0
    while (opening := _OPENING.search(source, position)) is not None:
        if opening.group() == "#":
            end = source.find("\n", opening.end())
            position = len(source) if end < 0 else end + 1
            continue
        quote = opening.group()
        prefix = _prefix(source, opening.start())
        end = _literal_end(source, opening.end(), quote)
        if "f" in prefix.lower():
            body = source[opening.end():end]
            fields = body.count("{") - 2 * body.count("{{")
            if fields > MAX_FIELDS:
                return opening.start() - len(prefix), fields
        position = end + len(quote)
    return None


def _prefix(source: str, quote_at: int) -> str:
    start = quote_at
    while start > quote_at - 2 and start > 0 and source[start - 1] in _PREFIX_LETTERS:
        start -= 1
    if start > 0 and (source[start - 1].isalnum() or source[start - 1] == "_"):
        return ""  # the letters end a name (`elif'x'`), they prefix nothing
    return source[start:quote_at]


def _literal_end(source: str, start: int, quote: str) -> int:
    """Where the closing ``quote`` of a literal whose body starts at ``start`` begins (the end of
    the line or of the source for one left open)."""
    position = start
    while (stop := _STOPS[quote].search(source, position)) is not None:
        if stop.group() == "\\":
            position = stop.end() + 1
            continue
        return stop.start()
    return len(source)
