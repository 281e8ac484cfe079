"""String values, with their key and position, from .env, .ini/.cfg, .toml, .yaml and .properties files.

Only extraction lives here: deciding whether a value is a connection setting is the caller's job.
A file the structured parser rejects (a Helm template, a `.cfg` that is not INI) is read by a
line scanner instead, so a connection string in a broken-but-readable file stays visible.
"""

from __future__ import annotations

import configparser
import re
import sys
from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from pinlint.reading import source_lines


@dataclass(frozen=True)
class ConfigValue:
    key: str  # the innermost key the value sits under, as written; "" for list items without one
    value: str  # decoded: quotes removed, escapes applied
    row: int  # 1-based line of the value's first character (the opening quote when quoted)
    col: int  # 1-based column of that character


CONFIG_FORMATS: dict[str, str] = {
    ".env": "env",
    ".ini": "ini",
    ".cfg": "ini",
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".properties": "properties",
}


def config_format(name: str) -> str | None:
    """The config format of a file name (a path is fine), or None.

    `.env`, `.env.<anything>` (`.env.local`, `.env.example`) and `<anything>.env` are "env";
    otherwise the case-insensitive suffix is looked up in CONFIG_FORMATS.
    """
    base = name.rsplit("/", 1)[-1].lower()
    if base.startswith(".env."):
        return "env"
    return next((fmt for suffix, fmt in CONFIG_FORMATS.items() if base.endswith(suffix)), None)


def read_config_values(text: str, fmt: str) -> list[ConfigValue]:
    """Every non-empty string value in the file, in file order.

    Never raises on bad input text; `fmt` must be one of CONFIG_FORMATS' values (else ValueError).
    """
    if fmt not in _READERS:
        raise ValueError(f"unknown config format {fmt!r}")
    text = _normalized(text)
    try:
        return _READERS[fmt](text)
    except _PARSE_ERRORS:
        return _scan_lines(text)


def config_lines(text: str) -> list[str]:
    """The file's lines as `ConfigValue.row` and `col` count them."""
    return source_lines(text.removeprefix("\ufeff"))


def _normalized(text: str) -> str:
    # One line-break form keeps rows identical for every reader; a BOM is not part of column 1.
    return _LINE_BREAK.sub("\n", text.removeprefix("\ufeff"))


_LINE_BREAK = re.compile(r"\r\n?")
# TOMLDecodeError, YAML errors (see `_yaml_values`) and UnicodeEncodeError (lone surrogates given
# to libyaml) are ValueErrors; deeply nested documents exhaust the recursion limit.
_PARSE_ERRORS = (ValueError, RecursionError, configparser.Error)


# --- .env -------------------------------------------------------------------------------------

_ENV_ASSIGNMENT = re.compile(r"^[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_][\w.-]*)[ \t]*=[ \t]*", re.MULTILINE)
_ENV_DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_ENV_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ENV_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "'": "'", "\\": "\\"}


def _env_values(text: str) -> list[ConfigValue]:
    """dotenv: quoted values may span lines, so the scan walks offsets rather than lines."""
    lines = _LineIndex(text)
    values = []
    offset = 0
    while match := _ENV_ASSIGNMENT.search(text, offset):
        start = match.end()
        value, end = _env_value(text, start)
        if value:
            values.append(ConfigValue(match["key"], value, *lines.position(start)))
        line_end = text.find("\n", end)
        offset = len(text) if line_end < 0 else line_end + 1
    return values


def _env_value(text: str, start: int) -> tuple[str, int]:
    """The decoded value starting at `start` and the offset where it ends."""
    quote = text[start:start + 1]
    if quote == "'" and (close := text.find("'", start + 1)) >= 0:
        return text[start + 1:close], close + 1
    if quote == '"' and (match := _ENV_DOUBLE_QUOTED.match(text, start)):
        return _ENV_ESCAPE.sub(lambda escape: _ENV_ESCAPES.get(escape[1], escape[0]), match[1]), match.end()
    # Unquoted, or a quote that never closes: the rest of the line up to a ` #` comment.
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    return _INLINE_COMMENT.split(text[start:line_end], 1)[0].rstrip(), line_end


# --- .properties ------------------------------------------------------------------------------

