"""Walk a libcst tree in libcst's own order, without rebuilding it.

`CSTNode.visit` rebuilds (and re-validates) every node it passes, even for a visitor that only
reads, and that is most of what a walk costs. This walk reads the nodes' fields instead, in the
order libcst visits them. libcst's own traversal names each field as it reaches it, so a look at
one node of a type gives that type's order; a field it skips when empty (an f-string field's
`format_spec`) is learned from the first node that fills it.

`walk` passes by whitespace, comments, punctuation and operators: two thirds of a module's nodes,
and nothing its readers look at (they read an operator from its expression's field). `children`
gives them all.
"""

from __future__ import annotations

import dataclasses
import typing

import libcst as cst

# node type -> (its fields in visiting order, or None when the order differs between nodes;
# the other fields that can hold nodes, to check for nodes that do fill them)
_LAYOUTS: dict[type, tuple[tuple[str, ...] | None, tuple[str, ...]]] = {}


_PASSED_BY = frozenset({
    cst.Comment, cst.EmptyLine, cst.Newline, cst.TrailingWhitespace, cst.Comma, cst.Dot, cst.Semicolon,
    cst.Colon, cst.AssignEqual, cst.ImportStar, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket,
    cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace,
    *(kind for name in cst.__all__ if isinstance(kind := getattr(cst, name), type) and issubclass(kind, (
        cst.BaseParenthesizableWhitespace, cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseAugOp,
        cst.BaseUnaryOp,
    ))),
})


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """What `node.visit(visitor)` does for a visitor that only reads, but for the nodes `walk`
    passes by: `on_visit` (the children are walked when it returns true) and `on_leave` for
    every other node, in the same order."""
    if visitor.on_visit(node):
        for child in children(node):
            if type(child) not in _PASSED_BY:
                walk(child, visitor)
    visitor.on_leave(node)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node.children`, without rebuilding the node."""
    found: list[cst.CSTNode] = []
    # A field libcst visits holds a node, a sequence of them, None or MaybeSentinel.
    for name in _order(node):
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            found.extend(value)
        elif value is not None and kind is not cst.MaybeSentinel:
            found.append(value)
    return found


def _order(node: cst.CSTNode) -> tuple[str, ...]:
    kind = type(node)
    layout = _LAYOUTS.get(kind)
    order, unseen = layout if layout is not None else _learn(kind, node, None)
    for name in unseen:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode) or (type(value) in (tuple, list) and value):
            order, unseen = _learn(kind, node, order)
            break
    return order if order is not None else _field_order(node)


def _learn(kind: type, node: cst.CSTNode, known: tuple[str, ...] | None):
    order: tuple[str, ...] | None = _field_order(node)
    if known is not None and not set(known) <= set(order):  # type: ignore[arg-type]
        order = None  # no one order fits every node of this type: ask libcst each time
    try:
        hints = typing.get_type_hints(kind)
    except Exception:  # an annotation that does not resolve: then any field may hold nodes
        hints = {}
    unseen = () if order is None else tuple(
        field.name for field in dataclasses.fields(kind)
        if field.name not in order and _may_hold_nodes(hints.get(field.name, object))
    )
    _LAYOUTS[kind] = order, unseen
    return order, unseen


def _may_hold_nodes(annotation: object) -> bool:
    if annotation in (str, int, float, bool, type(None)) or typing.get_origin(annotation) is typing.Literal:
        return False
    if typing.get_origin(annotation) is typing.Union:
        return any(_may_hold_nodes(argument) for argument in typing.get_args(annotation))
    return True  # nodes, sequences, sentinels, anything unclear


class _FieldOrder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False  # the node's own fields are wanted, not its children's

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if not self.names or self.names[-1] != attribute:
            self.names.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


def _field_order(node: cst.CSTNode) -> tuple[str, ...]:
    recorder = _FieldOrder()
    node._visit_and_replace_children(recorder)
    return tuple(recorder.names)
