"""Project functions that send the SQL they are given: `def run(cur, sql): cur.execute(sql)`.

A *SQL forwarder* passes one of its parameters on as the SQL argument of an execution call or a
SQL constructor (`pinlint.python.sql_calls`), or to another forwarder at such a parameter. A
string passed to it there is SQL, as if written in that call. This module finds the top-level
forwarders of a project module with Python's own parser, for `pinlint.python.project_index`; the
linted module's own functions and methods are followed by the visitor as it walks them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from pinlint.python.sql_calls import (
    BATCH_HELPERS, EXECUTION_METHODS, LIBRARY_METHODS, SQL_CONSTRUCTORS, SQL_KEYWORDS,
)


@dataclass(frozen=True)
class SqlForwarder:
    name: str
    positional: tuple[str, ...]  # the parameters a call's positional arguments fill, in order
    reaching: frozenset[str]  # the parameters whose value is sent as SQL


def _names(words) -> str:
    return "|".join(sorted(map(re.escape, words)))


# Whether a module can send SQL itself: it calls an execution method or a SQL constructor. Only
# such a module (or one importing a forwarder) is parsed.
SENDS_SQL = re.compile(
    rf"\.[ \t]*(?:{_names(EXECUTION_METHODS | set(LIBRARY_METHODS))})[ \t]*\("
    rf"|\b(?:{_names(SQL_CONSTRUCTORS | BATCH_HELPERS)})[ \t]*\("
)


def find_forwarders(
    tree: ast.Module, imported: Callable[[str], bool], forwarder_of: Callable[[ast.expr], SqlForwarder | None]
) -> dict[str, SqlForwarder]:
    """The module's top-level forwarders. ``imported(library)``: whether the module imports it;
    ``forwarder_of(func)``: the forwarder of another module that a call's callee names."""
    functions = {
        node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    calls = {name: [n for n in ast.walk(f) if isinstance(n, ast.Call)] for name, f in functions.items()}
    reaching: dict[str, set[str]] = {name: set() for name in functions}
    found: dict[str, SqlForwarder] = {}

    def callee(func: ast.expr) -> SqlForwarder | None:
        if isinstance(func, ast.Name) and func.id in functions:
            return found.get(func.id)
        return forwarder_of(func)

    changed = True
    while changed:  # a forwarder of a forwarder of the same module is found on a later round
        changed = False
        for name, function in functions.items():
            parameters = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
            for call in calls[name]:
                for argument in _sql_arguments(call, imported, callee):
                    template = _template(argument)
                    if isinstance(template, ast.Name) and template.id in parameters and template.id not in reaching[name]:
                        reaching[name].add(template.id)
                        positional = tuple(a.arg for a in (*function.args.posonlyargs, *function.args.args))
                        found[name] = SqlForwarder(name, positional, frozenset(reaching[name]))
                        changed = True
    return found


def _sql_arguments(
    call: ast.Call, imported: Callable[[str], bool], callee: Callable[[ast.expr], SqlForwarder | None]
) -> Iterator[ast.expr]:
    """The arguments a call sends as SQL, as the visitor takes them."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    is_method = isinstance(func, ast.Attribute)
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    if name == "RunSQL":
        yield from positional[:2]
        yield from (keywords[k] for k in ("sql", "reverse_sql") if k in keywords)
    elif (
        name in SQL_CONSTRUCTORS or name in BATCH_HELPERS or is_method and name in EXECUTION_METHODS
        or is_method and any(imported(library) for library in LIBRARY_METHODS.get(name, ()))
    ):
        index = 1 if name in BATCH_HELPERS else 0
        if len(positional) > index:
            yield positional[index]
        else:
            yield from [keywords[k] for k in SQL_KEYWORDS if k in keywords][:1]
    else:
        forwarder = callee(func)
        if forwarder is not None:
            for parameter in forwarder.reaching:
                argument = argument_for(call, forwarder.positional, parameter)
                if argument is not None:
                    yield argument


def argument_for(call: ast.Call, positional: tuple[str, ...], parameter: str) -> ast.expr | None:
    """The argument a call passes at ``parameter``; None when its position is unknown."""
    for keyword in call.keywords:
        if keyword.arg == parameter:
            return keyword.value
    if parameter not in positional:
        return None
    index = positional.index(parameter)
    for position, argument in enumerate(call.args):
        if isinstance(argument, ast.Starred):
            return None
        if position == index:
            return argument
    return None


def _template(expr: ast.expr) -> ast.expr:
    """`QUERY % args` and `QUERY.format(...)` send QUERY."""
    while True:
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            expr = expr.left
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
            expr = expr.func.value
        else:
            return expr
