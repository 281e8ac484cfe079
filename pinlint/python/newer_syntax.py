"""Sources the running Python rejects only because it is older than they are.

PIN900 is about the file, not about pinlint's interpreter: a file is a syntax error only if the
Python versions its project supports (`pinlint.project_python`) reject it. When the running Python
refuses a source, libcst's parser, whose grammar follows the newest Python whatever interpreter
runs it, reads it instead. The source is newer syntax when libcst reads it, it holds constructs of
a Python newer than the running one, and Python stopped inside one of them; it is analysed from
libcst's tree then, unless the project supports no Python that has them all. When no grammar
pinlint has reads the source, it is a syntax error, unless the project supports only Pythons newer
than those grammars: whether it is one cannot be told then.

Errors that only a newer Python would find beyond the first one the running Python met are not
looked for (an older Python stops at the first). A source over `MAX_ANALYSED_CHARACTERS`, or too
deep for libcst, is judged without libcst; one nested deeper than CPython allows
(`pinlint.python.nesting`) is an error.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import libcst as cst

from pinlint.engine import MAX_ANALYSED_CHARACTERS  # libcst's parse costs as much as the analysis
from pinlint.project_python import ProjectPython
from pinlint.python.deep import on_large_stack
from pinlint.python.nesting import nests_deeper_than
from pinlint.python.positions import positions
from pinlint.python.walk import children

RUNNING = sys.version_info[:2]


@dataclass(frozen=True)
class Readable:
    """Newer syntax the project supports: ``module`` is libcst's tree of the source."""

    module: cst.Module
    needs: tuple[int, int]


@dataclass(frozen=True)
class Unsupported:
    """Newer syntax that no Python the project supports (``declared``) reads: a syntax error."""

    needs: tuple[int, int]
    declared: str


@dataclass(frozen=True)
class Uncheckable:
    """A source no grammar pinlint has (up to ``newest``) reads, of a project that supports only
    newer Pythons (``declared``, from ``needs`` on)."""

    needs: tuple[int, int]
    declared: str
    newest: tuple[int, int]


def judge(
    text: str, error: SyntaxError, project: Callable[[], ProjectPython]
) -> Readable | Unsupported | Uncheckable | None:
    """What the running Python's refusal of ``text`` (``error``) means for the project; None: the
    error stands. ``project`` is asked only when the answer depends on it."""
    if len(text) > MAX_ANALYSED_CHARACTERS:
        return _unread(project, RUNNING)  # only the running Python's grammar was asked
    if nests_deeper_than(text):
        return None  # an error in every Python, and libcst would take too long to tell
    try:
        module = on_large_stack(cst.parse_module, text)
    except cst.ParserSyntaxError:
        return _unread(project, newest_readable())
    except (RecursionError, MemoryError):
        return _unread(project, RUNNING)
    try:
        needs = on_large_stack(_needs, module, error.lineno or 1)
    except (RecursionError, MemoryError):
        return None
    if needs is None:
        return None
    supported = project()
    if supported.admits_from(needs):
        return Readable(module, needs)
    return Unsupported(needs, supported.declared or "")


def _unread(project: Callable[[], ProjectPython], newest: tuple[int, int]) -> Uncheckable | None:
    """No grammar pinlint has, up to Python ``newest``, reads the source: it is a syntax error,
    unless the project supports only newer Pythons."""
    supported = project()
    minimum = supported.minimum
    if minimum is not None and minimum > newest:
        return Uncheckable(minimum, supported.declared or "", newest)
    return None


def _needs(module: cst.Module, row: int) -> tuple[int, int] | None:
    """The Python that every construct of ``module`` newer than the running one needs, when the
    running Python stopped (at ``row``) inside one of them; None otherwise."""
    constructs = newer_constructs(module)
    if not constructs:
        return None
    ranges = positions(module, [node for node, _ in constructs]).values()
    if not any(where.start.line <= row <= where.end.line for where in ranges):
        return None  # the running Python stopped at something else: an error in any Python
    return max(version for _, version in constructs)


