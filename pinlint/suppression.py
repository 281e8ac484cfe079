"""Suppression comments in Python and SQL, and which of them were used.

Python: `# noqa: PIN101` (flake8 semantics: anywhere on the logical line),
`# pinlint: ignore[PIN101, session-set] -- reason`, `# pinlint: file-ignore[...]`.
SQL (files and Python strings): `-- pinlint: ignore[...]` on the statement or on its own line
above it, `-- pinlint: file-ignore[...]`. A bare `# noqa` is flake8's business, not ours: it
would hide every future pinning finding on the line without saying which.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import NamedTuple

from pinlint.reading import source_lines
from pinlint.rules import BY_NAME

# What every suppression comment holds (case aside): a file without it needs no tokenizing.
_MAY_SUPPRESS = re.compile(r"pinlint\s*:|noqa\s*:", re.IGNORECASE)
NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)", re.IGNORECASE)
# A directive's items run to the first `]` after it: found apart, or every `[` without one would
# scan the rest of the comment again.
_DIRECTIVE = re.compile(r"pinlint\s*:\s*(?P<kind>ignore|file-ignore)\s*\[", re.IGNORECASE)


class Directive(NamedTuple):
    """The `pinlint: ignore[...]` or `file-ignore[...]` a comment holds (its first: only that one is read)."""

    file_level: bool
    selectors: tuple[str, ...]
    close: int  # where its `]` is in the comment; -1 when it has none (and it is not read)


@dataclass
class Suppression:
    selectors: tuple[str, ...]  # codes (or code prefixes) as upper-case strings
    file_level: bool
    first_line: int  # lines (of the Python file or the SQL text) the suppression covers
    last_line: int
    row: int = 0  # where an unused suppression is reported, in file coordinates
    col: int = 0
    used: set[str] = field(default_factory=set)

    def covers(self, code: str, line: int) -> bool:
        if not (self.file_level or self.first_line <= line <= self.last_line):
            return False
        matched = [s for s in self.selectors if code.startswith(s)]
        self.used.update(matched)
        return bool(matched)


class Coverage:
    """Which suppression covers a finding: the first one, in the order given, whose lines hold the
    finding's and one of whose selectors its code starts with (and only that one is marked used).
    Indexed by line and selector, so that many findings against many suppressions cost no more
    than their number."""

    def __init__(self, suppressions: list[Suppression]) -> None:
        self._suppressions = suppressions
        self._file_level: dict[str, list[int]] = {}  # selector: indexes, rising
        by_lines: dict[tuple[int, int], dict[str, list[int]]] = {}
        for index, suppression in enumerate(suppressions):
            if suppression.file_level:
                by_selector = self._file_level
            else:
                by_selector = by_lines.setdefault((suppression.first_line, suppression.last_line), {})
            for selector in suppression.selectors:
                by_selector.setdefault(selector, []).append(index)
        # Each distinct range of lines is listed once per line: ranges are logical lines and the
        # statements inside their strings, so they add up to a few times the file's lines at most.
        self._by_line: dict[int, list[dict[str, list[int]]]] = {}
        for (first, last), by_selector in by_lines.items():
            for line in range(first, last + 1):
                self._by_line.setdefault(line, []).append(by_selector)

    def covers(self, code: str, line: int) -> bool:
        """Whether a suppression covers ``code`` on ``line``; that one is marked used."""
        prefixes = [code[:size] for size in range(len(code) + 1)]
        first = min(
            (
                indexes[0]
                for by_selector in (self._file_level, *self._by_line.get(line, ()))
                for prefix in prefixes
                if (indexes := by_selector.get(prefix))
            ),
            default=None,
        )
        return first is not None and self._suppressions[first].covers(code, line)


def parse_selectors(items: str) -> tuple[str, ...]:
    """`PIN101, session-set` -> ("PIN101", "PIN101"); unknown names are kept to be reported."""
    selectors = []
    for item in re.split(r"[\s,]+", items.strip()):
        if not item:
            continue
        rule = BY_NAME.get(item.lower())
        selectors.append(rule.code if rule else item.upper())
    return tuple(dict.fromkeys(selectors))


def find_directive(comment: str) -> Directive | None:
    """The directive in a comment, if any: the one that is read, or that stops a later one being read."""
    match = _DIRECTIVE.search(comment)
    if not match:
        return None
    end = comment.find("]", match.end())
    if end < 0:
        return Directive(match.group("kind").lower() == "file-ignore", (), -1)  # no later one has a `]` either
    return Directive(match.group("kind").lower() == "file-ignore", parse_selectors(comment[match.end() : end]), end)


def directive_in(comment: str) -> tuple[bool, tuple[str, ...]] | None:
    """(file_level, selectors) of a `pinlint: ignore[...]` directive in a comment, if any."""
    found = find_directive(comment)
    return None if found is None or found.close < 0 else (found.file_level, found.selectors)


def python_suppressions(source: str) -> list[Suppression]:
    """Suppressions in a Python module, each covering the logical line its comment is on."""
    if not _MAY_SUPPRESS.search(source):
        return []  # spare the tokenizer
    found = []
    for row, col, text, (first, last) in _python_comments(source):
        directive = directive_in(text)
        if directive:
            file_level, selectors = directive
            found.append(Suppression(selectors, file_level, first, last, row, col))
        noqa = NOQA.search(text)
        if noqa:
            codes = tuple(c.upper() for c in re.split(r"[\s,]+", noqa.group("codes")) if c.upper().startswith("PIN"))
            if codes:
                found.append(Suppression(codes, False, first, last, row, col + noqa.start()))
    return found


def _python_comments(source: str):
    """(row, col, text, logical-line range) of every comment, via the stdlib tokenizer."""
    comments = []
    logical_start = None
    pending = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                pending.append(token)
                if logical_start is None:  # a comment on a line of its own
                    row = token.start[0]
                    comments.append((row, token.start[1] + 1, token.string, (row, row)))
                    pending.pop()
            elif token.type == tokenize.NEWLINE:
                first = logical_start or token.start[0]
                for comment in pending:
                    comments.append((comment.start[0], comment.start[1] + 1, comment.string, (first, token.start[0])))
                pending, logical_start = [], None
            elif token.type not in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER):
                if logical_start is None:
                    logical_start = token.start[0]
    except (tokenize.TokenError, SyntaxError):
        # Fall back to one line per comment; the file parsed, so this only loses multi-line spans.
        comments = [
            (row, m.start() + 1, m.group(), (row, row))
            for row, line in enumerate(source_lines(source), 1)
            for m in re.finditer(r"#.*$", line)
        ]
    for comment in pending:
        row = comment.start[0]
        comments.append((row, comment.start[1] + 1, comment.string, (logical_start or row, row)))
    return comments


_CONFIG_COMMENT = re.compile(r"(^|\s)[#;!]")


def config_suppressions(text: str) -> list[Suppression]:
    """Suppressions in a config file's `#`/`;` comments: a trailing one covers its own line, one on
    a line of its own covers the next line."""
    found = []
    for row, line in enumerate(source_lines(text), 1):
        comment = _CONFIG_COMMENT.search(line)
        if comment is None:
            continue
        directive = directive_in(line[comment.end():])
        if directive is None:
            continue
        file_level, selectors = directive
        covered = row + 1 if not line[: comment.start()].strip() else row
        found.append(Suppression(selectors, file_level, covered, covered, row, comment.end()))
    return found