_PROPERTIES_BLANK = " \t\f"
_PROPERTIES_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))", re.DOTALL)
_PROPERTIES_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _properties_values(text: str) -> list[ConfigValue]:
    """java.util.Properties.load(): logical lines joined at odd trailing backslashes."""
    lines = text.split("\n")
    values = []
    row = 0
    while row < len(lines):
        content = lines[row].lstrip(_PROPERTIES_BLANK)
        row += 1
        if not content or content[0] in "#!":
            continue
        # The logical line, and the (row, col) each of its characters came from.
        logical: list[str] = []
        positions: list[tuple[int, int]] = []
        while True:
            first_col = len(lines[row - 1]) - len(content) + 1
            continued = (len(content) - len(content.rstrip("\\"))) % 2 == 1
            body = content[:-1] if continued else content
            logical.append(body)
            positions.extend((row, first_col + index) for index in range(len(body)))
            if not continued or row >= len(lines):
                break
            content = lines[row].lstrip(_PROPERTIES_BLANK)
            row += 1
        entry = "".join(logical)
        key_end = 0
        while key_end < len(entry) and entry[key_end] not in "=:" + _PROPERTIES_BLANK:
            key_end += 2 if entry[key_end] == "\\" else 1
        value_start = _skip_blanks(entry, key_end)
        if value_start < len(entry) and entry[value_start] in "=:":
            value_start = _skip_blanks(entry, value_start + 1)
        value = _unescape_properties(entry[value_start:])
        if value:
            values.append(ConfigValue(_unescape_properties(entry[:key_end]), value, *positions[value_start]))
    return values


def _skip_blanks(entry: str, index: int) -> int:
    while index < len(entry) and entry[index] in _PROPERTIES_BLANK:
        index += 1
    return index


def _unescape_properties(raw: str) -> str:
    return _PROPERTIES_ESCAPE.sub(
        lambda escape: chr(int(escape[1], 16)) if escape[1] else _PROPERTIES_ESCAPES.get(escape[2], escape[2]), raw
    )


# --- .ini / .cfg ------------------------------------------------------------------------------

_INI_TOP_SECTION = "pinlint: keys before any section"
# A default_section no file uses makes [DEFAULT] ordinary, so its keys are reported once,
# not copied into every section.
_INI_NO_DEFAULT_SECTION = "pinlint: no default section"


class _IniParser(configparser.ConfigParser):
    """configparser keeping keys as written, with a linear option pattern.

    The stock pattern's lazy key group followed by optional blanks backtracks quadratically on a
    long run of blanks; a greedy `[^=:]*` ends at the same first = or :, and configparser strips
    the key and the value itself.
    """

    OPTCRE_NV = re.compile(r"(?P<option>[^=:]*)(?:(?P<vi>[=:])\s*(?P<value>.*))?$")

    def optionxform(self, optionstr: str) -> str:
        return optionstr


def _ini_values(text: str) -> list[ConfigValue]:
    parser = _IniParser(interpolation=None, strict=False, allow_no_value=True, default_section=_INI_NO_DEFAULT_SECTION)
    try:
        parser.read_string(f"[{_INI_TOP_SECTION}]\n{text}")
    except AttributeError as error:  # configparser's crash on an indented line under a key without value
        raise configparser.Error(str(error)) from error
    places = _IniPlaces(text.split("\n"))
    values = []
    search_from = 0  # keeps a repeated key or value on its own line
    for section in parser.sections():
        for key, raw_value in parser.items(section, raw=True):
            written = (raw_value or "").strip()
            if not _unquote(written):
                continue
            position = places.find(key, written.split("\n", 1)[0], search_from)
            if position:
                search_from = position[0]
            values.append(ConfigValue(key, _unquote(written), *(position or (1, 1))))
    return sorted(values, key=lambda found: (found.row, found.col))  # merged duplicate sections break file order


