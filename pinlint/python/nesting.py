"""How deep brackets nest in Python source, read as Python 3.12 and later tokenize it (PEP 701).

CPython refuses source whose brackets nest more than 200 deep (its tokenizer's `MAXLEVEL`, in
every version; an f-string's replacement field is a bracket since 3.12), and pinlint relies on
that: libcst's parser takes time and memory that grow with the square of the depth (2,000
nested calls: minutes and gigabytes). Source the running Python refuses, yet that may be newer
syntax, is measured here before libcst is given it.

One pass, without backtracking: strings are skipped (their brackets do not count), except for the
replacement fields of f-strings and t-strings, which count as brackets whatever their quotes,
and hold code of their own (strings, comments, other f-strings) up to their closing brace or
format specifier. Source that ends inside a string is measured up to there.
"""

from __future__ import annotations

import re

MAX_DEPTH = 200  # CPython's

_CODE = re.compile(r"[()\[\]{}#'\"]")
_FIELD_CODE = re.compile(r"[()\[\]{}#'\":]")  # a field's own `:` starts its format specifier
_OPENERS = frozenset("([{")
_PREFIX_LETTERS = frozenset("rRbBuUfFtT")
_STRING_END = {
    quote: re.compile(r"\\.|" + re.escape(quote) + ("" if len(quote) == 3 else r"|\n"), re.DOTALL)
    for quote in ("'''", '"""', "'", '"')
}


def _literal(quote: str, raw: bool, spec: bool) -> re.Pattern:
    """What matters in an f-string's literal text: an escape (`\\N{...}` names a character unless
    the literal is raw), a brace (doubled, one that stands for itself, except in a format
    specifier) or the literal's end."""
    escapes = r"\\[^{}]|" if raw else r"\\N\{[^{}\n]{0,200}\}|\\[^{}]|"
    doubled = "" if spec else r"\{\{|\}\}|"
    return re.compile(escapes + doubled + "[{}]|" + re.escape(quote) + ("" if len(quote) == 3 else r"|\n"))


_LITERALS = {
    (quote, raw, spec): _literal(quote, raw, spec)
    for quote in ("'''", '"""', "'", '"') for raw in (False, True) for spec in (False, True)
}

# What each frame of the stack is: an open bracket; a formatted literal's text, or a field's
# format specifier (both literal text, with the literal's quote and rawness); a field's code.
_BRACKET, _LITERAL_TEXT, _SPEC, _FIELD = range(4)


def nests_deeper_than(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether brackets (replacement fields included) nest more than ``limit`` deep in ``text``."""
    stack: list[tuple[int, str, bool]] = []
    depth = 0  # the brackets, fields and format specifiers open
    position = 0
    size = len(text)
    while position < size:
        kind, quote, raw = stack[-1] if stack else (_BRACKET, "", False)
        if kind in (_LITERAL_TEXT, _SPEC):
            match = _LITERALS[quote, raw, kind == _SPEC].search(text, position)
            if match is None or match.group() == "\n":
                return False  # an unterminated literal: the tokenizer stops there
            token = match.group()
            position = match.end()
            if token == "{":
                stack.append((_FIELD, quote, raw))
                depth += 1
                if depth > limit:
                    return True
            elif token == "}" and kind == _SPEC:
                stack.pop()
                depth -= 1
            elif token == quote:
                if kind == _SPEC:
                    return False  # the literal ends inside a field: an error where it stands
                stack.pop()
            continue
        match = (_FIELD_CODE if kind == _FIELD else _CODE).search(text, position)
        if match is None:
            return False
        token = match.group()
        position = match.end()
        if token == "#":
            newline = text.find("\n", position)
            position = size if newline < 0 else newline + 1
        elif token in "'\"":
            quote = text[match.start():match.start() + 3] if text.startswith(token * 3, match.start()) else token
            position = match.start() + len(quote)
            prefix = _prefix(text, match.start()).lower()
            if "f" in prefix or "t" in prefix:
                stack.append((_LITERAL_TEXT, quote, "r" in prefix))
                continue
            end = _string_end(text, position, quote)
            if end < 0:
                return False
            position = end
        elif token == ":":  # a field's format specifier: literal text in the field's f-string
            stack[-1] = (_SPEC, quote, raw)
        elif token in _OPENERS:
            stack.append((_BRACKET, "", False))
            depth += 1
            if depth > limit:
                return True
        elif stack:  # a closing bracket, or the brace that ends a field
            stack.pop()
            depth -= 1
    return False


def _prefix(text: str, quote_at: int) -> str:
    """The letters that prefix the string whose quote is at ``quote_at``; none when they end a
    name or keyword (`in"abc"`, `elif'x'`)."""
    start = quote_at
    while start > quote_at - 2 and start > 0 and text[start - 1] in _PREFIX_LETTERS:
        start -= 1
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return ""
    return text[start:quote_at]


def _string_end(text: str, position: int, quote: str) -> int:
    """Where a plain string whose body starts at ``position`` ends; -1 when it does not."""
    pattern = _STRING_END[quote]
    while (match := pattern.search(text, position)) is not None:
        if match.group() == quote:
            return match.end()
        if match.group() == "\n":
            return -1
        position = match.end()
    return -1