def newer_constructs(module: cst.Module) -> list[tuple[cst.CSTNode, tuple[int, int]]]:
    """The constructs of ``module`` that a Python newer than the running one introduced, each
    with that Python's version. An f-string stands for the implicit concatenation it is part of:
    before 3.12, Python reports an error in one of its literals at the last."""
    found = []
    # A node; whether an f-string holds it; the outermost concatenation of literals holding it.
    stack: list[tuple[cst.CSTNode, bool, cst.CSTNode | None]] = [(module, False, None)]
    while stack:
        node, in_fstring, concatenation = stack.pop()
        kind = type(node)
        if kind is cst.ConcatenatedString and concatenation is None:
            concatenation = node
        elif kind is cst.FormattedString:
            # The outermost f-string is judged whole: what it holds is written inside its quotes.
            if not in_fstring and RUNNING < _PEP_701 and _takes_pep_701_freedoms(node):
                found.append((concatenation or node, _PEP_701))
            in_fstring = True
        elif (introduced := _CONSTRUCTS.get(kind)) is not None:
            version = introduced(node)
            if version is not None and version > RUNNING:
                found.append((node, version))
        stack.extend((child, in_fstring, concatenation) for child in children(node))
    return found


def _unparenthesized_tuple(node) -> tuple[int, int] | None:
    """`except A, B:` (PEP 758)."""
    return (3, 14) if type(node.type) is cst.Tuple and not node.type.lpar else None


def _starred_element(node) -> tuple[int, int] | None:
    """`[*rows for rows in pages]` (PEP 798)."""
    return (3, 15) if type(node.elt) is cst.StarredElement else None


# Each construct that Python 3.11 and later introduced, as libcst's tree holds it (`None`: the
# node is not that construct). Types an older libcst lacks are left out: it cannot read them.
_INTRODUCED: dict[str, Callable[[cst.CSTNode], tuple[int, int] | None]] = {
    "TryStar": lambda node: (3, 11),  # `except*` (PEP 654)
    "Index": lambda node: (3, 11) if getattr(node, "star", None) else None,  # `a[*b]` (PEP 646)
    "Annotation": lambda node: (3, 11) if type(node.annotation) is cst.StarredElement else None,  # `*args: *Ts`
    "TypeAlias": lambda node: (3, 12),  # `type X = ...` (PEP 695)
    "TypeParameters": lambda node: (3, 12),  # `def f[T]()`, `class C[T]` (PEP 695)
    "TypeParam": lambda node: (3, 13) if getattr(node, "default", None) is not None else None,  # `[T = int]` (PEP 696)
    "ExceptHandler": _unparenthesized_tuple,
    "ExceptStarHandler": _unparenthesized_tuple,
    "TemplatedString": lambda node: (3, 14),  # `t"..."` (PEP 750)
    "LazyImport": lambda node: (3, 15),  # `lazy import x` (PEP 810)
    "LazyImportFrom": lambda node: (3, 15),
    "ListComp": _starred_element,
    "SetComp": _starred_element,
    "GeneratorExp": _starred_element,
    "StarredDictComp": lambda node: (3, 15),  # `{**d for d in ds}` (PEP 798)
}
_CONSTRUCTS = {getattr(cst, name): introduced for name, introduced in _INTRODUCED.items() if hasattr(cst, name)}
_PEP_701 = (3, 12)
_CODE = cst.Module(body=[])


def _takes_pep_701_freedoms(fstring: cst.FormattedString) -> bool:
    """Whether an f-string takes a freedom that Python 3.12 gave f-strings (PEP 701): in a field's
    expression, the f-string's own quotes, a backslash, a comment or, in a one-line literal, a line
    break; or a field in the format specifier of a field in a format specifier."""
    quote = fstring.end
    fields = [(part, 0) for part in fstring.parts if type(part) is cst.FormattedStringExpression]
    while fields:
        field, depth = fields.pop()
        if depth == 2:
            return True
        expression = (field.whitespace_before_expression, field.expression, field.whitespace_after_expression)
        code = "".join(_CODE.code_for_node(node) for node in expression)
        if quote in code or "\\" in code or len(quote) == 1 and ("\n" in code or "\r" in code):
            return True
        if _holds_comment(expression):
            return True
        fields.extend((part, depth + 1) for part in field.format_spec or () if type(part) is cst.FormattedStringExpression)
    return False


def _holds_comment(nodes) -> bool:
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if type(node) is cst.Comment:
            return True
        stack.extend(children(node))
    return False


# A construct of each Python after 3.10 that libcst may read, newest first.
_PROBES = (
    ((3, 15), "lazy import x\n"),
    ((3, 14), 't""\n'),
    ((3, 13), "def f[T = int](): pass\n"),
    ((3, 12), "type X = int\n"),
    ((3, 11), "try:\n    pass\nexcept* E:\n    pass\n"),
)


@lru_cache(maxsize=None)
def newest_readable() -> tuple[int, int]:
    """The newest Python whose syntax pinlint reads: the running one's, or libcst's when newer."""
    for version, probe in _PROBES:
        if version <= RUNNING:
            break
        try:
            cst.parse_module(probe)
        except cst.ParserSyntaxError:
            continue
        return version
    return RUNNING