class _IniPlaces:
    """Where each `key = value` is written, indexed by the key and the value's first line as
    configparser reads it (stripped of all whitespace, form feeds included): one pass over the
    file, then each value is found by bisection instead of a scan of every line."""

    def __init__(self, lines: list[str]) -> None:
        self._places: dict[tuple[str, str], tuple[list[int], list[tuple[int, int]]]] = {}
        following = len(lines)  # the first non-blank line after the current one
        non_blank_after = [0] * len(lines)
        for index in range(len(lines) - 1, -1, -1):
            non_blank_after[index] = following
            if lines[index].strip():
                following = index
        for index, line in enumerate(lines):
            pair = _split_pair(line)  # as configparser does: the key ends at the first = or :
            if not pair:
                continue
            rest = line[pair[1]:]
            first_line = rest.strip()
            if first_line:
                place = (index + 1, len(line) - len(rest.lstrip()) + 1)
            elif non_blank_after[index] < len(lines):  # the value starts on a continuation line
                row = non_blank_after[index]
                first_line = lines[row].strip()
                place = (row + 1, len(lines[row]) - len(lines[row].lstrip()) + 1)
            else:
                continue
            key_lines, positions = self._places.setdefault((pair[0], first_line), ([], []))
            key_lines.append(index)
            positions.append(place)

    def find(self, key: str, first_line: str, start: int) -> tuple[int, int] | None:
        """The (row, col) of the value, on or after line index `start` if it is there, else the first."""
        found = self._places.get((key, first_line))
        if found is None:
            return None
        key_lines, positions = found
        after = bisect_left(key_lines, start)
        return positions[after] if after < len(positions) else positions[0]


# --- .toml ------------------------------------------------------------------------------------


def _toml_values(text: str) -> list[ConfigValue]:
    lines = _LineIndex(text)
    locator = _TomlLocator(text)
    values = []
    for key, value in _walk_toml(tomllib.loads(text), ""):
        offset = locator.locate(key, value)
        values.append(ConfigValue(key, value, *(lines.position(offset) if offset is not None else (1, 1))))
    return sorted(values, key=lambda found: (found.row, found.col))  # a later [a.b] nests inside an earlier [a]


