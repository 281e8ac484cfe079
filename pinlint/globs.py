"""Gitignore patterns, matched the way git matches them, in time bounded by pattern × path.

Translating globs into regular expressions (as pathspec does) lets a stranger's `.gitignore` line
such as `*a*a*a*a*a*a*b` backtrack for hours on one long file name. Here a name is matched by
the classic wildcard scan, which only ever returns to the last `*`, and a path by the same scan
over its components, which only ever returns to the last `**`.

The syntax is git's (gitignore(5), wildmatch): `#` comments, `!` negation, `\\` escapes, trailing
spaces dropped unless escaped, a trailing `/` for directories only, a `/` anywhere else anchoring
the pattern to its directory, `*`, `?`, bracket expressions with ranges and `[:class:]`, and `**`
as a whole component. As in git, a path inside an ignored directory is ignored whatever the
later lines say. Lines git would treat as matching nothing, and that no one writes on purpose
(`[z-a]`, a trailing backslash, a lone `!`), raise `PatternError` so callers can say so.
"""

from __future__ import annotations

from dataclasses import dataclass

# Tokens of one path component's pattern: a literal character (a str of length 1), or one of:
_STAR = 0  # any run of characters
_ANY = 1  # any one character
# ...or a `_Bracket`. A pattern component is a tuple of tokens; a whole `**` component is:
_GLOBSTAR = None

_CLASSES = {
    "alnum": str.isalnum, "alpha": str.isalpha, "blank": lambda c: c in " \t", "cntrl": lambda c: ord(c) < 32 or c == "\x7f",
    "digit": str.isdigit, "graph": lambda c: c.isprintable() and c != " ", "lower": str.islower,
    "print": str.isprintable, "punct": lambda c: c.isprintable() and not c.isalnum() and c != " ",
    "space": str.isspace, "upper": str.isupper, "xdigit": lambda c: c in "0123456789abcdefABCDEF",
}


class PatternError(ValueError):
    """A line that cannot be used as a pattern; the message says why."""


@dataclass(frozen=True)
class _Bracket:
    negated: bool
    characters: frozenset[str]
    ranges: tuple[tuple[str, str], ...]
    classes: tuple[str, ...]

    def matches(self, character: str) -> bool:
        found = (
            character in self.characters
            or any(low <= character <= high for low, high in self.ranges)
            or any(_CLASSES[name](character) for name in self.classes)
        )
        return found != self.negated


_NOTHING = _Bracket(False, frozenset(), (), ())  # what git makes of a bracket it cannot read


@dataclass(frozen=True)
class _Pattern:
    components: tuple
    negated: bool
    directories_only: bool


class GitIgnore:
    """The patterns of one `.gitignore` (or of exclude settings), in order."""

    def __init__(self, patterns: tuple[_Pattern, ...]) -> None:
        self._patterns = patterns

    @classmethod
    def from_lines(cls, lines) -> GitIgnore:
        """Raises PatternError for the first line that cannot be used."""
        return cls(tuple(p for p in map(_parse, lines) if p is not None))

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def verdict(self, path: str, is_dir: bool, named: int = 0) -> bool | None:
        """Whether ``path`` (POSIX, relative to the patterns' directory) is ignored (True),
        re-included by a negation (False), or not mentioned (None). Its first ``named``
        directories were named to pinlint, not found by it: they are not judged."""
        parts = path.strip("/").split("/")
        for depth in range(named + 1, len(parts)):
            if self._last_say(parts[:depth], True):
                return True  # git never looks inside an ignored directory
        return self._last_say(parts, is_dir)

    def match(self, path: str, is_dir: bool) -> bool:
        return self.verdict(path, is_dir) is True

    def _last_say(self, parts: list[str], is_dir: bool) -> bool | None:
        for pattern in reversed(self._patterns):
            if (is_dir or not pattern.directories_only) and _match_path(pattern.components, parts):
                return not pattern.negated
        return None


def _parse(line: str) -> _Pattern | None:
    line = _without_trailing_spaces(line)
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
        if not line:
            raise PatternError("a lone '!' negates nothing")
    directories_only = line.endswith("/") and not _escaped_at(line, len(line) - 1)
    if directories_only:
        line = line.rstrip("/")
    anchored = "/" in line
    components = [_component(text) for text in line.lstrip("/").split("/") if text]
    if not components:
        raise PatternError("it names no path")
    if components[-1] is _GLOBSTAR:  # `dir/**`: everything inside, but not `dir` itself
        components[-1:] = [(_STAR,), _GLOBSTAR]
    if not anchored and components[0] is not _GLOBSTAR:
        components.insert(0, _GLOBSTAR)
    return _Pattern(tuple(components), negated, directories_only)


