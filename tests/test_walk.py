"""The fast ways through libcst trees give what libcst's own do: the walk visits exactly what
`CSTNode.visit` visits, in the same order, but for the whitespace, comments, punctuation and
operators it passes by; the nodes asked to be placed are where libcst's `PositionProvider`
places them."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from conftest import python_sources
from pinlint.python import walk as walk_module
from pinlint.python.positions import positions
from pinlint.python.walk import children, walk

# Every kind of statement and expression, and the node types whose fields libcst visits in an
# order other than their declaration (decorators, class bases, `x if c else y`, f-string specs).
EVERY_SYNTAX = textwrap.dedent('''\
    """Module docstring."""
    from __future__ import annotations
    import os, sys as system
    from .pkg import (a, b as c)
    from . import *

    @decorator(arg, key=value)
    @other
    class Thing(Base, metaclass=Meta):
        field: int = 1
        other = x if cond else y

        async def method(self, /, a, *args, b=1, **kwargs) -> "Thing":
            global counter
            async with lock as held, other():
                async for item in stream():
                    await item
            yield from gen()
            return [i for i in range(3) if i] + [*rest]

    def plain(a: int = 0, *, b: str = "s") -> None:
        nonlocal_target = lambda x, *y, z=1, **w: (x, y)
        del nonlocal_target
        value = f"{name!r:>{width}} and {n:.{p}f} and {n=} and {{literal}}"
        other = f"{value}"  # after the one with a format spec
        try:
            raise ValueError("x") from None
        except* (TypeError, KeyError) as group:
            pass
        else:
            pass
        finally:
            pass
        while (n := n - 1) > 0:
            continue
        for k, v in {1: 2, **extra}.items():
            break
        match command:
            case {"op": op, **rest} if op:
                pass
            case [1, 2, *others] | Point(x=0, y=_):
                pass
            case str() as text:
                pass
        assert not a is b, "message"
        x = a[1:2, ::3] @ b ** -c // d << e & f | g ^ ~h
        x += 1; y: list[int] = []
        print(*args, sep="", **kw)
        return {s for s in "abc"}, (g for g in ()), {k: v for k, v in ()}, ..., b"bytes" b"more"
''')


class Recorder(cst.CSTVisitor):
    def __init__(self, skip: type | None = None, passing_by: frozenset[type] = frozenset()) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []
        self.nodes: list[cst.CSTNode] = []  # keeps every node alive, so ids stay unique
        self.skip = skip
        self.passing_by = passing_by

    def on_visit(self, node: cst.CSTNode) -> bool:
        if type(node) in self.passing_by:
            return False
        self.events.append(("visit", id(node)))
        self.nodes.append(node)
        return type(node) is not self.skip

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if type(original_node) not in self.passing_by:
            self.events.append(("leave", id(original_node)))


def _same_as_libcst(source: str, skip: type | None = None) -> None:
    module = cst.parse_module(source)
    by_libcst, by_walk = Recorder(skip, walk_module._PASSED_BY), Recorder(skip)
    module.visit(by_libcst)
    walk(module, by_walk)
    assert by_walk.events == by_libcst.events
    assert by_walk.nodes, "a module is walked"


def _passed_by_holds_only_what_is_passed_by(source: str) -> None:
    """Passing a node by loses nothing: below it are only nodes that are passed by too."""
    every = Recorder()
    cst.parse_module(source).visit(every)
    for node in every.nodes:
        if type(node) in walk_module._PASSED_BY:
            stack = list(children(node))
            while stack:
                below = stack.pop()
                assert type(below) in walk_module._PASSED_BY, (type(node).__name__, type(below).__name__)
                stack.extend(children(below))


@pytest.fixture
def unlearned(monkeypatch):
    """Field orders start empty, so what one test's sources teach cannot hide another's case."""
    monkeypatch.setattr(walk_module, "_LAYOUTS", {})


def test_every_kind_of_syntax_is_walked_in_libcsts_order(unlearned):
    _same_as_libcst(EVERY_SYNTAX)
    _passed_by_holds_only_what_is_passed_by(EVERY_SYNTAX)


def test_whitespace_comments_punctuation_and_operators_are_passed_by():
    recorder = Recorder()
    walk(cst.parse_module("x = (a + b) * -c  # note\nf(x, y)\n"), recorder)
    assert [type(node).__name__ for node in recorder.nodes] == [
        "Module", "SimpleStatementLine", "Assign", "AssignTarget", "Name", "BinaryOperation", "BinaryOperation",
        "Name", "Name", "UnaryOperation", "Name", "SimpleStatementLine", "Expr", "Call", "Name", "Arg", "Name",
        "Arg", "Name",
    ]


def test_a_field_libcst_skips_when_empty_is_walked_once_a_node_fills_it(unlearned):
    # The first f-string field has no format spec, so its type's order is learned without one.
    _same_as_libcst('a = f"{x}"\nb = f"{y:>{width}}"\nc = f"{z}"\n')



def test_each_type_is_learned_once_when_its_unvisited_fields_hold_no_nodes(unlearned, monkeypatch):
    # `Arg.star`, `Param.star` and `FormattedString.end` are strings libcst does not visit;
    # taking them for nodes to look out for made every such node ask libcst again.
    learned: list[str] = []
    learn = walk_module._learn
    monkeypatch.setattr(walk_module, "_learn", lambda kind, *rest: learned.append(kind.__name__) or learn(kind, *rest))
    walk(cst.parse_module('def f(a, *b): pass\nf(1, *x, **y)\nf(2)\ng = f"{1}" f"{2}"\n'), Recorder())
    assert sorted(learned) == sorted(set(learned))
    assert {"Arg", "Param", "FormattedString"} <= set(learned)

def test_children_are_skipped_when_on_visit_says_so_and_on_leave_still_comes(unlearned):
    _same_as_libcst(EVERY_SYNTAX, skip=cst.FunctionDef)
    _same_as_libcst(EVERY_SYNTAX, skip=cst.Call)


def test_children_are_libcsts_children(unlearned):
    recorder = Recorder()
    cst.parse_module(EVERY_SYNTAX).visit(recorder)
    for node in recorder.nodes:
        assert [id(c) for c in children(node)] == [id(c) for c in node.children], type(node).__name__


def _same_positions_as_libcst(source: str) -> None:
    module = cst.parse_module(source)
    recorder = Recorder()
    walk(module, recorder)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert positions(module, recorder.nodes) == {node: expected[node] for node in recorder.nodes}
    # One node asked for alone is placed as among all the others.
    for node in recorder.nodes[:: max(1, len(recorder.nodes) // 50)]:
        assert positions(module, [node]) == {node: expected[node]}


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_positions_of_any_nodes_are_libcsts_positions(newline):
    _same_positions_as_libcst(EVERY_SYNTAX.replace("\n", newline))
    _same_positions_as_libcst(EVERY_SYNTAX.rstrip("\n"))  # no newline at the end


@pytest.mark.parametrize("source", list(python_sources()))
def test_fixtures_and_rule_cases_are_walked_and_placed_as_libcst_does(source):
    _same_as_libcst(source)
    _passed_by_holds_only_what_is_passed_by(source)
    _same_positions_as_libcst(source)