def _walk_toml(node: Any, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for name, child in node.items():
            yield from _walk_toml(child, name)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_toml(item, key)
    elif isinstance(node, str) and node:
        yield key, node


# `key = "` or `key = '`: the key bare or quoted, alone, the last part of a dotted key or inside an inline table.
_TOML_ASSIGNMENT = re.compile(r"""(?<![^\s{,.])(?P<key>[\w-]+|"[^"\n]*"|'[^'\n]*')[ \t]*=[ \t]*(?=["'])""")


class _TomlLocator:
    """Finds where tomllib's values are written, as the offset of their opening quote; tomllib keeps no positions.

    A value is looked for as `key = "..."` whose literal's first line is the value's (so escapes
    make it differ), then as any `key = "..."`, then as a quoted literal anywhere (array items).
    No offset is handed out twice: repeated keys and values map to successive places.

    Everything is indexed in one pass, so a file of thousands of values on one line (an inline
    table, an array) is not searched again for each of them.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines = _LineIndex(text)
        # Comment lines, by where they start: the offset of their `#`.
        self._comment_marks = {m.start(): m.end() - 1 for m in _TOML_COMMENT_LINE.finditer(text)}
        self._taken: set[int] = set()
        self._by_key: dict[str, deque[int]] = {}
        self._by_key_and_text: dict[tuple[str, str], deque[int]] = {}
        for match in _TOML_ASSIGNMENT.finditer(text):
            if not self._in_comment(match.start()):
                key, quote_offset = _unquote(match["key"]), match.end()
                self._by_key.setdefault(key, deque()).append(quote_offset)
                literal = (key, self._literal_first_line(quote_offset))
                self._by_key_and_text.setdefault(literal, deque()).append(quote_offset)
        self._quoted = _QuotedTexts(text, self._in_comment)
        self._next_literal: dict[str, int] = {}  # per literal: the offset to resume searching from
        self._exhausted: set[str] = set()  # literals with no free place left

    def locate(self, key: str, value: str) -> int | None:
        offset = self._first_free(self._by_key_and_text.get((key, value.split("\n", 1)[0])))
        if offset is None:
            offset = self._first_free(self._by_key.get(key))
        if offset is None:
            offset = next((found for quote in "\"'" if (found := self._literal(quote, value)) is not None), None)
        if offset is not None:
            self._taken.add(offset)
            self._quoted.take(offset)
        return offset

    def _first_free(self, offsets: deque[int] | None) -> int | None:
        while offsets and offsets[0] in self._taken:
            offsets.popleft()
        return offsets[0] if offsets else None

    def _in_comment(self, offset: int) -> bool:
        """Whether `offset` is on a line that is a comment (a `#` inside a value is not recognised)."""
        mark = self._comment_marks.get(self._lines.line_start(offset))
        return mark is not None and mark < offset

    def _literal_first_line(self, quote_offset: int) -> str:
        """The raw text of a string literal's first line, without its quotes."""
        text = self._text
        closing = text[quote_offset]
        start = quote_offset + 1
        if text.startswith(closing * 3, quote_offset):  # a newline right after opening triple quotes is not content
            closing *= 3
            start = quote_offset + (4 if text.startswith("\n", quote_offset + 3) else 3)
        line_end = self._lines.line_end(start)
        close = text.find(closing, start, line_end)
        return text[start:close if close >= 0 else line_end]

    def _literal(self, quote: str, value: str) -> int | None:
        if "\n" not in value and quote not in value:
            return self._quoted.first_free(quote, value)  # the usual case, indexed
        literal = quote + value.split("\n", 1)[0] + ("" if "\n" in value else quote)
        if literal in self._exhausted:
            return None
        offset = self._find_free(literal, self._next_literal.get(literal, 0))
        if offset is None:
            offset = self._find_free(literal, 0)
        if offset is None:
            self._exhausted.add(literal)  # places once taken stay taken: it is never found again
        else:
            self._next_literal[literal] = offset + 1
        return offset

    def _find_free(self, literal: str, start: int) -> int | None:
        offset = self._text.find(literal, start)
        while offset >= 0 and (offset in self._taken or self._in_comment(offset)):
            offset = self._text.find(literal, offset + 1)
        return offset if offset >= 0 else None


# A line whose first non-blank character is `#`.
_TOML_COMMENT_LINE = re.compile(r"^[^\S\n]*#", re.MULTILINE)


class _QuotedTexts:
    """Every place a one-line value could be written as `"value"` or `'value'`: each quote
    character, filed under the text up to the next quote of its kind. A value without that
    quote in it is written at a quote exactly when the next such quote ends it, so one pass
    files every place, and an array's thousand items cost no search of the file each.
    """

    def __init__(self, text: str, in_comment: Callable[[int], bool]) -> None:
        self._places: dict[tuple[str, str], list[int]] = {}
        self._where: dict[int, tuple[list[int], int]] = {}  # a quote's offset -> its list, its index there
        for quote in "\"'":
            offsets = [m.start() for m in re.finditer(quote, text)]
            for opening, closing in zip(offsets, offsets[1:]):
                if in_comment(opening):
                    continue
                places = self._places.setdefault((quote, text[opening + 1 : closing]), [])
                self._where[opening] = (places, len(places))
                places.append(opening)
        # Per list of places, a "next free index" chain (union-find, compressed as it is walked):
        # taken places are skipped without being looked at again.
        self._chains: dict[int, list[int]] = {}
        self._resume: dict[int, int] = {}  # per list of places: the index after the last handed out

    def first_free(self, quote: str, value: str) -> int | None:
        """The first free place of `value` after the last one handed out, else the first free one."""
        places = self._places.get((quote, value))
        if not places:
            return None
        index = self._free_from(places, self._resume.get(id(places), 0))
        if index >= len(places):
            index = self._free_from(places, 0)
        if index >= len(places):
            return None
        self._resume[id(places)] = index + 1
        return places[index]

    def take(self, offset: int) -> None:
        if offset in self._where:
            places, index = self._where[offset]
            self._chain(places)[index] = index + 1

    def _chain(self, places: list[int]) -> list[int]:
        if id(places) not in self._chains:
            self._chains[id(places)] = list(range(len(places) + 1))
        return self._chains[id(places)]

    def _free_from(self, places: list[int], index: int) -> int:
        chain = self._chain(places)
        free = index
        while chain[free] != free:
            free = chain[free]
        while chain[index] != free:  # point the walked path at the free index
            chain[index], index = free, chain[index]
        return free


# --- .yaml / .yml -----------------------------------------------------------------------------

_YAML_STR = "tag:yaml.org,2002:str"
_LIBYAML_NESTING_LIMIT = 1000


def _yaml_values(text: str) -> list[ConfigValue]:
    """Composed nodes, not loaded data: nodes keep their start marks and plain `yes`/`5432` keep their tags."""
    import yaml  # only YAML files pay for loading it

    values: list[ConfigValue] = []
    visited: set[int] = set()  # an alias is the anchored node again: report it once, at the anchor

    def visit(node: "yaml.Node", key: str) -> None:
        if id(node) in visited:
            return
        visited.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _YAML_STR and node.value:
                values.append(ConfigValue(key, node.value, node.start_mark.line + 1, node.start_mark.column + 1))
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                visit(item, key)
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                visit(value_node, key_node.value if isinstance(key_node, yaml.ScalarNode) else "")

    # libyaml recurses on the C stack and crashes the process on deeply nested flow collections;
    # the pure-Python loader raises RecursionError instead, which is caught.
    deep = text.count("[") + text.count("{") > _LIBYAML_NESTING_LIMIT
    loader = yaml.SafeLoader if deep else getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for document in yaml.compose_all(text, Loader=loader):
            visited.clear()  # aliases stay within a document, and a freed document's ids may be reused
            visit(document, "")
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from error
    return values


# --- fallback for files the structured parsers reject -----------------------------------------

_LIST_ITEM = re.compile(r"[ \t]*-[ \t]+")
_LIST_ITEM_MAPPING = re.compile(r"[\w.-]+:[ \t]")  # `- name: DATABASE_URL` is a mapping inside a list


def _scan_lines(text: str) -> list[ConfigValue]:
    """`key = value`, `key: value` (the first = or : separates) and `- item` lines.

    Surrounding quotes are stripped, and a ` # comment` after a value that is not quoted end to end.
    """
    values = []
    for row, line in enumerate(text.split("\n"), 1):
        content = line.lstrip()
        if not content or content[0] in "#;":
            continue
        item = _LIST_ITEM.match(line)
        if item and not _LIST_ITEM_MAPPING.match(line, item.end()):
            key, start = "", item.end()
        elif pair := _split_pair(line, item.end() if item else 0):
            key, start = _unquote(pair[0]), pair[1]
        else:
            continue
        value = line[start:].rstrip()
        if not _quoted(value):
            value = _INLINE_COMMENT.split(value, 1)[0].rstrip()
        value = _unquote(value)
        if value:
            values.append(ConfigValue(key, value, row, start + 1))
    return values


def _quoted(text: str) -> bool:
    return len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'"


def _unquote(text: str) -> str:
    return text[1:-1] if _quoted(text) else text


# --- shared -----------------------------------------------------------------------------------

# Plain string scans and simple patterns only: a lazy `key` group before `[ \t]*=` backtracks
# quadratically on long runs of blanks.
_SEPARATOR = re.compile(r"[=:][ \t]*")
_INLINE_COMMENT = re.compile(r"\s#")


def _split_pair(line: str, start: int = 0) -> tuple[str, int] | None:
    """The stripped key before the first = or : after `start`, and the offset of the value after it."""
    separator = _SEPARATOR.search(line, start)
    return (line[start:separator.start()].strip(), separator.end()) if separator else None


class _LineIndex:
    """Turns offsets into a text into 1-based (row, col)."""

    def __init__(self, text: str) -> None:
        self._line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self._text_length = len(text)

    def position(self, offset: int) -> tuple[int, int]:
        row = bisect_right(self._line_starts, offset)
        return row, offset - self._line_starts[row - 1] + 1

    def line_start(self, offset: int) -> int:
        return self._line_starts[bisect_right(self._line_starts, offset) - 1]

    def line_end(self, offset: int) -> int:
        """The offset of the line break ending the line holding `offset`, or the text's end."""
        row = bisect_right(self._line_starts, offset)
        return self._line_starts[row] - 1 if row < len(self._line_starts) else self._text_length


_READERS: dict[str, Callable[[str], list[ConfigValue]]] = {
    "env": _env_values,
    "properties": _properties_values,
    "ini": _ini_values,
    "toml": _toml_values,
    "yaml": _yaml_values,
}
