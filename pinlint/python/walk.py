"""Walk a libcst tree in libcst's own order, without rebuilding it.

`CSTNode.visit` rebuilds (and re-validates) every node it passes, even for a visitor that only
reads, and that is most of what a walk costs. This walk reads the nodes' fields instead, in the
order libcst visits them. libcst's own traversal names each field as it reaches it, so a look at
one node of a type gives that type's order; a field it skips when empty (an f-string field's
`format_spec`) is learned from the first node that fills it.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

# node type -> (its fields in visiting order, or None when the order differs between nodes;
# the fields not in that order, to check for nodes that do fill them)
_LAYOUTS: dict[type, tuple[tuple[str, ...] | None, tuple[str, ...]]] = {}
_IS_NODE: dict[type, bool] = {}  # libcst's node classes are ABCs: isinstance() is slow


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """What `node.visit(visitor)` does for a visitor that only reads: `on_visit` (the children
    are walked when it returns true) and `on_leave` for every node, in the same order."""
    if visitor.on_visit(node):
        for name in _order(node):
            value = getattr(node, name)
            if _is_node(type(value)):
                walk(value, visitor)
            elif type(value) is tuple or type(value) is list:
                for child in value:
                    walk(child, visitor)
    visitor.on_leave(node)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node.children`, without rebuilding the node."""
    found: list[cst.CSTNode] = []
    for name in _order(node):
        value = getattr(node, name)
        if _is_node(type(value)):
            found.append(value)
        elif type(value) is tuple or type(value) is list:
            found.extend(value)
    return found


def _order(node: cst.CSTNode) -> tuple[str, ...]:
    kind = type(node)
    layout = _LAYOUTS.get(kind)
    order, unseen = layout if layout is not None else _learn(kind, node, None)
    if unseen and any(_holds_nodes(getattr(node, name)) for name in unseen):
        order, unseen = _learn(kind, node, order)
    return order if order is not None else _field_order(node)


def _learn(kind: type, node: cst.CSTNode, known: tuple[str, ...] | None):
    order: tuple[str, ...] | None = _field_order(node)
    if known is not None and not set(known) <= set(order):  # type: ignore[arg-type]
        order = None  # no one order fits every node of this type: ask libcst each time
    fields = tuple(field.name for field in dataclasses.fields(kind))
    unseen = () if order is None else tuple(name for name in fields if name not in order)
    _LAYOUTS[kind] = order, unseen
    return order, unseen


def _is_node(kind: type) -> bool:
    known = _IS_NODE.get(kind)
    if known is None:
        known = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)
    return known


def _holds_nodes(value: object) -> bool:
    return _is_node(type(value)) or (type(value) in (tuple, list) and len(value) > 0)  # type: ignore[arg-type]


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
