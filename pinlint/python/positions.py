"""Where a few nodes of a libcst tree are in the source, without positioning all the others.

libcst's `PositionProvider` regenerates the module's code and, for every node and every token,
works out lines and columns: three times the cost of generating the code alone. Only the nodes
with a finding need a place, so this generation marks where those nodes start and end in the
list of tokens and turns just those marks into lines and columns afterwards, and it stops once
the last of them is generated. The ranges are libcst's: syntactic where a node records one, its
whole code otherwise.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from typing import Iterable, Iterator, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange
from libcst.metadata.position_provider import NEWLINE_RE  # how libcst counts lines

_NOTHING = nullcontext()


def positions(module: cst.Module, nodes: Iterable[cst.CSTNode], only_found: bool = False) -> dict[cst.CSTNode, CodeRange]:
    """What `PositionProvider` gives each of ``nodes`` (nodes of ``module``; with ``only_found``,
    nodes that are not, such as those rebuilt from another module, are left out)."""
    wanted = list(nodes)
    state = _Marks(module, {id(node) for node in wanted})
    try:
        module._codegen(state)
    except _AllPlaced:
        pass  # what follows the last node asked for is not needed
    marks = {node: state.range_of(node) for node in wanted if not only_found or state.generated(node)}
    at = _line_columns(state.tokens, {index for mark in marks.values() for index in mark})
    return {node: CodeRange(at[start], at[end]) for node, (start, end) in marks.items()}


class _Marks(CodegenState):
    """Code generation that remembers, for the nodes it needs, the token indices they start and
    end at. A node whose syntactic range is its first or last statement's needs that statement
    too; it is asked for before that statement is generated."""

    def __init__(self, module: cst.Module, needed: set[int]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.needed = needed
        self.opened: dict[int, int] = {}
        self.whole: dict[int, tuple[int, int]] = {}
        self.syntactic: dict[int, tuple[int, int]] = {}

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.needed:
            self.opened[id(node)] = len(self.tokens)

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.needed:
            self.whole.setdefault(key, (self.opened.pop(key), len(self.tokens)))
            if len(self.whole) == len(self.needed):  # a node's syntactic range closes before it does
                raise _AllPlaced

    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ):
        if id(node) not in self.needed:
            return _NOTHING
        for hoisted in (start_node, end_node):
            if hoisted is not None:
                self.needed.add(id(hoisted))
        return self._syntactic(node, start_node, end_node)

    @contextmanager
    def _syntactic(self, node, start_node, end_node) -> Iterator[None]:
        start = len(self.tokens)
        try:
            yield
        finally:
            end = len(self.tokens)
            if start_node is not None:
                start = self.range_of(start_node)[0]
            if end_node is not None:
                end = self.range_of(end_node)[1]
            self.syntactic[id(node)] = (start, end)

    def pop_trailing_newline(self) -> None:
        pass  # libcst's positions count the module's last newline; no code is wanted from here

    def generated(self, node: cst.CSTNode) -> bool:
        return id(node) in self.syntactic or id(node) in self.whole

    def range_of(self, node: cst.CSTNode) -> tuple[int, int]:
        key = id(node)
        return self.syntactic[key] if key in self.syntactic else self.whole[key]


class _AllPlaced(Exception):
    """Every node asked for is generated: the rest of the module need not be."""


def _line_columns(tokens: list[str], indices: set[int]) -> dict[int, CodePosition]:
    """The line and column at each token index, counted in one pass over the tokens."""
    found: dict[int, CodePosition] = {}
    line, column, previous = 1, 0, 0
    for index in sorted(indices):
        chunk = "".join(tokens[previous:index])
        pieces = NEWLINE_RE.split(chunk)
        if len(pieces) == 1:
            column += len(chunk)
        else:
            line += len(pieces) - 1
            column = len(pieces[-1])
        found[index] = CodePosition(line, column)
        previous = index
    return found