def _without_trailing_spaces(line: str) -> str:
    end = len(line)
    while end and line[end - 1] == " " and not _escaped_at(line, end - 1):
        end -= 1
    return line[:end]


def _escaped_at(text: str, index: int) -> bool:
    """Whether the character at ``index`` follows an odd run of backslashes."""
    run = 0
    while index - run - 1 >= 0 and text[index - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _component(text: str):
    if text == "**":
        return _GLOBSTAR
    tokens: list = []
    index = 0
    while index < len(text):
        character = text[index]
        if character == "\\":
            if index + 1 == len(text):
                raise PatternError("it ends in a backslash")
            tokens.append(text[index + 1])
            index += 2
        elif character == "*":
            if not tokens or tokens[-1] is not _STAR:  # `**` inside a component is one `*`
                tokens.append(_STAR)
            index += 1
        elif character == "?":
            tokens.append(_ANY)
            index += 1
        elif character == "[":
            bracket, index = _bracket(text, index + 1)
            tokens.append(bracket)
        else:
            tokens.append(character)
            index += 1
    return tuple(tokens)


def _bracket(text: str, index: int) -> tuple[_Bracket, int]:
    """The bracket expression whose body starts at ``index``, and where the pattern goes on."""
    negated = index < len(text) and text[index] in "!^"
    index += negated
    characters, ranges, classes = set(), [], []
    first = True
    while index < len(text) and (first or text[index] != "]"):
        first = False
        if text.startswith("[:", index):
            end = text.find(":]", index + 2)
            if end < 0:
                return _NOTHING, len(text)
            name = text[index + 2:end]
            if name not in _CLASSES:
                return _NOTHING, len(text)  # git: an unknown class matches nothing
            classes.append(name)
            index = end + 2
            continue
        character, index = _bracket_character(text, index)
        if index + 1 < len(text) and text[index] == "-" and text[index + 1] != "]":
            high, index = _bracket_character(text, index + 1)
            if high < character:
                raise PatternError(f"bad character range {f'{character}-{high}'!r}")  # quoted: any character may be there
            ranges.append((character, high))
        else:
            characters.add(character)
    if index >= len(text):
        return _NOTHING, len(text)  # never closed: git matches nothing
    return _Bracket(negated, frozenset(characters), tuple(ranges), tuple(classes)), index + 1


def _bracket_character(text: str, index: int) -> tuple[str, int]:
    if text[index] == "\\":
        if index + 1 == len(text):
            raise PatternError("it ends in a backslash")
        return text[index + 1], index + 2
    return text[index], index + 1


def _match_path(components: tuple, parts: list[str]) -> bool:
    """Components against path parts; `**` takes any number of parts. A last component that is
    not `**` must match the last part: most paths fail there, at the cost of one name (an
    unanchored pattern would otherwise be tried against every part of a deep path)."""
    if components[-1] is not _GLOBSTAR and not _match_name(components[-1], parts[-1]):
        return False
    return _scan(components, parts, _GLOBSTAR, _match_name)


def _match_name(tokens: tuple, name: str) -> bool:
    """One component's tokens against one name, one character at a time."""
    return _scan(tokens, name, _STAR, _matches_character)


def _matches_character(token, character: str) -> bool:
    return token == character or token is _ANY or (isinstance(token, _Bracket) and token.matches(character))


def _scan(pattern, items, star, matches) -> bool:
    """The classic wildcard scan: each ``star`` takes any run of ``items``, every other element
    of ``pattern`` one item it ``matches``. On a mismatch the scan returns only to the last star,
    giving it one more item, so it takes at most len(pattern) x len(items) steps."""
    i = k = 0
    star_i = star_k = -1
    while k < len(items):
        if i < len(pattern) and pattern[i] is star:
            star_i, star_k = i, k
            i += 1
        elif i < len(pattern) and matches(pattern[i], items[k]):
            i += 1
            k += 1
        elif star_i >= 0:
            star_k += 1
            i, k = star_i + 1, star_k
        else:
            return False
    while i < len(pattern) and pattern[i] is star:
        i += 1
    return i == len(pattern)
