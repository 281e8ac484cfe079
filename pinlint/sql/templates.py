"""Read the templates `.sql` files are written in: Jinja (as dbt writes it) and Python format fields.

A template is rendered before the database sees it, so its constructs are not SQL. They become
text of the same length with the same line breaks, so every offset stays the source's:

- a tag `{% ... %}` and a comment `{# ... #}` become spaces;
- an expression `{{ ... }}` and a format field (`{name}`, `{0!r}`, `{}`) become a hole: underscores,
  which the SQL lexer reads as one name, a placeholder like `%(name)s`;
- the body of a `{% set name %} ... {% endset %}` block is captured, never sent: spaces too
  (an inline `{% set x = ... %}` is a tag); the same for dbt's `{% docs %}` blocks;
- the text of `{% raw %} ... {% endraw %}` is kept as written;
- the tags that open and close a macro (and dbt's `call`, `materialization`, `test` and
  `snapshot` blocks) end the statement before them, as a `;` does: a macro's SQL seldom ends
  with one, and the next macro's is another statement.

Text inside `{% if %} ... {% endif %}` is produced on some branches only: its spans are returned,
so findings there can say they are less certain. Every branch's text is kept.

Jinja ends a tag at its closing delimiter outside strings and brackets, as here. A tag or comment
that never closes ends the reading (Jinja refuses the template there) and the rest is left as
written. Every scan moves forward only, so the reading is linear in the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FORMAT_FIELD = r"\{(?:[A-Za-z_]\w*|\d+)?(?:\.[A-Za-z_]\w*|\[[^\]\n{}]*\])*(?:![rsa])?(?::[^{}\n]*)?\}"
# A tag starts with its name; `{%` before anything else (`LIKE '{%'`) is text.
_OPENING = re.compile(r"\{\{|\{%(?=[-+]?\s*[A-Za-z_])|\{#|" + _FORMAT_FIELD)
_TAG_NAME = re.compile(r"[-+]?\s*([A-Za-z_]\w*)")
_TAG_SPECIAL = re.compile(r"""['"(\[{)\]}%]""")
_STRING_SPECIAL = {"'": re.compile(r"['\\]"), '"': re.compile(r'["\\]')}
_END_RAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
_NOT_LINE_BREAK = re.compile(r"[^\r\n]")

# Tags that open a block closed by `end<name>`; dbt adds docs, materialization, test and snapshot.
_BLOCKS = frozenset(
    "if for macro call filter set block with autoescape trans docs materialization test snapshot".split()
)
_CAPTURED = frozenset({"set", "docs"})  # blocks whose text is never sent
_SEPARATE = frozenset({"macro", "call", "materialization", "test", "snapshot"})  # blocks of statements of their own
_CONDITIONAL = "if"

_BLANK = " "
_HOLE = "_"
_END_OF_STATEMENT = ";"


@dataclass(frozen=True)
class Template:
    text: str  # the source with every template construct blanked or made a hole
    conditional: tuple[tuple[int, int], ...]  # spans only some branches produce, in order


def read_template(source: str) -> Template:
    if "{" not in source:
        return Template(source, ())
    reader = _Reader(source)
    reader.read()
    return Template(reader.rendered(), tuple(reader.conditional))


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.edits: list[tuple[int, int, str]] = []  # start, end, fill; in order, not overlapping
        self.conditional: list[tuple[int, int]] = []
        self.blocks: list[str] = []  # the open blocks' names
        self.open_count: dict[str, int] = {}  # how many of each are open, so no check reads them all
        self.captured_from = -1  # where the outermost open captured block starts
        self.conditional_from = -1  # where the outermost open `if` starts

    def read(self) -> None:
        source, index = self.source, 0
        while match := _OPENING.search(source, index):
            start, opening = match.start(), match.group()
            if opening == "{#":
                close = source.find("#}", match.end())
                end = -1 if close < 0 else close + 2
            elif opening in ("{{", "{%"):
                end = _tag_end(source, match.end(), "}}" if opening == "{{" else "%}")
            else:
                end = match.end()
            if end < 0:
                break  # never closed: Jinja stops here, and so does the reading
            if opening == "{%":
                index = self._tag(start, end, match.end())
                if index < 0:
                    break
            else:
                self.edits.append((start, end, _BLANK if opening == "{#" else _HOLE))
                index = end
        self._close_open_blocks(len(source))

    def _tag(self, start: int, end: int, inside: int) -> int:
        """Take the tag at ``start``; return where reading goes on, or -1 when it cannot."""
        name_match = _TAG_NAME.match(self.source, inside)
        name = name_match.group(1) if name_match else ""
        if name in _SEPARATE or name.startswith("end") and name[3:] in _SEPARATE:
            self.edits.append((start, start + 1, _END_OF_STATEMENT))
            self.edits.append((start + 1, end, _BLANK))
        else:
            self.edits.append((start, end, _BLANK))
        if name == "raw":
            end_raw = _END_RAW.search(self.source, end)
            if end_raw is None:
                return -1
            self.edits.append((end_raw.start(), end_raw.end(), _BLANK))
            return end_raw.end()
        if name == "set" and "=" in self.source[inside:end]:
            return end  # `{% set x = ... %}`: an assignment, not a block
        if name in _BLOCKS:
            self._open(name, start)
        elif name.startswith("end") and self._is_open(name[3:]):
            self._close(name[3:], end)
        return end

    def _open(self, name: str, start: int) -> None:
        if name in _CAPTURED and self.captured_from < 0:
            self.captured_from = start
        if name == _CONDITIONAL and self.conditional_from < 0:
            self.conditional_from = start
        self.blocks.append(name)
        self.open_count[name] = self.open_count.get(name, 0) + 1

    def _is_open(self, name: str) -> bool:
        return self.open_count.get(name, 0) > 0

    def _close(self, name: str, end: int) -> None:
        """Close the innermost open ``name`` block, and the blocks left open inside it."""
        while self.blocks:
            closed = self.blocks.pop()
            self.open_count[closed] -= 1
            if closed == name:
                break
        self._end_regions(end)

    def _close_open_blocks(self, end: int) -> None:
        self.blocks.clear()
        self.open_count.clear()
        self._end_regions(end)

    def _end_regions(self, end: int) -> None:
        if self.captured_from >= 0 and not any(self._is_open(name) for name in _CAPTURED):
            # Everything read inside is spaces now.
            while self.edits and self.edits[-1][0] >= self.captured_from:
                self.edits.pop()
            self.edits.append((self.captured_from, end, _BLANK))
            self.captured_from = -1
        if self.conditional_from >= 0 and not self._is_open(_CONDITIONAL):
            self.conditional.append((self.conditional_from, end))
            self.conditional_from = -1

    def rendered(self) -> str:
        source = self.source
        pieces, kept = [], 0
        for start, end, fill in self.edits:
            pieces.append(source[kept:start])
            pieces.append(_NOT_LINE_BREAK.sub(fill, source[start:end]))
            kept = end
        pieces.append(source[kept:])
        return "".join(pieces)


def _tag_end(source: str, index: int, closing: str) -> int:
    """Just past the ``closing`` delimiter of a tag whose inside starts at ``index``, or -1."""
    depth = 0
    while match := _TAG_SPECIAL.search(source, index):
        char, index = match.group(), match.end()
        if char in "'\"":
            index = _string_end(source, index, char)
            if index < 0:
                return -1
        elif char in "([{":
            depth += 1
        elif depth == 0 and source.startswith(closing, match.start()):
            return match.start() + len(closing)
        elif char in ")]}":
            depth = max(depth - 1, 0)
    return -1


def _string_end(source: str, index: int, quote: str) -> int:
    """Just past the quote closing a Jinja string (backslash escapes) whose text starts at ``index``."""
    special = _STRING_SPECIAL[quote]
    while match := special.search(source, index):
        if match.group() == quote:
            return match.end()
        index = match.end() + 1
    return -1
